"""Settings from the environment: which store, which key, and errors that name the variable, never a secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher

from careplan.adapters.settings import ConfigError, StoreSettings, default_database_url, store_settings

SECRET = "s3cr%40t-pa55"  # percent-encoded "s3cr@t-pa55"


def test_without_a_url_the_store_is_a_sqlite_file_in_the_instance_folder(tmp_path: Path):
    settings = store_settings({"CAREPLAN_INSTANCE": str(tmp_path / "instance")})

    assert settings.kind == "sqlite"
    assert settings.url == f"sqlite:///{tmp_path / 'instance' / 'careplan.sqlite'}"
    assert settings.library_env()["SQLITE_DBNAME"] == str(tmp_path / "instance" / "careplan.sqlite")
    assert (tmp_path / "instance").is_dir(), "the instance folder is made so the file can be"
    assert default_database_url() == "sqlite:///instance/careplan.sqlite"


def test_a_sqlite_url_names_the_file(tmp_path: Path):
    path = tmp_path / "clinic" / "store.sqlite"

    env = store_settings({"CAREPLAN_DATABASE_URL": f"sqlite:///{path}"}).library_env()

    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"] == str(path)


def test_a_postgresql_url_gives_user_password_host_port_and_database():
    url = f"postgresql://careplan:{SECRET}@db.clinic.internal:6543/careplan_prod"

    env = store_settings({"CAREPLAN_DATABASE_URL": url}).library_env()

    assert env["PERSISTENCE_MODULE"] == "careplan.adapters.pooling:SharedPoolFactory"  # the library's factory on one pool per process
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("careplan", "s3cr@t-pa55")
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.clinic.internal",
        "6543",
        "careplan_prod",
    )


def test_a_postgresql_url_without_user_or_port_takes_the_defaults():
    env = store_settings({"CAREPLAN_DATABASE_URL": "postgres://localhost/careplan"}).library_env()

    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_PORT"]) == ("postgres", "", "5432")


@pytest.mark.parametrize(
    "url",
    [
        "mysql://careplan@localhost/careplan",
        "sqlite:///",
        "sqlite://relative.sqlite",
        f"postgresql://careplan:{SECRET}@localhost:5432/",
        f"postgresql://careplan:{SECRET}@:5432/careplan",
        f"postgresql://careplan:{SECRET}@localhost:port/careplan",
        "careplan.sqlite",
    ],
)
def test_a_malformed_url_is_refused_naming_the_variable_without_echoing_it(url: str):
    with pytest.raises(ConfigError) as refusal:
        store_settings({"CAREPLAN_DATABASE_URL": url})

    message = str(refusal.value)
    assert "CAREPLAN_DATABASE_URL" in message
    assert SECRET not in message and "s3cr@t" not in message


def test_the_description_of_a_store_shows_where_it_is_but_no_credentials():
    settings = StoreSettings(url=f"postgresql://careplan:{SECRET}@db.clinic.internal:6543/careplan_prod")

    description = settings.describe()

    assert description == "PostgreSQL at db.clinic.internal:6543/careplan_prod"
    assert SECRET not in repr(settings) and "careplan:" not in description


def test_a_cipher_key_turns_on_encryption_at_rest_and_is_never_echoed(tmp_path: Path):
    key = AESCipher.create_key(num_bytes=32)

    settings = store_settings({"CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", "CAREPLAN_CIPHER_KEY": key})

    assert settings.library_env()["CIPHER_TOPIC"] == "careplan.adapters.sealing:PlaceCipher"
    assert settings.library_env()["CIPHER_KEY"] == key
    assert key not in repr(settings)


@pytest.mark.parametrize("key", ["not base64 at all!", "c2hvcnQ=", AESCipher.create_key(num_bytes=32)[:-4]])
def test_a_malformed_cipher_key_is_refused_naming_the_variable_without_echoing_it(tmp_path: Path, key: str):
    with pytest.raises(ConfigError) as refusal:
        store_settings({"CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", "CAREPLAN_CIPHER_KEY": key})

    assert "CAREPLAN_CIPHER_KEY" in str(refusal.value)
    assert key not in str(refusal.value)


def test_without_a_cipher_key_nothing_is_encrypted(tmp_path: Path):
    settings = store_settings({"CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", "CAREPLAN_CIPHER_KEY": ""})

    assert settings.cipher_key is None
    assert "CIPHER_TOPIC" not in settings.library_env()


@pytest.mark.parametrize(("value", "interval"), [("10", 10), ("1", 1)])
def test_the_snapshot_interval_is_read_from_the_environment(tmp_path: Path, value: str, interval: int):
    env = {"CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", "CAREPLAN_SNAPSHOT_INTERVAL": value}

    assert store_settings(env).snapshot_interval == interval


@pytest.mark.parametrize("value", ["0", "-5", "ten", ""])
def test_a_malformed_snapshot_interval_is_refused_naming_the_variable(tmp_path: Path, value: str):
    env = {"CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite", "CAREPLAN_SNAPSHOT_INTERVAL": value}

    with pytest.raises(ConfigError, match="CAREPLAN_SNAPSHOT_INTERVAL"):
        store_settings(env)
