# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_v2_webhook_parity against running simulators: the trigger map of the demo seed's v2 webhooks,
the proposed destinations created through nylas_webhook (re-run unchanged), and the v2 webhooks set
inactive once their v3 destinations exist.
"""

from __future__ import annotations

import yaml

from tests.integration.module_runner import assert_no_secrets, last_seq, module_args, run_module, writes
from tests.integration.modules.cutover_helpers import V2_ID, args_for, assert_clean, write_seed


def parity(args, identity="us-acme", **kwargs):
    result = run_module("nylas_v2_webhook_parity", args, **kwargs)
    assert_no_secrets(result.raw, identity)
    return result


def proposed(result):
    return [(p["webhook_url"], p["trigger_types"], p["v3_status"]) for p in result.result["proposals"]]


def test_trigger_map_of_the_demo_seed(sim_us, sim_eu):
    seq = last_seq(sim_us)
    acme = parity(module_args(sim_us))
    assert acme.rc == 0, acme.raw
    assert proposed(acme) == [
        ("https://hooks.example.com/acme/v2/messages", ["message.created", "message.opened"], "missing"),
        ("https://hooks.example.com/acme/v2/accounts", ["grant.created", "grant.expired"], "missing"),
    ]
    assert acme.result["unmapped"] == [] and acme.result["skipped"] == []
    assert acme.result["changed"] is False and writes(sim_us, seq) == []

    globex = parity(module_args(sim_us, identity="us-globex"), identity="us-globex")
    assert proposed(globex) == [("https://hooks.example.org/globex/v2/events", ["event.created", "event.updated"],
                                 "missing")]
    assert [(s["callback_url"], s["reason"]) for s in globex.result["skipped"]] == [
        ("https://hooks.example.org/globex/v2/accounts", "the v2 webhook is inactive")]
    with_inactive = parity(module_args(sim_us, identity="us-globex", include_inactive=True), identity="us-globex")
    assert ("https://hooks.example.org/globex/v2/accounts", ["grant.created"], "missing") in proposed(with_inactive)

    initech = parity(module_args(sim_eu, identity="eu-initech"), identity="eu-initech")
    assert proposed(initech) == [
        ("https://hooks.example.net/initech/v2/messages", ["message.created"], "missing"),
        ("https://hooks.example.net/initech/v2/threads", ["thread.replied"], "missing"),
    ]
    table = {row["v2_trigger"]: row["v3_trigger"] for row in acme.result["trigger_map"]}
    assert table["account.connected"] == "grant.created" and table["account.running"] is None


def test_unmapped_triggers_are_listed_never_dropped(sim_factory, tmp_path):
    sim = sim_factory("us", seed=write_seed(tmp_path / "seed.yaml"))
    result = run_module("nylas_v2_webhook_parity", args_for(sim))
    assert_clean(result.raw)
    assert result.rc == 0, result.raw
    assert [(p["webhook_url"], p["trigger_types"]) for p in result.result["proposals"]] == [
        ("https://hooks.example.com/cut/v2/all", ["event.created", "grant.created", "message.bounce_detected"])]
    assert sorted((u["callback_url"].rsplit("/", 1)[1], u["trigger"]) for u in result.result["unmapped"]) == [
        ("all", "account.running"), ("all", "contact.created"), ("jobs", "job.successful")]
    assert all(u["reason"] for u in result.result["unmapped"])
    assert [s["reason"] for s in result.result["skipped"]] == ["none of its triggers has a v3 equivalent"]
    assert yaml.safe_load(result.result["inventory_yaml"]) == {"nylas_webhooks": [{
        "webhook_url": "https://hooks.example.com/cut/v2/all",
        "description": result.result["proposals"][0]["description"],
        "trigger_types": ["event.created", "grant.created", "message.bounce_detected"]}]}
    assert V2_ID in result.result["v2_webhooks"][0]["application_id"]


def test_create_proposed_destinations_rerun_unchanged_then_deactivate_v2(sim_us, webhook_receiver):
    args = module_args(sim_us)
    # the v3 endpoints must answer Nylas's challenge: both v2 URLs map to paths of the test's receiver
    url_map = {"https://hooks.example.com/acme/v2/messages": webhook_receiver.url_for("/acme/v3/messages"),
               "https://hooks.example.com/acme/v2/accounts": webhook_receiver.url_for("/acme/v3/accounts")}
    first = parity(dict(args, webhook_url_map=url_map))
    proposals = first.result["proposals"]
    assert proposals[0]["webhook_url"] == webhook_receiver.url_for("/acme/v3/messages")

    def create_all():
        results = []
        for p in proposals:
            res = run_module("nylas_webhook", dict(args, webhook_url=p["webhook_url"], trigger_types=p["trigger_types"],
                                                   description=p["description"]))
            assert_no_secrets(res.raw)
            assert res.rc == 0, res.raw
            results.append(res.result["changed"])
        return results

    seq = last_seq(sim_us)
    assert create_all() == [True, True]
    assert writes(sim_us, seq) == [("POST", "/v3/webhooks"), ("POST", "/v3/webhooks")]
    seq = last_seq(sim_us)
    assert create_all() == [False, False]
    assert writes(sim_us, seq) == []
    again = parity(dict(args, webhook_url_map=url_map))
    assert [p["v3_status"] for p in again.result["proposals"]] == ["present", "present"]
    assert again.result["changed"] is False

    seq = last_seq(sim_us)
    check = parity(dict(args, webhook_url_map=url_map, deactivate_v2_webhooks=True), check_mode=True)
    assert check.rc == 0 and check.result["changed"] is False and check.result["deactivated"] == []
    assert [d["action"] for d in check.result["deactivation"]] == ["deactivate", "deactivate"]
    assert writes(sim_us, seq) == []

    done = parity(dict(args, webhook_url_map=url_map, deactivate_v2_webhooks=True))
    assert done.rc == 0 and done.result["changed"] is True and len(done.result["deactivated"]) == 2, done.raw
    assert [h["state"] for h in done.result["v2_webhooks"]] == ["inactive", "inactive"]
    assert [m for m, p in writes(sim_us, seq)] == ["PUT", "PUT"]
    assert all(p.startswith("/a/v2-us-acme/webhooks/") for _m, p in writes(sim_us, seq))

    seq = last_seq(sim_us)
    rerun = parity(dict(args, webhook_url_map=url_map, deactivate_v2_webhooks=True))
    assert rerun.rc == 0 and rerun.result["changed"] is False and writes(sim_us, seq) == []


def test_deactivation_waits_for_the_v3_destination(sim_us):
    args = module_args(sim_us)
    seq = last_seq(sim_us)
    result = parity(dict(args, deactivate_v2_webhooks=True))
    assert result.rc == 0 and result.result["changed"] is False
    assert all(d["action"] == "none" and "missing" in d["reason"] for d in result.result["deactivation"])
    assert writes(sim_us, seq) == []
