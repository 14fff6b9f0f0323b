# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure decisions of the go/no-go gate between the pilot (migration step 6) and the batch clone (step 7).

The migration guide's step 6: clone a few accounts, check that the webhooks work with them, then move
the rest. The gate makes that a decision from three checks, each judged from what was read (no I/O here):

- ``webhooks``: each webhook of the pair exists, is ``active``, and answers ``send-test-event``
  (``POST /v3/webhooks/send-test-event`` answers ``data: "success"``);
- ``pilot_grants``: each pilot account's grant reads back ``grant_status: valid`` (or, for an account whose
  clone forecast is a placeholder, the placeholder the forecast announced);
- ``connectors``: every v3 provider among the remaining accounts (the v2 accounts in the batch's scope,
  pilot accounts aside) has a connector, with credentials where the provider needs them (contract:
  clone and batch clone need "a working equivalent authentication connector for each provider you use").

Each check's verdict is ``pass``, ``fail`` or ``unknown`` (cannot tell yet: in check mode a planned
webhook, clone or connector is not made, and ``send-test-event`` is not sent). The gate is ``go`` when
every check passes, ``no-go`` when one fails, else ``unknown``.
"""

from __future__ import annotations

from ansible_collections.nylas.migration.plugins.module_utils.nylas_batch_planning import (
    find_active_job,
    latest_finished_migration_job,
    scope_accounts,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_clone_planning import (
    V2_TO_V3_PROVIDERS,
    clone_outcome_reason,
    format_error,
    v3_provider_of,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_connector_planning import REQUIRED_SECRET_SETTINGS

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
GO, NO_GO = "go", "no-go"

#: The gate's checks, in the order they are reported.
GATE_CHECKS = ("webhooks", "pilot_grants", "connectors")

#: The trigger types ``send-test-event`` accepts (contract: ``send_test_event_input.trigger_type``).
TEST_EVENT_TRIGGERS = (
    "calendar.created", "calendar.updated", "calendar.deleted", "event.created", "event.updated", "event.deleted",
    "grant.created", "grant.updated", "grant.deleted", "grant.expired", "message.send_success",
    "message.send_failed", "message.bounce_detected", "message.created", "message.created.truncated",
    "message.created.cleaned", "message.updated", "message.updated.truncated", "contact.updated",
    "contact.deleted", "folder.created", "folder.updated", "folder.deleted", "message.opened",
    "message.link_clicked", "thread.replied",
)

#: The trigger type sent when a webhook has none that ``send-test-event`` accepts.
DEFAULT_TEST_TRIGGER = "grant.created"

#: What ``send-test-event`` answers when the endpoint acknowledged the test payload (contract example).
TEST_EVENT_SUCCESS = "success"

CHECK_MODE_NOT_SENT = ("not sent in check mode: send-test-event makes Nylas post a test payload to the "
                       "endpoint, which a plan never causes")


def pick_test_trigger(webhook):
    """The trigger type to send for ``webhook``: its first one ``send-test-event`` accepts, else ``grant.created``."""
    for trigger in (webhook or {}).get("trigger_types") or []:
        if trigger in TEST_EVENT_TRIGGERS:
            return trigger
    return DEFAULT_TEST_TRIGGER


def batch_already_started(jobs):
    """The batch clone the gate would guard, when it already started: the active job, else the newest
    completed or partial migration job, else None (pure; ``jobs`` from ``GET /v3/migration-tools/jobs``).

    A re-run then sends no test event (a probe, but a POST): the gate guarded that batch when it started.
    A failed job does not count: its retry is guarded again.
    """
    active = find_active_job(jobs)  # (snapshot job, clone job) of a batch in progress
    if active:
        return active[1] or active[0]
    done = latest_finished_migration_job(jobs)
    return done if done and done.get("status") in ("completed", "partial") else None


def judge_webhook(url, webhook, test_answer=None, test_error=None, check_mode=False, planned=False,
                  batch_job=None):
    """Judge one webhook of the pair (pure).

    Args:
        url: the webhook URL the pair declares.
        webhook: the destination of that URL as ``GET /v3/webhooks`` lists it, or None.
        test_answer: the ``data`` of ``send-test-event`` (``"success"`` or another string), None when not sent.
        test_error: the error dict (``message``, ``status``, ``error_type``, ``request_id``) when it failed.
        check_mode: True in a plan (nothing is sent; a missing or inactive webhook may be planned).
        planned: True when this run creates or re-activates it (step 5), so a plan cannot tell yet.
        batch_job: the pair's batch job that already started (:func:`batch_already_started`), or None;
            then an active webhook passes without a test event.

    Returns:
        ``{"webhook_url", "id", "status", "verdict", "reason", "test_event"}``; ``test_event`` is
        ``sent`` / ``not sent`` and the answer.
    """
    out = {"webhook_url": url, "id": (webhook or {}).get("id"), "status": (webhook or {}).get("status"),
           "test_event": "not sent"}
    if webhook is None:
        if check_mode and planned:
            return dict(out, verdict=UNKNOWN, reason="not created yet: step 5 of this run creates it")
        return dict(out, verdict=FAIL, reason="no webhook destination has this URL")
    status = webhook.get("status")
    if status is not None and status != "active":
        if check_mode and planned:
            return dict(out, verdict=UNKNOWN, reason="%s now: step 5 of this run re-activates it" % status)
        return dict(out, verdict=FAIL, reason="status is %s, not active: Nylas sends it nothing" % status)
    if batch_job:
        job = "%s %s" % (batch_job.get("job_id") or "(no id)", batch_job.get("status") or "")
        return dict(out, verdict=PASS, test_event="not sent: the batch clone it guards already started (job %s)" % job.strip(),
                    reason="active; the batch clone of this pair already started (job %s), so no test event" % job.strip())
    if check_mode:
        return dict(out, verdict=UNKNOWN, reason="active; the test event is " + CHECK_MODE_NOT_SENT)
    if test_error is not None:
        return dict(out, verdict=FAIL, test_event="sent, refused",
                    reason="send-test-event failed: %s" % format_error(test_error))
    if test_answer == TEST_EVENT_SUCCESS:
        return dict(out, verdict=PASS, test_event="sent, answered %s" % test_answer,
                    reason="active, and the endpoint acknowledged the test event")
    return dict(out, verdict=FAIL, test_event="sent, answered %r" % (test_answer,),
                reason="the endpoint did not acknowledge the test event (Nylas answered %r)" % (test_answer,))


def judge_pilot_grant(account_id, grant, check_mode=False, v2_account=None):
    """Judge one pilot account from its grant (``GET /v3/grants?account_id=...``, or None) (pure).

    Args:
        account_id: the v2 account id.
        grant: its v3 grant, or None when there is none.
        check_mode: whether this is the plan (the pilot clone of this run is not made).
        v2_account: the v2 account (``GET /a/{client_id}/accounts``), or None when it could not be read.
            A grant that is not ``valid`` passes when the clone forecast of that v2 account is a
            placeholder (the account needed re-authentication in v2 already, or is a Microsoft account
            Nylas cannot move silently): the pilot then did what the forecast said. A grant that is not
            valid where the forecast said ``valid`` fails: the migration of a working account did not work.

    Returns ``{"account_id", "grant_id", "grant_status", "verdict", "reason"}``.
    """
    out = {"account_id": account_id, "grant_id": (grant or {}).get("id"),
           "grant_status": (grant or {}).get("grant_status")}
    if grant is None:
        if check_mode:
            return dict(out, verdict=UNKNOWN, reason="no grant yet: the pilot clone of this run makes it")
        return dict(out, verdict=FAIL, reason="no v3 grant: the pilot clone did not make one")
    if out["grant_status"] == "valid":
        return dict(out, verdict=PASS, reason="grant valid")
    status = out["grant_status"] or "without status"
    if v2_account is not None:
        forecast, why = clone_outcome_reason(v2_account)
        if forecast == "placeholder":
            return dict(out, verdict=PASS, reason="grant is %s, as forecast (%s)" % (status, why))
        return dict(out, verdict=FAIL, reason="grant is %s where the forecast was %s: a working v2 account did not "
                                              "migrate to a valid grant" % (status, forecast))
    return dict(out, verdict=FAIL, reason="grant is %s, not valid: its user must re-authenticate" % status)


def remaining_providers(v2_accounts, pilot_account_ids=(), providers=None):
    """The v3 providers of the accounts the batch would move, with how many accounts each (pure).

    Args:
        v2_accounts: the v2 accounts (``provider`` read).
        pilot_account_ids: the pilot's accounts, left out.
        providers: the batch's providers filter (a set of v3 names, or None for every provider).

    Returns:
        ``{v3_provider: count}``, sorted by provider; v2 providers without a v3 equivalent are left out
        (those accounts fail whatever the connectors).
    """
    pilot = set(pilot_account_ids or ())
    counts = {}
    for account in scope_accounts(v2_accounts, providers):
        if account.get("id") in pilot:
            continue
        if str(account.get("provider") or "").lower() not in V2_TO_V3_PROVIDERS:
            continue
        provider = v3_provider_of(account)
        counts[provider] = counts.get(provider, 0) + 1
    return dict(sorted(counts.items()))


def connector_credentials(provider, connector):
    """Whether ``connector`` can serve ``provider``'s accounts: ``(True|False, reason)`` (pure).

    A provider that needs OAuth app credentials (:data:`REQUIRED_SECRET_SETTINGS`: Google, Microsoft,
    Yahoo, Zoom) needs a connector with a ``settings.client_id`` or an ``active_credential_id`` (Nylas
    never returns the secret itself, so this is what can be seen); any other provider needs the connector.
    """
    if connector is None:
        return False, "no %s connector" % provider
    if provider not in REQUIRED_SECRET_SETTINGS:
        return True, "connector present (no app credentials needed)"
    settings = connector.get("settings") or {}
    if settings.get("client_id") or connector.get("active_credential_id"):
        return True, "connector with app credentials"
    return False, "the %s connector has no app credentials (no client_id): set them (step 4)" % provider


def judge_connector(provider, count, connector, check_mode=False, planned=False, import_planned=False):
    """Judge the connector of one provider among the remaining accounts (pure).

    ``planned``: step 4 of this run configures it with credentials, so a plan cannot tell yet.
    ``import_planned``: step 3 of this run imports the v2 application's settings (its connectors among
    them), so a plan cannot tell whether a connector that is not there yet will be.
    Returns ``{"provider", "accounts", "verdict", "reason"}``.
    """
    ok, reason = connector_credentials(provider, connector)
    out = {"provider": provider, "accounts": count}
    if ok:
        return dict(out, verdict=PASS, reason=reason)
    if check_mode and planned:
        return dict(out, verdict=UNKNOWN, reason=reason + " now; step 4 of this run configures it")
    if check_mode and import_planned and connector is None:
        return dict(out, verdict=UNKNOWN, reason=reason + " now; the import (step 3) of this run may create it")
    return dict(out, verdict=FAIL, reason="%s, so its %d remaining account(s) cannot be cloned" % (reason, count))


def combine_check(name, items, empty_reason, key):
    """One check from its items' verdicts: ``{"name", "verdict", "reason", "items"}`` (pure).

    ``fail`` when an item fails (the reason names each failing item by ``key``), else ``unknown`` when one
    is unknown, else ``pass``; ``empty_reason`` when there is nothing to check (a pass).
    """
    if not items:
        return {"name": name, "verdict": PASS, "reason": empty_reason, "items": []}
    failed = [i for i in items if i["verdict"] == FAIL]
    unknown = [i for i in items if i["verdict"] == UNKNOWN]
    if failed:
        verdict, reason = FAIL, "; ".join("%s: %s" % (i[key], i["reason"]) for i in failed)
    elif unknown:
        verdict, reason = UNKNOWN, "; ".join("%s: %s" % (i[key], i["reason"]) for i in unknown)
    else:
        verdict, reason = PASS, "all %d pass" % len(items)
    return {"name": name, "verdict": verdict, "reason": reason, "items": items}


def unknown_check(name, reason):
    """A check that could not be made (for example: the v2 accounts could not be read) (pure)."""
    return {"name": name, "verdict": UNKNOWN, "reason": reason, "items": []}


def failed_check(name, reason):
    """A check that fails as a whole (for example: the list it needs could not be read) (pure)."""
    return {"name": name, "verdict": FAIL, "reason": reason, "items": []}


def gate_decision(checks, check_mode=False):
    """The gate from its checks (pure).

    Returns ``{"verdict", "passed", "failed_checks", "reason", "checks"}``: ``verdict`` ``go`` (every
    check passes; ``passed`` True), ``no-go`` (one fails; False) or ``unknown`` (None). Outside check
    mode a check that cannot tell is a ``no-go``: the batch never starts on a guess. ``reason`` names
    each failing (or unknown) check and why.
    """
    failed = [c for c in checks if c["verdict"] == FAIL]
    unknown = [c for c in checks if c["verdict"] == UNKNOWN]
    if not check_mode:
        failed += unknown
        unknown = []
    if failed:
        verdict, passed = NO_GO, False
        reason = "; ".join("%s check failed: %s" % (c["name"], c["reason"]) for c in failed)
    elif unknown:
        verdict, passed = UNKNOWN, None
        reason = "; ".join("%s: cannot tell yet (%s)" % (c["name"], c["reason"]) for c in unknown)
    else:
        verdict, passed = GO, True
        reason = "every check passed (%s)" % ", ".join(c["name"] for c in checks)
    return {"verdict": verdict, "passed": passed, "failed_checks": [c["name"] for c in failed], "reason": reason,
            "checks": list(checks)}


def gate_line(gate):
    """The gate in a few words, for the pair's summary line (pure); ``not run`` for None."""
    if not gate:
        return "not run"
    if gate.get("verdict") == GO:
        return "go"
    if gate.get("verdict") == NO_GO:
        return "no-go (%s)" % gate.get("reason")
    return "cannot tell yet (%s)" % gate.get("reason")
