#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_v2_webhook_parity
short_description: Propose the v3 webhooks that replace a v2 application's webhooks; optionally set the v2 ones inactive
version_added: 0.2.0
description:
  - Reads the v2 webhooks of the pair (C(GET /a/{client_id}/webhooks), HTTP Basic with the v2 client
    secret as user name) and the v3 webhook destinations (C(GET /v3/webhooks)), and proposes one v3
    destination per v2 callback URL with the v3 equivalents of its triggers. The Nylas import does not
    copy webhooks.
  - The proposal is data (RV(proposals)) and inventory YAML (RV(inventory_yaml), the C(nylas_webhooks)
    variable of C(playbooks/migrate.yml)) for the operator to review and commit. It creates nothing at
    Nylas; C(playbooks/cutover.yml) creates the proposed destinations through
    M(nylas.migration.nylas_webhook) when asked to.
  - "The trigger map (v2 -> v3), also in RV(trigger_map): C(account.connected) -> C(grant.created);
    C(account.invalid) -> C(grant.expired); C(message.created), C(message.updated), C(message.opened),
    C(message.link_clicked), C(thread.replied), C(contact.updated), C(contact.deleted),
    C(calendar.created|updated|deleted), C(event.created|updated|deleted) -> the same name;
    C(message.bounced) -> C(message.bounce_detected) (Google, Microsoft Graph, iCloud and Yahoo only).
    No v3 equivalent: C(account.running), C(account.stopped), C(account.sync_error), C(job.successful),
    C(job.failed) (Nylas: no longer needed, v3 has no sync jobs) and C(contact.created) (v3 has no such
    trigger). Those are listed in RV(unmapped), never dropped silently."
  - v3 notifications have another payload than v2 ones; a v3 destination usually needs a new endpoint.
    O(webhook_url_map) gives it; a URL not in the map keeps its v2 URL.
  - With O(deactivate_v2_webhooks=true), sets inactive (C(PUT /a/{client_id}/webhooks/{id}) with
    the state C(inactive)) each active v2 webhook whose proposed v3 destination exists with every
    mapped trigger. Idempotent, an inactive v2 webhook is not sent again. Check mode lists them only.
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  webhook_url_map:
    description: The v3 destination URL per v2 callback URL (keys are v2 URLs, values v3 URLs).
    type: dict
    default: {}
  include_inactive:
    description: Also propose destinations for v2 webhooks that are inactive (skipped by default).
    type: bool
    default: false
  deactivate_v2_webhooks:
    description:
      - Set inactive the active v2 webhooks whose v3 destination exists with every mapped trigger.
      - Reversible (a v2 webhook can be set active again in the v2 dashboard or API).
    type: bool
    default: false
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description: Returns the proposal and the v2 webhooks it would set inactive; sends no write.
  diff_mode:
    support: none
    description: The results list the proposal and the v2 webhooks set inactive; there is no diff.
seealso:
  - module: nylas.migration.nylas_webhook
  - module: nylas.migration.nylas_v2_cutover
"""

EXAMPLES = r"""
- name: Propose the v3 webhooks of the pair
  nylas.migration.nylas_v2_webhook_parity:
    webhook_url_map:
      https://hooks.example.com/acme/v2/messages: https://hooks.example.com/acme/v3/messages
  register: parity

- name: Print the proposal as inventory YAML to review and commit
  ansible.builtin.debug:
    msg: "{{ parity.inventory_yaml }}"

- name: Create the proposed destinations (opt-in)
  nylas.migration.nylas_webhook:
    webhook_url: "{{ item.webhook_url }}"
    trigger_types: "{{ item.trigger_types }}"
    description: "{{ item.description }}"
  loop: "{{ parity.proposals }}"

- name: Then set the v2 webhooks inactive
  nylas.migration.nylas_v2_webhook_parity:
    deactivate_v2_webhooks: true
"""

RETURN = r"""
proposals:
  description: One proposed v3 destination per v3 URL (v2 webhooks with the same target URL are merged).
  returned: always
  type: list
  elements: dict
  contains:
    webhook_url:
      description: The v3 destination URL.
      type: str
      sample: https://hooks.example.com/acme/v3/messages
    trigger_types:
      description: The v3 trigger types (sorted).
      type: list
      elements: str
      sample: ["message.created", "message.opened"]
    description:
      description: A description naming the v2 webhooks it replaces.
      type: str
      sample: Migrated from v2 webhook 3c9f1a2b4d5e6f708192a3b4c
    v2_webhook_ids:
      description: The v2 webhooks it replaces.
      type: list
      elements: str
      sample: ["3c9f1a2b4d5e6f708192a3b4c"]
    v3_status:
      description: C(present) (a v3 destination with this URL has every trigger), C(differs) or C(missing).
      type: str
      sample: missing
  sample:
    - webhook_url: https://hooks.example.com/acme/v2/accounts
      trigger_types: ["grant.created", "grant.expired"]
      description: Migrated from v2 webhook 3c9f1a2b4d5e6f708192a3b4c
      v2_webhook_ids: ["3c9f1a2b4d5e6f708192a3b4c"]
      v3_status: missing
unmapped:
  description: The v2 triggers with no v3 equivalent, per v2 webhook, and why.
  returned: always
  type: list
  elements: dict
  sample: [{v2_webhook_id: 3c9f1a2b4d5e6f708192a3b4c, callback_url: "https://hooks.example.com/a",
            trigger: account.running, reason: "v3 has no sync jobs: Nylas says account.running is no longer needed"}]
skipped:
  description: The v2 webhooks for which nothing is proposed (inactive, or no trigger with a v3 equivalent).
  returned: always
  type: list
  elements: dict
  sample: [{v2_webhook_id: 9a8b7c6d5e4f30211f2e3d4c5, callback_url: "https://hooks.example.org/globex/v2/accounts",
            reason: the v2 webhook is inactive}]
trigger_map:
  description: The whole trigger map (v3_trigger null when there is no v3 equivalent).
  returned: always
  type: list
  elements: dict
  sample: [{v2_trigger: account.connected, v3_trigger: grant.created, note: v3 calls a connected account a grant}]
inventory_yaml:
  description: The proposals as the C(nylas_webhooks) inventory variable, to review and commit.
  returned: always
  type: str
  sample: "nylas_webhooks:\n  - webhook_url: \"https://hooks.example.com/acme/v2/accounts\"\n    ..."
v2_webhooks:
  description: The v2 webhooks as read (C(id), C(callback_url), C(state), C(triggers), ...), after the task.
  returned: always
  type: list
  elements: dict
  sample: [{id: 3c9f1a2b4d5e6f708192a3b4c, application_id: v2-us-acme, callback_url: "https://hooks.example.com/a",
            state: active, triggers: ["message.created"], version: "2.0"}]
deactivation:
  description: Per v2 webhook, whether it is (or would be) set inactive (C(action) C(deactivate) or C(none)) and why.
  returned: always
  type: list
  elements: dict
  sample: [{v2_webhook_id: 3c9f1a2b4d5e6f708192a3b4c, callback_url: "https://hooks.example.com/a",
            action: deactivate, reason: "its v3 destination https://hooks.example.com/a exists"}]
deactivated:
  description: The v2 webhook ids this task set inactive (empty in check mode or without O(deactivate_v2_webhooks)).
  returned: always
  type: list
  elements: str
  sample: ["3c9f1a2b4d5e6f708192a3b4c"]
status:
  description: HTTP status of the failed request.
  returned: failure from the API
  type: int
  sample: 404
error_type:
  description: Nylas error type or a client-side kind.
  returned: failure from the API
  type: str
  sample: not_found_error
request_id:
  description: Nylas request id of the failed request.
  returned: failure, when the API sent one
  type: str
  sample: 5967ca40-a2d8-4ee0-a0e0-6f18ace39a90
field:
  description: The field of the answer that broke the contract the module relies on (for example C(data), C(data[0].account_id), C(body)).
  returned: failure, when an answer broke the contract
  type: str
  sample: data[0].account_id
method:
  description: HTTP method of the failed request.
  returned: failure from the API
  type: str
  sample: GET
path:
  description: Path of the failed request (no query string).
  returned: failure from the API
  type: str
  sample: /a/v2-us-acme/webhooks
attempts:
  description: How many times the failed request was sent.
  returned: failure from the API
  type: int
  sample: 1
outcome_unknown:
  description: Whether the failed request may have taken effect.
  returned: failure from the API
  type: bool
  sample: false
"""

from ansible_collections.nylas.migration.plugins.module_utils.nylas_cutover_planning import (
    destination_status,
    inventory_yaml,
    plan_webhook_deactivation,
    propose_destinations,
    trigger_map_table,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule


def argument_spec():
    """Return the module's own options (the shared connection options are added by ``NylasModule``)."""
    return dict(
        webhook_url_map=dict(type="dict", default={}),
        include_inactive=dict(type="bool", default=False),
        deactivate_v2_webhooks=dict(type="bool", default=False),
    )


def run_module():
    """Read the v2 and v3 webhooks, propose, and (asked, not in check mode) set v2 webhooks inactive."""
    module = NylasModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    if not module.has_v2_credentials():
        module.fail_json(msg="v2_client_id and v2_client_secret are required to read the v2 webhooks", changed=False)
    result = dict(changed=False, trigger_map=trigger_map_table(), deactivated=[])
    v2_webhooks = module.call(module.v2_client.list_webhooks, msg="Failed to list the v2 webhooks", **result)
    v3_webhooks = module.call(module.client.list_webhooks, msg="Failed to list the v3 webhooks", **result)
    proposal = propose_destinations(v2_webhooks, params["webhook_url_map"], params["include_inactive"])
    for item in proposal["proposals"]:
        item["v3_status"] = destination_status(item, v3_webhooks)
    decisions = plan_webhook_deactivation(v2_webhooks, proposal["proposals"], v3_webhooks)
    result.update(proposal, inventory_yaml=inventory_yaml(proposal["proposals"]), v2_webhooks=v2_webhooks,
                  deactivation=decisions)
    if not params["deactivate_v2_webhooks"] or module.check_mode:
        module.exit_json(**result)
    by_id = {h.get("id"): i for i, h in enumerate(v2_webhooks)}
    for row in decisions:
        if row["action"] != "deactivate":
            continue
        updated = module.call(module.v2_client.update_webhook_state, row["v2_webhook_id"], "inactive",
                              msg="Failed to set the v2 webhook %s inactive" % row["v2_webhook_id"], **result)
        result["deactivated"].append(row["v2_webhook_id"])
        result["changed"] = True
        v2_webhooks[by_id[row["v2_webhook_id"]]] = updated
    module.exit_json(**result)


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
