"""The infusion chair: appointments, vitals, holds, and the infusion itself.

Pre-infusion vitals at or above the protocol's threshold put a blood-pressure hold on the infusion;
an infusion is refused until new vitals are below it, the infusion is held, or a clinician overrides
the hold with a reason; at or above the protocol's ceiling no override lifts it. Induction infusions
must keep the protocol's spacing and window.

Clinical time (DESIGN 7.1): an infusion's ``occurred_at`` is its end and its start is the end minus
its minutes. Everything it needed (pre-infusion vitals, no hold, cleared findings, the previous one
discharged, no open alert) is judged at its start, from the times the record keeps, so the rules hold
whatever order the events were typed in.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from careplan.domain.about import CARE_TEAM, CLINICIANS, INFUSIONS, About
from careplan.domain.booking import DURATION_MIN, MAX_CHAIR, check_booking, span
from careplan.domain.codes import Hold, InfusionPhase, SideEffect, StopCause, VitalsPhase
from careplan.domain.errors import RuleViolation
from careplan.domain.families import chair
from careplan.domain.families.alerts import require_alerts_worked
from careplan.domain.families.appointments import forget_missed
from careplan.domain.family import Attempt, event, folds, raises, rule
from careplan.domain.graph import unmet
from careplan.domain.payload import Payload, at_least, between, items
from careplan.domain.record import Appointment, ClinicalRecord, Infusion, Settling, Vitals
from careplan.domain.values import Fact, moment

DOSE_MG_PER_KG = (0.05, 2.0)
INFUSION_MINUTES = (1, 240)


@event
@dataclass(frozen=True)
class InfusionScheduled(Payload):
    """``chair`` and ``duration_min`` are optional (older bookings have neither); the clinic's hours and
    its number of chairs are checked where the clinic is known (careplan/booking.py)."""
    about = About(
        label="Schedule an infusion", group=INFUSIONS, by=CARE_TEAM, chair=True, while_paused=False, settles_booking=True
    )

    phase: InfusionPhase
    scheduled_for: datetime
    chair: int | None = field(
        default=None, metadata=between(1, MAX_CHAIR) | {"description": "The infusion chair, 1 to the clinic's chairs."}
    )
    duration_min: int | None = field(
        default=None,
        metadata=between(*DURATION_MIN)
        | {"description": "Expected minutes in the chair; default 60 (40 min infusion + 20 min observation)."},
    )


@event
@dataclass(frozen=True)
class VitalsRecorded(Payload):
    """Ranges are plausibility limits that catch typing slips (a systolic of 14); whether a reading is
    clinically acceptable is the protocol's rule, with a rule code, not a validation error."""
    about = About(label="Vitals", group=INFUSIONS, by=CLINICIANS, chair=True)

    phase: VitalsPhase
    systolic: int = field(metadata=between(40, 300))
    diastolic: int = field(metadata=between(20, 200))
    heart_rate: int = field(metadata=between(20, 250))
    spo2: int | None = field(default=None, metadata=between(50, 100))

    def check(self) -> None:
        if self.systolic <= self.diastolic:
            self.refuse("systolic", "Must be greater than diastolic.")


@event
@dataclass(frozen=True)
class InfusionHeld(Payload):
    about = About(label="Hold the infusion", group=INFUSIONS, by=CLINICIANS, reason=True, chair=True, settles_booking=True)
    phase: InfusionPhase


@event
@dataclass(frozen=True)
class InfusionCancelled(Payload):
    about = About(
        label="Cancel an infusion", group=INFUSIONS, by=CARE_TEAM, reason=True, chair=True, settles_booking=True
    )
    phase: InfusionPhase
    scheduled_version: int | None = field(
        default=None,
        metadata=at_least(1)
        | {"description": "The InfusionScheduled version to cancel; default the earliest open one.", "nullable": True},
    )
    """The booking to cancel (its InfusionScheduled version); None: the earliest open one."""


@event
@dataclass(frozen=True)
class HoldOverridden(Payload):
    about = About(label="Override hold", group=INFUSIONS, by=CLINICIANS, reason=True, chair=True)
    hold: Hold


@event
@dataclass(frozen=True)
class InfusionCompleted(Payload):
    about = About(
        label="Complete infusion", group=INFUSIONS, by=CLINICIANS, chair=True, while_paused=False,
        settles_booking=True, administration=True,
    )
    phase: InfusionPhase
    dose_mg_per_kg: float = field(metadata=between(*DOSE_MG_PER_KG))
    weight_kg: float = field(metadata=between(20, 350))
    duration_min: int = field(metadata=between(*INFUSION_MINUTES))
    escort_confirmed: bool = field()
    side_effects: tuple[SideEffect, ...] = field(default=(), metadata=items(20, unique=True))


@event
@dataclass(frozen=True)
class InfusionStopped(Payload):
    """An infusion ended early: it does not count toward the series, but the patient still needs
    watching and a discharge assessment like after a completed one."""
    about = About(
        label="Stop the infusion early", group=INFUSIONS, by=CLINICIANS, reason=True, chair=True,
        while_paused=False, settles_booking=True, administration=True,
    )

    phase: InfusionPhase
    minutes_given: int = field(metadata=between(0, 240))
    cause: StopCause



# -- scheduling -------------------------------------------------------------------------------------


@rule(InfusionScheduled)
def _may_schedule(r: ClinicalRecord, p: InfusionScheduled, a: Attempt) -> None:
    if r.consultation is None:  # booking a chair is not giving the infusion: the consultation only
        raise RuleViolation("prerequisite_missing", "This step needs a completed consultation first.")
    if r.eligible() is False:
        raise RuleViolation("not_eligible", "The consultation found the patient not eligible.")
    if p.phase == InfusionPhase.MAINTENANCE:
        require_maintenance(r)
    if a.clinic is not None:
        check_booking(a.clinic, p.scheduled_for, p.duration_min, p.chair, a.deviable)
    require_bookable(as_if_given(whole(r, a), planned(whole(r, a), a.now)), p.phase, p.scheduled_for, a)


def require_bookable(r: ClinicalRecord, phase: str, start: datetime, a: Attempt | None = None) -> None:
    """The timing rules an infusion starting at ``start`` would meet (DESIGN 7.2), on ``r`` with the
    journey's other open bookings already counted as given (``as_if_given``): the floor from the previous
    administration's end (never deviable), the spacing start to start and the induction window
    (deviable). The same functions the chair's rules call, so a booking accepted here is not refused
    at the chair for its time. Without ``a`` a deviable refusal is raised as such (the slot search)."""
    end = start + timedelta(minutes=r.protocol.dose.duration_min_at_least)
    require_administrations_apart(r, start, end)
    require_spacing(r, start, a)
    if phase == InfusionPhase.INDUCTION:
        require_within_window(r, end, a)


def planned(r: ClinicalRecord, now: datetime) -> list[Infusion]:
    """The journey's open bookings as the infusions they would be: started at their time and ended the
    protocol's minimum minutes later. A booking whose time is already over (missed, not yet marked so)
    or that starts before the last administration is no plan any more and is not counted."""
    minutes = timedelta(minutes=r.protocol.dose.duration_min_at_least)
    last = r.last_administration()
    return [
        Infusion(version=b.version, phase=b.phase, occurred_at=b.scheduled_for + minutes, started_at=b.scheduled_for)
        for b in r.appointments
        if b.state == "scheduled"
        and span(b.scheduled_for, b.duration_min)[1] > now
        and (last is None or b.scheduled_for > last.start)
    ]


def as_if_given(r: ClinicalRecord, more: list[Infusion]) -> ClinicalRecord:
    """A view of ``r`` in which ``more`` infusions were given too (a shallow copy: only the infusions
    differ, and the copy is read, never folded onto)."""
    if not more:
        return r
    seen = copy.copy(r)
    seen.__dict__.pop("_derived", None)  # the memo of derived lists is the original's
    seen.infusions = [*r.infusions, *more]
    seen.__dict__[PLANNED] = [*r.__dict__.get(PLANNED, ()), *more]
    return seen


PLANNED = "_planned"


def is_planned(r: ClinicalRecord, infusion: Infusion) -> bool:
    """Whether ``infusion`` is a booking counted as given (``as_if_given``), not one given."""
    return any(infusion is p for p in r.__dict__.get(PLANNED, ()))


@folds(InfusionScheduled)
def _scheduled(r: ClinicalRecord, p: InfusionScheduled, f: Fact) -> None:
    forget_missed(r, str(p.phase))  # booked again: the missed one is made good
    r.appointments.append(
        Appointment(
            version=f.version, phase=str(p.phase), scheduled_for=p.scheduled_for,
            chair=p.chair, duration_min=p.duration_min,
        )
    )


@rule(InfusionCancelled)
def _may_cancel(r: ClinicalRecord, p: InfusionCancelled, a: Attempt) -> None:
    if p.scheduled_version is not None:
        if booking(r, str(p.phase), p.scheduled_version) is None:
            raise RuleViolation(
                "no_such_appointment",
                f"There is no open {p.phase} appointment booked at version {p.scheduled_version}.",
            )
        return
    if r.next_appointment(str(p.phase)) is None:
        raise RuleViolation("nothing_scheduled", f"No {p.phase} infusion is scheduled to cancel.")


@folds(InfusionCancelled)
def _cancelled(r: ClinicalRecord, p: InfusionCancelled, f: Fact) -> None:
    if p.scheduled_version is None:
        settle_appointment(r, str(p.phase))
        return
    named = booking(r, str(p.phase), p.scheduled_version)
    if named is not None:
        r.appointments.remove(named)


def booking(r: ClinicalRecord, phase: str, version: int) -> Appointment | None:
    """The open (still scheduled) appointment of that phase booked at ``version``."""
    return next(
        (x for x in r.appointments if x.version == version and x.phase == phase and x.state == "scheduled"), None
    )


def settle_appointment(r: ClinicalRecord, phase: str) -> None:
    """The earliest open appointment of that phase is over (done, held or cancelled)."""
    appointment = r.next_appointment(phase)
    if appointment is not None:
        r.appointments.remove(appointment)


# -- vitals and the hold ----------------------------------------------------------------------------


@folds(VitalsRecorded)
def _vitals(r: ClinicalRecord, p: VitalsRecorded, f: Fact) -> None:
    vitals = Vitals(f.version, f.occurred_at, p.systolic, p.diastolic, r.protocol_version, p.heart_rate, p.spo2)
    if p.phase == VitalsPhase.POST:
        chair.fold_post_vitals(r, vitals)
    if p.phase != VitalsPhase.PRE:
        return
    r.pre_readings = sorted([*r.pre_readings, vitals], key=lambda v: (v.occurred_at, v.version))
    refresh_pre(r)


def refresh_pre(r: ClinicalRecord) -> None:
    """The latest pre-infusion reading since the last administration, and the hold it sets unless
    overridden (what the views show)."""
    last = max((g.occurred_at for g in (*r.infusions, *r.stopped)), default=None)  # every fold asks: no sort
    since = [v for v in r.pre_readings if last is None or v.occurred_at > last]
    r.pre_vitals = since[-1] if since else None
    r.hold_vitals = r.pre_vitals if r.pre_vitals is not None and r.pre_vitals.overridden_at is None else None


def drop_pre_readings(r: ClinicalRecord, until: datetime) -> None:
    """An administration or a hold used up the readings taken until it ended: the next needs new ones."""
    r.pre_readings = [v for v in r.pre_readings if v.occurred_at > until]
    refresh_pre(r)


def pre_basis(r: ClinicalRecord, start: datetime) -> Vitals | None:
    """The pre-infusion reading an infusion starting at ``start`` stands on: the latest taken by then
    since the previous administration."""
    ended = [g.occurred_at for g in r.administrations() if g.occurred_at <= start]
    since = max(ended) if ended else None
    taken = [v for v in r.pre_readings if v.occurred_at <= start and (since is None or v.occurred_at > since)]
    return taken[-1] if taken else None


@raises(VitalsRecorded)
def _vitals_alert(r: ClinicalRecord, p: VitalsRecorded, f: Fact) -> list[Payload]:
    return chair.vitals_alert(r, p, f)


@rule(HoldOverridden)
def _may_override_hold(r: ClinicalRecord, p: HoldOverridden, a: Attempt) -> None:
    """The override lifts the hold of the reading before it; at or above the ceiling none can."""
    reading = pre_basis(r, a.occurred_at)
    if reading is not None and r.hold_threshold_met(reading):
        if r.at_ceiling(reading):
            m = r.protocol_at(reading.protocol_version).monitoring
            raise RuleViolation(
                "hold_not_overridable",
                f"Pre-infusion blood pressure {reading.systolic}/{reading.diastolic} is at or above "
                f"{m.pre_hold_ceiling_systolic}/{m.pre_hold_ceiling_diastolic}: no override lifts this hold; "
                "only new pre-infusion vitals below it can.",
            )
        if reading.overridden_at is None:
            return
    if any(v.occurred_at > a.occurred_at and r.holds(v) for v in whole(r, a).pre_readings):
        raise RuleViolation(
            "before_subject", "The override is dated before the pre-infusion reading that set the hold."
        )
    raise RuleViolation("no_active_hold", "There is no blood-pressure hold to override.")


@folds(HoldOverridden)
def _hold_overridden(r: ClinicalRecord, p: HoldOverridden, f: Fact) -> None:
    reading = pre_basis(r, f.occurred_at)
    if reading is not None:
        lifted = replace(reading, overridden_at=f.occurred_at)
        r.pre_readings = [lifted if v is reading else v for v in r.pre_readings]
    refresh_pre(r)


@folds(InfusionHeld)
def _held(r: ClinicalRecord, p: InfusionHeld, f: Fact) -> None:
    r.held += 1
    drop_pre_readings(r, f.occurred_at)
    settle_appointment(r, str(p.phase))


# -- the infusion -----------------------------------------------------------------------------------


@rule(InfusionCompleted)
def _may_complete(r: ClinicalRecord, p: InfusionCompleted, a: Attempt) -> None:
    at = a.occurred_at
    start = at - timedelta(minutes=p.duration_min)
    require_startable(r, p.phase, at, a, start)
    require_escort(p)
    chair.require_dose(r, p.dose_mg_per_kg, p.duration_min)
    require_clear_to_give(r, at, a, start)


def require_escort(p: InfusionCompleted) -> None:
    if not p.escort_confirmed:
        raise RuleViolation("escort_not_confirmed", "Confirm an escort home before completing the infusion.")


def require_startable(
    r: ClinicalRecord, phase: InfusionPhase, at: datetime, a: Attempt, start: datetime | None = None
) -> None:
    """What any infusion needed before it started, whether it then completed or was stopped early
    (the first half of the chair's checks): its step ready, contraindications cleared, the previous
    infusion discharged, and pre-infusion vitals taken before it, recent and in range. ``at`` is
    when it ended, ``start`` when it began (default: ``at``)."""
    start = at if start is None else start
    if phase == InfusionPhase.INDUCTION:
        require_induction_ready(r, at, a)
    else:
        require_maintenance(whole(r, a), at)
    require_contraindications_cleared(r, start)
    chair.require_discharged(r, start)
    decision = whole(r, a).decision  # a review later in clinical time closed the series too
    if decision is not None and at < decision.occurred_at:
        # The review closed the series it judged; a backdated infusion would slip into that series.
        raise RuleViolation(
            "before_response_review",
            f"The response review of {moment(decision.occurred_at)} closed the series before this "
            "time: an infusion cannot be dated before it.",
        )
    vitals = pre_basis(r, start)
    if vitals is None:
        raise RuleViolation(
            "vitals_missing",
            f"No pre-infusion vitals were taken before this infusion started ({moment(start)}) since "
            "the previous one: record them first.",
        )
    chair.require_recent_pre_vitals(r, vitals, start)


def require_clear_to_give(
    r: ClinicalRecord, at: datetime, a: Attempt, start: datetime | None = None
) -> None:
    """The second half of the chair's checks, for completed and stopped infusions alike, at the
    infusion's ``start`` (default: ``at``, its end): no blood-pressure hold, the floor from the previous
    administration's end (never deviable), the spacing from every infusion given, start to start (a
    stopped one too: ketamine was given; deviable), and every safety alert raised before the start
    worked (one raised during it is often why it was stopped)."""
    start = at if start is None else start
    reading = pre_basis(r, start)
    if reading is not None and r.holds(reading, start):
        s = r.protocol_at(reading.protocol_version).safety
        ceiling = r.at_ceiling(reading)
        raise RuleViolation(
            "blood_pressure_hold",
            f"Pre-infusion blood pressure {reading.systolic}/{reading.diastolic} is at or above "
            f"{s.bp_hold_systolic}/{s.bp_hold_diastolic}: record new vitals, hold the infusion"
            + (" (at the protocol's ceiling no override lifts it)." if ceiling else ", or override the hold with a reason."),
        )
    require_administrations_apart(whole(r, a), start, at)  # later ones too, as for spacing
    require_spacing(whole(r, a), start, a)  # later ones too: spacing is measured both ways
    require_alerts_worked(r, start)


def require_spacing(r: ClinicalRecord, start: datetime, a: Attempt | None = None) -> None:
    """``induction.min_spacing_hours`` between starts (DESIGN 7.9: start to start, a booking's
    ``scheduled_for`` is a start), from every administration ``r`` holds, before or after (deviable)."""
    hours = r.protocol.induction.min_spacing_hours
    for given in r.administrations():
        if abs(given.start - start) < timedelta(hours=hours):
            stopped = " (counting infusions stopped early)" if given in r.stopped else ""
            _deviable(a, "spacing_too_short", f"Infusions must start at least {hours} h apart{stopped}.")


def _deviable(a: Attempt | None, code: str, message: str) -> None:
    if a is None:
        raise RuleViolation(code, message, deviable=True)
    a.deviable(code, message)


def require_administrations_apart(r: ClinicalRecord, start: datetime, end: datetime) -> None:
    """At least ``dose.min_hours_between_administrations`` from one administration's end to the next
    one's start, whichever was recorded first (never deviable: DESIGN 7.1)."""
    floor = timedelta(hours=r.protocol.dose.min_hours_between_administrations)
    for given in r.administrations():
        if max(start - given.occurred_at, given.start - end) < floor:
            raise RuleViolation(
                "administration_too_soon",
                f"{'A booked infusion runs' if is_planned(r, given) else 'Ketamine was given'} until "
                f"{moment(given.occurred_at)}: the next administration may start "
                f"{r.protocol.dose.min_hours_between_administrations:g} h after the previous one ended, not sooner.",
            )


def require_contraindications_cleared(r: ClinicalRecord, start: datetime | None = None) -> None:
    """A finding not cleared refuses every infusion, of either phase and whatever the protocol's
    ``requires`` say (never deviable); so does one cleared only after the infusion ``start``ed."""
    open_findings = r.open_findings()
    if open_findings:
        pending = [f for f in open_findings if f in r.clearing or r.overridden_by.get(f)]
        second = " (an absolute finding: a second, different clinician must clear it too)" if pending else ""
        raise RuleViolation("contraindicated", "Contraindications not cleared: " + ", ".join(open_findings) + f"{second}.")
    late = sorted(f for f, when in r.cleared_at.items() if start is not None and when > start)
    if late:
        raise RuleViolation(
            "contraindicated", f"Contraindications cleared only after this infusion started: {', '.join(late)}."
        )


def fold_administration(r: ClinicalRecord, given: Infusion, stopped: bool) -> None:
    """An infusion given (completed, or stopped early): it waits for its discharge, and the readings
    taken until it ended are no basis for the next one."""
    (r.stopped if stopped else r.infusions).append(given)
    drop_pre_readings(r, given.occurred_at)
    r.awaiting_discharge = Settling(version=given.version, phase=given.phase, ended_at=given.occurred_at)
    settle_appointment(r, given.phase)


@folds(InfusionCompleted)
def _completed(r: ClinicalRecord, p: InfusionCompleted, f: Fact) -> None:
    given = Infusion(
        version=f.version, phase=str(p.phase), occurred_at=f.occurred_at, weight_kg=p.weight_kg,
        started_at=f.occurred_at - timedelta(minutes=p.duration_min),
    )
    fold_administration(r, given, stopped=False)
    forget_missed(r, str(p.phase))


# -- the infusion stopped early --------------------------------------------------------------------


@rule(InfusionStopped)
def _may_stop(r: ClinicalRecord, p: InfusionStopped, a: Attempt) -> None:
    """An infusion stopped early was started, so it needed what a completed one needs to start (the
    same codes, safety ones never deviable; spacing and the induction window deviable as ever). Not
    checked: the escort (this event has no escort field; the discharge that must follow requires
    one present), the dose and ``infusion_too_fast`` (a stopped infusion has neither a whole dose
    nor a whole duration). It started ``minutes_given`` before the stop, and everything is judged at
    that start: the pre-infusion vitals before it, the alerts raised before it (the one raised during
    it is often why it was stopped)."""
    at = a.occurred_at
    start = at - timedelta(minutes=p.minutes_given)
    require_startable(r, p.phase, at, a, start)
    require_clear_to_give(r, at, a, start)


@folds(InfusionStopped)
def _stopped(r: ClinicalRecord, p: InfusionStopped, f: Fact) -> None:
    given = Infusion(
        version=f.version, phase=str(p.phase), occurred_at=f.occurred_at,
        started_at=f.occurred_at - timedelta(minutes=p.minutes_given),
    )
    fold_administration(r, given, stopped=True)


def whole(r: ClinicalRecord, a: Attempt | None) -> ClinicalRecord:
    """The chart with everything recorded (later in clinical time too), for the rules that measure a
    late entry against what came after it as well as before (DESIGN 7.1); else the basis itself."""
    return a.current if a is not None and a.current is not None else r


def require_induction_ready(r: ClinicalRecord, at: datetime, a: Attempt | None = None) -> None:
    for problem in induction_blockers(r, at):
        raise RuleViolation(*problem)
    if not r.induction_infusions():
        for sentence in eligibility_unmet(r, at):
            if a is None:
                raise RuleViolation("eligibility_not_met", sentence, deviable=True)
            a.deviable("eligibility_not_met", sentence)
    if whole(r, a).induction_complete():
        raise RuleViolation("induction_complete", "The induction series is complete: review the response next.")
    require_within_window(whole(r, a), at, a)


def require_within_window(r: ClinicalRecord, at: datetime, a: Attempt | None = None) -> None:
    """Every induction infusion of the current series, and one ending at ``at``, within
    ``induction.window_days`` of each other (deviable)."""
    series = [i.occurred_at for i in r.current_series()] + [at]
    if max(series) - min(series) > timedelta(days=r.protocol.induction.window_days):
        _deviable(
            a,
            "induction_window_exceeded",
            f"All induction infusions must fall within {r.protocol.induction.window_days} days of the "
            "first: review the response to decide on an extended induction.",
        )


def eligibility_unmet(r: ClinicalRecord, at: datetime) -> list[str]:
    """Why the protocol's eligibility thresholds (inclusive) are not met for a first infusion at
    ``at`` (DESIGN 7.6): deviable, since the clinician's judgement may differ from the thresholds."""
    rule = r.protocol.eligibility
    unmet: list[str] = []
    trials = r.consultation.payload.prior_antidepressant_trials if r.consultation else None
    if rule.min_prior_antidepressant_trials and (trials is None or trials < rule.min_prior_antidepressant_trials):
        unmet.append(
            f"Eligibility: {trials if trials is not None else 'no'} prior antidepressant trial(s); the protocol asks "
            f"for at least {rule.min_prior_antidepressant_trials} (record a deviation with the clinician's reason to go ahead)."
        )
    baseline = r.baseline(before=at)
    if rule.min_baseline_phq9 and (baseline is None or baseline.total < rule.min_baseline_phq9):
        unmet.append(
            f"Eligibility: baseline PHQ-9 {baseline.total if baseline else 'missing'}; the protocol asks for at least "
            f"{rule.min_baseline_phq9} (record a deviation with the clinician's reason to go ahead)."
        )
    return unmet


def induction_blockers(r: ClinicalRecord, at: datetime) -> list[tuple[str, str]]:
    """Why induction cannot go ahead at ``at``, as (code, sentence) pairs; empty when it can.

    Shared by the rules (which refuse on the first) and the views (which show them all). The steps
    induction waits for are the protocol's ``requires`` of the induction step.
    """
    problems: list[tuple[str, str]] = []
    if r.eligible() is False:
        problems.append(("not_eligible", "The consultation found the patient not eligible."))
    if r.decided("discontinue"):
        problems.append(("discontinued", "The response review decided to discontinue treatment."))
    problems.extend(unmet(r, "induction", at))
    return problems


def require_maintenance(r: ClinicalRecord, at: datetime | None = None) -> None:
    """Maintenance has started; and, for an infusion given at ``at``, the steps the protocol's
    maintenance ``requires`` are done (a clinic may add, say, repeat labs)."""
    if not r.decided("maintenance"):
        raise RuleViolation("maintenance_not_started", "Maintenance starts after a response review decides on it.")
    if at is not None:
        for code, sentence in unmet(r, "maintenance", at):
            raise RuleViolation(code, f"Maintenance waits for another step: {sentence}")
