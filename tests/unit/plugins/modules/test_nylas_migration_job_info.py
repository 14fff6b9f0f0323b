# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_migration_job_info: main() with patched arguments and a fake client."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    BASE_ARGS,
    FakeNylas,
    api_error,
    assert_no_secret,
    run_module,
)

from ansible_collections.nylas.migration.plugins.modules import nylas_migration_job_info

JOBS = [
    {"job_id": "job-s", "type": "snapshot", "status": "completed", "linked_job_id": "job-m"},
    {"job_id": "job-m", "type": "migration", "status": "running", "linked_job_id": "job-s"},
]


@pytest.fixture
def api(monkeypatch):
    fake = FakeNylas().install(monkeypatch)
    fake.jobs = [dict(j) for j in JOBS]
    return fake


def run(capsys, args=None, **kwargs):
    return run_module(nylas_migration_job_info.main, dict(BASE_ARGS, **(args or {})), capsys, **kwargs)


def test_lists_jobs(api, capsys):
    rc, result, raw = run(capsys)
    assert rc == 0 and result["changed"] is False and result["jobs"] == JOBS and "job" not in result
    assert api.calls == [("list_jobs", (), dict(status=None, job_type=None, sort_by_completion=None))]
    assert_no_secret(raw)


def test_filters_passed(api, capsys):
    rc, dummy, dummy = run(capsys, dict(status=["running", "pending"], job_type=["migration"], sort_by_completion=True))
    assert rc == 0
    assert api.calls[-1][2] == dict(status=["running", "pending"], job_type=["migration"], sort_by_completion=True)


def test_type_alias(api, capsys):
    rc, dummy, dummy = run(capsys, dict(type=["snapshot"]))
    assert rc == 0 and api.calls[-1][2]["job_type"] == ["snapshot"]


def test_bad_choice(api, capsys):
    rc, result, dummy = run(capsys, dict(status=["done"]))
    assert rc == 1 and "status" in result["msg"] and api.calls == []


def test_job_id(api, capsys):
    rc, result, dummy = run(capsys, dict(job_id="job-m"))
    assert rc == 0 and result["job"]["status"] == "running" and [j["job_id"] for j in result["jobs"]] == ["job-m"]
    rc, result, dummy = run(capsys, dict(job_id="job-x"))
    assert rc == 0 and result["job"] is None and result["jobs"] == []


def test_check_mode(api, capsys):
    rc, result, dummy = run(capsys, check_mode=True, diff=True)
    assert rc == 0 and result["changed"] is False and result["jobs"] == JOBS and "diff" not in result
    assert api.v3_kwargs["read_only"] is True


@pytest.mark.parametrize("status, error_type", [(401, "invalid_request_error"), (404, "not_found_error"),
                                                (429, "rate_limit_error"), (503, "service_unavailable")])
def test_error_fields(api, capsys, status, error_type):
    api.errors["list_jobs"] = api_error(status, error_type, "nope", path="/v3/migration-tools/jobs",
                                        request_id="rid-3", attempts=6)
    rc, result, raw = run(capsys)
    assert rc == 1 and result["changed"] is False and result["jobs"] == []
    assert result["msg"].startswith("Failed to list the migration jobs: HTTP %d" % status)
    assert result["status"] == status and result["error_type"] == error_type
    assert result["request_id"] == "rid-3" and result["attempts"] == 6 and result["method"] == "GET"
    assert_no_secret(raw)
