"""Who the patient is, for the people at the chair (DESIGN 7.3): name, date of birth, allergies, contact.

A journey knows its patient only by an opaque reference, which is right for indexes and logs and
wrong at the chair, where practice asks for two identifiers (name and date of birth) before a
medication is given, and where allergies must be in front of whoever gives it. These details are
kept on the patient's own aggregate (the patient index of ``careplan.domain.patient_index``, keyed
by the reference), recorded as ``PatientDetailsRecorded`` events and so encrypted at rest like every
event, and never copied into a journey's events, an index, a URL, a log line or the access log.

Every field is optional: a clinic that charts pseudonymously records none. Each value checks itself
here, whoever builds it (the API, a form, a script), and a refusal names the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from careplan.domain.errors import CarePlanError, InvalidEvent

EVENT = "PatientDetailsRecorded"
MAX_NAME = 200
MAX_ALLERGY = 120
MAX_ALLERGIES = 50
MAX_PHONE = 32
MAX_EMAIL = 254
EARLIEST_BIRTH = date(1900, 1, 1)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,}$")

WRITERS: frozenset[str] = frozenset({"clinician", "coordinator"})
"""Who may record a patient's details: the people who see the patient. Every role may read them."""


class PatientDetailsNotPermitted(CarePlanError):
    """The actor's role may not record a patient's details (403 at the API)."""

    code = "forbidden"

    def __init__(self, role: str) -> None:
        super().__init__(f"The {role} role may not record a patient's details.")
        self.message = str(self)


def _text(value: Any, name: str, limit: int, errors: dict[str, list[str]]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors[name] = ["Not a string."]
        return None
    text = " ".join(value.split())
    if len(text) > limit:
        errors[name] = [f"At most {limit} characters."]
    if any(ord(c) < 32 for c in value if c not in "\t\n\r"):
        errors[name] = ["Control characters are not allowed."]
    return text or None


@dataclass(frozen=True)
class PatientDetails:
    """What the people at the chair need to know who is in it; all optional."""

    name: str | None = None
    birth_date: date | None = None
    allergies: tuple[str, ...] = field(default=())
    phone: str | None = None
    email: str | None = None

    @classmethod
    def checked(cls, data: Mapping[str, Any], today: date) -> PatientDetails:
        """Builds details from plain values, refusing (``InvalidEvent``, per field) what is not one."""
        errors: dict[str, list[str]] = {}
        unknown = set(data) - {"name", "birth_date", "allergies", "phone", "email"}
        for unknown_field in sorted(unknown):
            errors[unknown_field] = ["Unknown field."]
        name = _text(data.get("name"), "name", MAX_NAME, errors)
        born = data.get("birth_date")
        if isinstance(born, str):
            try:
                born = date.fromisoformat(born)
            except ValueError:
                errors["birth_date"] = ["Not a date (YYYY-MM-DD)."]
                born = None
        if born is not None and not isinstance(born, date):
            errors["birth_date"] = ["Not a date (YYYY-MM-DD)."]
            born = None
        if isinstance(born, date) and not EARLIEST_BIRTH <= born <= today:
            errors["birth_date"] = [f"A date of birth lies between {EARLIEST_BIRTH.isoformat()} and today."]
        allergies: list[str] = []
        raw = data.get("allergies") or []
        if not isinstance(raw, (list, tuple)):
            errors["allergies"] = ["Not a list."]
        elif len(raw) > MAX_ALLERGIES:
            errors["allergies"] = [f"At most {MAX_ALLERGIES} allergies."]
        else:
            for item in raw:
                text = _text(item, "allergies", MAX_ALLERGY, errors)
                if text and text.casefold() not in {a.casefold() for a in allergies}:
                    allergies.append(text)
        phone = _text(data.get("phone"), "phone", MAX_PHONE, errors)
        if phone and not _PHONE.match(phone):
            errors["phone"] = ["Not a phone number (digits, spaces, brackets, dashes, an optional leading +)."]
        email = _text(data.get("email"), "email", MAX_EMAIL, errors)
        if email and not _EMAIL.match(email):
            errors["email"] = ["Not an email address."]
        if errors:
            raise InvalidEvent(EVENT, errors)
        return cls(name, born if isinstance(born, date) else None, tuple(allergies), phone, email)

    def as_data(self) -> dict[str, Any]:
        """The stored form (JSON values), which ``checked`` reads back."""
        return {
            "name": self.name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "allergies": list(self.allergies),
            "phone": self.phone,
            "email": self.email,
        }

    @classmethod
    def stored(cls, data: Mapping[str, Any]) -> PatientDetails:
        """Details as a stored event holds them (already checked when recorded)."""
        born = data.get("birth_date")
        return cls(
            data.get("name"),
            date.fromisoformat(born) if born else None,
            tuple(data.get("allergies") or ()),
            data.get("phone"),
            data.get("email"),
        )

    def age_on(self, day: date) -> int | None:
        """Whole years on ``day`` (the clinic's local day), or None without a date of birth."""
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def identified(self) -> bool:
        """Whether the two identifiers that practice asks for at the chair are recorded."""
        return self.name is not None and self.birth_date is not None


def may_record_details(role: str) -> bool:
    return role in WRITERS
