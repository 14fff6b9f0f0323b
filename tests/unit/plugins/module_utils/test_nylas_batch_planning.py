# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the batch clone decisions added with the runner (plugins/module_utils/nylas_batch_planning.py).

The scope, plan and job helpers that moved here from nylas_clone_planning keep their tests in
test_nylas_clone_planning.py (they are still importable from there).
"""
from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils import nylas_batch_planning as b


def job(job_id, type_="migration", status="completed", linked=None, **counts):
    out = {"job_id": job_id, "type": type_, "status": status, "created_at": 100, "updated_at": 100,
           "linked_job_id": linked}
    for key in ("all", "success", "failed", "warning"):
        out["count_" + key] = counts.get(key, 0)
    return out


def start_plan(pending):
    return {"action": "start", "reason": "", "scope": {"pending": pending}}


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


def entry(failed=0, all_=0):
    return {"snapshot_job_id": "s", "clone_job_id": "m", "outcome": "partial",
            "counts": {"all": all_, "success": 0, "failed": failed, "warning": 0}}


def test_next_batch_offset_mode_all_moves_past_the_windows_done():
    assert b.next_batch_offset("all", None, []) is None
    assert b.next_batch_offset("all", None, [entry(), entry()]) == 2 * b.API_BATCH_LIMIT
    assert b.next_batch_offset("all", 10, [entry()]) == 10 + b.API_BATCH_LIMIT


def test_next_batch_offset_only_new_stays_as_the_tried_accounts_leave_the_selection():
    assert b.next_batch_offset("only_new", 10, [entry(failed=3)] * 3) == 10
    assert b.next_batch_offset("only_new", None, [entry(failed=3)]) is None


def test_next_batch_offset_only_failed_skips_the_accounts_that_failed_again():
    assert b.next_batch_offset("only_failed", None, []) is None
    assert b.next_batch_offset("only_failed", None, [entry(failed=0)]) is None
    assert b.next_batch_offset("only_failed", None, [entry(failed=4), entry(failed=2)]) == 6
    assert b.next_batch_offset("only_failed", 5, [entry(failed=4)]) == 9


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


# -- attempted accounts, coverage and distinct counts (issue 10.7) ------------------------------

def acc(account_id, provider="gmail", linked_at=None, **extra):
    out = {"id": account_id, "provider": provider, "authentication_type": "oauth", "sync_state": "running",
           "billing_state": "paid", "linked_at": linked_at}
    out.update(extra)
    return out


def grant(account_id, status="valid"):
    return {"id": "g-" + account_id, "account_id": account_id, "grant_status": status}


def timed(job_id, created, **counts):
    out = job(job_id, **counts)
    out["created_at"] = out["updated_at"] = created
    return out


def test_select_batch_accounts_only_new_leaves_out_attempted_accounts():
    accounts = [acc("a"), acc("b"), acc("c"), acc("d")]
    grants = {"a": grant("a")}
    ids = [a["id"] for a in b.select_batch_accounts(accounts, grants, "only_new", attempted={"b"})]
    assert ids == ["c", "d"]
    ids = [a["id"] for a in b.select_batch_accounts(accounts, grants, "only_new", limit=1, offset=1, attempted={"b"})]
    assert ids == ["d"]
    # only_failed and all do not use it
    assert len(b.select_batch_accounts(accounts, grants, "only_failed", attempted={"b"})) == 3
    assert len(b.select_batch_accounts(accounts, grants, "all", attempted={"b"})) == 4


def test_attempted_without_grant_covered_accounts_without_a_grant():
    accounts = [acc("a"), acc("b"), acc("c")]
    assert b.attempted_without_grant(accounts, {"a": grant("a")}, [], covered=["a", "b"]) == {"b"}
    assert b.attempted_without_grant(accounts, {}, []) == set()


def test_attempted_without_grant_needs_a_failing_job_created_after_the_link_and_a_rule():
    deleted = acc("d", linked_at=150, billing_state="deleted")
    reauth = acc("r", "exchange", linked_at=150, authentication_type="password")
    fine = acc("f", linked_at=150)
    accounts = [deleted, reauth, fine]
    failing = [timed("m1", 200, failed=1)]
    # strictest flags (the report's rule): the deleted and the re-auth account; never the one that clones
    assert b.attempted_without_grant(accounts, {}, failing) == {"d", "r"}
    # the run's own flags (API defaults: placeholders allowed): one failure reported cannot be both accounts,
    # so only the one that fails with these flags too (the deleted one) is taken as attempted
    assert b.attempted_without_grant(accounts, {}, failing, None, None) == {"d"}
    # two failures reported: enough for both, the re-auth account failed under stricter flags
    assert b.attempted_without_grant(accounts, {}, [timed("m1", 200, failed=2)], None, None) == {"d", "r"}
    # the run's own covered accounts use up reported failures too
    assert b.attempted_without_grant(accounts + [acc("c")], {}, [timed("m1", 200, failed=2)], None, None,
                                     covered=["c"]) == {"c", "d"}
    # a job created before the accounts were linked, or one without failures, does not count
    assert b.attempted_without_grant(accounts, {}, [timed("m0", 100, failed=3)]) == set()
    assert b.attempted_without_grant(accounts, {}, [timed("m2", 200, success=3)]) == set()
    # an account with a grant never counts
    assert b.attempted_without_grant(accounts, {"d": grant("d")}, failing, covered=["d"]) == {"r"}


def test_covered_accounts_trusts_the_plan_only_when_the_job_processed_as_many():
    assert b.covered_accounts(["a", "b"], job("m1", all=2)) == ["a", "b"]
    assert b.covered_accounts(["a", "b"], job("m1", all=3)) == []
    assert b.covered_accounts(["a", "b"], None) == []
    assert b.covered_accounts(None, job("m1", all=0)) == []


def test_distinct_counts_counts_each_account_once_by_where_it_stands():
    accounts = [acc("v"), acc("p"), acc("f"), acc("n"), acc("v")]  # v listed twice
    grants = {"v": grant("v"), "p": grant("p", "invalid")}
    counts = b.distinct_counts(accounts, grants, attempted={"f", "v"})
    assert counts == {"all": 3, "success": 1, "failed": 1, "warning": 1}  # n: never attempted, not counted
    assert b.distinct_counts([], {}, set()) == {"all": 0, "success": 0, "failed": 0, "warning": 0}


def test_distinct_counts_of_two_batches_that_tried_one_account_twice():
    """The sum of the jobs' counts says 4 accounts and 2 failures; by account it is 3 and 1."""
    accounts = [acc("a"), acc("b"), acc("x", billing_state="deleted")]
    batches = [job("m1", all=2, success=1, failed=1), job("m2", all=2, success=1, failed=1)]
    summed = b.sum_job_counts(b.job_counts(batches[0]), b.job_counts(batches[1]))
    assert summed == {"all": 4, "success": 2, "failed": 2, "warning": 0}
    counts = b.distinct_counts(accounts, {"a": grant("a"), "b": grant("b")}, {"x"})
    assert counts == {"all": 3, "success": 2, "failed": 1, "warning": 0}


def test_placeholder_account_ids_in_account_order():
    accounts = [acc("a"), acc("b"), acc("c")]
    grants = {"c": grant("c", "invalid"), "a": grant("a", "invalid"), "b": grant("b")}
    assert b.placeholder_account_ids(accounts, grants) == ["a", "c"]


def test_plan_with_covered_accounts_never_selects_them_again():
    accounts = [acc("a%d" % n) for n in range(5)] + [acc("x", billing_state="deleted")]
    first = b.plan_batch_clone([], accounts, {}, limit=None)
    assert first["scope"]["batch_account_ids"] == [a["id"] for a in accounts]
    # after a batch that covered a0..a2 and x (x failed, an unexplained extra failure too)
    jobs = [job("m1", all=4, success=3, failed=2)]
    covered = ["a0", "a1", "a2", "x"]
    grants = dict((i, grant(i)) for i in ("a0", "a1", "a2"))
    plan = b.plan_batch_clone(jobs, accounts, grants, covered=covered)
    assert plan["scope"]["batch_account_ids"] == ["a3", "a4"]
    assert plan["scope"]["attempted"] == 1 and plan["scope"]["not_migratable"] == 0
    # the job's failures are the run's own: already counted through covered, not discounted again
    assert plan["scope"]["already_failed"] == 0 and plan["scope"]["pending"] == 2
    # the batch window is the API's default limit when limit is not set
    many = [acc("m%04d" % n) for n in range(b.API_BATCH_LIMIT + 5)]
    assert len(b.plan_batch_clone([], many, {})["scope"]["batch_account_ids"]) == b.API_BATCH_LIMIT
    assert b.plan_batch_clone([], many, {}, limit=7, offset=3)["scope"]["batch_account_ids"] == [
        "m%04d" % n for n in range(3, 10)]
