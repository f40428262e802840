"""The event families: each module declares its events' payloads, their rules and their folds.

Importing this package registers every family with ``careplan.domain.family``.
"""

from careplan.domain.families import (  # noqa: F401
    alerts,
    appointments,
    assessment,
    care,
    chair,
    consent,
    consultation,
    infusion,
    lifecycle,
    response,
    screening,
    system,
)
