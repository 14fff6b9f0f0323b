# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nylas_pubsub_channel against a running simulator, run as Ansible runs it (subprocess)."""

from __future__ import annotations

from tests.integration.module_runner import (
    assert_no_secrets,
    error_fields,
    last_seq,
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
