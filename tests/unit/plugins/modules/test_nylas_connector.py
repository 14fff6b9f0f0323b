# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_connector: main() with patched arguments and a fake client."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    BASE_ARGS,
    FakeNylas,
    api_error,
    assert_no_secret,
    run_module,
)

from ansible_collections.nylas.migration.plugins.modules import nylas_connector

CLIENT_SECRET = "google-client-secret-UNIT-9f8e7d"
SCOPE = ["openid", "https://www.googleapis.com/auth/gmail.modify"]
ARGS = dict(BASE_ARGS, provider="google", settings={"client_id": "cid", "client_secret": CLIENT_SECRET},
            scope=SCOPE)


@pytest.fixture
def api(monkeypatch):
    return FakeNylas().install(monkeypatch)


def run(capsys, args=None, **kwargs):
    return run_module(nylas_connector.main, dict(ARGS, **(args or {})), capsys, **kwargs)


def existing(api, **fields):
    connector = dict(provider="google", name="Google", settings={"client_id": "cid", "client_secret": "old"},
                     scope=list(reversed(SCOPE)))
    connector.update(fields)
    api.connectors.append(connector)
    return connector


def assert_no_connector_secret(raw):
    assert CLIENT_SECRET not in raw
    assert_no_secret(raw)


def test_creates_with_secret_masked(api, capsys):
    rc, result, raw = run(capsys, diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == ["create_connector"]
    assert api.write_args("create_connector") == [({"provider": "google", "scope": SCOPE, "settings": {
        "client_id": "cid", "client_secret": CLIENT_SECRET}},)]
    assert result["connector"] == {"provider": "google", "name": "Google", "settings": {"client_id": "cid"},
                                   "scope": SCOPE}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["settings"] == {"client_id": "cid", "client_secret": "********"}
    assert_no_connector_secret(raw)


def test_rerun_is_no_change_secret_not_compared(api, capsys):
    existing(api)
    rc, result, raw = run(capsys, dict(scope=SCOPE + ["openid"]), diff=True)
    assert rc == 0 and result["changed"] is False and api.writes() == []
    assert result["diff"] == {"before": {}, "after": {}}
    assert_no_connector_secret(raw)


def test_check_mode_predicts_without_write(api, capsys):
    rc, result, raw = run(capsys, check_mode=True, diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == [] and api.connectors == []
    assert result["connector"]["settings"] == {"client_id": "cid", "client_secret": "********"}
    assert api.v3_kwargs["read_only"] is True
    assert_no_connector_secret(raw)
    [request] = result["planned_requests"]
    assert (request["method"], request["path"], request["query"]) == ("POST", "/v3/connectors", {})
    assert request["body"]["provider"] == "google"
    assert request["body"]["settings"] == {"client_id": "cid", "client_secret": "********"}
    assert result["diff"]["after"]["planned_requests"] == [request]


def test_check_mode_shows_the_patch_and_the_delete(api, capsys):
    existing(api)
    rc, result, raw = run(capsys, dict(update_secrets=True), check_mode=True)
    assert rc == 0 and api.writes() == []
    assert result["planned_requests"] == [{"method": "PATCH", "path": "/v3/connectors/google", "query": {},
                                           "body": {"settings": {"client_id": "cid", "client_secret": "********"}}}]
    assert_no_connector_secret(raw)
    rc, result, raw = run(capsys, dict(state="absent"), check_mode=True)
    assert rc == 0 and result["planned_requests"] == [
        {"method": "DELETE", "path": "/v3/connectors/google", "query": {}, "body": None}]


def test_update_secrets_sends_secret(api, capsys):
    existing(api)
    rc, result, raw = run(capsys, dict(update_secrets=True), diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == ["update_connector"]
    assert api.write_args("update_connector") == [("google", {"settings": {"client_id": "cid",
                                                                           "client_secret": CLIENT_SECRET}})]
    assert api.connectors[0]["settings"]["client_secret"] == CLIENT_SECRET
    assert result["diff"]["after"]["settings"]["client_secret"] == "********"
    assert_no_connector_secret(raw)


def test_scope_update_only_sends_scope(api, capsys):
    existing(api)
    rc, result, raw = run(capsys, dict(scope=["openid"]), diff=True)
    assert rc == 0 and result["changed"] is True
    assert api.write_args("update_connector") == [("google", {"scope": ["openid"]})]
    assert result["connector"]["scope"] == ["openid"]
    assert result["diff"] == {"before": {"scope": sorted(SCOPE)}, "after": {"scope": ["openid"]}}


def test_unmanaged_options_and_providers_without_settings(api, capsys):
    existing(api)
    rc, result, dummy = run(capsys, dict(settings=None, scope=None))
    assert rc == 0 and result["changed"] is False
    rc, result, dummy = run(capsys, dict(provider="imap", settings=None, scope=None))
    assert rc == 0 and result["changed"] is True
    assert api.write_args("create_connector")[-1] == ({"provider": "imap"},)


def test_deletes_and_delete_absent_is_no_change(api, capsys):
    existing(api)
    rc, result, raw = run(capsys, dict(state="absent"), diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == ["delete_connector"]
    assert result["connector"] is None and result["diff"]["after"] == {}
    rc, result, dummy = run(capsys, dict(state="absent"))
    assert rc == 0 and result["changed"] is False and api.writes() == ["delete_connector"]
    assert_no_connector_secret(raw)


def test_delete_raced_by_someone_else(api, capsys, warnings):  # noqa: F811 - fixture
    existing(api)
    api.side_effects["delete_connector"] = api.connectors.clear
    rc, result, dummy = run(capsys, dict(state="absent"))
    assert rc == 0 and result["changed"] is False
    assert any("deleted by someone else" in w for w in warnings)


def test_unknown_provider_refused(api, capsys):
    rc, result, dummy = run(capsys, dict(provider="gmail"))
    assert rc == 1 and "provider" in result["msg"] and api.calls == []


@pytest.mark.parametrize("status, error_type", [(400, "bad_request"), (401, "invalid_request_error"),
                                                (429, "rate_limit_error"), (502, "non_json_response")])
def test_create_error_fields(api, capsys, status, error_type):
    api.errors["create_connector"] = api_error(status, error_type, "nope", method="POST", path="/v3/connectors",
                                               request_id="rid-5")
    rc, result, raw = run(capsys)
    assert rc == 1 and result["changed"] is False
    assert result["msg"].startswith("Failed to create the google connector: HTTP %d" % status)
    assert result["status"] == status and result["error_type"] == error_type and result["request_id"] == "rid-5"
    assert result["method"] == "POST" and result["path"] == "/v3/connectors" and result["connector"] is None
    assert_no_connector_secret(raw)


def test_read_error(api, capsys):
    api.errors["get_connector"] = api_error(401, "invalid_request_error", "Unauthorized", path="/v3/connectors/google")
    rc, result, raw = run(capsys)
    assert rc == 1 and result["msg"].startswith("Failed to read the google connector: HTTP 401")
    assert result["status"] == 401 and api.writes() == []
    assert_no_connector_secret(raw)


def test_unknown_outcome_resolved_by_reread(api, capsys, warnings):  # noqa: F811 - fixture
    api.side_effects["create_connector"] = lambda: existing(api)
    api.errors["create_connector"] = api_error(504, "gateway_timeout", "timeout", method="POST", outcome_unknown=True)
    rc, result, raw = run(capsys)
    assert rc == 0 and result["changed"] is True and result["connector"]["provider"] == "google"
    assert any("treating it as created" in w for w in warnings)
    assert_no_connector_secret(raw)


def test_unknown_outcome_not_created_is_resent_once_then_unknown(api, capsys):
    api.errors["create_connector"] = api_error(502, "bad_gateway", "gone", method="POST", outcome_unknown=True)
    rc, result, dummy = run(capsys)
    assert rc == 1 and result["outcome_unknown"] is True and result["status"] == 502
    assert result["msg"].startswith("The outcome of creating ") and "re-sent once" in result["msg"]
    assert api.writes() == ["create_connector", "create_connector"]


def test_unknown_outcome_not_created_is_resent_after_settle_time_and_created(api, capsys, clock):
    api.errors["create_connector"] = [api_error(502, "bad_gateway", "gone", method="POST", outcome_unknown=True)]
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["changed"] is True and result["connector"]
    assert api.writes() == ["create_connector", "create_connector"] and sum(clock.slept) == 30


def test_settings_change_without_its_secret_is_refused_before_any_write(api, capsys):
    existing(api, settings={"client_id": "cid"})
    rc, result, raw = run(capsys, dict(settings={"client_id": "new-cid"}), diff=True)
    assert rc == 1 and result["changed"] is False and api.writes() == []
    assert "without client_secret" in result["msg"] and "settings.client_secret" in result["msg"]
    assert result["connector"]["settings"] == {"client_id": "cid"}
    rc, result, raw = run(capsys, dict(settings={"client_id": "new-cid"}), check_mode=True)
    assert rc == 1 and "without client_secret" in result["msg"] and api.writes() == []


def test_settings_change_sends_the_whole_settings_object(api, capsys):
    existing(api, settings={"client_id": "cid", "topic_name": "projects/p/topics/gmail"})
    rc, result, raw = run(capsys, dict(settings={"client_id": "new-cid", "client_secret": CLIENT_SECRET}), diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == ["update_connector"]
    assert api.write_args("update_connector")[0][1]["settings"] == {
        "client_id": "new-cid", "topic_name": "projects/p/topics/gmail", "client_secret": CLIENT_SECRET}
    assert result["diff"]["after"]["settings"] == {"client_id": "new-cid", "topic_name": "projects/p/topics/gmail",
                                                   "client_secret": "********"}
    assert_no_connector_secret(raw)
