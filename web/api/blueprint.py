"""The API's blueprint: every route under ``/api/v1`` needs a bearer token, checked before anything else."""

from __future__ import annotations

from flask_smorest import Blueprint

from web.api.auth import authenticate
from web.errors import API_PREFIX

blp = Blueprint(
    "api",
    __name__,
    url_prefix=API_PREFIX,
    description="Journeys, their events and the worklists. Send `Authorization: Bearer TOKEN`.",
)
blp.before_request(authenticate)
