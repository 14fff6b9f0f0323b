# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of plugins/module_utils/nylas_client.py (HTTP mocked with ``responses``; nothing sleeps)."""

from __future__ import annotations

import base64
import json
import socket
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import urllib3.exceptions

from ansible_collections.nylas.migration.plugins.module_utils import nylas_client as nc
from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import (
    COLLECTION_VERSION,
    DEFAULT_RATE_LIMIT,
    REGIONS,
    NylasAPIError,
    NylasCheckModeError,
    NylasConfigError,
    NylasError,
    NylasV2Client,
    NylasV3Client,
    RateLimiter,
    backoff_delay,
    build_basic_v2,
    parse_retry_after,
    resolve_base_url,
    shared_limiter,
    PACING_HEADROOM,
)

API_KEY = "nyk_v0_SECRETapikey1234567890"
V2_ID = "v2clientid123"
V2_SECRET = "v2SECRETclientsecret987"
BASE = "https://api.us.nylas.com"
V2BASE = "https://api.nylas.com"


class FakeSleep:
    """Records requested sleeps instead of sleeping."""

    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


@pytest.fixture(autouse=True)
def _fresh_limiters():
    nc._LIMITERS.clear()
    yield
    nc._LIMITERS.clear()


@pytest.fixture
def sleep():
    return FakeSleep()


@pytest.fixture
def client(sleep):
    c = NylasV3Client(API_KEY, sleep=sleep, rate_limit=None, max_retries=3)
    c._random = lambda: 0.5
    return c


@pytest.fixture
def v2(sleep):
    return NylasV2Client(V2_ID, V2_SECRET, sleep=sleep, rate_limit=None, max_retries=2)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def envelope(data, **extra):
    body = {"request_id": "rid-ok", "data": data}
    body.update(extra)
    return body


def error_body(status_type, message, rid="rid-err"):
    return {"request_id": rid, "error": {"type": status_type, "message": message}}


def query_of(call):
    return parse_qs(urlsplit(call.request.url).query, keep_blank_values=True)


def assert_no_secret(exc, *secrets):
    texts = [str(exc), repr(exc), json.dumps(exc.to_dict()) if hasattr(exc, "to_dict") else "", str(exc.args)]
    for secret in secrets:
        for text in texts:
            assert secret not in text


# --------------------------------------------------------------------------------------------------
# Constants, headers, envelopes
# --------------------------------------------------------------------------------------------------


def test_constants():
    assert COLLECTION_VERSION == "0.1.0"
    assert DEFAULT_RATE_LIMIT == 20.0
    assert REGIONS["eu"]["v2"] == "https://ireland.api.nylas.com"
    assert issubclass(NylasConfigError, ValueError) and issubclass(NylasConfigError, NylasError)
    assert issubclass(NylasAPIError, NylasError) and issubclass(NylasCheckModeError, NylasError)


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


def test_eu_region_and_api_uri(rsps, sleep):
    c = NylasV3Client(API_KEY, region="eu", rate_limit=None, sleep=sleep)
    assert c.base_url == "https://api.eu.nylas.com"
    c = NylasV3Client(API_KEY, api_uri="http://127.0.0.1:8080/", rate_limit=None, sleep=sleep)
    rsps.add(responses.GET, "http://127.0.0.1:8080/v3/applications", json=envelope({}))
    assert c.get_application() == {}


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


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


def test_non_object_envelope(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/applications", json=[1, 2])
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    assert info.value.error_type == "unexpected_response"


def test_v2_error_shape_and_basic_auth(rsps, v2):
    rsps.add(responses.GET, V2BASE + "/a/" + V2_ID, status=403, json={"message": "Forbidden", "type": "api_error"})
    with pytest.raises(NylasAPIError) as info:
        v2.get_application()
    exc = info.value
    assert (exc.status, exc.error_type, exc.message, exc.attempts) == (403, "api_error", "Forbidden", 1)
    auth = rsps.calls[0].request.headers["Authorization"]
    assert auth == "Basic " + base64.b64encode((V2_SECRET + ":").encode()).decode()
    assert_no_secret(exc, V2_SECRET, base64.b64encode((V2_SECRET + ":").encode()).decode())


def test_v2_bare_json(rsps, v2):
    rsps.add(responses.GET, V2BASE + "/a/" + V2_ID, json={"application_name": "old", "redirect_uris": []})
    assert v2.get_application() == {"application_name": "old", "redirect_uris": []}


def test_error_str_variants():
    exc = NylasAPIError("refused", error_type="connection_error", method="GET", path="/v3/x", attempts=3)
    assert str(exc) == "connection error: refused"
    exc = NylasAPIError("loop", error_type="pagination_loop")
    assert str(exc) == "pagination_loop: loop"
    exc = NylasAPIError("boom", status=500)
    assert str(exc) == "HTTP 500: boom"
    exc = NylasAPIError("x", status=504, outcome_unknown=True, content_type="text/plain")
    assert exc.to_dict()["outcome_unknown"] is True and exc.to_dict()["content_type"] == "text/plain"


# --------------------------------------------------------------------------------------------------
# Retries
# --------------------------------------------------------------------------------------------------


def test_retry_after_seconds(rsps, client, sleep):
    rsps.add(responses.GET, BASE + "/v3/applications", status=429, headers={"Retry-After": "7"},
             json=error_body("rate_limit_error", "slow down"))
    rsps.add(responses.GET, BASE + "/v3/applications", json=envelope({"ok": True}))
    assert client.get_application() == {"ok": True}
    assert sleep.calls == [7.0]
    assert len(rsps.calls) == 2


def test_retry_after_http_date(rsps, client, sleep):
    when = datetime.now(timezone.utc) + timedelta(seconds=120)
    rsps.add(responses.GET, BASE + "/v3/applications", status=503,
             headers={"Retry-After": format_datetime(when, usegmt=True)})
    rsps.add(responses.GET, BASE + "/v3/applications", json=envelope({}))
    client.get_application()
    assert len(sleep.calls) == 1
    assert 100 <= sleep.calls[0] <= 121


def test_retry_after_is_clamped(rsps, client, sleep):
    rsps.add(responses.GET, BASE + "/v3/applications", status=429, headers={"Retry-After": "86400"})
    rsps.add(responses.GET, BASE + "/v3/applications", json=envelope({}))
    client.get_application()
    assert sleep.calls == [nc.MAX_RETRY_AFTER]


def test_parse_retry_after():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("-3") is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after("inf") is None
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now.timestamp()) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0  # in the past


def test_backoff_full_jitter_bounded(rsps, sleep):
    c = NylasV3Client(API_KEY, sleep=sleep, rate_limit=None, max_retries=8)
    c._random = lambda: 0.999999
    for dummy in range(9):
        rsps.add(responses.GET, BASE + "/v3/applications", status=503)
    with pytest.raises(NylasAPIError) as info:
        c.get_application()
    assert info.value.attempts == 9
    assert len(sleep.calls) == 8
    ceilings = [min(30.0, 0.5 * 2 ** n) for n in range(8)]
    for slept, ceiling in zip(sleep.calls, ceilings):
        assert 0.99 * ceiling <= slept < ceiling
    assert max(sleep.calls) < 30.0


def test_backoff_delay_function():
    assert backoff_delay(0, rand=lambda: 0.0) == 0.0
    assert backoff_delay(3, rand=lambda: 0.5) == 0.5 * 0.5 * 8
    assert backoff_delay(50, rand=lambda: 0.999) < 30.0
    for n in range(20):  # real jitter stays within [0, ceiling)
        assert 0.0 <= backoff_delay(n) < min(30.0, 0.5 * 2 ** n)


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_max_retries_cap_and_attempts(rsps, client, sleep, status):
    rsps.add(responses.GET, BASE + "/v3/applications", status=status, json=error_body("x", "busy"))
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    assert info.value.attempts == 4
    assert len(rsps.calls) == 4
    assert len(sleep.calls) == 3
    assert info.value.status == status


def test_max_retries_zero(rsps, sleep):
    c = NylasV3Client(API_KEY, sleep=sleep, rate_limit=None, max_retries=0)
    rsps.add(responses.GET, BASE + "/v3/applications", status=503)
    with pytest.raises(NylasAPIError) as info:
        c.get_application()
    assert info.value.attempts == 1 and sleep.calls == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
def test_client_errors_not_retried(rsps, client, sleep, status):
    rsps.add(responses.GET, BASE + "/v3/applications", status=status, json=error_body("bad", "no"))
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    assert info.value.attempts == 1
    assert len(rsps.calls) == 1
    assert sleep.calls == []


@pytest.mark.parametrize("status", [502, 503, 504, 500])
def test_post_not_resent_after_5xx(rsps, client, sleep, status):
    rsps.add(responses.POST, BASE + "/v3/migration-tools/grants/acc1/clone", status=status,
             json=error_body("internal_error", "oops"))
    with pytest.raises(NylasAPIError) as info:
        client.clone_grant("acc1")
    exc = info.value
    assert len(rsps.calls) == 1
    assert exc.attempts == 1
    assert exc.outcome_unknown is True
    assert exc.to_dict()["outcome_unknown"] is True
    assert sleep.calls == []


def test_post_not_resent_after_read_timeout(rsps, client, sleep):
    rsps.add(responses.POST, BASE + "/v3/migration-tools/grants/acc1/clone",
             body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(NylasAPIError) as info:
        client.clone_grant("acc1")
    exc = info.value
    assert len(rsps.calls) == 1
    assert exc.outcome_unknown is True and exc.status is None and exc.error_type == "timeout"
    assert str(exc).startswith("connection error: ")


def test_post_not_resent_after_dropped_connection(rsps, client):
    dropped = requests.exceptions.ConnectionError(
        urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    )
    rsps.add(responses.POST, BASE + "/v3/connectors", body=dropped)
    with pytest.raises(NylasAPIError) as info:
        client.create_connector({"provider": "google"})
    assert len(rsps.calls) == 1
    assert info.value.outcome_unknown is True
    assert info.value.error_type == "connection_error"


def test_post_resent_after_429(rsps, client, sleep):
    url = BASE + "/v3/migration-tools/grants/acc1/clone"
    rsps.add(responses.POST, url, status=429, headers={"Retry-After": "1"}, json=error_body("too_many_requests", "x"))
    rsps.add(responses.POST, url, json=envelope({"id": "g1", "account_id": "acc1"}))
    assert client.clone_grant("acc1") == {"id": "g1", "account_id": "acc1"}
    assert len(rsps.calls) == 2
    assert sleep.calls == [1.0]


def _refused_error():
    reason = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, "/v3/connectors?secret=x", reason=reason)
    )


def test_post_resent_after_connection_refused(rsps, client, sleep):
    rsps.add(responses.POST, BASE + "/v3/connectors", body=_refused_error())
    rsps.add(responses.POST, BASE + "/v3/connectors", json=envelope({"provider": "google"}))
    assert client.create_connector({"provider": "google"}) == {"provider": "google"}
    assert len(rsps.calls) == 2
    assert len(sleep.calls) == 1


def test_connection_refused_exhausted(rsps, client):
    rsps.add(responses.POST, BASE + "/v3/connectors", body=_refused_error())
    with pytest.raises(NylasAPIError) as info:
        client.create_connector({"provider": "google"})
    exc = info.value
    assert exc.attempts == 4 and exc.outcome_unknown is False
    assert str(exc) == "connection error: connection refused"
    assert "secret=x" not in str(exc)


def test_real_refused_connection_is_classified_as_not_sent(sleep):
    """A real refused TCP connection (closed loopback port): POST is retried, nothing was sent."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    c = NylasV3Client(API_KEY, api_uri="http://127.0.0.1:%d" % port, sleep=sleep, rate_limit=None,
                      max_retries=2, timeout=5)
    with pytest.raises(NylasAPIError) as info:
        c.import_v2_app()
    exc = info.value
    assert exc.attempts == 3
    assert exc.outcome_unknown is False
    assert exc.error_type == "connection_error"
    assert "refused" in exc.message


def test_get_retried_after_timeout_and_drop(rsps, client, sleep):
    rsps.add(responses.GET, BASE + "/v3/applications", body=requests.exceptions.ReadTimeout("t"))
    rsps.add(responses.GET, BASE + "/v3/applications",
             body=requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError("aborted")))
    rsps.add(responses.GET, BASE + "/v3/applications", json=envelope({"ok": 1}))
    assert client.get_application() == {"ok": 1}
    assert len(rsps.calls) == 3 and len(sleep.calls) == 2


@pytest.mark.parametrize("method,call", [
    ("PATCH", lambda c: c.update_connector("google", {"scope": []})),
    ("DELETE", lambda c: c.delete_grant("g1")),
    ("PUT", lambda c: c.update_webhook("w1", {"description": "d"})),
])
def test_idempotent_writes_retry_on_5xx(rsps, client, method, call):
    path = {"PATCH": "/v3/connectors/google", "DELETE": "/v3/grants/g1", "PUT": "/v3/webhooks/w1"}[method]
    rsps.add(method, BASE + path, status=503)
    rsps.add(method, BASE + path, json=envelope({}))
    call(client)
    assert len(rsps.calls) == 2


def test_idempotent_write_exhausted_is_outcome_unknown(rsps, client):
    rsps.add(responses.PATCH, BASE + "/v3/applications", status=504)
    with pytest.raises(NylasAPIError) as info:
        client.update_application({"branding": {}})
    assert info.value.attempts == 4 and info.value.outcome_unknown is True


def test_ssl_error_not_retried(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/applications", body=requests.exceptions.SSLError("cert verify failed"))
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    assert info.value.attempts == 1 and "TLS" in info.value.message


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


# --------------------------------------------------------------------------------------------------
# Paging
# --------------------------------------------------------------------------------------------------


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


def test_list_grants_filters(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/grants", json=envelope([{"id": "g1"}]))
    assert client.list_grants(provider="google", grant_status="valid", email=None, account_ids=["a", "b"]) == [
        {"id": "g1"}
    ]
    q = query_of(rsps.calls[0])
    assert q == {"provider": ["google"], "grant_status": ["valid"], "account_ids": ["a,b"],
                 "limit": ["200"], "offset": ["0"]}


def test_v2_list_accounts_paging(rsps, v2):
    accounts = [{"id": "a%d" % i} for i in range(5)]
    seen = []

    def callback(request):
        query = parse_qs(urlsplit(request.url).query)
        limit, offset = int(query["limit"][0]), int(query["offset"][0])
        seen.append((offset, limit))
        return 200, {}, json.dumps(accounts[offset:offset + limit])

    rsps.add_callback(responses.GET, V2BASE + "/a/%s/accounts" % V2_ID, callback=callback)
    assert v2.list_accounts(page_size=2) == accounts
    assert seen == [(0, 2), (2, 2), (4, 2)]


def test_v2_list_accounts_repeated_page(rsps, v2):
    rsps.add(responses.GET, V2BASE + "/a/%s/accounts" % V2_ID, json=[{"id": "a"}, {"id": "b"}])
    with pytest.raises(NylasAPIError) as info:
        v2.list_accounts(page_size=2)
    assert info.value.error_type == "pagination_loop"


def test_find_grants_by_account_ids_chunking(rsps, client):
    grants = {"a%d" % i: {"id": "g%d" % i, "account_id": "a%d" % i, "grant_status": "valid"} for i in range(0, 7, 2)}
    chunks = []

    def callback(request):
        ids = parse_qs(urlsplit(request.url).query)["account_ids"][0].split(",")
        chunks.append(ids)
        return 200, {}, json.dumps(envelope([grants[i] for i in ids if i in grants]))

    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=callback)
    ids = ["a%d" % i for i in range(7)] + ["a1", "", None]
    found = client.find_grants_by_account_ids(ids, chunk_size=3)
    assert chunks == [["a0", "a1", "a2"], ["a3", "a4", "a5"], ["a6"]]
    assert found == grants


def test_find_grants_paged_within_chunk(rsps, client):
    grants = [{"id": "g%d" % i, "account_id": "a%d" % i} for i in range(3)]
    calls = []

    def callback(request):
        q = parse_qs(urlsplit(request.url).query)
        offset, limit = int(q["offset"][0]), int(q["limit"][0])
        calls.append(offset)
        return 200, {}, json.dumps(envelope(grants[offset:offset + 2], limit=2))

    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=callback)
    found = client.find_grants_by_account_ids(["a0", "a1", "a2"])
    assert set(found) == {"a0", "a1", "a2"}
    assert calls == [0, 2]


def test_find_grants_rejects_comma(client):
    with pytest.raises(NylasConfigError):
        client.find_grants_by_account_ids(["a,b"])


# --------------------------------------------------------------------------------------------------
# Operations: paths, query flags, bodies
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs,expected", [
    ({}, {}),
    ({"allow_invalid_grant_creation": False}, {"allow_invalid_grant_creation": ["false"]}),
    ({"clone_exchange": True}, {"clone_exchange": ["true"]}),
    ({"allow_invalid_grant_creation": True, "clone_exchange": False},
     {"allow_invalid_grant_creation": ["true"], "clone_exchange": ["false"]}),
])
def test_clone_flags_in_query_only_when_set(rsps, client, kwargs, expected):
    rsps.add(responses.POST, BASE + "/v3/migration-tools/grants/acc%2F1/clone", json=envelope({"id": "g"}))
    client.clone_grant("acc/1", **kwargs)
    call = rsps.calls[0]
    assert query_of(call) == expected
    assert not call.request.body


def test_start_batch_clone(rsps, client):
    url = BASE + "/v3/migration-tools/snapshot-batch-clone"
    data = {"snapshot_job": {"job_id": "s"}, "clone_job": {"job_id": "c"}}
    rsps.add(responses.POST, url, json=envelope(data))
    assert client.start_batch_clone() == data
    assert json.loads(rsps.calls[0].request.body) == {} and query_of(rsps.calls[0]) == {}
    client.start_batch_clone(limit=10, offset=0, providers=("google", "imap"), mode="only_new", clone_exchange=False)
    call = rsps.calls[1]
    assert json.loads(call.request.body) == {"limit": 10, "offset": 0, "providers": ["google", "imap"],
                                             "mode": "only_new"}
    assert query_of(call) == {"clone_exchange": ["false"]}


def test_list_jobs_params(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/migration-tools/jobs", json=envelope([{"job_id": "j"}]))
    assert client.list_jobs(status=["running", "pending"], job_type="migration", sort_by_completion=True) == [
        {"job_id": "j"}
    ]
    assert query_of(rsps.calls[0]) == {"status": ["running,pending"], "type": ["migration"],
                                       "sort_by_completion": ["true"]}
    client.list_jobs()
    assert query_of(rsps.calls[1]) == {}


def test_link_and_import(rsps, client):
    basic = build_basic_v2(V2_ID, V2_SECRET)
    rsps.add(responses.POST, BASE + "/v3/migration-tools/link-v2v3-apps", json=envelope({"v2_application_id": V2_ID}))
    rsps.add(responses.POST, BASE + "/v3/migration-tools/import-v2-app", json=envelope("imported"))
    assert client.link_v2_app(basic) == {"v2_application_id": V2_ID}
    assert rsps.calls[0].request.headers["BasicV2"] == basic
    assert client.import_v2_app() == "imported"


def test_get_or_none_on_404(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/connectors/microsoft", status=404, json=error_body("not_found_error", "nope"))
    rsps.add(responses.GET, BASE + "/v3/grants/g9", status=404, json=error_body("not_found_error", "nope"))
    assert client.get_connector("microsoft") is None
    assert client.get_grant("g9") is None


def test_crud_paths(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/applications/redirect-uris", json=envelope([{"url": "u"}]))
    rsps.add(responses.GET, BASE + "/v3/channels/pubsub", json=envelope([]))
    rsps.add(responses.POST, BASE + "/v3/channels/pubsub", json=envelope({"id": "c1"}))
    rsps.add(responses.PUT, BASE + "/v3/channels/pubsub/c1", json=envelope({"id": "c1"}))
    rsps.add(responses.DELETE, BASE + "/v3/channels/pubsub/c1", json={"request_id": "r"})
    rsps.add(responses.DELETE, BASE + "/v3/connectors/google", json={"request_id": "r"})
    rsps.add(responses.POST, BASE + "/v3/webhooks", json=envelope({"id": "w1"}))
    rsps.add(responses.GET, BASE + "/v3/webhooks", json=envelope([{"id": "w1"}]))
    assert client.list_redirect_uris() == [{"url": "u"}]
    assert client.list_pubsub_channels() == []
    assert client.create_pubsub_channel({"topic": "t"}) == {"id": "c1"}
    assert client.update_pubsub_channel("c1", {"topic": "t"}) == {"id": "c1"}
    assert client.delete_pubsub_channel("c1") is None
    assert client.delete_connector("google") is None
    assert client.create_webhook({"webhook_url": "https://x"}) == {"id": "w1"}
    assert client.list_webhooks() == [{"id": "w1"}]


@pytest.mark.parametrize("bad", ["", "  ", None])
def test_empty_ids_refused(client, bad):
    with pytest.raises(NylasConfigError):
        client.delete_grant(bad)
    with pytest.raises(NylasConfigError):
        client.clone_grant(bad)


# --------------------------------------------------------------------------------------------------
# Read-only (check mode)
# --------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------
# Rate limiter
# --------------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.now += seconds


def test_limiter_rate_with_fake_clock():
    clock = FakeClock()
    limiter = RateLimiter(20, clock=clock, sleep=clock.sleep)
    for dummy in range(100):
        limiter.acquire()
    # the first token is free, the other 99 are spaced at 1/20 s
    assert clock.now - 1000.0 == pytest.approx(99 / 20.0)


def test_limiter_refills_and_burst():
    clock = FakeClock()
    limiter = RateLimiter(10, burst=3, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire() for dummy in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire() == pytest.approx(0.1)
    clock.now += 10  # idle: the bucket refills to burst, not beyond
    assert [limiter.acquire() for dummy in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire() > 0


def test_limiter_unlimited():
    clock = FakeClock()
    for rate in (0, None):
        limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep)
        assert all(limiter.acquire() == 0.0 for dummy in range(1000))
    assert clock.now == 1000.0


def test_limiter_thread_safety_counts_slots():
    """N threads x M acquires on a frozen clock: every caller gets its own slot, none is handed out twice."""
    clock = FakeClock()
    waits = []
    lock = threading.Lock()

    def record(seconds):
        with lock:
            waits.append(seconds)

    limiter = RateLimiter(20, clock=clock, sleep=record)
    n_threads, per_thread = 8, 50
    barrier = threading.Barrier(n_threads)

    def worker():
        barrier.wait()
        for dummy in range(per_thread):
            limiter.acquire()

    threads = [threading.Thread(target=worker) for dummy in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = n_threads * per_thread
    assert len(waits) == total - 1  # the burst token needs no wait
    assert sorted(round(w * 20) for w in waits) == list(range(1, total))
    assert max(waits) == pytest.approx((total - 1) / 20.0)  # total time on the fake clock


def test_shared_limiter_per_key():
    a = shared_limiter("k1", 20)
    assert shared_limiter("k1", 20) is a
    assert shared_limiter("k2", 20) is not a
    assert shared_limiter("k1", 50).rate == 20.0  # the lower rate wins
    assert shared_limiter("k1", 5).rate == 5.0


def test_clients_share_limiter_and_use_injected_sleep(rsps, sleep):
    c1 = NylasV3Client(API_KEY, sleep=sleep)
    c2 = NylasV3Client(API_KEY, sleep=sleep)
    c3 = NylasV3Client("other-key", sleep=sleep)
    assert c1.limiter is c2.limiter and c1.limiter is not c3.limiter
    assert c1.limiter.rate == pytest.approx(DEFAULT_RATE_LIMIT * PACING_HEADROOM)  # paced just under the limit
    assert NylasV3Client(API_KEY, rate_limit=0, sleep=sleep).limiter is None
    rsps.add(responses.GET, BASE + "/v3/applications", json=envelope({}))
    for dummy in range(5):
        c1.get_application()
    assert len(sleep.calls) >= 3  # paced through the injected sleep, never really slept
    assert all(0 < s <= 5 / DEFAULT_RATE_LIMIT + 0.01 for s in sleep.calls)


# --------------------------------------------------------------------------------------------------
# build_basic_v2 and credentials
# --------------------------------------------------------------------------------------------------


def test_build_basic_v2_ok():
    assert base64.b64decode(build_basic_v2("id1", "s3cr:et")).decode() == "id1:s3cr:et"


@pytest.mark.parametrize("client_id,secret,field,fragment", [
    ("", "SECRETVALUE", "v2_client_id", "empty"),
    (None, "SECRETVALUE", "v2_client_id", "required"),
    ("IDVALUE", "", "v2_client_secret", "empty"),
    ("IDVALUE", "   ", "v2_client_secret", "whitespace"),
    ("IDVALUE", "SECRETVALUE\n", "v2_client_secret", "newline"),
    ("IDVALUE", "SECRETVALUE\r\n", "v2_client_secret", "newline"),
    ("IDVALUE", " SECRETVALUE", "v2_client_secret", "whitespace"),
    ("IDVALUE ", "SECRETVALUE", "v2_client_id", "whitespace"),
    ("IDVALUE", "SECRET\nVALUE", "v2_client_secret", "control character"),
    ("IDVALUE", "SECRET\tVALUE", "v2_client_secret", "control character"),
    ("IDVALUE", "SECRETVALUÉ", "v2_client_secret", "non-ASCII"),
    ("IDVALUÉ", "SECRETVALUE", "v2_client_id", "non-ASCII"),
    ("ID:VALUE", "SECRETVALUE", "v2_client_id", "':'"),
])
def test_build_basic_v2_refuses(client_id, secret, field, fragment):
    with pytest.raises(NylasConfigError) as info:
        build_basic_v2(client_id, secret)
    message = str(info.value)
    assert field in message and fragment in message
    assert "SECRET" not in message and "VALU" not in message


def test_v2_client_checks_credentials():
    with pytest.raises(NylasConfigError) as info:
        NylasV2Client(V2_ID, V2_SECRET + "\n")
    assert V2_SECRET not in str(info.value)


@pytest.mark.parametrize("key", ["", None, API_KEY + "\n", " " + API_KEY, API_KEY[:5] + "\x00" + API_KEY[5:]])
def test_api_key_checks(key):
    with pytest.raises(NylasConfigError) as info:
        NylasV3Client(key)
    assert "api_key" in str(info.value)
    assert API_KEY[:12] not in str(info.value)


# --------------------------------------------------------------------------------------------------
# resolve_base_url
# --------------------------------------------------------------------------------------------------


def test_resolve_defaults():
    assert resolve_base_url("us") == "https://api.us.nylas.com"
    assert resolve_base_url("eu") == "https://api.eu.nylas.com"
    assert resolve_base_url("us", which="v2") == "https://api.nylas.com"
    assert resolve_base_url("eu", which="v2") == "https://ireland.api.nylas.com"
    assert resolve_base_url("eu", api_uri="") == "https://api.eu.nylas.com"


@pytest.mark.parametrize("uri,expected", [
    ("https://proxy.example.com/nylas/", "https://proxy.example.com/nylas"),
    ("https://api.us.nylas.com/", "https://api.us.nylas.com"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("http://127.9.9.9:5000//", "http://127.9.9.9:5000"),
    ("http://localhost:8080/", "http://localhost:8080"),
    ("http://[::1]:8080", "http://[::1]:8080"),
])
def test_resolve_overrides(uri, expected):
    assert resolve_base_url("us", api_uri=uri) == expected


@pytest.mark.parametrize("uri", ["http://api.us.nylas.com", "http://10.0.0.5:8080", "http://sim.internal",
                                 "http://128.0.0.1"])
def test_resolve_refuses_plain_http(uri):
    with pytest.raises(NylasConfigError) as info:
        resolve_base_url("us", api_uri=uri)
    assert "http" in str(info.value) and "loopback" in str(info.value)


def test_resolve_refuses_other_region():
    with pytest.raises(NylasConfigError) as info:
        resolve_base_url("us", api_uri="https://api.eu.nylas.com")
    assert "'eu'" in str(info.value) and "'us'" in str(info.value)
    with pytest.raises(NylasConfigError) as info:
        resolve_base_url("eu", api_uri="https://api.nylas.com/", which="v2")
    assert "'eu'" in str(info.value) and "'us'" in str(info.value)
    with pytest.raises(NylasConfigError):
        resolve_base_url("eu", api_uri="https://canada.api.nylas.com", which="v2")
    assert resolve_base_url("us", api_uri="https://canada.api.nylas.com", which="v2") == "https://canada.api.nylas.com"


@pytest.mark.parametrize("region,uri", [
    ("mars", None), (None, None), ("us", "ftp://x.example.com"), ("us", "api.us.nylas.com"),
    ("us", "https://user:pw@proxy.example.com"), ("us", "https://proxy.example.com/?key=1"),
    ("us", "https://api.nylas.com"),  # the v2 host given as the v3 URL
])
def test_resolve_refuses_bad_input(region, uri):
    with pytest.raises(NylasConfigError) as info:
        resolve_base_url(region, api_uri=uri)
    assert "pw" not in str(info.value) and "key=1" not in str(info.value)


# --------------------------------------------------------------------------------------------------
# Secrets never leak
# --------------------------------------------------------------------------------------------------


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


def test_v2_secret_not_in_errors(rsps, v2):
    rsps.add(responses.GET, V2BASE + "/a/%s/accounts" % V2_ID, status=401,
             json={"message": "invalid secret %s" % V2_SECRET, "type": "api_error"})
    with pytest.raises(NylasAPIError) as info:
        v2.list_accounts()
    assert_no_secret(info.value, V2_SECRET)
    assert V2_SECRET not in repr(v2)


def test_read_only_error_has_no_secret(sleep):
    c = NylasV3Client(API_KEY, read_only=True, sleep=sleep, rate_limit=None)
    basic = build_basic_v2(V2_ID, V2_SECRET)
    with pytest.raises(NylasCheckModeError) as info:
        c.link_v2_app(basic)
    assert basic not in str(info.value) and API_KEY not in str(info.value)
