# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answers that break the contract (issue 22), against the real modules, each on a fresh simulator.

One case per violation class on each endpoint family the collection reads (webhooks, grants, v2
accounts, jobs, batch start, clone, translate), made by the simulator's body-rewriting fault rules. Each
case ends in one of three ways, and never in a traceback, a leaked secret, or a run past the subprocess
timeout of 60 s:

* ``fail``: rc 1, ``field`` and ``request_id`` set, the message naming the endpoint (method and path)
  and the request id of a faulted answer;
* ``settled``: a write whose answer was empty or unreadable is an unknown outcome, settled by re-reading:
  rc 0, the write made once, the state showing it once;
* ``fallback``: an optional read (the report's v2 accounts) failed: rc 0, a warning naming the endpoint
  and the request id, the report made from v3 data alone.

In every case no write reaches the simulator after the first faulted answer (its request log).
"""

from __future__ import annotations

import json
import sys
import urllib.request

import pytest
import yaml

from tests.integration.module_runner import run_module

API_KEY = "nyk_sim_it_contract_TEST_NOT_A_REAL_KEY"
V2_ID = "v2-it-contract"
V2_SECRET = "sim-v2-secret-it-contract-TEST"
APP = "app-it-contract"
ACCOUNTS = ["acc-cv-%02d" % n for n in range(6)]
#: The webhook URL of these tests: the receiver's /contract (set for each test by ``receiver_url``), so that
#: Nylas's challenge passes on the simulator.
URL = "https://hooks.example.com/contract"


@pytest.fixture(autouse=True)
def receiver_url(webhook_receiver, monkeypatch):
    """Point :data:`URL` at the test's webhook receiver."""
    monkeypatch.setattr(sys.modules[__name__], "URL", webhook_receiver.url_for("/contract"))
    return webhook_receiver


JOBS = "/v3/migration-tools/jobs"
BATCH = "/v3/migration-tools/snapshot-batch-clone"
CLONE = "/v3/migration-tools/grants/*/clone"
TRANSLATE = "/v3/migration-tools/translate"
V2_ACCOUNTS = "/a/%s/accounts" % V2_ID
TIMEOUT = 60  # seconds: the subprocess is killed past it (a bound, not a timed assertion)


def write_seed(tmp_path, accounts=None):
    """One linked v2/v3 pair of gmail accounts: ``ACCOUNTS``, or ``accounts`` generated ones."""
    listed = [{"id": a, "provider": "gmail"} for a in ACCOUNTS]
    generated = {"count": accounts, "seed": 22, "mix": [{"provider": "gmail", "authentication_type": "oauth",
                                                         "weight": 1}]}
    data = {
        "v2_applications": [{"client_id": V2_ID, "client_secret": V2_SECRET, "region": "us",
                             "accounts": generated if accounts else listed,
                             "objects": {"counts": {"messages": 30}}}],
        "v3_applications": [{"application_id": APP, "api_key": API_KEY, "region": "us", "v2_application_id": V2_ID,
                             # clones need a working connector of the accounts' provider
                             "connectors": [{"provider": "google", "settings": {
                                 "client_id": "it-contract.apps.example.com", "client_secret": "sim-NOT-REAL"}}]}],
    }
    path = tmp_path / "contract-seed.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def module_args(sim, **extra):
    out = {"api_key": API_KEY, "api_uri": sim.url, "region": "us", "v2_client_id": V2_ID,
           "v2_client_secret": V2_SECRET, "v2_api_uri": sim.url, "max_retries": 1, "timeout": 5, "settle_time": 2}
    out.update(extra)
    return out


def run(name, args):
    """Run module ``name`` within ``TIMEOUT``; assert no secret and no traceback in its output."""
    res = run_module(name, args, timeout=TIMEOUT)
    for secret in (API_KEY, V2_SECRET, "Bearer " + API_KEY):
        assert secret not in res.raw
    assert "Traceback" not in res.raw, res.raw
    assert res.result is not None, res.raw
    return res


def api_get(sim, path):
    request = urllib.request.Request(sim.url + path, headers={"Authorization": "Bearer " + API_KEY})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback simulator
        return json.loads(response.read())["data"]


# -- what each case needs before the fault -------------------------------------------------------------


def prep_webhook(sim):
    assert run("nylas_webhook", module_args(sim, webhook_url=URL, trigger_types=["grant.created"])).rc == 0


def prep_half_cloned(sim):
    assert run("nylas_grant_clone", module_args(sim, account_ids=ACCOUNTS[:3])).rc == 0


def prep_all_cloned(sim):
    assert run("nylas_grant_clone", module_args(sim, account_ids=ACCOUNTS)).rc == 0


def prep_batch_running(sim):
    sim.set_pace(0)  # the batch stays running
    assert run("nylas_batch_clone", module_args(sim, wait=False)).rc == 0


def prep_slow_jobs(sim):
    sim.set_pace(0.5)


def prep_batch_cloned(sim):
    assert run("nylas_batch_clone", module_args(sim, wait=True, poll_interval=1, wait_timeout=50)).rc == 0


def rewrite(method, path, op, **fields):
    return dict(method=method, path=path, rewrite=dict(op=op, **fields))


WEBHOOK_ARGS = dict(webhook_url=URL, trigger_types=["grant.created"])
TRANSLATE_ARGS = dict(resource_types=["messages"])

#: (id, module, its arguments, prep, fault rules, expected end, the field named (fail) or None)
CASES = [
    # webhooks: the list the idempotency decision reads, and the create's answer
    ("webhooks-list-no-data", "nylas_webhook", WEBHOOK_ARGS, prep_webhook,
     [rewrite("GET", "/v3/webhooks", "drop_key", key="data")], "fail", "data"),
    ("webhooks-list-data-null", "nylas_webhook", WEBHOOK_ARGS, prep_webhook,
     [rewrite("GET", "/v3/webhooks", "null_key", key="data")], "fail", "data"),
    ("webhooks-list-data-object", "nylas_webhook", WEBHOOK_ARGS, prep_webhook,
     [rewrite("GET", "/v3/webhooks", "set_key", key="data", value={})], "fail", "data"),
    ("webhooks-item-no-id", "nylas_webhook", WEBHOOK_ARGS, prep_webhook,
     [rewrite("GET", "/v3/webhooks", "drop_key", key="data[].id")], "fail", "data[0].id"),
    ("webhooks-list-html", "nylas_webhook", WEBHOOK_ARGS, prep_webhook,
     [rewrite("GET", "/v3/webhooks", "html")], "fail", "body"),
    ("webhooks-list-truncated", "nylas_webhook", WEBHOOK_ARGS, prep_webhook,
     [rewrite("GET", "/v3/webhooks", "truncate")], "fail", "body"),
    ("webhooks-list-padded-10mb", "nylas_webhook", WEBHOOK_ARGS, prep_webhook,
     [rewrite("GET", "/v3/webhooks", "pad")], "unchanged", None),
    ("webhooks-create-empty", "nylas_webhook", WEBHOOK_ARGS, None,
     [dict(rewrite("POST", "/v3/webhooks", "empty"), times=1)], "settled", None),
    ("webhooks-create-no-data", "nylas_webhook", WEBHOOK_ARGS, None,
     [dict(rewrite("POST", "/v3/webhooks", "drop_key", key="data"), times=1)], "settled", None),
    # grants: the lookup the clone decision reads, and a walk
    ("grants-item-no-account_id", "nylas_grant_clone", dict(account_ids=ACCOUNTS), prep_half_cloned,
     [rewrite("GET", "/v3/grants", "drop_key", key="data[].account_id")], "fail", "data[0].account_id"),
    ("grants-data-null", "nylas_grant_clone", dict(account_ids=ACCOUNTS), prep_half_cloned,
     [rewrite("GET", "/v3/grants", "null_key", key="data")], "fail", "data"),
    ("grants-html", "nylas_grant_clone", dict(account_ids=ACCOUNTS), prep_half_cloned,
     [rewrite("GET", "/v3/grants", "html")], "fail", "body"),
    ("grants-walk-rotating", "nylas_migration_info", {}, prep_batch_cloned,
     [rewrite("GET", "/v3/grants", "rotate")], "fail", "offset"),
    # v2 accounts: optional reads of the report (its documented fallback: the v3 side only)
    ("v2-accounts-same-page-every-offset", "nylas_migration_info", {}, None,
     [rewrite("GET", V2_ACCOUNTS, "freeze")], "fallback", None),
    ("v2-accounts-item-no-id", "nylas_migration_info", {}, None,
     [rewrite("GET", V2_ACCOUNTS, "drop_key", key="[].id")], "fallback", None),
    ("v2-accounts-html", "nylas_migration_info", {}, None,
     [rewrite("GET", V2_ACCOUNTS, "html")], "fallback", None),
    # jobs: the job info, the batch's plan (a batch running) and its wait
    ("jobs-status-renamed", "nylas_migration_job_info", {}, prep_batch_running,
     [rewrite("GET", JOBS, "set_key", key="data[].status", value="cancelled")], "fail", "data[0].status"),
    ("jobs-status-missing", "nylas_migration_job_info", {}, prep_batch_running,
     [rewrite("GET", JOBS, "drop_key", key="data[].status")], "fail", "data[0].status"),
    ("jobs-no-data-while-a-batch-runs", "nylas_batch_clone", dict(wait=False), prep_batch_running,
     [rewrite("GET", JOBS, "drop_key", key="data")], "fail", "data"),
    ("jobs-data-null-while-a-batch-runs", "nylas_batch_clone", dict(wait=False), prep_batch_running,
     [rewrite("GET", JOBS, "null_key", key="data")], "fail", "data"),
    ("jobs-status-renamed-during-the-wait", "nylas_batch_clone", dict(wait=True, poll_interval=1, wait_timeout=30),
     prep_slow_jobs, [rewrite("GET", JOBS, "set_key", key="data[].status", value="cancelled")], "fail",
     "data[0].status"),
    # batch start: its answer
    ("batch-start-empty", "nylas_batch_clone", dict(wait=False), None,
     [dict(rewrite("POST", BATCH, "empty"), times=1)], "settled", None),
    ("batch-start-html", "nylas_batch_clone", dict(wait=False), None,
     [dict(rewrite("POST", BATCH, "html"), times=1)], "settled", None),
    ("batch-start-no-clone-job", "nylas_batch_clone", dict(wait=False), None,
     [dict(rewrite("POST", BATCH, "drop_key", key="data.clone_job"), times=1)], "settled", None),
    # clone: its answer
    ("clone-empty", "nylas_grant_clone", dict(account_ids=ACCOUNTS, concurrency=1), None,
     [dict(rewrite("POST", CLONE, "empty"), times=1)], "settled", None),
    ("clone-answer-no-account_id", "nylas_grant_clone", dict(account_ids=ACCOUNTS, concurrency=1), None,
     [dict(rewrite("POST", CLONE, "drop_key", key="data.account_id"), times=1)], "settled", None),
    # translate: its pages
    ("translate-no-translations", "nylas_id_translate", TRANSLATE_ARGS, prep_all_cloned,
     [rewrite("POST", TRANSLATE, "drop_key", key="data.translations")], "fail", "data.translations"),
    ("translate-item-no-v2-id", "nylas_id_translate", TRANSLATE_ARGS, prep_all_cloned,
     [rewrite("POST", TRANSLATE, "drop_key", key="data.translations[].v2_resource_id")], "fail",
     "data.translations[0].v2_resource_id"),
    ("translate-cursor-repeated", "nylas_id_translate", TRANSLATE_ARGS, prep_all_cloned,
     [rewrite("POST", TRANSLATE, "cursor", mode="repeat", value=1)], "fail", "data.next_page_number"),
    ("translate-cursor-rotating", "nylas_id_translate", TRANSLATE_ARGS, prep_all_cloned,
     [rewrite("POST", TRANSLATE, "cursor", mode="rotate")], "fail", "data.next_page_number"),
    ("translate-html", "nylas_id_translate", TRANSLATE_ARGS, prep_all_cloned,
     [rewrite("POST", TRANSLATE, "html")], "fail", "body"),
]

BIG = {"grants-walk-rotating": 201, "v2-accounts-same-page-every-offset": 1001}


def is_write(entry):
    return entry["method"] not in ("GET", "HEAD") and entry["path"] != TRANSLATE


@pytest.mark.parametrize("module, extra, prep, faults, end, field", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_contract_violation(sim_factory, tmp_path, request, module, extra, prep, faults, end, field):
    case = request.node.callspec.id
    sim = sim_factory("us", seed=write_seed(tmp_path, accounts=BIG.get(case)))
    if prep is not None:
        prep(sim)
    mark = sim.requests_log()[-1]["seq"] if sim.requests_log() else 0
    for rule in faults:
        sim.add_fault(**rule)
    args = dict(extra)
    if "webhook_url" in args:
        args["webhook_url"] = URL  # the test's receiver (WEBHOOK_ARGS was built before the fixture ran)
    if module == "nylas_id_translate":
        args["dest"] = str(tmp_path / "translations")
    res = run(module, module_args(sim, **args))
    log = sim.requests_log(since=mark)
    faulted = [e for e in log if e["fault"]]
    assert faulted, "the fault never applied"
    result = res.result
    ids = {e["request_id"] for e in faulted}
    if end != "settled":
        # the bad answer: the one the module failed on (else the first faulted): no write after it
        bad = [e for e in faulted if e["request_id"] == result.get("request_id")] or faulted[:1]
        after = [e for e in log if e["seq"] > bad[0]["seq"] and is_write(e)]
        assert after == [], "writes after the bad answer: %s" % after
    if end == "fail":
        assert res.rc == 1 and result["failed"] is True, res.raw
        assert result["field"] == field, result
        assert result["request_id"] in ids and "request_id=%s" % result["request_id"] in result["msg"]
        endpoint = [e for e in faulted if e["request_id"] == result["request_id"]][0]
        assert "%s %s" % (endpoint["method"], endpoint["path"]) in result["msg"], result["msg"]
    elif end == "fallback":
        assert res.rc == 0, res.raw
        warning = warnings_text(result)
        assert "GET %s" % V2_ACCOUNTS in warning and any("request_id=%s" % i in warning for i in ids), warning
        assert "v3 side only" in warning
    elif end == "unchanged":
        assert res.rc == 0 and result["changed"] is False, res.raw
        assert [e for e in log if is_write(e)] == []
    else:  # settled: made once (never re-sent), shown once, reported with a warning
        assert res.rc == 0, res.raw
        writes = [e for e in log if is_write(e)]
        assert [e["fault"] is not None for e in writes][:1] == [True]
        assert_made_once(sim, module, writes)
        if module == "nylas_grant_clone":  # each account's row: created (a re-read showed the faulted one)
            assert [g["result"] for g in result["grants"]] == ["created"] * len(ACCOUNTS)
        else:
            warning = warnings_text(result)  # the write's unknown outcome, and what showed it
            assert "HTTP 200" in warning and "POST " in warning and "field" in warning, warning


def warnings_text(result):
    """The warnings of a result as one text (ansible-core 2.19 returns them as structured events)."""
    return json.dumps(result.get("warnings", []))


def assert_made_once(sim, module, writes):
    """The settled write: sent once (no re-send), its object there once."""
    if module == "nylas_webhook":
        assert len(writes) == 1 and [w["webhook_url"] for w in api_get(sim, "/v3/webhooks")] == [URL]
    elif module == "nylas_batch_clone":
        assert len(writes) == 1 and len([j for j in api_get(sim, JOBS) if j["type"] == "migration"]) == 1
    else:  # nylas_grant_clone: one clone per account, one grant per account
        clones = [w["path"].split("/")[-2] for w in writes]
        assert sorted(clones) == sorted(ACCOUNTS)
        grants = api_get(sim, "/v3/grants?limit=200")
        assert sorted(g["account_id"] for g in grants) == sorted(ACCOUNTS)
