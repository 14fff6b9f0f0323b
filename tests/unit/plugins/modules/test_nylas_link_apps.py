# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_link_apps: main() with patched arguments and a fake client."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    BASE_ARGS,
    V2_ID,
    FakeNylas,
    api_error,
    assert_no_secret,
    run_module,
)

from ansible_collections.nylas.migration.plugins.modules import nylas_link_apps


@pytest.fixture
def api(monkeypatch):
    return FakeNylas().install(monkeypatch)


def run(capsys, args=None, **kwargs):
    return run_module(nylas_link_apps.main, dict(BASE_ARGS, **(args or {})), capsys, **kwargs)


def test_links(api, capsys):
    rc, result, raw = run(capsys, diff=True)
    assert rc == 0 and result["changed"] is True
    assert result["application"]["v2_application_id"] == V2_ID
    assert result["diff"] == {"before": {"v2_application_id": None}, "after": {"v2_application_id": V2_ID}}
    assert api.writes() == ["link_v2_app"]
    assert api.v3_kwargs["read_only"] is False
    assert_no_secret(raw)


def test_already_linked_no_write(api, capsys):
    api.application["v2_application_id"] = V2_ID
    rc, result, dummy = run(capsys)
    assert rc == 0 and result["changed"] is False and api.writes() == []
    assert "diff" not in result


def test_check_mode_predicts_without_write(api, capsys):
    rc, result, dummy = run(capsys, check_mode=True, diff=True)
    assert rc == 0 and result["changed"] is True
    assert result["application"]["v2_application_id"] == V2_ID
    assert result["diff"]["after"]["v2_application_id"] == V2_ID
    request = {"method": "POST", "path": "/v3/migration-tools/link-v2v3-apps", "query": {}, "body": None}
    assert result["planned_requests"] == [request] and result["diff"]["after"]["planned_requests"] == [request]
    assert "BasicV2" not in dummy
    assert api.writes() == [] and "v2_application_id" not in api.application
    assert api.v3_kwargs["read_only"] is True


def test_refuses_other_link_before_write(api, capsys):
    api.application["v2_application_id"] = "v2-someone-else"
    rc, result, dummy = run(capsys)
    assert rc == 1 and "v2-someone-else" in result["msg"] and V2_ID in result["msg"]
    assert api.writes() == [] and result["application"]["v2_application_id"] == "v2-someone-else"


def test_refuses_region_mismatch_before_write(api, capsys):
    api.application["region"] = "eu"
    rc, result, dummy = run(capsys)
    assert rc == 1 and "'eu'" in result["msg"] and "'us'" in result["msg"] and api.writes() == []


def test_requires_v2_credentials(api, capsys):
    args = dict(BASE_ARGS)
    del args["v2_client_secret"]
    rc, result, dummy = run_module(nylas_link_apps.main, args, capsys)
    assert rc == 1 and "v2_client_id and v2_client_secret are required" in result["msg"]
    assert api.calls == []


def test_refuses_malformed_secret_before_any_request(api, capsys):
    rc, result, raw = run(capsys, dict(v2_client_secret=BASE_ARGS["v2_client_secret"] + "\n"))
    assert rc == 1 and "newline" in result["msg"] and api.calls == []
    assert BASE_ARGS["v2_client_secret"] not in raw


@pytest.mark.parametrize("status, error_type", [(400, "bad_request"), (401, "invalid_request_error"),
                                                (429, "rate_limit_error"), (502, "non_json_response")])
def test_link_error_fields(api, capsys, status, error_type):
    api.errors["link_v2_app"] = api_error(status, error_type, "nope", method="POST",
                                          path="/v3/migration-tools/link-v2v3-apps", request_id="rid-9")
    rc, result, raw = run(capsys)
    assert rc == 1 and result["changed"] is False
    assert result["msg"].startswith("Failed to link the v2 application %s: HTTP %d" % (V2_ID, status))
    assert result["status"] == status and result["error_type"] == error_type and result["request_id"] == "rid-9"
    assert result["method"] == "POST" and result["path"] == "/v3/migration-tools/link-v2v3-apps"
    assert result["application"]["application_id"] == "app-unit"
    assert_no_secret(raw)


def test_read_error(api, capsys):
    api.errors["get_application"] = api_error(401, "invalid_request_error", "Unauthorized")
    rc, result, raw = run(capsys)
    assert rc == 1 and result["msg"].startswith("Failed to read the v3 application: HTTP 401")
    assert result["status"] == 401 and api.writes() == []
    assert_no_secret(raw)


def test_unknown_outcome_resolved_by_reread(api, capsys):
    # the link happened server-side although the answer was lost
    api.errors["link_v2_app"] = api_error(504, "gateway_timeout", "timeout", method="POST", outcome_unknown=True)
    api.side_effects["link_v2_app"] = lambda: api.application.update(v2_application_id=V2_ID)
    rc, result, raw = run(capsys)
    assert rc == 0 and result["changed"] is True
    assert result["application"]["v2_application_id"] == V2_ID
    assert "treating the link as made" in raw


def test_unknown_outcome_not_linked_is_resent_once_then_unknown(api, capsys):
    api.errors["link_v2_app"] = api_error(502, "bad_gateway", "gone", method="POST", outcome_unknown=True)
    rc, result, dummy = run(capsys)
    assert rc == 1 and result["outcome_unknown"] is True and result["status"] == 502
    assert result["msg"].startswith("The outcome of linking the v2 application %s is unknown (re-read for 30 s "
                                    "and re-sent once" % V2_ID)
    assert api.writes() == ["link_v2_app", "link_v2_app"]


def test_unknown_outcome_not_linked_is_resent_after_settle_time_and_linked(api, capsys, clock, warnings):
    api.errors["link_v2_app"] = [api_error(502, "bad_gateway", "gone", method="POST", outcome_unknown=True)]
    rc, result, raw = run(capsys)
    assert rc == 0 and result["changed"] is True and result["application"]["v2_application_id"] == V2_ID
    assert api.writes() == ["link_v2_app", "link_v2_app"] and sum(clock.slept) == 30
    assert any("re-sent once" in w for w in warnings)
