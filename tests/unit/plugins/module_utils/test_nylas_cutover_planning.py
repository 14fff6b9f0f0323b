# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of the pure cutover decisions (plugins/module_utils/nylas_cutover_planning.py)."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.nylas.migration.plugins.module_utils import nylas_cutover_planning as cp
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

#: The v2 webhook triggers of the v2 docs ("Set up v2 webhooks", "v2 webhook schemas").
V2_DOC_TRIGGERS = """account.connected account.running account.stopped account.invalid account.sync_error
message.created message.opened message.link_clicked message.updated message.bounced thread.replied
contact.created contact.updated contact.deleted calendar.created calendar.updated calendar.deleted
event.created event.updated event.deleted job.successful job.failed""".split()


def test_every_v2_trigger_is_in_the_map_with_a_v3_trigger_or_a_reason():
    # that each v3 name is one the contract knows is checked in tests/simulator/test_sim_v2_cutover.py
    assert sorted(cp.V2_TO_V3_TRIGGERS) == sorted(V2_DOC_TRIGGERS)
    for v2, (v3, note) in cp.V2_TO_V3_TRIGGERS.items():
        assert v3 or note, v2


def test_map_triggers_lists_the_unmapped_with_reasons():
    types, unmapped = cp.map_triggers(["account.invalid", "account.connected", "account.running", "x.y",
                                       "account.running", "message.created"])
    assert types == ["grant.created", "grant.expired", "message.created"]
    assert [u["trigger"] for u in unmapped] == ["account.running", "x.y"]
    assert "no longer needed" in unmapped[0]["reason"] and "by hand" in unmapped[1]["reason"]
    assert cp.map_triggers(None) == ([], [])


def test_trigger_map_table_is_sorted_and_complete():
    table = cp.trigger_map_table()
    assert [r["v2_trigger"] for r in table] == sorted(V2_DOC_TRIGGERS)
    assert {"v2_trigger": "message.bounced", "v3_trigger": "message.bounce_detected"}.items() <= \
        [r for r in table if r["v2_trigger"] == "message.bounced"][0].items()


HOOKS = [
    dict(id="w1", callback_url="https://h.example.com/a", state="active", triggers=["message.created"]),
    dict(id="w2", callback_url="https://h.example.com/b", state="active", triggers=["account.connected", "job.failed"]),
    dict(id="w3", callback_url="https://h.example.com/c", state="inactive", triggers=["event.created"]),
    dict(id="w4", callback_url="https://h.example.com/d", state="active", triggers=["account.running"]),
]


def test_propose_destinations():
    out = cp.propose_destinations(HOOKS)
    assert [(p["webhook_url"], p["trigger_types"], p["v2_webhook_ids"]) for p in out["proposals"]] == [
        ("https://h.example.com/a", ["message.created"], ["w1"]),
        ("https://h.example.com/b", ["grant.created"], ["w2"])]
    assert out["proposals"][1]["description"] == "Migrated from v2 webhook w2"
    unmapped = [(u["v2_webhook_id"], u["trigger"]) for u in out["unmapped"]]
    assert unmapped == [("w2", "job.failed"), ("w4", "account.running")]
    assert [(s["v2_webhook_id"], s["reason"]) for s in out["skipped"]] == [
        ("w3", "the v2 webhook is inactive"), ("w4", "none of its triggers has a v3 equivalent")]


def test_propose_destinations_url_map_merges_and_inactive_included():
    url_map = {"https://h.example.com/a": "https://v3.example.com/x", "https://h.example.com/c": "https://v3.example.com/x"}
    out = cp.propose_destinations(HOOKS, url_map=url_map, include_inactive=True)
    merged = out["proposals"][0]
    assert merged["webhook_url"] == "https://v3.example.com/x"
    assert merged["trigger_types"] == ["event.created", "message.created"] and merged["v2_webhook_ids"] == ["w1", "w3"]
    assert merged["description"] == "Migrated from v2 webhook w1, w3"


def test_destination_status():
    proposal = dict(webhook_url="https://h.example.com/a", trigger_types=["a.b", "c.d"])
    assert cp.destination_status(proposal, []) == "missing"
    assert cp.destination_status(proposal, [dict(webhook_url="https://h.example.com/a", trigger_types=["a.b"])]) == "differs"
    assert cp.destination_status(proposal, [dict(webhook_url="https://h.example.com/a",
                                                 trigger_types=["c.d", "x.y", "a.b"])]) == "present"


def test_inventory_yaml_round_trips():
    proposals = cp.propose_destinations(HOOKS)["proposals"]
    data = yaml.safe_load(cp.inventory_yaml(proposals))
    assert data == {"nylas_webhooks": [dict(webhook_url=p["webhook_url"], description=p["description"],
                                            trigger_types=p["trigger_types"]) for p in proposals]}
    assert yaml.safe_load(cp.inventory_yaml([])) == {"nylas_webhooks": []}
    odd = [dict(webhook_url="https://h.example.com/a: #x", description="it's \"quoted\"", trigger_types=["a.b"])]
    assert yaml.safe_load(cp.inventory_yaml(odd))["nylas_webhooks"][0]["webhook_url"] == "https://h.example.com/a: #x"


def test_plan_webhook_deactivation():
    proposals = cp.propose_destinations(HOOKS)["proposals"]
    v3 = [dict(webhook_url="https://h.example.com/a", trigger_types=["message.created"]),
          dict(webhook_url="https://h.example.com/b", trigger_types=["grant.expired"])]
    rows = {r["v2_webhook_id"]: (r["action"], r["reason"]) for r in cp.plan_webhook_deactivation(HOOKS, proposals, v3)}
    assert rows["w1"][0] == "deactivate"
    assert rows["w2"] == ("none", "its v3 destination https://h.example.com/b is differs")
    assert rows["w3"] == ("none", "already inactive")
    assert rows["w4"][0] == "none" and "no v3 destination proposed" in rows["w4"][1]


def test_confirmation_matches():
    assert cp.confirmation_matches("v2-a", "v2-a", "us") and cp.confirmation_matches("us", "v2-a", "us")
    assert not cp.confirmation_matches("eu", "v2-a", "us")
    assert not cp.confirmation_matches("", "v2-a", "us") and not cp.confirmation_matches(None, "v2-a", "us")


def test_grants_by_account_prefers_valid():
    grants = [dict(id="g1", account_id="a", grant_status="invalid"), dict(id="g2", account_id="a", grant_status="valid"),
              dict(id="g3", account_id="a", grant_status="invalid"), dict(id="g4"), "junk"]
    assert cp.grants_by_account(grants) == {"a": dict(id="g2", account_id="a", grant_status="valid")}


@pytest.mark.parametrize("billing,grant,expected", [
    ("paid", dict(grant_status="valid"), ("cancel", "valid_grant")),
    ("paid", dict(grant_status="invalid"), ("kept", "grant_not_valid")),
    ("paid", None, ("kept", "no_grant")),
    ("cancelled", dict(grant_status="valid"), ("already_cancelled", "already_cancelled")),
    ("CANCELLED", None, ("already_cancelled", "already_cancelled")),
    ("deleted", dict(grant_status="valid"), ("kept", "v2_deleted")),
    (None, dict(grant_status="valid"), ("cancel", "valid_grant")),
])
def test_account_decision(billing, grant, expected):
    assert cp.account_decision(dict(billing_state=billing), grant) == expected


def test_rollout_limit():
    assert cp.rollout_limit(10) is None
    assert cp.rollout_limit(10, count=3) == 3
    assert cp.rollout_limit(10, percent=25) == 3  # rounded up
    assert cp.rollout_limit(10, count=2, percent=50) == 2
    assert cp.rollout_limit(10, percent=0) == 0
    for bad in (dict(count=-1), dict(percent=101), dict(percent=-0.5)):
        with pytest.raises(PlanningError):
            cp.rollout_limit(10, **bad)


ACCOUNTS = [dict(id="a%d" % i, provider="gmail", billing_state="paid", email="a%d@example.com" % i) for i in range(5)]
GRANTS = [dict(id="g%d" % i, account_id="a%d" % i, grant_status="valid") for i in range(4)]


def test_plan_cutover_rollout_and_rows_without_email():
    accounts = ACCOUNTS + [dict(id="c", billing_state="cancelled")]
    grants = GRANTS + [dict(id="gc", account_id="c", grant_status="valid")]
    grants[1] = dict(grants[1], grant_status="invalid")
    plan = cp.plan_cutover(accounts, grants, percent=50)  # 4 valid (a0, a2, a3, c): limit 2
    assert plan["limit"] == 2 and plan["to_cancel"] == ["a0", "a2"]
    decisions = {r["account_id"]: (r["decision"], r["reason"]) for r in plan["rows"]}
    assert decisions == {"a0": ("cancel", "valid_grant"), "a1": ("kept", "grant_not_valid"),
                         "a2": ("cancel", "valid_grant"), "a3": ("deferred", "rollout_limit"),
                         "a4": ("kept", "no_grant"), "c": ("already_cancelled", "already_cancelled")}
    assert all("email" not in r for r in plan["rows"])
    assert plan["counts"]["decision"] == {"cancel": 2, "kept": 2, "deferred": 1, "already_cancelled": 1}


def test_budget_spent():
    assert not cp.budget_spent(0, 0) and cp.budget_spent(1, 0)
    assert not cp.budget_spent(2, 2) and cp.budget_spent(3, 2)
    assert cp.budget_spent(1, None)


def test_record_merge_and_rollback_candidates():
    plan = cp.plan_cutover(ACCOUNTS, GRANTS, count=2)
    record = cp.new_record("r1", "v2-a", "us", plan, 0, count=2, started_at=1.0)
    assert record["planned"] == ["a0", "a1"] and record["cancelled"] == [] and record["finished"] is False
    assert cp.rollback_candidates(record) == ["a0", "a1"]  # unfinished: the planned ones too
    record.update(cancelled=["a0", "a1"], finished=True)
    assert cp.rollback_candidates(record) == ["a0", "a1"]

    accounts = [dict(a, billing_state="cancelled") if a["id"] in ("a0", "a1") else a for a in ACCOUNTS]
    rerun = cp.new_record("r1", "v2-a", "us", cp.plan_cutover(accounts, GRANTS), 0)
    merged = cp.merge_record(record, rerun)
    assert merged["planned"] == ["a0", "a1", "a2", "a3"]
    assert merged["decisions"]["a0"] == "valid_grant"  # not overwritten by already_cancelled
    assert cp.merge_record(None, rerun) is rerun
    with pytest.raises(PlanningError):
        cp.merge_record(dict(record, v2_client_id="v2-other"), cp.new_record("r1", "v2-a", "us", plan, 0))
    with pytest.raises(PlanningError):
        cp.rollback_candidates({"kind": "other"})


def test_plan_rollback_touches_only_what_the_run_cancelled():
    record = dict(kind="nylas_v2_cutover", finished=True, cancelled=["a0", "a1", "a2", "gone"], planned=[])
    accounts = [dict(id="a0", billing_state="cancelled"), dict(id="a1", billing_state="paid"),
                dict(id="a2", billing_state="deleted"), dict(id="a3", billing_state="cancelled")]
    plan = cp.plan_rollback(record, accounts)
    assert plan["to_reactivate"] == ["a0"]
    assert [(r["account_id"], r["reason"]) for r in plan["rows"]] == [
        ("a0", "cancelled_by_run"), ("a1", "already_active"), ("a2", "v2_deleted"), ("gone", "not_found")]


def test_cutover_column():
    first = dict(kind="nylas_v2_cutover", run_id="r1", cancelled=["a0", "a1"], decisions={
        "a0": "valid_grant", "a1": "valid_grant", "a2": "grant_not_valid", "a3": "rollout_limit"},
        rollback=dict(reactivated=["a1"]))
    second = dict(kind="nylas_v2_cutover", run_id="r2", cancelled=["a3"],
                  decisions={"a3": "valid_grant", "a0": "already_cancelled", "a4": "already_cancelled"})
    column = cp.cutover_column([first, second, {"kind": "other"}])
    assert column == {"a0": "cancelled (run r1)", "a1": "re-activated (rollback of run r1)",
                      "a2": "kept: " + cp.CUTOVER_REASONS["grant_not_valid"], "a3": "cancelled (run r2)",
                      "a4": "kept: " + cp.CUTOVER_REASONS["already_cancelled"]}


def test_with_cutover():
    rows = [dict(account_id="a0"), dict(account_id="a9")]
    assert cp.with_cutover(rows, {"a0": "cancelled (run r1)"}) is rows
    assert [r["cutover"] for r in rows] == ["cancelled (run r1)", "not cut over"]
