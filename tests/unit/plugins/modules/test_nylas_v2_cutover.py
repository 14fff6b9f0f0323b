# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_v2_cutover: main() with patched arguments and the shared fake client."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    BASE_ARGS,
    V2_ID,
    FakeNylas,
    api_error,
    assert_no_secret,
    grant,
    run_module,
)

from ansible_collections.nylas.migration.plugins.modules import nylas_v2_cutover


@pytest.fixture
def api(monkeypatch):
    fake = FakeNylas().install(monkeypatch)
    fake.application["v2_application_id"] = V2_ID
    fake.accounts = [dict(id="a1", email="a1@example.com", provider="gmail", billing_state="paid"),
                     dict(id="a2", email="a2@example.com", provider="gmail", billing_state="paid"),
                     dict(id="a3", email="a3@example.com", provider="gmail", billing_state="paid")]
    fake.grants = [grant("a1"), grant("a2", status="invalid")]
    return fake


def run(capsys, tmp_path, args=None, **kwargs):
    full = dict(BASE_ARGS, run_id="r1", record_dir=str(tmp_path / "rec"), confirm=V2_ID)
    full.update(args or {})
    rc, result, raw = run_module(nylas_v2_cutover.main, {k: v for k, v in full.items() if v is not None}, capsys,
                                 **kwargs)
    assert_no_secret(raw)
    assert "@example.com" not in raw
    return rc, result, raw


def test_cancels_only_valid_grants_and_writes_a_private_record(api, capsys, tmp_path):
    rc, result, _raw = run(capsys, tmp_path)
    assert rc == 0 and result["changed"] is True and result["cancelled"] == ["a1"]
    assert api.writes() == ["downgrade_account"] and api.write_args("downgrade_account") == [("a1",)]
    path = result["record_path"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle)["cancelled"] == ["a1"]
    api.calls = []
    rc, again, _raw = run(capsys, tmp_path)
    assert rc == 0 and again["changed"] is False and api.writes() == []


def test_check_mode_needs_no_confirm_and_writes_nothing(api, capsys, tmp_path):
    rc, result, _raw = run(capsys, tmp_path, dict(confirm=None), check_mode=True)
    assert rc == 0 and result["would_cancel"] == ["a1"] and result["confirmed"] is False
    assert api.writes() == [] and not os.path.exists(result["record_path"])


@pytest.mark.parametrize("args,message", [
    (dict(confirm=None), "cutover is off"),
    (dict(confirm="eu"), "cutover is off"),
    (dict(v2_client_secret=None), "v2_client_id and v2_client_secret are required"),
    (dict(error_budget=-1), "error_budget must be zero or more"),
])
def test_guards_fail_before_any_call(api, capsys, tmp_path, args, message):
    rc, result, _raw = run(capsys, tmp_path, args)
    assert rc == 1 and message in result["msg"] and api.calls == []


def test_unlinked_application_fails_before_v2_calls(api, capsys, tmp_path):
    api.application["v2_application_id"] = "v2-other"
    rc, result, _raw = run(capsys, tmp_path)
    assert rc == 1 and "not linked" in result["msg"] and api.names() == ["get_application"]


def test_read_failure_carries_the_api_fields(api, capsys, tmp_path):
    api.errors["list_accounts"] = api_error(503, "api_error", "down", path="/a/%s/accounts" % V2_ID,
                                            request_id="rid-9")
    rc, result, _raw = run(capsys, tmp_path)
    assert rc == 1 and result["status"] == 503 and result["request_id"] == "rid-9"
    assert result["path"] == "/a/%s/accounts" % V2_ID and api.writes() == []


def test_rollout_percent_out_of_range_fails(api, capsys, tmp_path):
    rc, result, _raw = run(capsys, tmp_path, dict(rollout_percent=150))
    assert rc == 1 and "rollout_percent" in result["msg"] and api.writes() == []


def test_error_budget_failure_and_rollback(api, capsys, tmp_path):
    api.grants = [grant("a1"), grant("a2"), grant("a3")]
    api.errors[("downgrade_account", "a2")] = api_error(400, path="/a/x/accounts/a2/downgrade", method="POST")
    rc, result, _raw = run(capsys, tmp_path)
    assert rc == 1 and result["stopped_by_error_budget"] is True and result["cancelled"] == ["a1"]
    assert result["not_attempted"] == ["a3"] and result["failures"][0]["account_id"] == "a2"
    del api.errors[("downgrade_account", "a2")]
    api.calls = []
    rc, rolled, _raw = run(capsys, tmp_path, dict(state="rollback"))
    # the run did not finish: its planned accounts still cancelled are re-activated (a1 only here)
    assert rc == 0 and rolled["reactivated"] == ["a1"] and api.writes() == ["upgrade_account"]
    assert [a["billing_state"] for a in api.accounts] == ["paid", "paid", "paid"]


def test_unwritable_record_fails_before_any_write(api, capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc, result, _raw = run(capsys, tmp_path, dict(record_dir=str(blocker / "rec")))
    assert rc == 1 and "nothing was cancelled" in result["msg"] and api.writes() == []
