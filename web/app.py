"""The Flask app factory: nothing is built at import; configuration comes from a mapping, then the
environment (CAREPLAN_*), as in Flask's flaskr tutorial."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import import_module
from typing import Any

from flask import Flask

BLUEPRINTS: tuple[str, ...] = ()
"""Modules that each expose ``bp`` (a Blueprint); one per area of the app, registered in this order."""


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("CAREPLAN_SECRET_KEY", ""),
        CAREPLAN_ENV=dict(os.environ),
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    for module_name in BLUEPRINTS:
        app.register_blueprint(import_module(module_name).bp)
    return app
