"""The schema of a protocol file (a plan definition such as ``careplan/protocols/ketamine-trd.v1.json``).

Every key is required, so a file states every clinical number it runs on and a reader finds them all
in one place. Ranges are wide enough for any clinic's choices and narrow enough to catch a slip (a
blood-pressure threshold of 14, a window of 0 days). Steps are checked as a whole: each step of the
vocabulary exactly once, and each prerequisite defined earlier, which rules out cycles.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.domain.graph import ANCHORS
from careplan.domain.vocabulary import OPTIONAL_STEPS, STEPS
from events.schemas.common import BaseSchema, Text, WholeNumber, between, code, code_list, identifier, unique
from events.schemas.limits import (
    DIAZEPAM_EQ_MG,
    DOSE_MG_PER_KG,
    INFUSION_MINUTES,
    MAINTENANCE_WEEKS,
    PHQ9,
    SCALES,
)

ANCHOR = validate.OneOf(
    sorted(ANCHORS), error="Must be one of the moments a step can be dated from: {choices}."
)
PHQ9_MAX = SCALES[PHQ9].total_max


def number(low: int, high: int) -> WholeNumber:
    return WholeNumber(strict=True, required=True, validate=between(low, high))


def real(low: float, high: float) -> fields.Float:
    return fields.Float(required=True, validate=between(low, high))


def added_number(low: int, high: int) -> WholeNumber:
    """A setting added after version 1 was first written (DESIGN 7): optional, so clinic files written
    before it keep loading; the protocol's dataclass holds its default."""
    return WholeNumber(strict=True, required=False, validate=between(low, high))


def added_real(low: float, high: float) -> fields.Float:
    return fields.Float(required=False, validate=between(low, high))


class DueSchema(BaseSchema):
    from_ = fields.String(data_key="from", attribute="from", required=True, validate=ANCHOR)
    within_days = number(1, 365)


class StepSchema(BaseSchema):
    name = code(STEPS, required=True)
    title = Text(max_length=200, required=True)
    requires = fields.List(code(STEPS), required=True, validate=unique)
    due = fields.Nested(DueSchema, required=True, allow_none=True)


class InductionSchema(BaseSchema):
    infusions = number(1, 20)
    extension_infusions = number(0, 20)
    min_spacing_hours = number(1, 336)
    window_days = number(1, 120)
    max_extensions = added_number(0, 10)

    @validates_schema
    def _series_fits_window(self, doc: dict[str, Any], **kwargs: Any) -> None:
        needed_hours = (doc["infusions"] - 1) * doc["min_spacing_hours"]
        if needed_hours > doc["window_days"] * 24:
            message = f"Too short for {doc['infusions']} infusions {doc['min_spacing_hours']} hours apart."
            raise ValidationError(message, "window_days")


class DoseSchema(BaseSchema):
    mg_per_kg_min = real(*DOSE_MG_PER_KG)
    mg_per_kg_max = real(*DOSE_MG_PER_KG)
    duration_min_at_least = number(*INFUSION_MINUTES)
    weight_change_flag_pct = real(1, 100)
    min_hours_between_administrations = added_real(1, 336)

    @validates_schema
    def _range_in_order(self, doc: dict[str, Any], **kwargs: Any) -> None:
        if doc["mg_per_kg_min"] > doc["mg_per_kg_max"]:
            raise ValidationError("Must not be greater than mg_per_kg_max.", "mg_per_kg_min")


class MonitoringSchema(BaseSchema):
    pre_vitals_max_age_hours = real(0.25, 48)
    alert_systolic_at_least = number(120, 260)
    alert_diastolic_at_least = number(70, 180)
    alert_heart_rate_above = number(60, 220)
    alert_spo2_below = number(70, 100)
    observation_min_at_least = number(0, 480)
    pre_hold_ceiling_systolic = added_number(120, 300)
    pre_hold_ceiling_diastolic = added_number(70, 200)


class ResponseCheckSchema(BaseSchema):
    earliest_days = number(0, 60)
    response_drop_pct = real(1, 100)
    partial_drop_pct = real(0, 100)
    remission_below = number(1, PHQ9_MAX)

    @validates_schema
    def _partial_below_response(self, doc: dict[str, Any], **kwargs: Any) -> None:
        if doc["partial_drop_pct"] > doc["response_drop_pct"]:
            raise ValidationError("Must not be greater than response_drop_pct.", "partial_drop_pct")


class MaintenanceSchema(BaseSchema):
    default_interval_weeks = number(*MAINTENANCE_WEEKS)
    min_interval_weeks = number(*MAINTENANCE_WEEKS)
    max_interval_weeks = number(*MAINTENANCE_WEEKS)
    grace_days = number(0, 60)
    relapse_phq9_at_least = number(1, PHQ9_MAX)
    reminder_days_before = number(0, 84)

    @validates_schema
    def _default_within_bounds(self, doc: dict[str, Any], **kwargs: Any) -> None:
        if not doc["min_interval_weeks"] <= doc["default_interval_weeks"] <= doc["max_interval_weeks"]:
            raise ValidationError(
                "Must be between min_interval_weeks and max_interval_weeks.", "default_interval_weeks"
            )


class RemindersSchema(BaseSchema):
    infusion_hours_before = number(1, 168)


class AppointmentsSchema(BaseSchema):
    missed_after_hours = number(1, 72)


class SafetySchema(BaseSchema):
    bp_hold_systolic = number(90, 220)
    bp_hold_diastolic = number(50, 140)
    benzodiazepine_flag_mg_diazepam_eq = real(*DIAZEPAM_EQ_MG)
    page_ack_minutes = added_number(1, 1440)


class AssessmentsSchema(BaseSchema):
    phq9_item9_alert_above = number(0, SCALES[PHQ9].item_max - 1)
    madrs_item10_alert_at_least = number(1, SCALES["MADRS"].item_max)


QUESTIONNAIRE_INSTRUMENTS = ("PHQ9", "GAD7")
"""The instruments a patient answers by link: self-report scales (MADRS is clinician-rated)."""
QUESTIONNAIRE_PHASES = ("induction", "maintenance")


class QuestionnaireScheduleSchema(BaseSchema):
    instrument = code(QUESTIONNAIRE_INSTRUMENTS, required=True)
    every_days = number(1, 180)
    during = code_list(QUESTIONNAIRE_PHASES, required=True, validators=[validate.Length(min=1)])


def _one_per_instrument(schedule: list[dict[str, Any]]) -> None:
    instruments = [s["instrument"] for s in schedule]
    if len(set(instruments)) != len(instruments):
        raise ValidationError("Each instrument is scheduled once.")


class QuestionnairesSchema(BaseSchema):
    """Questionnaires sent by link (DESIGN 7.7); optional, so files written before it keep loading
    (and schedule nothing)."""

    schedule = fields.List(fields.Nested(QuestionnaireScheduleSchema), required=False, validate=_one_per_instrument)
    link_valid_hours = added_number(1, 720)


FINDING_CODE = validate.Regexp(r"[a-z][a-z0-9_]{0,63}\Z", error="Must be a lower-case code such as 'liver_failure'.")


def finding_list() -> fields.List:
    return fields.List(fields.String(validate=FINDING_CODE), required=True, validate=unique)


class ContraindicationsSchema(BaseSchema):
    """The findings a screening may record; a code is either absolute or relative, never both."""

    absolute = finding_list()
    relative = finding_list()

    @validates_schema
    def _disjoint(self, doc: dict[str, Any], **kwargs: Any) -> None:
        both = sorted(set(doc["absolute"]) & set(doc["relative"]))
        if both:
            raise ValidationError(f"Listed as absolute too: {', '.join(both)}.", "relative")


class LabPanelField(fields.Field):
    """A panel as a file lists it: a code alone (version 1's form) or ``{code, title,
    required_before_induction}`` (DESIGN 7.6: lab panels and screenings are protocol data)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            FINDING_CODE(value)
            return value
        if not isinstance(value, dict):
            raise ValidationError("Must be a panel code or an object with code, title and required_before_induction.")
        return LabPanelSchema().load(value)


class LabPanelSchema(BaseSchema):
    code = fields.String(required=True, validate=FINDING_CODE)
    title = Text(max_length=200, required=True)
    required_before_induction = fields.Boolean(required=True)


def _panel_code(panel: Any) -> str:
    return panel if isinstance(panel, str) else str(panel["code"])


def unique_panels(panels: list[Any]) -> None:
    codes = [_panel_code(p) for p in panels]
    if len(set(codes)) != len(codes):
        raise ValidationError("Must not list a panel twice.")


class EligibilitySchema(BaseSchema):
    """Checked at the first infusion, inclusive ("at least"); 0 checks nothing (version 1)."""

    min_prior_antidepressant_trials = number(0, 50)
    min_baseline_phq9 = number(0, PHQ9_MAX)


class MedicationFlagSchema(BaseSchema):
    drug_class = fields.String(
        required=True,
        validate=validate.Regexp(r"[a-z][a-z0-9_]{0,63}\Z", error="Must be a lower-case drug class such as 'maoi'."),
    )
    flag = Text(max_length=300, required=True)


def unique_classes(flags: list[dict[str, Any]]) -> None:
    classes = [f["drug_class"] for f in flags]
    if len(set(classes)) != len(classes):
        raise ValidationError("Must not flag a drug class twice.")


def check_steps(steps: list[dict[str, Any]]) -> None:
    """Each step kind once (those a protocol may leave out at most once), each prerequisite an earlier
    step of the protocol (so there is no cycle)."""
    errors: dict[int, dict[str, list[str]]] = {}
    seen: list[str] = []
    for index, step in enumerate(steps):
        name = step["name"]
        if name in seen:
            errors[index] = {"name": [f"Step {name} is defined twice."]}
        if name == "maintenance" and step["due"] is not None:
            errors[index] = {
                "due": [
                    "Maintenance is due by the interval the clinician sets (maintenance.default_interval_weeks "
                    "until then), not by a due rule: give null."
                ]
            }
        for required in step["requires"]:
            if required == name:
                errors.setdefault(index, {})["requires"] = ["A step cannot require itself."]
            elif required not in seen:
                errors.setdefault(index, {})["requires"] = [f"{required} must be defined before {name}."]
        seen.append(name)
    if errors:
        raise ValidationError(errors)
    missing = [name for name in STEPS if name not in seen and name not in OPTIONAL_STEPS]
    if missing:
        raise ValidationError(f"Missing steps: {', '.join(missing)}.")


class ProtocolDocumentSchema(BaseSchema):
    id = identifier(required=True)
    version = number(1, 10_000)
    title = Text(max_length=200, required=True)
    steps = fields.List(fields.Nested(StepSchema), required=True, validate=check_steps)
    induction = fields.Nested(InductionSchema, required=True)
    response_check = fields.Nested(ResponseCheckSchema, required=True)
    maintenance = fields.Nested(MaintenanceSchema, required=True)
    reminders = fields.Nested(RemindersSchema, required=True)
    safety = fields.Nested(SafetySchema, required=True)
    assessments = fields.Nested(AssessmentsSchema, required=True)
    contraindications = fields.Nested(ContraindicationsSchema, required=True)
    lab_panels = fields.List(LabPanelField(), required=True, validate=unique_panels)
    dose = fields.Nested(DoseSchema, required=True)
    monitoring = fields.Nested(MonitoringSchema, required=True)
    appointments = fields.Nested(AppointmentsSchema, required=True)
    # Added by DESIGN 7.6: optional, so version 1 and clinic files written before them keep loading.
    eligibility = fields.Nested(EligibilitySchema, required=False)
    medication_flags = fields.List(fields.Nested(MedicationFlagSchema), required=False, validate=unique_classes)
    questionnaires = fields.Nested(QuestionnairesSchema, required=False)

    @validates_schema
    def _labs_for_the_lab_step(self, doc: dict[str, Any], **kwargs: Any) -> None:
        """A protocol with a lab step orders at least one panel; panels due before induction need one."""
        names = [s["name"] for s in doc.get("steps") or ()]
        panels = doc.get("lab_panels")
        if panels is None:
            return
        if "lab_screening" in names and not panels:
            raise ValidationError("The lab_screening step needs at least one panel.", "lab_panels")
        if "lab_screening" not in names and panels:
            raise ValidationError("Panels are ordered by the lab_screening step: add it, or list none.", "lab_panels")

    @validates_schema
    def _ceiling_above_hold(self, doc: dict[str, Any], **kwargs: Any) -> None:
        """A ceiling at or below the hold threshold would make every hold unliftable by an override."""
        safety, monitoring = doc.get("safety") or {}, doc.get("monitoring") or {}
        for side in ("systolic", "diastolic"):
            ceiling = monitoring.get(f"pre_hold_ceiling_{side}")
            hold = safety.get(f"bp_hold_{side}")
            if ceiling is not None and hold is not None and ceiling <= hold:
                raise ValidationError(
                    {f"pre_hold_ceiling_{side}": [f"Must be above safety.bp_hold_{side} ({hold})."]}, "monitoring"
                )
