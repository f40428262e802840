"""The real werkzeug server (as ``careplan web`` runs it: threaded) around a test's app, for what the
test client cannot show: chunked bodies off a socket, requests that really run in parallel."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from careplan.entrypoints.cli.web import QuietQueryHandler


@contextmanager
def served(app: Flask) -> Iterator[int]:
    """Serves ``app`` on a free loopback port for the block; yields the port."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietQueryHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
