# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_import_app: main() with patched arguments and a fake client."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    BASE_ARGS,
    V2_ID,
    FakeNylas,
    api_error,
    assert_no_secret,
    run_module,
)

from ansible_collections.nylas.migration.plugins.modules import nylas_import_app

CB = "https://app.example.com/oauth/callback"


@pytest.fixture
def api(monkeypatch):
    fake = FakeNylas().install(monkeypatch)
    fake.application["v2_application_id"] = V2_ID
    fake.v2_application = {"application_name": "Unit v2", "redirect_uris": [CB]}
    fake.import_adds = {
        "callback_uris": [{"id": "cb-1", "platform": "web", "url": CB}],
        "connectors": [{"name": "Google", "provider": "google", "settings": {"client_id": "gid"}},
                       {"name": "Microsoft", "provider": "microsoft", "settings": {"tenant": "common"}}],
    }
    return fake


def run(capsys, args=None, **kwargs):
    return run_module(nylas_import_app.main, dict(BASE_ARGS, **(args or {})), capsys, **kwargs)


def test_imports(api, capsys):
    rc, result, raw = run(capsys, diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == ["import_v2_app"]
    assert result["import_result"] == "imported"
    assert [c["url"] for c in result["callback_uris"]] == [CB]
    assert [c["provider"] for c in result["connectors"]] == ["google", "microsoft"]
    assert result["connectors_needing_setup"][0]["provider"] == "microsoft"
    assert "Azure" in result["connectors_needing_setup"][0]["reason"]
    assert result["not_migrated"][0]["type"] == "webhooks" and result["not_migrated"][0]["count"] is None
    assert result["not_migrated"][0]["reason"].startswith("webhooks are not migrated by the import")
    assert result["basis"] == "v2" and "callback URI" in result["reason"]
    assert result["diff"] == {"before": {"callback_uris": [], "connectors": []},
                              "after": {"callback_uris": [CB], "connectors": ["google", "microsoft"]}}
    assert result["application"]["callback_uris"][0]["url"] == CB
    assert_no_secret(raw)


def test_rerun_unchanged(api, capsys):
    run(capsys)
    api.calls.clear()
    rc, result, dummy = run(capsys, diff=True)
    assert rc == 0 and result["changed"] is False and api.writes() == []
    assert result["diff"] == {"before": {}, "after": {}}
    assert "import_result" not in result


def test_check_mode_predicts_without_write(api, capsys):
    api.v2_application["integrations"] = ["gmail"]
    rc, result, dummy = run(capsys, check_mode=True, diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == []
    assert api.v3_kwargs["read_only"] is True
    assert result["callback_uris"] == [{"platform": "web", "url": CB}]
    assert result["connectors"] == [{"provider": "google"}]
    assert result["diff"]["after"]["callback_uris"] == [CB] and result["diff"]["after"]["connectors"] == ["google"]


def test_check_mode_lists_the_connectors_and_the_request(api, capsys):
    """Issue 10 point 9: the import's plan names the connectors it will create, and why."""
    api.v2_application["integrations"] = [
        {"provider": "gmail", "settings": {"client_id": "cid", "client_secret": "v2-google-secret"}}, "microsoft",
        "exchange", "eas"]
    rc, result, raw = run(capsys, check_mode=True, diff=True)
    assert rc == 0 and api.writes() == []
    created = result["connectors_to_create"]
    assert [(c["provider"], c["from_integrations"], c["settings_from_v2"]) for c in created] == [
        ("google", ["gmail"], True), ("microsoft", ["microsoft", "exchange"], False)]
    assert created[0]["setup"] is None and "Azure" in created[1]["setup"]
    assert created[0]["reason"] == "v2 integration gmail; the v3 application has no google connector"
    assert result["diff"]["after"]["connectors_to_create"] == created
    assert result["planned_requests"] == [{"method": "POST", "path": "/v3/migration-tools/import-v2-app",
                                           "query": {}, "body": None}]
    assert result["diff"]["after"]["planned_requests"] == result["planned_requests"]
    assert "v2-google-secret" not in raw


def test_force(api, capsys):
    run(capsys)
    api.calls.clear()
    rc, result, dummy = run(capsys, dict(force=True))
    assert rc == 0 and result["changed"] is True and api.writes() == ["import_v2_app"]
    assert result["reason"] == "force is set"


def test_object_data_accepted(api, capsys):
    api.import_data = {"message": "done", "application_id": "app-unit"}
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["import_result"] == {"message": "done", "application_id": "app-unit"}


def test_requires_link_before_any_write(api, capsys):
    del api.application["v2_application_id"]
    rc, result, dummy = run(capsys)
    assert rc == 1 and "not linked" in result["msg"] and "nylas_link_apps" in result["msg"]
    assert api.writes() == []


def test_refuses_link_to_other_v2_app(api, capsys):
    api.application["v2_application_id"] = "v2-other"
    rc, result, dummy = run(capsys)
    assert rc == 1 and "v2-other" in result["msg"] and api.writes() == []


def test_refuses_region_mismatch(api, capsys):
    api.application["region"] = "eu"
    rc, result, dummy = run(capsys)
    assert rc == 1 and "'eu'" in result["msg"] and api.writes() == []


def test_v2_read_failure_falls_back_to_connectors(api, capsys):
    api.errors["v2_get_application"] = api_error(503, "service_unavailable", "v2 is gone", path="/a/x")
    rc, result, raw = run(capsys)
    assert rc == 0 and result["changed"] is True and result["basis"] == "v3"
    assert "Could not read the v2 application" in raw and "v3 connectors alone" in raw
    api.calls.clear()
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["changed"] is False and api.writes() == []


def test_without_v2_credentials_uses_connectors(api, capsys):
    args = dict(BASE_ARGS)
    del args["v2_client_id"], args["v2_client_secret"]
    api.connectors = [{"provider": "google", "settings": {"client_id": "x", "client_secret": "hidden-value"}}]
    rc, result, raw = run_module(nylas_import_app.main, args, capsys)
    assert rc == 0 and result["changed"] is False and api.writes() == []
    assert not any(c[0] == "v2_get_application" for c in api.calls)
    assert result["connectors"][0]["settings"]["client_secret"] == "********"
    assert "hidden-value" not in raw


def test_callback_uris_read_when_application_lacks_them(api, capsys):
    del api.application["callback_uris"]
    rc, result, dummy = run(capsys)
    assert rc == 0 and "list_redirect_uris" in [c[0] for c in api.calls]


def test_webhook_warning_names_count(api, capsys):
    api.v2_application["webhooks"] = [{"id": "w1"}, {"id": "w2"}]
    rc, result, raw = run(capsys)
    assert rc == 0 and result["not_migrated"][0]["count"] == 2
    assert "The v2 application has 2 webhook(s)" in raw


@pytest.mark.parametrize("status, error_type", [(401, "invalid_request_error"), (404, "not_found_error"),
                                                (429, "rate_limit_error"), (500, "internal_error"),
                                                (502, "non_json_response")])
def test_import_error_fields(api, capsys, status, error_type):
    api.errors["import_v2_app"] = api_error(status, error_type, "nope", method="POST",
                                            path="/v3/migration-tools/import-v2-app", request_id="rid-7")
    rc, result, raw = run(capsys)
    assert rc == 1 and result["changed"] is False
    assert result["msg"].startswith("Failed to import the v2 application: HTTP %d" % status)
    assert result["status"] == status and result["error_type"] == error_type and result["request_id"] == "rid-7"
    assert result["application"]["application_id"] == "app-unit"  # partial results kept
    assert_no_secret(raw)


def test_unknown_outcome_resolved_by_reread(api, capsys):
    adds = api.import_adds
    api.errors["import_v2_app"] = api_error(504, "gateway_timeout", "lost", method="POST", outcome_unknown=True)

    def happened():
        api.application["callback_uris"] = list(adds["callback_uris"])
        api.connectors = list(adds["connectors"])

    api.side_effects["import_v2_app"] = happened
    rc, result, raw = run(capsys)
    assert rc == 0 and result["changed"] is True and "treating it as made" in raw
    assert [c["url"] for c in result["callback_uris"]] == [CB]


def test_unknown_outcome_not_done_is_resent_once_then_unknown(api, capsys):
    api.errors["import_v2_app"] = api_error(504, "gateway_timeout", "lost", method="POST", outcome_unknown=True)
    rc, result, dummy = run(capsys)
    assert rc == 1 and result["outcome_unknown"] is True
    assert result["msg"].startswith("The outcome of the import of the v2 application is unknown (re-read for 30 s")
    assert api.writes() == ["import_v2_app", "import_v2_app"]


def test_unknown_outcome_not_done_is_resent_after_settle_time_and_made(api, capsys, clock, warnings):
    api.errors["import_v2_app"] = [api_error(504, "gateway_timeout", "lost", method="POST", outcome_unknown=True)]
    rc, result, raw = run(capsys)
    assert rc == 0 and result["changed"] is True and any("re-sent once" in w for w in warnings)
    assert api.writes() == ["import_v2_app", "import_v2_app"] and sum(clock.slept) == 30


def test_read_error_after_import_keeps_partial_results(api, capsys):
    def break_reads():
        api.errors["get_application"] = api_error(500, "internal_error", "down")

    api.side_effects["import_v2_app"] = break_reads
    rc, result, dummy = run(capsys)
    assert rc == 1 and result["changed"] is True and result["import_result"] == "imported"
    assert result["status"] == 500


def test_check_mode_predicts_when_link_pending(api, capsys):
    del api.application["v2_application_id"]
    rc, result, raw = run(capsys, check_mode=True)
    assert rc == 0 and result["changed"] is True and api.writes() == []
    assert "not linked to a v2 application yet" in raw
    assert result["basis"] == "v2" and [c["url"] for c in result["callback_uris"]] == [CB]


def test_check_mode_without_link_or_v2_credentials_fails(api, capsys):
    del api.application["v2_application_id"]
    args = dict(BASE_ARGS)
    del args["v2_client_id"], args["v2_client_secret"]
    rc, result, dummy = run_module(nylas_import_app.main, args, capsys, check_mode=True)
    assert rc == 1 and "not linked" in result["msg"]


def test_check_mode_infers_the_connectors_from_the_v2_accounts(api, capsys):
    """Issue 10 point 9: the v2 API lists no integrations; the plan still names the connectors the import creates."""
    api.accounts = [{"id": "a1", "provider": "gmail"}, {"id": "a2", "provider": "office365"},
                    {"id": "a3", "provider": "eas"}]
    rc, result, raw = run(capsys, check_mode=True, diff=True)
    assert rc == 0 and api.writes() == []
    created = result["connectors_to_create"]
    assert [(c["provider"], c.get("inferred")) for c in created] == [("google", True), ("microsoft", True)]
    assert result["diff"]["after"]["connectors_to_create"] == created
    assert [c["provider"] for c in result["connectors_needing_setup"]] == ["microsoft"]
    assert sorted(result["diff"]["after"]["connectors"]) == ["google", "microsoft"]
    assert_no_secret(raw)
