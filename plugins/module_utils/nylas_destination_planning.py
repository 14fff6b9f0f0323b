# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure planning of connectors (migration step 4) and notification destinations (step 5).

Current state (API objects as the API spells them) + wanted state -> one plan. No I/O, no Ansible.

Comparison rules, as the API means them:

* ``None`` and an absent key are the same; a wanted ``None`` means "not managed" (never compared).
* ``scope``, ``trigger_types`` and ``notification_email_addresses`` are sets: order and repeats
  never make a change.
* fields the server adds (``id``, ``status``, ``created_at``, a connector's ``name``, settings keys
  the user did not give) are ignored.
* connector secrets (``client_secret`` and other secret-named settings) are write-only: Nylas never
  returns them, so they cannot be compared. They count as a change only when the connector is
  created or ``update_secrets`` is set; every diff and predicted object shows them as ``********``.

Every planner returns a dict: ``action`` (``create`` / ``update`` / ``delete`` / ``none``),
``changed`` (bool), ``changed_fields`` (sorted names), ``body`` (the request body, or ``None``),
``before`` / ``after`` (comparable views, secrets masked, for the diff) and ``predicted`` (the object
expected after the write, secrets masked, for check mode).
"""

from __future__ import annotations

import copy

from ansible_collections.nylas.migration.plugins.module_utils.nylas_planning import (
    MASK,
    SECRET_KEYS,
    PlanningError,
    diff_dicts,
    differs,
    normalize,
)

#: Lists compared as sets, wherever they appear.
SET_KEYS = ("scope", "trigger_types", "notification_email_addresses")

#: The connector providers the contract knows (``ConnectorObject.provider``).
CONNECTOR_PROVIDERS = ("google", "microsoft", "imap", "icloud", "yahoo", "virtual-calendar", "ews", "zoom", "nylas")

#: Name endings that make a connector settings key a write-only secret (besides ``SECRET_KEYS``).
_SECRET_SUFFIXES = ("_secret", "_password", "_token", "_private_key")

#: The fields of a webhook / Pub/Sub destination this collection manages (besides its key).
DESTINATION_FIELDS = ("trigger_types", "description", "notification_email_addresses", "compressed_delivery")

#: The key field of each destination kind: webhooks are matched by URL, Pub/Sub channels by topic.
DESTINATION_KEYS = {"webhook": "webhook_url", "pubsub": "topic"}

_DESTINATION_NAMES = {"webhook": "webhook", "pubsub": "Pub/Sub channel"}

#: Fields that a destination returned by the API may carry but a result must never show.
DESTINATION_SECRET_FIELDS = ("webhook_secret",)


# -- connectors --------------------------------------------------------------------------------------

def is_secret_setting(key):
    """Return whether the connector settings key ``key`` holds a write-only secret."""
    key = str(key).lower()
    return key in SECRET_KEYS or key.endswith(_SECRET_SUFFIXES)


def secret_setting_values(settings):
    """Return the non-empty values of the secret keys of ``settings`` (for ``no_log_values``)."""
    return [str(v) for k, v in (settings or {}).items() if is_secret_setting(k) and v not in (None, "")]


def mask_settings(settings):
    """Return a copy of ``settings`` with secret values shown as ``********`` and ``None`` values dropped."""
    return {k: (MASK if is_secret_setting(k) else copy.deepcopy(v))
            for k, v in (settings or {}).items() if v is not None}


def mask_connector(connector):
    """Return a copy of a connector object whose settings secrets are masked (``None``: ``None``)."""
    if connector is None:
        return None
    out = copy.deepcopy(connector)
    if isinstance(out.get("settings"), dict):
        out["settings"] = mask_settings(out["settings"])
    return out


def _with_empty_defaults(current, wanted):
    """Return a copy of ``current`` where a field absent or ``None`` takes the wanted "empty" value.

    The API omits empty fields or returns them empty (``[]``, ``""``, ``false``) depending on the
    object; a wanted empty list, empty string or ``false`` therefore equals an absent field.
    """
    out = dict(current or {})
    for key, value in (wanted or {}).items():
        if out.get(key) is None and (value == [] or value == "" or value is False):
            out[key] = copy.deepcopy(value)
    return out


def _split_settings(settings):
    """Return ``(plain, secret)`` dicts of the non-``None`` wanted settings."""
    plain, secret = {}, {}
    for key, value in (settings or {}).items():
        if value is None:
            continue
        (secret if is_secret_setting(key) else plain)[key] = value
    return plain, secret


def _connector_view(connector):
    """The comparable view of a connector: provider, masked settings, scope as a sorted set."""
    if connector is None:
        return {}
    view = {"provider": connector.get("provider"), "settings": mask_settings(connector.get("settings")) or None,
            "scope": connector.get("scope")}
    return normalize(view, SET_KEYS)


def plan_connector(current, provider, settings=None, scope=None, state="present", update_secrets=False):
    """Plan a connector: ``current`` (the API object or ``None``) against the wanted state.

    Args:
        current: the connector as ``GET /v3/connectors/{provider}`` returns it, ``None`` when absent.
        provider: the connector's provider.
        settings: wanted settings (``None``: not managed); ``None`` values inside are not managed either.
        scope: wanted scope list (``None``: not managed), compared as a set.
        state: ``present`` or ``absent``.
        update_secrets: send the secret settings even though they cannot be compared (always a change
            when a secret is given).

    Returns:
        The plan dict described in the module docstring. ``body`` is the ``POST /v3/connectors`` body
        for ``create`` and the ``PATCH /v3/connectors/{provider}`` body for ``update``: it holds the
        wanted settings only when a settings key differs or ``update_secrets`` sends a secret, and then
        also the secret values given; ``scope`` only when it differs.

    Raises:
        PlanningError: unknown ``provider`` or ``state``.
    """
    if provider not in CONNECTOR_PROVIDERS:
        raise PlanningError("Unknown connector provider %r; expected one of %s"
                            % (provider, ", ".join(CONNECTOR_PROVIDERS)))
    before = _connector_view(current)
    plan = dict(action="none", changed=False, changed_fields=[], body=None, before=before, after=before,
                predicted=mask_connector(current))

    if state == "absent":
        if current is not None:
            plan.update(action="delete", changed=True, changed_fields=sorted(k for k in before if k != "provider"),
                        after={}, predicted=None)
        return plan
    if state != "present":
        raise PlanningError("Unknown state %r; expected present or absent" % (state,))

    plain, secret = _split_settings(settings)
    wanted_scope = list(scope) if scope is not None else None

    if current is None:
        body = {"provider": provider}
        if plain or secret:
            body["settings"] = dict(plain, **secret)
        if wanted_scope is not None:
            body["scope"] = wanted_scope
        predicted = {"provider": provider, "settings": mask_settings(body["settings"]) if "settings" in body else None,
                     "scope": wanted_scope}
        predicted = {k: v for k, v in predicted.items() if v is not None}
        after = _connector_view(predicted)
        plan.update(action="create", changed=True, changed_fields=sorted(k for k in after if k != "provider"),
                    body=body, after=after, predicted=predicted)
        return plan

    changed_fields = []
    body = {}
    current_settings = current.get("settings") or {}
    settings_differ = bool(differs(current_settings, plain))
    send_secrets = bool(secret) and update_secrets
    if settings_differ or send_secrets:
        changed_fields.append("settings")
        body["settings"] = dict(plain, **secret)
    if wanted_scope is not None and differs(_with_empty_defaults(current, {"scope": wanted_scope}),
                                            {"scope": wanted_scope}, SET_KEYS):
        changed_fields.append("scope")
        body["scope"] = wanted_scope
    if not changed_fields:
        return plan

    predicted = mask_connector(current)
    if "settings" in body:
        merged = dict(current_settings)
        merged.update(body["settings"])
        predicted["settings"] = mask_settings(merged)
    if "scope" in body:
        predicted["scope"] = wanted_scope
    plan.update(action="update", changed=True, changed_fields=changed_fields, body=body,
                after=_connector_view(predicted), predicted=predicted)
    return plan


# -- webhooks and Pub/Sub channels -------------------------------------------------------------------

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

    comparable = _with_empty_defaults(current, managed)
    changed_fields = differs(comparable, managed, SET_KEYS)
    if not changed_fields:
        return plan
    predicted = strip_destination_secrets(current)
    predicted.update(copy.deepcopy(managed))
    plan.update(action="update", changed=True, changed_fields=changed_fields, body=managed,
                before=_destination_view(comparable, kind), after=_destination_view(predicted, kind),
                predicted=predicted)
    return plan


def plan_diff(plan, secret_keys=()):
    """Return the Ansible ``diff`` of a plan (only changed keys; ``secret_keys`` masked)."""
    return diff_dicts(plan.get("before"), plan.get("after"), secret_keys=secret_keys)
