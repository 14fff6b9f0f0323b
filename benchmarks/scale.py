# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the migrate playbook over N pairs x M accounts in one command, as users run it.

What ``make benchmark-scale`` runs. Two simulators (us and eu, free loopback ports, the real rate
limits: 20 requests/s per application on the migration tools, 50 elsewhere) with a generated seed of
``--pairs`` application pairs (half us, half eu) of ``--accounts`` v2 accounts each (valid grants and
placeholders, no failure), an inventory of one host per pair, and ``ansible-playbook
playbooks/migrate.yml`` (the role, then the report) run three times:

1. plan: ``--check --diff``;
2. change;
3. no-op re-run.

Per pass it prints the wall time; the requests per pair (GET and writes, from the simulators'
``/_sim/requests``); the read floor per pair (one walk of the v2 accounts at 1,000 per page and one
walk of the grants there at the start of the pass at 200 per page,
:func:`nylas_read_planning.walk_requests`) and the ratio of the GETs to it; the writes (must be 0
in the plan and the re-run); the accounts with two grants (must be 0); and the controller's peak
memory (the summed RSS and PSS of ``ansible-playbook``, its forks and every module process, the async
ones included, sampled every 0.2 s).

Then the forks comparison (``--slow-accounts`` per pair, jobs paced to about ``--slow-seconds``):
the change pass at ``forks`` 5 and at ``forks`` 20 on fresh simulators, and their ratio.

No assertion: it prints figures (benchmarks/README.md says how to read them).

    .venv/bin/python benchmarks/scale.py [--pairs 20] [--accounts 5000] [--pace 5000]
        [--slow-accounts 500] [--slow-seconds 20] [--skip-passes] [--skip-forks]
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

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from simulator.harness import SimulatorProcess  # noqa: E402
from tests.integration.playbooks.playbook_runner import (  # noqa: E402
    ANSIBLE_PLAYBOOK,
    PLAYBOOK,
    ensure_collection_link,
    parse_recap,
    playbook_env,
    v3_grants,
    write_inventory,
)

sys.path.insert(0, str(REPO_ROOT / "plugins" / "module_utils"))
from nylas_read_planning import V2_ACCOUNTS_MAX_PAGE, GRANTS_MAX_PAGE, walk_requests  # noqa: E402  (pure)

MIGRATION_LIMIT = 20
DEFAULT_LIMIT = 50
PASS_TIMEOUT = 900  # seconds one playbook run may take before it is killed
MIX = [{"provider": "gmail", "authentication_type": "oauth", "weight": 50},
       {"provider": "graph", "authentication_type": "oauth", "weight": 20},
       {"provider": "imap", "authentication_type": "password", "weight": 10},
       {"provider": "icloud", "authentication_type": "password", "weight": 5},
       {"provider": "exchange", "authentication_type": "password", "weight": 10},
       {"provider": "ews", "authentication_type": "password", "weight": 5}]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--pairs", type=int, default=20, help="application pairs, half us, half eu (default 20)")
    parser.add_argument("--accounts", type=int, default=5000, help="v2 accounts per pair (default 5000)")
    parser.add_argument("--pace", type=int, default=5000, help="accounts/s of each simulated job (default 5000)")
    parser.add_argument("--forks", type=int, default=None, help="forks of the three passes (default: ansible.cfg)")
    parser.add_argument("--slow-accounts", type=int, default=500, help="accounts per pair of the forks comparison")
    parser.add_argument("--slow-seconds", type=float, default=20.0, help="job length of the forks comparison (s)")
    parser.add_argument("--skip-passes", action="store_true", help="only the forks comparison")
    parser.add_argument("--skip-forks", action="store_true", help="only the three passes")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, inventory, reports)")
    args = parser.parse_args(argv)
    if not 2 <= args.pairs <= 40 or not 1 <= args.accounts <= 10000 or not 1 <= args.slow_accounts <= 5000:
        parser.error("--pairs in [2, 40], --accounts in [1, 10000], --slow-accounts in [1, 5000]")
    if not 1 <= args.slow_seconds <= 120 or not 1 <= args.pace <= 20000:
        parser.error("--slow-seconds in [1, 120], --pace in [1, 20000]")
    return args


# --------------------------------------------------------------------------- #
# seed, inventory, simulators
# --------------------------------------------------------------------------- #

def pairs_of(count):
    """``[(host, region, application_id, api_key, v2 client id, v2 secret)]`` (fake simulator keys)."""
    out = []
    for i in range(1, count + 1):
        region = "us" if i <= (count + 1) // 2 else "eu"
        out.append((f"pair{i:02d}", region, f"app-scale-{i}", f"nyk_sim_scale_{i}_NOT_A_REAL_KEY",
                    f"v2-scale-{i}", f"sim-v2-secret-scale-{i}-NOT-REAL"))
    return out


def write_seed(path, pairs, accounts):
    """A seed of the pairs (not linked: the change pass links and imports them, as users would)."""
    seed = {
        "v2_applications": [{"client_id": v2, "client_secret": secret, "region": region,
                             "application_name": host, "redirect_uris": [f"https://app.example.com/{host}/callback"],
                             "integrations": [{"provider": "imap"}, {"provider": "icloud"}],
                             "accounts": {"count": accounts, "seed": 7000 + i, "invalid_sync_ratio": 0.02,
                                          "mix": MIX}}
                            for i, (host, region, _app, _key, v2, secret) in enumerate(pairs, 1)],
        "v3_applications": [{"application_id": app, "api_key": key, "region": region}
                            for _host, region, app, key, _v2, _secret in pairs],
    }
    Path(path).write_text(yaml.safe_dump(seed, sort_keys=False), encoding="utf-8")


def write_pairs_inventory(directory, pairs, sims):
    """An inventory like the demo's: ``nylas_apps`` > ``us``/``eu``, one host per pair, FAKE keys in host_vars."""
    hosts = collections.defaultdict(list)
    host_vars = {}
    for host, region, _app, key, v2, secret in pairs:
        hosts[region].append(host)
        host_vars[host] = {"nylas_api_key": key, "nylas_v2_client_id": v2, "nylas_v2_client_secret": secret}
    group_vars = {
        "all": {
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            "nylas_batch_clone": True,
            "nylas_batch_clone_wait_timeout": 1200,
            "nylas_batch_clone_poll_interval": 2,
            "nylas_webhooks": [{"webhook_url": "https://hooks.example.com/nylas/{{ inventory_hostname }}/v3",
                                "trigger_types": ["grant.created", "grant.updated", "grant.expired"]}],
        },
    }
    for region, sim in sims.items():
        group_vars[region] = {"nylas_region": region, "nylas_api_uri": sim.url, "nylas_v2_api_uri": sim.url}
    return write_inventory(directory, dict(hosts), host_vars, group_vars)


def start_sims(workdir, seed, pace):
    sims = {}
    for region in ("us", "eu"):
        sim = SimulatorProcess(region, seed=seed, state=workdir / f"{region}.sqlite", job_pace=pace,
                               extra_args=("--rate-limit-migration", MIGRATION_LIMIT,
                                           "--rate-limit-default", DEFAULT_LIMIT))
        sim.start()
        sims[region] = sim
    return sims


def stop_sims(sims):
    for sim in sims.values():
        sim.stop()


# --------------------------------------------------------------------------- #
# a pass: one ansible-playbook run, its requests and the controller's memory
# --------------------------------------------------------------------------- #

RUN_MARK = "SCALE_BENCHMARK_RUN"  # set in the playbook's environment: every process of the run inherits it


def marked_rss_kib(mark):
    """``[RSS, PSS]``: the summed resident and proportional set sizes (KiB) of every process whose
    environment has ``RUN_MARK=mark`` (Linux /proc). RSS counts the pages the forks share in each of
    them (an upper bound); PSS splits each shared page between its processes (the memory really used).

    The environment, not the process tree: the batch clone modules run under Ansible's async wrapper,
    which detaches from ``ansible-playbook`` (new session, re-parented), yet they are the controller's too.
    """
    needle = ("%s=%s" % (RUN_MARK, mark)).encode()
    total = [0, 0]
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if needle not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{entry}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmRSS:"):
                        total[0] += int(line.split()[1])
                        break
            with open(f"/proc/{entry}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        total[1] += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def run_pass(inventory, report_root, run_id, check=False, forks=None, log_path=None):
    """Run the playbook once; return ``(seconds, rc, recap, [peak RSS, peak PSS] in KiB)``."""
    cmd = [str(ANSIBLE_PLAYBOOK), "-i", str(inventory), str(PLAYBOOK),
           "-e", json.dumps({"nylas_report_root": str(report_root), "nylas_run_id": run_id})]
    if check:
        cmd += ["--check", "--diff"]
    if forks:
        cmd += ["--forks", str(forks)]
    peak = [0, 0]
    mark = "%d-%s" % (os.getpid(), run_id)
    start = time.monotonic()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=str(REPO_ROOT), env=playbook_env({RUN_MARK: mark}), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        done = threading.Event()

        def sample():
            while not done.wait(0.2):
                rss, pss = marked_rss_kib(mark)
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            rc = proc.wait(PASS_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait(10)
        finally:
            done.set()
            sampler.join(5)
    seconds = time.monotonic() - start
    return seconds, rc, parse_recap(Path(log_path).read_text()), peak


def requests_by_pair(sims, since, pairs):
    """``{host: Counter(GET=n, write=n)}`` of the requests the simulators logged after ``since``."""
    owner = {}
    for host, _region, app, _key, v2, _secret in pairs:
        owner[app] = owner[v2] = host
    counts = collections.defaultdict(collections.Counter)
    for region, sim in sims.items():
        for entry in sim.requests_log(since=since[region]):
            host = owner.get(entry.get("application_id"))
            if host is None:
                continue
            counts[host]["GET" if entry["method"] == "GET" else "write"] += 1
            path = entry["path"].replace(f"/a/{entry.get('application_id')}", "/a/<client_id>")
            counts[host][(entry["method"], path if "/grants/" not in path else path.rsplit("/", 2)[0] + "/*")] += 1
            if entry.get("status") == 429:
                counts[host]["429"] += 1
    return counts


def log_marks(sims):
    return {region: (sim.requests_log()[-1:] or [{"seq": 0}])[0]["seq"] for region, sim in sims.items()}


def duplicates(sims, pairs):
    """``(accounts with more than one grant, grants)`` over every pair, read with GET /v3/grants."""
    dup = total = 0
    for _host, region, _app, key, _v2, _secret in pairs:
        per_account = collections.Counter(g.get("account_id") for g in v3_grants(sims[region], key))
        total += sum(per_account.values())
        dup += sum(1 for n in per_account.values() if n > 1)
    return dup, total


def print_pass(label, fig, floor, pairs):
    per_pair = fig["requests"]
    hosts = [pair[0] for pair in pairs]
    gets = [per_pair[h]["GET"] for h in hosts]
    writes = sum(per_pair[h]["write"] for h in hosts)
    r429 = sum(per_pair[h]["429"] for h in hosts)
    mean_get = sum(gets) / len(gets)
    failed = sum(r.get("failed", 0) for r in fig["recap"].values())
    print(f"[{label}] {fig['seconds']:.1f} s, rc {fig['rc']}, failed hosts {failed}; GET per pair mean "
          f"{mean_get:.1f} (min {min(gets)}, max {max(gets)}), read floor per pair {floor}, ratio to it "
          f"{mean_get / floor:.2f} (bound 2x + 10 = {2 * floor + 10}); writes {writes} "
          f"({writes / len(pairs):.1f} per pair); 429s {r429}; duplicates {fig['duplicates']} "
          f"(grants {fig['grants']}); controller peak RSS {fig['rss'][0] / 1024:.0f} MiB "
          f"(PSS {fig['rss'][1] / 1024:.0f} MiB)")
    first = per_pair[pairs[0][0]]
    print(f"    {pairs[0][0]}: " + ", ".join(f"{k[0]} {k[1]} {v}" for k, v in sorted(
        ((k, v) for k, v in first.items() if isinstance(k, tuple)), key=lambda kv: -kv[1])))


def three_passes(args, workdir):
    pairs = pairs_of(args.pairs)
    seed = workdir / "seed.yaml"
    write_seed(seed, pairs, args.accounts)
    floor = walk_requests(args.accounts, V2_ACCOUNTS_MAX_PAGE) + walk_requests(args.accounts, GRANTS_MAX_PAGE)
    print(f"scale: {args.pairs} pairs x {args.accounts} accounts = {args.pairs * args.accounts} accounts "
          f"(us + eu), job pace {args.pace} accounts/s, forks {args.forks or 'of ansible.cfg'}, "
          f"{os.cpu_count()} CPUs; read floor per pair {floor} GET once migrated (v2 accounts at 1000 + grants at 200 per page; "
          f"each pass's floor counts the grants there at its start)")
    t0 = time.monotonic()
    sims = start_sims(workdir, seed, args.pace)
    print(f"    simulators seeded in {time.monotonic() - t0:.1f} s")
    try:
        inventory = write_pairs_inventory(workdir / "inventory", pairs, sims)
        figures = {}
        grants_before = 0  # per pair, at the start of the pass: the plan reads an empty grant list
        for label, check in (("plan --check --diff", True), ("change", False), ("no-op re-run", False)):
            since = log_marks(sims)
            seconds, rc, recap, rss = run_pass(inventory, workdir / "reports", label.split()[0] + "-run",
                                               check=check, forks=args.forks,
                                               log_path=workdir / f"{label.split()[0]}.log")
            requests = requests_by_pair(sims, since, pairs)  # before the duplicates check reads the grants
            dup, grants = duplicates(sims, pairs)
            fig = dict(seconds=seconds, rc=rc, recap=recap, rss=rss, requests=requests, duplicates=dup, grants=grants)
            figures[label] = fig
            pass_floor = (walk_requests(args.accounts, V2_ACCOUNTS_MAX_PAGE)
                          + walk_requests(grants_before // len(pairs), GRANTS_MAX_PAGE))
            print_pass(label, fig, pass_floor, pairs)
            if not check:
                grants_before = grants
            if rc != 0:
                print("    the run failed; its last lines:\n" + "\n".join(
                    (workdir / f"{label.split()[0]}.log").read_text().splitlines()[-25:]))
        changed = sum(r.get("changed", 0) for r in figures["no-op re-run"]["recap"].values())
        print(f"    no-op re-run: changed={changed} over {len(pairs)} hosts")
    finally:
        stop_sims(sims)


def forks_comparison(args, workdir):
    pairs = pairs_of(args.pairs)
    seed = workdir / "slow-seed.yaml"
    write_seed(seed, pairs, args.slow_accounts)
    pace = max(1, round(args.slow_accounts / args.slow_seconds))
    print(f"forks: {args.pairs} pairs x {args.slow_accounts} accounts, job pace {pace} accounts/s "
          f"(~{args.slow_accounts / pace:.0f} s jobs), change pass at forks 5 and 20 on fresh simulators")
    results = {}
    for forks in (5, 20):
        run_dir = workdir / f"forks-{forks}"
        run_dir.mkdir()
        sims = start_sims(run_dir, seed, pace)
        try:
            inventory = write_pairs_inventory(run_dir / "inventory", pairs, sims)
            seconds, rc, recap, rss = run_pass(inventory, run_dir / "reports", f"forks-{forks}", forks=forks,
                                               log_path=run_dir / "run.log")
            dup, grants = duplicates(sims, pairs)
        finally:
            stop_sims(sims)
        results[forks] = seconds
        failed = sum(r.get("failed", 0) for r in recap.values())
        print(f"[forks {forks}] {seconds:.1f} s, rc {rc}, failed hosts {failed}, duplicates {dup} "
              f"(grants {grants}), controller peak RSS {rss[0] / 1024:.0f} MiB (PSS {rss[1] / 1024:.0f} MiB)")
    print(f"    forks 5 / forks 20 = {results[5] / results[20]:.2f}")


def main(argv=None):
    args = parse_args(argv)
    ensure_collection_link()
    workdir = Path(tempfile.mkdtemp(prefix="nylas-scale-"))
    try:
        if not args.skip_passes:
            three_passes(args, workdir)
        if not args.skip_forks:
            forks_comparison(args, workdir)
    finally:
        if args.keep:
            print(f"    work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
