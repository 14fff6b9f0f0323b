# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_migration_job_info against a running simulator, run as Ansible runs it (subprocess)."""

from __future__ import annotations

import pytest
import requests

from tests.integration.module_runner import (
    HTML_502,
    IDENTITIES,
    assert_no_secrets,
    error_fields,
    last_seq,
    run_module,
    writes,
)

JOBS = "/v3/migration-tools/jobs"


def job_info(args, **kwargs):
    return run_module("nylas_migration_job_info", args, **kwargs)


@pytest.fixture
def with_jobs(acme):
    """The acme pair, linked, with one finished snapshot + clone job pair (started over plain HTTP)."""
    sim, args = acme
    assert run_module("nylas_link_apps", args).rc == 0
    headers = {"Authorization": "Bearer " + IDENTITIES["us-acme"]["api_key"]}
    response = requests.post(sim.url + "/v3/migration-tools/snapshot-batch-clone", headers=headers,
                             json={"limit": 20, "providers": ["google"]}, timeout=10)
    response.raise_for_status()
    data = response.json()["data"]
    clone_id = data["clone_job"]["job_id"]

    def finished():
        jobs = requests.get(sim.url + JOBS, headers=headers, timeout=10).json()["data"]
        return all(j["status"] in ("completed", "partial", "failed") for j in jobs) and len(jobs) == 2

    sim.wait_for(finished, timeout=60)
    return sim, args, data["snapshot_job"]["job_id"], clone_id


def test_lists_jobs_never_changed(with_jobs):
    sim, args, snapshot_id, clone_id = with_jobs
    seq = last_seq(sim)
    result = job_info(args, diff=True)
    assert result.rc == 0 and result.result["changed"] is False, result.raw
    jobs = {j["job_id"]: j for j in result.result["jobs"]}
    assert set(jobs) == {snapshot_id, clone_id}
    assert jobs[snapshot_id]["type"] == "snapshot" and jobs[clone_id]["type"] == "migration"
    assert jobs[clone_id]["linked_job_id"] == snapshot_id
    assert "diff" not in result.result
    assert writes(sim, since=seq) == []
    assert_no_secrets(result.raw)


def test_filters_and_alias(with_jobs):
    sim, args, snapshot_id, clone_id = with_jobs
    result = job_info(dict(args, job_type=["migration"], status=["completed", "partial", "failed"],
                           sort_by_completion=True))
    assert result.rc == 0 and [j["job_id"] for j in result.result["jobs"]] == [clone_id], result.raw
    query = [e["query"] for e in sim.requests_log() if e["path"] == JOBS][-1]
    assert query["type"] == "migration" and query["sort_by_completion"] == "true"
    assert set(query["status"].split(",")) == {"completed", "partial", "failed"}
    alias = job_info(dict(args, type=["snapshot"]))
    assert [j["job_id"] for j in alias.result["jobs"]] == [snapshot_id]
    assert job_info(dict(args, status=["pending", "running"])).result["jobs"] == []


def test_job_id(with_jobs):
    sim, args, snapshot_id, clone_id = with_jobs
    result = job_info(dict(args, job_id=clone_id))
    assert result.rc == 0 and result.result["job"]["job_id"] == clone_id
    assert [j["job_id"] for j in result.result["jobs"]] == [clone_id]
    missing = job_info(dict(args, job_id="no-such-job"))
    assert missing.rc == 0 and missing.result["job"] is None and missing.result["jobs"] == []


def test_check_mode_on_fresh_simulator(acme):
    sim, args = acme
    result = job_info(args, check_mode=True, diff=True)
    assert result.rc == 0 and result.result["changed"] is False and result.result["jobs"] == [], result.raw
    assert writes(sim) == []
    assert_no_secrets(result.raw)


def test_401(acme):
    sim, args = acme
    result = job_info(dict(args, api_key="nyk_sim_us_WRONG_KEY_for_test"))
    assert result.rc == 1
    fields = error_fields(result.result)
    assert fields["status"] == 401 and fields["error_type"] == "invalid_request_error" and fields["request_id"]
    assert fields["method"] == "GET" and fields["path"] == JOBS and result.result["jobs"] == []
    assert "nyk_sim_us_WRONG_KEY_for_test" not in result.raw
    assert_no_secrets(result.raw)


def test_404(acme):
    sim, args = acme
    sim.add_fault(method="GET", path=JOBS, status=404)
    result = job_info(args)
    assert result.rc == 1
    assert result.result["status"] == 404 and result.result["error_type"] == "not_found_error"
    assert result.result["msg"].startswith("Failed to list the migration jobs: HTTP 404")
    assert_no_secrets(result.raw)


def test_429_with_retry_after(acme):
    sim, args = acme
    sim.add_fault(method="GET", path=JOBS, status=429, retry_after=1)
    result = job_info(args)
    assert result.rc == 1
    assert result.result["status"] == 429 and result.result["attempts"] == 2 and result.result["request_id"]
    assert_no_secrets(result.raw)


def test_429_once_then_listed(acme):
    sim, args = acme
    sim.add_fault(method="GET", path=JOBS, status=429, retry_after=1, times=1)
    result = job_info(args)
    assert result.rc == 0 and result.result["jobs"] == []
    assert [e["status"] for e in sim.requests_log() if e["path"] == JOBS] == [429, 200]


def test_503_retried_then_fails(acme):
    sim, args = acme
    sim.add_fault(method="GET", path=JOBS, status=503)
    result = job_info(args)
    assert result.rc == 1
    assert result.result["status"] == 503 and result.result["attempts"] == 2
    assert result.result["outcome_unknown"] is False
    assert_no_secrets(result.raw)


def test_html_502(acme):
    sim, args = acme
    sim.add_fault(method="GET", path=JOBS, status=502, body=HTML_502, content_type="text/html")
    result = job_info(dict(args, max_retries=0))
    assert result.rc == 1
    assert result.result["status"] == 502 and result.result["error_type"] == "non_json_response"
    assert "502 Bad Gateway" in result.result["msg"] and "<html>" not in result.result["msg"]
    assert "Traceback" not in result.raw
    assert_no_secrets(result.raw)
