# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure decisions of the migration report: who moved, who must re-authenticate, what failed.

Nothing here performs I/O or touches Ansible. The functions take what the APIs returned (v2
accounts, v3 grants, migration jobs, as plain dicts) and return per-account rows and counts.

Per account one status:

``migrated``
    the account has a v3 grant with ``grant_status: valid``.
``reauth_required``
    the account has a placeholder grant (``grant_status: invalid``): the user must sign in again.
``failed``
    the account has no grant, a finished migration job that was created after the account was
    linked in v2 reported failures, and the documented outcome rules
    (:func:`nylas_clone_planning.predict_clone_outcome`) say the account cannot be cloned under
    the strictest flags. The migration API does not say which accounts a job failed, nor with which
    scope (providers, limit, offset) or flags it ran, so this is the best attribution that can be
    made from the outside. A failure that no rule explains is counted in ``unexplained_failures``
    (from the latest finished migration job) and cannot be given to an account; ``failed`` accounts
    beyond the failures the jobs reported are counted in ``failed_not_confirmed``. This is the rule
    by which a batch clone counts, from the outside, an account without a grant as attempted
    (:func:`nylas_batch_planning.attempted_without_grant` with the strictest flags), so the report's
    counts and a batch clone's ``counts`` give the same figures for the accounts in scope.
``not_migrated``
    the account has no grant and is not ``failed``: not attempted yet, or expected to clone on a
    later run.

Without the v2 account list (``basis: v3_only``) only the accounts that have a grant are known:
their rows are built from the grants, and the ``failed`` and ``not_migrated`` counts are unknown
(``None``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.nylas.migration.plugins.module_utils.nylas_batch_planning import (
    JOB_FINISHED_STATUSES,
    covering_job,
    failing_jobs,
    linked_job,
    unexplained_failures,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_clone_planning import (
    GRANT_PLACEHOLDER_STATUS,
    V2_TO_V3_PROVIDERS,
    forecast_clone,
    predict_clone_outcome,
)

STATUS_MIGRATED = "migrated"
STATUS_REAUTH = "reauth_required"
STATUS_FAILED = "failed"
STATUS_NOT_MIGRATED = "not_migrated"
#: The per-account statuses, in report order.
STATUSES = (STATUS_MIGRATED, STATUS_REAUTH, STATUS_FAILED, STATUS_NOT_MIGRATED)
#: The statuses known without the v2 account list.
V3_ONLY_STATUSES = (STATUS_MIGRATED, STATUS_REAUTH)

BASIS_V2_AND_V3 = "v2_and_v3"
BASIS_V3_ONLY = "v3_only"

#: The keys of a per-account row, in file order.
ROW_FIELDS = ("account_id", "email", "provider", "v2_provider", "grant_id", "grant_status", "status", "reason",
              "application", "pair", "region")

#: Format tag of the rows file written by nylas_migration_info and read by nylas_migration_report.
ROWS_FORMAT = "nylas.migration.rows/1"


def v3_provider_name(v2_provider):
    """The v3 provider name of a v2 provider (``gmail`` -> ``google``), or the v2 name when v3 has none."""
    name = str(v2_provider or "").lower()
    mapped = V2_TO_V3_PROVIDERS.get(name)
    return mapped[0] if mapped else (name or "unknown")


def _job_time(job):
    return (job.get("created_at") or 0, job.get("updated_at") or 0)


def latest_jobs(jobs):
    """The latest migration job and its snapshot partner, newest first (``[]`` when there is none).

    Without a migration job, the latest snapshot job alone.
    """
    jobs = [j for j in jobs or [] if isinstance(j, dict)]
    migrations = [j for j in jobs if j.get("type") == "migration"]
    if migrations:
        latest = max(migrations, key=_job_time)
        partner = linked_job(latest, jobs)
        return [latest] + ([partner] if partner else [])
    snapshots = [j for j in jobs if j.get("type") == "snapshot"]
    return [max(snapshots, key=_job_time)] if snapshots else []


def account_status(account, grant, failed_jobs):
    """Return ``(status, reason)`` of one v2 account.

    Args:
        account: the v2 account (``provider``, ``authentication_type``, ``sync_state``, ``billing_state``,
            ``linked_at``).
        grant: its v3 grant, or None.
        failed_jobs: :func:`failing_jobs` of the application.
    """
    if grant:
        if grant.get("grant_status") == GRANT_PLACEHOLDER_STATUS:
            return STATUS_REAUTH, "placeholder grant (grant_status invalid): the user must re-authenticate"
        return STATUS_MIGRATED, "valid grant"
    job = covering_job(account, failed_jobs)
    if job is None:
        return STATUS_NOT_MIGRATED, "no grant, and no finished migration job that reported failures covers it"
    if predict_clone_outcome(account, allow_invalid_grant_creation=False, clone_exchange=False) != "failure":
        return STATUS_NOT_MIGRATED, "no grant; the outcome rules say it can be cloned: a later run can migrate it"
    if predict_clone_outcome(account) == "failure":
        rule = "it cannot be migrated whatever the flags (no v3 provider, or deleted in v2)"
    else:
        rule = "it cannot be cloned when allow_invalid_grant_creation or clone_exchange is false"
    return STATUS_FAILED, "no grant after migration job %s (%s, %d failed); %s" % (
        job.get("job_id"), job.get("status"), int(job.get("count_failed") or 0), rule)


def _row(account_id, email, provider, v2_provider, grant, status, reason, application, pair, region):
    grant = grant or {}
    return {
        "account_id": account_id,
        "email": email,
        "provider": provider,
        "v2_provider": v2_provider,
        "grant_id": grant.get("id"),
        "grant_status": grant.get("grant_status"),
        "status": status,
        "reason": reason,
        "application": application,
        "pair": pair,
        "region": region,
    }


def build_rows(accounts, grants_by_account, jobs, application, region, pair=None):
    """Join the v2 accounts with their v3 grants: one row per account, in v2 list order.

    Args:
        accounts: the v2 accounts (``id``, ``email``, ``provider``, ...).
        grants_by_account: ``{account_id: grant}`` (accounts without a grant are absent).
        jobs: the application's migration jobs.
        application: the v3 application id; pair: the pair's name (defaults to ``application``);
        region: ``us`` or ``eu``.

    Grants whose account is not in ``accounts`` are not reported.
    """
    grants_by_account = grants_by_account or {}
    failed_jobs = failing_jobs(jobs)
    rows = []
    seen = set()
    for account in accounts or []:
        account_id = account.get("id") or account.get("account_id")
        if not account_id or account_id in seen:
            continue
        seen.add(account_id)
        grant = grants_by_account.get(account_id)
        status, reason = account_status(account, grant, failed_jobs)
        provider = (grant or {}).get("provider") or v3_provider_name(account.get("provider"))
        rows.append(_row(account_id, account.get("email") or (grant or {}).get("email"), provider,
                         account.get("provider"), grant, status, reason, application, pair or application, region))
    return rows


def build_rows_v3_only(grants, application, region, pair=None):
    """One row per migrated grant (a grant with an ``account_id``), when the v2 accounts are unknown."""
    rows = []
    seen = set()
    for grant in grants or []:
        account_id = (grant or {}).get("account_id")
        if not account_id or account_id in seen:
            continue
        seen.add(account_id)
        if grant.get("grant_status") == GRANT_PLACEHOLDER_STATUS:
            status, reason = STATUS_REAUTH, "placeholder grant (grant_status invalid): the user must re-authenticate"
        else:
            status, reason = STATUS_MIGRATED, "valid grant"
        rows.append(_row(account_id, grant.get("email"), grant.get("provider") or "unknown", None, grant,
                         status, reason, application, pair or application, region))
    return rows


def empty_counts(basis=BASIS_V2_AND_V3):
    """Counts by status, all zero; ``failed`` and ``not_migrated`` are None (unknown) for ``v3_only``."""
    known = STATUSES if basis == BASIS_V2_AND_V3 else V3_ONLY_STATUSES
    return dict((s, 0 if s in known else None) for s in STATUSES)


def summarize_rows(rows, basis=BASIS_V2_AND_V3, jobs=None, accounts=None, grants_by_account=None):
    """Counts of the rows: ``accounts``, ``by_status`` and ``by_provider`` (``{provider: by_status + total}``).

    Two checks of the ``failed`` attribution, when the v2 accounts are known (``accounts``), else None:

    - ``unexplained_failures``: failures of the latest finished migration job that no documented
      rule explains (:func:`nylas_batch_planning.unexplained_failures`); no account can be named.
    - ``failed_not_confirmed``: accounts counted ``failed`` beyond the failures all finished migration
      jobs reported together; at least that many of them were probably never attempted (outside a
      job's providers, limit or offset, which the API does not return).
    """
    by_status = empty_counts(basis)
    by_provider = {}
    for row in rows:
        status = row["status"]
        by_status[status] = (by_status.get(status) or 0) + 1
        counts = by_provider.setdefault(row["provider"], dict(empty_counts(basis), total=0))
        counts[status] = (counts.get(status) or 0) + 1
        counts["total"] += 1
    unexplained = not_confirmed = None
    if basis == BASIS_V2_AND_V3 and accounts is not None:
        finished = [j for j in jobs or [] if j.get("type") == "migration" and j.get("status") in JOB_FINISHED_STATUSES]
        last = max(finished, key=_job_time) if finished else None
        unexplained = unexplained_failures(last, accounts, grants_by_account) if last else 0
        reported = sum(int(j.get("count_failed") or 0) for j in finished)
        not_confirmed = max(0, by_status[STATUS_FAILED] - reported)
    return {
        "accounts": len(rows),
        "by_status": by_status,
        "by_provider": dict(sorted(by_provider.items())),
        "unexplained_failures": unexplained,
        "failed_not_confirmed": not_confirmed,
    }


#: Forecast outcome -> the report status it becomes.
FORECAST_STATUS = (("valid", STATUS_MIGRATED), ("reauth_required", STATUS_REAUTH), ("will_fail", STATUS_FAILED))


def pair_forecast(accounts, grants_by_account, by_status, allow_invalid_grant_creation=None, clone_exchange=None):
    """The forecast of a pair beside its current state (pure); None when the v2 accounts are unknown.

    Args:
        accounts: the v2 accounts (None with ``v3_only``).
        grants_by_account: ``{account_id: grant}`` of those accounts.
        by_status: the current counts per status (:func:`summarize_rows`).
        allow_invalid_grant_creation, clone_exchange: the flags a clone would send (None: the API's default).

    Returns ``{flags, to_migrate, expected}``: ``to_migrate`` is
    :func:`nylas_clone_planning.forecast_clone` of the accounts without a grant (what a clone of them
    would make: valid, reauth_required, will_fail, by provider, with reasons; never an email);
    ``expected`` the counts per status once they are cloned (the accounts with a grant keep theirs;
    ``not_migrated`` 0).
    """
    if accounts is None:
        return None
    grants_by_account = grants_by_account or {}
    without = [a for a in accounts if not grants_by_account.get(a.get("id") or a.get("account_id"))]
    to_migrate = forecast_clone(without, allow_invalid_grant_creation, clone_exchange)
    expected = dict((s, 0) for s in STATUSES)
    expected[STATUS_MIGRATED] = int(by_status.get(STATUS_MIGRATED) or 0)
    expected[STATUS_REAUTH] = int(by_status.get(STATUS_REAUTH) or 0)
    for outcome, status in FORECAST_STATUS:
        expected[status] += to_migrate[outcome]
    return {
        "flags": {"allow_invalid_grant_creation": allow_invalid_grant_creation, "clone_exchange": clone_exchange},
        "to_migrate": to_migrate,
        "expected": expected,
    }


def forecast_beside_current(forecast, by_status):
    """Per status ``{forecast, current}`` and ``matches`` (the current state is what was forecast), or None."""
    if not forecast:
        return None
    out = dict((s, {"forecast": forecast["expected"][s], "current": by_status.get(s)}) for s in STATUSES)
    out["matches"] = all(forecast["expected"][s] == by_status.get(s) for s in STATUSES)
    return out


def _tally_status_counts(total, counts):
    """Add ``counts`` (accounts by report status) into ``total`` in place; an unknown (None) count makes the
    total unknown. Not the job counts of a batch clone (``nylas_batch_planning.sum_job_counts``)."""
    for status in STATUSES:
        value = counts.get(status)
        if value is None or total.get(status, 0) is None:
            total[status] = None
        else:
            total[status] = total.get(status, 0) + value


def gates_of(run_summary):
    """The go/no-go gate of each pair of a ``playbooks/migrate.yml`` run summary (``summary.json``) (pure).

    Args:
        run_summary: the run summary (``application_pairs``: each with ``application_pair``, ``region`` and
            ``gate``, the result of ``nylas_migration_gate``), or None.

    Returns:
        One entry per pair whose gate ran, sorted by region and pair: ``pair``, ``region``, ``verdict``
        (``go`` / ``no-go`` / ``unknown``), ``failed_checks``, ``reason`` and ``checks`` (``name``,
        ``verdict``, ``reason`` each); ``[]`` without a run summary.
    """
    pairs = (run_summary or {}).get("application_pairs") if isinstance(run_summary, dict) else None
    gates = []
    for pair in pairs or []:
        gate = pair.get("gate") if isinstance(pair, dict) else None
        if not isinstance(gate, dict) or not gate.get("verdict"):
            continue
        gates.append({
            "pair": pair.get("application_pair"),
            "region": pair.get("region"),
            "verdict": gate.get("verdict"),
            "failed_checks": list(gate.get("failed_checks") or []),
            "reason": gate.get("reason"),
            "checks": [{"name": c.get("name"), "verdict": c.get("verdict"), "reason": c.get("reason")}
                       for c in gate.get("checks") or [] if isinstance(c, dict)],
        })
    return sorted(gates, key=lambda g: (str(g["region"]), str(g["pair"])))


def build_report(documents, run_id=None, generated_at=None, missing=None, run_summary=None):
    """Aggregate rows documents (one per application pair) into the report: what ``summary.json`` holds.

    Args:
        documents: rows documents as written by nylas_migration_info (``pair``, ``application``,
            ``region``, ``basis``, ``v2_reads_error``, ``summary``, ``jobs``, ``rows``).
        run_id, generated_at: shown as is.
        missing: names of pairs whose rows document could not be read, with the reason
            (``{pair: reason}``).
        run_summary: the run summary of ``playbooks/migrate.yml`` (``summary.json``) or None: its pairs'
            go/no-go gates become ``gates`` (:func:`gates_of`).

    Returns a dict: ``run_id``, ``generated_at``, ``complete`` (every pair reported on the v2 and v3
    sides), ``totals`` (``accounts``, ``by_status``, ``by_provider``), ``regions``
    (``{region: {accounts, by_status}}``), ``applications`` (one entry per pair, no personal data),
    ``files`` (CSV row counts), ``missing`` and ``gates``. Counts of an unknown status are None. Each application
    also has ``forecast`` (:func:`pair_forecast`, from its rows document's summary, or None) and
    ``forecast_beside_current`` (:func:`forecast_beside_current`); ``totals.forecast`` sums the expected
    counts (None when a pair has no forecast).
    """
    applications = []
    totals = {"accounts": 0, "by_status": dict((s, 0) for s in STATUSES), "by_provider": {}}
    regions = {}
    reauth = failed = 0
    forecast_totals, forecast_known = dict((s, 0) for s in STATUSES), True
    for doc in sorted(documents, key=lambda d: (str(d.get("region")), str(d.get("pair")))):
        rows = doc.get("rows") or []
        basis = doc.get("basis") or BASIS_V2_AND_V3
        summary = doc.get("summary") or summarize_rows(rows, basis)
        counts = dict(empty_counts(basis))
        counts.update(summary.get("by_status") or {})
        latest = (doc.get("jobs") or [None])[0]
        applications.append({
            "pair": doc.get("pair") or doc.get("application"),
            "application": doc.get("application"),
            "v2_application_id": doc.get("v2_application_id"),
            "region": doc.get("region"),
            "basis": basis,
            "v2_reads_error": doc.get("v2_reads_error"),
            "generated_at": doc.get("generated_at"),
            "accounts": summary.get("accounts", len(rows)),
            "by_status": counts,
            "by_provider": summary.get("by_provider") or {},
            "unexplained_failures": summary.get("unexplained_failures"),
            "failed_not_confirmed": summary.get("failed_not_confirmed"),
            "latest_job": latest,
            "forecast": summary.get("forecast"),
            "forecast_beside_current": forecast_beside_current(summary.get("forecast"), counts),
        })
        if summary.get("forecast"):
            _tally_status_counts(forecast_totals, summary["forecast"]["expected"])
        else:
            forecast_known = False
        totals["accounts"] += summary.get("accounts", len(rows))
        _tally_status_counts(totals["by_status"], counts)
        for provider, pcounts in (summary.get("by_provider") or {}).items():
            target = totals["by_provider"].setdefault(provider, dict((s, 0) for s in STATUSES))
            target["total"] = target.get("total", 0) + int(pcounts.get("total") or 0)
            _tally_status_counts(target, pcounts)
        region = regions.setdefault(doc.get("region") or "unknown",
                                    {"accounts": 0, "by_status": dict((s, 0) for s in STATUSES)})
        region["accounts"] += summary.get("accounts", len(rows))
        _tally_status_counts(region["by_status"], counts)
        reauth += sum(1 for r in rows if r.get("status") == STATUS_REAUTH)
        failed += sum(1 for r in rows if r.get("status") == STATUS_FAILED)
    totals["by_provider"] = dict(sorted(totals["by_provider"].items()))
    totals["forecast"] = forecast_totals if forecast_known and applications else None
    return {
        "run_id": run_id,
        "generated_at": generated_at,
        "complete": not missing and all(a["basis"] == BASIS_V2_AND_V3 for a in applications),
        "totals": totals,
        "regions": dict(sorted(regions.items())),
        "applications": applications,
        "files": {"reauth_required.csv": reauth, "failed.csv": failed},
        "missing": dict(sorted((missing or {}).items())),
        "gates": gates_of(run_summary),
    }


def rows_with_status(documents, status):
    """Every row of ``documents`` with ``status``, by region, pair, then the documents' row order."""
    out = []
    for doc in sorted(documents, key=lambda d: (str(d.get("region")), str(d.get("pair")))):
        out.extend(r for r in doc.get("rows") or [] if r.get("status") == status)
    return out


def rows_document(rows, summary, application, region, pair, basis, v2_reads_error=None, jobs=None,
                  v2_application_id=None, generated_at=None):
    """The rows document nylas_migration_info writes (and nylas_migration_report reads)."""
    return {
        "format": ROWS_FORMAT,
        "generated_at": generated_at,
        "pair": pair or application,
        "application": application,
        "v2_application_id": v2_application_id,
        "region": region,
        "basis": basis,
        "v2_reads_error": v2_reads_error,
        "summary": summary,
        "jobs": list(jobs or []),
        "rows": list(rows),
    }


def check_rows_document(doc):
    """Return the reason a loaded rows document is unusable, or None when it is a rows document."""
    if not isinstance(doc, dict):
        return "not a JSON object"
    if doc.get("format") != ROWS_FORMAT:
        return "not a %s document (format %r)" % (ROWS_FORMAT, doc.get("format"))
    if not isinstance(doc.get("rows"), list):
        return "no rows list"
    return None
