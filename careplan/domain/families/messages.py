"""What the clinic sends: questionnaires by link and the outbox's messages (DESIGN 7.7).

``QuestionnaireSent`` records a one-time link handed to the outbox: only the hash of its token is kept
(the token itself goes out once, in the message, and is never stored). ``NotificationQueued`` records
a message before it is sent: which channel and template, for whom (``recipient``: the patient, the
clinic's on-call clinician or its medical director) and what it is about, never the address, which is
read from the patient's details or the clinic file when sending. ``NotificationSent`` (the provider's
id) or ``NotificationFailed`` settle it, once: a second settlement of the same key is refused by the
aggregate, so two dispatchers cannot both record one.

All four are system events with a ``key``; the record keeps the keys, the open links and the state of
each message, so the scheduler owes each message once and the dispatcher finds what is still queued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from careplan.domain.about import SCHEDULER, About
from careplan.domain.codes import Instrument
from careplan.domain.family import event, folds
from careplan.domain.payload import Payload, at_least, text
from careplan.domain.record import ClinicalRecord
from careplan.domain.values import Fact

CHANNELS: tuple[str, ...] = ("email", "sms")
RECIPIENTS: tuple[str, ...] = ("patient", "on_call", "medical_director")
QUEUED, SENT, FAILED = "queued", "sent", "failed"


def one_of(values: tuple[str, ...]) -> dict[str, Any]:
    """Field metadata: one of a few plain codes."""
    return {"pattern": "|".join(values), "pattern_message": f"Must be one of: {', '.join(values)}."}


@event
@dataclass(frozen=True)
class QuestionnaireSent(Payload):
    about = About(by=SCHEDULER, correctable=False, any_order=True)
    instrument: Instrument
    key: str = field(metadata=text(400))
    expires_at: str = field(metadata=text(64))
    """ISO 8601 with an offset, as ``due_at`` is kept: the link answers nothing after it."""
    channel: str = field(metadata=one_of(CHANNELS))
    token_hash: str = field(metadata={"pattern": r"[0-9a-f]{64}", "pattern_message": "Must be a SHA-256 hex digest."})


@event
@dataclass(frozen=True)
class NotificationQueued(Payload):
    about = About(by=SCHEDULER, correctable=False, any_order=True)
    key: str = field(metadata=text(400))
    channel: str = field(metadata=one_of(CHANNELS))
    template: str = field(metadata=text(64))
    recipient: str = field(metadata=one_of(RECIPIENTS))
    subject: str = field(metadata=text(400))
    """The key of what the message is about (a reminder, a questionnaire, an alert's version)."""


@event
@dataclass(frozen=True)
class NotificationSent(Payload):
    about = About(by=SCHEDULER, correctable=False, any_order=True)
    key: str = field(metadata=text(400))
    provider_id: str = field(metadata=text(400))


@event
@dataclass(frozen=True)
class NotificationFailed(Payload):
    about = About(by=SCHEDULER, correctable=False, any_order=True)
    key: str = field(metadata=text(400))
    error: str = field(metadata=text(400))
    """Why it could not be delivered, in words that name no address and no patient."""
    attempts: int = field(default=1, metadata=at_least(1))


@folds(QuestionnaireSent)
def _sent(r: ClinicalRecord, p: QuestionnaireSent, f: Fact) -> None:
    r.system_keys.add(p.key)
    link: dict[str, Any] = {
        "instrument": str(p.instrument),
        "expires_at": p.expires_at,
        "token_hash": p.token_hash,
        "sent_version": f.version,
    }
    r.questionnaires[p.key] = {**link, **{k: v for k, v in r.questionnaires.get(p.key, {}).items() if k == "answered"}}


@folds(NotificationQueued)
def _queued(r: ClinicalRecord, p: NotificationQueued, f: Fact) -> None:
    r.system_keys.add(p.key)
    message = {
        "recipient": p.recipient,
        "subject": p.subject,
        "channel": p.channel,
        "template": p.template,
        "queued_at": f.recorded_at.isoformat(),
    }
    r.outbox[p.key] = {"state": QUEUED, **r.outbox.get(p.key, {}), **message}


def _settled(state: str) -> Callable[[ClinicalRecord, NotificationSent | NotificationFailed, Fact], None]:
    def fold(r: ClinicalRecord, p: NotificationSent | NotificationFailed, f: Fact) -> None:
        message = r.outbox.setdefault(p.key, {})
        message.update(state=state, settled_at=f.recorded_at.isoformat())
        if isinstance(p, NotificationFailed):
            message["error"] = p.error

    return fold


folds(NotificationSent)(_settled(SENT))
folds(NotificationFailed)(_settled(FAILED))


WHO = {"patient": "the patient", "on_call": "the on-call clinician", "medical_director": "the medical director"}


def unreachable(r: ClinicalRecord) -> list[str]:
    """"Could not reach" sentences (DESIGN 7.7): each recipient whose latest settled message failed.
    A later message that got through clears it, so the coordinator's list holds only what still needs
    a phone call or a corrected address."""
    latest: dict[str, dict[str, Any]] = {}
    for message in r.outbox.values():
        if message.get("state") in (SENT, FAILED) and "recipient" in message:
            known = latest.get(message["recipient"])
            if known is None or str(message.get("settled_at", "")) >= str(known.get("settled_at", "")):
                latest[message["recipient"]] = message
    return [
        f"Could not reach {WHO.get(who, who)} by {m.get('channel', 'message')}: {m.get('error', 'not delivered')}."
        for who, m in sorted(latest.items())
        if m.get("state") == FAILED
    ]


def state_of(r: ClinicalRecord, key: str) -> str | None:
    """A message's state, or None when no such message was queued."""
    message = r.outbox.get(key)
    return None if message is None else str(message.get("state"))
