"""The outbox's dispatcher: every queued message sent and settled once (DESIGN 7.7).

Which journeys have messages waiting is kept in a small table beside the events, filled from the
notification log (``NotificationQueued`` only, by topic) from a stored position: a message queued
while no dispatcher ran is found by the next one. The journey's own record is the truth of what is
still queued; the table only says where to look, and a journey leaves it once nothing of it waits.

Exactly once rests on the aggregate: ``settle_notification`` records ``NotificationSent`` or
``NotificationFailed`` only for a message still queued, under the journey's version, so two
dispatchers cannot both settle one. A dispatcher killed between handing a message over and recording
it sends that message again on restart, with the same Message-ID (or SMS idempotency key): the
receiving side can tell, and the record still settles it once. Only the scheduler's leader dispatches.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from careplan.adapters.channels import Channel, Outgoing, SmsChannel, SmtpChannel, Undeliverable
from careplan.adapters.side_tables import SideTables
from careplan.application import CarePlan
from careplan.domain.errors import UnknownJourney
from careplan.domain.journey import PatientJourney, stored_class
from careplan.messaging import templates
from careplan.messaging.addresses import address
from careplan.messaging.links import link_url, make_token
from careplan.messaging.settings import MessagingSettings, messaging_for

log = logging.getLogger("careplan.outbox")

PENDING = "outbox_pending"
POSITION = "outbox_position"
DDL = (
    f"CREATE TABLE IF NOT EXISTS {PENDING} (journey_id TEXT PRIMARY KEY)",
    f"CREATE TABLE IF NOT EXISTS {POSITION} (name TEXT PRIMARY KEY, notification_id BIGINT NOT NULL)",
)
TABLES = (PENDING, POSITION)
GRANTS = {PENDING: "SELECT, INSERT, DELETE", POSITION: "SELECT, INSERT, UPDATE"}
"""What the application's role may do here (``careplan db setup``)."""
QUEUED_TOPIC = get_topic(stored_class("NotificationQueued"))
PAGE = 500
SETTLE_BATCH = 20
"""A journey's messages settled per save: fewer saves, and a crash between handing messages over and
recording them resends at most this many (each with its own Message-ID again)."""


@dataclass
class DispatchResult:
    sent: list[tuple[UUID, str]] = field(default_factory=list)
    failed: list[tuple[UUID, str]] = field(default_factory=list)
    waiting: int = 0
    """Messages left queued: no channel is set for them (the demo's outbox page), or their provider
    failed for the moment and they are tried again next time (``retrying`` of them)."""
    retrying: int = 0


@dataclass(frozen=True)
class Waiting:
    """A queued message as the outbox page shows it: what and to whom, never the address or the link."""

    journey_id: UUID
    key: str
    template: str
    recipient: str
    channel: str
    queued_at: datetime | None
    text: templates.Text


def tables(app: CarePlan) -> SideTables:
    side = SideTables(app)
    side.create(DDL)
    return side


def catch_up(app: CarePlan, side: SideTables | None = None) -> int:
    """Notes the journeys of messages queued since the stored position; returns how many it read."""
    side = side or tables(app)
    with side.cursor(commit=True) as run:
        rows = run(f"SELECT notification_id FROM {POSITION} WHERE name = ?", ("outbox",))
        position = int(rows[0][0]) if rows else 0
    total = 0
    while True:
        found = app.recorder.select_notifications(position + 1, PAGE, topics=[QUEUED_TOPIC])
        if not found:
            return total
        last = found[-1].id
        with side.cursor(commit=True) as run:
            for journey_id in sorted({str(n.originator_id) for n in found}):
                run(f"INSERT INTO {PENDING} (journey_id) VALUES (?) ON CONFLICT (journey_id) DO NOTHING", (journey_id,))
            run(
                f"INSERT INTO {POSITION} (name, notification_id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                f"SET notification_id = excluded.notification_id WHERE {POSITION}.notification_id < excluded.notification_id",
                ("outbox", last),
            )
        position, total = last, total + len(found)


def pending_journeys(app: CarePlan, side: SideTables | None = None) -> list[UUID]:
    side = side or tables(app)
    with side.cursor(commit=False) as run:
        return [UUID(str(r[0])) for r in run(f"SELECT journey_id FROM {PENDING} ORDER BY journey_id", ())]


def channels_for(settings: MessagingSettings) -> dict[str, Channel]:
    made: dict[str, Channel] = {}
    if settings.smtp is not None:
        made["email"] = SmtpChannel(settings.smtp, settings.timeout_seconds)
    if settings.sms_url is not None:
        made["sms"] = SmsChannel(settings.sms_url, settings.timeout_seconds)
    return made


def dispatch(
    app: CarePlan,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
    count_waiting: bool = False,
) -> DispatchResult:
    """Sends every queued message once and records how each went; what has no channel waits.

    With no channel at all (the demo) nothing is loaded, unless ``count_waiting`` asks how many wait
    (``careplan tick`` says so): a scheduler's every interval costs nothing there."""
    settings = messaging_for(app)
    side = tables(app)
    catch_up(app, side)
    result = DispatchResult()
    channels = channels_for(settings)
    if not channels and not count_waiting:
        return result
    down: set[str] = set()  # channels that failed for the moment in this pass: their messages wait
    try:
        for journey_id in pending_journeys(app, side):
            if stop():
                break
            waiting = _dispatch_journey(app, settings, channels, journey_id, result, sleep, down)
            if not waiting:
                with side.cursor(commit=True) as run:
                    run(f"DELETE FROM {PENDING} WHERE journey_id = ?", (str(journey_id),))
            result.waiting += waiting
    finally:
        for channel in channels.values():
            channel.close()
    if result.sent or result.failed:
        log.info("outbox: %d sent, %d failed, %d waiting", len(result.sent), len(result.failed), result.waiting)
    if result.retrying:
        log.warning("outbox: %d messages wait for a provider that failed for the moment: %s", result.retrying, ", ".join(sorted(down)))
    return result


def _dispatch_journey(
    app: CarePlan,
    settings: MessagingSettings,
    channels: dict[str, Channel],
    journey_id: UUID,
    result: DispatchResult,
    sleep: Callable[[float], None],
    down: set[str],
) -> int:
    """Sends the journey's queued messages; returns how many still wait (no channel for them, or a
    provider down for the moment)."""
    try:
        journey = app.get(journey_id)
    except UnknownJourney:
        return 0
    waiting = 0
    loaded: PatientJourney | None = journey  # settled on the journey as loaded here: no second load
    addresses: dict[tuple[str, str], str | None] = {}
    outcomes: list[tuple[str, dict[str, object]]] = []
    for key, message in sorted(journey.chart.outbox.items()):
        if message.get("state") != "queued":
            continue
        queued = {"key": key, **message}
        channel = channels.get(queued["channel"])
        if channel is None:
            waiting += 1
            continue
        if queued["channel"] in down and not _given_up(app, settings, queued):
            waiting += 1
            result.retrying += 1
            continue
        where = (queued["recipient"], queued["channel"])
        if where not in addresses:  # read once per journey and recipient, when sending
            addresses[where] = address(app, journey, *where)
        outcome = _deliver(app, settings, channel, journey, key, queued, addresses[where], sleep, down)
        if outcome is None:
            waiting += 1
            result.retrying += 1
            continue
        outcomes.append(outcome)
        if len(outcomes) == SETTLE_BATCH:
            loaded = _record(app, journey_id, outcomes, result, loaded)
            outcomes = []
    _record(app, journey_id, outcomes, result, loaded)
    return waiting


def _record(
    app: CarePlan,
    journey_id: UUID,
    outcomes: list[tuple[str, dict[str, object]]],
    result: DispatchResult,
    loaded: PatientJourney | None,
) -> PatientJourney | None:
    """Records a batch of outcomes; returns the journey after them, for the next batch."""
    settled, after = _settle(app, journey_id, outcomes, loaded)
    for (event_type, data), done in zip(outcomes, settled):
        if done:
            (result.sent if event_type == "NotificationSent" else result.failed).append((journey_id, str(data["key"])))
    return after


def outgoing(app: CarePlan, settings: MessagingSettings, journey: PatientJourney, queued: dict[str, Any], to: str) -> Outgoing:
    journey_id = UUID(str(journey.id))
    link = None
    if queued["template"].startswith("questionnaire_"):
        link = link_url(settings.base_url, make_token(app, journey_id, queued["subject"]))
    text = templates.render(
        queued["template"], journey_id=str(journey_id), base_url=settings.base_url, link=link, clinic=settings.clinic
    )
    return Outgoing(queued["key"], str(journey_id), to, text.subject, text.body)


def _deliver(
    app: CarePlan,
    settings: MessagingSettings,
    channel: Channel,
    journey: PatientJourney,
    key: str,
    queued: dict[str, Any],
    to: str | None,
    sleep: Callable[[float], None],
    down: set[str],
) -> tuple[str, dict[str, object]] | None:
    """Tries a message up to ``attempts`` times with doubling waits; the event that settles it, or
    None when the provider failed for the moment and the message waits for the next dispatch (its
    channel is then marked ``down`` for this one, so its other messages wait without a try)."""
    if not to:
        return "NotificationFailed", {"key": key, "error": f"no {queued['channel']} address on file", "attempts": 1}
    message = outgoing(app, settings, journey, queued, to)
    wait = settings.backoff_seconds
    for attempt in range(1, settings.attempts + 1):
        try:
            return "NotificationSent", {"key": key, "provider_id": channel.send(message)}
        except Undeliverable as error:
            log.warning("outbox: message %s of journey %s not delivered (try %d): %s", key, journey.id, attempt, error.reason)
            if error.transient and attempt == settings.attempts and not _given_up(app, settings, queued):
                down.add(channel.name)
                return None
            if not error.transient or attempt == settings.attempts:
                return "NotificationFailed", {"key": key, "error": error.reason, "attempts": attempt}
            sleep(wait)
            wait *= 2
    raise AssertionError("unreachable")


def _given_up(app: CarePlan, settings: MessagingSettings, queued: dict[str, Any]) -> bool:
    """Whether a message has waited ``retry_hours`` since it was queued: then a failure is final."""
    queued_at = datetime.fromisoformat(str(queued["queued_at"]))
    return app.clock() - queued_at >= timedelta(hours=settings.retry_hours)


def _settle(
    app: CarePlan, journey_id: UUID, outcomes: list[tuple[str, dict[str, object]]], loaded: PatientJourney | None
) -> tuple[list[bool], PatientJourney | None]:
    """Records how each message went, in one save, on ``loaded`` (the journey the messages were read
    from) when it is still current; whether each was settled here (not before), and the journey after.
    Another dispatcher's save in between makes the change load it afresh and judge again."""
    if not outcomes:
        return [], loaded
    settled: list[bool] = []

    def command(journey: PatientJourney, now: datetime) -> None:
        settled[:] = [journey.settle_notification(t, dict(data), now=now) for t, data in outcomes]

    changed = app.change(journey_id, command, None, loaded=loaded)
    return settled, changed.journey


def waiting_messages(app: CarePlan, limit: int = 200) -> list[Waiting]:
    """What waits in the outbox (the admins' page): each queued message with its words, the link
    left out (it would let the reader answer for the patient)."""
    settings = messaging_for(app)
    catch_up(app)
    found: list[Waiting] = []
    for journey_id in pending_journeys(app):
        try:
            journey = app.get(journey_id)
        except UnknownJourney:
            continue
        for key, message in sorted(journey.chart.outbox.items()):
            if message.get("state") != "queued":
                continue
            queued = {"key": key, **message}
            text = templates.render(
                queued["template"], journey_id=str(journey_id), base_url=settings.base_url,
                link=f"{settings.base_url}/q/…", clinic=settings.clinic,
            )
            at = datetime.fromisoformat(message["queued_at"]) if message.get("queued_at") else None
            found.append(Waiting(journey_id, key, queued["template"], queued["recipient"], queued["channel"], at, text))
            if len(found) >= limit:
                return found
    return found
