"""The clinic's settings for the web layer, and the filters that show instants on its wall clock.

Loaded once per app in ``create_app`` (so a wrong ``CAREPLAN_TIMEZONE`` stops the server at start with
one line, not at the first page). Every page shows times with the zone's abbreviation, because the
same clinic reads EST in winter and EDT in summer and a bare "15:30" cannot tell which.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from flask import Blueprint, Flask, current_app, has_app_context

from careplan.domain.clinic import Clinic, NonexistentLocalTime
from events.clinic_file import clinic_settings

bp = Blueprint("clinic", __name__)
EXTENSION = "careplan.clinic"


def init_clinic(app: Flask) -> None:
    app.extensions[EXTENSION] = app.config.get("CAREPLAN_CLINIC") or clinic_settings(app.config["CAREPLAN_ENV"])
    app.register_blueprint(bp)


def the_clinic() -> Clinic:
    return current_app.extensions[EXTENSION]


def today_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The UTC start and end of the clinic's local day that holds ``now``."""
    clinic = the_clinic()
    return clinic.day_bounds(clinic.today(now))


@bp.app_context_processor
def _zone_context() -> dict[str, str]:
    return {"clinic_zone": the_clinic().zone_name}


@bp.app_template_filter("when")
def when(value: datetime | None) -> str:
    """A moment to the minute on the clinic's clock with its zone: ``2026-03-09 15:30 EDT``."""
    if value is None:
        return ""
    if not has_app_context():  # a summary built outside a request (an export, a test): plain UTC
        aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
        return aware.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return the_clinic().local(value).strftime("%Y-%m-%d %H:%M %Z")


UTC_MOMENT = re.compile(r"\b(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC\b")
"""An instant as the domain writes it into a sentence (``careplan.domain.values.moment``)."""


@bp.app_template_filter("local_words")
def local_words(text: str | None) -> str:
    """A sentence of the engine's (a refusal, a flag, an alert) with each instant on the clinic's clock:
    the domain writes ``2026-03-09 19:30 UTC``, a clinician in New York reads ``2026-03-09 15:30 EDT``."""
    if not text:
        return ""
    if not has_app_context() or EXTENSION not in current_app.extensions:  # an error page of an app not set up
        return text
    return UTC_MOMENT.sub(lambda m: when(datetime.fromisoformat(f"{m[1]}T{m[2]}:00+00:00")), text)


@bp.app_template_filter("day")
def day(value: datetime | None) -> str:
    """The clinic's local date of a moment (an evening appointment stays on its own day)."""
    if value is None:
        return ""
    if not has_app_context():
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d")
    return the_clinic().local(value).strftime("%Y-%m-%d")


@bp.app_template_filter("local_input")
def local_input(value: datetime | None) -> str:
    """A moment as a time input's value, on the clinic's clock, 24-hour like every page shows it."""
    return "" if value is None else the_clinic().local(value).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("relative")
def relative(value: datetime | None, now: datetime) -> str:
    """'in 3 days', 'today', '2 days ago', counted in the clinic's local days."""
    if value is None:
        return ""
    clinic = the_clinic()
    days = (clinic.today(value) - clinic.today(now)).days
    return _days(days)


def _days(days: int) -> str:
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


class LocalTimeError(ValueError):
    """What a person typed is not a clinic time: the message is fit to show beside the field."""


def from_local_input(text: str) -> datetime:
    """A time typed at the clinic (``2026-03-09 15:30``, or ``2026-03-09T15:30``), as a UTC instant.

    A value that carries its own offset is taken as given. A time in the spring gap is refused with
    the sentence of NonexistentLocalTime; one in the autumn overlap is its first occurrence.
    """
    try:
        typed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise LocalTimeError("Not a valid date and time; use the picker or YYYY-MM-DD HH:MM.") from None
    try:
        return the_clinic().to_utc(typed)
    except NonexistentLocalTime as gap:
        raise LocalTimeError(str(gap)) from None
    except OverflowError:
        raise LocalTimeError("Must be between 1900-01-01 and 2199-12-31.") from None


def local_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
