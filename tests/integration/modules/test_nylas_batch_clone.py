# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_batch_clone against a running simulator: the real module in a subprocess, as Ansible runs it."""
from __future__ import annotations

import base64
import json

import pytest
import requests
import yaml

from simulator.backend import clone_outcome

from tests.integration.module_runner import IDENTITIES, WORKING_CONNECTORS, connect_demo_pair, run_module

MODULE = "nylas_batch_clone"
API_KEY = "nyk_sim_it_batch_TEST_NOT_A_REAL_KEY"
V2_ID = "v2-it-batch"
V2_SECRET = "sim-v2-secret-it-batch-TEST"
ACME_KEY = "nyk_sim_us_acme_DEMO_NOT_A_REAL_KEY"
ACME_V2 = ("v2-us-acme", "sim-v2-secret-us-acme-DEMO")
ACME_PILOTS = ["tipdvs9w76kbby3owlghkjyot", "t1y307y7k55ee6g7kjv1a4721"]

ACCOUNTS = (
    [{"id": "b-gmail-%02d" % n, "provider": "gmail"} for n in range(12)]
    + [{"id": "b-graph-%02d" % n, "provider": "graph"} for n in range(6)]
    + [{"id": "b-imap-%02d" % n, "provider": "imap"} for n in range(4)]
    + [{"id": "b-exchange-%02d" % n, "provider": "exchange", "authentication_type": "password"} for n in range(3)]
    + [{"id": "b-eas-00", "provider": "eas"},
       {"id": "b-invalid-00", "provider": "icloud", "sync_state": "invalid"},
       {"id": "b-deleted-00", "provider": "gmail", "billing_state": "deleted"}]
)
PLACEHOLDERS = ["b-eas-00", "b-exchange-00", "b-exchange-01", "b-exchange-02", "b-invalid-00"]


def write_seed(tmp_path):
    data = {
        "v2_applications": [{"client_id": V2_ID, "client_secret": V2_SECRET, "region": "us", "accounts": ACCOUNTS}],
        "v3_applications": [{"application_id": "app-it-batch", "api_key": API_KEY, "region": "us",
                             "v2_application_id": V2_ID, "connectors": WORKING_CONNECTORS}],
    }
    path = tmp_path / "batch-seed.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def sim(sim_factory, tmp_path):
    return sim_factory("us", seed=write_seed(tmp_path))


def args(sim, v2=True, **extra):
    out = {"api_key": API_KEY, "api_uri": sim.url, "region": "us", "max_retries": 1, "timeout": 10,
           "poll_interval": 0.5, "wait_timeout": 120}
    if v2:
        out.update(v2_client_id=V2_ID, v2_client_secret=V2_SECRET, v2_api_uri=sim.url)
    out.update(extra)
    return out


def run(sim, check_mode=False, diff=False, key=API_KEY, v2=True, v2_ids=(V2_ID, V2_SECRET), **extra):
    """Run the module; assert that no secret is in its output, failures included."""
    res = run_module(MODULE, args(sim, v2=v2, **extra), check_mode=check_mode, diff=diff)
    basic_v2 = base64.b64encode(("%s:%s" % v2_ids).encode()).decode()
    for secret in (key, v2_ids[1], basic_v2, "Bearer %s" % key):
        assert secret not in res.raw
    return res


def v2_accounts(sim, client_id, secret):
    """Every v2 account of ``client_id``, through the v2 API of the simulator."""
    out = []
    while True:
        resp = requests.get("%s/a/%s/accounts" % (sim.url, client_id), params={"offset": len(out), "limit": 500},
                            auth=(secret, ""), timeout=10)
        resp.raise_for_status()
        page = resp.json()
        out.extend(page)
        if len(page) < 500:
            return out


def last_seq(sim):
    log = sim.requests_log()
    return log[-1]["seq"] if log else 0


def writes(sim, since=0):
    return [e for e in sim.requests_log(since=since) if e["method"] != "GET"]


def test_first_run_migrates_rerun_changes_nothing(sim):
    first = run(sim, diff=True)
    assert first.rc == 0, first.raw
    result = first.result
    assert result["changed"] is True and result["job_started"] is True and result["attached"] is False
    assert result["action"] == "start" and result["scope"]["pending"] == len(ACCOUNTS) - 1  # deleted one
    assert result["outcome"] == "partial"  # placeholders and the deleted account
    assert result["counts"] == {"all": len(ACCOUNTS), "success": len(ACCOUNTS) - 1 - len(PLACEHOLDERS),
                                "failed": 1, "warning": len(PLACEHOLDERS)}
    assert result["reauth_required"]["count"] == len(PLACEHOLDERS)
    assert sorted(result["reauth_required"]["account_ids"]) == PLACEHOLDERS
    assert [b["outcome"] for b in result["batches"]] == ["partial"]
    assert result["snapshot_job"]["job_id"] and result["clone_job"]["linked_job_id"] == result["snapshot_job"]["job_id"]
    assert result["diff"]["after"] == {"batch_clone_job": result["clone_job"]["job_id"],
                                       "accounts_to_migrate": len(ACCOUNTS) - 1, "forecast": result["forecast"]}
    assert result["forecast_vs_outcome"] == {"valid": {"forecast": 22, "outcome": 22},
                                             "reauth_required": {"forecast": 5, "outcome": 5},
                                             "will_fail": {"forecast": 1, "outcome": 1}, "matches": True}
    assert result["progress"][-1]["status"] == "partial"
    assert "ended partial" in json.dumps(result.get("warnings"))
    assert len(writes(sim)) == 1

    seq = last_seq(sim)
    again = run(sim, diff=True)
    assert again.rc == 0, again.raw
    assert again.result["changed"] is False and again.result["action"] == "none"
    # the deleted account was tried and failed: mode only_new (the contract) does not select it again
    assert again.result["scope"]["attempted"] == 1 and again.result["scope"]["selected"] == 0
    assert again.result["counts"] == first.result["counts"]
    assert sorted(again.result["reauth_required"]["account_ids"]) == PLACEHOLDERS
    assert again.result["diff"]["before"] == again.result["diff"]["after"]
    assert writes(sim, seq) == []


def test_check_mode_writes_nothing_and_predicts(sim):
    res = run(sim, check_mode=True, diff=True, providers=["google", "imap"])
    assert res.rc == 0, res.raw
    assert res.result["changed"] is True and res.result["job_started"] is False and res.result["action"] == "start"
    assert res.result["scope"]["pending"] == 16
    assert res.result["diff"]["after"]["batch_clone_job"] == "(new job)"
    assert res.result["diff"]["after"]["accounts_to_migrate"] == 16
    assert res.result["diff"]["after"]["planned_requests"] == [{
        "method": "POST", "path": "/v3/migration-tools/snapshot-batch-clone", "query": {},
        "body": {"providers": ["google", "imap"], "mode": "only_new"}}]
    assert res.result["progress"] == []
    assert writes(sim) == []


def test_providers_are_a_scope_and_a_set(sim):
    first = run(sim, providers=["imap", "google", "google"])
    assert first.rc == 0, first.raw
    post = writes(sim)[0]
    assert post["path"] == "/v3/migration-tools/snapshot-batch-clone"
    assert first.result["counts"]["all"] == 17  # 12 gmail + 4 imap + the deleted gmail
    again = run(sim, providers=["google", "imap"])
    assert again.result["changed"] is False
    other = run(sim, check_mode=True, providers=["graph"])
    assert other.result["changed"] is True and other.result["scope"]["pending"] == 6


def test_not_migratable_with_flags_does_not_restart(sim):
    first = run(sim, clone_exchange=False, allow_invalid_grant_creation=False, fail_on_partial=False)
    assert first.rc == 0, first.raw
    assert first.result["counts"]["failed"] == 6  # 3 exchange, eas, invalid, deleted
    seq = last_seq(sim)
    again = run(sim, clone_exchange=False, allow_invalid_grant_creation=False, mode="all")
    assert again.result["changed"] is False and again.result["scope"]["not_migratable"] == 6
    assert writes(sim, seq) == []
    # they attempted migration: mode only_new (the contract) leaves them, even with placeholders allowed
    new = run(sim)
    assert new.result["changed"] is False and new.result["scope"]["attempted"] == 6
    assert writes(sim, seq) == []
    # allowing placeholders makes five of them migratable, by mode only_failed
    plan = run(sim, check_mode=True, mode="only_failed")
    assert plan.result["changed"] is True and plan.result["scope"]["pending"] == 5
    retried = run(sim, mode="only_failed")
    assert retried.rc == 0, retried.raw
    assert retried.result["batches"][0]["counts"] == {"all": 6, "success": 0, "failed": 1, "warning": 5}


def test_attaches_to_a_running_job(sim):
    sim.set_pace(2)
    started = run(sim, wait=False)
    assert started.rc == 0 and started.result["job_started"] is True and started.result["outcome"] == "running"
    seq = last_seq(sim)
    attached = run(sim, wait=False)
    assert attached.result["attached"] is True and attached.result["changed"] is False
    assert attached.result["clone_job"]["job_id"] == started.result["clone_job"]["job_id"]
    checked = run(sim, check_mode=True)
    assert checked.result["attached"] is True and checked.result["changed"] is False
    assert writes(sim, seq) == []
    sim.set_pace(10)  # still running when the module reads the jobs, done a few seconds later
    waited = run(sim)
    assert waited.rc == 0, waited.raw
    assert waited.result["attached"] is True and waited.result["outcome"] == "partial"
    assert waited.result["counts"]["all"] == len(ACCOUNTS)
    assert writes(sim, seq) == []


def test_timeout_reports_status_counts_and_both_ids(sim):
    sim.set_pace(1)
    res = run(sim, wait_timeout=1, poll_interval=0.5)
    assert res.rc != 0
    result = res.result
    assert result["timed_out"] is True and result["outcome"] == "running"
    snap, clone = result["snapshot_job"]["job_id"], result["clone_job"]["job_id"]
    assert "Timed out after 1 seconds" in result["msg"] and snap in result["msg"] and clone in result["msg"]
    assert result["counts"]["all"] == len(ACCOUNTS) and result["changed"] is True
    sim.set_pace(10)
    again = run(sim)
    assert again.rc == 0, again.raw
    assert again.result["attached"] is True and again.result["clone_job"]["job_id"] == clone
    assert len(writes(sim)) == 1


def test_fail_on_partial(sim):
    res = run(sim, fail_on_partial=True)
    assert res.rc != 0
    assert "ended partial" in res.result["msg"] and res.result["counts"]["failed"] == 1
    assert res.result["outcome"] == "partial" and res.result["clone_job"]["job_id"] in res.result["msg"]


def test_without_v2_reads_it_starts_and_warns_when_v2_fails(sim):
    sim.add_fault(method="GET", path="/a/*", status=503)
    res = run(sim, max_retries=0, limit=5)
    assert res.rc == 0, res.raw
    assert res.result["v2_reads"] is False and res.result["scope"] is None and res.result["job_started"] is True
    assert "v2 account list could not be read" in json.dumps(res.result.get("warnings"))


def test_bad_api_key_401(sim):
    bad = "nyk_sim_it_WRONG_KEY"
    res = run(sim, key=bad, api_key=bad)
    assert res.rc != 0
    assert res.result["status"] == 401 and res.result["error_type"] and res.result["request_id"]
    assert res.result["msg"].startswith("Failed to list the migration jobs (GET /v3/migration-tools/jobs): HTTP 401")


def test_404_on_jobs(sim):
    sim.add_fault(method="GET", path="/v3/migration-tools/jobs", status=404)
    res = run(sim)
    assert res.rc != 0
    assert res.result["status"] == 404 and res.result["error_type"] == "not_found_error"
    assert res.result["request_id"] and res.result["path"] == "/v3/migration-tools/jobs"


def test_429_with_retry_after(sim):
    sim.add_fault(method="POST", path="/v3/migration-tools/snapshot-batch-clone", status=429, retry_after=1)
    res = run(sim, max_retries=1)
    assert res.rc != 0
    assert res.result["status"] == 429 and res.result["attempts"] == 2 and res.result["request_id"]
    assert res.result["changed"] is False
    assert [e["status"] for e in writes(sim)] == [429, 429]


def test_5xx_while_waiting_keeps_job_ids(sim):
    sim.set_pace(0)  # the batch this run starts cannot end while the module waits on it
    # the run's first read of the jobs (its plan) goes through; every later one, a poll while waiting, fails
    sim.add_fault(method="GET", path="/v3/migration-tools/jobs", latency_ms=1, times=1)
    fault = sim.add_fault(method="GET", path="/v3/migration-tools/jobs", status=503)
    seq = last_seq(sim)
    res = run(sim, max_retries=0)
    assert res.rc != 0, res.raw
    result = res.result
    assert result["msg"].startswith("Failed to read the migration jobs while waiting (GET /v3/migration-tools/jobs): "
                                    "HTTP 503"), result["msg"]
    assert result["status"] == 503 and result["request_id"] and result["method"] == "GET"
    assert result["job_started"] is True and result["changed"] is True
    # the poll that failed came after this run started its batch
    log = sim.requests_log(since=seq)
    start = ("POST", "/v3/migration-tools/snapshot-batch-clone")
    started = [e["seq"] for e in log if (e["method"], e["path"]) == start]
    failed_polls = [e["seq"] for e in log if e["fault"] == fault["id"]]
    assert len(started) == 1 and len(failed_polls) == 1 and failed_polls[0] > started[0]
    # the failed result carries the ids of the two jobs it was waiting on, as the API lists them
    sim.clear_faults()
    listed = run_module("nylas_migration_job_info", {"api_key": API_KEY, "api_uri": sim.url, "region": "us"})
    assert listed.rc == 0, listed.raw
    ids = dict((j["type"], j["job_id"]) for j in listed.result["jobs"])
    assert len(listed.result["jobs"]) == 2 and set(ids) == {"snapshot", "migration"}
    assert (result["snapshot_job"] or {}).get("job_id") == ids["snapshot"], result["snapshot_job"]
    assert (result["clone_job"] or {}).get("job_id") == ids["migration"], result["clone_job"]
    assert result["clone_job"]["linked_job_id"] == ids["snapshot"]


def test_html_502_on_every_start_is_resent_once_then_unknown(sim):
    sim.add_fault(method="POST", path="/v3/migration-tools/snapshot-batch-clone", status=502,
                  body="<html><head><title>502</title></head><body>Bad Gateway</body></html>",
                  content_type="text/html")
    res = run(sim, settle_time=1)
    assert res.rc != 0
    result = res.result
    assert result["status"] == 502 and result["outcome_unknown"] is True and result["changed"] is False
    assert result["msg"].startswith("The outcome of the batch clone start is unknown (re-read for 1 s and re-sent once")
    assert "Bad Gateway" in result["msg"] and "<body>" not in result["msg"]
    assert len(writes(sim)) == 2  # re-sent once, only after settle_time
    sim.clear_faults()
    again = run(sim)
    assert again.rc == 0 and again.result["job_started"] is True
    assert len(writes(sim)) == 3


def test_demo_seed_rerun_reports_no_change(sim_us):
    link = run_module("nylas_link_apps", {
        "api_key": ACME_KEY, "api_uri": sim_us.url, "v2_client_id": ACME_V2[0], "v2_client_secret": ACME_V2[1],
        "v2_api_uri": sim_us.url})
    assert link.rc == 0, link.raw
    connect_demo_pair(sim_us, ACME_KEY)
    demo = {"api_key": ACME_KEY, "v2_client_id": ACME_V2[0], "v2_client_secret": ACME_V2[1]}
    first = run(sim_us, key=ACME_KEY, v2_ids=ACME_V2, **demo)
    assert first.rc == 0, first.raw
    assert first.result["changed"] is True and first.result["counts"]["all"] >= 1000
    seq = last_seq(sim_us)
    again = run(sim_us, key=ACME_KEY, v2_ids=ACME_V2, **demo)
    assert again.rc == 0, again.raw
    assert again.result["changed"] is False and again.result["action"] == "none"
    assert again.result["reauth_required"]["count"] == first.result["counts"]["warning"]
    assert writes(sim_us, seq) == []


def test_demo_acme_chained_batches_count_each_account_once(sim_us):
    """Issue 10.7: acme as the demo runs it (two pilots cloned one by one, then the batch clone with default
    flags and no limit, which chains two batches): the counts are the simulator's truth, the report says the
    same, and the second batch tries no account the first one (or a pilot clone) tried."""
    link = run_module("nylas_link_apps", {
        "api_key": ACME_KEY, "api_uri": sim_us.url, "v2_client_id": ACME_V2[0], "v2_client_secret": ACME_V2[1],
        "v2_api_uri": sim_us.url})
    assert link.rc == 0, link.raw
    connect_demo_pair(sim_us, ACME_KEY)
    demo = {"api_key": ACME_KEY, "v2_client_id": ACME_V2[0], "v2_client_secret": ACME_V2[1]}
    # the demo's two pilot accounts (inventories/demo/host_vars/acme.yml) are cloned one by one first
    pilots = run_module("nylas_grant_clone", dict(demo, api_uri=sim_us.url, v2_api_uri=sim_us.url,
                                                  account_ids=ACME_PILOTS))
    assert pilots.rc == 0, pilots.raw
    res = run(sim_us, key=ACME_KEY, v2_ids=ACME_V2, **demo)
    assert res.rc == 0, res.raw
    app = sim_us.state()["applications"]["app-us-acme"]
    truth = app["expected"]
    assert (app["accounts"], truth) == (1200, {"valid": 987, "placeholder": 205, "failed": 8})
    assert app["grants"]["by_status"] == {"valid": 987, "invalid": 205}
    assert res.result["counts"] == {"all": 1200, "success": 987, "warning": 205, "failed": 8}
    assert res.result["reauth_required"]["count"] == 205 and len(res.result["reauth_required"]["account_ids"]) == 205
    # per-job counts stay under batches: 1000, then the 198 accounts never tried (the pilots were)
    batches = res.result["batches"]
    assert [b["counts"]["all"] for b in batches] == [1000, 198]
    assert sum(b["counts"]["failed"] for b in batches) == 8
    starts = [e for e in writes(sim_us) if e["path"] == "/v3/migration-tools/snapshot-batch-clone"]
    assert len(starts) == 2
    tried = [sim_us.job_accounts(b["clone_job_id"]) for b in batches]
    assert [len(t) for t in tried] == [1000, 198] and not set(tried[0]) & set(tried[1])
    assert not set(ACME_PILOTS) & (set(tried[0]) | set(tried[1]))
    # the accounts the rules say cannot migrate with these flags (deleted in v2) are each tried once: the second
    # batch tries none of those the first one failed (before the fix it took them again: 1,206 tried)
    accounts = v2_accounts(sim_us, *ACME_V2)
    not_migratable = set(a["id"] for a in accounts if clone_outcome(a)[0] == "failed")
    assert len(accounts) == 1200 and len(not_migratable) == 8
    failed_first = not_migratable & set(tried[0])
    assert failed_first and not failed_first & set(tried[1])
    assert [sum(a in t for t in tried) for a in sorted(not_migratable)] == [1] * 8
    info = run_module("nylas_migration_info", dict(demo, api_uri=sim_us.url, v2_api_uri=sim_us.url))
    assert info.rc == 0, info.raw
    assert info.result["summary"]["by_status"] == {"migrated": 987, "reauth_required": 205, "failed": 8,
                                                   "not_migrated": 0}


#: The demo pairs: (simulator region, application id, identity of module_runner.IDENTITIES).
DEMO_PAIRS = {"acme": ("us", "app-us-acme", "us-acme"), "globex": ("us", "app-us-globex", "us-globex"),
              "initech": ("eu", "app-eu-initech", "eu-initech")}


def demo_forecast_then_run(sim, pair):
    """Link the pair, plan the batch clone (check mode), run it; return (forecast, result, truth)."""
    from tests.integration.module_runner import module_args

    _region, app_id, identity = DEMO_PAIRS[pair]
    link = run_module("nylas_link_apps", module_args(sim, identity))
    assert link.rc == 0, link.raw
    connect_demo_pair(sim, IDENTITIES[identity]["api_key"])
    demo = module_args(sim, identity, poll_interval=0.5, wait_timeout=300)
    ident_key, ident_v2 = demo["api_key"], (demo["v2_client_id"], demo["v2_client_secret"])
    seq = last_seq(sim)
    plan = run(sim, check_mode=True, diff=True, key=ident_key, v2_ids=ident_v2, **demo)
    assert plan.rc == 0, plan.raw
    assert writes(sim, seq) == []  # the plan wrote nothing
    assert plan.result["planned_requests"] == [{"method": "POST", "path": "/v3/migration-tools/snapshot-batch-clone",
                                                "query": {}, "body": {"mode": "only_new"}}]
    assert plan.result["diff"]["after"]["forecast"] == plan.result["forecast"]
    real = run(sim, key=ident_key, v2_ids=ident_v2, **demo)
    assert real.rc == 0, real.raw
    grants = sim.state()["applications"][app_id]["grants"]
    truth = {"valid": grants["by_status"].get("valid", 0), "reauth_required": grants["by_status"].get("invalid", 0),
             "will_fail": sim.state()["applications"][app_id]["accounts"] - grants["total"]}
    return plan.result["forecast"], real.result, truth


def forecast_counts(forecast):
    return dict((k, forecast[k]) for k in ("valid", "reauth_required", "will_fail"))


def test_demo_forecast_of_the_plan_equals_what_the_run_does(sim_us, sim_eu):
    """Issue 10 point 9: on the demo seed the plan's forecast per pair is what the real run then does."""
    seen = {}
    for pair in ("acme", "globex", "initech"):
        sim = sim_us if DEMO_PAIRS[pair][0] == "us" else sim_eu
        forecast, real, truth = demo_forecast_then_run(sim, pair)
        assert forecast_counts(forecast) == truth, pair
        assert forecast_counts(real["forecast"]) == truth, pair
        assert real["forecast_vs_outcome"]["matches"] is True, (pair, real["forecast_vs_outcome"])
        assert real["forecast_summary"] == "forecast: {0}; outcome: {0}".format(
            "%(valid)d valid, %(reauth_required)d re-authentication required, %(will_fail)d will fail" % truth)
        assert sum(c["reauth_required"] for c in forecast["by_provider"].values()) == truth["reauth_required"]
        assert "@example" not in json.dumps(forecast)
        seen[pair] = forecast_counts(forecast)
    assert seen["acme"] == {"valid": 987, "reauth_required": 205, "will_fail": 8}
