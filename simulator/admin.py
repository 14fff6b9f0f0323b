"""Pieces of the ``/_sim/`` admin API that live in memory: request log, fault rules, rate limiter."""

import collections
import fnmatch
import itertools
import math
import random
import re
import threading
import time
from urllib.parse import parse_qsl

from .errors import BadRequest, RateLimited

#: Query parameter names whose values are never logged.
SECRET_WORDS = ("key", "secret", "token", "password", "auth", "credential", "signature")


def redact_query(query_string):
    """Return the query as a dict with values of secret-looking parameters replaced by ``<redacted>``."""
    out = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if any(word in name.lower() for word in SECRET_WORDS):
            value = "<redacted>"
        out.setdefault(name, []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


class RequestLog:
    """In-memory log of the Nylas (non-admin) requests, newest last, bounded.

    Entries never carry headers or bodies, so credentials cannot leak into it.
    """

    def __init__(self, maxlen=100_000):
        self._entries = collections.deque(maxlen=maxlen)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, **entry):
        """Append an entry; returns it with its ``seq``."""
        with self._lock:
            entry["seq"] = next(self._seq)
            self._entries.append(entry)
        return entry

    def clear(self):
        """Forget all entries (sequence numbers keep increasing)."""
        with self._lock:
            self._entries.clear()

    def entries(self, since=None, methods=None, path=None):
        """Return entries after ``since`` (a seq number, or a unix time when >= 1e9), filtered."""
        with self._lock:
            entries = list(self._entries)
        if since is not None:
            key = "time" if since >= 1e9 else "seq"
            entries = [e for e in entries if e[key] > since]
        if methods:
            entries = [e for e in entries if e["method"] in methods]
        if path:
            entries = [e for e in entries if fnmatch.fnmatchcase(e["path"], path)]
        return entries

    @property
    def last_seq(self):
        """The last sequence number given out (0 if none)."""
        with self._lock:
            return self._entries[-1]["seq"] if self._entries else 0


class FaultRule:
    """One fault injection rule; see ``simulator/README.md`` for its fields."""

    FIELDS = {"method", "path", "path_regex", "status", "body", "content_type", "headers", "latency_ms", "drop",
              "drop_after", "retry_after", "times", "probability", "seed"}

    def __init__(self, rule_id, spec):
        if not isinstance(spec, dict):
            raise BadRequest("a fault rule must be a JSON object")
        unknown = set(spec) - self.FIELDS
        if unknown:
            raise BadRequest(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        self.id = rule_id
        self.spec = dict(spec)
        method = spec.get("method", "*")
        methods = method if isinstance(method, list) else [method]
        self.methods = None if method in ("*", None) else {m.upper() for m in methods}
        self.path = spec.get("path", "*") if spec.get("path_regex") is None else None
        try:
            self.regex = re.compile(spec["path_regex"]) if spec.get("path_regex") else None
        except re.error as exc:
            raise BadRequest(f"path_regex is not a valid regular expression: {exc}") from None
        self.status = spec.get("status")
        if self.status is not None and (not isinstance(self.status, int) or not 100 <= self.status <= 599):
            raise BadRequest("status must be an HTTP status code")
        self.body = spec.get("body")
        self.content_type = spec.get("content_type")
        self.headers = dict(spec.get("headers") or {})
        self.latency_ms = float(spec.get("latency_ms") or 0)
        self.drop = bool(spec.get("drop", False))
        self.drop_after = bool(spec.get("drop_after", False))
        if self.drop_after and (self.drop or self.status is not None):
            raise BadRequest("drop_after (handle the request, then drop the answer) excludes drop and status")
        self.retry_after = spec.get("retry_after")
        self.times = spec.get("times")
        if self.times is not None and (not isinstance(self.times, int) or self.times < 1):
            raise BadRequest("times must be a positive integer")
        self.probability = float(spec.get("probability", 1.0))
        if not 0 <= self.probability <= 1:
            raise BadRequest("probability must be between 0 and 1")
        if self.status is None and not self.drop and not self.drop_after and not self.latency_ms:
            raise BadRequest("a fault rule needs status, drop, drop_after or latency_ms")
        self.rng = random.Random(spec.get("seed"))
        self.applied = 0

    def matches(self, method, path):
        """True if the rule covers this request (ignores times/probability)."""
        if self.methods is not None and method.upper() not in self.methods:
            return False
        if self.regex is not None:
            return bool(self.regex.search(path))
        return fnmatch.fnmatchcase(path, self.path)

    def to_dict(self):
        """The rule as shown by ``GET /_sim/faults``."""
        remaining = None if self.times is None else self.times - self.applied
        return {"id": self.id, **self.spec, "applied": self.applied, "remaining": remaining}


class FaultInjector:
    """The set of active fault rules; the first applicable rule wins."""

    def __init__(self):
        self._rules = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, spec):
        """Add a rule from its JSON spec; return it."""
        with self._lock:
            rule = FaultRule(f"fault-{next(self._ids)}", spec)
            self._rules.append(rule)
        return rule

    def clear(self, rule_id=None):
        """Remove one rule (by id) or all; returns how many were removed."""
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]
            return before - len(self._rules)

    def list(self):
        """Return the rules as dicts."""
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def pick(self, method, path):
        """Return the rule to apply to this request (consuming one of its ``times``), or ``None``."""
        with self._lock:
            for rule in self._rules:
                if rule.times is not None and rule.applied >= rule.times:
                    continue
                if not rule.matches(method, path):
                    continue
                if rule.probability < 1 and rule.rng.random() >= rule.probability:
                    continue
                rule.applied += 1
                return rule
        return None


class RateLimiter:
    """Sliding one-second window per (application, bucket); limit 0 disables a bucket."""

    def __init__(self, limits):
        self.limits = dict(limits)
        self._windows = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()

    def check(self, app_id, bucket):
        """Count a request, or raise :class:`~simulator.errors.RateLimited` with ``Retry-After``."""
        limit = self.limits.get(bucket) or 0
        if limit <= 0:
            return
        now = time.monotonic()
        with self._lock:
            window = self._windows[(app_id, bucket)]
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= limit:
                retry = max(1, math.ceil(window[0] + 1.0 - now))
                raise RateLimited(f"Too many requests: limit is {limit} requests per second per application "
                                  f"on this API; retry after {retry} s", retry_after=retry)
            window.append(now)

    def reset(self):
        """Forget all windows."""
        with self._lock:
            self._windows.clear()
