"""A small builder for domain tests: one PatientJourney, a clock moved by hand, short clinical verbs.

Tests read as the clinic's day (``j.consult(); j.advance(days=2); j.vitals(120, 80); j.infuse()``)
instead of repeating event envelopes. Everything runs on the aggregate itself, with the packaged
default protocol, so these tests need no store and stay fast.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from typing import Any

import pytest

from careplan.domain.errors import RuleViolation
from careplan.domain.journey import PatientJourney, fact_of
from careplan.domain.protocol import Protocol
from careplan.domain.values import Actor, Fact
from careplan.domain.view import JourneyView

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CLINICIAN = Actor(id="dr-lee", role="clinician")
INFUSION_MIN = 40
"""The builder's infusions run 40 min and are recorded at their end (``now``), so they start 40 min
before: pre-infusion vitals and a hold's override default to that start (DESIGN 7.1)."""
OBSERVED_MIN = 40
"""The observation after an infusion before ``recover`` discharges the patient (the clock moves)."""


@lru_cache(maxsize=1)
def default_protocol() -> Protocol:
    """The packaged plan definition ketamine-trd v1, read as the application reads it."""
    path = resources.files("careplan") / "protocols" / "ketamine-trd.v1.json"
    return Protocol.from_dict(json.loads(path.read_text(encoding="utf-8")))


def phq9_items(total: int, item9: int = 0) -> list[int]:
    """Nine PHQ-9 item scores (0..3) that sum to ``total`` with item 9 as given."""
    rest = total - item9
    if not 0 <= item9 <= 3 or not 0 <= rest <= 24:
        raise ValueError(f"no PHQ-9 adds up to {total} with item 9 = {item9}")
    items = [min(3, max(0, rest - 3 * i)) for i in range(8)]
    return items + [item9]


class Journey:
    """One journey under test: the aggregate, its protocol and the clinic's clock."""

    def __init__(self, protocol: Protocol | None = None, now: datetime = START, patient_ref: str = "MRN-T0001"):
        self.protocol = protocol or default_protocol()
        self.protocols: dict[tuple[str, int], Protocol] = {self.protocol.key: self.protocol}
        self.now = now
        self.opened = now
        self.aggregate = PatientJourney.open(patient_ref, self.protocol, now, CLINICIAN, now)
        self.collected: list[Any] = []
        self.backdate = timedelta(0)
        """How long before ``now`` an entry without its own ``at`` happened (charted late by that much)."""

    # -- clock and state ----------------------------------------------------------------------

    def resolve(self, protocol_id: str, version: int) -> Protocol:
        return self.protocols[(protocol_id, version)]

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def before_infusion(self) -> datetime:
        """The start of an infusion recorded now (never before the opening)."""
        return max(self.opened, self.now - timedelta(minutes=INFUSION_MIN))

    def observe(self) -> datetime:
        """The observation after an infusion: the clock moves on by it."""
        return self.advance(minutes=OBSERVED_MIN)

    @property
    def version(self) -> int:
        return self.aggregate.version

    @property
    def history(self) -> list[Fact]:
        """Every event recorded so far, as the store would hand them back (the aggregate keeps only
        its folded record, so the builder keeps the events it collected and the pending ones)."""
        return [fact_of(e) for e in (*self.collected, *self.aggregate.pending_events)]

    def collect(self) -> list[Any]:
        """The aggregate's events so far (as a save would collect them); ``history`` still has them."""
        self.collected += self.aggregate.collect_events()
        return list(self.collected)

    def last(self, event_type: str) -> Fact:
        return next(f for f in reversed(self.history) if f.type == event_type)

    def view(self, now: datetime | None = None) -> JourneyView:
        return self.aggregate.view(self.resolve, now or self.now)

    def record_of(self):  # type: ignore[no-untyped-def]
        return self.aggregate.clinical_record(self.resolve)

    # -- recording ------------------------------------------------------------------------------

    def record(
        self,
        event_type: str,
        data: dict[str, Any] | None = None,
        *,
        reason: str | None = None,
        at: datetime | None = None,
        actor: Actor = CLINICIAN,
        deviation: str | None = None,
    ) -> int:
        """Records one clinician event now (or at clinical time ``at``); returns its version."""
        self.aggregate.record(
            event_type,
            dict(data or {}),
            actor=actor,
            occurred_at=at or self.now - self.backdate,
            reason=reason,
            now=self.now,
            resolve=self.resolve,
            history=lambda: self.history,
            deviation=deviation,
        )
        return max(f.version for f in self.history if f.type == event_type)

    def refused(self, code: str, event_type: str, data: dict[str, Any] | None = None, **kwargs: Any) -> RuleViolation:
        """Asserts the rules refuse this event with ``code`` and that nothing was recorded."""
        version, history = self.version, list(self.history)
        with pytest.raises(RuleViolation) as caught:
            self.record(event_type, data, **kwargs)
        assert caught.value.code == code, caught.value.message
        assert self.version == version
        assert self.history == history
        assert not [e for e in self.aggregate.pending_events if e.originator_version > version]
        return caught.value

    # -- the clinic's verbs -------------------------------------------------------------------

    def consult(self, eligible: bool = True, **kw: Any) -> int:
        data = {"eligible": eligible, "prior_antidepressant_trials": 3, "psychotherapy_tried": True}
        return self.record("ConsultationCompleted", data, **kw)

    def review_medications(self, taper: bool = False, benzo_mg: float = 0, **kw: Any) -> int:
        data = {"medications": [], "benzodiazepine_diazepam_eq_mg": benzo_mg, "taper_required": taper}
        return self.record("MedicationReviewed", data, **kw)

    def screen(self, *findings: str, **kw: Any) -> int:
        return self.record("ContraindicationScreened", {"findings": list(findings)}, **kw)

    def override(self, finding: str, reason: str | None = "Cardiology cleared", **kw: Any) -> int:
        return self.record("ContraindicationOverridden", {"finding": finding}, reason=reason, **kw)

    def order(self, panel: str, **kw: Any) -> int:
        return self.record("ScreeningOrdered", {"panel": panel}, **kw)

    def result(self, panel: str, abnormal: bool = False, **kw: Any) -> int:
        return self.record("ScreeningResulted", {"panel": panel, "abnormal": abnormal, "values": {}}, **kw)

    def phq9(self, total: int, item9: int = 0, context: str = "baseline", **kw: Any) -> int:
        data = {"instrument": "PHQ9", "total": total, "items": phq9_items(total, item9), "context": context}
        return self.record("AssessmentRecorded", data, **kw)

    def schedule(self, when: datetime, phase: str = "induction", **kw: Any) -> int:
        return self.record("InfusionScheduled", {"phase": phase, "scheduled_for": when.isoformat()}, **kw)

    def vitals(
        self,
        systolic: int = 120,
        diastolic: int = 80,
        phase: str = "pre",
        heart_rate: int = 70,
        spo2: int | None = None,
        **kw: Any,
    ) -> int:
        data = {"phase": phase, "systolic": systolic, "diastolic": diastolic, "heart_rate": heart_rate}
        if spo2 is not None:
            data["spo2"] = spo2
        if phase == "pre":
            kw.setdefault("at", self.before_infusion())
        return self.record("VitalsRecorded", data, **kw)

    def infusion_data(self, phase: str = "induction", escort: bool = True) -> dict[str, Any]:
        return {
            "phase": phase,
            "dose_mg_per_kg": 0.5,
            "weight_kg": 70,
            "duration_min": INFUSION_MIN,
            "escort_confirmed": escort,
            "side_effects": [],
        }

    def infuse(self, phase: str = "induction", escort: bool = True, **kw: Any) -> int:
        return self.record("InfusionCompleted", self.infusion_data(phase, escort), **kw)

    def stop(self, cause: str = "hypertension", minutes: int = 20, phase: str = "induction", **kw: Any) -> int:
        kw.setdefault("reason", "Stopped early")
        return self.record("InfusionStopped", {"phase": phase, "minutes_given": minutes, "cause": cause}, **kw)

    def discharge_data(self, phase: str = "induction", **changes: Any) -> dict[str, Any]:
        data = {"phase": phase, "observation_min": OBSERVED_MIN, "alert_and_oriented": True, "escort_present": True}
        return {**data, **changes}

    def discharge(self, phase: str = "induction", **kw: Any) -> int:
        return self.record("DischargeAssessed", self.discharge_data(phase), **kw)

    def recover(self, phase: str = "induction") -> int:
        """The observation time, post-infusion vitals and a discharge assessment: what follows every
        infusion (the clock moves on by the observation)."""
        self.observe()
        self.vitals(118, 76, phase="post")
        return self.discharge(phase)

    def hold(self, phase: str = "induction", reason: str | None = "BP too high", **kw: Any) -> int:
        return self.record("InfusionHeld", {"phase": phase}, reason=reason, **kw)

    def override_hold(self, reason: str | None = "Repeat BP acceptable to the anaesthetist", **kw: Any) -> int:
        kw.setdefault("at", self.before_infusion())
        return self.record("HoldOverridden", {"hold": "blood_pressure"}, reason=reason, **kw)

    def review_response(self, decision: str, **kw: Any) -> int:
        return self.record("ResponseReviewed", {"decision": decision}, **kw)

    def interval(self, weeks: int, **kw: Any) -> int:
        return self.record("MaintenanceIntervalSet", {"weeks": weeks}, **kw)

    def check_in(self, area: str = "sleep", **kw: Any) -> int:
        return self.record("ComplementaryCareCheckIn", {"area": area, "adherence": "partial"}, **kw)

    def guidance(self, area: str = "sleep", **kw: Any) -> int:
        return self.record("ComplementaryCareGuidanceGiven", {"area": area, "guidance": "Regular wake time."}, **kw)

    def note(self, text: str = "Called the patient.", **kw: Any) -> int:
        return self.record("NoteAdded", {"text": text}, **kw)

    def enter_in_error(self, version: int, reason: str | None = "Wrong patient", **kw: Any) -> int:
        return self.record("EventEnteredInError", {"target_version": version}, reason=reason, **kw)

    def pause(self, reason: str | None = "Patient travelling", **kw: Any) -> int:
        return self.record("JourneyPaused", {}, reason=reason, **kw)

    def resume(self, **kw: Any) -> int:
        return self.record("JourneyResumed", {}, **kw)

    def close(self, outcome: str = "completed", reason: str | None = "Plan finished", **kw: Any) -> int:
        return self.record("JourneyClosed", {"outcome": outcome}, reason=reason, **kw)

    def acknowledge(
        self, alert_version: int, reason: str | None = "Safety plan reviewed", risk: str = "low", **kw: Any
    ) -> int:
        data = {"alert_version": alert_version, "risk_assessment": risk, "plan": "Safety plan; crisis line given."}
        return self.record("SafetyAlertAcknowledged", data, reason=reason, **kw)

    # -- whole stretches of a journey -----------------------------------------------------------

    def ready_for_induction(self, baseline: int = 20) -> Journey:
        """Consultation, medication review, clear screening and a baseline PHQ-9, one day apart."""
        self.consult()
        self.advance(days=1)
        self.review_medications()
        self.screen()
        self.phq9(baseline, context="baseline")
        self.advance(days=1)
        return self

    def give_infusion(self, phase: str = "induction") -> int:
        """Pre-vitals, the infusion, post-vitals and the discharge; returns the infusion's version."""
        self.vitals(120, 80)
        version = self.infuse(phase)
        self.recover(phase)
        return version

    def induction(self, count: int | None = None, every_hours: float = 48) -> Journey:
        """``count`` induction infusions (default: the protocol's six), ``every_hours`` apart."""
        for i in range(count if count is not None else self.protocol.induction.infusions):
            if i:
                self.advance(hours=every_hours)
            self.give_infusion()
        return self

    def into_maintenance(self, response_phq9: int = 8) -> Journey:
        """A full induction, a response-check PHQ-9 a day later and a maintenance decision."""
        self.ready_for_induction()
        self.induction()
        self.advance(days=1)
        self.phq9(response_phq9, context="response_check")
        self.review_response("maintenance")
        return self


def with_settings(protocol: Protocol, **sections: dict[str, Any]) -> Protocol:
    """A copy of ``protocol`` with some settings changed (e.g. ``safety={"bp_hold_systolic": 150}``)."""
    changed = {name: replace(getattr(protocol, name), **values) for name, values in sections.items()}
    return replace(protocol, **changed)
