"""Proof that nothing was altered: every journey's hash chain recomputed from the stored rows.

Each event's hash covers its content, its metadata and the hash before it (``careplan.domain.chain``),
so an edited, deleted or reordered row breaks the chain at that row. The verifier names the first
broken link of each journey: the journey, the version and what differs. Snapshots are checked
against the verified chain too, because the application reads through them: a snapshot that
disagrees with the events would show auditors a history the events do not prove. The access log's
chain is checked from where it started (``access_start``), and the chair ledger, which no chain
covers, against the bookings the verified journeys hold (``ledger_check``).

Messages name journeys, versions, event types and hashes only, never an event's content, so a
report can be pasted into a ticket without leaking a patient reference.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from uuid import UUID

from eventsourcing.application import Application

from careplan.audit import access_chain, accounts, stored
from careplan.audit.access_log import access_log_for
from careplan.audit.findings import Break
from careplan.audit.ledger_check import check_ledger
from careplan.audit.snapshot_check import check_snapshots
from careplan.domain.chain import GENESIS
from careplan.domain.values import Fact

REORDER_SEARCH_LIMIT = 200
"""Above this many events, a broken link is reported as a mismatch without searching for its old place."""


@dataclass(frozen=True)
class JourneyCheck:
    journey_id: UUID
    events: int
    """How many stored events were checked."""
    hashes: tuple[str, ...]
    """The hashes of the events whose links hold, version 1 first; every version after them is unproven."""
    broken: Break | None = None

    @property
    def verified_through(self) -> int:
        return len(self.hashes)

    @property
    def head(self) -> str:
        """The hash of the last event whose link holds (an anchor worth keeping elsewhere)."""
        return self.hashes[-1] if self.hashes else GENESIS

    @property
    def ok(self) -> bool:
        return self.broken is None


@dataclass
class Report:
    journeys: list[JourneyCheck] = field(default_factory=list)
    accounts: list[JourneyCheck] = field(default_factory=list)
    """People's accounts, chained the same way (their breaks say ``account``)."""
    access_log: access_chain.LogCheck | None = None
    """The access log's chain; None when only some journeys were checked."""
    chair_ledger: list[Break] = field(default_factory=list)
    """Rows of the chair ledger that the journeys' events do not account for, and rows missing."""

    @property
    def breaks(self) -> list[Break]:
        found = [check.broken for check in self.journeys + self.accounts if check.broken is not None]
        if self.access_log is not None and self.access_log.broken is not None:
            found.append(self.access_log.broken)
        return found + self.chair_ledger

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def events(self) -> int:
        return sum(check.events for check in self.journeys + self.accounts)


def verify_store(
    app: Application, journey_ids: Iterable[UUID] | None = None, watch: Collection[int] | None = None
) -> Report:
    """Checks every journey, every account and the access log (or only the journeys given) and reports
    each chain's first break; ``watch`` names the access-log entries whose hashes a saved head needs
    (None: keep them all)."""
    if journey_ids is not None:
        report = Report([check_journey(app, journey_id) for journey_id in journey_ids])
    else:
        report = Report(
            [check_journey(app, journey_id) for journey_id in stored.journey_ids(app)],
            [check_account(app, account_id) for account_id in accounts.account_ids(app)],
            check_access_log(app, watch),
        )
    return check_chair_ledger(app, report, whole_store=journey_ids is None)


def check_chair_ledger(app: Application, report: Report, whole_store: bool) -> Report:
    """The chair ledger against the journeys whose chains hold (the others are named already)."""
    sound = [check.journey_id for check in report.journeys if check.ok]
    skipped = {str(check.journey_id) for check in report.journeys if not check.ok}
    found = check_ledger(app, sound, whole_store)  # type: ignore[arg-type]
    report.chair_ledger = [b for b in found if str(b.journey_id) not in skipped]
    return report


def check_access_log(app: Application, watch: Collection[int] | None = None) -> access_chain.LogCheck:
    """The access log's chain, from where it started (entries before that may lack a hash)."""
    log = access_log_for(app)  # type: ignore[arg-type]
    return access_chain.check(log.chain(), watch, log.chain_start())


def check_account(app: Application, account_id: UUID) -> JourneyCheck:
    found = accounts.rows(app, account_id)
    facts, broken = _check_chain(account_id, found)
    if broken is not None:
        broken = replace(broken, kind="account")
    return JourneyCheck(account_id, len(found), tuple(f.hash for f in facts), broken)


def check_journey(app: Application, journey_id: UUID) -> JourneyCheck:
    rows = stored.rows(app, journey_id)
    facts, broken = _check_chain(journey_id, rows)
    if broken is None:
        broken = check_snapshots(app, journey_id, facts)
    return JourneyCheck(journey_id, len(rows), tuple(f.hash for f in facts), broken)


def _check_chain(journey_id: UUID, rows: list[stored.Row]) -> tuple[list[Fact], Break | None]:
    """The facts whose links hold, in order, and the first break after them (if any)."""
    facts: list[Fact] = []
    if not rows:
        return facts, Break(journey_id, 1, "missing_event", "no event of this journey is stored")
    previous = GENESIS
    for expected, row in enumerate(rows, start=1):
        if row.version != expected:
            detail = (
                f"no event is stored at version {expected} (the stored versions jump from {expected - 1} "
                f"to {row.version}): an event was deleted"
            )
            return facts, Break(journey_id, expected, "missing_event", detail)
        if row.fact is None:
            return facts, Break(journey_id, expected, "undecodable", row.problem or "unreadable row")
        recomputed = stored.link_of(row.fact, previous, journey_id)
        if recomputed != row.fact.hash:
            return facts, _diagnose(journey_id, rows, row.fact, previous, recomputed)
        facts.append(row.fact)
        previous = row.fact.hash
    return facts, None


def _diagnose(journey_id: UUID, rows: list[stored.Row], fact: Fact, previous: str, recomputed: str) -> Break:
    """Tells a reordered event (its hash holds at another place) from an altered one."""
    earlier = next((r.fact for r in rows if r.version == fact.version - 1), None)
    moved_to = _chained_version(journey_id, rows, fact)
    if moved_to is not None:
        detail = f"this {fact.type} event was chained as version {moved_to}: events were reordered"
        return Break(journey_id, fact.version, "out_of_order", detail)
    if earlier is not None and fact.recorded_at < earlier.recorded_at:
        detail = (
            f"this {fact.type} event was recorded at {fact.recorded_at.isoformat()}, before the event at "
            f"version {earlier.version} ({earlier.recorded_at.isoformat()}): events were reordered"
        )
        return Break(journey_id, fact.version, "out_of_order", detail)
    detail = (
        f"the stored hash of this {fact.type} event ({fact.hash[:16]}…) differs from the hash recomputed from "
        f"its content, metadata and the previous link ({recomputed[:16]}…): its content, metadata or hash "
        "was altered"
    )
    return Break(journey_id, fact.version, "hash_mismatch", detail)


def _chained_version(journey_id: UUID, rows: list[stored.Row], fact: Fact) -> int | None:
    """The other version at which this fact's stored hash holds, after any stored hash, if one does."""
    if len(rows) > REORDER_SEARCH_LIMIT:
        return None
    previous_hashes = [r.fact.hash for r in rows if r.fact is not None and r.fact is not fact]
    for version in range(1, len(rows) + 1):
        if version == fact.version:
            continue
        for previous in previous_hashes if version > 1 else [GENESIS]:
            if stored.link_of(fact, previous, journey_id, version) == fact.hash:
                return version
    return None
