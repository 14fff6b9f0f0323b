# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_batch_clone: main() / run_module() with patched arguments and fake clients."""
from __future__ import annotations

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.nylas.migration.plugins.module_utils import nylas_module
from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import (
    NylasAPIError,
    NylasCheckModeError,
)
from ansible_collections.nylas.migration.plugins.modules import nylas_batch_clone

API_KEY = "nyk_unit_secret_key"
V2_SECRET = "v2-unit-secret"


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result.get("msg"))
        self.result = result
        self.failed = failed


def _exit_json(self, **kwargs):
    kwargs.setdefault("changed", False)
    raise ModuleExit(kwargs, False)


def _fail_json(self, **kwargs):
    raise ModuleExit(kwargs, True)


def job(job_id, type_, status, linked, created=100, **counts):
    out = {"job_id": job_id, "type": type_, "status": status, "linked_job_id": linked, "created_at": created,
           "updated_at": created, "public_application_id": "app-unit"}
    for key in ("all", "success", "failed", "warning"):
        out["count_" + key] = counts.get(key, 0)
    return out


def account(account_id, provider="gmail", auth="oauth", sync="running"):
    return {"id": account_id, "provider": provider, "authentication_type": auth, "sync_state": sync,
            "email": account_id + "@example.com", "billing_state": "paid"}


class FakeV3:
    """Jobs that advance one step of ``steps`` per list_jobs() call once started."""

    def __init__(self, jobs=None, grants=None, steps=None, start_error=None, read_only=False, grants_after=None):
        self.jobs = [dict(j) for j in jobs or []]
        self.grants = dict(grants or {})
        # grants the running job creates when it ends (a dict, or a list of dicts: one per job)
        self.grants_after = grants_after if isinstance(grants_after, list) else dict(grants_after or {})
        self.started = 0
        self.steps = list(steps or [])
        self.start_error = start_error
        self.read_only = read_only
        self.calls = []
        self.list_error = None

    def list_jobs(self, status=None, job_type=None, sort_by_completion=None):
        self.calls.append(("list_jobs",))
        if self.list_error:
            raise self.list_error
        running = [j for j in self.jobs if j["type"] == "migration" and j["status"] in ("pending", "running")]
        if running and self.steps and any(c[0] == "list_jobs" for c in self.calls[:-1]):
            snap_status, mig_status, counts = self.steps.pop(0)
            mig = running[-1]
            snap = [j for j in self.jobs if j["job_id"] == mig["linked_job_id"]][0]
            snap["status"] = snap_status
            mig["status"] = mig_status
            for key, value in counts.items():
                mig["count_" + key] = value
            if mig_status in ("completed", "partial", "failed"):
                if isinstance(self.grants_after, list):
                    self.grants.update(self.grants_after.pop(0) if self.grants_after else {})
                else:
                    self.grants.update(self.grants_after)
        return [dict(j) for j in self.jobs]

    def start_batch_clone(self, **kwargs):
        if self.read_only:
            raise NylasCheckModeError("write in check mode")
        self.calls.append(("start", kwargs))
        suffix = "new" if not self.started else "new%d" % self.started
        self.started += 1
        snap = job("s-" + suffix, "snapshot", "pending", "m-" + suffix, created=500 + self.started)
        mig = job("m-" + suffix, "migration", "pending", "s-" + suffix, created=500 + self.started)
        self.jobs += [snap, mig]
        if self.start_error:
            raise self.start_error
        return {"snapshot_job": dict(snap), "clone_job": dict(mig)}

    def find_grants_by_account_ids(self, account_ids, chunk_size=50):
        self.calls.append(("find", len(list(account_ids))))
        return dict((a, self.grants[a]) for a in account_ids if a in self.grants)

    def list_grants(self, **filters):
        self.calls.append(("list_grants", filters))
        return [g for g in self.grants.values() if g.get("grant_status") == filters.get("grant_status")]

    def writes(self):
        return [c for c in self.calls if c[0] == "start"]


class FakeV2:
    def __init__(self, accounts=None, error=None):
        self.accounts = accounts or []
        self.error = error

    def list_accounts(self, page_size=100):
        if self.error:
            raise self.error
        return list(self.accounts)


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
def warnings(monkeypatch):
    seen = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: seen.append(msg))
    return seen


@pytest.fixture
def run(monkeypatch):
    """Run the module with args, fake clients and a fake clock; return (result, failed)."""
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)

    def _run(fake, v2=None, check_mode=False, diff=False, clock=None, **args):
        monkeypatch.setattr(nylas_module.NylasModule, "client", property(lambda self: fake))
        monkeypatch.setattr(nylas_module.NylasModule, "v2_client", property(lambda self: v2))
        args.setdefault("api_key", API_KEY)
        if v2 is not None:
            args.setdefault("v2_client_id", "v2-unit")
            args.setdefault("v2_client_secret", V2_SECRET)
        args.setdefault("poll_interval", 1)
        args["_ansible_check_mode"] = check_mode
        args["_ansible_diff"] = diff
        fake.read_only = check_mode
        clock = clock or Clock()
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as info:
                nylas_batch_clone.run_module(clock=clock, sleep=clock.sleep)
        return info.value.result, info.value.failed

    return _run


DONE = [("running", "pending", {}), ("completed", "running", {"all": 3, "success": 1}),
        ("completed", "completed", {"all": 3, "success": 3})]


def test_starts_and_waits_until_completed(run, warnings):
    fake = FakeV3(steps=DONE, grants_after=grants_for("a", "b", "c"))
    v2 = FakeV2([account("a"), account("b"), account("c")])
    result, failed = run(fake, v2, diff=True, providers=["google", "google"], limit=100)
    assert not failed and result["changed"] is True
    assert result["job_started"] is True and result["attached"] is False and result["action"] == "start"
    assert result["outcome"] == "completed"
    assert result["counts"] == {"all": 3, "success": 3, "failed": 0, "warning": 0}
    assert result["clone_job"]["job_id"] == "m-new" and result["snapshot_job"]["job_id"] == "s-new"
    assert fake.writes() == [("start", {"limit": 100, "offset": None, "providers": ["google"], "mode": "only_new",
                                        "allow_invalid_grant_creation": None, "clone_exchange": None})]
    assert result["scope"]["pending"] == 3 and result["v2_reads"] is True
    assert result["diff"] == {"before": {"batch_clone_job": None},
                              "after": {"batch_clone_job": "m-new", "accounts_to_migrate": 3}}
    statuses = [(s["snapshot_status"], s["status"]) for s in result["progress"]]
    assert statuses[0] == ("pending", "pending") and statuses[-1] == ("completed", "completed")
    assert result["reauth_required"] == {"count": 0, "account_ids": []}
    assert result["elapsed"] == 2.0  # three polls, two sleeps of poll_interval
    assert warnings == [] and len(fake.writes()) == 1


def grants_for(*ids, status="valid"):
    return dict((a, {"id": "g-" + a, "account_id": a, "grant_status": status}) for a in ids)


def test_no_progress_ends_the_chain_with_a_warning(run, warnings):
    fake = FakeV3(steps=DONE)  # the job "completes" but no grant appears
    result, failed = run(fake, FakeV2([account("a")]))
    assert not failed and len(fake.writes()) == 1 and len(result["batches"]) == 1
    assert any("still without a grant" in w for w in warnings)


def test_chains_batches_until_nothing_is_left(run, warnings):
    steps = [("completed", "completed", {"all": 2, "success": 2}),
             ("completed", "partial", {"all": 1, "warning": 1})]
    fake = FakeV3(steps=steps, grants_after=[grants_for("a", "b"), grants_for("c", status="invalid")])
    result, failed = run(fake, FakeV2([account("a"), account("b"), account("c")]))
    assert not failed and result["changed"] is True
    assert [b["clone_job_id"] for b in result["batches"]] == ["m-new", "m-new1"]
    assert result["clone_job"]["job_id"] == "m-new1" and result["outcome"] == "partial"
    assert result["counts"] == {"all": 3, "success": 2, "failed": 0, "warning": 1}
    assert result["reauth_required"] == {"count": 1, "account_ids": ["c"]}
    assert [w[1]["offset"] for w in fake.writes()] == [None, None]  # only_new: the selection shrinks


def test_mode_all_chains_with_the_next_window(run):
    steps = [("completed", "completed", {"all": 2, "success": 2}), ("completed", "completed", {"all": 1, "success": 1})]
    fake = FakeV3(steps=steps, grants_after=[grants_for("a", "b"), grants_for("c")])
    result, failed = run(fake, FakeV2([account("a"), account("b"), account("c")]), mode="all")
    assert not failed and len(result["batches"]) == 2
    assert [w[1]["offset"] for w in fake.writes()] == [None, nylas_batch_clone.API_BATCH_LIMIT]


def test_no_chaining_when_limit_is_set(run):
    steps = [("completed", "completed", {"all": 1, "success": 1})]
    fake = FakeV3(steps=steps, grants_after=grants_for("a"))
    result, failed = run(fake, FakeV2([account("a"), account("b")]), limit=1)
    assert not failed and len(fake.writes()) == 1 and len(result["batches"]) == 1


def test_flags_are_sent_when_set(run):
    fake = FakeV3(steps=DONE)
    run(fake, FakeV2([account("a%d" % n) for n in range(20)]), clone_exchange=True, allow_invalid_grant_creation=False, mode="all",
        offset=5, limit=10, wait=False)
    kwargs = fake.writes()[0][1]
    assert kwargs["clone_exchange"] is True and kwargs["allow_invalid_grant_creation"] is False
    assert kwargs["mode"] == "all" and kwargs["offset"] == 5 and kwargs["limit"] == 10


def test_nothing_to_do_when_all_migrated(run):
    grants = {"a": {"id": "g-a", "account_id": "a", "grant_status": "valid"},
              "b": {"id": "g-b", "account_id": "b", "grant_status": "invalid"}}
    fake = FakeV3(jobs=[job("s1", "snapshot", "completed", "m1"), job("m1", "migration", "completed", "s1")],
                  grants=grants)
    result, failed = run(fake, FakeV2([account("a"), account("b", "exchange", "password")]), diff=True)
    assert not failed and result["changed"] is False and result["action"] == "none"
    assert fake.writes() == []
    assert result["reauth_required"] == {"count": 1, "account_ids": ["b"]}
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["progress"] == [] and result["snapshot_job"] is None


def test_attaches_to_running_job_instead_of_starting(run):
    jobs = [job("s1", "snapshot", "completed", "m1"), job("m1", "migration", "running", "s1", all=3)]
    fake = FakeV3(jobs=jobs, steps=[("completed", "completed", {"all": 3, "success": 3})],
                  grants_after={"a": {"id": "g-a", "account_id": "a", "grant_status": "valid"}})
    result, failed = run(fake, FakeV2([account("a")]))
    assert not failed and result["attached"] is True and result["job_started"] is False
    assert result["changed"] is False and result["outcome"] == "completed"
    assert fake.writes() == []
    # grants are read only after the attached job ended, to see whether accounts remain
    assert [c[0] for c in fake.calls].index("find") > 1


def test_check_mode_predicts_start_without_writing_or_waiting(run):
    fake = FakeV3(steps=DONE)
    clock = Clock()
    result, failed = run(fake, FakeV2([account("a")]), check_mode=True, diff=True, clock=clock)
    assert not failed and result["changed"] is True and result["job_started"] is False
    assert result["action"] == "start" and fake.writes() == [] and clock.sleeps == []
    assert result["diff"]["after"] == {"batch_clone_job": "(new job)", "accounts_to_migrate": 1}


def test_check_mode_attach_does_not_wait(run):
    fake = FakeV3(jobs=[job("s1", "snapshot", "running", "m1"), job("m1", "migration", "pending", "s1")])
    clock = Clock()
    result, failed = run(fake, None, check_mode=True, clock=clock)
    assert not failed and result["changed"] is False and result["attached"] is True
    assert result["outcome"] == "running" and clock.sleeps == []


def test_without_v2_starts_with_warning_when_v2_fails(run, warnings):
    fake = FakeV3(steps=DONE)
    v2 = FakeV2(error=NylasAPIError("gone", status=410, error_type="gone"))
    result, failed = run(fake, v2, wait=False)
    assert not failed and result["changed"] is True and result["v2_reads"] is False
    assert result["scope"] is None and result["outcome"] == "running"
    assert any("v2 account list could not be read" in w for w in warnings)
    assert V2_SECRET not in repr(result)


def test_snapshot_failure_fails_fast(run):
    fake = FakeV3(steps=[("failed", "pending", {})] + DONE)
    result, failed = run(fake, FakeV2([account("a")]))
    assert failed and result["outcome"] == "snapshot_failed"
    assert "Snapshot job s-new failed" in result["msg"] and "m-new" in result["msg"]
    assert result["changed"] is True and result["job_started"] is True


def test_timeout_reports_last_status_counts_and_ids(run):
    steps = [("completed", "running", {"all": 10, "success": 4, "failed": 1})] * 20
    fake = FakeV3(steps=steps)
    result, failed = run(fake, FakeV2([account("a")]), wait_timeout=3, poll_interval=1)
    assert failed and result["timed_out"] is True and result["outcome"] == "running"
    assert "Timed out after 3 seconds" in result["msg"]
    assert "m-new" in result["msg"] and "s-new" in result["msg"] and "5 of 10 processed" in result["msg"]
    assert result["counts"]["success"] == 4 and result["clone_job"]["job_id"] == "m-new"


def test_partial_warns_and_lists_placeholders(run, warnings):
    grants_after = {"a": {"id": "g-a", "account_id": "a", "grant_status": "valid"},
                    "b": {"id": "g-b", "account_id": "b", "grant_status": "invalid"},
                    "zz": {"id": "g-zz", "account_id": "zz", "grant_status": "invalid"}}  # zz out of scope
    fake = FakeV3(steps=[("completed", "partial", {"all": 2, "success": 1, "warning": 1})], grants_after=grants_after)
    v2 = FakeV2([account("a"), account("b", "eas", "password")])
    result, failed = run(fake, v2)
    assert not failed and result["outcome"] == "partial"
    assert any("ended partial" in w for w in warnings)
    assert result["reauth_required"] == {"count": 1, "account_ids": ["b"]}
    assert len(result["batches"]) == 1


def test_partial_fails_with_fail_on_partial(run):
    fake = FakeV3(steps=[("completed", "partial", {"all": 2, "success": 1, "failed": 1})])
    result, failed = run(fake, FakeV2([account("a"), account("b")]), fail_on_partial=True)
    assert failed and "ended partial" in result["msg"] and result["counts"]["failed"] == 1


def test_failed_job_fails(run):
    fake = FakeV3(steps=[("completed", "failed", {"all": 2, "failed": 2})])
    result, failed = run(fake, FakeV2([account("a"), account("b")]))
    assert failed and result["msg"] == "Migration job m-new failed: 2 of 2 accounts failed"


def test_start_outcome_unknown_follows_new_job(run, warnings):
    err = NylasAPIError("bad gateway", status=502, method="POST", path="/v3/migration-tools/snapshot-batch-clone",
                        outcome_unknown=True)
    fake = FakeV3(steps=DONE, start_error=err)
    result, failed = run(fake, FakeV2([account("a")]), wait=False)
    assert not failed and result["job_started"] is True and result["clone_job"]["job_id"] == "m-new"
    assert len(fake.writes()) == 1
    assert any("following it" in w for w in warnings)


def test_start_error_fails_with_fields(run):
    err = NylasAPIError("slow down", status=429, error_type="rate_limit_error", request_id="rid-429",
                        method="POST", path="/v3/migration-tools/snapshot-batch-clone", attempts=6)
    fake = FakeV3(start_error=err)
    fake.start_batch_clone = _raising(fake, err)
    result, failed = run(fake, FakeV2([account("a")]))
    assert failed and result["status"] == 429 and result["request_id"] == "rid-429" and result["attempts"] == 6
    assert result["changed"] is False and result["msg"].startswith("Failed to start the batch clone: HTTP 429")


def _raising(fake, err):
    def start(**kwargs):
        fake.calls.append(("start", kwargs))
        raise err
    return start


def test_list_jobs_error_fails_with_fields(run):
    fake = FakeV3()
    fake.list_error = NylasAPIError("bad key", status=401, error_type="invalid_request_error", request_id="r1",
                                    method="GET", path="/v3/migration-tools/jobs")
    result, failed = run(fake, None)
    assert failed and result["status"] == 401 and result["error_type"] == "invalid_request_error"
    assert result["msg"] == "Failed to list the migration jobs: HTTP 401 invalid_request_error: bad key (request_id=r1)"
    assert API_KEY not in repr(result)


@pytest.mark.parametrize("args,match", [
    ({"poll_interval": 0.1}, "poll_interval"),
    ({"limit": 0}, "limit"),
    ({"offset": -1}, "offset"),
    ({"wait_timeout": -5}, "wait_timeout"),
    ({"providers": ["gmail"]}, "providers"),
])
def test_argument_errors(run, args, match):
    fake = FakeV3()
    result, failed = run(fake, None, **args)
    assert failed and match in result["msg"] and fake.calls == []


def test_main_entry_point(monkeypatch):
    fake = FakeV3(jobs=[job("s1", "snapshot", "completed", "m1"), job("m1", "migration", "completed", "s1")])
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)
    monkeypatch.setattr(nylas_module.NylasModule, "client", property(lambda self: fake))
    monkeypatch.setattr(nylas_module.NylasModule, "v2_client", property(lambda self: FakeV2([])))
    with patch_module_args({"api_key": API_KEY, "v2_client_id": "v2", "v2_client_secret": V2_SECRET}):
        with pytest.raises(ModuleExit) as info:
            nylas_batch_clone.main()
    assert not info.value.failed and info.value.result["action"] == "none"
