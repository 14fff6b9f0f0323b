# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_migration_gate: main() with patched arguments and the fake client."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    BASE_ARGS,
    FakeNylas,
    api_error,
    assert_no_secret,
    run_module,
)

from ansible_collections.nylas.migration.plugins.modules import nylas_migration_gate

URL = "https://hooks.example.com/unit/v3"
ARGS = dict(BASE_ARGS, webhook_urls=[URL], pilot_account_ids=["acc-pilot"])


@pytest.fixture
def api(monkeypatch):
    fake = FakeNylas().install(monkeypatch)
    fake.webhooks.append({"id": "wh-1", "webhook_url": URL, "status": "active", "trigger_types": ["grant.created"]})
    fake.grants.append({"id": "g-pilot", "account_id": "acc-pilot", "grant_status": "valid", "provider": "google"})
    fake.accounts.extend([{"id": "acc-pilot", "provider": "gmail"}, {"id": "acc-2", "provider": "gmail"},
                          {"id": "acc-3", "provider": "office365"}])
    fake.connectors.extend([{"provider": "google", "name": "Google", "settings": {"client_id": "cid"}},
                            {"provider": "microsoft", "name": "Microsoft", "settings": {"client_id": "azure"}}])
    return fake


def run(capsys, args=None, **kwargs):
    return run_module(nylas_migration_gate.main, dict(ARGS, **(args or {})), capsys, **kwargs)


def checks(result):
    return {c["name"]: c for c in result["gate"]["checks"]}


def test_go_sends_one_test_event_per_webhook_and_writes_nothing(api, capsys):
    rc, result, raw = run(capsys)
    assert rc == 0 and result["changed"] is False, result
    assert result["gate"]["verdict"] == "go" and result["gate"]["passed"] is True and result["gate_summary"] == "go"
    assert api.calls_of("send_test_event") == [("grant.created", URL)] and result["test_events_sent"] == 1
    assert api.writes() == []
    assert [c["verdict"] for c in result["gate"]["checks"]] == ["pass", "pass", "pass"]
    assert_no_secret(raw)


def test_provider_without_connector_is_a_no_go_naming_it(api, capsys):
    del api.connectors[1]
    rc, result, dummy = run(capsys)
    assert rc == 1 and result["gate"]["verdict"] == "no-go" and result["gate"]["failed_checks"] == ["connectors"]
    assert result["msg"].startswith("Go/no-go gate: no-go, the batch does not start: connectors check failed: "
                                    "microsoft: no microsoft connector, so its 1 remaining account(s) cannot be cloned")
    assert api.writes() == []


def test_connector_without_credentials_is_a_no_go(api, capsys):
    api.connectors[1]["settings"] = {}
    rc, result, dummy = run(capsys)
    assert rc == 1 and "the microsoft connector has no app credentials" in result["msg"]


def test_no_go_without_failing_when_asked(api, capsys):
    api.webhooks[0]["status"] = "failed"
    rc, result, dummy = run(capsys, dict(fail_on_no_go=False))
    assert rc == 0 and result["gate"]["passed"] is False and result["gate"]["failed_checks"] == ["webhooks"]
    assert "status is failed" in checks(result)["webhooks"]["reason"]
    assert api.calls_of("send_test_event") == []  # an inactive webhook is not tested


def test_unacknowledged_and_refused_test_events(api, capsys):
    api.test_event_answers[URL] = "failure"
    rc, result, dummy = run(capsys)
    assert rc == 1 and "did not acknowledge the test event" in result["msg"]
    api.errors["send_test_event"] = api_error(400, "70000", "invalid.input", method="POST",
                                              path="/v3/webhooks/send-test-event", request_id="rid-t")
    rc, result, dummy = run(capsys)
    assert rc == 1 and "send-test-event failed: HTTP 400 70000: invalid.input (request_id=rid-t)" in result["msg"]


def test_pilot_grant_not_valid_is_a_no_go(api, capsys):
    api.grants[0]["grant_status"] = "invalid"
    rc, result, dummy = run(capsys)
    assert rc == 1 and result["gate"]["failed_checks"] == ["pilot_grants"]
    assert "acc-pilot: grant is invalid where the forecast was valid" in result["msg"]


def test_pilot_placeholder_the_forecast_announced_passes(api, capsys):
    api.grants[0]["grant_status"] = "invalid"
    api.accounts[0]["sync_state"] = "invalid"  # the v2 account needed re-authentication already
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["gate"]["passed"] is True, result
    assert "as forecast (v2 sync state invalid" in checks(result)["pilot_grants"]["items"][0]["reason"]


def test_check_mode_sends_nothing_and_tells_what_it_can(api, capsys):
    del api.connectors[1]
    api.grants.clear()
    rc, result, dummy = run(capsys, dict(planned_connectors=[]), check_mode=True)
    assert rc == 0 and result["changed"] is False and api.calls_of("send_test_event") == []
    assert result["test_events_sent"] == 0
    assert result["gate"]["verdict"] == "no-go" and result["gate"]["failed_checks"] == ["connectors"]
    assert checks(result)["webhooks"]["verdict"] == "unknown"
    assert "not sent in check mode" in checks(result)["webhooks"]["reason"]
    assert checks(result)["pilot_grants"]["verdict"] == "unknown"
    rc, result, dummy = run(capsys, dict(planned_connectors=["microsoft"]), check_mode=True)
    assert rc == 0 and result["gate"]["verdict"] == "unknown" and result["gate"]["passed"] is None
    assert result["gate_summary"].startswith("cannot tell yet (")


def test_without_v2_credentials_the_connectors_check_cannot_tell(api, capsys):
    args = dict(ARGS, v2_client_id=None, v2_client_secret=None)
    rc, result, dummy = run_module(nylas_migration_gate.main, args, capsys)
    assert rc == 1 and result["gate"]["failed_checks"] == ["connectors"]
    assert "without v2 credentials" in result["msg"]


def test_nothing_declared_passes(api, capsys):
    api.accounts.clear()
    rc, result, dummy = run(capsys, dict(webhook_urls=[], pilot_account_ids=[]))
    assert rc == 0 and result["gate"]["verdict"] == "go" and api.names().count("list_webhooks") == 0


def test_read_error_fails_with_the_api_fields(api, capsys):
    api.errors["list_webhooks"] = api_error(401, "invalid_request_error", "Unauthorized", path="/v3/webhooks")
    rc, result, raw = run(capsys)
    assert rc == 1 and result["msg"].startswith("Go/no-go gate: failed to list the webhooks (GET /v3/webhooks)")
    assert result["status"] == 401
    assert_no_secret(raw)


def test_bad_providers_refused_before_any_request(api, capsys):
    rc, result, dummy = run(capsys, dict(providers=["gmail"]))
    assert rc == 1 and "Invalid providers" in result["msg"] and api.calls == []


def test_no_test_event_once_the_batch_it_guards_started(api, capsys):
    """A re-run after the batch started (or completed) sends no test event: the gate guarded that batch."""
    api.jobs.append({"job_id": "mig-1", "type": "migration", "status": "completed", "created_at": 10})
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["gate"]["passed"] is True, result
    assert api.calls_of("send_test_event") == [] and result["test_events_sent"] == 0
    assert "already started (job mig-1 completed)" in checks(result)["webhooks"]["items"][0]["reason"]
    api.jobs[0]["status"] = "failed"  # a failed batch's retry is guarded again
    rc, result, dummy = run(capsys)
    assert rc == 0 and len(api.calls_of("send_test_event")) == 1
