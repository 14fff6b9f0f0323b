# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the live progress decisions and texts (plugins/module_utils/nylas_progress.py)."""
from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils import nylas_progress as p


def counts(all_=0, success=0, failed=0, warning=0):
    return {"all": all_, "success": success, "failed": failed, "warning": warning}


def doc(done_success=0, total=100, elapsed=0.0, batch=1, status="running", snapshot="completed", failed=0, warning=0):
    return p.progress_document("acme", elapsed, 1700000000.0 + elapsed, {"job_id": "snap-1234567890", "status": snapshot},
                               {"job_id": "mig-abcdefghij", "status": status},
                               counts(total, done_success, failed, warning), batch=batch, planned=None)


# -- totals and the document ---------------------------------------------------------------------

def test_done_count_sums_success_failed_and_warning():
    assert p.done_count(counts(10, 3, 2, 1)) == 6
    assert p.done_count(None) == 0


@pytest.mark.parametrize("given, planned, expected", [
    (counts(100, 10), None, 100),       # count_all is the total to be migrated (contract)
    (counts(0, 0), 50, 50),             # no count_all yet: the accounts the module planned
    (counts(5, 10), 40, 40),            # count_all below the accounts done is not a total
    (counts(5, 10), None, None),        # ... and with nothing planned the total is unknown
    (counts(0, 60), 50, None),          # more done than planned: unknown, never a claim
])
def test_progress_total(given, planned, expected):
    assert p.progress_total(given, planned) == expected


def test_progress_document_carries_ids_statuses_done_and_total():
    document = p.progress_document("acme", 12.3456, 1700000000.5, {"job_id": "s", "status": "completed"},
                                   {"job_id": "m", "status": "running"}, counts(200, 30, 5, 5), batch=2,
                                   planned=200, finished_counts=counts(1000, 900, 50, 50))
    assert document == {
        "version": 1, "label": "acme", "elapsed": 12.346, "updated_at": 1700000000.5, "batch": 2,
        "snapshot_job_id": "s", "snapshot_status": "completed", "clone_job_id": "m", "status": "running",
        "counts": counts(200, 30, 5, 5), "done": 40, "total": 200, "planned": 200,
        "finished_counts": counts(1000, 900, 50, 50),
    }


def test_progress_key_changes_with_done_status_and_batch():
    assert p.progress_key(None) is None
    assert p.progress_key(doc(10)) == p.progress_key(doc(10, elapsed=5))
    assert p.progress_key(doc(10)) != p.progress_key(doc(11))
    assert p.progress_key(doc(10)) != p.progress_key(doc(10, status="partial"))
    assert p.progress_key(doc(10)) != p.progress_key(doc(10, batch=2))


# -- rate and ETA -------------------------------------------------------------------------------

def test_observe_keeps_a_window_and_restarts_on_a_new_batch():
    history = []
    for t in range(0, 700, 100):
        history = p.observe(history, doc(t // 10, elapsed=float(t)))
    assert history[0][0] >= 300.0 and history[-1][0] == 600.0  # older than 300 s before the newest dropped
    assert p.observe(history, doc(60, elapsed=600.0)) == history  # the same read twice is one observation
    restarted = p.observe(history, doc(1, elapsed=610.0, batch=2))
    assert restarted == [(610.0, 1, 2)]
    assert p.observe(history, None) == history


def test_rate_per_second_over_the_observations():
    assert p.rate_per_second([]) is None
    assert p.rate_per_second([(0.0, 0, 1)]) is None
    assert p.rate_per_second([(0.0, 0, 1), (0.0, 5, 1)]) is None
    assert p.rate_per_second([(10.0, 100, 1), (20.0, 150, 1), (30.0, 300, 1)]) == pytest.approx(10.0)


@pytest.mark.parametrize("done, total, rate, expected", [
    (40, 100, 2.0, 30.0),
    (100, 100, 2.0, 0.0),
    (40, None, 2.0, None),   # no total: no ETA
    (40, 100, 0.0, None),    # nothing moved: no ETA
    (40, 100, None, None),
])
def test_eta_seconds(done, total, rate, expected):
    assert p.eta_seconds(done, total, rate) == expected


def test_percent():
    assert p.percent(1, 3) == 33.3
    assert p.percent(5, None) is None and p.percent(0, 0) is None


# -- when to print, stalls ---------------------------------------------------------------------

def test_line_due_first_on_a_document_then_every_interval():
    assert p.line_due(100.0, 100.0, None, True, 30)
    assert not p.line_due(110.0, 100.0, None, False, 30)
    assert p.line_due(130.0, 100.0, None, False, 30)
    assert not p.line_due(159.0, 100.0, 130.0, True, 30)
    assert p.line_due(160.0, 100.0, 130.0, True, 30)


def test_stalled_for():
    assert p.stalled_for(100.0, 50.0, 60) is None
    assert p.stalled_for(120.0, 50.0, 60) == 70.0
    assert p.stalled_for(1000.0, 50.0, 0) is None  # 0: never stalled
    assert p.stalled_for(1000.0, None, 60) is None


@pytest.mark.parametrize("seconds, text", [(0, "0s"), (44.6, "45s"), (192, "3m12s"), (7500, "2h05m"), (-3, "0s")])
def test_format_duration(seconds, text):
    assert p.format_duration(seconds) == text


# -- texts --------------------------------------------------------------------------------------

def test_progress_line_with_every_figure():
    line = p.progress_line("acme", doc(30, total=200, failed=5, warning=5), 4.0, 65)
    assert line == ("acme: batch clone: 40/200 accounts, 20.0%, 4.0 accounts/s, ETA 40s (30 migrated, 5 placeholders, "
                    "5 failed); migration job mig-abcd running; waited 1m05s")
    assert "FAILED" not in line


def test_progress_line_leaves_out_what_is_not_known():
    document = p.progress_document("acme", 3, 0, {"job_id": "s", "status": "running"}, {"job_id": "m", "status": "pending"},
                                   counts(0, 0), planned=None)
    line = p.progress_line("acme", document, None, 3)
    assert line == "acme: batch clone: 0/? accounts (0 migrated, 0 placeholders, 0 failed); snapshot job running; waited 3s"
    assert p.progress_line("acme", None, None, 40) == "acme: batch clone running, no progress read yet (waited 40s)"
    assert "(batch 2)" in p.progress_line("acme", doc(1, batch=2), None, 3)


def test_stall_line_says_how_long_and_that_it_still_waits():
    line = p.stall_line("acme", doc(30, total=200), 960)
    assert line.startswith("acme: batch clone stalled: no progress for 16m00s at 30/200 accounts")
    assert "still waiting" in line and "FAILED" not in line
    assert "no progress read for 15m00s" in p.stall_line("acme", None, 900)


def test_final_line():
    result = {"outcome": "partial", "counts": counts(1200, 987, 8, 205)}
    assert p.final_line("acme", result, 36) == \
        "acme: batch clone partial after 36s: 1200 accounts (987 migrated, 205 placeholders, 8 failed)"
    assert "ended with an error" in p.final_line("acme", {"failed": True}, 5)
