# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""HTTP layer of the ``nylas.migration`` collection: Nylas v3 and v2 clients.

Everything that speaks HTTP to Nylas lives here, and nothing else: no Ansible glue (the
``nylas_module`` wrapper turns :class:`NylasError` into ``fail_json``), no planning.

* :class:`NylasV3Client` -- Bearer-authenticated v3 API (applications, connectors, grants,
  webhooks, Pub/Sub channels, migration tools), JSON envelopes ``{"request_id", "data"}``.
* :class:`NylasV2Client` -- the read-only v2 calls used for planning (application, accounts),
  HTTP Basic with the client secret as user name; bare JSON bodies.

Both share one retrying request core (:class:`_BaseClient`): retries on 429/502/503/504 and
connection errors with ``Retry-After`` or jittered exponential back-off, a non-idempotent POST is
never re-sent once its outcome is unknown, a per-application token-bucket limiter, limit/offset
paging, and errors that never carry a secret.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import html
import ipaddress
import math
import random
import re
import threading
import time
import traceback
from datetime import datetime, timezone
from typing import Any, Dict, List  # noqa: F401  (type comments)
from urllib.parse import quote, urlsplit

try:
    import requests
    import urllib3.exceptions

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()


from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import (  # noqa: E402
    NylasAPIError,
    NylasCheckModeError,
    NylasConfigError,
    NylasError,
)

COLLECTION_VERSION = "0.1.0"

REGIONS = {
    "us": {"v3": "https://api.us.nylas.com", "v2": "https://api.nylas.com"},
    "eu": {"v3": "https://api.eu.nylas.com", "v2": "https://ireland.api.nylas.com"},
}

# Other known Nylas hosts, used only to recognise which region (and API version) a host belongs to.
# Canada's v2 API maps to the v3 us region.
_EXTRA_HOSTS = {"us": {"v2": ("canada.api.nylas.com",), "v3": ()}, "eu": {"v2": (), "v3": ()}}

DEFAULT_RATE_LIMIT = 20.0  # requests per second, the documented limit of the migration tools

RETRYABLE_STATUS = frozenset((429, 502, 503, 504))
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"))
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))

BACKOFF_BASE = 0.5  # seconds
BACKOFF_CAP = 30.0  # seconds
MAX_RETRY_AFTER = 300.0  # a Retry-After above this is clamped, so one answer cannot stall a run for hours
EXCERPT_LENGTH = 200  # characters of a non-JSON body kept in an error message
MAX_MESSAGE_LENGTH = 1000  # characters of a server-provided error message kept
_REDACTED = "********"


def _user_agent():
    req_version = requests.__version__ if HAS_REQUESTS else "unknown"
    return "nylas.migration/%s (Ansible collection; python-requests/%s)" % (COLLECTION_VERSION, req_version)


# --------------------------------------------------------------------------------------------------
# Input checks and URLs
# --------------------------------------------------------------------------------------------------

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def _check_token(value, name, allow_colon=True):
    """Refuse an unusable credential/identifier; messages name ``name`` and never echo ``value``."""
    if value is None:
        raise NylasConfigError("%s is required" % name)
    if not isinstance(value, str):
        raise NylasConfigError("%s must be a string" % name)
    if value == "":
        raise NylasConfigError("%s is empty" % name)
    if value.strip() == "":
        raise NylasConfigError("%s contains only whitespace" % name)
    if value != value.strip():
        if value.rstrip(" \t") != value.rstrip():
            raise NylasConfigError(
                "%s ends with a newline (was it produced by 'echo' without '-n'?); remove it" % name
            )
        raise NylasConfigError("%s has leading or trailing whitespace; remove it" % name)
    if _CONTROL_CHARS.search(value):
        raise NylasConfigError("%s contains a control character (newline, carriage return, tab...)" % name)
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        raise NylasConfigError("%s contains non-ASCII characters" % name) from None
    if not allow_colon and ":" in value:
        raise NylasConfigError("%s must not contain ':'" % name)
    return value


def build_basic_v2(client_id, client_secret):
    """Build the ``BasicV2`` header value: ``base64("<client_id>:<client_secret>")``.

    Used by :meth:`NylasV3Client.link_v2_app` (``POST /v3/migration-tools/link-v2v3-apps``).

    Args:
        client_id: the v2 application's client id.
        client_secret: the v2 application's client secret.

    Returns:
        The base64 string (ASCII, no trailing newline).

    Raises:
        NylasConfigError: a value is missing/empty, has surrounding whitespace (typically a trailing
            newline), contains a control or non-ASCII character, or ``client_id`` contains ``:``.
            The message names the field (``v2_client_id`` / ``v2_client_secret``) and the problem,
            never the value.
    """
    _check_token(client_id, "v2_client_id", allow_colon=False)
    _check_token(client_secret, "v2_client_secret")
    raw = ("%s:%s" % (client_id, client_secret)).encode("ascii")
    return base64.b64encode(raw).decode("ascii")


def _is_loopback(host):
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _known_host(host):
    """Return ``(region, which)`` for a known Nylas API host, else None."""
    host = host.lower().rstrip(".")
    for region, urls in REGIONS.items():
        for which, url in urls.items():
            if urlsplit(url).hostname == host:
                return region, which
        for which, hosts in _EXTRA_HOSTS.get(region, {}).items():
            if host in hosts:
                return region, which
    return None


def resolve_base_url(region, api_uri=None, which="v3"):
    """Return the base URL (no trailing slash) of the Nylas v3 or v2 API to talk to.

    Args:
        region: ``us`` or ``eu``; picks the default URL from :data:`REGIONS`.
        api_uri: optional override (simulator, proxy); ``None`` or ``""`` means the region default.
        which: ``v3`` or ``v2``.

    Returns:
        The URL, trailing slash(es) stripped.

    Raises:
        NylasConfigError: unknown region or ``which``; ``api_uri`` is not an absolute http(s) URL,
            carries user credentials, a query string or a fragment; it uses plain ``http://`` with a
            host that is not loopback (127.0.0.0/8, ::1, localhost); or its host is a known Nylas
            host of the other region (or of the other API version).
    """
    if which not in ("v3", "v2"):
        raise NylasConfigError("which must be 'v3' or 'v2'")
    if region not in REGIONS:
        raise NylasConfigError("region must be one of %s" % ", ".join(sorted(REGIONS)))
    option = "api_uri" if which == "v3" else "v2_api_uri"
    if api_uri is None or api_uri == "":
        return REGIONS[region][which]
    if not isinstance(api_uri, str):
        raise NylasConfigError("%s must be a string" % option)
    if api_uri != api_uri.strip() or _CONTROL_CHARS.search(api_uri):
        raise NylasConfigError("%s has surrounding whitespace or a control character" % option)
    try:
        parts = urlsplit(api_uri)
        host = parts.hostname
        parts.port  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError:
        raise NylasConfigError("%s is not a valid URL" % option) from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https") or not host:
        raise NylasConfigError("%s must be an absolute http:// or https:// URL with a host" % option)
    if parts.username is not None or parts.password is not None:
        raise NylasConfigError("%s must not contain user credentials; use the credential options" % option)
    if parts.query or parts.fragment:
        raise NylasConfigError("%s must not contain a query string or fragment" % option)
    if scheme == "http" and not _is_loopback(host):
        raise NylasConfigError(
            "%s uses plain http:// with host %s; Nylas requires https:// (http is only allowed for "
            "loopback hosts: 127.0.0.0/8, ::1, localhost)" % (option, host)
        )
    known = _known_host(host)
    if known is not None:
        host_region, host_which = known
        if host_region != region:
            raise NylasConfigError(
                "%s host %s is the Nylas %s API of region '%s', but region is '%s'; regions are "
                "isolated, set region to '%s' or use the '%s' URL"
                % (option, host, host_which, host_region, region, host_region, region)
            )
        if host_which != which:
            raise NylasConfigError(
                "%s host %s is the Nylas %s API, not the %s API" % (option, host, host_which, which)
            )
    return api_uri.rstrip("/")


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


# --------------------------------------------------------------------------------------------------
# Rate limiting
# --------------------------------------------------------------------------------------------------


class RateLimiter:
    """A thread-safe token bucket.

    ``rate`` tokens per second refill a bucket of ``burst`` tokens; each request takes one. A caller
    that finds the bucket empty reserves the next free slot under the lock (so callers are served in
    order and no slot is handed out twice) and then sleeps outside the lock until its slot.

    Args:
        rate: requests per second; 0 or None means unlimited (``acquire`` returns at once).
        burst: bucket size (default 1: requests are evenly spaced at 1/rate).
        clock: monotonic clock callable (injectable for tests).
        sleep: sleep callable (injectable for tests); ``acquire(sleep=...)`` overrides it per call.
    """

    def __init__(self, rate, burst=1, clock=time.monotonic, sleep=time.sleep):
        if rate is not None and rate < 0:
            raise NylasConfigError("rate_limit must be 0 (unlimited) or a positive number")
        if burst < 1:
            raise NylasConfigError("burst must be at least 1")
        self._rate = float(rate or 0.0)
        self._burst = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._last = clock()

    @property
    def rate(self):
        """Requests per second (0.0 means unlimited)."""
        return self._rate

    @property
    def burst(self):
        """Bucket size."""
        return self._burst

    def set_rate(self, rate):
        """Change the rate (requests per second; 0 or None for unlimited), keeping the bucket state."""
        if rate is not None and rate < 0:
            raise NylasConfigError("rate_limit must be 0 (unlimited) or a positive number")
        with self._lock:
            self._refill()
            self._rate = float(rate or 0.0)

    def _refill(self):
        now = self._clock()
        if self._rate:
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now

    def acquire(self, sleep=None):
        """Take one token, blocking until it is available.

        Args:
            sleep: optional sleep callable used for this wait instead of the limiter's own.

        Returns:
            The number of seconds this call waited (0.0 when a token was available).
        """
        with self._lock:
            if not self._rate:
                return 0.0
            self._refill()
            self._tokens -= 1.0
            wait = -self._tokens / self._rate if self._tokens < 0 else 0.0
        if wait > 0:
            (sleep or self._sleep)(wait)
        return wait


_LIMITERS = {}  # type: Dict[str, RateLimiter]
_LIMITERS_LOCK = threading.Lock()


# The client paces itself this fraction under ``rate_limit``: requests spaced exactly at the limit reach
# the server with jitter, and a server counting over a sliding second then sees one too many and answers
# 429 (measured on the simulator: about one 429 per second at 20/20, none at 19/20; see benchmarks/).
PACING_HEADROOM = 0.95


def shared_limiter(key, rate):
    """Return the process-wide :class:`RateLimiter` for ``key``, creating it on first use.

    Every client of one application (same credentials and base URL) in one process, and so every
    worker thread of one module run, shares one bucket.

    Args:
        key: an opaque application key (the clients use a SHA-256 of credentials + base URL).
        rate: requests per second (0 or None for unlimited). When the limiter exists with a
            different rate, it adopts the lower of the two (unlimited counts as highest).

    Returns:
        The shared :class:`RateLimiter`.
    """
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = RateLimiter(rate)
            _LIMITERS[key] = limiter
        elif (rate or 0.0) != limiter.rate:
            current, wanted = limiter.rate, float(rate or 0.0)
            if not current:
                limiter.set_rate(wanted)
            elif wanted:
                limiter.set_rate(min(current, wanted))
        return limiter


def _app_key(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------------
# Response and transport helpers
# --------------------------------------------------------------------------------------------------

_SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def _excerpt(text, limit=EXCERPT_LENGTH):
    """Tag-stripped, whitespace-collapsed text of a (HTML) body, at most ``limit`` characters."""
    text = _SCRIPT_STYLE.sub(" ", text or "")
    text = _COMMENT.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text


def _clip(text, limit=MAX_MESSAGE_LENGTH):
    text = text if isinstance(text, str) else str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _exception_chain(exc, depth=8):
    """Yield ``exc`` and the exceptions it wraps (args, ``reason``, ``__cause__``, ``__context__``)."""
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


def _classify_exception(exc):
    """Classify a ``requests`` exception.

    Returns:
        ``(sent, retryable, error_type, reason)``: ``sent`` is False only when the request
        certainly never reached the server (refused connection, DNS failure, connect timeout);
        ``reason`` is a short text that never contains the URL, headers or body.
    """
    rexc = requests.exceptions
    if isinstance(exc, rexc.SSLError):
        return False, False, "connection_error", "TLS/SSL error (certificate verification or handshake failed)"
    if isinstance(exc, rexc.ConnectTimeout):
        return False, True, "timeout", "timed out while connecting"
    if isinstance(exc, rexc.Timeout):
        return True, True, "timeout", "timed out waiting for the response"
    if isinstance(exc, rexc.ChunkedEncodingError):
        return True, True, "connection_error", "connection dropped while reading the response"
    if isinstance(exc, rexc.ConnectionError):
        not_sent = None
        for inner in _exception_chain(exc):
            name = type(inner).__name__
            if "NameResolution" in name or name == "gaierror":
                not_sent = "name resolution failed"
                break
            if isinstance(inner, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError)):
                not_sent = "connection refused"
                break
        prefix = "proxy error: " if isinstance(exc, rexc.ProxyError) else ""
        if not_sent:
            return False, True, "connection_error", prefix + not_sent
        return True, True, "connection_error", prefix + "connection dropped after the request was sent"
    return False, False, "request_error", "request could not be sent (%s)" % type(exc).__name__


class _BearerAuth:
    """``requests`` auth callable setting ``Authorization: Bearer <key>`` (repr hides the key)."""

    def __init__(self, token):
        self._token = token

    def __call__(self, req):
        req.headers["Authorization"] = "Bearer %s" % self._token
        return req

    def __repr__(self):
        return "_BearerAuth(<redacted>)"


# --------------------------------------------------------------------------------------------------
# The shared request core
# --------------------------------------------------------------------------------------------------


class _BaseClient:
    """Retrying, rate-limited, secret-safe request core shared by the v3 and v2 clients."""

    def __init__(
        self,
        base_url,
        limiter_key,
        validate_certs=True,
        timeout=30,
        max_retries=5,
        rate_limit=DEFAULT_RATE_LIMIT,
        read_only=False,
        sleep=time.sleep,
        session=None,
    ):
        if not HAS_REQUESTS:
            raise NylasError("the Python 'requests' library is required (pip install requests)")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise NylasConfigError("max_retries must be an integer >= 0")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise NylasConfigError("timeout must be a number of seconds > 0")
        if rate_limit is not None and (
            isinstance(rate_limit, bool) or not isinstance(rate_limit, (int, float)) or rate_limit < 0
        ):
            raise NylasConfigError("rate_limit must be 0 (unlimited) or a positive number")
        self._base_url = base_url
        self.validate_certs = bool(validate_certs)
        self.timeout = timeout
        self.max_retries = max_retries
        self.read_only = bool(read_only)
        self._sleep = sleep
        self._random = random.random
        self._limiter = shared_limiter(limiter_key, rate_limit * PACING_HEADROOM) if rate_limit else None
        self._secrets = []  # type: List[str]
        self._session = session if session is not None else requests.Session()
        self._session.headers.update({"Accept": "application/json", "User-Agent": _user_agent()})

    # -- public helpers --------------------------------------------------------------------------

    @property
    def base_url(self):
        """The API base URL in use (no trailing slash)."""
        return self._base_url

    @property
    def limiter(self):
        """The shared :class:`RateLimiter`, or None when unlimited."""
        return self._limiter

    def close(self):
        """Close the underlying HTTP session."""
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        return "%s(base_url=%r, read_only=%r)" % (type(self).__name__, self._base_url, self.read_only)

    # -- secrets --------------------------------------------------------------------------------

    def _add_secret(self, value):
        if value and value not in self._secrets:
            self._secrets.append(value)
            encoded = quote(value, safe="")
            if encoded != value:
                self._secrets.append(encoded)

    def _redact(self, text):
        if text is None:
            return None
        text = text if isinstance(text, str) else str(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, _REDACTED)
        return text

    def _error(self, message, **kwargs):
        return NylasAPIError(self._redact(_clip(message)), **kwargs)

    # -- paths ----------------------------------------------------------------------------------

    @staticmethod
    def _segment(value, name):
        """Quote one path segment; refuse empty/non-string ids (an empty id would hit the list URL)."""
        if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
            raise NylasConfigError("%s must be a non-empty string" % name)
        return quote(str(value), safe="")

    # -- the request core -----------------------------------------------------------------------

    def _send(self, method, path, params=None, json=None, headers=None):
        """Send a request with rate limiting and retries; return the parsed JSON body (or {}).

        Raises:
            NylasCheckModeError: a non-GET on a read-only client (nothing is sent).
            NylasAPIError: an HTTP error, a non-JSON body, or a transport error.
        """
        method = method.upper()
        clean_path = path.split("?", 1)[0]
        if self.read_only and method not in SAFE_METHODS:
            raise NylasCheckModeError(
                "refusing %s %s: the client is read-only (check mode); no request was sent" % (method, clean_path)
            )
        url = self._base_url + (path if path.startswith("/") else "/" + path)
        idempotent = method in IDEMPOTENT_METHODS
        is_write = method not in SAFE_METHODS
        attempt = 0
        while True:
            attempt += 1
            if self._limiter is not None:
                self._limiter.acquire(sleep=self._sleep)
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=self.timeout,
                    verify=self.validate_certs,
                    allow_redirects=False,
                )
            except requests.exceptions.RequestException as exc:
                sent, retryable, error_type, reason = _classify_exception(exc)
                if retryable and (idempotent or not sent) and attempt <= self.max_retries:
                    self._sleep(backoff_delay(attempt - 1, rand=self._random))
                    continue
                raise self._error(
                    reason,
                    error_type=error_type,
                    method=method,
                    path=clean_path,
                    attempts=attempt,
                    outcome_unknown=is_write and sent,
                ) from None
            status = response.status_code
            if status in RETRYABLE_STATUS and (idempotent or status == 429) and attempt <= self.max_retries:
                delay = parse_retry_after(response.headers.get("Retry-After"))
                if delay is None:
                    delay = backoff_delay(attempt - 1, rand=self._random)
                response.close()
                self._sleep(min(delay, MAX_RETRY_AFTER))
                continue
            return self._parse(response, method, clean_path, attempt, is_write)

    def _parse(self, response, method, path, attempts, is_write):
        status = response.status_code
        request_id = response.headers.get("X-Request-Id")
        content_type = response.headers.get("Content-Type")
        text = response.text
        body = None
        is_json = False
        if text.strip():
            try:
                body = response.json()
                is_json = True
            except ValueError:
                is_json = False
        common = {"method": method, "path": path, "attempts": attempts}
        if isinstance(body, dict) and isinstance(body.get("request_id"), str):
            request_id = body["request_id"]

        if 200 <= status < 300:
            if not text.strip():
                return {}
            if not is_json:
                raise self._error(
                    "expected a JSON response, got %s: %s" % (content_type or "no content type", _excerpt(text)),
                    status=status,
                    error_type="non_json_response",
                    request_id=request_id,
                    content_type=content_type,
                    **common
                )
            return body

        outcome_unknown = is_write and status >= 500
        if not is_json:
            excerpt = _excerpt(text) if text.strip() else (response.reason or "no body")
            raise self._error(
                "non-JSON response (%s): %s" % (content_type or "no content type", excerpt),
                status=status,
                error_type="non_json_response",
                request_id=request_id,
                content_type=content_type,
                outcome_unknown=outcome_unknown,
                **common
            )
        error_type, message, provider_error = None, None, None
        if isinstance(body, dict):
            err = body.get("error")
            if isinstance(err, dict):
                error_type = err.get("type")
                message = err.get("message")
                provider_error = err.get("provider_error")
            elif isinstance(err, str):  # some gateways: {"error": "..."}
                message = err
            if message is None:  # v2 shape: {"message": ..., "type": ...}
                message = body.get("message")
                error_type = error_type or body.get("type")
        if not isinstance(error_type, str):
            error_type = None
        if message is None or message == "":
            message = response.reason or "request failed"
        raise self._error(
            message,
            status=status,
            error_type=error_type,
            request_id=request_id,
            outcome_unknown=outcome_unknown,
            provider_error=provider_error if isinstance(provider_error, dict) else None,
            **common
        )

    def _paginate(self, path, params, page_size, extract):
        """Collect every item of a limit/offset list.

        ``extract(body)`` returns ``(items, request_id, server_limit)`` of one page. Stops on a short
        (or empty) page; a page identical to the previous one raises ``pagination_loop``.
        """
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise NylasConfigError("page_size must be an integer >= 1")
        query = dict(params or {})
        offset = 0
        limit = page_size
        items = []  # type: List[Any]
        previous = None
        clean_path = path.split("?", 1)[0]
        while True:
            query["limit"] = limit
            query["offset"] = offset
            body = self._send("GET", path, params=query)
            page, request_id, server_limit = extract(body)
            if not isinstance(page, list):
                raise self._error(
                    "expected a list of items, got %s" % type(page).__name__,
                    error_type="unexpected_response",
                    request_id=request_id,
                    method="GET",
                    path=clean_path,
                )
            if page and page == previous:
                raise self._error(
                    "the page at offset %d repeats the previous page; the server ignores offset, "
                    "stopping to avoid an endless loop" % offset,
                    error_type="pagination_loop",
                    request_id=request_id,
                    method="GET",
                    path=clean_path,
                )
            items.extend(page)
            # A server that caps the page size below ours says so in "limit": page with its size.
            if isinstance(server_limit, int) and not isinstance(server_limit, bool) and 0 < server_limit < limit:
                limit = server_limit
            if len(page) < limit:
                return items
            previous = page
            offset += len(page)


def _bool_param(value):
    return "true" if value else "false"


def _query(filters):
    """Query dict without None values; booleans as true/false; lists/tuples/sets as comma lists."""
    query = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = _bool_param(value)
        elif isinstance(value, (list, tuple, set, frozenset)):
            query[key] = ",".join(str(v) for v in value)
        else:
            query[key] = value
    return query


# --------------------------------------------------------------------------------------------------
# v3
# --------------------------------------------------------------------------------------------------


class NylasV3Client(_BaseClient):
    """Client of the Nylas v3 API (``Authorization: Bearer <api_key>``).

    Args:
        api_key: the v3 application's API key (never appears in errors).
        region: ``us`` or ``eu``.
        api_uri: base URL override (simulator, proxy); see :func:`resolve_base_url`.
        validate_certs: verify TLS certificates.
        timeout: seconds per request.
        max_retries: retries of a retryable failure (attempts = 1 + retries).
        rate_limit: requests per second for this application, shared process-wide (0/None: unlimited).
        read_only: refuse every non-GET with :class:`NylasCheckModeError` (check mode).
        sleep: sleep callable (injectable for tests).
        session: a ``requests.Session`` to use (default: a new one).

    Raises:
        NylasConfigError: bad api_key, region, URL or numeric settings.

    ``request`` returns the envelope; the operation methods return its ``data``. Every method may
    raise :class:`NylasAPIError` or :class:`NylasCheckModeError`.
    """

    def __init__(
        self,
        api_key,
        region="us",
        api_uri=None,
        validate_certs=True,
        timeout=30,
        max_retries=5,
        rate_limit=DEFAULT_RATE_LIMIT,
        read_only=False,
        sleep=time.sleep,
        session=None,
    ):
        _check_token(api_key, "api_key")
        base_url = resolve_base_url(region, api_uri, which="v3")
        super().__init__(
            base_url,
            _app_key("v3", api_key, base_url),
            validate_certs=validate_certs,
            timeout=timeout,
            max_retries=max_retries,
            rate_limit=rate_limit,
            read_only=read_only,
            sleep=sleep,
            session=session,
        )
        self.region = region
        self._add_secret(api_key)
        self._session.auth = _BearerAuth(api_key)

    # -- generic --------------------------------------------------------------------------------

    def request(self, method, path, params=None, json=None, headers=None):
        """Send one request (rate-limited, retried as documented) and return the JSON envelope.

        Args:
            method: HTTP method.
            path: path under the base URL, for example ``/v3/grants``.
            params: query parameters (dict).
            json: JSON body.
            headers: extra headers (their values are never put into error messages).

        Returns:
            The parsed envelope dict (``{"request_id", "data", ...}``); ``{}`` for an empty body.

        Raises:
            NylasAPIError: HTTP error, non-JSON or non-object body, transport error.
            NylasCheckModeError: a non-GET on a read-only client.
        """
        body = self._send(method, path, params=params, json=json, headers=headers)
        if not isinstance(body, dict):
            raise self._error(
                "expected a JSON object envelope, got %s" % type(body).__name__,
                error_type="unexpected_response",
                method=method.upper(),
                path=path.split("?", 1)[0],
            )
        return body

    def _data(self, method, path, params=None, json=None, headers=None):
        return self.request(method, path, params=params, json=json, headers=headers).get("data")

    def _get_or_none(self, path):
        try:
            return self._data("GET", path)
        except NylasAPIError as exc:
            if exc.status == 404:
                return None
            raise

    def paginate(self, path, params=None, page_size=200):
        """GET every page of a v3 limit/offset list and return all items.

        Args:
            path: list path, for example ``/v3/grants``.
            params: extra query parameters (``limit``/``offset`` are set here).
            page_size: items per page requested.

        Returns:
            The concatenated ``data`` lists.

        Raises:
            NylasAPIError: as ``request``; ``error_type`` ``pagination_loop`` when a page repeats the
                previous one; ``unexpected_response`` when ``data`` is not a list.
        """

        def extract(body):
            if not isinstance(body, dict):
                return body, None, None
            return body.get("data"), body.get("request_id"), body.get("limit")

        return self._paginate(path, params, page_size, extract)

    # -- applications ---------------------------------------------------------------------------

    def get_application(self):
        """Return the application of the API key (``GET /v3/applications``)."""
        return self._data("GET", "/v3/applications")

    def update_application(self, body):
        """Patch the application (``PATCH /v3/applications``) and return the updated object."""
        return self._data("PATCH", "/v3/applications", json=body)

    def list_redirect_uris(self):
        """Return the application's callback URIs (``GET /v3/applications/redirect-uris``)."""
        return self._data("GET", "/v3/applications/redirect-uris")

    # -- connectors -----------------------------------------------------------------------------

    def list_connectors(self):
        """Return every connector (``GET /v3/connectors``, paged with limit/offset)."""
        return self.paginate("/v3/connectors")

    def get_connector(self, provider):
        """Return the connector of ``provider`` (``GET /v3/connectors/{provider}``), None on 404."""
        return self._get_or_none("/v3/connectors/%s" % self._segment(provider, "provider"))

    def create_connector(self, body):
        """Create a connector (``POST /v3/connectors``) and return it. ``body`` holds ``provider``,
        ``settings``, ``scope``."""
        return self._data("POST", "/v3/connectors", json=body)

    def update_connector(self, provider, body):
        """Patch the connector of ``provider`` (``PATCH /v3/connectors/{provider}``); return it."""
        return self._data("PATCH", "/v3/connectors/%s" % self._segment(provider, "provider"), json=body)

    def delete_connector(self, provider):
        """Delete the connector of ``provider`` (``DELETE /v3/connectors/{provider}``); return None."""
        self.request("DELETE", "/v3/connectors/%s" % self._segment(provider, "provider"))

    # -- grants ---------------------------------------------------------------------------------

    def list_grants(self, **filters):
        """Return every grant matching ``filters`` (``GET /v3/grants``, paged).

        Args:
            **filters: query filters of the endpoint: ``account_id``, ``account_ids`` (list or
                comma string), ``provider``, ``grant_status``, ``email``, ``since``, ``before``,
                ``sort_by``, ``order_by``, ...; None values are dropped, lists become comma lists.
        """
        return self.paginate("/v3/grants", params=_query(filters))

    def find_grants_by_account_ids(self, account_ids, chunk_size=50):
        """Map v2 account ids to their migrated v3 grants.

        Calls ``GET /v3/grants?account_ids=a,b,c`` for ``chunk_size`` ids at a time (each chunk
        paged). Duplicate and empty ids are ignored.

        Args:
            account_ids: iterable of v2 account ids.
            chunk_size: ids per request.

        Returns:
            ``{account_id: grant}`` for the ids that have a grant (a ``valid`` grant is preferred if
            the server ever returns two); ids without a grant are absent.

        Raises:
            NylasConfigError: an id contains a comma, or chunk_size < 1.
            NylasAPIError: as ``request``.
        """
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise NylasConfigError("chunk_size must be an integer >= 1")
        wanted = []  # type: List[str]
        seen = set()
        for account_id in account_ids:
            if account_id is None or str(account_id).strip() == "":
                continue
            account_id = str(account_id)
            if "," in account_id:
                raise NylasConfigError("account ids must not contain ','")
            if account_id not in seen:
                seen.add(account_id)
                wanted.append(account_id)
        found = {}  # type: Dict[str, Any]
        for start in range(0, len(wanted), chunk_size):
            chunk = wanted[start:start + chunk_size]
            for grant in self.paginate("/v3/grants", params={"account_ids": ",".join(chunk)}):
                if not isinstance(grant, dict):
                    continue
                account_id = grant.get("account_id")
                if account_id not in seen:
                    continue
                current = found.get(account_id)
                if current is None or (current.get("grant_status") != "valid" and grant.get("grant_status") == "valid"):
                    found[account_id] = grant
        return found

    def get_grant(self, grant_id):
        """Return a grant (``GET /v3/grants/{grant_id}``), None on 404."""
        return self._get_or_none("/v3/grants/%s" % self._segment(grant_id, "grant_id"))

    def delete_grant(self, grant_id):
        """Delete a grant (``DELETE /v3/grants/{grant_id}``); return None."""
        self.request("DELETE", "/v3/grants/%s" % self._segment(grant_id, "grant_id"))

    # -- webhooks -------------------------------------------------------------------------------

    def list_webhooks(self):
        """Return the webhook destinations (``GET /v3/webhooks``)."""
        return self._data("GET", "/v3/webhooks")

    def create_webhook(self, body):
        """Create a webhook destination (``POST /v3/webhooks``) and return it (with its secret)."""
        return self._data("POST", "/v3/webhooks", json=body)

    def update_webhook(self, webhook_id, body):
        """Update a webhook destination (``PUT /v3/webhooks/{id}``, as in the contract); return it."""
        return self._data("PUT", "/v3/webhooks/%s" % self._segment(webhook_id, "webhook_id"), json=body)

    def delete_webhook(self, webhook_id):
        """Delete a webhook destination (``DELETE /v3/webhooks/{id}``); return None."""
        self.request("DELETE", "/v3/webhooks/%s" % self._segment(webhook_id, "webhook_id"))

    # -- Pub/Sub channels -----------------------------------------------------------------------

    def list_pubsub_channels(self):
        """Return the Pub/Sub channels (``GET /v3/channels/pubsub``)."""
        return self._data("GET", "/v3/channels/pubsub")

    def create_pubsub_channel(self, body):
        """Create a Pub/Sub channel (``POST /v3/channels/pubsub``) and return it."""
        return self._data("POST", "/v3/channels/pubsub", json=body)

    def update_pubsub_channel(self, channel_id, body):
        """Update a Pub/Sub channel (``PUT /v3/channels/pubsub/{id}``, as in the contract); return it."""
        return self._data("PUT", "/v3/channels/pubsub/%s" % self._segment(channel_id, "channel_id"), json=body)

    def delete_pubsub_channel(self, channel_id):
        """Delete a Pub/Sub channel (``DELETE /v3/channels/pubsub/{id}``); return None."""
        self.request("DELETE", "/v3/channels/pubsub/%s" % self._segment(channel_id, "channel_id"))

    # -- migration tools ------------------------------------------------------------------------

    def link_v2_app(self, basic_v2):
        """Link the v2 application to this v3 application.

        Calls ``POST /v3/migration-tools/link-v2v3-apps`` (no body) with header ``BasicV2``.

        Args:
            basic_v2: the header value from :func:`build_basic_v2` (never appears in errors).

        Returns:
            The v3 ApplicationObject, now carrying ``v2_application_id``.

        Raises:
            NylasConfigError: ``basic_v2`` empty or malformed (whitespace, control/non-ASCII chars).
        """
        _check_token(basic_v2, "BasicV2 value")
        self._add_secret(basic_v2)
        return self._data("POST", "/v3/migration-tools/link-v2v3-apps", headers={"BasicV2": basic_v2})

    def import_v2_app(self):
        """Import the linked v2 application's settings (``POST /v3/migration-tools/import-v2-app``).

        Returns:
            The envelope's ``data``: a message string (or an object, if the server sends one).
        """
        return self._data("POST", "/v3/migration-tools/import-v2-app")

    def clone_grant(self, account_id, allow_invalid_grant_creation=None, clone_exchange=None):
        """Clone one v2 account into a v3 grant.

        Calls ``POST /v3/migration-tools/grants/{account_id}/clone``; the flags go only in the query
        string and only when not None (``true``/``false``), so server defaults apply otherwise.
        A timeout, dropped connection or 5xx raises :class:`NylasAPIError` with
        ``outcome_unknown=True`` (the grant may exist: re-read ``GET /v3/grants?account_id=``).

        Returns:
            The v3 GrantObject (``grant_status`` ``valid``, or ``invalid`` for a placeholder).
        """
        params = _query(
            {"allow_invalid_grant_creation": allow_invalid_grant_creation, "clone_exchange": clone_exchange}
        )
        path = "/v3/migration-tools/grants/%s/clone" % self._segment(account_id, "account_id")
        return self._data("POST", path, params=params or None)

    def start_batch_clone(
        self,
        limit=None,
        offset=None,
        providers=None,
        mode=None,
        allow_invalid_grant_creation=None,
        clone_exchange=None,
    ):
        """Start a snapshot + clone job pair (``POST /v3/migration-tools/snapshot-batch-clone``).

        Body keys ``limit``, ``offset``, ``providers``, ``mode`` are sent only when not None (the body
        is ``{}`` otherwise); the two flags go in the query string only when not None.

        Returns:
            ``{"snapshot_job": MigrationJob, "clone_job": MigrationJob}``.
        """
        body = {}
        if limit is not None:
            body["limit"] = limit
        if offset is not None:
            body["offset"] = offset
        if providers is not None:
            body["providers"] = [providers] if isinstance(providers, str) else list(providers)
        if mode is not None:
            body["mode"] = mode
        params = _query(
            {"allow_invalid_grant_creation": allow_invalid_grant_creation, "clone_exchange": clone_exchange}
        )
        return self._data("POST", "/v3/migration-tools/snapshot-batch-clone", params=params or None, json=body)

    def list_jobs(self, status=None, job_type=None, sort_by_completion=None):
        """List migration jobs (``GET /v3/migration-tools/jobs``).

        Args:
            status: a status or list of statuses (pending, running, completed, failed, partial).
            job_type: a type or list of types (snapshot, migration); sent as ``type``.
            sort_by_completion: bool, sent as ``true``/``false`` when not None.

        Returns:
            The list of MigrationJob objects.
        """
        params = _query({"status": status, "type": job_type, "sort_by_completion": sort_by_completion})
        data = self._data("GET", "/v3/migration-tools/jobs", params=params or None)
        return data if data is not None else []

    def translate_ids(self, v2_account_id, resource_type, next_page_number=None, start_from_timestamp=None,
                      nylas_ids=None):
        """Translate one page of v2 object ids of a v2 account into v3 ids.

        Calls ``POST /v3/migration-tools/translate`` with the JSON body ``resource_type``,
        ``v2_account_id`` and, only when not None, ``next_page_number``, ``start_from_timestamp``
        (unix seconds: objects created after it) and ``nylas_ids``. Needs the v2/v3 link; 20
        requests/s per application (the shared limiter paces it).

        Translating changes nothing at Nylas, so unlike other POSTs a timeout, dropped connection or
        502/503/504 is retried (up to ``max_retries``, jittered back-off) even after the request was
        sent; 429s are retried by the request core as for every request.

        Args:
            v2_account_id: the v2 account id.
            resource_type: messages, drafts, threads, contacts, contactgroups, events, calendars or folders.
            next_page_number: the page to ask for (a previous answer's ``next_page_number``); None for the first.
            start_from_timestamp: int unix seconds, or None.
            nylas_ids: a list of v2 ids to translate, or None for all.

        Returns:
            The envelope's ``data`` dict (``v2_application_id``, ``v2_account_id``, ``resource_type``,
            ``next_page_number`` while more remain) with ``translations`` always set to the list of
            ``{"v2_resource_id", "v3_resource_id"}``: the contract requires the list under ``ids`` but
            describes it as ``translations``; whichever the server sends is accepted.

        Raises:
            NylasConfigError: an empty account id or resource type.
            NylasAPIError: as ``request`` (400 for an unknown resource type, an account of another
                application, an Outlook account or a missing link); ``unexpected_response`` when
                ``data`` holds no list of translations.
            NylasCheckModeError: on a read-only client (it is a POST).
        """
        self._segment(v2_account_id, "v2_account_id")
        self._segment(resource_type, "resource_type")
        body = {"resource_type": resource_type, "v2_account_id": v2_account_id}
        if next_page_number is not None:
            body["next_page_number"] = next_page_number
        if start_from_timestamp is not None:
            body["start_from_timestamp"] = start_from_timestamp
        if nylas_ids is not None:
            body["nylas_ids"] = list(nylas_ids)
        path = "/v3/migration-tools/translate"
        retry = 0
        while True:
            try:
                envelope = self.request("POST", path, json=body)
                break
            except NylasAPIError as exc:
                transient = exc.outcome_unknown and (exc.status is None or exc.status in RETRYABLE_STATUS)
                if not transient or retry >= self.max_retries:
                    raise
                self._sleep(backoff_delay(retry, rand=self._random))
                retry += 1
        data = envelope.get("data")
        items = None
        if isinstance(data, dict):
            items = data.get("translations")
            if items is None:
                items = data.get("ids")
        if not isinstance(items, list):
            raise self._error(
                "expected data.translations (or data.ids) to be a list of translations",
                error_type="unexpected_response",
                request_id=envelope.get("request_id"),
                method="POST",
                path=path,
            )
        data = dict(data)
        data.pop("ids", None)
        data["translations"] = items
        return data


# --------------------------------------------------------------------------------------------------
# v2
# --------------------------------------------------------------------------------------------------


class NylasV2Client(_BaseClient):
    """Read client of the Nylas v2 API (HTTP Basic: user = client secret, empty password).

    v2 responses are bare JSON (no envelope); v2 errors are ``{"message": ..., "type": ...}``.
    The client is read-only by construction (it only has GET operations).

    Args:
        client_id: the v2 application's client id.
        client_secret: the v2 application's client secret (never appears in errors).
        region, api_uri, validate_certs, timeout, max_retries, rate_limit, sleep, session: as for
            :class:`NylasV3Client` (``api_uri`` overrides the v2 base URL).

    Raises:
        NylasConfigError: bad credentials (same checks as :func:`build_basic_v2`), region or URL.
    """

    def __init__(
        self,
        client_id,
        client_secret,
        region="us",
        api_uri=None,
        validate_certs=True,
        timeout=30,
        max_retries=5,
        rate_limit=DEFAULT_RATE_LIMIT,
        sleep=time.sleep,
        session=None,
    ):
        _check_token(client_id, "v2_client_id", allow_colon=False)
        _check_token(client_secret, "v2_client_secret")
        base_url = resolve_base_url(region, api_uri, which="v2")
        super().__init__(
            base_url,
            _app_key("v2", client_id, client_secret, base_url),
            validate_certs=validate_certs,
            timeout=timeout,
            max_retries=max_retries,
            rate_limit=rate_limit,
            read_only=False,
            sleep=sleep,
            session=session,
        )
        self.region = region
        self.client_id = client_id
        self._add_secret(client_secret)
        self._add_secret(base64.b64encode(("%s:" % client_secret).encode("ascii")).decode("ascii"))
        self._session.auth = (client_secret, "")

    def request(self, method, path, params=None, json=None, headers=None):
        """Send one v2 request (rate-limited, retried) and return the bare parsed JSON body.

        Raises:
            NylasAPIError: HTTP error (``message``/``type`` of the v2 error body), non-JSON body,
                transport error.
        """
        return self._send(method, path, params=params, json=json, headers=headers)

    def get_application(self):
        """Return the v2 application details (``GET /a/{client_id}``)."""
        body = self.request("GET", "/a/%s" % self._segment(self.client_id, "v2_client_id"))
        if not isinstance(body, dict):
            raise self._error(
                "expected a JSON object, got %s" % type(body).__name__,
                error_type="unexpected_response",
                method="GET",
                path="/a/%s" % self.client_id,
            )
        return body

    def list_accounts(self, page_size=100):
        """Return every v2 account (``GET /a/{client_id}/accounts?offset=&limit=``, paged).

        Pages until a short page; a page identical to the previous one raises
        :class:`NylasAPIError` with ``error_type`` ``pagination_loop``.
        """

        def extract(body):
            return body, None, None

        path = "/a/%s/accounts" % self._segment(self.client_id, "v2_client_id")
        return self._paginate(path, None, page_size, extract)


__all__ = [
    "PACING_HEADROOM",
    "COLLECTION_VERSION",
    "DEFAULT_RATE_LIMIT",
    "HAS_REQUESTS",
    "REGIONS",
    "REQUESTS_IMPORT_ERROR",
    "NylasAPIError",
    "NylasCheckModeError",
    "NylasConfigError",
    "NylasError",
    "NylasV2Client",
    "NylasV3Client",
    "RateLimiter",
    "backoff_delay",
    "build_basic_v2",
    "parse_retry_after",
    "resolve_base_url",
    "shared_limiter",
]
