# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one fake Nylas API of the module unit tests: in-memory state behind fake v3 / v2 clients.

``FakeNylas`` holds the state of one v3 application and its v2 application (connectors, grants,
migration jobs, webhooks, Pub/Sub channels, v2 accounts) and a call log. ``install(monkeypatch)``
replaces the ``NylasModule.client`` / ``v2_client`` properties so that a module's ``main()`` runs
unchanged against it: the v3 client is read-only in check mode (a write raises
``NylasCheckModeError``, as the real one does) and there is no v2 client without v2 credentials.
``run_module(main, args, capsys, ...)`` runs a module like Ansible would (real ``exit_json`` /
``fail_json``, so ``no_log`` masking applies) and returns ``(rc, result, raw)``.

Fault injection, by method name (``"clone_grant"``) or by method name and first argument
(``("clone_grant", "acc-1")``):

- ``errors[key] = exc``: raised before the call has any effect, on every call; a list instead raises
  its items one call at a time (None: that call succeeds; an empty list: no more errors);
- ``errors_after[key] = exc``: raised after the call took effect (a write whose outcome is unknown);
- ``side_effects[name] = fn``: run before the error of ``errors`` (a write that "happened").

Migration jobs move on by ``job_steps``: once a batch runs, every ``list_jobs`` call after the first
applies the next ``(snapshot_status, clone_status, counts)`` to the newest running clone job; when
a clone job ends, the next list of ``job_grants`` becomes grants.

The fake clients' public methods keep the real clients' signatures (``test_nylas_fake_client.py``).
"""

from __future__ import annotations

import copy
import json
import threading

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.nylas.migration.plugins.module_utils import nylas_module
from ansible_collections.nylas.migration.plugins.module_utils.nylas_contract import Answer
from ansible_collections.nylas.migration.plugins.module_utils.nylas_paging import DEFAULT_MAX_PAGES, PageGuard
from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import (
    NylasAPIError,
    NylasCheckModeError,
    build_basic_v2,
)

API_KEY = "nyk_unit_TEST_KEY_0123456789"
V2_ID = "v2-unit-app"
V2_SECRET = "unit-v2-secret-TEST-abcdef"
SECRETS = (API_KEY, V2_SECRET, build_basic_v2(V2_ID, V2_SECRET), "Bearer " + API_KEY)

BASE_ARGS = dict(api_key=API_KEY, region="us", api_uri="http://127.0.0.1:9", v2_client_id=V2_ID,
                 v2_client_secret=V2_SECRET, v2_api_uri="http://127.0.0.1:9")

WEBHOOK_SECRET = "whsec-UNIT-0f1e2d3c4b5a69788796a5b4"

#: Job statuses after which a migration job no longer moves.
JOB_END_STATUSES = ("completed", "partial", "failed")


def api_error(status=400, error_type="bad_request", message="boom", method="GET", path="/v3/applications",
              request_id="req-123", outcome_unknown=False, attempts=1):
    """Return a ``NylasAPIError`` like the client raises."""
    return NylasAPIError(message, status=status, error_type=error_type, request_id=request_id, method=method,
                         path=path, attempts=attempts, outcome_unknown=outcome_unknown)


def migration_job(job_id, type_, status, linked, created=100, **counts):
    """Return a MigrationJob object (``counts``: ``all``, ``success``, ``failed``, ``warning``)."""
    out = {"job_id": job_id, "type": type_, "status": status, "linked_job_id": linked, "created_at": created,
           "updated_at": created, "public_application_id": "app-unit"}
    for key in ("all", "success", "failed", "warning"):
        out["count_" + key] = counts.get(key, 0)
    return out


def grant(account_id, status="valid", provider="google"):
    """Return the v3 grant of a cloned v2 account."""
    return {"id": "g-" + account_id, "account_id": account_id, "grant_status": status, "provider": provider,
            "email": account_id + "@example.com"}


class FakeNylas:
    """In-memory state of one v3 application (and its v2 application), fault rules and a call log."""

    def __init__(self):
        self.application = {"application_id": "app-unit", "region": "us", "environment": "production",
                            "branding": {"name": "Unit"}, "callback_uris": []}
        self.connectors = []
        self.jobs = []
        self.job_steps = []  # (snapshot_status, clone_status, counts) applied one per poll
        self.job_grants = []  # one list of grants per clone job that ends
        self.batches_started = 0
        self.grants = []
        self.placeholders = set()  # account ids that clone_grant turns into placeholder (invalid) grants
        self.accounts = []  # v2 accounts
        self.v2_webhooks = []  # v2 webhooks (id, callback_url, state, triggers)
        self.v2_application = {"application_name": "Unit v2", "redirect_uris": []}
        self.import_adds = {"callback_uris": [], "connectors": []}
        self.import_data = "imported"
        self.webhooks = []
        self.test_event_answers = {}  # webhook_url -> the data send_test_event answers (default "success")
        self.pubsub = []
        self.next_id = 0
        self.errors = {}  # name or (name, first argument) -> exception raised before the call's effect
        self.errors_after = {}  # name or (name, first argument) -> exception raised after the call's effect
        self.side_effects = {}  # name -> callable run before the error (a write that "happened")
        self.calls = []  # (method name, args, kwargs)
        self.lock = threading.RLock()  # modules may call from several threads
        self.v3_kwargs = None
        self.v2_kwargs = None

    # -- installation ---------------------------------------------------------------------------

    def install(self, monkeypatch):
        """Make ``NylasModule.client`` / ``v2_client`` return fake clients bound to this state."""
        fake = self

        def client(module):
            fake.v3_kwargs = dict(api_key=module.params["api_key"], region=module.params["region"],
                                  api_uri=module.params.get("api_uri"), read_only=module.check_mode)
            return FakeV3Client(fake, read_only=module.check_mode)

        def v2_client(module):
            if not module.has_v2_credentials():
                return None
            fake.v2_kwargs = dict(client_id=module.params["v2_client_id"], region=module.params["region"],
                                  api_uri=module.params.get("v2_api_uri"))
            return FakeV2Client(fake, read_only=module.check_mode)

        monkeypatch.setattr(nylas_module.NylasModule, "client", property(client))
        monkeypatch.setattr(nylas_module.NylasModule, "v2_client", property(v2_client))
        return self

    # -- call log ---------------------------------------------------------------------------------

    def names(self):
        """Return the names of the calls made, in order."""
        return [c[0] for c in self.calls]

    def calls_of(self, name):
        """Return the arguments of every call of ``name``."""
        return [c[1] for c in self.calls if c[0] == name]

    def writes(self):
        """Return the names of the write calls made."""
        return [c[0] for c in self.calls if c[0] in FakeV3Client.WRITES or c[0] in FakeV2Client.WRITES]

    def write_args(self, name):
        """Return the arguments of every call of the write ``name``."""
        return self.calls_of(name)

    def write_kwargs(self, name):
        """Return the keyword arguments of every call of the write ``name``."""
        return [c[2] for c in self.calls if c[0] == name]

    # -- faults -----------------------------------------------------------------------------------

    def _fault(self, table, name, args):
        error = table.get(name)
        if error is None and args:
            try:
                error = table.get((name, args[0]))
            except TypeError:  # an unhashable first argument (a body) never keys a fault
                error = None
        if isinstance(error, list):
            with self.lock:
                error = error.pop(0) if error else None
        return error

    def _call(self, name, *args, **kwargs):
        with self.lock:
            self.calls.append((name, args, kwargs))
        if name in self.side_effects:
            self.side_effects[name]()
        error = self._fault(self.errors, name, args)
        if error is not None:
            raise error

    def _after(self, name, *args):
        error = self._fault(self.errors_after, name, args)
        if error is not None:
            raise error

    # -- grants and jobs --------------------------------------------------------------------------

    def grant_of(self, account_id):
        """Return the grant of ``account_id``, or None."""
        for item in self.grants:
            if item.get("account_id") == account_id:
                return item
        return None

    def add_grants(self, grants):
        """Add grants (replacing a grant of the same account)."""
        with self.lock:
            for item in grants:
                old = self.grant_of(item.get("account_id")) if item.get("account_id") else None
                if old is not None:
                    self.grants.remove(old)
                self.grants.append(copy.deepcopy(item))

    def advance_jobs(self):
        """Apply the next job step to the newest running clone job (and its snapshot job)."""
        running = [j for j in self.jobs if j["type"] == "migration" and j["status"] in ("pending", "running")]
        if not running or not self.job_steps:
            return
        snap_status, mig_status, counts = self.job_steps.pop(0)
        mig = running[-1]
        snap = [j for j in self.jobs if j["job_id"] == mig["linked_job_id"]][0]
        snap["status"] = snap_status
        mig["status"] = mig_status
        for key, value in counts.items():
            mig["count_" + key] = value
        if mig_status in JOB_END_STATUSES and self.job_grants:
            self.add_grants(self.job_grants.pop(0))


class FakeV3Client:
    """Fake ``NylasV3Client``: the operations the modules use, over ``FakeNylas`` state."""

    WRITES = ("link_v2_app", "import_v2_app", "clone_grant", "start_batch_clone",
              "create_connector", "update_connector", "delete_connector", "create_webhook", "update_webhook",
              "delete_webhook", "create_pubsub_channel", "update_pubsub_channel", "delete_pubsub_channel")

    def __init__(self, state, read_only=False):
        self.state = state
        self.read_only = read_only

    def _write(self, name, *args, **kwargs):
        if self.read_only:
            raise NylasCheckModeError("check mode: refusing %s" % name)
        self.state._call(name, *args, **kwargs)

    # -- application ------------------------------------------------------------------------------

    def get_application(self):
        self.state._call("get_application")
        return copy.deepcopy(self.state.application)

    def list_redirect_uris(self):
        self.state._call("list_redirect_uris")
        return copy.deepcopy(self.state.application.get("callback_uris") or [])

    def link_v2_app(self, basic_v2):
        self._write("link_v2_app", basic_v2)
        self.state.application["v2_application_id"] = V2_ID
        return copy.deepcopy(self.state.application)

    def import_v2_app(self):
        self._write("import_v2_app")
        app = self.state.application
        app["callback_uris"] = list(app.get("callback_uris") or []) + list(self.state.import_adds["callback_uris"])
        self.state.connectors = self.state.connectors + list(self.state.import_adds["connectors"])
        self.state.import_adds = {"callback_uris": [], "connectors": []}
        return self.state.import_data

    # -- grants -----------------------------------------------------------------------------------

    def list_grants(self, **filters):
        self.state._call("list_grants", **filters)
        with self.state.lock:
            grants = copy.deepcopy(self.state.grants)
        for key in ("grant_status", "provider", "account_id", "email"):
            if filters.get(key) is not None:
                grants = [g for g in grants if g.get(key) == filters[key]]
        return grants

    def find_grants_by_account_ids(self, account_ids, chunk_size=50, grant_bound=None):
        account_ids = list(account_ids)
        self.state._call("find_grants_by_account_ids", account_ids)
        with self.state.lock:
            return dict((g["account_id"], copy.deepcopy(g)) for g in self.state.grants
                        if g.get("account_id") in account_ids)

    def clone_grant(self, account_id, allow_invalid_grant_creation=None, clone_exchange=None):
        self._write("clone_grant", account_id, allow_invalid_grant_creation, clone_exchange)
        if account_id in self.state.placeholders:
            new = grant(account_id, status="invalid", provider="microsoft")
        else:
            new = grant(account_id)
        with self.state.lock:
            if self.state.grant_of(account_id) is not None:
                raise AssertionError("duplicate grant for %s: the module cloned it twice" % account_id)
            self.state.grants.append(new)
        self.state._after("clone_grant", account_id)
        return copy.deepcopy(new)

    # -- migration jobs ---------------------------------------------------------------------------

    def start_batch_clone(self, limit=None, offset=None, providers=None, mode=None,
                          allow_invalid_grant_creation=None, clone_exchange=None):
        self._write("start_batch_clone", limit=limit, offset=offset, providers=providers, mode=mode,
                    allow_invalid_grant_creation=allow_invalid_grant_creation, clone_exchange=clone_exchange)
        state = self.state
        suffix = "new" if not state.batches_started else "new%d" % state.batches_started
        state.batches_started += 1
        snap = migration_job("s-" + suffix, "snapshot", "pending", "m-" + suffix, created=500 + state.batches_started)
        mig = migration_job("m-" + suffix, "migration", "pending", "s-" + suffix, created=500 + state.batches_started)
        state.jobs += [snap, mig]
        state._after("start_batch_clone")
        return {"snapshot_job": copy.deepcopy(snap), "clone_job": copy.deepcopy(mig)}

    def list_jobs(self, status=None, job_type=None, sort_by_completion=None):
        polled_before = "list_jobs" in self.state.names()
        self.state._call("list_jobs", status=status, job_type=job_type, sort_by_completion=sort_by_completion)
        if polled_before:
            self.state.advance_jobs()
        return copy.deepcopy(self.state.jobs)

    # -- connectors -------------------------------------------------------------------------------

    def _connector(self, provider):
        for connector in self.state.connectors:
            if connector["provider"] == provider:
                return connector
        return None

    @staticmethod
    def _public_connector(connector):
        out = copy.deepcopy(connector)
        out["settings"] = {k: v for k, v in (out.get("settings") or {}).items() if k != "client_secret"}
        return out

    def list_connectors(self):
        self.state._call("list_connectors")
        return copy.deepcopy(self.state.connectors)

    def get_connector(self, provider):
        self.state._call("get_connector", provider)
        connector = self._connector(provider)
        return self._public_connector(connector) if connector else None

    def create_connector(self, body):
        self._write("create_connector", copy.deepcopy(body))
        connector = dict(copy.deepcopy(body), name=body["provider"].title())
        connector.setdefault("settings", {})
        self.state.connectors.append(connector)
        return self._public_connector(connector)

    def update_connector(self, provider, body):
        self._write("update_connector", provider, copy.deepcopy(body))
        connector = self._connector(provider)
        if "settings" in body:  # the contract: PATCH replaces the nested object with the one sent
            connector["settings"] = copy.deepcopy(body["settings"] or {})
        if "scope" in body:
            connector["scope"] = list(body["scope"])
        return self._public_connector(connector)

    def delete_connector(self, provider):
        self._write("delete_connector", provider)
        connector = self._connector(provider)
        if connector is None:
            raise api_error(404, "not_found_error", "connector not found", method="DELETE",
                            path="/v3/connectors/%s" % provider)
        self.state.connectors.remove(connector)

    # -- webhooks and Pub/Sub (secrets write-only, as in Nylas) -----------------------------------

    def _create(self, name, items, body, prefix):
        self._write(name, copy.deepcopy(body))
        self.state.next_id += 1
        item = dict({"description": "", "notification_email_addresses": [], "compressed_delivery": False},
                    **copy.deepcopy(body))
        item.update(id="%s-%d" % (prefix, self.state.next_id), status="active", created_at=1, updated_at=1)
        items.append(item)
        out = copy.deepcopy(item)
        if prefix == "wh":
            out["webhook_secret"] = WEBHOOK_SECRET
        return out

    def _update(self, name, items, item_id, body):
        self._write(name, item_id, copy.deepcopy(body))
        item = [i for i in items if i["id"] == item_id][0]
        item.update(copy.deepcopy(body), updated_at=2)
        return copy.deepcopy(item)

    def _delete(self, name, items, item_id):
        self._write(name, item_id)
        found = [i for i in items if i["id"] == item_id]
        if not found:  # the contract's answer for an unknown destination id (delete_400)
            raise api_error(400, "70000", "destination.id.not.found : record not found", method="DELETE",
                            path="/v3/x/%s" % item_id)
        items.remove(found[0])

    def list_webhooks(self):
        self.state._call("list_webhooks")
        return copy.deepcopy(self.state.webhooks)

    def create_webhook(self, body):
        return self._create("create_webhook", self.state.webhooks, body, "wh")

    def update_webhook(self, webhook_id, body):
        return self._update("update_webhook", self.state.webhooks, webhook_id, body)

    def delete_webhook(self, webhook_id):
        self._delete("delete_webhook", self.state.webhooks, webhook_id)

    def send_test_event(self, trigger_type, webhook_url):
        if self.read_only:
            raise NylasCheckModeError("check mode: refusing send_test_event")
        self.state._call("send_test_event", trigger_type, webhook_url)
        return self.state.test_event_answers.get(webhook_url, "success")

    def list_pubsub_channels(self):
        self.state._call("list_pubsub_channels")
        return copy.deepcopy(self.state.pubsub)

    def create_pubsub_channel(self, body):
        return self._create("create_pubsub_channel", self.state.pubsub, body, "ps")

    def update_pubsub_channel(self, channel_id, body):
        return self._update("update_pubsub_channel", self.state.pubsub, channel_id, body)

    def delete_pubsub_channel(self, channel_id):
        self._delete("delete_pubsub_channel", self.state.pubsub, channel_id)

    def translate_guard(self):
        """The page guard of one account and type's walk, as the real client makes it."""
        return PageGuard(DEFAULT_MAX_PAGES, cursor_field="data.next_page_number", id_field="v2_resource_id")

    def translate_ids(self, v2_account_id, resource_type, next_page_number=None, start_from_timestamp=None,
                      nylas_ids=None, guard=None):
        """One page from ``state.translations[(account, type)]`` (a list of pages of (v2, v3) pairs); a POST.

        With ``guard``, the page is accounted for as the real client does (a page of ids seen before raises)."""
        page = next_page_number or 1
        self._write("translate_ids", v2_account_id, resource_type, page, start_from_timestamp)
        pages = getattr(self.state, "translations", {}).get((v2_account_id, resource_type), [[]])
        items = [{"v2_resource_id": a, "v3_resource_id": b} for a, b in pages[page - 1]]
        if nylas_ids is not None:
            items = [i for i in items if i["v2_resource_id"] in nylas_ids]
        data = {"v2_account_id": v2_account_id, "resource_type": resource_type, "translations": items}
        if page < len(pages):
            data["next_page_number"] = page + 1
        if guard is not None:
            guard.page(Answer({"data": data}, 200, "fake-request-id", "POST", "/v3/migration-tools/translate"), items)
        return data


class FakeV2Client:
    """Fake ``NylasV2Client``."""

    #: The v2 calls that write (refused on a read-only client, as the real one refuses them).
    WRITES = ("downgrade_account", "upgrade_account", "update_webhook_state")

    def __init__(self, state, read_only=False):
        self.state = state
        self.read_only = read_only

    def get_application(self):
        self.state._call("v2_get_application")
        return copy.deepcopy(self.state.v2_application)

    def list_accounts(self, page_size=1000, expected_total=None):
        self.state._call("list_accounts")
        return copy.deepcopy(self.state.accounts)

    # -- the cutover's v2 calls (state: ``accounts`` billing_state, ``v2_webhooks``) ----------------

    def _check_write(self):
        if self.read_only:
            raise NylasCheckModeError("check mode: the v2 client refuses writes")

    def _v2_account(self, account_id):
        for account in self.state.accounts:
            if account.get("id") == account_id:
                return account
        raise api_error(404, "not_found_error", "account %s not found" % account_id, path="/a/x/accounts/%s" % account_id)

    def get_account(self, account_id):
        self.state._call("get_account", account_id)
        return copy.deepcopy(self._v2_account(account_id))

    def downgrade_account(self, account_id):
        self._check_write()
        self.state._call("downgrade_account", account_id)
        self._v2_account(account_id)["billing_state"] = "cancelled"
        self.state._after("downgrade_account", account_id)
        return {"success": "true"}

    def upgrade_account(self, account_id):
        self._check_write()
        self.state._call("upgrade_account", account_id)
        self._v2_account(account_id)["billing_state"] = "paid"
        self.state._after("upgrade_account", account_id)
        return {"success": "true"}

    def list_webhooks(self):
        self.state._call("v2_list_webhooks")
        return copy.deepcopy(self.state.v2_webhooks)

    def update_webhook_state(self, webhook_id, state):
        self._check_write()
        self.state._call("update_webhook_state", webhook_id, state)
        for hook in self.state.v2_webhooks:
            if hook.get("id") == webhook_id:
                hook["state"] = state
                return copy.deepcopy(hook)
        raise api_error(404, "not_found_error", "webhook %s not found" % webhook_id, method="PUT")


class FakeClock:
    """A monotonic clock that only moves when ``sleep`` is called: ``clock()``, ``sleep(s)``, ``slept``.

    Installed as ``NylasModule.clock`` / ``NylasModule.sleep`` for every module unit test (conftest), so a
    settle (re-reads with back-off for ``settle_time`` seconds) runs at once; ``slept`` lists the waits.
    Thread-safe (the grant clone workers share it).
    """

    def __init__(self, start=1000.0):
        self.now = float(start)
        self.slept = []
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self.now

    def sleep(self, seconds):
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def run_module(main, args, capsys, check_mode=False, diff=False):
    """Run a module's ``main()`` with ``args``; return ``(rc, result, raw stdout + stderr)``."""
    module_args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(module_args):
        with pytest.raises(SystemExit) as exc:
            main()
    captured = capsys.readouterr()
    # warnings go to stderr instead of the result when the controller is loaded (pytest-ansible)
    return exc.value.code, json.loads(captured.out), captured.out + captured.err


def assert_no_secret(raw):
    """Assert that no secret (nor a value derived from one) is in the raw module output."""
    for secret in SECRETS:
        assert secret not in raw
