"""Webhook traffic of the simulator: URL policy, the challenge, signed asynchronous deliveries.

No Flask here. :class:`WebhookPolicy` decides whether a ``webhook_url`` may be used and runs
Nylas's verification request (``GET <url>?challenge=<random>``); :class:`Notifier` delivers signed
notifications from a bounded queue on worker threads, so an API call never waits for a receiver.
See ``simulator/README.md`` ("Webhooks and notifications") for the sources of each rule.
"""

import collections
import hashlib
import hmac
import ipaddress
import json
import logging
import queue
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode, urlsplit, urlunsplit

LOG = logging.getLogger(__name__)

#: Hosts of ngrok tunnels; Nylas "blocks Ngrok connections" (contract, POST/PUT /v3/webhooks).
NGROK_SUFFIXES = ("ngrok.io", "ngrok.app", "ngrok.dev", "ngrok-free.app", "ngrok-free.dev", "ngrok.pizza")
CHALLENGE_TIMEOUT = 10.0
DELIVERY_TIMEOUT = 10.0
#: The secret of ``send-test-event`` notifications (contract, POST /v3/webhooks/send-test-event).
TEST_EVENT_SECRET = "mock-webhook-secret"
#: Deliveries kept for ``GET /_sim/notifications`` (newest last).
LOG_SIZE = 5000


class UrlRefused(Exception):
    """The URL cannot be verified; ``str(exc)`` is the part after ``unable.verify.webhook_url : ``."""


def is_loopback(host):
    """True for ``localhost`` names and loopback IP literals (127.0.0.0/8, ::1)."""
    host = (host or "").strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_private(host):
    """True for IP literals that are not public (private, link-local, reserved, unspecified)."""
    try:
        addr = ipaddress.ip_address((host or "").strip("[]"))
    except ValueError:
        return False
    return not addr.is_global


def check_url(url, allow_loopback):
    """Decide whether the simulator may send a challenge to ``url``; raise :class:`UrlRefused` if not.

    Rules, first match wins: not an absolute http(s) URL → refused; an ngrok host → refused (always);
    a loopback host → allowed only with ``allow_loopback`` (the rehearsal option), over http or https;
    plain http → refused (Nylas needs HTTPS); a private address → refused (not public); any other
    public HTTPS host → refused as unreachable (the simulator never sends traffic off the machine,
    so it cannot see that endpoint answer: a rehearsal must not pass where Nylas could fail).

    :returns: the parsed ``urlsplit`` result.
    """
    parts = urlsplit(url if isinstance(url, str) else "")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise UrlRefused("webhook_url must be an absolute HTTPS URL")
    if host.rstrip(".").endswith(NGROK_SUFFIXES):
        raise UrlRefused(f"{host} is an ngrok tunnel; Nylas blocks ngrok connections")
    if is_loopback(host):
        if not allow_loopback:
            raise UrlRefused(f"{host} is not a public address (the simulator accepts loopback receivers only when "
                             "started with --allow-loopback-webhooks)")
        return parts
    if parts.scheme != "https":
        raise UrlRefused("webhook_url must use HTTPS on a public host")
    if is_private(host):
        raise UrlRefused(f"{host} is not a public address")
    raise UrlRefused(f"{host} is not reachable from the simulator (it sends no traffic off this machine; "
                     "use a loopback receiver with --allow-loopback-webhooks for rehearsals)")


def with_challenge(url, value):
    """``url`` with ``challenge=<value>`` added to its query."""
    parts = urlsplit(url)
    query = (parts.query + "&" if parts.query else "") + urlencode({"challenge": value})
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def _http(method, url, body=None, headers=None, timeout=DELIVERY_TIMEOUT):
    """Return ``(status or None, body bytes, error text or None)``; never raises for HTTP or network errors."""
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with _OPENER.open(req, timeout=timeout) as resp:  # noqa: S310 - loopback receivers only (check_url)
            return resp.status, resp.read(65536), None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(65536) if exc.fp else b"", None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            return None, b"", f"no answer within {timeout:g} s"
        return None, b"", f"cannot connect: {reason}"


class WebhookPolicy:
    """The URL rules and the challenge, with the rehearsal option.

    :param allow_loopback: accept loopback receivers (``--allow-loopback-webhooks``).
    :param timeout: seconds the endpoint has to answer the challenge (Nylas: 10).
    """

    def __init__(self, allow_loopback=False, timeout=CHALLENGE_TIMEOUT):
        self.allow_loopback = bool(allow_loopback)
        self.timeout = float(timeout)
        self._lock = threading.Lock()
        self._local = threading.local()
        self.challenges = collections.deque(maxlen=LOG_SIZE)

    def take_last(self):
        """The challenge record of this thread's last :meth:`verify` (then forgotten), or ``None``."""
        record, self._local.last = getattr(self._local, "last", None), None
        return record

    def verify(self, url):
        """Send the challenge to ``url``; return the log record; raise :class:`UrlRefused` on any failure.

        Success needs status 200 and a body that is exactly the challenge value (no redirect is followed).
        """
        record = {"time": time.time(), "url": url, "status": None, "ok": False, "reason": None}
        try:
            check_url(url, self.allow_loopback)
            value = secrets.token_urlsafe(24)
            status, body, error = _http("GET", with_challenge(url, value), timeout=self.timeout)
            record["status"] = status
            if error is not None:
                raise UrlRefused(error)
            if status != 200:
                raise UrlRefused(f"status is not ok, got {status}")
            if body != value.encode():
                raise UrlRefused("the response body is not the challenge value")
            record["ok"] = True
            return record
        except UrlRefused as exc:
            record["reason"] = str(exc)
            raise
        finally:
            self._local.last = record
            with self._lock:
                self.challenges.append(record)

    def state(self):
        """The policy as ``GET /_sim/state`` shows it."""
        with self._lock:
            recent = list(self.challenges)
        return {"allow_loopback_webhooks": self.allow_loopback, "challenge_timeout_s": self.timeout,
                "challenges": len(recent), "challenges_failed": sum(1 for r in recent if not r["ok"])}


def sign(secret, raw):
    """``x-nylas-signature``: hex HMAC-SHA256 of the raw body keyed with the webhook secret."""
    return hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def notification(trigger, application_id, obj, source="/nylas/system"):
    """A v3 notification envelope (notification schemas: specversion, type, source, id, time, data)."""
    return {"specversion": "1.0", "type": trigger, "source": source, "id": str(uuid.uuid4()),
            "time": int(time.time()), "webhook_delivery_attempt": 1,
            "data": {"application_id": application_id, "object": obj}}


#: Trigger types of send-test-event and mock-payload (contract: send_test_event_input, get_mock_payload_input).
TEST_TRIGGERS = (
    "calendar.created", "calendar.updated", "calendar.deleted", "event.created", "event.updated", "event.deleted",
    "grant.created", "grant.updated", "grant.deleted", "grant.expired", "message.send_success",
    "message.send_failed", "message.bounce_detected", "message.created", "message.created.truncated",
    "message.created.cleaned", "message.updated", "message.updated.truncated", "contact.updated",
    "contact.deleted", "folder.created", "folder.updated", "folder.deleted", "message.opened",
    "message.link_clicked", "thread.replied",
)


def mock_object(trigger):
    """The ``data.object`` of a mock notification (notification schemas' examples, with mock ids)."""
    family = trigger.split(".")[0]
    if family == "grant":
        obj = {"grant_id": "mock-grant-id", "integration_id": "mock-integration-id", "provider": "google"}
        if trigger == "grant.updated":
            obj["reauthentication_flag"] = False
        return obj
    return {"id": f"mock-{family}-id", "grant_id": "mock-grant-id", "object": family}


def deliver(url, secret, payload, timeout=DELIVERY_TIMEOUT):
    """POST one signed notification; return ``(status or None, error or None)``."""
    raw = json.dumps(payload, separators=(",", ":")).encode()
    status, _body, error = _http("POST", url, raw, {"Content-Type": "application/json",
                                                     "X-Nylas-Signature": sign(secret, raw)}, timeout)
    return status, error


class Notifier:
    """Bounded queue + worker threads delivering notifications to webhook destinations.

    :param resolve: ``callable(application_id, trigger) -> [(webhook_id, url, secret)]``, read when a
        notification is delivered (a destination paused meanwhile gets nothing).
    :param report: ``callable(webhook_id, ok)`` told each delivery's outcome (status bookkeeping).
    :param maxsize: queue bound; notifications beyond it are dropped and counted.
    """

    def __init__(self, resolve, report=None, maxsize=10_000, workers=2, timeout=DELIVERY_TIMEOUT):
        self.resolve = resolve
        self.report = report
        self.timeout = timeout
        self.queue = queue.Queue(maxsize=maxsize)
        self._lock = threading.Lock()
        self.counts = {"queued": 0, "delivered": 0, "failed": 0, "dropped": 0}
        self.log = collections.deque(maxlen=LOG_SIZE)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, name=f"sim-notifier-{i}", daemon=True)
                         for i in range(workers)]
        self._started = False

    def start(self):
        """Start the workers (idempotent)."""
        if not self._started:
            self._started = True
            for thread in self._threads:
                thread.start()

    def stop(self, timeout=2):
        """Stop the workers; queued notifications are dropped."""
        self._stop.set()
        for thread in self._threads if self._started else ():
            thread.join(timeout)

    def publish(self, application_id, trigger, obj):
        """Queue a notification for every matching destination (never blocks)."""
        try:
            self.queue.put_nowait((application_id, trigger, obj))
            with self._lock:
                self.counts["queued"] += 1
        except queue.Full:
            with self._lock:
                self.counts["dropped"] += 1

    def _run(self):
        while not self._stop.is_set():
            try:
                application_id, trigger, obj = self.queue.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                for webhook_id, url, secret in self.resolve(application_id, trigger):
                    payload = notification(trigger, application_id, obj)
                    status, error = deliver(url, secret, payload, self.timeout)
                    ok = error is None and status is not None and 200 <= status < 300
                    with self._lock:
                        self.counts["delivered" if ok else "failed"] += 1
                        self.log.append({"time": time.time(), "webhook_id": webhook_id, "url": url,
                                         "type": trigger, "id": payload["id"], "status": status,
                                         "ok": ok, "error": error})
                    if self.report is not None:
                        self.report(webhook_id, ok)
            except Exception:  # pragma: no cover - keep the worker alive, log for the operator
                LOG.exception("notification delivery failed")
            finally:
                self.queue.task_done()

    def record(self, entry):
        """Add a delivery made outside the queue (``send-test-event``) to the log and counters."""
        with self._lock:
            self.counts["delivered" if entry["ok"] else "failed"] += 1
            self.log.append(dict(entry, time=time.time()))

    def idle(self):
        """True when nothing is queued or being delivered."""
        return self.queue.unfinished_tasks == 0

    def state(self):
        """Counters and recent deliveries for ``/_sim/``."""
        with self._lock:
            return {**self.counts, "pending": self.queue.qsize(), "recent": list(self.log)[-50:]}

    def entries(self):
        """Every delivery kept in the log (newest last)."""
        with self._lock:
            return list(self.log)
