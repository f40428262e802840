"""One patient however the reference is typed, and alerts that follow the patient (DESIGN 7.1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careplan.domain.families.alerts import carried_alerts
from careplan.domain.patient_index import index_id, normal_reference, typed_index_id
from events.read.keys import grams, normalise
from tests.unit.journeys import Journey


@pytest.mark.parametrize("typed", ["MRN-5", " mrn-5", "mrn-5 ", "Mrn-5", "ＭＲＮ－５", "\u3000MRN-5\t"])
def test_every_typed_form_is_one_patient(typed: str) -> None:
    assert normal_reference(typed) == "mrn-5"
    assert index_id(typed) == index_id("MRN-5")


def test_case_folding_goes_beyond_lower_case() -> None:
    assert normal_reference("STRASSE-1") == normal_reference("straße-1")


def test_an_already_normal_reference_keeps_the_index_id_it_always_had() -> None:
    """Stores written before normalisation find those indexes where they were."""
    assert index_id("mrn-5") == typed_index_id("mrn-5")
    assert index_id("MRN-5") != typed_index_id("MRN-5")


def test_search_compares_the_same_normal_form() -> None:
    assert normalise(" ＭＲＮ－５") == normal_reference("MRN-5")
    assert grams("MRN-5") == grams(" mrn-5")


def alerted() -> tuple[Journey, int]:
    j = Journey().ready_for_induction()
    j.phq9(12, item9=2, context="other")
    return j, j.history[-1].version


def test_an_unacknowledged_alert_is_carried_naming_its_course() -> None:
    j, alert = alerted()
    (carried,) = carried_alerts(j.record_of(), "c0ffee00-0000-4000-8000-000000000001")
    assert carried.kind == "self_harm" and carried.course_version == alert
    assert carried.course == "c0ffee00-0000-4000-8000-000000000001"
    assert "previous course" in carried.reason and "not acknowledged" in carried.reason
    assert carried.key == f"carried:c0ffee00-0000-4000-8000-000000000001:{alert}"


def test_an_alert_last_assessed_high_is_carried_and_one_assessed_lower_is_not() -> None:
    j, alert = alerted()
    j.acknowledge(alert, risk="high")
    (carried,) = carried_alerts(j.record_of(), "prev")
    assert "assessed high risk" in carried.reason
    j.acknowledge(alert, risk="moderate")
    assert carried_alerts(j.record_of(), "prev") == []


def test_a_carried_alert_is_open_in_the_new_course_and_refuses_its_infusion() -> None:
    j, _ = alerted()
    nxt = Journey().ready_for_induction()
    for payload in carried_alerts(j.record_of(), "prev"):
        # carried at the opening, before anything of the new course: before the infusion's start
        nxt.aggregate.record_system(payload.event_type, payload.as_data(), occurred_at=nxt.now - timedelta(hours=2), now=nxt.now)
    (shown,) = nxt.view().open_alerts
    assert shown.course == "prev" and shown.course_version is not None
    nxt.vitals()
    nxt.refused("open_safety_alert", "InfusionCompleted", nxt.infusion_data())
    nxt.acknowledge(shown.version, risk="high")
    nxt.advance(minutes=45)  # judged at the infusion's start: after the acknowledgement
    nxt.vitals()
    nxt.refused("high_risk_pending", "InfusionCompleted", nxt.infusion_data())
    nxt.acknowledge(shown.version, risk="low")
    nxt.advance(minutes=45)  # the alert is worked before the next infusion starts (DESIGN 7.9)
    nxt.vitals()
    nxt.infuse()
