# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure planning of notification destinations (migration step 5): webhooks and Pub/Sub channels.

Current destinations (API objects as the API spells them) + wanted state -> one plan. No I/O, no
Ansible. Webhooks are keyed by ``webhook_url``, Pub/Sub channels by ``topic``; ``trigger_types`` and
``notification_email_addresses`` are sets; fields the server adds are ignored; ``webhook_secret``
never reaches a plan.

``plan_destination`` returns a dict: ``action`` (``create`` / ``update`` / ``delete`` / ``none``),
``changed``, ``changed_fields``, ``body``, ``before`` / ``after`` (for the diff), ``predicted`` (the
object expected after the write, for check mode), ``id`` and ``delete_ids``.
"""

from __future__ import annotations

import copy

from ansible_collections.nylas.migration.plugins.module_utils.nylas_diff import (
    SET_KEYS,
    differs,
    normalize,
    with_empty_defaults,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

#: The fields of a webhook / Pub/Sub destination this collection manages (besides its key).
DESTINATION_FIELDS = ("trigger_types", "description", "notification_email_addresses", "compressed_delivery")

#: The key field of each destination kind: webhooks are matched by URL, Pub/Sub channels by topic.
DESTINATION_KEYS = {"webhook": "webhook_url", "pubsub": "topic"}

_DESTINATION_NAMES = {"webhook": "webhook", "pubsub": "Pub/Sub channel"}

#: Fields that a destination returned by the API may carry but a result must never show.
DESTINATION_SECRET_FIELDS = ("webhook_secret",)


def _key_field(kind):
    try:
        return DESTINATION_KEYS[kind]
    except KeyError:
        raise PlanningError("Unknown destination kind %r; expected webhook or pubsub" % (kind,)) from None


def strip_destination_secrets(destination):
    """Return a copy of a webhook / Pub/Sub object without its secret fields (``None``: ``None``)."""
    if destination is None:
        return None
    return {k: copy.deepcopy(v) for k, v in destination.items() if k not in DESTINATION_SECRET_FIELDS}


def find_destinations(destinations, kind, key):
    """Return the destinations of ``kind`` whose key field (``webhook_url`` or ``topic``) equals ``key``."""
    field = _key_field(kind)
    return [d for d in destinations or [] if isinstance(d, dict) and d.get(field) == key]


def _destination_view(destination, kind):
    """The comparable view of a destination: its key and managed fields, lists as sorted sets."""
    if destination is None:
        return {}
    fields = (_key_field(kind),) + DESTINATION_FIELDS
    return normalize({f: destination.get(f) for f in fields}, SET_KEYS)


def plan_destination(destinations, kind, key, wanted=None, state="present"):
    """Plan a webhook (``kind='webhook'``, keyed by ``webhook_url``) or Pub/Sub channel (``'pubsub'``, by ``topic``).

    Args:
        destinations: every destination of that kind, as the list endpoint returns them.
        kind: ``webhook`` or ``pubsub``.
        key: the wanted ``webhook_url`` or ``topic``.
        wanted: the wanted managed fields (``trigger_types``, ``description``,
            ``notification_email_addresses``, ``compressed_delivery``); ``None`` values are not managed.
        state: ``present`` or ``absent``.

    Returns:
        The plan dict described in the module docstring, plus ``id`` (the matched destination's id or
        ``None``) and ``delete_ids`` (every id to delete). ``body`` is the create body (key + managed
        fields) or the update body (every managed field given, so that a replacing PUT keeps them).

    Raises:
        PlanningError: unknown ``kind`` or ``state``; for ``present``, several destinations with the
            same key (which one to manage is ambiguous), or a create without ``trigger_types``.
    """
    field = _key_field(kind)
    name = _DESTINATION_NAMES[kind]
    matches = find_destinations(destinations, kind, key)
    current = matches[0] if matches else None
    before = _destination_view(current, kind)
    plan = dict(action="none", changed=False, changed_fields=[], body=None, before=before, after=before,
                predicted=strip_destination_secrets(current), id=(current or {}).get("id"), delete_ids=[])

    if state == "absent":
        if matches:
            plan.update(action="delete", changed=True, changed_fields=sorted(k for k in before if k != field),
                        after={}, predicted=None, delete_ids=[d.get("id") for d in matches])
        return plan
    if state != "present":
        raise PlanningError("Unknown state %r; expected present or absent" % (state,))

    if len(matches) > 1:
        raise PlanningError(
            "%d %ss have the %s %s (ids %s); delete the extra ones first, or run with state=absent to "
            "delete them all" % (len(matches), name, field, key, ", ".join(str(d.get("id")) for d in matches)))

    managed = {k: copy.deepcopy(v) for k, v in (wanted or {}).items() if k in DESTINATION_FIELDS and v is not None}

    if current is None:
        if not managed.get("trigger_types"):
            raise PlanningError("trigger_types is required to create a %s" % name)
        body = dict(managed)
        body[field] = key
        after = _destination_view(body, kind)
        plan.update(action="create", changed=True, changed_fields=sorted(k for k in after if k != field),
                    body=body, after=after, predicted=dict(body))
        return plan

    comparable = with_empty_defaults(current, managed)
    changed_fields = differs(comparable, managed, SET_KEYS)
    if not changed_fields:
        return plan
    predicted = strip_destination_secrets(current)
    predicted.update(copy.deepcopy(managed))
    plan.update(action="update", changed=True, changed_fields=changed_fields, body=managed,
                before=_destination_view(comparable, kind), after=_destination_view(predicted, kind),
                predicted=predicted)
    return plan
