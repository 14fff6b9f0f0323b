# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the end-to-end tests of ``playbooks/migrate.yml`` (fixtures: ``conftest.py``).

The playbook runs as users run it: ``ansible-playbook`` in a subprocess, over an inventory, against
a ``us`` and an ``eu`` simulator started for the test on free loopback ports with fresh state under
``tmp_path`` (``sim_factory`` of ``tests/conftest.py``).

* ``sim_pair(us_seed=None, eu_seed=None, job_pace=FAST_PACE)`` (fixture): starts the two simulators
  and returns ``{"us": SimulatorProcess, "eu": SimulatorProcess}``.
* ``run_playbook(args, sims, extra_vars=None, check=False, diff=False, limit=None, inventory=None,
  env=None, timeout=...)`` (fixture): runs the playbook and returns a ``PlaybookRun`` (``rc``,
  ``stdout``, ``recap`` = ``{host: {"ok": n, "changed": n, "unreachable": n, "failed": n,
  "skipped": n, "rescued": n, "ignored": n}}``, ``run_id``, ``report_dir``). The simulator URLs,
  ``nylas_report_root`` (under ``tmp_path``) and a fresh ``nylas_run_id`` are always passed.
* Helpers: ``execute_playbook`` (what ``run_playbook`` calls, also for module-scoped fixtures),
  ``playbook_command``, ``playbook_env``, ``parse_recap``, ``writes``, ``last_seq``,
  ``expected_outcome`` (the simulator README's outcome table, written out independently),
  ``v2_accounts``, ``v3_grants`` (read through the API), ``write_seed``, ``mini_demo_seed`` (the demo
  seed with fewer accounts), ``write_inventory``, ``demo_secrets``, ``credential_secrets``,
  ``webhook_secrets`` (read from the simulator's SQLite state file).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from collections import namedtuple
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
PLAYBOOK = REPO_ROOT / "playbooks" / "migrate.yml"
DEMO_INVENTORY = REPO_ROOT / "inventories" / "demo"
COLLECTIONS_ROOT = REPO_ROOT / "collections"
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"

#: Accounts per second of the simulated batch jobs (fast; the tests that need a slow job set it).
FAST_PACE = 5000
#: Seconds one playbook run may take before the test kills it.
PLAYBOOK_TIMEOUT = 240

#: The demo pairs: inventory host -> (region, v3 application id, v2 client id).
DEMO_PAIRS = {
    "acme": ("us", "app-us-acme", "v2-us-acme"),
    "globex": ("us", "app-us-globex", "v2-us-globex"),
    "initech": ("eu", "app-eu-initech", "v2-eu-initech"),
}

#: The FAKE demo credentials (simulator/seeds/demo.yaml, inventories/demo/host_vars).
DEMO_CREDENTIALS = {
    "acme": dict(api_key="nyk_sim_us_acme_DEMO_NOT_A_REAL_KEY", v2_client_id="v2-us-acme",
                 v2_client_secret="sim-v2-secret-us-acme-DEMO"),
    "globex": dict(api_key="nyk_sim_us_globex_DEMO_NOT_A_REAL_KEY", v2_client_id="v2-us-globex",
                   v2_client_secret="sim-v2-secret-us-globex-DEMO"),
    "initech": dict(api_key="nyk_sim_eu_initech_DEMO_NOT_A_REAL_KEY", v2_client_id="v2-eu-initech",
                    v2_client_secret="sim-v2-secret-eu-initech-DEMO"),
}
DEMO_CONNECTOR_SECRET = "demo-azure-secret-NOT-REAL"
DEMO_VAULT_PASSWORD = "demo-vault-password-NOT-REAL"

PlaybookRun = namedtuple("PlaybookRun", ["rc", "stdout", "recap", "run_id", "report_dir"])

RECAP_LINE = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")

_RUN_COUNTER = itertools.count(1)


# --------------------------------------------------------------------------------------- helpers
def parse_recap(stdout):
    """Return ``{host: {ok, changed, unreachable, failed, skipped, rescued, ignored}}`` of the last PLAY RECAP."""
    lines = stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("PLAY RECAP")]
    if not starts:
        return {}
    recap = {}
    for line in lines[starts[-1] + 1:]:
        match = RECAP_LINE.match(line.strip())
        if not match:
            if line.strip():
                break
            continue
        recap[match.group("host")] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group("counts"))}
    return recap


def playbook_env(env=None):
    """The environment of an ``ansible-playbook`` run: no ``NYLAS_*`` of the caller, the collection from the checkout."""
    child = {k: v for k, v in os.environ.items() if not k.startswith(("NYLAS_", "ANSIBLE_"))}
    child.update({
        "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_ROOT),
        "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "PYTHONUNBUFFERED": "1",
    })
    child.update(env or {})
    return child


def ensure_collection_link():
    """Make ``collections/ansible_collections/nylas/migration`` point at the checkout (``make collection-link``)."""
    link = COLLECTIONS_ROOT / "ansible_collections" / "nylas" / "migration"
    if link.exists() and link.resolve() == REPO_ROOT:
        return
    if link.exists() and not link.is_symlink():
        raise RuntimeError("%s is not the checkout: remove it or run `make collection-link`" % link)
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink():
        link.unlink()
    link.symlink_to(Path("..") / ".." / "..")


def sim_vars(sims):
    """The extra vars that point the demo inventory at the simulators."""
    return {"sim_%s_url" % region: sim.url for region, sim in sims.items() if sim is not None}


def playbook_command(args=(), extra_vars=None, check=False, diff=False, limit=None, inventory=None):
    """Return the ``ansible-playbook`` command line."""
    cmd = [str(ANSIBLE_PLAYBOOK), "-i", str(inventory or DEMO_INVENTORY), str(PLAYBOOK)]
    if extra_vars:
        cmd += ["-e", json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if limit:
        cmd += ["--limit", limit]
    return cmd + list(args)


def kill_process_group(proc):
    """SIGKILL a process started with ``start_new_session=True`` and its children."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


def last_seq(sim):
    """The ``seq`` of the simulator's last logged request (0 when none)."""
    entries = sim.requests_log()
    return entries[-1]["seq"] if entries else 0


def writes(sim, since=None):
    """``(method, path, status)`` of every non-GET request the simulator logged (after ``since``)."""
    return [(e["method"], e["path"], e["status"]) for e in sim.requests_log(since=since)
            if e["method"] not in ("GET", "HEAD", "OPTIONS")]


def _get(url, headers):
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback simulator
        return json.loads(resp.read())


def v2_accounts(sim, client_id, client_secret):
    """Every v2 account of ``client_id`` (v2 API: Basic auth, user = the client secret)."""
    auth = "Basic " + base64.b64encode(("%s:" % client_secret).encode()).decode()
    accounts, offset = [], 0
    while True:
        page = _get("%s/a/%s/accounts?offset=%d&limit=100" % (sim.url, client_id, offset), {"Authorization": auth})
        accounts += page
        if len(page) < 100:
            return accounts
        offset += len(page)


def v3_grants(sim, api_key):
    """Every v3 grant of the application of ``api_key`` (``GET /v3/grants``, pages of 200)."""
    grants, offset = [], 0
    while True:
        page = _get("%s/v3/grants?limit=200&offset=%d" % (sim.url, offset),
                    {"Authorization": "Bearer " + api_key})["data"]
        grants += page
        if len(page) < 200:
            return grants
        offset += len(page)


V3_PROVIDER = {
    "gmail": "google", "graph": "microsoft", "office365": "microsoft", "outlook": "microsoft",
    "hotmail": "microsoft", "exchange": "microsoft", "eas": "microsoft", "imap": "imap", "yahoo": "imap",
    "aol": "imap", "icloud": "icloud", "ews": "ews", "nylas": "virtual-calendar",
}


def expected_outcome(account, allow_invalid=True, clone_exchange=True):
    """The clone outcome of a v2 account (``valid``, ``placeholder`` or ``failed``): the outcome table
    of ``simulator/README.md``, first matching row wins, written out here independently of the simulator."""
    provider = account["provider"]
    if provider not in V3_PROVIDER or account.get("billing_state") == "deleted":
        return "failed"
    v3 = V3_PROVIDER[provider]
    token_microsoft = provider in ("graph", "office365") and account.get("authentication_type") == "oauth"
    if (v3 != "microsoft" or token_microsoft) and account.get("sync_state", "running") == "running":
        return "valid"
    if allow_invalid and (clone_exchange or v3 not in ("microsoft", "ews")):
        return "placeholder"
    return "failed"


def write_seed(path, v2_applications, v3_applications):
    """Write a simulator seed file and return its path."""
    path = Path(path)
    path.write_text(yaml.safe_dump({"v2_applications": v2_applications, "v3_applications": v3_applications},
                                   sort_keys=False))
    return path


def mini_demo_seed(path, counts=None, **v2_overrides):
    """Write the demo seed with fewer generated accounts and return its path.

    Same applications, identities, integrations and generator seeds as ``simulator/seeds/demo.yaml``
    (so the demo inventory and its pilot account ids work), only ``accounts.count`` is smaller:
    ``counts`` maps a v2 client id to its count (default 60 / 30 / 60). ``v2_overrides`` maps a v2
    client id to keys replaced in its entry.
    """
    seed = yaml.safe_load((REPO_ROOT / "simulator" / "seeds" / "demo.yaml").read_text())
    counts = dict({"v2-us-acme": 60, "v2-us-globex": 30, "v2-eu-initech": 60}, **(counts or {}))
    for app in seed["v2_applications"]:
        if isinstance(app.get("accounts"), dict) and app["client_id"] in counts:
            app["accounts"]["count"] = counts[app["client_id"]]
        app.update(v2_overrides.get(app["client_id"], {}))
    return write_seed(path, seed["v2_applications"], seed["v3_applications"])


def write_inventory(directory, hosts_by_group, host_vars, group_vars=None):
    """Write a YAML inventory (``hosts.yml`` with ``nylas_apps`` > region groups, ``host_vars/``, ``group_vars/``)."""
    directory = Path(directory)
    (directory / "host_vars").mkdir(parents=True, exist_ok=True)
    (directory / "group_vars").mkdir(parents=True, exist_ok=True)
    children = {group: {"hosts": {host: {} for host in hosts}} for group, hosts in hosts_by_group.items()}
    (directory / "hosts.yml").write_text(yaml.safe_dump({"nylas_apps": {"children": children}}, sort_keys=False))
    for host, variables in host_vars.items():
        (directory / "host_vars" / ("%s.yml" % host)).write_text(yaml.safe_dump(variables, sort_keys=False))
    for group, variables in (group_vars or {}).items():
        (directory / "group_vars" / ("%s.yml" % group)).write_text(yaml.safe_dump(variables, sort_keys=False))
    return directory


def credential_secrets(api_key=None, v2_client_id=None, v2_client_secret=None):
    """A pair's secrets and the header values derived from them."""
    found = []
    if api_key:
        found += [api_key, "Bearer " + api_key]
    if v2_client_secret:
        found.append(v2_client_secret)
        found.append(base64.b64encode(("%s:" % v2_client_secret).encode()).decode())
        if v2_client_id:
            found.append(base64.b64encode(("%s:%s" % (v2_client_id, v2_client_secret)).encode()).decode())
    return found


def demo_secrets():
    """Every FAKE secret of the demo inventory, with its derived header values."""
    found = [DEMO_CONNECTOR_SECRET, DEMO_VAULT_PASSWORD]
    for cred in DEMO_CREDENTIALS.values():
        found += credential_secrets(**cred)
    return found


def webhook_secrets(sim):
    """The webhook/Pub/Sub secrets the simulator issued (read from its SQLite state file)."""
    db = sqlite3.connect("file:%s?mode=ro" % sim.state_path, uri=True, timeout=10)
    try:
        return [row[0] for row in db.execute("SELECT secret FROM webhooks WHERE secret IS NOT NULL AND secret != ''")]
    finally:
        db.close()


def execute_playbook(report_root, args=(), sims=None, extra_vars=None, check=False, diff=False, limit=None,
                     inventory=None, env=None, timeout=PLAYBOOK_TIMEOUT):
    """Run ``migrate.yml`` (reports under ``report_root``) and return a ``PlaybookRun``."""
    run_id = "test-%d-%d" % (os.getpid(), next(_RUN_COUNTER))
    variables = sim_vars(sims or {})
    variables.update({"nylas_report_root": str(report_root), "nylas_run_id": run_id})
    variables.update(extra_vars or {})
    cmd = playbook_command(args, variables, check=check, diff=diff, limit=limit, inventory=inventory)
    proc = subprocess.Popen(cmd, cwd=str(REPO_ROOT), env=playbook_env(env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        stdout = proc.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        kill_process_group(proc)
        stdout = proc.communicate()[0]
        pytest.fail("ansible-playbook did not finish within %s s:\n%s" % (timeout, stdout[-6000:]))
    return PlaybookRun(proc.returncode, stdout, parse_recap(stdout), run_id, Path(report_root) / run_id)
