#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_migration_info
short_description: Report where each account of a Nylas v2 to v3 application pair stands
version_added: 0.1.0
description:
  - For the application pair of O(api_key) and O(v2_client_id), joins the v2 accounts
    (C(GET /a/{client_id}/accounts), paged) with their v3 grants (C(GET /v3/grants?account_ids=),
    50 ids per request) and the migration jobs (C(GET /v3/migration-tools/jobs)), and gives each
    account one status.
  - C(migrated) - the account has a valid v3 grant.
  - C(reauth_required) - the account has a placeholder grant (C(grant_status=invalid)); the user must sign in again.
  - C(failed) - no grant, a finished migration job created after the account was linked in v2 reported
    failures, and the documented clone outcome rules say the account cannot be cloned with the strictest
    flags (C(allow_invalid_grant_creation=false), C(clone_exchange=false)). The migration API does not list
    which accounts a job failed, nor the scope or flags it ran with, so this is the best attribution
    that can be made from the outside. Failures of the latest finished migration job that no rule
    explains are counted in RV(summary.unexplained_failures) and are not given to an account.
    M(nylas.migration.nylas_batch_clone) uses the same rule for the accounts it did not try itself,
    so its RV(nylas.migration.nylas_batch_clone#module:counts) give the same figures for the accounts in its scope.
  - C(not_migrated) - no grant and not C(failed) - not attempted yet, or expected to clone on a later run.
  - Without the v2 reads (no O(v2_client_id)/O(v2_client_secret), or the v2 API fails, or the v3
    application is linked to another v2 application) the module reports the v3 side alone -
    every grant that has an C(account_id) - and says so in RV(basis) (C(v3_only)) and RV(v2_reads_error).
    The C(failed) and C(not_migrated) counts are then unknown (null).
  - Personal data never goes into the result. The per-account rows (account id, email address,
    provider, grant id and status, status, application, region) are written as JSON to the file
    O(rows_path), readable by its owner only, for M(nylas.migration.nylas_migration_report) or your own tools.
  - Gives a forecast beside the current state (RV(summary.forecast)) - what cloning the accounts still
    without a grant makes of them per the documented outcome rules - so that the report of a plan run
    shows what the run will do, and the report of a real run the outcome beside the forecast. The clone
    flags O(allow_invalid_grant_creation) and O(clone_exchange) are the ones the forecast assumes; this
    module sends nothing.
  - Never changes anything in Nylas.
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  rows_path:
    description:
      - Write the per-account rows to this local file (on the host that runs the module) as JSON, with
        mode C(0600) (an existing file is replaced). Missing parent folders are created with mode C(0700).
      - The file also holds the pair's name, application, region, RV(basis), RV(v2_reads_error),
        RV(summary) and RV(jobs), so that it is a complete input of M(nylas.migration.nylas_migration_report).
      - When not set, no rows are written and only the counts are returned.
    type: path
  label:
    description:
      - The name of the application pair in the rows file and the report, for example the inventory host name.
      - Defaults to the v3 application id.
    type: str
  cutover_record_dir:
    description:
      - The folder of the records of M(nylas.migration.nylas_v2_cutover) (its O(nylas.migration.nylas_v2_cutover#module:record_dir)).
      - When set, each row of O(rows_path) gets a C(cutover) value such as "cancelled (run R)",
        "re-activated (rollback of run R)", "kept" with the reason, or "not cut over".
      - Only the v2 side (rows from the v2 accounts) carries it.
    type: path
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.clone_flags
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description:
      - The module only reads Nylas, so it runs the same in check mode.
      - The local O(rows_path) file is written in check mode too, as it is an output of the run and
        not a change to any Nylas application; C(changed) is always false.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
notes:
  - The v2 credentials are needed for the full report; without them only the migrated accounts are known.
  - Malformed v2 credentials (surrounding whitespace, a newline, non-ASCII characters) fail the module,
    as in the other modules of the collection, rather than silently reporting the v3 side only.
  - Grants whose account is not in the v2 account list (for example a v2 account deleted after its clone)
    are not reported when the v2 reads answer.
seealso:
  - module: nylas.migration.nylas_migration_report
  - module: nylas.migration.nylas_migration_job_info
"""

EXAMPLES = r"""
- name: Report where the accounts of each application pair stand
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
    - name: Count the accounts per status, and keep the per-account rows in a private file
      nylas.migration.nylas_migration_info:
        rows_path: "{{ playbook_dir }}/../reports/manual/rows/{{ inventory_hostname }}.json"
        label: "{{ inventory_hostname }}"
      register: info

    - name: Show the counts (no personal data)
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }} ({{ info.basis }}): {{ info.summary.by_status }}"

    - name: Say when the v2 side could not be read
      ansible.builtin.debug:
        msg: "{{ inventory_hostname }}: v3 side only ({{ info.v2_reads_error }})"
      when: info.basis == 'v3_only'
"""

RETURN = r"""
application_id:
  description: The v3 application id.
  returned: success
  type: str
  sample: app-us-acme
v2_application_id:
  description: The v2 application the v3 application is linked to (null when not linked).
  returned: success
  type: str
  sample: v2-us-acme
region:
  description: The region of the pair (O(region)).
  returned: success
  type: str
  sample: us
label:
  description: The name of the pair (O(label), or the v3 application id).
  returned: success
  type: str
  sample: acme
basis:
  description:
    - C(v2_and_v3) when the v2 accounts were read and joined with their grants.
    - C(v3_only) when the v2 accounts could not be read; then only the accounts with a grant are
      reported, and the C(failed) and C(not_migrated) counts are null.
  returned: success
  type: str
  sample: v2_and_v3
v2_reads_error:
  description: Why the v2 accounts could not be read (null when they were).
  returned: success
  type: str
  sample: "HTTP 503 service_unavailable: v2 is down (request_id=5967ca40)"
accounts:
  description: Accounts reported (the v2 accounts, or with C(v3_only) the grants with an C(account_id)).
  returned: success
  type: int
  sample: 1200
summary:
  description: The counts of the per-account statuses.
  returned: success
  type: dict
  contains:
    accounts:
      description: Accounts reported.
      type: int
      sample: 1200
    by_status:
      description: Accounts per status (C(migrated), C(reauth_required), C(failed), C(not_migrated)); null when unknown.
      type: dict
      sample: {"migrated": 987, "reauth_required": 205, "failed": 8, "not_migrated": 0}
    by_provider:
      description: Per v3 provider, the accounts per status and their C(total).
      type: dict
      sample: {"google": {"migrated": 470, "reauth_required": 18, "failed": 2, "not_migrated": 0, "total": 490}}
    unexplained_failures:
      description:
        - Failures of the latest finished migration job that no documented outcome rule explains (not
          attributed to an account); null with C(v3_only).
      type: int
      sample: 0
    failed_not_confirmed:
      description:
        - Accounts counted C(failed) beyond the failures that all finished migration jobs reported together;
          at least that many of them were probably never attempted (outside a job's providers, limit or
          offset, which the API does not return). Null with C(v3_only).
      type: int
      sample: 0
    forecast:
      description:
        - The forecast beside the current state, from the documented clone outcome rules and the clone
          flags O(allow_invalid_grant_creation) and O(clone_exchange) (unset - the API's defaults); null with C(v3_only).
        - C(to_migrate) - what cloning the accounts without a grant would make of them (C(accounts), C(valid),
          C(reauth_required), C(will_fail), C(by_provider), C(reasons)); C(expected) - the counts per status once
          they are cloned; C(flags) - the flags assumed.
        - In a plan run (nothing migrated yet) it tells what the run will do; after a real run C(expected)
          equals C(by_status) when everything went as forecast.
      type: dict
      sample: {"flags": {"allow_invalid_grant_creation": null, "clone_exchange": null},
               "to_migrate": {"accounts": 1200, "valid": 987, "reauth_required": 205, "will_fail": 8,
                              "by_provider": {"google": {"valid": 470, "reauth_required": 18, "will_fail": 2}},
                              "reasons": [{"outcome": "will_fail", "provider": "google", "reason": "v2 account deleted", "count": 8}]},
               "expected": {"migrated": 987, "reauth_required": 205, "failed": 8, "not_migrated": 0}}
  sample:
    accounts: 1200
    by_status: {"migrated": 987, "reauth_required": 205, "failed": 8, "not_migrated": 0}
    by_provider: {"google": {"migrated": 470, "reauth_required": 18, "failed": 2, "not_migrated": 0, "total": 490}}
    unexplained_failures: 0
    failed_not_confirmed: 0
    forecast: {"flags": {"allow_invalid_grant_creation": null, "clone_exchange": null},
               "to_migrate": {"accounts": 8, "valid": 0, "reauth_required": 0, "will_fail": 8, "by_provider": {}, "reasons": []},
               "expected": {"migrated": 987, "reauth_required": 205, "failed": 8, "not_migrated": 0}}
jobs:
  description: The latest migration job and its snapshot job (newest first), as the API returns them; empty when none.
  returned: success
  type: list
  elements: dict
  sample:
    - job_id: job-0a1b2c
      type: migration
      status: partial
      public_application_id: app-us-acme
      count_all: 1198
      count_success: 985
      count_failed: 8
      count_warning: 205
      created_at: 1767225600
      updated_at: 1767225720
      linked_job_id: job-9f8e7d
rows_path:
  description: The file the per-account rows were written to (null when O(rows_path) is not set).
  returned: success
  type: str
  sample: /srv/migration/reports/20260101T120000Z/rows/acme.json
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
  sample: GET
path:
  description: Path of the failed request (no query string).
  returned: failure from the API
  type: str
  sample: /v3/grants
attempts:
  description: How many times the failed request was sent.
  returned: failure from the API
  type: int
  sample: 6
outcome_unknown:
  description: Always false for this read-only module.
  returned: failure from the API
  type: bool
  sample: false
"""

import datetime

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import NylasError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_cutover_planning import cutover_column, with_cutover
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule, clone_flag_spec
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report import (
    BASIS_V2_AND_V3,
    BASIS_V3_ONLY,
    build_rows,
    build_rows_v3_only,
    latest_jobs,
    pair_forecast,
    rows_document,
    summarize_rows,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_files import (
    read_cutover_records,
    write_private_json,
)


def read_v2_accounts(module, application):
    """Return ``(accounts, error)``: the v2 accounts, or None and why they could not be read."""
    if not module.has_v2_credentials():
        return None, "no v2 credentials (v2_client_id and v2_client_secret are not set)"
    linked = application.get("v2_application_id")
    if linked and linked != module.params["v2_client_id"]:
        return None, ("the v3 application %s is linked to the v2 application %s, not to v2_client_id %s"
                      % (application.get("application_id"), linked, module.params["v2_client_id"]))
    try:
        return module.v2_client.list_accounts(), None
    except NylasError as e:
        return None, "the v2 accounts could not be read: %s" % e


def run_module():
    """Read the application, its jobs, the v2 accounts and their grants; write the rows; return the counts."""
    module = NylasModule(
        argument_spec=dict(
            rows_path=dict(type="path"),
            label=dict(type="str"),
            cutover_record_dir=dict(type="path"),
            **clone_flag_spec()
        ),
        supports_check_mode=True,
    )
    params = module.params
    client = module.client
    application = module.call(client.get_application, msg="Failed to read the v3 application", changed=False) or {}
    jobs = module.call(client.list_jobs, msg="Failed to list the migration jobs", changed=False) or []

    application_id = application.get("application_id")
    label = params["label"] or application_id
    region = params["region"]
    accounts, v2_error = read_v2_accounts(module, application)
    grants_by_account = None
    if accounts is not None:
        basis = BASIS_V2_AND_V3
        grants_by_account = module.call(client.find_grants_by_account_ids,
                                        [a.get("id") or a.get("account_id") for a in accounts],
                                        msg="Failed to read the grants of the v2 accounts", changed=False)
        rows = build_rows(accounts, grants_by_account, jobs, application_id, region, pair=label)
    else:
        basis = BASIS_V3_ONLY
        module.warn("%s: reporting the v3 side only: %s" % (label, v2_error))
        grants = module.call(client.list_grants, msg="Failed to list the grants", changed=False)
        rows = build_rows_v3_only(grants, application_id, region, pair=label)

    if params["cutover_record_dir"]:
        with_cutover(rows, cutover_column(read_cutover_records(params["cutover_record_dir"], params["v2_client_id"])))
    summary = summarize_rows(rows, basis, jobs=jobs, accounts=accounts, grants_by_account=grants_by_account)
    summary["forecast"] = pair_forecast(accounts, grants_by_account, summary["by_status"],
                                        params["allow_invalid_grant_creation"], params["clone_exchange"])
    if summary["unexplained_failures"]:
        module.warn("%s: %d failure(s) of the latest migration job match no documented outcome rule"
                    % (label, summary["unexplained_failures"]))
    if summary["failed_not_confirmed"]:
        module.warn("%s: %d account(s) counted failed are more than the migration jobs reported failed; they were "
                    "probably outside a job's scope and never attempted" % (label, summary["failed_not_confirmed"]))
    latest = latest_jobs(jobs)
    result = dict(
        changed=False,
        application_id=application_id,
        v2_application_id=application.get("v2_application_id"),
        region=region,
        label=label,
        basis=basis,
        v2_reads_error=v2_error,
        accounts=summary["accounts"],
        summary=summary,
        jobs=latest,
        rows_path=None,
    )
    if params["rows_path"]:
        generated_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        document = rows_document(rows, summary, application_id, region, label, basis, v2_reads_error=v2_error,
                                 jobs=latest, v2_application_id=application.get("v2_application_id"),
                                 generated_at=generated_at)
        try:
            result["rows_path"] = write_private_json(params["rows_path"], document, indent=None)
        except (OSError, ValueError) as e:
            # the path, never the rows: they hold email addresses
            result.pop("rows_path")
            module.fail_json(msg="Failed to write the rows file %s: %s" % (params["rows_path"], to_native(e)),
                             **result)
    module.exit_json(**result)


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
