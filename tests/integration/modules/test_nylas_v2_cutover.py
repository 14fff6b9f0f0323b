# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_v2_cutover against a running simulator, run as Ansible runs it (subprocess).

The pair of ``cutover_helpers`` holds one account of every kind; what was sent is read from the
simulator's request log and the v2 accounts' ``billing_state``.
"""

from __future__ import annotations

import json
import os
import stat

import pytest

from tests.integration.module_runner import last_seq, run_module, writes
from tests.integration.modules.cutover_helpers import (
    V2_ID,
    VALID,
    args_for,
    assert_clean,
    billing_states,
    migrate,
    write_seed,
)

SEEDED = {"v-1": "paid", "p-1": "paid", "v-2": "paid", "f-1": "paid", "v-3": "paid", "n-1": "paid",
          "c-1": "cancelled", "d-1": "deleted", "v-4": "paid"}


@pytest.fixture
def pair(sim_factory, tmp_path):
    """A simulator with the cutover pair migrated; returns ``(sim, args)`` (records under ``tmp_path``)."""
    sim = sim_factory("us", seed=write_seed(tmp_path / "seed.yaml"))
    migrate(sim)
    return sim, args_for(sim, run_id="run-1", record_dir=str(tmp_path / "records"))


def cutover(args, **kwargs):
    """Run the module; every output is checked for secrets and email addresses."""
    result = run_module("nylas_v2_cutover", args, **kwargs)
    assert_clean(result.raw)
    return result


def downgrades(sim, since):
    return [p.split("/")[4] for m, p in writes(sim, since) if m == "POST" and p.endswith("/downgrade")]


def test_check_mode_lists_exactly_the_valid_grants_and_sends_nothing(pair):
    sim, args = pair
    seq = last_seq(sim)
    result = cutover(args, check_mode=True)
    assert result.rc == 0, result.raw
    res = result.result
    assert res["changed"] is False and res["confirmed"] is False
    assert res["would_cancel"] == VALID and res["cancelled"] == []
    reasons = {r["account_id"]: r["reason"] for r in res["accounts"]}
    assert reasons == {"v-1": "valid_grant", "v-2": "valid_grant", "v-3": "valid_grant", "v-4": "valid_grant",
                       "p-1": "grant_not_valid", "f-1": "no_grant", "n-1": "no_grant", "c-1": "already_cancelled",
                       "d-1": "v2_deleted"}
    assert writes(sim, seq) == []
    assert billing_states(sim) == SEEDED
    assert not os.path.exists(res["record_path"])


@pytest.mark.parametrize("confirm", [None, "v2-other", "eu"])
def test_off_unless_confirmed_for_this_pair_or_region(pair, confirm):
    sim, args = pair
    seq = last_seq(sim)
    if confirm:
        args = dict(args, confirm=confirm)
    result = cutover(args)
    assert result.rc == 1 and "cutover is off" in result.result["msg"]
    assert sim.requests_log(since=seq) == []


def test_refuses_an_unlinked_application(sim_factory, tmp_path):
    sim = sim_factory("us", seed=write_seed(tmp_path / "seed.yaml", linked=False))
    seq = last_seq(sim)
    result = cutover(args_for(sim, confirm=V2_ID, run_id="r", record_dir=str(tmp_path / "rec")))
    assert result.rc == 1 and "not linked" in result.result["msg"]
    assert writes(sim, seq) == []


def test_rollout_then_the_rest_then_rerun_unchanged(pair):
    sim, args = pair
    args = dict(args, confirm=V2_ID)
    seq = last_seq(sim)
    first = cutover(dict(args, rollout_count=2))
    assert first.rc == 0, first.raw
    assert first.result["changed"] is True and first.result["cancelled"] == ["v-1", "v-2"]
    assert first.result["rollout_limit"] == 2
    assert first.result["counts"]["reason"]["rollout_limit"] == 2
    assert downgrades(sim, seq) == ["v-1", "v-2"]

    seq = last_seq(sim)
    # 50% of the 5 accounts with a valid grant (c-1 included) = 3 (rounded up): only 2 are left
    second = cutover(dict(args, rollout_percent=50))
    assert second.rc == 0 and second.result["cancelled"] == ["v-3", "v-4"], second.raw
    assert downgrades(sim, seq) == ["v-3", "v-4"]
    assert billing_states(sim) == dict(SEEDED, **{i: "cancelled" for i in VALID})

    seq = last_seq(sim)
    again = cutover(args)
    assert again.rc == 0 and again.result["changed"] is False and again.result["cancelled"] == []
    assert writes(sim, seq) == []

    record_path = first.result["record_path"]
    assert stat.S_IMODE(os.stat(record_path).st_mode) == 0o600
    with open(record_path, encoding="utf-8") as handle:
        text = handle.read()
    record = json.loads(text)
    assert record["cancelled"] == VALID and record["finished"] is True
    assert_clean(text)


def test_error_budget_stops_the_run(pair):
    sim, args = pair
    sim.add_fault(method="POST", path="/a/%s/accounts/*/downgrade" % V2_ID, status=400, times=2)
    seq = last_seq(sim)
    result = cutover(dict(args, confirm="us", error_budget=1))
    assert result.rc == 1, result.raw
    res = result.result
    assert res["stopped_by_error_budget"] is True and "error_budget=1" in res["msg"]
    assert [f["account_id"] for f in res["failures"]] == ["v-1", "v-2"]
    assert res["failures"][0]["status"] == 400 and res["failures"][0]["method"] == "POST"
    assert res["not_attempted"] == ["v-3", "v-4"] and res["cancelled"] == []
    assert downgrades(sim, seq) == ["v-1", "v-2"]
    assert billing_states(sim) == SEEDED

    # within the budget, a failure is a warning and the others are cancelled
    sim.add_fault(method="POST", path="/a/%s/accounts/v-3/downgrade" % V2_ID, status=400, times=1)
    within = cutover(dict(args, confirm="us", error_budget=1))
    assert within.rc == 0, within.raw
    assert within.result["cancelled"] == ["v-1", "v-2", "v-4"]
    assert [f["account_id"] for f in within.result["failures"]] == ["v-3"]
    assert within.result["stopped_by_error_budget"] is False


def test_unknown_outcome_is_reread_not_resent(pair):
    sim, args = pair
    # a 503 after the body was sent: the outcome is unknown, so the write is not sent again; the
    # account is re-read (the fault answered before the simulator acted: still paid, so a failure)
    sim.add_fault(method="POST", path="/a/%s/accounts/v-1/downgrade" % V2_ID, status=503, times=5)
    seq = last_seq(sim)
    result = cutover(dict(args, confirm=V2_ID, rollout_count=1, max_retries=3, settle_time=2))
    assert result.rc == 1 and result.result["failures"][0]["account_id"] == "v-1", result.raw
    assert result.result["failures"][0]["outcome_unknown"] is True
    sent = [(e["method"], e["path"]) for e in sim.requests_log(since=seq) if e["path"].startswith("/a/")]
    # sent once, then only re-read (with back-off for settle_time): never a second downgrade
    posts = [i for i, e in enumerate(sent) if e == ("POST", "/a/%s/accounts/v-1/downgrade" % V2_ID)]
    assert len(posts) == 1, sent
    assert sent[posts[0] + 1:] and set(sent[posts[0] + 1:]) == {("GET", "/a/%s/accounts/v-1" % V2_ID)}, sent
    assert [m for m, p in writes(sim, seq)] == ["POST"]
    assert billing_states(sim)["v-1"] == "paid"


def test_rollback_restores_what_the_run_cancelled(pair):
    sim, args = pair
    args = dict(args, confirm=V2_ID)
    done = cutover(args)
    assert done.rc == 0 and done.result["cancelled"] == VALID, done.raw

    seq = last_seq(sim)
    plan = cutover(dict(args, state="rollback"), check_mode=True)
    assert plan.rc == 0 and plan.result["would_reactivate"] == VALID and plan.result["changed"] is False
    assert writes(sim, seq) == []

    seq = last_seq(sim)
    rolled = cutover(dict(args, state="rollback"))
    assert rolled.rc == 0 and rolled.result["reactivated"] == VALID, rolled.raw
    assert [p.split("/")[4] for m, p in writes(sim, seq)] == VALID
    assert all(p.endswith("/upgrade") for _m, p in writes(sim, seq))
    # c-1 was cancelled before the run: it stays cancelled
    assert billing_states(sim) == SEEDED

    seq = last_seq(sim)
    again = cutover(dict(args, state="rollback"))
    assert again.rc == 0 and again.result["changed"] is False and writes(sim, seq) == []
    with open(done.result["record_path"], encoding="utf-8") as handle:
        assert json.load(handle)["rollback"]["reactivated"] == VALID


def test_rollback_needs_the_record_and_confirmation(pair):
    sim, args = pair
    seq = last_seq(sim)
    missing = cutover(dict(args, state="rollback", confirm=V2_ID, run_id="never-ran"))
    assert missing.rc == 1 and "No cutover record" in missing.result["msg"]
    unconfirmed = cutover(dict(args, state="rollback"))
    assert unconfirmed.rc == 1 and "cutover is off" in unconfirmed.result["msg"]
    assert writes(sim, seq) == []
