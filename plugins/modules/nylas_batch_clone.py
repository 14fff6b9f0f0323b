#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_batch_clone
short_description: Migrate Nylas v2 connected accounts to v3 grants in a background batch job
version_added: 0.1.0
description:
  - Starts a snapshot job and its clone job (C(POST /v3/migration-tools/snapshot-batch-clone)) that
    migrate the v2 accounts of the linked v2 application to v3 grants, and by default waits for them,
    polling C(GET /v3/migration-tools/jobs).
  - Never starts a second batch while one runs. When a migration job (or the snapshot job it waits
    for) is C(pending) or C(running), the module attaches to it (RV(attached)) and waits for it instead.
  - Idempotent when the v2 reads answer (O(v2_client_id) and O(v2_client_secret) given). The module
    lists the v2 accounts and the v3 grants of the accounts in scope, and selects the accounts the
    batch would process as the API does. First O(providers), in v2 list order (oldest link first).
    Then O(mode). Then the O(offset)/O(limit) window. A job is started only when some selected
    account is left to migrate. Not counted are the accounts that already have a grant, and the
    accounts the documented rules say cannot be cloned with the given flags (see
    RV(scope.not_migratable)). With O(mode=only_new), as many accounts as the latest finished
    migration job failed beyond those predicted are not counted either. The API does not say which
    accounts failed, and without this a failure nobody predicted would start a job on every run.
  - O(mode=only_new) selects, as the API does, only the accounts that never attempted migration. An
    account that failed is not tried again (use O(mode=only_failed)). The API does not say which
    accounts a job tried, so the module takes an account without a grant as attempted
    (RV(scope.attempted)) when a batch of this run covered it, or when a finished migration job that
    reported failures was created after the account was linked and the documented rules say the
    account fails under the strictest flags, provided the failures the jobs reported number at
    least those accounts; otherwise only when the rules say it fails with the given flags. This is
    the rule of the report's C(failed) status (M(nylas.migration.nylas_migration_info)).
  - The documented rules, first match wins (the outcome table of C(simulator/README.md), which names
    the Nylas doc of each row). A v2 provider without a v3 equivalent (any name not in the map below),
    or a deleted v2 account (C(billing_state=deleted)), fails whatever the flags. A Microsoft account
    v3 cannot migrate automatically (C(eas); C(exchange), C(outlook), C(hotmail); C(graph) or
    C(office365) without C(authentication_type=oauth)) becomes a placeholder grant with
    O(allow_invalid_grant_creation) and O(clone_exchange), fails without either. An account whose v2
    C(sync_state) is set and not C(running) (C(invalid), C(stopped), ...) becomes a placeholder with
    O(allow_invalid_grant_creation) (and O(clone_exchange) for Microsoft and C(ews) accounts), fails
    without. Every other account is cloned valid. Both flags default to true in the API.
  - Without v2 reads (v2 credentials absent, or the v2 API not answering) the module cannot tell
    whether accounts remain. It starts a job unless one is running, so a re-run reports C(changed);
    with O(mode=only_new) that job only processes the accounts still without a grant.
  - v2 provider names map to the v3 names of O(providers), and only the names Nylas documents for
    v2 accounts. C(gmail) is C(google). Every Microsoft kind
    (C(graph), C(office365), C(exchange), C(outlook), C(hotmail), C(eas)) is C(microsoft), and C(graph)
    is also C(graph). C(ews) is C(ews). C(imap), C(yahoo) and C(aol) are C(imap). C(icloud) is C(icloud).
    C(nylas) is C(virtual-calendar).
  - One batch covers at most O(limit) accounts (1000, the API's default, when not set). When O(limit)
    is not set, O(wait=true) and the v2 reads answer, the module chains batches until no selected
    account is left to migrate, so that one task migrates them all (RV(batches)). A batch after
    which as many accounts are pending as before ends the chain with a warning. A chained batch
    never covers again an account an earlier batch of the run covered. With O(mode=only_new) the
    accounts tried leave the selection. With O(mode=all) each batch takes the next window of 1000.
    With O(mode=only_failed) the next batch skips the accounts that failed again.
  - A failed snapshot job ends the wait at once. On timeout the module fails with the last status,
    the counts and both job ids; the jobs keep running server-side and a re-run attaches to them.
    A failed migration job fails the module; later batches are not started.
  - The v2 application must be linked first (M(nylas.migration.nylas_link_apps)).
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  providers:
    description:
      - The v3 provider names to migrate, compared as a set (order and duplicates do not matter).
      - When not set, all the providers the API supports.
    type: list
    elements: str
    choices: [google, microsoft, graph, imap, icloud, ews, virtual-calendar]
  mode:
    description:
      - Which accounts the batch processes.
      - V(only_new) processes the accounts that never attempted migration (the API's contract), so
        neither those with a grant nor those whose attempt failed. A re-run after a finished batch
        therefore changes nothing, which makes it the idempotent default. From the outside, the
        module counts the accounts without a grant that it does not know as attempted (see above).
      - V(only_failed) retries the accounts whose last attempt failed. From the outside, the
        module counts the accounts without a grant.
      - V(all) processes every account in scope. Accounts that already have a grant keep it (the
        API never creates two grants for one account), so the module starts a job only when some
        selected account has none.
    type: str
    choices: [all, only_new, only_failed]
    default: only_new
  limit:
    description:
      - The number of accounts (in snapshot order, oldest first) the batch covers.
      - When not set, the API's default (1000) applies to each batch, and the module chains batches
        (see above) to cover every selected account.
    type: int
  offset:
    description:
      - The number of accounts (in snapshot order) the batch skips. The API's default (0) applies when not set.
    type: int
  wait:
    description:
      - Wait for the batch (started or attached to) to finish.
      - With V(false) the module returns once the jobs are started; check their progress later with
        M(nylas.migration.nylas_migration_job_info), or run this module again to attach and wait.
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait for the batches to finish, in seconds, for the whole run.
    type: int
    default: 3600
  poll_interval:
    description:
      - Seconds between two job status reads while waiting. At least 0.5 seconds. Each read counts against the
        migration tools rate limit (20 requests per second per application).
    type: float
    default: 5
  fail_on_partial:
    description:
      - Fail when the migration job ends C(partial) (some accounts failed or became placeholders).
      - With V(false) a C(partial) job only gives warnings.
    type: bool
    default: false
  rows_path:
    description:
      - Also write the report's per-account rows of the pair to this local file (JSON, mode C(0600)), the
        document M(nylas.migration.nylas_migration_info) writes with its O(nylas.migration.nylas_migration_info#module:rows_path),
        from the reads the module's RV(counts) come from, so that a report right after the batch clone
        need not read every account and grant again.
      - Written only when those reads cover every account of the pair (the v2 reads answered and
        O(providers) is not set) and are newer than the last batch (re-read after it ended, or, when
        nothing was started, read by this run); RV(report) says it was written. Costs one
        C(GET /v3/applications).
    type: path
    version_added: 0.2.0
  label:
    description:
      - The pair's name in the rows of O(rows_path) and in the progress file of O(progress_path), for example the
        inventory host name (default the v3 application id).
    type: str
    version_added: 0.2.0
  progress_path:
    description:
      - While waiting, write the progress of the current batch to this local file (JSON, mode C(0600)), replaced
        atomically (a temporary file renamed over it) after each read of the jobs, so it costs no request.
      - It holds the job ids and statuses, the counts, the accounts done, the total and the batch number, and the
        time of the read; no account data. It is removed when the run ends (the result carries the final state).
      - M(nylas.migration.nylas_batch_wait) reads it to print the progress of a batch clone started with C(async).
      - Not written in check mode (the module does not wait then).
    type: path
    version_added: 0.2.0
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.clone_flags
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description:
      - In check mode the module reads jobs, v2 accounts and grants, sends no start request, does not
        wait, and predicts C(changed) (true when it would start a batch).
      - The local O(rows_path) file is written in check mode too, as it is an output of the run and not
        a change to any Nylas application.
  diff_mode:
    support: full
    description: Shows the batch clone job started (or to be started) and the number of accounts it should migrate.
notes:
  - Jobs send no notification when done; the module polls. Ansible modules cannot stream output, so
    progress samples are returned in RV(progress) instead.
  - The migration tools are rate limited (20 requests per second per application); keep O(poll_interval) reasonable.
seealso:
  - module: nylas.migration.nylas_link_apps
  - module: nylas.migration.nylas_grant_clone
  - module: nylas.migration.nylas_migration_job_info
"""

EXAMPLES = r"""
- name: Migrate the remaining accounts in background jobs
  hosts: nylas_apps
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
    - name: Clone every account not migrated yet, and wait for the jobs
      nylas.migration.nylas_batch_clone:
        mode: only_new
        wait_timeout: "{{ nylas_batch_clone_wait_timeout | default(3600) }}"
        poll_interval: "{{ nylas_batch_clone_poll_interval | default(10) }}"
      register: batch

    - name: Report the accounts that need re-authentication
      ansible.builtin.debug:
        msg: "{{ batch.counts.success }} migrated, {{ batch.reauth_required.count }} to re-authenticate"

    - name: Start a batch for the Google accounts only, without waiting (attaches if one runs)
      nylas.migration.nylas_batch_clone:
        providers: [google]
        wait: false
"""

RETURN = r"""
action:
  description: What the run did (or would do in check mode). C(start) a batch, C(attach) to a running one, or C(none).
  returned: always
  type: str
  sample: start
reason:
  description: Why the module took that action.
  returned: always
  type: str
  sample: 120 in-scope account(s) without a grant
attached:
  description: Whether the module attached to a batch that was already pending or running.
  returned: always
  type: bool
  sample: false
job_started:
  description: Whether this run started a batch (false in check mode). Not named C(started), which Ansible reserves for async job status.
  returned: always
  type: bool
  sample: true
outcome:
  description:
    - Where the batch stands. C(running) (not waited for, or still running at the timeout), C(completed),
      C(partial), C(failed), C(snapshot_failed), or C(none) when there is no batch.
  returned: always
  type: str
  sample: completed
batches:
  description: The batches this run waited for, in order (several when batches were chained).
  returned: always (empty when not waiting)
  type: list
  elements: dict
  contains:
    snapshot_job_id:
      description: The snapshot job id.
      type: str
    clone_job_id:
      description: The migration job id.
      type: str
    outcome:
      description: C(completed), C(partial), C(failed) or C(snapshot_failed).
      type: str
    counts:
      description:
        - The counts of this batch's migration job (C(all), C(success), C(failed), C(warning)), as
          the API reports them.
      type: dict
  sample: [{"snapshot_job_id": "job-snap-1", "clone_job_id": "job-mig-1", "outcome": "completed",
            "counts": {"all": 120, "success": 120, "failed": 0, "warning": 0}}]
snapshot_job:
  description: The snapshot job of the last batch, as last read (null when no batch was started or attached to).
  returned: always
  type: dict
  contains:
    job_id:
      description: The job id.
      type: str
    type:
      description: C(snapshot).
      type: str
    status:
      description: C(pending), C(running), C(completed), C(failed) or C(partial).
      type: str
    linked_job_id:
      description: The id of its clone job.
      type: str
  sample: {"job_id": "job-snap-1", "type": "snapshot", "status": "completed", "count_all": 120, "count_success": 120,
           "count_failed": 0, "count_warning": 0, "linked_job_id": "job-mig-1", "created_at": 1718000000,
           "updated_at": 1718000010, "public_application_id": "app-us-acme"}
clone_job:
  description: The migration (clone) job of the last batch, as last read (null when no batch was started or attached to).
  returned: always
  type: dict
  contains:
    job_id:
      description: The job id.
      type: str
    type:
      description: C(migration).
      type: str
    status:
      description: C(pending), C(running), C(completed), C(failed) or C(partial).
      type: str
    count_all:
      description: Accounts the job processes.
      type: int
    count_success:
      description: Accounts migrated.
      type: int
    count_failed:
      description: Accounts that failed.
      type: int
    count_warning:
      description: Accounts migrated as placeholder grants.
      type: int
    linked_job_id:
      description: The id of its snapshot job.
      type: str
  sample: {"job_id": "job-mig-1", "type": "migration", "status": "partial", "count_all": 120, "count_success": 110,
           "count_failed": 2, "count_warning": 8, "linked_job_id": "job-snap-1", "created_at": 1718000000,
           "updated_at": 1718000042, "public_application_id": "app-us-acme"}
counts:
  description:
    - Where the accounts in scope stand after the run, each account counted once (an account two
      batches tried counts once), from the grants re-read after the last batch. The same figures as
      the report of M(nylas.migration.nylas_migration_info) for those accounts. Accounts without a
      grant that are not known to have attempted migration are not counted.
    - This is the case when the v2 reads answered and the run started no batch or waited for its
      batches. Otherwise (no v2 reads, O(wait=false), a failure or a timeout) the counts of the
      migration jobs of this run, summed over its batches (zeros without one).
    - Each job's own counts are in RV(batches).
  returned: always
  type: dict
  contains:
    all:
      description: Accounts counted (the sum of the three others).
      type: int
    success:
      description: Accounts with a valid grant.
      type: int
    failed:
      description:
        - Accounts without a grant that attempted migration. Those a batch of this run covered, and
          those the report counts C(failed) (see O(mode)).
      type: int
    warning:
      description: Accounts with a placeholder grant (C(grant_status=invalid)).
      type: int
  sample: {"all": 1200, "success": 987, "failed": 8, "warning": 205}
reauth_required:
  description: Placeholder grants (C(grant_status=invalid)) whose users must re-authenticate.
  returned: always
  type: dict
  contains:
    count:
      description:
        - How many. The placeholders of the accounts in scope when the v2 reads answered (RV(counts.warning)),
          else the batches' C(count_warning).
      type: int
    account_ids:
      description:
        - Their v2 account ids, from the grants with C(grant_status=invalid) (the accounts in scope when
          the v2 reads answered). Null when not known (no wait, or the read failed).
      type: list
      elements: str
  sample: {"count": 2, "account_ids": ["p0q1r2s3t4u5v6w7x8y9z0a1b", "k9j8h7g6f5d4s3a2q1w0e9r8t"]}
scope:
  description:
    - The accounts in scope and what the module made of them; null without v2 reads or when attaching.
  returned: always
  type: dict
  contains:
    providers:
      description: The v3 provider names in scope.
      type: list
      elements: str
    accounts:
      description: v2 accounts the providers select.
      type: int
    selected:
      description: Those the batch processes (per O(mode), then the O(offset)/O(limit) window).
      type: int
    migrated:
      description: Accounts in scope with a grant before this run.
      type: int
    unmigrated:
      description: Selected accounts without a grant before this run.
      type: int
    not_migratable:
      description: Unmigrated accounts that cannot be cloned with the given flags.
      type: int
    not_migratable_account_ids:
      description: Their ids.
      type: list
      elements: str
    attempted:
      description:
        - Accounts in scope without a grant taken as having attempted migration (O(mode=only_new)),
          which the API does not select again.
      type: int
    already_failed:
      description:
        - Selected accounts counted as already attempted beyond RV(scope.attempted) (O(mode=only_new)),
          as many as the latest finished migration job failed beyond the documented rules.
      type: int
    pending:
      description: Accounts left to migrate; a batch is started only when this is above zero.
      type: int
  sample: {"providers": ["google", "microsoft"], "accounts": 150, "selected": 120, "migrated": 30, "unmigrated": 120,
           "not_migratable": 0, "not_migratable_account_ids": [], "attempted": 0, "already_failed": 0,
           "pending": 120}
forecast:
  description:
    - What the documented rules predict for the selected accounts without a grant, with the given flags
      (the outcome table of C(simulator/README.md)), in check mode and in a real run (made before the first
      batch). Null without v2 reads or when attaching. Never holds an email.
  returned: always
  type: dict
  contains:
    accounts:
      description: Accounts forecast.
      type: int
    valid:
      description: Accounts that will become valid grants.
      type: int
    reauth_required:
      description: Accounts that will become placeholder grants whose users must re-authenticate.
      type: int
    will_fail:
      description: Accounts whose clone will fail (C(not_migratable) of RV(scope)).
      type: int
    by_provider:
      description: The three counts per v3 provider (a v2 provider without a v3 equivalent under its v2 name).
      type: dict
    reasons:
      description: Why accounts will need re-authentication or fail, C(outcome), C(provider), C(reason) and C(count), most frequent first.
      type: list
      elements: dict
  sample: {"accounts": 1200, "valid": 987, "reauth_required": 205, "will_fail": 8,
           "by_provider": {"google": {"valid": 470, "reauth_required": 20, "will_fail": 5}},
           "reasons": [{"outcome": "reauth_required", "provider": "microsoft", "count": 130,
                        "reason": "Microsoft exchange account (password authentication) not migrated automatically: the user must re-authenticate"}]}
forecast_vs_outcome:
  description:
    - After the batches of a real run ended, the forecast beside what became of the same accounts, per
      outcome, and whether they all match. The outcome is read from their grants after the run
      (C(GET /v3/grants?account_ids=)); valid grant, placeholder grant, or no grant (failed), each
      account counted once however many batches attempted it.
    - Null in check mode, without a forecast, or when the run did not wait.
  returned: always
  type: dict
  sample: {"valid": {"forecast": 987, "outcome": 987}, "reauth_required": {"forecast": 205, "outcome": 205},
           "will_fail": {"forecast": 8, "outcome": 8}, "matches": true}
forecast_summary:
  description:
    - RV(forecast) in one line, and after a real run the outcome beside it, for a pair's summary line; empty without a forecast.
  returned: always
  type: str
  sample: "forecast: 987 valid, 205 re-authentication required, 8 will fail; outcome: 987 valid, 205 re-authentication required, 8 will fail"
planned_requests:
  description:
    - In check mode, the start request the module would send, as data (C(method), C(path), C(query) with the
      clone flags, C(body)); empty otherwise. Secrets are never part of it.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/v3/migration-tools/snapshot-batch-clone",
            "query": {"clone_exchange": "false"}, "body": {"mode": "only_new"}}]
v2_reads:
  description: Whether the v2 account list was read and used to decide.
  returned: always
  type: bool
  sample: true
report:
  description:
    - What M(nylas.migration.nylas_migration_info) returns for the pair (C(application_id), C(v2_application_id),
      C(region), C(label), C(basis), C(v2_reads_error), C(accounts), C(summary), C(jobs), C(rows_path)),
      from the rows written to O(rows_path).
  returned: when O(rows_path) is set and the rows were written
  type: dict
  version_added: 0.2.0
  sample: {"label": "acme", "region": "us", "basis": "v2_and_v3", "accounts": 1200, "rows_path": "/tmp/rows/acme.json"}
elapsed:
  description: Seconds the module spent, waiting included.
  returned: always
  type: float
  sample: 42.7
progress:
  description:
    - Samples of the batch's progress while waiting, one per change of status or counts, at most 100
      (the first one and the latest ones).
  returned: always (empty when not waiting)
  type: list
  elements: dict
  sample: [{"elapsed": 0.01, "snapshot_status": "running", "status": "pending", "all": 0, "success": 0, "failed": 0, "warning": 0},
           {"elapsed": 35.2, "snapshot_status": "completed", "status": "completed", "all": 120, "success": 120, "failed": 0, "warning": 0}]
diff:
  description:
    - The batch clone job before and after (only with C(--diff)); when a job is (or would be) started,
      C(after) also holds RV(forecast), and in check mode RV(planned_requests).
  returned: when diff mode is on
  type: dict
  sample: {"before": {"batch_clone_job": null}, "after": {"batch_clone_job": "(new job)", "accounts_to_migrate": 120,
           "forecast": {"accounts": 120, "valid": 110, "reauth_required": 8, "will_fail": 2, "by_provider": {}, "reasons": []},
           "planned_requests": [{"method": "POST", "path": "/v3/migration-tools/snapshot-batch-clone",
                                 "query": {}, "body": {"mode": "only_new"}}]}}
msg:
  description: What went wrong.
  returned: failure
  type: str
  sample: "Timed out after 3600 seconds waiting for migration job job-mig-1 (status running, 40 of 120 processed)"
timed_out:
  description: Present and true when the wait ended at O(wait_timeout); the jobs keep running server-side.
  returned: failure, on timeout
  type: bool
  sample: true
status:
  description: HTTP status of the failed request.
  returned: failure, when the API answered
  type: int
  sample: 401
error_type:
  description: Nylas C(error.type) of a failed request, or a client-side kind such as C(connection_error) or C(non_json_response).
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
  sample: 1
outcome_unknown:
  description:
    - Whether the start request's outcome is unknown (it may have started a batch); the jobs were re-read for
      O(settle_time) seconds, the start re-sent once, and no new batch was seen.
  returned: failure from the API
  type: bool
  sample: false
"""

import time

from ansible_collections.nylas.migration.plugins.module_utils.nylas_batch_planning import BATCH_MODES
from ansible_collections.nylas.migration.plugins.module_utils.nylas_batch_runner import run_batch_clone
from ansible_collections.nylas.migration.plugins.module_utils.nylas_clone_planning import V3_BATCH_PROVIDERS
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule, clone_flag_spec

MIN_POLL_INTERVAL = 0.5


def option_problems(params):
    """The problems of the numeric options, as messages (empty when there are none)."""
    problems = []
    if params["limit"] is not None and params["limit"] < 1:
        problems.append("limit must be 1 or more")
    if params["offset"] is not None and params["offset"] < 0:
        problems.append("offset must be 0 or more")
    if params["wait_timeout"] < 0:
        problems.append("wait_timeout must be 0 or more seconds")
    if params["poll_interval"] < MIN_POLL_INTERVAL:
        problems.append("poll_interval must be at least %s seconds" % MIN_POLL_INTERVAL)
    return problems


def run_module(clock=time.monotonic, sleep=time.sleep):
    """Validate the options and run the batch clone."""
    module = NylasModule(
        argument_spec=dict(
            providers=dict(type="list", elements="str", choices=list(V3_BATCH_PROVIDERS)),
            mode=dict(type="str", default="only_new", choices=list(BATCH_MODES)),
            limit=dict(type="int"),
            offset=dict(type="int"),
            **clone_flag_spec(),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=3600),
            poll_interval=dict(type="float", default=5.0),
            fail_on_partial=dict(type="bool", default=False),
            rows_path=dict(type="path"),
            label=dict(type="str"),
            progress_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    problems = option_problems(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems), changed=False)
    try:
        # read -> plan -> (not in check mode) start or attach, wait, chain batches -> result
        result = run_batch_clone(module, clock=clock, sleep=sleep)
    except PlanningError as e:
        module.fail_json(msg=str(e), changed=False)
    module.exit_json(**result)


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
