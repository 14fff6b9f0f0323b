#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_grant_clone
short_description: Clone Nylas v2 connected accounts into v3 grants, one account at a time
version_added: 0.1.0
description:
  - Clones each v2 account of O(account_ids) (or the single O(account_id)) into a v3 grant of the
    v3 application of O(api_key) (C(POST /v3/migration-tools/grants/{account_id}/clone)), the
    "migrate one account as a test" step of the Nylas v2 to v3 migration.
  - Idempotent. Finds the accounts that already have a grant with C(GET /v3/grants?account_ids=)
    (50 ids per request) and clones only the others; a re-run makes no write and returns C(changed=false).
  - Clones run concurrently (O(concurrency) workers) under the client's rate limit (O(rate_limit)).
  - A clone request whose outcome is unknown (timeout, dropped connection or 5xx after the request
    was sent) is never sent again blindly; it is settled. The module re-reads the account's grant
    (C(GET /v3/grants?account_ids=)) at once, then with back-off, for up to O(settle_time) seconds; the
    account is C(created) as soon as the grant shows. Only when a re-read after O(settle_time) still finds
    no grant is the clone sent once more (by then the first request is either done, and its grant would
    show, or dead); that one is settled the same way. An account whose grant still does not show is
    C(unknown), never C(failed) (which means that Nylas refused the clone). A re-run re-reads the grant first
    and clones the account only if it is still missing.
  - One worker owns one account, so two clone requests for one account are never in flight at the same
    time. O(settle_time) should exceed the time Nylas may still take on a request the client gave up on
    (after O(timeout)).
  - Accounts that cannot migrate automatically (Microsoft accounts other than token-authenticated
    Graph or Office 365, and accounts whose v2 sync state is not C(running)) become placeholder grants
    (C(grant_status=invalid)) that the user must re-authenticate, or fail, depending on
    O(clone_exchange) and O(allow_invalid_grant_creation); the outcome table of C(simulator/README.md)
    lists the rules. Their ids are listed in RV(reauth_required).
  - The v2 application must be linked first (M(nylas.migration.nylas_link_apps)).
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  account_ids:
    description:
      - The v2 account ids to clone. Duplicates are ignored.
      - Mutually exclusive with O(account_id); one of the two is required.
    type: list
    elements: str
  account_id:
    description:
      - A single v2 account id to clone, as a shorthand for O(account_ids) with one element.
    type: str
  concurrency:
    description:
      - How many clone requests run at the same time. The client's O(rate_limit) (requests per
        second) still applies to all of them together.
    type: int
    default: 4
  fail_on_error:
    description:
      - Fail the task when any account failed or ended C(unknown) (an unknown outcome counts as not
        done); the message names the failed and the unknown accounts apart. The per-account results are
        returned either way.
      - With V(false) the task succeeds and failed or unknown accounts are reported in RV(grants) and
        RV(summary), and in a warning.
    type: bool
    default: true
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.clone_flags
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description:
      - In check mode the module reads the existing grants, sends no clone request, reports the missing
        accounts with C(result=planned) and predicts C(changed).
  diff_mode:
    support: full
    description: Shows the account ids that are (or would be) migrated by this run.
notes:
  - The v2 credentials are not needed by this module.
seealso:
  - module: nylas.migration.nylas_link_apps
  - module: nylas.migration.nylas_batch_clone
"""

EXAMPLES = r"""
- name: Migrate the pilot accounts one by one before the batch
  hosts: nylas_apps
  gather_facts: false
  module_defaults:
    group/nylas.migration.nylas:
      api_key: "{{ nylas_api_key }}"
      region: "{{ nylas_region }}"
      api_uri: "{{ nylas_api_uri | default(omit) }}"
  tasks:
    - name: Clone the first pilot account as a test
      nylas.migration.nylas_grant_clone:
        account_id: "{{ nylas_pilot_account_ids[0] }}"
      when: nylas_pilot_account_ids | default([]) | length > 0

    - name: Clone the pilot accounts, four at a time, without failing the play on a bad account
      nylas.migration.nylas_grant_clone:
        account_ids: "{{ nylas_pilot_account_ids }}"
        concurrency: 4
        clone_exchange: true
        fail_on_error: false
      register: pilot
      when: nylas_pilot_account_ids | default([]) | length > 0

    - name: Show who must re-authenticate
      ansible.builtin.debug:
        msg: >-
          {{ pilot.summary.created }} created, {{ pilot.summary.failed }} failed,
          {{ pilot.summary.unknown }} unknown; re-auth: {{ pilot.reauth_required }}
      when: pilot is not skipped
"""

RETURN = r"""
grants:
  description: One entry per requested account, in the order given.
  returned: always, failures included (once the existing grants were read)
  type: list
  elements: dict
  contains:
    account_id:
      description: The v2 account id.
      type: str
      sample: 7xq2m4kd9c0a1b2c3d4e5f6g7
    grant_id:
      description: The v3 grant id (null when the account has no grant).
      type: str
      sample: 3d0b6c2e-8c8f-4a57-9a31-2a6b1c1f7e11
    grant_status:
      description: C(valid), or C(invalid) for a placeholder grant the user must re-authenticate.
      type: str
      sample: valid
    provider:
      description: The v3 provider of the grant.
      type: str
      sample: google
    email:
      description: The email address of the grant.
      type: str
      sample: ada.lovelace.0@example.com
    result:
      description:
        - C(created) (by this run; also when the clone's answer was lost and a re-read found the grant),
          C(existing) (a grant was already there), C(failed) (Nylas refused the clone), C(unknown) (the clone
          may or may not have happened, no grant was seen after settling; a re-run re-reads it first), or
          C(planned) (check mode).
      type: str
      sample: created
    error:
      description: Why the account failed or is unknown (null otherwise).
      type: dict
      contains:
        message:
          description:
            - The error message. For an C(unknown) account it says how the clone was settled (re-read for
              O(settle_time) seconds, re-sent once or not) and that a re-run re-reads the grant first.
          type: str
        status:
          description: HTTP status of the failed request (null for a connection error).
          type: int
        error_type:
          description: Nylas C(error.type), or a client-side kind such as C(connection_error).
          type: str
        request_id:
          description: Nylas request id of the failed request.
          type: str
        outcome_unknown:
          description: Present and true when the clone may have happened (result C(unknown)); no grant was seen after settling.
          type: bool
      sample: {"message": "account not found", "status": 404, "error_type": "not_found_error", "request_id": "b1c2"}
  sample:
    - account_id: 7xq2m4kd9c0a1b2c3d4e5f6g7
      grant_id: 3d0b6c2e-8c8f-4a57-9a31-2a6b1c1f7e11
      grant_status: valid
      provider: google
      email: ada.lovelace.0@example.com
      result: created
      error: null
summary:
  description: Counts of the per-account results.
  returned: always, failures included (once the existing grants were read)
  type: dict
  contains:
    created:
      description: Accounts cloned by this run.
      type: int
    existing:
      description: Accounts that already had a grant.
      type: int
    failed:
      description: Accounts whose clone Nylas refused.
      type: int
    unknown:
      description: Accounts whose clone may or may not have happened (no grant seen after settling).
      type: int
    planned:
      description: Accounts that would be cloned (check mode).
      type: int
    placeholders:
      description: Created or existing grants that are placeholders (C(grant_status=invalid)).
      type: int
    total:
      description: Accounts requested.
      type: int
  sample: {"created": 3, "existing": 1, "failed": 0, "unknown": 0, "planned": 0, "placeholders": 1, "total": 4}
reauth_required:
  description: Account ids whose grant is a placeholder (C(grant_status=invalid)); the user must re-authenticate them.
  returned: always, failures included (once the existing grants were read)
  type: list
  elements: str
  sample: [p0q1r2s3t4u5v6w7x8y9z0a1b]
forecast:
  description:
    - What the documented rules (the outcome table of C(simulator/README.md)) predict for the accounts
      this run clones (or would clone, in check mode), with the given flags; made before cloning.
    - Needs the v2 account list (O(v2_client_id) and O(v2_client_secret)); null without it or when nothing
      is to be cloned. An id that is not an account of the linked v2 application is forecast to fail.
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
      description: Accounts whose clone will fail.
      type: int
    by_provider:
      description: The three counts per v3 provider.
      type: dict
    reasons:
      description: Why accounts will need re-authentication or fail (C(outcome), C(provider), C(reason), C(count)).
      type: list
      elements: dict
  sample: {"accounts": 2, "valid": 1, "reauth_required": 1, "will_fail": 0,
           "by_provider": {"google": {"valid": 1, "reauth_required": 0, "will_fail": 0},
                           "microsoft": {"valid": 0, "reauth_required": 1, "will_fail": 0}},
           "reasons": [{"outcome": "reauth_required", "provider": "microsoft", "count": 1,
                        "reason": "Microsoft exchange account (password authentication) not migrated automatically: the user must re-authenticate"}]}
forecast_vs_outcome:
  description:
    - After a real run, RV(forecast) beside what became of the same accounts (valid grant, placeholder, failed),
      per outcome, and whether they all match. Null in check mode or without a forecast.
  returned: always
  type: dict
  sample: {"valid": {"forecast": 1, "outcome": 1}, "reauth_required": {"forecast": 1, "outcome": 1},
           "will_fail": {"forecast": 0, "outcome": 0}, "matches": true}
planned_requests:
  description:
    - In check mode, each clone request the module would send, as data (C(method), C(path) per account,
      C(query) with the clone flags as sent, C(body)); empty otherwise.
  returned: always
  type: list
  elements: dict
  sample: [{"method": "POST", "path": "/v3/migration-tools/grants/7xq2m4kd9c0a1b2c3d4e5f6g7/clone",
            "query": {"clone_exchange": "false"}, "body": null}]
diff:
  description:
    - The account ids migrated (or to be migrated in check mode) by this run, as before/after lists;
      C(after) also holds RV(forecast) when there is one, and in check mode RV(planned_requests).
  returned: when diff mode is on
  type: dict
  sample: {"before": {"migrated_account_ids": []}, "after": {"migrated_account_ids": ["7xq2m4kd9c0a1b2c3d4e5f6g7"],
           "planned_requests": [{"method": "POST", "path": "/v3/migration-tools/grants/7xq2m4kd9c0a1b2c3d4e5f6g7/clone",
                                 "query": {}, "body": null}]}}
status:
  description: HTTP status of the (first) failed request (of a failed account, else of an unknown one).
  returned: failure, when the API answered
  type: int
  sample: 404
error_type:
  description: Nylas C(error.type) of the (first) failure, or a client-side kind such as C(connection_error) or C(non_json_response).
  returned: failure from the API
  type: str
  sample: not_found_error
request_id:
  description: Nylas request id of the (first) failed request.
  returned: failure, when the API sent one
  type: str
  sample: 5967ca40-a2d8-4ee0-a0e0-6f18ace39a90
field:
  description: The field of the answer that broke the contract the module relies on (for example C(data), C(data[0].account_id), C(body)).
  returned: failure, when an answer broke the contract
  type: str
  sample: data[0].account_id
method:
  description: HTTP method of the (first) failed request.
  returned: failure from the API
  type: str
  sample: POST
path:
  description: Path of the (first) failed request (no query string).
  returned: failure from the API
  type: str
  sample: /v3/migration-tools/grants/7xq2m4kd9c0a1b2c3d4e5f6g7/clone
attempts:
  description: How many times the (first) failed request was sent.
  returned: failure from the API
  type: int
  sample: 1
outcome_unknown:
  description: Whether the (first) reported error is of an account whose outcome is unknown (no failed account then).
  returned: failure from the API
  type: bool
  sample: false
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import ERROR_FIELDS, NylasModule, clone_flag_spec
from ansible_collections.nylas.migration.plugins.module_utils.nylas_clone_planning import (
    RESULT_CREATED,
    RESULT_EXISTING,
    RESULT_FAILED,
    RESULT_PLANNED,
    RESULT_UNKNOWN,
    clone_diff,
    clone_failure_message,
    error_to_dict,
    grant_clone_forecast,
    grant_result,
    grants_of_results,
    normalize_account_ids,
    outcome_beside_forecast,
    outcome_of_grants,
    plan_grant_clone,
    reauth_required_ids,
    settled_clone_result,
    summarize_clone_results,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasError, PlanningError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import clone_grant_request, planned_request
from ansible_collections.nylas.migration.plugins.module_utils.nylas_settle import settle


def clone_one(client, account_id, flags, settle_time, clock=None, sleep=None):
    """Clone one account, settling an unknown outcome; return ``(entry, error)``.

    ``error`` is the exception of a failed or unknown clone (None when created). Runs in a worker
    thread, so it never fails the module: :func:`nylas_settle.settle` makes the clone
    (``POST /v3/migration-tools/grants/{account_id}/clone``) and, when its outcome is unknown,
    re-reads the account's grant (``GET /v3/grants?account_ids=``) with back-off for ``settle_time``
    seconds, re-sending the clone once only when a re-read after that time still finds no grant.
    One worker owns one account, so two clone requests for one account are never in flight together.
    """
    settled = settle(
        lambda: client.clone_grant(account_id, **flags),
        lambda: client.find_grants_by_account_ids([account_id]).get(account_id),
        settle_time=settle_time, clock=clock, sleep=sleep,
    )
    fields = None
    if settled.error is not None:
        fields = error_to_dict(settled.error)
        if settled.reread_error is not None:
            fields["message"] = "%s; re-reading the grant failed too: %s" % (fields["message"], settled.reread_error)
    entry = settled_clone_result(account_id, settled.outcome, settled.value, fields, settle_time, settled.resent)
    return entry, (None if entry["result"] == RESULT_CREATED else settled.error)


def clone_all(client, account_ids, flags, concurrency, settle_time, clock=None, sleep=None):
    """Clone the accounts with up to ``concurrency`` workers; return ``{account_id: (entry, error)}``."""
    if not account_ids:
        return {}
    workers = max(1, min(int(concurrency), len(account_ids)))
    if workers == 1:
        return dict((a, clone_one(client, a, flags, settle_time, clock, sleep)) for a in account_ids)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = dict((a, pool.submit(clone_one, client, a, flags, settle_time, clock, sleep)) for a in account_ids)
        return dict((a, f.result()) for a, f in futures.items())


def read_forecast(module, to_clone, flags):
    """The forecast of the clones (:func:`grant_clone_forecast`) from the v2 account list, or None.

    None when nothing is to be cloned, without v2 credentials, or (with a warning) when the v2 list
    (``GET /a/{client_id}/accounts``) cannot be read.
    """
    if not to_clone or not module.has_v2_credentials():
        return None
    try:
        accounts = module.v2_client.list_accounts()
    except NylasError as e:
        module.warn("The v2 account list could not be read (%s); no forecast" % e)
        return None
    return grant_clone_forecast(to_clone, accounts, **flags)


def run_module():
    """Read the existing grants, clone the missing accounts (not in check mode) and report each one."""
    module = NylasModule(
        argument_spec=dict(
            account_ids=dict(type="list", elements="str"),
            account_id=dict(type="str"),
            concurrency=dict(type="int", default=4),
            **clone_flag_spec(),
            fail_on_error=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
        mutually_exclusive=[("account_ids", "account_id")],
        required_one_of=[("account_ids", "account_id")],
    )
    params = module.params
    if params["concurrency"] < 1:
        module.fail_json(msg="concurrency must be 1 or more", changed=False)
    try:
        wanted = normalize_account_ids(params["account_ids"] if params["account_ids"] is not None
                                       else [params["account_id"]])
    except PlanningError as e:
        module.fail_json(msg=str(e), changed=False)
    flags = dict(
        allow_invalid_grant_creation=params["allow_invalid_grant_creation"],
        clone_exchange=params["clone_exchange"],
    )
    client = module.client

    existing_by_account = module.call(client.find_grants_by_account_ids, wanted,
                                      msg="Failed to read the existing grants", changed=False)

    to_clone, existing = plan_grant_clone(wanted, existing_by_account)
    forecast = read_forecast(module, to_clone, flags)
    planned_requests = []
    if module.check_mode:
        outcomes = dict((a, (grant_result(a, RESULT_PLANNED), None)) for a in to_clone)
        planned_requests = [planned_request(clone_grant_request(a, **flags)) for a in to_clone]
    else:
        outcomes = clone_all(client, to_clone, flags, params["concurrency"], params["settle_time"],
                             clock=module.clock, sleep=module.sleep)

    results, errors = [], {}
    for account_id in wanted:
        if account_id in existing:
            results.append(grant_result(account_id, RESULT_EXISTING, grant=existing[account_id]))
            continue
        entry, error = outcomes[account_id]
        results.append(entry)
        if error is not None:
            errors.setdefault(entry["result"], error)

    summary = summarize_clone_results(results)
    changed = bool(summary[RESULT_CREATED] or summary[RESULT_PLANNED])
    diff = clone_diff(results)
    if forecast:
        diff["after"]["forecast"] = forecast
    if planned_requests:
        diff["after"]["planned_requests"] = planned_requests
    output = dict(
        changed=changed,
        grants=results,
        summary=summary,
        reauth_required=reauth_required_ids(results),
        forecast=forecast,
        forecast_vs_outcome=None if module.check_mode else outcome_beside_forecast(
            forecast, outcome_of_grants(to_clone, grants_of_results(results))),
        planned_requests=planned_requests,
        diff=diff,
    )
    message = clone_failure_message(results)
    if message and params["fail_on_error"]:
        # unknown counts as not done; the error fields are those of the first failed (else unknown) account
        first_error = errors.get(RESULT_FAILED) or errors.get(RESULT_UNKNOWN)
        output.update((field, getattr(first_error, field, None)) for field in ERROR_FIELDS)
        module.fail_json(msg=message, **output)
    if message:
        module.warn(message)
    module.exit_json(**output)


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
