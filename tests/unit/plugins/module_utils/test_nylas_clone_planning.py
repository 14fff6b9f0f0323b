# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the pure clone/batch clone decisions."""
from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils import nylas_batch_planning as b
from ansible_collections.nylas.migration.plugins.module_utils import nylas_clone_planning as p


class FakeError(Exception):
    def __init__(self, message, status=None, error_type=None, request_id=None, outcome_unknown=False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type
        self.request_id = request_id
        self.outcome_unknown = outcome_unknown


def grant(account_id, status="valid", provider="google"):
    return {"id": "g-" + account_id, "account_id": account_id, "grant_status": status, "provider": provider,
            "email": account_id + "@example.com"}


def acc(account_id, provider="gmail", auth=None, sync="running"):
    return {"id": account_id, "provider": provider, "email": account_id + "@example.com",
            "authentication_type": auth or ("oauth" if provider in ("gmail", "graph") else "password"),
            "sync_state": sync}


def job(job_id, type_="migration", status="completed", created=100, linked=None, **counts):
    out = {"job_id": job_id, "type": type_, "status": status, "created_at": created, "updated_at": created,
           "linked_job_id": linked, "public_application_id": "app"}
    for key in ("all", "success", "failed", "warning"):
        out["count_" + key] = counts.get(key, 0)
    return out


# -- errors ------------------------------------------------------------------------------------

def test_error_to_dict_reads_api_fields():
    err = FakeError("account not found", 404, "not_found_error", "rid-1")
    assert p.error_to_dict(err) == {"message": "account not found", "status": 404,
                                    "error_type": "not_found_error", "request_id": "rid-1"}


def test_error_to_dict_marks_unknown_outcome_and_plain_exceptions():
    assert p.error_to_dict(FakeError("boom", 502, outcome_unknown=True))["outcome_unknown"] is True
    assert p.error_to_dict(ValueError("plain")) == {"message": "plain", "status": None, "error_type": None,
                                                    "request_id": None}


def test_format_error():
    assert p.format_error({"message": "m", "status": 400, "error_type": "bad_request", "request_id": "r"}) == \
        "HTTP 400 bad_request: m (request_id=r)"
    assert p.format_error({"message": "refused", "status": None, "error_type": None, "request_id": None}) == "refused"


# -- grant clone -------------------------------------------------------------------------------

def test_normalize_account_ids_dedupes_and_strips():
    assert p.normalize_account_ids([" a", "b", "a", "c "]) == ["a", "b", "c"]


@pytest.mark.parametrize("ids", [[], None, ["a", ""], ["  "]])
def test_normalize_account_ids_refuses_empty(ids):
    with pytest.raises(p.PlanningError):
        p.normalize_account_ids(ids)


def test_plan_grant_clone_splits_in_input_order():
    existing = {"b": grant("b")}
    to_clone, found = p.plan_grant_clone(["c", "b", "a"], existing)
    assert to_clone == ["c", "a"]
    assert found == {"b": existing["b"]}


def test_plan_grant_clone_nothing_existing():
    assert p.plan_grant_clone(["a"], None) == (["a"], {})


def test_grant_result_fields():
    entry = p.grant_result("a", p.RESULT_CREATED, grant=grant("a", "invalid", "microsoft"))
    assert entry == {"account_id": "a", "grant_id": "g-a", "grant_status": "invalid", "provider": "microsoft",
                     "email": "a@example.com", "result": "created", "error": None}
    assert p.grant_result("b", p.RESULT_PLANNED)["grant_id"] is None


def test_summary_reauth_and_diff():
    results = [
        p.grant_result("a", p.RESULT_CREATED, grant=grant("a")),
        p.grant_result("b", p.RESULT_CREATED, grant=grant("b", "invalid")),
        p.grant_result("c", p.RESULT_EXISTING, grant=grant("c", "invalid")),
        p.grant_result("d", p.RESULT_FAILED, error={"message": "x"}),
    ]
    results.append(p.grant_result("e", p.RESULT_UNKNOWN, error={"message": "y", "outcome_unknown": True}))
    assert p.summarize_clone_results(results) == {"created": 2, "existing": 1, "failed": 1, "unknown": 1,
                                                  "planned": 0, "placeholders": 2, "total": 5}
    assert p.reauth_required_ids(results) == ["b", "c"]
    assert p.clone_diff(results) == {"before": {"migrated_account_ids": []},
                                     "after": {"migrated_account_ids": ["a", "b"]}}


def test_failure_messages():
    ok = [p.grant_result("a", p.RESULT_CREATED, grant=grant("a"))]
    assert p.clone_failure_message(ok) is None and p.clone_failure_prefix(ok) is None
    err = {"message": "account not found", "status": 404, "error_type": "not_found_error", "request_id": "r1"}
    one = ok + [p.grant_result("zz", p.RESULT_FAILED, error=err)]
    assert p.clone_failure_message(one) == \
        "Failed to clone account zz: HTTP 404 not_found_error: account not found (request_id=r1)"
    two = one + [p.grant_result("yy", p.RESULT_FAILED, error=err)]
    assert p.clone_failure_prefix(two) == "Failed to clone 2 of 3 accounts. Failed to clone account zz"


def test_failure_messages_name_unknown_accounts_apart():
    err = {"message": "account not found", "status": 404, "error_type": "not_found_error", "request_id": "r1"}
    lost = {"message": "outcome unknown (...): connection dropped", "error_type": "connection_error",
            "outcome_unknown": True}
    unknown = [p.grant_result("u%d" % n, p.RESULT_UNKNOWN, error=lost) for n in range(12)]
    assert p.clone_failure_message(unknown[:1]) == (
        "The outcome of 1 account is unknown (u0): connection_error: outcome unknown (...): connection dropped")
    assert p.clone_failure_prefix(unknown) == (
        "The outcome of 12 of 12 accounts is unknown (u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, ...)")
    both = unknown[:2] + [p.grant_result("zz", p.RESULT_FAILED, error=err)]
    assert p.clone_failure_message(both) == ("Failed to clone account zz; the outcome of 2 of 3 accounts is unknown "
                                             "(u0, u1): HTTP 404 not_found_error: account not found (request_id=r1)")
    assert p.first_clone_error(both) is err and p.first_clone_error(unknown[:1]) is lost
    assert p.first_clone_error([]) is None


def test_settled_clone_result():
    created = p.settled_clone_result("a", "written", grant("a"), None, 30)
    assert created["result"] == "created" and created["grant_id"] == "g-a" and created["error"] is None
    shown = p.settled_clone_result("a", "shown", grant("a"), {"message": "502"}, 30)
    assert shown["result"] == "created" and shown["error"] is None
    failed = p.settled_clone_result("a", "failed", None, {"message": "no", "status": 400}, 30, resent=True)
    assert failed["result"] == "failed" and failed["error"] == {"message": "no", "status": 400}
    unknown = p.settled_clone_result("a", "unknown", None, {"message": "dropped", "status": None}, 30, resent=True)
    assert unknown["result"] == "unknown" and unknown["grant_id"] is None
    assert unknown["error"] == {"status": None, "outcome_unknown": True, "message": (
        "outcome unknown (re-read for 30 s and re-sent once without seeing a grant; a re-run re-reads the grant "
        "first and clones the account only if it is still missing): dropped")}
    assert "re-read once without seeing a grant" in p.settled_clone_result("a", "unknown", None, {}, 0)["error"]["message"]


# -- providers and outcomes --------------------------------------------------------------------

@pytest.mark.parametrize("provider,names", [
    ("gmail", {"google"}), ("graph", {"microsoft", "graph"}), ("exchange", {"microsoft"}),
    ("eas", {"microsoft"}), ("ews", {"ews"}), ("yahoo", {"imap"}), ("aol", {"imap"}), ("icloud", {"icloud"}),
    ("nylas", {"virtual-calendar"}), ("carrier-pigeon", set()), ("GMAIL", {"google"}),
    ("microsoft", set()), ("virtual-calendar", set()), ("google", set()),
])
def test_v3_scope_names(provider, names):
    assert p.v3_scope_names({"provider": provider}) == names


def test_normalize_providers():
    assert b.normalize_providers(None) is None
    assert b.normalize_providers([]) is None
    assert b.normalize_providers(["google", "imap", "google"]) == frozenset({"google", "imap"})
    with pytest.raises(p.PlanningError, match="yahoo"):
        b.normalize_providers(["yahoo"])


def test_account_in_scope():
    assert b.account_in_scope(acc("a", "graph"), frozenset({"graph"}))
    assert b.account_in_scope(acc("a", "graph"), None)
    assert not b.account_in_scope(acc("a", "office365"), frozenset({"graph"}))
    assert not b.account_in_scope(acc("a", "gmail"), frozenset({"imap"}))
    # without a filter the API attempts every account, even one without a v3 equivalent
    assert b.account_in_scope(acc("a", "unknown"), None)
    assert not b.account_in_scope(acc("a", "unknown"), frozenset({"imap"}))


@pytest.mark.parametrize("account,flags,expected", [
    (acc("a", "gmail"), {}, "valid"),
    (acc("a", "exchange"), {}, "placeholder"),
    (acc("a", "office365"), {"clone_exchange": False}, "failure"),
    (acc("a", "hotmail"), {"clone_exchange": False}, "failure"),
    (acc("a", "office365"), {"allow_invalid_grant_creation": False}, "failure"),
    (acc("a", "office365", auth="oauth"), {"clone_exchange": False, "allow_invalid_grant_creation": False}, "valid"),
    (acc("a", "graph"), {"clone_exchange": False, "allow_invalid_grant_creation": False}, "valid"),
    (acc("a", "graph", auth="password"), {}, "placeholder"),
    (acc("a", "exchange", auth="oauth"), {}, "placeholder"),
    (acc("a", "exchange", auth="oauth"), {"clone_exchange": False}, "failure"),
    (acc("a", "outlook", auth="oauth"), {"allow_invalid_grant_creation": False}, "failure"),
    (acc("a", "eas"), {}, "placeholder"),
    (acc("a", "eas"), {"allow_invalid_grant_creation": False}, "failure"),
    (acc("a", "eas"), {"clone_exchange": False}, "failure"),
    (acc("a", "ews"), {"clone_exchange": False, "allow_invalid_grant_creation": False}, "valid"),
    (acc("a", "ews", sync="stopped"), {}, "placeholder"),
    (acc("a", "ews", sync="stopped"), {"clone_exchange": False}, "failure"),
    (acc("a", "imap", sync="invalid"), {}, "placeholder"),
    (acc("a", "imap", sync="invalid"), {"clone_exchange": False}, "placeholder"),
    (acc("a", "imap", sync="invalid"), {"allow_invalid_grant_creation": False}, "failure"),
    (acc("a", "gmail", sync="stopped"), {"allow_invalid_grant_creation": True}, "placeholder"),
    (acc("a", "gmail", sync="sync-error"), {"allow_invalid_grant_creation": False}, "failure"),
    (acc("a", "gmail", sync="RUNNING"), {"allow_invalid_grant_creation": False}, "valid"),
    (acc("a", "gmail", sync=None), {"allow_invalid_grant_creation": False}, "valid"),
    (acc("a", "nylas"), {"clone_exchange": False, "allow_invalid_grant_creation": False}, "valid"),
    (acc("a", "carrier-pigeon"), {}, "failure"),
    (acc("a", "microsoft", auth="oauth"), {}, "failure"),
    (acc("a", "virtual-calendar"), {}, "failure"),
    (acc("a", "google", auth="oauth"), {}, "failure"),
    (dict(acc("a", "gmail"), billing_state="deleted"), {}, "failure"),
    (dict(acc("a", "gmail"), billing_state="cancelled"), {}, "valid"),
])
def test_predict_clone_outcome(account, flags, expected):
    assert p.predict_clone_outcome(account, **flags) == expected


def test_scope_accounts_filters_by_provider_in_order():
    accounts = [acc("a", "gmail"), acc("b", "imap"), acc("c", "gmail"), acc("d", "gmail")]
    assert [a["id"] for a in b.scope_accounts(accounts, frozenset({"google"}))] == ["a", "c", "d"]
    assert [a["id"] for a in b.scope_accounts(accounts, None)] == ["a", "b", "c", "d"]


def ids(items):
    return [a["id"] for a in items]


def test_select_batch_accounts_mode_then_window():
    accounts = [acc("a"), acc("b"), acc("c"), acc("d")]
    grants = {"a": grant("a"), "c": grant("c")}
    assert ids(b.select_batch_accounts(accounts, grants, "only_new")) == ["b", "d"]
    assert ids(b.select_batch_accounts(accounts, grants, "only_new", limit=1, offset=1)) == ["d"]
    assert ids(b.select_batch_accounts(accounts, grants, "only_failed", limit=1)) == ["b"]
    assert ids(b.select_batch_accounts(accounts, grants, "all", limit=2, offset=1)) == ["b", "c"]


# -- jobs --------------------------------------------------------------------------------------

def test_find_active_job_pairs_migration_with_snapshot():
    jobs = [job("s1", "snapshot", "completed", 10, "m1"), job("m1", "migration", "completed", 10, "s1"),
            job("s2", "snapshot", "completed", 20, "m2"), job("m2", "migration", "running", 20, "s2")]
    snap, mig = b.find_active_job(jobs)
    assert (snap["job_id"], mig["job_id"]) == ("s2", "m2")


def test_find_active_job_snapshot_running():
    jobs = [job("s2", "snapshot", "running", 20, "m2"), job("m2", "migration", "completed", 20, "s2")]
    # a migration job "completed" while its snapshot runs cannot happen; the running snapshot wins
    snap, mig = b.find_active_job(jobs)
    assert snap["job_id"] == "s2" and mig["job_id"] == "m2"
    only = [job("s3", "snapshot", "pending", 30, None)]
    assert b.find_active_job(only) == (only[0], None)


def test_find_active_job_none():
    assert b.find_active_job([]) is None
    assert b.find_active_job([job("m1", status="partial")]) is None


def test_linked_job_by_back_reference():
    snap = job("s1", "snapshot", linked=None)
    mig = job("m1", "migration", linked="s1")
    assert b.linked_job(snap, [snap, mig]) is mig
    assert b.linked_job(mig, [snap, mig]) is snap
    assert b.linked_job(None, [snap]) is None


def test_find_new_batch():
    before = [job("s1", "snapshot", linked="m1"), job("m1", linked="s1")]
    after = before + [job("s2", "snapshot", "pending", 200, "m2"), job("m2", "migration", "pending", 200, "s2")]
    snap, mig = b.find_new_batch(before, after)
    assert (snap["job_id"], mig["job_id"]) == ("s2", "m2")
    assert b.find_new_batch(before, before) is None


def test_latest_finished_and_counts():
    jobs = [job("m1", status="partial", created=1, failed=3), job("m2", status="completed", created=5),
            job("m3", status="running", created=9), job("s9", "snapshot", "completed", 10)]
    assert b.latest_finished_migration_job(jobs)["job_id"] == "m2"
    assert b.job_counts(jobs[0]) == {"all": 0, "success": 0, "failed": 3, "warning": 0}
    assert b.job_counts(None) == {"all": 0, "success": 0, "failed": 0, "warning": 0}


@pytest.mark.parametrize("snap,mig,expected", [
    ("running", "pending", "running"), ("completed", "running", "running"), ("completed", "completed", "completed"),
    ("completed", "partial", "partial"), ("completed", "failed", "failed"), ("failed", "pending", "snapshot_failed"),
])
def test_job_outcome(snap, mig, expected):
    assert b.job_outcome(job("m", status=mig), job("s", "snapshot", snap)) == expected


def test_job_outcome_without_jobs():
    assert b.job_outcome(None) == "running"


# -- batch plan --------------------------------------------------------------------------------

def test_plan_attaches_to_running_job():
    jobs = [job("s1", "snapshot", "completed", 1, "m1"), job("m1", "migration", "running", 1, "s1")]
    plan = b.plan_batch_clone(jobs, [acc("a")], {})
    assert plan["action"] == "attach" and plan["clone_job"]["job_id"] == "m1"
    assert plan["snapshot_job"]["job_id"] == "s1"


def test_plan_without_v2_starts():
    plan = b.plan_batch_clone([], None, None)
    assert plan["action"] == "start" and plan["scope"] is None


def test_plan_starts_for_unmigrated_in_scope():
    accounts = [acc("a"), acc("b"), acc("c", "imap")]
    plan = b.plan_batch_clone([], accounts, {"a": grant("a")}, providers=["google"])
    assert plan["action"] == "start"
    assert plan["scope"]["pending"] == 1 and plan["scope"]["unmigrated_account_ids"] == ["b"]
    assert plan["scope"]["providers"] == ["google"]


def test_plan_nothing_when_all_migrated():
    accounts = [acc("a"), acc("b", "exchange")]
    grants = {"a": grant("a"), "b": grant("b", "invalid")}
    plan = b.plan_batch_clone([job("m1", failed=0)], accounts, grants)
    assert plan["action"] == "none"
    assert plan["scope"]["placeholder_account_ids"] == ["b"]


def test_plan_not_migratable_with_flags_is_not_pending():
    accounts = [acc("a"), acc("b", "exchange"), acc("c", "eas")]
    plan = b.plan_batch_clone([], accounts, {"a": grant("a")}, clone_exchange=False,
                              allow_invalid_grant_creation=False)
    assert plan["action"] == "none"
    assert plan["scope"]["not_migratable_account_ids"] == ["b", "c"]


def test_plan_only_new_discounts_failures_of_latest_job():
    accounts = [acc("a"), acc("b"), acc("c", "exchange")]
    jobs = [job("m1", status="partial", failed=3, created=5)]
    # c is a predicted failure; a and b failed for other reasons (3 failures - 1 predicted = 2)
    plan = b.plan_batch_clone(jobs, accounts, {}, clone_exchange=False)
    assert plan["action"] == "none"
    assert plan["scope"]["already_failed"] == 2 and plan["scope"]["pending"] == 0
    # a new account arrives: one more than the failures explain
    plan = b.plan_batch_clone(jobs, accounts + [acc("d")], {}, clone_exchange=False)
    assert plan["action"] == "start" and plan["scope"]["pending"] == 1


def test_plan_only_failed_and_all_count_failures_again():
    accounts = [acc("a")]
    jobs = [job("m1", status="partial", failed=1)]
    for mode in ("only_failed", "all"):
        assert b.plan_batch_clone(jobs, accounts, {}, mode=mode)["action"] == "start"


def test_plan_window_applies_after_the_mode():
    accounts = [acc("a"), acc("b"), acc("c")]
    grants = {"a": grant("a"), "b": grant("b")}
    # only_new: the window covers the accounts without a grant ("c"), so a first page is still to do
    plan = b.plan_batch_clone([], accounts, grants, limit=2)
    assert plan["action"] == "start" and plan["scope"]["selected"] == 1
    assert b.plan_batch_clone([], accounts, grants, limit=2, offset=1)["action"] == "none"
    # all: the window covers every account in scope
    assert b.plan_batch_clone([], accounts, grants, mode="all", limit=2)["action"] == "none"
    assert b.plan_batch_clone([], accounts, grants, mode="all", limit=2, offset=1)["action"] == "start"


def test_plan_deleted_and_unknown_accounts_never_pending():
    accounts = [acc("a"), dict(acc("b"), billing_state="deleted"), acc("c", "carrier-pigeon")]
    jobs = [job("m1", status="partial", failed=2)]
    plan = b.plan_batch_clone(jobs, accounts, {"a": grant("a")}, mode="all")
    assert plan["action"] == "none" and plan["scope"]["not_migratable"] == 2 and plan["scope"]["already_failed"] == 0
    # only_new: a job that reported failures covered them, so they attempted migration: not selected again
    plan = b.plan_batch_clone(jobs, accounts, {"a": grant("a")})
    assert plan["action"] == "none" and plan["scope"]["attempted"] == 2 and plan["scope"]["selected"] == 0
    assert plan["scope"]["not_migratable"] == 0 and plan["scope"]["already_failed"] == 0
    # without a finished job they never attempted it: selected, and not migratable
    plan = b.plan_batch_clone([], accounts, {"a": grant("a")})
    assert plan["scope"]["attempted"] == 0 and plan["scope"]["not_migratable"] == 2


def test_plan_rejects_bad_mode_and_provider():
    with pytest.raises(p.PlanningError):
        b.plan_batch_clone([], [], {}, mode="some")
    with pytest.raises(p.PlanningError):
        b.plan_batch_clone([], [], {}, providers=["gmail"])


def test_batch_diff():
    start = b.plan_batch_clone([], [acc("a")], {})
    assert b.batch_diff(start) == {"before": {"batch_clone_job": None},
                                   "after": {"batch_clone_job": "(new job)", "accounts_to_migrate": 1,
                                             "forecast": start["forecast"]}}
    planned = [{"method": "POST", "path": "/v3/migration-tools/snapshot-batch-clone",
                "query": {"clone_exchange": "false"}, "body": {"mode": "only_new"}}]
    assert b.batch_diff(start, planned_requests=planned)["after"]["planned_requests"] == planned
    assert b.batch_diff(start, job("m9"))["after"]["batch_clone_job"] == "m9"
    none = b.plan_batch_clone([], [acc("a")], {"a": grant("a")})
    diff = b.batch_diff(none)
    assert diff["before"] == diff["after"]
    attach = b.plan_batch_clone([job("m1", status="running")], None, None)
    diff = b.batch_diff(attach)
    assert diff["before"] == diff["after"] == {"batch_clone_job": "m1"}


# -- forecast ----------------------------------------------------------------------------------


def test_clone_outcome_reason_names_the_rule():
    assert p.clone_outcome_reason(acc("a")) == ("valid", "migrated automatically")
    assert p.clone_outcome_reason(acc("b", provider="aol2")) == ("failure", "v2 provider aol2 has no v3 equivalent")
    deleted = dict(acc("c"), billing_state="deleted")
    assert p.clone_outcome_reason(deleted) == ("failure", "v2 account deleted")
    eas = acc("d", provider="eas")
    assert p.clone_outcome_reason(eas) == (
        "placeholder", "Microsoft eas account (password authentication) not migrated automatically: "
        "the user must re-authenticate")
    assert p.clone_outcome_reason(eas, clone_exchange=False) == (
        "failure", "Microsoft eas account (password authentication) not migrated automatically and clone_exchange=false")
    stopped = acc("e", sync="invalid")
    assert p.clone_outcome_reason(stopped, allow_invalid_grant_creation=False) == (
        "failure", "v2 sync state invalid and allow_invalid_grant_creation=false")


def test_forecast_counts_per_provider_and_reasons():
    accounts = [acc("a"), acc("b"), acc("c", provider="graph"), acc("d", provider="exchange"),
                acc("e", provider="exchange"), acc("f", provider="imap", sync="stopped"),
                dict(acc("g"), billing_state="deleted")]
    f = p.forecast_clone(accounts)
    assert (f["accounts"], f["valid"], f["reauth_required"], f["will_fail"]) == (7, 3, 3, 1)
    assert f["by_provider"] == {"google": {"valid": 2, "reauth_required": 0, "will_fail": 1},
                                "microsoft": {"valid": 1, "reauth_required": 2, "will_fail": 0},
                                "imap": {"valid": 0, "reauth_required": 1, "will_fail": 0}}
    assert f["reasons"][0] == {"outcome": "reauth_required", "provider": "microsoft", "count": 2, "reason":
                               "Microsoft exchange account (password authentication) not migrated automatically: "
                               "the user must re-authenticate"}
    strict = p.forecast_clone(accounts, clone_exchange=False)
    assert (strict["valid"], strict["reauth_required"], strict["will_fail"]) == (3, 1, 3)
    assert "@" not in str(f)
    assert p.forecast_line(f) == "3 valid, 3 re-authentication required, 1 will fail"
    assert p.forecast_line(None) == ""


def test_outcome_of_grants_counts_each_account_once():
    grants = {"a": grant("a"), "b": grant("b", status="invalid")}
    assert p.outcome_of_grants(["a", "b", "c", "c"], grants) == {"valid": 1, "reauth_required": 1, "will_fail": 1}
    assert p.outcome_of_grants([], None) == {"valid": 0, "reauth_required": 0, "will_fail": 0}


def test_outcome_beside_forecast():
    f = p.forecast_clone([acc("a"), acc("b", provider="eas")])
    side = p.outcome_beside_forecast(f, {"valid": 1, "reauth_required": 1, "will_fail": 0})
    assert side["valid"] == {"forecast": 1, "outcome": 1} and side["matches"] is True
    assert p.outcome_beside_forecast(f, {"valid": 2, "reauth_required": 0, "will_fail": 0})["matches"] is False
    assert p.outcome_beside_forecast(None, {"valid": 1}) is None
    assert p.outcome_beside_forecast(f, None) is None


def test_batch_plan_forecasts_the_unmigrated_selected_accounts():
    accounts = [acc("a"), acc("b", provider="eas"), acc("c", provider="exchange"), dict(acc("d"), billing_state="deleted")]
    plan = b.plan_batch_clone([], accounts, {"a": grant("a")})
    assert (plan["forecast"]["valid"], plan["forecast"]["reauth_required"], plan["forecast"]["will_fail"]) == (0, 2, 1)
    assert plan["scope"]["pending"] == 2
    strict = b.plan_batch_clone([], accounts, {"a": grant("a")}, clone_exchange=False)
    assert strict["forecast"]["will_fail"] == 3 and strict["action"] == "none"
    assert b.plan_batch_clone([job("m1", status="running")], None, None)["forecast"] is None
    assert b.plan_batch_clone([], None, None)["forecast"] is None


def test_grant_clone_forecast_and_grants_of_results():
    accounts = [acc("a"), acc("b", provider="eas")]
    f = p.grant_clone_forecast(["a", "b", "x"], accounts, clone_exchange=False)
    assert (f["valid"], f["reauth_required"], f["will_fail"]) == (1, 0, 2)
    assert f["by_provider"]["unknown"] == {"valid": 0, "reauth_required": 0, "will_fail": 1}
    assert {"outcome": "will_fail", "provider": "unknown", "reason": "not an account of the linked v2 application", "count": 1} in f["reasons"]
    assert p.grant_clone_forecast(["a"], None) is None
    results = [p.grant_result("a", "created", grant=grant("a")), p.grant_result("b", "failed", error={}),
               p.grant_result("c", "existing", grant=grant("c", status="invalid"))]
    assert p.grants_of_results(results) == {"a": {"grant_status": "valid"}, "c": {"grant_status": "invalid"}}


def test_forecast_summary():
    f = p.forecast_clone([acc("a"), acc("b", provider="eas"), dict(acc("c"), billing_state="deleted")])
    assert p.forecast_summary(f) == "forecast: 1 valid, 1 re-authentication required, 1 will fail"
    same = p.outcome_beside_forecast(f, {"valid": 1, "reauth_required": 1, "will_fail": 1})
    assert p.forecast_summary(f, same) == ("forecast: 1 valid, 1 re-authentication required, 1 will fail; "
                                           "outcome: 1 valid, 1 re-authentication required, 1 will fail")
    other = p.outcome_beside_forecast(f, {"valid": 0, "reauth_required": 1, "will_fail": 2})
    assert p.forecast_summary(f, other).endswith("2 will fail (differs from the forecast)")
    assert p.forecast_summary(None) == ""
