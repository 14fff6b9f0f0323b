"""Applications, connectors, webhooks, Pub/Sub channels, import, grants listing, v2 reads."""

import base64

from simhelpers import ACME_V2, GLOBEX_KEY, INITECH_V2, TEST_KEY, TEST_V2, link_headers, small_seed

LINK = "/v3/migration-tools/link-v2v3-apps"
IMPORT = "/v3/migration-tools/import-v2-app"


def test_application_get_patch_and_redirect_uris(make_api):
    api = make_api()
    data = api.get("/v3/applications").get_json()["data"]
    assert data["region"] == "us" and data["environment"] == "production"
    assert data["branding"]["name"] == "Acme Mail"
    resp = api.patch("/v3/applications", json={
        "branding": {"description": "demo"},
        "callback_uris": [{"platform": "web", "url": "https://app.example.com/x"}]})
    assert resp.status_code == 200
    data = resp.get_json()["data"]
    assert data["branding"] == {"name": "Acme Mail", "description": "demo"}
    uris = api.get("/v3/applications/redirect-uris").get_json()["data"]
    assert [u["url"] for u in uris] == ["https://app.example.com/x"]
    assert uris[0]["platform"] == "web" and uris[0]["id"]
    assert api.patch("/v3/applications", json={"bogus": 1}).status_code == 400


def test_connectors_crud(make_api):
    api = make_api()
    body = {"provider": "google", "settings": {"client_id": "cid", "client_secret": "csecret"},
            "scope": ["openid"]}
    resp = api.post("/v3/connectors", json=body)
    assert resp.status_code == 201
    created = resp.get_json()["data"]
    assert created == {"name": "Google", "provider": "google", "settings": {"client_id": "cid"}, "scope": ["openid"]}
    assert "csecret" not in resp.get_data(as_text=True)
    assert api.post("/v3/connectors", json=body).status_code == 400  # already exists
    assert api.post("/v3/connectors", json={"provider": "nope"}).status_code == 400
    assert api.post("/v3/connectors", json={"provider": "imap"}).status_code == 201
    listed = api.get("/v3/connectors").get_json()
    assert [c["provider"] for c in listed["data"]] == ["google", "imap"]
    assert listed["limit"] == 10 and listed["offset"] == 0
    page = api.get("/v3/connectors?limit=1&offset=1").get_json()
    assert [c["provider"] for c in page["data"]] == ["imap"]
    patched = api.patch("/v3/connectors/google", json={"scope": ["a", "b"], "settings": {"topic_name": "t"}})
    assert patched.get_json()["data"]["scope"] == ["a", "b"]
    assert patched.get_json()["data"]["settings"] == {"client_id": "cid", "topic_name": "t"}
    assert api.get("/v3/connectors/google").get_json()["data"]["scope"] == ["a", "b"]
    deleted = api.delete("/v3/connectors/google")
    assert deleted.status_code == 200 and deleted.get_json()["request_id"]
    assert api.get("/v3/connectors/google").status_code == 404
    assert api.delete("/v3/connectors/google").status_code == 404
    # other application does not see them
    assert api.get("/v3/connectors", key=GLOBEX_KEY).get_json()["data"] == []


def test_webhooks_crud_secret_only_on_create(make_api, receiver):
    api = make_api()
    resp = api.post("/v3/webhooks", json={"trigger_types": ["grant.created", "message.created"],
                                          "webhook_url": receiver.url_for("/v3"), "description": "d"})
    assert resp.status_code == 200
    assert receiver.stats()["paths"]["/v3"]["challenges_answered"] == 1
    created = resp.get_json()["data"]
    secret = created["webhook_secret"]
    assert secret and created["status"] == "active"
    hook_id = created["id"]
    listed = api.get("/v3/webhooks")
    assert [w["id"] for w in listed.get_json()["data"]] == [hook_id]
    assert secret not in listed.get_data(as_text=True)
    got = api.get(f"/v3/webhooks/{hook_id}")
    assert secret not in got.get_data(as_text=True)
    assert got.get_json()["data"]["trigger_types"] == ["grant.created", "message.created"]
    updated = api.put(f"/v3/webhooks/{hook_id}", json={"trigger_types": ["grant.deleted"], "status": "pause"})
    assert updated.status_code == 200
    assert updated.get_json()["data"]["status"] == "pause"
    assert api.post("/v3/webhooks", json={"trigger_types": ["nope"], "webhook_url": receiver.url_for("/x")}
                    ).status_code == 400
    assert api.post("/v3/webhooks", json={"trigger_types": ["grant.created"]}).status_code == 400
    deleted = api.delete(f"/v3/webhooks/{hook_id}")
    assert deleted.get_json()["data"] == {"status": "success"}
    gone = api.get(f"/v3/webhooks/{hook_id}")
    assert gone.status_code == 400 and gone.get_json()["error"] == {
        "type": "70000", "message": "destination.id.not.found : record not found"}


def test_pubsub_crud(make_api):
    api = make_api()
    resp = api.post("/v3/channels/pubsub", json={"trigger_types": ["grant.created"],
                                                 "topic": "projects/p/topics/nylas-t"})
    assert resp.status_code == 200
    channel = resp.get_json()["data"]
    assert channel["topic"] == "projects/p/topics/nylas-t" and "webhook_secret" not in channel
    assert [c["id"] for c in api.get("/v3/channels/pubsub").get_json()["data"]] == [channel["id"]]
    assert api.put(f"/v3/channels/pubsub/{channel['id']}", json={"description": "x"}).get_json()["data"][
        "description"] == "x"
    assert api.delete(f"/v3/channels/pubsub/{channel['id']}").status_code == 200
    assert api.get(f"/v3/channels/pubsub/{channel['id']}").get_json()["error"]["type"] == "70000"


def test_import_needs_link(make_api):
    api = make_api()
    resp = api.post(IMPORT)
    assert resp.status_code == 400
    assert "not linked" in resp.get_json()["error"]["message"]


def test_import_copies_branding_callbacks_connectors_not_webhooks(make_api):
    api = make_api()
    assert api.post(LINK, headers=link_headers()).status_code == 200
    resp = api.post(IMPORT)
    assert resp.status_code == 200
    message = resp.get_json()["data"]
    assert isinstance(message, str) and "microsoft" in message and "Azure" in message
    app = api.get("/v3/applications").get_json()["data"]
    assert app["branding"]["icon_url"] == "https://www.example.com/acme/icon.png"
    assert app["branding"]["website_url"] == "https://www.example.com/acme"
    assert [(c["platform"], c["url"]) for c in app["callback_uris"]] == [
        ("web", "https://app.example.com/acme/oauth/callback"),
        ("web", "https://app.example.com/acme/oauth/callback-mobile")]
    connectors = {c["provider"]: c for c in api.get("/v3/connectors").get_json()["data"]}
    assert set(connectors) == {"google", "microsoft", "imap", "icloud", "ews"}
    assert connectors["google"]["settings"]["client_id"] == "acme-google-client-id.apps.example.com"
    assert "client_secret" not in connectors["google"]["settings"]
    assert "client_id" not in connectors["microsoft"]["settings"]
    assert api.get("/v3/webhooks").get_json()["data"] == []
    # re-import: nothing duplicated
    assert api.post(IMPORT).status_code == 200
    assert len(api.get("/v3/applications").get_json()["data"]["callback_uris"]) == 2
    assert len(api.get("/v3/connectors").get_json()["data"]) == 5


def test_grants_list_filters_and_paging(make_api, write_seed):
    accounts = [{"id": f"acc{i:02d}", "provider": p, "email": f"u{i}@example.com",
                 "sync_state": "invalid" if i == 5 else "running", "linked_at": 1000 + i}
                for i, p in enumerate(["gmail", "graph", "imap", "icloud", "gmail", "gmail"] * 40)]
    api = make_api(seed=write_seed(small_seed(accounts)), key=TEST_KEY)
    assert api.post(LINK, headers=link_headers(key=TEST_KEY, v2=TEST_V2)).status_code == 200
    for acc in accounts[:12]:
        assert api.post(f"/v3/migration-tools/grants/{acc['id']}/clone").status_code == 200
    page = api.get("/v3/grants").get_json()
    assert page["limit"] == 10 and page["offset"] == 0 and len(page["data"]) == 10
    assert len(api.get("/v3/grants?limit=10&offset=10").get_json()["data"]) == 2
    one = api.get("/v3/grants?account_id=acc03").get_json()["data"]
    assert [(g["account_id"], g["provider"]) for g in one] == [("acc03", "icloud")]
    some = api.get("/v3/grants?account_ids=acc01,acc02,acc99&limit=50").get_json()["data"]
    assert sorted(g["account_id"] for g in some) == ["acc01", "acc02"]
    google = api.get("/v3/grants?provider=google&limit=50").get_json()["data"]
    assert {g["provider"] for g in google} == {"google"} and len(google) == 6
    invalid = api.get("/v3/grants?grant_status=invalid").get_json()["data"]
    assert [g["account_id"] for g in invalid] == ["acc05"]
    assert [g["account_id"] for g in api.get("/v3/grants?email=U7@example.com").get_json()["data"]] == ["acc07"]
    grant = one[0]
    assert {"id", "grant_status", "provider", "email", "account_id", "created_at", "updated_at",
            "scope"} <= set(grant)
    assert api.get(f"/v3/grants/{grant['id']}").get_json()["data"] == grant
    for acc in accounts[12:230]:
        api.post(f"/v3/migration-tools/grants/{acc['id']}/clone")
    capped = api.get("/v3/grants?limit=1000").get_json()
    assert capped["limit"] == 200 and len(capped["data"]) == 200
    assert api.get("/v3/grants?limit=abc").status_code == 400
    assert api.delete(f"/v3/grants/{grant['id']}").status_code == 200
    assert api.get(f"/v3/grants/{grant['id']}").status_code == 404


def test_v2_reads(make_api):
    api = make_api()
    auth = {"Authorization": "Basic " + base64.b64encode(f"{ACME_V2[1]}:".encode()).decode()}
    resp = api.get("/a/v2-us-acme", key="", headers=auth)
    assert resp.status_code == 200
    app = resp.get_json()
    assert app["application_name"] == "Acme Mail" and len(app["redirect_uris"]) == 2
    accounts = api.get("/a/v2-us-acme/accounts?offset=0&limit=50", key="", headers=auth).get_json()
    assert isinstance(accounts, list) and len(accounts) == 50
    assert {"id", "account_id", "email", "provider", "authentication_type", "sync_state", "billing_state",
            "trial"} <= set(accounts[0])
    assert all(a["email"].rsplit("@", 1)[1] in ("example.com", "example.org", "example.net") for a in accounts)
    rest = api.get("/a/v2-us-acme/accounts?offset=1150&limit=100", key="", headers=auth).get_json()
    assert len(rest) == 50
    # the largest page the v2 API gives is 1000 accounts (acme has 1200): a larger limit gets 1000
    assert len(api.get("/a/v2-us-acme/accounts?offset=0&limit=5000", key="", headers=auth).get_json()) == 1000
    wrong = {"Authorization": "Basic " + base64.b64encode(b"wrong:").decode()}
    bad = api.get("/a/v2-us-acme", key="", headers=wrong)
    assert bad.status_code == 401 and "request_id" not in bad.get_json()
    assert api.get("/a/v2-us-acme", key="").status_code == 401
    eu_auth = {"Authorization": "Basic " + base64.b64encode(f"{INITECH_V2[1]}:".encode()).decode()}
    assert api.get("/a/v2-eu-initech", key="", headers=eu_auth).status_code == 404
