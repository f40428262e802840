"""A small cohort whose every figure of the outcomes report is known by hand.

Two versions of a test protocol (copies of ``ketamine-trd`` v1 under the id ``outcomes-test``), five
courses written through the application as a clinic records them (the rules judge every entry):

- v1 A: baseline 20, six infusions (the second 41 h after the first, a recorded deviation), response
  check 8 (a response), maintenance, then a PHQ-9 of 12 (a relapse);
- v1 B: baseline 16, six infusions, response check 4 (a remission), maintenance, then 9; a week later
  the check's PHQ-9 is entered in error and a 9 recorded in its place (then neither);
- v1 C: baseline 18, one infusion, closed: stopped after the first infusion;
- v1 D: consultation only;
- v2 E: baseline 22, one infusion, then a second stopped for hypertension after a vitals alert; closed.

Every course follows the same clock: consultation an hour after opening, the first infusion ending
50 h after opening (started at 49 h 20 min): 2.01 days from consultation to the first infusion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.values import Actor
from tests.application.steps import data

PROTOCOL = "outcomes-test"
CLINICIAN = Actor("dr-outcomes", "clinician")
PACKAGED = Path(__file__).resolve().parents[2] / "careplan" / "protocols" / "ketamine-trd.v1.json"


def protocol_dir(folder: Path) -> Path:
    """Versions 1 and 2 of the test protocol, as a clinic's protocol folder holds them."""
    base = json.loads(PACKAGED.read_text())
    for version in (1, 2):
        (folder / f"{PROTOCOL}.v{version}.json").write_text(json.dumps({**base, "id": PROTOCOL, "version": version}))
    return folder


def items(total: int) -> list[int]:
    """Nine PHQ-9 items summing to ``total``, item 9 (self-harm) at 0."""
    scores = []
    for _ in range(8):
        scores.append(min(3, total - sum(scores)))
    return scores + [0]


@dataclass
class Cohort:
    app: CarePlan
    clock: Any
    marks: dict[str, datetime] = field(default_factory=dict)
    versions: dict[str, dict[str, int]] = field(default_factory=dict)

    def record(self, journey: UUID, event_type: str, at: datetime | None = None, reason: str | None = None,
               deviation: str | None = None, **changes: Any) -> int:
        return self.app.record(journey, event_type, data(event_type, **changes), actor=CLINICIAN,
                               occurred_at=at, reason=reason, deviation=deviation)

    def phq9(self, journey: UUID, total: int, context: str, at: datetime | None = None) -> int:
        return self.record(journey, "AssessmentRecorded", at, total=total, items=items(total), context=context)

    def open(self, ref: str, version: int, baseline: int) -> UUID:
        journey = self.app.open_journey(ref, actor=CLINICIAN, protocol_id=PROTOCOL, protocol_version=version)
        for event_type in ("ConsultationCompleted", "MedicationReviewed", "ContraindicationScreened"):
            self.clock.advance(hours=1)
            self.record(journey, event_type)
        self.clock.advance(hours=1)
        self.phq9(journey, baseline, "baseline")
        self.clock.advance(hours=46)  # the first infusion ends 50 h after the opening
        return journey

    def infuse(self, journey: UUID, after_hours: float = 0, deviation: str | None = None) -> int:
        self.clock.advance(hours=after_hours)
        end = self.clock()
        self.record(journey, "VitalsRecorded", end - timedelta(minutes=45))
        version = self.record(journey, "InfusionCompleted", end, deviation=deviation)
        self.discharge(journey, end)
        return version

    def discharge(self, journey: UUID, end: datetime) -> None:
        self.clock.advance(minutes=35)
        self.record(journey, "VitalsRecorded", end + timedelta(minutes=31), phase="post")
        self.record(journey, "DischargeAssessed", observation_min=35)

    def series(self, journey: UUID, deviate_second: bool = False) -> None:
        self.infuse(journey)
        self.infuse(journey, 41 if deviate_second else 50, "Patient could only come on Wednesday." if deviate_second else None)
        for _ in range(4):
            self.infuse(journey, 50)

    def check(self, journey: UUID, total: int) -> int:
        self.clock.advance(days=2)
        version = self.phq9(journey, total, "response_check")
        self.clock.advance(minutes=10)
        self.record(journey, "ResponseReviewed", decision="maintenance")
        return version

    def build(self) -> Cohort:
        a = self.open("MRN-OUT-A", 1, 20)
        self.series(a, deviate_second=True)
        self.check(a, 8)
        self.clock.advance(days=10)
        self.phq9(a, 12, "maintenance")

        b = self.open("MRN-OUT-B", 1, 16)
        self.series(b)
        b_check = self.check(b, 4)
        self.clock.advance(days=10)
        self.phq9(b, 9, "maintenance")

        c = self.open("MRN-OUT-C", 1, 18)
        self.infuse(c)
        self.clock.advance(days=3)
        self.record(c, "JourneyClosed", reason="Patient chose to stop after the first infusion.", outcome="other")

        self.clock.advance(hours=1)
        self.marks["before_d"] = self.clock()
        self.clock.advance(hours=1)
        d = self.app.open_journey("MRN-OUT-D", actor=CLINICIAN, protocol_id=PROTOCOL, protocol_version=1)
        self.record(d, "ConsultationCompleted")

        e = self.open("MRN-OUT-E", 2, 22)
        self.infuse(e)
        self.clock.advance(hours=50)
        stop = self.clock()
        self.record(e, "VitalsRecorded", stop - timedelta(minutes=45))
        self.record(e, "VitalsRecorded", stop - timedelta(minutes=10), phase="during", systolic=186, diastolic=104)
        self.record(e, "InfusionStopped", stop, reason="Blood pressure 186/104 during the infusion.")
        self.discharge(e, stop)
        self.clock.advance(days=1)
        self.record(e, "JourneyClosed", reason="Referred to cardiology.", outcome="other")

        self.clock.advance(days=7)
        self.marks["before_correction"] = self.clock()
        self.clock.advance(hours=1)
        checked_at = self.app.history(b)[b_check - 1].occurred_at
        self.record(b, "EventEnteredInError", reason="PHQ-9 of another patient's form.", target_version=b_check)
        self.phq9(b, 9, "response_check", at=checked_at + timedelta(minutes=1))
        self.marks["after_correction"] = self.clock()
        return self
