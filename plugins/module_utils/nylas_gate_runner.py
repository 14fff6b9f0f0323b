# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The reads of the go/no-go gate, judged by :mod:`nylas_gate_planning`; no decision is made here.

Reads ``GET /v3/webhooks``, the pilot grants (``GET /v3/grants?account_ids=``), ``GET /v3/connectors``
and the v2 accounts (``GET /a/{client_id}/accounts``); outside check mode it sends
``POST /v3/webhooks/send-test-event`` once per active webhook of the pair. It writes nothing at Nylas.
"""

from __future__ import annotations

from ansible_collections.nylas.migration.plugins.module_utils.nylas_batch_planning import normalize_providers
from ansible_collections.nylas.migration.plugins.module_utils.nylas_clone_planning import error_to_dict
from ansible_collections.nylas.migration.plugins.module_utils.nylas_destination_planning import find_destinations
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasError, PlanningError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_gate_planning import (
    batch_already_started,
    combine_check,
    gate_decision,
    gate_line,
    judge_connector,
    judge_pilot_grant,
    judge_webhook,
    pick_test_trigger,
    remaining_providers,
    unknown_check,
)


def run_gate(module):
    """Read, send the test events (not in check mode) and judge; return the module result.

    Args:
        module: the :class:`NylasModule`; params ``webhook_urls``, ``pilot_account_ids``, ``providers``,
            ``planned_webhooks``, ``planned_connectors``.

    Returns:
        ``{"changed": False, "gate": <gate_decision>, "gate_summary": <gate_line>, "test_events_sent": n}``. Fails the module on a read
        error (the gate cannot decide) or a bad ``providers`` list.
    """
    params = module.params
    check_mode = module.check_mode
    try:
        providers = normalize_providers(params["providers"])
    except PlanningError as e:
        module.fail_json(msg="Invalid providers: %s" % e, changed=False)
    sent = [0]
    # the v2 accounts (GET /a/{client_id}/accounts), read once: the pilot's forecast and the remaining providers
    accounts = None
    if module.v2_client is not None:
        accounts = module.call(module.v2_client.list_accounts, msg="Go/no-go gate: failed to list the v2 accounts",
                               changed=False)
    # the migration jobs (GET /v3/migration-tools/jobs): a batch that already started needs no test event
    jobs = module.call(module.client.list_jobs, msg="Go/no-go gate: failed to list the migration jobs",
                       name_endpoint=True, changed=False)
    checks = [
        _webhooks_check(module, params, check_mode, sent, batch_already_started(jobs)),
        _pilot_check(module, params, check_mode, accounts),
        _connectors_check(module, params, providers, check_mode, accounts),
    ]
    gate = gate_decision(checks, check_mode=check_mode)
    return {"changed": False, "gate": gate, "gate_summary": gate_line(gate), "test_events_sent": sent[0]}


def _webhooks_check(module, params, check_mode, sent, batch_job):
    """The ``webhooks`` check: list the webhooks, then (outside check mode) test each active one."""
    urls = list(dict.fromkeys(params["webhook_urls"] or []))
    if not urls:
        return combine_check("webhooks", [], "no webhook declared for this pair", "webhook_url")
    client = module.client
    current = module.call(client.list_webhooks, msg="Go/no-go gate: failed to list the webhooks",
                          name_endpoint=True, changed=False)
    planned = set(params["planned_webhooks"] or [])
    items = []
    for url in urls:
        webhook = (find_destinations(current, "webhook", url) or [None])[0]
        answer = error = None
        if not check_mode and not batch_job and webhook is not None and webhook.get("status") in (None, "active"):
            try:
                answer = client.send_test_event(pick_test_trigger(webhook), url)
            except NylasError as e:
                error = error_to_dict(e)
            sent[0] += 1
        items.append(judge_webhook(url, webhook, test_answer=answer, test_error=error, check_mode=check_mode,
                                   planned=url in planned, batch_job=batch_job))
    return combine_check("webhooks", items, "", "webhook_url")


def _pilot_check(module, params, check_mode, accounts):
    """The ``pilot_grants`` check: the grant of each pilot account, beside its v2 account's forecast."""
    ids = list(dict.fromkeys(params["pilot_account_ids"] or []))
    if not ids:
        return combine_check("pilot_grants", [], "no pilot account for this pair", "account_id")
    grants = module.call(module.client.find_grants_by_account_ids, ids,
                         msg="Go/no-go gate: failed to read the pilot grants", changed=False)
    v2_by_id = {a.get("id"): a for a in accounts or [] if isinstance(a, dict)}
    items = [judge_pilot_grant(i, (grants or {}).get(i), check_mode=check_mode, v2_account=v2_by_id.get(i))
             for i in ids]
    return combine_check("pilot_grants", items, "", "account_id")


def _connectors_check(module, params, providers, check_mode, accounts):
    """The ``connectors`` check: the providers of the remaining v2 accounts against the connectors."""
    if accounts is None:
        return unknown_check("connectors", "the v2 accounts cannot be read without v2 credentials, so the "
                                           "providers of the remaining accounts are unknown")
    counts = remaining_providers(accounts, params["pilot_account_ids"], providers)
    if not counts:
        return combine_check("connectors", [], "no remaining account with a v3 provider", "provider")
    connectors = module.call(module.client.list_connectors, msg="Go/no-go gate: failed to list the connectors",
                             changed=False)
    by_provider = {c.get("provider"): c for c in connectors or [] if isinstance(c, dict)}
    planned = set(params["planned_connectors"] or [])
    items = [judge_connector(p, n, by_provider.get(p), check_mode=check_mode, planned=p in planned,
                             import_planned=params["import_planned"])
             for p, n in counts.items()]
    return combine_check("connectors", items, "", "provider")
