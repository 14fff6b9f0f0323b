# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of the cutover loops (plugins/module_utils/nylas_cutover_runner.py) with a small fake v2 client."""

from __future__ import annotations

import copy

from ansible_collections.nylas.migration.plugins.module_utils import nylas_cutover_planning as cp
from ansible_collections.nylas.migration.plugins.module_utils.nylas_cutover_runner import (
    apply_to_accounts,
    run_cutover,
    run_rollback,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_settle import settle_without_resend


def attempt_write(write, reread, is_done):
    """The cutover's attempt: settle without re-send, settle_time 0 (one re-read), nothing sleeps."""
    return settle_without_resend(write, reread, is_done, settle_time=0, sleep=lambda _s: None)


def api_error(status=400, outcome_unknown=False):
    return NylasAPIError("boom", status=status, error_type="bad_request", method="POST", path="/a/x",
                         outcome_unknown=outcome_unknown)


class V2:
    """Accounts by id; ``fail`` maps an id to an error raised before the write, ``lost`` after it."""

    def __init__(self, ids):
        self.billing = {i: "paid" for i in ids}
        self.fail, self.lost, self.sent = {}, {}, []

    def _write(self, account_id, state):
        self.sent.append(account_id)
        if account_id in self.fail:
            raise self.fail[account_id]
        self.billing[account_id] = state
        if account_id in self.lost:
            raise self.lost[account_id]
        return {"success": "true"}

    def downgrade_account(self, account_id):
        return self._write(account_id, "cancelled")

    def upgrade_account(self, account_id):
        return self._write(account_id, "paid")

    def get_account(self, account_id):
        return {"id": account_id, "billing_state": self.billing[account_id]}


def record_for(ids):
    plan = dict(to_cancel=list(ids), limit=None, rows=[dict(account_id=i, reason="valid_grant") for i in ids])
    return cp.new_record("r", "v2", "us", plan, 0)


def test_apply_stops_when_the_budget_is_spent():
    v2 = V2(["a", "b", "c", "d"])
    v2.fail = {"a": api_error(), "b": api_error()}
    done, failed, not_attempted, warnings = apply_to_accounts(
        ["a", "b", "c", "d"], v2.downgrade_account, v2.get_account, cp.is_cancelled, 1, attempt_write)
    assert done == [] and [f["account_id"] for f in failed] == ["a", "b"] and not_attempted == ["c", "d"]
    assert failed[0]["status"] == 400 and failed[0]["method"] == "POST" and warnings == []
    assert v2.sent == ["a", "b"]


def test_apply_unknown_outcome_reread_shows_the_write():
    v2 = V2(["a", "b"])
    v2.lost = {"a": api_error(503, outcome_unknown=True)}
    done, failed, not_attempted, warnings = apply_to_accounts(
        ["a", "b"], v2.downgrade_account, v2.get_account, cp.is_cancelled, 0, attempt_write)
    assert done == ["a", "b"] and failed == [] and not_attempted == [] and len(warnings) == 1
    assert v2.sent == ["a", "b"]  # never sent twice


def test_apply_unknown_outcome_reread_shows_nothing_is_a_failure():
    v2 = V2(["a"])
    v2.fail = {"a": api_error(503, outcome_unknown=True)}
    done, failed, _n, _w = apply_to_accounts(["a"], v2.downgrade_account, v2.get_account, cp.is_cancelled, 0,
                                             attempt_write)
    assert done == [] and failed[0]["outcome_unknown"] is True and v2.sent == ["a"]


def test_run_cutover_saves_the_record_as_it_goes():
    ids = ["a%d" % i for i in range(5)]
    v2 = V2(ids)
    record = record_for(ids)
    saved = []
    done, failed, not_attempted, _w = run_cutover(v2, record, 0, lambda r: saved.append(copy.deepcopy(r)),
                                                  attempt_write, save_every=2)
    assert done == ids and failed == [] and not_attempted == []
    assert [len(s["cancelled"]) for s in saved] == [2, 4, 5] and saved[-1]["finished"] is True
    # a re-run of the same record sends nothing
    v2.sent = []
    assert run_cutover(v2, record, 0, lambda r: None, attempt_write)[0] == [] and v2.sent == []


def test_run_cutover_budget_marks_the_rest_and_unfinished():
    v2 = V2(["a", "b", "c"])
    v2.fail = {"a": api_error()}
    record = record_for(["a", "b", "c"])
    saved = []
    done, failed, not_attempted, _w = run_cutover(v2, record, 0, saved.append, attempt_write)
    assert done == [] and not_attempted == ["b", "c"] and record["finished"] is False
    assert record["decisions"] == {"a": "failed", "b": "error_budget", "c": "error_budget"}
    assert saved[-1] is record and record["failed"][0]["account_id"] == "a"


def test_run_rollback_unites_reactivated():
    v2 = V2(["a", "b"])
    v2.billing = {"a": "cancelled", "b": "cancelled"}
    record = dict(record_for(["a", "b"]), cancelled=["a", "b"], finished=True)
    run_rollback(v2, record, ["a"], 0, lambda r: None, attempt_write, now=5.0)
    run_rollback(v2, record, ["b"], 0, lambda r: None, attempt_write, now=6.0)
    assert record["rollback"]["reactivated"] == ["a", "b"] and record["rollback"]["at"] == 6.0
    assert v2.billing == {"a": "paid", "b": "paid"}
