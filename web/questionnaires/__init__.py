"""The patient's questionnaire page, ``/q/{token}``: no sign-in, the link is the authority (DESIGN 7.7).

Made for a phone and a screen reader: one question per fieldset with its legend, native radio
buttons, an error summary that links to each unanswered question, and plain words. A link that opens
nothing, expired or was used says so and records nothing. Requests are limited per address (the
sign-in limiter's table), the form carries a CSRF token bound to the browser by a cookie (as the
sign-in form's), and the link's token never reaches a log line (``careplan.adapters.logs`` redacts
``/q/...`` paths; the access log records reads of journeys by signed-in people only).
"""

from __future__ import annotations

from web.questionnaires import views  # noqa: F401  (the routes)
from web.questionnaires.blueprint import bp

__all__ = ["bp"]
