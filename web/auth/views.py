"""Sign-in and sign-out pages.

A sign-in takes its place in the failed-sign-in count (``web.hardening``) before its password is
judged; only a correct password gives the place back.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from web import csrf
from web.auth import resume
from web.auth.accounts import users
from web.auth.session import current_actor, safe_next, sign_in, sign_out
from web.hardening import sign_in_attempt, too_many_sign_ins

bp = Blueprint("auth", __name__, template_folder="templates")
bp.before_request(csrf.protect)

FAILED = "Unknown username or wrong password."


@bp.route("/login", methods=("GET", "POST"))
def login() -> Response | tuple[str, int] | str:
    target = safe_next(request.values.get("next"))
    if request.method != "POST":
        if current_actor() is not None:
            return redirect(target or url_for("layout.home"))
        return render_template("auth/login.html", next=target, username="", error=None)
    username = request.form.get("username", "").strip()
    attempt = sign_in_attempt()
    if attempt.wait > 0:
        return too_many_sign_ins(attempt.wait)
    actor = users().authenticate(username, request.form.get("password", ""))
    resume_to, kept = resume.carried()
    if actor is None:
        page = render_template(
            "auth/login.html", next=target, username=username, error=FAILED, resume=kept, resume_to=resume_to
        )
        return page, 401
    attempt.succeeded()
    sign_in(actor)
    if resume_to is not None:
        return resume.resend_page(resume_to, kept)
    return redirect(target or url_for("layout.home"))


@bp.route("/logout", methods=("POST",))
def logout() -> Response:
    sign_out()
    return redirect(url_for("auth.login"))
