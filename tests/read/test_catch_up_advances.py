"""A catch-up that meets other writers still advances, and one asked to stop stops (DESIGN 7.4).

The other writer is a page's catch-up (``read_side_for`` takes in a few small batches before each
page): it moves the position while a long catch-up is folding its window. The long one used to drop
its whole window and start again from the new position, and pages kept moving it: a scheduler's
catch-up after a bulk load advanced 5 to 25 events a second. Here the page's catch-up runs, on the same
real store, at the moment the long one has read its first chunk (its stop check is the hook).
"""

from __future__ import annotations

from typing import Any

import pytest

from events.read import projection
from events.read.projection import Projector
from events.read.rebuild import rebuild
from events.read.store import ReadStore
from tests.scheduling.journeys import CLINICIAN

JOURNEYS = 60


class PageCatchesUpMeanwhile:
    """Asked whether to stop (before a window, then between its chunks): after the window's first
    chunk, another projector (a page's) takes in a small batch and commits it; the answer is always no."""

    def __init__(self, other: Projector) -> None:
        self.other = other
        self.asked = self.taken = 0

    def is_set(self) -> bool:
        self.asked += 1
        if self.asked == 2:
            self.taken = self.other.catch_up(limit=20, max_batches=1)
        return False


class StopAfter:
    """A stop flag that is set once it has been asked ``times`` times (SIGTERM during a catch-up)."""

    def __init__(self, times: int) -> None:
        self.asked, self.times = 0, times

    def is_set(self) -> bool:
        self.asked += 1
        return self.asked > self.times


def backlog(app: Any) -> int:
    for i in range(JOURNEYS):
        journey = app.open_journey(f"MRN-LAG-{i}", actor=CLINICIAN)
        app.record(journey, "NoteAdded", {"text": "seen"}, actor=CLINICIAN)
    return int(app.recorder.max_notification_id())


def test_a_catch_up_whose_position_another_writer_moves_commits_its_window(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(projection, "CHUNK", 50)  # several chunks in one window, so there is a "meanwhile"
    newest = backlog(app)
    store = ReadStore(app)
    page = PageCatchesUpMeanwhile(Projector(app, store))
    long = Projector(app, store, stop=page)
    taken = long.catch_up(max_batches=1)  # one window: before, it was dropped when the page moved the position
    assert page.taken == 20
    assert store.position() == newest and taken == newest
    report = rebuild(app, store, swap=False)
    assert report.equal, report.differences[:5]
    assert report.compared == JOURNEYS


def test_a_catch_up_asked_to_stop_commits_what_it_read_and_returns(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projection, "CHUNK", 50)
    newest = backlog(app)
    store = ReadStore(app)
    taken = Projector(app, store, stop=StopAfter(2)).catch_up()
    assert 0 < taken < newest and store.position() == taken  # stopped mid-backlog, with its chunks kept
    assert Projector(app, store).catch_up() == newest - taken
    report = rebuild(app, store, swap=False)
    assert report.equal, report.differences[:5]
