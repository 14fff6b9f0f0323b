# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Waiting on the migration jobs: a poll loop on a monotonic clock and the progress samples it records.

These are the side effects of a batch clone run (sleeping, keeping samples); the decisions they act on
are in :mod:`nylas_batch_planning`. ``clock`` and ``sleep`` are injectable for tests.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.nylas.migration.plugins.module_utils.nylas_batch_planning import job_counts
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

#: Progress samples kept in a batch clone result (the first one and the latest ones).
MAX_PROGRESS_SAMPLES = 100


class ProgressLog:
    """Samples of a job's progress: one per change of status or counts, capped in number."""

    def __init__(self, limit=MAX_PROGRESS_SAMPLES):
        self.limit = max(int(limit), 2)
        self.samples = []
        self._last_key = None

    def record(self, elapsed, snapshot_job, clone_job):
        """Record a sample when the status or counts changed since the previous one."""
        counts = job_counts(clone_job)
        sample = {
            "elapsed": round(float(elapsed), 3),
            "snapshot_status": (snapshot_job or {}).get("status"),
            "status": (clone_job or {}).get("status"),
        }
        sample.update(counts)
        key = (sample["snapshot_status"], sample["status"], tuple(sorted(counts.items())))
        if key == self._last_key:
            return False
        self._last_key = key
        self.samples.append(sample)
        if len(self.samples) > self.limit:
            # keep the first sample, drop the oldest of the others
            del self.samples[1]
        return True


class Waiter:
    """Poll until a condition holds or a deadline passes, on a monotonic clock.

    ``clock`` and ``sleep`` are injectable for tests. :meth:`wait` returns ``(ok, last, elapsed)``:
    whether the condition held, the last polled value and the seconds spent.
    """

    def __init__(self, timeout, interval, clock=None, sleep=None):
        if interval <= 0:
            raise PlanningError("the poll interval must be positive")
        self.timeout = float(timeout)
        self.interval = float(interval)
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.started = self.clock()

    def elapsed(self):
        """Seconds since the waiter was created."""
        return self.clock() - self.started

    def remaining(self):
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self.timeout - self.elapsed())

    def wait(self, poll, done, on_sample=None):
        """Call ``poll()`` until ``done(value)``, sleeping ``interval`` between calls (never past the deadline)."""
        while True:
            last = poll()
            elapsed = self.elapsed()
            if on_sample is not None:
                on_sample(elapsed, last)
            if done(last):
                return True, last, elapsed
            remaining = self.timeout - elapsed
            if remaining <= 0:
                return False, last, elapsed
            self.sleep(min(self.interval, remaining))
