"""The one wait between tries of a save that lost a race (a version conflict), for every writer.

Two writers of one aggregate (a journey, a patient's index) meet as a version conflict: the loser
reads the fresh state and runs its command again, so the rules judge what is really there. Between
tries it waits a growing, jittered pause (2 ms doubling to 250 ms, each 0.5 to 1.5 times that, so
writers that collided do not collide again in step) until ``seconds`` have passed, and then gives up
with ``StoreBusy`` (the web's 503). Each writer keeps its own loop (what it reads, what it saves);
this is the part they share.
"""

from __future__ import annotations

import random
import time

from careplan.domain.errors import StoreBusy

FIRST_PAUSE = 0.002
LONGEST_PAUSE = 0.25


class Backoff:
    """The pauses of one write's tries, within ``seconds`` of its start."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.pause = FIRST_PAUSE

    def wait(self) -> None:
        """After a lost race: sleeps before the next try, or raises ``StoreBusy`` once time is up."""
        if time.monotonic() >= self.deadline:
            raise StoreBusy(self.seconds) from None
        time.sleep(self.pause * (0.5 + random.random()))
        self.pause = min(self.pause * 2, LONGEST_PAUSE)
