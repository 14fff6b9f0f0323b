# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Fixtures of the HTTP-layer unit tests: injected sleep, clients with no pacing, mocked HTTP."""

from __future__ import annotations

import pytest
import responses

from ansible_collections.nylas.migration.plugins.module_utils import nylas_ratelimit
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v2 import NylasV2Client
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import NylasV3Client
from ansible_collections.nylas.migration.tests.unit.plugins.module_utils.nylas_http_helpers import (
    API_KEY,
    V2_ID,
    V2_SECRET,
    FakeSleep,
)


@pytest.fixture(autouse=True)
def _fresh_limiters():
    """Every test starts with no process-wide rate limiter."""
    nylas_ratelimit._LIMITERS.clear()
    yield
    nylas_ratelimit._LIMITERS.clear()


@pytest.fixture
def sleep():
    return FakeSleep()


@pytest.fixture
def client(sleep):
    c = NylasV3Client(API_KEY, sleep=sleep, rate_limit=None, max_retries=3)
    c._random = lambda: 0.5
    return c


@pytest.fixture
def v2(sleep):
    return NylasV2Client(V2_ID, V2_SECRET, sleep=sleep, rate_limit=None, max_retries=2)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
