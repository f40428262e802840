"""``/reports/outcomes``: the outcomes report as a page, with its two charts drawn on the server.

Per protocol version, side by side: the figures (the CLI's rows, ``events.read.outcomes.figures``),
the literature's response rate beside the clinic's, the retention chart and the median PHQ-9 by week
(``web.reports.charts``: SVG, no script). ``as_of`` is a date, the end of that clinic-local day;
``protocol`` and ``version`` narrow it. A demo cohort's courses are counted and said to be synthetic.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import abort, render_template, request

from events.read.outcomes.figures import FIGURES
from events.read.outcomes.reading import report
from web.auth import requires
from web.clinic import the_clinic
from web.layout import page_blueprint
from web.query import clinic_date, is_whole_number
from web.reports.charts import phq9_chart, retention_chart
from web.services import careplan

bp = page_blueprint("reports", __name__)

REPORT_ROLES = ("coordinator", "clinician", "auditor", "admin")
_PROTOCOL = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _version() -> int | None:
    text = request.args.get("version", "").strip()
    if not text:
        return None
    if not is_whole_number(text) or not 1 <= int(text) <= 10_000:
        abort(400, description="'version' must be a whole number from 1 to 10000.")
    return int(text)


def _protocol() -> str | None:
    text = request.args.get("protocol", "").strip()
    if text and not _PROTOCOL.match(text):
        abort(400, description="'protocol' must be a protocol id (letters, digits, '.', '_' or '-').")
    return text or None


@bp.route("/reports/outcomes")
@requires(*REPORT_ROLES)
def outcomes() -> str:
    clinic = the_clinic()
    day = clinic_date("as_of")
    as_of = None if day is None else clinic.day_bounds(day)[1] - timedelta(microseconds=1)
    protocol, version = _protocol(), _version()
    document = report(careplan(), as_of, protocol, version)
    versions = document["versions"]
    return render_template(
        "reports/outcomes.html",
        document=document,
        versions=versions,
        figures=FIGURES,
        day=day,
        protocol=protocol,
        version=version,
        synthetic=sum(v["synthetic_courses"] for v in versions),
        retention=retention_chart(versions) if versions else None,
        phq9=phq9_chart(versions) if versions else None,
    )
