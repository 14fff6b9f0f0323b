# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared documentation of the nylas.migration connection and authentication options."""

from __future__ import annotations


class ModuleDocFragment:
    """Doc fragments: C(nylas.migration.nylas) (options) and C(nylas.migration.nylas.attributes)."""

    # The connection and authentication options every module takes (nylas_argument_spec()).
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - The Nylas v3 API key of the destination (v3) application.
      - The API key identifies the v3 application; no application id is sent.
      - If not set, the value of the E(NYLAS_API_KEY) environment variable is used.
    type: str
    required: true
  region:
    description:
      - The Nylas data center region of the v3 application (and of its v2 application).
      - Picks the v3 and v2 base URLs; a v2 application can only be linked to a v3 application of the same region.
      - If not set, the value of the E(NYLAS_REGION) environment variable is used.
    type: str
    choices: [us, eu]
    default: us
  api_uri:
    description:
      - Overrides the v3 base URL, for example a proxy or the local simulator.
      - Plain C(http://) is refused unless the host is a loopback address.
      - A URL pointing at the Nylas host of the other region is refused.
      - If not set, the value of the E(NYLAS_API_URI) environment variable is used.
    type: str
  v2_client_id:
    description:
      - The client id of the v2 application.
      - Used to link the applications, and for the optional v2 reads that make planning more precise.
      - If not set, the value of the E(NYLAS_V2_CLIENT_ID) environment variable is used.
    type: str
  v2_client_secret:
    description:
      - The client secret of the v2 application.
      - If not set, the value of the E(NYLAS_V2_CLIENT_SECRET) environment variable is used.
    type: str
  v2_api_uri:
    description:
      - Overrides the v2 base URL, for example a proxy or the local simulator.
      - If not set, the value of the E(NYLAS_V2_API_URI) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to validate the TLS certificates of the API.
      - Only set to V(false) against a test endpoint you trust.
    type: bool
    default: true
  timeout:
    description:
      - Timeout of each HTTP request, in seconds.
    type: int
    default: 30
  max_retries:
    description:
      - How many times a retryable failure (HTTP 429, 502, 503, 504, or a connection error) is retried,
        with exponential back-off and jitter, honouring C(Retry-After).
    type: int
    default: 5
  rate_limit:
    description:
      - The number of requests per second per application the client allows itself.
      - The Nylas migration tools allow 20 requests per second per application.
      - This figure paces the migration tools (C(/v3/migration-tools/*)). Nylas limits the other v3 paths
        (grants, applications, connectors, webhooks) separately, at 50 requests per second, so they are
        paced in a second bucket at 2.5 times this figure, and reading grants never slows the clones down.
        The v2 reads are paced in one bucket at this figure.
      - The client paces itself 5% under this figure, so that network jitter does not push a request
        over the server's one-second window (which would cost a 429 and its C(Retry-After) wait).
      - V(0) disables the client-side limit.
    type: float
    default: 20.0
  settle_time:
    description:
      - How long, in seconds, a write whose outcome is unknown is settled before it may be sent again.
      - A write (link, import, clone, batch clone start, connector, webhook or Pub/Sub channel create)
        whose request may have reached Nylas without an answer (a timeout, a dropped connection, a 5xx
        after the request was sent) is never re-sent blindly. The module re-reads the state (for a
        clone C(GET /v3/grants?account_ids=)) at once, then with back-off (0.5 s, doubling, at most 8 s
        apart), for up to O(settle_time) seconds, and counts the write as made as soon as the state shows it.
      - Only when a re-read after O(settle_time) still does not show the write is it sent once more; by
        then the first request is either done (the re-read would show it) or dead. A re-sent write whose
        outcome is unknown again is settled once more; if the state still does not show it, the outcome is
        reported as unknown (never as failed, which means that Nylas refused the write), and a re-run re-reads
        the state first.
      - Set it above the time Nylas may still take on a request the client gave up on (O(timeout)).
      - V(0) re-reads once and never re-sends.
      - If not set, the value of the E(NYLAS_SETTLE_TIME) environment variable is used.
    type: int
    default: 30
  max_pages:
    description:
      - The most pages one walk of a paged list may read (the grants, the connectors, the v2 accounts, the
        translation pages of one account and type) before the module stops with a clear error.
      - Every walk also ends with an error when a page brings no item it has not seen before (a server that
        ignores the offset or repeats its cursor), and, where the count is known (the v2 account total
        bounds a walk of the grants), when it brings more than twice that many distinct items plus a page.
      - Raise it only for a list that really is that long (10000 pages are 2,000,000 grants).
      - If not set, the value of the E(NYLAS_MAX_PAGES) environment variable is used.
    type: int
    default: 10000
notes:
  - Each answer the modules decide on is first checked for the fields they rely on, as the Nylas contract
    types them (a list envelope whose C(data) is a list, each item with its C(id) or C(account_id), a job
    C(status) in the documented set). An answer that breaks it fails the module with C(error_type) and
    C(field) set, and a message naming the endpoint, the HTTP status and the Nylas request id; nothing is
    written after it. An empty or unreadable success answer to a write is an unknown outcome, settled as
    described under O(settle_time).
  - Proxies are taken from the usual environment variables (E(HTTPS_PROXY), E(NO_PROXY)).
  - All modules of this collection are in the action group C(nylas.migration.nylas), so the connection
    options can be set once with C(module_defaults) and C(group/nylas.migration.nylas).
requirements:
  - requests
"""

    # Attributes shared by every module of the collection.
    # The two flags of the clone endpoints (single and batch), read by Nylas from the query string only.
    CLONE_FLAGS = r"""
options:
  allow_invalid_grant_creation:
    description:
      - Create a placeholder grant (C(grant_status=invalid)) for an account that cannot be cloned,
        instead of failing it; its user must sign in again.
      - Sent in the query string only when set; the API's default (true) applies otherwise.
    type: bool
  clone_exchange:
    description:
      - Create placeholder grants for the Microsoft accounts that cannot be cloned (Exchange ActiveSync,
        password-authenticated or non-Graph accounts), and for C(microsoft) and C(ews) accounts whose v2
        sync state is not C(running); with false they fail. O(allow_invalid_grant_creation) must be
        true as well.
      - Sent in the query string only when set; the API's default (true) applies otherwise.
    type: bool
"""

    ATTRIBUTES = r"""
attributes:
  action_group:
    description: Use C(group/nylas.migration.nylas) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - nylas.migration.nylas
"""
