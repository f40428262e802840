"""A form sent after the session timed out keeps what was typed and asks to sign in again.

Before, an idle time-out answered the form's POST with "400 This form has expired" and the entry was
lost. Now the page form whose session has lapsed gets the sign-in page back (401), carrying the typed
fields as hidden inputs of that page's body: never in a URL, a cookie or a log. Signed in again, the
person sees their entry kept and sends it with one click, under the new session's token, to the
address it was meant for; the form's own ``expected_version`` and ``nonce`` still guard against a
change meanwhile and a double recording.
"""

from __future__ import annotations

from flask import render_template, request
from werkzeug.datastructures import MultiDict

from web.auth.session import safe_next

PREFIX = "resume:"
"""The hidden inputs' name prefix on the sign-in page, so they never mix with its own fields."""
TARGET = "resume_to"
SKIPPED = frozenset({"csrf_token"})
RESUMABLE = ("/journeys/",)
"""Where a lapsed form is kept: the clinical forms (sign-in and sign-out are not forms to keep)."""
TIMED_OUT = "Your session timed out. Sign in again: what you typed is kept, and you can send it then."


def lapsed_form() -> tuple[str, int] | None:
    """The sign-in page keeping this POST's fields, when it is a page form from a lapsed session."""
    if request.method != "POST" or not request.path.startswith(RESUMABLE) or not request.form:
        return None
    kept = [(name, value) for name, value in request.form.items(multi=True) if name not in SKIPPED]
    page = render_template(
        "auth/login.html", next=None, username="", error=TIMED_OUT, resume=kept, resume_to=request.path
    )
    return page, 401


def carried() -> tuple[str | None, list[tuple[str, str]]]:
    """The kept form of a sign-in: where it goes and its fields (none when nothing was kept)."""
    target = safe_next(request.form.get(TARGET))
    fields = [(name[len(PREFIX) :], value) for name, value in request.form.items(multi=True) if name.startswith(PREFIX)]
    return (target, fields) if target and fields else (None, [])


def resend_page(target: str, fields: list[tuple[str, str]]) -> str:
    """After signing in again: the kept entry, to send with one click (or leave)."""
    return render_template("auth/resume.html", target=target, fields=MultiDict(fields), kept=fields)
