"""Where a message goes, read when it is queued (the channel) and when it is sent (the address).

The address is never copied into an event: the patient's email or phone comes from the patient's
own record (``careplan.patients``), the on-call clinician's and the medical director's from the
clinic file. The channel follows the address: a patient with an email gets email when email is set
up (else a text when a phone is known and SMS is), a clinic contact by the form of its string.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from careplan.application import CarePlan
from careplan.domain.journey import PatientJourney
from careplan.domain.patient import PatientDetails
from careplan.messaging.links import make_token, token_hash
from careplan.messaging.settings import MessagingSettings, messaging_for


def patient_details(app: CarePlan, journey: PatientJourney) -> PatientDetails:
    index = app.patient_index(journey.patient_ref)
    return index.patient if index is not None else PatientDetails()


def contact_channel(contact: str | None) -> str:
    return "email" if contact and "@" in contact else ("sms" if contact else "email")


def patient_channel(details: PatientDetails, settings: MessagingSettings) -> str:
    if details.email and (settings.smtp is not None or not (details.phone and settings.sms_url)):
        return "email"
    return "sms" if details.phone else "email"


def address(app: CarePlan, journey: PatientJourney, recipient: str, channel: str) -> str | None:
    """The address a message goes to now, or None when none is on file for its channel."""
    clinic = messaging_for(app).clinic
    if recipient == "on_call":
        contact = clinic.on_call
    elif recipient == "medical_director":
        contact = clinic.medical_director
    else:
        details = patient_details(app, journey)
        return details.email if channel == "email" else details.phone
    return contact if contact and contact_channel(contact) == channel else None


def complete(app: CarePlan, journey: PatientJourney, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """A duty's data with what only the application knows: the channel, a link's token hash."""
    if event_type not in ("QuestionnaireSent", "NotificationQueued"):
        return data
    settings = messaging_for(app)
    recipient = data.get("recipient", "patient")
    if recipient == "patient":
        channel = patient_channel(patient_details(app, journey), settings)
    else:
        channel = contact_channel(getattr(settings.clinic, recipient))
    completed = {**data, "channel": channel}
    if event_type == "QuestionnaireSent":
        completed["token_hash"] = token_hash(make_token(app, UUID(str(journey.id)), data["key"]))
    return completed
