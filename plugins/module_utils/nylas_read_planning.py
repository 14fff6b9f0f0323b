# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""How to read a pair's lists with the fewest requests (pure: numbers in, a plan out; no I/O).

* :func:`walk_requests` -- the requests of one limit/offset walk over ``count`` items.
* :func:`lookup_requests` -- the requests of looking ``id_count`` ids up ``chunk_size`` at a time.
* :func:`plan_grant_reads` -- learn the grants of a list of account ids by walking every grant of
  the application, or by looking the ids up in chunks (``GET /v3/grants?account_ids=``): the cheaper.

The page sizes are the largest each API documents: ``GET /v3/grants`` caps ``limit`` at 200 (the
contract), the v2 ``GET /a/{client_id}/accounts`` at 1000.
"""

from __future__ import annotations

GRANTS_MAX_PAGE = 200  # the largest ``limit`` of GET /v3/grants (nylas-v3-migration-subset.openapi.yaml)
GRANT_IDS_PER_LOOKUP = 50  # account ids per GET /v3/grants?account_ids= (a URL stays short)
V2_ACCOUNTS_MAX_PAGE = 1000  # the largest ``limit`` of v2 GET /a/{client_id}/accounts

STRATEGY_WALK = "walk"
STRATEGY_LOOKUP = "lookup"


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("%s must be an integer >= 1" % name)


def walk_requests(count, page_size):
    """Requests of a limit/offset walk over ``count`` items (int >= 0) at ``page_size`` (int >= 1).

    A walk ends on a short page, so ``count`` items need ``count // page_size + 1`` requests (a
    last, empty page when ``count`` is a multiple of the page size). Raises ``ValueError`` on bad input.
    """
    _positive_int(page_size, "page_size")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError("count must be an integer >= 0")
    return count // page_size + 1


def lookup_requests(id_count, chunk_size, page_size=GRANTS_MAX_PAGE):
    """Requests of looking ``id_count`` ids up ``chunk_size`` at a time, each chunk a walk of ``page_size``.

    A chunk of ``chunk_size`` ids answers about one grant per id, so each chunk is
    ``walk_requests(chunk_size, page_size)`` requests (one, while ``chunk_size < page_size``).
    Returns 0 for no id. Raises ``ValueError`` on bad input.
    """
    _positive_int(chunk_size, "chunk_size")
    if isinstance(id_count, bool) or not isinstance(id_count, int) or id_count < 0:
        raise ValueError("id_count must be an integer >= 0")
    return -(-id_count // chunk_size) * walk_requests(chunk_size, page_size)


def plan_grant_reads(id_count, grant_bound=None, page_size=GRANTS_MAX_PAGE, chunk_size=GRANT_IDS_PER_LOOKUP):
    """Choose how to learn the grants of ``id_count`` account ids: walk every grant, or look the ids up.

    Args:
        id_count: how many distinct account ids are wanted (int >= 0).
        grant_bound: the number of grants the application is expected to hold at most, e.g. the number
            of its v2 accounts (a grant is one account's); None means ``id_count`` (the ids are all
            the application's accounts).
        page_size: the page size of the walk (GET /v3/grants ``limit``, at most 200).
        chunk_size: ids per lookup request (``account_ids``).

    Returns:
        ``{"strategy": "walk" | "lookup", "requests": <expected count>, "walk_requests": w,
        "lookup_requests": l, "max_walk_pages": m}``. ``walk`` only when strictly cheaper; then
        ``max_walk_pages`` is the budget of the walk: past it (the bound was wrong, the application
        holds many other grants) the caller stops walking and looks the ids up, so that a wrong bound
        costs at most the lookup again. ``max_walk_pages`` is None for ``lookup``.

    Raises:
        ValueError: a count or size that is not a non-negative (sizes: positive) integer.
    """
    lookup = lookup_requests(id_count, chunk_size, page_size)
    bound = id_count if grant_bound is None else grant_bound
    if isinstance(bound, bool) or not isinstance(bound, int) or bound < 0:
        raise ValueError("grant_bound must be an integer >= 0 or None")
    walk = walk_requests(bound, page_size)
    if id_count and walk < lookup:
        return dict(strategy=STRATEGY_WALK, requests=walk, walk_requests=walk, lookup_requests=lookup,
                    max_walk_pages=lookup)
    return dict(strategy=STRATEGY_LOOKUP, requests=lookup, walk_requests=walk, lookup_requests=lookup,
                max_walk_pages=None)


def read_floor(account_count, accounts_page=V2_ACCOUNTS_MAX_PAGE, grants_page=GRANTS_MAX_PAGE):
    """The fewest GETs that learn where every account of a pair stands: one walk of the v2 accounts
    and one walk of the grants, each at its largest page (``account_count`` grants at most).

    Returns an int. Raises ``ValueError`` on bad input.
    """
    return walk_requests(account_count, accounts_page) + walk_requests(account_count, grants_page)


__all__ = [
    "GRANTS_MAX_PAGE",
    "GRANT_IDS_PER_LOOKUP",
    "STRATEGY_LOOKUP",
    "STRATEGY_WALK",
    "V2_ACCOUNTS_MAX_PAGE",
    "lookup_requests",
    "plan_grant_reads",
    "read_floor",
    "walk_requests",
]
