# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: translate v2 ids with the real ``nylas_id_translate`` module against the 20 requests/s ceiling.

What ``make benchmark-translate`` runs (about two minutes). One us simulator (free loopback port, the
real rate limits: 20 requests/s per application on the migration tools), a generated seed with three
linked pairs of ``--accounts`` migrated v2 accounts each (every account has a few objects of every
resource type; ``--big`` accounts per pair have 6,500 messages, three pages). Scenarios:

1. ``1 app``: the module for one pair, in a subprocess as Ansible runs it.
2. ``3 apps``: three module processes at once, one per pair (as Ansible's forks run three hosts).
3. ``resume``: the module for one pair, killed (SIGKILL) after about 40 % of its requests, then run
   again; the resume cost is the pages fetched twice (counted per account, type and page in the
   simulator's request log) and the extra wall time against the uninterrupted run of scenario 1.

Per scenario it prints the translate requests and translations, the requests per second per
application (over the translate window, first to last translate request seen by the simulator, and
over the module's wall time, which includes its start and the grant read), the ratio to the ceiling
(requests/s per application / 20), translations per second and the 429s. No assertion: figures only.

    .venv/bin/python benchmarks/translate.py [--accounts 60] [--big 2] [--concurrency 4]
"""

import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
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
from tests.integration.module_runner import MODULE_PACKAGE, collections_root, run_module  # noqa: E402

CEILING = 20.0  # requests/s per application on /v3/migration-tools/*, as documented
TRANSLATE = "/v3/migration-tools/translate"
APPS = ("a", "b", "c")
COUNTS = {"messages": 40, "threads": 20, "drafts": 3, "events": 15, "calendars": 2, "contacts": 12,
          "contactgroups": 2, "folders": 8}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--accounts", type=int, default=60, help="migrated accounts per pair (default 60)")
    parser.add_argument("--big", type=int, default=2, help="accounts per pair with 6,500 messages (default 2)")
    parser.add_argument("--concurrency", type=int, default=4, help="module concurrency (default 4)")
    return parser.parse_args(argv)


def key(app):
    return "nyk_sim_bench_translate_%s_NOT_A_REAL_KEY" % app


def seed(path, accounts, big):
    mix = [{"provider": "gmail", "authentication_type": "oauth", "weight": 6},
           {"provider": "graph", "authentication_type": "oauth", "weight": 3},
           {"provider": "imap", "authentication_type": "password", "weight": 1}]
    data = {"v2_applications": [], "v3_applications": []}
    for n, app in enumerate(APPS):
        data["v2_applications"].append({
            "client_id": "v2-bench-%s" % app, "client_secret": "sim-v2-secret-bench-%s" % app, "region": "us",
            "accounts": {"count": accounts, "seed": 8000 + n, "invalid_sync_ratio": 0, "mix": mix},
            "objects": {"counts": COUNTS, "accounts": dict((i, {"messages": 6500}) for i in range(big))}})
        data["v3_applications"].append({"application_id": "app-bench-%s" % app, "api_key": key(app), "region": "us",
                                        "v2_application_id": "v2-bench-%s" % app})
    path.write_text(yaml.safe_dump(data))


def migrate(sim, app):
    resp = requests.post(sim.url + "/v3/migration-tools/snapshot-batch-clone", json={},
                         headers={"Authorization": "Bearer %s" % key(app)}, timeout=10)
    resp.raise_for_status()


def module_args(sim, app, dest, concurrency):
    return {"api_key": key(app), "api_uri": sim.url, "region": "us", "dest": str(dest), "concurrency": concurrency,
            "timeout": 30, "max_retries": 5}


def window(entries):
    """Seconds from the first to the last translate request (plus one request slot), and the entries."""
    times = [e["time"] for e in entries]
    return (max(times) - min(times) + 1.0 / CEILING) if times else 0.0


def figures(label, entries, wall, apps, rows):
    translate = [e for e in entries if e["path"] == TRANSLATE]
    ok = [e for e in translate if e["status"] == 200]
    limited = sum(1 for e in translate if e["status"] == 429)
    per_app = collections.defaultdict(list)
    for e in ok:
        per_app[e["application_id"]].append(e)
    rates = [len(v) / window(v) for v in per_app.values() if window(v)]
    rate = sum(rates) / len(rates) if rates else 0.0
    wall_rate = len(ok) / apps / wall if wall else 0.0
    print("%-8s %5d requests %8d translations | per app: %5.2f req/s in the translate window (ratio %.3f), "
          "%5.2f req/s over the module wall time (ratio %.3f) | %7.0f translations/s | 429s: %d | wall %.1f s"
          % (label, len(ok), rows, rate, rate / CEILING, wall_rate, wall_rate / CEILING, rows / wall if wall else 0,
             limited, wall))
    return rate


def run_apps(sim, apps, root, concurrency):
    seq = sim.requests_log()[-1]["seq"] if sim.requests_log() else 0
    results = {}

    def one(app):
        results[app] = run_module("nylas_id_translate", module_args(sim, app, root / app, concurrency))

    threads = [threading.Thread(target=one, args=(app,)) for app in apps]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    for app, res in results.items():
        if res.rc != 0:
            raise SystemExit("module failed for %s: %s" % (app, res.raw[-2000:]))
    rows = sum(sum(res.result["translations"].values()) for res in results.values())
    return sim.requests_log(since=seq), wall, rows, results


def killed_then_resumed(sim, dest, concurrency, total_requests):
    seq = sim.requests_log()[-1]["seq"]
    fd, path = tempfile.mkstemp(prefix="nylas-args-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": module_args(sim, "a", dest, concurrency)}, handle)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NYLAS_")}
    env["PYTHONPATH"] = collections_root()
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "%s.nylas_id_translate" % MODULE_PACKAGE, path], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    target = int(total_requests * 0.4)
    sim.wait_for(lambda: sum(1 for e in sim.requests_log(since=seq) if e["path"] == TRANSLATE) >= target
                 or proc.poll() is not None, timeout=600, interval=0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    os.unlink(path)
    time.sleep(0.3)
    before = sum(1 for e in sim.requests_log(since=seq) if e["path"] == TRANSLATE and e["status"] == 200)
    res = run_module("nylas_id_translate", module_args(sim, "a", dest, concurrency))
    wall = time.monotonic() - start
    if res.rc != 0:
        raise SystemExit("resumed module failed: %s" % res.raw[-2000:])
    asked = collections.Counter((e["detail"]["v2_account_id"], e["detail"]["resource_type"], e["detail"]["page"])
                                for e in sim.requests_log(since=seq) if e["path"] == TRANSLATE and e["status"] == 200)
    twice = sum(1 for n in asked.values() if n > 1)
    pairs = len(set((a, t) for (a, t, _p), n in asked.items() if n > 1))
    return before, res.result["requests"], twice, pairs, wall, res


def main(argv=None):
    opts = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="nylas-bench-translate-"))
    try:
        seed_path = tmp / "seed.yaml"
        seed(seed_path, opts.accounts, opts.big)
        with SimulatorProcess("us", seed=seed_path, state=tmp / "state.sqlite", job_pace=5000) as sim:
            for app in APPS:
                migrate(sim, app)
            sim.wait_for(lambda: not {"pending", "running"} & set(sim.state()["jobs"]["by_status"]), timeout=60)
            print("nylas_id_translate: %d accounts per pair (%d with 6,500 messages), 8 resource types, "
                  "concurrency %d, ceiling %d requests/s per application" % (opts.accounts, opts.big,
                                                                             opts.concurrency, CEILING))
            entries, wall1, rows, res1 = run_apps(sim, ["a"], tmp / "one", opts.concurrency)
            rate1 = figures("1 app", entries, wall1, 1, rows)
            entries, wall3, rows, _res3 = run_apps(sim, list(APPS), tmp / "three", opts.concurrency)
            rate3 = figures("3 apps", entries, wall3, 3, rows)
            total = res1["a"].result["requests"]
            before, after, twice, pairs, wall, res = killed_then_resumed(sim, tmp / "resume", opts.concurrency, total)
            same = all(
                (tmp / "resume" / name).read_text() == (tmp / "one" / "a" / name).read_text()
                for name in os.listdir(tmp / "one" / "a") if name.endswith(".csv"))
            print("resume   killed after %d of %d requests; the re-run sent %d: %d page(s) fetched twice "
                  "(%d account/type pair(s)), %d extra request(s); wall %.1f s vs %.1f s uninterrupted; "
                  "files identical to the uninterrupted run: %s"
                  % (before, total, after, twice, pairs, before + after - total, wall, wall1, same))
            print("summary  1 app: %.3f of the ceiling; 3 apps: %.3f of 3 x 20 requests/s"
                  % (rate1 / CEILING, rate3 / CEILING))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
