"""Fixtures of the messaging tests: a protocol that schedules questionnaires, a clinic with an on-call
clinician and a medical director, a real SMTP server with STARTTLS and a local SMS provider."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from careplan.adapters.settings import StoreSettings
from careplan.application import CarePlan
from careplan.domain.clinic import Hours, clinic
from careplan.domain.protocol import ProtocolRegistry
from careplan.messaging.settings import MessagingSettings, smtp_settings, use_messaging
from events.protocol_file import default_protocols
from tests.conftest import Clock
from tests.messaging.servers import SmsProvider, SmtpServer, sms_provider, smtp_server

PROTOCOLS = Path(__file__).parent / "protocols"
PROM = "ketamine-trd-prom"
ON_CALL = "oncall@clinic.example"
DIRECTOR = "+1 555 0199"
BASE_URL = "https://clinic.example"


@pytest.fixture(scope="session")
def prom_protocols() -> ProtocolRegistry:
    return default_protocols(PROTOCOLS)


def the_clinic():  # type: ignore[no-untyped-def]
    every_day = {day: Hours(datetime.min.time().replace(hour=8), datetime.min.time().replace(hour=20)) for day in (
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    return clinic("UTC", every_day, 4, on_call=ON_CALL, medical_director=DIRECTOR)


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """The SMTP server, its certificate trusted the way an operator would: ``SSL_CERT_FILE``."""
    with smtp_server(tmp_path) as server:
        monkeypatch.setenv("SSL_CERT_FILE", str(server.cert_file))
        yield server


@pytest.fixture
def sms() -> Iterator[SmsProvider]:
    with sms_provider() as provider:
        yield provider


def messaging(smtp: SmtpServer | None, sms: SmsProvider | None, **more: object) -> MessagingSettings:
    return MessagingSettings(
        clinic=the_clinic(),
        base_url=BASE_URL,
        smtp=smtp_settings(smtp.url, "clinic@clinic.example") if smtp else None,
        sms_url=sms.url if sms else None,
        backoff_seconds=0.01,
        **more,  # type: ignore[arg-type]
    )


@pytest.fixture
def make_prom_app(prom_protocols: ProtocolRegistry) -> Iterator[Callable[..., CarePlan]]:
    made: list[CarePlan] = []

    def make(url: str, clock: Callable[[], datetime], settings: MessagingSettings) -> CarePlan:
        app = CarePlan(StoreSettings(url=url), prom_protocols, clock=clock)
        use_messaging(app, settings)
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
