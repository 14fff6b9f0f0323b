# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""The read cost model: walk the grants or look the ids up, and the read floor of a pair."""

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_read_planning import (
    STRATEGY_LOOKUP,
    STRATEGY_WALK,
    lookup_requests,
    plan_grant_reads,
    read_floor,
    walk_requests,
)


@pytest.mark.parametrize("count,page,expected", [(0, 200, 1), (199, 200, 1), (200, 200, 2), (5000, 200, 26),
                                                 (5000, 1000, 6), (4999, 1000, 5)])
def test_walk_requests_end_on_a_short_page(count, page, expected):
    assert walk_requests(count, page) == expected


@pytest.mark.parametrize("ids,chunk,page,expected", [(0, 50, 200, 0), (1, 50, 200, 1), (50, 50, 200, 1),
                                                     (51, 50, 200, 2), (5000, 50, 200, 100), (400, 200, 200, 4)])
def test_lookup_requests(ids, chunk, page, expected):
    assert lookup_requests(ids, chunk, page) == expected


def test_a_whole_application_is_walked():
    plan = plan_grant_reads(5000)
    assert plan["strategy"] == STRATEGY_WALK
    assert (plan["requests"], plan["lookup_requests"], plan["max_walk_pages"]) == (26, 100, 100)


def test_a_few_ids_are_looked_up():
    # the pilot: 3 ids of an application of 5,000 accounts
    plan = plan_grant_reads(3, grant_bound=5000)
    assert plan["strategy"] == STRATEGY_LOOKUP
    assert plan["requests"] == 1 and plan["max_walk_pages"] is None


def test_equal_costs_look_up():
    # 1 id: one lookup or one page of the walk; the lookup answers less
    assert plan_grant_reads(1)["strategy"] == STRATEGY_LOOKUP
    assert plan_grant_reads(0)["strategy"] == STRATEGY_LOOKUP


def test_the_break_even_follows_the_bound():
    assert plan_grant_reads(1000, grant_bound=1000)["strategy"] == STRATEGY_WALK  # 6 pages < 20 lookups
    assert plan_grant_reads(1000, grant_bound=4000)["strategy"] == STRATEGY_LOOKUP  # 21 pages > 20 lookups


@pytest.mark.parametrize("kwargs", [dict(id_count=-1), dict(id_count=True), dict(id_count=5, grant_bound=-1),
                                    dict(id_count=5, page_size=0), dict(id_count=5, chunk_size=0)])
def test_bad_input(kwargs):
    with pytest.raises(ValueError):
        plan_grant_reads(**kwargs)


def test_read_floor():
    assert read_floor(5000) == 6 + 26
    assert read_floor(0) == 2
