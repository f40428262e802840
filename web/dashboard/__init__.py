"""The coordinator's dashboard: the worklists (due today, overdue, blocked, safety alerts, on hold),
every plan's progress at a glance, filters by step and status, pagination, and a search by patient
reference.

Every number and row comes from the read side (``events.read``), a table per journey kept current
by the projector, so the page costs a few indexed queries whether the clinic has 200 journeys or
10,000. The search is a POST: a patient reference never appears in a URL that a server logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, render_template, request, url_for

from careplan.domain.vocabulary import STEPS
from events.read.paging import BadCursor
from events.read.queries import Page
from events.read.runtime import read_side_for
from events.read.summary import WORKLISTS
from web.auth import requires
from web.clinic import the_clinic, today_bounds
from web.layout import page_blueprint
from web.query import MAX_PAGE, is_whole_number, whole_number
from web.services import careplan

bp = page_blueprint("dashboard", __name__)

DASHBOARD_ROLES = ("coordinator", "clinician", "admin")
PER_PAGE = 25
ALL = "all"
LISTS: tuple[tuple[str, str], ...] = (
    ("safety_alerts", "Safety alerts"),
    ("overdue", "Overdue"),
    ("due_today", "Due today"),
    ("blocked", "Blocked"),
    ("on_hold", "On hold"),
    ("deviations", "Deviations"),
    (ALL, "All journeys"),
)
DEFAULT_LIST = "overdue"
STATUSES = ("active", "paused", "closed")
SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Filters:
    list: str
    step: str | None
    status: str | None
    page: int
    after: str | None = None
    """The keyset cursor of the page before (``Page.next_after``): a deep page costs one index seek."""

    def url(self, **changes: Any) -> str:
        """This list's address with ``changes``; the cursor is kept only when a change names it."""
        values = {"list": self.list, "step": self.step, "status": self.status, "page": self.page, "after": None, **changes}
        args = {k: v for k, v in values.items() if v not in (None, "", 1) or (k == "list")}
        return url_for("dashboard.index", **args)


def _filters() -> Filters:
    name = request.args.get("list", DEFAULT_LIST)
    if name != ALL and name not in WORKLISTS:
        abort(404, description="There is no such worklist.")
    step = request.args.get("step") or None
    if step is not None and step not in STEPS:
        abort(404, description="There is no such step.")
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(404, description="There is no such status.")
    number = whole_number("page", 1, 1, MAX_PAGE)
    return Filters(name, step, status if name == ALL else None, number, request.args.get("after") or None)


@bp.route("/dashboard")
@requires(*DASHBOARD_ROLES)
def index() -> str:
    filters = _filters()
    app = careplan()
    now = app.clock()
    side = read_side_for(app)
    offset = (filters.page - 1) * PER_PAGE
    try:
        if filters.list == ALL:
            page: Page[Any] = side.journeys(
                offset=offset, limit=PER_PAGE, status=filters.status, step=filters.step, after=filters.after
            )
        else:
            page = side.worklist(
                filters.list, now, offset=offset, limit=PER_PAGE, step=filters.step, after=filters.after,
                today=today_bounds(now), zone=the_clinic().zone,
            )
    except BadCursor:
        abort(404, description="There is no such page.")
    return render_template(
        "dashboard/index.html",
        counts=side.counts(now, today=today_bounds(now)),
        page=page,
        filters=filters,
        lists=LISTS,
        steps=STEPS,
        statuses=STATUSES,
        now=now,
        searched=None,
        **_today(now),
    )


def _today(now: datetime) -> dict[str, Any]:
    """The clinic's local day the "due today" list holds, and whether the clinic is closed on it."""
    clinic = the_clinic()
    day = clinic.today(now)
    return {"today_name": f"{day:%A %d %B}", "closed_today": clinic.opening_bounds(day) is None}


def _search_offset(raw: str) -> int:
    """Where a page of search results starts: a multiple of the page size, from the form (never the
    URL: the search term travels with it), anything else the first page."""
    if not is_whole_number(raw) or len(raw) > 9:
        return 0
    return int(raw) // SEARCH_LIMIT * SEARCH_LIMIT


@bp.route("/dashboard/search", methods=["POST"])
@requires(*DASHBOARD_ROLES)
def search() -> str:
    """Finds journeys by exact patient reference or the start of a journey id; answers in place."""
    term = request.form.get("q", "").strip()
    offset = _search_offset(request.form.get("offset", "0"))
    app = careplan()
    now = app.clock()
    side = read_side_for(app)
    page = side.journeys(offset=offset, limit=SEARCH_LIMIT, search=term) if term else Page([], 0, 0, SEARCH_LIMIT)
    return render_template(
        "dashboard/index.html",
        counts=side.counts(now, today=today_bounds(now)),
        page=page,
        filters=Filters(ALL, None, None, 1),
        lists=LISTS,
        steps=STEPS,
        statuses=STATUSES,
        now=now,
        searched=term,
    )
