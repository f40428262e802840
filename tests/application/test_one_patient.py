"""One patient however typed, alerts that follow the patient, and the role table, through the
application on both stores (DESIGN 7.1), as any script would call it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careplan.application import DEFAULT_PROTOCOL, CarePlan
from careplan.domain.errors import CorrectionNotAllowed, JourneyExists, NotAllowed, RuleViolation
from careplan.domain.journey import PatientJourney
from careplan.domain.patient_index import PatientIndex, typed_index_id
from careplan.domain.values import Actor
from tests.application.steps import CLINICIAN, data, ready_for_induction
from tests.conftest import Clock

AUDITOR = Actor("ann", "auditor")
COORDINATOR = Actor("sam", "coordinator")
SELF_HARM = data("AssessmentRecorded", total=14, items=[2, 2, 2, 2, 1, 1, 1, 1, 2], context="other")


def test_two_typed_forms_of_one_reference_are_one_patient(app: CarePlan) -> None:
    first = app.open_journey("MRN-5", actor=COORDINATOR)
    for typed in (" mrn-5", "Mrn-5 "):
        with pytest.raises(JourneyExists) as refused:
            app.open_journey(typed, actor=COORDINATOR)
        assert refused.value.journey_id == first
    assert app.history(first)[0].data["patient_ref"] == "MRN-5"  # stored as typed
    index = app.patient_index(" MRN-5 ")
    assert index is not None and index.open_journey == first and index.id == app.patient_index("mrn-5").id  # type: ignore[union-attr]


def test_the_next_course_of_a_differently_typed_reference_links_back(app: CarePlan) -> None:
    first = app.open_journey("MRN-6", actor=COORDINATOR)
    app.record(first, "JourneyClosed", {"outcome": "completed"}, actor=COORDINATOR, reason="Course finished")
    second = app.open_journey(" mrn-6", actor=COORDINATOR)
    assert app.history(second)[0].data["patient_ref"] == "mrn-6"  # trimmed, case kept
    assert app.courses(app.get(second)) == (first, None)


def closed_with_alert(app: CarePlan, clock: Clock, risk: str | None) -> tuple[object, int]:
    journey_id = ready_for_induction(app, clock, "MRN-7")
    facts = app.record_facts(journey_id, "AssessmentRecorded", SELF_HARM, actor=CLINICIAN)
    alert = facts[-1].version
    assert facts[-1].type == "SafetyAlertRaised"
    if risk is not None:
        ack = {"alert_version": alert, "risk_assessment": risk, "plan": "Crisis line given."}
        app.record(journey_id, "SafetyAlertAcknowledged", ack, actor=CLINICIAN, reason="Spoke with the patient")
    clock.advance(hours=1)
    app.record(journey_id, "JourneyClosed", {"outcome": "transferred"}, actor=COORDINATOR, reason="Moved clinic")
    return journey_id, alert


def test_a_high_alert_of_a_closed_course_is_open_in_the_next_course(app: CarePlan, clock: Clock) -> None:
    previous, alert = closed_with_alert(app, clock, "high")
    clock.advance(days=30)
    nxt = app.open_journey("mrn-7", actor=COORDINATOR)
    _, view = app.view(nxt)
    (carried,) = view.open_alerts
    assert not carried.acknowledged and carried.kind == "self_harm"
    assert carried.course == str(previous) and carried.course_version == alert
    raised = app.history(nxt)[1]
    assert raised.type == "SafetyAlertRaised" and raised.actor.role == "system"
    assert raised.occurred_at == app.history(nxt)[0].occurred_at  # in the opening's save and time


def test_an_unacknowledged_alert_is_carried_and_refuses_the_next_courses_infusion(app: CarePlan, clock: Clock) -> None:
    closed_with_alert(app, clock, None)
    clock.advance(days=30)
    nxt = ready_for_induction(app, clock, "MRN-7")
    (carried,) = app.view(nxt)[1].open_alerts
    with pytest.raises(RuleViolation) as refused:
        app.record(nxt, "InfusionCompleted", data("InfusionCompleted"), actor=CLINICIAN)
    assert refused.value.code == "open_safety_alert"
    ack = {"alert_version": carried.version, "risk_assessment": "low", "plan": "Seen; plan agreed."}
    app.record(nxt, "SafetyAlertAcknowledged", ack, actor=CLINICIAN, reason="Reassessed in this course")
    clock.advance(minutes=50)  # the infusion starts after the alert was worked (judged at its start)
    pre = {**data("VitalsRecorded"), "phase": "pre"}
    app.record(nxt, "VitalsRecorded", pre, actor=CLINICIAN, occurred_at=clock.now - timedelta(minutes=45))
    app.record(nxt, "InfusionCompleted", data("InfusionCompleted"), actor=CLINICIAN)


def test_an_alert_worked_to_low_risk_stays_behind(app: CarePlan, clock: Clock) -> None:
    closed_with_alert(app, clock, "low")
    nxt = app.open_journey("MRN-7", actor=COORDINATOR)
    assert app.view(nxt)[1].alerts == [] and app.get(nxt).version == 1


def test_an_auditors_note_is_refused_by_the_application(app: CarePlan) -> None:
    journey_id = app.open_journey("MRN-8", actor=COORDINATOR)
    with pytest.raises(NotAllowed) as refused:
        app.record(journey_id, "NoteAdded", {"text": "Looks fine"}, actor=AUDITOR)
    assert refused.value.code == "forbidden"
    assert app.get(journey_id).version == 1


def test_a_coordinator_voids_only_their_own_coordinator_events(app: CarePlan) -> None:
    journey_id = app.open_journey("MRN-9", actor=COORDINATOR)
    clinicians = app.record(journey_id, "NoteAdded", {"text": "Discussed risks"}, actor=CLINICIAN)
    own = app.record(journey_id, "NoteAdded", {"text": "Called the patient"}, actor=COORDINATOR)
    with pytest.raises(CorrectionNotAllowed):
        app.record(journey_id, "EventEnteredInError", {"target_version": clinicians}, actor=COORDINATOR, reason="x")
    app.record(journey_id, "EventEnteredInError", {"target_version": own}, actor=COORDINATOR, reason="Wrong patient")
    assert app.reading(journey_id).in_error(own) and not app.reading(journey_id).in_error(clinicians)


def test_a_paused_journey_refuses_a_stopped_infusion(app: CarePlan, clock: Clock) -> None:
    journey_id = ready_for_induction(app, clock, "MRN-10")
    app.record(journey_id, "JourneyPaused", {}, actor=COORDINATOR, reason="Admitted elsewhere")
    with pytest.raises(RuleViolation) as refused:
        app.record(journey_id, "InfusionStopped", data("InfusionStopped"), actor=CLINICIAN, reason="Nausea")
    assert refused.value.code == "journey_paused"


def older_store_course(app: CarePlan, typed: str, clock: Clock) -> object:
    """A course opened before references were normalised: its index is under the typed form's id."""
    journey = PatientJourney.open(typed, app.protocol(DEFAULT_PROTOCOL, opening=True), clock.now, COORDINATOR, clock.now)
    index = PatientIndex._create(PatientIndex.Started, id=typed_index_id(typed))
    index.claim(journey.id)
    app.save(journey, index)
    return journey.id


def test_a_store_not_yet_backfilled_still_refuses_a_second_course_of_the_typed_form(app: CarePlan, clock: Clock) -> None:
    old = older_store_course(app, "MRN-11", clock)
    assert app.patient_index("MRN-11") is None  # the patient's (normal) index does not know it yet
    with pytest.raises(JourneyExists) as refused:
        app.open_journey("MRN-11", actor=COORDINATOR)
    assert refused.value.journey_id == old
    clock.advance(hours=1)
    app.record(old, "JourneyClosed", {"outcome": "completed"}, actor=COORDINATOR, reason="Done")
    clock.advance(days=1)
    nxt = app.open_journey("MRN-11", actor=COORDINATOR, occurred_at=clock.now - timedelta(minutes=1))
    assert app.history(nxt)[0].data["previous_journey_id"] == str(old)
