"""The services an application's entry points use beside its commands, built in one place.

The server's keys, the session table, the failed sign-ins, the access log and the messaging settings
depend only on the application (its store and settings), so ``build_services`` makes them all at
once: the composition root (``careplan.entrypoints.bootstrap.build_app``) calls it with the messaging settings it
read from the environment; an application constructed directly (a test, a benchmark, a script) has
them made by the same function the first time it asks (``CarePlan.services``). Each object lives on
its application, never in a module-level registry, so it is closed and freed with it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from careplan.adapters.server_keys import ServerKeys
from careplan.adapters.sessions import Sessions
from careplan.adapters.sign_ins import SignInFailures
from careplan.audit.access_log import AccessLog
from careplan.domain.clinic import clinic
from careplan.messaging.settings import MessagingSettings, messaging_settings

if TYPE_CHECKING:  # the application builds these with its services (careplan.services)
    from careplan.application import CarePlan


@dataclass
class Services:
    """What ``build_services`` made for one application; ``messaging`` may be replaced (a test's
    own SMTP server, see ``careplan.messaging.settings.use_messaging``)."""

    keys: ServerKeys
    sessions: Sessions
    sign_in_failures: SignInFailures
    access_log: AccessLog
    messaging: MessagingSettings


def build_services(app: CarePlan, messaging: MessagingSettings | None = None) -> Services:
    """Every service of ``app``, their tables created (or, after ``careplan db setup``, checked).
    Without ``messaging``, it is read from the environment with the application's clinic (the
    chair ledger's, else a one-chair clinic in UTC): no clinic file is read outside the root."""
    keys = ServerKeys(app)
    if messaging is None:
        chosen = app.chairs.clinic if app.chairs is not None else clinic("UTC", {}, 1)
        messaging = messaging_settings(os.environ, chosen)
    return Services(
        keys=keys,
        sessions=Sessions(app, keys),
        sign_in_failures=SignInFailures(app, keys),
        access_log=AccessLog(app),
        messaging=messaging,
    )
