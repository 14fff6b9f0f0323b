# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of the paging bound (plugins/module_utils/nylas_paging.py) and of the walks that use it.

The guard alone (pure), then the v3 and v2 limit/offset walks with HTTP mocked by ``responses``: a
server that ignores the offset, that rotates the same items, that invents items past the page cap, and
a walk past the count the caller knows, each end with a typed error naming endpoint and request id.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from ansible_collections.nylas.migration.plugins.module_utils.nylas_contract import Answer
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasConfigError, NylasContractError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_paging import (
    DEFAULT_MAX_PAGES,
    PageGuard,
    check_max_pages,
    next_cursor_problem,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v2 import NylasV2Client
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import NylasV3Client
from ansible_collections.nylas.migration.tests.unit.plugins.module_utils.nylas_http_helpers import (
    API_KEY,
    BASE,
    V2BASE,
    V2_ID,
    V2_SECRET,
)

ANSWER = Answer({}, 200, "rid-p", "GET", "/v3/grants")


def items(*ids):
    return [{"id": i} for i in ids]


# -- the guard (pure) ----------------------------------------------------------------------------------


def test_new_items_pass_and_are_counted():
    guard = PageGuard(max_pages=5)
    assert guard.page(ANSWER, items("a", "b")) == 2
    assert guard.page(ANSWER, items("b", "c")) == 1  # one new is enough
    assert guard.page(ANSWER, []) == 0  # the empty last page
    assert guard.pages == 3 and guard.seen == {"a", "b", "c"}


def test_a_page_of_items_seen_before_ends_the_walk():
    guard = PageGuard()
    guard.page(ANSWER, items("a", "b"))
    with pytest.raises(NylasContractError) as info:
        guard.page(ANSWER, items("b", "a"))  # rotated: not equal to the previous page, yet nothing new
    error = info.value
    assert error.error_type == "pagination_loop" and error.field == "offset"
    assert error.request_id == "rid-p" and "GET /v3/grants" in str(error) and "page 2" in str(error)


def test_the_page_cap_ends_a_walk_that_keeps_inventing_items():
    guard = PageGuard(max_pages=3)
    for n in range(3):
        guard.page(ANSWER, items("x%d" % n))
    with pytest.raises(NylasContractError) as info:
        guard.page(ANSWER, items("x3"))
    assert info.value.error_type == "pagination_bound" and "raise max_pages" in str(info.value)


def test_the_known_count_bounds_the_walk():
    guard = PageGuard(expected_total=3, page_size=2)  # at most 2 * 3 + 2 = 8 distinct items
    assert guard.item_bound() == 8
    guard.page(ANSWER, items(*"abcdefgh"))
    with pytest.raises(NylasContractError) as info:
        guard.page(ANSWER, items("i"))
    assert info.value.error_type == "pagination_bound" and "3 known" in str(info.value)


def test_items_without_the_id_field_are_told_apart_by_content():
    guard = PageGuard(id_field="provider")
    guard.page(ANSWER, [{"provider": "google"}, {"settings": {"a": 1}}])
    with pytest.raises(NylasContractError):
        guard.page(ANSWER, [{"settings": {"a": 1}}])


@pytest.mark.parametrize("bad", [0, -1, True, "10", None, 1.5])
def test_max_pages_must_be_a_positive_int(bad):
    with pytest.raises(ValueError):
        check_max_pages(bad)
    assert check_max_pages(1) == 1 and DEFAULT_MAX_PAGES >= 1000


@pytest.mark.parametrize("requested, next_page, problem", [
    (1, None, None), (1, 2, None), (3, 9, None),
    (1, 1, "does not advance"), (2, 1, "does not advance"), (1, "2", "integer"), (1, True, "integer"),
])
def test_next_cursor_problem(requested, next_page, problem):
    found = next_cursor_problem(requested, next_page)
    assert (found is None) if problem is None else (problem in found)


# -- the walks ------------------------------------------------------------------------------------------


def v3(sleep, **kwargs):
    return NylasV3Client(API_KEY, rate_limit=None, sleep=sleep, **kwargs)


def test_v3_walk_of_a_server_that_rotates_its_items_ends(rsps, sleep):
    grants = [{"id": "g%d" % n, "account_id": "a%d" % n} for n in range(3)]
    calls = []

    def callback(request):
        calls.append(request.url)
        shift = len(calls) % 3
        return 200, {"X-Request-Id": "rid-%d" % len(calls)}, json.dumps(
            {"request_id": "rid-%d" % len(calls), "data": grants[shift:] + grants[:shift], "limit": 3})

    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=callback)
    with pytest.raises(NylasContractError) as info:
        v3(sleep).list_grants()
    assert info.value.error_type == "pagination_loop" and info.value.request_id == "rid-2" and len(calls) == 2


def test_v3_walk_stops_at_the_clients_page_cap(rsps, sleep):
    def callback(request):
        offset = int(parse_qs(urlsplit(request.url).query)["offset"][0])
        return 200, {}, json.dumps({"request_id": "r", "data": [{"id": "g%d" % offset}], "limit": 1})

    rsps.add_callback(responses.GET, BASE + "/v3/grants", callback=callback)
    with pytest.raises(NylasContractError) as info:
        v3(sleep, max_pages=4).list_grants()
    assert info.value.error_type == "pagination_bound" and len(rsps.calls) == 5


def test_v3_max_pages_is_checked(sleep):
    with pytest.raises(NylasConfigError):
        v3(sleep, max_pages=0)


def test_v2_endpoint_that_returns_the_same_page_for_every_offset(rsps, sleep):
    page = [{"id": "acc%d" % n} for n in range(2)]
    rsps.add(responses.GET, V2BASE + "/a/%s/accounts" % V2_ID, json=page, headers={"X-Request-Id": "rid-v2"})
    client = NylasV2Client(V2_ID, V2_SECRET, rate_limit=None, sleep=sleep)
    with pytest.raises(NylasContractError) as info:
        client.list_accounts(page_size=2)
    error = info.value
    assert error.error_type == "pagination_loop" and error.request_id == "rid-v2"
    assert error.path == "/a/%s/accounts" % V2_ID and len(rsps.calls) == 2


def test_v2_walk_bounded_by_the_known_total(rsps, sleep):
    def callback(request):
        offset = int(parse_qs(urlsplit(request.url).query)["offset"][0])
        return 200, {}, json.dumps([{"id": "acc%d" % (offset + n)} for n in range(2)])

    rsps.add_callback(responses.GET, V2BASE + "/a/%s/accounts" % V2_ID, callback=callback)
    client = NylasV2Client(V2_ID, V2_SECRET, rate_limit=None, sleep=sleep)
    with pytest.raises(NylasContractError) as info:
        client.list_accounts(page_size=2, expected_total=2)  # at most 2 * 2 + 2 = 6 accounts
    assert info.value.error_type == "pagination_bound" and len(rsps.calls) == 4
