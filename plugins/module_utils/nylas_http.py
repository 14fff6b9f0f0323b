# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The shared HTTP request core of the Nylas clients; the only module that sends with ``requests``.

* :class:`HttpCore` -- retrying, rate-limited, secret-safe requests: the retry decision comes from
  :mod:`nylas_retry`, pacing from :mod:`nylas_ratelimit`; a non-GET is refused before the network
  on a read-only (check mode) client; errors are :class:`NylasAPIError` with secrets redacted.
  It also parses responses (JSON bodies, Nylas and v2 error shapes, HTML/plain-text bodies cut to an
  excerpt) and pages limit/offset lists.
* :class:`BearerAuth` -- the ``Authorization: Bearer`` auth callable of the v3 client.
* Helpers: :func:`excerpt`, :func:`clip` (bounded texts for messages), :func:`query_params` /
  :func:`bool_param` (query strings), :func:`user_agent`.

``requests`` is imported guarded; :data:`HAS_REQUESTS` / :data:`REQUESTS_IMPORT_ERROR` tell the module
wrapper to fail with ``missing_required_lib``.
"""

from __future__ import annotations

import html
import random
import re
import time
import traceback
from typing import Any, List  # noqa: F401  (type comments)
from urllib.parse import quote

try:
    import requests

    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()


from ansible_collections.nylas.migration.plugins.module_utils.nylas_contract import (  # noqa: E402
    Answer,
    check,
    contract_error,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import (  # noqa: E402
    NylasAPIError,
    NylasCheckModeError,
    NylasConfigError,
    NylasError,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_paging import (  # noqa: E402
    DEFAULT_MAX_PAGES,
    PageGuard,
    check_max_pages,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_ratelimit import (  # noqa: E402
    BUCKET_MIGRATION,
    BUCKET_OTHER,
    DEFAULT_RATE_LIMIT,
    PACING_HEADROOM,
    bucket_of,
    bucket_rate,
    shared_limiter,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_retry import (  # noqa: E402
    MAX_RETRY_AFTER,
    SAFE_METHODS,
    backoff_delay,
    classify_exception,
    parse_retry_after,
    should_retry,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_version import COLLECTION_VERSION  # noqa: E402

EXCERPT_LENGTH = 200  # characters of a non-JSON body kept in an error message
MAX_MESSAGE_LENGTH = 1000  # characters of a server-provided error message kept
REDACTED = "********"
CONTEXT_LENGTH = 300  # characters of context this module adds to a (clipped) server message


def user_agent():
    """Return the ``User-Agent`` header value: collection version and ``requests`` version."""
    req_version = requests.__version__ if HAS_REQUESTS else "unknown"
    return "nylas.migration/%s (Ansible collection; python-requests/%s)" % (COLLECTION_VERSION, req_version)


_SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def excerpt(text, limit=EXCERPT_LENGTH):
    """Tag-stripped, whitespace-collapsed text of a (HTML) body, at most ``limit`` characters."""
    text = _SCRIPT_STYLE.sub(" ", text or "")
    text = _COMMENT.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 3].rstrip() + "..."
    return text


def clip(text, limit=MAX_MESSAGE_LENGTH):
    """Return ``text`` (made a string) cut to ``limit`` characters, ``...`` marking a cut."""
    text = text if isinstance(text, str) else str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class BearerAuth:
    """``requests`` auth callable setting ``Authorization: Bearer <key>`` (repr hides the key)."""

    def __init__(self, token):
        self._token = token

    def __call__(self, req):
        req.headers["Authorization"] = "Bearer %s" % self._token
        return req

    def __repr__(self):
        return "BearerAuth(<redacted>)"


# --------------------------------------------------------------------------------------------------
# The shared request core
# --------------------------------------------------------------------------------------------------


class HttpCore:
    """Retrying, rate-limited, secret-safe request core shared by the v3 and v2 clients.

    Args:
        base_url: API base URL (from :func:`nylas_checks.resolve_base_url`).
        limiter_key: the application key of the shared rate limiter (:func:`nylas_ratelimit.app_key`).
        validate_certs, timeout, max_retries, rate_limit, read_only, sleep, session: as documented
            on :class:`NylasV3Client`.
        region: the configured region, named (with ``base_url``) in the message of a 401/403.
        auth_hint: what to check after a 401/403, appended to its message (names no secret).
        split_buckets: one limiter per application AND Nylas limit (``/v3/migration-tools/*`` at
            ``rate_limit``, the other paths at :func:`nylas_ratelimit.bucket_rate`), as the v3 client
            wants; False (the v2 client) paces every path in one bucket at ``rate_limit``.
        max_pages: the page cap of one walk of a paged list (:class:`nylas_paging.PageGuard`).

    Raises:
        NylasError: ``requests`` is not installed.
        NylasConfigError: bad ``max_retries``, ``timeout``, ``rate_limit`` or ``max_pages``.
    """

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
        region=None,
        auth_hint="check the credentials",
        split_buckets=False,
        max_pages=DEFAULT_MAX_PAGES,
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
        try:
            self.max_pages = check_max_pages(max_pages)
        except ValueError as e:
            raise NylasConfigError(str(e))
        self._base_url = base_url
        self._region = region
        self._auth_hint = auth_hint
        self.validate_certs = bool(validate_certs)
        self.timeout = timeout
        self.max_retries = max_retries
        self.read_only = bool(read_only)
        self._sleep = sleep
        self._random = random.random
        if not rate_limit:
            self._limiters = {}
        elif split_buckets:
            self._limiters = dict(
                (bucket, shared_limiter("%s:%s" % (limiter_key, bucket), bucket_rate(bucket, rate_limit) * PACING_HEADROOM))
                for bucket in (BUCKET_MIGRATION, BUCKET_OTHER)
            )
        else:
            one = shared_limiter(limiter_key, rate_limit * PACING_HEADROOM)
            self._limiters = {BUCKET_MIGRATION: one, BUCKET_OTHER: one}
        self._limiter = self._limiters.get(BUCKET_MIGRATION)
        self._secrets = []  # type: List[str]
        self._session = session if session is not None else requests.Session()
        self._session.headers.update({"Accept": "application/json", "User-Agent": user_agent()})

    # -- public helpers --------------------------------------------------------------------------

    @property
    def base_url(self):
        """The API base URL in use (no trailing slash)."""
        return self._base_url

    @property
    def limiter(self):
        """The shared :class:`RateLimiter` of the migration tools (of every path without
        ``split_buckets``), or None when unlimited."""
        return self._limiter

    def limiter_for(self, path):
        """The shared :class:`RateLimiter` that paces a request to ``path`` (:func:`nylas_ratelimit.bucket_of`),
        or None when unlimited."""
        return self._limiters.get(bucket_of(path))

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
                text = text.replace(secret, REDACTED)
        return text

    def _error(self, message, **kwargs):
        return NylasAPIError(self._redact(clip(message, MAX_MESSAGE_LENGTH + CONTEXT_LENGTH)), **kwargs)

    def _with_context(self, message, status, envelope, attempts):
        """Add what helps to read a failed answer to ``message``: for a 401/403 the region and base
        URL used (:func:`auth_failure_message`), for a 429 without a Nylas error envelope that the
        request was rate limited (:func:`rate_limited_message`)."""
        if status in (401, 403) and self._region:
            return auth_failure_message(message, self._region, self._base_url, self._auth_hint)
        if status == 429 and not envelope:
            return rate_limited_message(message, attempts)
        return message

    # -- paths ----------------------------------------------------------------------------------

    @staticmethod
    def _segment(value, name):
        """Quote one path segment; refuse empty/non-string ids (an empty id would hit the list URL)."""
        if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
            raise NylasConfigError("%s must be a non-empty string" % name)
        return quote(str(value), safe="")

    # -- the request core -----------------------------------------------------------------------

    def _send(self, method, path, params=None, json=None, headers=None, idempotent=None):
        """Send a request (see :meth:`_exchange`); return the parsed JSON body, ``{}`` for an empty body."""
        body = self._exchange(method, path, params=params, json=json, headers=headers, idempotent=idempotent).body
        return {} if body is None else body

    def _checked(self, operation, method, path, params=None, json=None, headers=None, idempotent=None):
        """Send a request and return its body once :func:`nylas_contract.check` found it of the shape of
        ``operation``; an empty or misshapen answer to a write is an unknown outcome.

        Raises:
            NylasContractError: the answer breaks the contract (``outcome_unknown`` on a write).
            NylasAPIError, NylasCheckModeError: as :meth:`_exchange`.
        """
        answer = self._exchange(method, path, params=params, json=json, headers=headers, idempotent=idempotent)
        is_write = method.upper() not in SAFE_METHODS and not idempotent
        return check(answer, operation, is_write=is_write)

    def _exchange(self, method, path, params=None, json=None, headers=None, idempotent=None):
        """Send a request with rate limiting and retries; return its :class:`nylas_contract.Answer`
        (``body`` None for an empty body).

        A failed attempt is sent again when :func:`nylas_retry.should_retry` says so, after the
        ``Retry-After`` delay (clamped to ``MAX_RETRY_AFTER``) or a jittered back-off. ``idempotent=True``
        marks a POST that changes nothing at Nylas (it is retried like a GET and its failures are never
        ``outcome_unknown``); None judges by the method.

        Raises:
            NylasCheckModeError: a non-GET on a read-only client (nothing is sent).
            NylasAPIError: an HTTP error or a transport error.
            NylasContractError: a 2xx whose body is not JSON (HTML, truncated): ``non_json_response``,
                an unknown outcome on a write.
        """
        method = method.upper()
        clean_path = path.split("?", 1)[0]
        if self.read_only and method not in SAFE_METHODS:
            raise NylasCheckModeError(
                "refusing %s %s: the client is read-only (check mode); no request was sent" % (method, clean_path)
            )
        url = self._base_url + (path if path.startswith("/") else "/" + path)
        is_write = method not in SAFE_METHODS and not idempotent
        attempt = 0
        limiter = self.limiter_for(clean_path)
        while True:
            attempt += 1
            if limiter is not None:
                limiter.acquire(sleep=self._sleep)
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
                failure = classify_exception(exc)
                if should_retry(method, None, failure.sent, attempt, self.max_retries, retryable=failure.retryable,
                                idempotent=idempotent):
                    self._sleep(backoff_delay(attempt - 1, rand=self._random))
                    continue
                raise self._error(
                    failure.reason,
                    error_type=failure.error_type,
                    method=method,
                    path=clean_path,
                    attempts=attempt,
                    outcome_unknown=is_write and failure.sent,
                ) from None
            status = response.status_code
            if should_retry(method, status, True, attempt, self.max_retries, idempotent=idempotent):
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
            answer = Answer(body, status, request_id, method, path)
            if not text.strip():
                return answer._replace(body=None)
            if not is_json:
                raise contract_error(
                    answer, "body",
                    self._redact("is not JSON (%s): %s" % (content_type or "no content type", excerpt(text))),
                    outcome_unknown=is_write, error_type="non_json_response", content_type=content_type,
                    attempts=attempts)
            return answer

        outcome_unknown = is_write and status >= 500
        if not is_json:
            shown = excerpt(text) if text.strip() else (response.reason or "no body")
            message = "non-JSON response (%s): %s" % (content_type or "no content type", shown)
            raise self._error(
                self._with_context(message, status, False, attempts),
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
        envelope = isinstance(body, dict) and isinstance(body.get("error"), dict)
        raise self._error(
            self._with_context(clip(message), status, envelope, attempts),
            status=status,
            error_type=error_type,
            request_id=request_id,
            outcome_unknown=outcome_unknown,
            provider_error=provider_error if isinstance(provider_error, dict) else None,
            **common
        )

    def _paginate(self, path, params, page_size, extract, max_pages=None, operation=None, expected_total=None,
                  id_field="id"):
        """Collect every item of a limit/offset list, within the bound of a :class:`nylas_paging.PageGuard`.

        Each page is checked against the shape of ``operation`` (:data:`nylas_contract.SHAPES`) when
        given; ``extract(body)`` then returns ``(items, server_limit)`` of the page. Stops on a short
        (or empty) page. With ``max_pages`` (int >= 1: a budget, not the cap), returns None once that
        many pages were read and the list goes on (the caller reads it another way).

        Raises:
            NylasContractError: a page that breaks the contract; ``pagination_loop`` when a page brings
                no new ``id_field`` (the server ignores the offset, or repeats pages);
                ``pagination_bound`` past the ``max_pages`` cap of the client or past twice
                ``expected_total`` (the count the caller knows) plus a page.
        """
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise NylasConfigError("page_size must be an integer >= 1")
        query = dict(params or {})
        offset = 0
        limit = page_size
        items = []  # type: List[Any]
        clean_path = path.split("?", 1)[0]
        guard = PageGuard(self.max_pages, expected_total=expected_total, page_size=page_size, id_field=id_field)
        pages = 0
        while True:
            if max_pages is not None and pages >= max_pages:
                return None
            pages += 1
            query["limit"] = limit
            query["offset"] = offset
            answer = self._exchange("GET", path, params=query)
            if operation is not None:
                check(answer, operation)
            page, server_limit = extract(answer.body)
            if not isinstance(page, list):
                raise contract_error(answer._replace(path=clean_path), "data",
                                     "must be a list, got %s" % type(page).__name__)
            guard.page(answer, page)
            items.extend(page)
            # A server that caps the page size below ours says so in "limit": page with its size.
            if isinstance(server_limit, int) and not isinstance(server_limit, bool) and 0 < server_limit < limit:
                limit = server_limit
            if len(page) < limit:
                return items
            offset += len(page)


def auth_failure_message(message, region, base_url, hint):
    """Return the message of a 401/403: the server's ``message``, where the request went, what to check.

    Args:
        message: the server's message (or this module's text for a non-JSON body).
        region: the configured region (``us``/``eu``).
        base_url: the base URL the request was sent to (holds no credential: see ``resolve_base_url``).
        hint: what to check, e.g. "check that the API key belongs to an application of region 'us'".

    Returns:
        ``"<message> (region '<region>', <base_url>); <hint>"``.
    """
    return "%s (region '%s', %s); %s" % (message, region, base_url, hint)


def rate_limited_message(message, attempts):
    """Return the message of a 429 that carries no Nylas error envelope (a gateway's answer).

    Args:
        message: the text made of the body (an excerpt, or a ``message`` field, or the HTTP reason).
        attempts: how many times the request was sent before giving up.

    Returns:
        ``"rate limited (gave up after <n> attempt(s)): <message>"``.
    """
    return "rate limited (gave up after %d attempt%s): %s" % (attempts, "" if attempts == 1 else "s", message)


def bool_param(value):
    """Return ``"true"`` or ``"false"``: how the Nylas API reads a boolean query parameter."""
    return "true" if value else "false"


def query_params(filters):
    """Query dict without None values; booleans as true/false; lists/tuples/sets as comma lists."""
    query = {}
    for key, value in filters.items():
        if value is None:
            continue
        if isinstance(value, bool):
            query[key] = bool_param(value)
        elif isinstance(value, (list, tuple, set, frozenset)):
            query[key] = ",".join(str(v) for v in value)
        else:
            query[key] = value
    return query


__all__ = [
    "EXCERPT_LENGTH",
    "HAS_REQUESTS",
    "MAX_MESSAGE_LENGTH",
    "REQUESTS_IMPORT_ERROR",
    "BearerAuth",
    "HttpCore",
    "auth_failure_message",
    "bool_param",
    "clip",
    "excerpt",
    "query_params",
    "rate_limited_message",
    "user_agent",
]
