"""Plan definitions as data.

A clinic's protocol is a versioned document (think FHIR PlanDefinition): which steps, what each waits
for, when each falls due, and the clinical thresholds. Every clinical number the engine uses is read
from here, so a reader finds them in one JSON file, and a clinic changes them without touching code.
Validation of the file is the interface layer's job (``events.protocol_file``); this module only
gives the validated document a typed shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class DueRule:
    """A step falls due ``within_days`` after the anchor named by ``from_``."""

    from_: str
    within_days: int


@dataclass(frozen=True)
class StepDefinition:
    name: str
    title: str
    requires: tuple[str, ...]
    due: DueRule | None


@dataclass(frozen=True)
class InductionSettings:
    infusions: int = 6
    extension_infusions: int = 3
    min_spacing_hours: int = 48
    window_days: int = 21
    max_extensions: int = 1
    """How many times a response review may extend the induction (``extensions_exhausted`` after)."""


@dataclass(frozen=True)
class DoseSettings:
    """What an ``InfusionCompleted`` is checked against: the dose range, the slowest rate allowed and
    the weight change between infusions worth a second look."""

    mg_per_kg_min: float = 0.5
    mg_per_kg_max: float = 0.75
    duration_min_at_least: int = 40
    weight_change_flag_pct: float = 10
    min_hours_between_administrations: float = 24
    """The floor from one administration's end to the next one's start that no deviation lifts
    (``administration_too_soon``); ``induction.min_spacing_hours`` is the deviable spacing above it."""


@dataclass(frozen=True)
class MonitoringSettings:
    """Vitals around the chair: how recent pre-infusion vitals must be, the during/post readings that
    raise a safety alert, and the observation time before discharge."""

    pre_vitals_max_age_hours: float = 3
    alert_systolic_at_least: int = 180
    alert_diastolic_at_least: int = 110
    alert_heart_rate_above: int = 120
    alert_spo2_below: int = 92
    observation_min_at_least: int = 30
    pre_hold_ceiling_systolic: int = 180
    pre_hold_ceiling_diastolic: int = 110
    """A pre-infusion reading at or above either is a hold no ``HoldOverridden`` lifts
    (``hold_not_overridable``): only new pre-infusion vitals below it do."""


@dataclass(frozen=True)
class ResponseSettings:
    earliest_days: int = 1
    response_drop_pct: float = 50
    partial_drop_pct: float = 25
    remission_below: int = 5


@dataclass(frozen=True)
class EligibilitySettings:
    """Who may start induction, judged at the first infusion (``eligibility_not_met``, deviable with
    the clinician's reason). Both thresholds are inclusive ("at least"); 0 checks nothing, which is
    version 1's default, so journeys and clinic files written before it mean what they meant."""

    min_prior_antidepressant_trials: int = 0
    min_baseline_phq9: int = 0

    @property
    def checks(self) -> bool:
        return self.min_prior_antidepressant_trials > 0 or self.min_baseline_phq9 > 0


@dataclass(frozen=True)
class LabPanel:
    """A lab panel or screening the protocol orders: its code (what ``ScreeningOrdered.panel`` takes),
    its title, and whether its result must be in before induction (the ``lab_screening`` step)."""

    code: str
    title: str
    required_before_induction: bool = True


V1_PANELS = (
    LabPanel("hormone", "Hormone panel"),
    LabPanel("thyroid", "Thyroid panel"),
    LabPanel("diabetes", "Diabetes panel"),
)


@dataclass(frozen=True)
class MedicationFlag:
    """A drug class the medication review flags (``maoi``, ``psychostimulant``), with the sentence the
    clinician reads beside it. A flag informs; it does not refuse an infusion."""

    drug_class: str
    flag: str


@dataclass(frozen=True)
class MaintenanceSettings:
    default_interval_weeks: int = 4
    min_interval_weeks: int = 2
    max_interval_weeks: int = 12
    grace_days: int = 7
    relapse_phq9_at_least: int = 10
    reminder_days_before: int = 7


@dataclass(frozen=True)
class SafetySettings:
    bp_hold_systolic: int = 140
    bp_hold_diastolic: int = 90
    benzodiazepine_flag_mg_diazepam_eq: float = 8
    page_ack_minutes: int = 15
    """How long a self-harm or vitals alert may stay unacknowledged after the on-call clinician was
    paged before the medical director is paged too (DESIGN 7.7)."""


@dataclass(frozen=True)
class AppointmentSettings:
    missed_after_hours: int = 2
    """How long after a booked time, with no infusion since, the scheduler records it missed."""


@dataclass(frozen=True)
class AssessmentSettings:
    """When a questionnaire's self-harm item raises a safety alert (DESIGN 6.1 ``assessments``)."""

    phq9_item9_alert_above: int = 0
    madrs_item10_alert_at_least: int = 4


@dataclass(frozen=True)
class QuestionnaireSchedule:
    """One questionnaire sent by link every ``every_days`` while one of the ``during`` phases runs
    (``induction`` from its first infusion, ``maintenance`` from the decision to maintain)."""

    instrument: str
    every_days: int
    during: tuple[str, ...]


@dataclass(frozen=True)
class QuestionnaireSettings:
    """Patient-reported outcomes between visits (DESIGN 7.7). Version 1 schedules none: only a
    clinician's "send now" sends a link there."""

    schedule: tuple[QuestionnaireSchedule, ...] = ()
    link_valid_hours: int = 72

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> QuestionnaireSettings:
        schedule = tuple(
            QuestionnaireSchedule(str(s["instrument"]), int(s["every_days"]), tuple(s["during"]))
            for s in doc.get("schedule", ())
        )
        return cls(schedule=schedule, link_valid_hours=int(doc.get("link_valid_hours", 72)))


ABSOLUTE_FINDINGS = (
    "pregnancy_or_breastfeeding",
    "psychotic_disorder",
    "aneurysm_or_avm",
    "intracerebral_haemorrhage",
    "ketamine_hypersensitivity",
)
RELATIVE_FINDINGS = (
    "cardiovascular_disease",
    "liver_failure",
    "substance_use_history",
    "uncontrolled_hypertension",
    "bipolar_without_mood_stabiliser",
)


@dataclass(frozen=True)
class ContraindicationSettings:
    """The findings a screening may record: an ``absolute`` one needs two clinicians' overrides."""

    absolute: tuple[str, ...] = ABSOLUTE_FINDINGS
    relative: tuple[str, ...] = RELATIVE_FINDINGS

    @property
    def codes(self) -> tuple[str, ...]:
        return self.absolute + self.relative


@dataclass(frozen=True)
class Protocol:
    id: str
    version: int
    title: str
    steps: tuple[StepDefinition, ...]
    induction: InductionSettings = field(default_factory=InductionSettings)
    response_check: ResponseSettings = field(default_factory=ResponseSettings)
    maintenance: MaintenanceSettings = field(default_factory=MaintenanceSettings)
    infusion_reminder_hours: int = 24
    safety: SafetySettings = field(default_factory=SafetySettings)
    panels: tuple[LabPanel, ...] = V1_PANELS
    assessments: AssessmentSettings = field(default_factory=AssessmentSettings)
    contraindications: ContraindicationSettings = field(default_factory=ContraindicationSettings)
    dose: DoseSettings = field(default_factory=DoseSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    appointments: AppointmentSettings = field(default_factory=AppointmentSettings)
    eligibility: EligibilitySettings = field(default_factory=EligibilitySettings)
    medication_flags: tuple[MedicationFlag, ...] = ()
    questionnaires: QuestionnaireSettings = field(default_factory=QuestionnaireSettings)

    @property
    def lab_panels(self) -> tuple[str, ...]:
        """The codes of every panel the protocol orders."""
        return tuple(panel.code for panel in self.panels)

    @property
    def panels_before_induction(self) -> tuple[str, ...]:
        """The codes whose results must be in before induction (what ``lab_screening`` waits for)."""
        return tuple(panel.code for panel in self.panels if panel.required_before_induction)

    def has_step(self, name: str) -> bool:
        return name in self._steps_by_name

    @cached_property
    def _steps_by_name(self) -> dict[str, StepDefinition]:
        """Each step by its name (the first, should two share one), made once: judging a journey asks
        whether the protocol has a step a few dozen times (``evaluate``, the rules), and every
        journey of a catch-up is judged."""
        found: dict[str, StepDefinition] = {}
        for step in self.steps:
            found.setdefault(step.name, step)
        return found

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    def step(self, name: str) -> StepDefinition:
        try:
            return self._steps_by_name[name]
        except KeyError:
            raise KeyError(name) from None

    def due_days(self, name: str) -> int:
        """The days a step's due rule allows; steps without a rule (maintenance) have none."""
        rule = self.step(name).due
        if rule is None:
            raise KeyError(f"step {name} has no due rule")
        return rule.within_days

    @property
    def step_names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.steps)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Protocol:
        """Builds a protocol from an already validated document.

        A document written before ``assessments`` existed kept the PHQ-9 threshold under ``safety``:
        it is read from there, so such a file means what it always meant."""
        safety = dict(doc.get("safety", {}))
        assessments = {"phq9_item9_alert_above": safety.pop("phq9_item9_alert_above", 0)}
        assessments.update(doc.get("assessments", {}))
        screening = doc.get("contraindications", {})
        steps = tuple(
            StepDefinition(
                name=s["name"],
                title=s.get("title") or s["name"].replace("_", " ").capitalize(),
                requires=tuple(s.get("requires", ())),
                due=(
                    DueRule(from_=s["due"]["from"], within_days=int(s["due"]["within_days"]))
                    if s.get("due")
                    else None
                ),
            )
            for s in doc["steps"]
        )
        return cls(
            id=doc["id"],
            version=int(doc["version"]),
            title=doc.get("title", doc["id"]),
            steps=steps,
            induction=InductionSettings(**doc.get("induction", {})),
            response_check=ResponseSettings(**doc.get("response_check", {})),
            maintenance=MaintenanceSettings(**doc.get("maintenance", {})),
            infusion_reminder_hours=int(doc.get("reminders", {}).get("infusion_hours_before", 24)),
            safety=SafetySettings(**safety),
            panels=_panels(doc.get("lab_panels")),
            assessments=AssessmentSettings(**assessments),
            contraindications=ContraindicationSettings(
                absolute=tuple(screening.get("absolute", ABSOLUTE_FINDINGS)),
                relative=tuple(screening.get("relative", RELATIVE_FINDINGS)),
            ),
            dose=DoseSettings(**doc.get("dose", {})),
            monitoring=MonitoringSettings(**doc.get("monitoring", {})),
            appointments=AppointmentSettings(**doc.get("appointments", {})),
            eligibility=EligibilitySettings(**doc.get("eligibility", {})),
            medication_flags=tuple(
                MedicationFlag(drug_class=f["drug_class"], flag=f["flag"]) for f in doc.get("medication_flags", ())
            ),
            questionnaires=QuestionnaireSettings.from_dict(doc.get("questionnaires", {})),
        )


def _panels(listed: Any) -> tuple[LabPanel, ...]:
    """Panels as a file lists them: a code alone (version 1's form, required before induction, titled
    as version 1 titles it) or an object with ``code``, ``title`` and ``required_before_induction``."""
    if listed is None:
        return V1_PANELS
    known = {panel.code: panel for panel in V1_PANELS}
    panels = []
    for item in listed:
        if isinstance(item, str):
            panels.append(known.get(item) or LabPanel(item, item.replace("_", " ").capitalize()))
        else:
            panels.append(
                LabPanel(item["code"], item["title"], bool(item.get("required_before_induction", True)))
            )
    return tuple(panels)


class ProtocolRegistry:
    """The plan definitions a clinic runs, by id and version.

    A journey keeps the protocol version it was opened on, so old versions stay registered for as long
    as any journey refers to them.
    """

    def __init__(self, protocols: list[Protocol] | tuple[Protocol, ...] = ()) -> None:
        self._protocols: dict[tuple[str, int], Protocol] = {}
        self._opening: dict[str, int] = {}
        for protocol in protocols:
            self.add(protocol)

    def open_on(self, protocol_id: str, version: int) -> None:
        """Pins the version new journeys of ``protocol_id`` open on when the caller names none (a clinic
        that has not adopted the latest version yet: ``CAREPLAN_PROTOCOL_VERSION``)."""
        self.get(protocol_id, version)
        self._opening[protocol_id] = version

    def opening(self, protocol_id: str) -> Protocol:
        """The version a new journey opens on when none is named: the pinned one, else the latest."""
        return self.get(protocol_id, self._opening.get(protocol_id))

    def versions(self, protocol_id: str) -> list[int]:
        return sorted(v for (pid, v) in self._protocols if pid == protocol_id)

    def add(self, protocol: Protocol) -> None:
        self._protocols[protocol.key] = protocol

    def get(self, protocol_id: str, version: int | None = None) -> Protocol:
        """The given version, or the latest one when ``version`` is None; KeyError if unknown."""
        if version is None:
            versions = [v for (pid, v) in self._protocols if pid == protocol_id]
            if not versions:
                raise KeyError(protocol_id)
            version = max(versions)
        return self._protocols[(protocol_id, version)]

    def __iter__(self) -> Iterator[Protocol]:
        return iter(sorted(self._protocols.values(), key=lambda p: p.key))

    def __len__(self) -> int:
        return len(self._protocols)
