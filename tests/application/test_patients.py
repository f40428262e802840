"""Who the patient is (DESIGN 7.3): details kept on the patient's own aggregate, on both stores."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher

from careplan.application import CarePlan
from careplan.domain.errors import InvalidEvent
from careplan.domain.patient import PatientDetails, PatientDetailsNotPermitted
from careplan.domain.values import Actor
from careplan.patients import Patients
from tests.application.steps import CLINICIAN, complete_infusion, data, ready_for_induction
from tests.application.test_encryption import readable

COORDINATOR = Actor(id="coord-lee", role="coordinator")
DETAILS: dict[str, Any] = {
    "name": "Wilhelmina Quarrington",
    "birth_date": "1981-04-30",
    "allergies": ["Penicillin", "latex"],
    "phone": "+1 212 555 0142",
    "email": "w.quarrington@example.org",
}


def test_details_are_recorded_read_back_and_replaced_whole(app: CarePlan) -> None:
    journey = app.open_journey("MRN-77", actor=CLINICIAN)
    patients = Patients(app)
    assert patients.details(journey) == PatientDetails()

    patients.record(journey, DETAILS, actor=COORDINATOR)
    read = Patients(app).details(journey)
    assert read.name == "Wilhelmina Quarrington" and read.birth_date == date(1981, 4, 30)
    assert read.allergies == ("Penicillin", "latex") and read.identified

    patients.record(journey, {"name": "Wilhelmina Quarrington", "birth_date": "1981-04-30"}, actor=CLINICIAN)
    assert Patients(app).details(journey).allergies == ()  # a PUT: what is left out is cleared


def test_the_details_follow_the_patient_into_the_next_course(app: CarePlan) -> None:
    first = app.open_journey("MRN-77", actor=CLINICIAN)
    Patients(app).record(first, DETAILS, actor=CLINICIAN)
    app.record(first, "JourneyClosed", {"outcome": "completed"}, actor=CLINICIAN, reason="Course finished")
    second = app.open_journey("MRN-77", actor=CLINICIAN)
    assert Patients(app).details(second).name == "Wilhelmina Quarrington"


def test_recording_the_same_details_again_records_nothing(app: CarePlan) -> None:
    journey = app.open_journey("MRN-77", actor=CLINICIAN)
    Patients(app).record(journey, DETAILS, actor=CLINICIAN)
    index = app.patient_index("MRN-77")
    assert index is not None
    version = index.version
    Patients(app).record(journey, DETAILS, actor=COORDINATOR)
    again = app.patient_index("MRN-77")
    assert again is not None and again.version == version


@pytest.mark.parametrize("role", ["auditor", "admin", "system"])
def test_only_clinicians_and_coordinators_record_details(app: CarePlan, role: str) -> None:
    journey = app.open_journey("MRN-77", actor=CLINICIAN)
    with pytest.raises(PatientDetailsNotPermitted) as refused:
        Patients(app).record(journey, DETAILS, actor=Actor(id="someone", role=role))
    assert refused.value.code == "forbidden"
    assert Patients(app).details(journey) == PatientDetails()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("birth_date", "1899-12-31"),
        ("birth_date", "2026-03-03"),  # the day after the test clock's today
        ("birth_date", "30/04/1981"),
        ("email", "not-an-address"),
        ("phone", "call me"),
        ("name", "x" * 201),
        ("allergies", "penicillin"),
        ("nickname", "Billie"),
    ],
)
def test_bad_details_are_refused_by_field_and_nothing_is_recorded(app: CarePlan, field: str, value: Any) -> None:
    journey = app.open_journey("MRN-77", actor=CLINICIAN)
    with pytest.raises(InvalidEvent) as refused:
        Patients(app).record(journey, {**DETAILS, field: value}, actor=CLINICIAN)
    assert set(refused.value.errors) == {field}
    assert "Wilhelmina" not in str(refused.value)
    assert Patients(app).details(journey) == PatientDetails()


def test_the_banner_gives_two_identifiers_age_weight_alerts_and_course(app: CarePlan, clock: Any) -> None:
    journey = ready_for_induction(app, clock, patient_ref="MRN-77")
    complete_infusion(app, journey, clock, after=timedelta(hours=1))
    app.record(journey, "AssessmentRecorded", data("AssessmentRecorded", items=[2, 2, 2, 2, 2, 2, 3, 2, 1]), actor=CLINICIAN)  # item 9 above 0: a self-harm alert
    Patients(app).record(journey, DETAILS, actor=CLINICIAN)
    state, view = app.view(journey)

    banner = Patients(app).banner(state, view)

    assert banner.patient_ref == "MRN-77" and banner.details.name == "Wilhelmina Quarrington"
    assert banner.age == 44  # born 1981-04-30, the test clock's today is 2026-03-02
    assert banner.last_weight_kg == data("InfusionCompleted")["weight_kg"]
    assert banner.allergies == ("Penicillin", "latex")
    assert banner.open_alerts == len(view.open_alerts) >= 1
    assert banner.course == 1


def test_details_are_encrypted_at_rest_and_never_in_a_journey_event(make_app: Any, store_url: str, clock: Any) -> None:
    app = make_app(store_url, clock, cipher_key=AESCipher.create_key(num_bytes=32))
    journey = app.open_journey("MRN-77", actor=CLINICIAN)
    Patients(app).record(journey, DETAILS, actor=CLINICIAN)
    assert not readable(store_url, "Quarrington")
    assert not readable(store_url, "555 0142")
    assert all("Quarrington" not in str(fact.data) for fact in app.history(journey))
    assert Patients(app).details(journey).name == "Wilhelmina Quarrington"


def test_the_demo_cohort_names_its_patients_with_synthetic_details(app: CarePlan) -> None:
    from careplan.demo.cohort import generate

    generate(app, 5, seed=3, now=app.clock())
    banners = []
    for journey_id in app.journey_ids():
        journey, view = app.view(journey_id)
        banners.append(Patients(app).banner(journey, view))
    assert banners and all(b.details.identified for b in banners)
    assert all(b.details.email and b.details.email.endswith("@example.org") for b in banners)
    assert all(b.age is not None and 18 <= b.age <= 73 for b in banners)
