# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the batch clone runner (plugins/module_utils/nylas_batch_runner.py) with a small fake module.

The module's own tests (tests/unit/plugins/modules/test_nylas_batch_clone.py) cover the whole run; these
cover the start of unknown outcome, whose failure paths the runner shares with nylas_module.settle_write.
"""
from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_batch_runner import run_batch_clone
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule
from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import FakeClock


class Failed(Exception):
    def __init__(self, result):
        super().__init__(result.get("msg"))
        self.result = result


class FakeModule:
    """What the runner uses of a NylasModule; the shared error paths are NylasModule's own."""

    call = NylasModule.call
    failing = NylasModule.failing
    settle_write = NylasModule.settle_write
    fail_from_error = NylasModule.fail_from_error

    def __init__(self, client, check_mode=False, **params):
        self.client = client
        self.check_mode = check_mode
        self.params = dict(providers=None, mode="only_new", limit=None, offset=None, allow_invalid_grant_creation=None,
                           clone_exchange=None, wait=False, wait_timeout=60, poll_interval=1, fail_on_partial=False,
                           settle_time=30)
        self.params.update(params)
        self.warnings = []
        self.clock = FakeClock()
        self.sleep = self.clock.sleep

    def has_v2_credentials(self):
        return False

    def warn(self, msg):
        self.warnings.append(msg)

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


class FakeClient:
    def __init__(self, start_error=None, creates_jobs=False, reread_error=None, failing_starts=None):
        self.start_error = start_error
        self.failing_starts = failing_starts  # None: every start fails
        self.creates_jobs = creates_jobs
        self.reread_error = reread_error
        self.jobs = []
        self.starts = 0

    def list_jobs(self):
        if self.starts and self.reread_error:
            raise self.reread_error
        return [dict(j) for j in self.jobs]

    def start_batch_clone(self, **kwargs):
        self.starts += 1
        if self.failing_starts is not None and self.starts > self.failing_starts:
            self.jobs += [{"job_id": "s2", "type": "snapshot", "status": "pending", "linked_job_id": "m2"},
                          {"job_id": "m2", "type": "migration", "status": "pending", "linked_job_id": "s2"}]
            return {"snapshot_job": dict(self.jobs[-2]), "clone_job": dict(self.jobs[-1])}
        if self.creates_jobs:
            self.jobs += [{"job_id": "s1", "type": "snapshot", "status": "pending", "linked_job_id": "m1"},
                          {"job_id": "m1", "type": "migration", "status": "pending", "linked_job_id": "s1"}]
        raise self.start_error


def unknown():
    return NylasAPIError("bad gateway", status=502, request_id="rid-502", method="POST",
                         path="/v3/migration-tools/snapshot-batch-clone", outcome_unknown=True)


def test_unknown_start_that_did_not_happen_is_resent_once_then_reported_unknown():
    client = FakeClient(start_error=unknown())
    module = FakeModule(client)
    with pytest.raises(Failed) as info:
        run_batch_clone(module, clock=lambda: 0.0, sleep=None)
    result = info.value.result
    assert result["msg"].startswith("The outcome of the batch clone start is unknown (re-read for 30 s and re-sent "
                                    "once without seeing the write; a re-run re-reads the state first")
    assert "HTTP 502" in result["msg"]
    assert result["outcome_unknown"] is True and result["request_id"] == "rid-502"
    assert result["changed"] is False and result["job_started"] is False and client.starts == 2
    assert sum(module.clock.slept) == 60  # settled twice: 30 s before the re-send, 30 s after


def test_unknown_start_with_settle_time_zero_is_never_resent():
    client = FakeClient(start_error=unknown())
    with pytest.raises(Failed) as info:
        run_batch_clone(FakeModule(client, settle_time=0), clock=lambda: 0.0, sleep=None)
    assert "(re-read once without seeing the write" in info.value.result["msg"] and client.starts == 1


def test_unknown_start_not_shown_after_settle_time_is_resent_and_followed():
    client = FakeClient(start_error=unknown(), failing_starts=1)
    module = FakeModule(client)
    result = run_batch_clone(module, clock=lambda: 0.0, sleep=None)
    assert result["job_started"] is True and result["clone_job"]["job_id"] == "m2" and client.starts == 2
    assert any("re-sent once" in w for w in module.warnings)


def test_unknown_start_that_happened_is_followed():
    client = FakeClient(start_error=unknown(), creates_jobs=True)
    module = FakeModule(client)
    result = run_batch_clone(module, clock=lambda: 0.0, sleep=None)
    assert result["job_started"] is True and result["changed"] is True and result["clone_job"]["job_id"] == "m1"
    assert any("following it" in w for w in module.warnings) and client.starts == 1


def test_unknown_start_whose_reread_fails_names_the_start_error():
    reread_error = NylasAPIError("down", status=503, method="GET", path="/v3/migration-tools/jobs")
    client = FakeClient(start_error=unknown(), reread_error=reread_error)
    with pytest.raises(Failed) as info:
        run_batch_clone(FakeModule(client), clock=lambda: 0.0, sleep=None)
    result = info.value.result
    assert result["msg"].startswith("Failed to re-read the migration jobs after HTTP 502")
    assert result["status"] == 503 and client.starts == 1


def test_check_mode_returns_the_prediction_without_writing():
    client = FakeClient(start_error=AssertionError("no write in check mode"))
    result = run_batch_clone(FakeModule(client, check_mode=True), clock=lambda: 0.0, sleep=None)
    assert result["action"] == "start" and result["changed"] is True and client.starts == 0
    assert result["diff"]["after"]["batch_clone_job"] == "(new job)"
