"""The session record of one administration, read from a history in clinical time (DESIGN 7.3)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from careplan.domain.administration import administrations, session_record
from careplan.domain.history import History
from careplan.domain.values import Actor, Fact

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=timezone.utc)
NURSE = Actor("nurse-ade", "clinician")


def history(*entries: tuple[str, int, dict[str, Any]]) -> History:
    """Facts in the order given (recording order), each at T0 plus its minutes."""
    return History(
        [
            Fact(version, kind, T0 + timedelta(minutes=minutes), T0 + timedelta(hours=5, minutes=version), NURSE, None, data)
            for version, (kind, minutes, data) in enumerate(entries, start=1)
        ]
    )


def vitals(phase: str, systolic: int) -> dict[str, Any]:
    return {"phase": phase, "systolic": systolic, "diastolic": 80, "heart_rate": 70}


COMPLETED = {"phase": "induction", "dose_mg_per_kg": 0.75, "weight_kg": 80, "duration_min": 40, "escort_confirmed": True}


def test_readings_fall_before_during_and_after_by_their_clinical_time_not_their_order() -> None:
    h = history(
        ("JourneyOpened", -600, {"patient_ref": "X"}),
        ("VitalsRecorded", -50, vitals("pre", 120)),  # 2: before the start (T0 - 40)
        ("InfusionCompleted", 0, COMPLETED),  # 3: 13:20 to 14:00
        ("VitalsRecorded", 45, vitals("post", 125)),  # 4
        ("VitalsRecorded", -20, vitals("during", 140)),  # 5: charted late
        ("VitalsRecorded", -10, vitals("pre", 190)),  # 6: a "pre" reading after the start is not pre-infusion
        ("DischargeAssessed", 50, {"phase": "induction", "observation_min": 90, "alert_and_oriented": True, "escort_present": True}),
        ("VitalsRecorded", 70, vitals("post", 200)),  # 8: after the discharge: not this session's
    )
    record = session_record(h, 3)
    assert record is not None
    assert record.start == T0 - timedelta(minutes=40) and record.end == T0 and record.total_mg == 60.0
    assert [(r.phase, r.systolic) for r in record.readings] == [("pre", 120), ("during", 140), ("post", 125)]
    assert record.discharge is not None and record.discharge.observed_min == 50 and record.discharge.stated_min == 90


def test_a_stopped_infusion_starts_minutes_given_before_the_stop_and_counts_as_an_administration() -> None:
    h = history(
        ("JourneyOpened", -600, {"patient_ref": "X"}),
        ("VitalsRecorded", -30, vitals("pre", 118)),
        ("InfusionStopped", 0, {"phase": "induction", "minutes_given": 12, "cause": "nausea"}),
        ("VitalsRecorded", 2880, vitals("pre", 121)),
        ("InfusionCompleted", 2930, COMPLETED),
    )
    stopped = session_record(h, 3)
    assert stopped is not None and stopped.stopped and stopped.stop_cause == "nausea"
    assert stopped.start == T0 - timedelta(minutes=12) and stopped.total_mg is None
    second = session_record(h, 5)
    assert second is not None and second.number == 2
    assert [r.systolic for r in second.readings] == [121]  # the first session's pre reading is not this one's
    assert administrations(h) == [3, 5]


def test_an_administration_entered_in_error_has_no_session_record() -> None:
    h = history(
        ("JourneyOpened", -600, {"patient_ref": "X"}),
        ("InfusionCompleted", 0, COMPLETED),
        ("EventEnteredInError", 5, {"target_version": 2}),
    )
    assert session_record(h, 2) is None and session_record(h, 1) is None and administrations(h) == []
