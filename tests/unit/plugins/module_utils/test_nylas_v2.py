# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of the v2 client (plugins/module_utils/nylas_v2.py): Basic auth, bare JSON, paging, errors.

HTTP mocked with ``responses``.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError, NylasConfigError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v2 import NylasV2Client
from ansible_collections.nylas.migration.tests.unit.plugins.module_utils.nylas_http_helpers import (
    V2_ID,
    V2_SECRET,
    V2BASE,
    assert_no_secret,
)


def test_v2_error_shape_and_basic_auth(rsps, v2):
    rsps.add(responses.GET, V2BASE + "/a/" + V2_ID, status=403, json={"message": "Forbidden", "type": "api_error"})
    with pytest.raises(NylasAPIError) as info:
        v2.get_application()
    exc = info.value
    assert (exc.status, exc.error_type, exc.attempts) == (403, "api_error", 1)
    assert exc.message.startswith("Forbidden")
    auth = rsps.calls[0].request.headers["Authorization"]
    assert auth == "Basic " + base64.b64encode((V2_SECRET + ":").encode()).decode()
    assert_no_secret(exc, V2_SECRET, base64.b64encode((V2_SECRET + ":").encode()).decode())


def test_v2_bare_json(rsps, v2):
    rsps.add(responses.GET, V2BASE + "/a/" + V2_ID, json={"application_name": "old", "redirect_uris": []})
    assert v2.get_application() == {"application_name": "old", "redirect_uris": []}


def test_v2_list_accounts_paging(rsps, v2):
    accounts = [{"id": "a%d" % i} for i in range(5)]
    seen = []

    def callback(request):
        query = parse_qs(urlsplit(request.url).query)
        limit, offset = int(query["limit"][0]), int(query["offset"][0])
        seen.append((offset, limit))
        return 200, {}, json.dumps(accounts[offset:offset + limit])

    rsps.add_callback(responses.GET, V2BASE + "/a/%s/accounts" % V2_ID, callback=callback)
    assert v2.list_accounts(page_size=2) == accounts
    assert seen == [(0, 2), (2, 2), (4, 2)]


def test_v2_list_accounts_repeated_page(rsps, v2):
    rsps.add(responses.GET, V2BASE + "/a/%s/accounts" % V2_ID, json=[{"id": "a"}, {"id": "b"}])
    with pytest.raises(NylasAPIError) as info:
        v2.list_accounts(page_size=2)
    assert info.value.error_type == "pagination_loop"


def test_v2_client_checks_credentials():
    with pytest.raises(NylasConfigError) as info:
        NylasV2Client(V2_ID, V2_SECRET + "\n")
    assert V2_SECRET not in str(info.value)


def test_v2_secret_not_in_errors(rsps, v2):
    rsps.add(responses.GET, V2BASE + "/a/%s/accounts" % V2_ID, status=401,
             json={"message": "invalid secret %s" % V2_SECRET, "type": "api_error"})
    with pytest.raises(NylasAPIError) as info:
        v2.list_accounts()
    assert_no_secret(info.value, V2_SECRET)
    assert V2_SECRET not in repr(v2)


@pytest.mark.parametrize("region,base", [("us", V2BASE), ("eu", "https://ireland.api.nylas.com")])
def test_v2_auth_error_names_region_and_url(rsps, sleep, region, base):
    c = NylasV2Client(V2_ID, V2_SECRET, region=region, sleep=sleep, rate_limit=None)
    rsps.add(responses.GET, base + "/a/" + V2_ID, status=401, json={"message": "Unauthorized", "type": "api_error"})
    with pytest.raises(NylasAPIError) as info:
        c.get_application()
    exc = info.value
    assert (exc.status, exc.error_type) == (401, "api_error")
    assert exc.message.startswith("Unauthorized (region '%s', %s); " % (region, base))
    assert "check that the v2 client id and secret belong to a v2 application of region '%s'" % region in exc.message
    assert_no_secret(exc, V2_SECRET)


# -- the cutover's v2 calls -------------------------------------------------------------------------

def test_v2_downgrade_upgrade_paths_and_answers(rsps, v2):
    base = V2BASE + "/a/%s/accounts/acc-1" % V2_ID
    rsps.add(responses.POST, base + "/downgrade", json={"success": "true"})
    rsps.add(responses.POST, base + "/upgrade", json={"success": "true"})
    rsps.add(responses.GET, base, json={"id": "acc-1", "billing_state": "paid"})
    assert v2.downgrade_account("acc-1") == {"success": "true"}
    assert v2.upgrade_account("acc-1") == {"success": "true"}
    assert v2.get_account("acc-1")["billing_state"] == "paid"
    assert [(c.request.method, urlsplit(c.request.url).path) for c in rsps.calls] == [
        ("POST", "/a/%s/accounts/acc-1/downgrade" % V2_ID), ("POST", "/a/%s/accounts/acc-1/upgrade" % V2_ID),
        ("GET", "/a/%s/accounts/acc-1" % V2_ID)]


def test_v2_webhooks_list_and_state_update(rsps, v2):
    hooks = [{"id": "w1", "callback_url": "https://h.example.com", "state": "active", "triggers": ["message.created"]}]
    rsps.add(responses.GET, V2BASE + "/a/%s/webhooks" % V2_ID, json=hooks)
    rsps.add(responses.PUT, V2BASE + "/a/%s/webhooks/w1" % V2_ID, json=dict(hooks[0], state="inactive"))
    assert v2.list_webhooks() == hooks
    assert v2.update_webhook_state("w1", "inactive")["state"] == "inactive"
    assert json.loads(rsps.calls[1].request.body) == {"state": "inactive"}


def test_v2_webhooks_not_a_list_is_an_error(rsps, v2):
    rsps.add(responses.GET, V2BASE + "/a/%s/webhooks" % V2_ID, json={"data": []})
    with pytest.raises(NylasAPIError) as info:
        v2.list_webhooks()
    assert info.value.error_type == "unexpected_response"


def test_v2_writes_refused_when_read_only(rsps):
    from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasCheckModeError

    client = NylasV2Client(V2_ID, V2_SECRET, api_uri=V2BASE, read_only=True)
    for call in (lambda: client.downgrade_account("a"), lambda: client.upgrade_account("a"),
                 lambda: client.update_webhook_state("w", "inactive")):
        with pytest.raises(NylasCheckModeError):
            call()
    assert len(rsps.calls) == 0
