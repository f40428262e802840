"""What a coordinator reads off a journey at a moment: each step's status, due date and flags.

Everything here is derived from the clinical record and the clock; nothing is stored. Time passing
changes the view (a step turns overdue) without any event, which is why the scheduler's system events
are notifications, not the source of these flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from careplan.domain.booking import span
from careplan.domain.deviations import flag_reason
from careplan.domain.families.alerts import high_risk_alerts
from careplan.domain.families.appointments import missed, missed_reason
from careplan.domain.families.chair import chair_flags
from careplan.domain.families.infusion import eligibility_unmet, induction_blockers
from careplan.domain.families.messages import unreachable
from careplan.domain.graph import due_of, unmet, waiting
from careplan.domain.next_infusion import VITALS_FIRST, Verdict, judge
from careplan.domain.protocol import Protocol
from careplan.domain.record import Alert, ClinicalRecord
from careplan.domain.values import moment
from careplan.domain.vocabulary import (
    CANCELLED,
    COMPLETED,
    IN_PROGRESS,
    ON_HOLD,
    READY,
    REQUESTED,
    STEPS,
)


@dataclass(frozen=True)
class Flag:
    kind: str  # discharge_pending | safety_alert | weight_changed | blocked | overdue | hold | follow_up | relapse | benzodiazepine | taper | stale | contraindication
    reason: str


@dataclass
class StepView:
    name: str
    title: str
    status: str
    due_at: datetime | None = None
    flags: list[Flag] = field(default_factory=list)

    def has_flag(self, kind: str) -> bool:
        return any(f.kind == kind for f in self.flags)


@dataclass(frozen=True)
class Outcome:
    phq9_baseline: int | None
    phq9_latest: int | None
    change_pct: float | None
    classification: str | None  # remission | response | partial | non-response


@dataclass(frozen=True)
class NextAction:
    step: str
    action: str
    due_at: datetime | None
    blocked_by: str | None = None
    """The rule's code when this action stands for what blocks the next infusion (DESIGN 7.2)."""


@dataclass(frozen=True)
class AlertView:
    version: int
    kind: str
    reason: str
    raised_at: datetime
    acknowledged: bool
    risk: str | None = None
    """The latest acknowledgement's risk assessment; ``high`` leaves the alert to be worked again."""
    course: str | None = None
    """For an alert carried from the patient's previous course: that course's journey id."""
    course_version: int | None = None
    """And the alert's version in that course."""
    source_withdrawn: bool = False
    """The event that raised it was entered in error; the alert stays until acknowledged (DESIGN 7.1)."""


@dataclass
class JourneyView:
    as_of: datetime
    status: str  # active | paused | closed
    steps: dict[str, StepView]
    outcome: Outcome
    next_actions: list[NextAction]
    induction_done: int
    induction_target: int
    maintenance_done: int
    alerts: list[AlertView] = field(default_factory=list)
    next_infusion: Verdict | None = None
    """The rules' verdict on an infusion starting now, while an infusion step is open (else None):
    what the pages offer at the chair is read from it, never decided beside it."""

    @property
    def open_alerts(self) -> list[AlertView]:
        return [a for a in self.alerts if not a.acknowledged or a.risk == "high"]


OPEN = (REQUESTED, READY, IN_PROGRESS, ON_HOLD)


GRACED_STEPS: tuple[str, ...] = ("maintenance",)
"""Steps overdue only after the protocol's days of grace past their due time (``overdue_after``)."""


def overdue_after(protocol: Protocol, step: str, due_at: datetime) -> datetime:
    """The moment after which a step due at ``due_at`` is overdue: at once, except maintenance, which
    has the protocol's days of grace. The one home of this rule (view, scheduler and read side)."""
    grace = timedelta(days=protocol.maintenance.grace_days) if step in GRACED_STEPS else timedelta(0)
    return due_at + grace


def evaluate(record: ClinicalRecord, now: datetime) -> JourneyView:
    """The state of every step at ``now``."""
    protocol = record.protocol
    # The protocol's steps (DESIGN 7.6: it chooses them), in the engine's order of step kinds.
    steps = {name: _BUILDERS[name](record, now) for name in STEPS if protocol.has_step(name)}
    for name, marks in chair_flags(record).items():
        if name in steps:
            steps[name].flags.extend(Flag(kind, reason) for kind, reason in marks)
    for name, step in steps.items():
        step.title = protocol.step(name).title
        if name in ("induction", "maintenance") and step.status in OPEN:
            # Before _finish, so the booking missed is the overdue reason rather than "Was due ...".
            step.flags += [Flag("overdue", missed_reason(a)) for a in missed(record, name)]
        _finish(record, step, now)
        for version, code, reason in record.deviations.get(name, ()):
            if version not in record.errored:
                step.flags.append(Flag("deviation", flag_reason(code, reason)))
    status = "closed" if record.closed else "paused" if record.paused else "active"
    _could_not_reach(record, steps)
    verdict = next_infusion(record, steps, now) if status == "active" else None
    return JourneyView(
        as_of=now,
        status=status,
        steps=steps,
        outcome=outcome(record),
        next_actions=_next_actions(record, steps, now, verdict),
        induction_done=len(record.induction_infusions()),
        induction_target=record.induction_target,
        maintenance_done=len(record.maintenance_infusions()),
        alerts=[_alert_view(a) for a in record.alerts],
        next_infusion=verdict,
    )


def _could_not_reach(record: ClinicalRecord, steps: dict[str, StepView]) -> None:
    """A message that failed puts ``unreachable`` on the step in hand (the series, else the first open
    step), so the coordinator's worklist shows whom to call (DESIGN 7.7)."""
    sentences = unreachable(record)
    if not sentences:
        return
    open_steps = [name for name, step in steps.items() if step.status in OPEN]
    if not open_steps:
        return
    in_hand = [name for name in open_steps if steps[name].status != REQUESTED] or open_steps
    name = next((n for n in ("maintenance", "induction") if n in in_hand), in_hand[0])
    steps[name].flags.extend(Flag("unreachable", sentence) for sentence in sentences)


WITHDRAWN = " (Its source, version {source}, was entered in error: acknowledge to close the alert.)"


def _alert_view(a: Alert) -> AlertView:
    """An alert as a coordinator reads it; one whose source was withdrawn says so in its reason."""
    reason = a.reason + WITHDRAWN.format(source=a.source_version) if a.withdrawn else a.reason
    return AlertView(
        a.version, a.kind, reason, a.raised_at, a.acknowledged_version is not None, a.risk,
        course=a.course, course_version=a.course_version, source_withdrawn=a.withdrawn,
    )


def _step(name: str, status: str, due_at: datetime | None = None, *flags: Flag) -> StepView:
    return StepView(name=name, title=name, status=status, due_at=due_at, flags=list(flags))


def _consultation(r: ClinicalRecord, now: datetime) -> StepView:
    if r.consultation is not None:
        return _step("consultation", COMPLETED)
    if waiting(r, "consultation", now):
        return _step("consultation", REQUESTED)
    return _step("consultation", READY, due_of(r, "consultation"))


def _after_prerequisites(r: ClinicalRecord, name: str, now: datetime) -> StepView | None:
    """The common start of a step that waits on the steps its protocol ``requires``; None once it may
    proceed. A patient found not eligible at consultation goes no further on any step."""
    if r.eligible() is False:
        return _step(name, CANCELLED, None, Flag("blocked", "Not eligible at consultation."))
    if waiting(r, name, now):
        return _step(name, REQUESTED)
    return None


def _consent(r: ClinicalRecord, now: datetime) -> StepView:
    pending = _after_prerequisites(r, "consent", now)
    if pending:
        return pending
    if r.consent is not None and r.consent.payload.signed:
        return _step("consent", COMPLETED)
    flags = [Flag("blocked", "The consent form was not signed.")] if r.consent is not None else []
    return _step("consent", READY, due_of(r, "consent"), *flags)


def _medication_review(r: ClinicalRecord, now: datetime) -> StepView:
    pending = _after_prerequisites(r, "medication_review", now)
    if pending:
        return pending
    review = r.medication_review
    if review is None:
        return _step("medication_review", READY, due_of(r, "medication_review"))
    flags = []
    mg = review.payload.benzodiazepine_diazepam_eq_mg
    limit = r.protocol.safety.benzodiazepine_flag_mg_diazepam_eq
    if mg > limit:
        flags.append(
            Flag("benzodiazepine", f"Diazepam-equivalent {mg:g} mg/day is above {limit:g}: may blunt ketamine.")
        )
    flags += medication_flags(r)
    if r.taper_pending():
        flags.append(Flag("taper", "Benzodiazepine taper pending: review medication again when done."))
        return _step("medication_review", IN_PROGRESS, None, *flags)
    return _step("medication_review", COMPLETED, None, *flags)


def medication_flags(r: ClinicalRecord) -> list[Flag]:
    """A ``medication`` flag for each medication whose drug class the protocol flags (DESIGN 7.6),
    with the protocol's sentence; the class is compared as a code (``MAOI`` and ``maoi`` are one)."""
    review = r.medication_review
    if review is None or not r.protocol.medication_flags:
        return []
    flagged = {f.drug_class: f.flag for f in r.protocol.medication_flags}
    flags = []
    for medication in review.payload.medications:
        drug_class = (medication.drug_class or "").strip().casefold().replace(" ", "_").replace("-", "_")
        if drug_class in flagged:
            flags.append(Flag("medication", f"{medication.name}: {flagged[drug_class]}"))
    return flags


def _screening(r: ClinicalRecord, now: datetime) -> StepView:
    pending = _after_prerequisites(r, "contraindication_screening", now)
    if pending:
        return pending
    if r.screening is None:
        return _step("contraindication_screening", READY, due_of(r, "contraindication_screening"))
    flags = [Flag("contraindication", f"{f.replace('_', ' ').capitalize()} found.") for f in r.open_findings()]
    flags += [
        Flag("override", f"{k.replace('_', ' ').capitalize()} overridden: {v}")
        if r.override_cleared(k)
        else Flag("override", f"{k.replace('_', ' ').capitalize()} overridden once: a second clinician must confirm.")
        for k, v in r.overrides.items()
    ]
    flags += [
        Flag(
            "second_clinician_required",
            f"{code.replace('_', ' ').capitalize()} cleared by one clinician: "
            "a second, different clinician must clear it too.",
        )
        for code in r.open_findings()
        if code in r.clearing or (code in r.overrides and not r.override_cleared(code))
    ]
    return _step("contraindication_screening", COMPLETED, None, *flags)


def _labs(r: ClinicalRecord, now: datetime) -> StepView:
    pending = _after_prerequisites(r, "lab_screening", now)
    if pending:
        return pending
    panels = r.protocol.panels_before_induction
    titles = {panel.code: panel.title for panel in r.protocol.panels}
    flags = [
        Flag("follow_up", f"{titles.get(panel, panel.replace('_', ' ').capitalize())} abnormal: follow up.")
        for panel, entry in r.labs_resulted.items()
        if entry.payload.abnormal
    ]
    if all(p in r.labs_resulted for p in panels):
        return _step("lab_screening", COMPLETED, None, *flags)
    status = IN_PROGRESS if r.labs_ordered else READY
    return _step("lab_screening", status, due_of(r, "lab_screening"), *flags)


def _baseline(r: ClinicalRecord, now: datetime) -> StepView:
    pending = _after_prerequisites(r, "baseline_assessment", now)
    if pending:
        return pending
    due = due_of(r, "baseline_assessment")
    baseline = r.baseline()
    if baseline is None:
        return _step("baseline_assessment", READY, due)
    days = r.protocol.due_days("baseline_assessment")
    if not r.induction_infusions() and now - baseline.occurred_at > timedelta(days=days):
        return _step(
            "baseline_assessment", READY, due, Flag("stale", f"Baseline PHQ-9 older than {days} days: repeat it.")
        )
    return _step("baseline_assessment", COMPLETED)


def _induction(r: ClinicalRecord, now: datetime) -> StepView:
    if r.eligible() is False:
        return _step("induction", CANCELLED, None, Flag("blocked", "Not eligible at consultation."))
    done = r.induction_infusions()
    if r.induction_complete() or r.decided("maintenance"):
        # A maintenance decision ends the series even when its window closed before the sixth infusion.
        return _step("induction", COMPLETED)
    if r.decided("discontinue"):
        return _step("induction", CANCELLED)
    # Before the series, and during it too: a migration may add a prerequisite (labs, consent) that the
    # engine then asks for before the next infusion (a finding found mid-series has its own flag below).
    blockers = [b for b in induction_blockers(r, now) if not (done and b[0] == "contraindicated")]
    missing = [b for b in blockers if b[0] in ("prerequisite_missing", "baseline_missing", "labs_pending", "consent_missing")]
    flags = [Flag("blocked", sentence) for code, sentence in blockers if (code, sentence) not in missing]
    if not done and not blockers:
        flags += [Flag("blocked", sentence) for sentence in eligibility_unmet(r, now)]
    if done and missing:
        flags += [Flag("blocked", sentence) for _code, sentence in missing]
    if done and r.open_findings():
        found = ", ".join(f.replace("_", " ") for f in r.open_findings())
        flags.append(Flag("blocked", f"Contraindication found mid-series ({found}): no infusion until it is cleared."))
    if r.bp_hold is not None:
        s = r.protocol.safety
        flags.append(
            Flag(
                "hold",
                f"Pre-infusion BP {r.bp_hold.systolic}/{r.bp_hold.diastolic} at or above "
                f"{s.bp_hold_systolic}/{s.bp_hold_diastolic}.",
            )
        )
    flags += alert_flags(r)
    due = _next_induction_due(r)
    window_end = r.induction_window_end()
    if window_end is not None and now > window_end:
        flags.append(Flag("overdue", f"Induction window closed on {moment(window_end)}: review the response."))
    if r.bp_hold is not None:
        status = ON_HOLD
    elif done or (r.awaiting_discharge is not None and r.awaiting_discharge.phase == "induction"):
        # An infusion (perhaps the first, stopped early) awaits its discharge: the visit is under way.
        status = IN_PROGRESS
    elif r.pre_vitals is not None and any(f.kind == "safety_alert" for f in flags):
        # The patient is in the chair (pre-vitals taken) when an alert is raised: the visit is under
        # way (the infusion may still be stopped), but it cannot be completed until the alert is worked.
        status = IN_PROGRESS
    elif missing or flags:
        status = REQUESTED
    else:
        status = READY
    return _step("induction", status, due, *flags)


def _next_induction_due(r: ClinicalRecord) -> datetime | None:
    """The next infusion by the induction step's due rule, never past the window; the first one is due
    at its appointment."""
    if not r.current_series():
        appointment = r.next_appointment("induction")
        return appointment.scheduled_for if appointment else None
    due = due_of(r, "induction")
    appointment = r.next_appointment("induction")
    if appointment is not None:
        # A booked appointment is the plan: the step falls due at it (and is overdue once it is
        # missed); the spacing rule still judges the infusion itself when it is recorded.
        due = appointment.scheduled_for
    window_end = r.induction_window_end()
    if due is None or window_end is None:
        return due or window_end
    return min(due, window_end)


def _response(r: ClinicalRecord, now: datetime) -> StepView:
    if r.eligible() is False:
        return _step("response_check", CANCELLED)
    if r.decision is not None and not r.decided("extend_induction"):
        return _step("response_check", COMPLETED)
    if waiting(r, "response_check", now):  # the protocol's requires: by default, the induction series
        return _step("response_check", REQUESTED)
    return _step("response_check", READY, due_of(r, "response_check"))


def maintenance_due(r: ClinicalRecord) -> datetime | None:
    """Next maintenance infusion: the last infusion plus the clinician's interval."""
    last = r.last_infusion()
    if last is None:
        return None
    weeks = r.maintenance_weeks or r.protocol.maintenance.default_interval_weeks
    return last.occurred_at + timedelta(weeks=weeks)


def _maintenance(r: ClinicalRecord, now: datetime) -> StepView:
    if r.eligible() is False or r.decided("discontinue"):
        return _step("maintenance", CANCELLED)
    if not r.decided("maintenance"):
        return _step("maintenance", REQUESTED)
    # What the protocol's maintenance requires besides the decision (a clinic may add repeat labs).
    flags = [Flag("blocked", sentence) for _code, sentence in unmet(r, "maintenance", now)]
    relapse_at = r.protocol.maintenance.relapse_phq9_at_least
    # Only PHQ-9s after the decision: the response check's own PHQ-9 (often taken in the same visit)
    # is what the decision was made on, not a relapse.
    assert r.decision is not None
    decided = (r.decision.occurred_at, r.decision.version)
    later = [a for a in r.phq9() if (a.occurred_at, a.version) > decided]
    if later and later[-1].total >= relapse_at:
        flags.append(Flag("relapse", f"PHQ-9 is {later[-1].total}, at or above {relapse_at}."))
    flags += alert_flags(r)
    status = ON_HOLD if r.bp_hold is not None else IN_PROGRESS
    return _step("maintenance", status, maintenance_due(r), *flags)


def alert_flags(r: ClinicalRecord) -> list[Flag]:
    """A ``safety_alert`` flag on the infusion steps for each alert that refuses the next infusion (not
    acknowledged, or assessed high risk): the step is not ready while one is open. It is not a blocking
    flag of the read side: the safety-alerts worklist lists these journeys already."""
    flags = [
        Flag("safety_alert", f"Safety alert of version {a.version} ({a.kind.replace('_', '-')}) not acknowledged: "
             "no infusion until it is worked.")
        for a in r.open_alerts()
    ]
    flags += [
        Flag("safety_alert", f"Safety alert of version {a.version} assessed high risk: no infusion until a later "
             "acknowledgement assesses it low or moderate.")
        for a in high_risk_alerts(r)
    ]
    return flags


def check_in_due(r: ClinicalRecord) -> datetime | None:
    """Complementary-care check-ins fall due by the step's due rule while infusions are active."""
    return due_of(r, "complementary_care")


def _complementary(r: ClinicalRecord, now: datetime) -> StepView:
    pending = _after_prerequisites(r, "complementary_care", now)
    if pending:
        return pending
    status = IN_PROGRESS if (r.guidance or r.last_check_in) else READY
    return _step("complementary_care", status, check_in_due(r))


def _finish(r: ClinicalRecord, step: StepView, now: datetime) -> None:
    """Applies what every step shares: pause, close, and the overdue flag."""
    if step.status not in OPEN:
        step.due_at = step.due_at if step.status != COMPLETED else None
        return
    if r.closed is not None:
        outcome = r.closed.payload.outcome
        step.status = COMPLETED if (outcome == "completed" and step.status == IN_PROGRESS) else CANCELLED
        step.due_at = None
        return
    if r.paused is not None:
        step.status = ON_HOLD
        step.flags.append(Flag("paused", f"Journey paused: {r.paused.reason}"))
        return
    if step.due_at is not None and now > overdue_after(r.protocol, step.name, step.due_at) and not step.has_flag("overdue"):
        step.flags.append(Flag("overdue", f"Was due {moment(step.due_at)}."))


_BUILDERS = {
    "consultation": _consultation,
    "consent": _consent,
    "medication_review": _medication_review,
    "contraindication_screening": _screening,
    "lab_screening": _labs,
    "baseline_assessment": _baseline,
    "induction": _induction,
    "response_check": _response,
    "maintenance": _maintenance,
    "complementary_care": _complementary,
}
"""How each step kind is read off the record; ``evaluate`` builds those the protocol has."""


def outcome(r: ClinicalRecord) -> Outcome:
    """PHQ-9 change from baseline, classified as the response check reads it."""
    baseline = r.baseline()
    infusions = r.induction_infusions()
    after = [a for a in r.phq9() if infusions and a.occurred_at > infusions[0].occurred_at]
    latest = after[-1] if after else None
    if baseline is None or latest is None:
        return Outcome(baseline.total if baseline else None, latest.total if latest else None, None, None)
    rc = r.protocol.response_check
    change = None if baseline.total == 0 else round((latest.total - baseline.total) * 100 / baseline.total, 1)
    if latest.total < rc.remission_below:
        label = "remission"
    elif change is not None and -change >= rc.response_drop_pct:
        label = "response"
    elif change is not None and -change >= rc.partial_drop_pct:
        label = "partial"
    else:
        label = "non-response"
    return Outcome(baseline.total, latest.total, change, label)


_ACTIONS = {
    "consultation": "Complete the consultation",
    "consent": "Record informed consent",
    "medication_review": "Review medications",
    "contraindication_screening": "Screen for contraindications",
    "lab_screening": "Order and result the lab panels",
    "baseline_assessment": "Record a baseline PHQ-9",
    "induction": "Give the next induction infusion",
    "response_check": "Review the response (PHQ-9 and decision)",
    "maintenance": "Give the next maintenance infusion",
    "complementary_care": "Complementary-care check-in",
}


def appointment_actions(r: ClinicalRecord, now: datetime | None) -> list[NextAction]:
    """The open appointments as next actions: booked ones at their time, missed ones (their time and
    duration passed with nothing recorded) as something to rebook. Pages show ``due_at`` on the
    clinic's clock; the text carries no time, since the domain does not know the clinic's zone."""
    actions = []
    for a in sorted(r.appointments, key=lambda a: a.scheduled_for):
        if a.state != "scheduled":
            continue
        chair = f", chair {a.chair}" if a.chair else ""
        missed = now is not None and span(a.scheduled_for, a.duration_min)[1] <= utc_of(now)
        if missed:
            actions.append(NextAction("appointment", f"Missed {a.phase} appointment{chair}: rebook or cancel", a.scheduled_for))
        else:
            actions.append(NextAction("appointment", f"Booked {a.phase} infusion{chair}", a.scheduled_for))
    return actions


def utc_of(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _next_actions(
    r: ClinicalRecord, steps: dict[str, StepView], now: datetime | None = None, verdict: Verdict | None = None
) -> list[NextAction]:
    """What to do next, soonest due first; while the rules would refuse the next infusion, what blocks
    it comes first (DESIGN 7.2), and the infusion itself is not offered."""
    if r.closed is not None:
        return []
    if r.paused is not None:
        return [NextAction("journey", "Resume the journey when the pause ends", None)]
    blocks = _before_next_infusion(r, steps, verdict)
    first = [b for b in blocks if b.blocked_by not in VITALS_FIRST]
    actions = [b for b in blocks if b.blocked_by in VITALS_FIRST]  # the chair's usual step: due with the rest
    for name, step in steps.items():
        if name in INFUSION_STEPS and blocks:
            continue  # the engine would refuse the infusion: what blocks it stands instead
        if step.status in (READY, IN_PROGRESS, ON_HOLD):
            text = _ACTIONS[name]
            if name == "induction":
                text = f"Give induction infusion {len(r.induction_infusions()) + 1} of {r.induction_target}"
            actions.append(NextAction(name, text, step.due_at))
    if r.eligible() is False or r.decided("discontinue"):
        actions.append(NextAction("journey", "Close the journey", None))
    actions = appointment_actions(r, now) + actions  # first at equal times: the booking is the plan
    far = datetime.max.replace(tzinfo=r.opened_at.tzinfo if r.opened_at else None)
    return first + sorted(actions, key=lambda a: a.due_at or far)


INFUSION_STEPS = ("induction", "maintenance")


def next_infusion(r: ClinicalRecord, steps: dict[str, StepView], now: datetime) -> Verdict | None:
    """The rules' verdict on the next infusion starting ``now``, while an infusion step is open (or
    waits only for a safety alert to be worked); None when no infusion is in view."""
    for name in INFUSION_STEPS:
        step = steps[name]
        if step.status in (READY, IN_PROGRESS, ON_HOLD) or (step.status == REQUESTED and step.has_flag("safety_alert")):
            return judge(r, name, utc_of(now) + JUDGED_AHEAD)
    return None


JUDGED_AHEAD = timedelta(minutes=1)
"""The next infusion is judged as starting a minute from now: what was recorded at this very minute
(an alert raised by the reading just taken) is then before it, as it will be at the chair."""
PLAIN_BLOCKS = {
    "blood_pressure_hold": "Resolve the blood-pressure hold",
    "high_risk_pending": "Reassess the high-risk safety alert",
}
"""Blocks named in the clinic's words rather than the rule's sentence (which speaks of "this infusion")."""


def _before_next_infusion(r: ClinicalRecord, steps: dict[str, StepView], verdict: Verdict | None) -> list[NextAction]:
    """What blocks the next infusion, most pressing first: the discharge owed, then the rules' block."""
    settling = r.awaiting_discharge
    blocks = []
    if settling is not None:
        which = _which_infusion(r, settling.version, settling.phase)
        blocks.append(NextAction(settling.phase, f"Assess discharge after {which}", settling.ended_at, "discharge_pending"))
    block = _block(r, steps, verdict)
    if block is not None and block.blocked_by != "discharge_pending":
        blocks.append(block)
    return blocks


def _block(r: ClinicalRecord, steps: dict[str, StepView], verdict: Verdict | None) -> NextAction | None:
    """The rules' refusal of an infusion starting now (the discharge of one that ended is owed first,
    whatever the steps' status, since the sixth's is still owed once induction is complete), in plain words where the clinic
    has them (pre-infusion vitals, a hold, an alert) and in the rule's sentence otherwise (spacing, the
    24 h floor, a contraindication, the window), due when it lifts for a timing rule. None: the rules
    would accept the infusion, and the steps' own actions stand."""
    if verdict is None or verdict.code is None:
        return None
    step = steps[verdict.phase]
    code = verdict.code
    if code == "vitals_missing":
        if verdict.phase == "induction":
            text = f"Give induction infusion {len(r.induction_infusions()) + 1} of {r.induction_target}"
        else:
            text = _ACTIONS[verdict.phase]
        return NextAction(verdict.phase, f"{text} (pre-infusion vitals first)", step.due_at, code)
    if code == "open_safety_alert" and r.open_alerts():
        alert = r.open_alerts()[0]
        return NextAction(verdict.phase, f"Acknowledge the {alert.kind.replace('_', '-')} safety alert", alert.raised_at, code)
    if code == "administration_too_soon":
        # The rule's sentence gives the end in UTC, which the domain cannot put on the clinic's clock;
        # the action's due time (shown on it) says when the floor lifts.
        hours = r.protocol.dose.min_hours_between_administrations
        text = f"The next infusion may start {hours:g} h after the last administration ended"
    elif code in PREREQUISITES:
        # A prerequisite the engine asks for before the next infusion (a migration added labs or consent,
        # a taper is pending): said as what comes first, not as a refusal of "this infusion".
        sentence = (verdict.sentence or code).split("waits for another step: ", 1)[-1]  # what, not whom
        text = f"Before the next infusion: {sentence}"
    else:
        text = PLAIN_BLOCKS.get(code) or verdict.sentence or code
    return NextAction(verdict.phase, text, verdict.allowed_from or step.due_at, code)


PREREQUISITES = frozenset({"prerequisite_missing", "taper_pending", "consent_missing", "labs_pending", "baseline_missing"})
"""The codes of what a step requires (``careplan.domain.graph.unmet``)."""


def _which_infusion(r: ClinicalRecord, version: int, phase: str) -> str:
    given = r.induction_infusions() if phase == "induction" else r.maintenance_infusions()
    for n, infusion in enumerate(given, start=1):
        if infusion.version == version:
            return f"{phase} infusion {n}" + (f" of {r.induction_target}" if phase == "induction" else "")
    return f"the {phase} infusion stopped early"
