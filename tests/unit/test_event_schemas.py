"""The event schemas accept every valid event and refuse each broken rule under the field that broke it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from marshmallow import ValidationError

from careplan.domain.vocabulary import CLINICIAN_EVENTS, REASON_REQUIRED
from events.schemas import (
    DATA_SCHEMAS,
    EventRecordSchema,
    EventSubmission,
    validate_journey_open,
    validate_submission,
)
from tests.examples import VALID_DATA, VALID_JOURNEY_OPENED, assert_storable

R_EVENTS = [
    "ContraindicationOverridden",
    "HoldOverridden",
    "InfusionHeld",
    "InfusionCancelled",
    "EventEnteredInError",
    "JourneyPaused",
    "JourneyClosed",
    "SafetyAlertAcknowledged",
    "InfusionStopped",
]


def submission(event_type: str, reason: str | None = "clinical reason", **changes: Any) -> dict[str, Any]:
    data = {**VALID_DATA[event_type], **changes}
    body: dict[str, Any] = {"type": event_type, "data": data}
    if reason is not None:
        body["reason"] = reason
    return body


def errors_of(payload: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as refused:
        validate_submission(payload)
    return refused.value.messages  # type: ignore[return-value]


def data_errors(event_type: str, **changes: Any) -> dict[str, Any]:
    return errors_of(submission(event_type, **changes))["data"]


def test_the_examples_cover_every_clinician_event_and_the_schemas_cover_them_too() -> None:
    assert set(VALID_DATA) == set(CLINICIAN_EVENTS)
    assert set(DATA_SCHEMAS) == set(CLINICIAN_EVENTS) | {"JourneyOpened"}


def test_the_reason_required_events_are_the_ones_the_design_marks_r() -> None:
    assert set(REASON_REQUIRED) == set(R_EVENTS)


@pytest.mark.parametrize("event_type", CLINICIAN_EVENTS)
def test_a_valid_event_of_every_type_loads_into_plain_values(event_type: str) -> None:
    loaded = validate_submission(submission(event_type))
    assert isinstance(loaded, EventSubmission)
    assert loaded.type == event_type
    assert_storable(loaded.data)
    for key in VALID_DATA[event_type]:
        assert key in loaded.data


def test_journey_opened_data_has_its_defaults() -> None:
    loaded = DATA_SCHEMAS["JourneyOpened"]().load({"patient_ref": "MRN-1"})
    assert loaded == {"patient_ref": "MRN-1", "protocol": "ketamine-trd"}
    assert DATA_SCHEMAS["JourneyOpened"]().load({**VALID_JOURNEY_OPENED, "protocol_version": 2})["protocol_version"] == 2


def test_defaults_fill_in_context_side_effects_and_values() -> None:
    assessment = validate_submission(submission("AssessmentRecorded", reason=None, context=None)).data
    assert assessment["context"] == "other"
    infusion = {k: v for k, v in VALID_DATA["InfusionCompleted"].items() if k != "side_effects"}
    assert validate_submission({"type": "InfusionCompleted", "data": infusion}).data["side_effects"] == []


def test_optional_fields_sent_as_null_are_left_out() -> None:
    loaded = validate_submission(submission("VitalsRecorded", spo2=None)).data
    assert "spo2" not in loaded


def test_times_come_out_aware_in_utc_and_a_time_without_offset_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_submission(submission("InfusionScheduled", scheduled_for="2025-03-03T09:00:00"))
    assert "offset" in refused.value.messages["data"]["scheduled_for"][0]  # type: ignore[index]
    aware = validate_submission(submission("InfusionScheduled", scheduled_for="2025-03-03T09:00:00Z"))
    assert aware.data["scheduled_for"] == datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    body = {**submission("NoteAdded"), "occurred_at": "2025-03-03T11:00:00+02:00"}
    assert validate_submission(body).occurred_at == datetime(2025, 3, 3, 9, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("event_type", "changes", "field", "message"),
    [
        ("ConsultationCompleted", {"eligible": None}, "eligible", "null"),
        ("ConsultationCompleted", {"prior_antidepressant_trials": -1}, "prior_antidepressant_trials", "greater"),
        ("ConsultationCompleted", {"prior_antidepressant_trials": 1.5}, "prior_antidepressant_trials", "integer"),
        ("MedicationReviewed", {"benzodiazepine_diazepam_eq_mg": -0.5}, "benzodiazepine_diazepam_eq_mg", "greater"),
        ("MedicationReviewed", {"benzodiazepine_diazepam_eq_mg": 501}, "benzodiazepine_diazepam_eq_mg", "less"),
        ("MedicationReviewed", {"medications": [{"name": " "}]}, "medications", "blank"),
        ("MedicationReviewed", {"taper_required": "maybe"}, "taper_required", "boolean"),
        ("ContraindicationScreened", {"findings": ["liver_failure", "liver_failure"]}, "findings", "duplicates"),
        ("ContraindicationScreened", {"findings": ["Flu!"]}, "findings", "lower-case"),
        ("ContraindicationOverridden", {"finding": "Flu!"}, "finding", "lower-case"),
        ("HoldOverridden", {"hold": "weather"}, "hold", "one of"),
        ("ScreeningOrdered", {"panel": "Liver panel"}, "panel", "panel code"),  # codes are the protocol's (unknown_panel)
        ("ScreeningResulted", {"values": {"TSH": "high"}}, "values", "number"),
        ("ScreeningResulted", {"values": [1, 2]}, "values", "mapping"),
        ("AssessmentRecorded", {"instrument": "BDI"}, "instrument", "one of"),
        ("AssessmentRecorded", {"total": 28, "items": None}, "total", "27"),
        ("AssessmentRecorded", {"total": -1, "items": None}, "total", "greater"),
        ("AssessmentRecorded", {"context": "lunch"}, "context", "one of"),
        ("InfusionScheduled", {"scheduled_for": "next tuesday"}, "scheduled_for", "datetime"),
        ("InfusionScheduled", {"phase": "pre"}, "phase", "one of"),
        ("VitalsRecorded", {"systolic": 39}, "systolic", "greater"),
        ("VitalsRecorded", {"systolic": 301}, "systolic", "less"),
        ("VitalsRecorded", {"diastolic": 19}, "diastolic", "greater"),
        ("VitalsRecorded", {"diastolic": 201}, "diastolic", "less"),
        ("VitalsRecorded", {"heart_rate": 19}, "heart_rate", "greater"),
        ("VitalsRecorded", {"heart_rate": 251}, "heart_rate", "less"),
        ("VitalsRecorded", {"spo2": 49}, "spo2", "greater"),
        ("VitalsRecorded", {"spo2": 101}, "spo2", "less"),
        ("VitalsRecorded", {"systolic": 90, "diastolic": 90}, "systolic", "greater than diastolic"),
        ("VitalsRecorded", {"heart_rate": True}, "heart_rate", "integer"),
        ("InfusionCompleted", {"dose_mg_per_kg": 0.04}, "dose_mg_per_kg", "greater"),
        ("InfusionCompleted", {"dose_mg_per_kg": 2.1}, "dose_mg_per_kg", "less"),
        ("InfusionCompleted", {"weight_kg": 19}, "weight_kg", "greater"),
        ("InfusionCompleted", {"weight_kg": 351}, "weight_kg", "less"),
        ("InfusionCompleted", {"duration_min": 0}, "duration_min", "greater"),
        ("InfusionCompleted", {"duration_min": 241}, "duration_min", "less"),
        ("InfusionCompleted", {"escort_confirmed": None}, "escort_confirmed", "null"),
        ("InfusionCompleted", {"side_effects": ["hiccups"]}, "side_effects", "one of"),
        ("InfusionCompleted", {"dose_mg_per_kg": "NaN"}, "dose_mg_per_kg", "Special numeric"),
        ("ResponseReviewed", {"decision": "wait"}, "decision", "one of"),
        ("MaintenanceIntervalSet", {"weeks": 0}, "weeks", "greater"),
        ("MaintenanceIntervalSet", {"weeks": 13}, "weeks", "less"),
        ("ComplementaryCareGuidanceGiven", {"area": "yoga"}, "area", "one of"),
        ("ComplementaryCareGuidanceGiven", {"guidance": ""}, "guidance", "blank"),
        ("ComplementaryCareCheckIn", {"adherence": "most"}, "adherence", "one of"),
        ("NoteAdded", {"text": "   "}, "text", "blank"),
        ("NoteAdded", {"text": "x" * 4001}, "text", "4000"),
        ("NoteAdded", {"text": "bell\x07"}, "text", "control"),
        ("EventEnteredInError", {"target_version": 0}, "target_version", "greater"),
        ("JourneyClosed", {"outcome": "cured"}, "outcome", "one of"),
        ("SafetyAlertAcknowledged", {"alert_version": 0}, "alert_version", "greater"),
    ],
)
def test_a_broken_rule_is_refused_under_its_field(
    event_type: str, changes: dict[str, Any], field: str, message: str
) -> None:
    errors = data_errors(event_type, **changes)
    assert field in errors, errors
    assert message.lower() in str(errors[field]).lower()


@pytest.mark.parametrize(
    ("event_type", "field"),
    [
        (event_type, name)
        for event_type in CLINICIAN_EVENTS
        for name, field in DATA_SCHEMAS[event_type]().fields.items()
        if field.required
    ],
)
def test_a_missing_required_field_is_named(event_type: str, field: str) -> None:
    data = {k: v for k, v in VALID_DATA[event_type].items() if k != field}
    assert data_errors_of(event_type, data)[field] == ["Missing data for required field."]


def data_errors_of(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return errors_of({"type": event_type, "data": data, "reason": "r"})["data"]


def phq9(items: list[int], total: int | None = None) -> dict[str, Any]:
    return {"instrument": "PHQ9", "total": sum(items) if total is None else total, "items": items}


def test_phq9_items_that_do_not_add_up_to_the_total_are_refused() -> None:
    errors = data_errors_of("AssessmentRecorded", phq9([1] * 9, total=10))
    assert errors == {"items": ["The items add up to 9, but the total is 10."]}


def test_phq9_item_9_of_4_is_refused() -> None:
    errors = data_errors_of("AssessmentRecorded", phq9([0] * 8 + [4]))
    assert "Item 9" in errors["items"][0]


def test_phq9_needs_nine_items_and_item_9_of_3_is_valid() -> None:
    assert "9 items" in data_errors_of("AssessmentRecorded", phq9([1] * 8))["items"][0]
    assert validate_submission({"type": "AssessmentRecorded", "data": phq9([0] * 8 + [3])}).data["total"] == 3


@pytest.mark.parametrize(
    ("instrument", "total_max", "count", "item_max"), [("PHQ9", 27, 9, 3), ("MADRS", 60, 10, 6), ("GAD7", 21, 7, 3)]
)
def test_each_instrument_has_its_own_scale(instrument: str, total_max: int, count: int, item_max: int) -> None:
    top = {"instrument": instrument, "total": total_max, "items": [item_max] * count}
    assert validate_submission({"type": "AssessmentRecorded", "data": top}).data["total"] == total_max
    over = data_errors_of("AssessmentRecorded", {"instrument": instrument, "total": total_max + 1})
    assert str(total_max) in over["total"][0]
    too_high = [0] * (count - 1) + [item_max + 1]
    bad_item = data_errors_of("AssessmentRecorded", {"instrument": instrument, "total": item_max + 1, "items": too_high})
    assert f"Item {count}" in bad_item["items"][0]


@pytest.mark.parametrize("event_type", R_EVENTS)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_reason_is_required_for_corrections_overrides_and_holds(event_type: str, reason: str | None) -> None:
    errors = errors_of(submission(event_type, reason=reason))
    assert errors == {"reason": [f"A reason is required for {event_type}."]}


def test_a_reason_is_optional_elsewhere_and_kept_trimmed() -> None:
    assert validate_submission(submission("NoteAdded", reason=None)).reason is None
    assert validate_submission(submission("NoteAdded", reason="  phoned in  ")).reason == "phoned in"


def test_a_too_long_reason_is_refused_without_claiming_it_is_missing() -> None:
    errors = errors_of(submission("JourneyClosed", reason="x" * 2001))
    assert errors == {"reason": ["Longer than maximum length 2000."]}


def test_an_unknown_type_is_refused_under_type() -> None:
    errors = errors_of({"type": "PatientCured", "data": {}})
    assert list(errors) == ["type"]
    assert "Must be one of" in errors["type"][0]


def test_a_system_event_cannot_be_submitted() -> None:
    assert "type" in errors_of({"type": "StepBecameDue", "data": {}})


def test_unknown_fields_are_refused_at_the_top_and_in_data() -> None:
    assert errors_of({**submission("NoteAdded"), "priority": "high"}) == {"priority": ["Unknown field."]}
    assert data_errors("NoteAdded", author="me") == {"author": ["Unknown field."]}
    assert data_errors("JourneyResumed", why="back") == {"why": ["Unknown field."]}


def test_missing_data_is_checked_as_an_empty_object() -> None:
    assert errors_of({"type": "NoteAdded"}) == {"data": {"text": ["Missing data for required field."]}}
    assert validate_submission({"type": "JourneyResumed"}).data == {}


def test_expected_version_and_occurred_at_are_checked() -> None:
    errors = errors_of({**submission("NoteAdded"), "expected_version": 0, "occurred_at": "1800-01-01T00:00:00Z"})
    assert set(errors) == {"expected_version", "occurred_at"}
    assert validate_submission({**submission("NoteAdded"), "expected_version": 7}).expected_version == 7


def test_a_body_that_is_not_an_object_is_refused() -> None:
    assert errors_of(["NoteAdded"]) == {"_schema": ["Invalid input type."]}
    assert errors_of({"type": "NoteAdded", "data": "text"}) == {"data": ["Not a valid mapping."]}


def test_journey_open_takes_an_opaque_patient_reference_only() -> None:
    opening = validate_journey_open({"patient_ref": "MRN-000123", "occurred_at": "2025-01-02T08:00:00Z"})
    assert (opening.patient_ref, opening.protocol, opening.protocol_version) == ("MRN-000123", "ketamine-trd", None)
    assert opening.occurred_at == datetime(2025, 1, 2, 8, tzinfo=timezone.utc)
    for name in ["Jane Doe", "", "x" * 65, "José", "MRN-1\n"]:
        with pytest.raises(ValidationError) as refused:
            validate_journey_open({"patient_ref": name})
        assert "patient_ref" in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        validate_journey_open({"patient_ref": "MRN-1", "protocol_version": 0, "nickname": "J"})
    assert set(refused.value.messages) == {"protocol_version", "nickname"}


def test_an_event_record_dumps_as_json_ready_values() -> None:
    record = {
        "version": 4,
        "type": "InfusionScheduled",
        "occurred_at": datetime(2025, 3, 1, 10, tzinfo=timezone(timedelta(hours=1))),
        "recorded_at": datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc),
        "actor": {"id": "u-7", "role": "clinician"},
        "reason": None,
        "data": {"phase": "induction", "scheduled_for": datetime(2025, 3, 3, 9, tzinfo=timezone.utc)},
    }
    assert EventRecordSchema().dump(record) == {
        "version": 4,
        "type": "InfusionScheduled",
        "occurred_at": "2025-03-01T09:00:00+00:00",
        "recorded_at": "2025-03-01T09:30:00+00:00",
        "actor": {"id": "u-7", "role": "clinician"},
        "reason": None,
        "data": {"phase": "induction", "scheduled_for": "2025-03-03T09:00:00+00:00"},
        "entered_in_error": False,
        "deviation": None,
        "deviated": [],
    }


def test_spaces_around_a_reference_are_trimmed_and_its_case_kept() -> None:
    """DESIGN 7.1: `` mrn-5`` is a form of ``MRN-5``; what is stored is what was typed, trimmed."""
    assert validate_journey_open({"patient_ref": "  Mrn-5 "}).patient_ref == "Mrn-5"
