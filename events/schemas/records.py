"""Output schemas: one entry of a journey's history as the API and exports show it.

Event data may hold datetimes (``scheduled_for``) and fields added by the engine that no input schema
declares; dumping them through ``JsonData`` keeps every key and turns every value into JSON (UTC ISO
strings for times), so nothing is dropped and Flask never falls back to its HTTP-date format.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from marshmallow import Schema, fields

from events.schemas.common import UtcDateTime


def to_json(value: Any) -> Any:
    """A JSON-ready copy of a stored value."""
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return aware.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(item) for item in value]
    return value


class JsonData(fields.Field):
    """Dumps any stored value as JSON-ready data (see :func:`to_json`)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return to_json(value if value is not None else {})


class ActorSchema(Schema):
    id = fields.String()
    role = fields.String()


class EventRecordSchema(Schema):
    """One history entry; dumps a dict with these keys or an object with these attributes."""

    version = fields.Integer()
    type = fields.String()
    occurred_at = UtcDateTime()
    recorded_at = UtcDateTime()
    actor = fields.Nested(ActorSchema)
    reason = fields.String(allow_none=True)
    data = JsonData()
    entered_in_error = fields.Boolean(dump_default=False)
    deviation = fields.String(allow_none=True, dump_default=None)
    """The reason a timing rule was departed from (DESIGN 6.3); null for nearly every event."""
    deviated = fields.List(fields.String(), dump_default=[])
    """The timing rule codes that deviation waived."""
