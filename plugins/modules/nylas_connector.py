#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_connector
short_description: Create, update or delete a Nylas v3 connector
version_added: 0.1.0
description:
  - Manages the connector (integration) of one O(provider) in the v3 application of O(api_key),
    step 4 of the Nylas v2 to v3 migration (C(POST /v3/connectors),
    C(PATCH /v3/connectors/{provider}), C(DELETE /v3/connectors/{provider})).
  - Idempotent. Reads C(GET /v3/connectors/{provider}) first and writes only what differs.
    O(scope) is compared as a set (order and repeats never make a change); settings keys that are
    not given, and fields the server adds, are ignored.
  - Secret settings (O(settings.client_secret)) are write-only in Nylas, which never returns them, so
    they cannot be compared. They count as a change only when the connector is created, or when
    O(update_secrets=true).
  - C(PATCH /v3/connectors/{provider}) B(replaces) the nested C(settings) object with the one sent (the contract says
    that Nylas replaces all data in the nested object). So a settings change (for example a new
    O(settings.client_id)) sends the whole object - the current settings not given here, the ones given,
    and every secret. Google, Microsoft, Yahoo and Zoom connectors need O(settings.client_secret); a
    settings change without it would drop it and break every OAuth and clone of that provider, so the
    module refuses it before any write (also in check mode), naming the missing secret. A change of
    O(scope) alone sends no settings and needs no secret. Check mode and C(--diff) show the replacement.
  - Secrets never appear in the module's output. They are C(no_log), and diffs and returned objects
    show them as C(********).
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  provider:
    description:
      - The provider of the connector. A v3 application has at most one connector per provider.
    type: str
    required: true
    choices: [google, microsoft, imap, icloud, yahoo, ews, virtual-calendar, zoom, nylas]
  state:
    description:
      - V(present) creates the connector or updates it to match; V(absent) deletes it.
      - Deleting a connector that does not exist is not a change.
    type: str
    choices: [present, absent]
    default: present
  settings:
    description:
      - The provider settings of the connector (the OAuth app of the provider, for example).
      - Suboptions not given are not managed, and kept, as an update sends them as they are, since Nylas
        replaces the whole settings object. A settings update must include O(settings.client_secret) for
        the providers that need one (see the description).
      - IMAP, iCloud, EWS and virtual calendar connectors need no settings.
    type: dict
    suboptions:
      client_id:
        description: The client id of the provider's OAuth app (Google, Microsoft, Yahoo, Zoom).
        type: str
      client_secret:
        description:
          - The client secret of the provider's OAuth app. Write-only, see O(update_secrets).
        type: str
      tenant:
        description: The Microsoft tenant (for example V(common) or a tenant id).
        type: str
      topic_name:
        description: The Google Pub/Sub topic used for Gmail real-time sync.
        type: str
  scope:
    description:
      - The default scopes the connector asks users for. Compared as a set.
      - Not managed when not given.
    type: list
    elements: str
  update_secrets:
    description:
      - Send the secret settings (O(settings.client_secret)) to an existing connector.
      - Nylas never returns secrets, so they cannot be compared; with V(true) and a secret given, every
        run patches the connector and reports a change. Use it once, when you rotate the secret.
    type: bool
    default: false
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the connector, makes no write and returns the predicted connector.
  diff_mode:
    support: full
    description: Shows the changed fields (C(settings), C(scope)) before and after, secrets masked.
notes:
  - M(nylas.migration.nylas_import_app) creates connectors from the v2 integrations; Microsoft connectors
    then need the client id and secret of a new Azure app registration, which this module sets.
seealso:
  - module: nylas.migration.nylas_import_app
  - module: nylas.migration.nylas_webhook
"""

EXAMPLES = r"""
- name: Configure the connectors of each application pair
  hosts: nylas_apps
  connection: local
  gather_facts: false
  module_defaults:
    group/nylas.migration.nylas:
      api_key: "{{ nylas_api_key }}"
      region: "{{ nylas_region }}"
      api_uri: "{{ nylas_api_uri | default(omit) }}"
  vars:
    # Demo values. Real client secrets live in ansible-vault or an AWX credential, never in plain inventory.
    google_client_id: demo-google-client.apps.example.com
    google_client_secret: demo-google-secret-NOT-REAL
  tasks:
    - name: Google connector with the OAuth app's credentials
      nylas.migration.nylas_connector:
        provider: google
        settings:
          client_id: "{{ google_client_id }}"
          client_secret: "{{ google_client_secret }}"
        scope:
          - openid
          - https://www.googleapis.com/auth/userinfo.email
          - https://www.googleapis.com/auth/gmail.modify
      register: google

    - name: IMAP connector (no settings needed)
      nylas.migration.nylas_connector:
        provider: imap

    - name: Rotate the Google client secret (reports a change on every run; use it once)
      nylas.migration.nylas_connector:
        provider: google
        settings:
          client_id: "{{ google_client_id }}"
          client_secret: "{{ google_client_secret }}"
        update_secrets: true
      when: rotate_google_secret | default(false) | bool

    - name: Remove the Zoom connector (not a change when there is none)
      nylas.migration.nylas_connector:
        provider: zoom
        state: absent
"""

RETURN = r"""
connector:
  description:
    - The connector after the task, as the API returns it (Nylas never returns secrets).
    - In check mode, the predicted connector; secrets given are shown as C(********).
    - V(null) when the connector does not exist after the task (O(state=absent)).
  returned: success
  type: dict
  contains:
    provider:
      description: The provider of the connector.
      type: str
      sample: google
    name:
      description: The display name of the connector (set by Nylas).
      type: str
      sample: Google
    settings:
      description: The provider settings, without secrets.
      type: dict
      sample: {"client_id": "demo-google-client.apps.example.com"}
    scope:
      description: The default scopes of the connector.
      type: list
      elements: str
      sample: ["openid", "https://www.googleapis.com/auth/userinfo.email"]
    active_credential_id:
      description: The id of the connector's active credential, when it has one.
      type: str
      sample: 5c9d6e16-0d4c-4b6e-9d6c-0a3c4b8d1e2f
  sample:
    provider: google
    name: Google
    settings: {"client_id": "demo-google-client.apps.example.com"}
    scope: ["openid", "https://www.googleapis.com/auth/userinfo.email"]
planned_requests:
  description:
    - In check mode, the create, patch or delete request (secrets in the body shown as C(********)) the module
      would send, as data (C(method), C(path), C(query), C(body)); empty when nothing would change or outside
      check mode.
  returned: success
  type: list
  elements: dict
  sample: [{"method": "PATCH", "path": "/v3/connectors/google", "query": {},
            "body": {"settings": {"client_id": "abc.apps.googleusercontent.com", "client_secret": "********"}}}]
diff:
  description:
    - The changed fields before and after (only with C(--diff)); secrets are shown as C(********).
    - In check mode C(after) also holds RV(planned_requests).
  returned: when diff mode is on
  type: dict
  sample:
    before: {"scope": ["openid"]}
    after: {"scope": ["https://www.googleapis.com/auth/gmail.modify", "openid"]}
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
  sample: PATCH
path:
  description: Path of the failed request (no query string).
  returned: failure from the API
  type: str
  sample: /v3/connectors/google
attempts:
  description: How many times the failed request was sent.
  returned: failure from the API
  type: int
  sample: 1
outcome_unknown:
  description:
    - Whether the failed write's outcome is unknown (it may have happened); a create is settled by re-reading the
      connector for O(settle_time) seconds and re-sending it once, and was still not seen.
  returned: failure from the API
  type: bool
  sample: false
"""

from ansible_collections.nylas.migration.plugins.module_utils.nylas_connector_planning import (
    CONNECTOR_PROVIDERS,
    mask_connector,
    plan_connector,
    secret_setting_values,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_diff import plan_diff
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import (
    create_connector_request,
    delete_connector_request,
    planned_request,
    update_connector_request,
)


def argument_spec():
    """Return the module's own options (the shared connection options are added by ``NylasModule``)."""
    return dict(
        provider=dict(type="str", required=True, choices=list(CONNECTOR_PROVIDERS)),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        settings=dict(type="dict", options=dict(
            client_id=dict(type="str"),
            client_secret=dict(type="str", no_log=True),
            tenant=dict(type="str"),
            topic_name=dict(type="str"),
        )),
        scope=dict(type="list", elements="str"),
        update_secrets=dict(type="bool", default=False),
    )


def apply_plan(module, plan, provider, before):
    """Make the planned write and return ``(changed, connector)``; fail with the API's error fields.

    A create whose outcome is unknown counts as made when the connector exists on a re-read
    (``GET /v3/connectors/{provider}``); a delete that finds none (404) changed nothing.
    """
    client = module.client
    action = plan["action"]
    partial = dict(msg="Failed to %s the %s connector" % (action, provider), changed=False,
                   connector=mask_connector(before))
    if action == "create":
        return True, module.settle_write(
            lambda: client.create_connector(plan["body"]),
            lambda: client.get_connector(provider),
            lambda _current: True,  # any connector of this provider now is the one created
            lambda e: "Creating the %s connector failed (%s) but it now exists; treating it as created" % (provider, e),
            if_unknown=dict(msg="The outcome of creating the %s connector is unknown" % provider),
            **partial
        )
    if action == "update":
        return True, module.call(client.update_connector, provider, plan["body"], **partial)
    deleted = module.delete_if_present(lambda: client.delete_connector(provider),
                                       "The %s connector was deleted by someone else meanwhile" % provider, **partial)
    return deleted, None


def planned_requests(plan, provider):
    """The write of a changing ``plan`` as check mode shows it (``{method, path, query, body}``, secrets ``********``).

    Built by the client's request builders (``POST /v3/connectors``, ``PATCH`` or ``DELETE /v3/connectors/{provider}``).
    """
    if plan["action"] == "create":
        return [planned_request(create_connector_request(plan["body"]))]
    if plan["action"] == "update":
        return [planned_request(update_connector_request(provider, plan["body"]))]
    return [planned_request(delete_connector_request(provider))]


def run_module():
    """Read the connector, plan, and (not in check mode) create, patch or delete it."""
    module = NylasModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    provider = params["provider"]
    settings = params.get("settings")
    # client_secret is no_log already; other secret-named keys of the settings are masked too.
    module.add_secrets(*secret_setting_values(settings))

    before = module.call(module.client.get_connector, provider, msg="Failed to read the %s connector" % provider,
                         changed=False)

    try:
        plan = plan_connector(before, provider, settings=settings, scope=params.get("scope"),
                              state=params["state"], update_secrets=params["update_secrets"])
    except PlanningError as e:
        module.fail_json(msg=str(e), changed=False, connector=mask_connector(before))

    changed, after = plan["changed"], plan["predicted"]
    requests = []
    if plan["changed"] and not module.check_mode:
        changed, after = apply_plan(module, plan, provider, before)
    elif plan["changed"]:
        requests = planned_requests(plan, provider)

    diff = plan_diff(plan)
    if requests:
        diff["after"]["planned_requests"] = requests
    module.exit_json(changed=changed, connector=mask_connector(after), planned_requests=requests, diff=diff)


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
