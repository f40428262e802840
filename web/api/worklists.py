"""``/worklists``: the coordinator's lists (due today, overdue, blocked, safety alerts, on hold)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from events.read.summary import WORKLISTS
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
        """Each worklist's journeys now (oldest due first), with why each is there; ``name`` picks one."""
        app = careplan()
        now = app.clock()
        names = [query["name"]] if "name" in query else list(WORKLISTS)
        pages = reading.worklists(app, now, names, query["offset"], query["limit"], query.get("step"))
        return {"as_of": now, "worklists": {name: reading.worklist_body(page) for name, page in pages.items()}}
