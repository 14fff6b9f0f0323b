#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_webhook
short_description: Create, update or delete a Nylas v3 webhook destination
version_added: 0.1.0
description:
  - Manages the webhook destination of one O(webhook_url) in the v3 application of O(api_key),
    step 5 of the Nylas v2 to v3 migration (C(POST /v3/webhooks), C(PUT /v3/webhooks/{id}),
    C(DELETE /v3/webhooks/{id})). The v2 import does not migrate webhooks.
  - Subscribe to v3 notifications before moving any account, so that no change made during the
    migration is missed.
  - Idempotent. Reads C(GET /v3/webhooks), matches the destination by its exact URL, and writes
    only what differs. O(trigger_types) and O(notification_email_addresses) are compared as sets
    (order and repeats never make a change); options not given are not managed; fields the server
    adds (C(id), timestamps) are ignored.
  - A destination whose C(status) is not C(active) (C(failing), C(failed) or C(pause)) is drift, as Nylas sends
    a failed or paused destination nothing. The module re-activates it (C(PUT /v3/webhooks/{id}) with
    C(status=active)); check mode and C(--diff) show that change.
  - B(The endpoint must be live before the run.) Creating a webhook and re-activating one make Nylas verify
    the URL first by sending C(GET <webhook_url>?challenge=<value>); the endpoint must answer 200 with
    exactly C(<value>) within 10 seconds. Otherwise Nylas refuses the write (HTTP 400, type C(70005)), and
    the module fails naming the URL, what the endpoint answered and the request id. Check mode makes no
    request to the endpoint; its result says which writes need it (RV(notes)).
  - Deleting a destination someone else deleted meanwhile (HTTP 404, or the contract's HTTP 400 of type
    C(70000), C(record not found)) is not a failure; the module warns.
  - Several destinations with the same URL make V(present) fail before any write (which one to
    manage is ambiguous); V(absent) deletes them all.
  - Nylas returns the webhook secret (used to verify the C(X-Nylas-Signature) of notifications)
    once, in the answer to the creation, and never again. The module never puts it in C(webhook),
    in the diff, in warnings or in messages. With O(return_secret=false) (the default) it is
    discarded (with a warning), so nothing can leak; with O(return_secret=true) it is returned
    under RV(webhook_secret), and only to a task that runs with C(no_log) set to true, so the playbook
    never prints it and the job log never stores it. See the examples for saving it to a
    vault-encrypted file.
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  webhook_url:
    description:
      - The URL Nylas sends the notifications to; it identifies the destination (exact match).
      - It must be reachable from Nylas over public HTTPS, and answer Nylas's verification challenge (see
        the description). Nylas blocks ngrok URLs. (Plain HTTP for C(localhost) is the rule of OAuth
        redirect URIs, not of webhooks.)
    type: str
    required: true
  state:
    description:
      - V(present) creates the destination or updates it to match; V(absent) deletes it.
      - Deleting a destination that does not exist is not a change.
    type: str
    choices: [present, absent]
    default: present
  trigger_types:
    description:
      - The notification types to send, for example V(grant.created) or V(message.created).
      - Compared as a set. Required with O(state=present).
    type: list
    elements: str
  description:
    description:
      - A description of the destination. Not managed when not given.
    type: str
  notification_email_addresses:
    description:
      - Addresses Nylas emails when the destination fails. Compared as a set. Not managed when not given.
    type: list
    elements: str
  compressed_delivery:
    description:
      - Whether Nylas sends notifications compressed. Not managed when not given.
    type: bool
  return_secret:
    description:
      - Return the webhook secret of a destination this task creates, under RV(webhook_secret).
      - Requires C(no_log) set to true on the task; the module fails before any request otherwise.
      - With V(false), the secret Nylas returns on creation is discarded and the module warns.
        Nylas can rotate a secret later (dashboard or API).
      - Has no effect when the destination already exists (Nylas never returns the secret again).
    type: bool
    default: false
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the destinations, makes no write and returns the predicted destination.
  diff_mode:
    support: full
    description: Shows the changed fields before and after; the webhook secret never appears.
seealso:
  - module: nylas.migration.nylas_pubsub_channel
  - module: nylas.migration.nylas_connector
"""

EXAMPLES = r"""
- name: Subscribe each application pair to v3 notifications
  hosts: nylas_apps
  connection: local
  gather_facts: false
  module_defaults:
    group/nylas.migration.nylas:
      api_key: "{{ nylas_api_key }}"
      region: "{{ nylas_region }}"
      api_uri: "{{ nylas_api_uri | default(omit) }}"
  vars:
    webhook_url: "https://hooks.example.com/nylas/{{ inventory_hostname }}/v3"
    # The password that encrypts the saved secret. Keep it in ansible-vault or an AWX credential.
    webhook_secret_vault_password: demo-vault-password-NOT-REAL
  tasks:
    - name: Webhook for grant and message notifications (trigger order does not matter)
      nylas.migration.nylas_webhook:
        webhook_url: "{{ webhook_url }}"
        description: v3 notifications of {{ inventory_hostname }}
        trigger_types:
          - grant.created
          - grant.expired
          - message.created
        notification_email_addresses:
          - ops@example.com
        return_secret: true
      register: hook
      no_log: true  # required by return_secret: the secret is never printed

    - name: Save the webhook secret to a vault-encrypted file (only on the run that created the webhook)
      ansible.builtin.copy:
        content: "{{ hook.webhook_secret | ansible.builtin.vault(webhook_secret_vault_password) }}"
        dest: "{{ playbook_dir }}/{{ inventory_hostname }}-webhook-secret.vault"
        mode: "0600"
        decrypt: false  # write the vault-encrypted text as it is
      when: hook.webhook_secret is defined
      no_log: true

    - name: Show the webhook (the result has no secret)
      ansible.builtin.debug:
        msg: "{{ hook.webhook.id | default('(check mode)') }} {{ hook.webhook.webhook_url }} changed={{ hook.changed }}"

    - name: Remove an old destination (not a change when there is none)
      nylas.migration.nylas_webhook:
        webhook_url: https://hooks.example.com/nylas/old
        state: absent
"""

RETURN = r"""
webhook:
  description:
    - The webhook destination after the task, as the API returns it, without the webhook secret.
    - In check mode, the predicted destination (no C(id) when it would be created).
    - V(null) when no destination has the URL after the task (O(state=absent)).
  returned: success
  type: dict
  contains:
    id:
      description: The id of the destination.
      type: str
      sample: 5f0d9b2c8e4a4b7f9c1d2e3f4a5b6c7d
    webhook_url:
      description: The URL notifications are sent to.
      type: str
      sample: https://hooks.example.com/nylas/acme/v3
    trigger_types:
      description: The notification types sent.
      type: list
      elements: str
      sample: ["grant.created", "message.created"]
    description:
      description: The description of the destination.
      type: str
      sample: v3 notifications of acme
    status:
      description: The status of the destination (C(active), C(pause), C(failing), C(failed)).
      type: str
      sample: active
    notification_email_addresses:
      description: Addresses emailed when the destination fails.
      type: list
      elements: str
      sample: ["ops@example.com"]
    compressed_delivery:
      description: Whether notifications are sent compressed.
      type: bool
      sample: false
  sample:
    id: 5f0d9b2c8e4a4b7f9c1d2e3f4a5b6c7d
    webhook_url: https://hooks.example.com/nylas/acme/v3
    trigger_types: ["grant.created", "message.created"]
    description: v3 notifications of acme
    status: active
    notification_email_addresses: ["ops@example.com"]
    compressed_delivery: false
webhook_secret:
  description:
    - The secret of the webhook created by this task, to verify the C(X-Nylas-Signature) of notifications.
    - Nylas returns it once; save it (see the examples). Only with O(return_secret=true), which requires C(no_log) set to true.
  returned: when the task created the destination and O(return_secret=true)
  type: str
  sample: 3f1c0b7e9a2d4c6b8e0f1a3c5e7b9d1f
notes:
  description:
    - What must hold for the planned write, in words, for example that the endpoint must be live and answer
      Nylas's challenge (a create or a re-activation), or that a C(failed) destination is re-activated.
    - Empty when nothing changes. In check mode C(diff.after) also holds it.
  returned: success
  type: list
  elements: str
  sample:
    - "Nylas verifies https://hooks.example.com/nylas/acme/v3 before this write: it sends GET
      https://hooks.example.com/nylas/acme/v3?challenge=<value> and the endpoint must be live, reachable over
      public HTTPS (not ngrok, which Nylas blocks) and answer 200 with exactly <value> within 10 s, or the write fails"
planned_requests:
  description:
    - In check mode, the create, update or delete request(s) the module would send, as data (C(method), C(path), C(query), C(body));
      empty when nothing would change or outside check mode.
  returned: success
  type: list
  elements: dict
  sample: [{"method": "PUT", "path": "/v3/webhooks/wh-1", "query": {}, "body": {"trigger_types": ["grant.created", "message.created"],
            "status": "active"}}]
diff:
  description:
    - The changed fields before and after (only with C(--diff)); never the webhook secret.
    - With a re-activation, C(status) before and after (C(failed) -> C(active)).
    - In check mode C(after) also holds RV(planned_requests) and RV(notes).
  returned: when diff mode is on
  type: dict
  sample:
    before: {"trigger_types": ["grant.created"], "status": "failed"}
    after: {"trigger_types": ["grant.created", "message.created"], "status": "active"}
status:
  description: HTTP status of the failed request.
  returned: failure, when the API answered
  type: int
  sample: 400
error_type:
  description: Nylas C(error.type) of the failure, or a client-side kind such as C(connection_error) or C(non_json_response).
  returned: failure from the API
  type: str
  sample: bad_request
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
  sample: POST
path:
  description: Path of the failed request (no query string).
  returned: failure from the API
  type: str
  sample: /v3/webhooks
attempts:
  description: How many times the failed request was sent.
  returned: failure from the API
  type: int
  sample: 1
outcome_unknown:
  description:
    - Whether the failed write's outcome is unknown (it may have happened); a create is settled by re-reading the
      webhooks for O(settle_time) seconds and re-sending it once, and was still not seen.
  returned: failure from the API
  type: bool
  sample: false
"""

from ansible_collections.nylas.migration.plugins.module_utils.nylas_destination_runner import (
    DestinationApi,
    run_destination,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import (
    create_webhook_request,
    delete_webhook_request,
    update_webhook_request,
)


def argument_spec():
    """Return the module's own options (the shared connection options are added by ``NylasModule``)."""
    return dict(
        webhook_url=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        trigger_types=dict(type="list", elements="str"),
        description=dict(type="str"),
        notification_email_addresses=dict(type="list", elements="str"),
        compressed_delivery=dict(type="bool"),
        return_secret=dict(type="bool", default=False),
    )


def run_module():
    """Read the webhooks, plan, and (not in check mode) create, update or delete the one of the URL."""
    module = NylasModule(argument_spec=argument_spec(), supports_check_mode=True,
                         required_if=[("state", "present", ["trigger_types"])])
    params = module.params
    if params["return_secret"] and not module.no_log:
        module.fail_json(msg="return_secret requires no_log: true on the task, so that the webhook secret is "
                             "never printed nor stored in the job log", changed=False)
    client = module.client
    api = DestinationApi("webhook", "webhook", "URL", "the webhook %s", client.list_webhooks, client.create_webhook,
                         client.update_webhook, client.delete_webhook,
                         requests=dict(create=create_webhook_request, update=update_webhook_request,
                                       delete=delete_webhook_request))

    def take_secret(created):
        """Return the secret Nylas sends once on creation, or mask and discard it (``return_secret: false``)."""
        secret = created.get("webhook_secret")
        if not secret:
            return {}
        if params["return_secret"]:
            return {"webhook_secret": secret}
        module.add_secrets(secret)  # masked everywhere: a discarded secret can never leak
        module.warn("Nylas returned the secret of the new webhook %s once; it was discarded because "
                    "return_secret is false. Rotate the secret in Nylas to get a new one" % created.get("id"))
        return {}

    module.exit_json(**run_destination(module, api, params["webhook_url"], "webhook", on_created=take_secret))


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
