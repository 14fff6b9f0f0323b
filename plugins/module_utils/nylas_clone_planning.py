# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure decisions for the grant clone, and the outcome rules and provider maps shared with the batch clone.

Nothing here performs HTTP or touches Ansible: functions take what the API returned (plain dicts,
or error objects read through their attributes) and the wanted state, and return what to do or
what to report. The progress log and the waiter (side effects) are in :mod:`nylas_waiter`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError  # noqa: F401  (re-raised by callers)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_settle import (
    FAILED as SETTLE_FAILED,
    OUTCOME_UNKNOWN as SETTLE_UNKNOWN,
    unknown_text,
)

RESULT_CREATED = "created"
RESULT_EXISTING = "existing"
RESULT_FAILED = "failed"
RESULT_PLANNED = "planned"
RESULT_UNKNOWN = "unknown"
RESULTS = (RESULT_CREATED, RESULT_EXISTING, RESULT_FAILED, RESULT_PLANNED, RESULT_UNKNOWN)

#: What a message says a re-run does with an account whose clone outcome is unknown.
CLONE_RERUN_TEXT = "a re-run re-reads the grant first and clones the account only if it is still missing"

GRANT_PLACEHOLDER_STATUS = "invalid"

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
    """The failure message without its error (None when no account failed or ended unknown) (pure).

    Names the first failed account (Nylas refused its clone) and how many failed, and, apart, the
    accounts whose outcome is unknown; the error of :func:`first_clone_error` goes after it::

        Failed to clone 2 of 30 accounts. Failed to clone account a1; the outcome of 1 account is unknown (a7)
        The outcome of 3 of 30 accounts is unknown (a1, a2, a3)
    """
    failed = [e for e in results if e["result"] == RESULT_FAILED]
    unknown = [e["account_id"] for e in results if e["result"] == RESULT_UNKNOWN]
    parts = []
    if failed:
        text = "Failed to clone account %s" % failed[0]["account_id"]
        if len(failed) > 1:
            text = "Failed to clone %d of %d accounts. %s" % (len(failed), len(results), text)
        parts.append(text)
    if unknown:
        shown = ", ".join(unknown[:10]) + (", ..." if len(unknown) > 10 else "")
        count = "%d of %d accounts" % (len(unknown), len(results)) if len(results) > 1 else "1 account"
        text = "the outcome of %s is unknown (%s)" % (count, shown)
        parts.append(text if failed else text[0].upper() + text[1:])
    return "; ".join(parts) if parts else None


def first_clone_error(results):
    """The error dict to report first: of the first failed account, else of the first unknown one (pure)."""
    for result in (RESULT_FAILED, RESULT_UNKNOWN):
        for entry in results:
            if entry["result"] == result:
                return entry["error"] or {}
    return None


def clone_failure_message(results):
    """The failure message for a run where some accounts failed or ended unknown (None when none did).

    Reads ``Failed to clone account <id>: HTTP <status> <type>: <message> (request_id=<rid>)``,
    prefixed with the number of failures when there are several, and names the unknown accounts
    apart (:func:`clone_failure_prefix`).
    """
    prefix = clone_failure_prefix(results)
    if prefix is None:
        return None
    return "%s: %s" % (prefix, format_error(first_clone_error(results)))


def settled_clone_result(account_id, settled, grant, error_fields, settle_time, resent=False):
    """The result entry of one clone from how it settled (pure).

    Args:
        account_id: the v2 account id.
        settled: the ``outcome`` of :func:`nylas_settle.settle`: written, shown (a re-read found the
            grant), failed (Nylas refused the clone) or unknown.
        grant: the grant (the clone's answer or the re-read one), None when there is none.
        error_fields: the last error as a dict (:func:`error_to_dict`), None after a plain success.
        settle_time: the ``settle_time`` option (seconds), for the message of an unknown outcome.
        resent: whether the clone was sent a second time.

    Returns the entry: ``created`` (written or shown), ``failed`` (only when Nylas said so) or
    ``unknown``, whose error message says that no grant was seen after settling and what a re-run does.
    """
    if settled == SETTLE_FAILED:
        return grant_result(account_id, RESULT_FAILED, error=error_fields)
    if settled == SETTLE_UNKNOWN:
        fields = dict(error_fields or {})
        fields["outcome_unknown"] = True
        fields["message"] = "outcome unknown (%s): %s" % (
            unknown_text(settle_time, resent, subject="a grant", rerun=CLONE_RERUN_TEXT), fields.get("message"))
        return grant_result(account_id, RESULT_UNKNOWN, error=fields)
    return grant_result(account_id, RESULT_CREATED, grant=grant)


# --------------------------------------------------------------------------------------------
# Outcome rules and provider maps (shared with nylas_batch_planning and nylas_report)


def v3_scope_names(v2_account):
    """The v3 batch provider names that select a v2 account (empty when none does)."""
    provider = str((v2_account or {}).get("provider") or "").lower()
    return frozenset(V2_TO_V3_PROVIDERS.get(provider, ()))


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


#: The forecast names of the outcomes of :func:`predict_clone_outcome` (``failure`` is ``will_fail``).
FORECAST_OUTCOMES = (("valid", "valid"), ("placeholder", "reauth_required"), ("failure", "will_fail"))
FORECAST_KEYS = tuple(name for _outcome, name in FORECAST_OUTCOMES)


def v3_provider_of(v2_account):
    """The v3 provider a v2 account becomes (its first v3 name), or its v2 provider name when it has none."""
    provider = str((v2_account or {}).get("provider") or "").lower()
    names = V2_TO_V3_PROVIDERS.get(provider)
    return names[0] if names else (provider or "unknown")


def clone_outcome_reason(v2_account, allow_invalid_grant_creation=None, clone_exchange=None):
    """The outcome of :func:`predict_clone_outcome` with the reason the rules give for it.

    Returns ``(outcome, reason)``: outcome ``valid``, ``placeholder`` or ``failure``; reason a short
    text naming the rule (never the account's email), for example ``sync state invalid: the user
    must re-authenticate`` or ``Microsoft account not migrated automatically and clone_exchange=false``.
    """
    outcome = predict_clone_outcome(v2_account, allow_invalid_grant_creation, clone_exchange)
    provider = str(v2_account.get("provider") or "").lower()
    sync = str(v2_account.get("sync_state") or "").lower()
    if provider not in V2_TO_V3_PROVIDERS:
        return outcome, "v2 provider %s has no v3 equivalent" % (provider or "(none)")
    if str(v2_account.get("billing_state") or "").lower() == "deleted":
        return outcome, "v2 account deleted"
    if outcome == "valid":
        return outcome, "migrated automatically"
    if V2_TO_V3_PROVIDERS[provider][0] == "microsoft" and not (
            provider in MICROSOFT_TOKEN_PROVIDERS and str(v2_account.get("authentication_type") or "").lower() == "oauth"):
        why = "Microsoft %s account (%s authentication) not migrated automatically" % (
            provider, str(v2_account.get("authentication_type") or "unknown").lower())
    else:
        why = "v2 sync state %s" % sync
    if outcome == "placeholder":
        return outcome, "%s: the user must re-authenticate" % why
    if allow_invalid_grant_creation is not None and not allow_invalid_grant_creation:
        return outcome, "%s and allow_invalid_grant_creation=false" % why
    return outcome, "%s and clone_exchange=false" % why


def forecast_clone(v2_accounts, allow_invalid_grant_creation=None, clone_exchange=None):
    """Forecast what cloning ``v2_accounts`` with the given flags makes of them (pure).

    Args:
        v2_accounts: the v2 accounts that would be cloned (dicts as ``GET /a/{client_id}/accounts``
            returns them); emails are never read.
        allow_invalid_grant_creation, clone_exchange: the flags sent (None: the API's default, true).

    Returns a dict: ``accounts`` (how many), ``valid``, ``reauth_required``, ``will_fail`` (totals),
    ``by_provider`` (v3 provider name -> the three counts; a v2 provider without a v3 equivalent is
    listed under its v2 name) and ``reasons`` (a list of ``{outcome, provider, reason, count}`` for the
    placeholders and failures, per v3 provider, most frequent first).
    """
    totals = dict((name, 0) for name in FORECAST_KEYS)
    by_provider = {}
    reasons = {}
    names = dict(FORECAST_OUTCOMES)
    for account in v2_accounts or []:
        outcome, reason = clone_outcome_reason(account, allow_invalid_grant_creation, clone_exchange)
        name = names[outcome]
        totals[name] += 1
        provider = v3_provider_of(account)
        counts = by_provider.setdefault(provider, dict((k, 0) for k in FORECAST_KEYS))
        counts[name] += 1
        if name != "valid":
            reasons[(name, provider, reason)] = reasons.get((name, provider, reason), 0) + 1
    out = dict(accounts=sum(totals.values()), by_provider=by_provider)
    out.update(totals)
    out["reasons"] = [
        dict(outcome=k[0], provider=k[1], reason=k[2], count=n)
        for k, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    ]
    return out


def forecast_line(forecast):
    """One line for a summary or a diff: ``N valid, N re-authentication required, N will fail`` ("" for None)."""
    if not forecast:
        return ""
    return "%d valid, %d re-authentication required, %d will fail" % (
        forecast["valid"], forecast["reauth_required"], forecast["will_fail"])


def grant_clone_forecast(account_ids, v2_accounts, allow_invalid_grant_creation=None, clone_exchange=None):
    """Forecast the clones of a grant clone run (pure): :func:`forecast_clone` of the accounts to clone.

    ``account_ids`` are the accounts the run would clone (those without a grant); ``v2_accounts`` the
    v2 account list (``GET /a/{client_id}/accounts``), or None when it could not be read (then None is
    returned: nothing is known). An id that is not in the v2 list will fail (the API answers 404) and
    is counted under the provider ``unknown``.
    """
    if v2_accounts is None:
        return None
    by_id = dict((a.get("id"), a) for a in v2_accounts)
    accounts = [by_id.get(a) or {"id": a, "provider": ""} for a in account_ids]
    forecast = forecast_clone(accounts, allow_invalid_grant_creation, clone_exchange)
    forecast["reasons"] = [
        dict(r, reason="not an account of the linked v2 application") if r["reason"] == "v2 provider (none) has no v3 equivalent"
        else r for r in forecast["reasons"]
    ]
    return forecast


def grants_of_results(results):
    """``{account_id: grant}`` of the ``created``/``existing`` entries of a ``grants`` result list (for :func:`outcome_of_grants`)."""
    return dict((e["account_id"], {"grant_status": e.get("grant_status")}) for e in results
                if e["result"] in (RESULT_CREATED, RESULT_EXISTING))


def forecast_summary(forecast, beside=None):
    """One line for a pair's summary: ``forecast: <forecast_line>`` and, after a run, ``; outcome: ...``.

    ``beside`` is :func:`outcome_beside_forecast`'s answer (or None). Returns "" without a forecast.
    """
    if not forecast:
        return ""
    text = "forecast: %s" % forecast_line(forecast)
    if beside:
        outcome = dict((k, beside[k]["outcome"]) for k in FORECAST_KEYS)
        text += "; outcome: %s%s" % (forecast_line(outcome), "" if beside["matches"] else " (differs from the forecast)")
    return text


def outcome_of_grants(account_ids, grants_by_account):
    """What became of accounts after a run, from their grants: ``{valid, reauth_required, will_fail}`` (pure).

    ``grants_by_account`` maps account id -> grant (``GET /v3/grants?account_ids=`` after the run): a
    ``valid`` grant counts as valid, any other grant (a placeholder) as re-authentication required, and
    an account without a grant as failed. Each account counts once, however many batches attempted it.
    """
    grants_by_account = grants_by_account or {}
    out = dict((k, 0) for k in FORECAST_KEYS)
    for account_id in dict.fromkeys(account_ids or []):
        found = grants_by_account.get(account_id)
        if not found:
            out["will_fail"] += 1
        elif is_placeholder(found) or found.get("grant_status") != "valid":
            out["reauth_required"] += 1
        else:
            out["valid"] += 1
    return out


def outcome_beside_forecast(forecast, outcome):
    """Set a forecast beside what a run did (``outcome`` as :func:`outcome_of_grants` returns it), per outcome.

    Returns ``{valid: {forecast, outcome}, reauth_required: {...}, will_fail: {...}, matches}``, or
    None without a forecast or an outcome. ``matches`` is true when every outcome equals its forecast.
    """
    if not forecast or outcome is None:
        return None
    out = dict((k, dict(forecast=forecast[k], outcome=outcome.get(k, 0))) for k in FORECAST_KEYS)
    out["matches"] = all(forecast[k] == outcome.get(k, 0) for k in FORECAST_KEYS)
    return out
