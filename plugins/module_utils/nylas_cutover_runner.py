# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The loops of the cutover: cancel (or re-activate) v2 accounts one by one, under an error budget.

No decisions here: which accounts, and when to stop, come from :mod:`nylas_cutover_planning`. A write
whose outcome is unknown (timeout, 5xx after sending) is never re-sent: the account is re-read with
back-off for ``settle_time`` and its ``billing_state`` decides (the caller passes ``attempt``:
:func:`nylas_settle.settle_without_resend`). The record of the run is saved
through the ``save`` callable the module gives (a 0600 file), after every ``save_every`` writes and at
the end, so that a rollback knows what an interrupted run cancelled.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.nylas.migration.plugins.module_utils.nylas_cutover_planning import (
    budget_spent,
    is_active,
    is_cancelled,
)

#: The fields of a failed write kept in a failure row (never headers or bodies).
FAILURE_FIELDS = ("status", "error_type", "request_id", "method", "path", "attempts", "outcome_unknown")


def failure_fields(account_id, error):
    """The failure of one account as a result row: ``account_id``, ``msg`` and the error's API fields."""
    row = dict(account_id=account_id, msg=str(error))
    for field in FAILURE_FIELDS:
        row[field] = getattr(error, field, None)
    return row


def apply_to_accounts(account_ids, write, reread, is_done, error_budget, attempt, on_done=None, on_failed=None):
    """Write to each account in order until the error budget is spent.

    Args:
        account_ids: the ids to write to.
        write: ``write(account_id)``, e.g. ``v2_client.downgrade_account`` (``POST .../downgrade``).
        reread: ``reread(account_id)``, e.g. ``v2_client.get_account`` (``GET /a/{client_id}/accounts/{id}``).
        is_done: ``is_done(account) -> bool``, whether the re-read account shows the write.
        error_budget: failures tolerated; one more stops the run.
        attempt: ``attempt(write, reread, is_done) -> (value, error, reread_error)``, the
            :func:`nylas_settle.settle_without_resend` contract (one write, re-reads on an unknown outcome,
            never a second write).
        on_done, on_failed: optional callbacks ``(account_id)`` / ``(failure_row)`` after each account.

    Returns:
        ``(done, failed, not_attempted, warnings)``: ids written (or shown written by a re-read),
        failure rows (:func:`failure_fields`), ids never attempted because the budget was spent, and
        warnings for writes of unknown outcome that a re-read showed as made.
    """
    done, failed, warnings = [], [], []
    for index, account_id in enumerate(account_ids):
        value, error, _reread_error = attempt(lambda a=account_id: write(a), lambda a=account_id: reread(a), is_done)
        if error is None or value is not None:
            done.append(account_id)
            if error is not None:
                warnings.append("The write to v2 account %s failed (%s) but a re-read shows it made" % (account_id, error))
            if on_done:
                on_done(account_id)
            continue
        failed.append(failure_fields(account_id, error))
        if on_failed:
            on_failed(failed[-1])
        if budget_spent(len(failed), error_budget):
            return done, failed, list(account_ids[index + 1:]), warnings
    return done, failed, [], warnings


def run_cutover(v2_client, record, error_budget, save, attempt, save_every=25):
    """Cancel the record's planned accounts (``POST /a/{client_id}/accounts/{id}/downgrade``); keep the record.

    ``record["cancelled"]`` and ``record["failed"]`` grow as the run goes; ``save(record)`` is called
    every ``save_every`` cancellations and once at the end (with ``finished`` true unless the budget
    stopped the run). Returns ``(cancelled, failed, not_attempted, warnings)`` of this call.
    """
    pending = [i for i in record["planned"] if i not in record["cancelled"]]
    counter = {"n": 0}

    def on_done(account_id):
        record["cancelled"].append(account_id)
        record["decisions"][account_id] = "valid_grant"
        counter["n"] += 1
        if counter["n"] % save_every == 0:
            save(record)

    def on_failed(row):
        record["failed"].append(row)
        record["decisions"][row["account_id"]] = "failed"

    done, failed, not_attempted, warnings = apply_to_accounts(
        pending, v2_client.downgrade_account, v2_client.get_account, is_cancelled, error_budget, attempt,
        on_done, on_failed)
    for account_id in not_attempted:
        record["decisions"][account_id] = "error_budget"
    record["finished"] = not not_attempted
    save(record)
    return done, failed, not_attempted, warnings


def run_rollback(v2_client, record, to_reactivate, error_budget, save, attempt, now=None):
    """Re-activate accounts a run cancelled (``POST /a/{client_id}/accounts/{id}/upgrade``); note it in the record.

    ``record["rollback"]`` gets ``reactivated`` (united with an earlier rollback's), ``failed``,
    ``not_attempted`` and ``at``; ``save(record)`` is called once at the end. Returns ``(reactivated,
    failed, not_attempted, warnings)`` of this call.
    """
    done, failed, not_attempted, warnings = apply_to_accounts(
        to_reactivate, v2_client.upgrade_account, v2_client.get_account, is_active, error_budget, attempt)
    previous = record.get("rollback") or {}
    reactivated = list(previous.get("reactivated") or [])
    reactivated.extend(i for i in done if i not in reactivated)
    record["rollback"] = dict(at=now, reactivated=reactivated, failed=failed, not_attempted=not_attempted)
    save(record)
    return done, failed, not_attempted, warnings
