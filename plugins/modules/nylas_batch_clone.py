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
    which as many accounts are pending as before ends the chain with a warning.
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
      - V(only_new) processes the accounts without a grant. A re-run after a finished batch
        therefore changes nothing, which makes it the idempotent default.
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
      description: The counts of the migration job (C(all), C(success), C(failed), C(warning)).
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
  description: The counts of the migration jobs of this run, summed over the batches (zeros without one).
  returned: always
  type: dict
  contains:
    all:
      description: Accounts the job processes.
      type: int
    success:
      description: Accounts migrated.
      type: int
    failed:
      description: Accounts that failed.
      type: int
    warning:
      description: Accounts migrated as placeholder grants.
      type: int
  sample: {"all": 120, "success": 110, "failed": 2, "warning": 8}
reauth_required:
  description: Placeholder grants (C(grant_status=invalid)) whose users must re-authenticate.
  returned: always
  type: dict
  contains:
    count:
      description: How many (the batches' C(count_warning), or the placeholders in scope when no job ran).
      type: int
    account_ids:
      description:
        - Their v2 account ids, from the grants with C(grant_status=invalid) (restricted to the accounts
          in scope when the v2 reads answered). Null when not known (no wait, or the read failed).
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
    already_failed:
      description: Unmigrated accounts counted as already attempted (O(mode=only_new)).
      type: int
    pending:
      description: Accounts left to migrate; a batch is started only when this is above zero.
      type: int
  sample: {"providers": ["google", "microsoft"], "accounts": 150, "selected": 120, "migrated": 30, "unmigrated": 120,
           "not_migratable": 0, "not_migratable_account_ids": [], "already_failed": 0, "pending": 120}
v2_reads:
  description: Whether the v2 account list was read and used to decide.
  returned: always
  type: bool
  sample: true
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
  description: The batch clone job before and after (only with C(--diff)).
  returned: when diff mode is on
  type: dict
  sample: {"before": {"batch_clone_job": null}, "after": {"batch_clone_job": "job-mig-1", "accounts_to_migrate": 120}}
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
  description: Whether the failed start request may have started a batch (the jobs were re-read and no new batch was there).
  returned: failure from the API
  type: bool
  sample: false
"""

import time

from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import NylasAPIError, NylasError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule, clone_flag_spec
from ansible_collections.nylas.migration.plugins.module_utils.nylas_clone_planning import (
    BATCH_MODES,
    GRANT_PLACEHOLDER_STATUS,
    ProgressLog,
    V3_BATCH_PROVIDERS,
    Waiter,
    batch_diff,
    find_jobs,
    find_new_batch,
    job_counts,
    job_outcome,
    linked_job,
    normalize_providers,
    plan_batch_clone,
    scope_accounts,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

MIN_POLL_INTERVAL = 0.5
#: Accounts one batch covers when O(limit) is not set (the API's default limit).
API_BATCH_LIMIT = 1000


class BatchClone:
    """One run of the module: read, plan, start or attach, wait, chain batches, report."""

    def __init__(self, module, clock=time.monotonic, sleep=time.sleep):
        self.module = module
        self.params = module.params
        self.client = module.client
        self.clock = clock
        self.sleep = sleep
        self.started_at = clock()
        self.waiter = None
        self.progress = ProgressLog()
        self.providers = normalize_providers(self.params["providers"])
        self.flags = dict(
            allow_invalid_grant_creation=self.params["allow_invalid_grant_creation"],
            clone_exchange=self.params["clone_exchange"],
        )
        self.result = dict(
            changed=False, action="none", reason="", attached=False, job_started=False, outcome="none",
            snapshot_job=None, clone_job=None, counts=job_counts(None), batches=[],
            reauth_required=dict(count=0, account_ids=None), scope=None, v2_reads=False,
            elapsed=0.0, progress=self.progress.samples,
        )

    # -- helpers ---------------------------------------------------------------------------------

    def elapsed(self):
        """Seconds since the module started."""
        return round(self.clock() - self.started_at, 3)

    def fail(self, msg, error=None):
        """Fail with the results gathered so far (and the API error's fields when there is one)."""
        self.result["elapsed"] = self.elapsed()
        if error is not None:
            self.module.fail_from_error(error, msg=msg, **self.result)
        self.module.fail_json(msg=msg, **self.result)

    def set_jobs(self, snapshot_job, clone_job):
        """Record the latest view of the current batch's two jobs."""
        if snapshot_job is not None:
            self.result["snapshot_job"] = snapshot_job
        if clone_job is not None:
            self.result["clone_job"] = clone_job

    # -- reads -----------------------------------------------------------------------------------

    def list_jobs(self, what="Failed to list the migration jobs"):
        """All migration jobs of the application."""
        try:
            return self.client.list_jobs()
        except NylasError as e:
            self.fail(what, e)

    def read_v2_accounts(self):
        """The v2 accounts, or None (with a warning) when the v2 reads are unavailable."""
        if not self.module.has_v2_credentials():
            return None
        try:
            accounts = self.module.v2_client.list_accounts()
        except NylasError as e:
            self.module.warn("The v2 account list could not be read (%s); deciding from v3 data alone" % e)
            return None
        self.result["v2_reads"] = True
        return accounts

    def plan(self, jobs, accounts):
        """Plan from the jobs, and from the v2 accounts and their grants when known."""
        grants = None
        if accounts is not None:
            try:
                grants = self.client.find_grants_by_account_ids(
                    [a.get("id") for a in scope_accounts(accounts, self.providers)])
            except NylasError as e:
                self.fail("Failed to read the existing grants", e)
        return plan_batch_clone(
            jobs, accounts, grants, providers=self.providers, mode=self.params["mode"],
            limit=self.params["limit"], offset=self.params["offset"], **self.flags
        )

    # -- the run ---------------------------------------------------------------------------------

    def run(self):
        """Plan, then start or attach, wait, and chain batches until nothing is left; exit with the result."""
        params = self.params
        jobs = self.list_jobs()
        accounts = None
        plan = plan_batch_clone(jobs, providers=self.providers, mode=params["mode"])
        if plan["action"] != "attach":
            accounts = self.read_v2_accounts()
            plan = self.plan(jobs, accounts)
        first = plan
        self.result.update(action=plan["action"], reason=plan["reason"], scope=public_scope(plan["scope"]))
        if plan["action"] == "none":
            placeholders = plan["scope"]["placeholder_account_ids"]
            self.result["reauth_required"] = dict(count=len(placeholders), account_ids=placeholders)
            self.finish(first)

        while True:
            if plan["action"] == "attach":
                self.result["attached"] = self.result["attached"] or not self.result["batches"]
                self.set_jobs(plan["snapshot_job"], plan["clone_job"])
            else:
                self.result["changed"] = True
                if self.module.check_mode:
                    self.finish(first)
                self.start(jobs)
            self.result["outcome"] = job_outcome(self.result["clone_job"], self.result["snapshot_job"])
            self.progress.record(self.clock() - self.started_at, self.result["snapshot_job"], self.result["clone_job"])
            if self.module.check_mode or not params["wait"]:
                self.result["counts"] = job_counts(self.result["clone_job"])
                self.finish(first)
            self.wait()
            self.end_batch()
            plan = self.next_plan(plan, accounts)
            if plan is None:
                break
            accounts = accounts if accounts is not None else self.read_v2_accounts()
        self.read_reauth_required(first)
        self.finish(first, judge=True)

    def next_plan(self, previous, accounts):
        """The plan of the next batch, or None when this run is done.

        Batches are chained only when O(limit) is not set (one batch covers at most
        ``API_BATCH_LIMIT`` accounts) and the v2 reads answer; a batch that leaves as many accounts
        pending as before ends the chain with a warning.
        """
        if self.params["limit"] is not None:
            return None
        if accounts is None:
            accounts = self.read_v2_accounts()
            if accounts is None:
                return None
        plan = self.plan(self.list_jobs(), accounts)
        if plan["action"] == "none":
            return None
        if plan["action"] == "start":
            before = (previous.get("scope") or {}).get("pending")
            if before is not None and plan["scope"]["pending"] >= before:
                self.module.warn("%d account(s) in scope are still without a grant after batch clone job %s; "
                                 "not starting another batch" % (plan["scope"]["pending"],
                                                                 self.result["clone_job"].get("job_id")))
                return None
        return plan

    def start(self, jobs_before):
        """Start a batch; a start whose outcome is unknown is decided by re-reading the jobs."""
        params = self.params
        offset = params["offset"]
        if params["mode"] == "all" and self.result["batches"]:
            # mode all selects migrated accounts too: the next batch covers the next window
            offset = (offset or 0) + API_BATCH_LIMIT * len(self.result["batches"])
        try:
            data = self.client.start_batch_clone(
                limit=params["limit"], offset=offset,
                providers=sorted(self.providers) if self.providers else None,
                mode=params["mode"], **self.flags
            )
        except NylasAPIError as e:
            found = None
            if e.outcome_unknown:
                found = find_new_batch(jobs_before, self.list_jobs("Failed to re-read the migration jobs after %s" % e))
            if not found:
                self.result["changed"] = bool(self.result["batches"])
                self.fail("Failed to start the batch clone", e)
            self.module.warn("The start request failed (%s) but a new batch clone is there; following it" % e)
            data = dict(snapshot_job=found[0], clone_job=found[1])
        except NylasError as e:
            self.result["changed"] = bool(self.result["batches"])
            self.fail("Failed to start the batch clone", e)
        data = data or {}
        self.result["job_started"] = True
        self.set_jobs(data.get("snapshot_job"), data.get("clone_job"))

    def wait(self):
        """Poll the jobs until the batch ends, the snapshot fails, or ``wait_timeout`` (for the whole run) passes."""
        snapshot, clone = self.result["snapshot_job"], self.result["clone_job"]
        ids = dict(
            snapshot_job_id=(snapshot or {}).get("job_id") or (clone or {}).get("linked_job_id"),
            clone_job_id=(clone or {}).get("job_id") or (snapshot or {}).get("linked_job_id"),
        )
        if self.waiter is None:
            self.waiter = Waiter(self.params["wait_timeout"], self.params["poll_interval"],
                                 clock=self.clock, sleep=self.sleep)

        def poll():
            jobs = self.list_jobs("Failed to read the migration jobs while waiting")
            snap, mig = find_jobs(jobs, **ids)
            if mig is None and snap is not None:
                mig = linked_job(snap, jobs)
                if mig is not None:
                    ids["clone_job_id"] = mig.get("job_id")
            self.set_jobs(snap, mig)
            return self.result["snapshot_job"], self.result["clone_job"]

        def sample(_elapsed, pair):
            self.progress.record(self.clock() - self.started_at, pair[0], pair[1])

        ok, pair = self.waiter.wait(poll, lambda pair: job_outcome(pair[1], pair[0]) != "running", on_sample=sample)[:2]
        self.result["outcome"] = job_outcome(pair[1], pair[0])
        if not ok:
            clone = pair[1] or {}
            counts = job_counts(clone)
            self.result["timed_out"] = True
            self.result["counts"] = add_counts(self.result["counts"], counts)
            self.fail(
                "Timed out after %s seconds waiting for migration job %s (snapshot job %s): status %s, "
                "%d of %d processed (%d failed, %d placeholders)" % (
                    self.params["wait_timeout"], ids["clone_job_id"], ids["snapshot_job_id"],
                    clone.get("status", "unknown"), counts["success"] + counts["failed"] + counts["warning"],
                    counts["all"], counts["failed"], counts["warning"]))

    def end_batch(self):
        """Record a finished batch; fail on a failed one, warn on a partial one (or fail, per fail_on_partial)."""
        snapshot = self.result["snapshot_job"] or {}
        clone = self.result["clone_job"] or {}
        outcome = self.result["outcome"]
        counts = job_counts(clone)
        self.result["batches"].append(dict(snapshot_job_id=snapshot.get("job_id"), clone_job_id=clone.get("job_id"),
                                           outcome=outcome, counts=counts))
        self.result["counts"] = add_counts(self.result["counts"], counts)
        if outcome == "snapshot_failed":
            self.fail("Snapshot job %s failed; its migration job %s did not run" % (
                snapshot.get("job_id"), clone.get("job_id") or snapshot.get("linked_job_id")))
        if outcome == "failed":
            self.fail("Migration job %s failed: %d of %d accounts failed" % (
                clone.get("job_id"), counts["failed"], counts["all"]))
        if outcome == "partial":
            msg = "Migration job %s ended partial: %d of %d accounts failed, %d became placeholder grants" % (
                clone.get("job_id"), counts["failed"], counts["all"], counts["warning"])
            if self.params["fail_on_partial"]:
                self.fail(msg)
            self.module.warn(msg)

    def read_reauth_required(self, plan):
        """Count the placeholders of the batches; list their account ids from the grants when readable."""
        count = self.result["counts"]["warning"]
        account_ids = []
        if count:
            try:
                grants = self.client.list_grants(grant_status=GRANT_PLACEHOLDER_STATUS)
            except NylasError as e:
                self.module.warn("Could not list the placeholder grants (%s)" % e)
                account_ids = None
            else:
                account_ids = [g.get("account_id") for g in grants if g.get("account_id")]
                scope = plan.get("scope")
                if scope:
                    wanted = set(scope["unmigrated_account_ids"])
                    account_ids = [a for a in account_ids if a in wanted]
        self.result["reauth_required"] = dict(count=count, account_ids=account_ids)

    def finish(self, plan, judge=False):
        """Exit with the result; with ``judge``, a final outcome worse than the batches' is reported."""
        self.result["elapsed"] = self.elapsed()
        self.result["diff"] = batch_diff(plan, self.result["clone_job"] if self.result["job_started"] else None)
        if judge and len(self.result["batches"]) > 1:
            outcomes = [b["outcome"] for b in self.result["batches"]]
            self.result["outcome"] = "partial" if "partial" in outcomes else self.result["outcome"]
        self.module.exit_json(**self.result)


def add_counts(total, counts):
    """The sum of two ``counts`` dicts."""
    return dict((k, total.get(k, 0) + counts.get(k, 0)) for k in ("all", "success", "failed", "warning"))


def public_scope(scope):
    """The scope as returned: counts and the not-migratable ids (long id lists left out)."""
    if not scope:
        return None
    keys = ("providers", "accounts", "selected", "migrated", "unmigrated", "not_migratable", "not_migratable_account_ids",
            "already_failed", "pending")
    return dict((k, scope[k]) for k in keys)


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
        ),
        supports_check_mode=True,
    )
    params = module.params
    problems = []
    if params["limit"] is not None and params["limit"] < 1:
        problems.append("limit must be 1 or more")
    if params["offset"] is not None and params["offset"] < 0:
        problems.append("offset must be 0 or more")
    if params["wait_timeout"] < 0:
        problems.append("wait_timeout must be 0 or more seconds")
    if params["poll_interval"] < MIN_POLL_INTERVAL:
        problems.append("poll_interval must be at least %s seconds" % MIN_POLL_INTERVAL)
    if problems:
        module.fail_json(msg="; ".join(problems), changed=False)
    try:
        BatchClone(module, clock=clock, sleep=sleep).run()
    except PlanningError as e:
        module.fail_json(msg=str(e), changed=False)


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
