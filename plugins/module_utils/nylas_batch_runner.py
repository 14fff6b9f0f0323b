# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The loop of a batch clone run: read, plan, start or attach, wait, chain batches, report.

A runner: it reads through the client, asks :mod:`nylas_batch_planning` what to do, writes, waits
(:mod:`nylas_waiter`) and gathers the result. It takes no decision of its own. Failures end the
module through the :class:`NylasModule` given, with the results gathered so far.
"""

from __future__ import annotations

import datetime
import os
import time

from ansible_collections.nylas.migration.plugins.module_utils.nylas_batch_planning import (
    VERDICT_FAIL,
    VERDICT_WARN,
    attempted_without_grant,
    batch_diff,
    batch_entry,
    batch_job_ids,
    chains_batches,
    covered_accounts,
    distinct_counts,
    final_outcome,
    find_jobs,
    find_new_batch,
    job_counts,
    job_outcome,
    judge_batch,
    linked_job,
    next_batch_decision,
    next_batch_offset,
    normalize_providers,
    placeholder_account_ids,
    plan_batch_clone,
    public_scope,
    reauth_scope,
    scope_accounts,
    sum_job_counts,
    timeout_message,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_clone_planning import (
    GRANT_PLACEHOLDER_STATUS,
    forecast_summary,
    outcome_beside_forecast,
    outcome_of_grants,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_progress import progress_document
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import planned_request, start_batch_clone_request
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report import (
    BASIS_V2_AND_V3,
    build_rows,
    latest_jobs,
    pair_forecast,
    rows_document,
    summarize_rows,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_files import write_private_json
from ansible_collections.nylas.migration.plugins.module_utils.nylas_waiter import ProgressLog, Waiter


def run_batch_clone(module, clock=time.monotonic, sleep=time.sleep):
    """Run a batch clone as the module's options say; return the module result (a dict).

    Args:
        module: the :class:`NylasModule` (options ``providers``, ``mode``, ``limit``, ``offset``, the
            clone flags, ``wait``, ``wait_timeout``, ``poll_interval``, ``fail_on_partial``).
        clock, sleep: the monotonic clock and the sleep the waiter uses (injectable for tests).

    Returns the result: ``changed``, ``action``, ``reason``, ``attached``, ``job_started``, ``outcome``,
    ``snapshot_job``, ``clone_job``, ``counts``, ``batches``, ``reauth_required``, ``scope``,
    ``forecast`` (of the first plan), ``planned_requests`` (the start request check mode would send),
    ``forecast_vs_outcome`` (after batches ended), ``forecast_summary`` (one line of both), ``v2_reads``,
    ``elapsed``, ``progress`` and ``diff``. When the v2 reads answered and the run started no batch, or
    waited for its batches, ``counts`` and ``reauth_required`` are by distinct account, from the jobs and
    grants read last (:func:`distinct_counts`); otherwise ``counts`` sums the migration jobs' counts.
    ``batches`` keeps each job's own counts.

    Raises ``PlanningError`` for an invalid ``providers`` or ``mode``. Fails the module (partial result
    kept) on a failed read or start, a failed batch, a partial one with ``fail_on_partial``, or a timeout.
    Endpoints: ``GET /v3/migration-tools/jobs``, ``POST /v3/migration-tools/snapshot-batch-clone``,
    ``GET /v3/grants`` (by account ids, and the placeholders), v2 ``GET /a/{client_id}/accounts``.
    """
    return _BatchRun(module, clock, sleep).run()


class _BatchRun:
    """The state of one run (result gathered so far, waiter, progress) and the steps that change it."""

    def __init__(self, module, clock, sleep):
        self.module = module
        self.params = module.params
        self.client = module.client
        self.clock = clock
        self.sleep = sleep
        self.started_at = clock()
        self.waiter = None
        self.accounts = None  # the v2 accounts, once read
        self.jobs = None  # the latest job listing
        self.progress = ProgressLog()
        self.covered = set()  # ids of the accounts the batches of this run covered (as planned)
        self.batch_ids = None  # ids of the accounts the current batch covers, when planned
        self.reads = None  # (jobs, grants_by_account) read since the last batch ended, or None
        self.final = None  # (jobs, grants_by_account) the result's counts come from
        self.first_reads = None  # (jobs, grants_by_account) the first plan of the run came from
        self.progress_path = self.params.get("progress_path")  # written while waiting; None after a failed write
        self.progress_written = False
        self.providers = normalize_providers(self.params["providers"])
        self.flags = dict(
            allow_invalid_grant_creation=self.params["allow_invalid_grant_creation"],
            clone_exchange=self.params["clone_exchange"],
        )
        self.result = dict(
            changed=False, action="none", reason="", attached=False, job_started=False, outcome="none",
            snapshot_job=None, clone_job=None, counts=job_counts(None), batches=[],
            reauth_required=dict(count=0, account_ids=None), scope=None, forecast=None, planned_requests=[],
            forecast_vs_outcome=None, forecast_summary="", v2_reads=False, elapsed=0.0, progress=self.progress.samples,
        )

    # -- helpers ---------------------------------------------------------------------------------

    def elapsed(self):
        """Seconds since the run started."""
        return round(self.clock() - self.started_at, 3)

    def fail(self, msg):
        """Fail with ``msg`` and the results gathered so far."""
        self.remove_progress()
        self.result["elapsed"] = self.elapsed()
        self.module.fail_json(msg=msg, **self.result)

    def call(self, fn, *args, msg):
        """``fn(*args)``, failing the run with ``msg`` and the results so far on a ``NylasError``; the
        message names the endpoint and the request id of the failed request."""
        self.result["elapsed"] = self.elapsed()
        return self.module.call(fn, *args, msg=msg, name_endpoint=True, **self.result)

    def write_progress(self):
        """With ``progress_path``, replace that file with the progress of the current batch (atomically).

        The document (:func:`nylas_progress.progress_document`) comes from the latest job reads, so
        writing it costs no request. A failed write warns once and stops the progress file, never the run.
        """
        if not self.progress_path:
            return
        document = progress_document(
            self.params.get("label"), self.clock() - self.started_at, time.time(), self.result["snapshot_job"],
            self.result["clone_job"], job_counts(self.result["clone_job"]), batch=len(self.result["batches"]) + 1,
            planned=len(self.batch_ids) if self.batch_ids is not None else None,
            finished_counts=self.result["counts"] if self.result["batches"] else None,
        )
        try:
            write_private_json(self.progress_path, document, indent=None)
            self.progress_written = True
        except (OSError, ValueError) as e:
            self.module.warn("Could not write the progress file %s (%s); the wait goes on without it"
                             % (self.progress_path, e))
            self.progress_path = None

    def remove_progress(self):
        """Remove the progress file at the end of the run (its final state is the module's result)."""
        if self.progress_written and os.path.exists(self.progress_path or ""):
            try:
                os.unlink(self.progress_path)
            except OSError:
                pass

    def set_jobs(self, snapshot_job, clone_job):
        """Record the latest view of the current batch's two jobs."""
        if snapshot_job is not None:
            self.result["snapshot_job"] = snapshot_job
        if clone_job is not None:
            self.result["clone_job"] = clone_job

    # -- reads -----------------------------------------------------------------------------------

    def list_jobs(self, what="Failed to list the migration jobs"):
        """All migration jobs of the application (``GET /v3/migration-tools/jobs``); kept as the latest listing."""
        self.jobs = self.call(self.client.list_jobs, msg=what)
        return self.jobs

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
        self.accounts = accounts
        return accounts

    def read_grants(self, accounts):
        """The grants of the accounts in scope, ``{account_id: grant}``: a walk of every grant or a lookup
        by ids, whichever is cheaper for an application of ``len(accounts)`` accounts."""
        ids = [a.get("id") for a in scope_accounts(accounts, self.providers)]
        return self.call(lambda: self.client.find_grants_by_account_ids(ids, grant_bound=len(accounts)),
                         msg="Failed to read the existing grants")

    def batch_offset(self):
        """The ``offset`` of the next batch (:func:`next_batch_offset`)."""
        return next_batch_offset(self.params["mode"], self.params["offset"], self.result["batches"])

    def plan(self, jobs, accounts):
        """Plan the next batch from the jobs, and from the v2 accounts and their grants when known."""
        grants = None
        if accounts is not None:
            grants = self.read_grants(accounts)
            self.reads = (jobs, grants)
            if self.first_reads is None:
                self.first_reads = self.reads
        return plan_batch_clone(
            jobs, accounts, grants, providers=self.providers, mode=self.params["mode"],
            limit=self.params["limit"], offset=self.batch_offset(), covered=self.covered, **self.flags
        )

    # -- the run ---------------------------------------------------------------------------------

    def run(self):
        """Plan, then start or attach, wait, and chain batches until nothing is left; return the result."""
        params = self.params
        jobs = self.list_jobs()
        accounts = None
        plan = plan_batch_clone(jobs, providers=self.providers, mode=params["mode"])
        if plan["action"] != "attach":
            accounts = self.read_v2_accounts()
            plan = self.plan(jobs, accounts)
        first = plan
        self.result.update(action=plan["action"], reason=plan["reason"], scope=public_scope(plan["scope"]),
                           forecast=plan.get("forecast"))
        if plan["action"] == "none":
            self.count_accounts(accounts)
            return self.finish(first)

        while True:
            self.reads = None
            self.batch_ids = (plan.get("scope") or {}).get("batch_account_ids")
            if plan["action"] == "attach":
                self.result["attached"] = self.result["attached"] or not self.result["batches"]
                self.set_jobs(plan["snapshot_job"], plan["clone_job"])
            else:
                self.result["changed"] = True
                if self.module.check_mode:
                    self.result["planned_requests"] = [planned_request(start_batch_clone_request(**self.start_args()))]
                    return self.finish(first)
                self.start(self.jobs)
            self.result["outcome"] = job_outcome(self.result["clone_job"], self.result["snapshot_job"])
            self.progress.record(self.clock() - self.started_at, self.result["snapshot_job"], self.result["clone_job"])
            if self.module.check_mode or not params["wait"]:
                self.result["counts"] = job_counts(self.result["clone_job"])
                return self.finish(first)
            self.write_progress()
            self.wait()
            self.end_batch()
            plan = self.next_plan(plan, accounts)
            if plan is None:
                break
            accounts = self.accounts
        if self.accounts is not None:
            self.count_accounts(self.accounts)
        else:
            self.read_reauth_required(first)
        self.result["outcome"] = final_outcome(self.result["batches"], self.result["outcome"])
        self.read_outcome(first)
        return self.finish(first)

    def next_plan(self, previous, accounts):
        """The plan of the next batch, or None when this run is done (:func:`next_batch_decision`)."""
        if not chains_batches(self.params["limit"]):
            return None
        if accounts is None:
            accounts = self.read_v2_accounts()
        plan = None if accounts is None else self.plan(self.list_jobs(), accounts)
        chain, warning = next_batch_decision(plan, previous, (self.result["clone_job"] or {}).get("job_id"))
        if warning:
            self.module.warn(warning)
        return plan if chain else None

    def start_args(self):
        """The arguments of the next batch's start request (``start_batch_clone`` and its request builder)."""
        params = self.params
        return dict(
            limit=params["limit"],
            offset=self.batch_offset(),
            providers=sorted(self.providers) if self.providers else None,
            mode=params["mode"], **self.flags
        )

    def start(self, jobs_before):
        """Start a batch; a start whose outcome is unknown is settled by re-reading the jobs (``settle_write``)."""
        failed = []

        def write():
            try:
                return self.client.start_batch_clone(**self.start_args()) or {}
            except NylasError as e:
                failed.append(e)
                raise

        def reread():
            jobs_after = self.list_jobs("Failed to re-read the migration jobs after %s" % failed[0])
            found = find_new_batch(jobs_before, jobs_after)
            return dict(snapshot_job=found[0], clone_job=found[1]) if found else None

        def warning(error):
            return "The start request failed (%s) but a new batch clone is there; following it" % error

        self.result["elapsed"] = self.elapsed()
        data = self.module.settle_write(write, reread, bool, warning, msg="Failed to start the batch clone",
                                        if_unknown=dict(msg="The outcome of the batch clone start is unknown"),
                                        **dict(self.result, changed=bool(self.result["batches"])))
        self.result["job_started"] = True
        self.set_jobs(data.get("snapshot_job"), data.get("clone_job"))

    def wait(self):
        """Poll the jobs until the batch ends, the snapshot fails, or ``wait_timeout`` (for the whole run) passes."""
        ids = batch_job_ids(self.result["snapshot_job"], self.result["clone_job"])
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
            self.write_progress()

        ok, pair = self.waiter.wait(poll, lambda pair: job_outcome(pair[1], pair[0]) != "running", on_sample=sample)[:2]
        self.result["outcome"] = job_outcome(pair[1], pair[0])
        if not ok:
            self.result["timed_out"] = True
            self.result["counts"] = sum_job_counts(self.result["counts"], job_counts(pair[1]))
            self.fail(timeout_message(self.params["wait_timeout"], ids, pair[1]))

    def end_batch(self):
        """Record a finished batch; fail or warn as :func:`judge_batch` says."""
        snapshot, clone, outcome = self.result["snapshot_job"], self.result["clone_job"], self.result["outcome"]
        entry = batch_entry(snapshot, clone, outcome)
        self.result["batches"].append(entry)
        self.covered.update(covered_accounts(self.batch_ids, clone))
        self.result["counts"] = sum_job_counts(self.result["counts"], entry["counts"])
        verdict, message = judge_batch(outcome, snapshot, clone, self.params["fail_on_partial"])
        if verdict == VERDICT_FAIL:
            self.fail(message)
        if verdict == VERDICT_WARN:
            self.module.warn(message)

    def count_accounts(self, accounts):
        """Set ``counts`` and ``reauth_required`` by distinct account, from the jobs and grants after the run.

        Failed: the accounts without a grant that the batches of this run covered, or that the
        report counts ``failed`` (:func:`attempted_without_grant` with the strictest flags).
        """
        jobs, grants = self.reads or (self.list_jobs("Failed to re-read the migration jobs"),
                                      self.read_grants(accounts))
        self.final = (jobs, grants)
        in_scope = scope_accounts(accounts, self.providers)
        attempted = attempted_without_grant(in_scope, grants, jobs, covered=self.covered)
        self.result["counts"] = distinct_counts(in_scope, grants, attempted)
        account_ids = placeholder_account_ids(in_scope, grants)
        self.result["reauth_required"] = dict(count=len(account_ids), account_ids=account_ids)

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
                account_ids = reauth_scope(grants, plan.get("scope"))
        self.result["reauth_required"] = dict(count=count, account_ids=account_ids)

    def read_outcome(self, plan):
        """Set ``forecast_vs_outcome``: the grants of the accounts the plan forecast, re-read after the run.

        Uses the grants the counts were taken from after the last batch (``self.final``: every account in
        scope) when there are; otherwise reads ``GET /v3/grants?account_ids=``, and warns and leaves it
        None when that read fails.
        """
        if not plan.get("forecast") or not plan.get("scope"):
            return
        account_ids = plan["scope"]["unmigrated_account_ids"]
        if self.final is not None:
            grants = self.final[1]
        else:
            try:
                grants = self.client.find_grants_by_account_ids(account_ids)
            except NylasError as e:
                self.module.warn("Could not re-read the grants to set the outcome beside the forecast (%s)" % e)
                return
        self.result["forecast_vs_outcome"] = outcome_beside_forecast(plan["forecast"],
                                                                     outcome_of_grants(account_ids, grants))

    def write_report_rows(self):
        """With ``rows_path``, write the report's rows of the pair from the reads the counts came from.

        Only when they cover every account: the v2 accounts were read, no ``providers`` narrowed the
        grants read, and the jobs and grants were read after the last batch ended (or, with nothing
        started, when the run planned). The document is the one ``nylas_migration_info`` writes
        (:func:`nylas_report.rows_document`), so the report reads it as is; ``report`` in the result
        carries what that module returns. Endpoint: ``GET /v3/applications`` (the application's ids).
        """
        path = self.params.get("rows_path")
        reads = self.final
        if reads is None and self.result["action"] != "attach" and not self.result["job_started"]:
            reads = self.first_reads  # nothing was started (check mode, or nothing to do): still the state
        if not path or self.accounts is None or self.providers or reads is None:
            return
        jobs, grants = reads
        application = self.call(self.client.get_application, msg="Failed to read the v3 application") or {}
        application_id = application.get("application_id")
        label = self.params.get("label") or application_id
        region = self.params["region"]
        rows = build_rows(self.accounts, grants, jobs, application_id, region, pair=label)
        summary = summarize_rows(rows, BASIS_V2_AND_V3, jobs=jobs, accounts=self.accounts, grants_by_account=grants)
        summary["forecast"] = pair_forecast(self.accounts, grants, summary["by_status"], **self.flags)
        latest = latest_jobs(jobs)
        generated_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        document = rows_document(rows, summary, application_id, region, label, BASIS_V2_AND_V3, jobs=latest,
                                 v2_application_id=application.get("v2_application_id"), generated_at=generated_at)
        try:
            write_private_json(path, document, indent=None)
        except (OSError, ValueError) as e:
            self.fail("Failed to write the rows file %s: %s" % (path, e))  # the path, never the rows
        self.result["report"] = dict(
            application_id=application_id, v2_application_id=application.get("v2_application_id"), region=region,
            label=label, basis=BASIS_V2_AND_V3, v2_reads_error=None, accounts=summary["accounts"],
            summary=summary, jobs=latest, rows_path=path,
        )

    def finish(self, plan):
        """The result, with ``elapsed`` and the ``diff`` of ``plan`` (the first plan of the run)."""
        self.remove_progress()
        self.write_report_rows()
        self.result["elapsed"] = self.elapsed()
        self.result["forecast_summary"] = forecast_summary(self.result["forecast"], self.result["forecast_vs_outcome"])
        self.result["diff"] = batch_diff(plan, self.result["clone_job"] if self.result["job_started"] else None,
                                         planned_requests=self.result["planned_requests"])
        return self.result
