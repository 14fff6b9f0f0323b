# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Paging that must end: one guard per walk of a paged list (pure; no HTTP).

A walk (every page of ``GET /v3/grants``, ``GET /v3/connectors``, ``GET /a/{client_id}/accounts``, the
pages of ``POST /v3/migration-tools/translate`` for one account and type) is bounded by what is known:

* a page cap, the shared ``max_pages`` option (default :data:`DEFAULT_MAX_PAGES`, generous: a walk
  that legitimately needs more pages is rare and the user can raise it);
* the count the caller knows, when there is one (``expected_total``: e.g. the v2 account total bounds
  a walk of the grants; a walk that brings more than twice that many distinct items plus a page is not
  the list it was taken for);
* the ids seen so far: a non-empty page that brings no new id (the server ignores the offset, or a
  cursor rotates over the same items) ends the walk with ``pagination_loop``.

Every refusal is a :class:`NylasContractError` naming the endpoint, the status and request id of the
page that broke the bound, and the field (``offset`` / ``next_page_number`` / the id field).
"""

from __future__ import annotations

import json

from ansible_collections.nylas.migration.plugins.module_utils.nylas_contract import contract_error

#: Default of the shared ``max_pages`` option: pages one walk may read before it is refused.
DEFAULT_MAX_PAGES = 10000


def check_max_pages(value):
    """Return ``value`` when it is a usable page cap (an int >= 1); raise ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("max_pages must be an integer >= 1")
    return value


class PageGuard:
    """The bound of one walk; call :meth:`page` once per page received.

    Args:
        max_pages: the page cap (``max_pages`` option).
        expected_total: how many items the list is known to hold at most, or None.
        page_size: the page size asked for (bounds the slack of ``expected_total``).
        cursor_field: the name of the paging field, for messages (``offset``, ``next_page_number``).
        id_field: the item field that identifies an item (``id``, ``provider``, ``v2_resource_id``).
    """

    def __init__(self, max_pages=DEFAULT_MAX_PAGES, expected_total=None, page_size=None, cursor_field="offset",
                 id_field="id"):
        self.max_pages = check_max_pages(max_pages)
        self.expected_total = expected_total
        self.page_size = page_size
        self.cursor_field = cursor_field
        self.id_field = id_field
        self.pages = 0
        self.seen = set()

    def item_bound(self):
        """The most distinct items the walk accepts (None: no count is known)."""
        if self.expected_total is None:
            return None
        return 2 * self.expected_total + (self.page_size or 0)

    def page(self, answer, items):
        """Account for one page (its :class:`nylas_contract.Answer` and its items); raise when the walk must end.

        An item without the id field is identified by its whole JSON text (the contract check before
        refuses such items for the lists the decisions use).

        Raises:
            NylasContractError: ``pagination_bound`` past ``max_pages`` pages or past the item bound,
                ``pagination_loop`` when a non-empty page brings no new id.
        """
        self.pages += 1
        if self.pages > self.max_pages:
            raise contract_error(
                answer, self.cursor_field,
                "goes on after %d pages: the walk stops here (raise max_pages if the list is really that long)"
                % self.max_pages, error_type="pagination_bound")
        new = 0
        for item in items:
            key = item.get(self.id_field) if isinstance(item, dict) else None
            if key is None or isinstance(key, (dict, list)):
                key = ("item", json.dumps(item, sort_keys=True, default=str))
            if key not in self.seen:
                self.seen.add(key)
                new += 1
        if items and not new:
            raise contract_error(
                answer, self.cursor_field,
                "brings a page of %d items already seen (page %d): the server repeats the list, the walk "
                "stops here" % (len(items), self.pages), error_type="pagination_loop")
        bound = self.item_bound()
        if bound is not None and len(self.seen) > bound:
            raise contract_error(
                answer, self.cursor_field,
                "brings %d distinct items, more than the %d this list can hold (%d known): the walk stops here"
                % (len(self.seen), bound, self.expected_total), error_type="pagination_bound")
        return new


def next_cursor_problem(requested, next_page):
    """Why a ``next_page_number`` cannot continue a walk from page ``requested``, or None (pure).

    ``next_page`` absent/None ends the walk; otherwise it must be an integer greater than ``requested``
    (an equal or smaller one would read a page again: a repeated or rotating cursor).
    """
    if next_page is None:
        return None
    if isinstance(next_page, bool) or not isinstance(next_page, int):
        return "must be an integer or absent"
    if next_page <= requested:
        return "is %d after page %d: the cursor does not advance" % (next_page, requested)
    return None


__all__ = ["DEFAULT_MAX_PAGES", "PageGuard", "check_max_pages", "next_cursor_problem"]
