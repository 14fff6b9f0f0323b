"""Pieces of the ``/_sim/`` admin API that live in memory: request log, fault rules, rate limiter."""

import collections
import fnmatch
import itertools
import json
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


#: The body rewrites of a fault rule (``rewrite.op``); see ``simulator/README.md``.
REWRITE_OPS = ("drop_key", "null_key", "set_key", "empty", "html", "truncate", "pad", "freeze", "rotate", "cursor")
REWRITE_HTML = "<html><head><title>Maintenance</title></head><body><h1>We'll be right back</h1></body></html>"


def _key_path(key):
    """Split a dotted key path (``data``, ``data.status``, ``data[].account_id``, ``[].id``) into segments."""
    if not isinstance(key, str) or not key:
        raise BadRequest("rewrite.key must be a non-empty dotted path, e.g. data or data[].account_id")
    segments = []
    for part in key.split("."):
        if part.endswith("[]"):
            if part[:-2]:
                segments.append(part[:-2])
            segments.append("[]")
        elif part:
            segments.append(part)
    return segments


def _walk(node, segments, leaf):
    """Call ``leaf(container, name)`` for each object the path reaches (``[]`` iterates a list)."""
    if not segments:
        return
    head, rest = segments[0], segments[1:]
    if head == "[]":
        if isinstance(node, list):
            for item in node:
                if rest:
                    _walk(item, rest, leaf)
        return
    if not isinstance(node, dict):
        return
    if not rest:
        leaf(node, head)
    elif head in node:
        _walk(node[head], rest, leaf)


def _get(node, segments):
    for segment in segments:
        if segment == "[]" or not isinstance(node, dict):
            return None
        node = node.get(segment)
    return node


class Rewrite:
    """The body rewrite of one fault rule: the request is handled, then its answer's body is changed."""

    FIELDS = {"op", "key", "value", "bytes", "mode"}

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise BadRequest("rewrite must be a JSON object with an op")
        unknown = set(spec) - self.FIELDS
        if unknown:
            raise BadRequest(f"unknown rewrite field(s): {', '.join(sorted(unknown))}")
        self.op = spec.get("op")
        if self.op not in REWRITE_OPS:
            raise BadRequest(f"rewrite.op must be one of {', '.join(REWRITE_OPS)}")
        self.value = spec.get("value")
        self.mode = spec.get("mode", "repeat")
        self.bytes = spec.get("bytes")
        if self.bytes is not None and (isinstance(self.bytes, bool) or not isinstance(self.bytes, int)
                                       or self.bytes < 0 or self.bytes > 64 * 1024 * 1024):
            raise BadRequest("rewrite.bytes must be an integer between 0 and 67108864")
        default_key = {"rotate": "data", "cursor": "data.next_page_number"}.get(self.op)
        key = spec.get("key", default_key)
        if self.op in ("drop_key", "null_key", "set_key", "cursor") and key is None:
            raise BadRequest(f"rewrite op {self.op} needs a key")
        if self.op == "set_key" and "value" not in spec:
            raise BadRequest("rewrite op set_key needs a value")
        if self.op == "cursor" and self.mode not in ("repeat", "rotate"):
            raise BadRequest("rewrite.mode of a cursor must be repeat or rotate")
        self.key = None if key is None else _key_path(key)
        self._lock = threading.Lock()
        self._first = None  # the first answer's JSON (freeze, rotate, cursor)
        self.hits = 0

    def apply(self, payload, content_type):
        """Return ``(payload bytes, content type)`` of the rewritten answer (``payload`` is the original)."""
        with self._lock:
            self.hits += 1
            hits = self.hits
            if self.op in ("freeze", "rotate", "cursor") and self._first is None:
                self._first = payload
            first = self._first
        if self.op == "empty":
            return b"", content_type
        if self.op == "html":
            return REWRITE_HTML.encode(), "text/html; charset=utf-8"
        if self.op == "truncate":
            size = len(payload) // 2 if self.bytes is None else min(self.bytes, len(payload))
            return payload[:size], content_type
        if self.op == "freeze":
            return first, content_type
        try:
            body = json.loads((first if self.op in ("rotate", "cursor") else payload) or b"null")
        except ValueError:
            return payload, content_type  # not JSON: nothing to rewrite
        if self.op == "pad":
            if isinstance(body, dict):
                body["_padding"] = " " * (10 * 1024 * 1024 if self.bytes is None else self.bytes)
            return json.dumps(body).encode(), content_type
        if self.op == "rotate":
            self._rotate(body, hits)
        elif self.op == "cursor":
            start = _get(body, self.key)
            start = start if isinstance(start, int) and not isinstance(start, bool) else 2
            value = self.value if self.mode == "repeat" and self.value is not None else start
            if self.mode == "rotate":
                value = start + hits - 1
            _walk(body, self.key, lambda obj, name: obj.__setitem__(name, value))
        else:
            _walk(body, self.key, self._leaf)
        return json.dumps(body).encode(), content_type

    def _rotate(self, body, hits):
        items = body if self.key == ["[]"] or not self.key else None
        if items is None and isinstance(body, dict):
            items = _get(body, self.key)
        if isinstance(items, list) and items:
            shift = (hits - 1) % len(items)
            items[:] = items[shift:] + items[:shift]

    def _leaf(self, obj, name):
        if self.op == "drop_key":
            obj.pop(name, None)
        elif self.op == "null_key":
            if name in obj:
                obj[name] = None
        else:  # set_key
            obj[name] = self.value


class FaultRule:
    """One fault injection rule; see ``simulator/README.md`` for its fields."""

    FIELDS = {"method", "path", "path_regex", "status", "body", "content_type", "headers", "latency_ms", "drop",
              "drop_after", "retry_after", "times", "probability", "seed", "rewrite"}

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
        self.rewrite = Rewrite(spec["rewrite"]) if spec.get("rewrite") is not None else None
        if self.rewrite is not None and (self.drop or self.drop_after or self.status is not None):
            raise BadRequest("rewrite (handle the request, then change its answer) excludes drop, drop_after and status")
        if self.status is None and not self.drop and not self.drop_after and not self.latency_ms and not self.rewrite:
            raise BadRequest("a fault rule needs status, drop, drop_after, latency_ms or rewrite")
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


RETRY_AFTER_MODES = ("always", "never", "sometimes")


class RateLimiter:
    """Sliding one-second window per (application, bucket); limit 0 disables a bucket.

    ``retry_after``: ``always`` sends ``Retry-After`` on each 429, ``never`` none, ``sometimes`` on every
    other one (Nylas does not promise the header).
    """

    def __init__(self, limits, retry_after="always"):
        if retry_after not in RETRY_AFTER_MODES:
            raise ValueError(f"retry_after must be one of {', '.join(RETRY_AFTER_MODES)}")
        self.limits = dict(limits)
        self.retry_after = retry_after
        self._refused = 0
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
                self._refused += 1
                send = self.retry_after == "always" or (self.retry_after == "sometimes" and self._refused % 2)
                raise RateLimited(f"Too many requests: limit is {limit} requests per second per application "
                                  f"on this API; retry after {retry} s", retry_after=retry if send else None)
            window.append(now)

    def reset(self):
        """Forget all windows."""
        with self._lock:
            self._windows.clear()
