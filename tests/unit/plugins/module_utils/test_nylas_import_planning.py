# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the import decisions used by the import runner (plugins/module_utils/nylas_app_planning.py)."""
from __future__ import annotations

from ansible_collections.nylas.migration.plugins.module_utils import nylas_app_planning as a

APP = {"application_id": "app-1", "v2_application_id": "v2-1", "callback_uris": []}
V2 = {"redirect_uris": ["https://a/cb"], "integrations": ["gmail"], "webhooks": [{}, {}]}


def test_link_pending_only_in_check_mode_for_unlinked_with_v2_credentials():
    unlinked = {"application_id": "app-1"}
    assert a.link_pending(unlinked, check_mode=True, has_v2_credentials=True)
    assert not a.link_pending(unlinked, check_mode=False, has_v2_credentials=True)
    assert not a.link_pending(unlinked, check_mode=True, has_v2_credentials=False)
    assert not a.link_pending(APP, check_mode=True, has_v2_credentials=True)


def test_link_pending_warning_names_both_applications():
    text = a.link_pending_warning({"application_id": "app-1"}, "v2-1")
    assert "app-1 is not linked to a v2 application yet" in text and text.endswith("linked it to v2-1")


def test_predict_import_adds_the_missing_parts_without_changing_inputs():
    callback_uris = [{"platform": "web", "url": "https://old/cb"}]
    connectors = [{"provider": "imap"}]
    plan = {"missing_callback_uris": ["https://a/cb"], "missing_connectors": ["google"]}
    application, cb, conn = a.predict_import(APP, callback_uris, connectors, plan)
    assert [c["url"] for c in cb] == ["https://old/cb", "https://a/cb"]
    assert [c["provider"] for c in conn] == ["imap", "google"]
    assert application["callback_uris"] == cb and application["application_id"] == "app-1"
    assert len(callback_uris) == 1 and len(connectors) == 1 and APP["callback_uris"] == []


def test_import_shown_after_reread():
    assert not a.import_shown(APP, [], [], V2)
    assert not a.import_shown(APP, [{"url": "https://a/cb"}], [], V2)
    assert a.import_shown(APP, [{"url": "https://a/cb"}], [{"provider": "google"}], V2)


def test_import_shown_from_v3_alone():
    assert not a.import_shown(APP, [], [], None)
    assert a.import_shown(APP, [], [{"provider": "google"}], None)


def test_import_not_migrated():
    assert a.import_not_migrated(V2) == [{"type": "webhooks", "count": 2, "reason": a.WEBHOOKS_REASON}]
    assert a.import_not_migrated(None)[0]["count"] is None


def test_planned_connectors_says_which_and_why():
    v2 = {"integrations": [{"provider": "gmail", "settings": {"client_id": "c", "client_secret": "s"}},
                           {"name": "yahoo"}, "imap", "eas", "graph", "zoom"]}
    out = a.planned_connectors(v2, [{"provider": "microsoft"}])
    assert [(c["provider"], c["from_integrations"], c["settings_from_v2"]) for c in out] == [
        ("google", ["gmail"], True), ("imap", ["yahoo", "imap"], False), ("zoom", ["zoom"], False)]
    assert out[1]["reason"] == "v2 integration yahoo, imap; the v3 application has no imap connector"
    assert out[0]["setup"] is None and out[1]["setup"] is None and "OAuth" in out[2]["setup"]
    assert all(set(c) == {"provider", "from_integrations", "settings_from_v2", "reason", "setup"} for c in out)
    assert a.planned_connectors(None, []) == [] and a.planned_connectors({}, []) == []


def test_planned_connectors_inferred_from_the_v2_accounts_when_integrations_are_not_listed():
    """Nylas's v2 application object lists no integrations: the plan infers them from the accounts' providers."""
    accounts = [{"provider": "gmail"}, {"provider": "graph"}, {"provider": "exchange"}, {"provider": "yahoo"},
                {"provider": "eas"}, {"provider": "ews"}, {"provider": None}, "not-an-account"]
    assert a.account_providers(accounts) == ["eas", "ews", "exchange", "gmail", "graph", "yahoo"]
    out = a.planned_connectors({"application_name": "x"}, [{"provider": "ews"}], accounts)
    assert [(c["provider"], c["from_integrations"], c["inferred"]) for c in out] == [
        ("google", ["gmail"], True), ("imap", ["yahoo"], True), ("microsoft", ["exchange", "graph"], True)]
    assert "inferred from the v2 accounts" in out[2]["reason"] and "Azure" in out[2]["setup"]
    # listed integrations win over the accounts; without accounts nothing is inferred
    assert [c["provider"] for c in a.planned_connectors({"integrations": ["icloud"]}, [], accounts)] == ["icloud"]
    assert a.planned_connectors({"application_name": "x"}, [], None) == []


def test_planned_setup_drops_inferred_connectors_without_a_documented_step():
    needing = [{"provider": "google", "reason": "no OAuth client"}, {"provider": "microsoft", "reason": "Azure"}]
    to_create = [{"provider": "google", "inferred": True, "setup": None},
                 {"provider": "microsoft", "inferred": True, "setup": "Azure"}]
    assert a.planned_setup(needing, to_create) == [needing[1]]
    assert a.planned_setup(needing, [dict(to_create[0], inferred=False)]) == needing


def test_microsoft_connector_needs_setup_until_it_has_the_new_azure_client_id():
    imported = [{"provider": "microsoft", "settings": {"tenant": "common"}}]
    configured = [{"provider": "microsoft", "settings": {"tenant": "common", "client_id": "azure-app"}}]
    assert [c["provider"] for c in a.connectors_needing_setup(imported)] == ["microsoft"]
    assert a.connectors_needing_setup(configured) == []
