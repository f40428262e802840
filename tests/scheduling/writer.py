"""A clinic's writer in a process of its own: opens backdated journeys and adds notes to others.

``python -m tests.scheduling.writer OPEN NOTES SEED`` with CAREPLAN_DATABASE_URL set. Each journey it
opens was opened 10 days ago, so its consultation is already due and overdue when it lands: the
scheduler owes it two events at once. Notes move other journeys' versions under the scheduler's feet.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta, timezone

from careplan.domain.values import Actor
from careplan.entrypoints.bootstrap import build_app

WRITER = Actor("writer", "clinician")


def main(opened: int, notes: int, seed: int) -> None:
    app = build_app()
    rng = random.Random(seed)
    known = list(app.journey_ids())
    back = datetime.now(timezone.utc) - timedelta(days=10)
    for index in range(max(opened, notes)):
        if index < opened:
            known.append(app.open_journey(f"W{seed}-{index}", actor=WRITER, occurred_at=back))
        if index < notes and known:
            app.record(rng.choice(known), "NoteAdded", {"text": f"note {seed}-{index}"}, actor=WRITER)
    app.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
