"""The cyclic garbage collector paused while a catch-up folds and writes a window.

A catch-up builds many long-lived objects (each touched journey, folded) and many short-lived ones
(each chunk's decoded events), and none of them form garbage cycles that need the collector: they are
freed by reference counting as each chunk is dropped. With the collector on, its oldest generation
is walked again and again as the window's journeys accumulate: measured here, about a sixth of a
10,000-journey catch-up. The pause is process-wide (the collector has no other switch), counted so
that overlapping catch-ups in two threads resume it only when the last one ends, and it always ends
with the window: what other threads leave in cycles meanwhile is collected then.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def collection_paused() -> Iterator[None]:
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
