# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The retry policy of the HTTP clients: data, and one pure decision.

* What may be retried, as data: :data:`RETRYABLE_STATUS` (and the failure each status means,
  :data:`STATUS_FAILURE`), :data:`RETRY_POLICY` (which methods may be re-sent after which failure),
  :data:`IDEMPOTENT_METHODS`, :data:`SAFE_METHODS`.
* :func:`should_retry` -- the one decision, used for both a transport error and an HTTP status.
* :func:`classify_exception` -- what a ``requests`` exception tells: whether the request may have
  reached the server, whether trying again can help, an ``error_type`` and a short reason.
* How long to wait: :func:`parse_retry_after` (``Retry-After``, clamped by the caller to
  :data:`MAX_RETRY_AFTER`) or :func:`backoff_delay` (jittered exponential back-off).

Nothing here sends a request; only the exception classes of ``requests`` and ``urllib3`` are
imported (guarded), to recognise them.
"""

from __future__ import annotations

import collections
import email.utils
import math
import random
import re
import time
from datetime import datetime, timezone

try:
    from requests import exceptions as requests_exceptions
    from urllib3 import exceptions as urllib3_exceptions
except ImportError:  # reported by nylas_http.HAS_REQUESTS; no client can be built without requests
    requests_exceptions = urllib3_exceptions = None

IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"))
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))

# The failures after which a request may be sent again.
THROTTLED = "throttled"  # HTTP 429: Nylas refused the request without acting on it
UNAVAILABLE = "unavailable"  # HTTP 502/503/504: a gateway answered; the request may have been processed
NOT_SENT = "not_sent"  # transport error before the request could reach the server
MAYBE_SENT = "maybe_sent"  # transport error after the request may have reached the server

ANY_METHOD = "any method"
IDEMPOTENT_ONLY = "idempotent methods only"

#: failure -> which methods may be re-sent after it. A non-idempotent POST is re-sent only when the
#: server certainly did not act on it; otherwise its outcome is unknown and the caller re-reads state.
RETRY_POLICY = {
    THROTTLED: ANY_METHOD,
    UNAVAILABLE: IDEMPOTENT_ONLY,
    NOT_SENT: ANY_METHOD,
    MAYBE_SENT: IDEMPOTENT_ONLY,
}

#: HTTP status -> the failure it means; any other status is final.
STATUS_FAILURE = {429: THROTTLED, 502: UNAVAILABLE, 503: UNAVAILABLE, 504: UNAVAILABLE}
RETRYABLE_STATUS = frozenset(STATUS_FAILURE)

BACKOFF_BASE = 0.5  # seconds
BACKOFF_CAP = 30.0  # seconds
MAX_RETRY_AFTER = 300.0  # a Retry-After above this is clamped, so one answer cannot stall a run for hours

#: What :func:`classify_exception` returns.
TransportFailure = collections.namedtuple("TransportFailure", ("sent", "retryable", "error_type", "reason"))


def should_retry(method, status, sent, attempt, max_retries, retryable=True, idempotent=None):
    """Decide whether a failed attempt is sent again (the whole retry policy, from :data:`RETRY_POLICY`).

    Args:
        method: HTTP method of the request (any case).
        status: the HTTP status received, or None when no response came (a transport error).
        sent: for a transport error, whether the request may have reached the server (see
            :func:`classify_exception`); ignored when ``status`` is set (a response proves it was).
        attempt: number of the attempt that just failed (1 for the first).
        max_retries: how many retries are allowed (attempts = 1 + max_retries).
        retryable: for a transport error, False when trying again cannot help (TLS failure, a
            request that could not be built); ignored when ``status`` is set.
        idempotent: None to judge by ``method`` (:data:`IDEMPOTENT_METHODS`); True for a request
            that changes nothing at Nylas although its method is POST (``/v3/migration-tools/translate``),
            so that it is retried like a GET; False to never retry it beyond what any method gets.

    Returns:
        True when the request is to be sent again (after a wait), False when the failure is final.
    """
    if attempt > max_retries:
        return False
    if status is not None:
        failure = STATUS_FAILURE.get(status)
    elif not retryable:
        failure = None
    else:
        failure = MAYBE_SENT if sent else NOT_SENT
    if failure is None:
        return False
    if idempotent is None:
        idempotent = str(method).upper() in IDEMPOTENT_METHODS
    return RETRY_POLICY[failure] == ANY_METHOD or bool(idempotent)


def parse_retry_after(value, now=None):
    """Parse a ``Retry-After`` header value.

    Args:
        value: the header value: delay-seconds (``"3"``; a decimal is accepted) or an HTTP-date
            (``"Wed, 21 Oct 2026 07:28:00 GMT"``); None or empty for absent.
        now: the current time (epoch seconds or an aware ``datetime``) for an HTTP-date; defaults to
            ``time.time()``.

    Returns:
        Seconds to wait (float, >= 0; an HTTP-date in the past gives 0.0), or None when the value
        is absent or unparseable.
    """
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
            return None
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if now is None:
        now_ts = time.time()
    elif isinstance(now, datetime):
        now_ts = (now if now.tzinfo else now.replace(tzinfo=timezone.utc)).timestamp()
    else:
        now_ts = float(now)
    return max(0.0, when.timestamp() - now_ts)


def backoff_delay(retry, base=BACKOFF_BASE, cap=BACKOFF_CAP, rand=random.random):
    """Exponential back-off with full jitter.

    Args:
        retry: 0 for the first retry, 1 for the second, ...
        base: base delay in seconds.
        cap: maximum delay in seconds.
        rand: a callable returning a float in [0, 1) (injectable for tests).

    Returns:
        A delay uniformly drawn from ``[0, min(cap, base * 2 ** retry))``.
    """
    ceiling = min(cap, base * (2 ** min(retry, 32)))
    return rand() * ceiling


def exception_chain(exc, depth=8):
    """Yield ``exc`` and the exceptions it wraps (args, ``reason``, ``__cause__``, ``__context__``).

    Args:
        exc: an exception.
        depth: bounds the walk (at most ``4 * depth`` exceptions are yielded; cycles are skipped).
    """
    seen = set()
    todo = [exc]
    while todo and len(seen) < depth * 4:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(getattr(current, "args", ()) or ())
        todo.append(getattr(current, "reason", None))
        todo.append(current.__cause__)
        todo.append(current.__context__)


_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (\d{3})")


def _classify_connection_error(exc, chain):
    """Classify a ``requests.ConnectionError`` (``ProxyError`` included) by the errors it wraps."""
    # urllib3 wraps in its ProxyError only what fails before the connection through the proxy is up
    # (and requests turns that into its ProxyError): the request itself was never sent to Nylas.
    via_proxy = isinstance(exc, requests_exceptions.ProxyError) or any(
        isinstance(inner, urllib3_exceptions.ProxyError) for inner in chain
    )
    prefix = "proxy error: " if via_proxy else ""
    for inner in chain:
        name = type(inner).__name__
        if "NameResolution" in name or name == "gaierror":
            return TransportFailure(False, True, "connection_error", prefix + "name resolution failed")
        if isinstance(inner, (urllib3_exceptions.NewConnectionError, ConnectionRefusedError)):
            return TransportFailure(False, True, "connection_error", prefix + "connection refused")
    for inner in chain:
        if isinstance(inner, urllib3_exceptions.ConnectTimeoutError):
            return TransportFailure(False, True, "timeout", prefix + "timed out while connecting")
        match = _TUNNEL_REFUSED.search(str(inner.args[0]) if inner.args else "")
        if via_proxy and match:
            return TransportFailure(
                False,
                True,
                "connection_error",
                prefix + "the proxy refused the CONNECT tunnel (HTTP %s); the request did not reach Nylas"
                % match.group(1),
            )
    if via_proxy:
        reason = "no connection through the proxy; the request did not reach Nylas"
        return TransportFailure(False, True, "connection_error", prefix + reason)
    reason = "connection dropped; the request may have reached Nylas"
    return TransportFailure(True, True, "connection_error", reason)


def classify_exception(exc):
    """Classify a ``requests`` exception.

    Args:
        exc: a ``requests.exceptions.RequestException`` raised by ``Session.request``.

    Returns:
        A :class:`TransportFailure` ``(sent, retryable, error_type, reason)``: ``sent`` is False only
        when the request certainly never reached the server (refused connection, DNS failure,
        connect timeout, a proxy that refused the CONNECT tunnel or could not be reached), True when
        it may have (connection reset or closed after sending, read timeout); ``retryable`` is False
        when trying again cannot help; ``error_type`` is ``connection_error``, ``timeout`` or
        ``request_error``; ``reason`` is a short text that never contains the URL, headers or body.
    """
    rexc = requests_exceptions
    if isinstance(exc, rexc.SSLError):
        return TransportFailure(
            False, False, "connection_error", "TLS/SSL error (certificate verification or handshake failed)"
        )
    if isinstance(exc, rexc.ConnectTimeout):
        return TransportFailure(False, True, "timeout", "timed out while connecting")
    if isinstance(exc, rexc.Timeout):
        return TransportFailure(True, True, "timeout", "timed out waiting for the response")
    if isinstance(exc, rexc.ChunkedEncodingError):
        return TransportFailure(True, True, "connection_error", "connection dropped while reading the response")
    if isinstance(exc, rexc.ConnectionError):
        return _classify_connection_error(exc, list(exception_chain(exc)))
    return TransportFailure(False, False, "request_error", "request could not be sent (%s)" % type(exc).__name__)


__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "IDEMPOTENT_METHODS",
    "MAX_RETRY_AFTER",
    "RETRYABLE_STATUS",
    "RETRY_POLICY",
    "SAFE_METHODS",
    "STATUS_FAILURE",
    "TransportFailure",
    "backoff_delay",
    "classify_exception",
    "exception_chain",
    "parse_retry_after",
    "should_retry",
]
