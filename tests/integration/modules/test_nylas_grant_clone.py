# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_grant_clone against a running simulator: the real module in a subprocess, as Ansible runs it."""
from __future__ import annotations

import base64
import json
import urllib.request

import pytest
import yaml

from tests.integration.module_runner import WORKING_CONNECTORS, connect_demo_pair, run_module

MODULE = "nylas_grant_clone"
API_KEY = "nyk_sim_it_clone_TEST_NOT_A_REAL_KEY"
V2_ID = "v2-it-clone"
V2_SECRET = "sim-v2-secret-it-clone-TEST"
ACME_KEY = "nyk_sim_us_acme_DEMO_NOT_A_REAL_KEY"

ACCOUNTS = [
    {"id": "acc-gmail-1", "provider": "gmail"},
    {"id": "acc-gmail-2", "provider": "gmail"},
    {"id": "acc-graph-1", "provider": "graph"},
    {"id": "acc-exchange-1", "provider": "exchange", "authentication_type": "password"},
    {"id": "acc-eas-1", "provider": "eas"},
    {"id": "acc-imap-invalid", "provider": "imap", "sync_state": "invalid"},
] + [{"id": "acc-bulk-%02d" % n, "provider": "gmail"} for n in range(16)]


def seed(tmp_path):
    """One linked v2/v3 pair holding ACCOUNTS."""
    data = {
        "v2_applications": [{"client_id": V2_ID, "client_secret": V2_SECRET, "region": "us", "accounts": ACCOUNTS}],
        "v3_applications": [{"application_id": "app-it-clone", "api_key": API_KEY, "region": "us",
                             "v2_application_id": V2_ID, "connectors": WORKING_CONNECTORS}],
    }
    path = tmp_path / "clone-seed.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def sim(sim_factory, tmp_path):
    return sim_factory("us", seed=seed(tmp_path))


def args(sim, **extra):
    out = {"api_key": API_KEY, "api_uri": sim.url, "region": "us", "v2_client_id": V2_ID,
           "v2_client_secret": V2_SECRET, "v2_api_uri": sim.url, "max_retries": 1, "timeout": 10}
    out.update(extra)
    return out


def secrets(key=API_KEY):
    basic_v2 = base64.b64encode(("%s:%s" % (V2_ID, V2_SECRET)).encode()).decode()
    return [key, V2_SECRET, basic_v2, "Bearer %s" % key]


def run(sim, check_mode=False, diff=False, key=API_KEY, **extra):
    """Run the module; assert that no secret is in its output, failures included."""
    res = run_module(MODULE, args(sim, **extra), check_mode=check_mode, diff=diff)
    for secret in secrets(key):
        assert secret not in res.raw
    return res


def writes(sim, since):
    return [e for e in sim.requests_log(since=since) if e["method"] != "GET"]


def last_seq(sim):
    log = sim.requests_log()
    return log[-1]["seq"] if log else 0


def by_account(result):
    return dict((g["account_id"], g) for g in result["grants"])


def test_first_run_changes_rerun_does_not_write(sim):
    ids = ["acc-gmail-1", "acc-graph-1", "acc-exchange-1", "acc-imap-invalid"]
    first = run(sim, account_ids=ids)
    assert first.rc == 0, first.raw
    assert first.result["changed"] is True
    assert first.result["summary"] == {"created": 4, "existing": 0, "failed": 0, "unknown": 0, "planned": 0,
                                       "placeholders": 2, "total": 4}
    grants = by_account(first.result)
    assert grants["acc-gmail-1"]["grant_status"] == "valid" and grants["acc-gmail-1"]["provider"] == "google"
    assert grants["acc-graph-1"]["provider"] == "microsoft" and grants["acc-gmail-1"]["grant_id"]
    assert sorted(first.result["reauth_required"]) == ["acc-exchange-1", "acc-imap-invalid"]

    seq = last_seq(sim)
    again = run(sim, account_ids=ids)
    assert again.rc == 0 and again.result["changed"] is False
    assert set(g["result"] for g in again.result["grants"]) == {"existing"}
    assert by_account(again.result)["acc-gmail-1"]["grant_id"] == grants["acc-gmail-1"]["grant_id"]
    assert writes(sim, seq) == []


def test_check_mode_writes_nothing_and_predicts(sim):
    seq = last_seq(sim)
    res = run(sim, check_mode=True, diff=True, account_ids=["acc-gmail-1", "acc-gmail-2"], clone_exchange=False)
    assert res.rc == 0, res.raw
    assert res.result["changed"] is True
    assert [g["result"] for g in res.result["grants"]] == ["planned", "planned"]
    assert res.result["diff"]["before"] == {"migrated_account_ids": []}
    assert res.result["diff"]["after"]["migrated_account_ids"] == ["acc-gmail-1", "acc-gmail-2"]
    planned = [{"method": "POST", "path": "/v3/migration-tools/grants/%s/clone" % a,
                "query": {"clone_exchange": "false"}, "body": None} for a in ("acc-gmail-1", "acc-gmail-2")]
    assert res.result["planned_requests"] == planned and res.result["diff"]["after"]["planned_requests"] == planned
    assert writes(sim, seq) == []
    # and the real run then does what check mode announced, with the very requests it showed
    real = run(sim, diff=True, account_ids=["acc-gmail-1", "acc-gmail-2"], clone_exchange=False)
    assert real.result["diff"]["after"]["migrated_account_ids"] == res.result["diff"]["after"]["migrated_account_ids"]
    assert real.result["summary"]["created"] == 2
    sent = sorted((w["method"], w["path"], w["query"]) for w in writes(sim, seq))
    assert sent == [(r["method"], r["path"], r["query"]) for r in planned]
    assert res.result["forecast"]["valid"] == 2 and res.result["diff"]["after"]["forecast"] == res.result["forecast"]
    assert real.result["forecast_vs_outcome"]["matches"] is True


def test_check_mode_after_migration_predicts_no_change(sim):
    run(sim, account_id="acc-gmail-1")
    res = run(sim, check_mode=True, diff=True, account_ids=["acc-gmail-1"])
    assert res.result["changed"] is False
    assert res.result["diff"]["after"] == {"migrated_account_ids": []}


def test_flags_go_in_the_query_only_when_set(sim):
    seq = last_seq(sim)
    run(sim, account_id="acc-gmail-1")
    res = run(sim, account_id="acc-exchange-1", clone_exchange=False, fail_on_error=False)
    posts = writes(sim, seq)
    assert [p["query"] for p in posts] == [{}, {"clone_exchange": "false"}]
    entry = res.result["grants"][0]
    assert res.rc == 0 and entry["result"] == "failed"
    assert entry["error"]["status"] == 400 and entry["error"]["request_id"]
    assert "Failed to clone account acc-exchange-1" in json.dumps(res.result.get("warnings"))


def test_unknown_account_is_a_per_account_failure_with_request_id(sim):
    res = run(sim, account_ids=["acc-gmail-1", "acc-does-not-exist"])
    assert res.rc != 0
    result = res.result
    assert result["failed"] is True
    assert result["status"] == 404 and result["error_type"] == "not_found_error" and result["request_id"]
    assert result["msg"].startswith("Failed to clone account acc-does-not-exist: HTTP 404 not_found_error")
    assert "request_id=%s" % result["request_id"] in result["msg"]
    grants = by_account(result)
    assert grants["acc-gmail-1"]["result"] == "created"  # partial results kept
    assert grants["acc-does-not-exist"]["error"]["request_id"] == result["request_id"]
    assert result["changed"] is True and result["summary"]["failed"] == 1


def test_bad_api_key_401(sim):
    bad = "nyk_sim_it_WRONG_KEY"
    res = run(sim, key=bad, api_key=bad, account_id="acc-gmail-1")
    assert res.rc != 0
    assert res.result["status"] == 401 and res.result["error_type"] and res.result["request_id"]
    assert res.result["msg"].startswith("Failed to read the existing grants: HTTP 401")


def test_429_with_retry_after(sim):
    sim.add_fault(method="GET", path="/v3/grants", status=429, retry_after=1)
    res = run(sim, account_id="acc-gmail-1", max_retries=1)
    assert res.rc != 0
    assert res.result["status"] == 429 and res.result["attempts"] == 2
    assert res.result["error_type"] and res.result["request_id"]
    assert writes(sim, 0) == []


def test_429_once_is_retried_after_retry_after(sim):
    sim.add_fault(method="POST", path="/v3/migration-tools/grants/*/clone", status=429, retry_after=1, times=1)
    res = run(sim, account_id="acc-gmail-1", max_retries=2)
    assert res.rc == 0, res.raw
    assert res.result["summary"]["created"] == 1
    statuses = [e["status"] for e in writes(sim, 0)]
    assert statuses == [429, 200]  # a POST is re-sent after a 429 only


def test_5xx_on_read(sim):
    sim.add_fault(method="GET", path="/v3/grants", status=503)
    res = run(sim, account_id="acc-gmail-1", max_retries=0)
    assert res.rc != 0
    assert res.result["status"] == 503 and res.result["request_id"] and res.result["method"] == "GET"
    assert res.result["path"] == "/v3/grants"


def clone_posts(sim, account_id, since=0):
    return [e for e in writes(sim, since) if e["path"] == "/v3/migration-tools/grants/%s/clone" % account_id]


def test_html_502_on_every_clone_of_an_account_ends_unknown_never_failed(sim):
    # a gateway answers 502 each time: Nylas never said the clone failed, and no grant shows
    sim.add_fault(method="POST", path="/v3/migration-tools/grants/acc-gmail-2/clone", status=502,
                  body="<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>",
                  content_type="text/html")
    res = run(sim, account_ids=["acc-gmail-1", "acc-gmail-2"], settle_time=1)
    assert res.rc != 0
    result = res.result
    assert result["status"] == 502 and result["outcome_unknown"] is True
    assert result["msg"].startswith("The outcome of 1 of 2 accounts is unknown (acc-gmail-2): HTTP 502")
    assert "Bad Gateway" in result["msg"] and "<html>" not in result["msg"]
    grants = by_account(result)
    assert grants["acc-gmail-1"]["result"] == "created"
    entry = grants["acc-gmail-2"]
    assert entry["result"] == "unknown" and entry["error"]["outcome_unknown"] is True
    assert "re-read for 1 s and re-sent once without seeing a grant" in entry["error"]["message"]
    assert result["summary"]["unknown"] == 1 and result["summary"]["failed"] == 0
    assert len(clone_posts(sim, "acc-gmail-2")) == 2  # sent, then re-sent once after settle_time
    sim.clear_faults()
    again = run(sim, account_ids=["acc-gmail-1", "acc-gmail-2"])
    assert again.rc == 0 and by_account(again.result)["acc-gmail-2"]["result"] == "created"


def test_dropped_connection_on_clone_is_resent_once_in_the_same_run(sim):
    # issue 10 point 2: the connection drops before Nylas acts; the re-reads prove there is no grant;
    # after settle_time the clone is re-sent once and the account is created in this same run
    sim.add_fault(method="POST", path="/v3/migration-tools/grants/acc-gmail-1/clone", drop=True, times=1)
    res = run(sim, account_id="acc-gmail-1", settle_time=1)
    assert res.rc == 0, res.raw
    entry = res.result["grants"][0]
    assert entry["result"] == "created" and entry["grant_id"]
    assert [e["status"] for e in clone_posts(sim, "acc-gmail-1")] == [None, 200]
    rereads = [e for e in sim.requests_log() if e["path"] == "/v3/grants" and e["query"].get("account_ids")]
    assert len(rereads) >= 3  # the plan's read, the re-reads of the settle


def test_answer_lost_after_the_clone_is_found_on_reread_not_resent(sim):
    sim.add_fault(method="POST", path="/v3/migration-tools/grants/acc-gmail-1/clone", drop_after=True, times=1)
    res = run(sim, account_id="acc-gmail-1", settle_time=5)
    assert res.rc == 0, res.raw
    assert res.result["grants"][0]["result"] == "created"
    assert len(clone_posts(sim, "acc-gmail-1")) == 1


def test_timeout_after_send_resolves_to_created_by_rereading(sim):
    # the clone is processed 2.5 s after it arrives, the client gives up at 1 s; the re-reads with
    # back-off see the grant the server made: created, one POST, one grant
    sim.add_fault(method="POST", path="/v3/migration-tools/grants/acc-gmail-1/clone", latency_ms=2500, times=1)
    res = run(sim, account_id="acc-gmail-1", timeout=1, max_retries=0, settle_time=10)
    assert res.rc == 0, res.raw
    entry = res.result["grants"][0]
    assert entry["result"] == "created" and entry["grant_id"]
    assert len(clone_posts(sim, "acc-gmail-1")) == 1
    again = run(sim, account_id="acc-gmail-1")
    assert again.result["changed"] is False and again.result["grants"][0]["grant_id"] == entry["grant_id"]


def test_late_answer_with_settle_time_zero_is_unknown_never_failed(sim):
    # issue 10 point 1: Nylas carries the clone out after the client's timeout; with no time to settle
    # the module says the outcome is unknown (not failed), sends nothing more, and the grant appears
    sim.add_fault(method="POST", path="/v3/migration-tools/grants/acc-gmail-1/clone", latency_ms=2500, times=1)
    res = run(sim, account_id="acc-gmail-1", timeout=1, max_retries=0, settle_time=0)
    assert res.rc != 0
    entry = res.result["grants"][0]
    assert entry["result"] == "unknown" and res.result["summary"] == dict(
        created=0, existing=0, failed=0, unknown=1, planned=0, placeholders=0, total=1)
    assert "re-read once without seeing a grant" in entry["error"]["message"]
    assert res.result["msg"].startswith("The outcome of 1 account is unknown (acc-gmail-1): timeout: outcome unknown")
    assert "failed" not in res.result["msg"].lower()
    sim.wait_for(lambda: sim.state()["grants"] == 1, timeout=10)
    assert len(clone_posts(sim, "acc-gmail-1")) == 1
    again = run(sim, account_id="acc-gmail-1")
    assert again.rc == 0 and again.result["grants"][0]["result"] == "existing"
    assert len(clone_posts(sim, "acc-gmail-1")) == 1


def test_concurrent_clones_one_post_per_account(sim):
    ids = ["acc-bulk-%02d" % n for n in range(16)]
    res = run(sim, account_ids=ids, concurrency=4)
    assert res.rc == 0, res.raw
    assert res.result["summary"]["created"] == 16
    assert [g["account_id"] for g in res.result["grants"]] == ids
    posted = sorted(e["path"].split("/")[-2] for e in writes(sim, 0))
    assert posted == ids
    assert len(set(g["grant_id"] for g in res.result["grants"])) == 16


def test_demo_seed_single_account(sim_us):
    """The demo identities: after a link, one account migrates; the key never shows."""
    request = urllib.request.Request(
        "%s/a/v2-us-acme/accounts?limit=50" % sim_us.url,
        headers={"Authorization": "Basic " + base64.b64encode(b"sim-v2-secret-us-acme-DEMO:").decode()})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback simulator
        accounts = json.loads(response.read())
    gmail = [a["id"] for a in accounts if a["provider"] == "gmail" and a.get("billing_state") != "deleted"
             and a.get("sync_state") == "running"][:1]
    link = run_module("nylas_link_apps", {
        "api_key": ACME_KEY, "api_uri": sim_us.url, "v2_client_id": "v2-us-acme",
        "v2_client_secret": "sim-v2-secret-us-acme-DEMO", "v2_api_uri": sim_us.url})
    assert link.rc == 0, link.raw
    connect_demo_pair(sim_us, ACME_KEY)
    res = run_module(MODULE, {"api_key": ACME_KEY, "api_uri": sim_us.url, "account_ids": gmail})
    assert res.rc == 0 and res.result["summary"]["created"] == 1
    assert ACME_KEY not in res.raw


# -- issue 10, done when: 30 accounts, 3 dropped clone connections, one run ---------------------------

THIRTY = ["acc-thirty-%02d" % n for n in range(30)]
DROPPED = ["acc-thirty-03", "acc-thirty-14", "acc-thirty-27"]


@pytest.fixture
def sim30(sim_factory, tmp_path):
    """A fresh simulator with one linked pair of 30 gmail accounts."""
    data = {
        "v2_applications": [{"client_id": V2_ID, "client_secret": V2_SECRET, "region": "us",
                             "accounts": [{"id": a, "provider": "gmail"} for a in THIRTY]}],
        "v3_applications": [{"application_id": "app-it-clone", "api_key": API_KEY, "region": "us",
                             "v2_application_id": V2_ID, "connectors": WORKING_CONNECTORS}],
    }
    path = tmp_path / "thirty-seed.yaml"
    path.write_text(yaml.safe_dump(data))
    return sim_factory("us", seed=path)


def grants_per_account(sim):
    """``{account_id: number of grants}`` of the test application, read from the API (``GET /v3/grants``)."""
    request = urllib.request.Request("%s/v3/grants?limit=200" % sim.url, headers={"Authorization": "Bearer " + API_KEY})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback simulator
        grants = json.loads(response.read())["data"]
    counts = {}
    for item in grants:
        counts[item["account_id"]] = counts.get(item["account_id"], 0) + 1
    return counts


def test_thirty_accounts_three_dropped_clones_all_migrated_in_one_run(sim30):
    for account_id in DROPPED:
        sim30.add_fault(method="POST", path="/v3/migration-tools/grants/%s/clone" % account_id, drop=True, times=1)
    res = run(sim30, account_ids=THIRTY, concurrency=4, settle_time=2)
    assert res.rc == 0, res.raw
    results = by_account(res.result)
    assert set(g["result"] for g in results.values()) == {"created"}
    assert res.result["summary"]["created"] == 30 and res.result["summary"]["unknown"] == 0
    assert sim30.state()["applications"]["app-it-clone"]["grants"]["total"] == 30
    per_account = grants_per_account(sim30)
    assert sorted(per_account) == THIRTY and set(per_account.values()) == {1}  # none lost, none duplicated
    posts = {}
    for entry in writes(sim30, 0):
        posts.setdefault(entry["path"].split("/")[-2], []).append(entry["status"])
    assert {a: posts[a] for a in DROPPED} == {a: [None, 200] for a in DROPPED}
    assert all(posts[a] == [200] for a in THIRTY if a not in DROPPED)
