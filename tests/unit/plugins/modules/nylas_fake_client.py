# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake Nylas API for module unit tests: in-memory state behind fake v3 / v2 client classes.

``FakeNylas.install(monkeypatch)`` replaces the client classes used by ``nylas_module`` so that a
module's ``main()`` runs unchanged; ``run_module(main, args, capsys, ...)`` runs it like Ansible would
(real ``exit_json``/``fail_json``, so ``no_log`` masking applies) and returns ``(rc, result, raw)``.
"""

from __future__ import annotations

import copy
import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.nylas.migration.plugins.module_utils import nylas_module
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


def api_error(status=400, error_type="bad_request", message="boom", method="GET", path="/v3/applications",
              request_id="req-123", outcome_unknown=False, attempts=1):
    """Return a ``NylasAPIError`` like the client raises."""
    return NylasAPIError(message, status=status, error_type=error_type, request_id=request_id, method=method,
                         path=path, attempts=attempts, outcome_unknown=outcome_unknown)


class FakeNylas:
    """In-memory state of one v3 application (and its v2 application) plus a call log."""

    def __init__(self):
        self.application = {"application_id": "app-unit", "region": "us", "environment": "production",
                            "branding": {"name": "Unit"}, "callback_uris": []}
        self.connectors = []
        self.jobs = []
        self.grants = []
        self.accounts = []  # v2 accounts
        self.v2_application = {"application_name": "Unit v2", "redirect_uris": []}
        self.import_adds = {"callback_uris": [], "connectors": []}
        self.import_data = "imported"
        self.errors = {}  # method name -> exception raised by every call of that method
        self.side_effects = {}  # method name -> callable run before the error (a write that "happened")
        self.calls = []  # (method name, args, kwargs)
        self.v3_kwargs = None
        self.v2_kwargs = None

    # -- installation ---------------------------------------------------------------------------

    def install(self, monkeypatch):
        """Replace the client classes used by ``nylas_module`` with fakes bound to this state."""
        fake = self

        class V3(FakeV3Client):
            def __init__(self, api_key, **kwargs):
                fake.v3_kwargs = dict(kwargs, api_key=api_key)
                super().__init__(fake, kwargs.get("read_only", False))

        class V2(FakeV2Client):
            def __init__(self, client_id, client_secret, **kwargs):
                fake.v2_kwargs = dict(kwargs, client_id=client_id)
                super().__init__(fake)

        monkeypatch.setattr(nylas_module, "NylasV3Client", V3)
        monkeypatch.setattr(nylas_module, "NylasV2Client", V2)
        return self

    def writes(self):
        """Return the names of the write calls made."""
        return [c[0] for c in self.calls if c[0] in FakeV3Client.WRITES]

    def _call(self, name, *args, **kwargs):
        self.calls.append((name, args, kwargs))
        if name in self.side_effects:
            self.side_effects[name]()
        error = self.errors.get(name)
        if error is not None:
            raise error


class FakeV3Client:
    """Fake ``NylasV3Client``: the operations the modules use, over ``FakeNylas`` state."""

    WRITES = ("link_v2_app", "import_v2_app")

    def __init__(self, state, read_only=False):
        self.state = state
        self.read_only = read_only

    def _write(self, name, *args):
        if self.read_only:
            raise NylasCheckModeError("check mode: refusing POST %s" % name)
        self.state._call(name, *args)

    def get_application(self):
        self.state._call("get_application")
        return copy.deepcopy(self.state.application)

    def list_redirect_uris(self):
        self.state._call("list_redirect_uris")
        return copy.deepcopy(self.state.application.get("callback_uris") or [])

    def list_connectors(self):
        self.state._call("list_connectors")
        return copy.deepcopy(self.state.connectors)

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

    def list_jobs(self, status=None, job_type=None, sort_by_completion=None):
        self.state._call("list_jobs", status=status, job_type=job_type, sort_by_completion=sort_by_completion)
        return copy.deepcopy(self.state.jobs)

    def find_grants_by_account_ids(self, account_ids, chunk_size=50):
        account_ids = list(account_ids)
        self.state._call("find_grants_by_account_ids", account_ids)
        return dict((g["account_id"], copy.deepcopy(g)) for g in self.state.grants
                    if g.get("account_id") in account_ids)

    def list_grants(self, **filters):
        self.state._call("list_grants", **filters)
        return copy.deepcopy(self.state.grants)


class FakeV2Client:
    """Fake ``NylasV2Client``."""

    def __init__(self, state):
        self.state = state

    def get_application(self):
        self.state._call("v2_get_application")
        return copy.deepcopy(self.state.v2_application)

    def list_accounts(self, page_size=100):
        self.state._call("list_accounts")
        return copy.deepcopy(self.state.accounts)


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


WEBHOOK_SECRET = "whsec-UNIT-0f1e2d3c4b5a69788796a5b4"


class FakeNotificationsV3(FakeV3Client):
    """``FakeV3Client`` plus the connector, webhook and Pub/Sub operations (secrets write-only, as in Nylas)."""

    WRITES = FakeV3Client.WRITES + (
        "create_connector", "update_connector", "delete_connector", "create_webhook", "update_webhook",
        "delete_webhook", "create_pubsub_channel", "update_pubsub_channel", "delete_pubsub_channel")

    def _write(self, name, *args):
        if self.read_only:
            raise NylasCheckModeError("check mode: refusing %s" % name)
        self.state._call(name, *args)

    # -- connectors --------------------------------------------------------------------------------

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
        connector["settings"].update(body.get("settings") or {})
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

    # -- webhooks and Pub/Sub ----------------------------------------------------------------------

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
        if not found:
            raise api_error(404, "not_found_error", "not found", method="DELETE", path="/v3/x/%s" % item_id)
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

    def list_pubsub_channels(self):
        self.state._call("list_pubsub_channels")
        return copy.deepcopy(self.state.pubsub)

    def create_pubsub_channel(self, body):
        return self._create("create_pubsub_channel", self.state.pubsub, body, "ps")

    def update_pubsub_channel(self, channel_id, body):
        return self._update("update_pubsub_channel", self.state.pubsub, channel_id, body)

    def delete_pubsub_channel(self, channel_id):
        self._delete("delete_pubsub_channel", self.state.pubsub, channel_id)


class FakeNotifications(FakeNylas):
    """``FakeNylas`` with connectors, webhooks and Pub/Sub channels."""

    def __init__(self):
        super().__init__()
        self.webhooks = []
        self.pubsub = []
        self.next_id = 0

    def install(self, monkeypatch):
        """Install the fakes of ``FakeNylas``, with ``FakeNotificationsV3`` as the v3 client."""
        super().install(monkeypatch)
        fake = self

        class V3(FakeNotificationsV3):
            def __init__(self, api_key, **kwargs):
                fake.v3_kwargs = dict(kwargs, api_key=api_key)
                super().__init__(fake, kwargs.get("read_only", False))

        monkeypatch.setattr(nylas_module, "NylasV3Client", V3)
        return self

    def writes(self):
        """Return the names of the write calls made."""
        return [c[0] for c in self.calls if c[0] in FakeNotificationsV3.WRITES]

    def write_args(self, name):
        """Return the arguments of every call of the write ``name``."""
        return [c[1] for c in self.calls if c[0] == name]
