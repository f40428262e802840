"""What an operator and a load balancer ask the running web process, without signing in.

- ``GET /health``: the process answers (200), whatever the store does;
- ``GET /ready``: the store answers within 2 s, the configured key reads it, and its schema is the
  code's (200), else 503 naming the check that failed;
- ``GET /metrics``: Prometheus' text format, for a bearer token of role ``admin`` or from loopback.

None of them opens a session, touches patient data or is written to the access log (none is a read of
a journey), and ``careplan web`` and gunicorn's access log leave them out (``web.ops.quiet``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, jsonify
from werkzeug.wrappers import Response as ResponseBase

from web.ops import metrics, quiet
from web.ops.readiness import Readiness

bp = Blueprint("ops", __name__)
OPS_PATHS = frozenset({"/health", "/ready", "/metrics"})


@bp.get("/health")
def health() -> Response:
    return jsonify(status="ok")


@bp.get("/ready")
def ready() -> Response:
    checks = current_app.extensions["careplan_readiness"].check(current_app._get_current_object())  # type: ignore[attr-defined]
    ok = all(value == "ok" for value in checks.values())
    response = jsonify(status="ready" if ok else "not_ready", checks=checks)
    response.status_code = 200 if ok else 503
    return response


@bp.get("/metrics")
def scrape() -> Response | ResponseBase:
    refused = metrics.refusal()
    if refused is not None:
        return refused
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)


def init_ops(app: Flask) -> None:
    """Registers the endpoints, request measuring, and the ops paths' exemption from sessions and logs."""
    app.extensions["careplan_readiness"] = Readiness()
    app.register_blueprint(bp)
    app.session_interface = quiet.WithoutSessionFor(app.session_interface, OPS_PATHS)
    quiet.leave_out_of_access_logs(OPS_PATHS)
    metrics.measure(app)
