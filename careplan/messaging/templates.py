"""The words of each message. None names a diagnosis, a score or a treatment: a text or an email
may be read by someone else, so a message says only that the clinic has something for the patient
(or, to the on-call clinician, that an alert waits, with the journey's opaque id)."""

from __future__ import annotations

from dataclasses import dataclass

from careplan.domain.clinic import Clinic


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def render(template: str, *, journey_id: str, base_url: str, link: str | None, clinic: Clinic) -> Text:
    """The subject and body of a message; ``link`` is the patient's one-time link, where it has one."""
    if template == "infusion_reminder":
        return Text(
            "Your appointment tomorrow",
            "This is a reminder of your appointment at the clinic tomorrow. Please arrange for someone "
            "to drive you home afterwards: you must not drive, cycle or travel home alone on the day. "
            "If you cannot come, please call the clinic.",
        )
    if template.startswith("questionnaire_"):
        return Text(
            "A short questionnaire from your clinic",
            "Your clinic asks you to answer a short questionnaire about how you have been feeling. "
            f"It takes about two minutes. Open this link (it works once, for a few days):\n\n{link}\n\n"
            "If you are in crisis, do not wait for this: " + clinic.crisis_line,
        )
    if template == "safety_page":
        return Text(
            "careplan: safety alert needs you",
            f"A safety alert was raised on journey {journey_id}. Please review and acknowledge it in careplan: "
            f"{base_url}/journeys/{journey_id}",
        )
    if template == "safety_escalation":
        return Text(
            "careplan: safety alert not acknowledged",
            f"A safety alert on journey {journey_id} has not been acknowledged by the on-call clinician. "
            f"Please review it in careplan: {base_url}/journeys/{journey_id}",
        )
    raise KeyError(template)
