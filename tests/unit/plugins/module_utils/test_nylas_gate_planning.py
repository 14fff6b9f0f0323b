# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the go/no-go gate's decisions (plugins/module_utils/nylas_gate_planning.py)."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_gate_planning import (
    FAIL,
    PASS,
    UNKNOWN,
    combine_check,
    connector_credentials,
    gate_decision,
    gate_line,
    judge_connector,
    batch_already_started,
    judge_pilot_grant,
    judge_webhook,
    pick_test_trigger,
    remaining_providers,
    unknown_check,
)

URL = "https://hooks.example.com/v3"
HOOK = {"id": "wh-1", "webhook_url": URL, "status": "active", "trigger_types": ["message.created"]}


def test_pick_test_trigger_takes_one_the_contract_accepts():
    assert pick_test_trigger(HOOK) == "message.created"
    assert pick_test_trigger({"trigger_types": ["not.a.trigger", "grant.expired"]}) == "grant.expired"
    assert pick_test_trigger({"trigger_types": []}) == "grant.created" and pick_test_trigger(None) == "grant.created"


def test_webhook_acknowledged_passes():
    item = judge_webhook(URL, HOOK, test_answer="success")
    assert item["verdict"] == PASS and item["test_event"] == "sent, answered success" and item["id"] == "wh-1"


@pytest.mark.parametrize("webhook, answer, error, reason", [
    (None, None, None, "no webhook destination has this URL"),
    (dict(HOOK, status="failed"), None, None, "status is failed, not active"),
    (dict(HOOK, status="pause"), None, None, "status is pause, not active"),
    (HOOK, "failure", None, "did not acknowledge the test event (Nylas answered 'failure')"),
    (HOOK, None, {"status": 400, "error_type": "70000", "message": "bad", "request_id": "r1"},
     "send-test-event failed: HTTP 400 70000: bad (request_id=r1)"),
])
def test_webhook_failures(webhook, answer, error, reason):
    item = judge_webhook(URL, webhook, test_answer=answer, test_error=error)
    assert item["verdict"] == FAIL and reason in item["reason"]


def test_webhook_in_check_mode_is_never_tested_and_planned_ones_are_unknown():
    item = judge_webhook(URL, HOOK, check_mode=True)
    assert item["verdict"] == UNKNOWN and "not sent in check mode" in item["reason"] and item["test_event"] == "not sent"
    assert judge_webhook(URL, None, check_mode=True, planned=True)["verdict"] == UNKNOWN
    assert "re-activates" in judge_webhook(URL, dict(HOOK, status="failed"), check_mode=True, planned=True)["reason"]
    # what the plan can already tell: not planned and missing is a failure now
    assert judge_webhook(URL, None, check_mode=True)["verdict"] == FAIL


def test_pilot_grants():
    assert judge_pilot_grant("a1", {"id": "g1", "grant_status": "valid"})["verdict"] == PASS
    invalid = judge_pilot_grant("a1", {"id": "g1", "grant_status": "invalid"})
    assert invalid["verdict"] == FAIL and "must re-authenticate" in invalid["reason"]
    assert judge_pilot_grant("a1", None)["verdict"] == FAIL
    assert judge_pilot_grant("a1", None, check_mode=True)["verdict"] == UNKNOWN


def test_pilot_grant_invalid_as_forecast_passes_and_invalid_where_valid_was_forecast_fails():
    needs_reauth = {"id": "a1", "provider": "gmail", "sync_state": "invalid", "authentication_type": "oauth"}
    working = {"id": "a2", "provider": "gmail", "sync_state": "running", "authentication_type": "oauth"}
    placeholder = judge_pilot_grant("a1", {"id": "g1", "grant_status": "invalid"}, v2_account=needs_reauth)
    assert placeholder["verdict"] == PASS and "as forecast" in placeholder["reason"]
    assert "sync state invalid" in placeholder["reason"]
    broken = judge_pilot_grant("a2", {"id": "g2", "grant_status": "invalid"}, v2_account=working)
    assert broken["verdict"] == FAIL and "forecast was valid" in broken["reason"]
    assert judge_pilot_grant("a2", {"id": "g2", "grant_status": "valid"}, v2_account=working)["verdict"] == PASS


def test_remaining_providers_leave_out_pilot_unknown_providers_and_out_of_scope():
    accounts = [{"id": "a1", "provider": "gmail"}, {"id": "a2", "provider": "gmail"},
                {"id": "a3", "provider": "office365"}, {"id": "a4", "provider": "eas"},
                {"id": "a5", "provider": "martian"}, {"id": "a6", "provider": "imap"}]
    assert remaining_providers(accounts, ["a1"]) == {"google": 1, "imap": 1, "microsoft": 2}
    assert remaining_providers(accounts, [], providers=frozenset(["google"])) == {"google": 2}
    assert remaining_providers([], []) == {}


@pytest.mark.parametrize("provider, connector, ok", [
    ("google", {"provider": "google", "settings": {"client_id": "cid"}}, True),
    ("microsoft", {"provider": "microsoft", "settings": {}, "active_credential_id": "cred-1"}, True),
    ("microsoft", {"provider": "microsoft", "settings": {"tenant": "common"}}, False),
    ("google", None, False),
    ("imap", {"provider": "imap"}, True),
    ("icloud", None, False),
])
def test_connector_credentials(provider, connector, ok):
    assert connector_credentials(provider, connector)[0] is ok


def test_judge_connector_names_the_accounts_and_planned_in_check_mode():
    item = judge_connector("microsoft", 12, None)
    assert item["verdict"] == FAIL and item["reason"] == ("no microsoft connector, so its 12 remaining account(s) "
                                                          "cannot be cloned")
    assert judge_connector("microsoft", 12, None, check_mode=True, planned=True)["verdict"] == UNKNOWN
    assert judge_connector("microsoft", 12, None, check_mode=True)["verdict"] == FAIL
    # the plan's import (step 3) may create a missing connector: unknown in check mode, a failure otherwise
    assert judge_connector("ews", 2, None, check_mode=True, import_planned=True)["verdict"] == UNKNOWN
    assert judge_connector("ews", 2, None, import_planned=True)["verdict"] == FAIL
    assert judge_connector("imap", 1, {"provider": "imap"})["verdict"] == PASS


def test_combine_check():
    items = [{"provider": "google", "verdict": PASS, "reason": "ok"},
             {"provider": "microsoft", "verdict": FAIL, "reason": "no microsoft connector"},
             {"provider": "imap", "verdict": UNKNOWN, "reason": "later"}]
    check = combine_check("connectors", items, "", "provider")
    assert check["verdict"] == FAIL and check["reason"] == "microsoft: no microsoft connector"
    assert combine_check("connectors", items[::2], "", "provider")["verdict"] == UNKNOWN
    assert combine_check("connectors", items[:1], "", "provider") == {
        "name": "connectors", "verdict": PASS, "reason": "all 1 pass", "items": items[:1]}
    assert combine_check("webhooks", [], "none declared", "webhook_url")["verdict"] == PASS


def test_gate_decision():
    ok = {"name": "webhooks", "verdict": PASS, "reason": "all 1 pass", "items": []}
    bad = {"name": "connectors", "verdict": FAIL, "reason": "microsoft: no microsoft connector", "items": []}
    later = unknown_check("pilot_grants", "no grant yet")
    go = gate_decision([ok])
    assert go["verdict"] == "go" and go["passed"] is True and go["failed_checks"] == []
    no_go = gate_decision([ok, later, bad])
    assert no_go["verdict"] == "no-go" and no_go["passed"] is False
    assert no_go["failed_checks"] == ["connectors", "pilot_grants"]  # outside check mode unknown is a no-go
    assert no_go["reason"].startswith("connectors check failed: microsoft: no microsoft connector")
    plan = gate_decision([ok, later], check_mode=True)
    assert plan["verdict"] == "unknown" and plan["passed"] is None and plan["failed_checks"] == []
    assert plan["reason"] == "pilot_grants: cannot tell yet (no grant yet)"
    assert gate_decision([ok, later, bad], check_mode=True)["failed_checks"] == ["connectors"]


def test_gate_line():
    assert gate_line(None) == "not run"
    assert gate_line({"verdict": "go"}) == "go"
    assert gate_line({"verdict": "no-go", "reason": "x"}) == "no-go (x)"
    assert gate_line({"verdict": "unknown", "reason": "y"}) == "cannot tell yet (y)"


def test_batch_already_started_active_or_completed_not_failed():
    running = {"job_id": "m2", "type": "migration", "status": "running", "created_at": 5}
    done = {"job_id": "m1", "type": "migration", "status": "partial", "created_at": 1}
    failed = {"job_id": "m3", "type": "migration", "status": "failed", "created_at": 9}
    assert batch_already_started([]) is None
    assert batch_already_started([failed]) is None
    assert batch_already_started([done])["job_id"] == "m1"
    assert batch_already_started([done, running])["job_id"] == "m2"
    webhook = {"id": "w", "status": "active"}
    item = judge_webhook("https://h/x", webhook, batch_job=done)
    assert item["verdict"] == PASS and item["test_event"].startswith("not sent")
    assert judge_webhook("https://h/x", dict(webhook, status="failed"), batch_job=done)["verdict"] == FAIL
