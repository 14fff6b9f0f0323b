# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration report against the simulators: every count equals the simulator's truth.

One us and one eu simulator (demo seed, fast job pace) are migrated once per module with
``playbooks/migrate.yml`` over ``inventories/demo``, which runs ``playbooks/report.yml`` at its end.
The truth is ``GET /_sim/state`` (counts per application, status and provider) and, for the
per-account CSV rows, the simulators' SQLite state (grants, clone attempts, v2 accounts).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from simulator.backend import v3_provider_for
from simulator.harness import SimulatorProcess
from simulator.receiver import WebhookReceiver
from tests.integration.module_runner import IDENTITIES, collections_root, module_args, run_module, secrets_of

REPO = Path(__file__).resolve().parents[3]
PAIRS = {"acme": ("us", "app-us-acme"), "globex": ("us", "app-us-globex"), "initech": ("eu", "app-eu-initech")}
STATUSES = ("migrated", "reauth_required", "failed", "not_migrated")
REPORT_FILES = ("index.html", "reauth_required.csv", "failed.csv", "summary.json")
CSV_FIELDS = ["account_id", "email", "provider", "grant_id", "application", "region"]


def run_playbook(playbook, sims, run_id, report_root, *extra):
    """Run a playbook over the demo inventory; return ``(rc, stdout + stderr)``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NYLAS_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=collections_root(), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(REPO / "inventories" / "demo"),
           str(REPO / "playbooks" / playbook),
           "-e", "sim_us_url=%s" % sims["us"].url, "-e", "sim_eu_url=%s" % sims["eu"].url,
           "-e", "nylas_run_id=%s" % run_id, "-e", "nylas_report_root=%s" % report_root,
           "-e", "demo_webhook_base=%s" % RECEIVER.url] + list(extra)
    proc = subprocess.run(cmd, cwd=str(REPO), env=env, capture_output=True, text=True, timeout=900, check=False)
    return proc.returncode, proc.stdout + proc.stderr


#: The demo's webhook endpoint for this module (Nylas's challenge must pass): started by ``receiver``.
RECEIVER = WebhookReceiver()


@pytest.fixture(scope="module", autouse=True)
def receiver():
    """Start :data:`RECEIVER` for the module's runs; stop it after."""
    RECEIVER.start()
    yield RECEIVER
    RECEIVER.stop()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """Both simulators, migrated by migrate.yml (which ends with the report); stopped at the end."""
    tmp = tmp_path_factory.mktemp("report")
    sims = {}
    try:
        for region in ("us", "eu"):
            sims[region] = SimulatorProcess(region, state=tmp / ("%s.sqlite3" % region), job_pace=5000,
                                            allow_loopback_webhooks=True).start()
        report_root = tmp / "reports"
        rc, output = run_playbook("migrate.yml", sims, "change", report_root)
        assert rc == 0, output[-4000:]
        yield {"sims": sims, "root": report_root, "run_dir": report_root / "change", "output": output}
    finally:
        for sim in sims.values():
            sim.stop()


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """Fresh simulators of the demo seed, planned by ``migrate.yml --check --diff`` (its report included)."""
    tmp = tmp_path_factory.mktemp("plan")
    sims = {}
    try:
        for region in ("us", "eu"):
            sims[region] = SimulatorProcess(region, state=tmp / ("%s.sqlite3" % region), job_pace=5000,
                                            allow_loopback_webhooks=True).start()
        report_root = tmp / "reports"
        rc, output = run_playbook("migrate.yml", sims, "plan", report_root, "--check", "--diff")
        assert rc == 0, output[-4000:]
        yield {"sims": sims, "run_dir": report_root / "plan", "output": output}
    finally:
        for sim in sims.values():
            sim.stop()


# -- the truth ----------------------------------------------------------------------------------------


def db(sim):
    """A read-only connection to a simulator's SQLite state."""
    conn = sqlite3.connect("file:%s?mode=ro" % sim.state_path, uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def truth_counts(sims):
    """Per pair: accounts and counts by status and by provider, from ``/_sim/state``.

    After a full batch clone every account was attempted, so an account without a grant failed.
    """
    out = {}
    for pair, (region, app_id) in PAIRS.items():
        app = sims[region].state()["applications"][app_id]
        grants = app["grants"]
        failed = app["accounts"] - grants["total"]
        assert failed == app["expected"]["failed"]  # the simulator's own outcome table agrees
        out[pair] = {
            "accounts": app["accounts"],
            "by_status": {"migrated": grants["by_status"].get("valid", 0),
                          "reauth_required": grants["by_status"].get("invalid", 0),
                          "failed": failed, "not_migrated": 0},
            "grants_by_provider": grants["by_provider"],
        }
    return out


def truth_rows(sims):
    """The expected CSV rows, from the simulators' SQLite state: ``{file name: set of row tuples}``."""
    reauth, failed = set(), set()
    for region, sim in sims.items():
        with db(sim) as conn:
            for row in conn.execute(
                    "SELECT g.account_id, a.email, g.provider, g.id, g.application_id FROM grants g"
                    " JOIN v3_apps v ON v.application_id = g.application_id"
                    " JOIN v2_accounts a ON a.id = g.account_id AND a.client_id = v.v2_application_id"
                    " WHERE g.grant_status = 'invalid'"):
                reauth.add((row[0], row[1], row[2], row[3], row[4], region))
            for row in conn.execute(
                    "SELECT c.account_id, a.email, a.provider, c.application_id FROM clone_attempts c"
                    " JOIN v3_apps v ON v.application_id = c.application_id"
                    " JOIN v2_accounts a ON a.id = c.account_id AND a.client_id = v.v2_application_id"
                    " LEFT JOIN grants g ON g.application_id = c.application_id AND g.account_id = c.account_id"
                    " WHERE c.outcome = 'failed' AND g.id IS NULL"):
                failed.add((row[0], row[1], v3_provider_for(row[2]) or row[2], "", row[3], region))
    return {"reauth_required.csv": reauth, "failed.csv": failed}


def all_emails(sims):
    emails = set()
    for sim in sims.values():
        with db(sim) as conn:
            emails.update(r[0] for r in conn.execute("SELECT email FROM v2_accounts"))
    return emails


def read_csv(path):
    text = path.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == CSV_FIELDS
    return [tuple(row[f] for f in CSV_FIELDS) for row in reader]


def parse_html(path):
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>\n")
    return page, ET.fromstring(page.split("\n", 1)[1])  # raises unless well-formed


def html_counts(root, table_id, attr):
    """``{attr value: {data-status: int or None}}`` of a table of the page."""
    table = root.find(".//table[@id='%s']" % table_id)
    out = {}
    for tr in table.iter("tr"):
        if tr.get(attr) is None:
            continue
        out[tr.get(attr)] = dict((td.get("data-status"), None if td.text == "unknown" else int(td.text))
                                 for td in tr.iter("td") if td.get("data-status"))
    return out


def assert_self_contained(page, root):
    assert not re.search(r"https?://", page, re.I)
    assert not re.search(r"<script|<link|<img|<iframe|<object|url\(|@import", page, re.I)
    assert not [e for e in root.iter() if e.get("src") or e.get("srcset")]
    for a in root.iter("a"):
        assert a.get("href") in ("reauth_required.csv", "failed.csv", "summary.json")


def assert_private(run_dir):
    for name in REPORT_FILES:
        assert stat.S_IMODE(os.stat(run_dir / name).st_mode) == 0o600, name
    rows = list((run_dir / "rows").iterdir())
    assert sorted(p.name for p in rows) == ["acme.json", "globex.json", "initech.json"]
    for path in rows:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert stat.S_IMODE(os.stat(run_dir / "rows").st_mode) == 0o700


def assert_nothing_personal(output, sims):
    leaked = [e for e in all_emails(sims) if e in output]
    assert not leaked, "email addresses in the playbook output: %s" % leaked[:3]
    for identity in IDENTITIES:
        for secret in secrets_of(identity):
            assert secret not in output


# -- after the migration --------------------------------------------------------------------------------


def test_migrate_ends_with_the_report(migrated):
    output = migrated["output"]
    assert "PLAY [Report on each application pair]" in output
    assert "Report: %s" % (migrated["run_dir"] / "index.html") in re.sub(r"\s+", " ", output)
    recap = output[output.rindex("PLAY RECAP"):]
    assert not re.search(r"failed=[1-9]", recap)


def test_summary_counts_equal_the_simulator_truth(migrated):
    truth = truth_counts(migrated["sims"])
    summary = json.loads((migrated["run_dir"] / "summary.json").read_text())
    assert summary["run_id"] == "change" and summary["complete"] is True and summary["missing"] == {}
    apps = dict((a["pair"], a) for a in summary["applications"])
    assert sorted(apps) == sorted(PAIRS)
    for pair, (region, app_id) in PAIRS.items():
        app, expected = apps[pair], truth[pair]
        assert (app["application"], app["region"], app["basis"]) == (app_id, region, "v2_and_v3")
        assert app["accounts"] == expected["accounts"]
        assert app["by_status"] == expected["by_status"], pair
        assert app["unexplained_failures"] == 0 and app["failed_not_confirmed"] == 0
        grants_by_provider = dict((p, c["migrated"] + c["reauth_required"]) for p, c in app["by_provider"].items()
                                  if c["migrated"] + c["reauth_required"])
        assert grants_by_provider == expected["grants_by_provider"], pair
        assert sum(c["total"] for c in app["by_provider"].values()) == expected["accounts"]
    for region in ("us", "eu"):
        pairs = [p for p, (r, dummy) in PAIRS.items() if r == region]
        assert summary["regions"][region]["accounts"] == sum(truth[p]["accounts"] for p in pairs)
        for status in STATUSES:
            assert summary["regions"][region]["by_status"][status] == sum(truth[p]["by_status"][status] for p in pairs)
    for status in STATUSES:
        assert summary["totals"]["by_status"][status] == sum(t["by_status"][status] for t in truth.values())
    assert summary["totals"]["accounts"] == sum(t["accounts"] for t in truth.values()) == 1750
    rows = truth_rows(migrated["sims"])
    assert summary["files"] == {"reauth_required.csv": len(rows["reauth_required.csv"]),
                                "failed.csv": len(rows["failed.csv"])}


def test_html_counts_equal_the_simulator_truth_and_the_page_is_self_contained(migrated):
    truth = truth_counts(migrated["sims"])
    page, root = parse_html(migrated["run_dir"] / "index.html")
    assert_self_contained(page, root)
    apps = html_counts(root, "applications-table", "data-pair")
    for pair, expected in truth.items():
        assert apps[pair] == dict(expected["by_status"], accounts=expected["accounts"]), pair
    regions = html_counts(root, "totals-table", "data-region")
    for region in ("us", "eu"):
        pairs = [p for p, (r, dummy) in PAIRS.items() if r == region]
        for status in STATUSES:
            assert regions[region][status] == sum(truth[p]["by_status"][status] for p in pairs)
    assert regions["all"]["accounts"] == 1750
    for status in STATUSES:
        assert regions["all"][status] == sum(t["by_status"][status] for t in truth.values())
    bars = dict(((r.get("data-pair"), r.get("data-status")), int(r.get("data-count")))
                for r in root.iter("rect") if r.get("data-pair"))
    for pair, expected in truth.items():
        for status, count in expected["by_status"].items():
            assert bars.get((pair, status), 0) == count
    for name in ("reauth_required.csv", "failed.csv", "summary.json"):
        assert (migrated["run_dir"] / name).exists()


def test_csv_rows_equal_the_simulator_truth(migrated):
    expected = truth_rows(migrated["sims"])
    assert expected["reauth_required.csv"] and expected["failed.csv"]
    for name in ("reauth_required.csv", "failed.csv"):
        rows = read_csv(migrated["run_dir"] / name)
        assert len(rows) == len(set(rows))
        assert set(rows) == expected[name], name


def test_report_files_are_private(migrated):
    assert_private(migrated["run_dir"])


def test_no_email_or_secret_in_the_playbook_output(migrated):
    assert_nothing_personal(migrated["output"], migrated["sims"])


# -- an application whose v2 reads fail ---------------------------------------------------------------------


def test_failing_v2_reads_are_reported_on_the_v3_side_only(migrated):
    sims = migrated["sims"]
    truth = truth_counts(sims)
    sims["us"].add_fault(method="GET", path="/a/v2-us-globex/*", status=500)
    try:
        rc, output = run_playbook("report.yml", sims, "v2-down", migrated["root"], "--check")
    finally:
        sims["us"].clear_faults()
    assert rc == 0, output[-4000:]
    assert re.search(r"globex\s+:\s+ok=\d+\s+changed=0\s+unreachable=0\s+failed=0", output)
    run_dir = migrated["root"] / "v2-down"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["complete"] is False
    apps = dict((a["pair"], a) for a in summary["applications"])
    globex = apps["globex"]
    assert globex["basis"] == "v3_only"
    assert "could not be read" in globex["v2_reads_error"] and "HTTP 500" in globex["v2_reads_error"]
    assert globex["by_status"] == {"migrated": truth["globex"]["by_status"]["migrated"],
                                   "reauth_required": truth["globex"]["by_status"]["reauth_required"],
                                   "failed": None, "not_migrated": None}
    assert globex["accounts"] == truth["globex"]["by_status"]["migrated"] + truth["globex"]["by_status"]["reauth_required"]
    for pair in ("acme", "initech"):
        assert apps[pair]["basis"] == "v2_and_v3" and apps[pair]["by_status"] == truth[pair]["by_status"]
    assert summary["regions"]["us"]["by_status"]["failed"] is None
    assert summary["regions"]["eu"]["by_status"] == truth["initech"]["by_status"]

    page, root = parse_html(run_dir / "index.html")
    assert_self_contained(page, root)
    notes = " ".join("".join(root.find(".//section[@id='notes']").itertext()).split())
    assert "globex (us): v3 side only" in notes and "HTTP 500" in notes
    row = [tr for tr in root.iter("tr") if tr.get("data-pair") == "globex"][0]
    assert row.get("data-basis") == "v3_only"
    assert html_counts(root, "applications-table", "data-pair")["globex"]["failed"] is None

    reauth = read_csv(run_dir / "reauth_required.csv")
    assert set(reauth) == truth_rows(sims)["reauth_required.csv"]  # the v3 side still names every placeholder
    assert_private(run_dir)
    assert_nothing_personal(output, sims)
    assert "v3 side only" in output or "v3_only" in output


def test_module_without_v2_credentials_reports_the_v3_side_only(migrated, tmp_path):
    sim = migrated["sims"]["eu"]
    rows_path = tmp_path / "rows" / "initech.json"
    res = run_module("nylas_migration_info", module_args(sim, identity="eu-initech", v2=False,
                                                         rows_path=str(rows_path), label="initech"))
    assert res.rc == 0, res.raw
    truth = truth_counts(migrated["sims"])["initech"]["by_status"]
    assert res.result["basis"] == "v3_only" and "no v2 credentials" in res.result["v2_reads_error"]
    assert res.result["summary"]["by_status"] == {"migrated": truth["migrated"],
                                                  "reauth_required": truth["reauth_required"],
                                                  "failed": None, "not_migrated": None}
    assert stat.S_IMODE(os.stat(rows_path).st_mode) == 0o600
    assert not [e for e in all_emails(migrated["sims"]) if e in res.raw]


# -- forecast ------------------------------------------------------------------------------------------


def test_plan_report_forecasts_what_the_run_then_does(planned, migrated):
    """Issue 10 point 9: the plan run's report sets a forecast beside the current state (nothing migrated), and
    that forecast is what the real run on the same seed then does (its simulator truth)."""
    truth = truth_counts(migrated["sims"])
    plan = json.loads((planned["run_dir"] / "summary.json").read_text())
    apps = dict((a["pair"], a) for a in plan["applications"])
    for pair in PAIRS:
        app = apps[pair]
        assert app["by_status"]["not_migrated"] == truth[pair]["accounts"], pair  # the plan changed nothing
        assert app["forecast"]["expected"] == truth[pair]["by_status"], pair
        side = app["forecast_beside_current"]
        assert side["not_migrated"] == {"forecast": 0, "current": truth[pair]["accounts"]} and side["matches"] is False
    assert apps["acme"]["forecast"]["to_migrate"]["valid"] == 987
    assert apps["acme"]["forecast"]["to_migrate"]["reauth_required"] == 205
    assert apps["acme"]["forecast"]["to_migrate"]["will_fail"] == 8
    assert plan["totals"]["forecast"] == dict((s, sum(truth[p]["by_status"][s] for p in PAIRS)) for s in STATUSES)
    page = ET.fromstring((planned["run_dir"] / "index.html").read_text().split("\n", 1)[1])
    table = page.find(".//table[@id='forecast-table']")
    acme = [tr for tr in table.iter("tr") if tr.get("data-pair") == "acme"][0]
    cells = dict((td.get("data-status"), td.text) for td in acme.iter("td") if td.get("data-status"))
    assert cells["migrated"] == "0 / 987" and cells["failed"] == "0 / 8" and cells["not_migrated"] == "1200 / 0"
    emails = all_emails(planned["sims"])
    text = (planned["run_dir"] / "summary.json").read_text() + (planned["run_dir"] / "index.html").read_text()
    assert not [e for e in emails if e in text]


def test_real_run_report_sets_the_outcome_beside_the_forecast(migrated):
    truth = truth_counts(migrated["sims"])
    summary = json.loads((migrated["run_dir"] / "summary.json").read_text())
    for app in summary["applications"]:
        side = app["forecast_beside_current"]
        assert side["matches"] is True, (app["pair"], side)
        assert dict((s, side[s]["current"]) for s in STATUSES) == truth[app["pair"]]["by_status"]
