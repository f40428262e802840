"""``careplan serve --demo`` and ``careplan web``: demo sign-ins, seeding only an empty store, and a
real server answering where it was told to listen."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from careplan.application import CarePlan
from careplan.domain.values import Actor
from careplan.entrypoints.cli.serve import DEMO_ACTOR, demo_logins, seed_cohort
from careplan.users import Users

FAST = "pbkdf2:sha256:1000"
CAREPLAN = [sys.executable, "-c", "import sys; from careplan.entrypoints.cli.main import main; sys.exit(main())"]


@pytest.fixture
def users(make_app: Callable[..., CarePlan], sqlite_url: str) -> Users:
    return Users(make_app(sqlite_url), password_method=FAST)


def test_demo_makes_one_sign_in_per_role_and_new_passwords_at_each_start(users: Users) -> None:
    first = demo_logins(users)
    assert [(d.name, d.role) for d in first] == [(r, r) for r in ("coordinator", "clinician", "auditor", "admin")]
    second = demo_logins(users)
    for before, after in zip(first, second):
        assert after.password and after.password != before.password
        assert users.authenticate(after.name, after.password) == Actor(after.name, after.role)
        assert users.authenticate(before.name, before.password or "") is None


def test_demo_never_touches_an_account_a_person_made(users: Users) -> None:
    users.add("admin", "admin", actor=Actor("cli:root", "admin"), password="the real admin")
    logins = {d.name: d for d in demo_logins(users)}
    assert logins["admin"].password is None
    assert users.authenticate("admin", "the real admin") == Actor("admin", "admin")
    assert users.get("coordinator").registered_by == DEMO_ACTOR.id


def test_the_cohort_is_seeded_only_into_an_empty_store(users: Users) -> None:
    assert seed_cohort(users.app, 3) == 3
    journeys = list(users.app.journey_ids())  # a patient on a second course has two
    assert len({users.app.get(one).patient_ref for one in journeys}) == 3
    assert seed_cohort(users.app, 3) == 0
    assert list(users.app.journey_ids()) == journeys


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_demo_listens_where_told_and_prints_the_address_and_demo_sign_ins(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}", "CAREPLAN_INSTANCE": str(tmp_path)}
    command = [*CAREPLAN, "serve", "--demo", "--patients", "4", "--port", str(port), "--interval", "3600"]
    server = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = [server.stdout.readline() for _ in range(8)]  # type: ignore[union-attr]
        assert lines[0].startswith(f"careplan serve: http://127.0.0.1:{port}/")
        assert any(line.split()[:1] == ["clinician"] and len(line.split()) == 2 for line in lines)
        status = 0
        for _ in range(50):
            try:
                status = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).status
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200
        assert (tmp_path / "secret_key").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_web_refuses_a_bad_port_with_one_line() -> None:
    result = subprocess.run(
        [*CAREPLAN, "web", "--port", "99999"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "not a port number" in result.stderr
