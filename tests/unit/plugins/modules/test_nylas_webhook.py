# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_webhook: main() with patched arguments and a fake client.

``FakeNotifications`` (connectors, webhooks and Pub/Sub channels over ``FakeNylas``) is shared with
the tests of nylas_connector and nylas_pubsub_channel.
"""

from __future__ import annotations

import copy

import pytest

from nylas_fake_client import BASE_ARGS, FakeNylas, FakeV3Client, api_error, assert_no_secret, run_module

from ansible.module_utils import basic

from ansible_collections.nylas.migration.plugins.module_utils import nylas_module
from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import NylasCheckModeError
from ansible_collections.nylas.migration.plugins.modules import nylas_webhook

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


URL = "https://hooks.example.com/unit/v3"
TRIGGERS = ["grant.created", "message.created"]
ARGS = dict(BASE_ARGS, webhook_url=URL, trigger_types=TRIGGERS)


@pytest.fixture
def api(monkeypatch):
    return FakeNotifications().install(monkeypatch)


@pytest.fixture
def warnings(monkeypatch):
    """Collect the module's warnings (their place in the result depends on the ansible-core version)."""
    seen = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: seen.append(msg))
    return seen


def run(capsys, args=None, **kwargs):
    return run_module(nylas_webhook.main, dict(ARGS, **(args or {})), capsys, **kwargs)


def existing(api, **fields):
    hook = dict(id="wh-old", webhook_url=URL, trigger_types=list(TRIGGERS), description="", status="active",
                notification_email_addresses=[], compressed_delivery=False)
    hook.update(fields)
    api.webhooks.append(hook)
    return hook


def test_creates_and_discards_secret_by_default(api, capsys, warnings):
    rc, result, raw = run(capsys, dict(description="unit"), diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == ["create_webhook"]
    assert api.write_args("create_webhook") == [({"webhook_url": URL, "trigger_types": TRIGGERS,
                                                  "description": "unit"},)]
    assert result["webhook"]["id"] == "wh-1" and "webhook_secret" not in result["webhook"]
    assert "webhook_secret" not in result
    assert result["diff"] == {"before": {}, "after": {"webhook_url": URL, "trigger_types": sorted(TRIGGERS),
                                                      "description": "unit"}}
    assert any("discarded because return_secret is false" in w for w in warnings)
    assert not any(WEBHOOK_SECRET in w for w in warnings)
    assert WEBHOOK_SECRET not in raw
    assert_no_secret(raw)


def test_return_secret_under_no_log(api, capsys):
    rc, result, raw = run(capsys, dict(return_secret=True, _ansible_no_log=True))
    assert rc == 0 and result["changed"] is True
    assert result["webhook_secret"] == WEBHOOK_SECRET
    assert raw.count(WEBHOOK_SECRET) == 1 and "webhook_secret" not in result["webhook"]
    assert_no_secret(raw)


def test_return_secret_requires_no_log_before_any_request(api, capsys):
    rc, result, dummy = run(capsys, dict(return_secret=True))
    assert rc == 1 and "no_log" in result["msg"] and api.calls == []


def test_secret_not_returned_for_existing_webhook(api, capsys):
    existing(api)
    rc, result, dummy = run(capsys, dict(return_secret=True, _ansible_no_log=True))
    assert rc == 0 and result["changed"] is False and "webhook_secret" not in result


def test_rerun_in_another_order_is_no_change(api, capsys):
    hook = existing(api, notification_email_addresses=["b@example.com", "a@example.com"])
    args = dict(trigger_types=list(reversed(TRIGGERS)) + ["grant.created"],
                notification_email_addresses=["a@example.com", "b@example.com"])
    rc, result, dummy = run(capsys, args, diff=True)
    assert rc == 0 and result["changed"] is False and api.writes() == []
    assert result["webhook"] == hook
    assert result["diff"] == {"before": {}, "after": {}}


def test_check_mode_predicts_without_write(api, capsys):
    rc, result, dummy = run(capsys, check_mode=True, diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == [] and api.webhooks == []
    assert result["webhook"] == {"webhook_url": URL, "trigger_types": TRIGGERS}
    assert api.v3_kwargs["read_only"] is True
    existing(api)
    rc, result, dummy = run(capsys, dict(trigger_types=["grant.created"]), check_mode=True)
    assert rc == 0 and result["changed"] is True and api.writes() == []
    assert result["webhook"]["trigger_types"] == ["grant.created"] and result["webhook"]["id"] == "wh-old"


def test_updates_changed_fields(api, capsys):
    existing(api)
    rc, result, dummy = run(capsys, dict(trigger_types=["grant.expired"], description="new"), diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == ["update_webhook"]
    assert api.write_args("update_webhook") == [("wh-old", {"trigger_types": ["grant.expired"],
                                                            "description": "new"})]
    assert result["webhook"]["trigger_types"] == ["grant.expired"]
    assert result["diff"] == {"before": {"description": "", "trigger_types": sorted(TRIGGERS)},
                              "after": {"description": "new", "trigger_types": ["grant.expired"]}}


def test_deletes_and_delete_absent_is_no_change(api, capsys):
    existing(api)
    rc, result, dummy = run(capsys, dict(state="absent", trigger_types=None), diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == ["delete_webhook"]
    assert result["webhook"] is None and result["diff"]["after"] == {}
    rc, result, dummy = run(capsys, dict(state="absent", trigger_types=None))
    assert rc == 0 and result["changed"] is False and api.writes() == ["delete_webhook"]


def test_delete_raced_by_someone_else(api, capsys, warnings):
    existing(api)
    api.side_effects["delete_webhook"] = api.webhooks.clear
    rc, result, dummy = run(capsys, dict(state="absent"))
    assert rc == 0 and result["changed"] is False
    assert any("deleted by someone else" in w for w in warnings)


def test_duplicates_fail_before_write_and_absent_deletes_all(api, capsys):
    existing(api)
    existing(api, id="wh-twin")
    rc, result, dummy = run(capsys)
    assert rc == 1 and "wh-old, wh-twin" in result["msg"] and api.writes() == []
    rc, result, dummy = run(capsys, dict(state="absent"))
    assert rc == 0 and result["changed"] is True and api.writes() == ["delete_webhook", "delete_webhook"]


def test_present_requires_trigger_types(api, capsys):
    args = dict(ARGS)
    del args["trigger_types"]
    rc, result, dummy = run_module(nylas_webhook.main, args, capsys)
    assert rc == 1 and "trigger_types" in result["msg"] and api.calls == []


@pytest.mark.parametrize("status, error_type", [(400, "bad_request"), (401, "invalid_request_error"),
                                                (429, "rate_limit_error"), (502, "non_json_response")])
def test_create_error_fields(api, capsys, status, error_type):
    api.errors["create_webhook"] = api_error(status, error_type, "nope", method="POST", path="/v3/webhooks",
                                             request_id="rid-7")
    rc, result, raw = run(capsys)
    assert rc == 1 and result["changed"] is False
    assert result["msg"].startswith("Failed to create the webhook %s: HTTP %d" % (URL, status))
    assert result["status"] == status and result["error_type"] == error_type and result["request_id"] == "rid-7"
    assert result["method"] == "POST" and result["path"] == "/v3/webhooks" and result["webhook"] is None
    assert_no_secret(raw)


def test_read_error(api, capsys):
    api.errors["list_webhooks"] = api_error(401, "invalid_request_error", "Unauthorized", path="/v3/webhooks")
    rc, result, raw = run(capsys)
    assert rc == 1 and result["msg"].startswith("Failed to list the webhooks: HTTP 401")
    assert result["status"] == 401 and api.writes() == []
    assert_no_secret(raw)


def test_unknown_outcome_resolved_by_reread(api, capsys, warnings):
    api.side_effects["create_webhook"] = lambda: existing(api, id="wh-late")
    api.errors["create_webhook"] = api_error(504, "gateway_timeout", "timeout", method="POST", outcome_unknown=True)
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["changed"] is True and result["webhook"]["id"] == "wh-late"
    assert any("treating it as created" in w for w in warnings)


def test_unknown_outcome_not_created_fails(api, capsys):
    api.errors["create_webhook"] = api_error(502, "bad_gateway", "gone", method="POST", outcome_unknown=True)
    rc, result, dummy = run(capsys)
    assert rc == 1 and result["outcome_unknown"] is True and result["status"] == 502
