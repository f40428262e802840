"""The two ways a message leaves: email by SMTP and text by an HTTP SMS provider, behind one small
interface (``Channel.send`` returns the provider's id or raises ``Undeliverable``).

Email always goes over STARTTLS with a context from the system's trust store (``SSL_CERT_FILE``
applies) unless the settings hand in one; its Message-ID holds the message's key, so a resend after
a crash carries the same Message-ID and a receiving server can tell it is the same message. An SMS
carries the key as ``idempotency_key`` (and an ``Idempotency-Key`` header) for the same reason.
Errors name no address: they end up in ``NotificationFailed``.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from careplan.messaging.settings import SmtpSettings


@dataclass(frozen=True)
class Outgoing:
    """One message ready to go: the address is read when sending and lives only here."""

    key: str
    journey_id: str
    to: str
    subject: str
    body: str

    @property
    def message_id(self) -> str:
        """The key and the journey (keys repeat across journeys), as a quoted local part: a key's
        colons are not allowed bare there, and the header then carries the key as it is."""
        return f'<"{self.key}/{self.journey_id}"@careplan>'

    @property
    def idempotency_key(self) -> str:
        return f"{self.journey_id}/{self.key}"


class Undeliverable(Exception):
    """The channel did not take the message; ``transient`` ones are worth another try."""

    def __init__(self, reason: str, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class Channel(Protocol):
    name: str

    def send(self, message: Outgoing) -> str: ...

    def close(self) -> None: ...


class SmtpChannel:
    """Email by SMTP with STARTTLS; one connection kept for a dispatch pass."""

    name = "email"

    def __init__(self, settings: SmtpSettings, timeout: float = 10.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            s = self.settings
            smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
            try:
                smtp.ehlo()
                smtp.starttls(context=s.context or ssl.create_default_context())
                smtp.ehlo()
                if s.user:
                    smtp.login(s.user, s.password or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def send(self, message: Outgoing) -> str:
        mail = EmailMessage()
        mail["From"] = self.settings.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = message.message_id
        mail.set_content(message.body)
        try:
            smtp = self._connection()
            smtp.mail(self.settings.sender)
            code, reply = smtp.rcpt(message.to)
            if code >= 400:
                smtp.rset()
                raise Undeliverable(f"SMTP refused the recipient ({code})", transient=code < 500)
            code, reply = smtp.data(mail.as_bytes())
            if code >= 400:
                raise Undeliverable(f"SMTP refused the message ({code})", transient=code < 500)
        except smtplib.SMTPResponseException as error:
            self.close()
            raise Undeliverable(f"SMTP answered {error.smtp_code}", transient=error.smtp_code < 500) from None
        except ssl.SSLError as error:
            self.close()
            raise Undeliverable(f"TLS with the SMTP server failed: {error.__class__.__name__}", transient=True) from None
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise Undeliverable(f"SMTP server unreachable: {error.__class__.__name__}", transient=True) from None
        answer = reply.decode("utf-8", "replace").strip()
        return f"{message.message_id} {answer}".strip()[:400]

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


class SmsChannel:
    """Text by an HTTP provider: POST ``{"to", "body", "idempotency_key"}``; its ``id`` is kept."""

    name = "sms"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def send(self, message: Outgoing) -> str:
        body = json.dumps({"to": message.to, "body": message.body, "idempotency_key": message.idempotency_key})
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": message.idempotency_key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310 (an operator's URL)
                raw = answer.read(65536)
        except urllib.error.HTTPError as error:
            transient = error.code >= 500 or error.code == 429
            raise Undeliverable(f"the SMS provider answered {error.code}", transient=transient) from None
        except (OSError, ValueError) as error:
            raise Undeliverable(f"the SMS provider is unreachable: {error.__class__.__name__}", transient=True) from None
        try:
            provider_id = json.loads(raw or b"{}").get("id")
        except (ValueError, AttributeError):
            provider_id = None
        return str(provider_id or message.idempotency_key)[:400]

    def close(self) -> None:
        return None
