"""Encryption at rest: with CAREPLAN_CIPHER_KEY, nothing about the patient is readable in the store.

The stored rows are read directly (sqlite3, psycopg), every table the library made, snapshots too,
and the same reading finds the patient's details when no key is set: so the test can fail.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher

from careplan.adapters.settings import StoreUnreadable
from tests.application.steps import CLINICIAN, data, ready_for_induction

PATIENT_REF = "MRN-ZEBRA-7781"
NOTE = "Lives with her sister Oonagh on Quillfeather Lane"


def stored_values(url: str) -> Iterator[Any]:
    """Every value of every row of every table in the store, as the database holds it."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///") :]) as conn:
            tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                for row in conn.execute(f'SELECT * FROM "{table}"'):
                    yield from row
        return
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in tables:
            for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"'):
                yield from row


def stored_files(url: str) -> Iterator[bytes]:
    """The SQLite database's bytes on disk, with its journal and write-ahead log if there are any."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-journal")):
            if candidate.exists():
                yield candidate.read_bytes()


def readable(url: str, text: str) -> bool:
    needle = text.encode()
    for value in stored_values(url):
        if isinstance(value, (bytes, bytearray, memoryview)):
            if needle in bytes(value):
                return True
        elif text in str(value):
            return True
    return any(needle in content for content in stored_files(url))


def write_a_journey(make_app, url: str, clock, **settings: Any):  # type: ignore[no-untyped-def]
    app = make_app(url, clock, snapshot_interval=3, **settings)
    journey_id = ready_for_induction(app, clock, patient_ref=PATIENT_REF)
    app.record(journey_id, "NoteAdded", data("NoteAdded", text=NOTE), actor=CLINICIAN)
    assert list(app.snapshots.get(journey_id)), "the snapshots are part of what must be encrypted"
    return app, journey_id


@pytest.fixture
def key() -> str:
    return AESCipher.create_key(num_bytes=32)


def test_without_a_key_the_patient_is_readable_in_the_stored_rows(make_app, store_url, clock):
    write_a_journey(make_app, store_url, clock)

    assert readable(store_url, PATIENT_REF)
    assert readable(store_url, NOTE)


def test_with_a_key_nothing_about_the_patient_is_readable_in_the_stored_rows(make_app, store_url, clock, key):
    app, journey_id = write_a_journey(make_app, store_url, clock, cipher_key=key)

    assert not readable(store_url, PATIENT_REF)
    assert not readable(store_url, NOTE)
    assert app.history(journey_id)[0].data["patient_ref"] == PATIENT_REF


def test_another_application_with_the_same_key_reads_the_journey(make_app, store_url, clock, key):
    _, journey_id = write_a_journey(make_app, store_url, clock, cipher_key=key)

    reader = make_app(store_url, clock, cipher_key=key)

    history = reader.history(journey_id)
    assert history[0].data["patient_ref"] == PATIENT_REF
    assert history[-1].data["text"] == NOTE


@pytest.mark.parametrize("reader_key", ["another key", "no key"])
def test_the_wrong_key_or_none_is_a_clear_error_not_garbage(make_app, store_url, clock, key, reader_key):
    _, journey_id = write_a_journey(make_app, store_url, clock, cipher_key=key)
    settings = {"cipher_key": AESCipher.create_key(num_bytes=32)} if reader_key == "another key" else {}

    reader = make_app(store_url, clock, **settings)

    with pytest.raises(StoreUnreadable, match="CAREPLAN_CIPHER_KEY") as refusal:
        reader.view(journey_id)
    assert key not in str(refusal.value)


def test_a_key_on_a_store_written_without_one_is_a_clear_error(make_app, store_url, clock, key):
    _, journey_id = write_a_journey(make_app, store_url, clock)

    reader = make_app(store_url, clock, cipher_key=key)

    with pytest.raises(StoreUnreadable, match="CAREPLAN_CIPHER_KEY"):
        reader.history(journey_id)
