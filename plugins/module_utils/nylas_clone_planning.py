# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure decisions for the grant clone and batch clone modules.

Nothing here performs HTTP or touches Ansible: functions take what the API returned (plain dicts,
or error objects read through their attributes) and the wanted state, and return what to do or
what to report. The only side effect is :class:`Waiter`, whose clock and sleep are injectable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError  # noqa: F401  (re-raised by callers)

RESULT_CREATED = "created"
RESULT_EXISTING = "existing"
RESULT_FAILED = "failed"
RESULT_PLANNED = "planned"
RESULTS = (RESULT_CREATED, RESULT_EXISTING, RESULT_FAILED, RESULT_PLANNED)

GRANT_PLACEHOLDER_STATUS = "invalid"

JOB_ACTIVE_STATUSES = ("pending", "running")
JOB_FINISHED_STATUSES = ("completed", "partial", "failed")

BATCH_MODES = ("all", "only_new", "only_failed")

#: Provider names the batch clone endpoint accepts (v3 names).
V3_BATCH_PROVIDERS = ("google", "microsoft", "graph", "imap", "icloud", "ews", "virtual-calendar")

#: v2 provider name -> the v3 batch provider names that select such an account (the outcome table of
#: simulator/README.md). Only the provider names Nylas documents for v2 accounts: a v2 provider missing
#: here (v3 names such as ``google`` or ``microsoft`` included) has no v3 equivalent and cannot be
#: migrated. Every Microsoft kind is ``microsoft``; Microsoft Graph accounts also answer to ``graph``.
#: Yahoo and AOL were IMAP accounts in v2; ``nylas`` (virtual calendar) accounts are ``virtual-calendar``.
V2_TO_V3_PROVIDERS = {
    "gmail": ("google",),
    "graph": ("microsoft", "graph"),
    "outlook": ("microsoft",),
    "hotmail": ("microsoft",),
    "office365": ("microsoft",),
    "exchange": ("microsoft",),
    "eas": ("microsoft",),
    "ews": ("ews",),
    "imap": ("imap",),
    "yahoo": ("imap",),
    "aol": ("imap",),
    "icloud": ("icloud",),
    "nylas": ("virtual-calendar",),
}

#: Microsoft kinds v3 migrates automatically when they used token (OAuth) authentication in v2; every
#: other Microsoft account (EAS, password, non-Graph OAuth) needs its user to re-authenticate.
MICROSOFT_TOKEN_PROVIDERS = ("graph", "office365")
#: v3 providers whose placeholder grants ``clone_exchange`` also governs ("Microsoft only"; EWS is Exchange).
MICROSOFT_V3_PROVIDERS = ("microsoft", "ews")

#: Progress samples kept in a batch clone result (the first one and the latest ones).
MAX_PROGRESS_SAMPLES = 100


# --------------------------------------------------------------------------------------------
# Errors as result data


def error_to_dict(error):
    """Return the public fields of an API error as a dict: message, status, error_type, request_id.

    ``error`` is a ``NylasAPIError`` (read through its attributes, so any object with them works)
    or any other exception, whose text becomes the message. Headers, bodies and query strings are
    never part of it.
    """
    out = {
        "message": getattr(error, "message", None) or str(error) or error.__class__.__name__,
        "status": getattr(error, "status", None),
        "error_type": getattr(error, "error_type", None),
        "request_id": getattr(error, "request_id", None),
    }
    if getattr(error, "outcome_unknown", False):
        out["outcome_unknown"] = True
    return out


def format_error(error):
    """Return ``HTTP <status> <type>: <message> (request_id=<rid>)`` for an error or an error dict."""
    fields = error if isinstance(error, dict) else error_to_dict(error)
    head = []
    if fields.get("status") is not None:
        head.append("HTTP %s" % fields["status"])
    if fields.get("error_type"):
        head.append(str(fields["error_type"]))
    text = " ".join(head)
    text = "%s: %s" % (text, fields.get("message")) if text else str(fields.get("message"))
    if fields.get("request_id"):
        text += " (request_id=%s)" % fields["request_id"]
    return text


# --------------------------------------------------------------------------------------------
# Single-account clones (nylas_grant_clone)


def normalize_account_ids(account_ids):
    """Return the account ids stripped, without duplicates, in their first order.

    Raises :class:`PlanningError` for an empty list or an empty id.
    """
    seen = set()
    out = []
    for raw in account_ids or []:
        account_id = str(raw).strip() if raw is not None else ""
        if not account_id:
            raise PlanningError("account ids must be non-empty strings")
        if account_id not in seen:
            seen.add(account_id)
            out.append(account_id)
    if not out:
        raise PlanningError("at least one account id is required")
    return out


def plan_grant_clone(account_ids, existing_by_account):
    """Split the wanted accounts into those to clone and those already migrated.

    ``existing_by_account`` maps account id -> v3 grant (as returned by
    ``GET /v3/grants?account_ids=``). Returns ``(to_clone, existing)``: a list of account ids in
    input order, and a dict account id -> grant for the ones that already have a grant.
    """
    existing_by_account = existing_by_account or {}
    to_clone, existing = [], {}
    for account_id in account_ids:
        grant = existing_by_account.get(account_id)
        if grant:
            existing[account_id] = grant
        else:
            to_clone.append(account_id)
    return to_clone, existing


def grant_result(account_id, result, grant=None, error=None):
    """Build one per-account entry of the ``grants`` result list."""
    grant = grant or {}
    return {
        "account_id": account_id,
        "grant_id": grant.get("id") or grant.get("grant_id"),
        "grant_status": grant.get("grant_status"),
        "provider": grant.get("provider"),
        "email": grant.get("email"),
        "result": result,
        "error": error,
    }


def is_placeholder(entry):
    """True when a result entry or a grant is a placeholder grant (``grant_status: invalid``)."""
    return (entry or {}).get("grant_status") == GRANT_PLACEHOLDER_STATUS


def summarize_clone_results(results):
    """Count the per-account results: one key per result, ``placeholders`` and ``total``."""
    summary = dict((name, 0) for name in RESULTS)
    summary["placeholders"] = 0
    for entry in results:
        summary[entry["result"]] = summary.get(entry["result"], 0) + 1
        if entry["result"] in (RESULT_CREATED, RESULT_EXISTING) and is_placeholder(entry):
            summary["placeholders"] += 1
    summary["total"] = len(results)
    return summary


def reauth_required_ids(results):
    """Account ids whose grant is a placeholder the user must re-authenticate, in result order."""
    return [
        entry["account_id"] for entry in results
        if entry["result"] in (RESULT_CREATED, RESULT_EXISTING) and is_placeholder(entry)
    ]


def clone_diff(results):
    """Before/after of the migrated account ids, carrying only the change (created or planned)."""
    changed_ids = [e["account_id"] for e in results if e["result"] in (RESULT_CREATED, RESULT_PLANNED)]
    return {
        "before": {"migrated_account_ids": []},
        "after": {"migrated_account_ids": sorted(changed_ids)},
    }


def clone_failure_prefix(results):
    """The failure message without its error: which account failed, and how many did (None when none did)."""
    failed = [e for e in results if e["result"] == RESULT_FAILED]
    if not failed:
        return None
    text = "Failed to clone account %s" % failed[0]["account_id"]
    if len(failed) > 1:
        text = "Failed to clone %d of %d accounts. %s" % (len(failed), len(results), text)
    return text


def clone_failure_message(results):
    """The failure message for a run where some accounts failed (None when none did).

    Reads ``Failed to clone account <id>: HTTP <status> <type>: <message> (request_id=<rid>)``,
    prefixed with the number of failures when there are several.
    """
    prefix = clone_failure_prefix(results)
    if prefix is None:
        return None
    first = [e for e in results if e["result"] == RESULT_FAILED][0]
    return "%s: %s" % (prefix, format_error(first["error"] or {}))


def resolve_unknown_outcome(account_id, grant_after, error_fields):
    """Decide a clone whose outcome was unknown, from a re-read of the account's grant.

    A grant present now means the clone happened (``created``); otherwise the clone failed with
    the original error. Never a reason to send the POST again.
    """
    if grant_after:
        return grant_result(account_id, RESULT_CREATED, grant=grant_after)
    return grant_result(account_id, RESULT_FAILED, error=error_fields)


# --------------------------------------------------------------------------------------------
# Batch clones (nylas_batch_clone)


def v3_scope_names(v2_account):
    """The v3 batch provider names that select a v2 account (empty when none does)."""
    provider = str((v2_account or {}).get("provider") or "").lower()
    return frozenset(V2_TO_V3_PROVIDERS.get(provider, ()))


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


def select_batch_accounts(in_scope, grants_by_account, mode, limit=None, offset=None):
    """The accounts a batch clone processes: the mode's selection, then the ``offset``/``limit`` window.

    ``only_new`` selects the accounts without a grant; ``only_failed`` those whose last attempt
    failed, which from the outside is approximated by the accounts without a grant; ``all`` every
    account in scope. The window applies after the selection, as the API does.
    """
    grants_by_account = grants_by_account or {}
    if mode == "all":
        selected = list(in_scope)
    else:
        selected = [a for a in in_scope if not grants_by_account.get(a.get("id"))]
    start = int(offset or 0)
    end = None if limit is None else start + int(limit)
    return selected[start:end]


def predict_clone_outcome(v2_account, allow_invalid_grant_creation=None, clone_exchange=None):
    """Expected clone outcome of a v2 account per the documented rules: valid, placeholder or failure.

    The outcome table of simulator/README.md, first match wins: a provider without a v3 equivalent,
    or a deleted v2 account (``billing_state: deleted``), fails whatever the flags. An account v3
    cannot migrate automatically (a Microsoft account other than ``graph`` or ``office365`` with
    ``authentication_type: oauth``; or any account whose v2 ``sync_state`` is set and not
    ``running``) becomes a placeholder when ``allow_invalid_grant_creation`` and, for Microsoft and
    EWS accounts, ``clone_exchange`` (both default true in the API), and fails otherwise. Every other
    account is cloned valid.
    """
    provider = str(v2_account.get("provider") or "").lower()
    auth = str(v2_account.get("authentication_type") or "").lower()
    sync = str(v2_account.get("sync_state") or "").lower()
    allow_invalid = True if allow_invalid_grant_creation is None else bool(allow_invalid_grant_creation)
    exchange = True if clone_exchange is None else bool(clone_exchange)
    if provider not in V2_TO_V3_PROVIDERS or str(v2_account.get("billing_state") or "").lower() == "deleted":
        return "failure"
    v3 = V2_TO_V3_PROVIDERS[provider][0]
    microsoft_reauth = v3 == "microsoft" and not (provider in MICROSOFT_TOKEN_PROVIDERS and auth == "oauth")
    if not microsoft_reauth and sync in ("", "running"):
        return "valid"
    if allow_invalid and (exchange or v3 not in MICROSOFT_V3_PROVIDERS):
        return "placeholder"
    return "failure"


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
):
    """Decide what a batch clone run does: ``attach``, ``start`` or ``none``.

    - A pending/running batch clone is attached to, never doubled.
    - Without v2 accounts (``v2_accounts is None``: v2 reads unavailable) a job is started.
    - Otherwise the accounts the batch would process are selected as the API does
      (:func:`scope_accounts`, then :func:`select_batch_accounts`). Of those without a grant, the
      accounts the documented rules say cannot be cloned with the given flags are left out
      (``not_migratable``): re-running cannot migrate them. With ``mode: only_new`` the failures
      of the latest finished migration job that no documented rule explains
      (:func:`unexplained_failures`, ``already_failed``) are left out too, so that a failure
      nobody can predict does not start a job on every run.
      A job is started only when accounts remain (``pending``).

    Returns a dict with ``action``, ``reason``, ``snapshot_job``, ``clone_job`` (the active pair
    when attaching) and ``scope`` (counts and id lists, or None without v2 accounts).
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
        }
    if v2_accounts is None:
        return {
            "action": "start",
            "reason": "v2 accounts unknown: starting a batch clone job",
            "snapshot_job": None,
            "clone_job": None,
            "scope": None,
        }
    grants_by_account = grants_by_account or {}
    in_scope = scope_accounts(v2_accounts, wanted)
    selected = select_batch_accounts(in_scope, grants_by_account, mode, limit=limit, offset=offset)
    migrated = [a for a in in_scope if grants_by_account.get(a.get("id"))]
    unmigrated = [a for a in selected if not grants_by_account.get(a.get("id"))]
    not_migratable = [
        a for a in unmigrated
        if predict_clone_outcome(a, allow_invalid_grant_creation, clone_exchange) == "failure"
    ]
    candidates = len(unmigrated) - len(not_migratable)
    already_failed = 0
    last = latest_finished_migration_job(jobs)
    if mode == "only_new" and last:
        already_failed = min(unexplained_failures(last, v2_accounts, grants_by_account), candidates)
    pending = candidates - already_failed
    scope = {
        "providers": sorted(wanted) if wanted else list(V3_BATCH_PROVIDERS),
        "accounts": len(in_scope),
        "selected": len(selected),
        "migrated": len(migrated),
        "unmigrated": len(unmigrated),
        "not_migratable": len(not_migratable),
        "already_failed": already_failed,
        "pending": pending,
        "unmigrated_account_ids": [a.get("id") for a in unmigrated],
        "not_migratable_account_ids": [a.get("id") for a in not_migratable],
        "placeholder_account_ids": [
            a.get("id") for a in migrated if is_placeholder(grants_by_account.get(a.get("id")))
        ],
    }
    if pending > 0:
        reason = "%d in-scope account(s) without a grant" % pending
        action = "start"
    else:
        reason = "no in-scope account left to migrate (%d migrated, %d not migratable, %d already failed)" % (
            len(migrated), len(not_migratable), already_failed)
        action = "none"
    return {"action": action, "reason": reason, "snapshot_job": None, "clone_job": None, "scope": scope}


def batch_diff(plan, clone_job=None):
    """Before/after of the batch clone job for ``--diff``: equal unless a job is (or would be) started.

    ``clone_job`` is the started migration job (None in check mode: the id is not known yet).
    """
    if plan["action"] == "attach":
        current = {"batch_clone_job": (plan.get("clone_job") or plan.get("snapshot_job") or {}).get("job_id")}
        return {"before": current, "after": dict(current)}
    if plan["action"] != "start":
        return {"before": {"batch_clone_job": None}, "after": {"batch_clone_job": None}}
    after = {"batch_clone_job": (clone_job or {}).get("job_id") or "(new job)"}
    if plan.get("scope"):
        after["accounts_to_migrate"] = plan["scope"]["pending"]
    return {"before": {"batch_clone_job": None}, "after": after}


class ProgressLog:
    """Samples of a job's progress: one per change of status or counts, capped in number."""

    def __init__(self, limit=MAX_PROGRESS_SAMPLES):
        self.limit = max(int(limit), 2)
        self.samples = []
        self._last_key = None

    def record(self, elapsed, snapshot_job, clone_job):
        """Record a sample when the status or counts changed since the previous one."""
        counts = job_counts(clone_job)
        sample = {
            "elapsed": round(float(elapsed), 3),
            "snapshot_status": (snapshot_job or {}).get("status"),
            "status": (clone_job or {}).get("status"),
        }
        sample.update(counts)
        key = (sample["snapshot_status"], sample["status"], tuple(sorted(counts.items())))
        if key == self._last_key:
            return False
        self._last_key = key
        self.samples.append(sample)
        if len(self.samples) > self.limit:
            # keep the first sample, drop the oldest of the others
            del self.samples[1]
        return True


class Waiter:
    """Poll until a condition holds or a deadline passes, on a monotonic clock.

    ``clock`` and ``sleep`` are injectable for tests. :meth:`wait` returns ``(ok, last, elapsed)``:
    whether the condition held, the last polled value and the seconds spent.
    """

    def __init__(self, timeout, interval, clock=None, sleep=None):
        if interval <= 0:
            raise PlanningError("the poll interval must be positive")
        self.timeout = float(timeout)
        self.interval = float(interval)
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.started = self.clock()

    def elapsed(self):
        """Seconds since the waiter was created."""
        return self.clock() - self.started

    def remaining(self):
        """Seconds left before the deadline (never negative)."""
        return max(0.0, self.timeout - self.elapsed())

    def wait(self, poll, done, on_sample=None):
        """Call ``poll()`` until ``done(value)``, sleeping ``interval`` between calls (never past the deadline)."""
        while True:
            last = poll()
            elapsed = self.elapsed()
            if on_sample is not None:
                on_sample(elapsed, last)
            if done(last):
                return True, last, elapsed
            remaining = self.timeout - elapsed
            if remaining <= 0:
                return False, last, elapsed
            self.sleep(min(self.interval, remaining))
