# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_migration_info: main() with patched arguments and fake clients."""

from __future__ import annotations

import copy
import json
import os
import stat

import pytest

from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    BASE_ARGS,
    FakeNylas,
    api_error,
    assert_no_secret,
    run_module,
)

from ansible_collections.nylas.migration.plugins.modules import nylas_migration_info


def account(account_id, provider="gmail", auth="oauth", billing="paid"):
    return {"id": account_id, "account_id": account_id, "email": "%s@example.com" % account_id, "provider": provider,
            "authentication_type": auth, "sync_state": "running", "billing_state": billing, "linked_at": 1000}


ACCOUNTS = [account("a1"), account("a2", provider="eas", auth="password"), account("a3", provider="fax"),
            account("a4", provider="graph")]
GRANTS = [
    {"id": "g1", "account_id": "a1", "grant_status": "valid", "provider": "google", "email": "a1@example.com"},
    {"id": "g2", "account_id": "a2", "grant_status": "invalid", "provider": "microsoft", "email": "a2@example.com"},
    {"id": "g9", "grant_status": "valid", "provider": "google", "email": "native@example.com"},
]
JOBS = [
    {"job_id": "s1", "type": "snapshot", "status": "completed", "linked_job_id": "m1", "created_at": 2000},
    {"job_id": "m1", "type": "migration", "status": "partial", "linked_job_id": "s1", "created_at": 2000,
     "count_all": 3, "count_success": 1, "count_warning": 1, "count_failed": 1},
]
EMAILS = ["a1@example.com", "a2@example.com", "a3@example.com", "a4@example.com", "native@example.com"]


class ReportFake(FakeNylas):
    """FakeNylas with the data of the report: a linked application, v2 accounts, grants and jobs."""

    def __init__(self):
        super().__init__()
        self.application["v2_application_id"] = BASE_ARGS["v2_client_id"]
        self.accounts = copy.deepcopy(ACCOUNTS)
        self.grants = copy.deepcopy(GRANTS)
        self.jobs = copy.deepcopy(JOBS)

    def names(self):
        return [c[0] for c in self.calls]


@pytest.fixture
def api(monkeypatch):
    return ReportFake().install(monkeypatch)


def run(capsys, args=None, **kwargs):
    return run_module(nylas_migration_info.main, dict(BASE_ARGS, **(args or {})), capsys, **kwargs)


def assert_no_email(raw):
    for email in EMAILS:
        assert email not in raw, "an email address leaked into the module output"


def test_joins_v2_accounts_with_grants_and_writes_private_rows(api, capsys, tmp_path):
    rows_path = tmp_path / "reports" / "run" / "rows" / "acme.json"
    rc, result, raw = run(capsys, dict(rows_path=str(rows_path), label="acme"))
    assert rc == 0, result
    assert result["changed"] is False
    assert result["basis"] == "v2_and_v3" and result["v2_reads_error"] is None
    assert result["application_id"] == "app-unit" and result["v2_application_id"] == BASE_ARGS["v2_client_id"]
    assert result["label"] == "acme" and result["region"] == "us" and result["accounts"] == 4
    assert result["summary"]["by_status"] == {"migrated": 1, "reauth_required": 1, "failed": 1, "not_migrated": 1}
    assert result["summary"]["by_provider"]["microsoft"]["total"] == 2
    assert result["summary"]["unexplained_failures"] == 0
    assert [j["job_id"] for j in result["jobs"]] == ["m1", "s1"]
    assert result["rows_path"] == str(rows_path)
    assert api.names() == ["get_application", "list_jobs", "list_accounts", "find_grants_by_account_ids"]
    assert api.calls[-1][1] == (["a1", "a2", "a3", "a4"],)
    assert api.writes() == []
    assert_no_email(raw)
    assert_no_secret(raw)

    assert stat.S_IMODE(os.stat(rows_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(rows_path.parent).st_mode) == 0o700
    doc = json.loads(rows_path.read_text())
    assert doc["format"] == "nylas.migration.rows/1" and doc["pair"] == "acme" and doc["basis"] == "v2_and_v3"
    assert doc["summary"] == result["summary"] and doc["jobs"] == result["jobs"]
    assert [(r["account_id"], r["email"], r["status"], r["grant_id"]) for r in doc["rows"]] == [
        ("a1", "a1@example.com", "migrated", "g1"), ("a2", "a2@example.com", "reauth_required", "g2"),
        ("a3", "a3@example.com", "failed", None), ("a4", "a4@example.com", "not_migrated", None)]
    assert doc["rows"][0]["application"] == "app-unit" and doc["rows"][0]["region"] == "us"


def test_without_rows_path_only_counts(api, capsys, tmp_path):
    rc, result, raw = run(capsys)
    assert rc == 0 and result["rows_path"] is None and result["label"] == "app-unit"
    assert_no_email(raw)


def test_check_mode_reads_only_and_still_writes_the_rows(api, capsys, tmp_path):
    rows_path = tmp_path / "rows.json"
    rc, result, dummy = run(capsys, dict(rows_path=str(rows_path)), check_mode=True, diff=True)
    assert rc == 0 and result["changed"] is False and "diff" not in result
    assert api.v3_kwargs["read_only"] is True and api.writes() == []
    assert rows_path.exists()


def test_no_v2_credentials_reports_the_v3_side_only(api, capsys, tmp_path):
    rows_path = tmp_path / "rows.json"
    rc, result, raw = run(capsys, dict(v2_client_id=None, v2_client_secret=None, rows_path=str(rows_path)))
    assert rc == 0
    assert result["basis"] == "v3_only" and "no v2 credentials" in result["v2_reads_error"]
    assert result["summary"]["by_status"] == {"migrated": 1, "reauth_required": 1, "failed": None,
                                              "not_migrated": None}
    assert result["accounts"] == 2  # the grant without an account_id is not a migrated account
    assert "list_accounts" not in api.names() and "list_grants" in api.names()
    assert any("v3 side only" in w for w in result.get("warnings", [])) or "v3 side only" in raw
    doc = json.loads(rows_path.read_text())
    assert doc["basis"] == "v3_only" and doc["v2_reads_error"] == result["v2_reads_error"]
    assert [r["account_id"] for r in doc["rows"]] == ["a1", "a2"]
    assert_no_email(raw)


@pytest.mark.parametrize("status, error_type", [(401, "invalid_request_error"), (500, "api_error"),
                                                (None, "connection_error")])
def test_failing_v2_reads_report_the_v3_side_only(api, capsys, status, error_type):
    api.errors["list_accounts"] = api_error(status, error_type, "v2 is down", path="/a/v2-unit-app/accounts",
                                            request_id="rid-v2")
    rc, result, raw = run(capsys)
    assert rc == 0
    assert result["basis"] == "v3_only"
    assert result["v2_reads_error"].startswith("the v2 accounts could not be read: ")
    assert "v2 is down" in result["v2_reads_error"]
    assert result["summary"]["by_status"]["migrated"] == 1
    assert_no_secret(raw)
    assert_no_email(raw)


def test_linked_to_another_v2_application_reports_the_v3_side_only(api, capsys):
    api.application["v2_application_id"] = "v2-someone-else"
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["basis"] == "v3_only"
    assert "v2-someone-else" in result["v2_reads_error"] and "list_accounts" not in api.names()


def test_unlinked_application_counts_every_account_as_not_migrated(api, capsys):
    api.application["v2_application_id"] = None
    api.grants, api.jobs = [], []
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["basis"] == "v2_and_v3" and result["jobs"] == []
    assert result["summary"]["by_status"] == {"migrated": 0, "reauth_required": 0, "failed": 0, "not_migrated": 4}


def test_unexplained_failures_warn(api, capsys):
    api.jobs[1]["count_failed"] = 5
    rc, result, raw = run(capsys)
    # of the accounts without a grant only a3 (no v3 provider) can fail: 4 of the 5 failures are unexplained
    assert rc == 0 and result["summary"]["unexplained_failures"] == 4
    assert "match no documented outcome rule" in raw


@pytest.mark.parametrize("method, msg", [
    ("get_application", "Failed to read the v3 application"),
    ("list_jobs", "Failed to list the migration jobs"),
    ("find_grants_by_account_ids", "Failed to read the grants of the v2 accounts"),
])
@pytest.mark.parametrize("status, error_type", [(401, "invalid_request_error"), (404, "not_found_error"),
                                                (429, "rate_limit_error"), (503, "service_unavailable")])
def test_error_fields(api, capsys, method, msg, status, error_type):
    api.errors[method] = api_error(status, error_type, "nope", request_id="rid-7", attempts=6)
    rc, result, raw = run(capsys)
    assert rc == 1 and result["changed"] is False
    assert result["msg"].startswith("%s: HTTP %d" % (msg, status))
    assert result["status"] == status and result["error_type"] == error_type and result["request_id"] == "rid-7"
    assert result["attempts"] == 6
    assert_no_secret(raw)
    assert_no_email(raw)


def test_list_grants_error_in_v3_only_mode(api, capsys):
    api.errors["list_grants"] = api_error(502, "bad_gateway", "proxy", path="/v3/grants")
    rc, result, dummy = run(capsys, dict(v2_client_secret=None))
    assert rc == 1 and result["msg"].startswith("Failed to list the grants: HTTP 502")
    assert result["path"] == "/v3/grants"


def test_rows_file_that_cannot_be_written_fails_without_personal_data(api, capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc, result, raw = run(capsys, dict(rows_path=str(blocker / "rows.json")))
    assert rc == 1 and result["msg"].startswith("Failed to write the rows file %s" % (blocker / "rows.json"))
    assert result["summary"]["by_status"]["migrated"] == 1 and "rows_path" not in result
    assert_no_email(raw)


def test_cutover_column_from_the_cutover_records(api, capsys, tmp_path):
    from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_files import write_private_json

    records = tmp_path / "cutover"
    write_private_json(str(records / ("cutover-%s-r1.json" % BASE_ARGS["v2_client_id"])), dict(
        kind="nylas_v2_cutover", run_id="r1", v2_client_id=BASE_ARGS["v2_client_id"], started_at=1,
        cancelled=["a1"], decisions={"a1": "valid_grant", "a2": "grant_not_valid"}, rollback=None))
    write_private_json(str(records / "cutover-v2-other-r1.json"), dict(
        kind="nylas_v2_cutover", run_id="x", v2_client_id="v2-other", cancelled=["a2"], decisions={}))
    rows_path = tmp_path / "rows.json"
    rc, result, raw = run(capsys, dict(rows_path=str(rows_path), cutover_record_dir=str(records)))
    assert rc == 0, result
    with open(str(rows_path), encoding="utf-8") as handle:
        rows = {r["account_id"]: r["cutover"] for r in json.load(handle)["rows"]}
    assert rows["a1"] == "cancelled (run r1)" and rows["a2"].startswith("kept: the v3 grant is not valid")
    assert rows["a3"] == "not cut over" and rows["a4"] == "not cut over"
    assert_no_email(raw)


def test_plan_forecast_beside_the_current_state(api, capsys, tmp_path):
    """Issue 10 point 9: the plan's report says what the run will make of the accounts not migrated yet."""
    api.application["v2_application_id"] = None
    api.grants, api.jobs = [], []
    rows_path = tmp_path / "rows.json"
    rc, result, raw = run(capsys, dict(rows_path=str(rows_path)), check_mode=True)
    assert rc == 0 and result["summary"]["by_status"]["not_migrated"] == 4
    forecast = result["summary"]["forecast"]
    assert forecast["flags"] == {"allow_invalid_grant_creation": None, "clone_exchange": None}
    to_migrate = forecast["to_migrate"]
    assert (to_migrate["accounts"], to_migrate["valid"], to_migrate["reauth_required"], to_migrate["will_fail"]) == (
        4, 2, 1, 1)
    assert forecast["expected"] == {"migrated": 2, "reauth_required": 1, "failed": 1, "not_migrated": 0}
    assert json.loads(rows_path.read_text())["summary"]["forecast"] == forecast
    assert_no_email(raw)


def test_forecast_keeps_the_grants_and_follows_the_flags(api, capsys):
    rc, result, dummy = run(capsys, dict(clone_exchange=False))
    assert rc == 0
    forecast = result["summary"]["forecast"]
    # a1 and a2 have grants; a3 (fax: no v3 equivalent) fails, a4 (graph oauth) is cloned valid
    assert forecast["to_migrate"]["accounts"] == 2
    assert forecast["expected"] == {"migrated": 2, "reauth_required": 1, "failed": 1, "not_migrated": 0}
    assert forecast["flags"]["clone_exchange"] is False


def test_no_forecast_on_the_v3_side_only(api, capsys):
    rc, result, dummy = run(capsys, dict(v2_client_id=None, v2_client_secret=None))
    assert rc == 0 and result["summary"]["forecast"] is None
