# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure planning of connectors (migration step 4): current connector + wanted state -> one plan.

No I/O, no Ansible. ``None`` and absent are the same, ``scope`` is a set, fields the server adds are
ignored. Connector secrets (``client_secret`` and other secret-named settings) are write-only: Nylas
never returns them, so they cannot be compared. They count as a change only when the connector is
created or ``update_secrets`` is set; every diff and predicted object shows them as ``********``.

``PATCH /v3/connectors/{provider}`` replaces the nested ``settings`` object with the one sent (contract:
"Nylas replaces all data in the nested object with the information included in your request"). A
settings update therefore sends the whole object: the current non-secret settings not managed here, the
wanted ones, and every secret the provider needs (:data:`REQUIRED_SECRET_SETTINGS`, plus any secret key the
current settings show). A secret that is not given would be dropped by Nylas, so such an update is refused
(:class:`PlanningError` naming it) before any write. The prediction is the replacement, not a merge.

``plan_connector`` returns a dict: ``action`` (``create`` / ``update`` / ``delete`` / ``none``),
``changed`` (bool), ``changed_fields`` (sorted names), ``body`` (the request body, or ``None``),
``before`` / ``after`` (comparable views, secrets masked, for the diff) and ``predicted`` (the object
expected after the write, secrets masked, for check mode).
"""

from __future__ import annotations

import copy

from ansible_collections.nylas.migration.plugins.module_utils.nylas_diff import (
    MASK,
    SECRET_KEYS,
    SET_KEYS,
    differs,
    normalize,
    with_empty_defaults,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

#: The connector providers the contract knows (``ConnectorObject.provider``).
CONNECTOR_PROVIDERS = ("google", "microsoft", "imap", "icloud", "yahoo", "virtual-calendar", "ews", "zoom", "nylas")

#: The secret settings each provider's connector needs (contract: ``create_connector`` request schemas,
#: ``settings.required``: Google, Microsoft, Yahoo and Zoom need ``client_id`` and ``client_secret``).
REQUIRED_SECRET_SETTINGS = {
    "google": ("client_secret",),
    "microsoft": ("client_secret",),
    "yahoo": ("client_secret",),
    "zoom": ("client_secret",),
}

#: Name endings that make a connector settings key a write-only secret (besides ``SECRET_KEYS``).
_SECRET_SUFFIXES = ("_secret", "_password", "_token", "_private_key")


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


def _split_settings(settings):
    """Return ``(plain, secret)`` dicts of the non-``None`` wanted settings."""
    plain, secret = {}, {}
    for key, value in (settings or {}).items():
        if value is None:
            continue
        (secret if is_secret_setting(key) else plain)[key] = value
    return plain, secret


def missing_secret_settings(provider, current_settings, secret):
    """The secret settings a replacing ``settings`` PATCH would drop: needed or present, and not given (pure).

    Args:
        provider: the connector's provider (:data:`REQUIRED_SECRET_SETTINGS`).
        current_settings: the connector's settings as Nylas returns them (secret keys, if shown, count).
        secret: the secret settings the run gives (non-``None`` values).

    Returns:
        The sorted names of the secrets missing from ``secret``.
    """
    needed = set(REQUIRED_SECRET_SETTINGS.get(provider, ()))
    needed.update(k for k in (current_settings or {}) if is_secret_setting(k))
    return sorted(k for k in needed if secret.get(k) in (None, ""))


def replacement_settings(current_settings, plain, secret):
    """The whole ``settings`` object a PATCH sends: current non-secret keys, then the wanted ones (pure).

    Secret keys of ``current_settings`` (masked or absent in Nylas's answers) are never copied: only the
    given ``secret`` values are sent.
    """
    out = {k: copy.deepcopy(v) for k, v in (current_settings or {}).items()
           if not is_secret_setting(k) and v is not None}
    out.update(copy.deepcopy(plain))
    out.update(copy.deepcopy(secret))
    return out


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
        for ``create`` and the ``PATCH /v3/connectors/{provider}`` body for ``update``: it holds
        ``settings`` only when a settings key differs or ``update_secrets`` sends a secret, and then the
        whole replacing object (:func:`replacement_settings`); ``scope`` only when it differs.
        ``predicted["settings"]`` is that replacement, masked.

    Raises:
        PlanningError: unknown ``provider`` or ``state``; a settings update that would drop a secret
            (:func:`missing_secret_settings`), naming it.
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
        missing = missing_secret_settings(provider, current_settings, secret)
        if missing:
            raise PlanningError(
                "Refusing to update the settings of the %s connector without %s: Nylas replaces the whole settings "
                "object on PATCH, so the connector would lose %s and every OAuth and clone of %s accounts would "
                "break. Give settings.%s (from the vault or the credentials file) with the change"
                % (provider, ", ".join(missing), "it" if len(missing) == 1 else "them", provider,
                   ", settings.".join(missing)))
        changed_fields.append("settings")
        body["settings"] = replacement_settings(current_settings, plain, secret)
    if wanted_scope is not None and differs(with_empty_defaults(current, {"scope": wanted_scope}),
                                            {"scope": wanted_scope}, SET_KEYS):
        changed_fields.append("scope")
        body["scope"] = wanted_scope
    if not changed_fields:
        return plan

    predicted = mask_connector(current)
    if "settings" in body:
        predicted["settings"] = mask_settings(body["settings"])  # the replacement, not a merge
    if "scope" in body:
        predicted["scope"] = wanted_scope
    plan.update(action="update", changed=True, changed_fields=changed_fields, body=body,
                after=_connector_view(predicted), predicted=predicted)
    return plan
