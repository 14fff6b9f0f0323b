#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_import_app
short_description: Import a linked Nylas v2 application's settings into its v3 application
version_added: 0.1.0
description:
  - Imports the settings of the v2 application linked to the v3 application of O(api_key)
    (C(POST /v3/migration-tools/import-v2-app)), the second step of the Nylas v2 to v3 migration.
    Nylas copies the website and icon URLs, the redirect URIs (as v3 callback URIs) and the
    integrations (as v3 connectors). Webhooks are not migrated.
  - Idempotent. The import is done when the v3 application carries every v2 redirect URI as a callback
    URI and a connector exists for each provider the v2 integrations become. The v2 application is read
    only when O(v2_client_id) and O(v2_client_secret) are given; when those reads fail (v2 is
    deprecated) the module warns and decides from the v3 connectors alone (done when any exists).
  - Requires the applications to be linked (M(nylas.migration.nylas_link_apps)); fails before any write
    otherwise, or when the link names another v2 application than O(v2_client_id). In check mode, when
    the link is missing and the v2 credentials are given, the module warns and predicts the import as it
    would run after the link (so that a whole playbook can be checked before anything is linked).
  - Reports the connectors an operator still has to set up (for example Microsoft needs a new Azure
    app registration) and what the import does not migrate (webhooks).
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  force:
    description:
      - Import even when the v3 application already seems to have the v2 settings.
      - Nylas leaves existing connectors alone and adds only missing callback URIs.
    type: bool
    default: false
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the applications and connectors, makes no write and predicts the result.
  diff_mode:
    support: full
    description: Shows the callback URIs and connector providers that the import adds.
seealso:
  - module: nylas.migration.nylas_link_apps
"""

EXAMPLES = r"""
- name: Import the v2 settings into the v3 application
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
    - name: Import the v2 application settings
      nylas.migration.nylas_import_app:
      register: imported

    - name: Tell what is left to set up by hand
      ansible.builtin.debug:
        msg: "{{ item.provider }}: {{ item.reason }}"
      loop: "{{ imported.connectors_needing_setup }}"

    - name: Import again even if it seems done
      nylas.migration.nylas_import_app:
        force: true
"""

RETURN = r"""
application:
  description: The v3 application object after the import (in check mode, the current object with the predicted callback URIs).
  returned: success
  type: dict
  sample:
    application_id: app-us-acme
    region: us
    v2_application_id: v2-us-acme
    callback_uris: [{"id": "cb-1", "platform": "web", "url": "https://app.example.com/oauth/callback"}]
callback_uris:
  description: The callback URIs of the v3 application after the import (predicted in check mode).
  returned: success
  type: list
  elements: dict
  sample: [{"id": "cb-1", "platform": "web", "url": "https://app.example.com/oauth/callback"}]
connectors:
  description:
    - The connectors of the v3 application after the import (predicted in check mode), as the API returns them.
    - Secret settings are masked.
  returned: success
  type: list
  elements: dict
  sample: [{"name": "Google", "provider": "google", "settings": {"client_id": "1234.apps.googleusercontent.com"}}]
connectors_needing_setup:
  description: The connectors an operator still has to set up, with the reason (migration steps 3 and 4).
  returned: success
  type: list
  elements: dict
  contains:
    provider:
      description: The connector provider.
      type: str
      sample: microsoft
    reason:
      description: What is left to do.
      type: str
      sample: needs a new Azure app registration with Microsoft Graph scopes
  sample: [{"provider": "microsoft", "reason": "needs a new Azure app registration with Microsoft Graph scopes"}]
not_migrated:
  description: What the import does not migrate, with the v2 count when the v2 read told it.
  returned: success
  type: list
  elements: dict
  contains:
    type:
      description: The kind of object.
      type: str
      sample: webhooks
    count:
      description: How many the v2 application has, or null when unknown.
      type: int
      sample: 2
    reason:
      description: What to do instead.
      type: str
      sample: recreate them as v3 webhooks or Pub/Sub channels before moving users
  sample: [{"type": "webhooks", "count": null, "reason": "recreate them as v3 webhooks or Pub/Sub channels"}]
import_result:
  description: The C(data) of the import response, a message string or an object.
  returned: when the import was made
  type: raw
  sample: "v2 application v2-us-acme imported into v3 application app-us-acme"
reason:
  description: Why the import was (or would be) made, or why not.
  returned: success
  type: str
  sample: 2 callback URI(s) missing
basis:
  description: C(v2) when the v2 application was read and compared, C(v3) when the decision came from v3 data alone.
  returned: success
  type: str
  sample: v2
connectors_to_create:
  description:
    - The connectors the import creates (or would create, in check mode), from the v2 integrations, when
      the import is needed and the v2 application was read; empty otherwise. Nylas's v2 API does not list an
      application's integrations, so in check mode they are then inferred from the providers of the v2 accounts
      (one read of C(GET /a/{client_id}/accounts)), and the entry has C(inferred=true); a real run then shows the
      connectors it made in RV(connectors).
    - Each with C(provider), C(from_integrations) (the v2 integration names), C(settings_from_v2) (whether
      settings are copied from v2; their values are never shown), C(reason) and C(setup) (what is left to do, or null).
  returned: always
  type: list
  elements: dict
  sample: [{"provider": "google", "from_integrations": ["gmail"], "settings_from_v2": true,
            "reason": "v2 integration gmail; the v3 application has no google connector", "setup": null},
           {"provider": "microsoft", "from_integrations": ["microsoft"], "settings_from_v2": false,
            "reason": "v2 integration microsoft; the v3 application has no microsoft connector",
            "setup": "needs a new Azure app registration with Microsoft Graph scopes; set its client_id and client_secret
              on the v3 connector (nylas.migration.nylas_connector)"}]
planned_requests:
  description: In check mode, the import request the module would send (C(method), C(path), C(query), C(body)); empty otherwise.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/v3/migration-tools/import-v2-app", "query": {}, "body": null}]
diff:
  description:
    - The callback URI URLs and connector providers before and after (only changed keys; only with C(--diff)).
    - C(after) also holds RV(connectors_to_create) and, in check mode, RV(planned_requests).
  returned: when diff mode is on
  type: dict
  sample:
    before: {"callback_uris": [], "connectors": []}
    after: {"callback_uris": ["https://app.example.com/oauth/callback"], "connectors": ["google", "microsoft"]}
status:
  description: HTTP status of the failed request.
  returned: failure, when the API answered
  type: int
  sample: 404
error_type:
  description: Nylas C(error.type) of the failure, or a client-side kind such as C(connection_error) or C(non_json_response).
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
  sample: POST
path:
  description: Path of the failed request (no query string).
  returned: failure from the API
  type: str
  sample: /v3/migration-tools/import-v2-app
attempts:
  description: How many times the failed request was sent.
  returned: failure from the API
  type: int
  sample: 1
outcome_unknown:
  description:
    - Whether the failed import's outcome is unknown (it may have happened); it was settled by re-reading the
      v3 application for O(settle_time) seconds and re-sending it once, and was still not seen.
  returned: failure from the API
  type: bool
  sample: false
"""

from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule
from ansible_collections.nylas.migration.plugins.module_utils.nylas_app_planning import (
    WEBHOOKS_REASON,
    callback_uri_urls,
    check_region,
    connector_providers,
    connectors_needing_setup,
    import_not_migrated,
    link_pending,
    link_pending_warning,
    plan_import,
    planned_connectors,
    planned_setup,
    predict_import,
    require_link,
    v2_webhook_count,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_diff import diff_dicts, redact
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_import_runner import (
    apply_import,
    read_v2,
    read_v2_accounts_for_plan,
    read_v3,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import import_v2_app_request, planned_request


def import_diff(before_callback_uris, before_connectors, callback_uris, connectors):
    """The ``diff``: callback URI URLs and connector providers before and after (only the changed keys)."""
    return diff_dicts(
        dict(callback_uris=sorted(callback_uri_urls(before_callback_uris)),
             connectors=connector_providers(before_connectors)),
        dict(callback_uris=sorted(callback_uri_urls(callback_uris)), connectors=connector_providers(connectors)),
    )


def main():
    """Read, plan, import when needed (not in check mode) and exit."""
    module = NylasModule(argument_spec=dict(force=dict(type="bool", default=False)), supports_check_mode=True)
    params = module.params
    result = dict(changed=False)

    application, callback_uris, connectors = read_v3(module, result)
    result.update(application=application, callback_uris=callback_uris, connectors=redact(connectors))
    try:
        check_region(application, params["region"])
        if link_pending(application, module.check_mode, module.has_v2_credentials()):
            module.warn(link_pending_warning(application, params["v2_client_id"]))
        else:
            require_link(application, params.get("v2_client_id"))
    except PlanningError as e:
        module.fail_json(msg=str(e), **result)
    v2_application = read_v2(module, result)

    plan = plan_import(dict(application, callback_uris=callback_uris), connectors, v2_application,
                       force=params["force"])
    result.update(reason=plan["reason"], basis=plan["basis"])
    before_callback_uris, before_connectors = callback_uris, connectors
    to_create = []
    if plan["needed"]:
        accounts = read_v2_accounts_for_plan(module, v2_application) if module.check_mode else None
        to_create = planned_connectors(v2_application, connectors, accounts)
    result.update(connectors_to_create=to_create, planned_requests=[])

    if plan["needed"]:
        result["changed"] = True
        if module.check_mode:
            result["planned_requests"] = [planned_request(import_v2_app_request())]
            forecast = dict(plan, missing_connectors=sorted(set(plan["missing_connectors"]) |
                                                            set(c["provider"] for c in to_create)))
            application, callback_uris, connectors = predict_import(application, callback_uris, connectors, forecast)
        else:
            application, callback_uris, connectors = apply_import(module, v2_application, result)

    webhook_count = v2_webhook_count(v2_application)
    if result["changed"] and webhook_count:
        module.warn("The v2 application has %d webhook(s); %s" % (webhook_count, WEBHOOKS_REASON))
    result.update(
        application=application,
        callback_uris=callback_uris,
        connectors=redact(connectors),
        connectors_needing_setup=planned_setup(connectors_needing_setup(connectors, v2_application), to_create)
        if module.check_mode else connectors_needing_setup(connectors, v2_application),
        not_migrated=import_not_migrated(v2_application),
        diff=import_diff(before_callback_uris, before_connectors, callback_uris, connectors),
    )
    if result["connectors_to_create"]:
        result["diff"]["after"]["connectors_to_create"] = result["connectors_to_create"]
    if result["planned_requests"]:
        result["diff"]["after"]["planned_requests"] = result["planned_requests"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
