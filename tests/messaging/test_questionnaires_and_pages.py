"""Questionnaires by link, on-call pages and reminders, delivered by a real SMTP server (STARTTLS,
trusted through SSL_CERT_FILE) and a local SMS provider, on SQLite and PostgreSQL (DESIGN 7.7)."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import pytest

from careplan.application import CarePlan
from careplan.domain.errors import RuleViolation
from careplan.entrypoints.scheduling.sweep import sweep
from careplan.messaging import questionnaires
from careplan.messaging.outbox import dispatch
from careplan.patients import Patients
from events.read.runtime import read_side_for, read_store_for
from tests.conftest import Clock
from tests.messaging.conftest import BASE_URL, DIRECTOR, ON_CALL, PROM, messaging
from tests.messaging.servers import SmsProvider, SmtpServer
from tests.scheduling.journeys import CLINICIAN, infuse, ready_for_induction, schedule

PATIENT_EMAIL = "pat@home.example"
PATIENT_PHONE = "+1 555 0123"
LINK = re.compile(re.escape(BASE_URL) + r"/q/([A-Za-z0-9_-]+)")


def started_course(app: CarePlan, clock: Clock) -> UUID:
    """A patient with contact details, ready, and given the first infusion of the induction."""
    journey = app.open_journey("MRN-PROM", actor=CLINICIAN, protocol_id=PROM)
    Patients(app).record(journey, {"name": "Pat Doe", "email": PATIENT_EMAIL, "phone": PATIENT_PHONE}, actor=CLINICIAN)
    ready_for_induction(app, journey)
    clock.advance(hours=2)
    infuse(app, journey)
    return journey


def tick(app: CarePlan, clock: Clock) -> list[tuple[str, str]]:
    """What ``careplan tick`` does: record what fell due, then dispatch once."""
    recorded = sweep(app, read_store_for(app), clock.now).recorded
    dispatch(app, sleep=lambda _: None)
    return [(r.type, r.key) for r in recorded]


def types(app: CarePlan, journey: UUID, *names: str) -> list[dict[str, object]]:
    return [{"type": f.type, **f.data, "actor": f.actor.role} for f in app.history(journey) if f.type in names]


def link_in(message: object) -> str:
    body = message.get_content() if hasattr(message, "get_content") else str(message)  # type: ignore[attr-defined]
    found = LINK.search(str(body))
    assert found, body
    return found.group(1)


def test_a_scheduled_link_is_sent_answered_once_and_refused_after_use(make_prom_app, store_url, clock, smtp: SmtpServer):
    app = make_prom_app(store_url, clock, messaging(smtp, None))
    journey = started_course(app, clock)

    clock.now = clock.now + timedelta(days=7, minutes=1)
    recorded = tick(app, clock)
    sent = [k for t, k in recorded if t == "QuestionnaireSent"]
    assert [k.split(":")[1] for k in sent] == ["PHQ9"], recorded  # GAD-7 is every 14 days
    (queued,) = types(app, journey, "QuestionnaireSent")
    assert queued["channel"] == "email" and queued["actor"] == "system"
    assert set(queued) >= {"instrument", "key", "expires_at", "channel", "token_hash"}

    (mail,) = smtp.mailbox.messages
    assert smtp.mailbox.tls == [True], "mail goes only after STARTTLS"
    assert mail["To"] == PATIENT_EMAIL and f"notify:{sent[0]}" in mail["Message-ID"]
    body = mail.get_payload(decode=True).decode()
    for secret in ("PHQ", "depress", "ketamine", "MRN-PROM"):
        assert secret.lower() not in body.lower(), "messages carry no diagnosis, score or reference"
    token = link_in(body)
    assert token not in str([f.data for f in app.history(journey)]), "only the token's hash is stored"

    link = questionnaires.open_link(app, token, clock.now)
    assert link is not None and link.state == "open" and link.instrument == "PHQ9"
    before = app.get(journey).version
    assert questionnaires.answer(app, link, [1, 1, 1, 1, 1, 1, 1, 1, 0]).alert is False
    (answered,) = [a for a in types(app, journey, "AssessmentRecorded") if a["context"] == "remote"]
    assert answered["actor"] == "patient" and answered["total"] == 8 and answered["questionnaire"] == sent[0]
    assert app.get(journey).version == before + 1

    assert questionnaires.open_link(app, token, clock.now).state == "used"  # type: ignore[union-attr]
    with pytest.raises(RuleViolation) as refused:
        questionnaires.answer(app, link, [0] * 9)
    assert refused.value.code == "link_used"
    assert app.get(journey).version == before + 1, "a used link records nothing"

    # The next PHQ-9 comes a week later, once, however many sweeps run.
    clock.now = clock.now + timedelta(days=7)
    assert [t for t, _ in tick(app, clock) if t == "QuestionnaireSent"] == ["QuestionnaireSent"] * 2  # PHQ-9 and GAD-7
    assert [t for t, _ in tick(app, clock) if t == "QuestionnaireSent"] == []


def test_an_expired_link_says_so_and_records_nothing(make_prom_app, store_url, clock, smtp: SmtpServer, sms: SmsProvider):
    app = make_prom_app(store_url, clock, messaging(smtp, sms))
    journey = started_course(app, clock)
    sent = questionnaires.send_now(app, journey, "GAD7", actor=CLINICIAN)
    (requested,) = types(app, journey, "QuestionnaireSent")
    assert requested["actor"] == "clinician" and sent["key"] == requested["key"]
    tick(app, clock)
    token = link_in(smtp.mailbox.messages[-1].get_payload(decode=True).decode())

    clock.now = clock.now + timedelta(hours=72)
    link = questionnaires.open_link(app, token, clock.now)
    assert link is not None and link.state == "expired"
    before = app.get(journey).version
    with pytest.raises(RuleViolation) as refused:
        questionnaires.answer(app, link, [0] * 7)
    assert refused.value.code == "link_expired"
    assert app.get(journey).version == before
    assert questionnaires.open_link(app, token[:-2] + "AA", clock.now) is None, "a forged token opens nothing"


def test_item_9_pages_the_on_call_clinician_and_escalates_to_the_medical_director(
    make_prom_app, store_url, clock, smtp: SmtpServer, sms: SmsProvider
):
    app = make_prom_app(store_url, clock, messaging(smtp, sms))
    journey = started_course(app, clock)
    questionnaires.send_now(app, journey, "PHQ9", actor=CLINICIAN)
    tick(app, clock)
    token = link_in(smtp.mailbox.messages[-1].get_payload(decode=True).decode())
    link = questionnaires.open_link(app, token, clock.now)
    assert questionnaires.answer(app, link, [1, 1, 1, 1, 1, 1, 1, 1, 2]).alert is True  # type: ignore[arg-type]
    (alert,) = types(app, journey, "SafetyAlertRaised")
    assert alert["kind"] == "self_harm"

    clock.advance(minutes=1)
    recorded = tick(app, clock)
    assert ("NotificationQueued", f"page:{_alert_version(app, journey)}:on_call") in recorded
    assert smtp.mailbox.to()[-1] == ON_CALL
    page = smtp.mailbox.messages[-1].get_payload(decode=True).decode()
    assert str(journey) in page and "item" not in page.lower()

    clock.advance(minutes=10)
    assert not [k for _, k in tick(app, clock) if "medical_director" in k], "not before page_ack_minutes"
    clock.advance(minutes=6)
    assert [k for _, k in tick(app, clock) if "medical_director" in k]
    assert [m["to"] for m in sms.received][-1] == DIRECTOR
    assert sms.received[-1]["idempotency_key"].endswith(":medical_director")
    settled = types(app, journey, "NotificationSent", "NotificationFailed")
    queued = types(app, journey, "NotificationQueued")
    assert sorted(s["key"] for s in settled) == sorted(q["key"] for q in queued), "each queued message settled"
    assert all(s["type"] == "NotificationSent" for s in settled)
    for event in queued:
        assert ON_CALL not in str(event) and DIRECTOR not in str(event) and PATIENT_EMAIL not in str(event)


def test_an_acknowledged_alert_does_not_escalate(make_prom_app, store_url, clock, smtp: SmtpServer):
    app = make_prom_app(store_url, clock, messaging(smtp, None))
    journey = started_course(app, clock)
    questionnaires.send_now(app, journey, "PHQ9", actor=CLINICIAN)
    tick(app, clock)
    link = questionnaires.open_link(app, link_in(smtp.mailbox.messages[-1].get_payload(decode=True).decode()), clock.now)
    questionnaires.answer(app, link, [0] * 8 + [1])  # type: ignore[arg-type]
    tick(app, clock)
    clock.advance(minutes=5)
    version = _alert_version(app, journey)
    data = {"alert_version": version, "risk_assessment": "low", "plan": "Called the patient; safe at home."}
    app.record(journey, "SafetyAlertAcknowledged", data, actor=CLINICIAN, reason="called back")
    clock.advance(minutes=30)
    assert not [k for _, k in tick(app, clock) if "medical_director" in k]


def test_an_infusion_reminder_reaches_the_patient_and_asks_for_a_driver(
    make_prom_app, store_url, clock, smtp: SmtpServer
):
    app = make_prom_app(store_url, clock, messaging(smtp, None))
    journey = started_course(app, clock)
    booked = clock.now + timedelta(days=3)
    version = schedule(app, journey, booked.replace(hour=10, minute=0))
    clock.now = booked.replace(hour=10, minute=0) - timedelta(hours=24)
    recorded = tick(app, clock)
    assert ("ReminderIssued", f"reminder:infusion:{version}") in recorded
    assert ("NotificationQueued", f"notify:reminder:infusion:{version}") in recorded
    mail = smtp.mailbox.messages[-1]
    assert mail["To"] == PATIENT_EMAIL
    assert "drive you home" in mail.get_payload(decode=True).decode()


def test_no_address_on_file_is_a_failure_on_the_record_not_a_retry_loop(make_prom_app, store_url, clock, smtp: SmtpServer):
    app = make_prom_app(store_url, clock, messaging(smtp, None))
    journey = app.open_journey("MRN-NOADDR", actor=CLINICIAN, protocol_id=PROM)
    ready_for_induction(app, journey)
    version = schedule(app, journey, clock.now + timedelta(days=2))
    clock.advance(days=1, minutes=1)
    tick(app, clock)
    (failed,) = types(app, journey, "NotificationFailed")
    assert failed["key"] == f"notify:reminder:infusion:{version}" and "no email address" in str(failed["error"])
    assert smtp.mailbox.messages == []
    # The coordinator's worklist says whom to call ("could not reach"), on the blocked list.
    _, view = app.view(journey)
    (flag,) = [f for f in view.steps["induction"].flags if f.kind == "unreachable"]
    assert flag.reason == "Could not reach the patient by email: no email address on file."
    side = read_side_for(app)
    listed = side.worklist("blocked", clock.now)
    assert [s.journey_id for s in listed.items] == [journey]
    assert PATIENT_EMAIL not in str(listed)


def _alert_version(app: CarePlan, journey: UUID) -> int:
    return next(f.version for f in app.history(journey) if f.type == "SafetyAlertRaised")


def test_a_paused_journey_still_pages_and_sends_the_patient_nothing(make_prom_app, store_url, clock, smtp: SmtpServer):
    app = make_prom_app(store_url, clock, messaging(smtp, None))
    journey = started_course(app, clock)
    app.record(journey, "JourneyPaused", {}, actor=CLINICIAN, reason="Patient travelling for two weeks.")
    data = {"instrument": "PHQ9", "total": 9, "items": [1] * 9, "context": "other"}
    app.record(journey, "AssessmentRecorded", data, actor=CLINICIAN)  # item 9 at 1: a self-harm alert
    clock.now = clock.now + timedelta(days=7, minutes=1)  # a PHQ-9 link would be due if it were active
    recorded = tick(app, clock)
    assert [k for _, k in recorded] == [f"page:{_alert_version(app, journey)}:on_call"], recorded
    assert smtp.mailbox.to() == [ON_CALL], "the on-call clinician is paged; the patient gets no link"


def _reminder_queued(app: CarePlan, clock: Clock) -> tuple[UUID, str]:
    journey = started_course(app, clock)
    booked = (clock.now + timedelta(days=3)).replace(hour=10, minute=0)
    version = schedule(app, journey, booked)
    clock.now = booked - timedelta(hours=24)
    return journey, f"notify:reminder:infusion:{version}"


def test_a_provider_down_for_a_while_delays_a_message_and_loses_none(make_prom_app, store_url, clock, sms: SmsProvider):
    """Three 503s in one dispatch leave the reminder queued (not failed), and the next dispatch, the
    provider back, sends it once."""
    app = make_prom_app(store_url, clock, messaging(None, sms))
    journey, key = _reminder_queued(app, clock)
    sms.fail_next = [503, 503, 503]
    recorded = tick(app, clock)
    assert ("NotificationQueued", key) in recorded
    assert types(app, journey, "NotificationSent", "NotificationFailed") == [] and sms.received == []
    assert sms.fail_next == []  # tried three times in this dispatch
    clock.advance(minutes=1)
    result = dispatch(app, sleep=lambda _: None)
    assert [k for _, k in result.sent] == [key] and result.failed == [] and result.retrying == 0
    (sent,) = types(app, journey, "NotificationSent", "NotificationFailed")
    assert sent["type"] == "NotificationSent" and len(sms.received) == 1
    assert sms.received[0]["idempotency_key"].endswith(key)  # the same key as a retry would send


def test_a_message_its_provider_refuses_for_the_retry_window_fails_on_the_record(make_prom_app, store_url, clock, sms: SmsProvider):
    app = make_prom_app(store_url, clock, messaging(None, sms, retry_hours=2))
    journey, key = _reminder_queued(app, clock)
    sms.fail_next = [503] * 3
    tick(app, clock)
    clock.advance(hours=1)
    sms.fail_next = [503] * 3
    assert dispatch(app, sleep=lambda _: None).retrying == 1
    clock.advance(hours=1)  # two hours since it was queued
    sms.fail_next = [503] * 3
    result = dispatch(app, sleep=lambda _: None)
    assert [k for _, k in result.failed] == [key] and result.retrying == 0
    (failed,) = types(app, journey, "NotificationSent", "NotificationFailed")
    assert failed["type"] == "NotificationFailed" and failed["attempts"] == 3 and "503" in str(failed["error"])
    assert sms.received == []


def test_a_refusal_that_is_not_for_the_moment_fails_at_once(make_prom_app, store_url, clock, sms: SmsProvider):
    app = make_prom_app(store_url, clock, messaging(None, sms))
    journey, key = _reminder_queued(app, clock)
    sms.fail_next = [400]
    tick(app, clock)
    (failed,) = types(app, journey, "NotificationSent", "NotificationFailed")
    assert failed["type"] == "NotificationFailed" and failed["attempts"] == 1 and failed["key"] == key


def test_once_a_provider_is_down_its_other_messages_wait_without_a_try(make_prom_app, store_url, clock, sms: SmsProvider):
    app = make_prom_app(store_url, clock, messaging(None, sms))
    first = started_course(app, clock)
    second = app.open_journey("MRN-PROM-2", actor=CLINICIAN, protocol_id=PROM)
    Patients(app).record(second, {"name": "Sam Roe", "phone": "+1 555 0199"}, actor=CLINICIAN)
    ready_for_induction(app, second)
    clock.advance(hours=2)
    infuse(app, second)
    booked = (clock.now + timedelta(days=3)).replace(hour=10, minute=0)
    for journey in (first, second):
        schedule(app, journey, booked)
    clock.now = booked - timedelta(hours=24)
    sweep(app, read_store_for(app), clock.now)
    sms.fail_next = [503, 503, 503, 200]
    result = dispatch(app, sleep=lambda _: None)
    assert result.retrying == 2 and result.sent == [] and result.failed == []
    assert sms.fail_next == [200]  # the first message took the three tries; the second was not tried
