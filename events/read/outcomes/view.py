"""The outcomes view: each journey's outcome facts, kept from the notification log with its own position.

The journeys view keeps each journey as it stands now; a report "as known on a past day" needs what
was recorded when, and which corrections came later. This view keeps, per journey, the short list of
facts the report reads (``events.read.outcomes.facts``), appended to as the log grows: a catch-up
decodes each new event once and never folds or replays a journey. The list is sealed like the journeys
view's payload (``events.read.sealed``): PHQ-9 totals are clinical.

Its position is its own (``read_tracking`` row ``<app>:outcomes``), so it can be rebuilt alone: set
back to 0 and its rows dropped, the next catch-up reads the log from the start
(``careplan projections rebuild --view outcomes``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from careplan.application import CarePlan
from careplan.domain.journey import fact_of
from careplan.domain.values import Fact
from events.read.collection import collection_paused
from events.read.folding import JourneyFolder
from events.read.outcomes.facts import OutcomeFact, facts_of
from events.read.runtime import read_model_for
from events.read.store import Cursor, ReadStore

TABLE = "read_outcomes"
CHUNK = 2_000
"""Notifications read per query."""
WINDOW = 50_000
"""Notifications taken in per transaction: a long backlog never holds the view writers' lock for long."""
_IN = 500


def _clinical(fact: OutcomeFact) -> tuple[float, int]:
    return fact[3], fact[1]


def forget_opened(app: CarePlan) -> None:
    """Drops what this process holds opened (the benchmark's cold runs)."""
    model = read_model_for(app)
    with model.lock:
        model.outcome_facts.clear()


def position_name(app: CarePlan) -> str:
    return f"{app.name}:outcomes"


class OutcomesView:
    def __init__(self, app: CarePlan, store: ReadStore) -> None:
        self.app = app
        self.store = store
        self.folder = JourneyFolder(app, size=0)  # its decoder only: nothing is folded here

    def catch_up(self) -> int:
        """Takes in every journey event after this view's position; returns how many notifications."""
        with collection_paused():
            return self._catch_up()

    def _catch_up(self) -> int:
        taken = 0
        while True:
            with self.store.write() as cur:
                start = self.store.position(cur, position_name(self.app))
                read, last = self._window(cur, start + 1)
                if last is None:
                    return taken
                self.store.set_position(cur, last, position_name(self.app))
            taken += read

    def _window(self, cur: Cursor, start: int) -> tuple[int, int | None]:
        new: dict[str, list[OutcomeFact]] = {}
        tops: dict[str, int] = {}
        read, last = 0, None
        recorder = self.app.recorder
        while read < WINDOW:
            chunk = recorder.select_notifications(start=start, limit=CHUNK)
            for n in chunk:
                if self.folder.is_journey(n.topic):
                    journey_id = str(n.originator_id)
                    change = self.folder.decode(n)
                    fact = change if type(change) is Fact else fact_of(change)
                    new.setdefault(journey_id, []).extend(facts_of(fact))
                    tops[journey_id] = max(tops.get(journey_id, 0), n.originator_version)
            if chunk:
                read += len(chunk)
                last = chunk[-1].id
                start = last + 1
            if len(chunk) < CHUNK:
                break
        if tops:
            self._write(cur, new, tops)
        return read, last

    def _write(self, cur: Cursor, new: dict[str, list[OutcomeFact]], tops: dict[str, int]) -> None:
        """Appends each journey's new facts to those stored (skipping versions already held: a
        notification taken in twice adds nothing)."""
        held = dict(self._stored(cur, list(tops)))
        rows = []
        for journey_id in sorted(tops):
            version, facts = held.get(journey_id, (0, []))
            facts = facts + [f for f in new.get(journey_id, []) if f[1] > version]
            facts.sort(key=_clinical)  # kept in clinical order, so a report never sorts them
            rows.append((journey_id, max(version, tops[journey_id]), self._seal(facts)))
        cur.many(
            f"INSERT INTO {TABLE} (journey_id, version, payload) VALUES (?, ?, ?) "
            "ON CONFLICT (journey_id) DO UPDATE SET version = excluded.version, payload = excluded.payload",
            rows,
        )

    def _stored(self, cur: Cursor, journey_ids: list[str]) -> Iterator[tuple[str, tuple[int, list[OutcomeFact]]]]:
        for at in range(0, len(journey_ids), _IN):
            chunk = journey_ids[at : at + _IN]
            marks = ", ".join("?" * len(chunk))
            query = f"SELECT journey_id, version, payload FROM {TABLE} WHERE journey_id IN ({marks})"
            for row in cur.run(query, chunk).all():
                yield row["journey_id"], (int(row["version"]), self._unseal(row["payload"]))

    def journeys(self) -> dict[str, list[OutcomeFact]]:
        """Every journey's outcome facts (after a catch-up).

        Opened rows are kept in this process by journey and version (the read model's
        ``outcome_facts``, ``events.read.runtime``): a report reads every row's id and version, and
        opens again only the rows that changed since the last one."""
        self.catch_up()
        model = read_model_for(self.app)
        held = model.outcome_facts
        with self.store.read() as cur:
            versions = {r["journey_id"]: int(r["version"]) for r in cur.run(f"SELECT journey_id, version FROM {TABLE}").all()}
            stale = {j for j, v in versions.items() if held.get(j, (0, []))[0] != v}
            if len(stale) > len(versions) // 2:
                rows = cur.run(f"SELECT journey_id, version, payload FROM {TABLE}").all()
                fresh = [(r["journey_id"], int(r["version"]), r["payload"]) for r in rows if r["journey_id"] in stale]
            else:
                fresh = [(j, v, payload) for j, (v, payload) in self._payloads(cur, sorted(stale))]
        opened = [(journey_id, version, self._unseal(payload)) for journey_id, version, payload in fresh]
        with model.lock:  # two pages' reports at once (a threaded server) update one mapping
            for journey_id, version, facts in opened:
                if held.get(journey_id, (0, []))[0] <= version:
                    held[journey_id] = (version, facts)
            if len(held) > len(versions):
                for gone in set(held) - set(versions):
                    del held[gone]
            return {journey_id: facts for journey_id, (_, facts) in held.items()}

    def _payloads(self, cur: Cursor, journey_ids: list[str]) -> Iterator[tuple[str, tuple[int, Any]]]:
        for at in range(0, len(journey_ids), _IN):
            chunk = journey_ids[at : at + _IN]
            marks = ", ".join("?" * len(chunk))
            query = f"SELECT journey_id, version, payload FROM {TABLE} WHERE journey_id IN ({marks})"
            for row in cur.run(query, chunk).all():
                yield row["journey_id"], (int(row["version"]), row["payload"])

    def rebuild(self) -> int:
        """Drops the rows and reads the log again from the start; returns the notifications read."""
        with self.store.write() as cur:
            cur.run(f"DELETE FROM {TABLE}")
            self.store.set_position(cur, 0, position_name(self.app))
        return self.catch_up()

    def _seal(self, facts: list[OutcomeFact]) -> bytes:
        plain = orjson.dumps(facts)
        cipher = self.app.mapper.cipher
        return cipher.encrypt(plain) if cipher else plain

    def _unseal(self, blob: Any) -> list[OutcomeFact]:
        data = bytes(blob)
        cipher = self.app.mapper.cipher
        return list(orjson.loads(cipher.decrypt(data) if cipher else data))
