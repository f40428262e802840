"""The event families: each module declares its events' payloads, their rules and their folds.

Importing this package registers every family with ``careplan.domain.family``.
"""

# In the order of a course: the registry (and so the event form's picker) lists the types this way.
from careplan.domain.families import (  # noqa: F401, I001
    consultation,
    consent,
    screening,
    assessment,
    infusion,
    aftercare,
    response,
    care,
    alerts,
    lifecycle,
    appointments,
    system,
    messages,
)
