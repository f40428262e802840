"""No patient reference in any log line: a scripted session against the real server reads every line.

The app runs on werkzeug with the request handler of ``careplan web`` (paths without query strings),
in a thread on 127.0.0.1; every logger is captured at DEBUG while a coordinator, a clinician and an
auditor work with a journey whose patient reference appears in bodies, forms, a query string and
refused input.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from careplan.entrypoints.cli.web import QuietQueryHandler
from tests.conftest import Clock
from tests.web.conftest import PASSWORD, People, make_web_app

PATIENT = "MRN-LOGS-90210"


class Browser:
    """A person at the real server: cookies kept, CSRF token read off each page like a form would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def call(self, method: str, path: str, *, form: dict[str, str] | None = None, body: Any = None, headers: dict[str, str] | None = None) -> int:
        data, sent = None, dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode({**form, "csrf_token": self.token}).encode()
        elif body is not None:
            data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with self.opener.open(request) as response:
                text = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as error:
            text, status = error.read().decode(), error.code
        found = re.search(r'name="csrf_token" value="([^"]+)"', text)
        self.token = found.group(1) if found else self.token
        return status


@pytest.fixture
def server(tmp_path: Path, clock: Clock) -> Iterator[tuple[str, People]]:
    plain = make_web_app(tmp_path, clock).config["CAREPLAN_ENV"]
    # Demo mode: urllib, unlike a browser, keeps Secure cookies off plain HTTP even on 127.0.0.1.
    app = make_web_app(tmp_path / "server", clock, CAREPLAN_ENV={**plain, "CAREPLAN_MODE": "demo"})
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietQueryHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", People(app)
    httpd.shutdown()
    app.extensions["careplan"].close()


def test_a_working_session_writes_no_patient_reference_to_any_log(server: tuple[str, People], caplog: pytest.LogCaptureFixture) -> None:
    base, people = server
    caplog.set_level(logging.DEBUG)
    api = Browser(base)
    coordinator = people.headers("coordinator")
    assert api.call("POST", "/api/v1/journeys", body={"patient_ref": PATIENT}, headers=coordinator) == 201
    assert api.call("POST", "/api/v1/journeys", body={"patient_ref": PATIENT, "protocol": "no-such"}, headers=coordinator) == 422
    assert api.call("GET", f"/api/v1/journeys?q={PATIENT}", headers=coordinator) == 200
    journey = json.loads(urllib.request.urlopen(urllib.request.Request(
        base + "/api/v1/journeys", headers=coordinator)).read())[0]["id"]  # fmt: skip
    assert api.call("GET", f"/api/v1/journeys/{journey}/fhir", headers=people.headers("clinician")) == 200
    assert api.call("POST", f"/api/v1/journeys/{journey}/events", body={"type": "NoteAdded", "data": {"text": PATIENT}}, headers=people.headers("clinician")) == 201
    assert api.call("POST", f"/api/v1/journeys/{journey}/events", body={"type": "NoteAdded", "data": {"text": 7, "x": PATIENT}}, headers=people.headers("clinician")) == 422

    auditor = Browser(base)
    people.add("auditor")
    assert auditor.call("GET", "/login") == 200
    assert auditor.call("POST", "/login", form={"username": "auditor", "password": PASSWORD}) == 200  # followed the redirect
    assert auditor.call("POST", "/audit/search", form={"q": PATIENT}) == 200
    assert auditor.call("GET", f"/audit/journeys/{journey}") == 200
    assert auditor.call("GET", f"/audit/journeys/{journey}/history.csv") == 200
    assert auditor.call("GET", f"/dashboard?search={PATIENT}") in (200, 403)

    lines = [record.getMessage() for record in caplog.records]
    assert any('"POST /api/v1/journeys" 201' in line for line in lines), "the request log was captured"
    assert any('"GET /api/v1/journeys" 200' in line for line in lines), "query strings are left out"
    leaking = [line for line in lines if PATIENT in line]
    assert leaking == []
    assert PATIENT not in caplog.text
