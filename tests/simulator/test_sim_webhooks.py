"""Webhooks as Nylas runs them: the challenge, statuses, signed deliveries, test events, rotation (simulator/README.md)."""

import json
import time

import pytest
import requests
from simhelpers import TEST_KEY, TEST_V2, link_headers, small_seed, wait_jobs_done

from simulator.notify import TEST_EVENT_SECRET, UrlRefused, check_url, sign
from simulator.receiver import WebhookReceiver, signature, verify

WH = "/v3/webhooks"
GRANT_TRIGGERS = ("grant.created", "grant.updated")
ACCOUNTS = [{"id": f"acc{i}", "provider": p, "authentication_type": "oauth", "linked_at": 1_600_000_000 + i}
            for i, p in enumerate(("gmail", "gmail", "graph", "imap"))]


def create(api, url, triggers=GRANT_TRIGGERS):
    return api.post(WH, json={"trigger_types": list(triggers), "webhook_url": url})


def wait_idle(api, timeout=10):
    deadline = time.monotonic() + timeout
    while not api.ctx.notifier.idle():
        if time.monotonic() > deadline:
            raise TimeoutError("notifications still queued")
        time.sleep(0.02)


@pytest.fixture
def pair(make_api, write_seed):
    """A linked test application with a working connector per provider, and four accounts."""
    api = make_api(seed=write_seed(small_seed(ACCOUNTS)), key=TEST_KEY)
    assert api.post("/v3/migration-tools/link-v2v3-apps", headers=link_headers(key=TEST_KEY, v2=TEST_V2)).status_code == 200
    return api


# ------------------------------------------------------------------ the receiver
def test_receiver_answers_the_challenge_and_verifies_signatures(receiver):
    url = receiver.url_for("/hook")
    resp = requests.get(url, params={"challenge": "abc-123"}, timeout=5)
    assert resp.status_code == 200 and resp.text == "abc-123"
    receiver.set_secret("/hook", "s3cret")
    body = json.dumps({"type": "grant.created", "id": "n1"}).encode()
    requests.post(url, data=body, headers={"x-nylas-signature": signature("s3cret", body)}, timeout=5)
    requests.post(url, data=body, headers={"x-nylas-signature": signature("wrong", body)}, timeout=5)
    requests.post(url, data=body, timeout=5)
    stats = receiver.stats()["paths"]["/hook"]
    assert (stats["challenges"], stats["challenges_answered"], stats["deliveries"]) == (1, 1, 3)
    assert (stats["verified"], stats["bad_signature"], stats["unsigned"]) == (1, 1, 1)
    assert stats["by_trigger"] == {"grant.created": 3}
    assert [d["verdict"] for d in receiver.deliveries("/hook")] == ["verified", "bad_signature", "unsigned"]


def test_receiver_admin_api_and_failure_modes(receiver):
    base = receiver.url
    assert requests.post(base + "/_receiver/paths", json={"path": "/dead", "challenge": "status", "status": 503},
                         timeout=5).status_code == 200
    assert requests.get(base + "/dead", params={"challenge": "x"}, timeout=5).status_code == 503
    receiver.configure("/wrong", challenge="wrong")
    assert requests.get(base + "/wrong", params={"challenge": "x"}, timeout=5).text != "x"
    receiver.configure("/json", challenge="json")
    assert requests.get(base + "/json", params={"challenge": "x"}, timeout=5).json() == {"challenge": "x"}
    assert requests.post(base + "/_receiver/paths", json={"path": "/x", "challenge": "bogus"}, timeout=5
                         ).status_code == 400
    stats = requests.get(base + "/_receiver/stats", timeout=5).json()
    assert stats["totals"]["challenges"] == 3 and stats["totals"]["challenges_answered"] == 0
    requests.post(base + "/_receiver/reset", timeout=5)
    assert requests.get(base + "/_receiver/stats", timeout=5).json()["paths"] == {}


def test_verify_is_hex_hmac_sha256_of_the_raw_body():
    raw = b'{"a": 1}'
    import hashlib
    import hmac
    assert signature("k", raw) == hmac.new(b"k", raw, hashlib.sha256).hexdigest() == sign("k", raw)
    assert verify(["k"], raw, signature("k", raw).upper()) == "verified"
    assert verify([], raw, signature("k", raw)) == "no_secret"
    assert verify(["k"], raw + b" ", signature("k", raw)) == "bad_signature"
    # a send-test-event payload is signed with the contract's mock secret, not the destination's
    assert verify(["k"], raw, signature("mock-webhook-secret", raw)) == "test_event"
    assert verify([], raw, signature("mock-webhook-secret", raw)) == "test_event"


def test_receiver_loads_secrets_on_demand():
    asked = []
    with WebhookReceiver(secret_loader=lambda path: asked.append(path) or "from-vault") as rec:
        raw = b'{"type": "grant.created"}'
        requests.post(rec.url_for("/p"), data=raw, headers={"x-nylas-signature": signature("from-vault", raw)},
                      timeout=5)
        assert asked == ["/p"] and rec.stats()["paths"]["/p"]["verified"] == 1


# ------------------------------------------------------------------ URL rules and the challenge
@pytest.mark.parametrize("url, allow, fragment", [
    ("ftp://example.com/x", True, "absolute HTTPS URL"),
    ("https://abc.ngrok-free.app/hook", True, "ngrok"),
    ("https://abc.ngrok.io/hook", True, "ngrok"),
    ("http://127.0.0.1:9/hook", False, "--allow-loopback-webhooks"),
    ("http://localhost/hook", False, "--allow-loopback-webhooks"),
    ("http://hooks.example.com/hook", True, "HTTPS"),
    ("https://10.1.2.3/hook", True, "not a public address"),
    ("https://hooks.example.com/hook", True, "not reachable from the simulator"),
])
def test_check_url_refusals(url, allow, fragment):
    with pytest.raises(UrlRefused, match=fragment.replace("-", r"\-")):
        check_url(url, allow)


def test_check_url_allows_loopback_only_with_the_option():
    assert check_url("http://127.0.0.1:8080/x", True).port == 8080
    assert check_url("https://[::1]/x", True).hostname == "::1"


def test_create_sends_the_challenge_and_stores_active(make_api, receiver):
    api = make_api()
    resp = create(api, receiver.url_for("/ok?tenant=acme"))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["data"]["status"] == "active"
    assert receiver.stats()["paths"]["/ok"]["challenges_answered"] == 1
    entry = [e for e in api.client.get("/_sim/requests").get_json()["requests"] if e["path"] == WH][0]
    assert entry["detail"]["challenge"]["ok"] is True and entry["detail"]["challenge"]["status"] == 200
    assert api.client.get("/_sim/health").get_json()["allow_loopback_webhooks"] is True
    assert api.client.get("/_sim/state").get_json()["webhooks"]["allow_loopback_webhooks"] is True


@pytest.mark.parametrize("mode, message", [
    ("status", "unable.verify.webhook_url : status is not ok, got 404"),
    ("wrong", "unable.verify.webhook_url : the response body is not the challenge value"),
    ("json", "unable.verify.webhook_url : the response body is not the challenge value"),
])
def test_a_failed_challenge_is_the_contracts_400_and_writes_nothing(make_api, receiver, mode, message):
    api = make_api()
    receiver.configure("/bad", challenge=mode, status=404)
    resp = create(api, receiver.url_for("/bad"))
    assert resp.status_code == 400
    assert resp.get_json()["error"] == {"type": "70005", "message": message}
    assert api.get(WH).get_json()["data"] == []
    entry = [e for e in api.client.get("/_sim/requests").get_json()["requests"] if e["path"] == WH][0]
    assert entry["status"] == 400 and entry["detail"]["challenge"]["ok"] is False


def test_challenge_timeout_and_dead_port(make_api, receiver):
    api = make_api(webhook_timeout=0.5)
    receiver.configure("/slow", challenge="slow", delay=1.5)
    slow = create(api, receiver.url_for("/slow")).get_json()["error"]
    assert slow["type"] == "70005" and "no answer within 0.5 s" in slow["message"]
    with WebhookReceiver() as gone:
        dead_url = gone.url_for("/x")
    dead = create(api, dead_url).get_json()["error"]
    assert dead["type"] == "70005" and "cannot connect" in dead["message"]


def test_without_the_option_every_url_fails_verification(make_api, receiver):
    api = make_api(allow_loopback_webhooks=False)
    for url in (receiver.url_for("/x"), "https://hooks.example.com/x"):
        err = create(api, url).get_json()["error"]
        assert err["type"] == "70005" and err["message"].startswith("unable.verify.webhook_url : ")
    assert receiver.stats()["totals"]["challenges"] == 0


def test_duplicate_url_refused(make_api, receiver):
    api = make_api()
    assert create(api, receiver.url_for("/same")).status_code == 200
    dup = create(api, receiver.url_for("/same"))
    assert dup.status_code == 400 and "already used" in dup.get_json()["error"]["message"]


def test_url_change_and_reactivation_are_challenged(make_api, receiver):
    api = make_api()
    hook = create(api, receiver.url_for("/a")).get_json()["data"]
    receiver.configure("/b", challenge="status", status=500)
    moved = api.put(f"{WH}/{hook['id']}", json={"webhook_url": receiver.url_for("/b")})
    assert moved.status_code == 400 and moved.get_json()["error"]["type"] == "70005"
    assert api.get(f"{WH}/{hook['id']}").get_json()["data"]["webhook_url"] == receiver.url_for("/a")
    # description-only changes and pausing send no challenge
    assert api.put(f"{WH}/{hook['id']}", json={"description": "x", "status": "pause"}).status_code == 200
    assert receiver.stats()["paths"]["/a"]["challenges"] == 1
    # re-activation from pause and from failed re-runs the challenge
    assert api.put(f"{WH}/{hook['id']}", json={"status": "active"}).get_json()["data"]["status"] == "active"
    api.client.post(f"/_sim/destinations/{hook['id']}/status", json={"status": "failed"})
    assert api.get(f"{WH}/{hook['id']}").get_json()["data"]["status"] == "failed"
    receiver.configure("/a", challenge="status", status=404)
    refused = api.put(f"{WH}/{hook['id']}", json={"status": "active"})
    assert refused.get_json()["error"]["message"] == "unable.verify.webhook_url : status is not ok, got 404"
    assert api.get(f"{WH}/{hook['id']}").get_json()["data"]["status"] == "failed"
    receiver.configure("/a", challenge="echo")
    assert api.put(f"{WH}/{hook['id']}", json={"status": "active"}).get_json()["data"]["status"] == "active"
    assert receiver.stats()["paths"]["/a"]["challenges"] == 4
    # empty fields do not overwrite (contract, PUT /v3/webhooks/{id})
    kept = api.put(f"{WH}/{hook['id']}", json={"description": "", "notification_email_addresses": []})
    assert kept.get_json()["data"]["description"] == "x"


def test_statuses_are_seedable(make_api, write_seed, receiver):
    hooks = [{"id": "wh-failed", "webhook_url": receiver.url_for("/f"), "trigger_types": ["grant.created"],
              "status": "failed", "webhook_secret": "seeded-secret"},
             {"webhook_url": receiver.url_for("/p"), "trigger_types": ["grant.created"], "status": "pause"}]
    api = make_api(seed=write_seed(small_seed(ACCOUNTS, webhooks=hooks)), key=TEST_KEY)
    listed = {w["webhook_url"]: w["status"] for w in api.get(WH).get_json()["data"]}
    assert listed == {receiver.url_for("/f"): "failed", receiver.url_for("/p"): "pause"}
    assert receiver.stats()["totals"]["challenges"] == 0
    bad = small_seed(ACCOUNTS, webhooks=[dict(hooks[0], status="broken")])
    with pytest.raises(Exception, match="status must be one of"):
        make_api(seed=write_seed(bad), key=TEST_KEY)


# ------------------------------------------------------------------ deliveries
def test_clones_deliver_signed_grant_created_to_active_and_failing_only(pair, receiver):
    api = pair
    urls = {name: receiver.url_for(f"/{name}") for name in ("active", "failing", "failed", "pause", "other")}
    hooks = {name: create(api, url, ["grant.created"] if name != "other" else ["message.created"]).get_json()["data"]
             for name, url in urls.items()}
    for name, hook in hooks.items():
        receiver.set_secret(f"/{name}", hook["webhook_secret"])
    for name in ("failing", "failed", "pause"):
        api.client.post(f"/_sim/destinations/{hooks[name]['id']}/status", json={"status": name})
    grant = api.post("/v3/migration-tools/grants/acc0/clone").get_json()["data"]
    api.post("/v3/migration-tools/grants/acc0/clone")  # the existing grant: no second notification
    assert api.post("/v3/migration-tools/snapshot-batch-clone", json={}).status_code == 200
    wait_jobs_done(api)
    wait_idle(api)
    paths = receiver.stats()["paths"]
    assert paths["/active"]["verified"] == paths["/failing"]["verified"] == len(ACCOUNTS)
    assert paths["/active"]["bad_signature"] == 0
    for name in ("failed", "pause", "other"):
        assert paths[f"/{name}"]["deliveries"] == 0
    first = [d for d in api.client.get("/_sim/notifications").get_json()["deliveries"]
             if d["url"] == urls["active"]][0]
    assert first["type"] == "grant.created" and first["ok"] and first["status"] == 200
    assert receiver.deliveries("/active")[0]["type"] == "grant.created"
    assert grant["id"]


def test_wrong_secret_is_detected_at_the_receiver(pair, receiver):
    api = pair
    hook = create(api, receiver.url_for("/r")).get_json()["data"]
    receiver.set_secret("/r", hook["webhook_secret"] + "-stale")
    api.post("/v3/migration-tools/grants/acc0/clone")
    wait_idle(api)
    assert receiver.stats()["paths"]["/r"]["bad_signature"] == 1


def test_failing_deliveries_make_a_webhook_failing_then_active_again(pair, receiver):
    api = pair
    hook = create(api, receiver.url_for("/flaky")).get_json()["data"]
    receiver.configure("/flaky", delivery_status=500)
    for acc in ("acc0", "acc1", "acc3"):
        api.post(f"/v3/migration-tools/grants/{acc}/clone")
        wait_idle(api)
    assert api.get(f"{WH}/{hook['id']}").get_json()["data"]["status"] == "failing"
    receiver.configure("/flaky", delivery_status=200)
    grant = api.get("/v3/grants?account_id=acc0").get_json()["data"][0]
    api.client.post(f"/_sim/grants/{grant['id']}/reauthenticate")
    wait_idle(api)
    assert api.get(f"{WH}/{hook['id']}").get_json()["data"]["status"] == "active"
    updated = [d for d in receiver.deliveries("/flaky") if d["type"] == "grant.updated"]
    assert len(updated) == 1


def test_delivery_never_slows_the_api(pair, receiver):
    api = pair
    create(api, receiver.url_for("/slow"))
    receiver.configure("/slow", delay=1.5)  # every notification takes the receiver 1.5 s
    started = time.monotonic()
    for acc in ("acc0", "acc1", "acc3"):
        assert api.post(f"/v3/migration-tools/grants/{acc}/clone").status_code == 200
    assert time.monotonic() - started < 1.0
    wait_idle(api)
    assert receiver.stats()["paths"]["/slow"]["deliveries"] == 3


def test_send_test_event_and_mock_payload(make_api, receiver):
    api = make_api()
    receiver.set_secret("/t", TEST_EVENT_SECRET)
    ok = api.post(f"{WH}/send-test-event", json={"trigger_type": "grant.created", "webhook_url": receiver.url_for("/t")})
    assert ok.status_code == 200 and ok.get_json()["data"] == "success"
    assert receiver.stats()["paths"]["/t"]["verified"] == 1
    receiver.configure("/down", delivery_status=503)
    down = api.post(f"{WH}/send-test-event", json={"trigger_type": "grant.created",
                                                   "webhook_url": receiver.url_for("/down")})
    assert down.status_code == 200 and down.get_json()["data"] == "failed"
    refused = api.post(f"{WH}/send-test-event", json={"trigger_type": "grant.created",
                                                      "webhook_url": "https://hooks.example.com/x"})
    assert refused.status_code == 400 and refused.get_json()["error"]["type"] == "70005"
    assert api.post(f"{WH}/send-test-event", json={"trigger_type": "nope", "webhook_url": "x"}).status_code == 400
    mock = api.post(f"{WH}/mock-payload", json={"trigger_type": "grant.updated", "webhook_url": "https://x.example"})
    payload = mock.get_json()["data"]
    assert payload["type"] == "grant.updated" and payload["specversion"] == "1.0"
    assert payload["data"]["object"]["grant_id"] and "reauthentication_flag" in payload["data"]["object"]
    assert receiver.stats()["paths"].get("/x") is None  # mock-payload sends nothing


@pytest.mark.parametrize("path", ["/v3/webhooks/rotate-secret/{id}", "/v3/webhooks/{id}/rotate-secret"])
def test_rotate_secret_on_both_paths(pair, receiver, path):
    api = pair
    hook = create(api, receiver.url_for("/rot")).get_json()["data"]
    rotated = api.post(path.format(id=hook["id"]))
    assert rotated.status_code == 200
    new = rotated.get_json()["data"]["webhook_secret"]
    assert new and new != hook["webhook_secret"] and rotated.get_json()["data"]["id"] == hook["id"]
    receiver.set_secret("/rot", hook["webhook_secret"])
    api.post("/v3/migration-tools/grants/acc0/clone")
    wait_idle(api)
    assert receiver.stats()["paths"]["/rot"]["bad_signature"] == 1  # the old secret stopped at once
    receiver.set_secret("/rot", new)
    api.post("/v3/migration-tools/grants/acc1/clone")
    wait_idle(api)
    assert receiver.stats()["paths"]["/rot"]["verified"] == 1
    missing = api.post(path.format(id="no-such-webhook"))
    assert missing.status_code == 400 and missing.get_json()["error"]["type"] == "70000"
