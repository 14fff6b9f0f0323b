#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_migration_gate
short_description: Decide go or no-go between the pilot and the batch clone of a Nylas migration
version_added: 0.2.0
description:
  - The migration guide's step 6 says to check that webhooks work with the pilot accounts before moving
    the rest. This module makes it a decision, from three checks, before the batch clone (step 7) starts.
  - C(webhooks) - each URL of O(webhook_urls) has a webhook destination (C(GET /v3/webhooks)) whose
    C(status) is C(active), and it answers a test event (C(POST /v3/webhooks/send-test-event) with
    C(trigger_type) and C(webhook_url); Nylas posts a test payload, signed with C(mock-webhook-secret),
    and answers C(success) when the endpoint acknowledged it).
  - C(pilot_grants) - the v3 grant of each account of O(pilot_account_ids) reads back C(grant_status=valid)
    (C(GET /v3/grants?account_ids=)); a grant that is not valid passes only where the v2 account's clone
    forecast was a placeholder (the account needed re-authentication in v2, or is a Microsoft account Nylas
    does not move silently).
  - C(connectors) - every v3 provider among the remaining accounts (the v2 accounts, C(GET /a/{client_id}/accounts),
    in the scope of O(providers), pilot accounts aside) has a connector (C(GET /v3/connectors)), with app
    credentials (a C(settings.client_id) or an C(active_credential_id)) for the providers that need them
    (Google, Microsoft, Yahoo, Zoom). Clone and batch clone need "a working equivalent authentication
    connector for each provider you use" (Nylas contract).
  - The gate is C(go) when every check passes. Otherwise it is C(no-go) and, with O(fail_on_no_go=true), the
    module fails naming each failed check and why, so the batch does not start. A check that cannot tell
    (for example without v2 credentials) is a no-go outside check mode.
  - The module changes nothing at Nylas (C(changed) is always false). Sending a test event is not a change
    of the application, but it makes Nylas call the endpoint, so check mode never sends it.
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  webhook_urls:
    description:
      - The webhook URLs of the pair; each must exist, be C(active) and answer the test event.
      - Empty, the C(webhooks) check passes (nothing to check; for example a pair notified through Pub/Sub).
    type: list
    elements: str
    default: []
  pilot_account_ids:
    description:
      - The v2 account ids cloned by the pilot; each grant must be C(valid), or the placeholder its clone forecast
        announced. Left out of the remaining accounts.
    type: list
    elements: str
    default: []
  providers:
    description:
      - The v3 providers the batch clone migrates (its C(providers) filter). Empty, every provider.
    type: list
    elements: str
    default: []
  planned_webhooks:
    description:
      - Webhook URLs that this run creates or re-activates before the gate (step 5). In check mode they are
        not made yet, so a missing or inactive one is reported as unknown instead of failed.
    type: list
    elements: str
    default: []
  planned_connectors:
    description:
      - Providers whose connector this run configures with credentials before the gate (step 4). In check
        mode a missing one is reported as unknown instead of failed.
    type: list
    elements: str
    default: []
  import_planned:
    description:
      - Whether this run imports the v2 application's settings before the gate (step 3, for example
        M(nylas.migration.nylas_import_app) reporting C(changed) in check mode). In check mode a provider
        without any connector is then reported as unknown instead of failed (the import may create it).
    type: bool
    default: false
  fail_on_no_go:
    description:
      - Fail the task when the gate is C(no-go) (outside check mode). With V(false) the module succeeds and
        the caller reads RV(gate).
    type: bool
    default: true
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description:
      - In check mode the module reads and judges what it can already tell, sends no test event, and never fails
        on a no-go; checks it cannot tell yet are C(unknown), with the reason.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
seealso:
  - module: nylas.migration.nylas_webhook
  - module: nylas.migration.nylas_grant_clone
  - module: nylas.migration.nylas_batch_clone
  - module: nylas.migration.nylas_connector
"""

EXAMPLES = r"""
- name: Clone a pilot, check it, and only then the rest
  hosts: nylas_apps
  connection: local
  gather_facts: false
  module_defaults:
    group/nylas.migration.nylas:
      api_key: "{{ nylas_api_key }}"
      region: "{{ nylas_region }}"
      api_uri: "{{ nylas_api_uri | default(omit) }}"
      v2_client_id: "{{ nylas_v2_client_id }}"
      v2_client_secret: "{{ nylas_v2_client_secret }}"
      v2_api_uri: "{{ nylas_v2_api_uri | default(omit) }}"
  tasks:
    - name: Pilot
      nylas.migration.nylas_grant_clone:
        account_ids: "{{ pilot_account_ids }}"

    - name: Go / no-go (fails, naming the failed checks, on a no-go)
      nylas.migration.nylas_migration_gate:
        webhook_urls: ["https://hooks.example.com/nylas/{{ inventory_hostname }}/v3"]
        pilot_account_ids: "{{ pilot_account_ids }}"
      register: gate

    - name: Batch clone the rest
      nylas.migration.nylas_batch_clone:
        wait: true
"""

RETURN = r"""
gate:
  description: The decision and its checks.
  returned: success, and on a no-go failure
  type: dict
  contains:
    verdict:
      description: C(go), C(no-go), or C(unknown) (check mode, when a check cannot tell yet).
      type: str
      sample: no-go
    passed:
      description: True for C(go), false for C(no-go), null for C(unknown).
      type: bool
      sample: false
    failed_checks:
      description: The names of the checks that failed (C(webhooks), C(pilot_grants), C(connectors)).
      type: list
      elements: str
      sample: [connectors]
    reason:
      description: Each failed (or, in check mode, unknown) check and why, in one sentence.
      type: str
      sample: "connectors check failed: microsoft: no microsoft connector, so its 12 remaining account(s) cannot be cloned"
    checks:
      description:
        - One entry per check, in the order C(webhooks), C(pilot_grants), C(connectors) - C(name), C(verdict)
          (C(pass), C(fail), C(unknown)), C(reason) and C(items), the judgement of each webhook (C(webhook_url),
          C(id), C(status), C(test_event)), pilot account (C(account_id), C(grant_id), C(grant_status)) or provider
          (C(provider), C(accounts)), each with its C(verdict) and C(reason).
      type: list
      elements: dict
      sample:
        - name: connectors
          verdict: fail
          reason: "microsoft: no microsoft connector, so its 12 remaining account(s) cannot be cloned"
          items:
            - {provider: microsoft, accounts: 12, verdict: fail, reason: "no microsoft connector, so its 12 remaining account(s) cannot be cloned"}
  sample:
    verdict: go
    passed: true
    failed_checks: []
    reason: every check passed (webhooks, pilot_grants, connectors)
    checks: []
gate_summary:
  description: The gate in a few words (C(go), C(no-go (<reason>)), C(cannot tell yet (<reason>))), for a summary line.
  returned: success, and on a no-go failure
  type: str
  sample: "no-go (connectors check failed: microsoft: no microsoft connector, so its 12 remaining account(s) cannot be cloned)"
test_events_sent:
  description: How many test events were sent (never in check mode).
  returned: success, and on a no-go failure
  type: int
  sample: 1
status:
  description: HTTP status of the failed read.
  returned: failure, when the API answered
  type: int
  sample: 401
error_type:
  description: Nylas C(error.type) of the failed read, or a client-side kind such as C(connection_error).
  returned: failure from the API
  type: str
  sample: invalid_request_error
request_id:
  description: Nylas request id of the failed read.
  returned: failure, when the API sent one
  type: str
  sample: 5967ca40-a2d8-4ee0-a0e0-6f18ace39a90
"""

from ansible_collections.nylas.migration.plugins.module_utils.nylas_gate_runner import run_gate
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule


def argument_spec():
    """Return the module's own options (the shared connection options are added by ``NylasModule``)."""
    return dict(
        webhook_urls=dict(type="list", elements="str", default=[]),
        pilot_account_ids=dict(type="list", elements="str", default=[]),
        providers=dict(type="list", elements="str", default=[]),
        planned_webhooks=dict(type="list", elements="str", default=[]),
        planned_connectors=dict(type="list", elements="str", default=[]),
        import_planned=dict(type="bool", default=False),
        fail_on_no_go=dict(type="bool", default=True),
    )


def run_module():
    """Read, test (not in check mode) and judge; fail on a no-go when asked."""
    module = NylasModule(argument_spec=argument_spec(), supports_check_mode=True)
    result = run_gate(module)
    gate = result["gate"]
    if gate["passed"] is False and module.params["fail_on_no_go"] and not module.check_mode:
        module.fail_json(msg="Go/no-go gate: no-go, the batch does not start: %s" % gate["reason"], **result)
    module.exit_json(**result)


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
