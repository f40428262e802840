"""The patient behind a journey: reading and recording who they are, and the banner the chair needs.

Callers name a journey, never a patient reference (DESIGN 7.3: the reference never goes into a URL);
the journey names its reference, and the reference's own aggregate (``PatientIndex``) holds the
details. A journey from before the index existed gets an index here, unclaimed, which
``careplan index backfill`` later completes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from careplan.application import CarePlan
from careplan.domain.journey import PatientJourney
from careplan.domain.patient import PatientDetails, PatientDetailsNotPermitted, may_record_details
from careplan.domain.patient_index import PatientIndex
from careplan.domain.values import Actor
from careplan.domain.view import JourneyView
from careplan.retrying import Backoff


@dataclass(frozen=True)
class Banner:
    """What every journey page shows first, so the person at the chair knows who is in it: two
    identifiers (name and date of birth), age, last weight, allergies, open alerts, which course."""

    patient_ref: str
    details: PatientDetails
    age: int | None
    last_weight_kg: float | None
    open_alerts: int
    course: int | None

    @property
    def allergies(self) -> tuple[str, ...]:
        return self.details.allergies


def clinic_today(app: CarePlan, now: datetime | None = None) -> date:
    """Today on the clinic's clock (its IANA zone), which is the day a date of birth is judged on."""
    moment = now or app.clock()
    clinic = app.chairs.clinic if app.chairs is not None else None
    return moment.astimezone(clinic.zone).date() if clinic is not None else moment.date()


class Patients:
    """Who the patients are, on one CarePlan application."""

    def __init__(self, app: CarePlan) -> None:
        self.app = app

    def _index(self, journey: PatientJourney) -> PatientIndex | None:
        return self.app.patient_index(journey.patient_ref)

    def details(self, journey_id: UUID) -> PatientDetails:
        """The details of the journey's patient (empty when none were recorded)."""
        index = self._index(self.app.get(journey_id))
        return index.patient if index is not None else PatientDetails()

    def record(self, journey_id: UUID, data: Mapping[str, Any], *, actor: Actor) -> PatientDetails:
        """Records the patient's details as given (the whole set: what is left out is cleared).

        Clinicians and coordinators only, whatever the entry point. Retried on a lost race with
        another save of the same index (a course opened meanwhile), so nothing typed is lost.
        """
        if not may_record_details(actor.role):
            raise PatientDetailsNotPermitted(actor.role)
        details = PatientDetails.checked(data, clinic_today(self.app))
        journey = self.app.get(journey_id)
        backoff = Backoff(self.app.contention_seconds)
        while True:
            index = self._index(journey) or PatientIndex.start(journey.patient_ref)
            if not index.record_details(details, actor_id=actor.id, actor_role=actor.role):
                return details
            try:
                self.app.save(index)
            except IntegrityError:
                backoff.wait()
                continue
            return details

    def banner(self, journey: PatientJourney, view: JourneyView, now: datetime | None = None) -> Banner:
        index = self._index(journey)
        details = index.patient if index is not None else PatientDetails()
        given = sorted((i for i in journey.chart.infusions if i.weight_kg is not None), key=lambda i: i.occurred_at)
        weights = [i.weight_kg for i in given]
        return Banner(
            patient_ref=journey.patient_ref,
            details=details,
            age=details.age_on(clinic_today(self.app, now)),
            last_weight_kg=weights[-1] if weights else None,
            open_alerts=len(view.open_alerts),
            course=index.course_number(journey.id) if index is not None else None,
        )
