# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the module wrapper (plugins/module_utils/nylas_module.py)."""

from __future__ import annotations

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.nylas.migration.plugins.module_utils import nylas_module
from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import (
    NylasAPIError,
    NylasCheckModeError,
    NylasConfigError,
    NylasV2Client,
    NylasV3Client,
    build_basic_v2,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasContractError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule, nylas_argument_spec
from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import FakeClock

API_KEY = "nyk_wrapper_TEST_KEY_42"
V2_ID = "v2-wrapper"
V2_SECRET = "wrapper-v2-secret-XYZ"
BASIC_V2 = build_basic_v2(V2_ID, V2_SECRET)
ENV_VARS = ("NYLAS_API_KEY", "NYLAS_REGION", "NYLAS_API_URI", "NYLAS_V2_CLIENT_ID", "NYLAS_V2_CLIENT_SECRET",
            "NYLAS_V2_API_URI", "NYLAS_SETTLE_TIME")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def make(args, check_mode=False, diff=False, **kwargs):
    """A NylasModule whose settle loop runs on a fake clock (``module.clock.slept`` lists the waits)."""
    module_args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(module_args):
        module = NylasModule(**kwargs)
    module.clock = FakeClock()
    module.sleep = module.clock.sleep
    return module


def finish(capsys, call, args=None):
    """Run ``call`` (an exit/fail), return (rc, parsed result, raw output).

    ``exit_json`` needs the serialization profile that ``patch_module_args`` sets, hence the context.
    """
    with patch_module_args(args or {}), pytest.raises(SystemExit) as exc:
        call()
    captured = capsys.readouterr()
    # warnings go to stderr instead of the result when the controller is loaded (pytest-ansible)
    return exc.value.code, json.loads(captured.out), captured.out + captured.err


def test_argument_spec_shape():
    spec = nylas_argument_spec()
    assert set(spec) == {"api_key", "region", "api_uri", "v2_client_id", "v2_client_secret", "v2_api_uri",
                         "validate_certs", "timeout", "max_retries", "rate_limit", "settle_time", "max_pages"}
    assert spec["api_key"]["no_log"] is True and spec["api_key"]["required"] is True
    assert spec["v2_client_secret"]["no_log"] is True
    assert spec["region"]["choices"] == ["us", "eu"] and spec["region"]["default"] == "us"
    assert spec["rate_limit"]["default"] == 20.0
    assert spec["timeout"]["default"] == 30 and spec["max_retries"]["default"] == 5
    assert spec["settle_time"] == dict(type="int", default=30, fallback=spec["settle_time"]["fallback"])
    assert spec["max_pages"] == dict(type="int", default=10000, fallback=spec["max_pages"]["fallback"])
    for name, env in (("api_key", "NYLAS_API_KEY"), ("region", "NYLAS_REGION"), ("api_uri", "NYLAS_API_URI"),
                      ("v2_client_id", "NYLAS_V2_CLIENT_ID"), ("v2_client_secret", "NYLAS_V2_CLIENT_SECRET"),
                      ("v2_api_uri", "NYLAS_V2_API_URI"), ("settle_time", "NYLAS_SETTLE_TIME"),
                      ("max_pages", "NYLAS_MAX_PAGES")):
        assert spec[name]["fallback"][1] == [env]
    # a fresh copy each call: modules may change theirs
    spec["api_key"]["required"] = False
    assert nylas_argument_spec()["api_key"]["required"] is True


def test_env_fallbacks(monkeypatch):
    monkeypatch.setenv("NYLAS_API_KEY", API_KEY)
    monkeypatch.setenv("NYLAS_REGION", "eu")
    monkeypatch.setenv("NYLAS_API_URI", "http://127.0.0.1:8080")
    monkeypatch.setenv("NYLAS_V2_CLIENT_ID", V2_ID)
    monkeypatch.setenv("NYLAS_V2_CLIENT_SECRET", V2_SECRET)
    monkeypatch.setenv("NYLAS_V2_API_URI", "http://127.0.0.1:8081")
    module = make({})
    assert module.params["api_key"] == API_KEY
    assert module.params["region"] == "eu"
    assert module.params["api_uri"] == "http://127.0.0.1:8080"
    assert module.has_v2_credentials()
    assert module.params["v2_api_uri"] == "http://127.0.0.1:8081"


def test_parameter_wins_over_env(monkeypatch):
    monkeypatch.setenv("NYLAS_REGION", "eu")
    module = make(dict(api_key=API_KEY, region="us"))
    assert module.params["region"] == "us"


def test_missing_api_key_fails(capsys):
    rc, result, dummy = finish(capsys, NylasModule, dict(region="us"))
    assert rc == 1 and "api_key" in result["msg"]


def test_module_spec_merged_and_kwargs_passed(capsys):
    module = make(dict(api_key=API_KEY, force=True), argument_spec=dict(force=dict(type="bool", default=False)))
    assert module.params["force"] is True
    rc, result, dummy = finish(capsys, lambda: NylasModule(
        argument_spec=dict(a=dict(type="str"), b=dict(type="str")), mutually_exclusive=[["a", "b"]]),
        dict(api_key=API_KEY, a="x", b="y"))
    assert rc == 1 and "mutually exclusive" in result["msg"]


def test_flags():
    module = make(dict(api_key=API_KEY), check_mode=True, diff=True)
    assert module.check_mode is True and module.diff_mode is True
    module = make(dict(api_key=API_KEY))
    assert module.check_mode is False and module.diff_mode is False


def test_secrets_in_no_log_values():
    module = make(dict(api_key=API_KEY, v2_client_id=V2_ID, v2_client_secret=V2_SECRET))
    values = module.module.no_log_values
    for secret in (API_KEY, "Bearer " + API_KEY, V2_SECRET, BASIC_V2):
        assert secret in values


def test_clients_are_lazy_and_read_only_in_check_mode():
    module = make(dict(api_key=API_KEY, api_uri="http://127.0.0.1:9"), check_mode=True)
    assert module._client is None
    client = module.client
    assert isinstance(client, NylasV3Client) and client.read_only is True
    assert module.client is client
    with pytest.raises(NylasCheckModeError):
        client.import_v2_app()
    assert make(dict(api_key=API_KEY, api_uri="http://127.0.0.1:9")).client.read_only is False


def test_client_gets_connection_settings(monkeypatch):
    seen = {}

    class Recorder:
        def __init__(self, api_key, **kwargs):
            seen.update(kwargs, api_key=api_key)

    monkeypatch.setattr(nylas_module, "NylasV3Client", Recorder)
    module = make(dict(api_key=API_KEY, region="eu", api_uri="http://127.0.0.1:1", validate_certs=False,
                       timeout=7, max_retries=2, rate_limit=3.5, max_pages=40))
    module.client
    assert seen == dict(api_key=API_KEY, region="eu", api_uri="http://127.0.0.1:1", validate_certs=False,
                        timeout=7, max_retries=2, rate_limit=3.5, read_only=False, max_pages=40)


def test_v2_client_none_without_credentials():
    module = make(dict(api_key=API_KEY, v2_client_id=V2_ID))
    assert not module.has_v2_credentials()
    assert module.v2_client is None


def test_v2_client_built_with_credentials():
    module = make(dict(api_key=API_KEY, v2_client_id=V2_ID, v2_client_secret=V2_SECRET,
                       v2_api_uri="http://127.0.0.1:9"))
    assert isinstance(module.v2_client, NylasV2Client)


def test_basic_v2_value():
    module = make(dict(api_key=API_KEY, v2_client_id=V2_ID, v2_client_secret=V2_SECRET))
    assert module.basic_v2() == BASIC_V2


def test_basic_v2_requires_credentials(capsys):
    module = make(dict(api_key=API_KEY))
    rc, result, dummy = finish(capsys, module.basic_v2)
    assert rc == 1 and "v2_client_id and v2_client_secret are required" in result["msg"]


def test_basic_v2_refuses_trailing_newline_without_echoing(capsys):
    secret = V2_SECRET + "\n"
    module = make(dict(api_key=API_KEY, v2_client_id=V2_ID, v2_client_secret=secret))
    rc, result, raw = finish(capsys, module.basic_v2)
    assert rc == 1
    assert "v2_client_secret" in result["msg"] and "newline" in result["msg"]
    assert V2_SECRET not in raw


def test_bad_api_uri_fails_clearly(capsys):
    module = make(dict(api_key=API_KEY, api_uri="http://example.com"))
    rc, result, dummy = finish(capsys, lambda: module.client)
    assert rc == 1
    assert result["msg"].startswith("Invalid v3 connection settings: api_uri uses plain http://")


def test_region_api_uri_mismatch_fails(capsys):
    module = make(dict(api_key=API_KEY, region="us", api_uri="https://api.eu.nylas.com"))
    rc, result, dummy = finish(capsys, lambda: module.client)
    assert rc == 1 and "region" in result["msg"] and "eu" in result["msg"]


@pytest.mark.parametrize("option, value, text", [
    ("timeout", 0, "timeout"), ("max_retries", -1, "max_retries"), ("rate_limit", -1.0, "rate_limit"),
    ("settle_time", -1, "settle_time"), ("max_pages", 0, "max_pages")])
def test_numbers_checked(capsys, option, value, text):
    rc, result, dummy = finish(capsys, NylasModule, {"api_key": API_KEY, option: value})
    assert rc == 1 and text in result["msg"]


def test_fail_from_api_error_fields_and_partial_results(capsys):
    module = make(dict(api_key=API_KEY, v2_client_id=V2_ID, v2_client_secret=V2_SECRET))
    error = NylasAPIError("Too many requests", status=429, error_type="rate_limit_error", request_id="rid-1",
                          method="POST", path="/v3/migration-tools/import-v2-app", attempts=6)
    rc, result, raw = finish(capsys, lambda: module.fail_from_error(error, msg="Failed to import", changed=True,
                                                                    application={"application_id": "a"}))
    assert rc == 1
    assert result["msg"] == "Failed to import: HTTP 429 rate_limit_error: Too many requests (request_id=rid-1)"
    assert result["status"] == 429 and result["error_type"] == "rate_limit_error"
    assert result["request_id"] == "rid-1" and result["method"] == "POST" and result["attempts"] == 6
    assert result["path"] == "/v3/migration-tools/import-v2-app" and result["outcome_unknown"] is False
    assert result["changed"] is True and result["application"] == {"application_id": "a"}
    assert "exception" not in result


def test_fail_from_contract_error_carries_the_field(capsys):
    module = make(dict(api_key=API_KEY))
    error = NylasContractError("data is missing", field="data", status=200, request_id="rid-c", method="GET",
                               path="/v3/webhooks")
    rc, result, dummy = finish(capsys, lambda: module.fail_from_error(error, msg="Failed to list the webhooks",
                                                                      name_endpoint=True, changed=False))
    assert rc == 1 and result["field"] == "data" and result["request_id"] == "rid-c"
    # the error's text names the endpoint already: not twice
    assert result["msg"] == ("Failed to list the webhooks: HTTP 200 unexpected_response: GET /v3/webhooks: data is "
                             "missing (field data) (request_id=rid-c)")


@pytest.mark.parametrize("name_endpoint, expected", [
    (True, "Failed to read (GET /v3/migration-tools/jobs): HTTP 503 unavailable: down (request_id=r5)"),
    (False, "Failed to read: HTTP 503 unavailable: down (request_id=r5)"),
])
def test_name_endpoint_puts_method_and_path_in_the_message(capsys, name_endpoint, expected):
    module = make(dict(api_key=API_KEY))
    error = NylasAPIError("down", status=503, error_type="unavailable", request_id="r5", method="GET",
                          path="/v3/migration-tools/jobs")

    def raise_error():
        raise error

    def fail():
        module.call(raise_error, msg="Failed to read", name_endpoint=name_endpoint)

    rc, result, dummy = finish(capsys, fail)
    assert rc == 1 and result["msg"] == expected and "field" not in result


def test_fail_from_error_masks_secrets(capsys):
    module = make(dict(api_key=API_KEY, v2_client_id=V2_ID, v2_client_secret=V2_SECRET))
    error = NylasAPIError("echo Bearer %s %s %s" % (API_KEY, V2_SECRET, BASIC_V2), status=400)
    rc, dummy, raw = finish(capsys, lambda: module.fail_from_error(error))
    assert rc == 1
    for secret in (API_KEY, V2_SECRET, BASIC_V2):
        assert secret not in raw


def test_fail_from_config_and_check_mode_errors(capsys):
    module = make(dict(api_key=API_KEY))
    rc, result, dummy = finish(capsys, lambda: module.fail_from_error(NylasConfigError("api_uri is bad"), msg="Bad"))
    assert rc == 1 and result["msg"] == "Bad: api_uri is bad" and "status" not in result
    rc, result, dummy = finish(capsys, lambda: module.fail_from_error(NylasCheckModeError("refusing POST /x")))
    assert rc == 1 and result["msg"] == "refusing POST /x" and result["check_mode_violation"] is True


def test_fail_from_unexpected_error_keeps_traceback(capsys):
    module = make(dict(api_key=API_KEY))
    error = RuntimeError("unexpected")
    rc, result, dummy = finish(capsys, lambda: module.fail_from_error(error, msg="Oops"))
    assert rc == 1 and result["msg"] == "Oops: unexpected"
    # ansible-core 2.19 returns the traceback only when traceback capture is enabled
    assert "RuntimeError" in result.get("exception", "RuntimeError")


def test_diff_only_in_diff_mode(capsys):
    diff = {"before": {"a": 1}, "after": {"a": 2}}
    rc, result, dummy = finish(capsys, lambda: make(dict(api_key=API_KEY)).exit_json(changed=True, diff=diff))
    assert rc == 0 and "diff" not in result
    rc, result, dummy = finish(capsys, lambda: make(dict(api_key=API_KEY), diff=True).exit_json(changed=True, diff=diff))
    assert rc == 0 and result["diff"] == diff


def test_warn(capsys):
    module = make(dict(api_key=API_KEY))
    module.warn("careful")
    rc, result, raw = finish(capsys, lambda: module.exit_json(changed=False))
    assert rc == 0 and "careful" in raw


def test_missing_requests(monkeypatch, capsys):
    monkeypatch.setattr(nylas_module, "HAS_REQUESTS", False)
    rc, result, dummy = finish(capsys, NylasModule, dict(api_key=API_KEY))
    assert rc == 1 and "requests" in result["msg"]


# -- shared error paths: call, failing, settle_write, delete_if_present ---------------------------------

def unknown_error(message="timed out"):
    return NylasAPIError(message, status=504, error_type="gateway_timeout", request_id="rid-u", method="POST",
                         path="/v3/x", attempts=1, outcome_unknown=True)


def sure_error(message="bad request", status=400):
    return NylasAPIError(message, status=status, error_type="invalid_request_error", request_id="rid-s",
                         method="POST", path="/v3/x", attempts=1)


def raiser(error):
    def fn(*_args):
        raise error
    return fn


def test_already_gone():
    assert nylas_module.already_gone(sure_error(status=404))
    assert not nylas_module.already_gone(sure_error(status=500))
    assert not nylas_module.already_gone(NylasConfigError("x"))
    # the contract's answer for an unknown destination id (delete_400)
    gone = NylasAPIError("destination.id.not.found : record not found", status=400, error_type="70000")
    assert nylas_module.already_gone(gone)
    assert not nylas_module.already_gone(NylasAPIError("invalid.input.format : topic is required", status=400,
                                                       error_type="70000"))


def test_call_returns_the_value():
    module = make(dict(api_key=API_KEY))
    assert module.call(lambda a, b: a + b, 1, 2, msg="unused") == 3


def test_call_fails_with_message_and_partial_results(capsys):
    module = make(dict(api_key=API_KEY))
    rc, result, dummy = finish(capsys, lambda: module.call(raiser(sure_error()), "x", msg="Failed to read",
                                                           changed=False, application={"id": "a"}))
    assert rc == 1 and result["msg"].startswith("Failed to read: HTTP 400 invalid_request_error: bad request")
    assert result["status"] == 400 and result["request_id"] == "rid-s"
    assert result["changed"] is False and result["application"] == {"id": "a"}


def test_failing_context_manager(capsys):
    module = make(dict(api_key=API_KEY))

    def block():
        with module.failing("Failed to read both", changed=False):
            raise sure_error()

    rc, result, dummy = finish(capsys, block)
    assert rc == 1 and result["msg"].startswith("Failed to read both: ") and result["changed"] is False


def test_call_lets_other_exceptions_through():
    module = make(dict(api_key=API_KEY))
    with pytest.raises(RuntimeError):
        module.call(raiser(RuntimeError("bug")), msg="x")


def test_settle_write_success():
    module = make(dict(api_key=API_KEY))
    assert module.settle_write(lambda: {"id": 1}, None, bool, lambda e: "never", msg="x") == {"id": 1}


def test_settle_write_unknown_outcome_shown_warns_and_returns_state(capsys):
    module = make(dict(api_key=API_KEY))
    value = module.settle_write(raiser(unknown_error()), lambda: {"id": 2}, bool,
                                lambda e: "write failed (%s) but it is there" % e, msg="Failed")
    assert value == {"id": 2}
    rc, dummy, raw = finish(capsys, lambda: module.exit_json(changed=True))
    assert rc == 0 and "write failed (HTTP 504 gateway_timeout: timed out" in raw


def test_settle_write_unknown_outcome_not_shown_is_resent_once_then_unknown(capsys):
    module = make(dict(api_key=API_KEY))
    writes = []

    def write():
        writes.append(module.clock())
        raise unknown_error()

    rc, result, dummy = finish(capsys, lambda: module.settle_write(
        write, lambda: None, bool, lambda e: "never", msg="Failed to write",
        if_unknown=dict(msg="The outcome of the write is unknown", changed=True), changed=False,
        thing={"id": "before"}))
    assert rc == 1 and result["msg"].startswith(
        "The outcome of the write is unknown (re-read for 30 s and re-sent once without seeing the write; a re-run "
        "re-reads the state first and writes only what is missing): HTTP 504")
    assert result["outcome_unknown"] is True and result["request_id"] == "rid-u"
    assert result["changed"] is True and result["thing"] == {"id": "before"}
    assert writes == [1000.0, 1030.0]  # the re-send only after settle_time; settled again after it


def test_settle_write_unknown_outcome_resent_and_made_warns(capsys):
    module = make(dict(api_key=API_KEY, settle_time=5))
    answers = [unknown_error(), {"id": 3}]

    def write():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert module.settle_write(write, lambda: None, bool, lambda e: "never", msg="x") == {"id": 3}
    rc, dummy, raw = finish(capsys, lambda: module.exit_json(changed=True))
    assert "re-sent once" in raw and sum(module.clock.slept) == 5


def test_settle_write_unknown_outcome_settle_time_zero_never_resends(capsys):
    module = make(dict(api_key=API_KEY, settle_time=0))
    writes = []

    def write():
        writes.append(1)
        raise unknown_error()

    rc, result, dummy = finish(capsys, lambda: module.settle_write(
        write, lambda: None, bool, lambda e: "never", msg="Failed to write", changed=False))
    assert rc == 1 and result["msg"].startswith("Outcome unknown: Failed to write (re-read once without seeing")
    assert writes == [1] and result["changed"] is False


def test_settle_write_failed_reread_keeps_the_write_error_and_never_resends(capsys):
    module = make(dict(api_key=API_KEY))
    writes = []

    def write():
        writes.append(1)
        raise unknown_error()

    rc, result, dummy = finish(capsys, lambda: module.settle_write(
        write, raiser(sure_error("reread", status=503)), bool, lambda e: "never", msg="Failed"))
    assert rc == 1 and result["status"] == 504 and result["request_id"] == "rid-u" and writes == [1]


def test_settle_write_sure_failure_uses_msg_not_unknown_msg(capsys):
    module = make(dict(api_key=API_KEY))
    rc, result, dummy = finish(capsys, lambda: module.settle_write(
        raiser(sure_error()), lambda: {"id": 1}, bool, lambda e: "never", msg="Failed",
        if_unknown=dict(msg="Unknown", changed=True), changed=False))
    assert rc == 1 and result["msg"].startswith("Failed: HTTP 400") and result["outcome_unknown"] is False
    assert result["changed"] is False


def test_delete_if_present(capsys):
    module = make(dict(api_key=API_KEY))
    deleted = []
    assert module.delete_if_present(lambda: deleted.append(1), "gone", msg="x") is True and deleted == [1]
    assert module.delete_if_present(raiser(sure_error(status=404)), "it was gone already", msg="x") is False
    rc, dummy, raw = finish(capsys, lambda: module.exit_json(changed=False))
    assert "it was gone already" in raw


def test_delete_if_present_fails_on_other_errors(capsys):
    module = make(dict(api_key=API_KEY))
    rc, result, dummy = finish(capsys, lambda: module.delete_if_present(
        raiser(sure_error(status=500)), "gone", msg="Failed to delete", changed=False))
    assert rc == 1 and result["msg"].startswith("Failed to delete: HTTP 500") and result["changed"] is False


def test_v2_client_read_only_in_check_mode():
    args = dict(api_key=API_KEY, v2_client_id=V2_ID, v2_client_secret=V2_SECRET, v2_api_uri="http://127.0.0.1:9")
    assert make(args, check_mode=True).v2_client.read_only is True
    assert make(args).v2_client.read_only is False
