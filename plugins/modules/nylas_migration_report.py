#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_migration_report
short_description: Write the HTML and CSV report of a Nylas v2 to v3 migration from per-pair rows files
version_added: 0.1.0
description:
  - Reads the rows files that M(nylas.migration.nylas_migration_info) wrote (one per application pair,
    O(rows_files)) and writes, in the folder O(dest), with mode C(0600) each
  - C(index.html) - one self-contained page (inline CSS, the chart as inline SVG, no script, no external
    asset) - totals per region, accounts per application stacked by status, the table of applications
    with their latest migration job, the totals per provider, and relative links to the files below.
  - C(reauth_required.csv) and C(failed.csv) - the accounts whose users must sign in again, and the failed
    accounts, with the columns C(account_id), C(email), C(provider), C(grant_id), C(application), C(region).
  - C(summary.json) - every count of the page. Keys of an existing C(summary.json) that the report does not
    set (the run summary that C(playbooks/migrate.yml) writes) are kept.
  - When that run summary holds the go/no-go gate of a pair (M(nylas.migration.nylas_migration_gate)), the page
    shows each gate's checks, and a pair whose gate said no-go is named first, with the failed check and why.
  - An application pair reported on the v3 side only (its v2 accounts could not be read) is named on
    the page, with the reason, and its unknown counts are shown as unknown.
  - Makes no request to Nylas and takes no connection option, so it is not in the C(nylas.migration.nylas)
    action group. Run it where the rows files are, usually delegated to C(localhost) once per play (C(run_once)).
  - Personal data never goes into the result, only paths and counts.
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  rows_files:
    description:
      - The rows files of the application pairs (O(nylas.migration.nylas_migration_info#module:rows_path)).
      - A file that is missing or unreadable is named on the page (after its file name) and in RV(missing),
        with a warning; the other pairs are still reported.
    type: list
    elements: path
    required: true
  dest:
    description:
      - The folder of the report files. Created with mode C(0700) when missing.
      - Existing report files are replaced.
    type: path
    required: true
  run_id:
    description:
      - The run id shown on the page and in C(summary.json).
    type: str
  title:
    description:
      - The title of the page.
    type: str
    default: Nylas v2 to v3 migration report
attributes:
  check_mode:
    support: full
    description:
      - The module writes local report files only, never to Nylas. It writes them in check mode too, as they
        are outputs of the run; C(changed) is always false.
  diff_mode:
    support: none
    description: The report files are outputs, not managed state; no diff (which would show email addresses).
seealso:
  - module: nylas.migration.nylas_migration_info
"""

EXAMPLES = r"""
- name: Report on every application pair
  hosts: nylas_apps
  connection: local
  gather_facts: false
  vars:
    report_dir: "{{ playbook_dir }}/../reports/manual"
  module_defaults:
    group/nylas.migration.nylas:
      api_key: "{{ nylas_api_key }}"
      region: "{{ nylas_region }}"
      api_uri: "{{ nylas_api_uri | default(omit) }}"
      v2_client_id: "{{ nylas_v2_client_id }}"
      v2_client_secret: "{{ nylas_v2_client_secret }}"
      v2_api_uri: "{{ nylas_v2_api_uri | default(omit) }}"
  tasks:
    - name: Write each pair's per-account rows to a private file
      nylas.migration.nylas_migration_info:
        rows_path: "{{ report_dir }}/rows/{{ inventory_hostname }}.json"
        label: "{{ inventory_hostname }}"

    - name: Write index.html, reauth_required.csv, failed.csv and summary.json
      nylas.migration.nylas_migration_report:
        rows_files: "{{ ansible_play_hosts_all | map('regex_replace', '^(.*)$', report_dir ~ '/rows/\\1.json') | list }}"
        dest: "{{ report_dir }}"
        run_id: manual
      delegate_to: localhost
      run_once: true
      register: report

    - name: Where the report is
      ansible.builtin.debug:
        msg: "Report: {{ report.index }} ({{ report.totals.by_status }})"
      run_once: true
"""

RETURN = r"""
index:
  description: The path of C(index.html).
  returned: success
  type: str
  sample: /srv/migration/reports/20260101T120000Z/index.html
files:
  description: The paths of the files written, by file name.
  returned: success
  type: dict
  sample:
    index.html: /srv/migration/reports/20260101T120000Z/index.html
    reauth_required.csv: /srv/migration/reports/20260101T120000Z/reauth_required.csv
    failed.csv: /srv/migration/reports/20260101T120000Z/failed.csv
    summary.json: /srv/migration/reports/20260101T120000Z/summary.json
complete:
  description: Whether every application pair was reported on both the v2 and v3 sides (no pair missing or C(v3_only)).
  returned: success
  type: bool
  sample: true
totals:
  description: The counts of every pair together.
  returned: success
  type: dict
  contains:
    accounts:
      description: Accounts reported.
      type: int
    by_status:
      description: Accounts per status; null when unknown for some pair (reported on the v3 side only).
      type: dict
    by_provider:
      description: Per v3 provider, the accounts per status and their C(total).
      type: dict
    forecast:
      description:
        - The forecast counts per status of every pair together (the C(expected) of each pair's forecast);
          null when a pair has no forecast (reported on the v3 side only).
      type: dict
  sample:
    forecast: {"migrated": 1409, "reauth_required": 324, "failed": 17, "not_migrated": 0}
    accounts: 1750
    by_status: {"migrated": 1409, "reauth_required": 324, "failed": 17, "not_migrated": 0}
    by_provider: {"google": {"migrated": 700, "reauth_required": 31, "failed": 3, "not_migrated": 0, "total": 734}}
regions:
  description: Per region, C(accounts) and C(by_status).
  returned: success
  type: dict
  sample: {"us": {"accounts": 1350, "by_status": {"migrated": 1109, "reauth_required": 233, "failed": 8, "not_migrated": 0}}}
applications:
  description: One entry per application pair, without personal data.
  returned: success
  type: list
  elements: dict
  contains:
    pair:
      description: The pair's name.
      type: str
    application:
      description: The v3 application id.
      type: str
    v2_application_id:
      description: The linked v2 application.
      type: str
    region:
      description: The region.
      type: str
    basis:
      description: C(v2_and_v3), or C(v3_only) when the v2 accounts could not be read.
      type: str
    v2_reads_error:
      description: Why the v2 accounts could not be read (null when they were).
      type: str
    generated_at:
      description: When the pair's rows were read (UTC).
      type: str
    accounts:
      description: Accounts reported.
      type: int
    by_status:
      description: Accounts per status (null when unknown).
      type: dict
    by_provider:
      description: Per v3 provider, the accounts per status and their C(total).
      type: dict
    unexplained_failures:
      description: Failures of the latest migration job that no documented outcome rule explains.
      type: int
    failed_not_confirmed:
      description: Accounts counted failed beyond the failures the migration jobs reported (probably never attempted).
      type: int
    latest_job:
      description: The latest migration job, as the API returns it (null when none).
      type: dict
    forecast:
      description:
        - The pair's forecast (RV(nylas.migration.nylas_migration_info#module:summary.forecast)) -
          C(flags), C(to_migrate) (valid, re-authentication required, will fail, per provider, with the
          reasons) and C(expected) (the counts per status once the accounts without a grant are cloned).
          Null when the pair was reported on the v3 side only.
      type: dict
    forecast_beside_current:
      description:
        - Per status, C(forecast) (expected) and C(current) (what the pair is now), and C(matches).
        - In a plan run it shows what the run will do beside what is; after a real run, the outcome beside the forecast.
      type: dict
  sample:
    - pair: acme
      application: app-us-acme
      v2_application_id: v2-us-acme
      region: us
      basis: v2_and_v3
      v2_reads_error: null
      generated_at: "2026-01-01T12:00:00Z"
      accounts: 1200
      by_status: {"migrated": 987, "reauth_required": 205, "failed": 8, "not_migrated": 0}
      by_provider: {"google": {"migrated": 470, "reauth_required": 18, "failed": 2, "not_migrated": 0, "total": 490}}
      unexplained_failures: 0
      failed_not_confirmed: 0
      latest_job: {"job_id": "job-0a1b2c", "type": "migration", "status": "partial", "count_all": 1198}
      forecast: {"flags": {"allow_invalid_grant_creation": null, "clone_exchange": null},
                 "to_migrate": {"accounts": 8, "valid": 0, "reauth_required": 0, "will_fail": 8, "by_provider": {},
                                "reasons": []},
                 "expected": {"migrated": 987, "reauth_required": 205, "failed": 8, "not_migrated": 0}}
      forecast_beside_current: {"migrated": {"forecast": 987, "current": 987},
                                "reauth_required": {"forecast": 205, "current": 205},
                                "failed": {"forecast": 8, "current": 8},
                                "not_migrated": {"forecast": 0, "current": 0}, "matches": true}
missing:
  description: Rows files that could not be read, by pair name (the file name), with the reason.
  returned: success
  type: dict
  sample: {"globex": "rows file not found: /srv/migration/reports/20260101T120000Z/rows/globex.json"}
gates:
  description:
    - The go/no-go gate of each pair, read from the run summary (the C(summary.json) of C(playbooks/migrate.yml)
      in O(dest)), for the pairs whose gate ran - C(pair), C(region), C(verdict) (C(go), C(no-go), C(unknown)),
      C(failed_checks), C(reason) and C(checks) (C(name), C(verdict), C(reason)). Also a section of C(index.html),
      and a "Read this first" note for each no-go.
    - Empty without a run summary.
  returned: success
  type: list
  elements: dict
  sample:
    - pair: acme
      region: us
      verdict: no-go
      failed_checks: [connectors]
      reason: "connectors check failed: microsoft: no microsoft connector, so its 12 remaining account(s) cannot be cloned"
      checks:
        - {name: connectors, verdict: fail, reason: "microsoft: no microsoft connector, so its 12 remaining account(s) cannot be cloned"}
rows:
  description: The number of accounts listed in each CSV file.
  returned: success
  type: dict
  sample: {"reauth_required.csv": 324, "failed.csv": 17}
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.nylas.migration.plugins.module_utils.nylas_report import (
    STATUS_FAILED,
    STATUS_REAUTH,
    build_report,
    check_rows_document,
    rows_with_status,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_files import (
    ensure_private_dir,
    read_json,
    write_private_file,
    write_private_json,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_render import (
    merge_summary,
    render_csv,
    render_html,
)


def load_documents(paths):
    """Read the rows files; return ``(documents, missing)`` where ``missing`` maps a pair name to the reason."""
    documents, missing = [], {}
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        if not os.path.exists(path):
            missing[name] = "rows file not found: %s" % path
            continue
        try:
            doc = read_json(path)
        except (OSError, ValueError) as e:
            missing[name] = "rows file %s could not be read: %s" % (path, to_native(e))
            continue
        problem = check_rows_document(doc)
        if problem:
            missing[name] = "rows file %s: %s" % (path, problem)
            continue
        documents.append(doc)
    return documents, missing


def read_existing_summary(path):
    """The existing ``summary.json`` (the migrate.yml run summary), or None when absent or unreadable."""
    if not os.path.exists(path):
        return None
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


def run_module():
    """Read the rows files, write the four report files, return paths and counts."""
    module = AnsibleModule(
        argument_spec=dict(
            rows_files=dict(type="list", elements="path", required=True),
            dest=dict(type="path", required=True),
            run_id=dict(type="str"),
            title=dict(type="str", default="Nylas v2 to v3 migration report"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    documents, missing = load_documents(params["rows_files"])
    for name, reason in sorted(missing.items()):
        module.warn("%s: not in the report (%s)" % (name, reason))
    generated_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    dest = os.path.abspath(params["dest"])
    files = dict((name, os.path.join(dest, name))
                 for name in ("index.html", "reauth_required.csv", "failed.csv", "summary.json"))
    existing = read_existing_summary(files["summary.json"])
    report = build_report(documents, run_id=params["run_id"], generated_at=generated_at, missing=missing,
                          run_summary=existing)

    try:
        ensure_private_dir(dest)
        write_private_file(files["reauth_required.csv"], render_csv(rows_with_status(documents, STATUS_REAUTH)))
        write_private_file(files["failed.csv"], render_csv(rows_with_status(documents, STATUS_FAILED)))
        write_private_json(files["summary.json"], merge_summary(existing, report))
        write_private_file(files["index.html"], render_html(report, title=params["title"]))
    except (OSError, ValueError) as e:
        module.fail_json(msg="Failed to write the report in %s: %s" % (dest, to_native(e)), changed=False)

    module.exit_json(
        changed=False,
        index=files["index.html"],
        files=files,
        complete=report["complete"],
        totals=report["totals"],
        regions=report["regions"],
        applications=report["applications"],
        missing=report["missing"],
        gates=report["gates"],
        rows=report["files"],
    )


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
