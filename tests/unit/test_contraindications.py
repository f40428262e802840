"""Contraindications read from the protocol: absolute ones need two clinicians, a mid-series finding blocks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from careplan.domain.duties import duties
from careplan.domain.values import Actor
from tests.unit.journeys import Journey, default_protocol, with_settings

SECOND = Actor(id="dr-okafor", role="clinician")


@pytest.fixture
def j() -> Journey:
    j = Journey()
    j.consult()
    j.review_medications()
    j.phq9(20, context="baseline")
    return j


def test_a_finding_outside_the_protocol_is_refused(j: Journey) -> None:
    j.refused("unknown_finding", "ContraindicationScreened", {"findings": ["gout"]})


def test_the_new_codes_of_the_protocol_are_accepted(j: Journey) -> None:
    j.screen("aneurysm_or_avm", "bipolar_without_mood_stabiliser")
    assert j.record_of().open_findings() == ["aneurysm_or_avm", "bipolar_without_mood_stabiliser"]


def test_a_clinic_may_name_its_own_findings_in_its_protocol() -> None:
    protocol = with_settings(default_protocol(), contraindications={"relative": ("gout",)})
    j = Journey(protocol)
    j.consult()
    j.screen("gout")
    j.override("gout")
    assert j.record_of().open_findings() == []


def test_one_clinician_clears_a_relative_finding(j: Journey) -> None:
    j.screen("liver_failure")
    j.override("liver_failure")
    assert j.record_of().open_findings() == []


def test_one_clinician_does_not_clear_an_absolute_finding(j: Journey) -> None:
    j.screen("pregnancy_or_breastfeeding")
    j.override("pregnancy_or_breastfeeding", reason="Obstetric team consulted")
    assert j.record_of().open_findings() == ["pregnancy_or_breastfeeding"]
    flags = [f.reason for f in j.view().steps["contraindication_screening"].flags]
    assert any("second clinician" in reason for reason in flags)


def test_the_same_clinician_twice_is_refused(j: Journey) -> None:
    j.screen("psychotic_disorder")
    j.override("psychotic_disorder")
    j.refused("second_clinician_required", "ContraindicationOverridden", {"finding": "psychotic_disorder"}, reason="again")


def test_a_second_different_clinician_clears_an_absolute_finding(j: Journey) -> None:
    j.screen("psychotic_disorder")
    j.override("psychotic_disorder")
    j.override("psychotic_disorder", actor=SECOND)
    assert j.record_of().open_findings() == []
    j.advance(days=1)
    j.give_infusion()


def test_an_absolute_finding_overridden_once_refuses_the_infusion(j: Journey) -> None:
    j.screen("ketamine_hypersensitivity")
    j.override("ketamine_hypersensitivity")
    j.advance(days=1)
    j.vitals(120, 80)
    j.refused("contraindicated", "InfusionCompleted", j.infusion_data())


def mid_series(j: Journey) -> Journey:
    j.screen()
    j.advance(days=1)
    j.give_infusion()
    j.schedule(j.now + timedelta(days=2))
    j.advance(hours=2)
    j.screen("uncontrolled_hypertension")
    return j


def test_a_contraindication_found_mid_series_blocks_the_induction(j: Journey) -> None:
    mid_series(j)
    flags = j.view().steps["induction"].flags
    assert [f.kind for f in flags if f.kind == "blocked"] == ["blocked"]
    j.advance(hours=46)
    j.vitals(120, 80)
    j.refused("contraindicated", "InfusionCompleted", j.infusion_data())


def test_a_blocked_journey_gets_no_infusion_reminders(j: Journey) -> None:
    mid_series(j)
    later = j.now + timedelta(days=2)
    record = j.record_of()
    assert [d for d in duties(record, j.view(later), later) if d.data.get("kind") == "infusion"] == []
    j.override("uncontrolled_hypertension")
    record = j.record_of()
    assert [d for d in duties(record, j.view(later), later) if d.data.get("kind") == "infusion"] != []
