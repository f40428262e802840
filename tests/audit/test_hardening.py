"""Hostile input and access: security headers, secure cookies, CSRF on every form, sign-in limits, and
no endpoint that answers someone who is not signed in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import Clock
from tests.web.conftest import PASSWORD, People, csrf, make_web_app
from web.hardening import FAILURES_PER_USER, WINDOW_SECONDS

PUBLIC = {
    "static", "layout.favicon", "auth.login", "layout.home", "api-docs.openapi_json", "ops.health", "ops.ready",
    "ops.scrape", "questionnaires.answer",
}
"""The probes answer without a sign-in (DESIGN 7.4); /metrics only to loopback or an admin's token
(tests/web/test_ops.py); the patient's questionnaire page has no sign-in, its link is the authority
(DESIGN 7.7; tests/web/test_questionnaire_page.py)."""
SOME_ID = "00000000-0000-4000-8000-000000000000"
TEST_KEY = "dGVzdC1vbmx5LWtleS1mb3ItdGhlLXdlYi10ZXN0cyE="


def concrete(rule: str) -> str:
    """A URL for a rule: a journey id, a choice's first option, 1 for a number, or a plain word for each other parameter."""
    rule = rule.replace("<uuid:journey_id>", SOME_ID)
    rule = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", rule)
    rule = re.sub(r"<int:[^>]+>", "1", rule)
    return re.sub(r"<[^>]+>", "someone", rule)


@pytest.fixture
def web(tmp_path: Path, clock: Clock) -> Iterator[Flask]:
    app = make_web_app(tmp_path, clock)
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


@pytest.fixture
def people(web: Flask) -> People:
    return People(web)


@pytest.mark.parametrize("path", ["/login", "/api/v1/openapi.json", "/api/v1/journeys", "/static/careplan.css"])
def test_every_answer_carries_the_security_headers(web: Flask, path: str) -> None:
    headers = web.test_client().get(path).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers


def test_hsts_is_sent_over_https_only(web: Flask) -> None:
    headers = web.test_client().get("/login", base_url="https://careplan.clinic").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_with_patient_data_are_not_cached(web: Flask, people: People) -> None:
    client = web.test_client()
    people.login(client, "auditor")
    assert client.get("/audit/").headers["Cache-Control"] == "no-store"


def session_cookie(web: Flask, people: People) -> str:
    client = web.test_client()
    token = csrf(client)
    people.add("clinician")
    response = client.post("/login", data={"username": "clinician", "password": PASSWORD, "csrf_token": token})
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("careplan_session="))


def test_in_production_the_session_cookie_is_secure_httponly_and_samesite(tmp_path: Path, clock: Clock) -> None:
    app = make_web_app(tmp_path, clock)
    production = {**app.config["CAREPLAN_ENV"], "CAREPLAN_MODE": "production", "CAREPLAN_CIPHER_KEY": TEST_KEY}
    web = make_web_app(tmp_path / "production", clock, CAREPLAN_ENV=production)
    try:
        cookie = session_cookie(web, People(web))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        web.extensions["careplan"].close()


def test_in_demo_mode_the_session_cookie_also_works_over_plain_http(web: Flask, people: People) -> None:
    cookie = session_cookie(web, people)
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_every_form_of_the_pages_refuses_a_post_without_the_csrf_token(web: Flask, people: People) -> None:
    client = web.test_client()
    people.login(client, "admin")
    posts = [
        rule for rule in web.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")
    ]  # fmt: skip
    assert {r.endpoint for r in posts} >= {"auth.login", "auth.logout", "journeys.new", "journeys.new_event"}
    for rule in posts:
        path = concrete(rule.rule)
        response = client.post(path, data={"q": "x", "username": "admin", "password": PASSWORD})
        assert response.status_code == 400, rule.rule
        assert b"did not come from this site" in response.data


def test_no_endpoint_answers_someone_who_is_not_signed_in(web: Flask) -> None:
    client = web.test_client()
    for rule in web.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        path = concrete(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, json={})
            allowed = (401,) if path.startswith("/api/") else (302, 400)
            assert response.status_code in allowed, (method, path, response.status_code)
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/login")


def sign_in(web: Flask, username: str, password: str) -> Any:
    client = web.test_client()
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf(client)})


def test_five_failed_sign_ins_lock_that_username_for_fifteen_minutes(web: Flask, people: People, clock: Clock) -> None:
    people.add("clinician")
    people.add("auditor")
    for _ in range(FAILURES_PER_USER):
        assert sign_in(web, "clinician", "wrong").status_code == 401
    locked = sign_in(web, "Clinician", PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) == WINDOW_SECONDS + 1
    assert b"Too many failed sign-ins. Try again in 15 minutes." in locked.data
    assert sign_in(web, "auditor", PASSWORD).status_code == 302, "another username is not locked out"
    clock.advance(seconds=WINDOW_SECONDS + 1)
    assert sign_in(web, "clinician", PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(web: Flask, people: People) -> None:
    people.add("clinician")
    for _ in range(FAILURES_PER_USER - 1):
        sign_in(web, "clinician", "wrong")
    assert sign_in(web, "clinician", PASSWORD).status_code == 302
    for _ in range(FAILURES_PER_USER - 1):
        sign_in(web, "clinician", "wrong")
    assert sign_in(web, "clinician", PASSWORD).status_code == 302


def test_the_sign_in_limit_holds_across_workers_and_restarts_on_both_stores(
    tmp_path: Path, clock: Clock, store_url: str
) -> None:
    """Two apps on one store stand for two gunicorn workers; a third made afterwards, for a restart."""
    env = {**make_web_app(tmp_path, clock).config["CAREPLAN_ENV"], "CAREPLAN_DATABASE_URL": store_url}
    workers = [make_web_app(tmp_path / str(n), clock, CAREPLAN_ENV=env) for n in range(3)]
    try:
        People(workers[0]).add("clinician")
        for n in range(FAILURES_PER_USER):
            assert sign_in(workers[n % 2], "clinician", "wrong").status_code == 401
        assert sign_in(workers[1], "clinician", PASSWORD).status_code == 429
        assert sign_in(workers[2], "clinician", PASSWORD).status_code == 429
    finally:
        for worker in workers:
            if "careplan" in worker.extensions:
                worker.extensions["careplan"].close()
