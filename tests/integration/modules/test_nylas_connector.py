# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_connector against a running simulator, run as Ansible runs it (subprocess)."""

from __future__ import annotations

import pytest

from tests.integration.module_runner import (
    TRANSPORT_FAULTS,
    assert_no_secrets,
    assert_transport_failure,
    error_fields,
    last_seq,
    requests_to,
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


@pytest.mark.parametrize("fault, status, error_type", [f[1:] for f in TRANSPORT_FAULTS],
                         ids=[f[0] for f in TRANSPORT_FAULTS])
def test_read_failure_error_fields(acme, fault, status, error_type):
    sim, args = acme
    sim.add_fault(method="GET", path="/v3/connectors/google", **fault)
    result = connector(google(dict(args, max_retries=1)))
    assert_transport_failure(result, status, error_type, "GET", "/v3/connectors/google")
    assert result.result["msg"].startswith("Failed to read the google connector")
    if status in (429, 503):  # retried once (max_retries=1), after Retry-After for the 429
        assert result.result["attempts"] == 2 and len(requests_to(sim, "/v3/connectors/google")) == 2
    assert writes(sim) == []


def test_update_404_error_fields(acme):
    sim, args = acme
    assert connector(google(args)).result["changed"] is True
    sim.add_fault(method="PATCH", path="/v3/connectors/google", status=404)
    seq = last_seq(sim)
    result = connector(google(args, scope=["openid"]))
    assert_transport_failure(result, 404, None, "PATCH", "/v3/connectors/google")
    assert result.result["request_id"]
    assert [method for method, dummy in writes(sim, since=seq)] == ["PATCH"]  # a 404 is never retried


def test_settings_change_without_its_secret_is_refused_before_any_write(acme):
    # PATCH /v3/connectors/{provider} replaces the nested settings object (contract): a new client_id sent
    # without the client_secret would drop the secret, so the module refuses before any write.
    sim, args = acme
    assert connector(google(args)).rc == 0
    seq = last_seq(sim)
    without_secret = dict(args, provider="google", settings={"client_id": "new-client.apps.example.com"})
    for check_mode in (True, False):
        refused = connector(without_secret, check_mode=check_mode, diff=True)
        assert refused.rc == 1 and refused.result["changed"] is False, refused.raw
        assert "without client_secret" in refused.result["msg"] and "settings.client_secret" in refused.result["msg"]
    assert writes(sim, since=seq) == []

    # with the secret, the whole settings object is sent and the connector keeps a secret
    changed = connector(google(args, settings=dict(SETTINGS, client_id="new-client.apps.example.com")), diff=True)
    assert changed.rc == 0 and changed.result["changed"] is True, changed.raw
    assert writes(sim, since=seq) == [("PATCH", "/v3/connectors/google")]
    assert changed.result["diff"]["after"]["settings"] == {"client_id": "new-client.apps.example.com",
                                                           "client_secret": "********"}
