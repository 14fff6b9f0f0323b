# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the report's pure decisions (module_utils/nylas_report.py)."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils import nylas_report as report
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report import (
    BASIS_V2_AND_V3,
    BASIS_V3_ONLY,
    ROWS_FORMAT,
    STATUSES,
)


def account(account_id, provider="gmail", auth="oauth", sync="running", billing="paid", linked_at=1000, email=None):
    return {"id": account_id, "provider": provider, "authentication_type": auth, "sync_state": sync,
            "billing_state": billing, "linked_at": linked_at, "email": email or "%s@example.com" % account_id}


def grant(account_id, status="valid", provider="google", grant_id=None):
    return {"id": grant_id or "g-" + account_id, "account_id": account_id, "grant_status": status,
            "provider": provider, "email": "%s@example.com" % account_id}


def job(job_id, type_="migration", status="partial", created=2000, failed=0, linked=None, **counts):
    out = {"job_id": job_id, "type": type_, "status": status, "created_at": created, "updated_at": created,
           "count_failed": failed, "count_all": counts.get("all", 0), "count_success": counts.get("success", 0),
           "count_warning": counts.get("warning", 0)}
    if linked:
        out["linked_job_id"] = linked
    return out


# -- providers and jobs ------------------------------------------------------------------------------


@pytest.mark.parametrize("v2, v3", [("gmail", "google"), ("graph", "microsoft"), ("exchange", "microsoft"),
                                    ("yahoo", "imap"), ("icloud", "icloud"), ("ews", "ews"),
                                    ("nylas", "virtual-calendar"), ("GMAIL", "google"), ("fax", "fax"),
                                    ("microsoft", "microsoft"), ("google", "google"),
                                    (None, "unknown"), ("", "unknown")])
def test_v3_provider_name(v2, v3):
    assert report.v3_provider_name(v2) == v3


def test_latest_jobs_pairs_the_latest_migration_with_its_snapshot():
    jobs = [job("m1", created=10, linked="s1"), job("s1", "snapshot", "completed", created=10, linked="m1"),
            job("m2", created=20, linked="s2"), job("s2", "snapshot", "completed", created=20, linked="m2")]
    assert [j["job_id"] for j in report.latest_jobs(jobs)] == ["m2", "s2"]


def test_latest_jobs_without_migration_or_partner():
    assert report.latest_jobs([]) == []
    assert report.latest_jobs(None) == []
    assert [j["job_id"] for j in report.latest_jobs([job("s1", "snapshot", "running", created=5)])] == ["s1"]
    assert [j["job_id"] for j in report.latest_jobs([job("m1", linked="gone")])] == ["m1"]


def test_failing_jobs_only_finished_migrations_with_failures():
    jobs = [job("ok", status="completed", failed=0), job("run", status="running", failed=3),
            job("snap", "snapshot", "failed", failed=2), job("p", status="partial", failed=2, created=30),
            job("f", status="failed", failed=4, created=10)]
    assert [j["job_id"] for j in report.failing_jobs(jobs)] == ["f", "p"]


def test_covering_job_needs_a_job_created_after_the_account_was_linked():
    jobs = [job("old", created=100, failed=1), job("new", created=300, failed=1)]
    assert report.covering_job(account("a", linked_at=50), jobs)["job_id"] == "new"
    assert report.covering_job(account("a", linked_at=200), jobs)["job_id"] == "new"
    assert report.covering_job(account("a", linked_at=400), jobs) is None
    assert report.covering_job(account("a", linked_at=None), jobs)["job_id"] == "new"
    assert report.covering_job(account("a"), []) is None


# -- per-account status ------------------------------------------------------------------------------


def test_status_from_the_grant():
    assert report.account_status(account("a"), grant("a"), [])[0] == "migrated"
    status, reason = report.account_status(account("a"), grant("a", status="invalid"), [])
    assert status == "reauth_required" and "re-authenticate" in reason


def test_no_grant_and_no_failing_job_is_not_migrated():
    # even an account that can never migrate is "not migrated" until a job has tried it
    status, reason = report.account_status(account("a", provider="fax"), None, [])
    assert status == "not_migrated" and "no finished migration job" in reason
    status, dummy = report.account_status(account("a", provider="fax"), None,
                                          report.failing_jobs([job("m", status="completed", failed=0)]))
    assert status == "not_migrated"


@pytest.mark.parametrize("acc, rule", [
    (account("a", provider="fax"), "whatever the flags"),
    (account("a", billing="deleted"), "whatever the flags"),
    (account("a", provider="eas", auth="password"), "allow_invalid_grant_creation or clone_exchange is false"),
    (account("a", provider="exchange", auth="password"), "allow_invalid_grant_creation or clone_exchange is false"),
    (account("a", sync="invalid"), "allow_invalid_grant_creation or clone_exchange is false"),
    (account("a", sync="stopped"), "allow_invalid_grant_creation or clone_exchange is false"),
    (account("a", provider="outlook", auth="oauth"), "allow_invalid_grant_creation or clone_exchange is false"),
    (account("a", provider="microsoft"), "whatever the flags"),
])
def test_no_grant_after_a_failing_job_and_a_failing_rule_is_failed(acc, rule):
    status, reason = report.account_status(acc, None, [job("m9", failed=3)])
    assert status == "failed"
    assert "m9" in reason and "3 failed" in reason and rule in reason


def test_no_grant_after_a_failing_job_but_cloneable_is_not_migrated():
    status, reason = report.account_status(account("a"), None, [job("m", failed=1)])
    assert status == "not_migrated" and "can be cloned" in reason


def test_account_linked_after_the_failing_job_is_not_migrated():
    status, dummy = report.account_status(account("a", provider="fax", linked_at=5000), None,
                                          [job("m", failed=1, created=2000)])
    assert status == "not_migrated"


# -- rows -------------------------------------------------------------------------------------------


def test_build_rows_joins_accounts_and_grants_in_v2_order():
    accounts = [account("a1"), account("a2", provider="eas", auth="password"), account("a3", provider="fax"),
                account("a4", provider="graph"), account("a1")]
    grants = {"a1": grant("a1"), "a2": grant("a2", status="invalid", provider="microsoft"),
              "zz": grant("zz")}
    rows = report.build_rows(accounts, grants, [job("m", failed=1)], "app-1", "eu", pair="acme")
    assert [r["account_id"] for r in rows] == ["a1", "a2", "a3", "a4"]  # duplicate and unknown grant dropped
    assert [r["status"] for r in rows] == ["migrated", "reauth_required", "failed", "not_migrated"]
    assert rows[0] == {
        "account_id": "a1", "email": "a1@example.com", "provider": "google", "v2_provider": "gmail",
        "grant_id": "g-a1", "grant_status": "valid", "status": "migrated", "reason": "valid grant",
        "application": "app-1", "pair": "acme", "region": "eu",
    }
    assert set(rows[0]) == set(report.ROW_FIELDS)
    assert rows[2]["provider"] == "fax" and rows[2]["grant_id"] is None and rows[2]["grant_status"] is None
    assert rows[3]["provider"] == "microsoft"


def test_build_rows_pair_defaults_to_the_application_and_email_falls_back_to_the_grant():
    acc = account("a1")
    del acc["email"]
    rows = report.build_rows([acc], {"a1": grant("a1")}, [], "app-1", "us")
    assert rows[0]["pair"] == "app-1" and rows[0]["email"] == "a1@example.com"
    assert report.build_rows([], {}, [], "app-1", "us") == []
    assert report.build_rows(None, None, None, "app-1", "us") == []


def test_build_rows_v3_only():
    grants = [grant("a1"), grant("a2", status="invalid", provider="microsoft"), {"id": "native", "grant_status": "valid"},
              grant("a1", grant_id="dup")]
    rows = report.build_rows_v3_only(grants, "app-1", "us", pair="acme")
    assert [(r["account_id"], r["status"], r["provider"]) for r in rows] == [
        ("a1", "migrated", "google"), ("a2", "reauth_required", "microsoft")]
    assert rows[0]["v2_provider"] is None and rows[0]["grant_id"] == "g-a1"


# -- counts -----------------------------------------------------------------------------------------


def test_summarize_rows_by_status_and_provider():
    accounts = [account("a1"), account("a2", provider="eas", auth="password"), account("a3", provider="fax"),
                account("a4")]
    grants = {"a1": grant("a1"), "a2": grant("a2", status="invalid", provider="microsoft")}
    jobs = [job("m", failed=1)]
    rows = report.build_rows(accounts, grants, jobs, "app-1", "us")
    summary = report.summarize_rows(rows, BASIS_V2_AND_V3, jobs=jobs, accounts=accounts, grants_by_account=grants)
    assert summary["accounts"] == 4
    assert summary["by_status"] == {"migrated": 1, "reauth_required": 1, "failed": 1, "not_migrated": 1}
    assert summary["by_provider"] == {
        "fax": {"migrated": 0, "reauth_required": 0, "failed": 1, "not_migrated": 0, "total": 1},
        "google": {"migrated": 1, "reauth_required": 0, "failed": 0, "not_migrated": 1, "total": 2},
        "microsoft": {"migrated": 0, "reauth_required": 1, "failed": 0, "not_migrated": 0, "total": 1},
    }
    assert list(summary["by_provider"]) == ["fax", "google", "microsoft"]
    assert summary["unexplained_failures"] == 0
    assert summary["failed_not_confirmed"] == 0


def test_summarize_rows_counts_failed_accounts_beyond_the_job_failures():
    # a provider-scoped job failed one account; the other account that cannot migrate was never attempted,
    # but from the outside both look the same: the surplus is counted
    accounts = [account("a1", provider="fax"), account("a2", billing="deleted"), account("a3")]
    jobs = [job("m1", failed=1)]
    rows = report.build_rows(accounts, {}, jobs, "app-1", "us")
    summary = report.summarize_rows(rows, BASIS_V2_AND_V3, jobs=jobs, accounts=accounts, grants_by_account={})
    assert summary["by_status"]["failed"] == 2 and summary["failed_not_confirmed"] == 1
    jobs.append(job("m0", failed=1, created=1500, status="failed"))
    summary = report.summarize_rows(rows, BASIS_V2_AND_V3, jobs=jobs, accounts=accounts, grants_by_account={})
    assert summary["failed_not_confirmed"] == 0


def test_summarize_rows_counts_unexplained_failures_of_the_latest_job():
    accounts = [account("a1"), account("a2")]
    jobs = [job("m1", failed=9, created=10), job("m2", failed=2, created=20)]
    rows = report.build_rows(accounts, {}, jobs, "app-1", "us")
    summary = report.summarize_rows(rows, BASIS_V2_AND_V3, jobs=jobs, accounts=accounts, grants_by_account={})
    assert summary["unexplained_failures"] == 2
    assert summary["by_status"]["not_migrated"] == 2
    assert report.summarize_rows(rows, BASIS_V2_AND_V3, jobs=[], accounts=accounts)["unexplained_failures"] == 0


def test_summarize_rows_v3_only_has_unknown_counts():
    rows = report.build_rows_v3_only([grant("a1"), grant("a2", status="invalid")], "app-1", "us")
    summary = report.summarize_rows(rows, BASIS_V3_ONLY)
    assert summary["by_status"] == {"migrated": 1, "reauth_required": 1, "failed": None, "not_migrated": None}
    assert summary["by_provider"]["google"] == {"migrated": 1, "reauth_required": 1, "failed": None,
                                                "not_migrated": None, "total": 2}
    assert summary["unexplained_failures"] is None and summary["failed_not_confirmed"] is None
    assert report.empty_counts(BASIS_V3_ONLY) == {"migrated": 0, "reauth_required": 0, "failed": None,
                                                  "not_migrated": None}


# -- the report -------------------------------------------------------------------------------------


def doc(pair, region, rows, basis=BASIS_V2_AND_V3, jobs=None, error=None):
    summary = report.summarize_rows(rows, basis)
    return report.rows_document(rows, summary, "app-" + pair, region, pair, basis, v2_reads_error=error,
                                jobs=jobs, v2_application_id="v2-" + pair, generated_at="2026-01-01T00:00:00Z")


def rows_of(pair, region, statuses, provider="google"):
    return [{"account_id": "%s-%d" % (pair, i), "email": "%s-%d@example.com" % (pair, i), "provider": provider,
             "grant_id": None, "status": s, "application": "app-" + pair, "pair": pair, "region": region}
            for i, s in enumerate(statuses)]


def test_rows_document_and_check():
    d = doc("acme", "us", rows_of("acme", "us", ["migrated"]), jobs=[job("m")])
    assert d["format"] == ROWS_FORMAT and d["pair"] == "acme" and d["application"] == "app-acme"
    assert d["v2_application_id"] == "v2-acme" and d["jobs"][0]["job_id"] == "m"
    assert report.check_rows_document(d) is None
    assert "JSON object" in report.check_rows_document([])
    assert "format" in report.check_rows_document({"format": "x", "rows": []})
    assert "rows" in report.check_rows_document({"format": ROWS_FORMAT})


def test_build_report_totals_regions_and_applications():
    docs = [
        doc("initech", "eu", rows_of("initech", "eu", ["migrated", "failed", "reauth_required"]),
            jobs=[job("m-i", failed=1)]),
        doc("acme", "us", rows_of("acme", "us", ["migrated", "migrated", "reauth_required", "not_migrated"])),
        doc("globex", "us", rows_of("globex", "us", ["migrated", "reauth_required"], provider="microsoft")),
    ]
    out = report.build_report(docs, run_id="r1", generated_at="now")
    assert out["run_id"] == "r1" and out["generated_at"] == "now" and out["complete"] is True
    assert out["totals"]["accounts"] == 9
    assert out["totals"]["by_status"] == {"migrated": 4, "reauth_required": 3, "failed": 1, "not_migrated": 1}
    assert out["totals"]["by_provider"]["microsoft"] == {"migrated": 1, "reauth_required": 1, "failed": 0,
                                                         "not_migrated": 0, "total": 2}
    assert out["regions"] == {
        "eu": {"accounts": 3, "by_status": {"migrated": 1, "reauth_required": 1, "failed": 1, "not_migrated": 0}},
        "us": {"accounts": 6, "by_status": {"migrated": 3, "reauth_required": 2, "failed": 0, "not_migrated": 1}},
    }
    assert [a["pair"] for a in out["applications"]] == ["initech", "acme", "globex"]  # by region, then name
    assert out["applications"][0]["latest_job"]["job_id"] == "m-i"
    assert out["applications"][1]["latest_job"] is None
    assert out["files"] == {"reauth_required.csv": 3, "failed.csv": 1}
    assert out["missing"] == {}
    assert "rows" not in out["applications"][0]  # no personal data in the report
    assert "@" not in repr(out)


def test_build_report_with_a_v3_only_pair_and_a_missing_one():
    v3_rows = rows_of("globex", "us", ["migrated", "reauth_required"])
    docs = [doc("acme", "us", rows_of("acme", "us", ["migrated", "failed"])),
            doc("globex", "us", v3_rows, basis=BASIS_V3_ONLY, error="HTTP 500")]
    out = report.build_report(docs, missing={"initech": "rows file not found"})
    assert out["complete"] is False
    assert out["totals"]["by_status"] == {"migrated": 2, "reauth_required": 1, "failed": None, "not_migrated": None}
    assert out["regions"]["us"]["by_status"]["failed"] is None
    globex = out["applications"][1]
    assert globex["basis"] == BASIS_V3_ONLY and globex["v2_reads_error"] == "HTTP 500"
    assert globex["by_status"] == {"migrated": 1, "reauth_required": 1, "failed": None, "not_migrated": None}
    assert out["missing"] == {"initech": "rows file not found"}
    assert report.build_report([])["complete"] is True
    assert report.build_report([], missing={"x": "y"})["complete"] is False


def test_rows_with_status_in_report_order():
    docs = [doc("b", "us", rows_of("b", "us", ["failed", "migrated", "failed"])),
            doc("a", "us", rows_of("a", "us", ["failed"])),
            doc("z", "eu", rows_of("z", "eu", ["failed", "reauth_required"]))]
    assert [r["account_id"] for r in report.rows_with_status(docs, "failed")] == ["z-0", "a-0", "b-0", "b-2"]
    assert [r["account_id"] for r in report.rows_with_status(docs, "reauth_required")] == ["z-1"]


def test_statuses_order():
    assert STATUSES == ("migrated", "reauth_required", "failed", "not_migrated")


# -- forecast ---------------------------------------------------------------------------------------


def test_pair_forecast_of_a_plan_and_after_the_run():
    accounts = [account("a"), account("b", provider="exchange", auth="password"),
                account("c", billing="deleted"), account("d", provider="graph")]
    plan = report.pair_forecast(accounts, {}, {"migrated": 0, "reauth_required": 0, "failed": 0, "not_migrated": 4})
    assert (plan["to_migrate"]["valid"], plan["to_migrate"]["reauth_required"], plan["to_migrate"]["will_fail"]) == (
        2, 1, 1)
    assert plan["expected"] == {"migrated": 2, "reauth_required": 1, "failed": 1, "not_migrated": 0}
    side = report.forecast_beside_current(plan, {"migrated": 0, "reauth_required": 0, "failed": 0, "not_migrated": 4})
    assert side["migrated"] == {"forecast": 2, "current": 0} and side["matches"] is False
    grants = {"a": grant("a"), "b": grant("b", status="invalid"), "d": grant("d")}
    after = {"migrated": 2, "reauth_required": 1, "failed": 1, "not_migrated": 0}
    done = report.pair_forecast(accounts, grants, after)
    assert done["to_migrate"]["accounts"] == 1 and done["expected"] == after
    assert report.forecast_beside_current(done, after)["matches"] is True
    strict = report.pair_forecast(accounts, {}, {}, clone_exchange=False)
    assert strict["expected"]["failed"] == 2 and strict["flags"]["clone_exchange"] is False
    assert report.pair_forecast(None, {}, {}) is None and report.forecast_beside_current(None, after) is None
    assert "@" not in str(plan)


def test_build_report_sets_the_forecast_beside_the_current_state():
    rows = rows_of("acme", "us", ["not_migrated", "not_migrated"])
    with_forecast = doc("acme", "us", rows)
    with_forecast["summary"]["forecast"] = report.pair_forecast(
        [account("acme-0"), account("acme-1", billing="deleted")], {}, with_forecast["summary"]["by_status"])
    r = report.build_report([with_forecast])
    app = r["applications"][0]
    assert app["forecast"]["expected"] == {"migrated": 1, "reauth_required": 0, "failed": 1, "not_migrated": 0}
    assert app["forecast_beside_current"]["not_migrated"] == {"forecast": 0, "current": 2}
    assert r["totals"]["forecast"] == {"migrated": 1, "reauth_required": 0, "failed": 1, "not_migrated": 0}
    without = report.build_report([with_forecast, doc("globex", "us", rows_of("globex", "us", ["migrated"]))])
    assert without["totals"]["forecast"] is None
    by_pair = dict((a["pair"], a) for a in without["applications"])
    assert by_pair["globex"]["forecast"] is None and by_pair["globex"]["forecast_beside_current"] is None


def test_gates_of_the_run_summary():
    gate = {"verdict": "no-go", "failed_checks": ["webhooks"], "reason": "webhooks check failed: x",
            "checks": [{"name": "webhooks", "verdict": "fail", "reason": "x", "items": [{"webhook_url": "u"}]}]}
    summary = {"application_pairs": [{"application_pair": "zeta", "region": "us", "gate": dict(gate, verdict="go")},
                                     {"application_pair": "acme", "region": "us", "gate": gate},
                                     {"application_pair": "initech", "region": "eu", "gate": None},
                                     "not a pair"]}
    gates = report.gates_of(summary)
    assert [g["pair"] for g in gates] == ["acme", "zeta"]
    assert gates[0] == {"pair": "acme", "region": "us", "verdict": "no-go", "failed_checks": ["webhooks"],
                        "reason": "webhooks check failed: x",
                        "checks": [{"name": "webhooks", "verdict": "fail", "reason": "x"}]}
    assert report.gates_of(None) == [] and report.gates_of({"application_pairs": None}) == []
    assert report.gates_of(["not", "a", "summary"]) == []
    assert report.build_report([], run_summary=summary)["gates"] == gates
