"""The /_sim/ admin API: faults, request log (and its redaction), reset, state, pace; rate limits."""

import json

import pytest
import requests
from simhelpers import ACME_KEY, ACME_V2, GLOBEX_KEY, bearer, link_headers

LINK = "/v3/migration-tools/link-v2v3-apps"
JOBS = "/v3/migration-tools/jobs"


# ------------------------------------------------------------------ faults (real process)
def test_faults_html_502_times_latency_drop(sim_us):
    url = sim_us.url
    rule = sim_us.add_fault(method="GET", path="/v3/applications", status=502, times=2,
                            body="<html><body>Bad Gateway</body></html>", content_type="text/html")
    assert rule["id"]
    for _dummy in range(2):
        resp = requests.get(url + "/v3/applications", headers=bearer(), timeout=10)
        assert resp.status_code == 502
        assert resp.headers["Content-Type"].startswith("text/html")
        assert "Bad Gateway" in resp.text
    assert requests.get(url + "/v3/applications", headers=bearer(), timeout=10).status_code == 200
    # other methods / paths not matched
    sim_us.add_fault(method="POST", path="/v3/connectors", status=503, retry_after=7)
    assert requests.get(url + "/v3/connectors", headers=bearer(), timeout=10).status_code == 200
    resp = requests.post(url + "/v3/connectors", headers=bearer(), json={"provider": "imap"}, timeout=10)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "7"
    assert resp.json()["error"]["type"] == "internal_error"
    sim_us.clear_faults()
    # latency: a short client timeout times out
    sim_us.add_fault(path="/v3/grants", latency_ms=1500, times=1)
    with pytest.raises(requests.Timeout):
        requests.get(url + "/v3/grants", headers=bearer(), timeout=0.3)
    # drop: the client sees a connection error, the next request works
    sim_us.add_fault(path_regex=r"^/v3/migration-tools/grants/[^/]+/clone$", drop=True, times=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(url + "/v3/migration-tools/grants/x/clone", headers=bearer(), timeout=10)
    assert requests.post(url + "/v3/migration-tools/grants/x/clone", headers=bearer(), timeout=10).status_code == 400
    # faulted requests are logged with their status
    # (the delayed request is logged once the server has answered it, after the client gave up)
    faulted = sim_us.wait_for(lambda: len(f := [e for e in sim_us.requests_log() if e["fault"]]) == 5 and f)
    by_path = {(e["path"], e["status"]) for e in faulted}
    assert by_path == {("/v3/applications", 502), ("/v3/connectors", 503), ("/v3/grants", 200),
                       ("/v3/migration-tools/grants/x/clone", None)}
    # admin endpoints are never faulted
    sim_us.add_fault(path="*", status=500)
    assert sim_us.health()["status"] == "ok"
    assert requests.get(url + "/v3/applications", headers=bearer(), timeout=10).status_code == 500


def test_fault_drop_after_handles_the_request_then_loses_the_answer(sim_us):
    url = sim_us.url
    sim_us.add_fault(method="POST", path=LINK, drop_after=True, times=1)
    with pytest.raises(requests.ConnectionError):
        requests.post(url + LINK, headers=link_headers(), timeout=10)
    # the link was made although the client never got the answer
    app = requests.get(url + "/v3/applications", headers=bearer(), timeout=10).json()["data"]
    assert app["v2_application_id"] == ACME_V2[0]
    logged = [e for e in sim_us.requests_log() if e["path"] == LINK]
    assert [(e["status"], bool(e["fault"])) for e in logged] == [(None, True)]
    # the rule is used up: the next request gets its answer
    assert requests.post(url + LINK, headers=link_headers(), timeout=10).status_code == 200


def test_fault_probability_and_listing(make_api):
    api = make_api()
    admin = api.client
    assert admin.post("/_sim/faults", json={"path": "/v3/applications", "status": 500, "probability": 0}
                      ).status_code == 201
    assert all(api.get("/v3/applications").status_code == 200 for _dummy in range(20))
    admin.delete("/_sim/faults")
    admin.post("/_sim/faults", json={"path": "/v3/applications", "status": 500, "probability": 0.5, "seed": 1})
    codes = [api.get("/v3/applications").status_code for _dummy in range(60)]
    assert 0 < codes.count(500) < 60
    listed = admin.get("/_sim/faults").get_json()["faults"]
    assert listed[0]["applied"] == codes.count(500)
    rule_id = listed[0]["id"]
    assert admin.delete(f"/_sim/faults/{rule_id}").status_code == 200
    assert admin.delete(f"/_sim/faults/{rule_id}").status_code == 404
    for bad in ({"path": "/x"}, {"status": 99}, {"path_regex": "("}, {"status": 500, "times": 0},
                {"status": 500, "bogus": 1}, {"status": 500, "probability": 2},
                {"drop_after": True, "status": 500}, {"drop_after": True, "drop": True}):
        assert admin.post("/_sim/faults", json=bad).status_code == 400, bad


def test_fault_default_body_is_nylas_envelope(make_api):
    api = make_api()
    api.client.post("/_sim/faults", json={"path": "/v3/*", "status": 429, "retry_after": 2, "times": 1})
    resp = api.get("/v3/grants")
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "2"
    assert resp.get_json()["error"]["type"] == "nylas_rate_limit_exceeded"


# ------------------------------------------------------------------ request log
def test_request_log_redacts_credentials(make_api, receiver):
    api = make_api()
    secrets = [ACME_KEY, ACME_V2[1], link_headers()["BasicV2"], "hook-secret-value", "connector-secret-value"]
    api.post(LINK, headers=link_headers())
    api.post(LINK, headers=link_headers(suffix="\n"))
    settings = {"client_id": "c", "client_secret": "connector-secret-value"}
    api.post("/v3/connectors", json={"provider": "google", "settings": settings})
    created = api.post("/v3/webhooks", json={"trigger_types": ["grant.created"],
                                             "webhook_url": receiver.url_for("/x")}).get_json()["data"]
    secrets.append(created["webhook_secret"])
    api.get("/v3/grants?api_key=hook-secret-value&limit=5")
    api.get("/a/v2-us-acme", key="", headers={"Authorization": "Basic " + link_headers()["BasicV2"]})
    log = api.client.get("/_sim/requests").get_json()
    text = json.dumps(log)
    for secret in secrets:
        assert secret not in text
    entries = log["requests"]
    assert [e["path"] for e in entries][:2] == [LINK, LINK]
    assert entries[0]["status"] == 200 and entries[1]["status"] == 401
    assert entries[0]["application_id"] == "app-us-acme"
    grants_entry = [e for e in entries if e["path"] == "/v3/grants"][0]
    assert grants_entry["query"] == {"api_key": "<redacted>", "limit": "5"}
    assert {"method", "path", "query", "status", "application_id", "time", "request_id", "seq"} <= set(entries[0])


def test_request_log_since_and_filters_and_admin_not_logged(make_api, receiver):
    api = make_api()
    api.get("/v3/applications")
    first = api.client.get("/_sim/requests").get_json()
    assert len(first["requests"]) == 1
    api.client.get("/_sim/state")
    api.post("/v3/webhooks", json={"trigger_types": ["grant.created"], "webhook_url": receiver.url_for("/h")})
    api.get("/v3/grants")
    later = api.client.get(f"/_sim/requests?since={first['last_seq']}").get_json()["requests"]
    assert [e["path"] for e in later] == ["/v3/webhooks", "/v3/grants"]
    writes = api.client.get("/_sim/requests?method=POST,PATCH,PUT,DELETE").get_json()["requests"]
    assert [e["method"] for e in writes] == ["POST"]
    by_time = api.client.get(f"/_sim/requests?since={later[0]['time']}").get_json()["requests"]
    assert [e["path"] for e in by_time] == ["/v3/grants"]
    assert api.client.get("/_sim/requests?path=/v3/g*").get_json()["requests"][0]["path"] == "/v3/grants"


# ------------------------------------------------------------------ reset, state, pace, health
def test_reset_state_and_pace(make_api, receiver):
    api = make_api()
    api.post(LINK, headers=link_headers())
    api.post("/v3/migration-tools/import-v2-app")
    acc = api.get("/a/v2-us-acme/accounts?limit=1", key="",
                  headers={"Authorization": "Basic " + _b64(f"{ACME_V2[1]}:")}).get_json()[0]
    api.post(f"/v3/migration-tools/grants/{acc['id']}/clone")
    api.post("/v3/webhooks", json={"trigger_types": ["grant.created"], "webhook_url": receiver.url_for("/h")})
    state = api.client.get("/_sim/state").get_json()
    acme = state["applications"]["app-us-acme"]
    assert state["links"] == {"app-us-acme": "v2-us-acme"}
    assert acme["grants"]["total"] == 1 and acme["webhooks"] == 1 and len(acme["connectors"]) == 5
    assert acme["accounts"] == 1200 and sum(acme["expected"].values()) == 1200
    assert state["applications"]["app-us-globex"]["accounts"] is None
    assert state["v2_applications"]["v2-us-globex"]["accounts"] == 150
    assert "v2-eu-initech" not in state["v2_applications"]
    api.client.post("/_sim/faults", json={"path": "/x", "status": 500})
    reset = api.client.post("/_sim/reset")
    assert reset.status_code == 200
    state = api.client.get("/_sim/state").get_json()
    assert state["links"] == {} and state["grants"] == 0 and state["faults"] == 0
    assert api.client.get("/_sim/requests").get_json()["requests"] == []
    assert api.client.post("/_sim/pace", json={"accounts_per_second": 12.5}).get_json() == {
        "accounts_per_second": 12.5}
    assert api.client.get("/_sim/health").get_json()["job_pace"] == 12.5
    assert api.client.post("/_sim/pace", json={"accounts_per_second": -1}).status_code == 400


def _b64(text):
    import base64

    return base64.b64encode(text.encode()).decode()


# ------------------------------------------------------------------ rate limits
def test_rate_limit_per_application_and_bucket(make_api):
    api = make_api(rate_limit_migration=20, rate_limit_default=50)
    codes = [api.get(JOBS) for _dummy in range(30)]
    limited = [r for r in codes if r.status_code == 429]
    assert [r.status_code for r in codes[:20]] == [200] * 20
    assert limited, "the 21st request in the same second must be limited"
    body = limited[0].get_json()
    assert body["error"]["type"] == "nylas_rate_limit_exceeded" and body["request_id"]
    assert int(limited[0].headers["Retry-After"]) >= 1
    # another application is not limited; other API of the same application neither
    assert api.get(JOBS, key=GLOBEX_KEY).status_code == 200
    assert api.get("/v3/applications").status_code == 200
    # the admin API is never limited
    assert all(api.client.get("/_sim/health").status_code == 200 for _dummy in range(60))


def test_rate_limit_default_bucket(make_api):
    api = make_api(rate_limit_migration=20, rate_limit_default=50)
    codes = [api.get("/v3/grants").status_code for _dummy in range(60)]
    assert codes[:50] == [200] * 50 and 429 in codes[50:]
    assert api.get("/v3/grants", key=GLOBEX_KEY).status_code == 200


def test_rate_limits_off_with_zero(make_api):
    api = make_api(rate_limit_migration=0, rate_limit_default=0)
    assert all(api.get(JOBS).status_code == 200 for _dummy in range(60))


def test_rate_limit_cli_options(sim_factory):
    sim = sim_factory("us", extra_args=("--rate-limit-migration", "3", "--rate-limit-default", "0"))
    codes = [requests.get(sim.url + JOBS, headers=bearer(), timeout=10).status_code for _dummy in range(8)]
    assert codes[:3] == [200] * 3 and 429 in codes
    assert all(requests.get(sim.url + "/v3/grants", headers=bearer(), timeout=10).status_code == 200
               for _dummy in range(60))
