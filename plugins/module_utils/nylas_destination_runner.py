# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Ansible glue shared by the notification destination modules (webhooks and Pub/Sub channels).

Both modules follow one flow: list the destinations, find the one of the key (URL or topic), plan with
:mod:`nylas_destination_planning`, and, outside check mode, create, update or delete it. A create whose
outcome is unknown is settled by re-reading the list (:meth:`NylasModule.settle_write`): re-sent once only
when no destination of the key shows after ``settle_time``. This module only calls
the client through the :class:`DestinationApi` it is given, so it builds no URL.
"""

from __future__ import annotations

from ansible_collections.nylas.migration.plugins.module_utils.nylas_destination_planning import (
    DESTINATION_FIELDS,
    challenge_failure,
    find_destinations,
    plan_destination,
    strip_destination_secrets,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_diff import plan_diff
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError, PlanningError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import planned_request


class DestinationApi:
    """The client calls and the words of one kind of destination.

    Args:
        kind: ``"webhook"`` or ``"pubsub"`` (the key of :func:`find_destinations`).
        noun: how messages name one destination, e.g. ``"webhook"`` or ``"Pub/Sub channel"``.
        key_name: how messages name its key, e.g. ``"URL"`` or ``"topic"``.
        label: how failure messages name the destination of a key, e.g. ``"the webhook %s"``.
        list_all, create, update, delete: the client's methods (``GET`` list, ``POST``, ``PUT {id}``,
            ``DELETE {id}``).
        requests: the client's request builders of the three writes, ``{"create": f(body),
            "update": f(id, body), "delete": f(id)}`` (what check mode shows), or None.
    """

    def __init__(self, kind, noun, key_name, label, list_all, create, update, delete, requests=None):
        self.kind = kind
        self.label = label
        self.noun = noun
        self.key_name = key_name
        self.list_all = list_all
        self.create = create
        self.update = update
        self.delete = delete
        self.requests = requests or {}


def planned_requests(api, plan):
    """The writes ``plan`` makes, as check mode shows them (``{method, path, query, body}``, secrets masked).

    Empty when nothing changes or ``api`` has no request builders.
    """
    if not plan["changed"] or not api.requests:
        return []
    if plan["action"] == "create":
        return [planned_request(api.requests["create"](plan["body"]))]
    if plan["action"] == "update":
        return [planned_request(api.requests["update"](plan["id"], plan["body"]))]
    return [planned_request(api.requests["delete"](i)) for i in plan["delete_ids"]]


def run_destination(module, api, key, result_key, on_created=None):
    """Read, plan and (outside check mode) apply one destination; return the module result.

    Args:
        module: the :class:`NylasModule` (its params hold ``state`` and :data:`DESTINATION_FIELDS`).
        api: the :class:`DestinationApi` of this kind.
        key: the destination's URL or topic.
        result_key: the result key of the destination (``webhook``, ``pubsub_channel``).
        on_created: optional callable given the raw creation answer (e.g. to take the webhook secret
            out of it) before secrets are stripped; what it returns is merged into the result.

    Returns:
        A dict with ``changed``, ``result_key`` (the destination after the task, secrets stripped, or the
        prediction in check mode; None when absent), ``planned_requests`` (check mode: the writes it
        would send, also under ``diff.after``), ``notes`` (what must hold for the write: a live endpoint
        answering Nylas's challenge, a re-activation; also under ``diff.after`` in check mode) and
        ``diff``. Fails the module (with the API's error fields and the destination as it was) on any
        Nylas error or ambiguous plan; a webhook URL that failed Nylas's verification fails with
        :func:`challenge_failure`'s explanation.
    """
    params = module.params
    current = module.call(api.list_all, msg="Failed to list the %ss" % api.noun, name_endpoint=True, changed=False)
    before = strip_destination_secrets((find_destinations(current, api.kind, key) or [None])[0])

    wanted = {k: params.get(k) for k in DESTINATION_FIELDS}
    try:
        plan = plan_destination(current, api.kind, key, wanted=wanted, state=params["state"])
    except PlanningError as e:
        module.fail_json(msg=str(e), changed=False, **{result_key: before})

    result = {"changed": plan["changed"], result_key: plan["predicted"], "diff": plan_diff(plan),
              "planned_requests": [], "notes": list(plan["notes"])}
    if not plan["changed"]:
        return result
    if module.check_mode:
        result["planned_requests"] = planned_requests(api, plan)
        if result["planned_requests"]:
            result["diff"]["after"]["planned_requests"] = result["planned_requests"]
        if result["notes"]:
            result["diff"]["after"]["notes"] = result["notes"]
        return result
    partial = {"msg": "Failed to %s %s" % (plan["action"], api.label % key), "changed": False, result_key: before}
    if plan["action"] == "create":
        result[result_key] = module.settle_write(
            lambda: _verified(module, api, key, partial, _create, api, plan["body"], result, on_created),
            lambda: _reread(api, key),
            lambda _current: True,  # the one destination of this key now is the one created
            lambda e: "Creating the %s failed (%s) but one with this %s now exists; treating it as created"
                      % (api.noun, e, api.key_name),
            if_unknown=dict(msg="The outcome of creating %s is unknown" % (api.label % key)),
            **partial
        )
    elif plan["action"] == "update":
        result[result_key] = strip_destination_secrets(
            module.call(_verified, module, api, key, partial, api.update, plan["id"], plan["body"], **partial))
    else:
        deleted = [
            module.delete_if_present(lambda i=destination_id: api.delete(i),
                                     "The %s %s was deleted by someone else meanwhile" % (api.noun, destination_id),
                                     **partial)
            for destination_id in plan["delete_ids"]
        ]
        result["changed"] = any(deleted)
        result[result_key] = None
    return result


def _verified(module, api, key, partial, write, *args):
    """Return ``write(*args)``; a webhook write refused because ``key`` failed Nylas's challenge fails the module.

    The failure's message is :func:`challenge_failure`'s (the URL, what the endpoint answered), followed by
    the API error (Nylas's words, ``request_id``); its fields are the error's (``status``, ``error_type``,
    ``request_id``...) and ``partial``'s. Any other error is raised to the caller.
    """
    try:
        return write(*args)
    except NylasAPIError as e:
        explained = None
        if api.kind == "webhook" and not e.outcome_unknown:
            explained = challenge_failure(key, e.status, e.error_type, e.message)
        if explained is None:
            raise
        failure = dict(partial)
        failure.pop("msg", None)
        module.fail_from_error(e, msg=explained, **failure)
        raise  # fail_from_error exits; reached only when a test replaces it


def _create(api, body, result, on_created):
    """Create the destination; merge what ``on_created`` takes from the raw answer into ``result``.

    Returns the created destination, secrets stripped (``POST`` through ``api.create``).
    """
    created = api.create(body) or {}
    if on_created is not None:
        result.update(on_created(created))
    return strip_destination_secrets(created)


def _reread(api, key):
    """The destination of ``key`` after a create of unknown outcome (the first, if several), or None.

    The plan created because there was none: one now (or several, if someone else created one too)
    shows the write, so it is never re-sent then. Calls ``api.list_all`` (``GET`` list); a ``NylasError``
    it raises is left to the caller.
    """
    matches = find_destinations(api.list_all(), api.kind, key)
    return strip_destination_secrets(matches[0]) if matches else None
