# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_link_apps against a running simulator, run as Ansible runs it (subprocess)."""

from __future__ import annotations

import pytest

from tests.integration.module_runner import (
    HTML_502,
    assert_no_secrets,
    error_fields,
    last_seq,
    module_args,
    requests_to,
    run_module,
    writes,
)

LINK = "/v3/migration-tools/link-v2v3-apps"


def link(args, **kwargs):
    return run_module("nylas_link_apps", args, **kwargs)


def test_link_then_rerun_unchanged(acme):
    sim, args = acme
    first = link(args, diff=True)
    assert first.rc == 0, first.raw
    assert first.result["changed"] is True
    assert first.result["application"]["v2_application_id"] == "v2-us-acme"
    assert first.result["diff"] == {"before": {"v2_application_id": None}, "after": {"v2_application_id": "v2-us-acme"}}
    assert writes(sim) == [("POST", LINK)]
    assert_no_secrets(first.raw)

    seq = last_seq(sim)
    again = link(args)
    assert again.rc == 0 and again.result["changed"] is False, again.raw
    assert "diff" not in again.result
    assert writes(sim, since=seq) == []
    assert_no_secrets(again.raw)


def test_check_mode_no_write_on_fresh_simulator(acme):
    sim, args = acme
    checked = link(args, check_mode=True, diff=True)
    assert checked.rc == 0 and checked.result["changed"] is True, checked.raw
    assert checked.result["application"]["v2_application_id"] == "v2-us-acme"
    assert checked.result["diff"]["after"]["v2_application_id"] == "v2-us-acme"
    assert checked.result["planned_requests"] == [
        {"method": "POST", "path": "/v3/migration-tools/link-v2v3-apps", "query": {}, "body": None}]
    assert writes(sim) == []
    # nothing was linked: the real run still changes
    assert link(args).result["changed"] is True
    assert_no_secrets(checked.raw)


def test_refuses_other_existing_link_before_write(acme):
    sim, args = acme
    assert link(args).rc == 0
    seq = last_seq(sim)
    other = link(module_args(sim, "us-acme", v2_client_id="v2-us-globex",
                             v2_client_secret="sim-v2-secret-us-globex-DEMO"))
    assert other.rc == 1
    assert "v2-us-acme" in other.result["msg"] and "v2-us-globex" in other.result["msg"]
    assert writes(sim, since=seq) == []
    assert_no_secrets(other.raw, "us-globex")


def test_refuses_region_mismatch_before_write(sim_eu):
    # an eu v3 application reached through api_uri, but region says us
    args = module_args(sim_eu, "eu-initech", region="us")
    result = link(args)
    assert result.rc == 1
    assert "'eu'" in result.result["msg"] and "'us'" in result.result["msg"]
    assert writes(sim_eu) == []
    assert_no_secrets(result.raw, "eu-initech")


def test_env_fallbacks(sim_eu):
    env = {"NYLAS_API_KEY": "nyk_sim_eu_initech_DEMO_NOT_A_REAL_KEY", "NYLAS_REGION": "eu",
           "NYLAS_API_URI": sim_eu.url, "NYLAS_V2_CLIENT_ID": "v2-eu-initech",
           "NYLAS_V2_CLIENT_SECRET": "sim-v2-secret-eu-initech-DEMO", "NYLAS_V2_API_URI": sim_eu.url}
    result = link({}, env=env)
    assert result.rc == 0 and result.result["changed"] is True, result.raw
    assert result.result["application"]["region"] == "eu"
    assert_no_secrets(result.raw, "eu-initech")


def test_refuses_secret_with_newline_before_any_request(acme):
    sim, args = acme
    result = link(dict(args, v2_client_secret=args["v2_client_secret"] + "\n"))
    assert result.rc == 1 and "newline" in result.result["msg"]
    assert sim.requests_log() == []
    assert_no_secrets(result.raw)


def test_401_bad_api_key(acme):
    sim, args = acme
    bad_key = "nyk_sim_us_WRONG_KEY_for_test"
    result = link(dict(args, api_key=bad_key))
    assert result.rc == 1
    fields = error_fields(result.result)
    assert fields["status"] == 401 and fields["error_type"] == "invalid_request_error" and fields["request_id"]
    assert fields["method"] == "GET" and fields["path"] == "/v3/applications"
    assert bad_key not in result.raw
    assert_no_secrets(result.raw)


def test_404(acme):
    sim, args = acme
    sim.add_fault(method="GET", path="/v3/applications", status=404)
    result = link(args)
    assert result.rc == 1
    assert result.result["status"] == 404 and result.result["error_type"] == "not_found_error"
    assert result.result["request_id"]
    assert result.result["msg"].startswith("Failed to read the v3 application: HTTP 404")
    assert writes(sim) == []
    assert_no_secrets(result.raw)


def test_429_with_retry_after_exhausted(acme):
    sim, args = acme
    sim.add_fault(method="POST", path=LINK, status=429, retry_after=1)
    result = link(args)
    assert result.rc == 1
    fields = error_fields(result.result)
    assert fields["status"] == 429 and fields["method"] == "POST" and fields["path"] == LINK
    assert fields["attempts"] == 2  # max_retries=1: the POST is re-sent after a 429
    assert len(requests_to(sim, LINK)) == 2
    assert result.result["changed"] is False and result.result["application"]["application_id"] == "app-us-acme"
    assert_no_secrets(result.raw)


def test_429_once_then_linked(acme):
    sim, args = acme
    sim.add_fault(method="POST", path=LINK, status=429, retry_after=1, times=1)
    result = link(args)
    assert result.rc == 0 and result.result["changed"] is True, result.raw
    assert [e["status"] for e in requests_to(sim, LINK)] == [429, 200]


@pytest.mark.parametrize("status", [500, 503])
def test_5xx(acme, status):
    sim, args = acme
    sim.add_fault(method="POST", path=LINK, status=status)
    result = link(dict(args, settle_time=1))
    assert result.rc == 1
    assert result.result["status"] == status and result.result["request_id"]
    assert result.result["method"] == "POST" and result.result["path"] == LINK
    # a 5xx after the POST was sent: re-read (not linked), re-sent once after settle_time, still unknown
    assert result.result["outcome_unknown"] is True and len(requests_to(sim, LINK)) == 2
    assert result.result["msg"].startswith("The outcome of linking the v2 application v2-us-acme is unknown "
                                           "(re-read for 1 s and re-sent once")
    assert ": HTTP %d" % status in result.result["msg"]
    assert_no_secrets(result.raw)


def test_html_502(acme):
    sim, args = acme
    sim.add_fault(method="GET", path="/v3/applications", status=502, body=HTML_502, content_type="text/html")
    result = link(dict(args, max_retries=0))
    assert result.rc == 1
    assert result.result["status"] == 502 and result.result["error_type"] == "non_json_response"
    assert "502 Bad Gateway" in result.result["msg"] and "<h1>" not in result.result["msg"]
    assert "Traceback" not in result.raw
    assert_no_secrets(result.raw)


def test_502_on_post_resent_once_after_settle_time(acme):
    sim, args = acme
    sim.add_fault(method="POST", path=LINK, status=502, times=1)
    result = link(dict(args, settle_time=1))
    # 502 on a POST is not retried; the application is re-read until settle_time and is not linked,
    # so the link is re-sent once, and made
    assert result.rc == 0 and result.result["changed"] is True, result.raw
    assert [e["status"] for e in requests_to(sim, LINK)] == [502, 200]
