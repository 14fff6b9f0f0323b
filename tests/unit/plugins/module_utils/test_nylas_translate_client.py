# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of ``NylasV3Client.translate_ids`` (HTTP mocked with ``responses``; nothing sleeps)."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import (
    NylasAPIError,
    NylasCheckModeError,
    NylasConfigError,
    NylasV3Client,
)

API_KEY = "nyk_v0_SECRETapikey1234567890"
URL = "https://api.us.nylas.com/v3/migration-tools/translate"
PAIR = {"v2_resource_id": "v2a", "v3_resource_id": "175ade7f22b0a2f4"}


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    c = NylasV3Client(API_KEY, sleep=sleeps.append, rate_limit=None, max_retries=2)
    c._random = lambda: 0.5
    return c


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def data(items_key="translations", **extra):
    body = {"v2_application_id": "v2app", "v2_account_id": "acc", "resource_type": "messages", items_key: [PAIR]}
    body.update(extra)
    return {"request_id": "rid", "data": body}


def test_body_carries_only_what_is_set(rsps, client):
    rsps.add(responses.POST, URL, json=data(next_page_number=2))
    out = client.translate_ids("acc", "messages")
    assert json.loads(rsps.calls[0].request.body) == {"resource_type": "messages", "v2_account_id": "acc"}
    assert out["translations"] == [PAIR] and out["next_page_number"] == 2
    rsps.add(responses.POST, URL, json=data())
    client.translate_ids("acc", "folders", next_page_number=3, start_from_timestamp=1764489600, nylas_ids=("x", "y"))
    assert json.loads(rsps.calls[1].request.body) == {
        "resource_type": "folders", "v2_account_id": "acc", "next_page_number": 3,
        "start_from_timestamp": 1764489600, "nylas_ids": ["x", "y"]}


def test_the_contract_list_key_ids_is_accepted_too(rsps, client):
    rsps.add(responses.POST, URL, json=data(items_key="ids"))
    out = client.translate_ids("acc", "messages")
    assert out["translations"] == [PAIR] and "ids" not in out


@pytest.mark.parametrize("body", [{"request_id": "r", "data": {"v2_account_id": "acc"}},
                                  {"request_id": "r", "data": {"translations": "nope"}},
                                  {"request_id": "r", "data": None}])
def test_an_answer_without_a_list_is_an_unexpected_response(rsps, client, body):
    rsps.add(responses.POST, URL, json=body)
    with pytest.raises(NylasAPIError) as err:
        client.translate_ids("acc", "messages")
    assert err.value.error_type == "unexpected_response" and err.value.request_id == "r"


def test_a_post_that_changes_nothing_is_retried_after_a_5xx_or_a_dropped_connection(rsps, client, sleeps):
    busy = {"request_id": "r1", "error": {"type": "internal_error", "message": "busy"}}
    rsps.add(responses.POST, URL, status=503, json=busy)
    rsps.add(responses.POST, URL, body=requests.exceptions.ConnectionError("connection reset by peer"))
    rsps.add(responses.POST, URL, json=data())
    assert client.translate_ids("acc", "messages")["translations"] == [PAIR]
    assert len(rsps.calls) == 3 and len(sleeps) == 2


def test_retries_are_capped_by_max_retries(rsps, client):
    for _n in range(4):
        bad_gateway = {"request_id": "r", "error": {"type": "internal_error", "message": "bad gateway"}}
        rsps.add(responses.POST, URL, status=502, json=bad_gateway)
    with pytest.raises(NylasAPIError) as err:
        client.translate_ids("acc", "messages")
    assert err.value.status == 502 and len(rsps.calls) == 3  # 1 + max_retries


def test_a_400_is_not_retried_and_never_echoes_the_key(rsps, client):
    rsps.add(responses.POST, URL, status=400, json={"request_id": "r", "error": {
        "type": "bad_request", "message": "v2 account acc has the provider Outlook"}})
    with pytest.raises(NylasAPIError) as err:
        client.translate_ids("acc", "messages")
    assert err.value.status == 400 and "Outlook" in str(err.value) and API_KEY not in str(err.value)
    assert len(rsps.calls) == 1


def test_read_only_client_sends_nothing(rsps):
    ro = NylasV3Client(API_KEY, rate_limit=None, read_only=True)
    with pytest.raises(NylasCheckModeError):
        ro.translate_ids("acc", "messages")
    assert not rsps.calls


@pytest.mark.parametrize("account, rtype", [("", "messages"), ("acc", ""), (None, "messages")])
def test_empty_identifiers_are_refused(client, account, rtype):
    with pytest.raises(NylasConfigError):
        client.translate_ids(account, rtype)
