# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Client-side rate limiting: one token bucket per Nylas application and process.

* :class:`RateLimiter` -- a thread-safe token bucket.
* :func:`shared_limiter` -- the process-wide limiter of one application key (every client and
  worker thread of one application shares it); :func:`app_key` builds that key as a SHA-256 of
  the credentials and base URL, so the key itself reveals no secret.
* :data:`DEFAULT_RATE_LIMIT`, and :data:`PACING_HEADROOM`, the fraction of it the clients pace at.
* :func:`bucket_of` and :func:`bucket_rate` -- Nylas limits the migration tools (``/v3/migration-tools/*``,
  20 requests/s per application) and the other v3 paths (50 requests/s) separately, so the v3 client
  keeps one bucket per application AND limit: reading grants never eats the clone budget.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Dict  # noqa: F401  (type comments)

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasConfigError

DEFAULT_RATE_LIMIT = 20.0  # requests per second, the documented limit of the migration tools
OTHER_PATHS_LIMIT = 50.0  # requests per second, the documented limit of the other v3 paths (grants, ...)
BUCKET_MIGRATION = "migration-tools"
BUCKET_OTHER = "other"
MIGRATION_TOOLS_PREFIX = "/v3/migration-tools/"


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


def bucket_of(path):
    """The Nylas rate-limit bucket of a v3 request ``path`` (str): ``"migration-tools"`` for
    ``/v3/migration-tools/*``, ``"other"`` for every other path (the query string is ignored)."""
    path = "/" + str(path).split("?", 1)[0].lstrip("/")
    return BUCKET_MIGRATION if path.startswith(MIGRATION_TOOLS_PREFIX) else BUCKET_OTHER


def bucket_rate(bucket, rate_limit):
    """The requests per second a client allows itself in ``bucket`` given the ``rate_limit`` option.

    ``rate_limit`` is the migration tools' rate (Nylas: 20); the other paths get it scaled by Nylas's
    ratio of the two limits (50/20), so ``rate_limit`` 20 gives 20 and 50, 10 gives 10 and 25. 0 or
    None (unlimited) stays unlimited (0.0). Raises ``ValueError`` for an unknown bucket.
    """
    if bucket not in (BUCKET_MIGRATION, BUCKET_OTHER):
        raise ValueError("unknown rate-limit bucket %r" % (bucket,))
    if not rate_limit:
        return 0.0
    if bucket == BUCKET_MIGRATION:
        return float(rate_limit)
    return float(rate_limit) * OTHER_PATHS_LIMIT / DEFAULT_RATE_LIMIT


def app_key(*parts):
    """Return the limiter key of an application: the SHA-256 hex digest of ``parts`` (strings).

    The clients pass the API version, the credentials and the base URL; the digest never reveals them.
    """
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


__all__ = ["BUCKET_MIGRATION", "BUCKET_OTHER", "DEFAULT_RATE_LIMIT", "OTHER_PATHS_LIMIT", "PACING_HEADROOM",
           "RateLimiter", "app_key", "bucket_of", "bucket_rate", "shared_limiter"]
