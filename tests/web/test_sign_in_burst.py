"""A burst of parallel guesses cannot beat the sign-in limit (finding 5 of the security issue): each
sign-in takes its place in the count before its password is judged, so of 40 parallel guesses at a
limit of 5, at most 5 are judged; on the real threaded server, on SQLite and PostgreSQL. Failure keys
are kept as HMAC with the server's key, so a password typed as a username is not recovered from the
table by hashing guesses."""

from __future__ import annotations

import hashlib
import http.client
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask

from careplan.adapters import server_keys
from careplan.adapters.side_tables import SideTables
from careplan.adapters.sign_ins import TABLE, failures_for
from tests.conftest import Clock
from tests.web.conftest import PASSWORD, People, csrf, make_web_app
from tests.web.live import served
from web.hardening import FAILURES_PER_USER
from web.services import careplan

GUESSES = 40
TEST_KEY = "dGVzdC1vbmx5LWtleS1mb3ItdGhlLXdlYi10ZXN0cyE="


@pytest.fixture
def web(tmp_path: Path, clock: Clock, store_url: str) -> Iterator[Flask]:
    """Passwords hashed with the app's own scrypt: judging one takes as long as in a clinic."""
    app = make_web_app(tmp_path, clock, CAREPLAN_PASSWORD_METHOD="scrypt")
    app.config["CAREPLAN_ENV"] = {**app.config["CAREPLAN_ENV"], "CAREPLAN_DATABASE_URL": store_url}
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


def sign_in_form(port: int) -> tuple[str, str]:
    """The cookies and CSRF token of the sign-in page, as a browser would have them."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookies = "; ".join(value.split(";")[0] for name, value in response.getheaders() if name.lower() == "set-cookie")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    connection.close()
    return cookies, found.group(1)


def guess(port: int, cookies: str, token: str, password: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = urlencode({"username": "clinician", "password": password, "csrf_token": token})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies}
    try:
        connection.request("POST", "/login", body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_forty_parallel_guesses_against_a_limit_of_five_have_at_most_five_judged(web: Flask) -> None:
    People(web).add("clinician")
    statuses: list[int] = []
    with served(web) as port:
        cookies, token = sign_in_form(port)
        start = threading.Barrier(GUESSES)

        def one(n: int) -> None:
            start.wait()
            statuses.append(guess(port, cookies, token, f"wrong guess {n}"))

        threads = [threading.Thread(target=one, args=(n,)) for n in range(GUESSES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert guess(port, cookies, token, PASSWORD) == 429, "the right password waits out the window too"
    assert len(statuses) == GUESSES
    judged = statuses.count(401)
    assert judged <= FAILURES_PER_USER and statuses.count(429) == GUESSES - judged, sorted(statuses)
    assert judged == FAILURES_PER_USER


def test_a_success_gives_back_its_place_in_the_count(web: Flask) -> None:
    """Sign-ins that succeed are not failures: fifty of them from one address lock nobody out."""
    people = People(web)
    people.add("clinician")
    for _ in range(FAILURES_PER_USER + 2):
        client = web.test_client()
        assert client.post("/login", data={"username": "clinician", "password": PASSWORD, "csrf_token": csrf(client)}).status_code == 302
    with web.app_context():
        with SideTables(careplan()).cursor(commit=False) as run:
            assert run(f"SELECT COUNT(*) FROM {TABLE}", ())[0][0] == 0


@pytest.mark.parametrize("keyed", [True, False], ids=["cipher key", "demo"])
def test_failure_keys_are_an_hmac_with_the_servers_key_not_a_plain_hash(tmp_path: Path, clock: Clock, keyed: bool) -> None:
    app = make_web_app(tmp_path, clock)
    if keyed:
        app.config["CAREPLAN_ENV"] = {**app.config["CAREPLAN_ENV"], "CAREPLAN_CIPHER_KEY": TEST_KEY}
    try:
        typed = "my-password-typed-as-a-username"
        client = app.test_client()
        assert client.post("/login", data={"username": typed, "password": "x", "csrf_token": csrf(client)}).status_code == 401
        with app.app_context():
            with SideTables(careplan()).cursor(commit=False) as run:
                stored = {row[0] for row in run(f"SELECT key_hash FROM {TABLE}", ())}
            table = failures_for(careplan())
            expected = {table.digest(f"{typed}\n127.0.0.1"), table.digest("\n127.0.0.1")}
            key = server_keys.server_key(careplan(), server_keys.SIGN_IN_FAILURES)
        assert stored == expected
        assert hashlib.sha256(f"{typed}\n127.0.0.1".encode()).hexdigest() not in stored
        if keyed:
            assert key == server_keys.derive(TEST_KEY, server_keys.SIGN_IN_FAILURES)
    finally:
        app.extensions["careplan"].close()
