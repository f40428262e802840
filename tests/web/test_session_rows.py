"""A session row is a credential only where it was made (finding 3 of the security issue): an admin's
sealed data copied into a row of a chosen id, or under another user, with its times pushed a year
ahead, signs no one in; anonymous visits store no row; expired rows are purged in batches by an index.

Run on SQLite and PostgreSQL, with a cipher key (production) and without (demo), as someone who can
write the session table but holds no key (the application's own database role)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from careplan.adapters.sessions import PURGE_BATCH, PURGE_SELECT, TABLE, Limits, sessions_for
from careplan.adapters.side_tables import SideTables
from tests.conftest import Clock
from tests.web.conftest import People, csrf, make_web_app
from web.services import careplan

TEST_KEY = "dGVzdC1vbmx5LWtleS1mb3ItdGhlLXdlYi10ZXN0cyE="
YEAR = timedelta(days=365).total_seconds()


@pytest.fixture(params=["keyed", "demo"])
def web(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, store_url: str) -> Iterator[Flask]:
    app = make_web_app(tmp_path, clock)
    env = {**app.config["CAREPLAN_ENV"], "CAREPLAN_DATABASE_URL": store_url}
    if request.param == "keyed":
        env["CAREPLAN_CIPHER_KEY"] = TEST_KEY
    app.config["CAREPLAN_ENV"] = env
    yield app
    if "careplan" in app.extensions:
        app.extensions["careplan"].close()


def sql(web: Flask, statement: str, params: tuple[Any, ...] = (), commit: bool = False) -> list[tuple[Any, ...]]:
    """What someone with the database's password (and no key) runs."""
    with web.app_context():
        with SideTables(careplan()).cursor(commit=commit) as run:
            return run(statement, params)


def signed_in(web: Flask, people: People, role: str) -> FlaskClient:
    client = web.test_client()
    people.login(client, role)
    return client


def cookie_of(client: FlaskClient) -> str:
    found = client.get_cookie("careplan_session")
    assert found is not None
    return found.value


def row_of(web: Flask, client: FlaskClient) -> tuple[Any, ...]:
    id_hash = hashlib.sha256(cookie_of(client).encode()).hexdigest()
    return sql(web, f"SELECT user_id, created_ts, seen_ts, data FROM {TABLE} WHERE id_hash = ?", (id_hash,))[0]


def is_admin(web: Flask, session_id: str) -> bool:
    client = web.test_client()
    client.set_cookie("careplan_session", session_id)
    return client.get("/people").status_code == 200


def test_an_admins_sealed_data_in_a_row_of_a_chosen_id_with_times_a_year_ahead_signs_no_one_in(web: Flask) -> None:
    people = People(web)
    admin = signed_in(web, people, "admin")
    assert admin.get("/people").status_code == 200
    user_id, created, seen, data = row_of(web, admin)
    chosen = "chosen-by-the-attacker-" + "x" * 20
    sql(
        web,
        f"INSERT INTO {TABLE} (id_hash, user_id, created_ts, seen_ts, data) VALUES (?, ?, ?, ?, ?)",
        (hashlib.sha256(chosen.encode()).hexdigest(), user_id, created + YEAR, seen + YEAR, data),
        commit=True,
    )
    assert not is_admin(web, chosen)
    assert is_admin(web, cookie_of(admin)), "the admin's own session still works"


def test_an_admins_sealed_data_copied_into_another_persons_row_does_not_make_them_admin(web: Flask) -> None:
    people = People(web)
    admin, coordinator = signed_in(web, people, "admin"), signed_in(web, people, "coordinator")
    user_id, _, _, data = row_of(web, admin)
    own = hashlib.sha256(cookie_of(coordinator).encode()).hexdigest()
    sql(web, f"UPDATE {TABLE} SET user_id = ?, data = ? WHERE id_hash = ?", (user_id, data, own), commit=True)
    assert not is_admin(web, cookie_of(coordinator))


def test_a_row_restored_after_sign_out_with_times_a_year_ahead_dies_at_its_sealed_idle_time(web: Flask, clock: Clock) -> None:
    people = People(web)
    admin = signed_in(web, people, "admin")
    session_id, (user_id, created, seen, data) = cookie_of(admin), row_of(web, admin)
    admin.post("/logout", data={"csrf_token": csrf(admin)})
    sql(
        web,
        f"INSERT INTO {TABLE} (id_hash, user_id, created_ts, seen_ts, data) VALUES (?, ?, ?, ?, ?)",
        (hashlib.sha256(session_id.encode()).hexdigest(), user_id, created + YEAR, seen + YEAR, data),
        commit=True,
    )
    clock.advance(minutes=16)
    assert not is_admin(web, session_id), "the idle time-out reads the sealed time, not the column"


def test_times_pushed_ahead_in_a_busy_row_do_not_outlive_its_sealed_lifetime(web: Flask, clock: Clock) -> None:
    admin = signed_in(web, People(web), "admin")
    sql(web, f"UPDATE {TABLE} SET created_ts = created_ts + ?, seen_ts = seen_ts + ?", (YEAR, YEAR), commit=True)
    for _ in range(12 * 6):
        clock.advance(minutes=10)
        admin.get("/people")
    clock.advance(minutes=1)
    assert admin.get("/people").status_code == 302


def test_a_thousand_anonymous_visits_store_no_session_row(web: Flask) -> None:
    for n in range(1000):
        client = web.test_client()
        path = ("/login", "/", "/journeys/new", "/login?next=/schedule")[n % 4]
        assert client.get(path).status_code in (200, 302)
    with web.app_context():
        sessions_for(careplan())  # the table, should no visit have made it
    assert sql(web, f"SELECT COUNT(*) FROM {TABLE}")[0][0] == 0
    signed_in(web, People(web), "clinician")
    assert sql(web, f"SELECT COUNT(*) FROM {TABLE}")[0][0] == 1


def test_expired_rows_are_purged_in_batches_by_the_index(web: Flask, clock: Clock) -> None:
    now = clock().timestamp()
    limits = Limits()
    old = now - limits.idle.total_seconds() - 60
    rows = [(f"{n:064x}", "nobody", old, old, "x") for n in range(2 * PURGE_BATCH + 200)]
    rows += [(f"{n:064x}", "nobody", now - 3600, now - 60, "x") for n in range(10**6, 10**6 + 7)]  # busy, not expired
    rows += [(f"{n:064x}", "nobody", now - 13 * 3600, now - 60, "x") for n in range(10**7, 10**7 + 3)]  # past lifetime
    with web.app_context():
        table = sessions_for(careplan())
        with SideTables(careplan()).cursor(commit=True) as run:
            for row in rows:
                run(f"INSERT INTO {TABLE} (id_hash, user_id, created_ts, seen_ts, data) VALUES (?, ?, ?, ?, ?)", row)
        assert table.purge(clock(), limits, max_batches=1) == PURGE_BATCH
        assert table.purge(clock(), limits) == PURGE_BATCH + 200 + 3
    assert sql(web, f"SELECT COUNT(*) FROM {TABLE}")[0][0] == 7


def test_the_purge_finds_its_rows_by_an_index_not_a_scan(tmp_path: Path, clock: Clock) -> None:
    """SQLite's plan for a purge batch: a search of the time column's index (no full-table scan under
    the write lock)."""
    app = make_web_app(tmp_path, clock)
    try:
        with app.app_context():
            sessions_for(careplan())
            with SideTables(careplan()).cursor(commit=False) as run:
                for column, index in (("seen_ts", f"{TABLE}_seen"), ("created_ts", f"{TABLE}_created")):
                    plan = " ".join(str(row[-1]) for row in run("EXPLAIN QUERY PLAN " + PURGE_SELECT.format(column=column), (0.0,)))
                    assert re.fullmatch(rf"SEARCH {TABLE} USING (COVERING )?INDEX {index} \({column}<\?\)", plan), plan
                plan = " ".join(str(row[-1]) for row in run(f"EXPLAIN QUERY PLAN DELETE FROM {TABLE} WHERE id_hash IN (?, ?)", ("a", "b")))
                assert plan.startswith(f"SEARCH {TABLE} USING INDEX sqlite_autoindex_{TABLE}_1 (id_hash=?)"), plan
    finally:
        app.extensions["careplan"].close()
