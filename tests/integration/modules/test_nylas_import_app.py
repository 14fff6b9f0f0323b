# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_import_app against a running simulator, run as Ansible runs it (subprocess)."""

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

IMPORT = "/v3/migration-tools/import-v2-app"
ACME_CALLBACKS = ["https://app.example.com/acme/oauth/callback",
                  "https://app.example.com/acme/oauth/callback-mobile"]
ACME_CONNECTORS = ["ews", "google", "icloud", "imap", "microsoft"]


def import_app(args, **kwargs):
    return run_module("nylas_import_app", args, **kwargs)


@pytest.fixture
def linked(acme):
    """The acme pair, linked."""
    sim, args = acme
    result = run_module("nylas_link_apps", args)
    assert result.rc == 0, result.raw
    return sim, args


def test_import_then_rerun_unchanged(linked):
    sim, args = linked
    seq = last_seq(sim)
    first = import_app(args, diff=True)
    assert first.rc == 0, first.raw
    res = first.result
    assert res["changed"] is True and res["basis"] == "v2"
    assert writes(sim, since=seq) == [("POST", IMPORT)]
    assert [c["url"] for c in res["callback_uris"]] == ACME_CALLBACKS
    assert sorted(c["provider"] for c in res["connectors"]) == ACME_CONNECTORS
    assert res["diff"] == {"before": {"callback_uris": [], "connectors": []},
                           "after": {"callback_uris": sorted(ACME_CALLBACKS), "connectors": ACME_CONNECTORS}}
    assert isinstance(res["import_result"], str) and res["import_result"]
    setup = {c["provider"]: c["reason"] for c in res["connectors_needing_setup"]}
    assert "Azure" in setup["microsoft"]
    assert [(n["type"], n["count"]) for n in res["not_migrated"]] == [("webhooks", None)]
    reason = res["not_migrated"][0]["reason"]
    assert reason.startswith("webhooks are not migrated by the import"), reason
    assert "v3 webhooks or Pub/Sub channels" in reason and "nylas.migration.nylas_webhook" in reason, reason
    # the connector secret imported from v2 never comes back
    assert "sim-google-secret-acme-DEMO" not in first.raw
    assert_no_secrets(first.raw)

    seq = last_seq(sim)
    again = import_app(args, diff=True)
    assert again.rc == 0 and again.result["changed"] is False, again.raw
    assert again.result["diff"] == {"before": {}, "after": {}}
    assert writes(sim, since=seq) == []
    assert_no_secrets(again.raw)


def test_force_reimports(linked):
    sim, args = linked
    assert import_app(args).result["changed"] is True
    seq = last_seq(sim)
    forced = import_app(dict(args, force=True))
    assert forced.rc == 0 and forced.result["changed"] is True and forced.result["reason"] == "force is set"
    assert writes(sim, since=seq) == [("POST", IMPORT)]


def test_check_mode_no_write_on_fresh_simulator(acme):
    # nothing linked yet: check mode predicts the import as it would run after the link
    sim, args = acme
    checked = import_app(args, check_mode=True, diff=True)
    assert checked.rc == 0 and checked.result["changed"] is True, checked.raw
    assert "not linked to a v2 application yet" in checked.raw
    assert checked.result["diff"]["after"]["callback_uris"] == sorted(ACME_CALLBACKS)
    assert writes(sim) == []
    assert_no_secrets(checked.raw)


def test_check_mode_no_write_when_linked(linked):
    sim, args = linked
    seq = last_seq(sim)
    checked = import_app(args, check_mode=True, diff=True)
    assert checked.rc == 0 and checked.result["changed"] is True, checked.raw
    assert checked.result["diff"]["after"]["callback_uris"] == sorted(ACME_CALLBACKS)
    assert checked.result["diff"]["after"]["planned_requests"] == checked.result["planned_requests"] == [
        {"method": "POST", "path": "/v3/migration-tools/import-v2-app", "query": {}, "body": None}]
    assert [c["url"] for c in checked.result["callback_uris"]] == ACME_CALLBACKS
    assert writes(sim, since=seq) == []
    assert import_app(args).result["changed"] is True  # the check changed nothing
    assert writes(sim, since=seq) == [("POST", "/v3/migration-tools/import-v2-app")]


def test_requires_link(acme):
    sim, args = acme
    result = import_app(args)
    assert result.rc == 1
    assert "not linked" in result.result["msg"] and "nylas_link_apps" in result.result["msg"]
    assert writes(sim) == []
    assert_no_secrets(result.raw)


def test_v2_reads_failing_fall_back_to_connectors(linked):
    sim, args = linked
    sim.add_fault(method="GET", path="/a/*", status=503)
    seq = last_seq(sim)
    first = import_app(args)
    assert first.rc == 0 and first.result["changed"] is True and first.result["basis"] == "v3", first.raw
    assert "Could not read the v2 application" in first.raw
    assert writes(sim, since=seq) == [("POST", IMPORT)]
    seq = last_seq(sim)
    again = import_app(args)
    assert again.rc == 0 and again.result["changed"] is False
    assert writes(sim, since=seq) == []
    assert_no_secrets(first.raw + again.raw)


def test_without_v2_credentials(linked):
    sim, args = linked
    v3_only = module_args(sim, v2=False)
    first = import_app(v3_only)
    assert first.rc == 0 and first.result["changed"] is True and first.result["basis"] == "v3", first.raw
    assert requests_to(sim, "/a/v2-us-acme") == []
    assert import_app(v3_only).result["changed"] is False


def test_401_bad_api_key(linked):
    sim, args = linked
    result = import_app(dict(args, api_key="nyk_sim_us_WRONG_KEY_for_test"))
    assert result.rc == 1
    fields = error_fields(result.result)
    assert fields["status"] == 401 and fields["error_type"] == "invalid_request_error" and fields["request_id"]
    assert "nyk_sim_us_WRONG_KEY_for_test" not in result.raw
    assert_no_secrets(result.raw)


def test_404_on_import(linked):
    sim, args = linked
    sim.add_fault(method="POST", path=IMPORT, status=404)
    result = import_app(args)
    assert result.rc == 1
    assert result.result["status"] == 404 and result.result["error_type"] == "not_found_error"
    assert result.result["method"] == "POST" and result.result["path"] == IMPORT and result.result["request_id"]
    assert result.result["changed"] is False
    assert result.result["application"]["v2_application_id"] == "v2-us-acme"  # partial results kept
    assert_no_secrets(result.raw)


def test_429_with_retry_after_exhausted(linked):
    sim, args = linked
    sim.add_fault(method="POST", path=IMPORT, status=429, retry_after=1)
    result = import_app(args)
    assert result.rc == 1
    assert result.result["status"] == 429 and result.result["attempts"] == 2
    assert len(requests_to(sim, IMPORT)) == 2
    assert_no_secrets(result.raw)


def test_429_once_then_imported(linked):
    sim, args = linked
    sim.add_fault(method="POST", path=IMPORT, status=429, retry_after=1, times=1)
    result = import_app(args)
    assert result.rc == 0 and result.result["changed"] is True, result.raw
    assert [e["status"] for e in requests_to(sim, IMPORT)] == [429, 200]


def test_500_on_import(linked):
    sim, args = linked
    sim.add_fault(method="POST", path=IMPORT, status=500)
    result = import_app(dict(args, settle_time=1))
    assert result.rc == 1
    assert result.result["status"] == 500 and result.result["outcome_unknown"] is True
    assert result.result["msg"].startswith("The outcome of the import of the v2 application is unknown")
    assert len(requests_to(sim, IMPORT)) == 2  # re-sent once, only after settle_time
    assert_no_secrets(result.raw)


def test_html_502_on_read(linked):
    sim, args = linked
    sim.add_fault(method="GET", path="/v3/connectors", status=502, body=HTML_502, content_type="text/html")
    result = import_app(dict(args, max_retries=0))
    assert result.rc == 1
    assert result.result["status"] == 502 and result.result["error_type"] == "non_json_response"
    assert result.result["path"] == "/v3/connectors" and "502 Bad Gateway" in result.result["msg"]
    assert writes(sim) == [("POST", "/v3/migration-tools/link-v2v3-apps")]
    assert "Traceback" not in result.raw
    assert_no_secrets(result.raw)


def test_eu_pair(sim_eu):
    args = module_args(sim_eu, "eu-initech")
    assert run_module("nylas_link_apps", args).rc == 0
    result = import_app(args)
    assert result.rc == 0 and result.result["changed"] is True, result.raw
    assert sorted(c["provider"] for c in result.result["connectors"]) == ["ews", "google", "imap", "microsoft"]
    assert_no_secrets(result.raw, "eu-initech")
