"""The bodies people send: an event for a journey (API and web form), and a request to open a journey.

The ``data`` of a submission is checked with the schema of the submitted ``type`` and its errors are
nested under ``data``, so an API caller and the web form both get field-level messages in one shape:
``{"data": {"systolic": ["..."]}, "reason": ["..."]}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from marshmallow import ValidationError, fields, post_load, pre_load, validate, validates_schema

from careplan.domain.vocabulary import CLINICIAN_EVENTS, REASON_REQUIRED
from events.schemas.common import BaseSchema, Text, UtcDateTime, WholeNumber, code
from events.schemas.event_data import DATA_SCHEMAS, JourneyOpenedData

REASON_MAX = 2000


@dataclass(frozen=True)
class EventSubmission:
    """A validated event, ready for the application: ``data`` holds plain, storable values."""

    type: str
    data: dict[str, Any]
    occurred_at: datetime | None
    reason: str | None
    expected_version: int | None
    deviation: str | None = None
    """A reason for departing from a timing rule (DESIGN 6.3); None when the request gives none."""


@dataclass(frozen=True)
class JourneyOpening:
    """A validated request to open a journey; ``protocol_version`` None means the latest."""

    patient_ref: str
    protocol: str
    protocol_version: int | None
    occurred_at: datetime | None
    reason: str | None
    previous_journey_id: UUID | None = None


class EventData(fields.Field):
    """The ``data`` object, loaded with the schema of the ``type`` given next to it."""

    default_error_messages = {"invalid": "Not a valid mapping."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise self.make_error("invalid")
        event_type = data.get("type") if isinstance(data, Mapping) else None
        if not isinstance(event_type, str) or event_type not in CLINICIAN_EVENTS:
            return dict(value)  # the unknown type is reported under "type"; the load fails anyway
        return DATA_SCHEMAS[event_type]().load(value)


class EventSubmissionSchema(BaseSchema):
    type = code(CLINICIAN_EVENTS, required=True)
    data = EventData(required=True)
    occurred_at = UtcDateTime(allow_none=True)
    reason = Text(max_length=REASON_MAX, allow_none=True)
    expected_version = WholeNumber(allow_none=True, validate=validate.Range(min=1))
    deviation = Text(max_length=REASON_MAX, allow_none=True)

    @pre_load
    def _empty_data(self, payload: Any, **kwargs: Any) -> Any:
        """No ``data`` (or null) is an empty object, still checked against the type's schema."""
        if isinstance(payload, Mapping) and payload.get("data") is None:
            return {**payload, "data": {}}
        return payload

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_reason(self, payload: dict[str, Any], original: Any, **kwargs: Any) -> None:
        event_type = payload.get("type")
        if event_type in REASON_REQUIRED and not payload.get("reason"):
            sent = original.get("reason") if isinstance(original, Mapping) else None
            if sent is None or (isinstance(sent, str) and not sent.strip()):
                raise ValidationError(f"A reason is required for {event_type}.", "reason")

    @post_load
    def _make(self, payload: dict[str, Any], **kwargs: Any) -> EventSubmission:
        return EventSubmission(
            type=payload["type"],
            data=payload["data"],
            occurred_at=payload.get("occurred_at"),
            reason=payload.get("reason"),
            expected_version=payload.get("expected_version"),
            deviation=(payload.get("deviation") or "").strip() or None,
        )


class JourneyOpenSchema(JourneyOpenedData):
    """POST /journeys: the ``JourneyOpened`` data, plus when it happened and why (both optional)."""

    occurred_at = UtcDateTime(allow_none=True)
    reason = Text(max_length=REASON_MAX, allow_none=True)

    @pre_load
    def _trim_reference(self, payload: Any, **kwargs: Any) -> Any:
        """Spaces around a reference are not part of it (DESIGN 7.1: `` mrn-5`` is ``MRN-5``'s patient);
        a control character (a newline) still refuses it."""
        if isinstance(payload, Mapping) and isinstance(payload.get("patient_ref"), str):
            return {**payload, "patient_ref": payload["patient_ref"].strip(" ")}
        return payload

    @post_load
    def _finish(self, data: dict[str, Any], **kwargs: Any) -> JourneyOpening:  # replaces the parent's hook
        return JourneyOpening(
            patient_ref=data["patient_ref"],
            protocol=data["protocol"],
            protocol_version=data.get("protocol_version"),
            occurred_at=data.get("occurred_at"),
            reason=data.get("reason"),
            previous_journey_id=data.get("previous_journey_id"),
        )


def validate_submission(payload: Any) -> EventSubmission:
    """The event in ``payload``, or ValidationError whose ``.messages`` are keyed by field."""
    return EventSubmissionSchema().load(payload)


def validate_journey_open(payload: Any) -> JourneyOpening:
    """The journey opening in ``payload``, or ValidationError whose ``.messages`` are keyed by field."""
    return JourneyOpenSchema().load(payload)
