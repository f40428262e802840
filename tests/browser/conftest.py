"""Browser tests: the real app served on 127.0.0.1 (a free port, a thread) and Debian's headless
Chromium driven by Playwright. They skip when /usr/bin/chromium is missing, unless
CAREPLAN_REQUIRE_BROWSER=1, which turns the skip into a failure (CI must never pass by skipping).

Screenshots go to ``screenshots/`` (committed) for a person to look at.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from careplan.application import CarePlan
from careplan.domain.values import Actor
from tests.conftest import Clock
from web.app import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _require() -> bool:
    return os.environ.get("CAREPLAN_REQUIRE_BROWSER", "") not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if _require():
            pytest.fail(f"a browser is required (CAREPLAN_REQUIRE_BROWSER) but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing; CI sets CAREPLAN_REQUIRE_BROWSER=1 to require it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Site:
    """A running app: its URL, its application (to set the scene) and its people."""

    url: str
    flask: Flask
    clock: Clock

    @property
    def careplan(self) -> CarePlan:
        from web.services import careplan

        with self.flask.app_context():
            return careplan()

    def add_person(self, name: str, role: str) -> None:
        from web.auth.accounts import users

        with self.flask.app_context():
            users().add(name, role, password=PASSWORD, actor=Actor("tests", "admin"))

    def catch_up(self) -> None:
        from events.read.projection import Projector
        from events.read.runtime import read_store_for

        Projector(self.careplan, read_store_for(self.careplan)).catch_up()


def serve(tmp: Path, env: dict[str, str] | None = None) -> Iterator[Site]:
    clock = Clock(NOW)
    flask_app = create_app(
        {
            "SECRET_KEY": "browser-tests-" + "k" * 32,
            "CAREPLAN_ENV": {
                "CAREPLAN_DATABASE_URL": f"sqlite:///{tmp / 'careplan.sqlite'}",
                "CAREPLAN_INSTANCE": str(tmp / "instance"),
                "CAREPLAN_MODE": "demo",
                **(env or {}),
            },
            "CAREPLAN_CLOCK": clock,
            "CAREPLAN_PASSWORD_METHOD": "pbkdf2:sha256:1000",
        }
    )
    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", flask_app, clock)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        instance = flask_app.extensions.get("careplan")
        if instance is not None:
            instance.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield from serve(tmp_path_factory.mktemp("site"))


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def sign_in(page: Any, site: Site, name: str) -> None:
    page.goto(site.url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
