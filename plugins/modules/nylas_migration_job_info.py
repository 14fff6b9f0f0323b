#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_migration_job_info
short_description: List the Nylas v2 to v3 migration jobs of a v3 application
version_added: 0.1.0
description:
  - Lists the snapshot and migration (clone) jobs of the v3 application of O(api_key)
    (C(GET /v3/migration-tools/jobs)), with the API's filters.
  - Never changes anything. Jobs send no notification when done; poll this module to follow them.
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  status:
    description:
      - Only jobs in one of these statuses.
      - C(completed) means every account migrated; C(partial) that some failed or became placeholder
        grants; C(failed) that none migrated.
    type: list
    elements: str
    choices: [pending, running, completed, failed, partial]
  job_type:
    description:
      - Only jobs of these types (the API's C(type) filter).
      - C(snapshot) jobs record the v2 accounts; C(migration) jobs clone them into v3 grants.
    type: list
    elements: str
    choices: [snapshot, migration]
    aliases: [type]
  sort_by_completion:
    description:
      - Ask the API to sort the jobs by completion.
      - When not set, the API's default order is kept.
    type: bool
  job_id:
    description:
      - Return only the job with this id, as RV(jobs) (one element or none) and RV(job).
    type: str
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description: This module never changes anything; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
seealso:
  - module: nylas.migration.nylas_batch_clone
"""

EXAMPLES = r"""
- name: Follow the migration jobs
  hosts: nylas_apps
  connection: local
  gather_facts: false
  module_defaults:
    group/nylas.migration.nylas:
      api_key: "{{ nylas_api_key }}"
      region: "{{ nylas_region }}"
      api_uri: "{{ nylas_api_uri | default(omit) }}"
  tasks:
    - name: List the running or pending jobs
      nylas.migration.nylas_migration_job_info:
        status: [pending, running]
      register: running

    - name: List finished migration jobs, most recently completed first
      nylas.migration.nylas_migration_job_info:
        job_type: [migration]
        status: [completed, partial, failed]
        sort_by_completion: true
      register: finished

    - name: Wait for one job to finish
      nylas.migration.nylas_migration_job_info:
        job_id: "{{ finished.jobs[0].job_id }}"
      register: one
      until: one.job is not none and one.job.status in ['completed', 'partial', 'failed']
      retries: 60
      delay: 10
      when: finished.jobs | length > 0
"""

RETURN = r"""
jobs:
  description: The migration jobs, as the API returns them (only the one of O(job_id) when set).
  returned: always
  type: list
  elements: dict
  contains:
    job_id:
      description: The job id.
      type: str
      sample: job-0a1b2c
    type:
      description: C(snapshot) or C(migration).
      type: str
      sample: migration
    public_application_id:
      description: The v3 application id.
      type: str
      sample: app-us-acme
    status:
      description: C(pending), C(running), C(completed), C(failed) or C(partial).
      type: str
      sample: completed
    count_all:
      description: Accounts in the job.
      type: int
      sample: 120
    count_success:
      description: Accounts migrated.
      type: int
      sample: 114
    count_failed:
      description: Accounts that failed.
      type: int
      sample: 2
    count_warning:
      description: Accounts that became placeholder grants (the user must re-authenticate).
      type: int
      sample: 4
    created_at:
      description: Creation time, unix seconds.
      type: int
      sample: 1767225600
    updated_at:
      description: Last update time, unix seconds.
      type: int
      sample: 1767225720
    linked_job_id:
      description: The job this one is paired with (a snapshot job and its clone job point at each other).
      type: str
      sample: job-9f8e7d
  sample:
    - job_id: job-0a1b2c
      type: migration
      public_application_id: app-us-acme
      status: completed
      count_all: 120
      count_success: 114
      count_failed: 2
      count_warning: 4
      created_at: 1767225600
      updated_at: 1767225720
      linked_job_id: job-9f8e7d
job:
  description: The job of O(job_id), or null when the API does not list it.
  returned: when O(job_id) is set
  type: dict
  sample: {"job_id": "job-0a1b2c", "type": "migration", "status": "running", "count_all": 120}
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
  sample: /v3/migration-tools/jobs
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

from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule

JOB_STATUSES = ["pending", "running", "completed", "failed", "partial"]
JOB_TYPES = ["snapshot", "migration"]


def main():
    """Module entry point: list the jobs with the given filters."""
    module = NylasModule(
        argument_spec=dict(
            status=dict(type="list", elements="str", choices=JOB_STATUSES),
            job_type=dict(type="list", elements="str", choices=JOB_TYPES, aliases=["type"]),
            sort_by_completion=dict(type="bool"),
            job_id=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    with module.failing("Failed to list the migration jobs", changed=False, jobs=[]):
        jobs = module.client.list_jobs(
            status=params["status"] or None,
            job_type=params["job_type"] or None,
            sort_by_completion=params["sort_by_completion"],
        ) or []

    result = dict(changed=False)
    if params["job_id"]:
        jobs = [job for job in jobs if job.get("job_id") == params["job_id"]]
        result["job"] = jobs[0] if jobs else None
    result["jobs"] = jobs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
