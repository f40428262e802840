"""``/worklists``: the coordinator's lists (due today, overdue, blocked, safety alerts, on hold)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from web.api import reading
from web.api.auth import permit
from web.api.blueprint import blp
from web.api.schemas import WorklistQuery, WorklistsSchema
from web.auth.permissions import READ
from web.services import careplan


@blp.route("/worklists")
class Worklists(MethodView):
    @permit(READ, "read worklists")
    @blp.arguments(WorklistQuery, location="query")
    @blp.response(200, WorklistsSchema)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """Each worklist's journeys now; ``name`` picks one."""
        app = careplan()
        now = app.clock()
        lists = reading.worklists(app, now, query.get("name"))
        return {"as_of": now, "worklists": {name: [reading.summary_row(s) for s in rows] for name, rows in lists.items()}}
