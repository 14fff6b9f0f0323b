# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of the token-bucket rate limiter (plugins/module_utils/nylas_ratelimit.py), on a fake clock."""

from __future__ import annotations

import threading

import pytest
import responses

from ansible_collections.nylas.migration.plugins.module_utils.nylas_ratelimit import (
    DEFAULT_RATE_LIMIT,
    PACING_HEADROOM,
    RateLimiter,
    bucket_of,
    bucket_rate,
    shared_limiter,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v2 import NylasV2Client
from ansible_collections.nylas.migration.plugins.module_utils.nylas_v3 import NylasV3Client
from ansible_collections.nylas.migration.tests.unit.plugins.module_utils.nylas_http_helpers import (
    API_KEY,
    BASE,
    envelope,
)


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.now += seconds


def test_limiter_rate_with_fake_clock():
    clock = FakeClock()
    limiter = RateLimiter(20, clock=clock, sleep=clock.sleep)
    for dummy in range(100):
        limiter.acquire()
    # the first token is free, the other 99 are spaced at 1/20 s
    assert clock.now - 1000.0 == pytest.approx(99 / 20.0)


def test_limiter_refills_and_burst():
    clock = FakeClock()
    limiter = RateLimiter(10, burst=3, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire() for dummy in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire() == pytest.approx(0.1)
    clock.now += 10  # idle: the bucket refills to burst, not beyond
    assert [limiter.acquire() for dummy in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire() > 0


def test_limiter_unlimited():
    clock = FakeClock()
    for rate in (0, None):
        limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep)
        assert all(limiter.acquire() == 0.0 for dummy in range(1000))
    assert clock.now == 1000.0


def test_limiter_thread_safety_counts_slots():
    """N threads x M acquires on a frozen clock: every caller gets its own slot, none is handed out twice."""
    clock = FakeClock()
    waits = []
    lock = threading.Lock()

    def record(seconds):
        with lock:
            waits.append(seconds)

    limiter = RateLimiter(20, clock=clock, sleep=record)
    n_threads, per_thread = 8, 50
    barrier = threading.Barrier(n_threads)

    def worker():
        barrier.wait()
        for dummy in range(per_thread):
            limiter.acquire()

    threads = [threading.Thread(target=worker) for dummy in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = n_threads * per_thread
    assert len(waits) == total - 1  # the burst token needs no wait
    assert sorted(round(w * 20) for w in waits) == list(range(1, total))
    assert max(waits) == pytest.approx((total - 1) / 20.0)  # total time on the fake clock


def test_shared_limiter_per_key():
    a = shared_limiter("k1", 20)
    assert shared_limiter("k1", 20) is a
    assert shared_limiter("k2", 20) is not a
    assert shared_limiter("k1", 50).rate == 20.0  # the lower rate wins
    assert shared_limiter("k1", 5).rate == 5.0


def test_clients_share_limiter_and_use_injected_sleep(rsps, sleep):
    c1 = NylasV3Client(API_KEY, sleep=sleep)
    c2 = NylasV3Client(API_KEY, sleep=sleep)
    c3 = NylasV3Client("other-key", sleep=sleep)
    assert c1.limiter is c2.limiter and c1.limiter is not c3.limiter
    assert c1.limiter.rate == pytest.approx(DEFAULT_RATE_LIMIT * PACING_HEADROOM)  # paced just under the limit
    assert NylasV3Client(API_KEY, rate_limit=0, sleep=sleep).limiter is None
    rsps.add(responses.GET, BASE + "/v3/applications", json=envelope({}))
    for dummy in range(5):
        c1.get_application()
    assert len(sleep.calls) >= 3  # paced through the injected sleep, never really slept
    assert all(0 < s <= 5 / DEFAULT_RATE_LIMIT + 0.01 for s in sleep.calls)


@pytest.mark.parametrize("path,bucket", [
    ("/v3/migration-tools/grants/a/clone", "migration-tools"),
    ("v3/migration-tools/jobs?status=running", "migration-tools"),
    ("/v3/grants", "other"),
    ("/v3/applications", "other"),
    ("/v3/migration-toolsX", "other"),
    ("/a/v2-app/accounts", "other"),
])
def test_bucket_of(path, bucket):
    assert bucket_of(path) == bucket


def test_bucket_rate_scales_the_other_paths():
    assert bucket_rate("migration-tools", 20) == 20.0
    assert bucket_rate("other", 20) == 50.0
    assert bucket_rate("other", 10) == 25.0
    assert bucket_rate("other", 0) == 0.0 and bucket_rate("migration-tools", None) == 0.0
    with pytest.raises(ValueError):
        bucket_rate("v2", 20)


def test_v3_client_paces_grants_and_clones_in_separate_buckets(sleep):
    client = NylasV3Client("bucket-key", sleep=sleep)
    clones = client.limiter_for("/v3/migration-tools/grants/a/clone")
    reads = client.limiter_for("/v3/grants")
    assert clones is client.limiter and reads is not clones
    assert clones.rate == pytest.approx(20 * PACING_HEADROOM)
    assert reads.rate == pytest.approx(50 * PACING_HEADROOM)
    assert client.limiter_for("/v3/applications") is reads


def test_v2_client_keeps_one_bucket(sleep):
    v2 = NylasV2Client("v2-bucket", "secret-bucket", sleep=sleep)
    assert v2.limiter_for("/a/v2-bucket/accounts") is v2.limiter
