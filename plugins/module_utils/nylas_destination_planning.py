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
object expected after the write, for check mode), ``id``, ``delete_ids``, ``reactivate`` (the write sets
``status`` back to ``active``) and ``notes`` (what the operator must know before the write runs).

A destination whose ``status`` is not ``active`` (``failing``, ``failed``, ``pause``) is drift: Nylas sends a
``failed`` or paused destination nothing until it is re-activated, so the plan updates ``status`` to
``active`` (contract: ``PUT /v3/webhooks/{id}`` and ``PUT /v3/channels/pubsub/{id}`` accept ``active`` and
``pause``). Creating a webhook and re-activating one make Nylas verify the URL first (``GET
<webhook_url>?challenge=...``, answered 200 with the exact value within 10 s); a failed verification is a 400
of type ``70005`` (contract: ``create_400``), read by :func:`challenge_failure`.
"""

from __future__ import annotations

import copy
import re

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

#: The one status in which a destination receives notifications (contract: webhook / Pub/Sub ``status``).
ACTIVE_STATUS = "active"

#: The Nylas ``error.type`` of a webhook URL that failed verification (contract: ``create_400``).
CHALLENGE_FAILED_TYPE = "70005"

#: The Nylas ``error.type`` of an unknown destination id (contract: ``delete_400``,
#: ``destination.id.not.found : record not found``).
NOT_FOUND_TYPE = "70000"

#: How long Nylas waits for the endpoint's answer to the challenge, in seconds (Nylas notifications docs).
CHALLENGE_TIMEOUT = 10

#: The Google Cloud Pub/Sub topic name Nylas publishes to (contract: ``projects/your-project-id/topics/your-topic-id``).
#: The project id is any segment without ``/`` or spaces (domain-scoped ids such as ``example.com:p`` exist);
#: topic ids start with a letter, are 3-255 characters of letters, digits and ``-_.~+%`` (Google Cloud
#: Pub/Sub resource names), and never start with ``goog``.
_PUBSUB_TOPIC = re.compile(r"^projects/([^/\s]+)/topics/([A-Za-z][A-Za-z0-9._~+%-]{2,254})$")

_CHALLENGE_PREFIX = "unable.verify.webhook_url"
_GOT_STATUS = re.compile(r"\bgot (\d{3})\b")


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


def _destination_view(destination, kind, with_status=False):
    """The comparable view of a destination: its key and managed fields (and ``status``), lists as sorted sets."""
    if destination is None:
        return {}
    fields = (_key_field(kind),) + DESTINATION_FIELDS + (("status",) if with_status else ())
    return normalize({f: destination.get(f) for f in fields}, SET_KEYS)


def needs_reactivation(destination):
    """Whether ``destination`` has a ``status`` other than ``active`` (``failing``, ``failed``, ``pause``) (pure).

    A destination without ``status`` is not judged (null == absent: nothing says it is down).
    """
    status = (destination or {}).get("status")
    return status is not None and status != ACTIVE_STATUS


def pubsub_topic_problem(topic):
    """What is wrong with a Pub/Sub ``topic`` name, or None when it is ``projects/<project>/topics/<topic>`` (pure)."""
    text = str(topic or "")
    match = _PUBSUB_TOPIC.match(text)
    if match is None:
        return ("the topic must be the full Google Cloud Pub/Sub name projects/<project>/topics/<topic> (a topic id "
                "of 3 to 255 letters, digits or -_.~+%% starting with a letter), got %r" % text)
    if match.group(2).lower().startswith("goog"):
        return "a Pub/Sub topic id may not start with 'goog', got %r" % text
    return None


def challenge_note(kind, url):
    """The note a plan carries when its write makes Nylas verify ``url`` (webhooks only; None otherwise) (pure)."""
    if kind != "webhook":
        return None
    return ("Nylas verifies %s before this write: it sends GET %s?challenge=<value> and the endpoint must be live, "
            "reachable over public HTTPS (not ngrok, which Nylas blocks) and answer 200 with exactly <value> within "
            "%d s, or the write fails" % (url, url, CHALLENGE_TIMEOUT))


def challenge_failure(url, status, error_type, message):
    """Explain a webhook write Nylas refused because the URL failed verification; None for any other error (pure).

    Args:
        url: the webhook URL the write was for.
        status, error_type, message: the HTTP status, ``error.type`` and ``error.message`` of the API error.

    Returns:
        None unless the error is the contract's failed verification (HTTP 400 with type ``70005``, or a
        message naming ``unable.verify.webhook_url``); else a message naming the URL, what the endpoint
        answered (read from Nylas's message: ``got 404`` -> ``HTTP 404``) and what it must answer. The
        caller appends the API error itself (Nylas's words and the request id).
    """
    text = message or ""
    if status != 400 or (str(error_type) != CHALLENGE_FAILED_TYPE and _CHALLENGE_PREFIX not in text):
        return None
    got = _GOT_STATUS.search(text)
    if got:
        answered = "answered HTTP %s instead of 200 with the challenge value" % got.group(1)
    else:
        answered = "did not answer the challenge as Nylas expects"
    return ("Nylas could not verify the webhook URL %s: the endpoint %s. Nylas sends GET %s?challenge=<value> and "
            "needs 200 with exactly <value> within %d s over public HTTPS; make the endpoint live, then re-run"
            % (url, answered, url, CHALLENGE_TIMEOUT))


def destination_gone(status, error_type, message):
    """Whether an error on ``.../{id}`` means the destination does not exist (any more) (pure).

    True for HTTP 404, and for the contract's HTTP 400 of type ``70000`` whose message says the record was
    not found (``destination.id.not.found : record not found``; type ``70000`` alone also names bad input).
    """
    if status == 404:
        return True
    text = (message or "").lower()
    return status == 400 and str(error_type) == NOT_FOUND_TYPE and ("not.found" in text or "not found" in text)


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
                predicted=strip_destination_secrets(current), id=(current or {}).get("id"), delete_ids=[],
                reactivate=False, notes=[])

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
                    body=body, after=after, predicted=dict(body), notes=_notes(kind, key))
        return plan

    reactivate = needs_reactivation(current)
    if reactivate:
        managed["status"] = ACTIVE_STATUS
    comparable = with_empty_defaults(current, managed)
    changed_fields = differs(comparable, managed, SET_KEYS)
    if not changed_fields:
        return plan
    predicted = strip_destination_secrets(current)
    predicted.update(copy.deepcopy(managed))
    plan.update(action="update", changed=True, changed_fields=changed_fields, body=managed,
                before=_destination_view(comparable, kind, with_status=reactivate),
                after=_destination_view(predicted, kind, with_status=reactivate),
                predicted=predicted, reactivate=reactivate,
                notes=_notes(kind, key, current.get("status")) if reactivate else [])
    return plan


def _notes(kind, key, status=None):
    """The notes of a write that creates (``status`` None) or re-activates a destination of ``status``."""
    notes = []
    if status is not None:
        notes.append("The %s %s is %s, so Nylas sends it nothing; the run re-activates it (status active)"
                     % (_DESTINATION_NAMES[kind], key, status))
    challenge = challenge_note(kind, key)
    if challenge:
        notes.append(challenge)
    return notes
