"""One demo patient's chart being written: a clinical clock that only moves forward, and a recorder.

Every entry goes through the aggregate's own ``record``, so the protocol's rules judge each one just
as they judge a clinician's. Each is stamped as recorded a few minutes after it happened (backfilled
demo data reads like a clinic that has used careplan for months), never later than the cohort's
``now``, and never earlier than the entry before it, so "as of" queries read the history in order.

A patient's journeys are claimed on the reference's ``PatientIndex`` exactly as the application's
``open_journey`` claims them (and released when a journey closes), so a demo patient with an open
journey cannot be given a second one, and a second course (``next_course``) names the first.

A dry chart records nothing: it runs a story only to learn how long it takes (see ``cohort.py``),
drawing from the random generator exactly as the real run will.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from random import Random
from typing import Any

from careplan.demo.chairs import dry_booking
from careplan.domain.duties import duties
from careplan.domain.families.alerts import carried_alerts
from careplan.domain.families.assessment import self_harm_answer
from careplan.domain.journey import PatientJourney, fact_of
from careplan.domain.patient_index import PatientIndex
from careplan.domain.protocol import Protocol
from careplan.domain.values import Actor
from careplan.domain.view import evaluate

CLINICIAN = Actor("dr.demo", "clinician")
SECOND_CLINICIAN = Actor("dr.second", "clinician")
"""The colleague whose override an absolute contraindication needs besides the first clinician's."""
COORDINATOR = Actor("coord.demo", "coordinator")
CARE_AREAS = ("exercise", "sleep", "mindfulness", "nutrition")
ADHERENCE = ("none", "partial", "partial", "full", "full")


class RanPastNow(ValueError):
    """A story's entries would fall after the cohort's ``now``: the journey must be opened earlier."""


class Chart:
    """A journey under construction; ``t`` is the clinical time of the next entry.

    Entries are recorded at ``t`` to the minute, as a chart reads; the clock itself keeps its
    fractions, so gaps the protocol counts (48 hours between infusions) never shrink by rounding.
    """

    def __init__(
        self,
        protocol: Protocol,
        resolve: Callable[[str, int], Protocol],
        rng: Random,
        patient_ref: str,
        opened_at: datetime,
        now: datetime,
        dry: bool = False,
    ) -> None:
        self.protocol = protocol
        self.resolve = resolve
        self.rng = rng
        self.patient_ref = patient_ref
        self.now = now
        self.opened_at = opened_at
        self.t = opened_at
        self._stamp = opened_at
        self.version = 1
        self._last: dict[str, int] = {}
        self._alert: int | None = None
        self.check_in_days: float | None = None
        """While set, a complementary-care check-in is recorded about this often as time passes."""
        self._last_check_in = opened_at
        self.booked = opened_at
        """When the last booked infusion session is."""
        self.book: Callable[[datetime], tuple[datetime, int | None]] = dry_booking
        """Gives a booking its slot and chair (the cohort's ChairPlan; a dry run's upper bound)."""
        self.dry = dry
        self.earlier: list[PatientJourney] = []
        """The patient's earlier courses (closed), when the story opened a later one."""
        self.events_before = 0
        """How many events those earlier courses hold."""
        self.index = None if dry else PatientIndex.start(patient_ref)
        self.journey: PatientJourney | None = None
        self._open(opened_at, None, None)

    def _open(self, opened_at: datetime, reason: str | None, previous: PatientJourney | None) -> None:
        stamp = self._recorded(opened_at)
        if self.dry:
            return
        assert self.index is not None
        previous_id = str(previous.id) if previous is not None else None
        self.journey = PatientJourney.open(self.patient_ref, self.protocol, opened_at, COORDINATOR, stamp, reason, previous_id)
        self.index.claim(self.journey.id)  # refused, as the application refuses it, while a course is open
        if previous is not None:  # as the application opens a next course: with the alerts left unresolved
            for alert in carried_alerts(previous.clinical_record(self.resolve), str(previous.id)):
                self.journey.record_system(alert.event_type, alert.as_data(), occurred_at=opened_at, now=stamp)
            self.version = self.journey.version

    def next_course(self, reason: str) -> None:
        """Opens the patient's next course at the clinical clock, linked to the one just closed."""
        self.events_before += self.version
        previous = self.journey
        if previous is not None:
            self.earlier.append(previous)
        self.version = 1
        self._last = {}
        self._alert = None
        self.check_in_days = None
        self._open(self.t.replace(second=0, microsecond=0), reason, previous)

    @property
    def journeys(self) -> list[PatientJourney]:
        """Every course of this patient, oldest first."""
        return [*self.earlier, *([self.journey] if self.journey is not None else [])]

    @property
    def events(self) -> int:
        """How many events this patient's courses hold."""
        return self.events_before + self.version

    # -- time ----------------------------------------------------------------------------------

    def wait(self, days: float = 0, hours: float = 0) -> datetime:
        """Moves the clinical clock on, recording the check-ins that fall due on the way."""
        return self.move_to(self.t + timedelta(days=days, hours=hours))

    def move_to(self, when: datetime) -> datetime:
        if when > self.now:
            raise RanPastNow("the demo story ran past its cohort's now: its stage needs an older journey")
        while self.check_in_days is not None:
            due = self._last_check_in + timedelta(days=self.check_in_days)
            if due >= when:
                break
            self.t = max(self.t, due)
            self.check_in(due)
        self.t = max(self.t, when)
        return self.t

    def left(self) -> timedelta:
        """Time between the clinical clock and the cohort's now."""
        return self.now - self.t

    def later(self, days: float) -> datetime:
        """A moment ``days`` after the clinical clock (for appointments), which may lie after now."""
        return (self.t + timedelta(days=days)).replace(second=0, microsecond=0)

    def _recorded(self, occurred: datetime) -> datetime:
        stamp = occurred + timedelta(minutes=self.rng.randint(2, 40))
        self._stamp = min(self.now, max(self._stamp, stamp))
        return self._stamp

    # -- entries -------------------------------------------------------------------------------

    def record(
        self,
        event_type: str,
        data: dict[str, Any],
        *,
        actor: Actor = CLINICIAN,
        reason: str | None = None,
        deviation: str | None = None,
        late: timedelta | None = None,
    ) -> int:
        """Records an entry at the clinical clock and returns its version; ``deviation`` is the reason for
        knowingly departing from a timing rule, which the rules then accept and flag (DESIGN 6.3).
        ``late``: the entry is charted now but happened that long before the clinical clock (a
        reading typed up from the monitor's printout): it takes its place in the chart (DESIGN 7.1)."""
        stamp = self._recorded(self.t.replace(second=0, microsecond=0))
        occurred = (self.t - (late or timedelta(0))).replace(second=0, microsecond=0)
        if self.journey is None:
            self._pretend(event_type, data)
        else:
            # The journey is written wholly in memory before its first save: its pending events are
            # its history, which a correction or a late entry is judged against.
            journey = self.journey
            history = lambda: [fact_of(e) for e in journey.pending_events]  # noqa: E731
            self.journey.record(
                event_type,
                data,
                actor=actor,
                occurred_at=occurred,
                reason=reason,
                now=stamp,
                resolve=self.resolve,
                history=history,
                deviation=deviation,
            )
            if event_type == "JourneyClosed" and self.index is not None:
                self.index.release(self.journey.id)  # as the application releases it in the same save
            last = self.journey.last_fact
            self._alert = last.version if last.type == "SafetyAlertRaised" else None
            self.version = self.journey.version
            self._last[event_type] = self.version - (1 if self._alert else 0)
        return self._last[event_type]

    def _pretend(self, event_type: str, data: dict[str, Any]) -> None:
        """What a dry chart keeps of an entry: its version, and the safety alert the engine would raise."""
        self.version += 1
        self._last[event_type] = self.version
        items = data.get("items") or []
        alert = self_harm_answer(self.protocol.assessments, str(data.get("instrument")), items) is not None
        m = self.protocol.monitoring
        alert = alert or (
            event_type == "VitalsRecorded"
            and data.get("phase") in ("during", "post")
            and (data["systolic"] >= m.alert_systolic_at_least or data["diastolic"] >= m.alert_diastolic_at_least)
        )
        self._alert = self.version + 1 if alert else None
        self.version += 1 if alert else 0

    def record_duty(self, event_type: str) -> int:
        """Records what the scheduler owes of ``event_type`` at the clinical clock, as a sweep at that
        moment would: the domain's own duties, with their keys and moments, so a later ``careplan tick``
        finds them recorded and records nothing twice. Returns how many were recorded."""
        if self.journey is None:
            self.version += 1
            return 1
        record = self.journey.clinical_record(self.resolve)
        owed = [d for d in duties(record, evaluate(record, self.t), self.t) if d.type == event_type]
        for duty in owed:
            self.journey.record_system(duty.type, duty.data, occurred_at=duty.occurred_at, now=self._recorded(self.t))
        if self.journey.needs_refold:  # a duty dated before what was charted since takes its place
            self.journey.refold([fact_of(e) for e in self.journey.pending_events], self.resolve)
        self.version = self.journey.version
        return len(owed)

    def last_version(self, event_type: str) -> int:
        return self._last[event_type]

    def raised_alert(self) -> int | None:
        """The version of the safety alert the last entry raised, if it raised one."""
        return self._alert

    def catch_up(self) -> None:
        """Records the check-ins that fell due between the last entry and now."""
        self.move_to(self.now)

    def check_in(self, when: datetime) -> None:
        self._last_check_in = when
        area = self.rng.choice(CARE_AREAS)
        self.record("ComplementaryCareCheckIn", {"area": area, "adherence": self.rng.choice(ADHERENCE)})

    def start_check_ins(self, every_days: float) -> None:
        self._last_check_in = self.t
        self.check_in_days = every_days
