# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_v2_webhook_parity: main() with patched arguments and the shared fake client."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    BASE_ARGS,
    FakeNylas,
    api_error,
    assert_no_secret,
    run_module,
)

from ansible_collections.nylas.migration.plugins.modules import nylas_v2_webhook_parity


@pytest.fixture
def api(monkeypatch):
    fake = FakeNylas().install(monkeypatch)
    fake.v2_webhooks = [dict(id="w1", callback_url="https://h.example.com/a", state="active",
                             triggers=["account.connected", "account.sync_error"]),
                        dict(id="w2", callback_url="https://h.example.com/b", state="inactive", triggers=["event.created"])]
    return fake


def run(capsys, args=None, **kwargs):
    rc, result, raw = run_module(nylas_v2_webhook_parity.main, dict(BASE_ARGS, **(args or {})), capsys, **kwargs)
    assert_no_secret(raw)
    return rc, result, raw


def test_proposal_only_by_default(api, capsys):
    rc, result, _raw = run(capsys)
    assert rc == 0 and result["changed"] is False and api.writes() == []
    assert [(p["webhook_url"], p["trigger_types"], p["v3_status"]) for p in result["proposals"]] == [
        ("https://h.example.com/a", ["grant.created"], "missing")]
    assert [u["trigger"] for u in result["unmapped"]] == ["account.sync_error"]
    assert "nylas_webhooks:" in result["inventory_yaml"]


def test_deactivates_once_the_v3_destination_exists(api, capsys):
    api.webhooks.append(dict(id="v3-1", webhook_url="https://h.example.com/a", trigger_types=["grant.created"]))
    rc, result, _raw = run(capsys, dict(deactivate_v2_webhooks=True), check_mode=True)
    assert rc == 0 and result["changed"] is False and api.writes() == []
    assert result["deactivation"][0]["action"] == "deactivate"
    rc, result, _raw = run(capsys, dict(deactivate_v2_webhooks=True))
    assert rc == 0 and result["changed"] is True and result["deactivated"] == ["w1"]
    assert api.writes() == ["update_webhook_state"] and result["v2_webhooks"][0]["state"] == "inactive"
    api.calls = []
    rc, result, _raw = run(capsys, dict(deactivate_v2_webhooks=True))
    assert rc == 0 and result["changed"] is False and api.writes() == []


def test_v2_read_failure_and_missing_credentials(api, capsys):
    api.errors["v2_list_webhooks"] = api_error(404, "not_found_error", "gone", path="/a/x/webhooks", request_id="r-1")
    rc, result, _raw = run(capsys)
    assert rc == 1 and result["status"] == 404 and result["request_id"] == "r-1"
    api.calls = []
    rc, result, _raw = run(capsys, dict(v2_client_secret=None))
    assert rc == 1 and "v2_client_secret are required" in result["msg"] and api.calls == []
