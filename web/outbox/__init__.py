"""The outbox page for admins: the messages the clinic would send, waiting while no channel is set.

In the demo (no ``CAREPLAN_SMTP_URL``, no ``CAREPLAN_SMS_URL``) nothing leaves: this page shows each
queued message's words, to whom (a role, never the address) and when it was queued, so a newcomer
sees what the clinic would send. A questionnaire's link is left out: it would let the reader answer
for the patient.
"""

from __future__ import annotations

from flask import render_template

from careplan.messaging.outbox import waiting_messages
from careplan.messaging.settings import messaging_for
from web.auth import requires
from web.layout import page_blueprint
from web.services import careplan

bp = page_blueprint("outbox", __name__, url_prefix="/outbox")


@bp.route("/")
@requires("admin")
def index() -> str:
    app = careplan()
    settings = messaging_for(app)
    return render_template("outbox/index.html", messages=waiting_messages(app), sending=settings.sending)
