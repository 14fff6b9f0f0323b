"""Authentication, BasicV2 and the link endpoint."""

import base64

import pytest
from simhelpers import (ACME_KEY, ACME_V2, GLOBEX_KEY, GLOBEX_V2, INITECH_KEY, INITECH_V2, TEST_KEY, TEST_V2,
                        basic_v2, link_headers, small_seed)

LINK = "/v3/migration-tools/link-v2v3-apps"


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer nope"},
    {"Authorization": f"Basic {ACME_KEY}"},
    {"Authorization": ACME_KEY},
    {"Authorization": f"Bearer {INITECH_KEY}"},  # eu key on the us simulator
])
def test_bad_api_key_is_401_envelope_without_echo(make_api, headers):
    api = make_api()
    resp = api.get("/v3/applications", key="", headers=headers)
    assert resp.status_code == 401
    body = resp.get_json()
    assert set(body) == {"request_id", "error"}
    assert body["error"]["type"] == "invalid_request_error"
    assert "Unauthorized" in body["error"]["message"]
    assert resp.headers["X-Request-Id"] == body["request_id"]
    for header in headers.values():
        assert header.split()[-1] not in resp.get_data(as_text=True)


def test_every_response_has_request_id(make_api):
    api = make_api()
    resp = api.get("/v3/applications")
    assert resp.status_code == 200
    assert resp.get_json()["request_id"] == resp.headers["X-Request-Id"]
    assert api.get("/a/v2-us-acme").headers["X-Request-Id"]


def test_unknown_path_is_404_envelope(make_api):
    api = make_api()
    for path in ("/v3/nope", "/nothing/here", "/v3/grants/x/y/z"):
        resp = api.get(path)
        assert resp.status_code == 404
        body = resp.get_json()
        assert body["error"]["type"] == "not_found_error"
        assert body["request_id"]


def test_link_ok_then_same_again_is_200(make_api):
    api = make_api()
    first = api.post(LINK, headers=link_headers())
    assert first.status_code == 200, first.get_json()
    data = first.get_json()["data"]
    assert data["application_id"] == "app-us-acme"
    assert data["v2_application_id"] == "v2-us-acme"
    again = api.post(LINK, headers=link_headers())
    assert again.status_code == 200
    assert again.get_json()["data"] == data
    assert api.get("/v3/applications").get_json()["data"]["v2_application_id"] == "v2-us-acme"


@pytest.mark.parametrize("basic", [
    None,                                                   # missing
    "",                                                     # empty
    basic_v2(ACME_V2[0], "wrong-secret"),                   # wrong secret
    basic_v2("v2-unknown", ACME_V2[1]),                     # unknown client id
    "%%%not-base64%%%",                                     # not base64
    base64.b64encode(ACME_V2[1].encode()).decode(),         # secret only, no "id:"
    base64.b64encode(f"{ACME_V2[0]}:{ACME_V2[1]}:x".encode()).decode(),  # something extra
])
def test_link_bad_basicv2_is_401(make_api, basic):
    api = make_api()
    headers = {} if basic is None else {"BasicV2": basic}
    resp = api.post(LINK, headers=headers)
    assert resp.status_code == 401
    body = resp.get_json()
    assert body["error"]["type"] == "invalid_request_error"
    assert ACME_V2[1] not in resp.get_data(as_text=True)
    assert "v2_application_id" not in api.get("/v3/applications").get_json()["data"]


def test_link_trailing_newline_is_401_with_hint(make_api):
    api = make_api()
    resp = api.post(LINK, headers=link_headers(suffix="\n"))
    assert resp.status_code == 401
    message = resp.get_json()["error"]["message"]
    assert "newline" in message
    assert ACME_V2[1] not in message


def test_link_other_region_is_400_naming_both_regions(make_api):
    api = make_api()
    resp = api.post(LINK, headers=link_headers(v2=INITECH_V2))
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["error"]["type"] == "bad_request"
    message = body["error"]["message"]
    assert "region eu" in message and "region us" in message


def test_link_other_region_from_eu_side(make_api):
    api = make_api("eu", key=INITECH_KEY)
    resp = api.post(LINK, headers=link_headers(key=INITECH_KEY, v2=ACME_V2))
    assert resp.status_code == 400
    assert "region us" in resp.get_json()["error"]["message"]
    assert api.post(LINK, headers=link_headers(key=INITECH_KEY, v2=INITECH_V2)).status_code == 200


def test_v3_app_of_other_region_in_seed_refuses_link(make_api, write_seed):
    seed = write_seed(small_seed([{"provider": "gmail"}], region="us", v3_region="us",
                                 extra_v2=[{"client_id": "v2-eu", "client_secret": "s-eu", "region": "eu"}]))
    api = make_api(seed=seed, key=TEST_KEY)
    resp = api.post(LINK, headers=link_headers(key=TEST_KEY, v2=("v2-eu", "s-eu")))
    assert resp.status_code == 400
    assert "region eu" in resp.get_json()["error"]["message"]


def test_link_already_linked_to_other_is_400(make_api):
    api = make_api()
    assert api.post(LINK, headers=link_headers()).status_code == 200
    resp = api.post(LINK, headers=link_headers(v2=GLOBEX_V2))
    assert resp.status_code == 400
    message = resp.get_json()["error"]["message"]
    assert "already linked" in message and "v2-us-acme" in message
    assert api.get("/v3/applications").get_json()["data"]["v2_application_id"] == "v2-us-acme"


def test_apps_are_independent(make_api):
    api = make_api()
    assert api.post(LINK, headers=link_headers()).status_code == 200
    assert "v2_application_id" not in api.get("/v3/applications", key=GLOBEX_KEY).get_json()["data"]
    resp = api.post(LINK, key=GLOBEX_KEY, headers=link_headers(key=GLOBEX_KEY, v2=GLOBEX_V2))
    assert resp.status_code == 200
    assert resp.get_json()["data"]["application_id"] == "app-us-globex"


def test_small_seed_link(make_api, write_seed):
    api = make_api(seed=write_seed(small_seed([{"provider": "gmail"}])), key=TEST_KEY)
    assert api.post(LINK, headers=link_headers(key=TEST_KEY, v2=TEST_V2)).status_code == 200
