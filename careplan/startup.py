"""Starting an application when several processes start at once (gunicorn workers, schedulers).

Lives beside the application, not in the composition root, so the read side (which starts its own
following application on PostgreSQL) can use it without importing an entry point.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import InternalError

T = TypeVar("T")
STARTUP_ATTEMPTS = 5


def starting_up(make: Callable[[], T]) -> T:
    """Retries building an application when several processes start at once on PostgreSQL: the
    library runs CREATE OR REPLACE FUNCTION on every start, and two at the same moment make
    PostgreSQL refuse one with "tuple concurrently updated" (gunicorn workers, schedulers)."""
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            return make()
        except InternalError as error:
            if "concurrently" not in str(error) or attempt == STARTUP_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")
