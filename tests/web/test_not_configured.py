"""A deployment that is not ready answers with its setting's sentence, never a traceback or a 500."""

from __future__ import annotations

from pathlib import Path

from eventsourcing.cryptography import AESCipher

from careplan.domain.values import Actor
from careplan.entrypoints.bootstrap import build_app
from careplan.users import Users
from web.app import create_app

FAST_HASH = "pbkdf2:sha256:1000"


def test_a_store_written_with_another_key_is_a_503_naming_the_variable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'careplan.sqlite'}"
    writer = build_app({"CAREPLAN_DATABASE_URL": url, "CAREPLAN_CIPHER_KEY": AESCipher.create_key(32)})
    token = Users(writer, password_method=FAST_HASH).add("nurse", "clinician", actor=Actor("admin", "admin")).token
    journey = writer.open_journey("MRN-KEY-1", actor=Actor("c", "coordinator"))
    writer.close()
    env = {
        "CAREPLAN_DATABASE_URL": url,
        "CAREPLAN_CIPHER_KEY": AESCipher.create_key(32),  # not the key the store was written with
        "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
        "CAREPLAN_SECRET_KEY": "s" * 48,
    }
    app = create_app({"CAREPLAN_ENV": env})
    answer = app.test_client().get(f"/api/v1/journeys/{journey}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["code"] == "not_configured" and "CAREPLAN_CIPHER_KEY" in body["message"]
    assert "MRN-KEY-1" not in answer.get_data(as_text=True)
    app.extensions["careplan"].close()


def test_a_missing_schema_stops_the_app_at_boot(tmp_path: Path) -> None:
    import pytest

    from careplan.adapters.side_tables import SchemaMissing

    env = {
        "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}",
        "CAREPLAN_CREATE_TABLES": "0",
        "CAREPLAN_MODE": "demo",
        "CAREPLAN_INSTANCE": str(tmp_path / "instance"),
    }
    with pytest.raises(SchemaMissing, match="careplan db setup"):
        create_app({"CAREPLAN_ENV": env})
    build_app({**env, "CAREPLAN_CREATE_TABLES": "1"}).close()  # the schema made, as `careplan db setup` would
    create_app({"CAREPLAN_ENV": env})  # now it boots
