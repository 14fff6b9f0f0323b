# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""HTTP layer of the ``nylas.migration`` collection: the names callers import, in one place.

This module only re-exports; the code lives by concern in:

* ``nylas_v3`` -- :class:`NylasV3Client`, the v3 endpoints (Bearer API key, JSON envelopes).
* ``nylas_v2`` -- :class:`NylasV2Client`, the read-only v2 calls (HTTP Basic, bare JSON).
* ``nylas_http`` -- the shared request core (retries, pacing, check-mode refusal, response parsing,
  paging, secret redaction); the only module that sends with ``requests``.
* ``nylas_retry`` -- the retry policy as data, ``should_retry``, the transport-error classifier,
  ``Retry-After`` parsing and back-off.
* ``nylas_ratelimit`` -- the per-application token bucket shared by every client of a process.
* ``nylas_checks`` -- credential and URL checks (``build_basic_v2``, ``resolve_base_url``, regions).
* ``nylas_version`` -- ``COLLECTION_VERSION``; ``nylas_errors`` -- the exceptions.

No Ansible glue here (the ``nylas_module`` wrapper turns :class:`NylasError` into ``fail_json``), no
planning.
"""

from __future__ import annotations

from ansible_collections.nylas.migration.plugins.module_utils.nylas_checks import (
    REGIONS,
    build_basic_v2,
    resolve_base_url,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import (
    NylasAPIError,
    NylasCheckModeError,
    NylasConfigError,
    NylasContractError,
    NylasError,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.nylas.migration.plugins.module_utils.nylas_ratelimit import (
    DEFAULT_RATE_LIMIT,
    PACING_HEADROOM,
    RateLimiter,
    shared_limiter,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_retry import backoff_delay, parse_retry_after
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v2 import NylasV2Client
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import NylasV3Client
from ansible_collections.nylas.migration.plugins.module_utils.nylas_version import COLLECTION_VERSION

__all__ = [
    "PACING_HEADROOM",
    "COLLECTION_VERSION",
    "DEFAULT_RATE_LIMIT",
    "HAS_REQUESTS",
    "REGIONS",
    "REQUESTS_IMPORT_ERROR",
    "NylasAPIError",
    "NylasCheckModeError",
    "NylasConfigError",
    "NylasContractError",
    "NylasError",
    "NylasV2Client",
    "NylasV3Client",
    "RateLimiter",
    "backoff_delay",
    "build_basic_v2",
    "parse_retry_after",
    "resolve_base_url",
    "shared_limiter",
]
