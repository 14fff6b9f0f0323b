# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of the retry policy (plugins/module_utils/nylas_retry.py), pure and as the request core applies it.

HTTP mocked with ``responses`` (one test uses a closed loopback port); nothing sleeps.
"""

from __future__ import annotations

import http.client
import socket
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests
import responses
import urllib3.exceptions

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_retry import (
    MAX_RETRY_AFTER,
    RETRYABLE_STATUS,
    backoff_delay,
    classify_exception,
    parse_retry_after,
    should_retry,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import NylasV3Client
from ansible_collections.nylas.migration.tests.unit.plugins.module_utils.nylas_http_helpers import (
    API_KEY,
    BASE,
    envelope,
    error_body,
)

METHODS = ("GET", "POST", "PUT", "DELETE")

#: (HTTP status, or None for a transport error; whether the request may have reached the server)
#: -> the methods sent again while attempts are left. Written out, not derived from the policy.
RETRIED = {
    (429, True): "GET POST PUT DELETE",
    (429, False): "GET POST PUT DELETE",
    (502, True): "GET PUT DELETE",
    (502, False): "GET PUT DELETE",  # a response proves it was sent, whatever the flag says
    (503, True): "GET PUT DELETE",
    (503, False): "GET PUT DELETE",
    (504, True): "GET PUT DELETE",
    (504, False): "GET PUT DELETE",
    (500, True): "",
    (500, False): "",
    (400, True): "",
    (400, False): "",
    (None, True): "GET PUT DELETE",
    (None, False): "GET POST PUT DELETE",
}


@pytest.mark.parametrize("attempts_left", [True, False], ids=["attempts-left", "exhausted"])
@pytest.mark.parametrize("status,sent", sorted(RETRIED, key=lambda k: (k[0] or 0, k[1])))
@pytest.mark.parametrize("method", METHODS)
def test_should_retry_table(method, status, sent, attempts_left):
    max_retries = 3
    attempt = max_retries if attempts_left else max_retries + 1
    expected = attempts_left and method in RETRIED[(status, sent)].split()
    assert should_retry(method, status, sent, attempt, max_retries) is expected


def test_should_retry_edges():
    assert RETRYABLE_STATUS == frozenset((429, 502, 503, 504))
    assert should_retry("get", 503, True, 1, 5) is True  # method in any case
    assert should_retry("GET", 503, True, 1, 0) is False  # max_retries 0: never
    assert should_retry("GET", None, False, 1, 5, retryable=False) is False  # TLS error: final
    assert should_retry("GET", 429, True, 1, 5, retryable=False) is True  # retryable is about transport only


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


def test_backoff_delay_function():
    assert backoff_delay(0, rand=lambda: 0.0) == 0.0
    assert backoff_delay(3, rand=lambda: 0.5) == 0.5 * 0.5 * 8
    assert backoff_delay(50, rand=lambda: 0.999) < 30.0
    for n in range(20):  # real jitter stays within [0, ceiling)
        assert 0.0 <= backoff_delay(n) < min(30.0, 0.5 * 2 ** n)


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
    assert sleep.calls == [MAX_RETRY_AFTER]


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


# --------------------------------------------------------------------------------------------------
# Transport errors: could the request have reached Nylas? Exceptions built as requests/urllib3 build
# them (requests.adapters.HTTPAdapter.send wraps urllib3's MaxRetryError by its reason; urllib3 wraps
# any error met before the proxy connection is up in its ProxyError).
# --------------------------------------------------------------------------------------------------

URL = "/v3/migration-tools/import-v2-app"
U3 = urllib3.exceptions


def _through_proxy(error):
    proxy = U3.ProxyError("Unable to connect to proxy", error)
    proxy.__cause__ = error
    return requests.exceptions.ProxyError(U3.MaxRetryError(None, URL, reason=proxy))


def _tunnel_refused(code="403 Forbidden"):
    return _through_proxy(OSError("Tunnel connection failed: %s" % code))


def _dns_failure():
    return U3.NameResolutionError("api.us.nylas.com", None, socket.gaierror(-2, "Name or service not known"))


TRANSPORT_CASES = {
    "proxy-refuses-tunnel": (_tunnel_refused, False, "connection_error", "proxy refused the CONNECT tunnel (HTTP 403)"),
    "proxy-wants-auth": (lambda: requests.exceptions.ProxyError(
        U3.ProxyError("Unable to connect to proxy", OSError("Tunnel connection failed: 407 Proxy Auth Required"))),
        False, "connection_error", "HTTP 407"),
    "proxy-connect-timeout": (lambda: _through_proxy(U3.ConnectTimeoutError(None, "Connection to proxy timed out")),
                              False, "timeout", "proxy error: timed out while connecting"),
    "proxy-refused": (lambda: _through_proxy(U3.NewConnectionError(None, "[Errno 111] Connection refused")),
                      False, "connection_error", "proxy error: connection refused"),
    "proxy-dns": (lambda: _through_proxy(_dns_failure()), False, "connection_error", "proxy error: name resolution"),
    "proxy-reset": (lambda: _through_proxy(ConnectionResetError(104, "Connection reset by peer")),
                    False, "connection_error", "did not reach Nylas"),
    "dns": (lambda: requests.exceptions.ConnectionError(U3.MaxRetryError(None, URL, reason=_dns_failure())),
            False, "connection_error", "name resolution failed"),
    "refused": (lambda: requests.exceptions.ConnectionError(U3.MaxRetryError(
        None, URL, reason=U3.NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused"))),
        False, "connection_error", "connection refused"),
    "connect-timeout": (lambda: requests.exceptions.ConnectTimeout(U3.MaxRetryError(
        None, URL, reason=U3.ConnectTimeoutError(None, "Connection to api.us.nylas.com timed out"))),
        False, "timeout", "timed out while connecting"),
    "reset-after-send": (lambda: requests.exceptions.ConnectionError(
        U3.ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))),
        True, "connection_error", "may have reached Nylas"),
    "closed-without-response": (lambda: requests.exceptions.ConnectionError(U3.ProtocolError(
        "Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection without response"))),
        True, "connection_error", "may have reached Nylas"),
    "read-timeout": (lambda: requests.exceptions.ReadTimeout(U3.ReadTimeoutError(None, URL, "Read timed out.")),
                     True, "timeout", "timed out waiting for the response"),
}


@pytest.mark.parametrize("case", sorted(TRANSPORT_CASES))
def test_classify_exception_by_whether_the_request_could_reach_nylas(case):
    build, sent, error_type, fragment = TRANSPORT_CASES[case]
    failure = classify_exception(build())
    assert (failure.sent, failure.retryable, failure.error_type) == (sent, True, error_type)
    assert fragment in failure.reason
    assert URL not in failure.reason


@pytest.mark.parametrize("case", sorted(TRANSPORT_CASES))
def test_post_after_transport_error(rsps, client, sleep, case):
    """A POST is sent again only when it cannot have reached Nylas; otherwise its outcome is unknown."""
    build, sent, error_type, fragment = TRANSPORT_CASES[case]
    rsps.add(responses.POST, BASE + URL, body=build())
    with pytest.raises(NylasAPIError) as info:
        client.import_v2_app()
    exc = info.value
    assert exc.attempts == (1 if sent else 4) and len(rsps.calls) == exc.attempts
    assert exc.outcome_unknown is sent
    assert (exc.status, exc.error_type) == (None, error_type) and fragment in exc.message


class RefusingProxy:
    """A loopback HTTP proxy that answers every CONNECT with 403 and closes (at most ``limit`` connections).

    Every socket operation has a timeout, so a stuck client cannot hang the test; nothing leaves the host.
    """

    def __init__(self, limit):
        self.heads = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(limit)
        self._sock.settimeout(10)
        self.url = "http://127.0.0.1:%d" % self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, args=(limit,), daemon=True)
        self._thread.start()

    def _serve(self, limit):
        for dummy in range(limit):
            try:
                conn, dummy_addr = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(10)
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                self.heads.append(head.decode("latin-1"))
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def close(self):
        self._sock.close()
        self._thread.join(10)


def test_real_proxy_refusing_connect_is_not_sent(sleep):
    """Through a real (loopback) proxy that refuses the tunnel, a POST is retried and never outcome_unknown."""
    proxy = RefusingProxy(limit=2)
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"https": proxy.url}
    c = NylasV3Client(API_KEY, sleep=sleep, rate_limit=None, max_retries=1, timeout=10, session=session)
    try:
        with pytest.raises(NylasAPIError) as info:
            c.import_v2_app()
    finally:
        c.close()
        proxy.close()
    exc = info.value
    assert exc.attempts == 2 and exc.outcome_unknown is False
    assert exc.error_type == "connection_error" and "proxy refused the CONNECT tunnel (HTTP 403)" in exc.message
    assert [h.split(" HTTP/", 1)[0] for h in proxy.heads] == ["CONNECT api.us.nylas.com:443"] * 2
    assert all(API_KEY not in h for h in proxy.heads)  # the key travels only inside the tunnel


@pytest.mark.parametrize("status, sent", [(None, True), (502, True), (503, True), (504, True), (None, False), (429, True)])
def test_should_retry_a_post_marked_idempotent_like_a_get(status, sent):
    """A POST that changes nothing at Nylas (translate) is retried where a GET would be, and a plain POST is not."""
    assert should_retry("POST", status, sent, 1, 3, idempotent=True) is should_retry("GET", status, sent, 1, 3)
    assert should_retry("POST", status, sent, 4, 3, idempotent=True) is False
    if status in (None, 502, 503, 504) and sent:
        assert should_retry("POST", status, sent, 1, 3) is False


def test_should_retry_idempotent_false_never_widens():
    assert should_retry("GET", 503, True, 1, 3, idempotent=False) is False
    assert should_retry("GET", 429, True, 1, 3, idempotent=False) is True
