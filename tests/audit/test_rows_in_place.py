"""A row copied to another place is refused (issue 18, finding 2).

The attacker holds the database password of the application's own role (on PostgreSQL the
least-privilege role of ``careplan db setup``: SELECT and INSERT on the events) but not the key. With
INSERT alone they copied one account's ``PasswordSet`` onto the admin, a ``TokenIssued`` onto a
clinician, an ``Enabled`` onto a disabled account, and a note from one journey into another; the app
served them all. Now a row written since opens only at its place (AES-GCM associated data), and a
row written before (by the library's cipher, kept readable) does not chain where it is copied: each
copy is refused at load with ``BrokenRecord``, and the web answers 503, not a 500 or a sign-in.
"""

from __future__ import annotations

import base64
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from eventsourcing.utils import Environment

from careplan.adapters.sealing import SEALED
from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from careplan.audit.verify import verify_store
from careplan.domain.errors import BrokenRecord
from careplan.domain.protocol import ProtocolRegistry
from careplan.domain.users import user_id
from careplan.domain.values import Actor
from careplan.users import Users
from tests.application.steps import CLINICIAN, data
from tests.audit.test_db_roles import app_role, app_url  # noqa: F401 - fixtures: the role of `db setup`

KEY = base64.b64encode(bytes(range(32))).decode()
ADMIN = Actor("tests", "admin")
FAST = "pbkdf2:sha256:1000"


class LegacyCarePlan(CarePlan):
    """Writes rows as careplan did before rows were sealed with their place: the library's AESCipher."""

    name = "careplan"  # the same tables

    def construct_env(self, name: str, env: Any = None) -> Environment:
        library = super().construct_env(name, env)
        library["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
        return library


@dataclass
class Store:
    """A store and the one thing the attacker does to it: copy a row, with INSERT only."""

    url: str
    kind: str
    create_tables: bool

    def copy(self, app: CarePlan, source: UUID, version: int, target: UUID, at: int) -> None:
        table = app.recorder.events_table_name  # type: ignore[attr-defined]
        statement = (
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
            f"SELECT ?, ?, topic, state FROM {table} WHERE originator_id = ? AND originator_version = ?"
        )
        if self.kind == "sqlite":
            with sqlite3.connect(self.url[len("sqlite:///") :]) as conn:
                assert conn.execute(statement, (target.hex, at, source.hex, version)).rowcount == 1
            return
        with psycopg.connect(self.url, autocommit=True) as conn:
            assert conn.execute(statement.replace("?", "%s"), (target, at, source, version)).rowcount == 1


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return Store(f"sqlite:///{tmp_path / 'careplan.sqlite'}", "sqlite", True)
    return Store(request.getfixturevalue("app_url"), "postgres", False)  # the least-privilege role


@pytest.fixture(params=["sealed", "legacy"])
def rows(request: pytest.FixtureRequest) -> str:
    """Rows written now (sealed with their place) or before (by the library's cipher, still readable)."""
    return str(request.param)


@pytest.fixture
def apps(store: Store, rows: str, protocols: ProtocolRegistry) -> Iterator[tuple[CarePlan, CarePlan]]:
    """The writer (of this kind of rows) and today's reader, on the same store and key."""
    settings = StoreSettings(url=store.url, cipher_key=KEY, create_tables=store.create_tables)
    made = [(LegacyCarePlan if rows == "legacy" else CarePlan)(settings, protocols), CarePlan(settings, protocols)]
    yield made[0], made[1]
    for app in made:
        app.close()


def users_of(app: CarePlan) -> Users:
    return Users(app, password_method=FAST)


def test_a_password_row_copied_onto_the_admin_does_not_sign_in(store: Store, apps: tuple[CarePlan, CarePlan]) -> None:
    writer, reader = apps
    users_of(writer).add("admin", "admin", actor=ADMIN, password="the admin's own")
    users_of(writer).add("eve", "clinician", actor=ADMIN, password="eve's first one")
    users_of(writer).set_password("eve", "eve chose this", actor=Actor("eve", "clinician"))
    store.copy(writer, user_id("eve"), 2, user_id("admin"), 2)
    with pytest.raises(BrokenRecord) as refused:
        users_of(reader).authenticate("admin", "eve chose this")
    assert (refused.value.kind, refused.value.record_id, refused.value.version) == ("account", user_id("admin"), 2)
    assert users_of(reader).authenticate("eve", "eve chose this") == Actor("eve", "clinician")
    (found,) = verify_store(reader).breaks
    assert (found.kind, found.journey_id, found.version) == ("account", user_id("admin"), 2)


def test_a_token_row_copied_onto_a_clinician_does_not_open_the_api(store: Store, apps: tuple[CarePlan, CarePlan]) -> None:
    writer, reader = apps
    users_of(writer).add("carl", "clinician", actor=ADMIN)
    users_of(writer).add("eve", "coordinator", actor=ADMIN)
    token = users_of(writer).issue_token("eve", actor=ADMIN)
    store.copy(writer, user_id("eve"), 2, user_id("carl"), 2)
    as_carl = f"cp1.{user_id('carl').hex}.{token.split('.')[2]}"
    with pytest.raises(BrokenRecord):
        users_of(reader).actor_for_token(as_carl)


def test_an_enabled_row_copied_onto_a_disabled_account_does_not_re_enable_it(store: Store, apps: tuple[CarePlan, CarePlan]) -> None:
    writer, reader = apps
    users = users_of(writer)
    users.add("dora", "clinician", actor=ADMIN, password="dora's password")
    users.disable("dora", actor=ADMIN)
    users.add("fred", "clinician", actor=ADMIN)
    users.disable("fred", actor=ADMIN)
    users.enable("fred", actor=ADMIN)
    store.copy(writer, user_id("fred"), 3, user_id("dora"), 3)
    with pytest.raises(BrokenRecord):
        users_of(reader).authenticate("dora", "dora's password")


def test_a_note_grafted_from_another_journey_is_refused_at_load(store: Store, apps: tuple[CarePlan, CarePlan]) -> None:
    writer, reader = apps
    clock = lambda: datetime.now(timezone.utc)  # noqa: E731
    writer.clock = reader.clock = clock
    source = writer.open_journey("MRN-GRAFT-1", actor=CLINICIAN)
    writer.record(source, "NoteAdded", data("NoteAdded", text="said by the first patient"), actor=CLINICIAN)
    target = writer.open_journey("MRN-GRAFT-2", actor=CLINICIAN)
    store.copy(writer, source, 2, target, 2)
    for read in (reader.get, reader.history, reader.view):
        with pytest.raises(BrokenRecord) as refused:
            read(target)
        assert (refused.value.kind, refused.value.record_id, refused.value.version) == ("journey", target, 2)
    with pytest.raises(BrokenRecord):
        reader.record(target, "NoteAdded", data("NoteAdded"), actor=CLINICIAN)
    assert [f.type for f in reader.history(source)] == ["JourneyOpened", "NoteAdded"]


def test_a_sealed_row_opens_only_at_its_place(tmp_path: Path, protocols: ProtocolRegistry) -> None:
    app = CarePlan(StoreSettings(url=f"sqlite:///{tmp_path / 'c.sqlite'}", cipher_key=KEY), protocols)
    try:
        journey = app.open_journey("MRN-PLACE-1", actor=CLINICIAN)
        (row,) = app.recorder.select_events(journey)  # type: ignore[attr-defined]
        assert row.state[:1] == SEALED
        assert app.mapper.to_domain_event(row).originator_id == journey
        elsewhere = [
            StoredEvent(UUID(int=journey.int ^ 1), row.originator_version, row.topic, row.state),
            StoredEvent(row.originator_id, row.originator_version + 1, row.topic, row.state),
            StoredEvent(row.originator_id, row.originator_version, row.topic.replace("JourneyOpened", "NoteAdded"), row.state),
        ]
        for moved in elsewhere:
            with pytest.raises(MapperDeserialisationError):
                app.mapper.to_domain_event(moved)
    finally:
        app.close()


def test_rows_written_before_still_read_and_verify(
    store: Store, protocols: ProtocolRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = StoreSettings(url=store.url, cipher_key=KEY, create_tables=store.create_tables)
    old, new = LegacyCarePlan(settings, protocols), CarePlan(settings, protocols)
    try:
        journey = old.open_journey("MRN-OLD-1", actor=CLINICIAN)
        old.record(journey, "NoteAdded", data("NoteAdded"), actor=CLINICIAN)
        # One old row in 256 has a random nonce that starts with the sealed marker: make these all so.
        monkeypatch.setattr(AESCipher, "random_bytes", staticmethod(lambda n: SEALED + os.urandom(n - 1)))
        for _ in range(3):
            old.record(journey, "NoteAdded", data("NoteAdded"), actor=CLINICIAN)
        stored = old.recorder.select_events(journey)  # type: ignore[attr-defined]
        assert [row.state[:1] == SEALED for row in stored][2:] == [True] * 3
        new.record(journey, "NoteAdded", data("NoteAdded"), actor=CLINICIAN)
        assert new.get(journey).version == 6
        assert [f.type for f in new.history(journey)].count("NoteAdded") == 5
        assert verify_store(new).ok
    finally:
        old.close()
        new.close()


def test_the_web_refuses_a_tampered_admin_with_a_clear_answer(tmp_path: Path, clock: Callable[[], datetime]) -> None:
    from tests.web.conftest import make_web_app

    web = make_web_app(tmp_path, clock)  # type: ignore[arg-type]
    web.config["CAREPLAN_ENV"] = {**web.config["CAREPLAN_ENV"], "CAREPLAN_CIPHER_KEY": KEY}
    client = web.test_client()
    client.get("/login")
    app: CarePlan = web.extensions["careplan"]
    try:
        users_of(app).add("admin", "admin", actor=ADMIN, password="the admin's own")
        users_of(app).add("eve", "clinician", actor=ADMIN, password="eve's first one")
        users_of(app).set_password("eve", "eve chose this", actor=ADMIN)
        Store(str(app.store.url), "sqlite", True).copy(app, user_id("eve"), 2, user_id("admin"), 2)
        from tests.web.conftest import csrf

        answer = client.post("/login", data={"username": "admin", "password": "eve chose this", "csrf_token": csrf(client)})
        assert answer.status_code == 503 and b"does not hold together" in answer.data
        assert client.get("/dashboard").status_code == 302, "not signed in"
    finally:
        app.close()


def test_a_key_rotation_re_seals_rows_written_before(tmp_path: Path, protocols: ProtocolRegistry) -> None:
    from careplan.audit.rotate import rotate

    old = LegacyCarePlan(StoreSettings(url=f"sqlite:///{tmp_path / 'old.sqlite'}", cipher_key=KEY), protocols)
    new_key = base64.b64encode(bytes(range(32, 64))).decode()
    new = CarePlan(StoreSettings(url=f"sqlite:///{tmp_path / 'new.sqlite'}", cipher_key=new_key), protocols)
    try:
        journey = old.open_journey("MRN-ROTATE-1", actor=CLINICIAN)
        old.record(journey, "NoteAdded", data("NoteAdded"), actor=CLINICIAN)
        users_of(old).add("ann", "clinician", actor=ADMIN)
        assert rotate(old, new).report.ok
        copied = new.recorder.select_notifications(start=1, limit=100)  # type: ignore[attr-defined]
        assert len(copied) >= 3 and all(row.state[:1] == SEALED for row in copied)
        moved = StoredEvent(user_id("ann"), 2, copied[1].topic, copied[1].state)
        with pytest.raises(MapperDeserialisationError):
            new.mapper.to_domain_event(moved)
        assert new.get(journey).version == 2
    finally:
        old.close()
        new.close()
