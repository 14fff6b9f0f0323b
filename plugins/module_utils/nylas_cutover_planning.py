# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure decisions of the end of the migration: webhook parity (v2 -> v3) and the cutover of v2 accounts.

Nothing here performs HTTP or touches Ansible. Inputs are what the APIs returned (v2 webhooks and
accounts, v3 webhooks and grants, as plain dicts) and the modules' options; outputs say what to
propose, write or report. The loops that apply them are in :mod:`nylas_cutover_runner`.

The trigger map (:data:`V2_TO_V3_TRIGGERS`) follows Nylas's docs: "Changes to webhooks in Nylas v3"
(the v3 trigger list; ``grant.created`` is "the v3 equivalent of the v2 ``account.created``"
trigger, which the v2 trigger list spells ``account.connected``), "Upgrade webhooks from v2.x to v3"
(``job.successful``, ``job.failed``, ``account.running``, ``account.stopped`` and
``account.sync_error`` "are no longer needed"; ``account.invalid`` is replaced by ``grant.expired``)
and the v2 webhook trigger list ("Set up v2 webhooks", "v2 webhook schemas"). A v2 trigger without a
v3 equivalent is listed with the reason, never dropped silently.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

#: v2 trigger -> (v3 trigger or None, note). None: no v3 equivalent (the note says why).
V2_TO_V3_TRIGGERS = {
    "account.connected": ("grant.created", "v3 calls a connected account a grant"),
    "account.invalid": ("grant.expired", "Nylas: account.invalid is deprecated, subscribe to grant.expired"),
    "account.running": (None, "v3 has no sync jobs: Nylas says account.running is no longer needed"),
    "account.stopped": (None, "v3 has no sync jobs: Nylas says account.stopped is no longer needed"),
    "account.sync_error": (None, "v3 has no sync jobs: Nylas says account.sync_error is no longer needed"),
    "job.successful": (None, "v3 has no job statuses: Nylas says job.successful is no longer needed"),
    "job.failed": (None, "v3 has no job statuses: Nylas says job.failed is no longer needed"),
    "message.created": ("message.created", ""),
    "message.updated": ("message.updated", ""),
    "message.opened": ("message.opened", "v3 message tracking must be enabled on the messages sent"),
    "message.link_clicked": ("message.link_clicked", "v3 message tracking must be enabled on the messages sent"),
    "message.bounced": ("message.bounce_detected",
                        "v3 detects bounces for Google, Microsoft Graph, iCloud and Yahoo only"),
    "thread.replied": ("thread.replied", "v3 message tracking must be enabled on the messages sent"),
    "contact.created": (None, "v3 has no contact.created trigger (only contact.updated and contact.deleted); "
                              "subscribe to contact.updated by hand if new contacts matter"),
    "contact.updated": ("contact.updated", ""),
    "contact.deleted": ("contact.deleted", ""),
    "calendar.created": ("calendar.created", ""),
    "calendar.updated": ("calendar.updated", ""),
    "calendar.deleted": ("calendar.deleted", ""),
    "event.created": ("event.created", ""),
    "event.updated": ("event.updated", ""),
    "event.deleted": ("event.deleted", ""),
}

#: The cutover's decision for each account, and why (codes of the module results and the report).
CUTOVER_REASONS = {
    "valid_grant": "the v3 grant is valid",
    "already_cancelled": "the v2 account is already cancelled",
    "v2_deleted": "the v2 account is deleted",
    "no_grant": "no v3 grant (not migrated or failed)",
    "grant_not_valid": "the v3 grant is not valid (placeholder: the user must re-authenticate)",
    "rollout_limit": "beyond this run's rollout size",
    "error_budget": "not attempted: the error budget was spent",
    "failed": "the downgrade failed",
}


def trigger_map_table():
    """Return the trigger map as a list of ``{v2_trigger, v3_trigger, note}`` rows (v3 None: no equivalent)."""
    return [dict(v2_trigger=v2, v3_trigger=v3, note=note) for v2, (v3, note) in sorted(V2_TO_V3_TRIGGERS.items())]


def map_triggers(v2_triggers):
    """Map v2 triggers to v3 trigger types.

    Args:
        v2_triggers: list of v2 trigger names.

    Returns:
        ``(trigger_types, unmapped)``: the v3 trigger types (sorted, no repeats) and, for each v2
        trigger without a v3 equivalent (or unknown to the map), ``{"trigger", "reason"}``.
    """
    mapped, unmapped = set(), []
    for trigger in v2_triggers or []:
        v3, note = V2_TO_V3_TRIGGERS.get(trigger, (None, "not a v2 trigger this collection knows; map it by hand"))
        if v3:
            mapped.add(v3)
        elif trigger not in [u["trigger"] for u in unmapped]:
            unmapped.append(dict(trigger=trigger, reason=note))
    return sorted(mapped), unmapped


def propose_destinations(v2_webhooks, url_map=None, include_inactive=False):
    """Propose the v3 webhook destinations that replace a v2 application's webhooks.

    Args:
        v2_webhooks: the v2 webhooks (``id``, ``callback_url``, ``state``, ``triggers``).
        url_map: optional ``{v2 callback_url: v3 webhook_url}``; a URL not in it keeps its v2 URL.
        include_inactive: also propose a destination for inactive v2 webhooks (default: they are skipped).

    Returns:
        A dict: ``proposals`` (``webhook_url``, ``trigger_types``, ``description``, ``v2_webhook_ids``;
        v2 webhooks whose v3 URLs are equal are merged, triggers united), ``unmapped`` (``v2_webhook_id``,
        ``callback_url``, ``trigger``, ``reason``) and ``skipped`` (``v2_webhook_id``, ``callback_url``,
        ``reason``: inactive, or no trigger with a v3 equivalent).
    """
    url_map = url_map or {}
    by_url, order, unmapped, skipped = {}, [], [], []
    for hook in v2_webhooks or []:
        hook_id, url = hook.get("id"), hook.get("callback_url")
        triggers, missing = map_triggers(hook.get("triggers"))
        unmapped.extend(dict(v2_webhook_id=hook_id, callback_url=url, **m) for m in missing)
        if (hook.get("state") or "active") != "active" and not include_inactive:
            skipped.append(dict(v2_webhook_id=hook_id, callback_url=url,
                                reason="the v2 webhook is %s" % hook.get("state")))
            continue
        if not triggers:
            skipped.append(dict(v2_webhook_id=hook_id, callback_url=url,
                                reason="none of its triggers has a v3 equivalent"))
            continue
        target = url_map.get(url, url)
        if target not in by_url:
            by_url[target] = dict(webhook_url=target, trigger_types=[], v2_webhook_ids=[])
            order.append(target)
        proposal = by_url[target]
        proposal["trigger_types"] = sorted(set(proposal["trigger_types"]) | set(triggers))
        proposal["v2_webhook_ids"].append(hook_id)
    proposals = []
    for url in order:
        proposal = by_url[url]
        proposal["description"] = "Migrated from v2 webhook %s" % ", ".join(str(i) for i in proposal["v2_webhook_ids"])
        proposals.append(proposal)
    return dict(proposals=proposals, unmapped=unmapped, skipped=skipped)


def destination_status(proposal, v3_webhooks):
    """Compare a proposal with the v3 webhooks: ``present`` (same URL, every proposed trigger), ``differs`` or ``missing``."""
    matches = [w for w in v3_webhooks or [] if isinstance(w, dict) and w.get("webhook_url") == proposal["webhook_url"]]
    if not matches:
        return "missing"
    if any(set(proposal["trigger_types"]) <= set(w.get("trigger_types") or []) for w in matches):
        return "present"
    return "differs"


def inventory_yaml(proposals):
    """Return the proposals as inventory YAML (``nylas_webhooks:`` as ``nylas_webhook`` takes it), for review.

    Strings are written as JSON strings, which YAML reads unchanged.
    """
    if not proposals:
        return "nylas_webhooks: []\n"
    lines = ["nylas_webhooks:"]
    for p in proposals:
        lines.append("  - webhook_url: %s" % json.dumps(p["webhook_url"]))
        lines.append("    description: %s" % json.dumps(p["description"]))
        lines.append("    trigger_types:")
        lines.extend("      - %s" % json.dumps(t) for t in p["trigger_types"])
    return "\n".join(lines) + "\n"


def plan_webhook_deactivation(v2_webhooks, proposals, v3_webhooks):
    """Decide which v2 webhooks to set inactive: those whose v3 destination exists with every mapped trigger.

    Args:
        v2_webhooks: the v2 webhooks.
        proposals: ``propose_destinations(...)["proposals"]``.
        v3_webhooks: the v3 webhook destinations.

    Returns:
        One ``{"v2_webhook_id", "callback_url", "action", "reason"}`` per v2 webhook; ``action`` is
        ``deactivate`` or ``none``.
    """
    status_of = {}
    for proposal in proposals or []:
        status = destination_status(proposal, v3_webhooks)
        for hook_id in proposal["v2_webhook_ids"]:
            status_of[hook_id] = (status, proposal["webhook_url"])
    decisions = []
    for hook in v2_webhooks or []:
        row = dict(v2_webhook_id=hook.get("id"), callback_url=hook.get("callback_url"), action="none")
        if (hook.get("state") or "active") != "active":
            row["reason"] = "already %s" % hook.get("state")
        elif hook.get("id") not in status_of:
            row["reason"] = "no v3 destination proposed for it (see skipped)"
        elif status_of[hook.get("id")][0] != "present":
            row["reason"] = "its v3 destination %s is %s" % (status_of[hook["id"]][1], status_of[hook["id"]][0])
        else:
            row.update(action="deactivate", reason="its v3 destination %s exists" % status_of[hook["id"]][1])
        decisions.append(row)
    return decisions


# -- the cutover of the v2 accounts -------------------------------------------------------------------

def confirmation_matches(confirm, v2_client_id, region):
    """Whether the confirmation value names this pair (its v2 client id) or its region."""
    return bool(confirm) and confirm in (v2_client_id, region)


def grants_by_account(grants):
    """Map ``account_id`` -> grant from a grant list; a ``valid`` grant wins over another of the same account."""
    found = {}
    for grant in grants or []:
        account_id = grant.get("account_id") if isinstance(grant, dict) else None
        if not account_id:
            continue
        if account_id not in found or grant.get("grant_status") == "valid":
            found[account_id] = grant
    return found


def account_decision(account, grant):
    """Decide for one v2 account: ``(decision, reason)``; decision ``cancel``, ``kept`` or ``already_cancelled``.

    Only an account whose v3 grant is ``valid`` (as read now) and whose v2 ``billing_state`` is not
    ``cancelled`` or ``deleted`` is cancelled. Reasons are keys of :data:`CUTOVER_REASONS`.
    """
    billing = (account.get("billing_state") or "").lower()
    if billing == "cancelled":
        return "already_cancelled", "already_cancelled"
    if billing == "deleted":
        return "kept", "v2_deleted"
    if grant is None:
        return "kept", "no_grant"
    if grant.get("grant_status") != "valid":
        return "kept", "grant_not_valid"
    return "cancel", "valid_grant"


def rollout_limit(migrated_total, count=None, percent=None):
    """How many accounts this run may cancel, or None for no limit.

    Args:
        migrated_total: accounts of the pair with a valid v3 grant (cancelled already or not).
        count: at most this many per run.
        percent: at most this share of ``migrated_total`` per run (rounded up, at least 1 when > 0).

    Both given: the smaller wins. Raises ``PlanningError`` for a negative count or a percent outside 0-100.
    """
    limits = []
    if count is not None:
        if count < 0:
            raise PlanningError("rollout_count must be zero or more")
        limits.append(int(count))
    if percent is not None:
        if not 0 <= percent <= 100:
            raise PlanningError("rollout_percent must be between 0 and 100")
        limits.append(int(math.ceil(migrated_total * percent / 100.0)))
    return min(limits) if limits else None


def plan_cutover(accounts, grants, count=None, percent=None):
    """Plan the cutover of a pair's v2 accounts.

    Args:
        accounts: the v2 accounts (``id``, ``provider``, ``billing_state``, ...), in the v2 order.
        grants: the v3 grants of the application (``account_id``, ``grant_status``, ``id``).
        count, percent: the rollout size (see :func:`rollout_limit`).

    Returns:
        A dict: ``rows`` (one per account: ``account_id``, ``provider``, ``billing_state``,
        ``grant_status``, ``decision`` in ``cancel`` / ``deferred`` / ``kept`` / ``already_cancelled``,
        ``reason``; no email), ``to_cancel`` (account ids, in order), ``limit`` and ``counts``
        (by decision and by reason).
    """
    by_account = grants_by_account(grants)
    rows = []
    for account in accounts or []:
        account_id = account.get("id") or account.get("account_id")
        grant = by_account.get(account_id)
        decision, reason = account_decision(account, grant)
        rows.append(dict(account_id=account_id, provider=account.get("provider"),
                         billing_state=account.get("billing_state"),
                         grant_status=(grant or {}).get("grant_status"), decision=decision, reason=reason))
    migrated = sum(1 for r in rows if r["grant_status"] == "valid" and r["reason"] in ("valid_grant", "already_cancelled"))
    limit = rollout_limit(migrated, count, percent)
    to_cancel = []
    for row in rows:
        if row["decision"] != "cancel":
            continue
        if limit is not None and len(to_cancel) >= limit:
            row.update(decision="deferred", reason="rollout_limit")
            continue
        to_cancel.append(row["account_id"])
    return dict(rows=rows, to_cancel=to_cancel, limit=limit, counts=count_rows(rows))


def count_rows(rows):
    """Count rows by ``decision`` and by ``reason``: ``{"decision": {...}, "reason": {...}}``."""
    counts = dict(decision={}, reason={})
    for row in rows:
        for key in ("decision", "reason"):
            counts[key][row[key]] = counts[key].get(row[key], 0) + 1
    return counts


def budget_spent(failures, error_budget):
    """Whether a run must stop: more failures than the error budget allows (budget 0: the first failure stops)."""
    return failures > max(0, error_budget or 0)


def is_cancelled(account):
    """Whether a v2 account (re-read after a downgrade of unknown outcome) shows ``billing_state: cancelled``."""
    return isinstance(account, dict) and (account.get("billing_state") or "").lower() == "cancelled"


def is_active(account):
    """Whether a v2 account (re-read after an upgrade of unknown outcome) shows ``billing_state: paid``."""
    return isinstance(account, dict) and (account.get("billing_state") or "").lower() == "paid"


def new_record(run_id, v2_client_id, region, plan, error_budget, count=None, percent=None, started_at=None):
    """Return the cutover record of a run (written 0600 beside the reports; account ids only, no email).

    Keys: ``kind`` (``nylas_v2_cutover``), ``run_id``, ``v2_client_id``, ``region``, ``started_at``,
    ``finished``, ``rollout`` (``count``, ``percent``, ``limit``), ``error_budget``, ``planned`` (the
    ids this run meant to cancel), ``cancelled`` (the ids it did cancel), ``failed``, ``decisions``
    (account id -> reason, for the report), ``rollback`` (None until a rollback ran).
    """
    return dict(kind="nylas_v2_cutover", run_id=run_id, v2_client_id=v2_client_id, region=region,
                started_at=started_at, finished=False,
                rollout=dict(count=count, percent=percent, limit=plan["limit"]), error_budget=error_budget,
                planned=list(plan["to_cancel"]), cancelled=[], failed=[],
                decisions={r["account_id"]: r["reason"] for r in plan["rows"]}, rollback=None)


def merge_record(previous, record):
    """Merge a re-run of the same ``run_id`` into its earlier record: the ids cancelled by either are kept.

    Returns ``record`` with ``cancelled`` and ``planned`` united with ``previous``'s (order kept);
    ``previous`` None returns ``record``. Raises ``PlanningError`` when ``previous`` is another pair's.
    """
    if not previous:
        return record
    if previous.get("v2_client_id") != record["v2_client_id"]:
        raise PlanningError("the record of run %s belongs to v2 application %s, not %s"
                            % (record["run_id"], previous.get("v2_client_id"), record["v2_client_id"]))
    for key in ("cancelled", "planned"):
        merged = list(previous.get(key) or [])
        merged.extend(i for i in record[key] if i not in merged)
        record[key] = merged
    decisions = dict(previous.get("decisions") or {})
    for account_id, reason in record["decisions"].items():
        if not (reason == "already_cancelled" and account_id in record["cancelled"]):
            decisions[account_id] = reason
    record["decisions"] = decisions
    return record


def rollback_candidates(record):
    """The account ids a rollback of ``record`` re-activates: the cancelled ones, and every planned one
    when the run did not finish (it may have cancelled more than it could write down).

    Raises ``PlanningError`` for something that is not a cutover record.
    """
    if not isinstance(record, dict) or record.get("kind") != "nylas_v2_cutover":
        raise PlanningError("not a cutover record (kind nylas_v2_cutover expected)")
    ids = list(record.get("cancelled") or [])
    if not record.get("finished"):
        ids.extend(i for i in record.get("planned") or [] if i not in ids)
    return ids


def plan_rollback(record, accounts):
    """Plan the rollback of a cutover run from its record and the v2 accounts as read now.

    Args:
        record: the cutover record (see :func:`new_record`).
        accounts: the v2 accounts of the pair (``id``, ``billing_state``).

    Returns:
        A dict: ``rows`` (``account_id``, ``billing_state``, ``decision`` in ``reactivate`` / ``kept``,
        ``reason``: ``cancelled_by_run``, ``already_active``, ``v2_deleted``, ``not_found``) and
        ``to_reactivate`` (ids). Accounts the run did not cancel are never touched.
    """
    by_id = {(a.get("id") or a.get("account_id")): a for a in accounts or [] if isinstance(a, dict)}
    rows, to_reactivate = [], []
    for account_id in rollback_candidates(record):
        account = by_id.get(account_id)
        billing = ((account or {}).get("billing_state") or "").lower()
        if account is None:
            decision, reason = "kept", "not_found"
        elif billing == "cancelled":
            decision, reason = "reactivate", "cancelled_by_run"
            to_reactivate.append(account_id)
        elif billing == "deleted":
            decision, reason = "kept", "v2_deleted"
        else:
            decision, reason = "kept", "already_active"
        rows.append(dict(account_id=account_id, billing_state=(account or {}).get("billing_state"),
                         decision=decision, reason=reason))
    return dict(rows=rows, to_reactivate=to_reactivate)


def cutover_column(records):
    """The report's ``cutover`` value per account from cutover records (oldest first): ``{account_id: text}``.

    ``cancelled (run R)`` for an account a run cancelled, ``re-activated (rollback of run R)`` after its
    rollback, otherwise ``kept: <reason>`` from the latest run that decided about it.
    """
    column = {}
    for record in records or []:
        if not isinstance(record, dict) or record.get("kind") != "nylas_v2_cutover":
            continue
        run = record.get("run_id")
        for account_id, reason in (record.get("decisions") or {}).items():
            if reason == "valid_grant" or (reason == "already_cancelled" and account_id in column):
                continue  # cancelled by this run (below), or an earlier run's cancellation stays shown
            column[account_id] = "kept: %s" % CUTOVER_REASONS.get(reason, reason)
        for account_id in record.get("cancelled") or []:
            column[account_id] = "cancelled (run %s)" % run
        rollback = record.get("rollback") or {}
        for account_id in rollback.get("reactivated") or []:
            column[account_id] = "re-activated (rollback of run %s)" % run
    return column


def with_cutover(rows, column):
    """Add the ``cutover`` value of :func:`cutover_column` to report rows (in place); return the rows.

    A row whose account no cutover run decided about gets ``not cut over``.
    """
    for row in rows or []:
        row["cutover"] = column.get(row.get("account_id"), "not cut over")
    return rows
