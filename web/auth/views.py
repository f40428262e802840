"""Sign-in and sign-out pages."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from web import csrf
from web.auth.accounts import users
from web.auth.session import current_actor, safe_next, sign_in, sign_out

bp = Blueprint("auth", __name__, template_folder="templates")
bp.before_request(csrf.protect)

FAILED = "Unknown username or wrong password."


@bp.route("/login", methods=("GET", "POST"))
def login() -> Response | tuple[str, int] | str:
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_actor() is not None:
            return redirect(target or url_for("layout.home"))
        return render_template("auth/login.html", next=target, username="", error=None)
    username = request.form.get("username", "").strip()
    actor = users().authenticate(username, request.form.get("password", ""))
    if actor is None:
        return render_template("auth/login.html", next=target, username=username, error=FAILED), 401
    sign_in(actor)
    return redirect(target or url_for("layout.home"))


@bp.route("/logout", methods=("POST",))
def logout() -> Response:
    sign_out()
    return redirect(url_for("auth.login"))
