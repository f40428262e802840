"""The protocol decides: a clinic's protocol file that changes a setting changes the behaviour.

Each test loads a clinic protocol written as a file would be (the packaged document with one setting
changed, parsed by the same reader the application uses) and shows the engine follow it: a step's
``requires``, a ``due`` rule, the spacing, the window, the blood-pressure threshold, the response
thresholds and the maintenance bounds. A setting that is accepted but ignored would fail here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from importlib import resources
from typing import Any

from careplan.domain.protocol import Protocol
from events.protocol_file import parse_protocol
from tests.unit.journeys import START, Journey


def clinic_protocol(change: Callable[[dict[str, Any]], None]) -> Protocol:
    """The packaged ketamine-trd v1 document with the clinic's change, read as a file is read."""
    text = (resources.files("careplan") / "protocols" / "ketamine-trd.v1.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    change(doc)
    return parse_protocol(json.dumps(doc), "clinic.json")


def step(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc["steps"] if s["name"] == name)


def test_adding_lab_screening_to_inductions_requires_makes_induction_wait_for_the_labs() -> None:
    protocol = clinic_protocol(lambda d: step(d, "induction")["requires"].append("lab_screening"))
    j = Journey(protocol).ready_for_induction()
    j.vitals()
    j.refused("labs_pending", "InfusionCompleted", j.infusion_data())
    assert j.view().steps["induction"].status == "requested"
    for panel in protocol.lab_panels:
        j.order(panel)
        j.result(panel)
    j.vitals()
    j.infuse()
    j.recover()
    assert j.record_of().induction_infusions()
    default = Journey().ready_for_induction()  # the packaged protocol does not wait for labs
    default.vitals()
    default.infuse()


def test_a_step_that_requires_another_waits_for_it_in_the_view_and_the_rules() -> None:
    protocol = clinic_protocol(lambda d: step(d, "contraindication_screening")["requires"].append("medication_review"))
    j = Journey(protocol)
    j.consult()
    assert j.view().steps["contraindication_screening"].status == "requested"
    j.refused("prerequisite_missing", "ContraindicationScreened", {"findings": []})
    j.review_medications()
    assert j.view().steps["contraindication_screening"].status == "ready"
    j.screen()


def test_a_due_rule_from_another_anchor_and_length_moves_the_due_date() -> None:
    protocol = clinic_protocol(lambda d: step(d, "medication_review").update(due={"from": "opened", "within_days": 3}))
    j = Journey(protocol)
    j.advance(days=2)
    j.consult()
    assert j.view().steps["medication_review"].due_at == START + timedelta(days=3)
    assert Journey().view().steps["medication_review"].due_at is None  # default: from the consultation


def test_the_spacing_between_infusions_is_the_protocols() -> None:
    protocol = clinic_protocol(lambda d: d["induction"].update(min_spacing_hours=72))
    j = Journey(protocol).ready_for_induction()
    j.give_infusion()
    j.advance(hours=60)
    j.vitals()
    j.refused("spacing_too_short", "InfusionCompleted", j.infusion_data())
    j.advance(hours=12)
    j.vitals()
    j.infuse()


def test_the_induction_window_is_the_protocols() -> None:
    protocol = clinic_protocol(lambda d: d["induction"].update(window_days=12, infusions=4))
    j = Journey(protocol).ready_for_induction()
    j.give_infusion()
    j.advance(days=13)
    j.vitals()
    j.refused("induction_window_exceeded", "InfusionCompleted", j.infusion_data())
    assert j.record_of().induction_target == 4


def test_the_blood_pressure_threshold_is_the_protocols() -> None:
    protocol = clinic_protocol(lambda d: d["safety"].update(bp_hold_systolic=160, bp_hold_diastolic=100))
    j = Journey(protocol).ready_for_induction()
    j.vitals(150, 95)
    j.infuse()
    j.recover()
    j.advance(hours=48)
    j.vitals(160, 95)
    j.refused("blood_pressure_hold", "InfusionCompleted", j.infusion_data())


def test_the_response_thresholds_are_the_protocols() -> None:
    protocol = clinic_protocol(lambda d: d["response_check"].update(response_drop_pct=60, partial_drop_pct=30))
    j = Journey(protocol).ready_for_induction(baseline=20).induction()
    j.advance(days=1)
    j.phq9(9, context="response_check")  # a 55 % drop: a response by default, partial here
    assert j.view().outcome.classification == "partial"
    default = Journey().ready_for_induction(baseline=20).induction()
    default.advance(days=1)
    default.phq9(9, context="response_check")
    assert default.view().outcome.classification == "response"


def test_the_maintenance_bounds_are_the_protocols() -> None:
    protocol = clinic_protocol(lambda d: d["maintenance"].update(min_interval_weeks=3, max_interval_weeks=6))
    j = Journey(protocol).ready_for_induction().into_maintenance()
    j.refused("interval_out_of_range", "MaintenanceIntervalSet", {"weeks": 8})
    j.interval(6)
    assert j.record_of().maintenance_weeks == 6


def test_the_response_checks_requires_are_the_protocols() -> None:
    """A clinic that adds lab_screening to the response check's requires: the review waits for the
    labs in the rules and the view."""
    protocol = clinic_protocol(lambda d: step(d, "response_check")["requires"].append("lab_screening"))
    j = Journey(protocol).ready_for_induction().induction()
    j.advance(days=1)
    j.phq9(8, context="response_check")
    assert j.view().steps["response_check"].status == "requested"
    j.refused("labs_pending", "ResponseReviewed", {"decision": "maintenance"})
    for panel in protocol.lab_panels:
        j.order(panel)
        j.result(panel)
    assert j.view().steps["response_check"].status == "ready"
    j.review_response("maintenance")
    default = Journey().ready_for_induction().induction()  # the packaged protocol: induction only
    default.advance(days=1)
    default.phq9(8, context="response_check")
    default.review_response("maintenance")


def test_maintenances_requires_are_the_protocols() -> None:
    """Adding lab_screening to maintenance's requires: a maintenance infusion waits for the labs, and
    the step shows why on the blocked worklist."""
    protocol = clinic_protocol(lambda d: step(d, "maintenance")["requires"].append("lab_screening"))
    j = Journey(protocol).into_maintenance()
    j.advance(weeks=4)
    j.vitals()
    j.refused("labs_pending", "InfusionCompleted", j.infusion_data("maintenance"))
    assert any(f.kind == "blocked" and "Lab results" in f.reason for f in j.view().steps["maintenance"].flags)
    for panel in protocol.lab_panels:
        j.order(panel)
        j.result(panel)
    j.vitals()
    j.infuse("maintenance")
    assert not any(f.kind == "blocked" for f in j.view().steps["maintenance"].flags)


def test_a_due_rule_must_name_a_moment_the_engine_knows() -> None:
    import pytest

    from events.protocol_file import ProtocolFileError

    with pytest.raises(ProtocolFileError, match=r"steps\.1\.due\.from: Must be one of the moments .*opened"):
        clinic_protocol(lambda d: step(d, "medication_review").update(due={"from": "tuesday", "within_days": 3}))
    with pytest.raises(ProtocolFileError, match=r"steps\.7\.due: Maintenance is due by the interval"):
        clinic_protocol(lambda d: step(d, "maintenance").update(due={"from": "opened", "within_days": 30}))


# -- the limits no one overrides (DESIGN 7.1): each a setting of the file --------------------------


def test_the_hold_ceiling_is_the_protocols() -> None:
    protocol = clinic_protocol(
        lambda d: d["monitoring"].update(pre_hold_ceiling_systolic=200, pre_hold_ceiling_diastolic=130)
    )
    j = Journey(protocol).ready_for_induction()
    j.vitals(190, 115)  # at the packaged ceiling (180/110), under this clinic's
    j.override_hold()
    j.infuse()
    default = Journey().ready_for_induction()
    default.vitals(190, 100)
    default.refused("hold_not_overridable", "HoldOverridden", {"hold": "blood_pressure"}, reason="r")
    default.vitals(150, 112)
    default.refused("hold_not_overridable", "HoldOverridden", {"hold": "blood_pressure"}, reason="r")


def test_the_diastolic_ceiling_is_the_protocols() -> None:
    protocol = clinic_protocol(lambda d: d["monitoring"].update(pre_hold_ceiling_diastolic=100))
    j = Journey(protocol).ready_for_induction()
    j.vitals(150, 100)
    j.refused("hold_not_overridable", "HoldOverridden", {"hold": "blood_pressure"}, reason="r")


def test_the_floor_between_administrations_is_the_protocols() -> None:
    protocol = clinic_protocol(lambda d: d["dose"].update(min_hours_between_administrations=60))
    j = Journey(protocol).ready_for_induction()
    j.give_infusion()
    j.advance(hours=50)
    j.vitals()
    j.refused("administration_too_soon", "InfusionCompleted", j.infusion_data(), deviation="Travelling")
    default = Journey().ready_for_induction()
    default.give_infusion()
    default.advance(hours=50)
    default.vitals()
    default.infuse()


def test_the_most_extensions_are_the_protocols() -> None:
    def extended(protocol: Protocol | None) -> Journey:
        j = Journey(protocol).ready_for_induction().induction()
        j.advance(days=1)
        j.phq9(16, context="response_check")
        j.review_response("extend_induction")
        j.advance(days=2)
        j.induction(j.protocol.induction.extension_infusions)
        j.advance(days=1)
        j.phq9(15, context="response_check")
        return j

    twice = extended(clinic_protocol(lambda d: d["induction"].update(max_extensions=2)))
    twice.review_response("extend_induction")
    once = extended(None)
    once.refused("extensions_exhausted", "ResponseReviewed", {"decision": "extend_induction"})


def test_a_file_without_the_new_settings_keeps_their_defaults() -> None:
    def older(d: dict[str, Any]) -> None:
        del d["monitoring"]["pre_hold_ceiling_systolic"], d["monitoring"]["pre_hold_ceiling_diastolic"]
        del d["dose"]["min_hours_between_administrations"], d["induction"]["max_extensions"]

    protocol = clinic_protocol(older)
    assert (protocol.monitoring.pre_hold_ceiling_systolic, protocol.monitoring.pre_hold_ceiling_diastolic) == (180, 110)
    assert (protocol.dose.min_hours_between_administrations, protocol.induction.max_extensions) == (24, 1)


def test_a_ceiling_at_or_below_the_hold_threshold_is_refused() -> None:
    import pytest

    from events.protocol_file import ProtocolFileError

    with pytest.raises(ProtocolFileError, match=r"monitoring\.pre_hold_ceiling_systolic: Must be above"):
        clinic_protocol(lambda d: d["monitoring"].update(pre_hold_ceiling_systolic=140))
