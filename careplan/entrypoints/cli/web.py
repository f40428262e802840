"""``careplan web``: the web app alone (pages and JSON API), on werkzeug's threaded server.

Enough for one machine; for more load run it under gunicorn (``gunicorn -w 4 'web.app:create_app()'``)
with the scheduler as its own process (``careplan scheduler``). The request log shows paths without
their query strings, so a search never writes a patient reference to the log, and leaves out the
probes (``/health``, ``/ready``, ``/metrics``).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, run_simple

from careplan.adapters.logs import redact_links
from careplan.adapters.security import DEMO, MODE_VARIABLE
from careplan.entrypoints.cli.main import CliError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
PROBES = frozenset({"/health", "/ready", "/metrics"})


class QuietQueryHandler(WSGIRequestHandler):
    """Logs each request as method, path and status, leaving out the query string."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = redact_links(self.path.split("?", 1)[0])
        if path in PROBES:
            return  # a load balancer's probe every few seconds would drown the log
        self.log("info", '"%s %s" %s', self.command, path, code)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 (werkzeug's name)
        """Errors of the request line (a malformed request) may quote the path: without its token."""
        super().log_error("%s", redact_links(format % args if args else format))


def add_address(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 18) or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return int(text)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "web",
        help="run the web app alone (pages and the JSON API)",
        description="Run the web app (pages and the JSON API under /api/v1) without the scheduler.",
    )
    add_address(parser)
    parser.add_argument("--demo", action="store_true", help="demo mode: run without CAREPLAN_CIPHER_KEY (never with real patients)")
    parser.set_defaults(run=run)


def build_web(demo: bool = False) -> Flask:
    """The Flask app with its careplan application made now, so a bad setting fails before listening.

    ``--demo`` reaches the app factory as ``CAREPLAN_MODE=demo`` in its environment mapping, where
    production mode is enforced for every process (this one and gunicorn's workers alike)."""
    from web.app import create_app
    from web.services import careplan

    env = {**os.environ, MODE_VARIABLE: DEMO} if demo else dict(os.environ)
    app = create_app({"CAREPLAN_ENV": env})
    with app.app_context():
        careplan()
    return app


def url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def listen(app: Flask, host: str, port: int) -> None:
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, request_handler=QuietQueryHandler)
    except OSError as error:
        raise CliError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error


def run(args: argparse.Namespace) -> int:
    app = build_web(demo=args.demo)
    instance = app.extensions["careplan"]
    print(f"careplan web: {url(args.host, args.port)} ({instance.store.describe()})", flush=True)
    try:
        listen(app, args.host, args.port)
    finally:
        instance.close()
    return 0
