"""Fault rules that rewrite bodies (``rewrite``): the request is handled, then its answer's body changes.

In-process simulators (demo seed): each op on the endpoint it is meant for, ``times`` and ``probability``
as for the other rules, the request log marking the faulted request, and the rule's validation.
"""

import base64
import json

import pytest
from simhelpers import ACME_V2, link_headers, wait_jobs_done

from simulator.admin import REWRITE_HTML


def add(api, **rule):
    resp = api.client.post("/_sim/faults", json=rule)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()["faults"][0]


def start_batch(api, limit):
    """Link acme's applications, then run a batch clone of ``limit`` accounts to its end."""
    assert api.post("/v3/migration-tools/link-v2v3-apps", headers=link_headers()).status_code == 200
    assert api.post("/v3/migration-tools/import-v2-app").status_code == 200  # the connectors clones need
    assert api.patch("/v3/connectors/microsoft", json={"settings": {
        "client_id": "azure-app", "client_secret": "azure-secret-NOT-REAL", "tenant": "common"}}).status_code == 200
    assert api.post("/v3/migration-tools/snapshot-batch-clone", json={"limit": limit}).status_code == 200
    wait_jobs_done(api)


@pytest.fixture(autouse=True)
def hooks(receiver):
    """Every test here may create webhooks: they point at the receiver."""
    HOOK["url"] = receiver.url_for("/rw")
    yield receiver
    HOOK["url"] = None


HOOK = {"url": None}


def create_webhook(api):
    return api.post("/v3/webhooks", json={"trigger_types": ["grant.created"], "webhook_url": HOOK["url"]})


def test_drop_null_and_set_a_key(make_api):
    api = make_api()
    create_webhook(api)
    add(api, method="GET", path="/v3/webhooks", rewrite={"op": "drop_key", "key": "data"}, times=1)
    add(api, method="GET", path="/v3/webhooks", rewrite={"op": "null_key", "key": "data"}, times=1)
    add(api, method="GET", path="/v3/webhooks", rewrite={"op": "set_key", "key": "data", "value": {}}, times=1)
    first, second, third, fourth = (api.get("/v3/webhooks") for _dummy in range(4))
    assert first.status_code == 200 and "data" not in first.get_json() and first.get_json()["request_id"]
    assert second.get_json()["data"] is None
    assert third.get_json()["data"] == {}
    assert len(fourth.get_json()["data"]) == 1  # the rules are used up: the real answer


def test_drop_an_item_field_and_rename_a_job_status(make_api):
    api = make_api()
    start_batch(api, 5)
    add(api, method="GET", path="/v3/grants", rewrite={"op": "drop_key", "key": "data[].account_id"})
    add(api, method="GET", path="/v3/migration-tools/jobs",
        rewrite={"op": "set_key", "key": "data[].status", "value": "cancelled"})
    jobs = api.get("/v3/migration-tools/jobs").get_json()["data"]
    assert jobs and {j["status"] for j in jobs} == {"cancelled"}
    grants = api.get("/v3/grants?limit=5").get_json()["data"]
    assert grants and all("account_id" not in g and g["id"] for g in grants)


def test_empty_html_truncate_and_pad(make_api):
    api = make_api()
    add(api, method="POST", path="/v3/webhooks", rewrite={"op": "empty"}, times=1)
    resp = create_webhook(api)
    assert resp.status_code == 200 and resp.get_data() == b""
    # the write happened: the webhook is there
    assert [w["webhook_url"] for w in api.get("/v3/webhooks").get_json()["data"]] == [HOOK["url"]]
    add(api, method="GET", path="/v3/webhooks", rewrite={"op": "html"}, times=1)
    resp = api.get("/v3/webhooks")
    assert resp.status_code == 200 and resp.content_type.startswith("text/html")
    assert resp.get_data(as_text=True) == REWRITE_HTML
    add(api, method="GET", path="/v3/webhooks", rewrite={"op": "truncate", "bytes": 20}, times=1)
    resp = api.get("/v3/webhooks")
    assert len(resp.get_data()) == 20 and resp.content_type == "application/json"
    with pytest.raises(ValueError):
        json.loads(resp.get_data())
    add(api, method="GET", path="/v3/webhooks", rewrite={"op": "pad"}, times=1)
    resp = api.get("/v3/webhooks")
    assert len(resp.get_data()) > 10 * 1024 * 1024
    body = json.loads(resp.get_data())  # still JSON, still the real answer
    assert len(body["data"]) == 1 and len(body["_padding"]) == 10 * 1024 * 1024


def test_freeze_answers_every_offset_with_the_first_page(make_api):
    api = make_api()
    add(api, method="GET", path="/a/*/accounts", rewrite={"op": "freeze"})
    auth = {"Authorization": "Basic " + base64.b64encode(("%s:" % ACME_V2[1]).encode()).decode()}
    pages = [api.get("/a/%s/accounts?limit=3&offset=%d" % (ACME_V2[0], o), key="", headers=auth) for o in (0, 3, 6)]
    ids = [[a["id"] for a in p.get_json()] for p in pages]
    assert ids[0] == ids[1] == ids[2] and len(ids[0]) == 3


def test_rotate_serves_the_first_page_turned_by_one_each_time(make_api):
    api = make_api()
    start_batch(api, 3)
    real = [g["id"] for g in api.get("/v3/grants?limit=3").get_json()["data"]]
    add(api, method="GET", path="/v3/grants", rewrite={"op": "rotate"})
    first, second, third = ([g["id"] for g in api.get("/v3/grants?limit=3&offset=%d" % o).get_json()["data"]]
                            for o in (0, 3, 6))
    assert len(real) == 3 and first == real
    assert second == real[1:] + real[:1] and third == real[2:] + real[:2]


def test_cursor_repeat_and_rotate(make_api):
    api = make_api()
    add(api, method="GET", path="/v3/applications", rewrite={"op": "cursor", "key": "data.next_page_number",
                                                             "mode": "repeat", "value": 1}, times=2)
    add(api, method="GET", path="/v3/applications", rewrite={"op": "cursor", "key": "data.next_page_number",
                                                             "mode": "rotate"})
    values = [api.get("/v3/applications").get_json()["data"]["next_page_number"] for _dummy in range(5)]
    assert values == [1, 1, 2, 3, 4]


def test_rewrites_honour_times_probability_and_are_logged(make_api):
    api = make_api()
    rule = add(api, method="GET", path="/v3/applications", rewrite={"op": "null_key", "key": "data"},
               probability=0.5, seed=3)
    answers = [api.get("/v3/applications").get_json()["data"] for _dummy in range(40)]
    nulls = answers.count(None)
    assert 0 < nulls < 40
    listed = api.client.get("/_sim/faults").get_json()["faults"][0]
    assert listed["applied"] == nulls and listed["rewrite"] == {"op": "null_key", "key": "data"}
    logged = [e for e in api.client.get("/_sim/requests").get_json()["requests"] if e["fault"] == rule["id"]]
    assert len(logged) == nulls and {e["status"] for e in logged} == {200}


@pytest.mark.parametrize("bad", [
    {"rewrite": {"op": "explode"}},
    {"rewrite": {"op": "drop_key"}},
    {"rewrite": {"op": "set_key", "key": "data"}},
    {"rewrite": {"op": "cursor", "mode": "sideways"}},
    {"rewrite": {"op": "pad", "bytes": -1}},
    {"rewrite": {"op": "empty", "bogus": 1}},
    {"rewrite": "empty"},
    {"rewrite": {"op": "empty"}, "status": 200},
    {"rewrite": {"op": "empty"}, "drop_after": True},
])
def test_bad_rewrite_rules_are_refused(make_api, bad):
    api = make_api()
    assert api.client.post("/_sim/faults", json=dict(bad, path="/v3/webhooks")).status_code == 400
