"""Small value types shared by the aggregate, its rules and its views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from careplan.domain.payload import payload_type

SYSTEM_ACTOR_ID = "system"


@dataclass(frozen=True)
class Actor:
    """Who recorded an event: a user id and the role they acted in, or the scheduler."""

    id: str
    role: str

    @classmethod
    def system(cls) -> Actor:
        return cls(id=SYSTEM_ACTOR_ID, role="system")

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "role": self.role}


@dataclass(frozen=True)
class Fact:
    """One entry of a journey's history: an event as an auditor reads it.

    ``occurred_at`` is clinical time, ``recorded_at`` is when the store took it; they differ for
    backfilled records, and "what was known when" queries use the latter.
    """

    version: int
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: Actor
    reason: str | None
    data: dict[str, Any] = field(default_factory=dict)
    hash: str = ""
    """This event's link in the journey's hash chain (see ``chain.py``)."""
    deviation: str | None = None
    """The reason a timing rule was knowingly departed from (DESIGN 6.3); None for nearly every event."""
    deviated: tuple[str, ...] = ()
    """The deviable rule codes that reason waived."""

    @classmethod
    def stored(cls, fields: dict[str, Any]) -> Fact:
        """The same object as ``Fact(**fields)`` for a stored event (every field given; the dict
        becomes the fact's own), without the frozen dataclass's per-field ``object.__setattr__``:
        every replayed and caught-up event is made here, and that was a measurable share of reading one."""
        fact = _new(cls)
        _set(fact, "__dict__", fields)
        return fact

    @property
    def payload(self) -> Any:
        """The event's data as its typed payload (``careplan.domain.families``), read once and kept."""
        cached = self.__dict__.get("_payload")
        if cached is None:
            cached = self.__dict__["_payload"] = payload_type(self.type).parse(self.data, trusted=True)
        return cached


_new = object.__new__
_set = object.__setattr__


def utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; every time inside the domain is aware."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def moment(value: datetime) -> str:
    """An instant as the domain writes it into a sentence (a refusal, a flag, an alert): to the minute,
    in UTC, and saying so (``2026-03-09 19:30 UTC``), never a bare wall-clock time whose zone a reader
    must guess. The pages show the same sentence on the clinic's clock (``web.clinic.local_words``)."""
    return f"{utc(value):%Y-%m-%d %H:%M} UTC"


def parse_time(value: Any) -> datetime:
    """Datetimes inside event data may arrive as ISO strings (from JSON) or datetimes."""
    if isinstance(value, datetime):
        return utc(value)
    return utc(datetime.fromisoformat(str(value)))
