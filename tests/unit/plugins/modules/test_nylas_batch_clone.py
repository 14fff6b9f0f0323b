# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_batch_clone: main() / run_module() with patched arguments and fake clients."""
from __future__ import annotations

import json

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import NylasAPIError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_batch_planning import API_BATCH_LIMIT
from ansible_collections.nylas.migration.plugins.modules import nylas_batch_clone
from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    API_KEY,
    V2_ID,
    V2_SECRET,
    FakeNylas,
    grant,
    migration_job as job,
    run_module,
)


def account(account_id, provider="gmail", auth="oauth", sync="running"):
    return {"id": account_id, "provider": provider, "authentication_type": auth, "sync_state": sync,
            "email": account_id + "@example.com", "billing_state": "paid"}


def fake_api(jobs=None, grants=None, steps=None, grants_after=None, accounts=None, errors=None, errors_after=None):
    """A ``FakeNylas`` whose jobs move one of ``steps`` per poll; ``grants_after``: one dict per ended job."""
    fake = FakeNylas()
    fake.jobs = [dict(j) for j in jobs or []]
    fake.add_grants((grants or {}).values())
    fake.job_steps = list(steps or [])
    fake.job_grants = [list(g.values()) for g in grants_after or []]
    fake.accounts = list(accounts or [])
    fake.errors = dict(errors or {})
    fake.errors_after = dict(errors_after or {})
    return fake


def starts(fake):
    """The keyword arguments of every start_batch_clone call."""
    return fake.write_kwargs("start_batch_clone")


class Clock:
    def __init__(self):
        self.now = 50.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def run(monkeypatch, capsys):
    """Run the module with args against ``fake`` and a fake clock; return (result, failed).

    With ``v2`` the v2 credentials are set (the v2 accounts are ``fake.accounts``); without, there is no v2 client.
    """

    def _run(fake, v2=True, check_mode=False, diff=False, clock=None, **args):
        fake.install(monkeypatch)
        args.setdefault("api_key", API_KEY)
        if v2:
            args.setdefault("v2_client_id", V2_ID)
            args.setdefault("v2_client_secret", V2_SECRET)
        args.setdefault("poll_interval", 1)
        clock = clock or Clock()
        rc, result, _raw = run_module(lambda: nylas_batch_clone.run_module(clock=clock, sleep=clock.sleep), args,
                                      capsys, check_mode=check_mode, diff=diff)
        return result, rc != 0

    return _run


DONE = [("running", "pending", {}), ("completed", "running", {"all": 3, "success": 1}),
        ("completed", "completed", {"all": 3, "success": 3})]


def test_starts_and_waits_until_completed(run, warnings):
    fake = fake_api(steps=DONE, grants_after=[grants_for("a", "b", "c")],
                    accounts=[account("a"), account("b"), account("c")])
    result, failed = run(fake, diff=True, providers=["google", "google"], limit=100)
    assert not failed and result["changed"] is True
    assert result["job_started"] is True and result["attached"] is False and result["action"] == "start"
    assert result["outcome"] == "completed"
    assert result["counts"] == {"all": 3, "success": 3, "failed": 0, "warning": 0}
    assert result["clone_job"]["job_id"] == "m-new" and result["snapshot_job"]["job_id"] == "s-new"
    assert starts(fake) == [{"limit": 100, "offset": None, "providers": ["google"], "mode": "only_new",
                             "allow_invalid_grant_creation": None, "clone_exchange": None}]
    assert result["scope"]["pending"] == 3 and result["v2_reads"] is True
    assert result["diff"]["before"] == {"batch_clone_job": None}
    assert result["diff"]["after"]["batch_clone_job"] == "m-new" and result["diff"]["after"]["accounts_to_migrate"] == 3
    assert result["diff"]["after"]["forecast"] == result["forecast"]
    assert result["forecast"]["valid"] == 3 and result["planned_requests"] == []
    assert result["forecast_vs_outcome"] == {"valid": {"forecast": 3, "outcome": 3},
                                             "reauth_required": {"forecast": 0, "outcome": 0},
                                             "will_fail": {"forecast": 0, "outcome": 0}, "matches": True}
    statuses = [(s["snapshot_status"], s["status"]) for s in result["progress"]]
    assert statuses[0] == ("pending", "pending") and statuses[-1] == ("completed", "completed")
    assert result["reauth_required"] == {"count": 0, "account_ids": []}
    assert result["elapsed"] == 2.0  # three polls, two sleeps of poll_interval
    assert warnings == [] and len(starts(fake)) == 1


def grants_for(*ids, status="valid"):
    return dict((a, grant(a, status=status)) for a in ids)


def test_no_progress_ends_the_chain_with_a_warning(run, warnings):
    fake = fake_api(steps=DONE, accounts=[account("a")])  # the job "completes" but no grant appears
    result, failed = run(fake)
    assert not failed and len(starts(fake)) == 1 and len(result["batches"]) == 1
    assert any("still without a grant" in w for w in warnings)


def test_chains_batches_until_nothing_is_left(run, warnings):
    steps = [("completed", "completed", {"all": 2, "success": 2}),
             ("completed", "partial", {"all": 1, "warning": 1})]
    fake = fake_api(steps=steps, grants_after=[grants_for("a", "b"), grants_for("c", status="invalid")],
                    accounts=[account("a"), account("b"), account("c")])
    result, failed = run(fake)
    assert not failed and result["changed"] is True
    assert [b["clone_job_id"] for b in result["batches"]] == ["m-new", "m-new1"]
    assert result["clone_job"]["job_id"] == "m-new1" and result["outcome"] == "partial"
    assert result["counts"] == {"all": 3, "success": 2, "failed": 0, "warning": 1}
    assert result["reauth_required"] == {"count": 1, "account_ids": ["c"]}
    assert [w["offset"] for w in starts(fake)] == [None, None]  # only_new: the selection shrinks


def test_mode_all_chains_with_the_next_window(run):
    limit = API_BATCH_LIMIT
    accounts = [account("a%04d" % n) for n in range(limit + 1)]
    ids = [a["id"] for a in accounts]
    steps = [("completed", "completed", {"all": limit, "success": limit}),
             ("completed", "completed", {"all": 1, "success": 1})]
    fake = fake_api(steps=steps, grants_after=[grants_for(*ids[:limit]), grants_for(ids[-1])], accounts=accounts)
    result, failed = run(fake, mode="all")
    assert not failed and len(result["batches"]) == 2
    assert [w["offset"] for w in starts(fake)] == [None, limit]
    assert result["counts"] == {"all": limit + 1, "success": limit + 1, "failed": 0, "warning": 0}


def test_chained_counts_are_by_distinct_account(run, warnings):
    """Issue 10.7: an account tried by two batches counts once; per-job counts stay under batches."""
    limit = API_BATCH_LIMIT
    accounts = [dict(account("a0000"), billing_state="deleted")] + [account("a%04d" % n) for n in range(1, limit + 2)]
    ids = [a["id"] for a in accounts]
    # batch 1: the first 1000 accounts, the deleted one fails; batch 2 as a server that tries it again would report
    steps = [("completed", "partial", {"all": limit, "success": limit - 1, "failed": 1}),
             ("completed", "partial", {"all": 3, "success": 2, "failed": 1})]
    fake = fake_api(steps=steps, grants_after=[grants_for(*ids[1:limit]), grants_for(*ids[limit:])],
                    accounts=accounts)
    result, failed = run(fake)
    assert not failed and len(result["batches"]) == 2
    assert [w["offset"] for w in starts(fake)] == [None, None]
    assert [b["counts"]["all"] for b in result["batches"]] == [limit, 3]  # each job's own counts
    assert result["counts"] == {"all": limit + 2, "success": limit + 1, "failed": 1, "warning": 0}
    assert result["reauth_required"] == {"count": 0, "account_ids": []}


def test_no_chaining_when_limit_is_set(run):
    steps = [("completed", "completed", {"all": 1, "success": 1})]
    fake = fake_api(steps=steps, grants_after=[grants_for("a")], accounts=[account("a"), account("b")])
    result, failed = run(fake, limit=1)
    assert not failed and len(starts(fake)) == 1 and len(result["batches"]) == 1


def test_flags_are_sent_when_set(run):
    fake = fake_api(steps=DONE, accounts=[account("a%d" % n) for n in range(20)])
    run(fake, clone_exchange=True, allow_invalid_grant_creation=False, mode="all", offset=5, limit=10, wait=False)
    kwargs = starts(fake)[0]
    assert kwargs["clone_exchange"] is True and kwargs["allow_invalid_grant_creation"] is False
    assert kwargs["mode"] == "all" and kwargs["offset"] == 5 and kwargs["limit"] == 10


def test_nothing_to_do_when_all_migrated(run):
    grants = {"a": grant("a"), "b": grant("b", status="invalid")}
    fake = fake_api(jobs=[job("s1", "snapshot", "completed", "m1"), job("m1", "migration", "completed", "s1")],
                    grants=grants, accounts=[account("a"), account("b", "exchange", "password")])
    result, failed = run(fake, diff=True)
    assert not failed and result["changed"] is False and result["action"] == "none"
    assert fake.writes() == []
    assert result["reauth_required"] == {"count": 1, "account_ids": ["b"]}
    assert result["counts"] == {"all": 2, "success": 1, "failed": 0, "warning": 1}  # where the scope stands
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["progress"] == [] and result["snapshot_job"] is None


def test_attaches_to_running_job_instead_of_starting(run):
    jobs = [job("s1", "snapshot", "completed", "m1"), job("m1", "migration", "running", "s1", all=3)]
    fake = fake_api(jobs=jobs, steps=[("completed", "completed", {"all": 3, "success": 3})],
                    grants_after=[grants_for("a")], accounts=[account("a")])
    result, failed = run(fake)
    assert not failed and result["attached"] is True and result["job_started"] is False
    assert result["changed"] is False and result["outcome"] == "completed"
    assert fake.writes() == []
    # grants are read only after the attached job ended (on the second list_jobs), to see whether accounts remain
    names = fake.names()
    assert names.index("find_grants_by_account_ids") > [i for i, n in enumerate(names) if n == "list_jobs"][1]


def test_check_mode_predicts_start_without_writing_or_waiting(run):
    fake = fake_api(steps=DONE, accounts=[account("a")])
    clock = Clock()
    result, failed = run(fake, check_mode=True, diff=True, clock=clock)
    assert not failed and result["changed"] is True and result["job_started"] is False
    assert result["action"] == "start" and fake.writes() == [] and clock.sleeps == []
    assert result["diff"]["after"]["batch_clone_job"] == "(new job)"
    assert result["diff"]["after"]["accounts_to_migrate"] == 1
    assert fake.v3_kwargs["read_only"] is True


def test_check_mode_returns_the_start_request_and_the_forecast(run):
    """Issue 10 point 3 and 9: the plan shows the request (URL, query flags, body) and each account's fate."""
    accounts = [account("a"), account("b", provider="eas", auth="password"), account("c", provider="exchange",
                                                                                     auth="password"),
                dict(account("d"), billing_state="deleted")]
    fake = fake_api(accounts=accounts)
    result, failed = run(fake, check_mode=True, diff=True, clone_exchange=False, allow_invalid_grant_creation=True,
                         providers=["microsoft", "google"])
    assert not failed and fake.writes() == []
    request = {"method": "POST", "path": "/v3/migration-tools/snapshot-batch-clone",
               "query": {"allow_invalid_grant_creation": "true", "clone_exchange": "false"},
               "body": {"providers": ["google", "microsoft"], "mode": "only_new"}}
    assert result["planned_requests"] == [request]
    assert result["diff"]["after"]["planned_requests"] == [request]
    forecast = result["forecast"]
    assert (forecast["valid"], forecast["reauth_required"], forecast["will_fail"]) == (1, 0, 3)
    assert forecast["by_provider"]["microsoft"] == {"valid": 0, "reauth_required": 0, "will_fail": 2}
    assert {"outcome": "will_fail", "provider": "google", "reason": "v2 account deleted", "count": 1} in forecast["reasons"]
    assert result["diff"]["after"]["forecast"] == forecast
    assert result["forecast_vs_outcome"] is None
    assert result["forecast_summary"] == "forecast: 1 valid, 0 re-authentication required, 3 will fail"
    assert "@example.com" not in repr(result)


def test_check_mode_attach_does_not_wait(run):
    fake = fake_api(jobs=[job("s1", "snapshot", "running", "m1"), job("m1", "migration", "pending", "s1")])
    clock = Clock()
    result, failed = run(fake, v2=False, check_mode=True, clock=clock)
    assert not failed and result["changed"] is False and result["attached"] is True
    assert result["outcome"] == "running" and clock.sleeps == []


def test_without_v2_starts_with_warning_when_v2_fails(run, warnings):
    fake = fake_api(steps=DONE, errors={"list_accounts": NylasAPIError("gone", status=410, error_type="gone")})
    result, failed = run(fake, wait=False)
    assert not failed and result["changed"] is True and result["v2_reads"] is False
    assert result["scope"] is None and result["outcome"] == "running"
    assert any("v2 account list could not be read" in w for w in warnings)
    assert V2_SECRET not in repr(result)


def test_snapshot_failure_fails_fast(run):
    fake = fake_api(steps=[("failed", "pending", {})] + DONE, accounts=[account("a")])
    result, failed = run(fake)
    assert failed and result["outcome"] == "snapshot_failed"
    assert "Snapshot job s-new failed" in result["msg"] and "m-new" in result["msg"]
    assert result["changed"] is True and result["job_started"] is True


def test_timeout_reports_last_status_counts_and_ids(run):
    steps = [("completed", "running", {"all": 10, "success": 4, "failed": 1})] * 20
    fake = fake_api(steps=steps, accounts=[account("a")])
    result, failed = run(fake, wait_timeout=3, poll_interval=1)
    assert failed and result["timed_out"] is True and result["outcome"] == "running"
    assert "Timed out after 3 seconds" in result["msg"]
    assert "m-new" in result["msg"] and "s-new" in result["msg"] and "5 of 10 processed" in result["msg"]
    assert result["counts"]["success"] == 4 and result["clone_job"]["job_id"] == "m-new"


def test_poll_error_while_waiting_keeps_the_job_ids(run):
    err = NylasAPIError("unavailable", status=503, error_type="service_unavailable", request_id="rid-503",
                        method="GET", path="/v3/migration-tools/jobs")
    fake = fake_api(steps=[("running", "pending", {})], accounts=[account("a")])
    fake.side_effects["start_batch_clone"] = lambda: fake.errors.update(list_jobs=err)  # polls fail from now on
    result, failed = run(fake)
    assert failed and result["status"] == 503 and result["request_id"] == "rid-503"
    assert result["msg"].startswith("Failed to read the migration jobs while waiting (GET /v3/migration-tools/jobs): "
                                    "HTTP 503") and "request_id=rid-503" in result["msg"]
    assert result["job_started"] is True and result["changed"] is True
    assert result["clone_job"]["job_id"] == "m-new" and result["snapshot_job"]["job_id"] == "s-new"


def test_partial_warns_and_lists_placeholders(run, warnings):
    grants_after = {"a": grant("a"), "b": grant("b", status="invalid"),
                    "zz": grant("zz", status="invalid")}  # zz out of scope
    fake = fake_api(steps=[("completed", "partial", {"all": 2, "success": 1, "warning": 1})],
                    grants_after=[grants_after], accounts=[account("a"), account("b", "eas", "password")])
    result, failed = run(fake)
    assert not failed and result["outcome"] == "partial"
    assert any("ended partial" in w for w in warnings)
    assert result["reauth_required"] == {"count": 1, "account_ids": ["b"]}
    assert len(result["batches"]) == 1


def test_partial_fails_with_fail_on_partial(run):
    fake = fake_api(steps=[("completed", "partial", {"all": 2, "success": 1, "failed": 1})],
                    accounts=[account("a"), account("b")])
    result, failed = run(fake, fail_on_partial=True)
    assert failed and "ended partial" in result["msg"] and result["counts"]["failed"] == 1


def test_failed_job_fails(run):
    fake = fake_api(steps=[("completed", "failed", {"all": 2, "failed": 2})], accounts=[account("a"), account("b")])
    result, failed = run(fake)
    assert failed and result["msg"] == "Migration job m-new failed: 2 of 2 accounts failed"


def test_start_outcome_unknown_follows_new_job(run, warnings):
    err = NylasAPIError("bad gateway", status=502, method="POST", path="/v3/migration-tools/snapshot-batch-clone",
                        outcome_unknown=True)
    fake = fake_api(steps=DONE, accounts=[account("a")], errors_after={"start_batch_clone": err})
    result, failed = run(fake, wait=False)
    assert not failed and result["job_started"] is True and result["clone_job"]["job_id"] == "m-new"
    assert len(starts(fake)) == 1
    assert any("following it" in w for w in warnings)


def test_start_outcome_unknown_without_new_job_is_resent_after_settle_time(run, warnings, clock):
    err = NylasAPIError("bad gateway", status=502, method="POST", path="/v3/migration-tools/snapshot-batch-clone",
                        outcome_unknown=True)
    fake = fake_api(steps=DONE, accounts=[account("a")], errors={"start_batch_clone": [err]})  # nothing started
    result, failed = run(fake, wait=False, settle_time=10)
    assert not failed and result["job_started"] is True and len(starts(fake)) == 2
    assert sum(clock.slept) == 10 and any("re-sent once" in w for w in warnings)


def test_start_error_fails_with_fields(run):
    err = NylasAPIError("slow down", status=429, error_type="rate_limit_error", request_id="rid-429",
                        method="POST", path="/v3/migration-tools/snapshot-batch-clone", attempts=6)
    fake = fake_api(accounts=[account("a")], errors={"start_batch_clone": err})  # refused: no job is created
    result, failed = run(fake)
    assert failed and result["status"] == 429 and result["request_id"] == "rid-429" and result["attempts"] == 6
    assert result["changed"] is False and result["msg"].startswith("Failed to start the batch clone: HTTP 429")
    assert len(starts(fake)) == 1 and fake.jobs == []


def test_list_jobs_error_fails_with_fields(run):
    err = NylasAPIError("bad key", status=401, error_type="invalid_request_error", request_id="r1",
                        method="GET", path="/v3/migration-tools/jobs")
    fake = fake_api(errors={"list_jobs": err})
    result, failed = run(fake, v2=False)
    assert failed and result["status"] == 401 and result["error_type"] == "invalid_request_error"
    assert result["msg"] == ("Failed to list the migration jobs (GET /v3/migration-tools/jobs): HTTP 401 "
                             "invalid_request_error: bad key (request_id=r1)")
    assert API_KEY not in repr(result)


@pytest.mark.parametrize("args,match", [
    ({"poll_interval": 0.1}, "poll_interval"),
    ({"limit": 0}, "limit"),
    ({"offset": -1}, "offset"),
    ({"wait_timeout": -5}, "wait_timeout"),
    ({"providers": ["gmail"]}, "providers"),
])
def test_argument_errors(run, args, match):
    fake = fake_api()
    result, failed = run(fake, v2=False, **args)
    assert failed and match in result["msg"] and fake.calls == []


def test_main_entry_point(monkeypatch, capsys):
    fake = fake_api(jobs=[job("s1", "snapshot", "completed", "m1"), job("m1", "migration", "completed", "s1")])
    fake.install(monkeypatch)
    rc, result, _raw = run_module(nylas_batch_clone.main,
                                  {"api_key": API_KEY, "v2_client_id": V2_ID, "v2_client_secret": V2_SECRET}, capsys)
    assert rc == 0 and result["action"] == "none"


# --------------------------------------------------------------- the report's rows from the batch's reads
def read_rows(path):
    with open(path) as f:
        return json.load(f)


def test_rows_written_from_the_reads_after_the_last_batch(run, tmp_path):
    steps = [("completed", "completed", {"all": 2, "success": 1, "warning": 1})]
    fake = fake_api(steps=steps, grants_after=[dict(grants_for("a"), **grants_for("b", status="invalid"))],
                    accounts=[account("a"), account("b", "exchange", "password")])
    path = tmp_path / "rows" / "pair1.json"
    result, failed = run(fake, rows_path=str(path), label="pair1")
    assert not failed and result["report"]["rows_path"] == str(path)
    doc = read_rows(path)
    assert doc["pair"] == "pair1" and doc["basis"] == "v2_and_v3"
    # the rows say what the grants re-read after the batch say, not what the plan saw (no grant)
    assert {r["account_id"]: r["status"] for r in doc["rows"]} == {"a": "migrated", "b": "reauth_required"}
    assert result["report"]["summary"] == doc["summary"] and result["report"]["accounts"] == 2
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    # the grants were read once before the batch and once after it: never a third time for the rows
    assert fake.names().count("find_grants_by_account_ids") == 2


def test_rows_on_a_run_with_nothing_to_do_use_the_plan_reads(run, tmp_path):
    fake = fake_api(grants={"a": grant("a")}, accounts=[account("a")])
    path = tmp_path / "rows.json"
    result, failed = run(fake, check_mode=True, rows_path=str(path))
    assert not failed and result["action"] == "none"
    assert [r["status"] for r in read_rows(path)["rows"]] == ["migrated"]
    assert fake.names().count("find_grants_by_account_ids") == 1


@pytest.mark.parametrize("args,v2", [(dict(providers=["google"]), True), ({}, False)])
def test_no_rows_when_the_reads_do_not_cover_every_account(run, tmp_path, args, v2):
    fake = fake_api(grants={"a": grant("a")}, accounts=[account("a"), account("b", "imap", "password")])
    path = tmp_path / "rows.json"
    result, failed = run(fake, v2=v2, rows_path=str(path), check_mode=True, **args)
    assert not failed and "report" not in result and not path.exists()


def test_check_mode_rows_come_from_the_plan_reads(run, tmp_path):
    fake = fake_api(steps=DONE, grants={"a": grant("a")}, accounts=[account("a"), account("b")])
    path = tmp_path / "rows.json"
    result, failed = run(fake, check_mode=True, rows_path=str(path))
    assert not failed and result["action"] == "start" and fake.writes() == []
    assert {r["account_id"]: r["status"] for r in read_rows(path)["rows"]} == {"a": "migrated", "b": "not_migrated"}
    assert result["report"]["rows_path"] == str(path)


def test_no_rows_when_a_started_batch_was_not_waited_for(run, tmp_path):
    fake = fake_api(steps=DONE, accounts=[account("a")])
    path = tmp_path / "rows.json"
    result, failed = run(fake, wait=False, rows_path=str(path))
    assert not failed and result["job_started"] is True
    assert "report" not in result and not path.exists()  # the job is running: the report reads for itself


# -- the progress file (read by nylas_batch_wait) -----------------------------------------------

def recorded_progress(monkeypatch, path):
    """Record every document the runner writes to ``path`` (and write it, as the runner would)."""
    from ansible_collections.nylas.migration.plugins.module_utils import nylas_batch_runner

    documents = []
    real = nylas_batch_runner.write_private_json

    def record(target, data, indent=2):
        if target == str(path):
            documents.append(json.loads(json.dumps(data)))
        return real(target, data, indent=indent)

    monkeypatch.setattr(nylas_batch_runner, "write_private_json", record)
    return documents


def test_progress_file_is_written_at_each_poll_then_removed(run, monkeypatch, tmp_path):
    steps = [("running", "pending", {}), ("completed", "running", {"all": 3, "success": 1}),
             ("completed", "running", {"all": 3, "success": 1, "warning": 1}),
             ("completed", "partial", {"all": 3, "success": 2, "warning": 1})]
    fake = fake_api(steps=steps, grants_after=[dict(grants_for("a", "b"), **grants_for("c", status="invalid"))],
                    accounts=[account("a"), account("b"), account("c")])
    path = tmp_path / "progress" / "acme.json"
    documents = recorded_progress(monkeypatch, path)
    result, failed = run(fake, label="acme", progress_path=str(path))
    assert not failed and result["outcome"] == "partial"
    assert [d["done"] for d in documents] == [0, 0, 1, 2, 3]  # after the start, then one per poll
    assert [d["status"] for d in documents][-1] == "partial"
    assert all(d["label"] == "acme" and d["clone_job_id"] == "m-new" and d["batch"] == 1 for d in documents)
    assert documents[-1]["total"] == 3 and documents[0]["planned"] == 3
    assert not path.exists()  # removed when the run ended: the result carries the final state
    assert (path.parent.stat().st_mode & 0o777) == 0o700


def test_no_progress_file_in_check_mode(run, monkeypatch, tmp_path):
    fake = fake_api(steps=DONE, accounts=[account("a")])
    path = tmp_path / "progress.json"
    documents = recorded_progress(monkeypatch, path)
    result, failed = run(fake, check_mode=True, progress_path=str(path))
    assert not failed and result["action"] == "start" and documents == [] and not path.exists()


def test_progress_file_that_cannot_be_written_warns_once_and_the_run_goes_on(run, warnings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    fake = fake_api(steps=DONE, grants_after=[grants_for("a", "b", "c")],
                    accounts=[account("a"), account("b"), account("c")])
    result, failed = run(fake, progress_path=str(blocker / "progress.json"))
    assert not failed and result["outcome"] == "completed"
    assert len([w for w in warnings if "progress file" in w]) == 1
