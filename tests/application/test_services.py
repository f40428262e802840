"""The services beside the commands are built in one place: by the composition root, or, for an
application constructed directly, by the same function on first use; never kept in a registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from careplan.application import CarePlan
from careplan.audit.access_log import access_log_for
from careplan.bootstrap import build_app
from careplan.messaging.settings import messaging_for, use_messaging
from careplan.server_keys import SESSIONS, server_key
from careplan.services import build_services
from careplan.sessions import sessions_for
from careplan.sign_ins import failures_for


def test_the_root_builds_every_service_with_the_application(tmp_path: Path) -> None:
    app = build_app(
        {
            "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}",
            "CAREPLAN_MODE": "demo",
            "CAREPLAN_BASE_URL": "https://clinic.example",
        }
    )
    try:
        services = app._services  # built by build_app, before anything asked for one
        assert services is not None
        assert sessions_for(app) is services.sessions
        assert failures_for(app) is services.sign_in_failures
        assert access_log_for(app) is services.access_log
        assert messaging_for(app).base_url == "https://clinic.example"
        assert app.chairs is not None and messaging_for(app).clinic is app.chairs.clinic
        assert server_key(app, SESSIONS) == services.keys.get(SESSIONS)
    finally:
        app.close()


def test_an_application_constructed_directly_builds_them_once_on_first_use(
    make_app: Callable[..., CarePlan], sqlite_url: str
) -> None:
    app = make_app(sqlite_url)
    assert app._services is None
    first = sessions_for(app)
    assert sessions_for(app) is first and access_log_for(app) is app.services.access_log
    other = make_app(sqlite_url)
    assert sessions_for(other) is not first  # each application its own, on the same store
    assert server_key(other, SESSIONS) == server_key(app, SESSIONS)  # the key kept in the store


def test_a_test_hands_in_its_own_messaging(make_app: Callable[..., CarePlan], sqlite_url: str) -> None:
    app = make_app(sqlite_url)
    mine = build_services(app).messaging
    use_messaging(app, mine)
    assert messaging_for(app) is mine
