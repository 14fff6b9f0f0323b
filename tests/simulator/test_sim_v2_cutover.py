"""v2 writes of the cutover: account downgrade/upgrade and v2 webhooks (reads and state updates).

Shapes as Nylas's v2 docs show them: bare JSON, ``{"success": "true"}`` for downgrade/upgrade, the
webhook object ``id``, ``application_id``, ``callback_url``, ``state``, ``triggers``, ``version``;
v2 errors ``{"message", "type"}``.
"""

import base64
import importlib

import test_outcome_rules  # makes the collection importable from the checkout
from simhelpers import ACME_V2, INITECH_V2, TEST_V2, small_seed

from simulator.backend import TRIGGER_TYPES

cutover_planning = importlib.import_module(test_outcome_rules.MODULE_UTILS + "nylas_cutover_planning")


def v2_auth(secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{secret}:".encode()).decode()}


ACME = v2_auth(ACME_V2[1])


def accounts(api, client_id="v2-us-acme", headers=None):
    headers = ACME if headers is None else headers
    return api.get(f"/a/{client_id}/accounts?offset=0&limit=2000", key="", headers=headers).get_json()


def test_v2_webhooks_of_the_demo_seed(make_api):
    api = make_api()
    hooks = api.get("/a/v2-us-acme/webhooks", key="", headers=ACME).get_json()
    assert isinstance(hooks, list) and len(hooks) == 2
    assert set(hooks[0]) == {"id", "application_id", "callback_url", "state", "triggers", "version"}
    assert [(h["callback_url"], h["triggers"], h["state"]) for h in hooks] == [
        ("https://hooks.example.com/acme/v2/messages", ["message.created", "message.opened"], "active"),
        ("https://hooks.example.com/acme/v2/accounts", ["account.connected", "account.invalid"], "active"),
    ]
    assert all(h["application_id"] == "v2-us-acme" for h in hooks)
    # ids are stable across reads and unique
    again = api.get("/a/v2-us-acme/webhooks", key="", headers=ACME).get_json()
    assert [h["id"] for h in again] == [h["id"] for h in hooks] and len({h["id"] for h in hooks}) == 2
    one = api.get(f"/a/v2-us-acme/webhooks/{hooks[0]['id']}", key="", headers=ACME).get_json()
    assert one == hooks[0]


def test_v2_webhook_state_update_persists_and_is_validated(make_api):
    api = make_api()
    hook = api.get("/a/v2-us-acme/webhooks", key="", headers=ACME).get_json()[1]
    resp = api.put(f"/a/v2-us-acme/webhooks/{hook['id']}", key="", headers=ACME, json={"state": "inactive"})
    assert resp.status_code == 200 and resp.get_json() == dict(hook, state="inactive")
    listed = api.get("/a/v2-us-acme/webhooks", key="", headers=ACME).get_json()
    assert [h["state"] for h in listed] == ["active", "inactive"]
    bad = api.put(f"/a/v2-us-acme/webhooks/{hook['id']}", key="", headers=ACME, json={"state": "paused"})
    assert bad.status_code == 400 and set(bad.get_json()) == {"message", "type"}
    other = api.put(f"/a/v2-us-acme/webhooks/{hook['id']}", key="", headers=ACME,
                    json={"callback_url": "https://x.example.com"})
    assert other.status_code == 400  # no state
    along = api.put(f"/a/v2-us-acme/webhooks/{hook['id']}", key="", headers=ACME,
                    json={"state": "inactive", "callback_url": "https://x.example.com"})
    assert along.status_code == 200 and along.get_json()["callback_url"] == hook["callback_url"]
    missing = api.put("/a/v2-us-acme/webhooks/nope", key="", headers=ACME, json={"state": "inactive"})
    assert missing.status_code == 404 and missing.get_json()["type"] == "not_found_error"
    # the update is logged (the request log proves what a run wrote)
    puts = [(e["path"], e["status"], e["application_id"]) for e in api.ctx.log.entries() if e["method"] == "PUT"]
    assert puts == [(f"/a/v2-us-acme/webhooks/{hook['id']}", 200, "v2-us-acme"),
                    (f"/a/v2-us-acme/webhooks/{hook['id']}", 400, "v2-us-acme"),
                    (f"/a/v2-us-acme/webhooks/{hook['id']}", 400, "v2-us-acme"),
                    (f"/a/v2-us-acme/webhooks/{hook['id']}", 200, "v2-us-acme"),
                    ("/a/v2-us-acme/webhooks/nope", 404, "v2-us-acme")]


def test_downgrade_and_upgrade_change_billing_state(make_api):
    api = make_api()
    acc = next(a for a in accounts(api) if a["billing_state"] == "paid")
    path = f"/a/v2-us-acme/accounts/{acc['id']}"
    resp = api.post(path + "/downgrade", key="", headers=ACME)
    assert resp.status_code == 200 and resp.get_json() == {"success": "true"}
    assert api.get(path, key="", headers=ACME).get_json()["billing_state"] == "cancelled"
    # repeating a downgrade is accepted and changes nothing
    assert api.post(path + "/downgrade", key="", headers=ACME).get_json() == {"success": "true"}
    assert api.get(path, key="", headers=ACME).get_json()["billing_state"] == "cancelled"
    assert api.post(path + "/upgrade", key="", headers=ACME).get_json() == {"success": "true"}
    assert api.get(path, key="", headers=ACME).get_json()["billing_state"] == "paid"
    posts = [e["path"] for e in api.ctx.log.entries() if e["method"] == "POST"]
    assert posts == [path + "/downgrade", path + "/downgrade", path + "/upgrade"]
    # only that account changed
    states = [a["billing_state"] for a in accounts(api)]
    assert "cancelled" not in states


def test_deleted_unknown_and_unauthorised_accounts(make_api, write_seed):
    api = make_api(seed=write_seed(small_seed([
        {"id": "acc-del", "provider": "gmail", "billing_state": "deleted"},
        {"id": "acc-ok", "provider": "gmail"},
    ])), key="key-test")
    auth = v2_auth(TEST_V2[1])
    for action in ("downgrade", "upgrade"):
        resp = api.post(f"/a/v2-test/accounts/acc-del/{action}", key="", headers=auth)
        assert resp.status_code == 400 and resp.get_json()["type"] == "bad_request"
    assert api.post("/a/v2-test/accounts/nope/downgrade", key="", headers=auth).status_code == 404
    assert api.post("/a/v2-test/accounts/acc-ok/downgrade", key="", headers=v2_auth("wrong")).status_code == 401
    assert api.post("/a/v2-test/accounts/acc-ok/downgrade", key="").status_code == 401
    assert api.get("/a/v2-test/accounts/acc-ok", key="", headers=auth).get_json()["billing_state"] == "paid"


def test_other_region_v2_application_is_not_found(make_api):
    api = make_api()
    eu = v2_auth(INITECH_V2[1])
    assert api.get("/a/v2-eu-initech/webhooks", key="", headers=eu).status_code == 404
    assert api.post("/a/v2-eu-initech/accounts/x/downgrade", key="", headers=eu).status_code == 404


def test_reset_restores_seed_state(make_api):
    api = make_api()
    acc = next(a for a in accounts(api) if a["billing_state"] == "paid")
    api.post(f"/a/v2-us-acme/accounts/{acc['id']}/downgrade", key="", headers=ACME)
    hook = api.get("/a/v2-us-acme/webhooks", key="", headers=ACME).get_json()[0]
    api.put(f"/a/v2-us-acme/webhooks/{hook['id']}", key="", headers=ACME, json={"state": "inactive"})
    api.ctx.backend.reset()
    assert api.get(f"/a/v2-us-acme/accounts/{acc['id']}", key="", headers=ACME).get_json()["billing_state"] == "paid"
    assert api.get("/a/v2-us-acme/webhooks", key="", headers=ACME).get_json()[0]["state"] == "active"


def test_the_collection_trigger_map_names_only_v3_triggers_of_the_contract():
    for v2, (v3, note) in cutover_planning.V2_TO_V3_TRIGGERS.items():
        assert v3 in TRIGGER_TYPES or (v3 is None and note), v2
