# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the pure id-translation decisions (module_utils/nylas_translate_planning.py)."""
from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.nylas.migration.plugins.module_utils import nylas_translate_planning as p
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError


def grant(account_id, status="valid", provider="google"):
    return {"id": "g-" + account_id, "account_id": account_id, "grant_status": status, "provider": provider,
            "email": account_id + "@example.com"}


# -- since ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (None, None),
    ("", None),
    (1764489600, 1764489600),
    ("1764489600", 1764489600),
    ("2025-11-30T08:00:00Z", 1764489600),
    ("2025-11-30T09:00:00+01:00", 1764489600),
    ("2025-11-30T09:00:00+0100", 1764489600),
    ("2025-11-30T08:00:00", 1764489600),
    ("2025-11-30 08:00", 1764489600),
    ("2025-11-30", 1764460800),
])
def test_parse_since_accepts_unix_seconds_and_iso_8601(value, expected):
    assert p.parse_since(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "2025-13-45", "30/11/2025", True, -5, "2025-11-30T08:00:00 UTC"])
def test_parse_since_refuses_anything_else(value):
    with pytest.raises(PlanningError):
        p.parse_since(value)


def test_set_subdir_separates_incremental_passes():
    assert p.set_subdir(None) == ""
    assert p.set_subdir(1764489600) == "since-1764489600"


# -- resource types -------------------------------------------------------------------------------

def test_resource_types_default_order_and_refusals():
    assert p.check_resource_types(None) == list(p.RESOURCE_TYPES)
    assert p.check_resource_types(["folders", "messages", "folders"]) == ["messages", "folders"]
    with pytest.raises(PlanningError, match="mailboxes"):
        p.check_resource_types(["messages", "mailboxes"])
    with pytest.raises(PlanningError):
        p.check_resource_types([])


# -- account selection ----------------------------------------------------------------------------

def test_default_selection_is_every_valid_grant_sorted():
    grants = [grant("b"), grant("a", provider="imap"), grant("c", status="invalid"), {"id": "g-native"}]
    accounts, skipped = p.select_accounts(grants)
    assert accounts == [{"account_id": "a", "grant_id": "g-a", "provider": "imap"},
                        {"account_id": "b", "grant_id": "g-b", "provider": "google"}]
    assert skipped == [{"account_id": "c", "reason": p.SKIP_NOT_VALID, "message": p.SKIP_REASONS[p.SKIP_NOT_VALID]}]


def test_explicit_selection_keeps_placeholders_and_skips_accounts_without_grant():
    accounts, skipped = p.select_accounts([grant("a"), grant("c", status="invalid")], ["c", "x", "a", "c"])
    assert [a["account_id"] for a in accounts] == ["a", "c"]
    assert skipped == [{"account_id": "x", "reason": p.SKIP_NO_GRANT, "message": p.SKIP_REASONS[p.SKIP_NO_GRANT]}]


def test_outlook_accounts_are_skipped_when_the_v2_reads_answered():
    v2 = [{"id": "a", "provider": "gmail"}, {"id": "b", "provider": "Outlook"}]
    accounts, skipped = p.select_accounts([grant("a"), grant("b", provider="microsoft")], None, v2)
    assert [a["account_id"] for a in accounts] == ["a"]
    assert [(s["account_id"], s["reason"]) for s in skipped] == [("b", p.SKIP_OUTLOOK)]


def test_a_valid_grant_wins_over_a_placeholder_of_the_same_account():
    accounts, _skipped = p.select_accounts([grant("a", status="invalid"), dict(grant("a"), id="g-a2")])
    assert accounts == [{"account_id": "a", "grant_id": "g-a2", "provider": "google"}]


def test_no_email_in_what_selection_returns():
    accounts, skipped = p.select_accounts([grant("a")], ["a", "b"])
    assert "@" not in json.dumps([accounts, skipped])


@pytest.mark.parametrize("status, message, expected", [
    (400, "v2 account x has the provider Outlook: not available", p.SKIP_OUTLOOK),
    (400, "unknown resource_type", None),
    (500, "Outlook backend down", None),
    (None, None, None),
])
def test_classify_translate_error(status, message, expected):
    assert p.classify_translate_error(status, message) == expected


# -- checkpoint -----------------------------------------------------------------------------------

def test_replay_keeps_the_last_word_and_ignores_a_line_cut_short():
    lines = [
        p.plan_line({"request": {"account_ids": None, "since": None}, "accounts": [], "skipped": []}) + "\n",
        p.page_line("a", "messages", 1, 2, 3000) + "\n",
        p.page_line("a", "messages", 2, None, 10) + "\n",
        p.page_line("b", "messages", 1, 2, 3000) + "\n",
        p.skip_line(p.skip_entry("c", p.SKIP_OUTLOOK)) + "\n",
        "\n",
        p.assembled_line("k1") + "\n",
        '{"a": "b", "t": "messages", "p": 2, "ne',  # killed while writing
    ]
    state = p.replay_checkpoint(lines)
    assert state["pages"] == {("a", "messages"): {1: 3000, 2: 10}, ("b", "messages"): {1: 3000}}
    assert state["next"] == {("a", "messages"): None, ("b", "messages"): 2}
    assert state["skipped"] == {"c": (p.SKIP_OUTLOOK, p.SKIP_REASONS[p.SKIP_OUTLOOK])}
    assert state["assembled"] == "k1" and state["plan"]["accounts"] == []


def test_next_page_and_pending_work():
    state = p.replay_checkpoint([p.page_line("a", "messages", 1, 2, 3000), p.page_line("a", "folders", 1, None, 4)])
    assert p.next_page_to_ask(state, "a", "messages") == 2
    assert p.next_page_to_ask(state, "a", "folders") is None
    assert p.next_page_to_ask(state, "b", "messages") == 1
    a, b = {"account_id": "a"}, {"account_id": "b"}
    assert p.pending_work([a, b], ["messages", "folders"], state) == [
        (a, "messages", 2), (b, "messages", 1), (b, "folders", 1)]
    state["skipped"]["b"] = (p.SKIP_OUTLOOK, "")
    assert p.pending_work([a, b], ["messages", "folders"], state) == [(a, "messages", 2)]


def test_estimate_is_a_lower_bound_at_the_paced_limit():
    pending = [({"account_id": str(n)}, "messages", 1) for n in range(1140)]
    assert p.estimate(pending, 20) == {"requests_min": 1140, "minutes_min": 1.0, "requests_per_second": 19.0}
    assert p.estimate([], None) == {"requests_min": 0, "minutes_min": 0.0, "requests_per_second": 19.0}
    assert p.estimate(pending, 10)["minutes_min"] == 2.0


def test_plan_reused_only_for_the_same_request():
    plan = {"request": p.plan_request(None, None), "accounts": [{"account_id": "a"}], "skipped": []}
    state = p.replay_checkpoint([p.plan_line(plan)])
    assert p.reusable_plan(state, p.plan_request(None, None)) == plan
    assert p.reusable_plan(state, p.plan_request(["a"], None)) is None
    assert p.reusable_plan(state, p.plan_request(None, 5)) is None
    assert p.reusable_plan(p.replay_checkpoint([]), p.plan_request(None, None)) is None


def test_assembled_key_depends_on_accounts_and_types_only():
    a, b = {"account_id": "a", "grant_id": "1"}, {"account_id": "b", "grant_id": "2"}
    assert p.assembled_key([a, b], ["messages"]) == p.assembled_key([b, a], ["messages"])
    assert p.assembled_key([a, b], ["messages"]) != p.assembled_key([a], ["messages"])
    assert p.assembled_key([a], ["messages"]) != p.assembled_key([a], ["messages", "folders"])


def test_summarize_counts_rows_of_the_plan_accounts_and_types():
    state = p.replay_checkpoint([p.page_line("a", "messages", 1, 2, 3000), p.page_line("a", "messages", 2, None, 5),
                                 p.page_line("x", "messages", 1, None, 7), p.page_line("a", "drafts", 1, None, 1)])
    assert p.summarize([{"account_id": "a"}], ["messages", "folders"], state) == {
        "translations": {"messages": 3005, "folders": 0}, "pages": 2}


# -- rows -----------------------------------------------------------------------------------------

def test_imap_folder_id_is_base64_of_v0_grant_and_name():
    value = p.imap_folder_id("d879d4fd-69e5-4335-8c7b-0cf56c84d915", "INBOX/Receipts")
    assert base64.b64decode(value).decode() == "v0:d879d4fd-69e5-4335-8c7b-0cf56c84d915:INBOX/Receipts"
    assert p.imap_folder_id("g", "Éléments envoyés") == base64.b64encode("v0:g:Éléments envoyés".encode()).decode()


def test_rows_for_page():
    imap = {"account_id": "a", "grant_id": "g1", "provider": "imap"}
    page = [{"v2_resource_id": "v2a", "v3_resource_id": "INBOX"}, {"v2_resource_id": "v2b"}, "junk",
            {"v2_resource_id": "v2c", "v3_resource_id": "Sent"}]
    assert p.rows_for_page(imap, "folders", page) == [
        ["v2a", p.imap_folder_id("g1", "INBOX"), "a", "g1", "folders"],
        ["v2c", p.imap_folder_id("g1", "Sent"), "a", "g1", "folders"]]
    # other types of an IMAP account, and folders of other providers, keep the answered id
    assert p.rows_for_page(imap, "messages", page[:1]) == [["v2a", "INBOX", "a", "g1", "messages"]]
    google = dict(imap, provider="google")
    assert p.rows_for_page(google, "folders", page[:1]) == [["v2a", "INBOX", "a", "g1", "folders"]]
    assert p.rows_for_page(google, "folders", None) == []


def test_count_skip_reasons_and_first_failure_fields():
    entries = [p.skip_entry("a", p.SKIP_OUTLOOK), p.skip_entry("b", p.SKIP_NO_GRANT), p.skip_entry("c", p.SKIP_OUTLOOK)]
    assert p.count_skip_reasons(entries) == {p.SKIP_OUTLOOK: 2, p.SKIP_NO_GRANT: 1}
    assert p.count_skip_reasons([]) == {}
    failures = [{"account_id": "a", "resource_type": "events", "message": "HTTP 500: boom", "status": 500,
                 "error_type": "internal_error", "request_id": "r1"}, {"account_id": "b"}]
    assert p.first_failure_fields(failures) == {"msg": "Failed to translate the events of account a: HTTP 500: boom",
                                                "status": 500, "error_type": "internal_error", "request_id": "r1",
                                                "field": None}


def test_merge_skips_and_active_accounts():
    state = p.replay_checkpoint([p.skip_line(p.skip_entry("b", p.SKIP_OUTLOOK)),
                                 p.skip_line(p.skip_entry("c", p.SKIP_OUTLOOK))])
    planned = [p.skip_entry("c", p.SKIP_NO_GRANT)]
    skipped = p.merge_skips(planned, state)
    assert dict((k, v["reason"]) for k, v in skipped.items()) == {"b": p.SKIP_OUTLOOK, "c": p.SKIP_NO_GRANT}
    plan = {"accounts": [{"account_id": "a"}, {"account_id": "b"}, {"account_id": "d"}]}
    assert p.active_accounts(plan, skipped) == [{"account_id": "a"}, {"account_id": "d"}]
