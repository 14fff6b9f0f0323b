# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the batch clone decisions added with the runner (plugins/module_utils/nylas_batch_planning.py).

The scope, plan and job helpers that moved here from nylas_clone_planning keep their tests in
test_nylas_clone_planning.py (they are still importable from there).
"""
from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils import nylas_batch_planning as b
from ansible_collections.nylas.migration.plugins.module_utils import nylas_clone_planning


def job(job_id, type_="migration", status="completed", linked=None, **counts):
    out = {"job_id": job_id, "type": type_, "status": status, "created_at": 100, "updated_at": 100,
           "linked_job_id": linked}
    for key in ("all", "success", "failed", "warning"):
        out["count_" + key] = counts.get(key, 0)
    return out


def start_plan(pending):
    return {"action": "start", "reason": "", "scope": {"pending": pending}}


def test_moved_names_still_importable_from_clone_planning():
    assert nylas_clone_planning.plan_batch_clone is b.plan_batch_clone
    assert nylas_clone_planning.job_counts is b.job_counts
    with pytest.raises(AttributeError):
        nylas_clone_planning.no_such_name  # noqa: B018


def test_sum_job_counts_adds_every_key_and_returns_a_new_dict():
    total = {"all": 1, "success": 1, "failed": 0, "warning": 0}
    out = b.sum_job_counts(total, {"all": 3, "success": 1, "failed": 1, "warning": 1})
    assert out == {"all": 4, "success": 2, "failed": 1, "warning": 1}
    assert total["all"] == 1


def test_public_scope_leaves_out_long_id_lists():
    scope = dict((k, 1) for k in b.PUBLIC_SCOPE_KEYS)
    scope.update(unmigrated_account_ids=["a"], placeholder_account_ids=["b"])
    assert b.public_scope(scope) == dict((k, 1) for k in b.PUBLIC_SCOPE_KEYS)
    assert b.public_scope(None) is None


def test_chains_batches_only_without_limit():
    assert b.chains_batches(None)
    assert not b.chains_batches(10)


def test_next_batch_decision_stops_without_plan_or_work():
    assert b.next_batch_decision(None, start_plan(5), "m1") == (False, None)
    assert b.next_batch_decision({"action": "none", "scope": {"pending": 0}}, start_plan(5), "m1") == (False, None)


def test_next_batch_decision_chains_when_pending_shrinks():
    assert b.next_batch_decision(start_plan(4), start_plan(5), "m1") == (True, None)


def test_next_batch_decision_stops_with_warning_when_pending_did_not_shrink():
    chain, warning = b.next_batch_decision(start_plan(5), start_plan(5), "m1")
    assert not chain
    assert warning.startswith("5 account(s) in scope are still without a grant after batch clone job m1")


def test_next_batch_decision_chains_without_previous_scope_and_on_attach():
    assert b.next_batch_decision(start_plan(5), {"action": "start", "scope": None}, "m1") == (True, None)
    assert b.next_batch_decision({"action": "attach", "scope": None}, start_plan(5), "m1") == (True, None)


def test_next_batch_offset_moves_the_window_in_mode_all_only():
    assert b.next_batch_offset("all", None, 0) is None
    assert b.next_batch_offset("all", None, 2) == 2 * b.API_BATCH_LIMIT
    assert b.next_batch_offset("all", 10, 1) == 10 + b.API_BATCH_LIMIT
    assert b.next_batch_offset("only_new", 10, 3) == 10
    assert b.next_batch_offset("only_failed", None, 3) is None


def test_batch_job_ids_from_the_job_or_its_partner():
    assert b.batch_job_ids(job("s", "snapshot", linked="m"), None) == {"snapshot_job_id": "s", "clone_job_id": "m"}
    assert b.batch_job_ids(None, job("m", linked="s")) == {"snapshot_job_id": "s", "clone_job_id": "m"}
    assert b.batch_job_ids(None, None) == {"snapshot_job_id": None, "clone_job_id": None}


def test_batch_entry():
    entry = b.batch_entry(job("s", "snapshot"), job("m", all=2, success=2), "completed")
    assert entry == {"snapshot_job_id": "s", "clone_job_id": "m", "outcome": "completed",
                     "counts": {"all": 2, "success": 2, "failed": 0, "warning": 0}}


@pytest.mark.parametrize("outcome", ["completed", "running", "none"])
def test_judge_batch_ok(outcome):
    assert b.judge_batch(outcome, job("s", "snapshot"), job("m")) == (b.VERDICT_OK, None)


def test_judge_batch_snapshot_failed():
    verdict, msg = b.judge_batch("snapshot_failed", job("s", "snapshot", "failed", linked="m"), None)
    assert verdict == b.VERDICT_FAIL
    assert msg == "Snapshot job s failed; its migration job m did not run"


def test_judge_batch_failed():
    verdict, msg = b.judge_batch("failed", job("s", "snapshot"), job("m", "migration", "failed", all=3, failed=3))
    assert (verdict, msg) == (b.VERDICT_FAIL, "Migration job m failed: 3 of 3 accounts failed")


@pytest.mark.parametrize("fail_on_partial, verdict", [(False, b.VERDICT_WARN), (True, b.VERDICT_FAIL)])
def test_judge_batch_partial_warns_or_fails(fail_on_partial, verdict):
    clone = job("m", "migration", "partial", all=4, success=1, failed=2, warning=1)
    assert b.judge_batch("partial", job("s", "snapshot"), clone, fail_on_partial) == (
        verdict, "Migration job m ended partial: 2 of 4 accounts failed, 1 became placeholder grants")


def test_timeout_message():
    ids = {"snapshot_job_id": "s", "clone_job_id": "m"}
    msg = b.timeout_message(60, ids, job("m", status="running", all=10, success=3, failed=1, warning=1))
    assert msg == ("Timed out after 60 seconds waiting for migration job m (snapshot job s): status running, "
                   "5 of 10 processed (1 failed, 1 placeholders)")
    assert "status unknown, 0 of 0 processed" in b.timeout_message(0, ids, None)


def test_reauth_scope_filters_by_the_first_scope():
    grants = [{"account_id": "a"}, {"account_id": "b"}, {"id": "g-no-account"}, {"account_id": "c"}]
    assert b.reauth_scope(grants, {"unmigrated_account_ids": ["c", "a"]}) == ["a", "c"]
    assert b.reauth_scope(grants, None) == ["a", "b", "c"]
    assert b.reauth_scope([], {"unmigrated_account_ids": ["a"]}) == []


def test_final_outcome():
    one_partial = [{"outcome": "partial"}]
    assert b.final_outcome(one_partial, "partial") == "partial"
    assert b.final_outcome([{"outcome": "completed"}], "completed") == "completed"
    assert b.final_outcome([{"outcome": "partial"}, {"outcome": "completed"}], "completed") == "partial"
    assert b.final_outcome([{"outcome": "completed"}, {"outcome": "completed"}], "completed") == "completed"
    assert b.final_outcome([], "running") == "running"
