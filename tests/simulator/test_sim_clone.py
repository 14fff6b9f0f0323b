"""Single-account clone: the outcome table, flags, idempotency, concurrency."""

import threading

import pytest
import requests
from simhelpers import TEST_KEY, TEST_V2, bearer, link_headers, small_seed

from simulator.backend import clone_outcome

LINK = "/v3/migration-tools/link-v2v3-apps"

# (account, allow_invalid_grant_creation, clone_exchange) -> (outcome, v3 provider)
TABLE = [
    ({"provider": "gmail", "authentication_type": "oauth"}, True, True, "valid", "google"),
    ({"provider": "gmail", "authentication_type": "oauth"}, False, False, "valid", "google"),
    ({"provider": "graph", "authentication_type": "oauth"}, False, False, "valid", "microsoft"),
    ({"provider": "office365", "authentication_type": "oauth"}, True, True, "valid", "microsoft"),
    ({"provider": "imap", "authentication_type": "password"}, False, False, "valid", "imap"),
    ({"provider": "yahoo", "authentication_type": "password"}, True, True, "valid", "imap"),
    ({"provider": "icloud", "authentication_type": "password"}, False, False, "valid", "icloud"),
    ({"provider": "ews", "authentication_type": "password"}, False, False, "valid", "ews"),
    ({"provider": "exchange", "authentication_type": "password"}, True, True, "placeholder", "microsoft"),
    ({"provider": "office365", "authentication_type": "password"}, False, True, "failed", "microsoft"),
    ({"provider": "exchange", "authentication_type": "password"}, True, False, "failed", "microsoft"),
    ({"provider": "office365", "authentication_type": "password"}, True, False, "failed", "microsoft"),
    ({"provider": "eas", "authentication_type": "password"}, True, True, "placeholder", "microsoft"),
    ({"provider": "eas", "authentication_type": "password"}, True, False, "failed", "microsoft"),
    ({"provider": "eas", "authentication_type": "password"}, False, True, "failed", "microsoft"),
    ({"provider": "gmail", "authentication_type": "oauth", "sync_state": "invalid"}, True, True, "placeholder",
     "google"),
    ({"provider": "imap", "authentication_type": "password", "sync_state": "invalid"}, False, True, "failed",
     "imap"),
    ({"provider": "gmail", "authentication_type": "oauth", "sync_state": "stopped"}, False, False, "failed",
     "google"),
    ({"provider": "gmail", "authentication_type": "oauth", "sync_state": "stopped"}, True, False, "placeholder",
     "google"),
    ({"provider": "graph", "authentication_type": "oauth", "sync_state": "invalid"}, True, False, "failed",
     "microsoft"),
    ({"provider": "ews", "authentication_type": "password", "sync_state": "sync-error"}, True, False, "failed",
     "ews"),
    ({"provider": "ews", "authentication_type": "password", "sync_state": "stopped"}, True, True, "placeholder",
     "ews"),
    ({"provider": "exchange", "authentication_type": "oauth"}, True, True, "placeholder", "microsoft"),
    ({"provider": "outlook", "authentication_type": "oauth"}, False, True, "failed", "microsoft"),
    ({"provider": "graph", "authentication_type": "password"}, True, True, "placeholder", "microsoft"),
    ({"provider": "nylas", "authentication_type": "password"}, False, False, "valid", "virtual-calendar"),
    ({"provider": "microsoft", "authentication_type": "oauth"}, True, True, "failed", None),
    ({"provider": "google", "authentication_type": "oauth"}, True, True, "failed", None),
    ({"provider": "gmail", "authentication_type": "oauth", "billing_state": "deleted"}, True, True, "failed",
     "google"),
    ({"provider": "carrier-pigeon", "authentication_type": "password"}, True, True, "failed", None),
]


@pytest.mark.parametrize("account, allow, exchange, outcome, provider", TABLE)
def test_outcome_table_pure(account, allow, exchange, outcome, provider):
    acc = {"sync_state": "running", "billing_state": "paid", **account}
    got, v3, reason = clone_outcome(acc, allow, exchange)
    assert got == outcome
    assert v3 == provider
    assert (reason is None) == (outcome == "valid")


@pytest.fixture
def table_api(make_api, write_seed):
    accounts = [{"id": f"row{i:02d}", "email": f"row{i}@example.org", **row[0]} for i, row in enumerate(TABLE)]
    api = make_api(seed=write_seed(small_seed(accounts)), key=TEST_KEY)
    assert api.post(LINK, headers=link_headers(key=TEST_KEY, v2=TEST_V2)).status_code == 200
    return api


@pytest.mark.parametrize("index", range(len(TABLE)))
def test_outcome_table_over_http(table_api, index):
    _dummy, allow, exchange, outcome, provider = TABLE[index]
    query = f"allow_invalid_grant_creation={str(allow).lower()}&clone_exchange={str(exchange).lower()}"
    resp = table_api.post(f"/v3/migration-tools/grants/row{index:02d}/clone?{query}")
    body = resp.get_json()
    if outcome == "failed":
        assert resp.status_code == 400, body
        assert body["error"]["type"] == "bad_request"
        assert "cannot be migrated" in body["error"]["message"]
        assert table_api.get(f"/v3/grants?account_id=row{index:02d}").get_json()["data"] == []
    else:
        assert resp.status_code == 200, body
        grant = body["data"]
        assert grant["account_id"] == f"row{index:02d}"
        assert grant["provider"] == provider
        assert grant["grant_status"] == ("valid" if outcome == "valid" else "invalid")
        assert grant["email"] == f"row{index}@example.org"


def test_flags_read_from_query_only(table_api):
    # exchange password account: clone_exchange=false in the JSON body is ignored -> placeholder
    resp = table_api.post("/v3/migration-tools/grants/row08/clone",
                          json={"clone_exchange": False, "allow_invalid_grant_creation": False})
    assert resp.status_code == 200
    assert resp.get_json()["data"]["grant_status"] == "invalid"
    # eas: allow_invalid_grant_creation=false in the query -> failure, even with true in the body
    resp = table_api.post("/v3/migration-tools/grants/row14/clone?allow_invalid_grant_creation=false",
                          json={"allow_invalid_grant_creation": True})
    assert resp.status_code == 400
    assert table_api.post("/v3/migration-tools/grants/row00/clone?clone_exchange=maybe").status_code == 400


def test_clone_needs_link_and_known_account(make_api, write_seed):
    api = make_api(seed=write_seed(small_seed([{"id": "a1", "provider": "gmail"}])), key=TEST_KEY)
    resp = api.post("/v3/migration-tools/grants/a1/clone")
    assert resp.status_code == 400 and "not linked" in resp.get_json()["error"]["message"]
    assert api.post(LINK, headers=link_headers(key=TEST_KEY, v2=TEST_V2)).status_code == 200
    resp = api.post("/v3/migration-tools/grants/nope/clone")
    assert resp.status_code == 404 and resp.get_json()["error"]["type"] == "not_found_error"


def test_repeat_clone_returns_same_grant(table_api):
    first = table_api.post("/v3/migration-tools/grants/row00/clone").get_json()["data"]
    second = table_api.post("/v3/migration-tools/grants/row00/clone").get_json()["data"]
    assert first == second
    assert len(table_api.get("/v3/grants?account_id=row00").get_json()["data"]) == 1
    # a failed attempt followed by an allowed one creates the grant once
    assert table_api.post("/v3/migration-tools/grants/row10/clone?clone_exchange=false").status_code == 400
    assert table_api.post("/v3/migration-tools/grants/row10/clone").status_code == 200
    assert table_api.post("/v3/migration-tools/grants/row10/clone").status_code == 200
    assert len(table_api.get("/v3/grants?account_id=row10").get_json()["data"]) == 1


def test_deleted_grant_can_be_cloned_again(table_api):
    grant = table_api.post("/v3/migration-tools/grants/row00/clone").get_json()["data"]
    assert table_api.delete(f"/v3/grants/{grant['id']}").status_code == 200
    again = table_api.post("/v3/migration-tools/grants/row00/clone").get_json()["data"]
    assert again["id"] != grant["id"]


def test_concurrent_clones_of_one_account_make_one_grant(sim_factory, write_seed):
    seed = write_seed(small_seed([{"id": "race", "provider": "gmail"}, {"id": "other", "provider": "imap"}]))
    sim = sim_factory("us", seed=seed, extra_args=("--rate-limit-migration", "0"))
    session_headers = bearer(TEST_KEY)
    assert requests.post(sim.url + LINK, headers=link_headers(key=TEST_KEY, v2=TEST_V2), timeout=10).ok
    results, barrier = [], threading.Barrier(16)

    def clone():
        barrier.wait()
        resp = requests.post(f"{sim.url}/v3/migration-tools/grants/race/clone", headers=session_headers, timeout=10)
        results.append((resp.status_code, resp.json()["data"]["id"]))

    threads = [threading.Thread(target=clone) for _dummy in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 16
    assert {status for status, _dummy in results} == {200}
    assert len({grant_id for _dummy, grant_id in results}) == 1
    grants = requests.get(f"{sim.url}/v3/grants?account_id=race", headers=session_headers, timeout=10).json()
    assert len(grants["data"]) == 1
    assert sim.state()["grants"] == 1
