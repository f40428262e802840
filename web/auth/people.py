"""The admin's page of people: who has an account, in which role, and adding or disabling one.

A new account's password and API token are shown once, on the page that made them, and never again.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from careplan.domain.errors import CarePlanError
from careplan.domain.users import USER_ROLES
from web.auth.accounts import users
from web.auth.permissions import MANAGE_USERS, roles_with
from web.auth.session import requires, signed_in
from web.auth.views import bp


@bp.route("/people", methods=("GET", "POST"))
@requires(*roles_with(MANAGE_USERS))
def people() -> str | tuple[str, int]:
    created, error = None, None
    if request.method == "POST":
        try:
            created = users().add(request.form.get("name", ""), request.form.get("role", ""), actor=signed_in())
        except CarePlanError as refusal:
            error = str(refusal)
    page = render_template("auth/people.html", people=users().list(), roles=USER_ROLES, created=created, error=error)
    return (page, 422) if error else page


@bp.route("/people/<name>/<any(disable, enable):action>", methods=("POST",))
@requires(*roles_with(MANAGE_USERS))
def change(name: str, action: str) -> Response:
    actor = signed_in()
    if action == "disable" and name.strip().lower() == actor.id:
        flash("You cannot disable your own account here: another admin, or `careplan users disable`, can.", "danger")
        return redirect(url_for("auth.people"))
    if action == "disable":
        users().disable(name, actor=actor, reason=request.form.get("reason") or None)
    else:
        users().enable(name, actor=actor)
    flash(f"{name} {action}d.")
    return redirect(url_for("auth.people"))
