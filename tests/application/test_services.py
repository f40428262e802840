"""The services beside the commands are built in one place: by the composition root, or, for an
application constructed directly, by the same function on first use; never kept in a registry.
The read side (an outer layer) is built the same way and kept on the application."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from careplan.adapters.server_keys import SESSIONS, server_key
from careplan.adapters.sessions import sessions_for
from careplan.adapters.sign_ins import failures_for
from careplan.application import CarePlan
from careplan.audit.access_log import access_log_for
from careplan.entrypoints.bootstrap import build_app
from careplan.messaging.settings import messaging_for, use_messaging
from careplan.services import build_services
from events.read.outcomes.view import forget_opened
from events.read.runtime import PROCESS_FOLDS, ReadModel, read_model_for, read_side_for, read_store_for
from tests.application.steps import CLINICIAN


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


def test_the_root_builds_the_read_side_with_the_application(tmp_path: Path) -> None:
    app = build_app({"CAREPLAN_DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}", "CAREPLAN_MODE": "demo"})
    try:
        model = app.read_model  # built by build_app, before any page asked for it
        assert isinstance(model, ReadModel)
        assert read_store_for(app) is model.store
        assert read_side_for(app) is model.side
        assert model.projector.folder.size == PROCESS_FOLDS
    finally:
        app.close()


def test_a_directly_constructed_application_builds_its_read_side_once(
    make_app: Callable[..., CarePlan], sqlite_url: str
) -> None:
    app, other = make_app(sqlite_url), make_app(sqlite_url)
    assert app.read_model is None
    side = read_side_for(app)
    assert read_side_for(app) is side and read_model_for(app).side is side
    assert read_side_for(other) is not side  # each application its own read side, on the same store
    read_model_for(app).outcome_facts["j"] = (1, [])
    forget_opened(app)
    assert read_model_for(app).outcome_facts == {} and read_model_for(other).outcome_facts == {}


def test_a_read_model_slot_holding_something_else_is_refused(
    make_app: Callable[..., CarePlan], sqlite_url: str
) -> None:
    app = make_app(sqlite_url)
    app.read_model = object()
    with pytest.raises(TypeError, match="not a ReadModel"):
        read_side_for(app)


def test_an_entry_with_an_unknown_or_missing_field_is_refused_before_the_store(
    make_app: Callable[..., CarePlan], sqlite_url: str
) -> None:
    """``record``, ``submit`` and ``record_facts`` share one ``Entry``: a misspelt keyword is refused
    as a keyword-only signature would refuse it, not silently dropped."""
    app = make_app(sqlite_url)
    journey_id = app.open_journey("P-ENTRY", actor=CLINICIAN)
    version = app.get(journey_id).version
    with pytest.raises(TypeError, match="ocurred_at"):
        app.record(journey_id, "ConsultationCompleted", {}, actor=CLINICIAN, ocurred_at=None)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="no actor"):
        app.record_facts(journey_id, "ConsultationCompleted", {})  # type: ignore[call-arg]
    assert app.get(journey_id).version == version
