"""The read side of this process: one store, one query API and one projector per application instance.

The composition root (``careplan.entrypoints.bootstrap.build_app``) builds it with the application
(``build_read_model``) and keeps it on the application (``CarePlan.read_model``), so it lives and is
freed with it; an application constructed directly (a test, a benchmark) has it built by the same
function on first use. ``read_side_for(app)`` is what the web layer calls before each page: it first
takes in what was written since the last call (a few batches at most, so a page never waits on a long
backlog: the scheduler process, or the embedded scheduler thread, keeps the views current in the
background).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from careplan.application import CarePlan
from events.read.outcomes.facts import OutcomeFact
from events.read.projection import BATCH, Projector
from events.read.queries import ReadSide
from events.read.store import ReadStore

CATCH_UP_BATCHES = 4

PROCESS_FOLDS = 2_000
"""Journeys this process's projector keeps folded between pages (``events.read.folding``)."""

OutcomeFacts = dict[str, tuple[int, list[OutcomeFact]]]
"""The outcomes view's rows as last opened in this process, by journey: the version they are of and
their facts (a report opens again only the rows that changed since the last one)."""


@dataclass
class ReadModel:
    """Everything of one application's read side in this process."""

    store: ReadStore
    side: ReadSide
    projector: Projector
    outcome_facts: OutcomeFacts = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while a page catches up or the outcome facts are updated: a threaded server's pages share them."""


def build_read_model(app: CarePlan) -> ReadModel:
    """The read side of ``app``: its tables created (or, after ``careplan db setup``, checked)."""
    store = ReadStore(app)
    projector = Projector(app, store)
    projector.folder.size = PROCESS_FOLDS
    return ReadModel(store=store, side=ReadSide(app, store), projector=projector)


_building = threading.Lock()


def read_model_for(app: CarePlan) -> ReadModel:
    """The read model the composition root built for ``app``, or, for an application constructed
    directly, one built now and kept on it."""
    model = app.read_model
    if model is None:
        with _building:
            model = app.read_model
            if model is None:
                model = app.read_model = build_read_model(app)
    if not isinstance(model, ReadModel):
        raise TypeError(f"CarePlan.read_model holds {type(model).__name__}, not a ReadModel")
    return model


def read_store_for(app: CarePlan) -> ReadStore:
    return read_model_for(app).store


def read_side_for(app: CarePlan, catch_up: bool = True) -> ReadSide:
    """The query API over this application's read model, brought up to date first."""
    model = read_model_for(app)
    if catch_up:
        model.projector.catch_up(limit=BATCH, max_batches=CATCH_UP_BATCHES)
    return model.side
