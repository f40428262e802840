"""The infusion chair: each rule of the protocol's ``dose`` and ``monitoring`` sections at its boundary.

The last value refused and the first accepted, with the packaged protocol (0.5..0.75 mg/kg, at least
40 min, pre-vitals at most 3 h old, alerts at 180/110, heart rate above 120, SpO2 below 92, 30 min of
observation before discharge).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from careplan.domain.families.chair import total_mg
from tests.unit.journeys import INFUSION_MIN, Journey


@pytest.fixture
def ready() -> Journey:
    return Journey().ready_for_induction()


def infusion(j: Journey, **changes: object) -> dict[str, object]:
    return {**j.infusion_data(), **changes}


# -- dose and rate ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dose, accepted", [(0.49, False), (0.5, True), (0.75, True), (0.76, False)])
def test_the_dose_must_be_within_the_protocols_range(ready: Journey, dose: float, accepted: bool) -> None:
    ready.vitals()
    if accepted:
        ready.record("InfusionCompleted", infusion(ready, dose_mg_per_kg=dose))
    else:
        failure = ready.refused("dose_out_of_range", "InfusionCompleted", infusion(ready, dose_mg_per_kg=dose))
        assert "0.5 to 0.75 mg/kg" in failure.message


@pytest.mark.parametrize("minutes, accepted", [(39, False), (40, True)])
def test_an_infusion_faster_than_40_minutes_is_refused(ready: Journey, minutes: int, accepted: bool) -> None:
    ready.vitals()
    if accepted:
        ready.record("InfusionCompleted", infusion(ready, duration_min=minutes))
    else:
        ready.refused("infusion_too_fast", "InfusionCompleted", infusion(ready, duration_min=minutes))


def test_the_total_dose_is_the_dose_per_kilogram_times_the_weight() -> None:
    assert total_mg(0.5, 70) == 35.0
    assert total_mg(0.75, 80) == 60.0


# -- pre-infusion vitals ----------------------------------------------------------------------------


def test_pre_vitals_exactly_three_hours_old_are_accepted(ready: Journey) -> None:
    ready.vitals()
    ready.advance(hours=3)
    ready.infuse()


def test_pre_vitals_three_hours_and_a_minute_old_are_stale(ready: Journey) -> None:
    ready.vitals()
    ready.advance(hours=3, minutes=1)
    ready.refused("vitals_stale", "InfusionCompleted", ready.infusion_data())
    ready.vitals()
    ready.infuse()


def test_staleness_is_judged_at_the_infusions_clinical_time(ready: Journey) -> None:
    ready.vitals(at=ready.now - timedelta(hours=5))
    ready.refused("vitals_stale", "InfusionCompleted", ready.infusion_data())
    ready.infuse(at=ready.now - timedelta(hours=2))


@pytest.mark.parametrize("heart_rate, accepted", [(120, True), (121, False)])
def test_a_pre_infusion_heart_rate_above_120_refuses_the_infusion(
    ready: Journey, heart_rate: int, accepted: bool
) -> None:
    ready.vitals(heart_rate=heart_rate)
    if accepted:
        ready.infuse()
    else:
        ready.refused("vitals_out_of_range", "InfusionCompleted", ready.infusion_data())


@pytest.mark.parametrize("spo2, accepted", [(92, True), (91, False)])
def test_a_pre_infusion_spo2_below_92_refuses_the_infusion(ready: Journey, spo2: int, accepted: bool) -> None:
    ready.vitals(spo2=spo2)
    if accepted:
        ready.infuse()
    else:
        ready.refused("vitals_out_of_range", "InfusionCompleted", ready.infusion_data())


def test_out_of_range_pre_vitals_can_be_held_and_retaken(ready: Journey) -> None:
    ready.vitals(heart_rate=148, spo2=86)
    ready.hold(reason="Tachycardic and desaturated")
    ready.advance(days=2)
    ready.vitals()
    ready.infuse()


# -- monitoring alerts ------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["during", "post"])
@pytest.mark.parametrize(
    "reading, alerts",
    [
        ({"systolic": 179, "diastolic": 109}, False),
        ({"systolic": 180, "diastolic": 100}, True),
        ({"systolic": 170, "diastolic": 110}, True),
        ({"heart_rate": 120}, False),
        ({"heart_rate": 121}, True),
        ({"spo2": 92}, False),
        ({"spo2": 91}, True),
    ],
)
def test_vitals_at_an_alert_threshold_raise_a_safety_alert_in_the_same_save(
    ready: Journey, phase: str, reading: dict[str, int], alerts: bool
) -> None:
    ready.vitals()
    ready.infuse()
    version = ready.vitals(**{"systolic": 130, "diastolic": 80, **reading}, phase=phase)
    raised = [f for f in ready.history if f.type == "SafetyAlertRaised"]
    if not alerts:
        assert raised == []
        return
    assert [f.data["kind"] for f in raised] == ["vitals"]
    assert raised[0].data["key"] == f"alert:vitals:{version}"
    assert raised[0].version == version + 1
    assert [a.kind for a in ready.view().open_alerts] == ["vitals"]


def test_pre_infusion_vitals_raise_no_alert(ready: Journey) -> None:
    ready.vitals(196, 118)
    assert not [f for f in ready.history if f.type == "SafetyAlertRaised"]


def test_during_infusion_196_over_118_alerts(ready: Journey) -> None:
    ready.vitals()
    ready.vitals(196, 118, phase="during", heart_rate=118)
    assert "196/118" in ready.view().alerts[0].reason


# -- stopped infusions ------------------------------------------------------------------------------


def test_a_stopped_infusion_does_not_count_and_needs_a_discharge(ready: Journey) -> None:
    ready.vitals()
    ready.vitals(190, 112, phase="during")
    ready.stop("hypertension", minutes=20)
    view = ready.view()
    assert view.induction_done == 0
    assert view.steps["induction"].has_flag("discharge_pending")
    ready.advance(days=2)
    ready.vitals()
    ready.refused("discharge_pending", "InfusionCompleted", ready.infusion_data())


def test_a_stopped_infusion_needs_a_reason(ready: Journey) -> None:
    ready.refused("reason_required", "InfusionStopped", {"phase": "induction", "minutes_given": 5, "cause": "nausea"})


def test_a_stopped_infusion_settles_its_appointment(ready: Journey) -> None:
    ready.schedule(ready.now + timedelta(hours=1))
    ready.advance(hours=1)
    ready.vitals()
    ready.stop("patient_request", minutes=0)
    assert ready.record_of().next_appointment("induction") is None


def stopped_then_discharged(j: Journey, minutes: int = 30) -> None:
    j.vitals()
    j.advance(minutes=minutes)
    j.stop("nausea", minutes=minutes)
    j.advance(minutes=40)
    j.recover()


def test_a_stopped_infusion_counts_for_the_spacing_rule(ready: Journey) -> None:
    stopped_then_discharged(ready)
    ready.advance(hours=24)
    ready.vitals()
    failure = ready.refused("spacing_too_short", "InfusionCompleted", ready.infusion_data())
    assert "stopped early" in failure.message
    ready.infuse(deviation="Stopped after 30 min; the anaesthetist allows a full infusion today")
    assert ready.view().steps["induction"].has_flag("deviation")


def test_a_full_infusion_48_hours_after_a_stopped_one_is_accepted(ready: Journey) -> None:
    stopped_then_discharged(ready)
    started = ready.last("InfusionStopped").occurred_at - timedelta(minutes=30)  # spacing is start to start
    next_start = started + timedelta(hours=48, minutes=-1)
    ready.advance(seconds=(next_start + timedelta(minutes=INFUSION_MIN) - ready.now).total_seconds())
    ready.vitals()
    ready.refused("spacing_too_short", "InfusionCompleted", ready.infusion_data())
    ready.advance(minutes=1)
    ready.infuse()


def test_a_stop_is_spaced_from_the_infusion_before_it(ready: Journey) -> None:
    ready.give_infusion()
    ready.advance(hours=24)
    ready.vitals()
    ready.refused("spacing_too_short", "InfusionStopped", {"phase": "induction", "minutes_given": 10, "cause": "nausea"}, reason="Nauseous")
    ready.stop("nausea", minutes=10, deviation="Patient asked to come early")


def test_a_stop_without_pre_vitals_is_refused(ready: Journey) -> None:
    ready.refused("vitals_missing", "InfusionStopped", {"phase": "induction", "minutes_given": 10, "cause": "nausea"}, reason="x")


def test_a_stop_with_stale_pre_vitals_is_refused_even_with_a_deviation(ready: Journey) -> None:
    ready.vitals()
    ready.advance(hours=3, minutes=1)
    stop = {"phase": "induction", "minutes_given": 10, "cause": "nausea"}
    ready.refused("vitals_stale", "InfusionStopped", stop, reason="Nauseous", deviation="Busy day")
    ready.vitals()
    ready.stop("nausea", minutes=10)


def test_a_stop_with_out_of_range_pre_vitals_is_refused(ready: Journey) -> None:
    ready.vitals(heart_rate=130)
    ready.refused("vitals_out_of_range", "InfusionStopped", {"phase": "induction", "minutes_given": 10, "cause": "nausea"}, reason="x")


def test_a_stop_under_a_blood_pressure_hold_is_refused(ready: Journey) -> None:
    ready.vitals(150, 95)
    stop = {"phase": "induction", "minutes_given": 10, "cause": "hypertension"}
    ready.refused("blood_pressure_hold", "InfusionStopped", stop, reason="x", deviation="Doctor's order")
    ready.override_hold()
    ready.stop("hypertension", minutes=10)


@pytest.mark.parametrize("finding, overrides", [("cardiovascular_disease", 0), ("pregnancy_or_breastfeeding", 1)])
def test_a_stop_with_an_uncleared_contraindication_is_refused(ready: Journey, finding: str, overrides: int) -> None:
    ready.screen(finding)
    for _ in range(overrides):
        ready.override(finding)
    ready.vitals()
    stop = {"phase": "induction", "minutes_given": 10, "cause": "nausea"}
    ready.refused("contraindicated", "InfusionStopped", stop, reason="x", deviation="Doctor's order")


def test_a_contraindication_found_in_maintenance_refuses_the_infusion_and_the_stop(ready: Journey) -> None:
    ready.induction()
    ready.advance(days=1)
    ready.phq9(8, context="response_check")
    ready.review_response("maintenance")
    ready.advance(weeks=4)
    ready.screen("psychotic_disorder")
    ready.vitals()
    ready.refused("contraindicated", "InfusionCompleted", ready.infusion_data("maintenance"))
    stop = {"phase": "maintenance", "minutes_given": 10, "cause": "dissociation"}
    ready.refused("contraindicated", "InfusionStopped", stop, reason="x")


def test_a_stop_before_the_previous_discharge_is_refused(ready: Journey) -> None:
    ready.vitals()
    ready.infuse()
    ready.advance(hours=48)
    ready.vitals()
    stop = {"phase": "induction", "minutes_given": 10, "cause": "nausea"}
    ready.refused("discharge_pending", "InfusionStopped", stop, reason="x", deviation="Doctor's order")


@pytest.mark.parametrize("risk, code", [(None, "open_safety_alert"), ("high", "high_risk_pending")])
def test_a_stop_with_an_alert_open_before_it_started_is_refused(ready: Journey, risk: str | None, code: str) -> None:
    ready.phq9(12, item9=1, context="other")
    alert = ready.last("SafetyAlertRaised").version
    if risk:
        ready.acknowledge(alert, risk=risk)
    ready.advance(minutes=5)
    ready.vitals()
    ready.advance(minutes=20)
    stop = {"phase": "induction", "minutes_given": 15, "cause": "nausea"}
    ready.refused(code, "InfusionStopped", stop, reason="x", deviation="Doctor's order")
    ready.acknowledge(alert, risk="low")
    ready.refused("open_safety_alert", "InfusionStopped", stop, reason="x")  # it started before the acknowledgement
    ready.advance(minutes=20)
    ready.vitals()
    ready.stop("nausea", minutes=15)


def test_the_alert_an_infusion_is_stopped_for_does_not_refuse_the_stop(ready: Journey) -> None:
    ready.vitals()
    ready.advance(minutes=20)
    ready.vitals(192, 114, phase="during")
    assert ready.view().open_alerts
    ready.stop("hypertension", minutes=20)
    ready.advance(hours=48)
    ready.vitals(phase="post", at=ready.now - timedelta(hours=47))
    ready.discharge()
    ready.advance(minutes=INFUSION_MIN)
    ready.vitals()
    ready.refused("open_safety_alert", "InfusionCompleted", ready.infusion_data())


# -- discharge --------------------------------------------------------------------------------------


def test_the_next_infusion_waits_for_the_previous_discharge(ready: Journey) -> None:
    ready.vitals()
    ready.infuse()
    ready.advance(hours=48)
    ready.vitals()
    ready.refused("discharge_pending", "InfusionCompleted", ready.infusion_data())
    ready.recover()
    ready.advance(minutes=INFUSION_MIN)  # the next one starts after the discharge
    ready.vitals()
    ready.infuse()


@pytest.mark.parametrize("minutes, accepted", [(29, False), (30, True)])
def test_discharge_needs_30_minutes_of_observation(ready: Journey, minutes: int, accepted: bool) -> None:
    ready.vitals()
    ready.infuse()
    ready.observe()
    ready.vitals(120, 80, phase="post")
    data = ready.discharge_data(observation_min=minutes)
    if accepted:
        ready.record("DischargeAssessed", data)
        assert not ready.view().steps["induction"].has_flag("discharge_pending")
    else:
        ready.refused("discharge_not_safe", "DischargeAssessed", data)


def test_discharge_needs_post_vitals_taken_after_the_infusion(ready: Journey) -> None:
    ready.vitals()
    ready.infuse()
    ready.vitals(120, 80, phase="post", at=ready.now - timedelta(minutes=5))
    ready.observe()
    ready.refused("discharge_not_safe", "DischargeAssessed", ready.discharge_data())
    ready.vitals(120, 80, phase="post")
    ready.discharge()


@pytest.mark.parametrize(
    "post, accepted",
    [((179, 109, 120, 92), True), ((180, 90, 80, 98), False), ((130, 80, 121, 98), False), ((130, 80, 80, 91), False)],
)
def test_discharge_is_refused_while_post_vitals_are_at_an_alert_threshold(
    ready: Journey, post: tuple[int, int, int, int], accepted: bool
) -> None:
    ready.vitals()
    ready.infuse()
    ready.observe()
    s, d, hr, spo2 = post
    ready.vitals(s, d, phase="post", heart_rate=hr, spo2=spo2)
    if accepted:
        ready.discharge()
    else:
        ready.refused("discharge_not_safe", "DischargeAssessed", ready.discharge_data())


@pytest.mark.parametrize("field", ["alert_and_oriented", "escort_present"])
def test_discharge_needs_an_oriented_patient_and_an_escort(ready: Journey, field: str) -> None:
    ready.vitals()
    ready.infuse()
    ready.vitals(phase="post")
    ready.refused("discharge_not_safe", "DischargeAssessed", ready.discharge_data(**{field: False}))


def test_nothing_to_discharge_before_an_infusion(ready: Journey) -> None:
    ready.refused("nothing_to_discharge", "DischargeAssessed", ready.discharge_data())


# -- weight -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("weight, flagged", [(77, False), (77.1, True), (63, False), (62.9, True)])
def test_a_weight_change_over_10_percent_flags_the_step(ready: Journey, weight: float, flagged: bool) -> None:
    ready.give_infusion()
    ready.advance(hours=48)
    ready.vitals()
    ready.record("InfusionCompleted", infusion(ready, weight_kg=weight))
    ready.recover()
    assert ready.view().steps["induction"].has_flag("weight_changed") is flagged


def infused_at_weights(ready: Journey, weights: list[float]) -> list[str]:
    """Induction infusions 48 h apart at these weights; the reasons of the weight_changed flags."""
    for i, weight in enumerate(weights):
        if i:
            ready.advance(hours=48)
        ready.vitals()
        ready.record("InfusionCompleted", infusion(ready, weight_kg=weight))
        ready.recover()
    return [f.reason for f in ready.view().steps["induction"].flags if f.kind == "weight_changed"]


def test_a_weight_change_stays_flagged_after_a_later_infusion(ready: Journey) -> None:
    changed = infused_at_weights(ready, [80, 120, 121])
    assert len(changed) == 1
    assert "Induction infusion 2" in changed[0] and "120 kg" in changed[0] and "80 kg" in changed[0]


def test_each_weight_change_of_the_series_has_its_own_flag(ready: Journey) -> None:
    changed = infused_at_weights(ready, [80, 120, 121, 80])
    assert [r.split(" (")[0] for r in changed] == ["Induction infusion 2", "Induction infusion 4"]
    assert "121 kg" in changed[1] and "80 kg" in changed[1]
