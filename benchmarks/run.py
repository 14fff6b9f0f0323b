# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: migrate N accounts per application with the real ``nylas_grant_clone`` module.

What ``make benchmark`` runs (about a minute). One simulator (free loopback port, the real rate
limits: 20 requests/s per application on the migration tools, 50 elsewhere), a generated seed with
8 linked application pairs of ``--accounts`` v2 accounts each, so that every scenario starts from
fresh applications:

1. ``naive, 1 app``: the baseline, what a shell script with curl would do: a sequential loop of single
   ``requests.post`` clone calls (a new connection each), no limiter; on a 429 it sleeps the
   ``Retry-After`` seconds and sends the same call again.
2. ``module, 1 app``: ``nylas_grant_clone`` with every account id, ``concurrency`` 4 (its default), run
   in a subprocess as Ansible runs a module (``tests/integration/module_runner.py``).
3. ``naive, 3 apps``: three baseline loops at once, one per application.
4. ``module, 3 apps``: three module processes at once, one per application.
5. ``uri loop, 1 app``: what an Ansible user writes without the collection: ``ansible-playbook`` with
   one ``ansible.builtin.uri`` task looping over the account ids, ``until`` the status is not 429
   (``retries``/``delay`` 1 s), on the same simulator in the same run (skip it with ``--no-uri``).

Per scenario it prints: accounts/s; the ratio to the physical floor (N / 20 s per application, the
applications being limited independently: ratio = floor time / actual time, 1.0 = at the limit);
the module's ratio to the naive baseline of the same number of applications (naive time / module
time); the 429s and the clone requests the simulator logged (``/_sim/requests``); and the duplicates
check (grants per account id, read back with ``GET /v3/grants``). Wall times include the module's
process start; the ``clone window`` (first to last clone request seen by the simulator) leaves it out.

No assertion on time: it prints figures (see benchmarks/README.md for how to read them).

    .venv/bin/python benchmarks/run.py [--accounts 200] [--concurrency 4] [--apps 3] [--latency-ms 0] [--rate-limit R]
"""

import argparse
import collections
import fnmatch
import json
import os
import shutil
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
from tests.integration.module_runner import run_module  # noqa: E402

MIGRATION_LIMIT = 20  # requests/s per application on /v3/migration-tools/*, as documented
DEFAULT_LIMIT = 50
CLONE_GLOB = "/v3/migration-tools/grants/*/clone"
REQUEST_TIMEOUT = 10
NAIVE_MAX_ATTEMPTS = 50  # per account: the baseline loop gives up on an account after this many 429s


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--accounts", type=int, default=200, help="accounts per application (default 200)")
    parser.add_argument("--concurrency", type=int, default=4, help="module concurrency (default 4)")
    parser.add_argument("--apps", type=int, default=3, help="applications of the parallel scenarios (default 3)")
    parser.add_argument("--rate-limit", type=float, default=None,
                        help="the module's rate_limit option (default: not set, the module's own default of 20)")
    parser.add_argument("--latency-ms", type=float, default=0.0,
                        help="server-side latency added to every clone request with a simulator fault rule, "
                             "to stand for the network round trip to Nylas (default 0: plain loopback)")
    parser.add_argument("--no-uri", action="store_true", help="leave out the ansible.builtin.uri loop baseline")
    args = parser.parse_args(argv)
    if not 1 <= args.accounts <= 5000 or not 1 <= args.concurrency <= 32 or not 2 <= args.apps <= 6:
        parser.error("--accounts in [1, 5000], --concurrency in [1, 32], --apps in [2, 6]")
    if not 0 <= args.latency_ms <= 2000:
        parser.error("--latency-ms in [0, 2000]")
    return args


# --------------------------------------------------------------------------- #
# seed and simulator reads
# --------------------------------------------------------------------------- #

def identities(count):
    """``[(application_id, api_key, v2 client id, v2 secret)]`` (fake simulator keys)."""
    return [(f"app-bench-{i}", f"nyk_sim_bench_{i}_NOT_A_REAL_KEY", f"v2-bench-{i}", f"sim-v2-secret-bench-{i}-NOT-REAL")
            for i in range(1, count + 1)]


def write_seed(path, count, accounts):
    """A seed (simulator/README.md, "Seed format") of ``count`` pre-linked pairs in region us.

    The provider mix gives valid grants and placeholders (password Exchange, invalid sync state) but
    no failure, so every account ends with exactly one grant.
    """
    ids = identities(count)
    mix = [{"provider": "gmail", "authentication_type": "oauth", "weight": 50},
           {"provider": "graph", "authentication_type": "oauth", "weight": 20},
           {"provider": "imap", "authentication_type": "password", "weight": 10},
           {"provider": "icloud", "authentication_type": "password", "weight": 5},
           {"provider": "exchange", "authentication_type": "password", "weight": 10},
           {"provider": "ews", "authentication_type": "password", "weight": 5}]
    seed = {
        "v2_applications": [{"client_id": v2, "client_secret": secret, "region": "us",
                             "accounts": {"count": accounts, "seed": 1000 + i, "invalid_sync_ratio": 0.02, "mix": mix}}
                            for i, (_app, _key, v2, secret) in enumerate(ids, 1)],
        "v3_applications": [{"application_id": app, "api_key": key, "region": "us", "v2_application_id": v2}
                            for app, key, v2, _secret in ids],
    }
    Path(path).write_text(yaml.safe_dump(seed, sort_keys=False), encoding="utf-8")
    return ids


def account_ids(sim, v2_id, secret, count):
    """The v2 account ids of one application (v2 reads, paged)."""
    out = []
    for offset in range(0, count, 1000):
        resp = requests.get(f"{sim.url}/a/{v2_id}/accounts", params={"offset": offset, "limit": 1000},
                            auth=(secret, ""), timeout=REQUEST_TIMEOUT)
        resp.raise_for_status()
        out.extend(a["id"] for a in resp.json())
    return out


def grants_by_account(sim, key, limit_pages=100):
    """``Counter(account_id -> grants)`` of one application, read with ``GET /v3/grants`` (bounded paging)."""
    counts = collections.Counter()
    for page in range(limit_pages):
        resp = None
        for _attempt in range(10):
            resp = requests.get(f"{sim.url}/v3/grants", params={"limit": 200, "offset": page * 200},
                                headers={"Authorization": f"Bearer {key}"}, timeout=REQUEST_TIMEOUT)
            if resp.status_code != 429:
                break
            time.sleep(int(resp.headers.get("Retry-After", "1")))
        resp.raise_for_status()
        data = resp.json()["data"]
        counts.update(g.get("account_id") for g in data)
        if len(data) < 200:
            break
    return counts


# --------------------------------------------------------------------------- #
# the two ways of migrating
# --------------------------------------------------------------------------- #

def naive_loop(url, key, accounts, deadline):
    """The baseline: one ``requests.post`` per account, in order; on 429 sleep ``Retry-After`` and resend."""
    outcome = collections.Counter()
    for account_id in accounts:
        for _attempt in range(NAIVE_MAX_ATTEMPTS):
            if time.monotonic() > deadline:
                outcome["timed out"] += 1
                return outcome
            resp = requests.post(f"{url}/v3/migration-tools/grants/{account_id}/clone",
                                 headers={"Authorization": f"Bearer {key}"}, timeout=REQUEST_TIMEOUT)
            if resp.status_code == 429:
                time.sleep(int(resp.headers.get("Retry-After", "1")))
                continue
            outcome[resp.status_code] += 1
            break
        else:
            outcome["gave up"] += 1
    return outcome


URI_PLAYBOOK = """\
- name: Clone every account, one uri call each (what a user writes without the collection)
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Clone
      ansible.builtin.uri:
        url: "{{ api_uri }}/v3/migration-tools/grants/{{ item }}/clone"
        method: POST
        headers:
          Authorization: "Bearer {{ api_key }}"
        status_code: [200, 201]
      loop: "{{ account_ids }}"
      register: clone
      until: clone.status != 429
      retries: 10
      delay: 1
      no_log: true
"""


def uri_loop(url, key, accounts, workdir):
    """``ansible-playbook`` running the ``ansible.builtin.uri`` loop above; returns ``{"rc": rc}``."""
    playbook = Path(workdir) / "uri_loop.yml"
    playbook.write_text(URI_PLAYBOOK, encoding="utf-8")
    extra = Path(workdir) / "uri_vars.json"
    extra.write_text(json.dumps({"api_uri": url, "api_key": key, "account_ids": accounts}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NYLAS_", "ANSIBLE_"))}
    env.update({"ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0"})
    proc = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "-e", "ansible_python_interpreter=" + sys.executable, "-e", "@" + str(extra),
                           str(playbook)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=3600, check=False)
    return {"rc": proc.returncode}


def module_run(url, key, accounts, concurrency, rate_limit=None):
    """``nylas_grant_clone`` in a subprocess, as Ansible runs it; returns the ``ModuleResult``."""
    args = {"api_key": key, "api_uri": url, "region": "us", "account_ids": accounts,
            "concurrency": concurrency, "timeout": 30}
    if rate_limit is not None:
        args["rate_limit"] = rate_limit
    return run_module("nylas_grant_clone", args, timeout=600)


def in_parallel(jobs):
    """Run the callables at once, one thread each; return ``(results, seconds)`` (all started together)."""
    results = [None] * len(jobs)
    gate = threading.Barrier(len(jobs) + 1)

    def run(i, job):
        gate.wait(timeout=30)
        results[i] = job()

    threads = [threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    gate.wait(timeout=30)
    start = time.monotonic()
    for thread in threads:
        thread.join(900)
    return results, time.monotonic() - start


# --------------------------------------------------------------------------- #
# scenarios
# --------------------------------------------------------------------------- #

Scenario = collections.namedtuple("Scenario", "label kind apps")


def run_scenario(sim, scen, accounts_of, n, concurrency, rate_limit=None, workdir=None):
    """Run one scenario; return its figures (dict)."""
    before = sim.requests_log()
    since = before[-1]["seq"] if before else 0
    if scen.kind == "uri":
        jobs = [lambda a=a: uri_loop(sim.url, a[1], accounts_of[a[0]], workdir) for a in scen.apps]
    elif scen.kind == "naive":
        deadline = time.monotonic() + max(120.0, 10 * n / MIGRATION_LIMIT)
        jobs = [lambda a=a: naive_loop(sim.url, a[1], accounts_of[a[0]], deadline) for a in scen.apps]
    else:
        jobs = [lambda a=a: module_run(sim.url, a[1], accounts_of[a[0]], concurrency, rate_limit)
                for a in scen.apps]
    results, seconds = in_parallel(jobs)
    log = [e for e in sim.requests_log(since=since) if fnmatch.fnmatchcase(e["path"], CLONE_GLOB)]
    app_ids = {a[0] for a in scen.apps}
    log = [e for e in log if e["application_id"] in app_ids]
    windows = []
    for app_id in app_ids:
        times = [e["time"] for e in log if e["application_id"] == app_id]
        windows.append(max(times) - min(times) if times else float("nan"))
    dup = missing = grants = 0
    for app_id, key, _v2, _secret in scen.apps:
        counts = grants_by_account(sim, key)
        grants += sum(counts.values())
        dup += sum(1 for acc, c in counts.items() if c > 1)
        missing += sum(1 for acc in accounts_of[app_id] if counts.get(acc, 0) == 0)
    return {
        "results": results, "seconds": seconds, "window": max(windows),
        "clone_requests": len(log), "r429": sum(1 for e in log if e["status"] == 429),
        "grants": grants, "duplicates": dup, "missing": missing,
    }


def describe_results(scen, results):
    if scen.kind == "uri":
        return "ansible-playbook rc " + ", ".join(str(r["rc"]) for r in results)
    if scen.kind == "naive":
        total = collections.Counter()
        for outcome in results:
            total.update(outcome)
        return "responses " + ", ".join(f"{k}: {v}" for k, v in sorted(total.items(), key=str))
    parts = []
    for res in results:
        summary = (res.result or {}).get("summary") or {}
        parts.append(f"rc {res.rc} created {summary.get('created')} existing {summary.get('existing')} "
                     f"failed {summary.get('failed')} placeholders {summary.get('placeholders')}")
    return "module " + "; ".join(parts)


def main(argv=None):
    args = parse_args(argv)
    n, k = args.accounts, args.apps
    floor = n / MIGRATION_LIMIT
    workdir = Path(tempfile.mkdtemp(prefix="nylas-bench-"))
    try:
        ids = write_seed(workdir / "seed.yaml", 3 + 2 * k, n)
        scenarios = [
            Scenario("naive, 1 app", "naive", ids[0:1]),
            Scenario("module, 1 app", "module", ids[1:2]),
            Scenario(f"naive, {k} apps", "naive", ids[2:2 + k]),
            Scenario(f"module, {k} apps", "module", ids[2 + k:2 + 2 * k]),
        ]
        if not args.no_uri:
            scenarios.append(Scenario("uri loop, 1 app", "uri", ids[2 + 2 * k:3 + 2 * k]))
        module_opts = f"concurrency {args.concurrency}" + (
            f", rate_limit {args.rate_limit:g}" if args.rate_limit is not None else "")
        print(f"benchmark: {n} accounts per application, nylas_grant_clone {module_opts}, "
              f"simulator at the real limits ({MIGRATION_LIMIT} req/s per application on the migration tools); "
              f"physical floor {n}/{MIGRATION_LIMIT} = {floor:.1f} s per application; "
              f"added latency {args.latency_ms:g} ms per clone; {os.cpu_count()} CPUs")
        with SimulatorProcess("us", seed=workdir / "seed.yaml", state=workdir / "state.sqlite",
                              extra_args=("--rate-limit-migration", MIGRATION_LIMIT,
                                          "--rate-limit-default", DEFAULT_LIMIT)) as sim:
            accounts_of = {app: account_ids(sim, v2, secret, n) for app, _key, v2, secret in ids}
            if args.latency_ms:
                sim.add_fault(method="POST", path=CLONE_GLOB, latency_ms=args.latency_ms)
            figures = {}
            for scen in scenarios:
                fig = run_scenario(sim, scen, accounts_of, n, args.concurrency, args.rate_limit, workdir)
                figures[scen.label] = fig
                apps = len(scen.apps)
                versus = ""
                naive = figures.get(scen.label.replace("module", "naive"))
                if scen.kind == "module" and naive:
                    versus = f"; vs naive {naive['seconds'] / fig['seconds']:.2f}x"
                module_1 = figures.get("module, 1 app")
                if scen.kind == "uri" and module_1:
                    versus = f"; the module, 1 app, is {fig['seconds'] / module_1['seconds']:.2f}x faster"
                print(f"[{scen.label}] {apps * n} accounts in {fig['seconds']:.2f} s = "
                      f"{apps * n / fig['seconds']:.1f} accounts/s; floor ratio {floor / fig['seconds']:.2f}"
                      f"{versus}; clone window {fig['window']:.2f} s (floor ratio {floor / fig['window']:.2f}); "
                      f"clone requests {fig['clone_requests']}, 429s {fig['r429']}; grants {fig['grants']} for "
                      f"{apps * n} accounts, duplicates {fig['duplicates']}, missing {fig['missing']}")
                print(f"    {describe_results(scen, fig['results'])}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
