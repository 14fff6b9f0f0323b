# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure decisions of the id translation (step 8, ``nylas_id_translate``).

Nothing here performs HTTP, touches a file or Ansible: functions take plain data (grants, v2
accounts, checkpoint lines already read, a page of translations) and return what to do.

The checkpoint of one output set is a journal (one JSON object per line, appended):

* ``{"plan": {"request": ..., "accounts": [{"account_id", "grant_id", "provider"}], "skipped": [...]}}``
  -- the accounts chosen by the first run (a re-run with the same request reuses them without reading
  the grants again);
* ``{"a": account_id, "t": resource_type, "p": page, "next": next_page_number or null, "rows": n}`` --
  a page whose rows are safely on disk (written before this line);
* ``{"skip": account_id, "reason": ..., "message": ...}`` -- an account the API refused to translate;
* ``{"assembled": key}`` -- the mapping files were written for that plan and those resource types.

A line cut short by a kill is not valid JSON and is ignored: its page is asked again (the only
page of that account and type fetched twice).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json
import re
from datetime import datetime, timezone

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

#: The resource types of ``POST /v3/migration-tools/translate``, in the contract's order.
RESOURCE_TYPES = ("messages", "drafts", "threads", "contacts", "contactgroups", "events", "calendars", "folders")
#: Columns of every mapping file.
CSV_COLUMNS = ("v2_id", "v3_id", "account_id", "grant_id", "resource_type")
#: Translations per page, as documented.
PAGE_SIZE = 3000
#: The documented per-application limit of the migration tools (requests per second).
MIGRATION_RATE_LIMIT = 20.0
#: The client paces itself this fraction under its limit (``nylas_client.PACING_HEADROOM``).
PACING_HEADROOM = 0.95

SKIP_NO_GRANT = "no_grant"
SKIP_NOT_VALID = "grant_not_valid"
SKIP_OUTLOOK = "outlook_provider"
#: Why an account is skipped, in words (the result's ``reason`` is the key).
SKIP_REASONS = {
    SKIP_NO_GRANT: "the v2 account has no v3 grant: clone it first (the grant id is needed for the mapping "
                   "and for IMAP folder ids)",
    SKIP_NOT_VALID: "the v3 grant is not valid (a placeholder the user must re-authenticate); name the "
                    "account in account_ids to translate it anyway",
    SKIP_OUTLOOK: "Nylas does not translate the objects of v2 accounts whose provider is Outlook",
}
#: v2 providers the endpoint refuses.
UNTRANSLATABLE_V2_PROVIDERS = ("outlook",)
#: v3 providers whose folder ids are computed from the folder name.
IMAP_PROVIDERS = ("imap",)

_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def parse_since(value):
    """Turn the ``since`` option into unix seconds.

    Args:
        value: None, an int (unix seconds), a string of digits (unix seconds), or an ISO 8601 date or
            date-time (``2026-11-30``, ``2026-11-30T08:00:00Z``, ``2026-11-30T09:00:00+01:00``; no
            offset means UTC).

    Returns:
        int unix seconds, or None when ``value`` is None or empty.

    Raises:
        PlanningError: anything else, or a time before 1970.
    """
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        raise PlanningError("since must be unix seconds or an ISO 8601 date-time")
    if isinstance(value, (int, float)):
        seconds = int(value)
    else:
        text = str(value).strip()
        if re.match(r"^\d+$", text):
            seconds = int(text)
        elif _ISO_RE.match(text):
            normal = text.replace(" ", "T")
            if normal.endswith("Z"):
                normal = normal[:-1] + "+00:00"
            normal = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", normal)
            try:
                when = datetime.fromisoformat(normal)
            except ValueError:
                raise PlanningError("since %r is not a valid ISO 8601 date-time" % text) from None
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            seconds = int(when.timestamp())
        else:
            raise PlanningError("since must be unix seconds or an ISO 8601 date-time such as 2026-11-30T08:00:00Z")
    if seconds < 0:
        raise PlanningError("since must not be before 1970")
    return seconds


def check_resource_types(wanted):
    """Return the resource types to translate, in the contract's order, without duplicates.

    Args:
        wanted: None (every type) or a list of names.

    Raises:
        PlanningError: an unknown name, or an empty list.
    """
    if wanted is None:
        return list(RESOURCE_TYPES)
    unknown = sorted(set(wanted) - set(RESOURCE_TYPES))
    if unknown:
        raise PlanningError("unknown resource type(s) %s: expected %s" % (", ".join(unknown), ", ".join(RESOURCE_TYPES)))
    if not wanted:
        raise PlanningError("resource_types must not be empty")
    return [t for t in RESOURCE_TYPES if t in wanted]


def set_subdir(since):
    """The folder of an output set under ``dest``: ``""`` (the full pass) or ``since-<unix seconds>``."""
    return "" if since is None else "since-%d" % since


def select_accounts(grants, account_ids=None, v2_accounts=None):
    """Choose the accounts to translate.

    Args:
        grants: v3 grants of the application (dicts with ``id``, ``account_id``, ``grant_status``,
            ``provider``); grants without ``account_id`` (not migrated from v2) are ignored.
        account_ids: the requested v2 account ids, or None for every account with a ``valid`` grant
            (the accounts whose grant is a placeholder are then skipped, ``grant_not_valid``).
        v2_accounts: v2 account objects (``id``, ``provider``) when the v2 reads answered, else None;
            used only to skip Outlook accounts before asking.

    Returns:
        ``(accounts, skipped)``: ``accounts`` sorted by account id, each
        ``{"account_id", "grant_id", "provider"}``; ``skipped`` a list of
        ``{"account_id", "reason", "message"}`` (the reasons of :data:`SKIP_REASONS`).
    """
    by_account = {}
    for grant in grants or ():
        if not isinstance(grant, dict) or not grant.get("account_id"):
            continue
        current = by_account.get(grant["account_id"])
        if current is None or (current.get("grant_status") != "valid" and grant.get("grant_status") == "valid"):
            by_account[grant["account_id"]] = grant
    v2_provider = dict((a.get("id"), (a.get("provider") or "").lower()) for a in (v2_accounts or ()) if isinstance(a, dict))
    explicit = account_ids is not None
    wanted = list(dict.fromkeys(account_ids)) if explicit else sorted(by_account)
    accounts, skipped = [], []
    for account_id in wanted:
        grant = by_account.get(account_id)
        reason = None
        if grant is None:
            reason = SKIP_NO_GRANT
        elif not explicit and grant.get("grant_status") != "valid":
            reason = SKIP_NOT_VALID  # by default only valid grants; a placeholder is translated when named
        elif v2_provider.get(account_id) in UNTRANSLATABLE_V2_PROVIDERS:
            reason = SKIP_OUTLOOK
        if reason is not None:
            skipped.append(skip_entry(account_id, reason))
            continue
        accounts.append({"account_id": account_id, "grant_id": grant["id"], "provider": grant.get("provider")})
    accounts.sort(key=lambda a: a["account_id"])
    return accounts, skipped


def skip_entry(account_id, reason, message=None):
    """A skipped account as reported: ``{"account_id", "reason", "message"}``."""
    return {"account_id": account_id, "reason": reason, "message": message or SKIP_REASONS.get(reason, reason)}


def classify_translate_error(status, message):
    """Decide whether a failed translate request means "skip this account" rather than "fail".

    Args:
        status: HTTP status of the failure (None for a transport error).
        message: the API's error message.

    Returns:
        :data:`SKIP_OUTLOOK` for a 400 that names Outlook (the documented refusal), else None.
    """
    if status == 400 and "outlook" in (message or "").lower():
        return SKIP_OUTLOOK
    return None


def replay_checkpoint(lines):
    """Read checkpoint lines (newest last) into the state of an output set.

    Args:
        lines: the checkpoint file's lines (str). Blank, cut-short or unknown lines are ignored.

    Returns:
        ``{"plan": the last plan or None, "pages": {(account, type): {page: rows}},
        "next": {(account, type): next page or None}, "skipped": {account: (reason, message)},
        "assembled": the last assembled key or None}``.
    """
    state = {"plan": None, "pages": {}, "next": {}, "skipped": {}, "assembled": None}
    for line in lines:
        line = line.strip()
        if not line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("plan"), dict):
            state["plan"] = entry["plan"]
        elif "a" in entry and "t" in entry and isinstance(entry.get("p"), int):
            key = (entry["a"], entry["t"])
            state["pages"].setdefault(key, {})[entry["p"]] = int(entry.get("rows") or 0)
            state["next"][key] = entry.get("next")
        elif "skip" in entry:
            state["skipped"][entry["skip"]] = (entry.get("reason"), entry.get("message"))
        elif "assembled" in entry:
            state["assembled"] = entry["assembled"]
    return state


def page_line(account_id, resource_type, page, next_page, rows):
    """The checkpoint line of a page safely written (str, no newline)."""
    return json.dumps({"a": account_id, "t": resource_type, "p": page, "next": next_page, "rows": rows},
                      sort_keys=True)


def skip_line(entry):
    """The checkpoint line of a skipped account (str, no newline)."""
    return json.dumps({"skip": entry["account_id"], "reason": entry["reason"], "message": entry["message"]},
                      sort_keys=True)


def plan_line(plan):
    """The checkpoint line of a plan (str, no newline)."""
    return json.dumps({"plan": plan}, sort_keys=True)


def assembled_line(key):
    """The checkpoint line recording that the mapping files of ``key`` were written (str, no newline)."""
    return json.dumps({"assembled": key})


def next_page_to_ask(state, account_id, resource_type):
    """The page to ask next for an account and type.

    Returns:
        1 when nothing was fetched yet, the recorded ``next_page_number`` while more remain, or
        None when the account and type are done.
    """
    key = (account_id, resource_type)
    if key not in state["next"]:
        return 1
    return state["next"][key]


def pending_work(accounts, resource_types, state):
    """The account/type pairs still to translate, account by account.

    Returns:
        a list of ``(account, resource_type, page)`` (``account`` as in the plan) for every pair
        not done and whose account was not skipped by the API.
    """
    work = []
    for account in accounts:
        if account["account_id"] in state["skipped"]:
            continue
        for resource_type in resource_types:
            page = next_page_to_ask(state, account["account_id"], resource_type)
            if page is not None:
                work.append((account, resource_type, page))
    return work


def estimate(pending, rate_limit):
    """Estimate the requests and minutes of the pending work at the rate limit.

    Each pending account/type needs at least one request (one more per 3,000 objects, which only
    the answers tell), so the figures are lower bounds.

    Args:
        pending: the list from :func:`pending_work`.
        rate_limit: requests per second allowed (0/None: the documented 20).

    Returns:
        ``{"requests_min", "minutes_min", "requests_per_second"}``.
    """
    rate = float(rate_limit or MIGRATION_RATE_LIMIT) * PACING_HEADROOM
    requests = len(pending)
    return {"requests_min": requests, "minutes_min": round(requests / rate / 60.0, 2),
            "requests_per_second": round(rate, 2)}


def imap_folder_id(grant_id, folder_name):
    """The v3 id of an IMAP folder: base64 of ``v0:<grant_id>:<folder name>`` (UTF-8, standard alphabet).

    The translate endpoint answers an IMAP folder's name in ``v3_resource_id``; Nylas documents the
    v3 folder id as this encoding.
    """
    raw = ("v0:%s:%s" % (grant_id, folder_name)).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def rows_for_page(account, resource_type, translations):
    """Mapping rows of one page of translations.

    Args:
        account: ``{"account_id", "grant_id", "provider"}`` (the v3 provider of its grant).
        resource_type: the translated type.
        translations: ``{"v2_resource_id", "v3_resource_id"}`` items as answered.

    Returns:
        A list of ``[v2_id, v3_id, account_id, grant_id, resource_type]``; an IMAP folder's v3 id is
        computed with :func:`imap_folder_id`; items without both ids are left out.
    """
    imap_folders = resource_type == "folders" and account.get("provider") in IMAP_PROVIDERS
    rows = []
    for item in translations or ():
        if not isinstance(item, dict):
            continue
        v2_id, v3_id = item.get("v2_resource_id"), item.get("v3_resource_id")
        if not v2_id or v3_id in (None, ""):
            continue
        if imap_folders:
            v3_id = imap_folder_id(account["grant_id"], v3_id)
        rows.append([str(v2_id), str(v3_id), account["account_id"], account["grant_id"], resource_type])
    return rows


def assembled_key(accounts, resource_types):
    """A key naming the mapping files of a plan and its resource types (to know they are up to date)."""
    text = json.dumps([sorted(a["account_id"] for a in accounts), list(resource_types)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def plan_request(account_ids, since):
    """What a run asked for, as stored in the plan (a re-run asking the same reuses the plan)."""
    return {"account_ids": list(account_ids) if account_ids is not None else None, "since": since}


def reusable_plan(state, request):
    """Return the stored plan when it answers ``request`` (see :func:`plan_request`), else None."""
    plan = state.get("plan")
    if isinstance(plan, dict) and plan.get("request") == request and isinstance(plan.get("accounts"), list):
        return plan
    return None


def summarize(accounts, resource_types, state):
    """Counts of the output set: rows per resource type and pages fetched (from the checkpoint state)."""
    wanted = set(a["account_id"] for a in accounts)
    rows = dict((t, 0) for t in resource_types)
    pages = 0
    for (account_id, resource_type), by_page in state["pages"].items():
        if account_id in wanted and resource_type in rows:
            rows[resource_type] += sum(by_page.values())
            pages += len(by_page)
    return {"translations": rows, "pages": pages}


def merge_skips(planned, state):
    """Every skipped account: those of the plan, then those the API refused (from the checkpoint state).

    Returns:
        ``{account_id: skip entry}`` (see :func:`skip_entry`); the plan's entry wins for an account in both.
    """
    skipped = dict((entry["account_id"], entry) for entry in planned or ())
    for account_id, (reason, message) in state["skipped"].items():
        skipped.setdefault(account_id, skip_entry(account_id, reason, message))
    return skipped


def active_accounts(plan, skipped):
    """The plan's accounts that are not skipped (``skipped``: a container of account ids), in plan order."""
    return [a for a in plan["accounts"] if a["account_id"] not in skipped]


def count_skip_reasons(entries):
    """Skipped accounts per reason: ``{reason: count}`` of skip entries."""
    counts = {}
    for entry in entries:
        counts[entry["reason"]] = counts.get(entry["reason"], 0) + 1
    return counts


def first_failure_fields(failures):
    """The failure fields of a failed run from its first failure: ``msg``, ``status``, ``error_type``,
    ``request_id``, ``field`` (the answer's field that broke the contract, else None).

    ``msg`` names the endpoint (``method`` and ``path`` of the failure, when known) and the error's text,
    which carries the request id.

    Args:
        failures: the runner's failures (``account_id``, ``resource_type``, ``message``, ``status``, ...).
    """
    first = failures[0]
    endpoint = ""
    if first.get("method") and first.get("path"):
        endpoint = "%s %s" % (first["method"], first["path"])
    message = first["message"]
    where = " (%s)" % endpoint if endpoint and endpoint not in message else ""
    what = (first["resource_type"], first["account_id"], where, message)
    return {
        "msg": "Failed to translate the %s of account %s%s: %s" % what,
        "status": first.get("status"),
        "error_type": first.get("error_type"),
        "request_id": first.get("request_id"),
        "field": first.get("field"),
    }
