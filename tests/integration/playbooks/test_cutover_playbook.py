# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``playbooks/cutover.yml`` over the demo inventory, after ``migrate.yml`` migrated the pairs (mini demo seed).

What was cancelled is compared with the truth read through the APIs: the v2 ``billing_state`` of
every account and the ``grant_status`` of its v3 grant.
"""

from __future__ import annotations

import json
import subprocess
from urllib.parse import urlsplit

import pytest
import yaml

from simulator.app import DEFAULT_SEED

from tests.integration.playbooks.playbook_runner import (
    ANSIBLE_PLAYBOOK,
    DEMO_CREDENTIALS,
    DEMO_INVENTORY,
    DEMO_PAIRS,
    REPO_ROOT,
    demo_secrets,
    last_seq,
    mini_demo_seed,
    parse_recap,
    playbook_env,
    sim_vars,
    v2_accounts,
    v3_grants,
    writes,
)

CUTOVER = REPO_ROOT / "playbooks" / "cutover.yml"
REPORT = REPO_ROOT / "playbooks" / "report.yml"


def cutover(sims, report_root, run_id, *args, playbook=CUTOVER, **extra_vars):
    """Run cutover.yml (or ``playbook``); return ``(rc, stdout, recap)``; the output never holds a secret or a v2 email."""
    variables = dict(sim_vars(sims), nylas_report_root=str(report_root), nylas_run_id=run_id, **extra_vars)
    cmd = [str(ANSIBLE_PLAYBOOK), "-i", str(DEMO_INVENTORY), str(playbook), "-e", json.dumps(variables)] + list(args)
    proc = subprocess.run(cmd, cwd=str(REPO_ROOT), env=playbook_env(), capture_output=True, text=True, timeout=300,
                          check=False)
    out = proc.stdout + proc.stderr
    for secret in demo_secrets():
        assert secret not in out, "a secret leaked into the playbook output"
    return proc.returncode, out, parse_recap(proc.stdout)


def truth(sims):
    """Per host: ``(valid, billing)``: ids of accounts with a valid grant, and ``{id: billing_state}``."""
    found = {}
    for host, (region, _app, client_id) in DEMO_PAIRS.items():
        cred = DEMO_CREDENTIALS[host]
        grants = v3_grants(sims[region], cred["api_key"])
        valid = {g["account_id"] for g in grants if g.get("grant_status") == "valid" and g.get("account_id")}
        billing = {a["id"]: a["billing_state"] for a in v2_accounts(sims[region], client_id, cred["v2_client_secret"])}
        found[host] = (valid, billing)
    return found


def report_cutover(sims, report_root, run_id):
    """Run report.yml; return ``{host: {account_id: cutover value or None}}`` from its rows files, and the
    header lines of its CSV files."""
    rc, out, _recap = cutover(sims, report_root, run_id, playbook=REPORT)
    assert rc == 0, out[-3000:]
    rows = {host: json.loads((report_root / run_id / "rows" / ("%s.json" % host)).read_text())["rows"]
            for host in DEMO_PAIRS}
    # {file: (header line, number of rows)}
    headers = {name: (lines[0], len(lines) - 1) for name in ("reauth_required.csv", "failed.csv")
               for lines in [(report_root / run_id / name).read_text().splitlines()]}
    return {host: {r["account_id"]: r.get("cutover") for r in found} for host, found in rows.items()}, headers


def emails(sims):
    return [a["email"] for host, (region, _app, client_id) in DEMO_PAIRS.items()
            for a in v2_accounts(sims[region], client_id, DEMO_CREDENTIALS[host]["v2_client_secret"])]


@pytest.fixture
def migrated(sim_pair, run_playbook, tmp_path):
    sims = sim_pair(us_seed=mini_demo_seed(tmp_path / "us-seed.yaml"), eu_seed=mini_demo_seed(tmp_path / "eu-seed.yaml"))
    run = run_playbook(sims=sims)
    assert run.rc == 0, run.stdout[-3000:]
    return sims


def test_check_then_cutover_of_one_region_rerun_and_rollback(migrated, report_root):
    sims = migrated
    before = truth(sims)
    addresses = emails(sims)
    assert all(valid for valid, _billing in before.values())

    # no cutover yet: the report's rows and CSV files have no cutover column
    states, headers = report_cutover(sims, report_root, "r0")
    assert all(v is None for host in states.values() for v in host.values())
    assert not any("cutover" in line for line, _count in headers.values())

    seqs = {r: last_seq(s) for r, s in sims.items()}
    rc, out, recap = cutover(sims, report_root, "c1", "--check")
    assert rc == 0, out[-3000:]
    assert all(writes(s, seqs[r]) == [] for r, s in sims.items())
    for host, (valid, _billing) in before.items():
        assert "%s: would cancel %d;" % (host, len(valid)) in out
    assert not any(a in out for a in addresses)

    # confirm names the us region: acme and globex are cut over, initech (eu) is not touched
    rc, out, recap = cutover(sims, report_root, "c1", "--tags", "cutover", nylas_cutover_confirm="us")
    assert rc == 0, out[-3000:]
    after = truth(sims)
    for host in ("acme", "globex"):
        valid, billing = before[host]
        cancelled = {i for i, state in after[host][1].items() if state == "cancelled"}
        assert cancelled == valid  # exactly the accounts with a valid grant, none other
        assert {i: s for i, s in after[host][1].items() if i not in valid} == {i: s for i, s in billing.items()
                                                                               if i not in valid}
        assert recap[host]["changed"] >= 1
    assert after["initech"][1] == before["initech"][1]
    assert writes(sims["eu"], seqs["eu"]) == []
    assert "Cutover skipped for initech" in out
    assert not any(a in out for a in addresses)
    record = report_root / "cutover" / "cutover-v2-us-acme-c1.json"
    assert oct(record.stat().st_mode & 0o777) == "0o600"
    assert not any(a in record.read_text() for a in addresses)

    # the report gives each account its cutover state, read from the records (issue 14)
    states, headers = report_cutover(sims, report_root, "r1")
    for host in ("acme", "globex"):
        valid, billing = before[host]
        assert set(states[host]) == set(billing)
        assert {i for i, v in states[host].items() if v == "cancelled (run c1)"} == valid
        assert all(v.startswith("kept: ") for i, v in states[host].items() if i not in valid), states[host]
    assert set(states["initech"].values()) == {"not cut over"}
    # the CSV files list accounts without a valid grant (kept), with the column when they have rows
    assert headers["reauth_required.csv"][1] > 0, headers
    assert all(line.endswith(",cutover") == (count > 0) for line, count in headers.values()), headers

    seqs = {r: last_seq(s) for r, s in sims.items()}
    rc, out, recap = cutover(sims, report_root, "c1", "--tags", "cutover", nylas_cutover_confirm="us")
    assert rc == 0 and all(recap[h]["changed"] == 0 for h in recap), out[-3000:]
    assert all(writes(s, seqs[r]) == [] for r, s in sims.items())

    rc, out, recap = cutover(sims, report_root, "c1", "--tags", "rollback", nylas_cutover_confirm="us")
    assert rc == 0, out[-3000:]
    restored = truth(sims)
    assert {h: b for h, (_v, b) in restored.items()} == {h: b for h, (_v, b) in before.items()}
    upgrades = [m for m, _p, _s in writes(sims["us"], seqs["us"])].count("POST")
    assert upgrades == sum(len(before[h][0]) for h in ("acme", "globex"))
    states, _headers = report_cutover(sims, report_root, "r2")
    assert {i for i, v in states["acme"].items() if v == "re-activated (rollback of run c1)"} == before["acme"][0]

    # a rollback that does not name the run it undoes is refused before any request
    seqs = {r: last_seq(s) for r, s in sims.items()}
    variables = dict(sim_vars(sims), nylas_report_root=str(report_root), nylas_cutover_confirm="us")
    proc = subprocess.run([str(ANSIBLE_PLAYBOOK), "-i", str(DEMO_INVENTORY), str(CUTOVER), "-e", json.dumps(variables),
                           "--tags", "rollback"], cwd=str(REPO_ROOT), env=playbook_env(), capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode != 0 and "name that run with -e nylas_run_id=<run id>" in proc.stdout, proc.stdout[-3000:]
    assert all(s.requests_log(since=seqs[r]) == [] for r, s in sims.items())


def test_rollout_and_error_budget_through_the_playbook(migrated, report_root):
    sims = migrated
    before = truth(sims)
    sims["us"].add_fault(method="POST", path="/a/v2-us-globex/accounts/*/downgrade", status=400)
    rc, out, recap = cutover(sims, report_root, "c2", "--tags", "cutover", "--limit", "us",
                             nylas_cutover_confirm="us", nylas_cutover_rollout_count=3, nylas_cutover_error_budget=1)
    assert rc != 0 and recap["globex"]["failed"] == 1 and recap["acme"]["failed"] == 0, out[-3000:]
    after = truth(sims)
    assert sum(1 for s in after["acme"][1].values() if s == "cancelled") == 3
    assert after["globex"][1] == before["globex"][1]
    assert "more than error_budget=1" in out


def receiver_seed(path, receiver):
    """The demo seed with every v2 webhook's ``callback_url`` moved onto ``receiver`` (same path): the v3
    webhooks that webhook parity proposes from them must pass Nylas's challenge on the simulator."""
    data = yaml.safe_load(DEFAULT_SEED.read_text())

    def move(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "callback_url" and isinstance(value, str):
                    node[key] = receiver.url_for(urlsplit(value).path)
                else:
                    move(value)
        elif isinstance(node, list):
            for item in node:
                move(item)

    move(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_webhook_parity_creates_the_proposals_rerun_unchanged_then_v2_inactive(
        sim_pair, report_root, tmp_path, webhook_receiver):
    seed = receiver_seed(tmp_path / "seed.yaml", webhook_receiver)
    sims = sim_pair(us_seed=seed, eu_seed=seed)
    seqs = {r: last_seq(s) for r, s in sims.items()}
    rc, out, recap = cutover(sims, report_root, "w1", "--tags", "webhook_parity")
    assert rc == 0 and "nylas_webhooks:" in out and all(recap[h]["changed"] == 0 for h in recap), out[-3000:]
    assert all(writes(s, seqs[r]) == [] for r, s in sims.items())

    rc, out, recap = cutover(sims, report_root, "w1", "--tags", "webhook_parity", nylas_cutover_create_webhooks=True)
    assert rc == 0, out[-3000:]
    created = [(m, p) for m, p, _s in writes(sims["us"], seqs["us"])]
    assert created == [("POST", "/v3/webhooks")] * 3  # acme 2, globex 1 (its inactive v2 webhook is skipped)
    assert [(m, p) for m, p, _s in writes(sims["eu"], seqs["eu"])] == [("POST", "/v3/webhooks")] * 2

    seqs = {r: last_seq(s) for r, s in sims.items()}
    rc, out, recap = cutover(sims, report_root, "w1", "--tags", "webhook_parity", nylas_cutover_create_webhooks=True)
    assert rc == 0 and all(recap[h]["changed"] == 0 for h in recap), out[-3000:]
    assert all(writes(s, seqs[r]) == [] for r, s in sims.items())

    rc, out, recap = cutover(sims, report_root, "w1", "--tags", "v2_webhooks", nylas_cutover_deactivate_v2_webhooks=True)
    assert rc == 0, out[-3000:]
    puts = [p for m, p, _s in writes(sims["us"], seqs["us"]) + writes(sims["eu"], seqs["eu"]) if m == "PUT"]
    assert len(puts) == 5 and all("/webhooks/" in p and p.startswith("/a/") for p in puts)
