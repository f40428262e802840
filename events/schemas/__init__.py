"""Marshmallow schemas of the interface layer: what comes in (event submissions, journey openings,
protocol files) is checked here, so the engine only ever sees plain, valid values."""

from __future__ import annotations

from events.schemas.common import BaseSchema, EventDataSchema
from events.schemas.event_data import DATA_SCHEMAS
from events.schemas.protocol_document import ProtocolDocumentSchema
from events.schemas.records import ActorSchema, EventRecordSchema, to_json
from events.schemas.submission import (
    EventSubmission,
    EventSubmissionSchema,
    JourneyOpening,
    JourneyOpenSchema,
    validate_journey_open,
    validate_submission,
)

__all__ = [
    "DATA_SCHEMAS",
    "ActorSchema",
    "BaseSchema",
    "EventDataSchema",
    "EventRecordSchema",
    "EventSubmission",
    "EventSubmissionSchema",
    "JourneyOpenSchema",
    "JourneyOpening",
    "ProtocolDocumentSchema",
    "to_json",
    "validate_journey_open",
    "validate_submission",
]
