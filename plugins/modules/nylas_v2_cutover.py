#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_v2_cutover
short_description: Cancel the v2 accounts whose v3 grant is valid (guarded, reversible), or roll a run back
version_added: 0.2.0
description:
  - The end of the migration, after the application reads v3 (step 8 is live). For each v2 account of
    the pair whose v3 grant is C(valid), read at the time of the run, cancels the v2 account
    (C(POST /a/{client_id}/accounts/{id}/downgrade)), which stops its v2 sync and billing; the v2
    C(billing_state) becomes C(cancelled). Nylas documents that a cancelled account can be
    re-activated (C(POST /a/{client_id}/accounts/{id}/upgrade)); the module never deletes an account.
  - "Guards: never touches an account without a valid v3 grant (placeholders, failed and not migrated
    accounts are kept, as are accounts already C(cancelled) or C(deleted)); refuses to write unless
    O(confirm) names this pair (its v2 client id) or its region; fails before any request unless the
    v3 application is linked to this v2 application; cancels at most O(rollout_count) /
    O(rollout_percent) accounts per run; stops at the first failure beyond O(error_budget)."
  - Idempotent. An account already cancelled is not sent again; a re-run reports C(changed=false).
  - Check mode reads the v2 accounts and the v3 grants and lists exactly what the run would cancel
    (RV(would_cancel)); it sends no write and needs no O(confirm).
  - Each run writes a record (mode 0600, account ids only, no email) to
    O(record_dir)/C(cutover-<v2 client id>-<run id>.json), before the first write, every 25 writes and
    at the end. O(state=rollback) re-activates exactly the accounts that run cancelled, from that record.
  - Reads C(GET /v3/applications), C(GET /v3/grants), C(GET /a/{client_id}/accounts) and, after a
    write of unknown outcome, C(GET /a/{client_id}/accounts/{id}) (never re-sending the write).
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  state:
    description:
      - V(cancelled) cancels the v2 accounts with a valid v3 grant; V(rollback) re-activates the
        accounts the run O(run_id) cancelled.
    type: str
    choices: [cancelled, rollback]
    default: cancelled
  confirm:
    description:
      - Must equal the pair's O(v2_client_id) or the O(region) for the module to write anything
        (cancel or roll back). Set it per run (for example with C(-e)); never keep it in the inventory.
      - Not needed in check mode.
    type: str
  run_id:
    description:
      - The name of the run; it names the record. Required with O(state=rollback).
      - With O(state=cancelled), a re-run with the same O(run_id) adds to that run's record.
    type: str
    required: true
  record_dir:
    description:
      - The folder of the cutover records (created with mode 0700 when missing). Keep the records, a
        rollback reads them.
    type: path
    required: true
  rollout_count:
    description: At most this many accounts are cancelled by this run.
    type: int
  rollout_percent:
    description:
      - At most this share (0-100) of the pair's accounts that have a valid v3 grant is cancelled by
        this run (rounded up). With O(rollout_count) too, the smaller limit wins.
    type: float
  error_budget:
    description:
      - How many failed writes the run tolerates; the next failure stops it (the remaining accounts are
        not attempted) and the module fails. V(0) stops at the first failure.
    type: int
    default: 0
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description: Lists the accounts it would cancel (or re-activate) and sends no write; the record is not written.
  diff_mode:
    support: none
    description: Cancelling or re-activating accounts and webhook states have no before/after to show; the results list them.
notes:
  - Needs the v2 credentials (O(v2_client_id), O(v2_client_secret)), as the v2 API is the only place
    an account can be cancelled. The v2 API is deprecated; where it no longer answers, the module fails
    before any write.
  - No email address appears in the results, the warnings or the record.
seealso:
  - module: nylas.migration.nylas_v2_webhook_parity
  - module: nylas.migration.nylas_migration_info
"""

EXAMPLES = r"""
- name: What would the cutover cancel? (check mode, nothing sent)
  nylas.migration.nylas_v2_cutover:
    run_id: "{{ nylas_run_id }}"
    record_dir: "{{ playbook_dir }}/../reports/cutover"
    rollout_percent: 10
  check_mode: true
  register: plan

- name: Cancel at most 10% of the migrated v2 accounts, stop at the third failure
  nylas.migration.nylas_v2_cutover:
    confirm: "{{ nylas_cutover_confirm }}"  # -e nylas_cutover_confirm=v2-us-acme (or us)
    run_id: "{{ nylas_run_id }}"
    record_dir: "{{ playbook_dir }}/../reports/cutover"
    rollout_percent: 10
    error_budget: 2

- name: Roll that run back (re-activates exactly what it cancelled)
  nylas.migration.nylas_v2_cutover:
    state: rollback
    confirm: "{{ nylas_cutover_confirm }}"
    run_id: "{{ nylas_run_id }}"
    record_dir: "{{ playbook_dir }}/../reports/cutover"
"""

RETURN = r"""
cancelled:
  description: The v2 account ids this task cancelled (empty in check mode).
  returned: state is cancelled
  type: list
  elements: str
  sample: ["tipdvs9w76kbby3owlghkjyot"]
would_cancel:
  description: The v2 account ids the run cancels (check mode) or meant to cancel (this run's plan).
  returned: state is cancelled
  type: list
  elements: str
  sample: ["tipdvs9w76kbby3owlghkjyot", "t1y307y7k55ee6g7kjv1a4721"]
reactivated:
  description: The v2 account ids this task re-activated (empty in check mode).
  returned: state is rollback
  type: list
  elements: str
  sample: ["tipdvs9w76kbby3owlghkjyot"]
would_reactivate:
  description: The v2 account ids the rollback re-activates (those of the run still cancelled).
  returned: state is rollback
  type: list
  elements: str
  sample: ["tipdvs9w76kbby3owlghkjyot"]
accounts:
  description:
    - One row per v2 account (cutover) or per account of the record (rollback), without email.
    - C(decision) is C(cancel) (cancelled or to cancel), C(deferred) (beyond the rollout size),
      C(kept) or C(already_cancelled) for a cutover; C(reactivate) or C(kept) for a rollback.
    - C(reason) is C(valid_grant), C(already_cancelled), C(v2_deleted), C(no_grant), C(grant_not_valid),
      C(rollout_limit), C(error_budget) or C(failed); for a rollback C(cancelled_by_run),
      C(already_active), C(v2_deleted) or C(not_found).
  returned: success or failure after the accounts were read
  type: list
  elements: dict
  sample:
    - {account_id: tipdvs9w76kbby3owlghkjyot, provider: gmail, billing_state: paid, grant_status: valid,
       decision: cancel, reason: valid_grant}
    - {account_id: t1y307y7k55ee6g7kjv1a4721, provider: exchange, billing_state: paid, grant_status: invalid,
       decision: kept, reason: grant_not_valid}
counts:
  description: The rows counted by C(decision) and by C(reason).
  returned: success or failure after the accounts were read
  type: dict
  sample: {decision: {cancel: 12, kept: 3, deferred: 100}, reason: {valid_grant: 112, grant_not_valid: 3}}
failures:
  description: The accounts whose write failed, with the API's error fields (C(status), C(error_type), C(request_id), ...).
  returned: when a write failed
  type: list
  elements: dict
  sample: [{account_id: tipdvs9w76kbby3owlghkjyot, msg: "HTTP 503 ...", status: 503, error_type: api_error,
            request_id: null, method: POST, path: /a/v2-us-acme/accounts/tipdvs9w76kbby3owlghkjyot/downgrade,
            attempts: 2, outcome_unknown: true}]
not_attempted:
  description: The accounts left untouched because the error budget was spent.
  returned: when the error budget stopped the run
  type: list
  elements: str
  sample: ["t1y307y7k55ee6g7kjv1a4721"]
stopped_by_error_budget:
  description: Whether the run stopped because more writes failed than O(error_budget) allows.
  returned: success or failure after the writes started
  type: bool
  sample: false
rollout_limit:
  description: How many accounts this run could cancel (null when no rollout size was given).
  returned: state is cancelled
  type: int
  sample: 100
record_path:
  description: The record of the run (mode 0600), written outside check mode.
  returned: always
  type: str
  sample: /srv/migration/reports/cutover/cutover-v2-us-acme-2026-12-02.json
confirmed:
  description: Whether O(confirm) named this pair or its region.
  returned: always
  type: bool
  sample: true
status:
  description: HTTP status of the failed request that ended the task.
  returned: failure from the API
  type: int
  sample: 401
error_type:
  description: Nylas error type (v2 C(type), v3 C(error.type)) or a client-side kind.
  returned: failure from the API
  type: str
  sample: api_error
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
  sample: /a/v2-us-acme/accounts
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

import functools
import os
import re
import time

from ansible_collections.nylas.migration.plugins.module_utils.nylas_cutover_planning import (
    budget_spent,
    confirmation_matches,
    count_rows,
    merge_record,
    new_record,
    plan_cutover,
    plan_rollback,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_cutover_runner import run_cutover, run_rollback
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule
from ansible_collections.nylas.migration.plugins.module_utils.nylas_settle import settle_without_resend
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_files import read_json, write_private_json


def argument_spec():
    """Return the module's own options (the shared connection options are added by ``NylasModule``)."""
    return dict(
        state=dict(type="str", default="cancelled", choices=["cancelled", "rollback"]),
        confirm=dict(type="str"),
        run_id=dict(type="str", required=True),
        record_dir=dict(type="path", required=True),
        rollout_count=dict(type="int"),
        rollout_percent=dict(type="float"),
        error_budget=dict(type="int", default=0),
    )


def record_path(record_dir, v2_client_id, run_id):
    """The record file of a run: ``<record_dir>/cutover-<v2 client id>-<run id>.json`` (names made file-safe)."""
    def safe(text):
        return re.sub(r"[^A-Za-z0-9._-]", "_", text)
    return os.path.join(record_dir, "cutover-%s-%s.json" % (safe(v2_client_id), safe(run_id)))


def read_record(module, path, required):
    """Return the record at ``path`` (None when absent and not ``required``); fail the module if unreadable."""
    if not os.path.exists(path):
        if required:
            module.fail_json(msg="No cutover record at %s: nothing to roll back" % path, changed=False)
        return None
    try:
        return read_json(path)
    except (OSError, ValueError) as e:
        module.fail_json(msg="Cannot read the cutover record %s: %s" % (path, e), changed=False)


def run_module():
    """Guard, read, plan and (confirmed, not in check mode) cancel or re-activate; exit with the result."""
    module = NylasModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = module.params
    client_id, region = params.get("v2_client_id"), params["region"]
    if not module.has_v2_credentials():
        module.fail_json(msg="v2_client_id and v2_client_secret are required: only the v2 API can cancel a v2 account",
                         changed=False)
    if params["error_budget"] < 0:
        module.fail_json(msg="error_budget must be zero or more", changed=False)
    confirmed = confirmation_matches(params.get("confirm"), client_id, region)
    if not confirmed and not module.check_mode:
        module.fail_json(msg="The cutover is off: set confirm to this pair's v2 client id or to its region to run it "
                             "(check mode needs no confirmation)", changed=False, confirmed=False)
    path = record_path(params["record_dir"], client_id, params["run_id"])
    result = dict(changed=False, confirmed=confirmed, record_path=path)

    application = module.call(module.client.get_application, msg="Failed to read the v3 application", **result)
    if (application or {}).get("v2_application_id") != client_id:
        module.fail_json(msg="The v3 application is not linked to v2 application %s: its grants cannot be trusted "
                             "for these accounts; nothing was sent" % client_id, **result)
    accounts = module.call(module.v2_client.list_accounts, msg="Failed to list the v2 accounts", **result)

    if params["state"] == "rollback":
        run_rollback_state(module, path, accounts, result)
    grants = module.call(module.client.list_grants, msg="Failed to list the v3 grants", **result)
    try:
        plan = plan_cutover(accounts, grants, params.get("rollout_count"), params.get("rollout_percent"))
    except PlanningError as e:
        module.fail_json(msg=str(e), **result)
    result.update(would_cancel=plan["to_cancel"], cancelled=[], rollout_limit=plan["limit"],
                  accounts=plan["rows"], counts=plan["counts"])
    if module.check_mode or not plan["to_cancel"]:
        module.exit_json(**result)

    record = new_record(params["run_id"], client_id, region, plan, params["error_budget"],
                        params.get("rollout_count"), params.get("rollout_percent"), started_at=time.time())
    try:
        record = merge_record(read_record(module, path, required=False), record)
    except PlanningError as e:
        module.fail_json(msg=str(e), **result)
    try:
        write_private_json(path, record)
    except OSError as e:
        module.fail_json(msg="Cannot write the cutover record %s (nothing was cancelled): %s" % (path, e), **result)
    cancelled, failed, not_attempted, warnings = run_cutover(
        module.v2_client, record, params["error_budget"], lambda r: write_private_json(path, r), settled_attempt(module))
    finish(module, result, plan["rows"], cancelled, failed, not_attempted, warnings,
           done_key="cancelled", decision="cancel", verb="cancel")


def settled_attempt(module):
    """The attempt of one account's write: re-read for ``settle_time`` on an unknown outcome, never re-sent."""
    return functools.partial(settle_without_resend, settle_time=module.params["settle_time"])


def run_rollback_state(module, path, accounts, result):
    """Re-activate the accounts the record's run cancelled (``POST .../upgrade``); exit or fail the module."""
    params = module.params
    record = read_record(module, path, required=True)
    if record.get("v2_client_id") != params["v2_client_id"]:
        module.fail_json(msg="The record %s belongs to v2 application %s" % (path, record.get("v2_client_id")), **result)
    try:
        plan = plan_rollback(record, accounts)
    except PlanningError as e:
        module.fail_json(msg="%s: %s" % (path, e), **result)
    result.update(would_reactivate=plan["to_reactivate"], reactivated=[], accounts=plan["rows"],
                  counts=count_rows(plan["rows"]))
    if module.check_mode or not plan["to_reactivate"]:
        module.exit_json(**result)
    reactivated, failed, not_attempted, warnings = run_rollback(
        module.v2_client, record, plan["to_reactivate"], params["error_budget"],
        lambda r: write_private_json(path, r), settled_attempt(module), now=time.time())
    finish(module, result, plan["rows"], reactivated, failed, not_attempted, warnings,
           done_key="reactivated", decision="reactivate", verb="re-activate")


def finish(module, result, rows, done, failed, not_attempted, warnings, done_key, decision, verb):
    """Put the outcome of the writes into the result; exit, or fail when the error budget stopped the run."""
    failed_ids = set(f["account_id"] for f in failed)
    skipped = set(not_attempted)
    for row in rows:
        if row["decision"] != decision:
            continue
        if row["account_id"] in failed_ids:
            row.update(decision="kept", reason="failed")
        elif row["account_id"] in skipped:
            row.update(decision="kept", reason="error_budget")
    stopped = budget_spent(len(failed), module.params["error_budget"])
    result.update({done_key: done, "changed": bool(done), "counts": count_rows(rows),
                   "stopped_by_error_budget": stopped})
    for warning in warnings:
        module.warn(warning)
    if failed:
        result["failures"] = failed
    if stopped:
        result["not_attempted"] = not_attempted
        module.fail_json(msg="Stopped after %d failed %s(s), more than error_budget=%d; %d account(s) not attempted; "
                             "the record is %s" % (len(failed), verb, module.params["error_budget"],
                                                   len(not_attempted), result["record_path"]), **result)
    if failed:
        module.warn("%d %s(s) failed within error_budget=%d; see failures" % (len(failed), verb,
                                                                              module.params["error_budget"]))
    module.exit_json(**result)


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
