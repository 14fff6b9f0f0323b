"""Background runner that advances snapshot and migration jobs at a set pace."""

import logging
import threading
import time

from .backend import SNAPSHOT_SPEEDUP

LOG = logging.getLogger(__name__)


class JobRunner:
    """A daemon thread that processes jobs at ``pace`` accounts per second.

    Each active job gets its own budget (``pace`` records per second, times
    :data:`~simulator.backend.SNAPSHOT_SPEEDUP` for snapshot jobs). A pace of 0
    pauses all jobs. Jobs found pending/running at start (after a restart) resume.
    """

    TICK = 0.02
    MAX_CHUNK = 500

    def __init__(self, backend, pace=200.0):
        self.backend = backend
        self.pace = float(pace)
        self._stop = threading.Event()
        self._thread = None
        self._credit = {}

    def set_pace(self, pace):
        """Change the pace (accounts per second; 0 pauses)."""
        if pace < 0:
            raise ValueError("pace must be >= 0")
        self.pace = float(pace)

    def start(self):
        """Start the thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sim-job-runner", daemon=True)
            self._thread.start()

    def stop(self, timeout=5):
        """Stop the thread and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self):
        last = time.monotonic()
        while not self._stop.wait(self.TICK):
            now = time.monotonic()
            elapsed, last = now - last, now
            try:
                self.step(elapsed)
            except Exception:  # pragma: no cover - keep the runner alive, log for the operator
                LOG.exception("job runner step failed")

    def step(self, elapsed):
        """Advance every active job by the budget earned in ``elapsed`` seconds."""
        pace = self.pace
        if pace <= 0:
            return
        active = self.backend.active_jobs()
        alive = {job_id for job_id, _dummy in active}
        self._credit = {k: v for k, v in self._credit.items() if k in alive}
        for job_id, job_type in active:
            rate = pace * (SNAPSHOT_SPEEDUP if job_type == "snapshot" else 1)
            credit = min(self._credit.get(job_id, 0.0) + rate * elapsed, max(rate * 0.25, 1.0))
            budget = min(int(credit), self.MAX_CHUNK)
            if budget >= 1:
                done = self.backend.advance_job(job_id, budget)
                if done:
                    credit -= budget
            self._credit[job_id] = credit
