"""Production mode: records are encrypted at rest, or the service does not start.

``CAREPLAN_MODE`` is ``production`` unless set to ``demo``; the long-running commands (``web``,
``serve``, ``scheduler``) also take ``--demo``. In production mode a missing ``CAREPLAN_CIPHER_KEY``
is refused with one line that says what to do, before any store is opened, so a clinic cannot run
with patient data in the clear by forgetting a variable. The check runs in the two doors every
process passes: ``careplan.entrypoints.bootstrap.build_app`` (every command, every web worker) and the app
factory ``web.app.create_app`` (so ``gunicorn 'web.app:create_app()'`` refuses at start, not at the
first request).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from careplan.adapters.settings import ConfigError, store_settings

MODE_VARIABLE = "CAREPLAN_MODE"
PRODUCTION = "production"
DEMO = "demo"
MODES = (PRODUCTION, DEMO)

MISSING_KEY = (
    "CAREPLAN_CIPHER_KEY is not set, and production mode keeps records encrypted at rest: make a key with "
    "`careplan keys generate` and set it, or pass --demo (CAREPLAN_MODE=demo) for unencrypted demo data."
)


def mode(environ: Mapping[str, str] | None = None, *, demo: bool = False) -> str:
    """``demo`` when asked for by flag or environment, else ``production``; any other value is refused."""
    env = os.environ if environ is None else environ
    value = (env.get(MODE_VARIABLE) or PRODUCTION).strip().lower()
    if value not in MODES:
        raise ConfigError(f"{MODE_VARIABLE} must be {' or '.join(MODES)}.")
    return DEMO if demo else value


def is_production(environ: Mapping[str, str] | None = None, *, demo: bool = False) -> bool:
    return mode(environ, demo=demo) == PRODUCTION


def require_encryption(environ: Mapping[str, str] | None = None, *, demo: bool = False) -> str:
    """Refuses (ConfigError, one line) to go on in production mode without a valid key; returns the mode.

    Called by ``build_app`` and ``create_app``; no command needs to call it itself.
    """
    env = os.environ if environ is None else environ
    current = mode(env, demo=demo)
    if current == PRODUCTION:
        if not (env.get("CAREPLAN_CIPHER_KEY") or "").strip():
            raise ConfigError(MISSING_KEY)
        store_settings(dict(env))  # a malformed key is refused here too, with its own sentence
    return current
