# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_pubsub_channel: main() with patched arguments and a fake client."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    BASE_ARGS,
    FakeNylas,
    api_error,
    assert_no_secret,
    run_module,
)

from ansible_collections.nylas.migration.plugins.modules import nylas_pubsub_channel

TOPIC = "projects/unit/topics/nylas"
TRIGGERS = ["grant.created", "message.created"]
ARGS = dict(BASE_ARGS, topic=TOPIC, trigger_types=TRIGGERS)


@pytest.fixture
def api(monkeypatch):
    return FakeNylas().install(monkeypatch)


def run(capsys, args=None, **kwargs):
    return run_module(nylas_pubsub_channel.main, dict(ARGS, **(args or {})), capsys, **kwargs)


def existing(api, **fields):
    channel = dict(id="ps-old", topic=TOPIC, trigger_types=list(TRIGGERS), description="", status="active",
                   notification_email_addresses=[], compressed_delivery=False)
    channel.update(fields)
    api.pubsub.append(channel)
    return channel


def test_creates(api, capsys):
    rc, result, raw = run(capsys, dict(notification_email_addresses=["ops@example.com"]), diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == ["create_pubsub_channel"]
    assert api.write_args("create_pubsub_channel") == [({"topic": TOPIC, "trigger_types": TRIGGERS,
                                                         "notification_email_addresses": ["ops@example.com"]},)]
    assert result["pubsub_channel"]["id"] == "ps-1"
    assert result["diff"]["before"] == {} and result["diff"]["after"]["topic"] == TOPIC
    assert_no_secret(raw)


def test_rerun_in_another_order_is_no_change(api, capsys):
    channel = existing(api)
    rc, result, dummy = run(capsys, dict(trigger_types=list(reversed(TRIGGERS))), diff=True)
    assert rc == 0 and result["changed"] is False and api.writes() == []
    assert result["pubsub_channel"] == channel and result["diff"] == {"before": {}, "after": {}}


def test_check_mode_predicts_without_write(api, capsys):
    rc, result, dummy = run(capsys, check_mode=True)
    assert rc == 0 and result["changed"] is True and api.writes() == [] and api.pubsub == []
    assert result["pubsub_channel"] == {"topic": TOPIC, "trigger_types": TRIGGERS}
    assert api.v3_kwargs["read_only"] is True
    [request] = result["planned_requests"]
    assert (request["method"], request["path"]) == ("POST", "/v3/channels/pubsub")
    assert request["body"]["topic"] == TOPIC


def test_updates_changed_fields(api, capsys):
    existing(api)
    rc, result, dummy = run(capsys, dict(trigger_types=["grant.expired"], compressed_delivery=True), diff=True)
    assert rc == 0 and result["changed"] is True and api.writes() == ["update_pubsub_channel"]
    assert api.write_args("update_pubsub_channel") == [("ps-old", {"trigger_types": ["grant.expired"],
                                                                   "compressed_delivery": True})]
    assert result["diff"] == {"before": {"compressed_delivery": False, "trigger_types": sorted(TRIGGERS)},
                              "after": {"compressed_delivery": True, "trigger_types": ["grant.expired"]}}


def test_deletes_and_delete_absent_is_no_change(api, capsys):
    existing(api)
    rc, result, dummy = run(capsys, dict(state="absent"))
    assert rc == 0 and result["changed"] is True and api.writes() == ["delete_pubsub_channel"]
    assert result["pubsub_channel"] is None
    rc, result, dummy = run(capsys, dict(state="absent"))
    assert rc == 0 and result["changed"] is False and api.writes() == ["delete_pubsub_channel"]


def test_duplicates_fail_before_write(api, capsys):
    existing(api)
    existing(api, id="ps-twin")
    rc, result, dummy = run(capsys)
    assert rc == 1 and "ps-old, ps-twin" in result["msg"] and api.writes() == []


@pytest.mark.parametrize("status, error_type", [(400, "bad_request"), (401, "invalid_request_error"),
                                                (429, "rate_limit_error"), (502, "non_json_response")])
def test_update_error_fields(api, capsys, status, error_type):
    existing(api)
    api.errors["update_pubsub_channel"] = api_error(status, error_type, "nope", method="PUT",
                                                    path="/v3/channels/pubsub/ps-old", request_id="rid-3")
    rc, result, raw = run(capsys, dict(description="new"))
    assert rc == 1 and result["changed"] is False
    assert result["msg"].startswith("Failed to update the Pub/Sub channel of %s: HTTP %d" % (TOPIC, status))
    assert result["status"] == status and result["error_type"] == error_type and result["request_id"] == "rid-3"
    assert result["method"] == "PUT" and result["pubsub_channel"]["id"] == "ps-old"
    assert_no_secret(raw)


def test_read_error(api, capsys):
    api.errors["list_pubsub_channels"] = api_error(401, "invalid_request_error", "Unauthorized",
                                                   path="/v3/channels/pubsub")
    rc, result, raw = run(capsys)
    assert rc == 1 and result["msg"].startswith("Failed to list the Pub/Sub channels (GET /v3/channels/pubsub): HTTP 401")
    assert api.writes() == []
    assert_no_secret(raw)


def test_unknown_outcome_resolved_by_reread(api, capsys, warnings):  # noqa: F811 - fixture
    api.side_effects["create_pubsub_channel"] = lambda: existing(api, id="ps-late")
    api.errors["create_pubsub_channel"] = api_error(504, "gateway_timeout", "timeout", method="POST",
                                                    outcome_unknown=True)
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["changed"] is True and result["pubsub_channel"]["id"] == "ps-late"
    assert any("treating it as created" in w for w in warnings)


@pytest.mark.parametrize("topic", ["nylas-notifications", "projects/acme/subscriptions/nylas", "projects/acme/topics/x"])
def test_bad_topic_fails_before_any_request(api, capsys, topic):
    rc, result, dummy = run(capsys, dict(topic=topic))
    assert rc == 1 and result["msg"].startswith("Invalid Pub/Sub topic: ") and api.calls == []
    assert "projects/<project>/topics/<topic>" in result["msg"]


def test_absent_deletes_whatever_topic_name(api, capsys):
    rc, result, dummy = run(capsys, dict(topic="legacy-name", state="absent"))
    assert rc == 0 and result["changed"] is False
