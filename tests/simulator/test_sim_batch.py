"""Snapshot batch clone and the jobs endpoint."""

import threading
from collections import Counter

import pytest
from simhelpers import MIGRATION_JOB_KEYS, TEST_KEY, TEST_V2, link_headers, small_seed, wait_jobs_done

from simulator.backend import clone_outcome

LINK = "/v3/migration-tools/link-v2v3-apps"
BATCH = "/v3/migration-tools/snapshot-batch-clone"
JOBS = "/v3/migration-tools/jobs"
REQUIRED_JOB_KEYS = MIGRATION_JOB_KEYS - {"linked_job_id"}

KINDS = [
    {"provider": "gmail", "authentication_type": "oauth"},
    {"provider": "graph", "authentication_type": "oauth"},
    {"provider": "imap", "authentication_type": "password"},
    {"provider": "icloud", "authentication_type": "password"},
    {"provider": "exchange", "authentication_type": "password"},
    {"provider": "eas", "authentication_type": "password"},
    {"provider": "gmail", "authentication_type": "oauth", "sync_state": "invalid"},
    {"provider": "gmail", "authentication_type": "oauth", "billing_state": "deleted"},
    {"provider": "ews", "authentication_type": "password"},
]


def make_accounts(count=45):
    """Accounts whose imported_at (linked_at) order differs from their list order."""
    return [{"id": f"acc{i:03d}", "email": f"user{i}@example.net", "linked_at": 10_000 + (i * 37) % count * 10,
             **KINDS[i % len(KINDS)]} for i in range(count)]


def expected(accounts, allow=True, exchange=True):
    """Expected outcome counts."""
    full = [{"sync_state": "running", "billing_state": "paid", **a} for a in accounts]
    return Counter(clone_outcome(a, allow, exchange)[0] for a in full)


@pytest.fixture
def linked(make_api, write_seed):
    """An in-process simulator with a linked 45-account test application."""

    def make(accounts=None, **kwargs):
        accounts = make_accounts() if accounts is None else accounts
        api = make_api(seed=write_seed(small_seed(accounts)), key=TEST_KEY, **kwargs)
        assert api.post(LINK, headers=link_headers(key=TEST_KEY, v2=TEST_V2)).status_code == 200
        return api, accounts

    return make


def check_job_shape(job):
    assert REQUIRED_JOB_KEYS <= set(job) <= MIGRATION_JOB_KEYS
    int_keys = ("count_all", "count_success", "count_failed", "count_warning", "created_at", "updated_at")
    assert all(isinstance(job[k], int) for k in int_keys)


def all_grants(api):
    grants, offset = [], 0
    while True:
        page = api.get(f"/v3/grants?limit=200&offset={offset}&sort_by=created_at&order_by=asc").get_json()["data"]
        grants.extend(page)
        if len(page) < 200:
            return grants
        offset += 200


def test_batch_clone_counts_statuses_and_links(linked):
    api, accounts = linked()
    resp = api.post(BATCH, json={})
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()["data"]
    snapshot, clone = data["snapshot_job"], data["clone_job"]
    for job in (snapshot, clone):
        check_job_shape(job)
        assert job["public_application_id"] == "app-test"
    assert snapshot["type"] == "snapshot" and clone["type"] == "migration"
    assert snapshot["linked_job_id"] == clone["job_id"] and clone["linked_job_id"] == snapshot["job_id"]
    assert clone["status"] == "pending"
    jobs = {j["job_id"]: j for j in wait_jobs_done(api)}
    for job in jobs.values():
        check_job_shape(job)
    want = expected(accounts)
    assert want["valid"] and want["placeholder"] and want["failed"]
    done = jobs[clone["job_id"]]
    assert (done["count_all"], done["count_success"], done["count_warning"], done["count_failed"]) == (
        len(accounts), want["valid"], want["placeholder"], want["failed"])
    assert done["status"] == "partial"
    assert jobs[snapshot["job_id"]]["status"] == "completed"
    grants = all_grants(api)
    assert len(grants) == want["valid"] + want["placeholder"]
    assert Counter(g["grant_status"] for g in grants) == {"valid": want["valid"], "invalid": want["placeholder"]}
    assert len({g["account_id"] for g in grants}) == len(grants)


def test_records_are_processed_oldest_imported_first(linked):
    api, accounts = linked()
    api.post(BATCH, json={})
    wait_jobs_done(api)
    imported = {a["id"]: a["linked_at"] for a in accounts}
    order = [imported[g["account_id"]] for g in all_grants(api)]
    assert order == sorted(order)
    assert order != [imported[a["id"]] for a in accounts if a["id"] in imported][:len(order)]


def test_completed_and_failed_statuses(linked):
    api, _dummy = linked([{"id": f"g{i}", "provider": "gmail"} for i in range(5)])
    api.post(BATCH, json={})
    clone = [j for j in wait_jobs_done(api) if j["type"] == "migration"][0]
    assert clone["status"] == "completed" and clone["count_success"] == 5
    api2, _dummy = linked([{"id": f"e{i}", "provider": "eas"} for i in range(4)])
    api2.post(BATCH + "?allow_invalid_grant_creation=false", json={})
    clone = [j for j in wait_jobs_done(api2) if j["type"] == "migration"][0]
    assert clone["status"] == "failed" and clone["count_failed"] == 4 and clone["count_success"] == 0


def test_batch_flags_from_query_only(linked):
    api, accounts = linked()
    api.post(BATCH, json={"clone_exchange": False, "allow_invalid_grant_creation": False})
    clone = [j for j in wait_jobs_done(api) if j["type"] == "migration"][0]
    want = expected(accounts)
    assert clone["count_failed"] == want["failed"] and clone["count_warning"] == want["placeholder"]
    api2, _dummy = linked()
    api2.post(BATCH + "?clone_exchange=false&allow_invalid_grant_creation=false", json={})
    clone = [j for j in wait_jobs_done(api2) if j["type"] == "migration"][0]
    want = expected(accounts, False, False)
    assert clone["count_failed"] == want["failed"] and clone["count_warning"] == 0


def test_migration_job_pending_until_snapshot_completes(linked):
    api, accounts = linked(job_pace=0)
    data = api.post(BATCH, json={}).get_json()["data"]
    jobs = {j["type"]: j for j in api.get(JOBS).get_json()["data"]}
    assert jobs["snapshot"]["status"] == "running" and jobs["migration"]["status"] == "pending"
    api.ctx.runner.set_pace(5000)
    jobs = {j["job_id"]: j for j in wait_jobs_done(api)}
    assert jobs[data["clone_job"]["job_id"]]["count_all"] == len(accounts)
    assert jobs[data["snapshot_job"]["job_id"]]["count_success"] == len(accounts)


def test_only_new_and_all_after_single_clones(linked):
    api, accounts = linked()
    for acc in accounts[:10]:
        api.post(f"/v3/migration-tools/grants/{acc['id']}/clone")
    assert len(all_grants(api)) < 10  # one of the ten failed
    resp = api.post(BATCH, json={"mode": "only_new"}).get_json()["data"]
    assert resp["clone_job"]["count_all"] == len(accounts) - 10  # attempted accounts, failed ones included
    wait_jobs_done(api)
    grants = all_grants(api)
    assert len({g["account_id"] for g in grants}) == len(grants)
    # mode all: existing grants are reported, not duplicated
    api.post(BATCH, json={"mode": "all"})
    jobs = wait_jobs_done(api)
    assert len(all_grants(api)) == len(grants)
    latest = [j for j in jobs if j["type"] == "migration"][0]
    assert latest["count_all"] == len(accounts)


def test_only_new_skips_attempted_accounts(linked):
    """Contract: only_new migrates only the accounts that haven't attempted migration; failures included."""
    api, accounts = linked()
    api.post(BATCH + "?clone_exchange=false&allow_invalid_grant_creation=false", json={"limit": 20})
    first = [j for j in wait_jobs_done(api) if j["type"] == "migration"][0]
    assert first["count_all"] == 20 and first["count_failed"] > 0
    resp = api.post(BATCH, json={"mode": "only_new"}).get_json()["data"]
    assert resp["clone_job"]["count_all"] == len(accounts) - 20
    wait_jobs_done(api)
    tried_first = {r["account_id"] for r in api.get(f"/_sim/jobs/{first['job_id']}/accounts").get_json()["accounts"]}
    tried_second = {r["account_id"] for r in
                    api.get(f"/_sim/jobs/{resp['clone_job']['job_id']}/accounts").get_json()["accounts"]}
    assert len(tried_first) == 20 and not tried_first & tried_second
    by_snapshot = api.get(f"/_sim/jobs/{resp['snapshot_job']['job_id']}/accounts").get_json()
    assert by_snapshot["clone_job_id"] == resp["clone_job"]["job_id"]
    assert {r["account_id"] for r in by_snapshot["accounts"]} == tried_second
    assert all(r["processed"] for r in by_snapshot["accounts"])
    assert api.get("/_sim/jobs/no-such-job/accounts").status_code == 404
    assert tried_first | tried_second == {a["id"] for a in accounts}
    # a single clone is an attempt too, a failed one included
    api2, accounts2 = linked()
    deleted = [a for a in accounts2 if a.get("billing_state") == "deleted"]
    assert api2.post(f"/v3/migration-tools/grants/{deleted[0]['id']}/clone").status_code == 400
    resp = api2.post(BATCH, json={"mode": "only_new"}).get_json()["data"]
    assert resp["clone_job"]["count_all"] == len(accounts2) - 1


def test_only_failed_retries_failures(linked):
    api, accounts = linked()
    api.post(BATCH + "?clone_exchange=false&allow_invalid_grant_creation=false", json={})
    wait_jobs_done(api)
    failed = expected(accounts, False, False)["failed"]
    resp = api.post(BATCH, json={"mode": "only_failed"}).get_json()["data"]
    assert resp["clone_job"]["count_all"] == failed
    wait_jobs_done(api)
    retry = api.get(JOBS + "?type=migration").get_json()["data"][0]
    assert retry["job_id"] == resp["clone_job"]["job_id"]
    deleted = sum(1 for a in accounts if a.get("billing_state") == "deleted")
    assert retry["count_failed"] == deleted and retry["count_warning"] == failed - deleted
    assert len(all_grants(api)) == len(accounts) - deleted


def test_providers_limit_offset(linked):
    api, accounts = linked()
    data = api.post(BATCH, json={"providers": ["google"], "limit": 3, "offset": 1}).get_json()["data"]
    assert data["clone_job"]["count_all"] == 3
    wait_jobs_done(api)
    google = sorted((a for a in accounts if a["provider"] == "gmail"),
                    key=lambda a: (a["linked_at"], accounts.index(a)))
    # the migrated (or attempted) accounts are the 2nd..4th oldest google accounts
    tried = {g["account_id"] for g in all_grants(api)}
    assert tried <= {a["id"] for a in google[1:4]}
    micro = api.post(BATCH, json={"providers": ["microsoft", "ews"]}).get_json()["data"]
    microsoft_like = ("graph", "exchange", "eas", "ews")
    assert micro["clone_job"]["count_all"] == sum(1 for a in accounts if a["provider"] in microsoft_like)


@pytest.mark.parametrize("body", [
    {"mode": "sometimes"}, {"providers": ["gmail"]}, {"providers": "google"}, {"limit": 0}, {"offset": -1},
    {"limit": "10"}, {"unknown": 1},
])
def test_batch_validation(linked, body):
    api, _dummy = linked()
    resp = api.post(BATCH, json=body)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["type"] == "bad_request"


def test_batch_needs_link(make_api, write_seed):
    api = make_api(seed=write_seed(small_seed(make_accounts(3))), key=TEST_KEY)
    resp = api.post(BATCH, json={})
    assert resp.status_code == 400 and "not linked" in resp.get_json()["error"]["message"]


def test_jobs_filters_and_sorting(linked):
    api, _dummy = linked()
    first = api.post(BATCH, json={"limit": 5}).get_json()["data"]
    wait_jobs_done(api)
    api.ctx.runner.set_pace(0)
    second = api.post(BATCH, json={"limit": 5}).get_json()["data"]

    def ids(resp):
        return [j["job_id"] for j in resp.get_json()["data"]]

    snapshots = [second["snapshot_job"]["job_id"], first["snapshot_job"]["job_id"]]
    assert ids(api.get(JOBS + "?type=snapshot")) == snapshots
    assert ids(api.get(JOBS + "?status=pending")) == [second["clone_job"]["job_id"]]
    second_ids = {second["clone_job"]["job_id"], second["snapshot_job"]["job_id"]}
    assert set(ids(api.get(JOBS + "?status=pending,running"))) == second_ids
    assert ids(api.get(JOBS + "?status=completed,partial,failed&type=migration")) == [first["clone_job"]["job_id"]]
    # the documented order: pending, then running, then the finished ones, most recently finished first
    by_completion = ids(api.get(JOBS + "?sort_by_completion=true"))
    assert by_completion == [second["clone_job"]["job_id"], second["snapshot_job"]["job_id"],
                             first["clone_job"]["job_id"], first["snapshot_job"]["job_id"]]
    assert api.get(JOBS + "?status=nope").status_code == 400
    assert api.get(JOBS + "?type=nope").status_code == 400


def test_batch_racing_single_clones_never_duplicates(linked):
    accounts = [{"id": f"r{i:03d}", "provider": "gmail", "linked_at": i} for i in range(150)]
    api, _dummy = linked(accounts, job_pace=1500)
    api.post(BATCH, json={})
    errors = []

    def singles(chunk):
        for acc in chunk:
            resp = api.post(f"/v3/migration-tools/grants/{acc['id']}/clone")
            if resp.status_code != 200:
                errors.append(resp.get_json())

    threads = [threading.Thread(target=singles, args=(accounts[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    jobs = wait_jobs_done(api)
    assert not errors
    grants = all_grants(api)
    assert len(grants) == 150 and len({g["account_id"] for g in grants}) == 150
    clone = [j for j in jobs if j["type"] == "migration"][0]
    assert clone["count_success"] == 150 and clone["status"] == "completed"
