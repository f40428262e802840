"""Reading the clinic settings: the packaged default, a clinic's own file, and the zone override.

``CAREPLAN_CLINIC_FILE`` names a JSON file (``careplan/clinic/default.json`` is the packaged one)::

    {"timezone": "America/New_York", "chairs": 4,
     "hours": {"monday": {"opens": "09:00", "closes": "17:00"}, ..., "sunday": null},
     "on_call": "+1 555 0100", "medical_director": "director@clinic.example",
     "crisis_line": "Call or text 988 ..."}

``on_call``, ``medical_director`` and ``crisis_line`` are optional (DESIGN 7.7): without ``on_call``
an alert's page waits in the outbox as "could not reach"; the crisis line defaults to the US 988
Suicide & Crisis Lifeline.

``CAREPLAN_TIMEZONE`` (an IANA name) overrides the file's zone, so a clinic can keep the default hours
and set only where it is. Anything wrong is a ConfigError of one sentence naming the file or the
variable and the field, which the CLI prints on one line with exit code 2.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields, validate, validates_schema

from careplan.adapters.settings import ConfigError
from careplan.domain.clinic import WEEKDAYS, Clinic, Hours, clinic
from events.protocol_file import first_error
from events.schemas.common import BaseSchema, WholeNumber

MAX_CHAIRS = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,}$")
CLOCK = validate.Regexp(r"([01]\d|2[0-3]):[0-5]\d\Z", error="Must be a 24-hour time such as 09:00.")


class HoursSchema(BaseSchema):
    opens = fields.String(required=True, validate=CLOCK)
    closes = fields.String(required=True, validate=CLOCK)

    @validates_schema
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "opens" in data and "closes" in data and data["opens"] >= data["closes"]:
            raise ValidationError("Must be later than opens, on the same day.", "closes")


def _zone(name: Any) -> None:
    if not is_zone(name):
        raise ValidationError("Not a known IANA time zone such as America/New_York.")


class ClinicDocumentSchema(BaseSchema):
    timezone = fields.String(required=True, validate=_zone)
    chairs = WholeNumber(strict=True, required=True, validate=validate.Range(min=1, max=MAX_CHAIRS))
    hours = fields.Dict(
        keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
        values=fields.Nested(HoursSchema, allow_none=True),
        required=True,
    )
    on_call = fields.String(required=False, validate=validate.Length(min=3, max=254))
    """An email address or a phone number (DESIGN 7.9): whom a safety alert pages."""
    medical_director = fields.String(required=False, validate=validate.Length(min=3, max=254))
    crisis_line = fields.String(required=False, validate=validate.Length(min=3, max=500))

    @validates_schema
    def _contacts(self, data: dict[str, Any], **kwargs: Any) -> None:
        for name in ("on_call", "medical_director"):
            value = data.get(name)
            if value is not None and not is_contact(value):
                raise ValidationError("Must be an email address or a phone number such as +1 555 0100.", name)


def is_contact(value: str) -> bool:
    """An email address or a phone number, the two ways a page can reach someone."""
    value = value.strip()
    return bool(_EMAIL.match(value) or _PHONE.match(value))


def is_zone(name: Any) -> bool:
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        return False
    return True


def clinic_settings(env: Mapping[str, str]) -> Clinic:
    """The clinic of this installation, from ``CAREPLAN_CLINIC_FILE`` and ``CAREPLAN_TIMEZONE``."""
    path = env.get("CAREPLAN_CLINIC_FILE") or None
    source = path or "careplan/clinic/default.json"
    try:
        text = Path(path).read_text("utf-8") if path else _packaged().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"CAREPLAN_CLINIC_FILE {source}: cannot be read: {error.__class__.__name__}.") from error
    valid = _validated(text, source)
    zone = env.get("CAREPLAN_TIMEZONE", "").strip() or valid["timezone"]
    if not is_zone(zone):
        raise ConfigError("CAREPLAN_TIMEZONE must be an IANA time zone such as America/New_York.")
    hours = {day: _hours(value) for day, value in valid["hours"].items()}
    return clinic(
        zone,
        hours,
        valid["chairs"],
        on_call=valid.get("on_call"),
        medical_director=valid.get("medical_director"),
        crisis_line=valid.get("crisis_line"),
    )


def _packaged() -> Any:
    return resources.files("careplan").joinpath("clinic", "default.json")


def _validated(text: str, source: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{source}: not valid JSON at line {error.lineno} column {error.colno}: {error.msg}.") from error
    try:
        return ClinicDocumentSchema().load(document)
    except ValidationError as error:
        raise ConfigError(f"{source}: {first_error(error.messages)}") from error


def _hours(value: Mapping[str, str] | None) -> Hours | None:
    if value is None:
        return None
    return Hours(time.fromisoformat(value["opens"]), time.fromisoformat(value["closes"]))
