# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_grant_clone: main() with patched arguments and a fake v3 client."""
from __future__ import annotations

import threading

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.nylas.migration.plugins.module_utils import nylas_module
from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import (
    NylasAPIError,
    NylasCheckModeError,
)
from ansible_collections.nylas.migration.plugins.modules import nylas_grant_clone

API_KEY = "nyk_unit_secret_key"


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


class FakeV3:
    """Grants by account id; per-account clone behaviours; thread-safe call log."""

    def __init__(self, grants=None, behaviours=None, read_only=False):
        self.grants = dict(grants or {})
        self.behaviours = dict(behaviours or {})  # account_id -> exception, or "drop-after-create"
        self.read_only = read_only
        self.calls = []
        self.lock = threading.Lock()

    def _log(self, *call):
        with self.lock:
            self.calls.append(call)

    def find_grants_by_account_ids(self, account_ids, chunk_size=50):
        self._log("find", tuple(account_ids))
        err = self.behaviours.get("find")
        if err:
            raise err
        return dict((a, self.grants[a]) for a in account_ids if a in self.grants)

    def clone_grant(self, account_id, allow_invalid_grant_creation=None, clone_exchange=None):
        if self.read_only:
            raise NylasCheckModeError("write in check mode")
        self._log("clone", account_id, allow_invalid_grant_creation, clone_exchange)
        behaviour = self.behaviours.get(account_id)
        grant = {"id": "g-" + account_id, "account_id": account_id, "grant_status": "valid",
                 "provider": "google", "email": account_id + "@example.com"}
        if behaviour == "placeholder":
            grant.update(grant_status="invalid", provider="microsoft")
        elif behaviour == "created-then-502":
            with self.lock:
                self.grants[account_id] = grant
            raise NylasAPIError("bad gateway", status=502, error_type=None, method="POST",
                                path="/v3/migration-tools/grants/%s/clone" % account_id, outcome_unknown=True)
        elif isinstance(behaviour, Exception):
            raise behaviour
        with self.lock:
            if account_id in self.grants:
                raise AssertionError("duplicate grant for %s" % account_id)
            self.grants[account_id] = grant
        return grant


def not_found(account_id):
    return NylasAPIError("account %s not found" % account_id, status=404, error_type="not_found_error",
                         request_id="rid-404", method="POST",
                         path="/v3/migration-tools/grants/%s/clone" % account_id)


@pytest.fixture
def run(monkeypatch):
    """Run main() with the given args and a fake client; return (result, failed)."""
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)

    def _run(fake, check_mode=False, diff=False, **args):
        monkeypatch.setattr(nylas_module.NylasModule, "client", property(lambda self: fake))
        args.setdefault("api_key", API_KEY)
        args["_ansible_check_mode"] = check_mode
        args["_ansible_diff"] = diff
        fake.read_only = check_mode
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as info:
                nylas_grant_clone.main()
        return info.value.result, info.value.failed

    return _run


def existing(account_id, status="valid"):
    return {"id": "g-" + account_id, "account_id": account_id, "grant_status": status, "provider": "google",
            "email": account_id + "@example.com"}


def test_clones_missing_and_reports_existing(run):
    fake = FakeV3(grants={"b": existing("b")}, behaviours={"c": "placeholder"})
    result, failed = run(fake, account_ids=["a", "b", "c", "a"])
    assert not failed and result["changed"] is True
    assert [(g["account_id"], g["result"]) for g in result["grants"]] == [
        ("a", "created"), ("b", "existing"), ("c", "created")]
    assert result["summary"] == {"created": 2, "existing": 1, "failed": 0, "planned": 0, "placeholders": 1, "total": 3}
    assert result["reauth_required"] == ["c"]
    assert sorted(c[1] for c in fake.calls if c[0] == "clone") == ["a", "c"]
    assert "diff" not in result


def test_rerun_is_unchanged_and_writes_nothing(run):
    fake = FakeV3(grants={"a": existing("a")})
    result, failed = run(fake, account_id="a")
    assert not failed and result["changed"] is False
    assert result["grants"][0]["result"] == "existing"
    assert [c for c in fake.calls if c[0] == "clone"] == []


def test_flags_are_passed_only_when_set(run):
    fake = FakeV3()
    run(fake, account_id="a")
    run(fake, account_id="b", clone_exchange=False, allow_invalid_grant_creation=True)
    clones = [c for c in fake.calls if c[0] == "clone"]
    assert clones == [("clone", "a", None, None), ("clone", "b", True, False)]


def test_check_mode_plans_without_writing(run):
    fake = FakeV3(grants={"b": existing("b")})
    result, failed = run(fake, check_mode=True, diff=True, account_ids=["a", "b"])
    assert not failed and result["changed"] is True
    assert [g["result"] for g in result["grants"]] == ["planned", "existing"]
    assert result["summary"]["planned"] == 1
    assert result["diff"] == {"before": {"migrated_account_ids": []}, "after": {"migrated_account_ids": ["a"]}}
    assert [c for c in fake.calls if c[0] == "clone"] == []


def test_check_mode_nothing_to_do(run):
    result, _failed = run(FakeV3(grants={"a": existing("a")}), check_mode=True, account_id="a")
    assert result["changed"] is False


def test_diff_lists_only_created(run):
    result, _failed = run(FakeV3(grants={"b": existing("b")}), diff=True, account_ids=["b", "a"])
    assert result["diff"]["after"] == {"migrated_account_ids": ["a"]}


def test_failure_keeps_results_and_error_fields(run):
    fake = FakeV3(behaviours={"zz": not_found("zz")})
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


def test_fail_on_error_false_succeeds_with_warning(run, monkeypatch):
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: warnings.append(msg))
    fake = FakeV3(behaviours={"zz": not_found("zz"), "yy": not_found("yy")})
    result, failed = run(fake, account_ids=["zz", "yy"], fail_on_error=False)
    assert not failed and result["changed"] is False
    assert result["summary"]["failed"] == 2
    assert warnings and warnings[0].startswith("Failed to clone 2 of 2 accounts.")


def test_unknown_outcome_rereads_and_counts_created(run):
    fake = FakeV3(behaviours={"a": "created-then-502"})
    result, failed = run(fake, account_id="a")
    assert not failed and result["changed"] is True
    assert result["grants"][0]["result"] == "created" and result["grants"][0]["grant_id"] == "g-a"
    assert [c for c in fake.calls if c[0] == "clone"] == [("clone", "a", None, None)]  # never re-sent
    assert ("find", ("a",)) in fake.calls


def test_unknown_outcome_without_grant_fails(run):
    err = NylasAPIError("timed out", status=None, error_type="timeout", method="POST", path="/x",
                        outcome_unknown=True)
    fake = FakeV3(behaviours={"a": err})
    result, failed = run(fake, account_id="a")
    assert failed and result["outcome_unknown"] is True
    assert result["grants"][0]["error"]["outcome_unknown"] is True
    assert len([c for c in fake.calls if c[0] == "clone"]) == 1


def test_read_failure_fails_with_fields(run):
    err = NylasAPIError("bad key", status=401, error_type="invalid_request_error", request_id="rid-401",
                        method="GET", path="/v3/grants")
    result, failed = run(FakeV3(behaviours={"find": err}), account_id="a")
    assert failed and result["status"] == 401 and result["request_id"] == "rid-401"
    assert result["msg"].startswith("Failed to read the existing grants: HTTP 401")
    assert API_KEY not in repr(result)


def test_concurrency_runs_every_account_once(run):
    ids = ["acc%02d" % n for n in range(30)]
    fake = FakeV3()
    result, failed = run(fake, account_ids=ids, concurrency=8)
    assert not failed and result["summary"]["created"] == 30
    assert sorted(c[1] for c in fake.calls if c[0] == "clone") == ids
    assert [g["account_id"] for g in result["grants"]] == ids


@pytest.mark.parametrize("args,match", [
    ({"account_ids": ["a"], "account_id": "a"}, "mutually exclusive"),
    ({}, "one of the following is required"),
    ({"account_ids": ["a"], "concurrency": 0}, "concurrency"),
    ({"account_ids": [""]}, "non-empty"),
])
def test_argument_errors(run, args, match):
    fake = FakeV3()
    result, failed = run(fake, **args)
    assert failed and match in result["msg"]
    assert fake.calls == []
