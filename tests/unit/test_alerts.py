"""Safety alerts that must be worked: the self-harm items of PHQ-9 and MADRS, and the infusion they stop."""

from __future__ import annotations

import pytest

from careplan.domain.errors import InvalidEvent
from careplan.domain.families.assessment import AssessmentRecorded
from tests.unit.journeys import INFUSION_MIN, Journey, default_protocol, with_settings


def madrs(j: Journey, item10: int) -> int:
    answers = [2] * 9 + [item10]
    data = {"instrument": "MADRS", "total": sum(answers), "items": answers, "context": "other"}
    return j.record("AssessmentRecorded", data)


@pytest.fixture
def j() -> Journey:
    return Journey()


@pytest.fixture
def alerted(j: Journey) -> tuple[Journey, int]:
    """Ready for induction with one infusion given, then a self-harm answer (an open alert)."""
    j.ready_for_induction()
    j.give_infusion()
    j.advance(hours=48)
    j.phq9(5, item9=1, context="infusion")
    alert = j.history[-1].version
    j.advance(hours=1)
    j.vitals(120, 80)  # before the infusion recorded now started, and after the alert
    return j, alert


def next_chair(j: Journey) -> None:
    """Pre-infusion vitals for an infusion that starts after what was just recorded (an
    acknowledgement counts only for an infusion that started after it)."""
    j.advance(minutes=INFUSION_MIN)
    j.vitals()


def test_madrs_item_10_at_3_raises_no_alert(j: Journey) -> None:
    madrs(j, 3)
    assert j.history[-1].type == "AssessmentRecorded" and j.view().alerts == []


def test_madrs_item_10_at_4_raises_a_self_harm_alert_in_the_same_save(j: Journey) -> None:
    version = madrs(j, 4)
    alert = j.history[-1]
    assert alert.type == "SafetyAlertRaised" and alert.version == version + 1
    assert alert.data["kind"] == "self_harm" and "MADRS item 10" in alert.data["reason"]


def test_the_madrs_threshold_is_a_setting_of_the_protocol() -> None:
    j = Journey(with_settings(default_protocol(), assessments={"madrs_item10_alert_at_least": 6}))
    madrs(j, 5)
    assert j.view().alerts == []
    madrs(j, 6)
    assert len(j.view().alerts) == 1


@pytest.mark.parametrize(
    "instrument, answers, total",
    [("PHQ9", None, 5), ("GAD7", [1] * 6, 6), ("MADRS", [7] + [0] * 9, 7), ("GAD7", [1] * 7, 8)],
)
def test_every_instrument_needs_its_items_summing_to_the_total(
    instrument: str, answers: list[int] | None, total: int
) -> None:
    data = {"instrument": instrument, "total": total, "items": answers}
    with pytest.raises(InvalidEvent) as caught:
        AssessmentRecorded.parse(data)
    assert "items" in caught.value.errors


def test_an_open_alert_refuses_the_infusion(alerted: tuple[Journey, int]) -> None:
    j, _ = alerted
    j.refused("open_safety_alert", "InfusionCompleted", j.infusion_data())


def test_a_moderate_risk_acknowledgement_lets_the_infusion_go_ahead(alerted: tuple[Journey, int]) -> None:
    j, alert = alerted
    j.acknowledge(alert, risk="moderate")
    next_chair(j)
    j.infuse()
    assert len(j.record_of().infusions) == 2


def test_a_high_risk_acknowledgement_keeps_the_infusion_refused(alerted: tuple[Journey, int]) -> None:
    j, alert = alerted
    j.acknowledge(alert, risk="high")
    next_chair(j)
    j.refused("high_risk_pending", "InfusionCompleted", j.infusion_data())
    assert [a.version for a in j.view().open_alerts] == [alert]


def test_a_later_low_risk_acknowledgement_of_the_same_alert_clears_it(alerted: tuple[Journey, int]) -> None:
    j, alert = alerted
    j.acknowledge(alert, risk="high")
    next_chair(j)
    j.refused("high_risk_pending", "InfusionCompleted", j.infusion_data())
    j.acknowledge(alert, risk="low")
    assert j.view().open_alerts == []
    j.refused("no_such_alert", "SafetyAlertAcknowledged", {"alert_version": alert, "risk_assessment": "low", "plan": "x"}, reason="again")
    j.refused("open_safety_alert", "InfusionCompleted", j.infusion_data())  # it started before the acknowledgement
    next_chair(j)
    j.infuse()


def test_an_acknowledgement_needs_a_risk_and_a_plan(alerted: tuple[Journey, int]) -> None:
    j, alert = alerted
    for missing in ("risk_assessment", "plan"):
        data = {"alert_version": alert, "risk_assessment": "low", "plan": "Crisis line given."}
        del data[missing]
        with pytest.raises(InvalidEvent) as caught:
            j.record("SafetyAlertAcknowledged", data, reason="seen")
        assert missing in caught.value.errors
