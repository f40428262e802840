"""What every page shares: the layout's navigation by role, template filters, the CSRF token, the
home page that sends each role where its work is, and the error pages of the page blueprints.

The page blueprints (dashboard, journeys, audit) are made by :func:`page_blueprint`, so each one checks
the CSRF token on every POST and answers errors with a page, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from careplan.domain.errors import UnknownJourney
from careplan.domain.values import Actor
from web import csrf
from web.auth import current_actor
from web.auth.permissions import MANAGE_USERS, OPEN_JOURNEY, roles_with

bp = Blueprint("layout", __name__)

HOME_BY_ROLE = {"auditor": "audit.index"}
DEFAULT_HOME = "dashboard.index"


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


NAV: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("Dashboard", "dashboard.index", frozenset({"coordinator", "clinician", "admin"})),
    ("Schedule", "schedule.day", frozenset({"coordinator", "clinician", "admin"})),
    ("Outcomes", "reports.outcomes", frozenset({"coordinator", "clinician", "auditor", "admin"})),
    ("Open a journey", "journeys.new", frozenset(roles_with(OPEN_JOURNEY))),
    ("Audit", "audit.index", frozenset({"auditor", "admin"})),
    ("Access log", "access.index", frozenset({"auditor", "admin"})),
    ("People", "auth.people", frozenset(roles_with(MANAGE_USERS))),
    ("Outbox", "outbox.index", frozenset({"admin"})),
)
"""Label, endpoint and the roles that see it; a write's link follows the permission table, so nobody
is shown a page that would refuse them."""


@bp.route("/")
def home() -> Response:
    actor = current_actor()
    if actor is None:
        return redirect(_login_url())
    return redirect(url_for(HOME_BY_ROLE.get(actor.role, DEFAULT_HOME)))


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers and tools ask for /favicon.ico whatever the page links: the same icon, never a 404."""
    return send_from_directory(current_app.static_folder or "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400)


def _login_url() -> str:
    try:
        return url_for("auth.login")
    except BuildError:
        return "/login"


def _safe_url(endpoint: str) -> str | None:
    try:
        return url_for(endpoint)
    except BuildError:
        return None


def nav_for(actor: Actor | None) -> list[NavItem]:
    if actor is None:
        return []
    items = []
    for label, endpoint, roles in NAV:
        url = _safe_url(endpoint)
        if url and actor.role in roles:
            active = request.blueprint == endpoint.split(".")[0] and (
                endpoint != "journeys.new" or request.endpoint == endpoint
            )
            items.append(NavItem(label, url, active))
    return items


@bp.app_context_processor
def _layout_context() -> dict[str, Any]:
    actor = current_actor()
    return {
        "actor": actor,
        "nav_items": nav_for(actor),
        "logout_url": _safe_url("auth.logout"),
        "csrf_token": csrf.token,
    }


# -- filters -------------------------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@bp.app_template_filter("iso")
def iso(value: datetime | None) -> str:
    """ISO 8601 with its offset, in UTC: for ``<time datetime>`` and machine readers."""
    return "" if value is None else _aware(value).isoformat()


@bp.app_template_filter("num")
def num(value: float | int | None) -> str:
    """A number without a needless '.0': 2.0 reads 2, 0.05 stays 0.05."""
    return "" if value is None else f"{value:g}"


@bp.app_template_filter("words")
def words(code: str | None) -> str:
    """A code or event type as words: ``medication_review`` and ``MedicationReviewed`` read as text."""
    if not code:
        return ""
    if "_" in code or code.islower():
        text = code.replace("_", " ").replace("-", " ")
    else:
        text = "".join(f" {c.lower()}" if c.isupper() else c for c in code).strip()
    return text[:1].upper() + text[1:]


# -- errors of the page blueprints ---------------------------------------------------------------

TITLES = {400: "Bad request", 403: "Not allowed", 404: "Not found", 405: "Not allowed", 409: "Changed meanwhile"}


def error_page(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    return render_template("error.html", code=code, title=TITLES.get(code, "Error"), message=error.description), code


def unknown_journey(error: UnknownJourney) -> tuple[str, int]:
    return render_template("error.html", code=404, title="Not found", message="There is no such journey."), 404


def page_blueprint(name: str, import_name: str, url_prefix: str | None = None) -> Blueprint:
    """A blueprint for pages: its own templates, the CSRF check on POST, and error pages."""
    page = Blueprint(name, import_name, template_folder="templates", url_prefix=url_prefix)
    page.before_request(csrf.protect)
    for code in TITLES:
        page.register_error_handler(code, error_page)
    page.register_error_handler(UnknownJourney, unknown_journey)
    return page

