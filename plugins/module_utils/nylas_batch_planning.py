# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure decisions of the batch clone (nylas_batch_clone): scope, plan, jobs, batches, verdicts.

Nothing here performs HTTP or touches Ansible: functions take what the API returned (plain dicts)
and the module's options, and return what to do or what to report. The loop that applies these
decisions is :mod:`nylas_batch_runner`; the per-account outcome rules and provider maps shared with
the grant clone are in :mod:`nylas_clone_planning`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.nylas.migration.plugins.module_utils.nylas_clone_planning import (
    V3_BATCH_PROVIDERS,
    forecast_clone,
    is_placeholder,
    predict_clone_outcome,
    v3_scope_names,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

JOB_ACTIVE_STATUSES = ("pending", "running")
JOB_FINISHED_STATUSES = ("completed", "partial", "failed")

BATCH_MODES = ("all", "only_new", "only_failed")

#: Accounts one batch covers when ``limit`` is not set (the API's default limit).
API_BATCH_LIMIT = 1000

#: What :func:`judge_batch` says of a finished batch.
VERDICT_OK = "ok"
VERDICT_WARN = "warn"
VERDICT_FAIL = "fail"

#: Keys of the ``scope`` a batch clone result returns (the long id lists are left out).
PUBLIC_SCOPE_KEYS = ("providers", "accounts", "selected", "migrated", "unmigrated", "not_migratable",
                     "not_migratable_account_ids", "attempted", "already_failed", "pending")


# --------------------------------------------------------------------------------------------
# Scope and plan


def normalize_providers(providers):
    """Validate a providers list; return a frozenset, or None for "all supported providers"."""
    if not providers:
        return None
    wanted = frozenset(str(p).strip().lower() for p in providers)
    unknown = sorted(wanted - frozenset(V3_BATCH_PROVIDERS))
    if unknown:
        raise PlanningError(
            "unknown provider(s) %s: expected a subset of %s" % (", ".join(unknown), ", ".join(V3_BATCH_PROVIDERS))
        )
    return wanted


def account_in_scope(v2_account, providers):
    """True when the batch clone with ``providers`` (a set, or None for all) covers the account.

    Without a providers filter every account is covered, those without a v3 equivalent included
    (the API attempts them, and they fail).
    """
    if providers is None:
        return True
    return bool(v3_scope_names(v2_account) & providers)


def scope_accounts(v2_accounts, providers):
    """The v2 accounts ``providers`` (a set, or None for all) selects, in v2 list order (oldest link first)."""
    return [a for a in v2_accounts or [] if account_in_scope(a, providers)]


def select_batch_accounts(in_scope, grants_by_account, mode, limit=None, offset=None, attempted=None):
    """The accounts a batch clone processes: the mode's selection, then the ``offset``/``limit`` window.

    Args:
        in_scope: the v2 accounts in scope (:func:`scope_accounts`), in snapshot order.
        grants_by_account: ``{account_id: grant}`` of the accounts that have a grant.
        mode: ``all``, ``only_new`` or ``only_failed``.
        limit, offset: the window (None: no limit, offset 0).
        attempted: ids of accounts without a grant known to have attempted migration
            (:func:`attempted_without_grant`), or None.

    Returns the selected accounts, in order. The API's modes (the contract): ``all`` every account
    in scope; ``only_new`` the accounts that never attempted migration, which from the outside are
    the accounts without a grant that are not in ``attempted`` (an account that failed and was not
    recognised as attempted is selected here, and not by the API); ``only_failed`` the accounts
    whose last attempt failed, approximated by the accounts without a grant. The window applies
    after the selection, as the API does.
    """
    grants_by_account = grants_by_account or {}
    attempted = set(attempted or ())
    if mode == "all":
        selected = list(in_scope)
    else:
        selected = [a for a in in_scope if not grants_by_account.get(a.get("id"))]
        if mode == "only_new":
            selected = [a for a in selected if a.get("id") not in attempted]
    start = int(offset or 0)
    end = None if limit is None else start + int(limit)
    return selected[start:end]


def failing_jobs(jobs):
    """The finished migration jobs that reported at least one failed account, oldest first."""
    return sorted(
        (j for j in jobs or [] if isinstance(j, dict) and j.get("type") == "migration"
         and j.get("status") in JOB_FINISHED_STATUSES and int(j.get("count_failed") or 0) > 0),
        key=_created,
    )


def covering_job(account, jobs):
    """The most recent of ``jobs`` that could have processed ``account``, or None.

    A job covers an account linked in v2 no later than the job was created (an account or job
    without a time is taken as covered). The API does not return a job's providers, limit or
    offset, so a covering job may not have reached the account.
    """
    linked_at = account.get("linked_at")
    covering = [j for j in jobs if not linked_at or not j.get("created_at") or j["created_at"] >= linked_at]
    return max(covering, key=_created) if covering else None


def attempted_without_grant(accounts, grants_by_account, jobs, allow_invalid_grant_creation=False,
                            clone_exchange=False, covered=None):
    """The ids of the accounts without a grant that are known to have attempted migration (and failed).

    The API does not say which accounts a job tried, so from the outside an account without a grant
    counts as attempted when:

    - its id is in ``covered``: the accounts the batches of this run covered (the caller knows
      their windows); or
    - a finished migration job that reported failures covers it (:func:`covering_job`) and the
      documented rules (:func:`predict_clone_outcome`) say it fails under the strictest flags (both
      false: the flags of a past job are not known), provided the failures the finished jobs
      reported are enough for all such accounts (and those of ``covered``); or
    - when they are not enough (a job may not have reached an account: its providers, limit and
      offset are not returned), a covering job that reported failures and the rules say the account
      fails with the given flags.

    With the strictest flags (the defaults) this is the report's ``failed`` status
    (:mod:`nylas_report`). The third rule is sound for deciding whether to start a job: an account
    it takes as attempted cannot be cloned with the given flags anyway, so only ``selected`` can be
    off, never ``pending``. The second rule may take as attempted an account a job never reached,
    when the failures reported by the jobs happen to number at least the accounts it names.

    Args:
        accounts: v2 accounts; grants_by_account: ``{account_id: grant}``; jobs: the migration jobs;
        allow_invalid_grant_creation, clone_exchange: the flags of the third rule (None is the API's
            default, true); covered: account ids, or None.

    Returns a set of account ids.
    """
    grants_by_account = grants_by_account or {}
    covered = set(covered or ())
    failing = failing_jobs(jobs)
    reported = sum(int(j.get("count_failed") or 0) for j in failing)
    mine, strict, with_flags = set(), set(), set()
    for account in accounts or []:
        account_id = account.get("id")
        if not account_id or grants_by_account.get(account_id):
            continue
        if account_id in covered:
            mine.add(account_id)
        elif failing and covering_job(account, failing) is not None:
            if predict_clone_outcome(account, False, False) == "failure":
                strict.add(account_id)
            if predict_clone_outcome(account, allow_invalid_grant_creation, clone_exchange) == "failure":
                with_flags.add(account_id)
    if len(mine) + len(strict) <= reported:
        return mine | strict
    return mine | with_flags


# --------------------------------------------------------------------------------------------
# Jobs


def _created(job):
    return (job.get("created_at") or 0, job.get("updated_at") or 0)


def _by_id(jobs):
    return dict((j.get("job_id"), j) for j in jobs if j.get("job_id"))


def linked_job(job, jobs):
    """The job linked to ``job`` (its snapshot or clone partner), or None."""
    if not job:
        return None
    by_id = _by_id(jobs)
    partner = by_id.get(job.get("linked_job_id"))
    if partner:
        return partner
    for other in jobs:
        if other.get("linked_job_id") == job.get("job_id"):
            return other
    return None


def find_active_job(jobs):
    """Find a batch clone in progress: ``(snapshot_job, clone_job)``, or None.

    A batch clone is in progress when its migration job, or its snapshot job (the migration job
    waits for it), is pending or running. The most recently created one wins.
    """
    jobs = list(jobs or [])
    active = [j for j in jobs if j.get("status") in JOB_ACTIVE_STATUSES]
    if not active:
        return None
    return _newest_batch(active, jobs)


def find_jobs(jobs, snapshot_job_id=None, clone_job_id=None):
    """Return ``(snapshot_job, clone_job)`` found by id in a job list (None for a missing one)."""
    by_id = _by_id(jobs or [])
    return by_id.get(snapshot_job_id), by_id.get(clone_job_id)


def find_new_batch(jobs_before, jobs_after):
    """The batch clone that appeared between two job listings: ``(snapshot_job, clone_job)`` or None.

    Used after a start request whose outcome is unknown, to tell whether the server started it.
    """
    known = set(j.get("job_id") for j in jobs_before or [])
    new = [j for j in jobs_after or [] if j.get("job_id") not in known]
    if not new:
        return None
    return _newest_batch(new, jobs_after)


def _newest_batch(candidates, jobs):
    """``(snapshot_job, clone_job)`` of the newest candidate, a migration job preferred, paired via ``jobs``."""
    migrations = [j for j in candidates if j.get("type") == "migration"]
    job = max(migrations or candidates, key=_created)
    partner = linked_job(job, jobs)
    if job.get("type") == "migration":
        return partner, job
    return job, partner


def latest_finished_migration_job(jobs):
    """The most recent migration job that is completed, partial or failed, or None."""
    done = [j for j in jobs or [] if j.get("type") == "migration" and j.get("status") in JOB_FINISHED_STATUSES]
    return max(done, key=_created) if done else None


def job_counts(job):
    """The counts of a migration job as ``{all, success, failed, warning}`` (zeros when no job)."""
    job = job or {}
    return {
        "all": int(job.get("count_all") or 0),
        "success": int(job.get("count_success") or 0),
        "failed": int(job.get("count_failed") or 0),
        "warning": int(job.get("count_warning") or 0),
    }


def job_outcome(clone_job, snapshot_job=None):
    """Where a batch clone stands: running, completed, partial, failed or snapshot_failed.

    A failed snapshot job ends the batch at once (its clone job would never run).
    """
    if snapshot_job and snapshot_job.get("status") == "failed":
        return "snapshot_failed"
    status = (clone_job or {}).get("status")
    if status in JOB_FINISHED_STATUSES:
        return status
    return "running"


def unexplained_failures(job, v2_accounts, grants_by_account):
    """How many failures of a finished migration job no documented rule explains.

    The failures are compared with the accounts without a grant (across the application, as the
    job's scope and flags are not known) that fail under the strictest flags. Accounts outside the
    grants map are taken as without a grant.
    """
    grants_by_account = grants_by_account or {}
    could_fail = [
        a for a in v2_accounts or []
        if not grants_by_account.get(a.get("id"))
        and predict_clone_outcome(a, allow_invalid_grant_creation=False, clone_exchange=False) == "failure"
    ]
    return max(0, job_counts(job)["failed"] - len(could_fail))


def plan_batch_clone(
    jobs,
    v2_accounts=None,
    grants_by_account=None,
    providers=None,
    mode="only_new",
    limit=None,
    offset=None,
    allow_invalid_grant_creation=None,
    clone_exchange=None,
    covered=None,
):
    """Decide what a batch clone run does: ``attach``, ``start`` or ``none``.

    - A pending/running batch clone is attached to, never doubled.
    - Without v2 accounts (``v2_accounts is None``: v2 reads unavailable) a job is started.
    - Otherwise the accounts the batch would process are selected as the API does
      (:func:`scope_accounts`, then :func:`select_batch_accounts`). With ``mode: only_new`` the
      accounts without a grant known to have attempted migration (:func:`attempted_without_grant`
      with the given flags and ``covered``; ``attempted``) are not selected: the API's ``only_new``
      never tries an account again. Of the selected accounts without a grant, the accounts the
      documented rules say cannot be cloned with the given flags are left out
      (``not_migratable``): re-running cannot migrate them. With ``mode: only_new`` and no
      ``covered``, the failures of the latest finished migration job that no documented rule
      explains (:func:`unexplained_failures`, ``already_failed``) are left out too, so that a
      failure nobody can predict does not start a job on every run (with ``covered`` that job is
      the run's own last batch, whose failures are all in ``covered`` already).
      A job is started only when accounts remain (``pending``).

    ``covered``: the ids of the accounts the earlier batches of this run covered (their
    ``batch_account_ids``), or None.

    Returns a dict with ``action``, ``reason``, ``snapshot_job``, ``clone_job`` (the active pair
    when attaching), ``scope`` (counts and id lists, or None without v2 accounts) and ``forecast``
    (:func:`forecast_clone` of the selected accounts without a grant under the flags, or None
    without v2 accounts or when attaching). The scope's ``batch_account_ids`` are the accounts the
    batch would process: the selection in the window of ``offset`` and ``limit``
    (:data:`API_BATCH_LIMIT` when None, as the API does).
    """
    if mode not in BATCH_MODES:
        raise PlanningError("mode must be one of %s" % ", ".join(BATCH_MODES))
    wanted = normalize_providers(providers)
    jobs = list(jobs or [])
    active = find_active_job(jobs)
    if active:
        snapshot_job, clone_job = active
        running = clone_job or snapshot_job
        return {
            "action": "attach",
            "reason": "batch clone job %s is already %s" % (running.get("job_id"), running.get("status")),
            "snapshot_job": snapshot_job,
            "clone_job": clone_job,
            "scope": None,
            "forecast": None,
        }
    if v2_accounts is None:
        return {
            "action": "start",
            "reason": "v2 accounts unknown: starting a batch clone job",
            "snapshot_job": None,
            "clone_job": None,
            "scope": None,
            "forecast": None,
        }
    grants_by_account = grants_by_account or {}
    in_scope = scope_accounts(v2_accounts, wanted)
    attempted = set()
    if mode == "only_new":
        attempted = attempted_without_grant(in_scope, grants_by_account, jobs, allow_invalid_grant_creation,
                                            clone_exchange, covered)
    selected = select_batch_accounts(in_scope, grants_by_account, mode, limit=limit, offset=offset,
                                     attempted=attempted)
    batch = select_batch_accounts(in_scope, grants_by_account, mode, offset=offset, attempted=attempted,
                                  limit=API_BATCH_LIMIT if limit is None else limit)
    migrated = [a for a in in_scope if grants_by_account.get(a.get("id"))]
    unmigrated = [a for a in selected if not grants_by_account.get(a.get("id"))]
    not_migratable = [
        a for a in unmigrated
        if predict_clone_outcome(a, allow_invalid_grant_creation, clone_exchange) == "failure"
    ]
    candidates = len(unmigrated) - len(not_migratable)
    already_failed = 0
    last = latest_finished_migration_job(jobs)
    if mode == "only_new" and last and not covered:
        already_failed = min(unexplained_failures(last, v2_accounts, grants_by_account), candidates)
    pending = candidates - already_failed
    scope = {
        "providers": sorted(wanted) if wanted else list(V3_BATCH_PROVIDERS),
        "accounts": len(in_scope),
        "selected": len(selected),
        "migrated": len(migrated),
        "unmigrated": len(unmigrated),
        "not_migratable": len(not_migratable),
        "attempted": len(attempted),
        "already_failed": already_failed,
        "pending": pending,
        "unmigrated_account_ids": [a.get("id") for a in unmigrated],
        "not_migratable_account_ids": [a.get("id") for a in not_migratable],
        "batch_account_ids": [a.get("id") for a in batch],
        "placeholder_account_ids": [
            a.get("id") for a in migrated if is_placeholder(grants_by_account.get(a.get("id")))
        ],
    }
    if pending > 0:
        reason = "%d in-scope account(s) without a grant" % pending
        action = "start"
    else:
        reason = ("no in-scope account left to migrate (%d migrated, %d not migratable, %d already attempted, "
                  "%d already failed)" % (len(migrated), len(not_migratable), len(attempted), already_failed))
        action = "none"
    forecast = forecast_clone(unmigrated, allow_invalid_grant_creation, clone_exchange)
    return {"action": action, "reason": reason, "snapshot_job": None, "clone_job": None, "scope": scope,
            "forecast": forecast}


def batch_diff(plan, clone_job=None, planned_requests=None):
    """Before/after of the batch clone job for ``--diff``: equal unless a job is (or would be) started.

    ``clone_job`` is the started migration job (None in check mode: the id is not known yet);
    ``planned_requests`` the start request(s) check mode would send (method, path, query, body), shown
    under ``after``. When a job is (or would be) started the plan's forecast is shown too.
    """
    if plan["action"] == "attach":
        current = {"batch_clone_job": (plan.get("clone_job") or plan.get("snapshot_job") or {}).get("job_id")}
        return {"before": current, "after": dict(current)}
    if plan["action"] != "start":
        return {"before": {"batch_clone_job": None}, "after": {"batch_clone_job": None}}
    after = {"batch_clone_job": (clone_job or {}).get("job_id") or "(new job)"}
    if plan.get("scope"):
        after["accounts_to_migrate"] = plan["scope"]["pending"]
    if plan.get("forecast"):
        after["forecast"] = plan["forecast"]
    if planned_requests:
        after["planned_requests"] = planned_requests
    return {"before": {"batch_clone_job": None}, "after": after}


# --------------------------------------------------------------------------------------------
# Batches: chaining, windows, verdicts


def sum_job_counts(total, counts):
    """Return the sum of two job ``counts`` dicts (``{all, success, failed, warning}``), a new dict.

    Not to be confused with the report's per-status tallies (``nylas_report``), which may be unknown.
    """
    return dict((k, total.get(k, 0) + counts.get(k, 0)) for k in ("all", "success", "failed", "warning"))


def public_scope(scope):
    """Return the scope of a plan as a result shows it (counts and not-migratable ids), or None."""
    if not scope:
        return None
    return dict((k, scope[k]) for k in PUBLIC_SCOPE_KEYS)


def chains_batches(limit):
    """Whether a run may chain batches: only without ``limit`` (one batch covers at most :data:`API_BATCH_LIMIT`)."""
    return limit is None


def next_batch_decision(plan, previous_plan, clone_job_id=None):
    """Decide whether to start (or attach to) another batch after one ended.

    Args:
        plan: the plan made after the batch (:func:`plan_batch_clone`), or None when it could not be
            made (the v2 accounts are unknown).
        previous_plan: the plan of the batch that just ended.
        clone_job_id: the id of the migration job that just ended (named in the warning).

    Returns ``(chain, warning)``: ``chain`` True to go on with ``plan``; ``warning`` a message when
    the chain stops because the batch left as many accounts pending as before (else None).
    """
    if plan is None or plan["action"] == "none":
        return False, None
    if plan["action"] == "start":
        before = (previous_plan.get("scope") or {}).get("pending")
        if before is not None and plan["scope"]["pending"] >= before:
            return False, ("%d account(s) in scope are still without a grant after batch clone job %s; "
                           "not starting another batch" % (plan["scope"]["pending"], clone_job_id))
    return True, None


def next_batch_offset(mode, offset, batches):
    """The ``offset`` of the next batch start request: a chained batch never covers again an account
    an earlier batch of the run covered.

    Args:
        mode: ``all``, ``only_new`` or ``only_failed``.
        offset: the ``offset`` option (None: the API's 0).
        batches: the entries (:func:`batch_entry`) of the batches this run already waited for.

    Returns the offset (None when it stays the API's default):

    - ``all`` selects every account in scope, a stable list: the next batch starts after the
      windows done, ``offset + API_BATCH_LIMIT * len(batches)``.
    - ``only_new`` selects the accounts that never attempted migration: the accounts a batch tried
      leave the selection, so every batch starts at ``offset``.
    - ``only_failed`` selects the accounts whose last attempt failed: the accounts that failed again
      stay in the selection, ahead of those not tried yet, so the next batch skips them,
      ``offset`` + the ``failed`` counts of the batches.
    """
    batches = list(batches or [])
    if not batches or mode == "only_new":
        return offset
    if mode == "all":
        return (offset or 0) + API_BATCH_LIMIT * len(batches)
    skip = sum(int((b.get("counts") or {}).get("failed") or 0) for b in batches)
    return (offset or 0) + skip if skip else offset


def covered_accounts(batch_account_ids, clone_job):
    """The ids of the accounts an ended batch covered: its planned ``batch_account_ids``, or none.

    The plan's selection is trusted only when the migration job processed as many accounts
    (``count_all``) as were planned; otherwise the API selected other accounts than predicted, which
    ones is not known, and an empty list is returned (the accounts then count as attempted only by
    the rules of :func:`attempted_without_grant`).
    """
    ids = list(batch_account_ids or [])
    if not ids or job_counts(clone_job)["all"] != len(ids):
        return []
    return ids


def distinct_counts(accounts, grants_by_account, attempted):
    """The counts of a run by distinct account, each account counted once by where it stands.

    Args:
        accounts: the v2 accounts in scope.
        grants_by_account: ``{account_id: grant}`` as re-read after the run.
        attempted: ids of the accounts without a grant known to have attempted migration
            (:func:`attempted_without_grant`).

    Returns ``{all, success, failed, warning}``: ``success`` the accounts with a valid grant,
    ``warning`` those with a placeholder grant (``grant_status: invalid``), ``failed`` those without
    a grant in ``attempted``, ``all`` their sum. An account without a grant not known to have been
    attempted is not counted. Unlike the sum of the jobs' counts (:func:`sum_job_counts`), an account
    two jobs tried counts once.
    """
    grants_by_account = grants_by_account or {}
    attempted = set(attempted or ())
    counts = {"all": 0, "success": 0, "failed": 0, "warning": 0}
    seen = set()
    for account in accounts or []:
        account_id = account.get("id")
        if not account_id or account_id in seen:
            continue
        seen.add(account_id)
        grant = grants_by_account.get(account_id)
        if grant:
            key = "warning" if is_placeholder(grant) else "success"
        elif account_id in attempted:
            key = "failed"
        else:
            continue
        counts[key] += 1
        counts["all"] += 1
    return counts


def placeholder_account_ids(accounts, grants_by_account):
    """The ids of ``accounts`` whose grant is a placeholder (``grant_status: invalid``), in account order."""
    grants_by_account = grants_by_account or {}
    return [a.get("id") for a in accounts or [] if is_placeholder(grants_by_account.get(a.get("id")))]


def batch_job_ids(snapshot_job, clone_job):
    """The ids of a batch's two jobs, each known from itself or its partner: ``{snapshot_job_id, clone_job_id}``."""
    return dict(
        snapshot_job_id=(snapshot_job or {}).get("job_id") or (clone_job or {}).get("linked_job_id"),
        clone_job_id=(clone_job or {}).get("job_id") or (snapshot_job or {}).get("linked_job_id"),
    )


def batch_entry(snapshot_job, clone_job, outcome):
    """The ``batches`` result entry of an ended batch: job ids, outcome and the migration job's counts."""
    return dict(snapshot_job_id=(snapshot_job or {}).get("job_id"), clone_job_id=(clone_job or {}).get("job_id"),
                outcome=outcome, counts=job_counts(clone_job))


def judge_batch(outcome, snapshot_job, clone_job, fail_on_partial=False):
    """Judge an ended batch: ``(verdict, message)``, verdict one of ``ok``, ``warn``, ``fail``.

    A failed snapshot or migration job fails the run; a partial one warns, or fails with
    ``fail_on_partial``; anything else is ok (message None).
    """
    snapshot_job, clone_job = snapshot_job or {}, clone_job or {}
    counts = job_counts(clone_job)
    if outcome == "snapshot_failed":
        return VERDICT_FAIL, "Snapshot job %s failed; its migration job %s did not run" % (
            snapshot_job.get("job_id"), clone_job.get("job_id") or snapshot_job.get("linked_job_id"))
    if outcome == "failed":
        return VERDICT_FAIL, "Migration job %s failed: %d of %d accounts failed" % (
            clone_job.get("job_id"), counts["failed"], counts["all"])
    if outcome == "partial":
        msg = "Migration job %s ended partial: %d of %d accounts failed, %d became placeholder grants" % (
            clone_job.get("job_id"), counts["failed"], counts["all"], counts["warning"])
        return (VERDICT_FAIL if fail_on_partial else VERDICT_WARN), msg
    return VERDICT_OK, None


def timeout_message(wait_timeout, ids, clone_job):
    """The failure message when ``wait_timeout`` passed before the batch ended (``ids`` from :func:`batch_job_ids`)."""
    clone_job = clone_job or {}
    counts = job_counts(clone_job)
    return ("Timed out after %s seconds waiting for migration job %s (snapshot job %s): status %s, "
            "%d of %d processed (%d failed, %d placeholders)" % (
                wait_timeout, ids["clone_job_id"], ids["snapshot_job_id"], clone_job.get("status", "unknown"),
                counts["success"] + counts["failed"] + counts["warning"], counts["all"], counts["failed"],
                counts["warning"]))


def reauth_scope(placeholder_grants, scope):
    """The account ids of the placeholder grants a run is about, in grant order.

    ``placeholder_grants`` are the ``grant_status: invalid`` grants of the application; ``scope`` the
    first plan's scope (or None without v2 reads). With a scope, only accounts it had without a grant
    count; without one, every placeholder does.
    """
    account_ids = [g.get("account_id") for g in placeholder_grants or [] if g.get("account_id")]
    if scope:
        wanted = set(scope["unmigrated_account_ids"])
        account_ids = [a for a in account_ids if a in wanted]
    return account_ids


def final_outcome(batches, current):
    """The outcome of a whole run: ``current`` (the last batch's), or ``partial`` when several batches ran
    and any ended partial."""
    if len(batches or []) > 1 and "partial" in [b["outcome"] for b in batches]:
        return "partial"
    return current
