# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of the shared request core (plugins/module_utils/nylas_http.py).

Headers, response parsing and errors, paging, check-mode refusal, secrets; HTTP mocked with
``responses``, nothing sleeps.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from ansible_collections.nylas.migration.plugins.module_utils.nylas_checks import build_basic_v2
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError, NylasCheckModeError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_http import (
    auth_failure_message,
    rate_limited_message,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import NylasV3Client
from ansible_collections.nylas.migration.tests.unit.plugins.module_utils.nylas_http_helpers import (
    API_KEY,
    V2_ID,
    V2_SECRET,
    BASE,
    envelope,
    error_body,
    assert_no_secret,
)


def test_headers_and_envelope(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/applications", json=envelope({"application_id": "app1"}))
    assert client.get_application() == {"application_id": "app1"}
    req = rsps.calls[0].request
    assert req.headers["Authorization"] == "Bearer " + API_KEY
    assert req.headers["Accept"] == "application/json"
    assert req.headers["User-Agent"] == "nylas.migration/0.1.0 (Ansible collection; python-requests/%s)" % (
        requests.__version__
    )
    assert client.base_url == BASE
    assert API_KEY not in repr(client)


def test_request_returns_envelope(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/webhooks", json=envelope([{"id": "w1"}]))
    assert client.request("GET", "/v3/webhooks") == {"request_id": "rid-ok", "data": [{"id": "w1"}]}


def test_empty_body_is_empty_dict(rsps, client):
    rsps.add(responses.DELETE, BASE + "/v3/webhooks/w1", status=204)
    assert client.delete_webhook("w1") is None
    assert client.request("DELETE", "/v3/webhooks/w1") == {}


def test_error_envelope_fields(rsps, client):
    rsps.add(
        responses.POST,
        BASE + "/v3/migration-tools/grants/acc1/clone",
        status=400,
        json={
            "request_id": "rid-400",
            "error": {"type": "bad_request", "message": "account cannot migrate", "provider_error": {"x": 1}},
        },
        headers={"X-Request-Id": "header-rid"},
    )
    with pytest.raises(NylasAPIError) as info:
        client.clone_grant("acc1", allow_invalid_grant_creation=False)
    exc = info.value
    assert (exc.status, exc.error_type, exc.message, exc.request_id) == (
        400,
        "bad_request",
        "account cannot migrate",
        "rid-400",
    )
    assert exc.method == "POST"
    assert exc.path == "/v3/migration-tools/grants/acc1/clone"  # no query string
    assert exc.attempts == 1
    assert exc.outcome_unknown is False
    assert exc.provider_error == {"x": 1}
    assert str(exc) == "HTTP 400 bad_request: account cannot migrate (request_id=rid-400)"
    assert exc.to_dict() == {
        "status": 400,
        "error_type": "bad_request",
        "message": "account cannot migrate",
        "request_id": "rid-400",
        "method": "POST",
        "path": "/v3/migration-tools/grants/acc1/clone",
        "attempts": 1,
    }


def test_request_id_falls_back_to_header(rsps, client):
    rsps.add(
        responses.GET,
        BASE + "/v3/applications",
        status=401,
        json={"error": {"type": "invalid_request_error", "message": "Unauthorized"}},
        headers={"X-Request-Id": "hdr-1"},
    )
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    assert info.value.request_id == "hdr-1"
    assert info.value.error_type == "invalid_request_error"


def test_html_502_body(rsps, client):
    page = (
        "<html><head><title>502 Bad Gateway</title><style>body{color:red}</style>"
        "<script>var secret=1;</script></head><body>\n\n<center><h1>502   Bad Gateway</h1></center>"
        "<hr><center>nginx</center>" + "<p>filler</p>" * 200 + "</body></html>"
    )
    rsps.add(responses.GET, BASE + "/v3/applications", status=502, body=page, content_type="text/html")
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    exc = info.value
    assert exc.status == 502
    assert exc.error_type == "non_json_response"
    assert exc.content_type.startswith("text/html")
    assert exc.to_dict()["content_type"] == exc.content_type
    assert exc.attempts == 4  # retried: 1 + max_retries(3)
    assert "<" not in exc.message and "color:red" not in exc.message and "var secret" not in exc.message
    assert "502 Bad Gateway 502 Bad Gateway nginx" in exc.message
    excerpt = exc.message.split(": ", 1)[1]
    assert len(excerpt) <= 200
    assert "Traceback" not in str(exc)


def test_html_with_200(rsps, client):
    rsps.add(
        responses.GET,
        BASE + "/v3/applications",
        status=200,
        body="<html><body><h1>Sign in</h1><p>Captive&nbsp;portal &amp; co</p></body></html>",
        content_type="text/html; charset=utf-8",
    )
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    exc = info.value
    assert exc.status == 200
    assert exc.error_type == "non_json_response"
    assert exc.content_type == "text/html; charset=utf-8"
    assert "Sign in Captive portal & co" in exc.message
    assert exc.attempts == 1


def test_error_str_variants():
    exc = NylasAPIError("refused", error_type="connection_error", method="GET", path="/v3/x", attempts=3)
    assert str(exc) == "connection error: refused"
    exc = NylasAPIError("loop", error_type="pagination_loop")
    assert str(exc) == "pagination_loop: loop"
    exc = NylasAPIError("boom", status=500)
    assert str(exc) == "HTTP 500: boom"
    exc = NylasAPIError("x", status=504, outcome_unknown=True, content_type="text/plain")
    assert exc.to_dict()["outcome_unknown"] is True and exc.to_dict()["content_type"] == "text/plain"


def test_transport_options_passed():
    calls = []

    class Session(requests.Session):
        def request(self, method, url, **kwargs):  # pylint: disable=arguments-differ
            calls.append((method, url, kwargs))
            resp = requests.Response()
            resp.status_code = 200
            resp._content = b'{"data": {}}'
            return resp

    c = NylasV3Client(API_KEY, validate_certs=False, timeout=7, rate_limit=None, session=Session())
    c.get_application()
    method, url, kwargs = calls[0]
    assert (method, url) == ("GET", BASE + "/v3/applications")
    assert kwargs["verify"] is False and kwargs["timeout"] == 7 and kwargs["allow_redirects"] is False


def _page_callback(items, seen):
    def callback(request):
        query = parse_qs(urlsplit(request.url).query)
        limit, offset = int(query["limit"][0]), int(query["offset"][0])
        seen.append((offset, limit))
        return 200, {}, json.dumps(envelope(items[offset:offset + limit], limit=limit, offset=offset))
    return callback


def test_paginate_short_last_page(rsps, client):
    items = [{"id": "g%d" % i} for i in range(5)]
    seen = []
    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=_page_callback(items, seen))
    assert client.paginate("/v3/grants", page_size=2) == items
    assert seen == [(0, 2), (2, 2), (4, 2)]


def test_paginate_exact_multiple_ends_on_empty_page(rsps, client):
    items = [{"id": "g%d" % i} for i in range(4)]
    seen = []
    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=_page_callback(items, seen))
    assert client.paginate("/v3/grants", page_size=2) == items
    assert seen == [(0, 2), (2, 2), (4, 2)]


def test_paginate_repeated_page(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/connectors", json=envelope([{"provider": "google"}, {"provider": "imap"}]))
    with pytest.raises(NylasAPIError) as info:
        client.paginate("/v3/connectors", page_size=2)
    assert info.value.error_type == "pagination_loop"
    assert info.value.path == "/v3/connectors"
    assert len(rsps.calls) == 2


def test_paginate_server_caps_limit(rsps, client):
    items = [{"id": i} for i in range(7)]

    def callback(request):
        query = parse_qs(urlsplit(request.url).query)
        offset = int(query["offset"][0])
        limit = min(int(query["limit"][0]), 3)
        return 200, {}, json.dumps(envelope(items[offset:offset + limit], limit=limit))

    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=callback)
    assert client.paginate("/v3/grants", page_size=200) == items


def test_paginate_data_not_list(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/connectors", json=envelope({"oops": 1}))
    with pytest.raises(NylasAPIError) as info:
        client.list_connectors()
    assert info.value.error_type == "unexpected_response"


def test_read_only_refuses_writes_before_network(rsps, sleep):
    c = NylasV3Client(API_KEY, read_only=True, sleep=sleep, rate_limit=None)
    rsps.add(responses.GET, BASE + "/v3/applications", json=envelope({}))
    assert c.get_application() == {}
    for call in (
        lambda: c.clone_grant("a1"),
        c.start_batch_clone,
        lambda: c.link_v2_app("abc"),
        c.import_v2_app,
        lambda: c.delete_grant("g"),
        lambda: c.update_application({}),
        lambda: c.update_webhook("w", {}),
        lambda: c.request("post", "/v3/webhooks"),
    ):
        with pytest.raises(NylasCheckModeError):
            call()
    assert len(rsps.calls) == 1


def test_secrets_never_in_errors(rsps, client):
    basic = build_basic_v2(V2_ID, V2_SECRET)
    echo = "bad key %s and BasicV2 %s" % (API_KEY, basic)
    rsps.add(responses.POST, BASE + "/v3/migration-tools/link-v2v3-apps", status=400,
             json=error_body("bad_request", echo))
    with pytest.raises(NylasAPIError) as info:
        client.link_v2_app(basic)
    assert_no_secret(info.value, API_KEY, basic, V2_SECRET)
    assert "********" in info.value.message

    rsps.add(responses.GET, BASE + "/v3/applications", status=502,
             body="<html><body>upstream said Authorization: Bearer %s</body></html>" % API_KEY,
             content_type="text/html")
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    assert_no_secret(info.value, API_KEY)


def test_secret_not_in_transport_error(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/applications",
             body=requests.exceptions.ConnectionError("Max retries with url /v3?token=%s" % API_KEY))
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    assert_no_secret(info.value, API_KEY)
    assert "token=" not in str(info.value)


def test_read_only_error_has_no_secret(sleep):
    c = NylasV3Client(API_KEY, read_only=True, sleep=sleep, rate_limit=None)
    basic = build_basic_v2(V2_ID, V2_SECRET)
    with pytest.raises(NylasCheckModeError) as info:
        c.link_v2_app(basic)
    assert basic not in str(info.value) and API_KEY not in str(info.value)


# --------------------------------------------------------------------------------------------------
# Error context: 401/403 name the region and URL; a 429 without a Nylas envelope says "rate limited"
# --------------------------------------------------------------------------------------------------


def test_auth_failure_message():
    hint = "check that the API key belongs to an application of region 'eu'"
    assert auth_failure_message("Unauthorized", "eu", "https://api.eu.nylas.com", hint) == (
        "Unauthorized (region 'eu', https://api.eu.nylas.com); " + hint
    )


def test_rate_limited_message():
    assert rate_limited_message("Too Many Requests", 4) == "rate limited (gave up after 4 attempts): Too Many Requests"
    assert rate_limited_message("slow down", 1) == "rate limited (gave up after 1 attempt): slow down"


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("region,base", [("us", BASE), ("eu", "https://api.eu.nylas.com")])
def test_auth_error_names_region_and_url(rsps, sleep, status, region, base):
    c = NylasV3Client(API_KEY, region=region, sleep=sleep, rate_limit=None)
    rsps.add(responses.GET, base + "/v3/applications", status=status,
             json={"request_id": "rid-auth", "error": {"type": "unauthorized", "message": "Unauthorized"}})
    with pytest.raises(NylasAPIError) as info:
        c.get_application()
    exc = info.value
    assert (exc.status, exc.error_type, exc.request_id) == (status, "unauthorized", "rid-auth")
    assert exc.message.startswith("Unauthorized (region '%s', %s); " % (region, base))
    assert "check that the API key belongs to an application of region '%s'" % region in exc.message
    assert_no_secret(exc, API_KEY)


def test_auth_error_with_html_body_names_region(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/applications", status=403, body="<h1>Forbidden</h1>", content_type="text/html")
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    exc = info.value
    assert (exc.status, exc.error_type) == (403, "non_json_response")
    assert "Forbidden" in exc.message and "(region 'us', %s)" % BASE in exc.message


def test_other_errors_have_no_region_hint(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/applications", status=404, json=error_body("not_found_error", "nope"))
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    assert info.value.message == "nope"


@pytest.mark.parametrize("kwargs", [
    {"body": "Too Many Requests", "content_type": "text/plain"},
    {"body": "<html><body><h1>429 Too Many Requests</h1></body></html>", "content_type": "text/html"},
    {"json": {"message": "slow down"}},
    {"json": {}},
])
def test_429_without_envelope_reads_rate_limited(rsps, client, sleep, kwargs):
    rsps.add(responses.GET, BASE + "/v3/applications", status=429, **kwargs)
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    exc = info.value
    assert exc.status == 429 and exc.attempts == 4 and len(sleep.calls) == 3
    assert exc.message.startswith("rate limited (gave up after 4 attempts): ")
    assert exc.error_type == ("non_json_response" if "body" in kwargs else None)


def test_429_with_envelope_keeps_the_nylas_message(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/applications", status=429, json=error_body("rate_limit_error", "slow down"))
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    assert (info.value.message, info.value.error_type) == ("slow down", "rate_limit_error")
