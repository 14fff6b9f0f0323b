# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``playbooks/migrate.yml`` over ``inventories/demo`` on the demo seed, as ``make demo`` runs it.

1. the plan (``--check --diff``) on fresh simulators exits 0 and makes no write;
2. the change links and imports every pair, gives every account the grant (or none) the outcome
   table says, reports the connectors needing setup (handler), checks the job counts and writes
   ``summary.json`` (tasks of the role ``nylas.migration.migrate``);
3. the re-run reports ``changed=0`` for every host and makes no write.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from simulator.harness import SimulatorProcess
from simulator.receiver import WebhookReceiver
from tests.integration.playbooks.playbook_runner import (
    DEMO_CONNECTOR_SECRET, DEMO_CREDENTIALS, DEMO_PAIRS, DEMO_VAULT_PASSWORD, FAST_PACE, demo_secrets,
    execute_playbook, expected_outcome, last_seq, v2_accounts, v3_grants, webhook_secrets, writes,
)

PAIR_HOSTS = sorted(DEMO_PAIRS)


# ----------------------------------------------------------------------------------------- 1. plan
def test_check_diff_on_fresh_simulators_makes_no_write(sim_pair, run_playbook):
    sims = sim_pair()
    run = run_playbook(sims=sims, check=True, diff=True)

    assert run.rc == 0, run.stdout[-6000:]
    assert set(run.recap) == set(PAIR_HOSTS), run.stdout[-3000:]
    for host in PAIR_HOSTS:
        assert run.recap[host]["failed"] == 0 and run.recap[host]["unreachable"] == 0, run.recap
        assert run.recap[host]["changed"] > 0, "the plan predicts the link, import, ... of %s" % host
    for region, sim in sims.items():
        logged = sim.requests_log()
        assert logged, "the plan read nothing from the %s simulator" % region
        assert writes(sim) == [], "the plan wrote to the %s simulator" % region
        state = sim.state()
        assert not state["links"], state["links"]
        assert state["grants"] == 0
    # --diff shows the planned link (before/after of v2_application_id)
    assert "v2_application_id" in run.stdout
    for client_id in ("v2-us-acme", "v2-us-globex", "v2-eu-initech"):
        assert client_id in run.stdout
    leaked = [s[:6] + "..." for s in demo_secrets() if s in run.stdout]
    assert not leaked, "secrets in the --check --diff output: %s" % leaked
    # no secret exists yet in check mode: the planned webhook destinations are shown, not hidden by no_log
    for host in PAIR_HOSTS:
        assert re.search(r"changed: \[%s\] => \(item=http://127\.0\.0\.1:\d+/nylas/%s/v3\)" % (host, host), run.stdout), host
    assert "censored" not in run.stdout
    # the plan's summary (written although nothing changed at Nylas) and its one line per pair say what is planned
    summary = json.loads((run.report_dir / "summary.json").read_text())
    assert summary["check_mode"] is True
    pairs = {p["application_pair"]: p for p in summary["application_pairs"]}
    assert set(pairs) == set(PAIR_HOSTS)
    for host in PAIR_HOSTS:
        assert pairs[host]["linked"] == "planned" and pairs[host]["imported"] == "planned", pairs[host]
        assert pairs[host]["batch_action"] == "start", pairs[host]
        assert pairs[host]["batch_status"].startswith("planned: start a batch for "), pairs[host]
        assert pairs[host]["changes"]["webhooks"] == 1, pairs[host]
    assert "nothing to do" not in run.stdout


# ------------------------------------------------------------------------------- 2. the change
@pytest.fixture(scope="module")
def demo_change(tmp_path_factory):
    """Fresh demo simulators and the real run of migrate.yml over inventories/demo (shared by tests 2 and 3)."""
    tmp = tmp_path_factory.mktemp("demo-change")
    reports = tmp / "reports"
    reports.mkdir()
    sims = {}
    receiver = WebhookReceiver().start()  # the demo's webhook endpoint: answers Nylas's challenge
    try:
        for region in ("us", "eu"):
            sims[region] = SimulatorProcess(region, state=tmp / ("%s.sqlite" % region), job_pace=FAST_PACE,
                                            allow_loopback_webhooks=True).start()
        run = execute_playbook(reports, sims=sims, extra_vars={"demo_webhook_base": receiver.url})
        yield {"sims": sims, "run": run, "reports": reports, "receiver": receiver}
    finally:
        for sim in sims.values():
            sim.stop()
        receiver.stop()


def test_change_succeeds_for_every_pair(demo_change):
    run = demo_change["run"]
    assert run.rc == 0, run.stdout[-8000:]
    for host in PAIR_HOSTS:
        assert run.recap[host]["failed"] == 0 and run.recap[host]["unreachable"] == 0, run.recap
        assert run.recap[host]["changed"] > 0, run.recap


def test_change_links_and_imports_every_pair(demo_change):
    sims = demo_change["sims"]
    for host, (region, app_id, client_id) in DEMO_PAIRS.items():
        app = sims[region].state()["applications"][app_id]
        assert app["v2_application_id"] == client_id, (host, app)
        assert app["callback_uris"] > 0, (host, app)  # imported redirect URIs
        providers = {c["provider"] if isinstance(c, dict) else c for c in app["connectors"]}
        assert {"google", "microsoft"} <= providers, (host, app["connectors"])
        assert app["webhooks"] >= 1, (host, app)  # nylas_webhooks of group_vars/all.yml
    assert sims["eu"].state()["applications"]["app-eu-initech"]["pubsub_channels"] == 1


@pytest.mark.parametrize("host", PAIR_HOSTS)
def test_change_grants_follow_the_outcome_table(demo_change, host):
    """Every migratable account has exactly one grant with the status the outcome table gives; the others none."""
    region, app_id, client_id = DEMO_PAIRS[host]
    sim = demo_change["sims"][region]
    cred = DEMO_CREDENTIALS[host]
    accounts = v2_accounts(sim, client_id, cred["v2_client_secret"])
    grants = v3_grants(sim, cred["api_key"])

    per_account = Counter(g["account_id"] for g in grants)
    duplicates = {acc: n for acc, n in per_account.items() if n > 1}
    assert not duplicates, "accounts with more than one grant: %s" % duplicates
    by_account = {g["account_id"]: g for g in grants}
    assert set(by_account) <= {a["id"] for a in accounts}, "grants of unknown accounts"

    expected = {a["id"]: expected_outcome(a) for a in accounts}
    wrong = []
    for acc_id, outcome in expected.items():
        grant = by_account.get(acc_id)
        got = None if grant is None else ("valid" if grant["grant_status"] == "valid" else "placeholder")
        if outcome == "failed":
            got = got or "failed"
        if got != outcome:
            wrong.append((acc_id, outcome, got))
    assert not wrong, "%d accounts differ from the outcome table, e.g. %s" % (len(wrong), wrong[:5])

    # the same, as the simulator counts it
    state = sim.state()["applications"][app_id]
    counts = Counter(expected.values())
    assert state["expected"] == {"valid": counts["valid"], "placeholder": counts["placeholder"],
                                 "failed": counts["failed"]}
    assert state["grants"]["total"] == counts["valid"] + counts["placeholder"]
    assert state["grants"]["by_status"].get("valid", 0) == state["expected"]["valid"]
    assert state["grants"]["by_status"].get("invalid", 0) == state["expected"]["placeholder"]


def test_change_reports_the_documented_demo_counts(demo_change):
    """simulator/README.md: acme 987/205/8, globex 122/28/0, initech 300/91/9 (valid/placeholder/failed)."""
    documented = {"app-us-acme": (987, 205), "app-us-globex": (122, 28), "app-eu-initech": (300, 91)}
    for host, (region, app_id, _client) in DEMO_PAIRS.items():
        grants = demo_change["sims"][region].state()["applications"][app_id]["grants"]["by_status"]
        assert (grants.get("valid", 0), grants.get("invalid", 0)) == documented[app_id], host


def test_change_batch_counts_are_the_simulators_truth(demo_change):
    """Issue 10.7: each pair's batch ``counts`` in summary.json count every account once (acme chains two
    batches after two pilot clones) and equal the simulator's expected outcomes."""
    summary = json.loads((demo_change["run"].report_dir / "summary.json").read_text())
    pairs = {p["application_pair"]: p for p in summary["application_pairs"]}
    for host, (region, app_id, _client) in DEMO_PAIRS.items():
        app = demo_change["sims"][region].state()["applications"][app_id]
        want = {"all": app["accounts"], "success": app["expected"]["valid"],
                "warning": app["expected"]["placeholder"], "failed": app["expected"]["failed"]}
        assert {k: int(v) for k, v in pairs[host]["batch"].items()} == want, host


def test_change_reports_connectors_needing_setup_and_checks_job_counts(demo_change):
    out = demo_change["run"].stdout
    assert "RUNNING HANDLER [nylas.migration.migrate : Report connectors needing setup]" in out
    for host in PAIR_HOSTS:
        assert "%s: connector microsoft needs setup" % host in out, host
    assert "TASK [nylas.migration.migrate : Batch | the migration job's counts add up]" in out
    for host in PAIR_HOSTS:
        assert "%s: job counts add up" % host in out, host


def test_change_writes_the_run_summary(demo_change):
    """migrate.yml writes <report root>/<run id>/summary.json with every pair (``application_pairs``).

    ``playbooks/report.yml``, imported at the end of migrate.yml, merges its counts into that file and
    keeps ``application_pairs`` and ``check_mode``: their presence shows that migrate.yml wrote it.
    (The re-run, which changes nothing, writes it too: ``test_rerun_changes_nothing_and_writes_nothing``.)
    """
    run = demo_change["run"]
    summary_path = run.report_dir / "summary.json"
    assert summary_path.is_file(), summary_path
    summary = json.loads(summary_path.read_text())
    assert summary["run_id"] == run.run_id
    assert "application_pairs" in summary and "check_mode" in summary, (
        "summary.json has no application_pairs/check_mode (keys: %s): migrate.yml's summary was not written"
        % sorted(summary))
    assert summary["check_mode"] is False
    pairs = {p["application_pair"]: p for p in summary["application_pairs"]}
    assert set(pairs) == set(PAIR_HOSTS)
    for host, (region, app_id, client_id) in DEMO_PAIRS.items():
        assert pairs[host]["region"] == region
        assert pairs[host]["application_id"] == app_id
        assert pairs[host]["v2_application_id"] == client_id
        assert pairs[host]["linked"] == "linked" and pairs[host]["imported"] == "imported"


def test_change_saves_webhook_secrets_vault_encrypted(demo_change):
    """New webhook secrets go to <nylas_report_root>/webhook-secrets/ (the default), kept across runs."""
    files = sorted((demo_change["reports"] / "webhook-secrets").glob("*.vault"))
    assert {f.name.split("-")[0] for f in files} == set(PAIR_HOSTS), files
    issued = []
    for sim in demo_change["sims"].values():
        issued += webhook_secrets(sim)
    assert issued, "the simulator issued no webhook secret"
    for path in files:
        text = path.read_text()
        assert text.startswith("$ANSIBLE_VAULT;"), path
        assert DEMO_VAULT_PASSWORD not in text
        for secret in issued:
            assert secret not in text
        assert (path.stat().st_mode & 0o777) == 0o600


def test_change_output_keeps_secrets_out(demo_change):
    out = demo_change["run"].stdout
    secrets = demo_secrets()
    for sim in demo_change["sims"].values():
        secrets += webhook_secrets(sim)
    leaked = [s[:6] + "..." for s in secrets if s in out]
    assert not leaked, "secrets in the playbook output: %s" % leaked
    assert DEMO_CONNECTOR_SECRET not in out


# ------------------------------------------------------------------------------- 3. the re-run
def test_rerun_changes_nothing_and_writes_nothing(demo_change):
    sims = demo_change["sims"]
    before = {region: last_seq(sim) for region, sim in sims.items()}
    grants_before = {region: sim.state()["grants"] for region, sim in sims.items()}
    run = execute_playbook(demo_change["reports"], sims=sims,
                           extra_vars={"demo_webhook_base": demo_change["receiver"].url})

    assert run.rc == 0, run.stdout[-8000:]
    assert set(run.recap) == set(PAIR_HOSTS)
    not_idempotent = {host: counts["changed"] for host, counts in run.recap.items() if counts["changed"]}
    assert not not_idempotent, "re-run changed: %s" % not_idempotent
    assert all(counts["failed"] == 0 for counts in run.recap.values()), run.recap
    for region, sim in sims.items():
        assert sim.requests_log(since=before[region]), "the re-run read nothing from %s" % region
        assert writes(sim, since=before[region]) == [], "the re-run wrote to the %s simulator" % region
        assert sim.state()["grants"] == grants_before[region]
    # summary.json is written although nothing changed (it is a task, not a handler)
    summary = json.loads((run.report_dir / "summary.json").read_text())
    assert summary["run_id"] == run.run_id and summary["check_mode"] is False
    pairs = {p["application_pair"]: p for p in summary["application_pairs"]}
    assert set(pairs) == set(PAIR_HOSTS)
    for host in PAIR_HOSTS:
        assert pairs[host]["linked"] == "already linked" and pairs[host]["imported"] == "already imported"
        assert pairs[host]["batch_action"] == "none" and pairs[host]["batch_status"] == "nothing to do", pairs[host]
        assert "%s (%s): link: already linked, import: already imported;" % (host, DEMO_PAIRS[host][0]) in run.stdout
