# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_webhook against a running simulator, run as Ansible runs it (subprocess).

The simulator verifies each new webhook URL as Nylas does (``GET <url>?challenge=``): the destinations point
at a local receiver (``simulator/receiver.py``) that answers the challenge, and the simulator runs with
``--allow-loopback-webhooks`` (a rehearsal option; Nylas itself needs public HTTPS).
The webhook secrets the simulator issued are read from its SQLite state file, so that every output
can be searched for them.
"""

from __future__ import annotations

import sqlite3

import pytest

from simulator.receiver import WebhookReceiver
from tests.integration.module_runner import (
    TRANSPORT_FAULTS,
    assert_no_secrets,
    assert_transport_failure,
    error_fields,
    last_seq,
    module_args,
    requests_to,
    run_module,
    writes,
)

URL = None  # the receiver's URL of acme's destination, set by the ``acme`` fixture
TRIGGERS = ["grant.created", "grant.expired", "message.created"]


@pytest.fixture
def acme(sim_factory):
    """A us simulator (demo seed) accepting loopback webhooks, a receiver answering its challenges, and acme's args."""
    global URL  # pylint: disable=global-statement
    with WebhookReceiver() as receiver:
        URL = receiver.url_for("/acme/v3")
        receiver.configure("/nobody-answers", challenge="status", status=404)
        sim = sim_factory("us", allow_loopback_webhooks=True)
        yield sim, module_args(sim)


def issued_secrets(sim):
    """Return every webhook secret the simulator has issued (from its state file)."""
    db = sqlite3.connect("file:%s?mode=ro" % sim.state_path, uri=True)
    try:
        return [row[0] for row in db.execute("SELECT secret FROM webhooks WHERE secret IS NOT NULL")]
    finally:
        db.close()


def webhook(sim, args, **kwargs):
    """Run nylas_webhook; every output is checked for the API key, v2 secrets and webhook secrets."""
    result = run_module("nylas_webhook", args, **kwargs)
    assert_no_secrets(result.raw)
    if not args.get("return_secret"):
        for secret in issued_secrets(sim):
            assert secret not in result.raw, "a webhook secret leaked into the module output"
    return result


def hook(args, **extra):
    return dict(dict(args, webhook_url=URL, trigger_types=list(TRIGGERS)), **extra)


def test_create_rerun_update_delete(acme):
    sim, args = acme
    created = webhook(sim, hook(args, description="acme v3"), diff=True)
    assert created.rc == 0 and created.result["changed"] is True, created.raw
    assert writes(sim) == [("POST", "/v3/webhooks")]
    assert len(issued_secrets(sim)) == 1
    hook_id = created.result["webhook"]["id"]
    assert created.result["webhook"]["webhook_url"] == URL and "webhook_secret" not in created.result["webhook"]
    assert "webhook_secret" not in created.result
    assert created.result["diff"] == {"before": {}, "after": {"webhook_url": URL, "trigger_types": sorted(TRIGGERS),
                                                              "description": "acme v3"}}

    # trigger list in another order (and repeated): no change, no write
    seq = last_seq(sim)
    again = webhook(sim, hook(args, description="acme v3", trigger_types=list(reversed(TRIGGERS)) + TRIGGERS[:1]),
                    diff=True)
    assert again.rc == 0 and again.result["changed"] is False, again.raw
    assert writes(sim, since=seq) == []
    assert again.result["webhook"]["id"] == hook_id

    # update: one PUT
    seq = last_seq(sim)
    updated = webhook(sim, hook(args, trigger_types=["grant.created"], notification_email_addresses=["ops@example.com"]),
                      diff=True)
    assert updated.rc == 0 and updated.result["changed"] is True, updated.raw
    assert writes(sim, since=seq) == [("PUT", "/v3/webhooks/%s" % hook_id)]
    assert updated.result["webhook"]["trigger_types"] == ["grant.created"]
    assert updated.result["diff"] == {
        "before": {"notification_email_addresses": [], "trigger_types": sorted(TRIGGERS)},
        "after": {"notification_email_addresses": ["ops@example.com"], "trigger_types": ["grant.created"]},
    }

    # delete, then delete again: unchanged, no write
    seq = last_seq(sim)
    deleted = webhook(sim, dict(args, webhook_url=URL, state="absent"), diff=True)
    assert deleted.rc == 0 and deleted.result["changed"] is True, deleted.raw
    assert writes(sim, since=seq) == [("DELETE", "/v3/webhooks/%s" % hook_id)]
    assert deleted.result["webhook"] is None
    seq = last_seq(sim)
    absent = webhook(sim, dict(args, webhook_url=URL, state="absent"))
    assert absent.rc == 0 and absent.result["changed"] is False, absent.raw
    assert writes(sim, since=seq) == []


def test_check_mode_makes_no_write(acme):
    sim, args = acme
    checked = webhook(sim, hook(args), check_mode=True, diff=True)
    assert checked.rc == 0 and checked.result["changed"] is True, checked.raw
    assert checked.result["webhook"] == {"webhook_url": URL, "trigger_types": TRIGGERS}
    assert checked.result["diff"]["after"]["trigger_types"] == sorted(TRIGGERS)
    assert writes(sim) == []

    assert webhook(sim, hook(args)).result["changed"] is True  # nothing was created
    seq = last_seq(sim)
    for check_args in (hook(args, trigger_types=["message.created"]), dict(args, webhook_url=URL, state="absent")):
        checked = webhook(sim, check_args, check_mode=True)
        assert checked.rc == 0 and checked.result["changed"] is True, checked.raw
    assert writes(sim, since=seq) == []


def test_secret_returned_once_only_under_no_log(acme):
    sim, args = acme
    refused = webhook(sim, hook(args, return_secret=True))
    assert refused.rc == 1 and "no_log" in refused.result["msg"]
    assert sim.requests_log() == []

    created = webhook(sim, hook(args, return_secret=True, _ansible_no_log=True))
    assert created.rc == 0 and created.result["changed"] is True, created.raw
    secrets = issued_secrets(sim)
    assert created.result["webhook_secret"] == secrets[0]
    assert created.raw.count(secrets[0]) == 1  # only under webhook_secret
    assert "webhook_secret" not in created.result["webhook"]

    again = webhook(sim, hook(args, return_secret=True, _ansible_no_log=True))
    assert again.rc == 0 and again.result["changed"] is False and "webhook_secret" not in again.result
    assert secrets[0] not in again.raw


def test_error_fields_and_no_secret(acme):
    sim, args = acme
    sim.add_fault(method="POST", path="/v3/webhooks", status=400)
    failed = webhook(sim, hook(args))
    assert failed.rc == 1 and failed.result["changed"] is False
    fields = error_fields(failed.result)
    assert fields["status"] == 400 and fields["method"] == "POST" and fields["path"] == "/v3/webhooks"
    assert fields["request_id"]
    assert failed.result["msg"].startswith("Failed to create the webhook %s: HTTP 400" % URL)

    bad = webhook(sim, hook(args, api_key="nyk_sim_us_WRONG_KEY_for_test"))
    assert bad.rc == 1 and bad.result["status"] == 401
    assert "nyk_sim_us_WRONG_KEY_for_test" not in bad.raw


def test_simulator_rejects_unknown_trigger(acme):
    sim, args = acme
    failed = webhook(sim, hook(args, trigger_types=["account.connected"]))
    assert failed.rc == 1 and failed.result["status"] == 400 and "account.connected" in failed.result["msg"]


@pytest.mark.parametrize("fault, status, error_type", [f[1:] for f in TRANSPORT_FAULTS],
                         ids=[f[0] for f in TRANSPORT_FAULTS])
def test_read_failure_error_fields(acme, fault, status, error_type):
    sim, args = acme
    sim.add_fault(method="GET", path="/v3/webhooks", **fault)
    result = webhook(sim, hook(dict(args, max_retries=1)))
    assert_transport_failure(result, status, error_type, "GET", "/v3/webhooks")
    assert result.result["msg"].startswith("Failed to list the webhooks")
    if status in (429, 503):  # retried once (max_retries=1), after Retry-After for the 429
        assert result.result["attempts"] == 2 and len(requests_to(sim, "/v3/webhooks")) == 2
    assert writes(sim) == []


def test_dead_endpoint_fails_at_create_with_the_clear_error_and_no_write(acme):
    sim, args = acme
    dead = dict(hook(args), webhook_url=URL.replace("/acme/v3", "/nobody-answers"))
    # the receiver answers that path's challenge with a 404, as a dead route would
    failed = webhook(sim, dead)
    assert failed.rc == 1 and failed.result["error_type"] == "70005", failed.raw
    assert failed.result["msg"].startswith("Nylas could not verify the webhook URL %s: the endpoint answered HTTP 404"
                                           % dead["webhook_url"]), failed.result["msg"]
    assert writes(sim) == [("POST", "/v3/webhooks")]  # the refused create only
    assert failed.result["request_id"] and "request_id=" in failed.result["msg"]


def test_update_404_error_fields(acme):
    sim, args = acme
    assert webhook(sim, hook(args)).result["changed"] is True
    sim.add_fault(method="PUT", path="/v3/webhooks/*", status=404)
    seq = last_seq(sim)
    result = webhook(sim, hook(args, description="changed"))
    assert_transport_failure(result, 404, None, "PUT", result.result.get("path"))
    assert result.result["path"].startswith("/v3/webhooks/") and result.result["request_id"]
    assert [method for method, dummy in writes(sim, since=seq)] == ["PUT"]  # a 404 is never retried


@pytest.mark.parametrize("status", ["failed", "failing", "pause"])
def test_inactive_destination_is_planned_for_reactivation_then_reactivated(acme, status):
    """A destination Nylas stopped (or that is failing / paused) is drift: the plan shows the re-activation,
    the change sends it (one PUT; Nylas challenges the endpoint again), the re-run finds it active."""
    sim, args = acme
    created = webhook(sim, hook(args))
    assert created.rc == 0, created.raw
    hook_id = created.result["webhook"]["id"]
    sim.set_destination_status(hook_id, status)

    seq = last_seq(sim)
    planned = webhook(sim, hook(args), check_mode=True, diff=True)
    assert planned.rc == 0 and planned.result["changed"] is True, planned.raw
    assert planned.result["diff"]["before"].get("status") == status
    assert planned.result["diff"]["after"].get("status") == "active"
    assert writes(sim, since=seq) == []

    reactivated = webhook(sim, hook(args))
    assert reactivated.rc == 0 and reactivated.result["changed"] is True, reactivated.raw
    assert writes(sim, since=seq) == [("PUT", "/v3/webhooks/%s" % hook_id)]
    assert reactivated.result["webhook"]["status"] == "active"

    seq = last_seq(sim)
    again = webhook(sim, hook(args))
    assert again.rc == 0 and again.result["changed"] is False, again.raw
    assert writes(sim, since=seq) == []
