# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_pubsub_channel against a running simulator, run as Ansible runs it (subprocess)."""

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

TOPIC = "projects/acme-sim/topics/nylas-v3"
TRIGGERS = ["grant.created", "message.created", "event.updated"]
BASE = "/v3/channels/pubsub"


def channel(args, **kwargs):
    """Run nylas_pubsub_channel; every output is checked for secrets."""
    result = run_module("nylas_pubsub_channel", args, **kwargs)
    assert_no_secrets(result.raw)
    return result


def wanted(args, **extra):
    return dict(dict(args, topic=TOPIC, trigger_types=list(TRIGGERS)), **extra)


def test_create_rerun_update_delete(acme):
    sim, args = acme
    created = channel(wanted(args), diff=True)
    assert created.rc == 0 and created.result["changed"] is True, created.raw
    assert writes(sim) == [("POST", BASE)]
    channel_id = created.result["pubsub_channel"]["id"]
    assert created.result["pubsub_channel"]["topic"] == TOPIC
    assert created.result["diff"] == {"before": {}, "after": {"topic": TOPIC, "trigger_types": sorted(TRIGGERS)}}

    seq = last_seq(sim)
    again = channel(wanted(args, trigger_types=list(reversed(TRIGGERS))), diff=True)
    assert again.rc == 0 and again.result["changed"] is False, again.raw
    assert writes(sim, since=seq) == []

    seq = last_seq(sim)
    updated = channel(wanted(args, description="acme v3", compressed_delivery=True), diff=True)
    assert updated.rc == 0 and updated.result["changed"] is True, updated.raw
    assert writes(sim, since=seq) == [("PUT", "%s/%s" % (BASE, channel_id))]
    assert updated.result["diff"] == {"before": {"compressed_delivery": False, "description": ""},
                                      "after": {"compressed_delivery": True, "description": "acme v3"}}
    assert updated.result["pubsub_channel"]["description"] == "acme v3"

    seq = last_seq(sim)
    deleted = channel(dict(args, topic=TOPIC, state="absent"))
    assert deleted.rc == 0 and deleted.result["changed"] is True, deleted.raw
    assert writes(sim, since=seq) == [("DELETE", "%s/%s" % (BASE, channel_id))]
    seq = last_seq(sim)
    absent = channel(dict(args, topic=TOPIC, state="absent"))
    assert absent.rc == 0 and absent.result["changed"] is False, absent.raw
    assert writes(sim, since=seq) == []


def test_check_mode_makes_no_write(acme):
    sim, args = acme
    checked = channel(wanted(args), check_mode=True, diff=True)
    assert checked.rc == 0 and checked.result["changed"] is True, checked.raw
    assert checked.result["pubsub_channel"] == {"topic": TOPIC, "trigger_types": TRIGGERS}
    assert writes(sim) == []
    assert channel(wanted(args)).result["changed"] is True  # nothing was created
    seq = last_seq(sim)
    for check_args in (wanted(args, trigger_types=["grant.created"]), dict(args, topic=TOPIC, state="absent")):
        checked = channel(check_args, check_mode=True)
        assert checked.rc == 0 and checked.result["changed"] is True, checked.raw
    assert writes(sim, since=seq) == []


def test_error_fields_and_no_secret(acme):
    sim, args = acme
    sim.add_fault(method="POST", path=BASE, status=400)
    failed = channel(wanted(args))
    assert failed.rc == 1 and failed.result["changed"] is False
    fields = error_fields(failed.result)
    assert fields["status"] == 400 and fields["method"] == "POST" and fields["path"] == BASE
    assert fields["request_id"]
    assert failed.result["msg"].startswith("Failed to create the Pub/Sub channel of %s: HTTP 400" % TOPIC)

    bad = channel(wanted(args, api_key="nyk_sim_us_WRONG_KEY_for_test"))
    assert bad.rc == 1 and bad.result["status"] == 401
    assert "nyk_sim_us_WRONG_KEY_for_test" not in bad.raw


@pytest.mark.parametrize("fault, status, error_type", [f[1:] for f in TRANSPORT_FAULTS],
                         ids=[f[0] for f in TRANSPORT_FAULTS])
def test_read_failure_error_fields(acme, fault, status, error_type):
    sim, args = acme
    sim.add_fault(method="GET", path=BASE, **fault)
    result = channel(wanted(dict(args, max_retries=1)))
    assert_transport_failure(result, status, error_type, "GET", BASE)
    assert result.result["msg"].startswith("Failed to list the Pub/Sub channels")
    if status in (429, 503):  # retried once (max_retries=1), after Retry-After for the 429
        assert result.result["attempts"] == 2 and len(requests_to(sim, BASE)) == 2
    assert writes(sim) == []


def test_update_404_error_fields(acme):
    sim, args = acme
    assert channel(wanted(args)).result["changed"] is True
    sim.add_fault(method="PUT", path=BASE + "/*", status=404)
    seq = last_seq(sim)
    result = channel(wanted(args, description="changed"))
    assert_transport_failure(result, 404, None, "PUT", result.result.get("path"))
    assert result.result["path"].startswith(BASE + "/") and result.result["request_id"]
    assert [method for method, dummy in writes(sim, since=seq)] == ["PUT"]  # a 404 is never retried
