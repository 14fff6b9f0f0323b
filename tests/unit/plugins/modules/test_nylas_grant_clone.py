# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_grant_clone: main() with patched arguments and a fake v3 client."""
from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import NylasAPIError
from ansible_collections.nylas.migration.plugins.modules import nylas_grant_clone
from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    API_KEY,
    FakeNylas,
    api_error,
    grant,
    run_module,
)


def fake_api(existing=(), placeholders=(), errors=None, errors_after=None):
    """A ``FakeNylas`` with grants for the ``existing`` account ids and clone faults by account id."""
    fake = FakeNylas()
    fake.add_grants(grant(a) for a in existing)
    fake.placeholders = set(placeholders)
    fake.errors = dict(errors or {})
    fake.errors_after = dict(errors_after or {})
    return fake


def clone_faults(**by_account):
    """Fault table entries for ``clone_grant`` of each account id."""
    return dict((("clone_grant", account_id), error) for account_id, error in by_account.items())


def not_found(account_id):
    return api_error(404, "not_found_error", "account %s not found" % account_id, request_id="rid-404",
                     method="POST", path="/v3/migration-tools/grants/%s/clone" % account_id)


@pytest.fixture
def run(monkeypatch, capsys):
    """Run main() with the given args against ``fake``; return (result, failed)."""

    def _run(fake, check_mode=False, diff=False, **args):
        fake.install(monkeypatch)
        args.setdefault("api_key", API_KEY)
        rc, result, _raw = run_module(nylas_grant_clone.main, args, capsys, check_mode=check_mode, diff=diff)
        return result, rc != 0

    return _run


def cloned(fake):
    """The (account_id, allow_invalid_grant_creation, clone_exchange) of every clone_grant call."""
    return fake.calls_of("clone_grant")


def test_clones_missing_and_reports_existing(run):
    fake = fake_api(existing=["b"], placeholders=["c"])
    result, failed = run(fake, account_ids=["a", "b", "c", "a"])
    assert not failed and result["changed"] is True
    assert [(g["account_id"], g["result"]) for g in result["grants"]] == [
        ("a", "created"), ("b", "existing"), ("c", "created")]
    assert result["summary"] == {"created": 2, "existing": 1, "failed": 0, "unknown": 0, "planned": 0,
                                 "placeholders": 1, "total": 3}
    assert result["reauth_required"] == ["c"]
    assert sorted(c[0] for c in cloned(fake)) == ["a", "c"]
    assert "diff" not in result


def test_rerun_is_unchanged_and_writes_nothing(run):
    fake = fake_api(existing=["a"])
    result, failed = run(fake, account_id="a")
    assert not failed and result["changed"] is False
    assert result["grants"][0]["result"] == "existing"
    assert cloned(fake) == []


def test_flags_are_passed_only_when_set(run):
    fake = fake_api()
    run(fake, account_id="a")
    run(fake, account_id="b", clone_exchange=False, allow_invalid_grant_creation=True)
    assert cloned(fake) == [("a", None, None), ("b", True, False)]


def test_check_mode_plans_without_writing(run):
    fake = fake_api(existing=["b"])
    result, failed = run(fake, check_mode=True, diff=True, account_ids=["a", "b"])
    assert not failed and result["changed"] is True
    assert [g["result"] for g in result["grants"]] == ["planned", "existing"]
    assert result["summary"]["planned"] == 1
    assert result["diff"]["before"] == {"migrated_account_ids": []}
    assert result["diff"]["after"]["migrated_account_ids"] == ["a"]
    assert cloned(fake) == [] and fake.v3_kwargs["read_only"] is True
    assert result["forecast"] is None and result["forecast_vs_outcome"] is None  # no v2 credentials


def test_check_mode_lists_each_request_with_its_flags_and_the_forecast(run):
    """Issue 10 points 3 and 9: each clone request (path per account, query flags) and each account's fate."""
    fake = fake_api(existing=["b"])
    fake.accounts = [{"id": "a", "provider": "gmail", "authentication_type": "oauth", "sync_state": "running",
                      "email": "a@example.com"},
                     {"id": "c", "provider": "exchange", "authentication_type": "password", "sync_state": "running",
                      "email": "c@example.com"}]
    result, failed = run(fake, check_mode=True, diff=True, account_ids=["a", "b", "c", "zz"], clone_exchange=False,
                         v2_client_id="v2-id", v2_client_secret="v2-secret-value")
    assert not failed and cloned(fake) == []
    expected = [{"method": "POST", "path": "/v3/migration-tools/grants/%s/clone" % a,
                 "query": {"clone_exchange": "false"}, "body": None} for a in ("a", "c", "zz")]
    assert result["planned_requests"] == expected and result["diff"]["after"]["planned_requests"] == expected
    forecast = result["forecast"]
    assert (forecast["valid"], forecast["reauth_required"], forecast["will_fail"]) == (1, 0, 2)
    assert {"outcome": "will_fail", "provider": "unknown", "reason": "not an account of the linked v2 application", "count": 1} in forecast["reasons"]
    assert result["diff"]["after"]["forecast"] == forecast
    assert "@example.com" not in repr([forecast, expected]) and "v2-secret-value" not in repr(result)


def test_real_run_sets_the_outcome_beside_the_forecast(run):
    fake = fake_api(placeholders=["c"])
    fake.accounts = [{"id": "a", "provider": "gmail", "authentication_type": "oauth", "sync_state": "running"},
                     {"id": "c", "provider": "exchange", "authentication_type": "password", "sync_state": "running"}]
    result, failed = run(fake, account_ids=["a", "c"], v2_client_id="v2-id", v2_client_secret="v2-secret-value")
    assert not failed and result["planned_requests"] == []
    assert result["forecast_vs_outcome"] == {"valid": {"forecast": 1, "outcome": 1},
                                             "reauth_required": {"forecast": 1, "outcome": 1},
                                             "will_fail": {"forecast": 0, "outcome": 0}, "matches": True}


def test_check_mode_nothing_to_do(run):
    result, _failed = run(fake_api(existing=["a"]), check_mode=True, account_id="a")
    assert result["changed"] is False


def test_diff_lists_only_created(run):
    result, _failed = run(fake_api(existing=["b"]), diff=True, account_ids=["b", "a"])
    assert result["diff"]["after"] == {"migrated_account_ids": ["a"]}


def test_failure_keeps_results_and_error_fields(run):
    fake = fake_api(errors=clone_faults(zz=not_found("zz")))
    result, failed = run(fake, account_ids=["a", "zz"])
    assert failed
    assert result["msg"].startswith("Failed to clone account zz: HTTP 404 not_found_error")
    assert "rid-404" in result["msg"]
    assert result["status"] == 404 and result["error_type"] == "not_found_error" and result["request_id"] == "rid-404"
    assert result["changed"] is True  # "a" was created
    entry = [g for g in result["grants"] if g["account_id"] == "zz"][0]
    assert entry["result"] == "failed"
    assert entry["error"] == {"message": "account zz not found", "status": 404, "error_type": "not_found_error",
                              "request_id": "rid-404"}
    assert result["summary"]["failed"] == 1


def test_fail_on_error_false_succeeds_with_warning(run, warnings):
    fake = fake_api(errors=clone_faults(zz=not_found("zz"), yy=not_found("yy")))
    result, failed = run(fake, account_ids=["zz", "yy"], fail_on_error=False)
    assert not failed and result["changed"] is False
    assert result["summary"]["failed"] == 2
    assert warnings and warnings[0].startswith("Failed to clone 2 of 2 accounts.")


def test_unknown_outcome_rereads_and_counts_created(run):
    err = NylasAPIError("bad gateway", status=502, error_type=None, method="POST",
                        path="/v3/migration-tools/grants/a/clone", outcome_unknown=True)
    fake = fake_api(errors_after=clone_faults(a=err))  # the grant is created, then the answer is lost
    result, failed = run(fake, account_id="a")
    assert not failed and result["changed"] is True
    assert result["grants"][0]["result"] == "created" and result["grants"][0]["grant_id"] == "g-a"
    assert cloned(fake) == [("a", None, None)]  # never re-sent
    assert fake.names().count("find_grants_by_account_ids") == 2  # the plan's read, then the (first) re-read
    assert fake.calls_of("find_grants_by_account_ids")[-1] == (["a"],)


def dropped(account_id="a"):
    """The error of a clone whose connection dropped: it may or may not have reached Nylas."""
    return NylasAPIError("connection dropped; the request may have reached Nylas", error_type="connection_error",
                         method="POST", path="/v3/migration-tools/grants/%s/clone" % account_id, outcome_unknown=True)


def test_unknown_outcome_without_grant_is_unknown_never_failed(run, clock):
    # Issue 10 point 1: an outcome that stays unknown is its own result, never "failed".
    fake = fake_api(errors=clone_faults(a=dropped()))  # every clone drops before Nylas acts
    result, failed = run(fake, account_ids=["a", "b"])
    assert failed and result["outcome_unknown"] is True and result["error_type"] == "connection_error"
    entry = result["grants"][0]
    assert entry["result"] == "unknown" and entry["error"]["outcome_unknown"] is True
    assert "re-read for 30 s and re-sent once without seeing a grant" in entry["error"]["message"]
    assert "a re-run re-reads the grant first" in entry["error"]["message"]
    assert result["summary"]["unknown"] == 1 and result["summary"]["failed"] == 0
    assert result["summary"]["created"] == 1
    assert result["msg"].startswith("The outcome of 1 of 2 accounts is unknown (a): connection_error: outcome unknown")
    assert "Failed" not in result["msg"]
    assert [c[0] for c in cloned(fake)] == ["a", "b", "a"] or sorted(c[0] for c in cloned(fake)) == ["a", "a", "b"]
    assert sum(clock.slept) == 60  # settled before the re-send and after it


def test_dropped_clone_is_resent_once_after_settle_time_and_created(run, clock):
    # Issue 10 point 2: the re-read proves there is no grant; the same run re-sends once and gets it.
    fake = fake_api(errors=clone_faults(a=[dropped(), None]))
    result, failed = run(fake, account_id="a", settle_time=5)
    assert not failed and result["changed"] is True
    assert result["grants"][0]["result"] == "created" and result["grants"][0]["grant_id"] == "g-a"
    assert [c[0] for c in cloned(fake)] == ["a", "a"]  # the fake refuses a second grant: none was made
    assert sum(clock.slept) == 5  # the re-send only after settle_time


def test_settle_time_zero_rereads_once_and_never_resends(run, clock):
    fake = fake_api(errors=clone_faults(a=[dropped(), None]))
    result, failed = run(fake, account_id="a", settle_time=0)
    assert failed and result["grants"][0]["result"] == "unknown"
    assert "re-read once without seeing a grant" in result["grants"][0]["error"]["message"]
    assert len(cloned(fake)) == 1 and clock.slept == []


def test_failed_and_unknown_are_named_apart(run, warnings):
    fake = fake_api(errors=clone_faults(zz=not_found("zz"), a=dropped()))
    result, failed = run(fake, account_ids=["a", "zz", "b"], fail_on_error=False, settle_time=1)
    assert not failed and result["summary"]["failed"] == 1 and result["summary"]["unknown"] == 1
    assert warnings[0].startswith("Failed to clone account zz; the outcome of 1 of 3 accounts is unknown (a): "
                                  "HTTP 404 not_found_error")


def test_unknown_outcome_with_failed_account_reports_the_failed_one_first(run):
    fake = fake_api(errors=clone_faults(zz=not_found("zz"), a=dropped()))
    result, failed = run(fake, account_ids=["a", "zz"], settle_time=1)
    assert failed and result["status"] == 404 and result["request_id"] == "rid-404"
    assert result["outcome_unknown"] is False


def test_read_failure_fails_with_fields(run):
    err = NylasAPIError("bad key", status=401, error_type="invalid_request_error", request_id="rid-401",
                        method="GET", path="/v3/grants")
    result, failed = run(fake_api(errors={"find_grants_by_account_ids": err}), account_id="a")
    assert failed and result["status"] == 401 and result["request_id"] == "rid-401"
    assert result["msg"].startswith("Failed to read the existing grants: HTTP 401")
    assert API_KEY not in repr(result)


def test_concurrency_runs_every_account_once(run):
    ids = ["acc%02d" % n for n in range(30)]
    fake = fake_api()
    result, failed = run(fake, account_ids=ids, concurrency=8)
    assert not failed and result["summary"]["created"] == 30
    assert sorted(c[0] for c in cloned(fake)) == ids
    assert [g["account_id"] for g in result["grants"]] == ids


@pytest.mark.parametrize("args,match", [
    ({"account_ids": ["a"], "account_id": "a"}, "mutually exclusive"),
    ({}, "one of the following is required"),
    ({"account_ids": ["a"], "concurrency": 0}, "concurrency"),
    ({"account_ids": [""]}, "non-empty"),
])
def test_argument_errors(run, args, match):
    fake = fake_api()
    result, failed = run(fake, **args)
    assert failed and match in result["msg"]
    assert fake.calls == []
