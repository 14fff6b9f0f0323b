#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_pubsub_channel
short_description: Create, update or delete a Nylas v3 Pub/Sub notification channel
version_added: 0.1.0
description:
  - Manages the Pub/Sub notification channel of one Google Cloud Pub/Sub O(topic) in the v3
    application of O(api_key), step 5 of the Nylas v2 to v3 migration (C(POST /v3/channels/pubsub),
    C(PUT /v3/channels/pubsub/{id}), C(DELETE /v3/channels/pubsub/{id})). An alternative or a
    complement to M(nylas.migration.nylas_webhook).
  - Subscribe to v3 notifications before moving any account, so that no change made during the
    migration is missed.
  - Idempotent. Reads C(GET /v3/channels/pubsub), matches the channel by its exact topic, and writes
    only what differs. O(trigger_types) and O(notification_email_addresses) are compared as sets
    (order and repeats never make a change); options not given are not managed; fields the server
    adds (C(id), timestamps) are ignored.
  - A channel whose C(status) is not C(active) (C(failing), C(failed) or C(pause)) is drift, and the module
    re-activates it (C(PUT /v3/channels/pubsub/{id}) with C(status=active)); check mode and C(--diff) show it.
  - Deleting a channel someone else deleted meanwhile (HTTP 404, or the contract's HTTP 400 of type
    C(70000), C(record not found)) is not a failure; the module warns.
  - Several channels with the same topic make V(present) fail before any write (which one to manage
    is ambiguous); V(absent) deletes them all.
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  topic:
    description:
      - The Google Cloud Pub/Sub topic Nylas publishes to, for example
        V(projects/my-project/topics/nylas-notifications); it identifies the channel (exact match).
      - The full Pub/Sub name C(projects/<project>/topics/<topic>) (contract). Any other form fails before any
        request. Checked only for O(state=present); V(absent) deletes whatever channel has the topic.
      - B(Before the channel is created), the topic must let Nylas publish to it. Grant Nylas's service account
        the Pub/Sub Publisher role (C(roles/pubsub.publisher)) on the topic, for example with
        C(gcloud pubsub topics add-iam-policy-binding <topic> --member=serviceAccount:<Nylas service account>
        --role=roles/pubsub.publisher). The service account to grant is named in Nylas's guide "Using a Pub/Sub
        notification channel" (U(https://developer.nylas.com/docs/v3/notifications/pubsub-channel/)); Nylas cannot
        deliver to a topic without that grant, and the API does not check it when the channel is created.
    type: str
    required: true
  state:
    description:
      - V(present) creates the channel or updates it to match; V(absent) deletes it.
      - Deleting a channel that does not exist is not a change.
    type: str
    choices: [present, absent]
    default: present
  trigger_types:
    description:
      - The notification types to publish, for example V(grant.created) or V(message.created).
      - Compared as a set. Required with O(state=present).
    type: list
    elements: str
  description:
    description:
      - A description of the channel. Not managed when not given.
    type: str
  notification_email_addresses:
    description:
      - Addresses Nylas emails when the channel fails. Compared as a set. Not managed when not given.
    type: list
    elements: str
  compressed_delivery:
    description:
      - Whether Nylas publishes notifications compressed. Not managed when not given.
    type: bool
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the channels, makes no write and returns the predicted channel.
  diff_mode:
    support: full
    description: Shows the changed fields before and after.
notes:
  - The Nylas contract has no secret for Pub/Sub channels (Google Cloud IAM authorizes the publisher),
    so this module returns none.
seealso:
  - module: nylas.migration.nylas_webhook
"""

EXAMPLES = r"""
- name: Publish each application pair's v3 notifications to Google Cloud Pub/Sub
  hosts: nylas_apps
  connection: local
  gather_facts: false
  module_defaults:
    group/nylas.migration.nylas:
      api_key: "{{ nylas_api_key }}"
      region: "{{ nylas_region }}"
      api_uri: "{{ nylas_api_uri | default(omit) }}"
  tasks:
    - name: Pub/Sub channel for grant and message notifications (trigger order does not matter)
      nylas.migration.nylas_pubsub_channel:
        topic: "projects/example-project/topics/nylas-{{ inventory_hostname }}"
        description: v3 notifications of {{ inventory_hostname }}
        trigger_types:
          - message.created
          - grant.expired
          - grant.created
        notification_email_addresses:
          - ops@example.com
      register: channel

    - name: Show the channel
      ansible.builtin.debug:
        msg: "{{ channel.pubsub_channel.id | default('(check mode)') }} publishes to {{ channel.pubsub_channel.topic }}"

    - name: Remove an old channel (not a change when there is none)
      nylas.migration.nylas_pubsub_channel:
        topic: projects/example-project/topics/nylas-old
        state: absent
"""

RETURN = r"""
pubsub_channel:
  description:
    - The Pub/Sub channel after the task, as the API returns it.
    - In check mode, the predicted channel (no C(id) when it would be created).
    - V(null) when no channel has the topic after the task (O(state=absent)).
  returned: success
  type: dict
  contains:
    id:
      description: The id of the channel.
      type: str
      sample: 7a1e2d3c4b5a69788796a5b4c3d2e1f0
    topic:
      description: The Pub/Sub topic notifications are published to.
      type: str
      sample: projects/example-project/topics/nylas-acme
    trigger_types:
      description: The notification types published.
      type: list
      elements: str
      sample: ["grant.created", "message.created"]
    description:
      description: The description of the channel.
      type: str
      sample: v3 notifications of acme
    status:
      description: The status of the channel (C(active), C(pause), C(failing), C(failed)).
      type: str
      sample: active
    notification_email_addresses:
      description: Addresses emailed when the channel fails.
      type: list
      elements: str
      sample: ["ops@example.com"]
    compressed_delivery:
      description: Whether notifications are published compressed.
      type: bool
      sample: false
  sample:
    id: 7a1e2d3c4b5a69788796a5b4c3d2e1f0
    topic: projects/example-project/topics/nylas-acme
    trigger_types: ["grant.created", "message.created"]
    description: v3 notifications of acme
    status: active
    notification_email_addresses: ["ops@example.com"]
    compressed_delivery: false
notes:
  description:
    - What must hold for the planned write, in words (for example that a C(failed) channel is re-activated).
    - Empty when nothing changes. In check mode C(diff.after) also holds it.
  returned: success
  type: list
  elements: str
  sample: ["The Pub/Sub channel projects/acme/topics/nylas is failed, so Nylas sends it nothing; the run re-activates it (status active)"]
planned_requests:
  description:
    - In check mode, the create, update or delete request(s) the module would send, as data (C(method), C(path), C(query), C(body));
      empty when nothing would change or outside check mode.
  returned: success
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/v3/channels/pubsub", "query": {}, "body": {"topic": "projects/acme/topics/nylas", "trigger_types": ["grant.created"]}}]
diff:
  description:
    - The changed fields before and after (only with C(--diff)).
    - In check mode C(after) also holds RV(planned_requests) and RV(notes).
  returned: when diff mode is on
  type: dict
  sample:
    before: {"trigger_types": ["grant.created"]}
    after: {"trigger_types": ["grant.created", "message.created"]}
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
  sample: /v3/channels/pubsub
attempts:
  description: How many times the failed request was sent.
  returned: failure from the API
  type: int
  sample: 1
outcome_unknown:
  description:
    - Whether the failed write's outcome is unknown (it may have happened); a create is settled by re-reading the
      channels for O(settle_time) seconds and re-sending it once, and was still not seen.
  returned: failure from the API
  type: bool
  sample: false
"""

from ansible_collections.nylas.migration.plugins.module_utils.nylas_destination_runner import (
    DestinationApi,
    run_destination,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule
from ansible_collections.nylas.migration.plugins.module_utils.nylas_destination_planning import pubsub_topic_problem
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import (
    create_pubsub_channel_request,
    delete_pubsub_channel_request,
    update_pubsub_channel_request,
)


def argument_spec():
    """Return the module's own options (the shared connection options are added by ``NylasModule``)."""
    return dict(
        topic=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        trigger_types=dict(type="list", elements="str"),
        description=dict(type="str"),
        notification_email_addresses=dict(type="list", elements="str"),
        compressed_delivery=dict(type="bool"),
    )


def run_module():
    """Read the Pub/Sub channels, plan, and (not in check mode) create, update or delete the one of the topic."""
    module = NylasModule(argument_spec=argument_spec(), supports_check_mode=True,
                         required_if=[("state", "present", ["trigger_types"])])
    problem = pubsub_topic_problem(module.params["topic"]) if module.params["state"] == "present" else None
    if problem:
        module.fail_json(msg="Invalid Pub/Sub topic: %s" % problem, changed=False)
    client = module.client
    api = DestinationApi("pubsub", "Pub/Sub channel", "topic", "the Pub/Sub channel of %s",
                         client.list_pubsub_channels, client.create_pubsub_channel, client.update_pubsub_channel,
                         client.delete_pubsub_channel,
                         requests=dict(create=create_pubsub_channel_request, update=update_pubsub_channel_request,
                                       delete=delete_pubsub_channel_request))
    module.exit_json(**run_destination(module, api, module.params["topic"], "pubsub_channel"))


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
