"""A local webhook receiver for rehearsals: answers Nylas's challenge, verifies ``x-nylas-signature``.

It plays the endpoint a real deployment must run behind its ``webhook_url`` (Nylas docs, "Using
webhooks with Nylas" and "Set up webhooks"):

* ``GET <path>?challenge=<value>`` → ``200`` whose body is exactly ``<value>`` (the verification
  request Nylas sends when a destination is created, its URL changes, or it is re-activated);
* ``POST <path>`` → a notification: the raw body's hex HMAC-SHA256 with the destination's
  ``webhook_secret`` must equal the ``x-nylas-signature`` header; the receiver counts it as verified,
  bad signature, unsigned, or received without a known secret, and answers ``200``. A test event
  (``POST /v3/webhooks/send-test-event``) is signed with ``mock-webhook-secret`` (contract, that
  operation's description), not with the destination's secret: it is counted apart, as ``test_event``.

Secrets are given per URL path (:meth:`WebhookReceiver.set_secret`, ``POST /_receiver/paths``) or
looked up when a notification arrives through ``secret_loader(path) -> secret or None`` (the demo
reads the secrets the collection saved). Per path, the challenge can be made to fail (``status``:
answer that HTTP status; ``wrong``: answer another value; ``json``: wrap the value in JSON, the usual
mistake; ``slow``: wait ``delay`` seconds first) and deliveries can be answered with another status
(``delivery_status``) and late (``delay``, in seconds, applies to every delivery of the path).

Example::

    with WebhookReceiver() as receiver:
        url = receiver.url_for("/nylas/acme/v3")
        ...                                       # create the webhook with that URL
        receiver.set_secret("/nylas/acme/v3", webhook_secret)
        receiver.stats()["paths"]["/nylas/acme/v3"]["verified"]

Admin API (JSON, not part of any Nylas contract): ``GET /_receiver/stats``, ``GET
/_receiver/deliveries[?path=]``, ``POST /_receiver/paths`` (``path`` plus any of ``secret``,
``challenge``, ``status``, ``delay``, ``delivery_status``), ``POST /_receiver/reset``.
"""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CHALLENGE_MODES = ("echo", "status", "wrong", "json", "slow")
SIGNATURE_HEADER = "x-nylas-signature"
MAX_DELIVERIES = 10_000
COUNTERS = ("challenges", "challenges_answered", "deliveries", "verified", "test_event", "bad_signature",
            "unsigned", "no_secret")
#: The secret Nylas signs ``send-test-event`` payloads with (contract, POST /v3/webhooks/send-test-event).
TEST_EVENT_SECRET = "mock-webhook-secret"


def signature(secret, raw_body):
    """Return the hex HMAC-SHA256 of ``raw_body`` (bytes) keyed with ``secret`` (str): ``x-nylas-signature``."""
    return hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()


def verify(secrets, raw_body, header):
    """Return ``verified``, ``test_event``, ``bad_signature``, ``unsigned`` or ``no_secret`` for one notification.

    :param secrets: the secrets the receiver accepts for the path (a list; empty when unknown).
    :param raw_body: the request body exactly as received (bytes).
    :param header: the ``x-nylas-signature`` value, or ``None``.
    """
    if not header:
        return "unsigned"
    given = header.strip().lower()
    if secrets and any(hmac.compare_digest(signature(s, raw_body), given) for s in secrets):
        return "verified"
    if hmac.compare_digest(signature(TEST_EVENT_SECRET, raw_body), given):
        return "test_event"
    if not secrets:
        return "no_secret"
    return "bad_signature"


class _PathState:
    def __init__(self):
        self.secrets = []
        self.challenge = "echo"
        self.status = 404
        self.delay = 0.0
        self.delivery_status = 200
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.by_trigger = {}

    def settings(self):
        return {"challenge": self.challenge, "status": self.status, "delay": self.delay,
                "delivery_status": self.delivery_status, "secrets": len(self.secrets)}


class WebhookReceiver:
    """An HTTP receiver on a free loopback port, in a background thread (a context manager).

    :param host: listen address (loopback).
    :param port: ``0`` picks a free port.
    :param secret_loader: optional ``callable(path) -> str | None`` consulted when a notification
        arrives for a path without a secret set.
    """

    def __init__(self, host="127.0.0.1", port=0, secret_loader=None):
        self.host = host
        self.port = port
        self.secret_loader = secret_loader
        self._lock = threading.Lock()
        self._paths = {}
        self._deliveries = []
        self._server = None
        self._thread = None

    # ------------------------------------------------------------ lifecycle
    def start(self):
        """Start serving; returns ``self``."""
        receiver = self

        class Handler(_Handler):
            owner = receiver

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="webhook-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop serving (idempotent)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        """Base URL, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{self.host}:{self.port}"

    def url_for(self, path):
        """The receiver's URL of a path (``/nylas/acme/v3`` → ``http://127.0.0.1:P/nylas/acme/v3``)."""
        return self.url + "/" + path.lstrip("/")

    # --------------------------------------------------------------- config
    def _state(self, path):
        path = "/" + path.lstrip("/")
        state = self._paths.get(path)
        if state is None:
            state = self._paths[path] = _PathState()
        return state

    def set_secret(self, path, secret, keep_old=False):
        """Accept ``secret`` for the path's notifications (``keep_old``: the previous ones too)."""
        with self._lock:
            state = self._state(path)
            state.secrets = (state.secrets if keep_old else []) + [secret]

    def configure(self, path, challenge=None, status=None, delay=None, delivery_status=None, secret=None):
        """Set how a path answers: challenge mode (:data:`CHALLENGE_MODES`), its status/delay, deliveries' status."""
        if challenge is not None and challenge not in CHALLENGE_MODES:
            raise ValueError(f"challenge must be one of {', '.join(CHALLENGE_MODES)}")
        with self._lock:
            state = self._state(path)
            if challenge is not None:
                state.challenge = challenge
            if status is not None:
                state.status = int(status)
            if delay is not None:
                state.delay = float(delay)
            if delivery_status is not None:
                state.delivery_status = int(delivery_status)
            if secret is not None:
                state.secrets = [secret]
            return state.settings()

    def reset(self):
        """Forget every path, secret, counter and delivery."""
        with self._lock:
            self._paths.clear()
            self._deliveries.clear()

    # ---------------------------------------------------------------- views
    def stats(self):
        """Totals and per-path counters (``challenges``, ``deliveries``, ``verified``, ``bad_signature``, ...)."""
        with self._lock:
            totals = dict.fromkeys(COUNTERS, 0)
            paths = {}
            for path, state in sorted(self._paths.items()):
                for key in COUNTERS:
                    totals[key] += state.counts[key]
                paths[path] = dict(state.counts, by_trigger=dict(state.by_trigger), **state.settings())
            return {"totals": totals, "paths": paths}

    def deliveries(self, path=None):
        """The notifications received (newest last): path, trigger type, notification id, verdict, time."""
        with self._lock:
            items = list(self._deliveries)
        return [d for d in items if path is None or d["path"] == path]

    def wait_for(self, predicate, timeout=10.0, interval=0.05):
        """Poll ``predicate(stats)`` until truthy; return its value or raise ``TimeoutError``."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self.stats())
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"receiver condition not met in {timeout} s: {self.stats()['totals']}")
            time.sleep(interval)

    # ------------------------------------------------------------- handlers
    def note_challenge(self, path):
        with self._lock:
            state = self._state(path)
            state.counts["challenges"] += 1
            return state.challenge, state.status, state.delay

    def note_answered(self, path):
        with self._lock:
            self._state(path).counts["challenges_answered"] += 1

    def note_notification(self, path, raw, header):
        with self._lock:
            secrets = list(self._state(path).secrets)
        if not secrets and self.secret_loader is not None:
            loaded = self.secret_loader("/" + path.lstrip("/"))
            if loaded:
                self.set_secret(path, loaded)
                secrets = [loaded]
        verdict = verify(secrets, raw, header)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        trigger = body.get("type") if isinstance(body, dict) else None
        with self._lock:
            state = self._state(path)
            state.counts["deliveries"] += 1
            state.counts[verdict] += 1
            if trigger:
                state.by_trigger[trigger] = state.by_trigger.get(trigger, 0) + 1
            if len(self._deliveries) < MAX_DELIVERIES:
                self._deliveries.append({"path": "/" + path.lstrip("/"), "type": trigger, "verdict": verdict,
                                         "id": body.get("id") if isinstance(body, dict) else None,
                                         "time": time.time()})
            return state.delivery_status, state.delay

    def handle_admin(self, method, path, query, raw):
        if method == "GET" and path == "/_receiver/stats":
            return 200, self.stats()
        if method == "GET" and path == "/_receiver/deliveries":
            return 200, {"deliveries": self.deliveries(query.get("path", [None])[0])}
        if method == "POST" and path == "/_receiver/reset":
            self.reset()
            return 200, {"status": "reset"}
        if method == "POST" and path == "/_receiver/paths":
            try:
                body = json.loads(raw or b"{}")
                target = body.pop("path")
                return 200, {"path": target, **self.configure(target, **body)}
            except (ValueError, KeyError, TypeError) as exc:
                return 400, {"error": f"bad receiver configuration: {exc}"}
        return 404, {"error": f"no such receiver admin path: {method} {path}"}


class _Handler(BaseHTTPRequestHandler):
    owner = None
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 # pylint: disable=redefined-builtin
        """Quiet: the standard library would log each request to stderr."""
        return

    def _send(self, status, body, content_type="text/plain; charset=utf-8"):
        payload = body if isinstance(body, bytes) else str(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _read(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _route(self, method):
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        raw = self._read() if method == "POST" else b""
        if parts.path.startswith("/_receiver/"):
            status, body = self.owner.handle_admin(method, parts.path, query, raw)
            self._send(status, json.dumps(body), "application/json")
            return
        if method == "GET":
            if "challenge" not in query:
                self._send(400, "missing challenge parameter")
                return
            value = query["challenge"][0]
            mode, status, delay = self.owner.note_challenge(parts.path)
            if mode == "slow":
                time.sleep(delay)
            if mode == "status":
                self._send(status, "not the challenge")
                return
            if mode == "wrong":
                self._send(200, value[::-1] + "-x")
                return
            if mode == "json":
                self._send(200, json.dumps({"challenge": value}), "application/json")
                return
            self.owner.note_answered(parts.path)
            self._send(200, value)
            return
        status, delay = self.owner.note_notification(parts.path, raw, self.headers.get(SIGNATURE_HEADER))
        if delay:
            time.sleep(delay)
        self._send(status, "")

    def do_GET(self):  # noqa: N802 - http.server's naming
        """Challenge or admin read."""
        self._route("GET")

    def do_POST(self):  # noqa: N802 - http.server's naming
        """Notification or admin write."""
        self._route("POST")
