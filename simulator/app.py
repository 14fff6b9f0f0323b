"""The HTTP layer of the simulator: a thin Flask app over :class:`simulator.backend.Backend`.

Handlers parse the request, call the backend and wrap the result in the Nylas
envelope; every :class:`~simulator.errors.SimError` becomes the Nylas error
envelope. Cross-cutting concerns run in ``before_request``/``after_request``:
request id, fault injection, v3 authentication and rate limits, request log.
"""

import json
import os
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from .admin import FaultInjector, RateLimiter, RequestLog, redact_query
from .backend import Backend
from .errors import BadRequest, InternalError, MethodNotAllowed, NotFound, SimError, error_type_for_status
from .jobs import JobRunner
from .notify import CHALLENGE_TIMEOUT, Notifier, WebhookPolicy

DEFAULT_SEED = Path(__file__).resolve().parent / "seeds" / "demo.yaml"
DEFAULT_JOB_PACE = 200.0
DEFAULT_RATE_LIMITS = {"migration": 20, "default": 50}
EXTENSION = "nylas_sim"


@dataclass
class SimContext:
    """Everything one simulator process holds, reachable as ``app.extensions['nylas_sim']``."""

    backend: Backend
    runner: JobRunner
    limiter: RateLimiter
    log: RequestLog = field(default_factory=RequestLog)
    faults: FaultInjector = field(default_factory=FaultInjector)
    notifier: Notifier = None
    started_at: float = field(default_factory=time.time)

    def shutdown(self):
        """Stop the job runner and the notifier, close the database."""
        self.runner.stop()
        if self.notifier is not None:
            self.notifier.stop()
        self.backend.close()


class DropConnection(Exception):
    """Raised by a ``drop`` fault after the socket was shut down."""


def _shutdown_socket():
    """Close the client's connection without an answer (``drop`` and ``drop_after`` faults)."""
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def sim():
    """Return the :class:`SimContext` of the current Flask app."""
    return current_app.extensions[EXTENSION]


# --------------------------------------------------------------------------- #
# request helpers
# --------------------------------------------------------------------------- #

def _int_arg(name, default=None):
    value = request.args.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"query parameter {name} must be an integer") from None


def _bool_arg(name, default):
    value = request.args.get(name)
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise BadRequest(f"query parameter {name} must be true or false")


def _list_arg(name):
    values = []
    for raw in request.args.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values or None


def _json_body(default=None):
    if not request.get_data(cache=True):
        return default
    body = request.get_json(silent=True, force=True)
    if body is None:
        raise BadRequest("request body is not valid JSON")
    return body


def envelope(data=None, status=200, **extra):
    """Return a Nylas success envelope ``{"request_id", "data", ...}``."""
    payload = {"request_id": g.request_id}
    if data is not None:
        payload["data"] = data
    payload.update(extra)
    return jsonify(payload), status


def _bearer():
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


# --------------------------------------------------------------------------- #
# the factory
# --------------------------------------------------------------------------- #

def create_app(region, seed_path=None, state_path=None, job_pace=DEFAULT_JOB_PACE,
               rate_limit_migration=DEFAULT_RATE_LIMITS["migration"],
               rate_limit_default=DEFAULT_RATE_LIMITS["default"], start_jobs=True, allow_loopback_webhooks=False,
               webhook_timeout=CHALLENGE_TIMEOUT, retry_after="always"):
    """Create the simulator Flask app for one region.

    :param region: ``us`` or ``eu``.
    :param seed_path: YAML seed (default ``simulator/seeds/demo.yaml``), loaded only into an empty state.
    :param state_path: SQLite file (default: a new file in a new temporary directory).
    :param job_pace: accounts per second processed by background jobs (0 pauses).
    :param rate_limit_migration: requests/s per application on ``/v3/migration-tools/*`` (0 = off).
    :param rate_limit_default: requests/s per application on the other v3 paths (0 = off).
    :param start_jobs: start the job runner thread (and the notification workers).
    :param allow_loopback_webhooks: the rehearsal option: loopback (``127.0.0.0/8``, ``::1``, ``localhost``)
        webhook receivers are challenged and get notifications; without it every webhook URL fails verification
        (the simulator sends no traffic off the machine).
    :param webhook_timeout: seconds a receiver has to answer the challenge or a notification (Nylas: 10).
    :param retry_after: ``always``, ``never`` or ``sometimes`` (every other 429): ``Retry-After`` on the rate limit.
    """
    seed_path = Path(seed_path) if seed_path else DEFAULT_SEED
    if state_path is None:
        state_path = Path(tempfile.mkdtemp(prefix="nylas-sim-")) / f"state-{region}.sqlite"
    backend = Backend(region, seed_path, state_path,
                      policy=WebhookPolicy(allow_loopback=allow_loopback_webhooks, timeout=webhook_timeout))
    notifier = Notifier(backend.delivery_targets, backend.delivery_outcome, timeout=webhook_timeout)
    backend.notifier = notifier
    ctx = SimContext(
        backend=backend,
        runner=JobRunner(backend, job_pace),
        limiter=RateLimiter({"migration": rate_limit_migration, "default": rate_limit_default}, retry_after=retry_after),
        notifier=notifier,
    )
    app = Flask("simulator")
    app.json.sort_keys = False
    app.extensions[EXTENSION] = ctx
    app.config["SIM_REGION"] = region
    app.config["SIM_STATE_PATH"] = str(state_path)
    _register_hooks(app)
    _register_v3(app)
    _register_v2(app)
    _register_v2_cutover(app)
    _register_admin(app)
    if start_jobs:
        ctx.runner.start()
        notifier.start()
    return app


def _register_hooks(app):
    @app.before_request
    def before():
        g.request_id = str(uuid.uuid4())
        g.app_id = None
        g.fault = None
        g.dropped = False
        g.log_detail = None
        g.drop_after = False
        g.rewrite = None
        if request.path.startswith("/_sim/"):
            return None
        ctx = sim()
        rule = ctx.faults.pick(request.method, request.path)
        if rule is not None:
            g.fault = rule.id
            g.app_id = _quiet_app_id(ctx)
            if rule.latency_ms:
                time.sleep(rule.latency_ms / 1000.0)
            if rule.drop:
                _log(ctx, None)
                g.dropped = True
                _shutdown_socket()
                raise DropConnection()
            g.drop_after = rule.drop_after
            g.rewrite = rule.rewrite
            if rule.status is not None:
                return _fault_response(rule)
        if request.path.startswith("/v3/") and request.url_rule is not None:
            g.app_id = ctx.backend.app_for_api_key(_bearer())
            bucket = "migration" if request.path.startswith("/v3/migration-tools/") else "default"
            ctx.limiter.check(g.app_id, bucket)
        return None

    @app.after_request
    def after(response):
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if g.get("rewrite") is not None and not g.get("dropped"):
            # the request was handled (its effects are kept); its answer's body is rewritten
            payload, content_type = g.rewrite.apply(response.get_data(), response.content_type)
            response.set_data(payload)
            response.content_type = content_type
        if g.get("drop_after") and not g.get("dropped"):
            # the request was handled (its effects are committed); its answer is lost
            _log(sim(), None)
            g.dropped = True
            _shutdown_socket()
            return Response(b"", status=500)
        if not request.path.startswith("/_sim/") and not g.get("dropped"):
            _log(sim(), response.status_code)
        return response

    @app.errorhandler(SimError)
    def sim_error(exc):
        return _error_response(exc)

    @app.errorhandler(DropConnection)
    def dropped(_exc):
        return Response(b"", status=500)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code == 404:
            return _error_response(NotFound(f"no such path: {request.method} {request.path}"))
        if exc.code == 405:
            return _error_response(MethodNotAllowed(f"method {request.method} not allowed on {request.path}"))
        err = SimError(exc.description)
        err.status, err.error_type = exc.code, error_type_for_status(exc.code)
        return _error_response(err)

    @app.errorhandler(Exception)
    def unexpected(exc):  # pragma: no cover - defensive
        app.logger.exception("unexpected error")
        return _error_response(InternalError(f"internal error: {type(exc).__name__}"))


def _quiet_app_id(ctx):
    """Best-effort application id for logging a faulted request (never raises)."""
    if not request.path.startswith("/v3/"):
        return None
    try:
        return ctx.backend.app_for_api_key(_bearer())
    except SimError:
        return None


def _log(ctx, status):
    app_id = g.get("app_id")
    if app_id is None and request.path.startswith("/a/"):
        parts = request.path.split("/")
        app_id = parts[2] if len(parts) > 2 else None
    ctx.log.add(
        time=time.time(), method=request.method, path=request.path,
        query=redact_query(request.query_string.decode("latin-1")), status=status,
        application_id=app_id, request_id=g.get("request_id"), fault=g.get("fault"),
        **({"detail": g.log_detail} if g.get("log_detail") is not None else {}),
    )


def _error_response(exc):
    if request.path.startswith("/a/"):
        body = {"message": exc.message, "type": exc.error_type}
    else:
        body = {"request_id": g.get("request_id", ""), "error": exc.to_error()}
    response = jsonify(body)
    response.status_code = exc.status
    for key, value in exc.headers.items():
        response.headers[key] = value
    return response


def _fault_response(rule):
    body, content_type = rule.body, rule.content_type
    if body is None:
        payload = json.dumps({"request_id": g.request_id, "error": {
            "type": error_type_for_status(rule.status), "message": f"Simulated fault (HTTP {rule.status})"}})
        content_type = content_type or "application/json"
    elif isinstance(body, (dict, list)):
        payload = json.dumps(body)
        content_type = content_type or "application/json"
    else:
        payload = str(body)
        content_type = content_type or "text/plain; charset=utf-8"
    response = Response(payload, status=rule.status, content_type=content_type)
    if rule.retry_after is not None:
        response.headers["Retry-After"] = str(rule.retry_after)
    for key, value in rule.headers.items():
        response.headers[key] = str(value)
    return response


# --------------------------------------------------------------------------- #
# v3
# --------------------------------------------------------------------------- #

def _register_v3(app):
    @app.get("/v3/applications")
    def get_application():
        return envelope(sim().backend.get_application(g.app_id))

    @app.patch("/v3/applications")
    def patch_application():
        return envelope(sim().backend.update_application(g.app_id, _json_body({})))

    @app.get("/v3/applications/redirect-uris")
    def get_redirect_uris():
        return envelope(sim().backend.callback_uris(g.app_id))

    @app.get("/v3/connectors")
    def list_connectors():
        data, limit, offset = sim().backend.list_connectors(g.app_id, _int_arg("limit"), _int_arg("offset"))
        return envelope(data, limit=limit, offset=offset)

    @app.post("/v3/connectors")
    def create_connector():
        return envelope(sim().backend.create_connector(g.app_id, _json_body({})), status=201)

    @app.get("/v3/connectors/<provider>")
    def get_connector(provider):
        return envelope(sim().backend.get_connector(g.app_id, provider))

    @app.patch("/v3/connectors/<provider>")
    def patch_connector(provider):
        return envelope(sim().backend.update_connector(g.app_id, provider, _json_body({})))

    @app.delete("/v3/connectors/<provider>")
    def delete_connector(provider):
        sim().backend.delete_connector(g.app_id, provider)
        return envelope()

    @app.get("/v3/grants")
    def list_grants():
        data, limit, offset = sim().backend.list_grants(
            g.app_id,
            account_id=request.args.get("account_id"),
            account_ids=request.args.get("account_ids"),
            provider=request.args.get("provider"),
            grant_status=request.args.get("grant_status"),
            email=request.args.get("email"),
            since=_int_arg("since"),
            before=_int_arg("before"),
            limit=_int_arg("limit"),
            offset=_int_arg("offset"),
            sort_by=request.args.get("sort_by", "created_at"),
            order_by=request.args.get("order_by", "desc"),
        )
        return envelope(data, limit=limit, offset=offset)

    @app.get("/v3/grants/<grant_id>")
    def get_grant(grant_id):
        return envelope(sim().backend.get_grant(g.app_id, grant_id))

    @app.delete("/v3/grants/<grant_id>")
    def delete_grant(grant_id):
        sim().backend.delete_grant(g.app_id, grant_id)
        return envelope()

    for kind, base in (("webhook", "/v3/webhooks"), ("pubsub", "/v3/channels/pubsub")):
        _register_destinations(app, kind, base)

    @app.post("/v3/migration-tools/link-v2v3-apps")
    def link_apps():
        return envelope(sim().backend.link(g.app_id, request.headers.get("BasicV2")))

    @app.post("/v3/migration-tools/import-v2-app")
    def import_app():
        return envelope(sim().backend.import_v2_app(g.app_id))

    @app.post("/v3/migration-tools/grants/<account_id>/clone")
    def clone_account(account_id):
        # Flags come from the query string only; a JSON body is ignored, as by Nylas.
        grant = sim().backend.clone_account(
            g.app_id, account_id,
            allow_invalid=_bool_arg("allow_invalid_grant_creation", True),
            clone_exchange=_bool_arg("clone_exchange", True))
        return envelope(grant)

    @app.post("/v3/migration-tools/snapshot-batch-clone")
    def batch_clone():
        allow_invalid = _bool_arg("allow_invalid_grant_creation", True)
        clone_exchange = _bool_arg("clone_exchange", True)
        body = _json_body({})
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in ("allow_invalid_grant_creation", "clone_exchange")}
        snapshot, clone = sim().backend.start_batch_clone(g.app_id, body, allow_invalid, clone_exchange)
        return envelope({"snapshot_job": snapshot, "clone_job": clone})

    @app.post("/v3/migration-tools/translate")
    def translate_ids():
        body = _json_body(None)
        if isinstance(body, dict):
            # The request log names the page of which account and type was asked, refused ones included
            # (only these members: never one that could be secret).
            g.log_detail = {"v2_account_id": body.get("v2_account_id"), "resource_type": body.get("resource_type"),
                            "page": body.get("next_page_number", 1), "since": body.get("start_from_timestamp"),
                            "nylas_ids": len(body["nylas_ids"]) if isinstance(body.get("nylas_ids"), list) else None,
                            "translations": None}
        data = sim().backend.translate(g.app_id, body)
        g.log_detail["translations"] = len(data["translations"])
        return envelope(data)

    @app.get("/v3/migration-tools/jobs")
    def list_jobs():
        return envelope(sim().backend.list_jobs(
            g.app_id, statuses=_list_arg("status"), types=_list_arg("type"),
            sort_by_completion=_bool_arg("sort_by_completion", False)))


def _note_challenge():
    """Put the challenge this request sent (if any) into its request log entry."""
    record = sim().backend.policy.take_last()
    if record is not None:
        g.log_detail = {"challenge": {k: record[k] for k in ("url", "status", "ok", "reason")}}


def _register_destinations(app, kind, base):
    """Register the CRUD routes of webhooks (``kind='webhook'``) or Pub/Sub channels."""

    def list_all():
        return envelope(sim().backend.list_destinations(g.app_id, kind))

    def create():
        sim().backend.policy.take_last()
        try:
            return envelope(sim().backend.create_destination(g.app_id, kind, _json_body({})))
        finally:
            _note_challenge()

    def get_one(dest_id):
        return envelope(sim().backend.get_destination(g.app_id, kind, dest_id))

    def update(dest_id):
        sim().backend.policy.take_last()
        try:
            return envelope(sim().backend.update_destination(g.app_id, kind, dest_id, _json_body({})))
        finally:
            _note_challenge()

    def delete(dest_id):
        sim().backend.delete_destination(g.app_id, kind, dest_id)
        return envelope({"status": "success"})

    app.add_url_rule(base, f"{kind}_list", list_all, methods=["GET"])
    app.add_url_rule(base, f"{kind}_create", create, methods=["POST"])
    app.add_url_rule(f"{base}/<dest_id>", f"{kind}_get", get_one, methods=["GET"])
    app.add_url_rule(f"{base}/<dest_id>", f"{kind}_update", update, methods=["PUT"])
    app.add_url_rule(f"{base}/<dest_id>", f"{kind}_delete", delete, methods=["DELETE"])
    if kind != "webhook":
        return

    def rotate_secret(dest_id):
        return envelope(sim().backend.rotate_secret(g.app_id, dest_id))

    def send_test_event():
        result, entry = sim().backend.send_test_event(g.app_id, _json_body({}))
        g.log_detail = {"test_event": {k: entry[k] for k in ("url", "type", "status", "ok", "error")}}
        return envelope(result)

    def mock_payload():
        return envelope(sim().backend.mock_payload(g.app_id, _json_body({})))

    # The contract's path (post-new-secret) and the one the Nylas SDKs call (nylas-python 6.18:
    # POST /v3/webhooks/{id}/rotate-secret): both rotate.
    app.add_url_rule(f"{base}/rotate-secret/<dest_id>", "webhook_rotate_secret", rotate_secret, methods=["POST"])
    app.add_url_rule(f"{base}/<dest_id>/rotate-secret", "webhook_rotate_secret_sdk", rotate_secret, methods=["POST"])
    app.add_url_rule(f"{base}/send-test-event", "webhook_send_test_event", send_test_event, methods=["POST"])
    app.add_url_rule(f"{base}/mock-payload", "webhook_mock_payload", mock_payload, methods=["POST"])


# --------------------------------------------------------------------------- #
# v2 reads
# --------------------------------------------------------------------------- #

def _register_v2(app):
    def authenticate(client_id):
        auth = request.authorization
        username = auth.username if auth is not None and auth.type == "basic" else None
        password = auth.password if auth is not None and auth.type == "basic" else None
        return sim().backend.v2_app_for_basic(client_id, username, password)

    @app.get("/a/<client_id>")
    def v2_application(client_id):
        authenticate(client_id)
        return jsonify(sim().backend.v2_application(client_id))

    @app.get("/a/<client_id>/accounts")
    def v2_accounts(client_id):
        authenticate(client_id)
        return jsonify(sim().backend.v2_accounts(client_id, _int_arg("offset", 0), _int_arg("limit", 100)))


# --------------------------------------------------------------------------- #
# v2 writes of the cutover: account downgrade/upgrade, webhooks
# --------------------------------------------------------------------------- #

def _register_v2_cutover(app):
    def authenticate(client_id):
        auth = request.authorization
        username = auth.username if auth is not None and auth.type == "basic" else None
        password = auth.password if auth is not None and auth.type == "basic" else None
        return sim().backend.v2_app_for_basic(client_id, username, password)

    @app.get("/a/<client_id>/accounts/<account_id>")
    def v2_account(client_id, account_id):
        authenticate(client_id)
        return jsonify(sim().backend.v2_account(client_id, account_id))

    @app.post("/a/<client_id>/accounts/<account_id>/downgrade")
    def v2_downgrade(client_id, account_id):
        authenticate(client_id)
        return jsonify(sim().backend.v2_set_billing(client_id, account_id, "downgrade"))

    @app.post("/a/<client_id>/accounts/<account_id>/upgrade")
    def v2_upgrade(client_id, account_id):
        authenticate(client_id)
        return jsonify(sim().backend.v2_set_billing(client_id, account_id, "upgrade"))

    @app.get("/a/<client_id>/webhooks")
    def v2_webhooks(client_id):
        authenticate(client_id)
        return jsonify(sim().backend.v2_webhooks(client_id))

    @app.get("/a/<client_id>/webhooks/<webhook_id>")
    def v2_webhook(client_id, webhook_id):
        authenticate(client_id)
        return jsonify(sim().backend.v2_webhook(client_id, webhook_id))

    @app.put("/a/<client_id>/webhooks/<webhook_id>")
    def v2_update_webhook(client_id, webhook_id):
        authenticate(client_id)
        return jsonify(sim().backend.v2_update_webhook(client_id, webhook_id, _json_body({})))


# --------------------------------------------------------------------------- #
# /_sim/ admin API (not Nylas)
# --------------------------------------------------------------------------- #

def _register_admin(app):
    @app.get("/_sim/health")
    def health():
        ctx = sim()
        return jsonify({"status": "ok", "region": ctx.backend.region, "pid": os.getpid(),
                        "state": app.config["SIM_STATE_PATH"], "seed": ctx.backend.seed_path,
                        "job_pace": ctx.runner.pace, "uptime_s": round(time.time() - ctx.started_at, 3),
                        "allow_loopback_webhooks": ctx.backend.policy.allow_loopback})

    @app.get("/_sim/requests")
    def requests_log():
        ctx = sim()
        since = request.args.get("since")
        try:
            since = float(since) if since not in (None, "") else None
        except ValueError:
            raise BadRequest("since must be a sequence number or a unix time") from None
        methods = {m.upper() for m in _list_arg("method") or ()}
        entries = ctx.log.entries(since=since, methods=methods, path=request.args.get("path"))
        return jsonify({"requests": entries, "last_seq": ctx.log.last_seq})

    @app.get("/_sim/faults")
    def list_faults():
        return jsonify({"faults": sim().faults.list()})

    @app.post("/_sim/faults")
    def add_fault():
        body = _json_body(None)
        specs = body if isinstance(body, list) else [body]
        rules = [sim().faults.add(spec) for spec in specs]
        return jsonify({"faults": [r.to_dict() for r in rules]}), 201

    @app.delete("/_sim/faults")
    def clear_faults():
        return jsonify({"removed": sim().faults.clear()})

    @app.delete("/_sim/faults/<rule_id>")
    def delete_fault(rule_id):
        removed = sim().faults.clear(rule_id)
        if not removed:
            raise NotFound(f"fault rule {rule_id} not found")
        return jsonify({"removed": removed})

    @app.post("/_sim/reset")
    def reset():
        ctx = sim()
        ctx.backend.reset()
        ctx.faults.clear()
        ctx.limiter.reset()
        ctx.log.clear()
        return jsonify({"status": "reset", "state": ctx.backend.state()})

    @app.get("/_sim/state")
    def state():
        ctx = sim()
        data = ctx.backend.state()
        data["job_pace"] = ctx.runner.pace
        data["faults"] = len(ctx.faults.list())
        data["webhooks"] = ctx.backend.policy.state()
        data["notifications"] = {k: v for k, v in ctx.notifier.state().items() if k != "recent"}
        return jsonify(data)

    @app.get("/_sim/notifications")
    def notifications():
        ctx = sim()
        return jsonify({"challenges": list(ctx.backend.policy.challenges), "deliveries": ctx.notifier.entries(),
                        **{k: v for k, v in ctx.notifier.state().items() if k != "recent"},
                        "idle": ctx.notifier.idle()})

    @app.post("/_sim/destinations/<dest_id>/status")
    def set_destination_status(dest_id):
        body = _json_body({}) or {}
        return jsonify(sim().backend.set_destination_status(dest_id, body.get("status") if isinstance(body, dict)
                                                            else None))

    @app.post("/_sim/grants/<grant_id>/reauthenticate")
    def reauthenticate(grant_id):
        return jsonify(sim().backend.reauthenticate_grant(grant_id))

    @app.get("/_sim/jobs/<job_id>/accounts")
    def job_accounts(job_id):
        return jsonify(sim().backend.job_accounts(job_id))

    @app.get("/_sim/pace")
    def get_pace():
        return jsonify({"accounts_per_second": sim().runner.pace})

    @app.post("/_sim/pace")
    def set_pace():
        body = _json_body({}) or {}
        pace = body.get("accounts_per_second") if isinstance(body, dict) else None
        if not isinstance(pace, (int, float)) or isinstance(pace, bool) or pace < 0:
            raise BadRequest("accounts_per_second must be a number >= 0 (0 pauses jobs)")
        sim().runner.set_pace(pace)
        return jsonify({"accounts_per_second": sim().runner.pace})

    @app.get("/_sim/rate-limits")
    def get_limits():
        return jsonify(sim().limiter.limits)
