"""Missed appointments: a booked infusion whose time passed with no infusion recorded since.

The scheduler records ``AppointmentMissed`` once per appointment (key ``missed:<scheduled_version>``)
when the booked time is the protocol's ``appointments.missed_after_hours`` past; the appointment is
then settled (no longer "scheduled"), and its step carries an ``overdue`` flag saying which booking was
missed until an infusion of that phase is recorded or a new one is booked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from careplan.domain.about import SCHEDULER, About
from careplan.domain.family import event, folds
from careplan.domain.payload import Payload, at_least, text
from careplan.domain.record import Appointment, ClinicalRecord
from careplan.domain.values import Fact, moment

MISSED = "missed"


@event
@dataclass(frozen=True)
class AppointmentMissed(Payload):
    about = About(by=SCHEDULER, settles_booking=True)
    scheduled_version: int = field(metadata=at_least(1))
    key: str = field(metadata=text(400))


@folds(AppointmentMissed)
def _missed(r: ClinicalRecord, p: AppointmentMissed, f: Fact) -> None:
    r.system_keys.add(p.key)
    for appointment in r.appointments:
        if appointment.version == p.scheduled_version and appointment.state == "scheduled":
            appointment.state = MISSED


def missed_key(appointment: Appointment) -> str:
    return f"missed:{appointment.version}"


def missed_at(record: ClinicalRecord, appointment: Appointment) -> datetime:
    """When a booking counts as missed if no infusion was recorded since its time."""
    return appointment.scheduled_for + timedelta(hours=record.protocol.appointments.missed_after_hours)


def missed(record: ClinicalRecord, phase: str) -> list[Appointment]:
    """The missed bookings of a phase not yet made good, earliest first."""
    found = [a for a in record.appointments if a.state == MISSED and a.phase == phase]
    return sorted(found, key=lambda a: a.scheduled_for)


def missed_reason(appointment: Appointment) -> str:
    return f"Infusion booked for {moment(appointment.scheduled_for)} was missed."


def forget_missed(record: ClinicalRecord, phase: str) -> None:
    """An infusion given or a new booking makes good the missed bookings of its phase."""
    record.appointments[:] = [a for a in record.appointments if not (a.state == MISSED and a.phase == phase)]
