"""The scheduler process: APScheduler 3.x with a few interval jobs, active only while it leads.

Jobs (each with its own in-memory job store, never shared between schedulers):
- ``lead``: every couple of seconds, try to become (or check that we still are) the active scheduler;
- ``sweep``: record what is due (``sweep.sweep``), only while leading;
- ``follow``: take in new events, in windows, so the worklists and the due index stay current (pages
  also take in what is new before they answer). On PostgreSQL the library's projection runner used to
  do this as each write committed, one transaction per event, with an application and a pool of its
  own: during a bulk load it competed with the writers event by event and held a second pool of
  connections. A catch-up every ``FOLLOW_INTERVAL`` takes the same events in a few transactions.

``careplan scheduler`` runs this alone; ``careplan serve`` starts it in a background thread of the web
process with ``start_embedded_scheduler``. Never start it inside gunicorn workers.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler

from careplan.adapters import event_tables
from careplan.adapters.metrics import SWEEP_SECONDS, SWEPT_JOURNEYS
from careplan.application import CarePlan
from careplan.entrypoints.scheduling.leader import Leadership, leadership_for
from careplan.entrypoints.scheduling.sweep import SweepResult, sweep
from careplan.messaging.outbox import DispatchResult, dispatch
from events.read.projection import Projector
from events.read.runtime import read_store_for

log = logging.getLogger("careplan.scheduler")

DEFAULT_INTERVAL = 60.0
LEAD_INTERVAL = 2.0
FOLLOW_INTERVAL = 2.0


class CareScheduler:
    def __init__(
        self,
        app: CarePlan,
        interval: float = DEFAULT_INTERVAL,
        leadership: Leadership | None = None,
        lead_interval: float = LEAD_INTERVAL,
        follow_interval: float = FOLLOW_INTERVAL,
    ) -> None:
        self.app = app
        self.store = read_store_for(app)
        self.interval = interval
        self.leadership = leadership or leadership_for(app.store, event_tables.pool_of(app))
        self.lead_interval = lead_interval
        self.follow_interval = follow_interval
        self.leading = threading.Event()
        self.stopping = threading.Event()
        """Set by ``stop``: a catch-up or sweep in progress ends at its next chunk or journey, so the
        process stops (and the lock is free for a standby) within seconds whatever the backlog."""
        self.standing_by = False
        """Whether this scheduler has said that it stands by (once per spell, not every tick)."""
        self.sweeps = 0
        self._work = threading.Lock()
        self.scheduler = BackgroundScheduler(
            timezone=timezone.utc,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    def start(self) -> BackgroundScheduler:
        now = datetime.now(timezone.utc)
        self.scheduler.add_job(self.lead, "interval", seconds=self.lead_interval, id="lead", next_run_time=now)
        self.scheduler.add_job(self.run_sweep, "interval", seconds=self.interval, id="sweep")
        self.scheduler.add_job(self.follow, "interval", seconds=self.follow_interval, id="follow")
        self.scheduler.start()
        return self.scheduler

    def stop(self) -> None:
        self.stopping.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self._step_down()

    def shutdown(self, wait: bool = True) -> None:
        """Same as ``stop``: lets callers treat this like the APScheduler scheduler it wraps."""
        self.stop()

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    # -- jobs ---------------------------------------------------------------------------------

    def lead(self) -> None:
        if self.leading.is_set():
            if not self.leadership.still_held():
                log.warning("lost the scheduler lock: standing by")
                self._step_down()
                self.standing_by = True
            return
        if self.stopping.is_set():
            return
        if self.leadership.try_acquire():
            log.info("active scheduler for %s", self.app.store.describe())
            self.standing_by = False
            self.leading.set()
            self.run_sweep()  # catch up on whatever fell due while no one was sweeping
        elif not self.standing_by:  # said once, not every couple of seconds
            log.info("standing by: another scheduler is active for %s", self.app.store.describe())
            self.standing_by = True

    def run_sweep(self) -> SweepResult | None:
        if not self.leading.is_set():
            return None
        with self._work, SWEEP_SECONDS.time():
            result = sweep(self.app, self.store, stop=self.stopping)
            SWEPT_JOURNEYS.inc(result.journeys)
            self.sweeps += 1
        with self._work:
            self.dispatch()
        return result

    def dispatch(self) -> DispatchResult | None:
        """Sends what waits in the outbox, the leader only (the one active dispatcher); a failure
        of a channel is the outbox's to record, never the sweep's to stop on."""
        if not self.leading.is_set():
            return None
        try:
            return dispatch(self.app, stop=self.stopping.is_set)
        except Exception:  # the next interval tries again; each message settles once regardless
            log.exception("outbox dispatch failed")
            return None

    def follow(self) -> None:
        if self.leading.is_set():
            self.projector().catch_up()

    def projector(self) -> Projector:
        return Projector(self.app, self.store, stop=self.stopping)

    def _step_down(self) -> None:
        self.leading.clear()
        self.leadership.release()


def start_embedded_scheduler(app: CarePlan, interval: float = DEFAULT_INTERVAL) -> CareScheduler:
    """Starts the scheduler in background threads of this process (``careplan serve``); the caller
    stops it with ``.stop()``. ``.scheduler`` is the APScheduler ``BackgroundScheduler``."""
    scheduler = CareScheduler(app, interval=interval)
    scheduler.start()
    return scheduler
