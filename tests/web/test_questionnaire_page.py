"""The patient's page ``/q/{token}`` and the clinician's "send now" (DESIGN 7.7), through the app on
SQLite and PostgreSQL: one submission, refusals that record nothing, the crisis line after a
self-harm answer, the rate limit, and no token in any log line."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from flask import Flask

from careplan.adapters.logs import configure_logging, redact_links
from careplan.entrypoints.scheduling.sweep import sweep
from careplan.messaging.instruments import GAD7, PHQ9
from careplan.messaging.links import make_token
from events.read.runtime import read_store_for
from tests.conftest import Clock
from tests.web.conftest import People, make_web_app

CRISIS = "Call the clinic's crisis line on +1 555 0111, or 988, at any hour."


@pytest.fixture
def site(store_url: str, tmp_path: Path, clock: Clock) -> Any:
    clinic_file = tmp_path / "clinic.json"
    packaged = json.loads((Path(__file__).parents[2] / "careplan" / "clinic" / "default.json").read_text())
    clinic_file.write_text(json.dumps({**packaged, "on_call": "oncall@clinic.example", "crisis_line": CRISIS}))
    flask_app = make_web_app(tmp_path, clock)
    flask_app.config["CAREPLAN_ENV"] = {
        **flask_app.config["CAREPLAN_ENV"],
        "CAREPLAN_DATABASE_URL": store_url,
        "CAREPLAN_CLINIC_FILE": str(clinic_file),
    }
    yield flask_app
    instance = flask_app.extensions.get("careplan")
    if instance is not None:
        instance.close()


def engine(site: Flask) -> Any:
    from web.services import careplan

    with site.app_context():
        return careplan()


def opened(site: Flask, people: People) -> str:
    answer = site.test_client().post("/api/v1/journeys", json={"patient_ref": "MRN-Q"}, headers=people.headers("coordinator"))
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["id"])


def send(site: Flask, people: People, journey: str, instrument: str, role: str = "clinician") -> Any:
    return site.test_client().post(
        f"/api/v1/journeys/{journey}/questionnaires", json={"instrument": instrument}, headers=people.headers(role)
    )


def token_for(site: Flask, journey: str, key: str) -> str:
    """The token the dispatcher puts in the message (the server makes it again from its key)."""
    return make_token(engine(site), UUID(journey), key)


def history(site: Flask, journey: str) -> list[Any]:
    return engine(site).history(UUID(journey))


def phq9_form(items: list[int]) -> dict[str, str]:
    return {f"item{i + 1}": str(v) for i, v in enumerate(items)}


def form_token(page: Any) -> str:
    """The CSRF token the page's form carries (bound to this browser by its cookie)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_a_link_is_answered_once_and_a_self_harm_answer_shows_the_crisis_line(site: Flask) -> None:
    people = People(site)
    journey = opened(site, people)
    sent = send(site, people, journey, "PHQ9")
    assert sent.status_code == 201, sent.get_json()
    body = sent.get_json()
    assert set(body) == {"key", "instrument", "expires_at", "channel"} and body["instrument"] == "PHQ9"
    token = token_for(site, journey, body["key"])
    patient = site.test_client()  # no sign-in, no cookie of anyone's

    page = patient.get(f"/q/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    guard = {"csrf_token": form_token(page)}
    assert patient.post(f"/q/{token}", data=phq9_form([0] * 9)).status_code == 400, "a form from elsewhere"
    for item in PHQ9.items:
        assert item.replace("'", "&#39;") in html, item
    assert PHQ9.stem in html and CRISIS.replace("'", "&#39;") in html

    incomplete = patient.post(f"/q/{token}", data={**phq9_form([0] * 8), **guard})
    assert incomplete.status_code == 422 and "Question 9 has no answer" in incomplete.get_data(as_text=True)
    odd = patient.post(f"/q/{token}", data={**phq9_form([0] * 8), "item9": "²", **guard})  # a digit, not ASCII
    assert odd.status_code == 422 and "Question 9 has no answer" in odd.get_data(as_text=True)
    before = len(history(site, journey))

    done = patient.post(f"/q/{token}", data={**phq9_form([1, 1, 0, 0, 0, 0, 0, 0, 2]), **guard})
    assert done.status_code == 200
    assert CRISIS.replace("'", "&#39;") in done.get_data(as_text=True)
    recorded = history(site, journey)[before:]
    assert [f.type for f in recorded] == ["AssessmentRecorded", "SafetyAlertRaised"]
    assert recorded[0].actor.as_dict() == {"id": "patient", "role": "patient"}
    assert recorded[0].data["context"] == "remote" and recorded[0].data["items"][8] == 2

    again = patient.post(f"/q/{token}", data={**phq9_form([0] * 9), **guard})
    assert again.status_code == 410 and "already been answered" in again.get_data(as_text=True)
    assert patient.get(f"/q/{token}").status_code == 410
    assert len(history(site, journey)) == before + 2, "a used link records nothing"


def test_an_expired_or_unknown_link_says_so_and_records_nothing(site: Flask, clock: Clock) -> None:
    people = People(site)
    journey = opened(site, people)
    key = send(site, people, journey, "GAD7").get_json()["key"]
    token = token_for(site, journey, key)
    patient = site.test_client()
    page = patient.get(f"/q/{token}")
    assert GAD7.items[0] in page.get_data(as_text=True)
    before = len(history(site, journey))
    clock.advance(hours=72)
    expired = patient.post(f"/q/{token}", data={**phq9_form([0] * 7), "csrf_token": form_token(page)})
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    unknown = site.test_client().get(f"/q/{token[:-4]}AAAA")
    assert unknown.status_code == 404 and "does not work" in unknown.get_data(as_text=True)
    assert site.test_client().get("/q/not-a-token").status_code == 404
    assert len(history(site, journey)) == before


def test_only_clinicians_send_links_and_only_questionnaires_a_patient_answers(site: Flask) -> None:
    people = People(site)
    journey = opened(site, people)
    assert send(site, people, journey, "PHQ9", role="coordinator").status_code == 403
    refused = send(site, people, journey, "MADRS")
    assert refused.status_code == 422 and "instrument" in str(refused.get_json()["errors"])
    assert send(site, people, "00000000-0000-4000-8000-000000000000", "PHQ9").status_code == 404
    assert not [f for f in history(site, journey) if f.type == "QuestionnaireSent"]


def test_the_journey_page_sends_a_link_and_the_outbox_page_shows_it_waiting(site: Flask, clock: Clock) -> None:
    people = People(site)
    journey = opened(site, people)
    clinician = site.test_client()
    people.login(clinician, "clinician")
    page = clinician.get(f"/journeys/{journey}").get_data(as_text=True)
    assert "Send PHQ-9 link" in page
    from tests.web.conftest import csrf

    sent = clinician.post(f"/journeys/{journey}/questionnaires", data={"instrument": "PHQ9", "csrf_token": csrf(clinician)})
    assert sent.status_code == 302
    (link,) = [f for f in history(site, journey) if f.type == "QuestionnaireSent"]
    assert link.actor.role == "clinician"

    app = engine(site)
    sweep(app, read_store_for(app), clock.now)
    admin = site.test_client()
    people.login(admin, "admin")
    outbox = admin.get("/outbox/")
    assert outbox.status_code == 200
    text = outbox.get_data(as_text=True)
    assert "A short questionnaire from your clinic" in text
    assert token_for(site, journey, link.data["key"]) not in text, "the admin never sees a patient's link"
    assert clinician.get("/outbox/").status_code == 403


def test_guessing_tokens_is_rate_limited(site: Flask) -> None:
    guesser = site.test_client()
    answers = [guesser.get(f"/q/guess{n:030d}").status_code for n in range(31)]
    assert answers[:30] == [404] * 30 and answers[30] == 429


def test_no_log_line_keeps_a_token(site: Flask, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging({})
    token = "A" * 46
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /q/%s HTTP/1.1" 200 -', token)
    logging.getLogger("careplan.web").error("Exception on /q/" + token + " [POST]")
    logging.getLogger("x").warning("link https://clinic.example/q/%s?x=1 was opened", token)
    err = capsys.readouterr().err
    assert token not in err and err.count("/q/<redacted>") == 3
    assert redact_links('"GET /q/abc_-1 HTTP/1.1"') == '"GET /q/<redacted> HTTP/1.1"'


def test_a_page_request_through_the_werkzeug_handler_logs_no_token(site: Flask, caplog: pytest.LogCaptureFixture) -> None:
    """The request line ``careplan web`` logs (``QuietQueryHandler``) is redacted before it is written."""
    import io
    import socket

    from careplan.entrypoints.cli.web import QuietQueryHandler

    class FakeRequest(QuietQueryHandler):
        def __init__(self, path: str) -> None:  # noqa: D107 (a handler without a socket)
            self.path, self.command, self.requestline = path, "GET", f"GET {path} HTTP/1.1"
            self.client_address = ("127.0.0.1", 1)
            self.rfile, self.wfile = io.BytesIO(), io.BytesIO()

    del socket
    token = "B" * 46
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        FakeRequest(f"/q/{token}").log_request(200)
    assert caplog.records and token not in caplog.text and "/q/<redacted>" in caplog.text


def test_the_access_log_records_no_patient_page(site: Flask) -> None:
    people = People(site)
    journey = opened(site, people)
    key = send(site, people, journey, "PHQ9").get_json()["key"]
    token = token_for(site, journey, key)
    site.test_client().get(f"/q/{token}")
    from careplan.audit.access_log import access_log_for

    entries = access_log_for(engine(site)).search(offset=0, limit=500).entries
    assert not [e for e in entries if "/q/" in e.action or token in str(e)]



