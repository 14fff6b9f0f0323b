# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure planning of the link (migration step 1) and the import (steps 2-3). No I/O, no Ansible.

Each function takes plain API objects (as the API spells them) and returns a decision, or raises
``PlanningError`` with a message fit for ``fail_json``. Identifiers and regions are not secrets and
are named in messages; secrets never reach this module.
"""

from __future__ import annotations

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

#: v2 integration / provider names -> the v3 connector provider the import makes of them
#: (None: no v3 connector). Yahoo and AOL were IMAP accounts; Exchange accounts move to Microsoft.
V2_PROVIDER_TO_CONNECTOR = {
    "gmail": "google",
    "google": "google",
    "graph": "microsoft",
    "office365": "microsoft",
    "outlook": "microsoft",
    "hotmail": "microsoft",
    "exchange": "microsoft",
    "microsoft": "microsoft",
    "ews": "ews",
    "eas": None,
    "imap": "imap",
    "yahoo": "imap",
    "aol": "imap",
    "icloud": "icloud",
    "nylas": "virtual-calendar",
    "virtual-calendar": "virtual-calendar",
    "zoom": "zoom",
}

#: What an operator still has to do for an imported connector of this provider (migration step 3/4).
CONNECTOR_SETUP_REASONS = {
    "microsoft": "needs a new Azure app registration with Microsoft Graph scopes; set its client_id and "
                 "client_secret on the v3 connector (nylas.migration.nylas_connector)",
}

#: Providers whose connector needs OAuth client credentials in ``settings`` to authenticate users.
OAUTH_PROVIDERS = ("google", "microsoft", "zoom")


# -- link --------------------------------------------------------------------------------------------


def check_region(application, region):
    """Raise ``PlanningError`` when the v3 ``application`` is not in ``region``."""
    app_region = (application or {}).get("region")
    if app_region and region and str(app_region).lower() != str(region).lower():
        raise PlanningError(
            "The v3 application %s is in region '%s' but region is '%s'; a v2 application can only be "
            "migrated to a v3 application of the same region"
            % ((application or {}).get("application_id"), app_region, region))


def plan_link(application, v2_client_id, region):
    """Decide the link step: ``'none'`` when already linked to ``v2_client_id``, ``'link'`` otherwise.

    Raises ``PlanningError`` when the v3 application is in another region than ``region`` or is
    already linked to a different v2 application (never re-linked silently).
    """
    check_region(application, region)
    linked = (application or {}).get("v2_application_id")
    if not linked:
        return "link"
    if linked == v2_client_id:
        return "none"
    raise PlanningError(
        "The v3 application %s is already linked to the v2 application %s, not to %s; refusing to re-link"
        % ((application or {}).get("application_id"), linked, v2_client_id))


def require_link(application, v2_client_id=None):
    """Return the linked v2 application id, or raise ``PlanningError`` when there is no link.

    With ``v2_client_id``, a link to another v2 application is also an error.
    """
    linked = (application or {}).get("v2_application_id")
    app_id = (application or {}).get("application_id")
    if not linked:
        raise PlanningError(
            "The v3 application %s is not linked to a v2 application; link it first "
            "(nylas.migration.nylas_link_apps)" % app_id)
    if v2_client_id and linked != v2_client_id:
        raise PlanningError(
            "The v3 application %s is linked to the v2 application %s, not to %s" % (app_id, linked, v2_client_id))
    return linked


# -- import ------------------------------------------------------------------------------------------

def callback_uri_urls(callback_uris):
    """Return the URLs of a list of v3 callback URI objects (or plain strings), in order, once each."""
    urls = []
    for item in callback_uris or []:
        url = item.get("url") if isinstance(item, dict) else item
        if url and url not in urls:
            urls.append(url)
    return urls


def connector_providers(connectors):
    """Return the sorted providers of a list of v3 connector objects (or plain provider names)."""
    providers = set()
    for item in connectors or []:
        provider = item.get("provider") if isinstance(item, dict) else item
        if provider:
            providers.add(provider)
    return sorted(providers)


def v2_connector_providers(v2_application):
    """Return the sorted v3 connector providers that the v2 application's integrations become.

    Integrations are names (``gmail``) or objects with ``provider`` or ``name``. Names without a v3
    connector (``eas``) are left out; unknown names are kept as they are.
    """
    providers = set()
    for item in (v2_application or {}).get("integrations") or []:
        name = item if not isinstance(item, dict) else (item.get("provider") or item.get("name"))
        if not name:
            continue
        name = str(name).lower()
        provider = V2_PROVIDER_TO_CONNECTOR.get(name, name)
        if provider:
            providers.add(provider)
    return sorted(providers)


def v2_webhook_count(v2_application):
    """Return how many webhooks the v2 application has, or ``None`` when the read did not say."""
    if not v2_application:
        return None
    webhooks = v2_application.get("webhooks")
    if isinstance(webhooks, list):
        return len(webhooks)
    for key in ("webhook_count", "webhooks_count"):
        if isinstance(v2_application.get(key), int):
            return v2_application[key]
    return None


def plan_import(application, connectors, v2_application=None, force=False):
    """Decide whether ``POST /v3/migration-tools/import-v2-app`` is needed.

    The import is done when the v3 application carries every v2 redirect URI as a callback URI (known
    only when v2 reads answer: ``v2_application``) and a connector exists for every provider the v2
    integrations become. When the expected providers are unknown (v2 reads unavailable, or the v2
    object does not list ``integrations``), the connectors alone decide: at least one must exist.
    Branding is not compared (the operator may change it after the import). ``force`` always imports.

    Returns a dict: ``needed`` (bool), ``reason`` (text), ``basis`` (``'v2'`` or ``'v3'``),
    ``missing_callback_uris`` (URLs), ``missing_connectors`` (providers), ``expected_callback_uris``
    and ``expected_connectors`` (``None`` when unknown).
    """
    application = application or {}
    have_urls = callback_uri_urls(application.get("callback_uris"))
    have_providers = connector_providers(connectors)
    plan = dict(needed=False, reason="", basis="v3", missing_callback_uris=[], missing_connectors=[],
                expected_callback_uris=None, expected_connectors=None)
    if v2_application is not None:
        expected_urls = callback_uri_urls(v2_application.get("redirect_uris"))
        plan.update(basis="v2", expected_callback_uris=expected_urls,
                    missing_callback_uris=[u for u in expected_urls if u not in have_urls])
        if "integrations" in v2_application:
            expected_providers = v2_connector_providers(v2_application)
            plan.update(expected_connectors=expected_providers,
                        missing_connectors=[p for p in expected_providers if p not in have_providers])
    parts = []
    if plan["missing_callback_uris"]:
        parts.append("%d callback URI(s) missing" % len(plan["missing_callback_uris"]))
    if plan["missing_connectors"]:
        parts.append("connector(s) missing: %s" % ", ".join(plan["missing_connectors"]))
    if plan["expected_connectors"] is None and not have_providers:
        parts.append("the v3 application has no connector yet")
    if parts:
        plan.update(needed=True, reason="; ".join(parts))
    elif plan["basis"] == "v2":
        plan["reason"] = "the v3 application already has the v2 redirect URIs and connectors"
    else:
        plan["reason"] = "the v3 application already has connectors (%s)" % ", ".join(have_providers)
    if force and not plan["needed"]:
        plan.update(needed=True, reason="force is set")
    return plan


def connectors_needing_setup(connectors, v2_application=None):
    """Return ``[{'provider': ..., 'reason': ...}]`` for connectors an operator still has to set up.

    A Microsoft connector needs a new Azure app registration until its settings carry that app's
    ``client_id`` (the import never copies one); other OAuth connectors without a ``client_id`` in
    their settings need credentials; providers the v2 integrations expect but that have no v3
    connector need one created. Sorted by provider.
    """
    out = {}
    for connector in connectors or []:
        if not isinstance(connector, dict) or not connector.get("provider"):
            continue
        provider = connector["provider"]
        has_client = bool((connector.get("settings") or {}).get("client_id"))
        if provider in CONNECTOR_SETUP_REASONS and not has_client:
            out[provider] = CONNECTOR_SETUP_REASONS[provider]
        elif provider in OAUTH_PROVIDERS and not has_client:
            out[provider] = ("has no OAuth client_id in its settings; set the provider app's client_id and "
                             "client_secret (nylas.migration.nylas_connector)")
    have = connector_providers(connectors)
    for provider in v2_connector_providers(v2_application):
        if provider not in have:
            out[provider] = ("the v2 application has this integration but the v3 application has no "
                             "connector for it; create it (nylas.migration.nylas_connector)")
    return [dict(provider=p, reason=out[p]) for p in sorted(out)]


# --------------------------------------------------------------------------------------------
# Import: check mode, unknown outcome, result (used by nylas_import_runner)

#: What the import leaves out, and what to do instead.
WEBHOOKS_REASON = ("webhooks are not migrated by the import; recreate them as v3 webhooks or Pub/Sub channels "
                   "(nylas.migration.nylas_webhook) before moving users")


def link_pending(application, check_mode, has_v2_credentials):
    """Whether to predict the import as it would run after a link a check-mode run did not make.

    A playbook run with ``--check`` does not make the link, so in check mode an unlinked application
    is planned as if linked (with a warning, :func:`link_pending_warning`) when the v2 credentials are
    given. Returns False outside check mode, for a linked application or without v2 credentials.
    """
    return bool(check_mode and has_v2_credentials and not (application or {}).get("v2_application_id"))


def link_pending_warning(application, v2_client_id):
    """The warning of a check-mode run that predicts the import of a not-yet-linked application."""
    return ("The v3 application %s is not linked to a v2 application yet; predicting the import as it would run "
            "once nylas.migration.nylas_link_apps has linked it to %s"
            % ((application or {}).get("application_id"), v2_client_id))


def account_providers(v2_accounts):
    """The distinct v2 provider names of the v2 accounts, sorted (pure; ``eas`` included, empty names not)."""
    return sorted(set(str(a.get("provider")).lower() for a in v2_accounts or []
                      if isinstance(a, dict) and a.get("provider")))


def planned_connectors(v2_application, connectors, v2_accounts=None):
    """The connectors an import would create, which and why (pure): one dict per provider, sorted.

    Each missing v3 connector of :func:`v2_connector_providers` is listed with ``provider``,
    ``from_integrations`` (the v2 integration names it comes from), ``settings_from_v2`` (whether a
    v2 integration carries settings the import copies; their values are never listed), ``reason``
    and ``setup`` (what an operator still has to do, or None). Providers that already have a connector
    are left alone by the import and not listed.

    The v2 application object does not list its integrations in Nylas's v2 API (``GET /a/{client_id}``
    answers name, icon and redirect URIs). Without ``integrations`` and with ``v2_accounts``, the
    integrations are inferred from the providers of the v2 accounts (an account of a provider exists
    only through that provider's integration); each entry then has ``inferred: true``, says so in its
    reason, and ``settings_from_v2`` is None (unknown), so only a documented setup step is named.
    This is a forecast for the plan: the import decision itself (:func:`plan_import`) never depends
    on it. Empty without a v2 application, or without integrations and accounts.
    """
    have = connector_providers(connectors)
    by_provider = {}
    v2_application = v2_application or {}
    inferred = "integrations" not in v2_application and v2_accounts is not None
    items = account_providers(v2_accounts) if inferred else (v2_application.get("integrations") or [])
    for item in items:
        name = item if not isinstance(item, dict) else (item.get("provider") or item.get("name"))
        if not name:
            continue
        name = str(name).lower()
        provider = V2_PROVIDER_TO_CONNECTOR.get(name, name)
        if not provider or provider in have:
            continue
        entry = by_provider.setdefault(provider, dict(provider=provider, from_integrations=[], settings_from_v2=False))
        if name not in entry["from_integrations"]:
            entry["from_integrations"].append(name)
        if isinstance(item, dict) and item.get("settings"):
            entry["settings_from_v2"] = True
    out = []
    for provider in sorted(by_provider):
        entry = by_provider[provider]
        if inferred:
            entry["inferred"] = True
            entry["reason"] = ("v2 accounts of provider %s (integrations inferred from the v2 accounts: the v2 API "
                               "does not list them); the v3 application has no %s connector"
                               % (", ".join(entry["from_integrations"]), provider))
        else:
            entry["reason"] = "v2 integration %s; the v3 application has no %s connector" % (
                ", ".join(entry["from_integrations"]), provider)
        if inferred:
            entry["settings_from_v2"] = None  # unknown: the v2 API does not show the integrations' settings
        setup = CONNECTOR_SETUP_REASONS.get(provider)
        if setup is None and provider in OAUTH_PROVIDERS and entry["settings_from_v2"] is False:
            setup = "gets no OAuth client credentials from v2; set them (nylas.migration.nylas_connector)"
        entry["setup"] = setup
        out.append(entry)
    return out


def planned_setup(needing_setup, to_create):
    """The connectors a plan says need setup (pure): ``needing_setup`` less the inferred planned ones with no step.

    A connector the plan infers from the v2 accounts (``inferred``) carries settings the plan cannot
    see; it is listed only when a documented setup step applies to it (``setup`` not None).
    """
    unknown = set(c["provider"] for c in to_create or [] if c.get("inferred") and c.get("setup") is None)
    return [c for c in needing_setup or [] if c.get("provider") not in unknown]


def predict_import(application, callback_uris, connectors, plan):
    """The state a planned import would leave (check mode): ``(application, callback_uris, connectors)``.

    The missing callback URIs are added as ``web`` ones and the missing connectors by provider; the
    inputs are not changed.
    """
    callback_uris = list(callback_uris or []) + [dict(platform="web", url=u) for u in plan["missing_callback_uris"]]
    connectors = list(connectors or []) + [dict(provider=p) for p in plan["missing_connectors"]]
    return dict(application, callback_uris=callback_uris), callback_uris, connectors


def import_shown(application, callback_uris, connectors, v2_application=None):
    """Whether a re-read v3 application shows the import (after a request of unknown outcome).

    True when :func:`plan_import` (without ``force``) finds nothing left to import.
    """
    return not plan_import(dict(application, callback_uris=callback_uris), connectors, v2_application)["needed"]


def import_not_migrated(v2_application):
    """The ``not_migrated`` result: the webhooks, with their v2 count when the v2 read told it."""
    return [dict(type="webhooks", count=v2_webhook_count(v2_application), reason=WEBHOOKS_REASON)]
