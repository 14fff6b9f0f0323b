# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of plugins/module_utils/nylas_client.py, the facade that re-exports the HTTP layer.

The code it re-exports is tested where it lives: test_nylas_http, test_nylas_retry,
test_nylas_ratelimit, test_nylas_checks, test_nylas_v3, test_nylas_v2, test_nylas_version.
"""

from __future__ import annotations

import importlib

import pytest
import requests

from ansible_collections.nylas.migration.plugins.module_utils import nylas_client as nc
from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import (
    COLLECTION_VERSION,
    DEFAULT_RATE_LIMIT,
    REGIONS,
    NylasAPIError,
    NylasCheckModeError,
    NylasConfigError,
    NylasError,
)
from ansible_collections.nylas.migration.tests.unit.plugins.module_utils.test_nylas_version import galaxy_version

MODULE_UTILS = "ansible_collections.nylas.migration.plugins.module_utils."

#: Where each name the facade exports lives.
HOMES = {
    "PACING_HEADROOM": "nylas_ratelimit",
    "COLLECTION_VERSION": "nylas_version",
    "DEFAULT_RATE_LIMIT": "nylas_ratelimit",
    "HAS_REQUESTS": "nylas_http",
    "REGIONS": "nylas_checks",
    "REQUESTS_IMPORT_ERROR": "nylas_http",
    "NylasAPIError": "nylas_errors",
    "NylasCheckModeError": "nylas_errors",
    "NylasConfigError": "nylas_errors",
    "NylasContractError": "nylas_errors",
    "NylasError": "nylas_errors",
    "NylasV2Client": "nylas_v2",
    "NylasV3Client": "nylas_v3",
    "RateLimiter": "nylas_ratelimit",
    "backoff_delay": "nylas_retry",
    "build_basic_v2": "nylas_checks",
    "parse_retry_after": "nylas_retry",
    "resolve_base_url": "nylas_checks",
    "shared_limiter": "nylas_ratelimit",
}


def test_constants():
    assert COLLECTION_VERSION == galaxy_version()
    assert DEFAULT_RATE_LIMIT == 20.0
    assert REGIONS["eu"]["v2"] == "https://ireland.api.nylas.com"
    assert issubclass(NylasConfigError, ValueError) and issubclass(NylasConfigError, NylasError)
    assert issubclass(NylasAPIError, NylasError) and issubclass(NylasCheckModeError, NylasError)


def test_facade_exports_every_name_from_its_home():
    assert sorted(nc.__all__) == sorted(HOMES)
    for name, home in HOMES.items():
        assert getattr(nc, name) is getattr(importlib.import_module(MODULE_UTILS + home), name), name


@pytest.mark.parametrize("home", sorted(set(HOMES.values()) | {"nylas_client"}))
def test_only_nylas_http_sends_with_requests(home):
    """Only the request core holds the ``requests`` module (nylas_retry imports its exception classes only)."""
    module = importlib.import_module(MODULE_UTILS + home)
    holds = any(value is requests for value in vars(module).values())
    assert holds is (home == "nylas_http")
