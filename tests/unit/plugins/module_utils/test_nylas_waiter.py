# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the waiter and the progress log (plugins/module_utils/nylas_waiter.py)."""
from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils import nylas_waiter as p


def job(job_id, type_="migration", status="completed", created=100, linked=None, **counts):
    out = {"job_id": job_id, "type": type_, "status": status, "created_at": created, "updated_at": created,
           "linked_job_id": linked, "public_application_id": "app"}
    for key in ("all", "success", "failed", "warning"):
        out["count_" + key] = counts.get(key, 0)
    return out


# -- progress and waiter -----------------------------------------------------------------------

def test_progress_log_records_changes_only_and_caps():
    log = p.ProgressLog(limit=3)
    assert log.record(0, job("s", "snapshot", "running"), job("m", status="pending"))
    assert not log.record(1, job("s", "snapshot", "running"), job("m", status="pending"))
    for n in range(1, 6):
        log.record(n, job("s", "snapshot", "completed"), job("m", status="running", success=n))
    assert len(log.samples) == 3
    assert log.samples[0]["elapsed"] == 0 and log.samples[-1]["success"] == 5


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_waiter_done_after_polls():
    clock = FakeClock()
    values = iter([1, 2, 3])
    waiter = p.Waiter(timeout=60, interval=5, clock=clock, sleep=clock.sleep)
    seen = []
    ok, last, elapsed = waiter.wait(lambda: next(values), lambda v: v == 3, on_sample=lambda e, v: seen.append((e, v)))
    assert (ok, last, elapsed) == (True, 3, 10.0)
    assert seen == [(0.0, 1), (5.0, 2), (10.0, 3)]


def test_waiter_times_out_without_oversleeping():
    clock = FakeClock()
    waiter = p.Waiter(timeout=12, interval=5, clock=clock, sleep=clock.sleep)
    ok, last, elapsed = waiter.wait(lambda: "running", lambda v: False)
    assert not ok and last == "running" and elapsed == 12.0
    assert clock.sleeps == [5, 5, 2]


def test_waiter_zero_timeout_polls_once():
    clock = FakeClock()
    calls = []
    ok, _last, _elapsed = p.Waiter(0, 1, clock=clock, sleep=clock.sleep).wait(lambda: calls.append(1), lambda v: False)
    assert not ok and calls == [1] and clock.sleeps == []


def test_waiter_refuses_non_positive_interval():
    with pytest.raises(p.PlanningError):
        p.Waiter(10, 0)
