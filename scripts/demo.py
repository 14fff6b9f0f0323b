# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the main job of nylas.migration on the embedded default: the local Nylas simulators.

Starts a us and an eu simulator on free loopback ports with fresh state, then runs
``playbooks/migrate.yml`` over ``inventories/demo`` three times: the plan (``--check --diff``), the
change, and the re-run (which must report ``changed=0`` for every host). A local webhook receiver
(``simulator/receiver.py``) is the pairs' webhook endpoint: it answers Nylas's challenge and verifies the
``x-nylas-signature`` of each notification with the secret the collection saved (vault-encrypted, read
with the demo's vault password). Prints each PLAY RECAP, what the receiver verified, and where the
reports are. The simulators and the receiver are always stopped, also on failure or Ctrl-C.

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
from simulator.receiver import WebhookReceiver  # noqa: E402

DEMO_VAULT_PASSWORD = "demo-vault-password-NOT-REAL"  # inventories/demo/group_vars/all.yml (FAKE)

PASSES = (
    ("plan", ["--check", "--diff"]),
    ("change", []),
    ("re-run", []),
)
RECAP_LINE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


def secret_loader(secret_dir):
    """``loader(path)`` for the receiver: the secret the collection saved for ``/nylas/<host>/v3``.

    Reads ``<secret_dir>/<host>-<webhook id>.vault`` (the role's file, ansible-vault encrypted) with the
    demo's vault password, as an operator would configure their endpoint. ``None`` when not saved yet.
    """
    from ansible.parsing.vault import VaultLib, VaultSecret

    vault = VaultLib([("default", VaultSecret(DEMO_VAULT_PASSWORD.encode()))])

    def load(path):
        parts = path.strip("/").split("/")
        if len(parts) < 2 or not os.path.isdir(secret_dir):
            return None
        names = sorted(n for n in os.listdir(secret_dir) if n.startswith(parts[1] + "-") and n.endswith(".vault"))
        if not names:
            return None
        with open(os.path.join(secret_dir, names[-1]), "rb") as handle:
            return vault.decrypt(handle.read()).decode().strip()

    return load


def print_receiver(receiver):
    """Print what the receiver got per path: challenges answered, notifications verified, bad signatures."""
    stats = receiver.stats()
    print("\n==== Webhook receiver %s" % receiver.url)
    for path, row in stats["paths"].items():
        print("%-22s challenges=%d answered=%d deliveries=%d verified=%d test_events=%d bad_signature=%d "
              "unsigned=%d no_secret=%d %s" % (path, row["challenges"], row["challenges_answered"], row["deliveries"],
                                               row["verified"], row["test_event"], row["bad_signature"],
                                               row["unsigned"], row["no_secret"], row["by_trigger"]))
    totals = stats["totals"]
    print("total: challenges answered %d, notifications verified %d and test events (mock-webhook-secret) %d of %d, "
          "bad signatures %d" % (totals["challenges_answered"], totals["verified"], totals["test_event"],
                                 totals["deliveries"], totals["bad_signature"]))
    return totals


def run_pass(name, extra, sim_urls, run_id, env, hook_base, secret_dir):
    """Run one pass of migrate.yml; return (exit code, {host: changed count}, recap text)."""
    cmd = [
        os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
        "-i", os.path.join(REPO, "inventories", "demo"),
        os.path.join(REPO, "playbooks", "migrate.yml"),
        "-e", "sim_us_url=%s" % sim_urls["us"],
        "-e", "sim_eu_url=%s" % sim_urls["eu"],
        "-e", "nylas_run_id=%s-%s" % (run_id, name),
        "-e", "demo_webhook_base=%s" % hook_base,
        "-e", "nylas_webhook_secret_dir=%s" % secret_dir,
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
    secret_dir = os.path.join(state_dir, "webhook-secrets")
    receiver = WebhookReceiver(secret_loader=secret_loader(secret_dir)).start()
    print("webhook receiver: %s" % receiver.url, flush=True)
    try:
        for region in ("us", "eu"):
            state = os.path.join(state_dir, "%s.sqlite3" % region)
            for leftover in (state, state + "-wal", state + "-shm"):
                if os.path.exists(leftover):
                    os.remove(leftover)
            sims[region] = SimulatorProcess(region, state=state, job_pace=args.pace,
                                            allow_loopback_webhooks=True).start()
            print("simulator %s: %s" % (region, sims[region].url), flush=True)
        urls = {region: sim.url for region, sim in sims.items()}
        for name, extra in PASSES:
            code, changed, recap = run_pass(name, extra, urls, run_id, env, receiver.url, secret_dir)
            recaps.append((name, recap))
            if code != 0:
                print("\n%s pass failed with exit code %d" % (name, code), file=sys.stderr)
                return code
        rerun_changed = {host: n for host, n in changed.items() if n}
        for sim in sims.values():
            sim.wait_for(lambda sim=sim: sim.notifications()["idle"], timeout=60)
        totals = print_receiver(receiver)
        print("\n==== Summary")
        for name, recap in recaps:
            print("--- %s\n%s" % (name, recap.rstrip()))
        print("\nreport: %s" % os.path.join(REPO, "reports", run_id + "-change", "index.html"))
        if rerun_changed:
            print("re-run was not idempotent: %s" % rerun_changed, file=sys.stderr)
            return 1
        if totals["bad_signature"] or not totals["verified"]:
            print("the receiver did not verify the notifications: %s" % totals, file=sys.stderr)
            return 1
        print("re-run: changed=0 on every host")
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the simulators", file=sys.stderr)
        return 130
    finally:
        for sim in sims.values():
            sim.stop()
        receiver.stop()


if __name__ == "__main__":
    sys.exit(main())
