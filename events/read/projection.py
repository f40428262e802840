"""Keeping the read model up to date with the event store, with tracking.

Each journey's rows are replaced by rows computed from its latest state, and the position (the last
notification id taken in) is stored in the same transaction. Replaying a notification is therefore
harmless and skipping one impossible: the next reader starts after the stored position, whatever the
gaps in the notification ids (a rolled-back PostgreSQL insert leaves one for good).

Two ways in: ``Projector.catch_up`` reads the notification log (SQLite has no subscriptions; any
process may call it, a lock keeps two from applying the same batch), and on PostgreSQL the library's
``ProjectionRunner`` follows writes from every process as they commit (``start_runner``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner

from careplan.application import CarePlan
from careplan.domain.journey import PatientJourney
from careplan.startup import starting_up
from events.read.collection import collection_paused
from events.read.folding import CACHE_SIZE, Change, JourneyFolder
from events.read.rows import JourneyRows, memberships, rows_for
from events.read.store import Cursor, ReadStore

BATCH = 500
"""Notifications a page takes in per window (``events.read.runtime``): a page never waits on a long backlog."""
CHUNK = 2_000
"""Notifications read per query within a window: fewer queries, and more of a journey's events folded at once."""
WINDOW = 1_000_000
"""Notifications taken in per window by a catch-up at most: each changed journey's rows are computed
and written once per window, so a clinic's whole log (10,000 journeys, a few hundred thousand events)
is one window, and each journey's rows are computed once however its events interleave."""
WINDOW_JOURNEYS = CACHE_SIZE
"""A window also ends once it has touched this many journeys: memory is the journeys it touched,
folded (never its decoded events), no more than the folder's cache keeps anyway."""


class Stop(Protocol):
    """What the projector asks between chunks (``threading.Event`` is one)."""

    def is_set(self) -> bool: ...


Progress = Callable[[int, int], None]
"""Told (notifications taken in so far, notifications to take in) after each batch."""

_JOURNEY_COLUMNS = (
    "journey_id", "version", "status", "protocol", "current_step", "opened_ts", "updated_ts",
    "alerting", "on_hold", "blocked", "deviating", "overdue_ts", "patient_key", "payload",
)
_JOURNEY_TYPES = (
    "text", "integer", "text", "text", "text", "double precision", "double precision",
    "integer", "integer", "integer", "integer", "double precision", "text", "bytea",
)
"""The columns' PostgreSQL types (``Cursor.insert`` sends each column as an array of them)."""
_STEP_TYPES = ("text", "text", "integer", "integer", "double precision", "double precision")
_GRAM_TYPES = ("text", "text")
_COUNT_TYPES = ("text", "bigint")
_DUE_TYPES = ("text", "integer", "double precision")
_UPSERT_JOURNEY = (
    f"INSERT INTO read_journeys ({', '.join(_JOURNEY_COLUMNS)}) VALUES ({', '.join('?' * len(_JOURNEY_COLUMNS))}) "
    "ON CONFLICT (journey_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _JOURNEY_COLUMNS[1:])
)
_INSERT_STEP = (
    "INSERT INTO read_steps (journey_id, step, graced, blocked, due_ts, overdue_ts) VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_GRAM = "INSERT INTO read_grams (gram, journey_id) VALUES (?, ?) ON CONFLICT (gram, journey_id) DO NOTHING"
_ADD_COUNT = (
    "INSERT INTO read_counts (name, n) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET n = read_counts.n + excluded.n"
)
_UPSERT_DUE = (
    "INSERT INTO read_due (journey_id, version, next_duty_ts) VALUES (?, ?, ?) "
    "ON CONFLICT (journey_id) DO UPDATE SET version = excluded.version, next_duty_ts = excluded.next_duty_ts"
)
_CHUNK = 500
GRAM_COUNTER = "gram:"
"""Counters of how many references hold each piece (by its keyed hash): search starts from the rarest."""


def write_rows(
    cur: Cursor, batch: Iterable[JourneyRows], views: tuple[str, ...] = ("journeys", "due"), prefix: str = ""
) -> None:
    """Replaces the rows of each journey in the given views (the caller holds the write lock);
    ``prefix`` names a set of shadow tables (a rebuild writes ``rebuild_read_*``).

    Written in journey id order: the tables' keys are the journey id, and ten thousand random ids
    inserted in turn touch the key's pages at random, where in order they fill them one by one."""
    batch = sorted(batch, key=_journey_id)

    def sql(text: str) -> str:
        return text.replace("read_", prefix + "read_") if prefix else text

    if "journeys" in views:
        before = _memberships(cur, [r.journey_id for r in batch], sql)
        deltas: Counter[str] = Counter()
        for r in batch:
            deltas.subtract(before.get(r.journey_id, []))
            deltas.update(memberships(*_flags(r.journey)))
        cur.insert(sql(_UPSERT_JOURNEY), _JOURNEY_TYPES, [r.journey for r in batch])
        cur.delete(sql("DELETE FROM read_steps WHERE journey_id = ?"), [r.journey_id for r in batch])
        cur.insert(sql(_INSERT_STEP), _STEP_TYPES, [step for r in batch for step in r.steps])
        new = [r for r in batch if r.journey_id not in before]  # a reference never changes: pieces once
        pieces = [(r.journey_id, r.grams) for r in new]
        deltas.update(GRAM_COUNTER + g for _, grams in pieces for g in grams)
        # In index order: a rebuild's hundreds of thousands of pieces then fill the index's pages in turn.
        cur.insert(sql(_INSERT_GRAM), _GRAM_TYPES, sorted((g, journey_id) for journey_id, grams in pieces for g in grams))
        cur.insert(sql(_ADD_COUNT), _COUNT_TYPES, sorted((name, n) for name, n in deltas.items() if n))
    if "due" in views:
        cur.insert(sql(_UPSERT_DUE), _DUE_TYPES, [r.due for r in batch])


def _journey_id(rows: JourneyRows) -> str:
    return rows.journey_id


def _flags(journey_row: tuple[Any, ...]) -> tuple[str, int, int, int, int]:
    row = dict(zip(_JOURNEY_COLUMNS, journey_row))
    return row["status"], row["alerting"], row["on_hold"], row["blocked"], row["deviating"]


def _memberships(cur: Cursor, journey_ids: list[str], sql: Callable[[str], str]) -> dict[str, list[str]]:
    """The counters each stored journey adds to now, to be taken off before its new row goes in."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(journey_ids), _CHUNK):
        chunk = journey_ids[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        query = f"SELECT journey_id, status, alerting, on_hold, blocked, deviating FROM read_journeys WHERE journey_id IN ({marks})"
        for row in cur.run(sql(query), chunk).all():
            found[row["journey_id"]] = memberships(row["status"], row["alerting"], row["on_hold"], row["blocked"], row["deviating"])
    return found


def stored_versions(cur: Cursor, journey_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(journey_ids), _CHUNK):
        chunk = journey_ids[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        for row in cur.run(f"SELECT journey_id, version FROM read_journeys WHERE journey_id IN ({marks})", chunk).all():
            found[row["journey_id"]] = int(row["version"])
    return found


class Window:
    """The journeys one batch of notifications changes, folded as the batch is read.

    Each chunk's events are folded at once onto the journeys folded so far (``events.read.folding``)
    and then dropped, so a window holds its journeys, never its decoded events: a window can span
    many chunks, and each journey's rows are computed once per window however many events it had in
    it. Events the read model already holds (a runner or another process took them) are skipped.
    """

    def __init__(self, projector: Projector) -> None:
        self.projector = projector
        self.journeys: dict[str, PatientJourney | None] = {}
        self._floor: dict[str, int] = {}

    def add_notifications(self, notifications: Sequence[Notification]) -> None:
        """Folds a chunk of the log: each journey's notifications past what the read model holds are
        decoded and folded; a journey met at its first event that has a snapshot starts from it, and
        its notifications up to the snapshot are skipped undecoded."""
        folder = self.projector.folder
        by_id: dict[Any, list[Any]] = {}
        for n in notifications:
            if folder.is_journey(n.topic):
                by_id.setdefault(n.originator_id, []).append(n)
        grouped = {str(originator_id): new for originator_id, new in by_id.items()}
        self._see(grouped)
        opening = [j for j, new in grouped.items() if new[0].originator_version == 1 and self._floor[j] == 0]
        for journey_id, journey in folder.from_snapshots(opening).items():
            self.journeys[journey_id] = journey
            self._floor[journey_id] = journey.version
        decode = folder.decode
        self._fold({
            journey_id: [(n.originator_version, decode(n)) for n in new if n.originator_version > self._floor[journey_id]]
            for journey_id, new in grouped.items()
        })

    def add(self, changes: list[tuple[Any, Change]]) -> None:
        """Folds journey events already decoded, each as (originator id, (version, event))."""
        by_id: dict[Any, list[Change]] = {}
        for originator_id, change in changes:
            by_id.setdefault(originator_id, []).append(change)
        grouped = {str(originator_id): new for originator_id, new in by_id.items()}
        self._see(grouped)
        self._fold(grouped)

    def _see(self, grouped: dict[str, Any]) -> None:
        """The version the read model holds of each journey first met in this window."""
        unseen = [journey_id for journey_id in grouped if journey_id not in self._floor]
        if unseen:
            with self.projector.store.read() as cur:
                known = stored_versions(cur, unseen)
            for journey_id in unseen:
                self._floor[journey_id] = known.get(journey_id, 0)

    def _fold(self, grouped: dict[str, list[Change]]) -> None:
        folder = self.projector.folder
        for journey_id, new in grouped.items():
            floor = self._floor[journey_id]
            if new and new[0][0] <= floor:
                new = [c for c in new if c[0] > floor]
            if new:
                journey = folder.latest(journey_id, new, self.journeys.get(journey_id))
                self.journeys[journey_id] = journey
                # A journey read whole from the store may already hold events later in this window.
                self._floor[journey_id] = journey.version if journey is not None else new[-1][0]

    def rows(self) -> list[JourneyRows]:
        app = self.projector.app
        return [rows_for(app, journey) for journey in self.journeys.values() if journey is not None]


class Projector:
    """Applies notifications to the read model of one application's database.

    ``catch_up`` reads up to ``limit`` notifications at a time, folding each chunk's events onto the
    journeys it built before (``events.read.folding``) rather than reloading them, and brings each
    changed journey's rows up once per window.
    """

    def __init__(self, app: CarePlan, store: ReadStore, stop: Stop | None = None) -> None:
        self.app = app
        self.store = store
        self.stop = stop
        """Set when the process is asked to stop (SIGTERM): the catch-up commits what it has folded at
        the next chunk and returns, so a backlog never keeps a stopping scheduler (and its lock)."""
        self.folder = JourneyFolder(app)

    def catch_up(
        self,
        progress: Progress | None = None,
        limit: int = WINDOW,
        max_batches: int | None = None,
    ) -> int:
        """Takes in every notification after the stored position (or ``max_batches`` windows of up
        to ``limit`` each); returns how many were taken in. A larger window computes and writes each
        journey's rows fewer times.

        One process does it all: a forked copy sharing a long backlog once gave a rebuild 1.5 times
        on two cores, for a fork by hand, pickled rows through a pipe and a copy to kill when stuck
        (CHANGELOG, issue 20); the web app and the scheduler never used it.
        """
        taken = 0
        goal = None
        rounds = 0
        while (max_batches is None or rounds < max_batches) and not self.stopping:
            rounds += 1
            start = self.store.position()
            with collection_paused():
                newest = (self.app.recorder.max_notification_id() or 0) if progress else 0
                window = Window(self)
                last, read = self._read_into(window, start + 1, limit)
                if last is None:
                    return taken
                committed = self._commit(window.rows(), set(window.journeys), last)
            if progress is not None and goal is None:
                goal = max(0, newest - start)
            if committed:
                taken += read
                if progress is not None:
                    progress(taken, max(goal or 0, taken))
        return taken

    def _read_into(self, window: Window, start: int, limit: int) -> tuple[int | None, int]:
        """Folds up to ``limit`` notifications from ``start`` into the window; the last one's id and
        how many there were."""
        read, last = 0, None
        while read < limit and len(window.journeys) < WINDOW_JOURNEYS and not (read and self.stopping):
            want = min(CHUNK, limit - read)
            chunk = self.app.recorder.select_notifications(start=start, limit=want)
            if chunk:
                read += len(chunk)
                last = chunk[-1].id
                window.add_notifications(chunk)
                start = last + 1
            if len(chunk) < want:
                break
        return last, read

    @property
    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def take(self, events: list[Any], notification_id: int) -> bool:
        """Brings the journeys of ``events`` up to date and moves the position to ``notification_id``
        (the projection runner's way in: one event at a time, as each commit arrives)."""
        window = Window(self)
        window.add([(e.originator_id, (e.originator_version, e)) for e in events])
        return self._commit(window.rows(), set(window.journeys), notification_id)

    def _commit(self, rows: list[JourneyRows], journeys: set[str], notification_id: int) -> bool:
        """Writes a window's rows (of ``journeys``) and moves the position, in one transaction.

        The journeys were folded outside the lock; inside it, the position is read again. If another
        writer (a page's catch-up, the runner) moved it meanwhile, the window is still committed: each
        journey's row is written only where it is at least as new as the stored one, and the position
        becomes the later of the two. Dropping the window instead stalled a long catch-up for as long as
        pages kept taking in the newest events (the window restarted from a position that kept moving).
        Only a window the position has already passed is dropped (False): its rows are there.
        """
        with self.store.write() as cur:
            if self._moved(cur, notification_id):
                self._forget(journeys)  # another process took them: fold afresh next time
                return False
            self._write(cur, rows)
            self.store.set_position(cur, notification_id)
        return True

    def _moved(self, cur: Cursor, notification_id: int) -> bool:
        """Whether the position is already at or past ``notification_id`` (nothing left to add)."""
        return self.store.position(cur) >= notification_id

    def _write(self, cur: Cursor, rows: list[JourneyRows]) -> None:
        current = stored_versions(cur, [r.journey_id for r in rows])
        write_rows(cur, [r for r in rows if current.get(r.journey_id, 0) <= r.version])

    def _forget(self, journeys: Iterable[str]) -> None:
        for journey_id in journeys:
            self.folder.forget(journey_id)


class ReadProjection(Projection[PostgresTrackingRecorder]):
    """The library's projection interface over the same projector, for ``ProjectionRunner``."""

    name = "read"  # the library names the tracking table after it: read_tracking
    projector: Projector

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if isinstance(domain_event, PatientJourney.Event):
            self.projector.take([domain_event], tracking.notification_id)
        # Other aggregates' events (accounts, patient indexes) change no read row: no transaction for
        # them; the next journey event moves the position past them.


def start_runner(app: CarePlan, store: ReadStore) -> ProjectionRunner[Any, PostgresTrackingRecorder]:
    """Follows the PostgreSQL store from this process; stop it with ``runner.stop()``.

    The runner subscribes with an application of its own (it builds one from a class); the
    projection writes through this process's application and read store.
    """
    if not store.postgres:
        raise ValueError("the projection runner needs PostgreSQL; on SQLite call Projector.catch_up()")
    projector = Projector(app, store)

    class Following(CarePlan):
        name = app.name

        def __init__(self, env: Any = None) -> None:
            starting_up(lambda: super(Following, self).__init__(app.store, app.protocols, clock=app.clock))

    class Runner(ReadProjection):
        name = "read"

    Runner.projector = projector
    runner: ProjectionRunner[Any, PostgresTrackingRecorder] = ProjectionRunner(
        application_class=Following,
        projection_class=Runner,
        view_class=PostgresTrackingRecorder,
        env=app.store.library_env(),
    )
    runner.__enter__()  # enters the subscription; leave with runner.__exit__(None, None, None)
    return runner
