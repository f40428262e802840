"""``POST /journeys/{id}/questionnaires``: a clinician sends a questionnaire link now (DESIGN 7.7).

Answers 201 with the recorded ``QuestionnaireSent`` (its key, instrument, expiry and channel; never
the token, which only the message carries). The scheduler's next sweep queues the message and its
dispatcher sends it. Clinicians only, as the domain says (403 ``forbidden`` for anyone else).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from careplan.messaging import questionnaires
from web.api.auth import caller
from web.api.blueprint import blp
from web.api.schemas import ErrorSchema
from web.services import careplan


class QuestionnaireRequestSchema(Schema):
    instrument = fields.String(required=True, validate=validate.OneOf(questionnaires.INSTRUMENTS))


class QuestionnaireSentSchema(Schema):
    key = fields.String(required=True)
    instrument = fields.String(required=True)
    expires_at = fields.String(required=True, metadata={"description": "ISO 8601 with an offset"})
    channel = fields.String(required=True, metadata={"description": "email or sms"})


@blp.route("/journeys/<uuid:journey_id>/questionnaires")
class JourneyQuestionnaires(MethodView):
    @blp.arguments(QuestionnaireRequestSchema)
    @blp.response(201, QuestionnaireSentSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Only clinicians send questionnaires")
    @blp.alt_response(404, schema=ErrorSchema, description="No such journey")
    @blp.alt_response(422, schema=ErrorSchema, description="Not a questionnaire sent by link, or the journey is closed")
    def post(self, body: dict[str, Any], journey_id: UUID) -> dict[str, Any]:
        """Sends the patient a one-time link to ``instrument`` (PHQ9 or GAD7) now."""
        sent = questionnaires.send_now(careplan(), journey_id, body["instrument"], actor=caller())
        return {name: sent[name] for name in ("key", "instrument", "expires_at", "channel")}
