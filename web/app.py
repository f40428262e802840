"""The Flask app factory: nothing is built at import; configuration comes from a mapping, then the
environment (CAREPLAN_*), as in Flask's flaskr tutorial.

Sessions live in the store (``web.auth.store_session``): the cookie carries a random id only. Flask's
own signing key is ``CAREPLAN_SECRET_KEY`` (32 characters at least); without it, a random key is made
once and kept in the instance folder (``CAREPLAN_INSTANCE``, default ``instance/``), so every gunicorn
worker shares it and no two installations ever share a key.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

from flask import Flask, Response
from flask.globals import request_ctx

from careplan.adapters.logs import configure_logging
from careplan.adapters.schema import resolved
from careplan.adapters.security import require_encryption
from careplan.adapters.settings import ConfigError, store_settings
from careplan.entrypoints.bootstrap import build_app
from web import errors
from web.api import init_api
from web.auth import store_session
from web.clinic import init_clinic
from web.ops import init_ops
from web.query import BoundedInteger

BLUEPRINTS: tuple[str, ...] = (
    "web.layout", "web.auth", "web.dashboard", "web.schedule", "web.reports", "web.journeys", "web.audit", "web.access",
    "web.hardening", "web.hostile", "web.questionnaires", "web.outbox",
)
"""Modules that each expose ``bp`` (a Blueprint); one per area of the app, registered in this order.
The JSON API (``web.api``) is registered by flask-smorest's ``Api`` after them."""

SECRET_FILE = "secret_key"
MIN_SECRET_KEY = 32


class CarePlanFlask(Flask):
    """Flask, except that a store that does not answer while the request's session is opened or saved
    (outside every error handler) is the same 503 ``store_unavailable`` as in a view, with one log
    line, rather than Flask's 500 and its traceback."""

    def handle_exception(self, e: Exception) -> Response:
        if not isinstance(e, errors.STORE_DOWN):
            return super().handle_exception(e)
        context = request_ctx._get_current_object()  # type: ignore[attr-defined]
        if context._session is None:  # the session could not be opened: the error page needs one
            context._session = self.session_interface.make_null_session(self)
        return self.make_response(errors.store_unavailable(e))


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = CarePlanFlask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = BoundedInteger  # a 5,000-digit version in a URL is a 400, not a 500
    app.config.from_mapping(
        CAREPLAN_ENV=dict(os.environ),
        SESSION_COOKIE_NAME="careplan_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=1024 * 1024,
        CAREPLAN_PASSWORD_METHOD="scrypt",
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    env: Mapping[str, str] = app.config["CAREPLAN_ENV"]
    configure_logging(env)
    require_encryption(env)  # production mode, refused here before any worker serves a request
    require_schema(env)
    app.config["SESSION_COOKIE_SECURE"] = app.config.get("SESSION_COOKIE_SECURE") or _flag(env, "CAREPLAN_SECURE_COOKIES")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(env) or instance_secret(instance_folder(env))
    init_clinic(app)
    store_session.configure(app, env)
    for module_name in BLUEPRINTS:
        app.register_blueprint(import_module(module_name).bp)
    init_api(app)
    errors.register(app)
    init_ops(app)
    return app


def require_schema(env: Mapping[str, str]) -> None:
    """Where this role may not create tables (``careplan db setup`` made the schema), a missing schema
    stops the app here, at a worker's boot, with ``SchemaMissing``'s one sentence, rather than at the
    first request, where the session's own save would meet it outside every error handler."""
    try:
        settings = resolved(store_settings(env))
    except ConfigError:
        return  # a malformed setting is reported, with its variable, where the store is opened
    if settings.create_tables is False:
        try:
            build_app(env).close()
        except errors.STORE_DOWN as error:
            # a store that does not answer at start is an outage, not a setup to refuse: the process
            # starts, /health says it lives, /ready and every request say 503 until the store is back
            logging.getLogger("careplan.web").warning("the store does not answer at start (%s)", type(error).__name__)


def instance_folder(env: Mapping[str, str]) -> Path:
    return Path(env.get("CAREPLAN_INSTANCE") or "instance")


def instance_secret(folder: Path) -> str:
    """This installation's session key: made at random on first use, readable by its owner only."""
    path = folder / SECRET_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        draft = folder / f".{SECRET_FILE}.{os.getpid()}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)  # atomic, and never replaces a key another worker put there first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key; delete it to have a new one made.")
    return key


def _secret_key(env: Mapping[str, str]) -> str | None:
    """``CAREPLAN_SECRET_KEY`` when set; a short one is refused, since anyone who guesses it can forge
    what the app signs."""
    key = env.get("CAREPLAN_SECRET_KEY") or None
    if key is not None and len(key) < MIN_SECRET_KEY:
        raise ConfigError(
            f"CAREPLAN_SECRET_KEY must be at least {MIN_SECRET_KEY} characters; make one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(48))", or unset it to have one kept in the instance folder.'
        )
    return key


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in ("1", "true", "yes", "on")
