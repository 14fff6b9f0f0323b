# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the main job of nylas.migration on the embedded default: the local Nylas simulators.

Starts a us and an eu simulator on free loopback ports with fresh state, then runs
``playbooks/migrate.yml`` over ``inventories/demo`` three times: the plan (``--check --diff``), the
change, and the re-run (which must report ``changed=0`` for every host). Prints each PLAY RECAP and
where the reports are. The simulators are always stopped, also on failure or Ctrl-C.

Usage: ``make demo`` (or ``.venv/bin/python scripts/demo.py [--pace N] [--keep-state DIR]``).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from simulator.harness import SimulatorProcess  # noqa: E402  (needs the repo root on sys.path)

PASSES = (
    ("plan", ["--check", "--diff"]),
    ("change", []),
    ("re-run", []),
)
RECAP_LINE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


def run_pass(name, extra, sim_urls, run_id, env):
    """Run one pass of migrate.yml; return (exit code, {host: changed count}, recap text)."""
    cmd = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        "-i", os.path.join(REPO, "inventories", "demo"),
        os.path.join(REPO, "playbooks", "migrate.yml"),
        "-e", "sim_us_url=%s" % sim_urls["us"],
        "-e", "sim_eu_url=%s" % sim_urls["eu"],
        "-e", "nylas_run_id=%s-%s" % (run_id, name),
    ] + extra
    print("\n==== %s: %s" % (name, " ".join(cmd[1:])), flush=True)
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    recap, in_recap, changed = [], False, {}
    for line in proc.stdout:
        sys.stdout.write(line)
        if line.startswith("PLAY RECAP"):
            in_recap, recap = True, [line]
            continue
        if in_recap and line.strip():
            recap.append(line)
            match = RECAP_LINE.match(line)
            if match:
                changed[match.group(1)] = int(match.group(3))
    return proc.wait(), changed, "".join(recap)


def main(argv=None):
    """Start both simulators, run the three passes, stop the simulators; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pace", type=float, default=400.0, help="accounts per second a simulated job migrates")
    parser.add_argument("--state-dir", help="keep the simulators' SQLite state here (default: a temporary folder)")
    args = parser.parse_args(argv)

    state_dir = args.state_dir or tempfile.mkdtemp(prefix="nylas-demo-")
    os.makedirs(state_dir, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(REPO, "collections"))
    env.setdefault("ANSIBLE_CONFIG", os.path.join(REPO, "ansible.cfg"))
    env["ANSIBLE_FORCE_COLOR"] = "0"
    run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    sims = {}
    recaps = []
    try:
        for region in ("us", "eu"):
            state = os.path.join(state_dir, "%s.sqlite3" % region)
            for leftover in (state, state + "-wal", state + "-shm"):
                if os.path.exists(leftover):
                    os.remove(leftover)
            sims[region] = SimulatorProcess(region, state=state, job_pace=args.pace).start()
            print("simulator %s: %s" % (region, sims[region].url), flush=True)
        urls = {region: sim.url for region, sim in sims.items()}
        for name, extra in PASSES:
            code, changed, recap = run_pass(name, extra, urls, run_id, env)
            recaps.append((name, recap))
            if code != 0:
                print("\n%s pass failed with exit code %d" % (name, code), file=sys.stderr)
                return code
        rerun_changed = {host: n for host, n in changed.items() if n}
        print("\n==== Summary")
        for name, recap in recaps:
            print("--- %s\n%s" % (name, recap.rstrip()))
        print("\nreport: %s" % os.path.join(REPO, "reports", run_id + "-change", "index.html"))
        if rerun_changed:
            print("re-run was not idempotent: %s" % rerun_changed, file=sys.stderr)
            return 1
        print("re-run: changed=0 on every host")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the simulators", file=sys.stderr)
        return 130
    finally:
        for sim in sims.values():
            sim.stop()


if __name__ == "__main__":
    sys.exit(main())
