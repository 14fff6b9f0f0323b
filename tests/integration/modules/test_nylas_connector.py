# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_connector against a running simulator, run as Ansible runs it (subprocess)."""

from __future__ import annotations

from tests.integration.module_runner import (
    assert_no_secrets,
    error_fields,
    last_seq,
    run_module,
    writes,
)

CLIENT_SECRET = "google-client-secret-INTEGRATION-5d4c3b"
SCOPE = ["openid", "https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/gmail.modify"]
SETTINGS = {"client_id": "acme-google.apps.example.com", "client_secret": CLIENT_SECRET}


def connector(args, **kwargs):
    """Run nylas_connector; every output is checked for secrets."""
    result = run_module("nylas_connector", args, **kwargs)
    assert CLIENT_SECRET not in result.raw, "the connector client_secret leaked into the module output"
    assert_no_secrets(result.raw)
    return result


def google(args, **extra):
    return dict(dict(args, provider="google", settings=dict(SETTINGS), scope=list(SCOPE)), **extra)


def test_create_rerun_update_delete(acme):
    sim, args = acme
    created = connector(google(args), diff=True)
    assert created.rc == 0 and created.result["changed"] is True, created.raw
    assert writes(sim) == [("POST", "/v3/connectors")]
    assert created.result["connector"]["provider"] == "google"
    assert created.result["connector"]["settings"] == {"client_id": SETTINGS["client_id"]}
    assert sorted(created.result["connector"]["scope"]) == sorted(SCOPE)
    assert created.result["diff"]["before"] == {}
    assert created.result["diff"]["after"]["settings"] == {"client_id": SETTINGS["client_id"],
                                                           "client_secret": "********"}

    # same input, scopes in another order: no change, no write
    seq = last_seq(sim)
    again = connector(google(args, scope=list(reversed(SCOPE))), diff=True)
    assert again.rc == 0 and again.result["changed"] is False, again.raw
    assert writes(sim, since=seq) == []

    # scope update: one PATCH of the scope only
    seq = last_seq(sim)
    updated = connector(google(args, scope=["openid"]), diff=True)
    assert updated.rc == 0 and updated.result["changed"] is True, updated.raw
    assert writes(sim, since=seq) == [("PATCH", "/v3/connectors/google")]
    assert updated.result["connector"]["scope"] == ["openid"]
    assert updated.result["diff"] == {"before": {"scope": sorted(SCOPE)}, "after": {"scope": ["openid"]}}

    # delete, then delete again: unchanged and no write
    seq = last_seq(sim)
    deleted = connector(dict(args, provider="google", state="absent"), diff=True)
    assert deleted.rc == 0 and deleted.result["changed"] is True, deleted.raw
    assert writes(sim, since=seq) == [("DELETE", "/v3/connectors/google")]
    assert deleted.result["connector"] is None and deleted.result["diff"]["after"] == {}
    seq = last_seq(sim)
    absent = connector(dict(args, provider="google", state="absent"))
    assert absent.rc == 0 and absent.result["changed"] is False, absent.raw
    assert writes(sim, since=seq) == []


def test_check_mode_makes_no_write(acme):
    sim, args = acme
    checked = connector(google(args), check_mode=True, diff=True)
    assert checked.rc == 0 and checked.result["changed"] is True, checked.raw
    assert checked.result["connector"]["settings"]["client_secret"] == "********"
    assert checked.result["diff"]["after"]["settings"]["client_secret"] == "********"
    assert writes(sim) == []
    assert connector(google(args)).result["changed"] is True  # nothing was created

    seq = last_seq(sim)
    for check_args in (google(args, scope=["openid"]), google(args, update_secrets=True),
                       dict(args, provider="google", state="absent")):
        checked = connector(check_args, check_mode=True)
        assert checked.rc == 0 and checked.result["changed"] is True, checked.raw
    assert writes(sim, since=seq) == []


def test_secret_counts_only_with_update_secrets(acme):
    sim, args = acme
    assert connector(google(args)).rc == 0
    seq = last_seq(sim)
    rotated = google(args, settings=dict(SETTINGS, client_secret=CLIENT_SECRET + "-rotated"))
    result = connector(rotated)
    assert result.rc == 0 and result.result["changed"] is False, result.raw
    assert writes(sim, since=seq) == []

    result = connector(dict(rotated, update_secrets=True), diff=True)
    assert result.rc == 0 and result.result["changed"] is True, result.raw
    assert CLIENT_SECRET + "-rotated" not in result.raw
    assert writes(sim, since=seq) == [("PATCH", "/v3/connectors/google")]
    assert result.result["diff"]["after"]["settings"]["client_secret"] == "********"


def test_provider_without_settings(acme):
    sim, args = acme
    created = connector(dict(args, provider="imap"))
    assert created.rc == 0 and created.result["changed"] is True, created.raw
    assert created.result["connector"]["provider"] == "imap"
    seq = last_seq(sim)
    assert connector(dict(args, provider="imap")).result["changed"] is False
    assert writes(sim, since=seq) == []


def test_error_fields_and_no_secret(acme):
    sim, args = acme
    sim.add_fault(method="POST", path="/v3/connectors", status=400)
    failed = connector(google(args))
    assert failed.rc == 1
    fields = error_fields(failed.result)
    assert fields["status"] == 400 and fields["method"] == "POST" and fields["path"] == "/v3/connectors"
    assert fields["request_id"]
    assert failed.result["msg"].startswith("Failed to create the google connector: HTTP 400")

    bad = connector(google(args, api_key="nyk_sim_us_WRONG_KEY_for_test"))
    assert bad.rc == 1 and bad.result["status"] == 401
    assert "nyk_sim_us_WRONG_KEY_for_test" not in bad.raw
