"""The messages time passing calls for (DESIGN 7.7): questionnaires by schedule, and what the outbox
must carry (an infusion reminder to the patient, a link to the patient, a safety alert to the on-call
clinician and, still unacknowledged after ``safety.page_ack_minutes``, to the medical director).

Pure, like ``duties``: each duty has a deterministic key, so it is recorded once whoever sweeps. A
message is owed once what it is about is on the record (the reminder, the link, the alert), so a
sweep records the reminder and then its message (``careplan.entrypoints.scheduling.sweep`` asks again after each
round). Where a message goes (the channel) is not the domain's to know: the sweep completes the data
from the patient's details or the clinic file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from careplan.domain.record import ClinicalRecord
from careplan.domain.view import OPEN, JourneyView

PAGED_ALERTS: tuple[str, ...] = ("self_harm", "vitals")
"""The alerts that page the on-call clinician; the others wait for the dashboard."""


def message_duties(record: ClinicalRecord, view: JourneyView, now: datetime) -> Iterator[tuple[str, datetime, dict[str, Any]]]:
    """(event type, moment owed, data) of each questionnaire and message this record implies. A
    paused journey still pages for its safety alerts, and sends nothing to the patient."""
    if view.status == "active":
        yield from _scheduled_questionnaires(record, view, now)
        yield from _patient_messages(record, now)
    yield from _pages(record)


def phase_start(record: ClinicalRecord, view: JourneyView, phase: str) -> datetime | None:
    """When a phase began, while it runs: induction at its first infusion, maintenance at the
    decision to maintain. None when the phase is not running."""
    if view.steps[phase].status not in OPEN:
        return None
    if phase == "induction":
        given = record.induction_infusions()
        return given[0].start if given else None
    if record.decided("maintenance") and record.decision is not None:
        return record.decision.occurred_at
    return None


def _scheduled_questionnaires(
    record: ClinicalRecord, view: JourneyView, now: datetime
) -> Iterator[tuple[str, datetime, dict[str, Any]]]:
    """The latest slot of each schedule that is due by ``now`` (a sweep after downtime sends one
    link, not the backlog), else the next slot."""
    settings = record.protocol.questionnaires
    for schedule in settings.schedule:
        for phase in schedule.during:
            start = phase_start(record, view, phase)
            if start is None:
                continue
            every = timedelta(days=schedule.every_days)
            n = max(1, int((now - start) / every))  # the latest slot by now (or the first, still ahead)
            slot = start + n * every
            key = _questionnaire_key(schedule.instrument, phase, slot)
            if key in record.system_keys:  # sent: the next slot is what comes
                slot = start + (n + 1) * every
                key = _questionnaire_key(schedule.instrument, phase, slot)
            expires = max(slot, now) + timedelta(hours=settings.link_valid_hours)
            data = {"instrument": schedule.instrument, "key": key, "expires_at": expires.isoformat()}
            yield "QuestionnaireSent", slot, data


def _questionnaire_key(instrument: str, phase: str, slot: datetime) -> str:
    return f"questionnaire:{instrument}:{phase}:{slot.isoformat()}"


def _patient_messages(record: ClinicalRecord, now: datetime) -> Iterator[tuple[str, datetime, dict[str, Any]]]:
    """An infusion reminder (while its booking stands) and each link not yet expired, to the patient."""
    since = record.opened_at
    if since is None:
        return
    booked = {
        f"reminder:infusion:{a.version}" for a in record.appointments if a.state == "scheduled" and a.scheduled_for > now
    }  # a reminder whose booking has passed (a store from before messages) is not sent late
    for key in sorted(booked & record.system_keys):
        yield "NotificationQueued", since, _message(f"notify:{key}", "infusion_reminder", "patient", key)
    for key, link in sorted(record.questionnaires.items()):
        if link.get("answered") is None and now < datetime.fromisoformat(link["expires_at"]):
            template = f"questionnaire_{str(link['instrument']).lower()}"
            yield "NotificationQueued", since, _message(f"notify:{key}", template, "patient", key)


def _pages(record: ClinicalRecord) -> Iterator[tuple[str, datetime, dict[str, Any]]]:
    """Each self-harm or vitals alert of this course pages the on-call clinician at once, and the
    medical director ``page_ack_minutes`` after that page while the alert is still unacknowledged.
    An alert acknowledged before its page was queued needs no page (nor do those of a store from
    before paging that were worked already)."""
    wait = timedelta(minutes=record.protocol.safety.page_ack_minutes)
    for alert in record.alerts:
        if alert.kind not in PAGED_ALERTS or alert.course is not None:
            continue  # an alert carried from the previous course was paged there
        about = f"alert:{alert.version}"
        page = f"page:{alert.version}:on_call"
        paged = record.outbox.get(page)
        if paged is None and alert.acknowledged_version is not None:
            continue
        yield "NotificationQueued", alert.raised_at, _message(page, "safety_page", "on_call", about)
        if paged is not None and alert.acknowledged_version is None:
            moment = datetime.fromisoformat(paged["queued_at"]) + wait
            key = f"page:{alert.version}:medical_director"
            yield "NotificationQueued", moment, _message(key, "safety_escalation", "medical_director", about)


def _message(key: str, template: str, recipient: str, about: str) -> dict[str, Any]:
    return {"key": key, "template": template, "recipient": recipient, "subject": about}
