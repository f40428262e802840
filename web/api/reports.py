"""``/reports/outcomes``: the outcomes report (DESIGN 7.8) as JSON, per protocol version, as known at
``as_of``. The same document the CLI prints and the page draws (``events.read.outcomes``)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from events.read.outcomes.reading import report
from events.schemas.common import UtcDateTime, WholeNumber
from web.api.auth import permit
from web.api.blueprint import blp
from web.auth.permissions import READ
from web.services import careplan


class OutcomesQuery(Schema):
    as_of = UtcDateTime(metadata={"description": "As known at this moment: events recorded later (corrections "
                                                  "included) are left out."})
    protocol = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9._-]{1,64}$"), metadata={"description": "Only this protocol id."})
    version = WholeNumber(validate=validate.Range(min=1, max=10_000), metadata={"description": "Only this protocol version."})


class OutcomesReportSchema(Schema):
    as_of = fields.String(allow_none=True, required=True, metadata={"description": "The moment asked for (ISO 8601), or null: now."})
    literature = fields.Dict(required=True, metadata={"description": "The published figure shown beside the response rate."})
    versions = fields.List(
        fields.Dict(),
        required=True,
        metadata={"description": "One document per (protocol, version): courses_opened, induction_started, "
                  "induction_completed, stopped_after_first_infusion, reached_response_check, response, remission "
                  "({n, of, pct}; pct over the courses that reached the response check), median_phq9_change, "
                  "median_days_consultation_to_first_infusion, administrations, stops (by cause: {n, per_100}), "
                  "vitals_alerts, deviations ({n, per_100}), maintenance ({courses, relapsed}), "
                  "infusions_completed ([{infusions, courses, at_least}]), median_phq9_by_week ([{week, median, courses}])."},
    )


@blp.route("/reports/outcomes")
class OutcomesReport(MethodView):
    @permit(READ, "read reports")
    @blp.arguments(OutcomesQuery, location="query")
    @blp.response(200, OutcomesReportSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Per protocol version: courses, response and remission, drop-outs, stops, alerts, deviations,
        relapse, as known at ``as_of`` (default now)."""
        return report(careplan(), query.get("as_of"), query.get("protocol"), query.get("version"))
