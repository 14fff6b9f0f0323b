# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load the simulator with several applications at once and print what it serves.

Starts its own simulator processes (``simulator.harness.SimulatorProcess``, free loopback port, a
generated seed with ``--apps`` v3 applications in region us, written to a temporary file), then
drives them for ``--seconds`` per phase with ``--threads`` client threads per application:

* ``limited`` phases, at the real rate limits (50 requests/s per application on
  ``GET /v3/applications``, 20 on ``GET /v3/migration-tools/jobs``): the clients send as fast as they
  can and never wait, so the figures show the limiter holding each application at its limit while
  the excess is refused with 429;
* ``raw`` phases, rate limits off (``--rate-limit-migration 0 --rate-limit-default 0``): the raw
  capacity of one simulator process on the same two GETs and on the write the benchmark makes,
  ``POST /v3/migration-tools/grants/{account_id}/clone`` of distinct accounts.

It prints, per phase: responses served per second, 2xx per second, per-application 2xx rate against
its limit, 429 counts and latency p50/p95; then the raw clone capacity against the 60 requests/s a
benchmark driving 3 applications at their 20 requests/s limit needs. The client runs on the same
machine as the simulator (2 cores here), so the raw figures are lower bounds of the server's capacity.

Loopback only; every loop is bounded in time (``--seconds``) and in count (``--max-requests``).

    .venv/bin/python benchmarks/simulator_load.py [--seconds 5] [--apps 4] [--threads 4] [--mode all]
"""

import argparse
import base64
import collections
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from simulator.harness import SimulatorProcess  # noqa: E402

MIGRATION_LIMIT = 20
DEFAULT_LIMIT = 50
NEEDED_RAW = 3 * MIGRATION_LIMIT  # 3 applications at their migration-tools limit
REQUEST_TIMEOUT = 10


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each phase (default 5)")
    parser.add_argument("--apps", type=int, default=4, help="v3 applications driven at once (default 4)")
    parser.add_argument("--threads", type=int, default=4, help="client threads per application (default 4)")
    parser.add_argument("--mode", choices=("all", "limited", "raw"), default="all",
                        help="limited: real rate limits; raw: limits off; all: both (default)")
    parser.add_argument("--accounts", type=int, default=1500,
                        help="v2 accounts per application, cloned in the raw clone phase (default 1500)")
    parser.add_argument("--max-requests", type=int, default=200_000,
                        help="upper bound of requests per phase, whatever the time (default 200000)")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 120:
        parser.error("--seconds must be in (0, 120]")
    if not 1 <= args.apps <= 20 or not 1 <= args.threads <= 32:
        parser.error("--apps must be in [1, 20] and --threads in [1, 32]")
    return args


# --------------------------------------------------------------------------- #
# seed
# --------------------------------------------------------------------------- #

def app_identities(count):
    """``[(application_id, api_key, v2 client id, v2 secret)]`` of the generated seed (fake keys)."""
    return [(f"app-load-{i}", f"nyk_sim_load_{i}_NOT_A_REAL_KEY", f"v2-load-{i}", f"sim-v2-secret-load-{i}-NOT-REAL")
            for i in range(1, count + 1)]


def write_seed(path, apps, accounts):
    """Write a seed (simulator/README.md, "Seed format") with ``apps`` pairs in region us."""
    ids = app_identities(apps)
    seed = {
        "v2_applications": [{
            "client_id": v2_id, "client_secret": secret, "region": "us", "application_name": f"Load {i}",
            "accounts": {"count": accounts, "seed": 4242 + i, "invalid_sync_ratio": 0.0,
                         "mix": [{"provider": "gmail", "authentication_type": "oauth", "weight": 1}]},
        } for i, (_app, _key, v2_id, secret) in enumerate(ids, 1)],
        "v3_applications": [{"application_id": app_id, "api_key": key, "region": "us",
                             "branding": {"name": f"Load {i}"}} for i, (app_id, key, _v2, _s) in enumerate(ids, 1)],
    }
    Path(path).write_text(yaml.safe_dump(seed, sort_keys=False), encoding="utf-8")
    return ids


# --------------------------------------------------------------------------- #
# driving
# --------------------------------------------------------------------------- #

class PhaseStats:
    """Responses of one phase, per application."""

    def __init__(self, app_ids):
        self.lock = threading.Lock()
        self.status = {app: collections.Counter() for app in app_ids}
        self.latencies = []
        self.errors = collections.Counter()
        self.elapsed = 0.0

    def add(self, app, status, latency):
        with self.lock:
            self.status[app][status] += 1
            self.latencies.append(latency)

    def error(self, kind):
        with self.lock:
            self.errors[kind] += 1

    def total(self, pred=lambda s: True):
        return sum(n for counter in self.status.values() for s, n in counter.items() if pred(s))

    def percentile(self, q):
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drive(url, apps, threads, seconds, max_requests, request_for):
    """Run ``threads`` threads per application for ``seconds``; return :class:`PhaseStats`.

    ``request_for(app_index)`` returns ``(method, path)`` for the next request of that application,
    or ``None`` when it has nothing left to send.
    """
    stats = PhaseStats([a[0] for a in apps])
    budget = threading.Semaphore(max_requests)
    start_gate = threading.Barrier(len(apps) * threads + 1)
    deadline_box = []

    def worker(index):
        app_id, key = apps[index][0], apps[index][1]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        try:
            start_gate.wait(timeout=30)
            deadline = deadline_box[0]
            while time.monotonic() < deadline and budget.acquire(blocking=False):
                nxt = request_for(index)
                if nxt is None:
                    break
                method, path = nxt
                t0 = time.perf_counter()
                try:
                    resp = session.request(method, url + path, timeout=REQUEST_TIMEOUT)
                except requests.RequestException as exc:
                    stats.error(type(exc).__name__)
                    continue
                stats.add(app_id, resp.status_code, time.perf_counter() - t0)
        finally:
            session.close()

    pool = [threading.Thread(target=worker, args=(i,), daemon=True, name=f"load-{i}-{t}")
            for i in range(len(apps)) for t in range(threads)]
    for thread in pool:
        thread.start()
    deadline_box.append(time.monotonic() + seconds)
    t_start = time.monotonic()
    start_gate.wait(timeout=30)
    for thread in pool:
        thread.join(seconds + REQUEST_TIMEOUT + 5)
    stats.elapsed = time.monotonic() - t_start
    return stats


def report(label, stats, limit=None):
    """Print the figures of one phase."""
    secs = stats.elapsed
    total, ok = stats.total(), stats.total(lambda s: 200 <= s < 300)
    limited = stats.total(lambda s: s == 429)
    other = total - ok - limited
    print(f"[{label}] {total} responses in {secs:.2f} s = {total / secs:.1f} req/s served; "
          f"2xx {ok / secs:.1f}/s; 429 {limited}; other {other}; transport errors {sum(stats.errors.values())}; "
          f"latency p50 {stats.percentile(0.50) * 1000:.1f} ms p95 {stats.percentile(0.95) * 1000:.1f} ms")
    for app_id, counter in stats.status.items():
        app_ok = sum(n for s, n in counter.items() if 200 <= s < 300)
        rate = app_ok / secs
        versus = f" (limit {limit}/s: {rate / limit:.2f} of it)" if limit else ""
        print(f"    {app_id}: 2xx {rate:.1f}/s{versus}, 429 {counter.get(429, 0)}")
    return ok / secs


def simple_get(path):
    return lambda _index: ("GET", path)


def link_all(sim, ids):
    """Link every v3 application to its v2 application (limits are off in the raw phases)."""
    for _app, key, v2_id, secret in ids:
        basic = base64.b64encode(f"{v2_id}:{secret}".encode()).decode()
        resp = requests.post(f"{sim.url}/v3/migration-tools/link-v2v3-apps", timeout=REQUEST_TIMEOUT,
                             headers={"Authorization": f"Bearer {key}", "BasicV2": basic})
        resp.raise_for_status()


def account_queues(sim, ids, accounts):
    """One deque of v2 account ids per application (v2 reads, paged)."""
    queues = []
    for _app, _key, v2_id, secret in ids:
        found = []
        for offset in range(0, accounts, 1000):
            resp = requests.get(f"{sim.url}/a/{v2_id}/accounts", params={"offset": offset, "limit": 1000},
                                auth=(secret, ""), timeout=REQUEST_TIMEOUT)
            resp.raise_for_status()
            found.extend(a["id"] for a in resp.json())
        queues.append(collections.deque(found))
    return queues


def clone_requests(queues):
    lock = threading.Lock()

    def next_request(index):
        with lock:
            if not queues[index]:
                return None
            account_id = queues[index].popleft()
        return "POST", f"/v3/migration-tools/grants/{account_id}/clone"

    return next_request


# --------------------------------------------------------------------------- #
# main
# --------------------------------------------------------------------------- #

def main(argv=None):
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="nylas-load-"))
    try:
        return run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args, workdir):
    """Run the phases of ``args.mode`` with files under ``workdir``."""
    seed = workdir / "seed.yaml"
    ids = write_seed(seed, args.apps, args.accounts)
    print(f"simulator load: {args.apps} applications x {args.threads} threads, {args.seconds:g} s per phase, "
          f"loopback; {os.cpu_count()} CPUs shared by client and simulator; generated seed, region us")
    raw_clone = None
    if args.mode in ("all", "limited"):
        with SimulatorProcess("us", seed=seed, state=workdir / "limited.sqlite",
                              extra_args=("--rate-limit-migration", MIGRATION_LIMIT,
                                          "--rate-limit-default", DEFAULT_LIMIT)) as sim:
            for path, limit in (("/v3/applications", DEFAULT_LIMIT), ("/v3/migration-tools/jobs", MIGRATION_LIMIT)):
                stats = drive(sim.url, ids, args.threads, args.seconds, args.max_requests, simple_get(path))
                report(f"limited {limit}/s GET {path}", stats, limit)
    if args.mode in ("all", "raw"):
        with SimulatorProcess("us", seed=seed, state=workdir / "raw.sqlite",
                              extra_args=("--rate-limit-migration", 0, "--rate-limit-default", 0)) as sim:
            for path in ("/v3/applications", "/v3/migration-tools/jobs"):
                stats = drive(sim.url, ids, args.threads, args.seconds, args.max_requests, simple_get(path))
                report(f"raw, limits off, GET {path}", stats)
            link_all(sim, ids)
            queues = account_queues(sim, ids, args.accounts)
            stats = drive(sim.url, ids, args.threads, args.seconds, args.max_requests, clone_requests(queues))
            raw_clone = report("raw, limits off, POST /v3/migration-tools/grants/{id}/clone (distinct accounts)",
                               stats)
            if not any(queues):
                print("    note: every account was cloned before the time was up; raise --accounts for a "
                      "longer steady state")
            grants = sim.state()["grants"]
            served = stats.total(lambda s: 200 <= s < 300)
            print(f"    grants created: {grants} for {served} 2xx clone responses (one grant per account)")
    if raw_clone is not None:
        print(f"raw clone capacity {raw_clone:.1f} req/s vs {NEEDED_RAW} req/s needed by 3 applications at "
              f"{MIGRATION_LIMIT} req/s: {raw_clone / NEEDED_RAW:.1f}x headroom")
    return 0


if __name__ == "__main__":
    sys.exit(main())
