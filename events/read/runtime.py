"""The read side of this process: one store and one query API per application instance.

``read_side_for(app)`` is what the web layer calls before each page. It first takes in what was
written since the last call (a few batches at most, so a page never waits on a long backlog: the
scheduler process, or the embedded scheduler thread, keeps the views current in the background).
"""

from __future__ import annotations

import threading

from careplan.application import CarePlan
from careplan.per_app import PerApp
from events.read.projection import BATCH, Projector
from events.read.queries import ReadSide
from events.read.store import ReadStore

CATCH_UP_BATCHES = 4

PROCESS_FOLDS = 2_000
"""Journeys this process's projector keeps folded between pages (``events.read.folding``)."""

_sides: PerApp[ReadSide] = PerApp("read_side")
_projectors: PerApp[Projector] = PerApp("projector")
_lock = threading.Lock()


def read_store_for(app: CarePlan) -> ReadStore:
    return _side(app).store


def read_side_for(app: CarePlan, catch_up: bool = True) -> ReadSide:
    """The query API over this application's read model, brought up to date first."""
    side = _side(app)
    if catch_up:
        with _lock:
            projector = _projectors.get(app)
            if projector is None:
                projector = _projectors[app] = Projector(app, side.store)
                projector.folder.size = PROCESS_FOLDS
        projector.catch_up(limit=BATCH, max_batches=CATCH_UP_BATCHES)
    return side


def _side(app: CarePlan) -> ReadSide:
    with _lock:
        side = _sides.get(app)
        if side is None:
            side = ReadSide(app, ReadStore(app))
            _sides[app] = side
        return side
