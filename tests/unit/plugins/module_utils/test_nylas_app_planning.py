# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of link and import planning (plugins/module_utils/nylas_app_planning.py)."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_app_planning import (
    callback_uri_urls,
    check_region,
    connector_providers,
    connectors_needing_setup,
    plan_import,
    plan_link,
    require_link,
    v2_connector_providers,
    v2_webhook_count,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import PlanningError

APP = {"application_id": "app-1", "region": "us"}


# -- link ----------------------------------------------------------------------------------------

def test_plan_link_needed():
    assert plan_link(APP, "v2-a", "us") == "link"
    assert plan_link(dict(APP, v2_application_id=None), "v2-a", "us") == "link"
    assert plan_link(dict(APP, v2_application_id=""), "v2-a", "us") == "link"


def test_plan_link_already_done():
    assert plan_link(dict(APP, v2_application_id="v2-a"), "v2-a", "us") == "none"


def test_plan_link_refuses_other_link_naming_both():
    with pytest.raises(PlanningError) as exc:
        plan_link(dict(APP, v2_application_id="v2-other"), "v2-a", "us")
    assert "v2-other" in str(exc.value) and "v2-a" in str(exc.value) and "app-1" in str(exc.value)


def test_plan_link_refuses_region_mismatch_naming_both():
    with pytest.raises(PlanningError) as exc:
        plan_link(dict(APP, region="eu"), "v2-a", "us")
    assert "'eu'" in str(exc.value) and "'us'" in str(exc.value)
    with pytest.raises(PlanningError):  # even when the link is there
        plan_link(dict(APP, region="eu", v2_application_id="v2-a"), "v2-a", "us")


def test_plan_link_region_case_and_absent():
    assert plan_link(dict(APP, region="US"), "v2-a", "us") == "link"
    assert plan_link({"application_id": "x"}, "v2-a", "eu") == "link"
    check_region({}, "us")


def test_require_link():
    assert require_link(dict(APP, v2_application_id="v2-a")) == "v2-a"
    assert require_link(dict(APP, v2_application_id="v2-a"), "v2-a") == "v2-a"
    with pytest.raises(PlanningError, match="not linked"):
        require_link(APP)
    with pytest.raises(PlanningError, match="v2-a.*v2-b"):
        require_link(dict(APP, v2_application_id="v2-a"), "v2-b")


# -- import --------------------------------------------------------------------------------------

def test_helpers_for_import():
    urls = callback_uri_urls([{"url": "https://a"}, "https://b", {"url": "https://a"}, {}])
    assert urls == ["https://a", "https://b"]
    providers = connector_providers([{"provider": "microsoft"}, "google", {"provider": "google"}])
    assert providers == ["google", "microsoft"]
    v2 = {"integrations": ["gmail", {"provider": "graph"}, {"name": "exchange"}, "eas", "yahoo", "ICLOUD", "zz", {}]}
    assert v2_connector_providers(v2) == ["google", "icloud", "imap", "microsoft", "zz"]
    assert v2_connector_providers(None) == []


def test_v2_webhook_count():
    assert v2_webhook_count(None) is None
    assert v2_webhook_count({}) is None
    assert v2_webhook_count({"webhooks": [{}, {}]}) == 2
    assert v2_webhook_count({"webhook_count": 3}) == 3


def test_plan_import_v3_only():
    plan = plan_import(APP, [])
    assert plan["needed"] and plan["basis"] == "v3" and "no connector" in plan["reason"]
    assert plan["expected_connectors"] is None and plan["expected_callback_uris"] is None
    plan = plan_import(APP, [{"provider": "google"}])
    assert not plan["needed"] and "google" in plan["reason"]


def test_plan_import_v2_callback_uris():
    v2 = {"redirect_uris": ["https://a/cb", "https://b/cb"], "integrations": []}
    app = dict(APP, callback_uris=[{"platform": "web", "url": "https://a/cb"}])
    plan = plan_import(app, [], v2)
    assert plan["needed"] and plan["basis"] == "v2"
    assert plan["missing_callback_uris"] == ["https://b/cb"] and plan["missing_connectors"] == []
    app["callback_uris"].append({"url": "https://b/cb", "platform": "web", "id": "x"})
    plan = plan_import(app, [], v2)
    assert not plan["needed"] and plan["expected_connectors"] == []


def test_plan_import_v2_integrations():
    v2 = {"redirect_uris": [], "integrations": ["gmail", "graph"]}
    plan = plan_import(APP, [{"provider": "google"}], v2)
    assert plan["needed"] and plan["missing_connectors"] == ["microsoft"] and "microsoft" in plan["reason"]
    assert not plan_import(APP, [{"provider": "google"}, {"provider": "microsoft"}], v2)["needed"]


def test_plan_import_v2_without_integrations_needs_a_connector():
    v2 = {"redirect_uris": ["https://a/cb"]}
    app = dict(APP, callback_uris=[{"url": "https://a/cb"}])
    plan = plan_import(app, [], v2)
    assert plan["needed"] and "no connector" in plan["reason"]
    assert not plan_import(app, [{"provider": "imap"}], v2)["needed"]


def test_plan_import_force():
    plan = plan_import(APP, [{"provider": "google"}], force=True)
    assert plan["needed"] and plan["reason"] == "force is set"
    plan = plan_import(APP, [], force=True)
    assert plan["needed"] and "no connector" in plan["reason"]


def test_connectors_needing_setup():
    connectors = [
        {"provider": "microsoft", "settings": {"tenant": "common"}},
        {"provider": "google", "settings": {"client_id": "abc"}},
        {"provider": "zoom", "settings": {}},
        {"provider": "imap"},
        "junk",
    ]
    out = connectors_needing_setup(connectors, {"integrations": ["gmail", "icloud", "eas"]})
    assert [o["provider"] for o in out] == ["icloud", "microsoft", "zoom"]
    reasons = {o["provider"]: o["reason"] for o in out}
    assert "Azure" in reasons["microsoft"]
    assert "client_id" in reasons["zoom"]
    assert "no connector" in reasons["icloud"]
    assert connectors_needing_setup([]) == []
