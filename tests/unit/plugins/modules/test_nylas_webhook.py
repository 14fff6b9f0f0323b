# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_webhook: main() with patched arguments and a fake client.

The fake API (``FakeNylas``: connectors, webhooks and Pub/Sub channels among the rest) lives in
``nylas_fake_client`` and is shared by every module unit test.
"""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    BASE_ARGS,
    WEBHOOK_SECRET,
    FakeNylas,
    api_error,
    assert_no_secret,
    run_module,
)

from ansible_collections.nylas.migration.plugins.modules import nylas_webhook

URL = "https://hooks.example.com/unit/v3"
TRIGGERS = ["grant.created", "message.created"]
ARGS = dict(BASE_ARGS, webhook_url=URL, trigger_types=TRIGGERS)


@pytest.fixture
def api(monkeypatch):
    return FakeNylas().install(monkeypatch)


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
    [request] = result["planned_requests"]
    assert (request["method"], request["path"], request["query"]) == ("POST", "/v3/webhooks", {})
    assert request["body"]["webhook_url"] == URL and request["body"]["trigger_types"] == TRIGGERS
    assert result["diff"]["after"]["planned_requests"] == [request]
    existing(api)
    rc, result, dummy = run(capsys, dict(trigger_types=["grant.created"]), check_mode=True)
    assert rc == 0 and result["changed"] is True and api.writes() == []
    assert result["webhook"]["trigger_types"] == ["grant.created"] and result["webhook"]["id"] == "wh-old"
    assert [(r["method"], r["path"]) for r in result["planned_requests"]] == [("PUT", "/v3/webhooks/wh-old")]
    assert result["planned_requests"][0]["body"]["trigger_types"] == ["grant.created"]


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
    assert rc == 1 and result["msg"].startswith("Failed to list the webhooks (GET /v3/webhooks): HTTP 401")
    assert result["status"] == 401 and api.writes() == []
    assert_no_secret(raw)


def test_unknown_outcome_resolved_by_reread(api, capsys, warnings):
    api.side_effects["create_webhook"] = lambda: existing(api, id="wh-late")
    api.errors["create_webhook"] = api_error(504, "gateway_timeout", "timeout", method="POST", outcome_unknown=True)
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["changed"] is True and result["webhook"]["id"] == "wh-late"
    assert any("treating it as created" in w for w in warnings)


def test_unknown_outcome_with_two_destinations_of_the_url_is_not_resent(api, capsys, warnings):
    # the lost create made one, and someone else made another meanwhile: shown, never a third
    api.side_effects["create_webhook"] = lambda: (existing(api, id="wh-late"), existing(api, id="wh-other"))
    api.errors["create_webhook"] = api_error(504, "gateway_timeout", "timeout", method="POST", outcome_unknown=True)
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["webhook"]["id"] == "wh-late" and api.writes() == ["create_webhook"]


def test_unknown_outcome_not_created_is_resent_once_then_unknown(api, capsys):
    api.errors["create_webhook"] = api_error(502, "bad_gateway", "gone", method="POST", outcome_unknown=True)
    rc, result, dummy = run(capsys)
    assert rc == 1 and result["outcome_unknown"] is True and result["status"] == 502
    assert result["msg"].startswith("The outcome of creating ") and "re-sent once" in result["msg"]
    assert api.writes() == ["create_webhook", "create_webhook"]


def test_unknown_outcome_not_created_is_resent_after_settle_time_and_created(api, capsys, clock):
    api.errors["create_webhook"] = [api_error(502, "bad_gateway", "gone", method="POST", outcome_unknown=True)]
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["changed"] is True and result["webhook"]
    assert api.writes() == ["create_webhook", "create_webhook"] and sum(clock.slept) == 30


def test_challenge_failure_on_create_names_url_answer_and_request_id(api, capsys):
    api.errors["create_webhook"] = api_error(400, "70005", "unable.verify.webhook_url : status is not ok, got 404",
                                             method="POST", path="/v3/webhooks", request_id="rid-ch")
    rc, result, raw = run(capsys)
    assert rc == 1 and result["changed"] is False and result["webhook"] is None
    assert result["msg"].startswith("Nylas could not verify the webhook URL %s: the endpoint answered HTTP 404" % URL)
    assert "status is not ok, got 404" in result["msg"] and "request_id=rid-ch" in result["msg"]
    assert result["status"] == 400 and result["error_type"] == "70005" and result["request_id"] == "rid-ch"
    assert api.writes() == ["create_webhook"]  # refused: never re-sent
    assert_no_secret(raw)


@pytest.mark.parametrize("status", ["failed", "failing", "pause"])
def test_inactive_destination_planned_for_reactivation_in_check_mode(api, capsys, status):
    existing(api, status=status)
    rc, result, dummy = run(capsys, check_mode=True, diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == []
    [request] = result["planned_requests"]
    assert (request["method"], request["path"]) == ("PUT", "/v3/webhooks/wh-old")
    assert request["body"]["status"] == "active"
    assert result["diff"]["before"] == {"status": status}
    assert result["diff"]["after"]["status"] == "active" and result["diff"]["after"]["notes"] == result["notes"]
    assert any("must be live" in n for n in result["notes"])
    assert result["webhook"]["status"] == "active"


def test_reactivation_sends_status_active(api, capsys):
    existing(api, status="failed")
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["changed"] is True and api.writes() == ["update_webhook"]
    assert api.write_args("update_webhook")[0][1]["status"] == "active"
    assert result["webhook"]["status"] == "active"
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["changed"] is False and result["notes"] == []


def test_reactivation_challenge_failure_is_explained(api, capsys):
    existing(api, status="failed")
    api.errors["update_webhook"] = api_error(400, "70005", "unable.verify.webhook_url : status is not ok, got 503",
                                             method="PUT", path="/v3/webhooks/wh-old", request_id="rid-re")
    rc, result, dummy = run(capsys)
    assert rc == 1 and "the endpoint answered HTTP 503" in result["msg"] and result["request_id"] == "rid-re"
    assert result["webhook"]["status"] == "failed"


def test_create_plan_says_the_endpoint_must_be_live(api, capsys):
    rc, result, dummy = run(capsys, check_mode=True, diff=True)
    assert rc == 0 and len(result["notes"]) == 1 and "GET %s?challenge=" % URL in result["notes"][0]
    assert result["diff"]["after"]["notes"] == result["notes"]
