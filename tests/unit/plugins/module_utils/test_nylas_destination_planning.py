# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of webhook / Pub/Sub planning (plugins/module_utils/nylas_destination_planning.py)."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_destination_planning import (
    challenge_failure,
    challenge_note,
    destination_gone,
    find_destinations,
    needs_reactivation,
    plan_destination,
    pubsub_topic_problem,
    strip_destination_secrets,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_diff import plan_diff
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

# -- webhooks and Pub/Sub ----------------------------------------------------------------------------

URL = "https://hooks.example.com/v3"
HOOK = {"id": "wh-1", "webhook_url": URL, "trigger_types": ["grant.created", "message.created"],
        "description": "d", "status": "active", "notification_email_addresses": ["a@example.com"],
        "compressed_delivery": False, "created_at": 1, "updated_at": 2}
WANTED = {"trigger_types": ["message.created", "grant.created", "grant.created"], "description": "d",
          "notification_email_addresses": None, "compressed_delivery": None}


def test_destination_create():
    plan = plan_destination([], "webhook", URL, wanted=WANTED)
    assert plan["action"] == "create" and plan["id"] is None
    assert plan["body"] == {"webhook_url": URL, "trigger_types": WANTED["trigger_types"], "description": "d"}
    assert plan_diff(plan)["after"] == {"webhook_url": URL, "trigger_types": ["grant.created", "message.created"],
                                        "description": "d"}


def test_destination_create_needs_trigger_types():
    with pytest.raises(PlanningError, match="trigger_types is required"):
        plan_destination([], "webhook", URL, wanted={"description": "d"})


def test_destination_unchanged_when_order_differs_and_server_fields_ignored():
    other = dict(HOOK, id="wh-2", webhook_url="https://other.example.com")
    plan = plan_destination([other, HOOK], "webhook", URL, wanted=WANTED)
    assert plan["action"] == "none" and plan["id"] == "wh-1"
    assert plan["predicted"] == HOOK


def test_destination_update_only_changed_and_managed():
    wanted = dict(WANTED, trigger_types=["grant.created"], notification_email_addresses=["b@example.com"])
    plan = plan_destination([HOOK], "webhook", URL, wanted=wanted)
    assert plan["action"] == "update" and plan["id"] == "wh-1"
    assert plan["changed_fields"] == ["notification_email_addresses", "trigger_types"]
    assert plan["body"] == {"trigger_types": ["grant.created"], "description": "d",
                            "notification_email_addresses": ["b@example.com"]}
    assert plan_diff(plan) == {
        "before": {"notification_email_addresses": ["a@example.com"],
                   "trigger_types": ["grant.created", "message.created"]},
        "after": {"notification_email_addresses": ["b@example.com"], "trigger_types": ["grant.created"]},
    }
    assert plan["predicted"]["trigger_types"] == ["grant.created"] and plan["predicted"]["id"] == "wh-1"


def test_destination_empty_values_equal_absent():
    bare = {"id": "wh-1", "webhook_url": URL, "trigger_types": ["grant.created"]}
    wanted = {"trigger_types": ["grant.created"], "description": "", "notification_email_addresses": [],
              "compressed_delivery": False}
    assert plan_destination([bare], "webhook", URL, wanted=wanted)["action"] == "none"
    plan = plan_destination([bare], "webhook", URL, wanted=dict(wanted, description="new"))
    assert plan_diff(plan) == {"before": {}, "after": {"description": "new"}}


def test_destination_duplicates():
    twin = dict(HOOK, id="wh-2")
    with pytest.raises(PlanningError, match="2 webhooks have the webhook_url .* wh-1, wh-2"):
        plan_destination([HOOK, twin], "webhook", URL, wanted=WANTED)
    plan = plan_destination([HOOK, twin], "webhook", URL, state="absent")
    assert plan["action"] == "delete" and plan["delete_ids"] == ["wh-1", "wh-2"]


def test_destination_delete_and_delete_absent():
    plan = plan_destination([HOOK], "webhook", URL, state="absent")
    assert plan["action"] == "delete" and plan["predicted"] is None and plan_diff(plan)["after"] == {}
    plan = plan_destination([], "webhook", URL, state="absent")
    assert plan["action"] == "none" and not plan["changed"] and plan["delete_ids"] == []


def test_destination_secret_never_in_plan():
    with_secret = dict(HOOK, webhook_secret="s3cr3t-UNIT")
    plan = plan_destination([with_secret], "webhook", URL, wanted=dict(WANTED, description="x"))
    assert "s3cr3t-UNIT" not in repr(plan)
    assert strip_destination_secrets(with_secret) == HOOK
    assert strip_destination_secrets(None) is None


def test_pubsub_keyed_by_topic():
    topic = "projects/p/topics/t"
    channel = {"id": "ps-1", "topic": topic, "trigger_types": ["grant.created"]}
    assert find_destinations([channel, HOOK], "pubsub", topic) == [channel]
    plan = plan_destination([channel], "pubsub", topic, wanted={"trigger_types": ["grant.created"]})
    assert plan["action"] == "none"
    plan = plan_destination([], "pubsub", topic, wanted={"trigger_types": ["grant.created"]})
    assert plan["body"] == {"topic": topic, "trigger_types": ["grant.created"]}


def test_destination_bad_input():
    with pytest.raises(PlanningError, match="Unknown destination kind"):
        plan_destination([], "email", URL)
    with pytest.raises(PlanningError, match="Unknown state"):
        plan_destination([], "webhook", URL, wanted=WANTED, state="gone")


# -- status drift, the challenge, "already gone" -----------------------------------------------------

@pytest.mark.parametrize("status", ["failing", "failed", "pause"])
def test_inactive_destination_is_drift_planned_for_reactivation(status):
    plan = plan_destination([dict(HOOK, status=status)], "webhook", URL, wanted=WANTED)
    assert plan["action"] == "update" and plan["changed"] and plan["reactivate"] is True
    assert plan["changed_fields"] == ["status"]
    assert plan["body"]["status"] == "active"
    assert plan_diff(plan) == {"before": {"status": status}, "after": {"status": "active"}}
    assert plan["predicted"]["status"] == "active"
    assert any("is %s, so Nylas sends it nothing" % status in n for n in plan["notes"])
    assert any("GET %s?challenge=" % URL in n and "within 10 s" in n for n in plan["notes"])


def test_reactivation_with_other_changes_sends_both():
    wanted = dict(WANTED, description="new")
    plan = plan_destination([dict(HOOK, status="failed")], "webhook", URL, wanted=wanted)
    assert plan["changed_fields"] == ["description", "status"]
    assert plan["body"] == {"trigger_types": WANTED["trigger_types"], "description": "new", "status": "active"}


def test_active_or_unknown_status_is_not_drift():
    assert plan_destination([HOOK], "webhook", URL, wanted=WANTED)["reactivate"] is False
    bare = {k: v for k, v in HOOK.items() if k != "status"}
    plan = plan_destination([bare], "webhook", URL, wanted=WANTED)
    assert plan["action"] == "none" and plan["notes"] == []
    assert not needs_reactivation(bare) and not needs_reactivation(None) and needs_reactivation({"status": "pause"})


def test_create_notes_the_challenge_and_pubsub_does_not():
    plan = plan_destination([], "webhook", URL, wanted=WANTED)
    assert plan["notes"] == [challenge_note("webhook", URL)]
    assert "must be live" in plan["notes"][0] and "ngrok" in plan["notes"][0]
    topic = "projects/p/topics/t"
    assert plan_destination([], "pubsub", topic, wanted={"trigger_types": ["grant.created"]})["notes"] == []
    plan = plan_destination([{"id": "ps-1", "topic": topic, "trigger_types": ["grant.created"], "status": "failed"}],
                            "pubsub", topic, wanted={"trigger_types": ["grant.created"]})
    assert plan["reactivate"] and plan["body"] == {"trigger_types": ["grant.created"], "status": "active"}
    assert len(plan["notes"]) == 1 and "Pub/Sub channel %s is failed" % topic in plan["notes"][0]


def test_challenge_failure_from_the_contract_example():
    text = challenge_failure(URL, 400, "70005", "unable.verify.webhook_url : status is not ok, got 404")
    assert text.startswith("Nylas could not verify the webhook URL %s: the endpoint answered HTTP 404" % URL)
    assert "GET %s?challenge=<value>" % URL in text and "within 10 s" in text


def test_challenge_failure_without_a_status_and_other_errors():
    text = challenge_failure(URL, 400, "70005", "unable.verify.webhook_url : context deadline exceeded")
    assert "did not answer the challenge" in text
    assert challenge_failure(URL, 400, "bad_request", "unable.verify.webhook_url : got 500").startswith("Nylas could")
    assert challenge_failure(URL, 400, "70000", "invalid.input.format : trigger_types is required") is None
    assert challenge_failure(URL, 401, "70005", "unable.verify.webhook_url") is None
    assert challenge_failure(URL, 400, None, None) is None


@pytest.mark.parametrize("status, error_type, message, gone", [
    (404, "not_found_error", "not found", True),
    (400, "70000", "destination.id.not.found : record not found", True),
    (400, 70000, "record not found", True),
    (400, "70000", "invalid.input.format : topic is required", False),  # same type, bad input
    (400, "bad_request", "record not found", False),
    (500, "70000", "record not found", False),
])
def test_destination_gone(status, error_type, message, gone):
    assert destination_gone(status, error_type, message) is gone


@pytest.mark.parametrize("topic, problem", [
    ("projects/acme-prod/topics/nylas-notifications", None),
    ("projects/example.com:acme/topics/nylas_v3.events", None),
    ("nylas-notifications", "projects/<project>/topics/<topic>"),
    ("projects/acme/subscriptions/nylas", "projects/<project>/topics/<topic>"),
    ("projects/acme/topics/ab", "projects/<project>/topics/<topic>"),
    ("projects/acme/topics/1abc", "projects/<project>/topics/<topic>"),
    ("projects//topics/nylas", "projects/<project>/topics/<topic>"),
    ("projects/acme/topics/nylas/extra", "projects/<project>/topics/<topic>"),
    ("projects/acme/topics/google-events", "may not start with 'goog'"),
    (None, "projects/<project>/topics/<topic>"),
])
def test_pubsub_topic_problem(topic, problem):
    found = pubsub_topic_problem(topic)
    assert (found is None) if problem is None else (problem in found)
