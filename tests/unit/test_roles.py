"""Who may record what is the journey's own rule (DESIGN 7.1), from one table, whatever the caller.

These tests call the aggregate directly, as a script or the demo would: no web layer checks anything.
"""

from __future__ import annotations

import pytest

from careplan.domain import catalogue, roles
from careplan.domain.errors import CorrectionNotAllowed, NotAllowed
from careplan.domain.values import Actor
from careplan.domain.vocabulary import CLINICIAN_EVENTS
from tests.unit.journeys import Journey
from web.auth import permissions

AUDITOR = Actor("ann", "auditor")
COORDINATOR = Actor("sam", "coordinator")
OTHER_COORDINATOR = Actor("kim", "coordinator")


def refused_as(j: Journey, error: type[Exception], event_type: str, data: dict[str, object], actor: Actor, **kw: object) -> Exception:
    version, history = j.version, list(j.history)
    with pytest.raises(error) as caught:
        j.record(event_type, data, actor=actor, **kw)  # type: ignore[arg-type]
    assert j.version == version and j.history == history  # nothing recorded
    return caught.value


def test_an_auditors_note_is_refused_by_the_journey_itself() -> None:
    j = Journey()
    refused = refused_as(j, NotAllowed, "NoteAdded", {"text": "Seen in the corridor"}, AUDITOR)
    assert refused.code == "forbidden" and "auditor" in str(refused)


@pytest.mark.parametrize("role", ["admin", "nurse", "system", ""])
def test_a_role_outside_the_table_records_nothing(role: str) -> None:
    refused_as(Journey(), NotAllowed, "NoteAdded", {"text": "x"}, Actor("someone", role))


def test_a_coordinators_clinical_event_is_refused() -> None:
    j = Journey()
    data = {"eligible": True, "prior_antidepressant_trials": 3, "psychotherapy_tried": True}
    refused_as(j, NotAllowed, "ConsultationCompleted", data, COORDINATOR)
    j.record("ConsultationCompleted", data)  # the clinician may


def test_the_role_is_judged_before_the_chart() -> None:
    """A refusal for the role says nothing about the journey's state (closed, paused, ...)."""
    j = Journey()
    j.record("JourneyClosed", {"outcome": "other"}, reason="Moved away")
    refused_as(j, NotAllowed, "NoteAdded", {"text": "x"}, AUDITOR)


def test_a_coordinator_may_void_an_event_of_their_own_kind_that_they_recorded() -> None:
    j = Journey()
    note = j.record("NoteAdded", {"text": "Called the patient"}, actor=COORDINATOR)
    j.record("EventEnteredInError", {"target_version": note}, reason="Wrong patient", actor=COORDINATOR)
    assert note in j.record_of().errored


def test_a_coordinator_may_not_void_a_clinicians_note_or_pause() -> None:
    j = Journey()
    note = j.record("NoteAdded", {"text": "Discussed the risks"})
    pause = j.record("JourneyPaused", {}, reason="Admitted to hospital")
    for target in (note, pause):
        refused = refused_as(j, CorrectionNotAllowed, "EventEnteredInError", {"target_version": target}, COORDINATOR, reason="x")
        assert refused.code == "correction_not_allowed"  # the API answers it 403 forbidden


def test_a_coordinator_may_not_void_another_coordinators_booking() -> None:
    j = Journey().ready_for_induction()
    booked = j.schedule(j.now.replace(hour=15), actor=OTHER_COORDINATOR)
    refused_as(j, CorrectionNotAllowed, "EventEnteredInError", {"target_version": booked}, COORDINATOR, reason="x")
    j.record("EventEnteredInError", {"target_version": booked}, reason="Booked twice", actor=OTHER_COORDINATOR)


def test_a_clinician_may_void_a_coordinators_event_and_an_auditor_nothing() -> None:
    j = Journey()
    note = j.record("NoteAdded", {"text": "Called"}, actor=COORDINATOR)
    refused_as(j, NotAllowed, "EventEnteredInError", {"target_version": note}, AUDITOR, reason="x")
    j.record("EventEnteredInError", {"target_version": note}, reason="Duplicate")


def test_a_paused_journey_refuses_a_stop_as_it_refuses_a_completion() -> None:
    j = Journey().ready_for_induction()
    j.vitals()
    j.record("JourneyPaused", {}, reason="Patient unwell")
    j.refused("journey_paused", "InfusionStopped", {"phase": "induction", "minutes_given": 10, "cause": "nausea"}, reason="x")
    j.refused("journey_paused", "InfusionCompleted", j.infusion_data())


def test_the_web_reads_the_domains_table() -> None:
    assert permissions.RECORDS is catalogue.RECORDS
    for role in (*catalogue.RECORDS, "nurse", None):
        for event_type in CLINICIAN_EVENTS:
            assert permissions.may_record(role, event_type) == roles.may_record(role, event_type)
    assert permissions.roles_recording("NoteAdded") == ("coordinator", "clinician")


def test_the_web_asks_the_domain_whether_a_coordinator_may_void_an_event() -> None:
    j = Journey()
    j.record("NoteAdded", {"text": "Clinician's note"})
    j.record("NoteAdded", {"text": "Coordinator's note"}, actor=COORDINATOR)
    clinicians, coordinators = j.history[1], j.history[2]
    assert not permissions.may_record(COORDINATOR, "EventEnteredInError", clinicians)
    assert permissions.may_record(COORDINATOR, "EventEnteredInError", coordinators)
    assert not permissions.may_record(OTHER_COORDINATOR, "EventEnteredInError", coordinators)
