# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of the v3 client's endpoints (plugins/module_utils/nylas_v3.py): paths, query flags, bodies.

HTTP mocked with ``responses``.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from ansible_collections.nylas.migration.plugins.module_utils.nylas_checks import build_basic_v2
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError, NylasConfigError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import NylasV3Client
from ansible_collections.nylas.migration.tests.unit.plugins.module_utils.nylas_http_helpers import (
    API_KEY,
    V2_ID,
    V2_SECRET,
    BASE,
    envelope,
    error_body,
    query_of,
)


def test_eu_region_and_api_uri(rsps, sleep):
    c = NylasV3Client(API_KEY, region="eu", rate_limit=None, sleep=sleep)
    assert c.base_url == "https://api.eu.nylas.com"
    c = NylasV3Client(API_KEY, api_uri="http://127.0.0.1:8080/", rate_limit=None, sleep=sleep)
    rsps.add(responses.GET, "http://127.0.0.1:8080/v3/applications", json=envelope({}))
    assert c.get_application() == {}


def test_non_object_envelope(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/applications", json=[1, 2])
    with pytest.raises(NylasAPIError) as info:
        client.get_application()
    assert info.value.error_type == "unexpected_response"


def test_list_grants_filters(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/grants", json=envelope([{"id": "g1", "account_id": "a"}]))
    assert client.list_grants(provider="google", grant_status="valid", email=None, account_ids=["a", "b"]) == [
        {"id": "g1", "account_id": "a"}
    ]
    q = query_of(rsps.calls[0])
    assert q == {"provider": ["google"], "grant_status": ["valid"], "account_ids": ["a,b"],
                 "limit": ["200"], "offset": ["0"]}


def test_find_grants_by_account_ids_chunking(rsps, client):
    grants = {"a%d" % i: {"id": "g%d" % i, "account_id": "a%d" % i, "grant_status": "valid"} for i in range(0, 7, 2)}
    chunks = []

    def callback(request):
        ids = parse_qs(urlsplit(request.url).query)["account_ids"][0].split(",")
        chunks.append(ids)
        return 200, {}, json.dumps(envelope([grants[i] for i in ids if i in grants]))

    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=callback)
    ids = ["a%d" % i for i in range(7)] + ["a1", "", None]
    # an application expected to hold many other grants: looking the 7 ids up (3 requests) is cheaper
    found = client.find_grants_by_account_ids(ids, chunk_size=3, grant_bound=1000)
    assert chunks == [["a0", "a1", "a2"], ["a3", "a4", "a5"], ["a6"]]
    assert found == grants


def walk_callback(grants, calls):
    """A GET /v3/grants that pages ``grants`` (the walk) and answers ``account_ids`` lookups."""

    def callback(request):
        q = parse_qs(urlsplit(request.url).query)
        if "account_ids" in q:
            ids = q["account_ids"][0].split(",")
            calls.append(("lookup", ids))
            return 200, {}, json.dumps(envelope([g for g in grants if g["account_id"] in ids]))
        offset, limit = int(q["offset"][0]), int(q["limit"][0])
        calls.append(("walk", offset, limit))
        return 200, {}, json.dumps(envelope(grants[offset:offset + limit]))

    return callback


def test_find_grants_walks_when_cheaper(rsps, client):
    # 120 ids: 3 lookups of 50, or one page of the application's grants (bound: the 120 ids)
    grants = [{"id": "g%d" % i, "account_id": "a%d" % i, "grant_status": "valid"} for i in range(130)]
    calls = []
    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=walk_callback(grants, calls))
    found = client.find_grants_by_account_ids(["a%d" % i for i in range(120)])
    assert calls == [("walk", 0, 200)]
    assert sorted(found) == sorted("a%d" % i for i in range(120))  # the other grants are left out


def test_find_grants_walk_past_its_budget_falls_back_to_lookup(rsps, client):
    # the bound says 1 page, but the application holds 900 grants: after 3 pages (the lookup's cost) it looks up
    grants = [{"id": "g%d" % i, "account_id": "a%d" % i, "grant_status": "valid"} for i in range(900)]
    calls = []
    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=walk_callback(grants, calls))
    ids = ["a%d" % i for i in range(0, 240, 2)]
    found = client.find_grants_by_account_ids(ids)
    assert [c[0] for c in calls] == ["walk"] * 3 + ["lookup"] * 3
    assert sorted(found) == sorted(ids)


def test_find_grants_paged_within_chunk(rsps, client):
    grants = [{"id": "g%d" % i, "account_id": "a%d" % i} for i in range(3)]
    calls = []

    def callback(request):
        q = parse_qs(urlsplit(request.url).query)
        offset, limit = int(q["offset"][0]), int(q["limit"][0])
        calls.append(offset)
        return 200, {}, json.dumps(envelope(grants[offset:offset + 2], limit=2))

    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=callback)
    found = client.find_grants_by_account_ids(["a0", "a1", "a2"])
    assert set(found) == {"a0", "a1", "a2"}
    assert calls == [0, 2]


def test_find_grants_rejects_comma(client):
    with pytest.raises(NylasConfigError):
        client.find_grants_by_account_ids(["a,b"])


@pytest.mark.parametrize("kwargs,expected", [
    ({}, {}),
    ({"allow_invalid_grant_creation": False}, {"allow_invalid_grant_creation": ["false"]}),
    ({"clone_exchange": True}, {"clone_exchange": ["true"]}),
    ({"allow_invalid_grant_creation": True, "clone_exchange": False},
     {"allow_invalid_grant_creation": ["true"], "clone_exchange": ["false"]}),
])
def test_clone_flags_in_query_only_when_set(rsps, client, kwargs, expected):
    rsps.add(responses.POST, BASE + "/v3/migration-tools/grants/acc%2F1/clone", json=envelope({"id": "g", "account_id": "acc/1"}))
    client.clone_grant("acc/1", **kwargs)
    call = rsps.calls[0]
    assert query_of(call) == expected
    assert not call.request.body


def test_start_batch_clone(rsps, client):
    url = BASE + "/v3/migration-tools/snapshot-batch-clone"
    data = {"snapshot_job": {"job_id": "s", "type": "snapshot", "status": "pending"}, "clone_job": {"job_id": "c", "type": "migration", "status": "pending"}}
    rsps.add(responses.POST, url, json=envelope(data))
    assert client.start_batch_clone() == data
    assert json.loads(rsps.calls[0].request.body) == {} and query_of(rsps.calls[0]) == {}
    client.start_batch_clone(limit=10, offset=0, providers=("google", "imap"), mode="only_new", clone_exchange=False)
    call = rsps.calls[1]
    assert json.loads(call.request.body) == {"limit": 10, "offset": 0, "providers": ["google", "imap"],
                                             "mode": "only_new"}
    assert query_of(call) == {"clone_exchange": ["false"]}


def test_list_jobs_params(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/migration-tools/jobs", json=envelope([{"job_id": "j", "type": "migration", "status": "pending"}]))
    assert client.list_jobs(status=["running", "pending"], job_type="migration", sort_by_completion=True) == [
        {"job_id": "j", "type": "migration", "status": "pending"}
    ]
    assert query_of(rsps.calls[0]) == {"status": ["running,pending"], "type": ["migration"],
                                       "sort_by_completion": ["true"]}
    client.list_jobs()
    assert query_of(rsps.calls[1]) == {}


def test_link_and_import(rsps, client):
    basic = build_basic_v2(V2_ID, V2_SECRET)
    rsps.add(responses.POST, BASE + "/v3/migration-tools/link-v2v3-apps", json=envelope({"v2_application_id": V2_ID}))
    rsps.add(responses.POST, BASE + "/v3/migration-tools/import-v2-app", json=envelope("imported"))
    assert client.link_v2_app(basic) == {"v2_application_id": V2_ID}
    assert rsps.calls[0].request.headers["BasicV2"] == basic
    assert client.import_v2_app() == "imported"


def test_get_or_none_on_404(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/connectors/microsoft", status=404, json=error_body("not_found_error", "nope"))
    rsps.add(responses.GET, BASE + "/v3/grants/g9", status=404, json=error_body("not_found_error", "nope"))
    assert client.get_connector("microsoft") is None
    assert client.get_grant("g9") is None


def test_crud_paths(rsps, client):
    rsps.add(responses.GET, BASE + "/v3/applications/redirect-uris", json=envelope([{"url": "u"}]))
    rsps.add(responses.GET, BASE + "/v3/channels/pubsub", json=envelope([]))
    rsps.add(responses.POST, BASE + "/v3/channels/pubsub", json=envelope({"id": "c1", "topic": "t"}))
    rsps.add(responses.PUT, BASE + "/v3/channels/pubsub/c1", json=envelope({"id": "c1", "topic": "t"}))
    rsps.add(responses.DELETE, BASE + "/v3/channels/pubsub/c1", json={"request_id": "r"})
    rsps.add(responses.DELETE, BASE + "/v3/connectors/google", json={"request_id": "r"})
    rsps.add(responses.POST, BASE + "/v3/webhooks", json=envelope({"id": "w1", "webhook_url": "https://x"}))
    rsps.add(responses.GET, BASE + "/v3/webhooks", json=envelope([{"id": "w1", "webhook_url": "https://x"}]))
    assert client.list_redirect_uris() == [{"url": "u"}]
    assert client.list_pubsub_channels() == []
    assert client.create_pubsub_channel({"topic": "t"}) == {"id": "c1", "topic": "t"}
    assert client.update_pubsub_channel("c1", {"topic": "t"}) == {"id": "c1", "topic": "t"}
    assert client.delete_pubsub_channel("c1") is None
    assert client.delete_connector("google") is None
    assert client.create_webhook({"webhook_url": "https://x"}) == {"id": "w1", "webhook_url": "https://x"}
    assert client.list_webhooks() == [{"id": "w1", "webhook_url": "https://x"}]


@pytest.mark.parametrize("bad", ["", "  ", None])
def test_empty_ids_refused(client, bad):
    with pytest.raises(NylasConfigError):
        client.delete_grant(bad)
    with pytest.raises(NylasConfigError):
        client.clone_grant(bad)


@pytest.mark.parametrize("key", ["", None, API_KEY + "\n", " " + API_KEY, API_KEY[:5] + "\x00" + API_KEY[5:]])
def test_api_key_checks(key):
    with pytest.raises(NylasConfigError) as info:
        NylasV3Client(key)
    assert "api_key" in str(info.value)
    assert API_KEY[:12] not in str(info.value)


# -- planned requests (check mode shows them; the client sends the same description) ---------------


def test_request_builders_describe_what_the_client_sends(rsps, client):
    from ansible_collections.nylas.migration.plugins.module_utils import nylas_v3 as v3

    req = v3.start_batch_clone_request(providers=["google"], mode="only_new", clone_exchange=False)
    assert req == {"method": "POST", "path": "/v3/migration-tools/snapshot-batch-clone",
                   "query": {"clone_exchange": "false"}, "body": {"providers": ["google"], "mode": "only_new"}}
    rsps.add(responses.POST, BASE + req["path"], json=envelope({
        "snapshot_job": {"job_id": "s", "type": "snapshot", "status": "pending"},
        "clone_job": {"job_id": "c", "type": "migration", "status": "pending"}}))
    client.start_batch_clone(providers=["google"], mode="only_new", clone_exchange=False)
    sent = rsps.calls[-1]
    assert query_of(sent) == {"clone_exchange": ["false"]} and json.loads(sent.request.body) == req["body"]
    assert v3.clone_grant_request("a b", allow_invalid_grant_creation=True) == {
        "method": "POST", "path": "/v3/migration-tools/grants/a%20b/clone",
        "query": {"allow_invalid_grant_creation": "true"}, "body": None}
    assert v3.link_v2_app_request() == {"method": "POST", "path": "/v3/migration-tools/link-v2v3-apps",
                                        "query": {}, "body": None}
    with pytest.raises(NylasConfigError):
        v3.clone_grant_request("")


def test_planned_request_masks_secrets_and_keeps_the_rest():
    from ansible_collections.nylas.migration.plugins.module_utils import nylas_v3 as v3

    body = {"provider": "google", "settings": {"client_id": "cid", "client_secret": "s3cr3t", "topic_name": "t"},
            "scope": ["openid"]}
    req = v3.create_connector_request(body)
    shown = v3.planned_request(req)
    assert shown["body"]["settings"] == {"client_id": "cid", "client_secret": "********", "topic_name": "t"}
    assert "s3cr3t" not in json.dumps(shown)
    assert req["body"]["settings"]["client_secret"] == "s3cr3t"  # the request itself is not changed
    assert v3.planned_request(v3.delete_webhook_request("w1")) == {
        "method": "DELETE", "path": "/v3/webhooks/w1", "query": {}, "body": None}
