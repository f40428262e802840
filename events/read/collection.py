"""The cyclic garbage collector paused while a catch-up folds and writes a window.

A catch-up builds many long-lived objects (each touched journey, folded) and many short-lived ones
(each chunk's decoded events), and none of them form garbage cycles that need the collector: they are
freed by reference counting as each chunk is dropped. With the collector on, its oldest generation
is walked again and again as the window's journeys accumulate: measured here, about a sixth of a
10,000-journey catch-up. The pause is process-wide (the collector has no other switch), counted so
that overlapping catch-ups in two threads resume it only when the last one ends, and it always ends
with the window: what other threads leave in cycles meanwhile is collected then.

When a long pause ends (a catch-up of a clinic's log), what it allocated and kept (the folded
journeys, millions of objects) would be walked at once by the youngest generation's collection, then
again by the middle one's, on their way to the oldest: a twentieth of a 10,000-journey catch-up went
into that first walk alone. They are moved to the oldest generation instead, without a walk
(``gc.freeze`` then ``gc.unfreeze``), as every long-lived object ends up; the full collections, which
still come as survivors accumulate, collect any cycles among them. A process that keeps objects
frozen itself (a server that froze what it loaded before forking) is left as it is.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
LONG_PAUSE = 100_000
"""Allocations during a pause from which what it kept goes straight to the oldest generation."""
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
                if gc.get_count()[0] >= LONG_PAUSE and gc.get_freeze_count() == 0:
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()
