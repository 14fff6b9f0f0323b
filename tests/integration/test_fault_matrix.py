# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix (issue 10): each fault on its own fresh simulator, against the real modules.

Every case ends either in success after retry or settling, or in a clear error carrying the Nylas
request id; and in every case the simulator's state shows 0 duplicate grants and 0 lost accounts
(each account has exactly one grant after a success, none after an error that stopped before any
clone). Faults: 429 with ``Retry-After`` in seconds and as an HTTP date, an HTML 502 (on a read and on a
write), dropped connections on writes (before Nylas acts, and after it acted: the answer lost), late
answers past ``timeout``, the wrong region, a bad API key, and the simulator restarted mid-batch.
Small seeds, short timeouts and settle times keep each case quick.
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
import urllib.request

import pytest
import yaml

from tests.integration.module_runner import WORKING_CONNECTORS, run_module

API_KEY = "nyk_sim_it_faults_TEST_NOT_A_REAL_KEY"
V2_ID = "v2-it-faults"
V2_SECRET = "sim-v2-secret-it-faults-TEST"
APP = "app-it-faults"
ACCOUNTS = ["acc-fm-%02d" % n for n in range(6)]
HIT = ACCOUNTS[1]  # the account whose clone is faulted
CLONE = "/v3/migration-tools/grants/%s/clone"
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>nginx</body></html>"


def write_seed(tmp_path, accounts=ACCOUNTS, linked=True):
    """One v2/v3 pair of gmail accounts (linked unless ``linked`` is False)."""
    # the accounts are gmail ones: the Google connector is the one clones need (the tests create the others)
    v3 = {"application_id": APP, "api_key": API_KEY, "region": "us",
          "connectors": [c for c in WORKING_CONNECTORS if c["provider"] == "google"]}
    if linked:
        v3["v2_application_id"] = V2_ID
    data = {
        "v2_applications": [{"client_id": V2_ID, "client_secret": V2_SECRET, "region": "us",
                             "accounts": [{"id": a, "provider": "gmail"} for a in accounts]}],
        "v3_applications": [v3],
    }
    path = tmp_path / "faults-seed.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def module_args(sim, **extra):
    out = {"api_key": API_KEY, "api_uri": sim.url, "region": "us", "v2_client_id": V2_ID,
           "v2_client_secret": V2_SECRET, "v2_api_uri": sim.url, "max_retries": 3, "timeout": 5, "settle_time": 2}
    out.update(extra)
    return out


def run(name, args):
    """Run module ``name``; assert no secret in its output (failures included)."""
    res = run_module(name, args)
    for secret in (API_KEY, V2_SECRET, "Bearer " + API_KEY):
        assert secret not in res.raw
    assert "Traceback" not in res.raw
    return res


def api_get(sim, path):
    request = urllib.request.Request(sim.url + path, headers={"Authorization": "Bearer " + API_KEY})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback simulator
        return json.loads(response.read())["data"]


def grants_per_account(sim):
    """``{account_id: number of grants}`` of the test application (``GET /v3/grants``)."""
    counts = {}
    for grant in api_get(sim, "/v3/grants?limit=200"):
        counts[grant["account_id"]] = counts.get(grant["account_id"], 0) + 1
    return counts


def clone_posts(sim):
    """``{account_id: [status of each clone POST]}`` from the simulator's request log."""
    posts = {}
    for entry in sim.requests_log(method="POST"):
        if entry["path"].startswith("/v3/migration-tools/grants/"):
            posts.setdefault(entry["path"].split("/")[-2], []).append(entry["status"])
    return posts


def assert_every_account_once(sim, accounts=ACCOUNTS):
    """0 lost, 0 duplicated: each account has exactly one grant (API and /_sim/state agree)."""
    per_account = grants_per_account(sim)
    assert sorted(per_account) == sorted(accounts), "lost: %s" % sorted(set(accounts) - set(per_account))
    assert set(per_account.values()) == {1}, "duplicated: %s" % {a: n for a, n in per_account.items() if n > 1}
    assert sim.state()["applications"][APP]["grants"]["total"] == len(accounts)


def assert_clear_error(res, status):
    """A failure with the HTTP status, the Nylas request id (also in the message), and no secret."""
    result = res.result
    assert res.rc == 1 and result["failed"] is True
    assert result["status"] == status and result["request_id"], result
    assert "request_id=%s" % result["request_id"] in result["msg"]


def http_date(seconds_from_now):
    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


# -- grant clone: one fault per case ------------------------------------------------------------------

#: (id, fault rules (a callable, so that an HTTP date is computed when the case runs), extra module args,
#:  the clone POST statuses expected for the faulted account)
CLONE_CASES = [
    ("429-retry-after-seconds", lambda: [dict(method="POST", path=CLONE % HIT, status=429, retry_after=1, times=2)],
     {}, [429, 429, 200]),
    ("429-retry-after-http-date",
     lambda: [dict(method="POST", path=CLONE % HIT, status=429, retry_after=http_date(2), times=1)], {}, [429, 200]),
    ("502-html-on-read", lambda: [dict(method="GET", path="/v3/grants", status=502, body=HTML_502,
                                       content_type="text/html", times=1)], {}, [200]),
    ("502-html-on-clone", lambda: [dict(method="POST", path=CLONE % HIT, status=502, body=HTML_502,
                                        content_type="text/html", times=1)], {}, [502, 200]),
    ("drop-before-clone", lambda: [dict(method="POST", path=CLONE % HIT, drop=True, times=1)], {}, [None, 200]),
    ("drop-after-clone", lambda: [dict(method="POST", path=CLONE % HIT, drop_after=True, times=1)], {}, [None]),
    ("late-answer", lambda: [dict(method="POST", path=CLONE % HIT, latency_ms=2500, times=1)],
     {"timeout": 1, "settle_time": 6}, [200]),
]


@pytest.mark.parametrize("faults, extra, hit_posts", [c[1:] for c in CLONE_CASES], ids=[c[0] for c in CLONE_CASES])
def test_grant_clone_fault_ends_in_success(sim_factory, tmp_path, faults, extra, hit_posts):
    sim = sim_factory("us", seed=write_seed(tmp_path))
    for rule in faults():
        sim.add_fault(**rule)
    res = run("nylas_grant_clone", module_args(sim, account_ids=ACCOUNTS, concurrency=3, **extra))
    assert res.rc == 0, res.raw
    assert [g["result"] for g in res.result["grants"]] == ["created"] * len(ACCOUNTS)
    assert_every_account_once(sim)
    # the faulted account: sent again only after a refusal (429) or a settle that saw no grant (a late
    # request is logged when the simulator answers it: wait for that)
    sim.wait_for(lambda: len(clone_posts(sim).get(HIT, ())) >= len(hit_posts), timeout=10)
    posts = clone_posts(sim)
    assert posts[HIT] == hit_posts and all(posts[a] == [200] for a in ACCOUNTS if a != HIT)


def test_grant_clone_bad_key_is_a_clear_error(sim_factory, tmp_path):
    sim = sim_factory("us", seed=write_seed(tmp_path))
    res = run("nylas_grant_clone", module_args(sim, api_key="nyk_sim_WRONG_KEY", account_ids=ACCOUNTS))
    assert_clear_error(res, 401)
    assert res.result["msg"].startswith("Failed to read the existing grants: HTTP 401")
    assert clone_posts(sim) == {} and grants_per_account(sim) == {}


def test_grant_clone_wrong_region_is_a_clear_error(sim_factory, tmp_path):
    # the us application's key sent to the eu region: Nylas eu does not know it
    eu = sim_factory("eu", seed=write_seed(tmp_path))
    res = run("nylas_grant_clone", module_args(eu, region="eu", account_ids=ACCOUNTS))
    assert_clear_error(res, 401)
    assert "region 'eu'" in res.result["msg"] and eu.url in res.result["msg"]
    assert clone_posts(eu) == {} and eu.state()["grants"] == 0


# -- other writes: the same settle policy -------------------------------------------------------------


def test_link_dropped_before_nylas_acts_is_resent_once(sim_factory, tmp_path):
    sim = sim_factory("us", seed=write_seed(tmp_path, linked=False))
    sim.add_fault(method="POST", path="/v3/migration-tools/link-v2v3-apps", drop=True, times=1)
    res = run("nylas_link_apps", module_args(sim))
    assert res.rc == 0, res.raw
    assert res.result["changed"] is True and res.result["application"]["v2_application_id"] == V2_ID
    links = sim.requests_log(method="POST", path="/v3/migration-tools/link-v2v3-apps")
    assert [e["status"] for e in links] == [None, 200]
    assert sim.state()["links"] == {APP: V2_ID}


def test_webhook_answer_lost_is_found_on_reread_not_duplicated(sim_factory, tmp_path, webhook_receiver):
    sim = sim_factory("us", seed=write_seed(tmp_path))
    sim.add_fault(method="POST", path="/v3/webhooks", drop_after=True, times=1)
    url = webhook_receiver.url_for("/nylas")
    res = run("nylas_webhook", module_args(sim, webhook_url=url, trigger_types=["grant.created"]))
    assert res.rc == 0, res.raw
    assert res.result["changed"] is True and res.result["webhook"]["webhook_url"] == url
    assert len(sim.requests_log(method="POST", path="/v3/webhooks")) == 1
    assert sim.state()["applications"][APP]["webhooks"] == 1


def test_connector_create_answered_502_every_time_is_unknown_with_request_id(sim_factory, tmp_path):
    sim = sim_factory("us", seed=write_seed(tmp_path))
    sim.add_fault(method="POST", path="/v3/connectors", status=502)
    res = run("nylas_connector", module_args(sim, provider="imap", settle_time=1))
    assert_clear_error(res, 502)
    assert res.result["outcome_unknown"] is True
    assert res.result["msg"].startswith("The outcome of creating the imap connector is unknown (re-read for 1 s "
                                        "and re-sent once")
    assert len(sim.requests_log(method="POST", path="/v3/connectors")) == 2
    assert sim.state()["applications"][APP]["connectors"] == ["google"]  # the seeded one only: no imap


# -- batch clone: a dropped start, and the simulator restarted mid-batch --------------------------------

BATCH_ACCOUNTS = ["acc-fb-%02d" % n for n in range(40)]


def batch_args(sim, **extra):
    return module_args(sim, mode="all", poll_interval=0.5, wait_timeout=120, **extra)


def test_batch_start_dropped_is_resent_once(sim_factory, tmp_path):
    sim = sim_factory("us", seed=write_seed(tmp_path, accounts=BATCH_ACCOUNTS))
    sim.add_fault(method="POST", path="/v3/migration-tools/snapshot-batch-clone", drop=True, times=1)
    res = run("nylas_batch_clone", batch_args(sim))
    assert res.rc == 0, res.raw
    assert res.result["outcome"] == "completed" and res.result["counts"]["success"] == len(BATCH_ACCOUNTS)
    starts = sim.requests_log(method="POST", path="/v3/migration-tools/snapshot-batch-clone")
    assert [e["status"] for e in starts] == [None, 200]
    assert sim.state()["jobs"]["by_type"] == {"snapshot": 1, "migration": 1}
    assert_every_account_once(sim, BATCH_ACCOUNTS)


def test_simulator_restarted_mid_batch_the_run_ends_with_every_account_once(sim_factory, tmp_path):
    sim = sim_factory("us", seed=write_seed(tmp_path, accounts=BATCH_ACCOUNTS), job_pace=8)  # about 5 s
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(res=run("nylas_batch_clone", batch_args(
        sim, max_retries=8))))
    worker.start()
    try:
        sim.wait_for(lambda: sim.state()["applications"][APP]["grants"]["total"] >= 5, timeout=60, interval=0.1)
        url, at_kill = sim.url, sim.state()["applications"][APP]
        sim.kill()
        # killed mid-job: a job running, most accounts still to migrate (the job needs seconds for them)
        assert at_kill["jobs"]["by_status"].get("running") == 1 and at_kill["grants"]["total"] <= 30
        sim.restart()  # same state file, same port: the job resumes; the module's polls are retried
        assert sim.url == url
    finally:
        worker.join(180)
    res = outcome["res"]
    assert res.rc == 0, res.raw
    assert res.result["outcome"] == "completed" and res.result["counts"]["success"] == len(BATCH_ACCOUNTS)
    assert sim.state()["jobs"]["by_type"] == {"snapshot": 1, "migration": 1}
    assert_every_account_once(sim, BATCH_ACCOUNTS)
