#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_link_apps
short_description: Link a Nylas v2 application to its v3 application
version_added: 0.1.0
description:
  - Links the v2 application given by O(v2_client_id) and O(v2_client_secret) to the v3 application
    of O(api_key), the first step of the Nylas v2 to v3 migration
    (C(POST /v3/migration-tools/link-v2v3-apps)).
  - Idempotent. Reads the v3 application first; when it is already linked to O(v2_client_id)
    nothing is sent.
  - Refuses, before any write, a v3 application already linked to a different v2 application
    (never re-linked silently) and a v3 application whose C(region) differs from O(region).
  - O(v2_client_id) and O(v2_client_secret) are required by this module. They are checked for
    surrounding whitespace, newlines and non-ASCII characters before any request.
author:
  - nylas.migration maintainers (@nylas-migration)
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description: In check mode the module reads the v3 application, makes no write and predicts C(changed).
  diff_mode:
    support: full
    description: Shows the C(v2_application_id) of the v3 application before and after.
notes:
  - The v3 application must be in the same region as the v2 application; Nylas rejects a cross-region link.
seealso:
  - module: nylas.migration.nylas_import_app
"""

EXAMPLES = r"""
- name: Link the v2 application to its v3 application
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
    - name: Link the applications
      nylas.migration.nylas_link_apps:
      register: link

    - name: Show the linked v2 application id
      ansible.builtin.debug:
        msg: "{{ link.application.application_id }} is linked to {{ link.application.v2_application_id }}"
"""

RETURN = r"""
application:
  description:
    - The v3 application object, as the API returns it.
    - In check mode, when a link would be made, the current object with the predicted C(v2_application_id).
  returned: success
  type: dict
  contains:
    application_id:
      description: The v3 application id.
      type: str
      sample: app-us-acme
    region:
      description: The region of the v3 application.
      type: str
      sample: us
    environment:
      description: The environment of the v3 application.
      type: str
      sample: production
    v2_application_id:
      description: The client id of the linked v2 application.
      type: str
      sample: v2-us-acme
    branding:
      description: Name, icon URL, website URL and description of the application.
      type: dict
      sample: {"name": "Acme"}
    callback_uris:
      description: The callback URIs of the application.
      type: list
      elements: dict
      sample: [{"id": "cb-1", "platform": "web", "url": "https://app.example.com/oauth/callback"}]
  sample:
    application_id: app-us-acme
    region: us
    environment: production
    v2_application_id: v2-us-acme
planned_requests:
  description:
    - In check mode, the link request (its C(BasicV2) header is never shown) the module would send, as data (C(method), C(path), C(query), C(body));
      empty when nothing would change or outside check mode.
  returned: success
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/v3/migration-tools/link-v2v3-apps", "query": {}, "body": null}]
diff:
  description:
    - The C(v2_application_id) of the v3 application before and after (only with C(--diff)).
    - In check mode C(after) also holds RV(planned_requests).
  returned: when diff mode is on
  type: dict
  sample: {"before": {"v2_application_id": null}, "after": {"v2_application_id": "v2-us-acme"}}
status:
  description: HTTP status of the failed request.
  returned: failure, when the API answered
  type: int
  sample: 401
error_type:
  description: Nylas C(error.type) of the failure, or a client-side kind such as C(connection_error) or C(non_json_response).
  returned: failure from the API
  type: str
  sample: invalid_request_error
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
  sample: /v3/migration-tools/link-v2v3-apps
attempts:
  description: How many times the failed request was sent.
  returned: failure from the API
  type: int
  sample: 1
outcome_unknown:
  description:
    - Whether the failed link's outcome is unknown (it may have happened); it was settled by re-reading the
      application for O(settle_time) seconds and re-sending it once, and was still not seen.
  returned: failure from the API
  type: bool
  sample: false
"""

from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule
from ansible_collections.nylas.migration.plugins.module_utils.nylas_app_planning import plan_link
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import link_v2_app_request, planned_request


def link_diff(before, after):
    """Return the ``diff`` of the ``v2_application_id`` field of two application objects."""
    return {
        "before": {"v2_application_id": (before or {}).get("v2_application_id")},
        "after": {"v2_application_id": (after or {}).get("v2_application_id")},
    }


def run_module():
    """Read the v3 application, plan the link and make it unless it exists (or in check mode)."""
    module = NylasModule(argument_spec={}, supports_check_mode=True)
    v2_client_id = module.params.get("v2_client_id")
    basic_v2 = module.basic_v2()  # fails on missing or malformed v2 credentials, before any request
    client = module.client

    before = module.call(client.get_application, msg="Failed to read the v3 application", changed=False)

    try:
        action = plan_link(before, v2_client_id, module.params["region"])
    except PlanningError as e:
        module.fail_json(msg=str(e), changed=False, application=before)

    after, planned_requests = before, []
    if action == "link":
        if module.check_mode:
            after = dict(before, v2_application_id=v2_client_id)
            planned_requests = [planned_request(link_v2_app_request())]
        else:
            # a link whose outcome is unknown is made when the re-read application names the v2 application
            after = module.settle_write(
                lambda: client.link_v2_app(basic_v2),
                client.get_application,
                lambda current: current.get("v2_application_id") == v2_client_id,
                lambda e: ("The link request failed (%s) but the application is now linked; "
                           "treating the link as made" % e),
                msg="Failed to link the v2 application %s" % v2_client_id,
                if_unknown=dict(msg="The outcome of linking the v2 application %s is unknown" % v2_client_id),
                changed=False, application=before,
            )

    diff = link_diff(before, after)
    if planned_requests:
        diff["after"]["planned_requests"] = planned_requests
    module.exit_json(changed=action == "link", application=after, planned_requests=planned_requests, diff=diff)


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
