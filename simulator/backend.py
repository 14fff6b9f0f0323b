"""The simulated Nylas service: all logic, no HTTP (moto's "backend").

:class:`Backend` holds the state of one region in a :class:`~simulator.store.Store`
and implements every operation the HTTP layer (``simulator.app``) exposes. It
raises :mod:`simulator.errors` classes; it never builds a response.
"""

import base64
import binascii
import hashlib
import re
import time
import uuid

from . import seed as seedmod
from .errors import BadRequest, NotFound, NylasCodeError, Unauthorized, destination_not_found
from .notify import (TEST_EVENT_SECRET, TEST_TRIGGERS, UrlRefused, WebhookPolicy, check_url, deliver, mock_object,
                     notification)
from .store import Store, dumps, loads
from .translate import DEFAULT_INTERVAL, UNTRANSLATABLE_PROVIDERS, check_translate_body, translate_page

# --------------------------------------------------------------------------- #
# Provider mapping and clone outcomes (the table of simulator/README.md)
# --------------------------------------------------------------------------- #

#: v2 account provider name → v3 provider name. Only the provider names Nylas documents for v2
#: accounts: any other name (v3 names such as ``google`` or ``microsoft`` included) has no v3
#: equivalent. Yahoo and AOL were IMAP accounts in v2 and the batch ``providers`` filter has no
#: ``yahoo``; ``nylas`` (virtual calendar) accounts become ``virtual-calendar``.
V2_TO_V3_PROVIDER = {
    "gmail": "google",
    "graph": "microsoft",
    "office365": "microsoft",
    "exchange": "microsoft",
    "outlook": "microsoft",
    "hotmail": "microsoft",
    "eas": "microsoft",
    "ews": "ews",
    "imap": "imap",
    "yahoo": "imap",
    "aol": "imap",
    "icloud": "icloud",
    "nylas": "virtual-calendar",
}

#: Microsoft kinds Nylas migrates automatically when they used token (OAuth) authentication in v2
#: ("Microsoft Graph, Office 365 and EWS accounts that use token authentication"); every other
#: Microsoft account needs its user to re-authenticate (a placeholder grant, or a failure).
MICROSOFT_TOKEN_PROVIDERS = ("graph", "office365")

#: v3 providers whose placeholders ``clone_exchange`` also governs (the flag is "Microsoft only";
#: EWS is Microsoft Exchange).
MICROSOFT_V3_PROVIDERS = ("microsoft", "ews")

#: Scopes the simulator gives a new grant, per v3 provider.
GRANT_SCOPES = {
    "google": [
        "https://www.googleapis.com/auth/gmail.modify",
        "https://www.googleapis.com/auth/calendar",
        "https://www.googleapis.com/auth/contacts",
    ],
    "microsoft": ["Mail.ReadWrite", "Calendars.ReadWrite", "Contacts.Read", "offline_access"],
    "ews": ["ews.messages", "ews.calendar", "ews.contacts"],
    "imap": [],
    "icloud": [],
    "virtual-calendar": [],
}

#: Provider names accepted in the batch clone ``providers`` filter.
BATCH_PROVIDERS = ("google", "microsoft", "graph", "imap", "icloud", "ews", "virtual-calendar")
#: Connector providers of the contract.
CONNECTOR_PROVIDERS = ("google", "microsoft", "imap", "icloud", "yahoo", "virtual-calendar", "ews", "zoom", "nylas")
CONNECTOR_NAMES = {
    "google": "Google", "microsoft": "Microsoft", "imap": "IMAP", "icloud": "iCloud", "yahoo": "Yahoo",
    "virtual-calendar": "Virtual Calendar", "ews": "Exchange Web Services", "zoom": "Zoom", "nylas": "Nylas",
}
#: Connector providers that sign users in through the application's own OAuth app (contract, create_connector:
#: "Requires GCP/Azure/Yahoo/Zoom OAuth app credentials"): settings need client_id and client_secret.
CREDENTIAL_PROVIDERS = ("google", "microsoft", "yahoo", "zoom")
JOB_STATUSES = ("pending", "running", "completed", "failed", "partial")
JOB_TYPES = ("snapshot", "migration")
BATCH_MODES = ("all", "only_new", "only_failed")
#: Snapshot jobs run this many times faster than the migration pace.
SNAPSHOT_SPEEDUP = 10

#: Webhook/Pub/Sub trigger types of the contract.
TRIGGER_TYPES = frozenset("""
calendar.created calendar.updated calendar.deleted event.created event.updated event.deleted
grant.created grant.updated grant.deleted grant.expired grant.imap_sync_completed
message.send_success message.send_failed message.bounce_detected message.created message.created.cleaned
message.opened message.opened.legacy message.updated message.link_clicked message.link_clicked.legacy
thread.replied thread.replied.legacy contact.updated contact.deleted folder.created folder.updated
folder.deleted booking.created booking.pending booking.rescheduled booking.cancelled booking.reminder
message.deleted message.transactional.bounced message.transactional.complaint
message.transactional.delivered message.transactional.rejected message.bounced message.complaint
message.delivered message.rejected notetaker.created notetaker.updated notetaker.deleted
notetaker.meeting_state notetaker.media
""".split())


#: Statuses of a webhook or Pub/Sub channel (contract: get_200, get_by_id_200); PUT takes only active and pause.
DESTINATION_STATUSES = ("active", "failing", "failed", "pause")
#: Statuses that still get notifications ("failing" is still tried; "failed" and "pause" get nothing).
DELIVERING_STATUSES = ("active", "failing")
#: Failed deliveries in a row after which an active webhook becomes failing (docs: a time window; shortened).
FAILING_AFTER = 3
#: Pub/Sub channels per application (docs, "Using a Pub/Sub notification channel": up to five).
PUBSUB_CHANNEL_LIMIT = 5
#: ``projects/<project>/topics/<topic>`` (docs and contract examples); Google's resource name rules for the
#: topic id: 3-255 characters, a letter first, then letters, digits and ``-_.~+%``, not starting with ``goog``.
TOPIC_RE = re.compile(r"^projects/(?P<project>[a-z0-9][a-z0-9.:-]{0,61}[a-z0-9]|[a-z0-9])/topics/"
                      r"(?P<topic>[A-Za-z][A-Za-z0-9._~+%-]{2,254})$")


def check_topic(topic, bad):
    """Raise ``bad(detail)`` unless ``topic`` is ``projects/<project>/topics/<topic>`` with a valid topic id."""
    match = TOPIC_RE.match(topic)
    if match is None:
        raise bad(f"topic must be projects/<project>/topics/<topic> (got {topic!r})")
    if match.group("topic").lower().startswith("goog"):
        raise bad("a Pub/Sub topic id cannot start with goog")


def v3_provider_for(v2_provider):
    """Return the v3 provider name of a v2 provider, or ``None`` if it cannot be migrated."""
    return V2_TO_V3_PROVIDER.get((v2_provider or "").lower())


def batch_scope_names(v2_provider):
    """The names of the batch clone ``providers`` filter that select an account of this v2 provider.

    Its v3 provider name, and ``graph`` for v2 ``graph`` accounts; empty when it has no v3 equivalent.
    """
    v3 = v3_provider_for(v2_provider)
    if v3 is None:
        return frozenset()
    return frozenset({v3, "graph"} if (v2_provider or "").lower() == "graph" else {v3})


def clone_outcome(account, allow_invalid_grant_creation=True, clone_exchange=True):
    """Decide what cloning a v2 account yields; deterministic.

    Returns ``(outcome, v3_provider, reason)`` where ``outcome`` is ``"valid"``
    (a working grant), ``"placeholder"`` (a grant with ``grant_status: invalid``
    that the user must re-authenticate) or ``"failed"`` (no grant; ``reason``
    says why). The outcome table of ``simulator/README.md``, first match wins:

    1. provider without a v3 equivalent, or v2 ``billing_state: deleted`` → failed (whatever the flags);
    2. an account that cannot be migrated automatically: a Microsoft account other than ``graph`` or
       ``office365`` with ``authentication_type: oauth`` (EAS, password, non-Graph OAuth), or any
       account whose v2 ``sync_state`` is set and not ``running`` → placeholder if
       ``allow_invalid_grant_creation`` (and, for Microsoft and EWS accounts, ``clone_exchange``),
       else failed;
    3. otherwise → valid.
    """
    provider = (account.get("provider") or "").lower()
    v3 = v3_provider_for(provider)
    auth = (account.get("authentication_type") or "").lower()
    sync = (account.get("sync_state") or "").lower()
    if v3 is None:
        return "failed", None, f"provider {provider!r} has no v3 equivalent and cannot be migrated"
    if (account.get("billing_state") or "").lower() == "deleted":
        return "failed", v3, "the v2 account was deleted (billing_state=deleted) and cannot be migrated"
    if v3 == "microsoft" and not (provider in MICROSOFT_TOKEN_PROVIDERS and auth == "oauth"):
        why = f"Microsoft account ({provider}, authentication_type={auth or 'unset'}) needs re-authentication in v3"
    elif sync and sync != "running":
        why = f"v2 account sync_state is {sync}, not running"
    else:
        return "valid", v3, None
    flags = ["allow_invalid_grant_creation"] + (["clone_exchange"] if v3 in MICROSOFT_V3_PROVIDERS else [])
    values = {"allow_invalid_grant_creation": allow_invalid_grant_creation, "clone_exchange": clone_exchange}
    off = [f"{name}=false" for name in flags if not values[name]]
    if off:
        return "failed", v3, f"{why} and no placeholder grant is created ({', '.join(off)})"
    return "placeholder", v3, f"{why}: placeholder grant created, the user must re-authenticate"


def now():
    """Current unix time in whole seconds."""
    return int(time.time())


def _new_id():
    return str(uuid.uuid4())


def _page(limit, offset, default_limit=10, max_limit=200):
    limit = default_limit if limit is None else limit
    offset = 0 if offset is None else offset
    if limit < 1:
        raise BadRequest("limit must be a positive integer")
    if offset < 0:
        raise BadRequest("offset must be zero or positive")
    return min(limit, max_limit), offset


class Backend:
    """One region of the simulated Nylas API, persisted in SQLite.

    :param region: ``us`` or ``eu``; only v3 applications (and v2 accounts) of
        this region are served, v2 applications of every region are known.
    :param seed_path: YAML seed loaded into an empty state and on :meth:`reset`.
    :param state_path: the SQLite file.
    """

    def __init__(self, region, seed_path, state_path, policy=None, notifier=None):
        seedmod.validate_region(region)
        self.region = region
        self.policy = policy or WebhookPolicy()
        self.notifier = notifier
        self._failures = {}
        self.seed_path = str(seed_path)
        self.store = Store(state_path)
        seeded_region = self.store.get_meta("region")
        if seeded_region is None:
            self.load_seed()
        elif seeded_region != region:
            raise ValueError(f"state file {state_path} holds region {seeded_region}, not {region}")

    # ----------------------------------------------------------------- seed
    def load_seed(self):
        """Empty the state and load the seed (v3 apps and v2 accounts of this region only)."""
        data = seedmod.load_seed(self.seed_path)
        ts = now()
        with self.store.tx() as db:
            self.store.wipe()
            for app in data["v2_applications"]:
                db.execute(
                    "INSERT INTO v2_apps (client_id, region, client_secret, application_name, icon_url, website_url,"
                    " redirect_uris, integrations, webhooks) VALUES (?,?,?,?,?,?,?,?,?)",
                    (app["client_id"], app["region"], app["client_secret"], app["application_name"],
                     app["icon_url"], app["website_url"], dumps(app["redirect_uris"]),
                     dumps(app["integrations"]), dumps(app["webhooks"])))
                if app["region"] != self.region:
                    continue
                db.executemany(
                    "INSERT INTO v2_accounts (id, client_id, email, name, provider, authentication_type, sync_state,"
                    " billing_state, trial, linked_at, ord, objects) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(a["id"], app["client_id"], a["email"], a["name"], a["provider"], a["authentication_type"],
                      a["sync_state"], a["billing_state"], int(a["trial"]), a["linked_at"], i,
                      dumps(a.get("objects")) if a.get("objects") else None)
                     for i, a in enumerate(app["accounts"])])
            for app in data["v3_applications"]:
                if app["region"] != self.region:
                    continue
                callbacks = [self._callback(c) for c in app["callback_uris"]]
                db.execute(
                    "INSERT INTO v3_apps (application_id, region, api_key, organization_id, environment, branding,"
                    " callback_uris, v2_application_id, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                    (app["application_id"], app["region"], app["api_key"], app["organization_id"],
                     app["environment"], dumps(app["branding"]), dumps(callbacks), app["v2_application_id"], ts))
                for conn in app["connectors"]:
                    self._insert_connector(db, app["application_id"], conn["provider"], conn.get("settings") or {},
                                           conn.get("scope"), name=conn.get("name"))
                for kind, key in (("webhook", "webhooks"), ("pubsub", "pubsub_channels")):
                    for dest in app[key]:
                        # Seeded destinations exist already: no challenge; any of the four statuses.
                        obj = self._destination_object(kind, dest, ts, status=dest.get("status", "active"),
                                                       dest_id=dest.get("id"))
                        secret = (dest.get("webhook_secret") or self._new_secret()) if kind == "webhook" else None
                        db.execute("INSERT INTO webhooks (id, application_id, kind, body, secret, created_at)"
                                   " VALUES (?,?,?,?,?,?)", (obj["id"], app["application_id"], kind, dumps(obj),
                                                             secret, ts))
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('region', ?)", (self.region,))
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seed', ?)", (self.seed_path,))
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seeded_at', ?)", (str(ts),))

    def reset(self):
        """Reload the seed into an emptied state (``POST /_sim/reset``)."""
        self.load_seed()

    def close(self):
        """Close the database."""
        self.store.close()

    # ----------------------------------------------------------------- auth
    def app_for_api_key(self, api_key):
        """Return the v3 application id for an API key, or raise :class:`Unauthorized`."""
        if not api_key:
            raise Unauthorized()
        with self.store.tx() as db:
            row = db.execute("SELECT application_id FROM v3_apps WHERE api_key = ?", (api_key,)).fetchone()
        if row is None:
            raise Unauthorized("Unauthorized: the API key is not valid for this region")
        return row["application_id"]

    def _app_row(self, db, app_id):
        row = db.execute("SELECT * FROM v3_apps WHERE application_id = ?", (app_id,)).fetchone()
        if row is None:
            raise NotFound(f"application {app_id} not found")
        return row

    # --------------------------------------------------------- applications
    @staticmethod
    def _callback(cb):
        if isinstance(cb, str):
            cb = {"platform": "web", "url": cb}
        out = dict(cb)
        out.setdefault("platform", "web")
        out.setdefault("id", _new_id())
        return out

    @staticmethod
    def _application_object(row):
        data = {
            "application_id": row["application_id"],
            "organization_id": row["organization_id"],
            "region": row["region"],
            "environment": row["environment"],
            "branding": loads(row["branding"], {}),
            "callback_uris": loads(row["callback_uris"], []),
        }
        if row["v2_application_id"]:
            data["v2_application_id"] = row["v2_application_id"]
        hosted = loads(row["hosted_authentication"])
        if hosted:
            data["hosted_authentication"] = hosted
        return data

    def get_application(self, app_id):
        """Return the ApplicationObject of a v3 application."""
        with self.store.tx() as db:
            return self._application_object(self._app_row(db, app_id))

    def update_application(self, app_id, body):
        """PATCH the application: ``branding`` and ``hosted_authentication`` merge, ``callback_uris`` replace."""
        if not isinstance(body, dict):
            raise BadRequest("request body must be a JSON object")
        allowed = {"branding", "hosted_authentication", "callback_uris", "environment"}
        unknown = set(body) - allowed - {"application_id", "organization_id", "region", "v2_application_id"}
        if unknown:
            raise BadRequest(f"unknown field(s): {', '.join(sorted(unknown))}")
        with self.store.tx() as db:
            row = self._app_row(db, app_id)
            branding = loads(row["branding"], {})
            hosted = loads(row["hosted_authentication"]) or {}
            callbacks = loads(row["callback_uris"], [])
            environment = row["environment"]
            if "branding" in body:
                if not isinstance(body["branding"], dict):
                    raise BadRequest("branding must be an object")
                branding.update(body["branding"])
            if "hosted_authentication" in body:
                if not isinstance(body["hosted_authentication"], dict):
                    raise BadRequest("hosted_authentication must be an object")
                hosted.update(body["hosted_authentication"])
            if "callback_uris" in body:
                if not isinstance(body["callback_uris"], list):
                    raise BadRequest("callback_uris must be a list")
                callbacks = [self._callback(c) for c in body["callback_uris"]]
            if "environment" in body:
                if body["environment"] not in ("production", "staging"):
                    raise BadRequest("environment must be production or staging")
                environment = body["environment"]
            db.execute(
                "UPDATE v3_apps SET branding = ?, hosted_authentication = ?, callback_uris = ?, environment = ?"
                " WHERE application_id = ?",
                (dumps(branding), dumps(hosted) if hosted else None, dumps(callbacks), environment, app_id))
            return self._application_object(self._app_row(db, app_id))

    def callback_uris(self, app_id):
        """Return the callback (redirect) URIs of the application."""
        return self.get_application(app_id)["callback_uris"]

    # ----------------------------------------------------------- connectors
    @staticmethod
    def _connector_object(row):
        settings = loads(row["settings"], {})
        # Like Nylas, never return the client secret once stored.
        settings = {k: v for k, v in settings.items() if k != "client_secret"}
        data = {"name": row["name"], "provider": row["provider"], "settings": settings}
        scope = loads(row["scope"])
        if scope is not None:
            data["scope"] = scope
        if row["active_credential_id"]:
            data["active_credential_id"] = row["active_credential_id"]
        return data

    def list_connectors(self, app_id, limit=None, offset=None):
        """Return ``(connectors, limit, offset)``."""
        limit, offset = _page(limit, offset, default_limit=10)
        with self.store.tx() as db:
            rows = db.execute(
                "SELECT * FROM connectors WHERE application_id = ? ORDER BY created_at, rowid LIMIT ? OFFSET ?",
                (app_id, limit, offset)).fetchall()
        return [self._connector_object(r) for r in rows], limit, offset

    def _connector_row(self, db, app_id, provider):
        row = db.execute("SELECT * FROM connectors WHERE application_id = ? AND provider = ?",
                         (app_id, provider)).fetchone()
        if row is None:
            raise NotFound(f"connector {provider} not found")
        return row

    def get_connector(self, app_id, provider):
        """Return one connector."""
        with self.store.tx() as db:
            return self._connector_object(self._connector_row(db, app_id, provider))

    @staticmethod
    def _check_connector_fields(body):
        if "settings" in body and not isinstance(body["settings"], dict):
            raise BadRequest("settings must be an object")
        if "scope" in body and (not isinstance(body["scope"], list)
                                or not all(isinstance(s, str) for s in body["scope"])):
            raise BadRequest("scope must be a list of strings")

    def create_connector(self, app_id, body):
        """Create a connector (400 if the provider is unknown or already has one)."""
        if not isinstance(body, dict) or not body.get("provider"):
            raise BadRequest("provider is required")
        provider = body["provider"]
        if provider not in CONNECTOR_PROVIDERS:
            raise BadRequest(f"unknown provider {provider!r}")
        self._check_connector_fields(body)
        settings = body.get("settings") or {}
        if provider in ("google", "microsoft") and settings:
            missing = [k for k in ("client_id", "client_secret") if not settings.get(k)]
            if missing:
                raise BadRequest(f"settings.{missing[0]} is required for the {provider} connector")
        with self.store.tx() as db:
            if db.execute("SELECT 1 FROM connectors WHERE application_id = ? AND provider = ?",
                          (app_id, provider)).fetchone():
                raise BadRequest(f"a {provider} connector already exists for this application")
            self._insert_connector(db, app_id, provider, settings, body.get("scope"),
                                   name=body.get("name"))
            return self._connector_object(self._connector_row(db, app_id, provider))

    @staticmethod
    def _insert_connector(db, app_id, provider, settings, scope, name=None):
        ts = now()
        db.execute(
            "INSERT INTO connectors (application_id, provider, name, settings, scope, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (app_id, provider, name or CONNECTOR_NAMES.get(provider, provider), dumps(settings or {}),
             dumps(scope) if scope is not None else None, ts, ts))

    def update_connector(self, app_id, provider, body):
        """PATCH a connector: ``settings`` merge, ``scope`` replaces."""
        if not isinstance(body, dict):
            raise BadRequest("request body must be a JSON object")
        self._check_connector_fields(body)
        with self.store.tx() as db:
            row = self._connector_row(db, app_id, provider)
            settings = loads(row["settings"], {})
            settings.update(body.get("settings") or {})
            scope = body["scope"] if "scope" in body else loads(row["scope"])
            active = body.get("active_credential_id", row["active_credential_id"])
            db.execute(
                "UPDATE connectors SET settings = ?, scope = ?, active_credential_id = ?, name = ?, updated_at = ?"
                " WHERE application_id = ? AND provider = ?",
                (dumps(settings), dumps(scope) if scope is not None else None, active,
                 body.get("name") or row["name"], now(), app_id, provider))
            return self._connector_object(self._connector_row(db, app_id, provider))

    def delete_connector(self, app_id, provider):
        """Delete a connector (404 if absent)."""
        with self.store.tx() as db:
            self._connector_row(db, app_id, provider)
            db.execute("DELETE FROM connectors WHERE application_id = ? AND provider = ?", (app_id, provider))

    # --------------------------------------------------------------- grants
    @staticmethod
    def _grant_object(row):
        data = {
            "id": row["id"],
            "grant_status": row["grant_status"],
            "provider": row["provider"],
            "scope": loads(row["scope"], []),
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }
        for key in ("email", "name", "account_id"):
            if row[key] is not None:
                data[key] = row[key]
        return data

    def list_grants(self, app_id, account_id=None, account_ids=None, provider=None, grant_status=None,
                    email=None, since=None, before=None, limit=None, offset=None,
                    sort_by="created_at", order_by="desc"):
        """Return ``(grants, limit, offset)`` with the filters of ``GET /v3/grants``."""
        limit, offset = _page(limit, offset, default_limit=10, max_limit=200)
        if sort_by not in ("created_at", "updated_at"):
            raise BadRequest("sort_by must be created_at or updated_at")
        if order_by not in ("asc", "desc"):
            raise BadRequest("order_by must be asc or desc")
        if grant_status is not None and grant_status not in ("valid", "invalid"):
            raise BadRequest("grant_status must be valid or invalid")
        where, args = ["application_id = ?"], [app_id]
        if account_id:
            where.append("account_id = ?")
            args.append(account_id)
        if account_ids:
            ids = [i.strip() for i in account_ids.split(",") if i.strip()]
            where.append(f"account_id IN ({','.join('?' * len(ids))})" if ids else "0")
            args.extend(ids)
        if provider:
            where.append("provider = ?")
            args.append(provider)
        if grant_status:
            where.append("grant_status = ?")
            args.append(grant_status)
        if email:
            where.append("lower(email) = lower(?)")
            args.append(email)
        if since is not None:
            where.append("created_at >= ?")
            args.append(since)
        if before is not None:
            where.append("created_at < ?")
            args.append(before)
        direction = "DESC" if order_by == "desc" else "ASC"
        sql = (f"SELECT * FROM grants WHERE {' AND '.join(where)} "
               f"ORDER BY {sort_by} {direction}, rowid {direction} LIMIT ? OFFSET ?")
        with self.store.tx() as db:
            rows = db.execute(sql, (*args, limit, offset)).fetchall()
        return [self._grant_object(r) for r in rows], limit, offset

    def get_grant(self, app_id, grant_id):
        """Return one grant (404 if absent)."""
        with self.store.tx() as db:
            row = db.execute("SELECT * FROM grants WHERE application_id = ? AND id = ?", (app_id, grant_id)).fetchone()
        if row is None:
            raise NotFound(f"grant {grant_id} not found")
        return self._grant_object(row)

    def delete_grant(self, app_id, grant_id):
        """Delete a grant (the v2 account may then be cloned again)."""
        with self.store.tx() as db:
            cur = db.execute("DELETE FROM grants WHERE application_id = ? AND id = ?", (app_id, grant_id))
        if cur.rowcount == 0:
            raise NotFound(f"grant {grant_id} not found")

    # ---------------------------------------------- webhooks and Pub/Sub
    def _check_notification_body(self, kind, body, creating):
        """Validate a create (POST) or update (PUT) body; 400 ``70005`` (create) / ``70000`` (update)."""
        code = "70005" if creating else "70000"

        def bad(detail):
            return NylasCodeError(code, f"invalid.input.format : {detail}")

        if not isinstance(body, dict):
            raise bad("request body must be a JSON object")
        target = "webhook_url" if kind == "webhook" else "topic"
        if creating:
            for key in ("trigger_types", target):
                if not body.get(key):
                    raise bad(f"{key} is required")
        if body.get("trigger_types") not in (None, []):
            triggers = body["trigger_types"]
            if not isinstance(triggers, list):
                raise bad("trigger_types must be a non-empty list")
            unknown = [t for t in triggers if t not in TRIGGER_TYPES]
            if unknown:
                raise bad(f"unknown trigger type(s): {', '.join(map(str, unknown))}")
        if body.get(target) not in (None, ""):
            value = body[target]
            if not isinstance(value, str):
                raise bad(f"{target} must be a string")
            if kind == "pubsub":
                check_topic(value, bad)
        if "status" in body and body["status"] not in ("active", "pause"):
            raise bad("status must be active or pause")
        if "notification_email_addresses" in body and not isinstance(body["notification_email_addresses"], list):
            raise bad("notification_email_addresses must be a list")
        if "compressed_delivery" in body and not isinstance(body["compressed_delivery"], bool):
            raise bad("compressed_delivery must be true or false")
        fields = {"description", "trigger_types", target, "notification_email_addresses", "compressed_delivery"}
        if kind == "pubsub":
            fields.add("encryption_key")
        if not creating:
            fields.add("status")
        unknown = set(body) - fields
        if unknown:
            raise bad(f"unknown field(s): {', '.join(sorted(unknown))}")

    def _verify_url(self, url):
        """Run the challenge against ``url`` (outside any transaction); 400 ``70005`` when it fails."""
        try:
            self.policy.verify(url)
        except UrlRefused as exc:
            raise NylasCodeError("70005", f"unable.verify.webhook_url : {exc}") from None

    def list_destinations(self, app_id, kind):
        """List webhooks (``kind='webhook'``) or Pub/Sub channels (``kind='pubsub'``), without secrets."""
        with self.store.tx() as db:
            rows = db.execute("SELECT * FROM webhooks WHERE application_id = ? AND kind = ? ORDER BY created_at, rowid",
                              (app_id, kind)).fetchall()
        return [loads(r["body"]) for r in rows]

    @staticmethod
    def _destination_row(db, app_id, kind, dest_id):
        row = db.execute("SELECT * FROM webhooks WHERE application_id = ? AND kind = ? AND id = ?",
                         (app_id, kind, dest_id)).fetchone()
        if row is None:
            raise destination_not_found()
        return row

    def get_destination(self, app_id, kind, dest_id):
        """Return one webhook or Pub/Sub channel (without secret); 400 ``70000`` when unknown."""
        with self.store.tx() as db:
            return loads(self._destination_row(db, app_id, kind, dest_id)["body"])

    @staticmethod
    def _destination_object(kind, body, ts, status="active", dest_id=None):
        obj = {
            "id": dest_id or _new_id(),
            "description": body.get("description", ""),
            "trigger_types": list(body["trigger_types"]),
            "status": status,
            "notification_email_addresses": list(body.get("notification_email_addresses") or []),
            "compressed_delivery": bool(body.get("compressed_delivery", False)),
            "status_updated_at": ts,
            "created_at": ts,
            "updated_at": ts,
        }
        obj["webhook_url" if kind == "webhook" else "topic"] = body["webhook_url" if kind == "webhook" else "topic"]
        return obj

    @staticmethod
    def _new_secret():
        return uuid.uuid4().hex + uuid.uuid4().hex

    def create_destination(self, app_id, kind, body):
        """Create a webhook or Pub/Sub channel; a webhook's ``webhook_secret`` is returned only here.

        A webhook's URL must not be another webhook's of the application and must pass the challenge
        (:meth:`_verify_url`); an application has at most :data:`PUBSUB_CHANNEL_LIMIT` Pub/Sub channels.
        """
        self._check_notification_body(kind, body, creating=True)
        with self.store.tx() as db:
            self._app_row(db, app_id)
            existing = [loads(r["body"]) for r in db.execute(
                "SELECT body FROM webhooks WHERE application_id = ? AND kind = ?", (app_id, kind))]
        if kind == "webhook":
            same = [d["id"] for d in existing if d.get("webhook_url") == body["webhook_url"]]
            if same:
                raise NylasCodeError("70005", f"invalid.input.format : webhook_url is already used by webhook {same[0]} "
                                              "(each webhook needs its own endpoint)")
            self._verify_url(body["webhook_url"])
        elif len(existing) >= PUBSUB_CHANNEL_LIMIT:
            raise NylasCodeError("70005", f"invalid.input.format : an application can have up to {PUBSUB_CHANNEL_LIMIT} "
                                          "Pub/Sub channels (contact Nylas support for more)")
        ts = now()
        obj = self._destination_object(kind, body, ts)
        secret = self._new_secret() if kind == "webhook" else None
        with self.store.tx() as db:
            db.execute("INSERT INTO webhooks (id, application_id, kind, body, secret, created_at) VALUES (?,?,?,?,?,?)",
                       (obj["id"], app_id, kind, dumps(obj), secret, ts))
        if secret:
            obj = dict(obj, webhook_secret=secret)
        return obj

    def update_destination(self, app_id, kind, dest_id, body):
        """PUT a webhook or Pub/Sub channel: the fields given replace the stored ones, empty ones are ignored.

        A webhook whose URL changes, or that is set ``active`` from any other status (re-activation),
        passes the challenge first; a failed challenge changes nothing.
        """
        self._check_notification_body(kind, body, creating=False)
        changes = {k: v for k, v in body.items() if v not in (None, "", [])}
        with self.store.tx() as db:
            current = loads(self._destination_row(db, app_id, kind, dest_id)["body"])
        if kind == "webhook":
            url = changes.get("webhook_url", current["webhook_url"])
            reactivate = changes.get("status") == "active" and current["status"] != "active"
            if url != current["webhook_url"]:
                with self.store.tx() as db:
                    rows = db.execute("SELECT body FROM webhooks WHERE application_id = ? AND kind = 'webhook'"
                                      " AND id != ?", (app_id, dest_id)).fetchall()
                if any(loads(r["body"]).get("webhook_url") == url for r in rows):
                    raise NylasCodeError("70000", "invalid.input.format : webhook_url is already used by another webhook")
            if url != current["webhook_url"] or reactivate:
                self._verify_url(url)
        with self.store.tx() as db:
            obj = loads(self._destination_row(db, app_id, kind, dest_id)["body"])
            ts = now()
            if "status" in changes and changes["status"] != obj["status"]:
                obj["status_updated_at"] = ts
                self._failures.pop(dest_id, None)
            obj.update(changes)
            obj["updated_at"] = ts
            db.execute("UPDATE webhooks SET body = ? WHERE id = ?", (dumps(obj), dest_id))
            return obj

    def delete_destination(self, app_id, kind, dest_id):
        """Delete a webhook or Pub/Sub channel; 400 ``70000`` when unknown."""
        with self.store.tx() as db:
            self._destination_row(db, app_id, kind, dest_id)
            db.execute("DELETE FROM webhooks WHERE id = ?", (dest_id,))

    def rotate_secret(self, app_id, dest_id):
        """Give a webhook a new ``webhook_secret`` (the old one stops at once); return the object with it."""
        with self.store.tx() as db:
            obj = loads(self._destination_row(db, app_id, "webhook", dest_id)["body"])
            secret = self._new_secret()
            obj["updated_at"] = now()
            db.execute("UPDATE webhooks SET body = ?, secret = ? WHERE id = ?", (dumps(obj), secret, dest_id))
        return dict(obj, webhook_secret=secret)

    def set_destination_status(self, dest_id, status):
        """Set any status (``active``, ``failing``, ``failed``, ``pause``) without a challenge (``/_sim/`` only)."""
        if status not in DESTINATION_STATUSES:
            raise BadRequest(f"status must be one of {', '.join(DESTINATION_STATUSES)}")
        with self.store.tx() as db:
            row = db.execute("SELECT * FROM webhooks WHERE id = ?", (dest_id,)).fetchone()
            if row is None:
                raise NotFound(f"destination {dest_id} not found")
            obj = loads(row["body"])
            if obj["status"] != status:
                obj["status"], obj["status_updated_at"] = status, now()
                db.execute("UPDATE webhooks SET body = ? WHERE id = ?", (dumps(obj), dest_id))
        self._failures.pop(dest_id, None)
        return obj

    def delivery_targets(self, app_id, trigger):
        """``[(webhook id, url, secret)]`` of the application's webhooks that get a ``trigger`` notification now.

        Only ``active`` and ``failing`` webhooks subscribed to the trigger: a ``failed`` or ``pause``
        destination gets nothing until it is re-activated.
        """
        with self.store.tx() as db:
            rows = db.execute("SELECT id, body, secret FROM webhooks WHERE application_id = ? AND kind = 'webhook'"
                              " ORDER BY created_at, rowid", (app_id,)).fetchall()
        out = []
        for row in rows:
            obj = loads(row["body"])
            if obj["status"] in DELIVERING_STATUSES and trigger in obj["trigger_types"] and row["secret"]:
                out.append((row["id"], obj["webhook_url"], row["secret"]))
        return out

    def delivery_outcome(self, dest_id, ok):
        """Status bookkeeping after a delivery: :data:`FAILING_AFTER` failures in a row make an ``active``
        webhook ``failing``; a delivered notification makes a ``failing`` one ``active`` again."""
        failures = 0 if ok else self._failures.get(dest_id, 0) + 1
        self._failures[dest_id] = failures
        with self.store.tx() as db:
            row = db.execute("SELECT body FROM webhooks WHERE id = ?", (dest_id,)).fetchone()
            if row is None:
                return
            obj = loads(row["body"])
            new = obj["status"]
            if ok and obj["status"] == "failing":
                new = "active"
            elif not ok and obj["status"] == "active" and failures >= FAILING_AFTER:
                new = "failing"
            if new != obj["status"]:
                obj["status"], obj["status_updated_at"] = new, now()
                db.execute("UPDATE webhooks SET body = ? WHERE id = ?", (dumps(obj), dest_id))

    @staticmethod
    def _check_test_body(body):
        if not isinstance(body, dict):
            raise BadRequest("request body must be a JSON object")
        for key in ("trigger_type", "webhook_url"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise BadRequest(f"{key} is required")
        if body["trigger_type"] not in TEST_TRIGGERS:
            raise BadRequest(f"unknown trigger_type {body['trigger_type']!r}")
        unknown = set(body) - {"trigger_type", "webhook_url"}
        if unknown:
            raise BadRequest(f"unknown field(s): {', '.join(sorted(unknown))}")

    def mock_payload(self, app_id, body):
        """``POST /v3/webhooks/mock-payload``: an example notification of ``trigger_type`` (nothing is sent)."""
        self._check_test_body(body)
        return notification(body["trigger_type"], app_id, mock_object(body["trigger_type"]))

    def send_test_event(self, app_id, body):
        """``POST /v3/webhooks/send-test-event``: deliver a test notification signed with ``mock-webhook-secret``.

        Returns ``("success" | "failed", log entry)``: ``success`` only when the endpoint acknowledged with a
        2xx within the timeout. The URL rules of the challenge apply (400 ``70005`` when refused).
        """
        self._check_test_body(body)
        url = body["webhook_url"]
        try:
            check_url(url, self.policy.allow_loopback)
        except UrlRefused as exc:
            raise NylasCodeError("70005", f"unable.verify.webhook_url : {exc}") from None
        payload = notification(body["trigger_type"], app_id, mock_object(body["trigger_type"]))
        status, error = deliver(url, TEST_EVENT_SECRET, payload, self.policy.timeout)
        ok = error is None and status is not None and 200 <= status < 300
        entry = {"webhook_id": None, "url": url, "type": body["trigger_type"], "id": payload["id"], "status": status,
                 "ok": ok, "error": error if error else (None if ok else f"status is not ok, got {status}"),
                 "test_event": True}
        if self.notifier is not None:
            self.notifier.record(entry)
        return ("success" if ok else "failed"), entry

    def _publish(self, app_id, trigger, obj):
        if self.notifier is not None:
            self.notifier.publish(app_id, trigger, obj)

    @staticmethod
    def _grant_notification(grant, reauthenticated=None):
        obj = {"grant_id": grant["id"], "provider": grant["provider"], "scope": grant.get("scope", [])}
        if grant.get("email"):
            obj["email"] = grant["email"]
        if reauthenticated is not None:
            obj["reauthentication_flag"] = reauthenticated
        return obj

    def reauthenticate_grant(self, grant_id):
        """Model a user re-authenticating a grant (``/_sim/`` only): ``grant_status`` becomes ``valid``,
        ``grant.updated`` is delivered with ``reauthentication_flag: true``."""
        with self.store.tx() as db:
            row = db.execute("SELECT * FROM grants WHERE id = ?", (grant_id,)).fetchone()
            if row is None:
                raise NotFound(f"grant {grant_id} not found")
            db.execute("UPDATE grants SET grant_status = 'valid', updated_at = ? WHERE id = ?", (now(), grant_id))
            grant = self._grant_object(db.execute("SELECT * FROM grants WHERE id = ?", (grant_id,)).fetchone())
            app_id = row["application_id"]
        self._publish(app_id, "grant.updated", self._grant_notification(grant, reauthenticated=True))
        return grant

    # ------------------------------------------------------- migration tools
    def _v2_app_row(self, db, client_id):
        return db.execute("SELECT * FROM v2_apps WHERE client_id = ?", (client_id,)).fetchone()

    def link(self, app_id, basic_v2):
        """Link the v3 application to the v2 application proven by the ``BasicV2`` header value.

        401 for a missing or wrong header, 400 for a v2 application of another
        region or a v3 application linked to a different v2 application.
        Linking the same pair again is a no-op returning the application.
        """
        expected = "BasicV2 must be base64 of '<v2 client id>:<v2 client secret>'"
        if not basic_v2:
            raise Unauthorized(f"Unauthorized: missing BasicV2 header ({expected})")
        try:
            decoded = base64.b64decode(basic_v2.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise Unauthorized(f"Unauthorized: BasicV2 header is not valid base64 ({expected})") from None
        client_id, sep, secret = decoded.partition(":")
        with self.store.tx() as db:
            v2 = self._v2_app_row(db, client_id) if sep else None
            if v2 is None or v2["client_secret"] != secret:
                hint = ""
                if decoded != decoded.rstrip("\r\n"):
                    hint = " (the decoded value ends with a newline: encode it without one, e.g. echo -n)"
                raise Unauthorized(f"Unauthorized: invalid v2 credentials in BasicV2{hint}; {expected}")
            app = self._app_row(db, app_id)
            if v2["region"] != app["region"]:
                raise BadRequest(
                    f"region mismatch: v2 application {client_id} is in region {v2['region']} but v3 application "
                    f"{app_id} is in region {app['region']}; a v2 application can only be linked to a v3 "
                    f"application of the same region")
            linked = app["v2_application_id"]
            if linked and linked != client_id:
                raise BadRequest(f"v3 application {app_id} is already linked to v2 application {linked}; "
                                 f"it cannot be linked to {client_id}")
            if not linked:
                db.execute("UPDATE v3_apps SET v2_application_id = ? WHERE application_id = ?", (client_id, app_id))
            return self._application_object(self._app_row(db, app_id))

    def _linked_v2(self, db, app_id, action):
        app = self._app_row(db, app_id)
        if not app["v2_application_id"]:
            raise BadRequest(f"cannot {action}: v3 application {app_id} is not linked to a v2 application "
                             "(POST /v3/migration-tools/link-v2v3-apps first)")
        v2 = self._v2_app_row(db, app["v2_application_id"])
        if v2 is None:
            raise BadRequest(f"linked v2 application {app['v2_application_id']} no longer exists")
        return app, v2

    def import_v2_app(self, app_id):
        """Import the linked v2 application's settings; return the message string.

        Branding (icon/website URL), redirect URIs (→ ``callback_uris``, web
        platform, no duplicates) and integrations (→ connectors; existing
        connectors are left alone). Webhooks are not migrated.
        """
        with self.store.tx() as db:
            app, v2 = self._linked_v2(db, app_id, "import")
            branding = loads(app["branding"], {})
            for key in ("icon_url", "website_url"):
                if v2[key]:
                    branding[key] = v2[key]
            callbacks = loads(app["callback_uris"], [])
            known = {c.get("url") for c in callbacks}
            for uri in loads(v2["redirect_uris"], []):
                if uri not in known:
                    callbacks.append(self._callback({"platform": "web", "url": uri}))
                    known.add(uri)
            db.execute("UPDATE v3_apps SET branding = ?, callback_uris = ? WHERE application_id = ?",
                       (dumps(branding), dumps(callbacks), app_id))
            created, needs_setup, skipped = [], [], []
            for integration in loads(v2["integrations"], []):
                provider, settings, scope = self._connector_from_integration(integration)
                if provider is None:
                    continue
                if db.execute("SELECT 1 FROM connectors WHERE application_id = ? AND provider = ?",
                              (app_id, provider)).fetchone():
                    skipped.append(provider)
                    continue
                self._insert_connector(db, app_id, provider, settings, scope)
                created.append(provider)
                if provider == "microsoft":
                    needs_setup.append(provider)
        parts = [f"v2 application {v2['client_id']} imported into v3 application {app_id}: "
                 f"branding and {len(known)} callback URI(s) set"]
        parts.append("connectors created: " + (", ".join(created) if created else "none"))
        if skipped:
            parts.append("connectors already present: " + ", ".join(skipped))
        if needs_setup:
            parts.append("microsoft connector needs a new Azure application (set client_id and client_secret)")
        parts.append("webhooks are not migrated")
        return "; ".join(parts)

    @staticmethod
    def _connector_from_integration(integration):
        name = (integration.get("provider") or "").lower()
        settings = dict(integration.get("settings") or {})
        scope = integration.get("scope")
        if name in ("gmail", "google"):
            return "google", settings, scope or ["openid", "https://www.googleapis.com/auth/userinfo.email",
                                                 "https://www.googleapis.com/auth/gmail.modify"]
        if name in ("microsoft", "graph", "office365", "exchange", "outlook"):
            return "microsoft", {"tenant": "common"}, ["Mail.ReadWrite", "offline_access"]
        if name in ("imap", "yahoo", "aol"):
            return "imap", {}, None
        if name == "icloud":
            return "icloud", {}, None
        if name == "ews":
            return "ews", {}, ["ews.messages", "ews.calendar", "ews.contacts"]
        return None, None, None

    @staticmethod
    def _connector_problem(db, app_id, provider):
        """Why the application cannot authenticate ``provider`` accounts (``None`` when it can).

        Clone and batch clone need "a working equivalent authentication connector for each provider
        you use" (contract, clone and batch clone): a connector of the v3 provider, with its app
        credentials (``client_id`` and ``client_secret``) for the OAuth providers (:data:`CREDENTIAL_PROVIDERS`).
        """
        row = db.execute("SELECT settings FROM connectors WHERE application_id = ? AND provider = ?",
                         (app_id, provider)).fetchone()
        if row is None:
            return (f"no {provider} connector: the application needs a working {provider} authentication connector "
                    "before accounts of that provider can be migrated")
        if provider in CREDENTIAL_PROVIDERS:
            settings = loads(row["settings"], {})
            missing = [k for k in ("client_id", "client_secret") if not settings.get(k)]
            if missing:
                return (f"the {provider} connector has no {' and no '.join(missing)}: it cannot authenticate "
                        f"{provider} accounts until its app credentials are set")
        return None

    def _account_row(self, db, client_id, account_id):
        return db.execute("SELECT * FROM v2_accounts WHERE client_id = ? AND id = ?",
                          (client_id, account_id)).fetchone()

    def _clone_in_tx(self, db, app_id, account, allow_invalid, clone_exchange, created=None):
        """Clone one account inside an open transaction.

        Returns ``(grant_or_None, outcome, reason)``; an existing grant of the
        account is returned as is (outcome ``valid``/``placeholder`` after its status).
        A new grant is appended to ``created`` (its ``grant.created`` notification is sent after commit).
        """
        existing = db.execute("SELECT * FROM grants WHERE application_id = ? AND account_id = ?",
                              (app_id, account["id"])).fetchone()
        if existing is not None:
            outcome = "valid" if existing["grant_status"] == "valid" else "placeholder"
            return self._grant_object(existing), outcome, None
        outcome, provider, reason = clone_outcome(dict(account), allow_invalid, clone_exchange)
        if outcome != "failed":
            missing = self._connector_problem(db, app_id, provider)
            if missing:
                outcome, reason = "failed", missing
        ts = now()
        if outcome != "failed":
            db.execute(
                "INSERT OR IGNORE INTO grants (id, application_id, account_id, email, name, provider, grant_status,"
                " scope, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (_new_id(), app_id, account["id"], account["email"], account["name"], provider,
                 "valid" if outcome == "valid" else "invalid", dumps(GRANT_SCOPES.get(provider, [])), ts, ts))
        db.execute(
            "INSERT OR REPLACE INTO clone_attempts (application_id, account_id, outcome, message, updated_at)"
            " VALUES (?,?,?,?,?)", (app_id, account["id"], outcome, reason, ts))
        if outcome == "failed":
            return None, outcome, reason
        row = db.execute("SELECT * FROM grants WHERE application_id = ? AND account_id = ?",
                         (app_id, account["id"])).fetchone()
        grant = self._grant_object(row)
        if created is not None:
            created.append(grant)
        return grant, outcome, reason

    def clone_account(self, app_id, account_id, allow_invalid=True, clone_exchange=True):
        """Clone one v2 account into a grant (``POST .../grants/{account_id}/clone``).

        Returns the grant (new or existing). Raises :class:`BadRequest` when the
        application is not linked or the account cannot be migrated under the
        flags, :class:`NotFound` for an unknown account.
        """
        with self.store.tx() as db:
            _app, v2 = self._linked_v2(db, app_id, "clone")
            account = self._account_row(db, v2["client_id"], account_id)
            if account is None:
                raise NotFound(f"account {account_id} not found in v2 application {v2['client_id']}")
            created = []
            grant, _outcome, reason = self._clone_in_tx(db, app_id, account, allow_invalid, clone_exchange, created)
        for new in created:
            self._publish(app_id, "grant.created", self._grant_notification(new))
        if grant is None:
            raise BadRequest(f"account {account_id} cannot be migrated: {reason}")
        return grant

    def start_batch_clone(self, app_id, body, allow_invalid=True, clone_exchange=True):
        """Start a snapshot job and its migration job; return ``(snapshot_job, clone_job)``.

        The snapshot (accounts in scope, ordered by ``imported_at`` = v2
        ``linked_at``, oldest first, then ``mode``, then ``offset``/``limit``) is taken now;
        ``mode`` follows the contract: ``all`` no filtering, ``only_new`` the accounts that never
        attempted migration (no grant and no previous clone outcome: success, placeholder or
        failure, by a batch or a single clone), ``only_failed`` those whose last attempt failed.
        the snapshot job then "runs" at :data:`SNAPSHOT_SPEEDUP` times the pace,
        and the migration job stays pending until it completes.
        """
        body = {} if body is None else body
        if not isinstance(body, dict):
            raise BadRequest("request body must be a JSON object")
        unknown = set(body) - {"limit", "offset", "providers", "mode"}
        if unknown:
            raise BadRequest(f"unknown field(s): {', '.join(sorted(unknown))}")
        limit, offset = body.get("limit", 1000), body.get("offset", 0)
        for key, value, low in (("limit", limit, 1), ("offset", offset, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise BadRequest(f"{key} must be an integer >= {low}")
        mode = body.get("mode", "all")
        if mode not in BATCH_MODES:
            raise BadRequest(f"mode must be one of {', '.join(BATCH_MODES)}")
        providers = body.get("providers")
        if providers is not None:
            if not isinstance(providers, list) or not all(isinstance(p, str) for p in providers):
                raise BadRequest("providers must be a list of provider names")
            bad = [p for p in providers if p not in BATCH_PROVIDERS]
            if bad:
                raise BadRequest(f"unknown provider(s) {', '.join(bad)}: expected {', '.join(BATCH_PROVIDERS)}")
        with self.store.tx() as db:
            _app, v2 = self._linked_v2(db, app_id, "start a batch clone")
            rows = db.execute(
                "SELECT a.*, g.id AS grant_id, c.outcome AS last_outcome FROM v2_accounts a"
                " LEFT JOIN grants g ON g.application_id = ? AND g.account_id = a.id"
                " LEFT JOIN clone_attempts c ON c.application_id = ? AND c.account_id = a.id"
                " WHERE a.client_id = ? ORDER BY a.linked_at, a.ord",
                (app_id, app_id, v2["client_id"])).fetchall()
            selected = []
            for row in rows:
                if providers and not batch_scope_names(row["provider"]) & set(providers):
                    continue
                # only_new: never attempted (no grant, no previous clone outcome of any kind);
                # only_failed: attempted, and the last attempt failed (so no grant).
                if mode == "only_new" and (row["grant_id"] is not None or row["last_outcome"] is not None):
                    continue
                if mode == "only_failed" and (row["grant_id"] is not None or row["last_outcome"] != "failed"):
                    continue
                selected.append(row)
            selected = selected[offset:offset + limit]
            ts = now()
            snap_id, clone_id = _new_id(), _new_id()
            params = {"allow_invalid_grant_creation": allow_invalid, "clone_exchange": clone_exchange,
                      "limit": limit, "offset": offset, "mode": mode, "providers": providers}
            db.execute(
                "INSERT INTO jobs (job_id, type, application_id, status, count_all, created_at, updated_at,"
                " linked_job_id, params) VALUES (?,?,?,?,?,?,?,?,?)",
                (snap_id, "snapshot", app_id, "running", len(selected), ts, ts, clone_id, dumps(params)))
            db.execute(
                "INSERT INTO jobs (job_id, type, application_id, status, count_all, created_at, updated_at,"
                " linked_job_id, params) VALUES (?,?,?,?,?,?,?,?,?)",
                (clone_id, "migration", app_id, "pending", len(selected), ts, ts, snap_id, dumps(params)))
            db.executemany("INSERT INTO snapshot_records (job_id, pos, account_id, imported_at) VALUES (?,?,?,?)",
                           [(snap_id, i + 1, r["id"], r["linked_at"]) for i, r in enumerate(selected)])
            return self._job(db, snap_id), self._job(db, clone_id)

    def translate(self, app_id, body):
        """Translate v2 object ids of one v2 account and resource type (``POST /v3/migration-tools/translate``).

        Needs the link (400 otherwise). 400 for a bad body or an unknown ``resource_type``, a v2
        account that is not one of the linked v2 application's, and an account whose v2 provider is
        ``outlook`` (the endpoint "does not work" for those). Pages of 3000, sorted by creation
        time; ``start_from_timestamp`` keeps objects created after it, ``nylas_ids`` those ids.

        :returns: the ``data`` object: ``v2_application_id``, ``v2_account_id``, ``resource_type``,
            ``translations`` and, while more remain, ``next_page_number``.
        """
        resource_type, account_id, ids, since, page = check_translate_body(body)
        with self.store.tx() as db:
            _app, v2 = self._linked_v2(db, app_id, "translate ids")
            row = db.execute("SELECT * FROM v2_accounts WHERE id = ?", (account_id,)).fetchone()
        if row is None or row["client_id"] != v2["client_id"]:
            raise BadRequest(f"v2 account {account_id} is not an account of the linked v2 application "
                             f"{v2['client_id']}")
        if (row["provider"] or "").lower() in UNTRANSLATABLE_PROVIDERS:
            raise BadRequest(f"v2 account {account_id} has the provider Outlook: translating its object ids is "
                             "not available for v2 accounts whose provider is Outlook")
        objects = loads(row["objects"], {}) or {}
        account = {"id": row["id"], "linked_at": row["linked_at"], "objects": objects.get("counts") or {}}
        translations, next_page = translate_page(
            account, v3_provider_for(row["provider"]), resource_type, ids=ids, since=since, page=page,
            interval=objects.get("interval") or DEFAULT_INTERVAL)
        data = {"v2_application_id": v2["client_id"], "v2_account_id": account_id, "resource_type": resource_type,
                "translations": translations}
        if next_page is not None:
            data["next_page_number"] = next_page
        return data

    @staticmethod
    def _job_object(row):
        data = {k: row[k] for k in ("job_id", "type", "status", "count_all", "count_success", "count_failed",
                                    "count_warning", "created_at", "updated_at")}
        data["public_application_id"] = row["application_id"]
        if row["linked_job_id"]:
            data["linked_job_id"] = row["linked_job_id"]
        return data

    def _job(self, db, job_id):
        return self._job_object(db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone())

    def list_jobs(self, app_id, statuses=None, types=None, sort_by_completion=False):
        """Return the application's MigrationJob objects.

        Newest first; with ``sort_by_completion`` the documented order: pending jobs, then running
        ones, then finished ones (completed, failed, partial), most recently finished first.
        """
        for value, allowed, name in ((statuses, JOB_STATUSES, "status"), (types, JOB_TYPES, "type")):
            bad = [v for v in value or () if v not in allowed]
            if bad:
                raise BadRequest(f"unknown {name} value(s) {', '.join(bad)}: expected {', '.join(allowed)}")
        where, args = ["application_id = ?"], [app_id]
        if statuses:
            where.append(f"status IN ({','.join('?' * len(statuses))})")
            args.extend(statuses)
        if types:
            where.append(f"type IN ({','.join('?' * len(types))})")
            args.extend(types)
        order = "created_at DESC, rowid DESC"
        if sort_by_completion:
            order = ("CASE status WHEN 'pending' THEN 0 WHEN 'running' THEN 1 ELSE 2 END, completed_at DESC, "
                     + order)
        with self.store.tx() as db:
            rows = db.execute(f"SELECT * FROM jobs WHERE {' AND '.join(where)} ORDER BY {order}", args).fetchall()
        return [self._job_object(r) for r in rows]

    def job_accounts(self, job_id):
        """The accounts of a batch (``GET /_sim/jobs/<job_id>/accounts``), for tests; not a Nylas endpoint.

        Takes the id of either job of the batch. Returns ``{"job_id", "snapshot_job_id",
        "clone_job_id", "accounts"}``; ``accounts`` are the snapshot's records in processing order,
        each ``{"pos", "account_id", "processed"}`` (``processed``: the migration job has cloned,
        or tried to clone, it). Raises :class:`NotFound` for an unknown job.
        """
        with self.store.tx() as db:
            job = db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
            if job is None:
                raise NotFound(f"job {job_id} not found")
            if job["type"] == "snapshot":
                snap_id, clone_id = job["job_id"], job["linked_job_id"]
            else:
                snap_id, clone_id = job["linked_job_id"], job["job_id"]
            clone = db.execute("SELECT cursor FROM jobs WHERE job_id = ?", (clone_id,)).fetchone()
            cursor = clone["cursor"] if clone is not None else 0
            rows = db.execute("SELECT pos, account_id FROM snapshot_records WHERE job_id = ? ORDER BY pos",
                              (snap_id,)).fetchall()
        return {"job_id": job_id, "snapshot_job_id": snap_id, "clone_job_id": clone_id,
                "accounts": [{"pos": r["pos"], "account_id": r["account_id"], "processed": r["pos"] <= cursor}
                             for r in rows]}

    # ------------------------------------------------------------ job runner
    def active_jobs(self):
        """Return ``[(job_id, type)]`` of jobs that can make progress now, oldest first."""
        with self.store.tx() as db:
            rows = db.execute("SELECT job_id, type FROM jobs WHERE status IN ('pending', 'running')"
                              " ORDER BY created_at, rowid").fetchall()
        return [(r["job_id"], r["type"]) for r in rows]

    def advance_job(self, job_id, budget):
        """Process up to ``budget`` records of a job in one transaction; return how many were processed.

        A snapshot job counts its records; a migration job waits (pending) for
        its snapshot, then clones its records in ``imported_at`` order, updating
        counts, cursor and final status atomically, so a crash never double counts.
        """
        with self.store.tx() as db:
            job = db.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
            if job is None or job["status"] not in ("pending", "running"):
                return 0
            ts = now()
            if job["type"] == "snapshot":
                step = min(budget, job["count_all"] - job["cursor"])
                cursor = job["cursor"] + step
                done = cursor >= job["count_all"]
                db.execute("UPDATE jobs SET cursor = ?, count_success = ?, status = ?, updated_at = ?,"
                           " completed_at = ? WHERE job_id = ?",
                           (cursor, cursor, "completed" if done else "running", ts,
                            time.time() if done else None, job_id))
                if done and job["linked_job_id"]:
                    db.execute("UPDATE jobs SET status = 'running', updated_at = ? WHERE job_id = ?"
                               " AND status = 'pending'", (ts, job["linked_job_id"]))
                return step
            snapshot = db.execute("SELECT status FROM jobs WHERE job_id = ?", (job["linked_job_id"],)).fetchone()
            if snapshot is not None and snapshot["status"] != "completed":
                return 0
            params = loads(job["params"], {})
            app = self._app_row(db, job["application_id"])
            records = db.execute(
                "SELECT r.pos, a.* FROM snapshot_records r JOIN v2_accounts a ON a.id = r.account_id"
                " WHERE r.job_id = ? AND r.pos > ? ORDER BY r.pos LIMIT ?",
                (job["linked_job_id"], job["cursor"], budget)).fetchall()
            counts = {"valid": 0, "placeholder": 0, "failed": 0}
            cursor = job["cursor"]
            created = []
            for rec in records:
                if app["v2_application_id"] != rec["client_id"]:
                    outcome = "failed"
                else:
                    _dummy, outcome, _dummy2 = self._clone_in_tx(
                        db, job["application_id"], rec,
                        params.get("allow_invalid_grant_creation", True), params.get("clone_exchange", True), created)
                counts[outcome] += 1
                cursor = rec["pos"]
            if not records:
                cursor = job["count_all"]
            success = job["count_success"] + counts["valid"]
            warning = job["count_warning"] + counts["placeholder"]
            failed = job["count_failed"] + counts["failed"]
            done = cursor >= job["count_all"]
            status = "running"
            if done:
                if failed == 0 and warning == 0:
                    status = "completed"
                elif success == 0 and warning == 0:
                    status = "failed"
                else:
                    status = "partial"
            db.execute("UPDATE jobs SET cursor = ?, count_success = ?, count_warning = ?, count_failed = ?,"
                       " status = ?, updated_at = ?, completed_at = ? WHERE job_id = ?",
                       (cursor, success, warning, failed, status, ts, time.time() if done else None, job_id))
        for grant in created:
            self._publish(job["application_id"], "grant.created", self._grant_notification(grant))
        return len(records)

    # ---------------------------------------------------------------- v2 API
    def v2_app_for_basic(self, client_id, username, password):
        """Check v2 HTTP Basic auth (user = client secret, empty password) for an own-region v2 app."""
        with self.store.tx() as db:
            v2 = self._v2_app_row(db, client_id)
        if v2 is None or v2["region"] != self.region:
            raise NotFound(f"application {client_id} not found")
        if username != v2["client_secret"] or password:
            raise Unauthorized("Unauthorized: use the v2 client secret as the Basic user name, empty password")
        return v2

    def v2_application(self, client_id):
        """Return the v2 application details object."""
        with self.store.tx() as db:
            v2 = self._v2_app_row(db, client_id)
        return {"application_name": v2["application_name"], "icon_url": v2["icon_url"],
                "website_url": v2["website_url"], "redirect_uris": loads(v2["redirect_uris"], [])}

    def v2_accounts(self, client_id, offset=0, limit=100):
        """Return one page of the v2 application's accounts (v2 account objects)."""
        if offset < 0 or limit < 1:
            raise BadRequest("offset must be >= 0 and limit >= 1")
        with self.store.tx() as db:
            rows = db.execute("SELECT * FROM v2_accounts WHERE client_id = ? ORDER BY ord LIMIT ? OFFSET ?",
                              (client_id, min(limit, 1000), offset)).fetchall()
        return [{
            "id": r["id"], "account_id": r["id"], "object": "account", "email": r["email"], "name": r["name"],
            "provider": r["provider"], "authentication_type": r["authentication_type"],
            "sync_state": r["sync_state"], "billing_state": r["billing_state"], "trial": bool(r["trial"]),
            "linked_at": r["linked_at"],
        } for r in rows]

    # ------------------------------------------------ v2 writes of the cutover
    # v2 account management (Nylas v2 docs, "Manage accounts" and the v2 API reference: "Cancel an
    # account" POST /a/{client_id}/accounts/{id}/downgrade, "Reactivate an account" .../upgrade, both
    # answering {"success": "true"}; billing states paid / cancelled / deleted) and the v2 webhooks
    # (GET /a/{client_id}/webhooks, GET|PUT /a/{client_id}/webhooks/{id}; object id, application_id,
    # callback_url, state active|inactive, triggers, version).

    @staticmethod
    def _v2_account_object(r):
        return {
            "id": r["id"], "account_id": r["id"], "object": "account", "email": r["email"], "name": r["name"],
            "provider": r["provider"], "authentication_type": r["authentication_type"],
            "sync_state": r["sync_state"], "billing_state": r["billing_state"], "trial": bool(r["trial"]),
            "linked_at": r["linked_at"],
        }

    def v2_account(self, client_id, account_id):
        """Return one v2 account object (``GET /a/{client_id}/accounts/{id}``); 404 when unknown."""
        with self.store.tx() as db:
            row = self._account_row(db, client_id, account_id)
        if row is None:
            raise NotFound(f"account {account_id} not found")
        return self._v2_account_object(row)

    def v2_set_billing(self, client_id, account_id, action):
        """Cancel (``action='downgrade'``) or re-activate (``'upgrade'``) a v2 account.

        ``downgrade`` sets ``billing_state`` to ``cancelled`` (stops v2 sync and billing), ``upgrade``
        back to ``paid``; repeating either is accepted and changes nothing. A ``deleted`` account can
        be neither (400). Returns the v2 answer ``{"success": "true"}``.
        """
        target = {"downgrade": "cancelled", "upgrade": "paid"}[action]
        with self.store.tx() as db:
            row = self._account_row(db, client_id, account_id)
            if row is None:
                raise NotFound(f"account {account_id} not found")
            if row["billing_state"] == "deleted":
                raise BadRequest(f"account {account_id} is deleted and cannot be {action}d")
            db.execute("UPDATE v2_accounts SET billing_state = ? WHERE client_id = ? AND id = ?",
                       (target, client_id, account_id))
        return {"success": "true"}

    @staticmethod
    def _v2_webhook_id(client_id, index, webhook):
        if webhook.get("id"):
            return str(webhook["id"])
        digest = hashlib.sha1(f"{client_id}:{index}:{webhook.get('callback_url')}".encode()).hexdigest()
        return digest[:25]

    def _v2_webhook_list(self, db, client_id):
        row = self._v2_app_row(db, client_id)
        hooks = loads(row["webhooks"], []) if row is not None else []
        return [dict(h, id=self._v2_webhook_id(client_id, i, h)) for i, h in enumerate(hooks)]

    @staticmethod
    def _v2_webhook_object(client_id, hook):
        return {"id": hook["id"], "application_id": client_id, "callback_url": hook.get("callback_url"),
                "state": hook.get("state") or "active", "triggers": list(hook.get("triggers") or []),
                "version": hook.get("version") or "2.0"}

    def v2_webhooks(self, client_id):
        """Return the v2 webhooks of a v2 application (``GET /a/{client_id}/webhooks``), a bare list."""
        with self.store.tx() as db:
            hooks = self._v2_webhook_list(db, client_id)
        return [self._v2_webhook_object(client_id, h) for h in hooks]

    def v2_webhook(self, client_id, webhook_id):
        """Return one v2 webhook (``GET /a/{client_id}/webhooks/{id}``); 404 when unknown."""
        for hook in self.v2_webhooks(client_id):
            if hook["id"] == webhook_id:
                return hook
        raise NotFound(f"webhook {webhook_id} not found")

    def v2_update_webhook(self, client_id, webhook_id, body):
        """Set a v2 webhook's ``state`` (``PUT /a/{client_id}/webhooks/{id}``, body ``{"state": ...}``).

        Only ``state`` can change (``active`` or ``inactive``), as in the v2 API reference; other fields an
        SDK may send along (``callback_url``, ``triggers``) are ignored. Returns the webhook object.
        """
        if not isinstance(body, dict) or body.get("state") not in ("active", "inactive"):
            raise BadRequest("body must hold \"state\": \"active\" or \"inactive\"")
        with self.store.tx() as db:
            hooks = self._v2_webhook_list(db, client_id)
            match = [h for h in hooks if h["id"] == webhook_id]
            if not match:
                raise NotFound(f"webhook {webhook_id} not found")
            match[0]["state"] = body["state"]
            db.execute("UPDATE v2_apps SET webhooks = ? WHERE client_id = ?", (dumps(hooks), client_id))
        return self._v2_webhook_object(client_id, match[0])

    # ------------------------------------------------------------ admin view
    def state(self):
        """Return a summary of the state (``GET /_sim/state``)."""
        with self.store.tx() as db:
            apps = {}
            for row in db.execute("SELECT * FROM v3_apps ORDER BY application_id"):
                apps[row["application_id"]] = {
                    "v2_application_id": row["v2_application_id"],
                    "callback_uris": len(loads(row["callback_uris"], [])),
                    "grants": {"total": 0, "by_status": {}, "by_provider": {}},
                    "connectors": [], "webhooks": 0, "pubsub_channels": 0,
                    "jobs": {"total": 0, "by_status": {}},
                    "accounts": None, "expected": None,
                }
            for row in db.execute("SELECT application_id, grant_status, provider, count(*) AS n FROM grants"
                                  " GROUP BY application_id, grant_status, provider"):
                grants = apps.setdefault(row["application_id"], {}).setdefault(
                    "grants", {"total": 0, "by_status": {}, "by_provider": {}})
                grants["total"] += row["n"]
                grants["by_status"][row["grant_status"]] = grants["by_status"].get(row["grant_status"], 0) + row["n"]
                grants["by_provider"][row["provider"]] = grants["by_provider"].get(row["provider"], 0) + row["n"]
            for row in db.execute("SELECT application_id, provider FROM connectors ORDER BY provider"):
                apps[row["application_id"]]["connectors"].append(row["provider"])
            for row in db.execute("SELECT application_id, kind, count(*) AS n FROM webhooks"
                                  " GROUP BY application_id, kind"):
                apps[row["application_id"]]["webhooks" if row["kind"] == "webhook" else "pubsub_channels"] = row["n"]
            jobs = {"total": 0, "by_status": {}, "by_type": {}}
            for row in db.execute("SELECT application_id, type, status, count(*) AS n FROM jobs"
                                  " GROUP BY application_id, type, status"):
                per_app = apps[row["application_id"]]["jobs"]
                per_app["total"] += row["n"]
                per_app["by_status"][row["status"]] = per_app["by_status"].get(row["status"], 0) + row["n"]
                jobs["total"] += row["n"]
                jobs["by_status"][row["status"]] = jobs["by_status"].get(row["status"], 0) + row["n"]
                jobs["by_type"][row["type"]] = jobs["by_type"].get(row["type"], 0) + row["n"]
            v2_apps = {}
            for v2 in db.execute("SELECT client_id, region FROM v2_apps WHERE region = ? ORDER BY client_id",
                                 (self.region,)).fetchall():
                accounts = db.execute("SELECT * FROM v2_accounts WHERE client_id = ?", (v2["client_id"],)).fetchall()
                v2_apps[v2["client_id"]] = {"accounts": len(accounts), **expected_outcomes(accounts)}
            for app in apps.values():
                linked = app.get("v2_application_id")
                if linked in v2_apps:
                    app["accounts"] = v2_apps[linked]["accounts"]
                    app["expected"] = v2_apps[linked]["expected"]
            grant_total = db.execute("SELECT count(*) FROM grants").fetchone()[0]
        return {
            "region": self.region,
            "seed": self.seed_path,
            "applications": apps,
            "v2_applications": v2_apps,
            "links": {k: v["v2_application_id"] for k, v in apps.items() if v.get("v2_application_id")},
            "grants": grant_total,
            "jobs": jobs,
        }


def expected_outcomes(accounts):
    """Count the expected clone outcomes of accounts, for default and every flag combination."""
    combos = {}
    for allow in (True, False):
        for exchange in (True, False):
            counts = {"valid": 0, "placeholder": 0, "failed": 0}
            for acc in accounts:
                counts[clone_outcome(dict(acc), allow, exchange)[0]] += 1
            key = f"allow_invalid_grant_creation={str(allow).lower()},clone_exchange={str(exchange).lower()}"
            combos[key] = counts
    return {"expected": combos["allow_invalid_grant_creation=true,clone_exchange=true"], "expected_by_flags": combos}
