"""Where messages go: the SMTP server, the SMS provider, the address links use, the clinic's people.

``CAREPLAN_SMTP_URL`` (``smtp://[user:password@]host:port``, always STARTTLS with the system's trust
store, so ``SSL_CERT_FILE`` applies), ``CAREPLAN_SMS_URL`` (an HTTP endpoint taking
``{"to", "body", "idempotency_key"}``), ``CAREPLAN_BASE_URL`` (what patients' links start with) and
``CAREPLAN_MAIL_FROM``. With neither channel set (the demo) messages wait in the outbox page.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

from careplan.adapters.settings import ConfigError
from careplan.domain.clinic import Clinic

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True, repr=False)
class SmtpSettings:
    host: str
    port: int
    user: str | None = None
    password: str | None = None
    sender: str = "careplan@localhost"
    context: ssl.SSLContext | None = None
    """The TLS context for STARTTLS; None means the system's trust store (``SSL_CERT_FILE`` applies)."""

    def __repr__(self) -> str:  # never the password
        return f"SmtpSettings({self.host}:{self.port})"


@dataclass(frozen=True)
class MessagingSettings:
    clinic: Clinic
    base_url: str = DEFAULT_BASE_URL
    smtp: SmtpSettings | None = None
    sms_url: str | None = None
    attempts: int = 3
    """Tries per message in one dispatch. A transient failure after them leaves the message queued for
    the next dispatch (and its channel's other messages wait with it), until ``retry_hours``."""
    backoff_seconds: float = 1.0
    """The wait after the first failed try; doubled after each further one."""
    timeout_seconds: float = 10.0
    retry_hours: int = 24
    """How long after it was queued a message that a provider keeps refusing for the moment (a
    transient failure: a 5xx, 429, an unreachable server) is tried again, one dispatch after another,
    before it is recorded ``NotificationFailed`` (``CAREPLAN_MESSAGE_RETRY_HOURS``)."""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sending(self) -> bool:
        """Whether any channel is set: without one (the demo) messages wait in the outbox page."""
        return self.smtp is not None or self.sms_url is not None


def smtp_settings(url: str, sender: str | None = None) -> SmtpSettings:
    parsed = urlparse(url)
    if parsed.scheme != "smtp" or not parsed.hostname:
        raise ConfigError("CAREPLAN_SMTP_URL must look like smtp://[user:password@]host:port.")
    try:
        port = parsed.port or 587
    except ValueError:
        raise ConfigError("CAREPLAN_SMTP_URL has a port that is not a number.") from None
    user = unquote(parsed.username) if parsed.username else None
    password = unquote(parsed.password) if parsed.password else None
    return SmtpSettings(parsed.hostname, port, user, password, sender or f"careplan@{parsed.hostname}")


def messaging_settings(env: Mapping[str, str], clinic: Clinic) -> MessagingSettings:
    """The messaging settings of this installation; ConfigError names a malformed variable."""
    smtp_url = (env.get("CAREPLAN_SMTP_URL") or "").strip()
    sms_url = (env.get("CAREPLAN_SMS_URL") or "").strip() or None
    if sms_url and urlparse(sms_url).scheme not in ("http", "https"):
        raise ConfigError("CAREPLAN_SMS_URL must be an http:// or https:// address.")
    base = (env.get("CAREPLAN_BASE_URL") or DEFAULT_BASE_URL).strip().rstrip("/")
    if urlparse(base).scheme not in ("http", "https"):
        raise ConfigError("CAREPLAN_BASE_URL must be an http:// or https:// address.")
    smtp = smtp_settings(smtp_url, (env.get("CAREPLAN_MAIL_FROM") or "").strip() or None) if smtp_url else None
    retry = (env.get("CAREPLAN_MESSAGE_RETRY_HOURS") or "24").strip()
    if not (retry.isascii() and retry.isdigit() and len(retry) <= 18) or not 0 <= int(retry) <= 720:
        raise ConfigError("CAREPLAN_MESSAGE_RETRY_HOURS must be a whole number of hours from 0 to 720.")
    return MessagingSettings(clinic=clinic, base_url=base, smtp=smtp, sms_url=sms_url, retry_hours=int(retry))


def use_messaging(app: Any, settings: MessagingSettings) -> None:
    """Replaces this application's messaging settings (tests and benchmarks hand in their own; the
    composition root builds them with the application's services, ``careplan.services``)."""
    app.services.messaging = settings


def messaging_for(app: Any) -> MessagingSettings:
    """This application's messaging settings, built with its services."""
    settings: MessagingSettings = app.services.messaging
    return settings
