#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_id_translate
short_description: Translate the v2 object ids an application stored into v3 ids (migration step 8)
version_added: 0.1.0
description:
  - Writes mapping files from the v2 object ids (messages, drafts, threads, contacts, contact groups,
    events, calendars, folders) of the v2 accounts of an application pair to their v3 ids, with
    C(POST /v3/migration-tools/translate), so that an application's database can replace the v2 ids
    it stored.
  - One CSV file per resource type in O(dest) (C(messages.csv), C(folders.csv), ...), with the
    columns C(v2_id,v3_id,account_id,grant_id,resource_type) and a header line, ready to load into a
    database. Files are mode 0600 and folders 0700.
  - The accounts are those of O(account_ids), or by default every v2 account with a C(valid) v3 grant
    (read with C(GET /v3/grants)).
  - Accounts that are not translated are listed in RV(skipped_accounts) with a reason, and counted in
    RV(skipped_counts); the module does not fail for them. C(no_grant), the account has no v3 grant.
    C(grant_not_valid), its grant is a placeholder the user must re-authenticate (skipped by default,
    translated when named in O(account_ids)). C(outlook_provider), Nylas does not translate accounts
    whose v2 provider is Outlook (known before asking when the v2 reads answer, else from the API's
    refusal, which is remembered).
  - IMAP folders are answered by name; the module writes their v3 id, the base64 of
    C(v0:<grant_id>:<folder name>), as Nylas documents.
  - Pages of up to 3,000 translations are fetched concurrently across accounts (O(concurrency)
    workers) under the per-application rate limit O(rate_limit) (the API allows 20 requests per
    second per application).
  - Resumable. A checkpoint (C(.checkpoint.jsonl)) beside the files records each page once its rows
    are safely on disk (C(.parts/), written atomically). A run killed at any moment continues where it
    stopped (at most the page in flight of each account and type is asked again); a run after
    completion sends no request and returns C(changed=false).
  - Incremental. With O(since), only objects created after that time are translated, into a separate
    output set C(<dest>/since-<unix seconds>/) with its own checkpoint, so the full pass is kept.
  - The v2 application must be linked to the v3 application (M(nylas.migration.nylas_link_apps)).
    Translating changes nothing at Nylas.
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  dest:
    description:
      - The folder of this application pair's mapping files (created with mode 0700).
      - Use one folder per pair, for example C({{ playbook_dir }}/../translations/{{ inventory_hostname }}).
    type: path
    required: true
  account_ids:
    description:
      - The v2 account ids to translate. By default, every v2 account that has a C(valid) v3 grant.
      - An account named here is translated even if its grant is a placeholder; one without a v3
        grant is skipped (C(no_grant)).
    type: list
    elements: str
  resource_types:
    description:
      - The resource types to translate. By default all of them.
    type: list
    elements: str
    choices: [messages, drafts, threads, contacts, contactgroups, events, calendars, folders]
  since:
    description:
      - Translate only objects created after this time (sent as C(start_from_timestamp)).
      - Unix seconds (C(1764489600)) or an ISO 8601 date or date-time (C(2026-11-30T08:00:00Z); no
        offset means UTC).
      - The files of such a pass go to C(<dest>/since-<unix seconds>/), beside the full pass.
    type: str
  concurrency:
    description:
      - How many account/type pairs are fetched at the same time. The client's O(rate_limit)
        (requests per second) still applies to all of them together.
    type: int
    default: 4
  fail_on_error:
    description:
      - Fail the task when a page could not be fetched (other than the skips listed above). The
        pages already fetched are kept; a re-run continues from them.
      - With V(false) the task succeeds, the failures are in RV(failures), and the mapping files are
        not written until every pair is complete.
    type: bool
    default: true
extends_documentation_fragment:
  - nylas.migration.nylas
  - nylas.migration.nylas.attributes
attributes:
  check_mode:
    support: full
    description:
      - In check mode the module sends no translate request and writes nothing. It returns the plan in
        RV(plan). It reads the grants (C(GET /v3/grants)), and the v2 accounts when the v2 credentials
        are set, only if no checkpoint holds the plan already.
  diff_mode:
    support: none
    description: The mapping files are new local files; there is no state to show before and after.
notes:
  - Run it after the batch clone, then again with O(since) just before the cutover for the objects
    created in the meantime.
  - A checkpoint keeps the accounts chosen by its first run. To pick up accounts migrated later, use
    O(since) (a new output set) or remove the folder O(dest).
  - The v2 credentials are optional; with them the module reads the v2 accounts to skip Outlook
    accounts without asking.
  - Nylas documents the translate endpoint as data-intensive and meant for one-time use.
seealso:
  - module: nylas.migration.nylas_link_apps
  - module: nylas.migration.nylas_batch_clone
"""

EXAMPLES = r"""
- name: Translate the stored v2 ids of each application pair
  hosts: nylas_apps
  gather_facts: false
  module_defaults:
    group/nylas.migration.nylas:
      api_key: "{{ nylas_api_key }}"
      region: "{{ nylas_region }}"
      api_uri: "{{ nylas_api_uri | default(omit) }}"
  tasks:
    - name: Show the plan (no request sent to the translate endpoint)
      nylas.migration.nylas_id_translate:
        dest: "{{ playbook_dir }}/../translations/{{ inventory_hostname }}"
      check_mode: true
      register: translate_plan

    - name: Translate every object of every migrated account (resumes after an interruption)
      nylas.migration.nylas_id_translate:
        dest: "{{ playbook_dir }}/../translations/{{ inventory_hostname }}"
      async: 7200
      poll: 15

    - name: Just before the cutover, translate what was created since the first pass
      nylas.migration.nylas_id_translate:
        dest: "{{ playbook_dir }}/../translations/{{ inventory_hostname }}"
        since: "2026-11-30T08:00:00Z"
        resource_types: [messages, threads, drafts, events]
"""

RETURN = r"""
output_dir:
  description: The folder of this output set (O(dest), or C(<dest>/since-<unix seconds>) with O(since)).
  returned: always
  type: str
  sample: /srv/migration/translations/acme
checkpoint:
  description: The checkpoint file of the output set.
  returned: always
  type: str
  sample: /srv/migration/translations/acme/.checkpoint.jsonl
files:
  description: The mapping files of the requested resource types (absent from the list until written).
  returned: always
  type: list
  elements: str
  sample: [/srv/migration/translations/acme/messages.csv, /srv/migration/translations/acme/folders.csv]
translations:
  description: Rows in the mapping files per resource type (this output set, every run so far).
  returned: always
  type: dict
  sample: {"messages": 36000, "drafts": 2000, "threads": 15000, "contacts": 12000, "contactgroups": 2000,
           "events": 10000, "calendars": 2000, "folders": 8000}
accounts:
  description: How many accounts are translated in this output set (skipped ones excluded).
  returned: always
  type: int
  sample: 987
requests:
  description: Translate requests (pages) sent by this run.
  returned: always
  type: int
  sample: 7912
pages:
  description: Pages recorded in the checkpoint of this output set (every run so far).
  returned: always
  type: int
  sample: 7912
skipped_accounts:
  description: Accounts not translated, with the reason (C(no_grant), C(grant_not_valid), C(outlook_provider)) and a message.
  returned: always
  type: list
  elements: dict
  contains:
    account_id:
      description: The v2 account id.
      type: str
      sample: 7xq2m4kd9c0a1b2c3d4e5f6g7
    reason:
      description: Why it was skipped.
      type: str
      sample: outlook_provider
    message:
      description: The reason in words.
      type: str
      sample: Nylas does not translate the objects of v2 accounts whose provider is Outlook
  sample: [{"account_id": "7xq2m4kd9c0a1b2c3d4e5f6g7", "reason": "outlook_provider",
            "message": "Nylas does not translate the objects of v2 accounts whose provider is Outlook"}]
skipped_counts:
  description: Skipped accounts per reason.
  returned: always
  type: dict
  sample: {"outlook_provider": 3, "no_grant": 1}
failures:
  description: Account/type pairs whose pages could not be fetched by this run (a re-run continues them).
  returned: always
  type: list
  elements: dict
  contains:
    account_id:
      description: The v2 account id.
      type: str
    resource_type:
      description: The resource type.
      type: str
    message:
      description: The error message.
      type: str
    status:
      description: HTTP status (null for a connection error).
      type: int
    error_type:
      description: Nylas C(error.type) or a client-side kind such as C(connection_error).
      type: str
    request_id:
      description: Nylas request id of the failed request.
      type: str
    method:
      description: HTTP method of the failed request.
      type: str
    path:
      description: Path of the failed request (no query string).
      type: str
    field:
      description: The field of the answer that broke the contract (for example C(data.next_page_number)), else null.
      type: str
  sample: [{"account_id": "7xq2m4kd9c0a1b2c3d4e5f6g7", "resource_type": "messages", "message": "Simulated fault",
            "status": 500, "error_type": "internal_error", "request_id": "5967ca40-a2d8-4ee0-a0e0-6f18ace39a90",
            "method": "POST", "path": "/v3/migration-tools/translate", "field": null}]
plan:
  description: What the run had to do when it started (in check mode, what it would do).
  returned: always
  type: dict
  contains:
    accounts:
      description: Accounts to translate.
      type: int
    resource_types:
      description: Resource types translated.
      type: list
      elements: str
    since:
      description: O(since) in unix seconds, or null.
      type: int
    pending:
      description: Account/type pairs not complete yet.
      type: int
    requests_min:
      description: Requests still needed at least (one per pending pair; one more per 3,000 objects).
      type: int
    minutes_min:
      description: Minutes those requests take at least at the paced rate limit.
      type: float
    requests_per_second:
      description: The rate the client paces itself to (requests per second, under O(rate_limit)).
      type: float
    assemble:
      description: Whether the mapping files must be (re)written.
      type: bool
  sample: {"accounts": 987, "resource_types": ["messages", "folders"], "since": null, "pending": 1974,
           "requests_min": 1974, "minutes_min": 1.73, "requests_per_second": 19.0, "assemble": true}
msg:
  description: What happened, in a sentence.
  returned: always
  type: str
  sample: "7912 pages translated for 987 accounts; 3 accounts skipped"
"""

import os

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasError, PlanningError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule
from ansible_collections.nylas.migration.plugins.module_utils.nylas_translate_planning import (
    RESOURCE_TYPES,
    active_accounts,
    assembled_key,
    assembled_line,
    check_resource_types,
    count_skip_reasons,
    estimate,
    first_failure_fields,
    merge_skips,
    parse_since,
    pending_work,
    plan_line,
    plan_request,
    reusable_plan,
    select_accounts,
    set_subdir,
    summarize,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_translate_runner import (
    OutputSet,
    translate_pending,
)


def read_plan(module, output, request):
    """Return ``(plan, new)``: the checkpoint's plan for ``request``, else one made from the grants.

    Reads ``GET /v3/grants`` and, with v2 credentials, the v2 accounts (a failed v2 read only warns).
    """
    plan = reusable_plan(output.read_state(), request)
    if plan is not None:
        return plan, False
    try:
        grants = module.client.list_grants()
    except NylasError as e:
        module.fail_from_error(e, msg="Failed to read the v3 grants", changed=False)
    v2_accounts = None
    if module.v2_client is not None:
        try:
            v2_accounts = module.v2_client.list_accounts()
        except NylasError as e:
            module.warn("The v2 accounts could not be read (%s); Outlook accounts are skipped when the API refuses "
                        "them" % e)
    accounts, skipped = select_accounts(grants, request["account_ids"], v2_accounts)
    return {"request": request, "accounts": accounts, "skipped": skipped}, True


def run_module():
    """Plan from the checkpoint (or the grants), fetch the pending pages, write the mapping files."""
    module = NylasModule(
        argument_spec=dict(
            dest=dict(type="path", required=True),
            account_ids=dict(type="list", elements="str"),
            resource_types=dict(type="list", elements="str", choices=list(RESOURCE_TYPES)),
            since=dict(type="str"),
            concurrency=dict(type="int", default=4),
            fail_on_error=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["concurrency"] < 1:
        module.fail_json(msg="concurrency must be 1 or more", changed=False)
    try:
        resource_types = check_resource_types(params["resource_types"])
        since = parse_since(params["since"])
    except PlanningError as e:
        module.fail_json(msg=str(e), changed=False)

    output = OutputSet(os.path.join(params["dest"], set_subdir(since)))
    plan, new_plan = read_plan(module, output, plan_request(params["account_ids"], since))
    state = output.read_state()
    skipped = merge_skips(plan["skipped"], state)
    active = active_accounts(plan, skipped)
    pending = pending_work(active, resource_types, state)
    key = assembled_key(active, resource_types)
    assemble = bool(pending) or state["assembled"] != key or bool(output.missing_files(resource_types))
    plan_out = dict(accounts=len(active), resource_types=resource_types, since=since, pending=len(pending),
                    assemble=assemble, **estimate(pending, params["rate_limit"]))

    def result(state, requests, failures, changed, msg):
        return dict(
            changed=changed,
            output_dir=output.path,
            checkpoint=output.checkpoint_path,
            files=[output.mapping_path(t) for t in resource_types if os.path.exists(output.mapping_path(t))],
            accounts=len(active_accounts(plan, skipped)),
            requests=requests,
            skipped_accounts=sorted(skipped.values(), key=lambda s: s["account_id"]),
            skipped_counts=count_skip_reasons(skipped.values()),
            failures=failures,
            plan=plan_out,
            msg=msg,
            **summarize(active_accounts(plan, skipped), resource_types, state)
        )

    if module.check_mode:
        module.exit_json(**result(state, 0, [], assemble, "check mode: %d account/type pair(s) pending, about %s "
                                  "minute(s) at least" % (len(pending), plan_out["minutes_min"])))

    try:
        if new_plan:
            output.append(plan_line(plan))
        totals = translate_pending(module.client, output, pending, since, params["concurrency"], skipped=skipped)
        state = output.read_state()
        active = active_accounts(plan, skipped)
        failures = totals["failures"]
        if failures:
            res = result(state, totals["requests"], failures, bool(totals["requests"]),
                         "%d account/type pair(s) failed; the pages fetched are kept and a re-run continues them"
                         % len(failures))
            if params["fail_on_error"]:
                res.update(first_failure_fields(failures))
                module.fail_json(**res)
            module.warn(res["msg"])
            module.exit_json(**res)
        key = assembled_key(active, resource_types)
        if assemble or state["assembled"] != key or output.missing_files(resource_types):
            output.assemble(active, resource_types, state)
            output.append(assembled_line(key))
            assemble = True
    except OSError as e:
        module.fail_json(msg="Failed to write the translation files in %s: %s" % (output.path, e), changed=True)
    msg = "%d page(s) translated for %d account(s); %d account(s) skipped" % (
        totals["requests"], len(active), len(skipped))
    module.exit_json(**result(state, totals["requests"], [], bool(totals["requests"]) or assemble, msg))


def main():
    """Module entry point."""
    run_module()


if __name__ == "__main__":
    main()
