# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of connector planning (plugins/module_utils/nylas_connector_planning.py)."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_connector_planning import (
    is_secret_setting,
    mask_connector,
    mask_settings,
    missing_secret_settings,
    plan_connector,
    replacement_settings,
    secret_setting_values,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_diff import MASK, plan_diff
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

SECRET = "google-secret-UNIT-0123"
WANTED_SETTINGS = {"client_id": "cid", "client_secret": SECRET, "tenant": None, "topic_name": None}
SCOPE = ["openid", "https://www.googleapis.com/auth/gmail.modify"]
# As Nylas returns it: no client_secret, a name the server adds.
CURRENT = {"provider": "google", "name": "Google", "settings": {"client_id": "cid", "topic_name": "t"},
           "scope": list(reversed(SCOPE))}


# -- connector secrets -------------------------------------------------------------------------------

@pytest.mark.parametrize("key, secret", [
    ("client_secret", True), ("password", True), ("refresh_token", True), ("signing_private_key", True),
    ("CLIENT_SECRET", True), ("client_id", False), ("tenant", False), ("topic_name", False),
])
def test_is_secret_setting(key, secret):
    assert is_secret_setting(key) is secret


def test_secret_values_and_masking():
    settings = {"client_id": "cid", "client_secret": SECRET, "tenant": None, "app_password": ""}
    assert secret_setting_values(settings) == [SECRET]
    assert mask_settings(settings) == {"client_id": "cid", "client_secret": MASK, "app_password": MASK}
    assert mask_connector(None) is None
    masked = mask_connector({"provider": "google", "settings": {"client_secret": SECRET}})
    assert masked["settings"] == {"client_secret": MASK}


# -- connectors --------------------------------------------------------------------------------------

def test_connector_create_sends_secret_but_masks_it_everywhere_else():
    plan = plan_connector(None, "google", settings=WANTED_SETTINGS, scope=SCOPE)
    assert plan["action"] == "create" and plan["changed"]
    assert plan["body"] == {"provider": "google", "settings": {"client_id": "cid", "client_secret": SECRET},
                            "scope": SCOPE}
    assert plan["predicted"]["settings"] == {"client_id": "cid", "client_secret": MASK}
    diff = plan_diff(plan)
    assert diff["before"] == {}
    assert diff["after"]["settings"] == {"client_id": "cid", "client_secret": MASK}
    assert diff["after"]["scope"] == sorted(SCOPE)
    assert SECRET not in repr(diff) + repr(plan["predicted"])


def test_connector_create_without_settings():
    plan = plan_connector(None, "imap")
    assert plan["body"] == {"provider": "imap"}
    assert plan["predicted"] == {"provider": "imap"}


def test_connector_unchanged_scope_order_secret_and_server_fields_ignored():
    plan = plan_connector(CURRENT, "google", settings=WANTED_SETTINGS, scope=SCOPE + ["openid"])
    assert plan["action"] == "none" and not plan["changed"] and plan["body"] is None
    assert plan_diff(plan) == {"before": {}, "after": {}}
    assert plan["predicted"] == CURRENT


def test_connector_secret_counts_only_with_update_secrets():
    plan = plan_connector(CURRENT, "google", settings=WANTED_SETTINGS, update_secrets=True)
    assert plan["action"] == "update" and plan["changed_fields"] == ["settings"]
    # PATCH replaces settings: the unmanaged topic_name is sent along, or Nylas would drop it
    assert plan["body"] == {"settings": {"client_id": "cid", "topic_name": "t", "client_secret": SECRET}}
    diff = plan_diff(plan)
    assert diff["before"]["settings"] == {"client_id": "cid", "topic_name": "t"}
    assert diff["after"]["settings"] == {"client_id": "cid", "topic_name": "t", "client_secret": MASK}


def test_connector_update_secrets_without_secret_is_no_change():
    plan = plan_connector(CURRENT, "google", settings={"client_id": "cid"}, update_secrets=True)
    assert plan["action"] == "none"


def test_connector_settings_change_sends_secrets_along():
    plan = plan_connector(CURRENT, "google", settings=dict(WANTED_SETTINGS, client_id="new"))
    assert plan["action"] == "update" and plan["changed_fields"] == ["settings"]
    assert plan["body"] == {"settings": {"client_id": "new", "topic_name": "t", "client_secret": SECRET}}
    assert plan["predicted"]["settings"] == {"client_id": "new", "topic_name": "t", "client_secret": MASK}


# -- PATCH replaces the nested settings object (contract: update_connector_by_provider) ----------------

@pytest.mark.parametrize("provider", ["google", "microsoft", "yahoo", "zoom"])
def test_settings_change_without_its_secret_is_refused(provider):
    current = {"provider": provider, "settings": {"client_id": "cid"}}
    with pytest.raises(PlanningError, match=r"without client_secret: Nylas replaces the whole settings object"
                                            r".*settings\.client_secret"):
        plan_connector(current, provider, settings={"client_id": "new"})


def test_secret_shown_by_the_current_settings_must_be_given_too():
    current = {"provider": "imap", "settings": {"host": "mail.example.com", "app_password": "********"}}
    with pytest.raises(PlanningError, match="without app_password"):
        plan_connector(current, "imap", settings={"client_id": "x"})
    assert missing_secret_settings("imap", current["settings"], {"app_password": "p"}) == []
    assert missing_secret_settings("google", {}, {}) == ["client_secret"]
    assert missing_secret_settings("google", {}, {"client_secret": ""}) == ["client_secret"]
    assert missing_secret_settings("icloud", {}, {}) == []


def test_scope_change_without_the_secret_is_allowed():
    plan = plan_connector(CURRENT, "google", settings={"client_id": "cid"}, scope=["openid"])
    assert plan["changed_fields"] == ["scope"] and "settings" not in plan["body"]


def test_prediction_is_the_replacement_not_a_merge():
    current = {"provider": "microsoft", "settings": {"client_id": "old", "tenant": "common", "client_secret": "x"}}
    plan = plan_connector(current, "microsoft", settings={"client_id": "new", "client_secret": SECRET})
    # the current secret (as Nylas shows it) is never copied; only the given one is sent
    assert plan["body"]["settings"] == {"client_id": "new", "tenant": "common", "client_secret": SECRET}
    assert plan["predicted"]["settings"] == {"client_id": "new", "tenant": "common", "client_secret": MASK}
    assert replacement_settings({"a": 1, "b": None, "client_secret": "x"}, {"a": 2}, {}) == {"a": 2}


def test_connector_scope_change_only_sends_scope():
    plan = plan_connector(CURRENT, "google", settings=WANTED_SETTINGS, scope=["openid"])
    assert plan["changed_fields"] == ["scope"]
    assert plan["body"] == {"scope": ["openid"]}
    assert plan_diff(plan) == {"before": {"scope": sorted(SCOPE)}, "after": {"scope": ["openid"]}}


def test_connector_unmanaged_fields_and_null_equals_absent():
    assert plan_connector(CURRENT, "google")["action"] == "none"
    assert plan_connector(CURRENT, "google", settings={"client_id": None})["action"] == "none"
    without_scope = {"provider": "imap", "settings": {}}
    assert plan_connector(without_scope, "imap", scope=[])["action"] == "none"


def test_connector_delete_and_delete_absent():
    plan = plan_connector(CURRENT, "google", state="absent")
    assert plan["action"] == "delete" and plan["predicted"] is None
    assert plan_diff(plan)["after"] == {}
    assert "settings" in plan_diff(plan)["before"]
    plan = plan_connector(None, "google", state="absent")
    assert plan["action"] == "none" and not plan["changed"]


def test_connector_bad_input():
    with pytest.raises(PlanningError, match="Unknown connector provider"):
        plan_connector(None, "gmail")
    with pytest.raises(PlanningError, match="Unknown state"):
        plan_connector(None, "google", state="gone")
