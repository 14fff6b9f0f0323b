# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_migration_report: main() with patched arguments and rows files on disk."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import xml.etree.ElementTree as ET

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.nylas.migration.plugins.module_utils import nylas_report as report
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_files import write_private_json
from ansible_collections.nylas.migration.plugins.modules import nylas_migration_report

FILES = ("index.html", "reauth_required.csv", "failed.csv", "summary.json")


def rows_of(pair, region, statuses):
    return [{"account_id": "%s-%d" % (pair, i), "email": "%s-%d@example.com" % (pair, i), "provider": "google",
             "v2_provider": "gmail", "grant_id": "g-%s-%d" % (pair, i) if s in ("migrated", "reauth_required") else None,
             "grant_status": None, "status": s, "reason": "", "application": "app-" + pair, "pair": pair,
             "region": region}
            for i, s in enumerate(statuses)]


def write_doc(folder, pair, region, statuses, basis=report.BASIS_V2_AND_V3, error=None):
    rows = rows_of(pair, region, statuses)
    doc = report.rows_document(rows, report.summarize_rows(rows, basis), "app-" + pair, region, pair, basis,
                               v2_reads_error=error)
    return write_private_json(str(folder / "rows" / ("%s.json" % pair)), doc, indent=None)


def run(capsys, args, check_mode=False):
    with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
        with pytest.raises(SystemExit) as exc:
            nylas_migration_report.main()
    out = capsys.readouterr()
    return exc.value.code, json.loads(out.out), out.out + out.err


@pytest.fixture
def run_dir(tmp_path):
    folder = tmp_path / "reports" / "run-1"
    write_doc(folder, "acme", "us", ["migrated", "reauth_required", "failed", "reauth_required"])
    write_doc(folder, "initech", "eu", ["migrated", "failed", "not_migrated"])
    return folder


def files_of(folder):
    return [str(folder / "rows" / ("%s.json" % p)) for p in ("acme", "initech")]


def test_writes_the_four_files(run_dir, capsys):
    rc, result, raw = run(capsys, dict(rows_files=files_of(run_dir), dest=str(run_dir), run_id="run-1"))
    assert rc == 0, result
    assert result["changed"] is False and result["complete"] is True
    assert result["index"] == str(run_dir / "index.html")
    assert result["files"] == dict((name, str(run_dir / name)) for name in FILES)
    assert result["totals"]["by_status"] == {"migrated": 2, "reauth_required": 2, "failed": 2, "not_migrated": 1}
    assert result["regions"]["eu"]["accounts"] == 3
    assert result["rows"] == {"reauth_required.csv": 2, "failed.csv": 2}
    assert "@example.com" not in raw
    for name in FILES:
        assert stat.S_IMODE(os.stat(run_dir / name).st_mode) == 0o600

    ET.fromstring((run_dir / "index.html").read_text().split("\n", 1)[1])
    reauth = list(csv.DictReader(io.StringIO((run_dir / "reauth_required.csv").read_text())))
    assert [(r["account_id"], r["email"]) for r in reauth] == [("acme-1", "acme-1@example.com"),
                                                               ("acme-3", "acme-3@example.com")]
    failed = list(csv.DictReader(io.StringIO((run_dir / "failed.csv").read_text())))
    assert [(r["account_id"], r["region"]) for r in failed] == [("initech-1", "eu"), ("acme-2", "us")]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["run_id"] == "run-1" and summary["totals"] == result["totals"]


def test_keeps_the_run_summary_of_migrate(run_dir, capsys):
    (run_dir / "summary.json").write_text(json.dumps({"run_id": "run-1", "check_mode": False,
                                                      "application_pairs": [{"application_pair": "acme"}]}))
    rc, dummy, dummy = run(capsys, dict(rows_files=files_of(run_dir), dest=str(run_dir), run_id="run-1"))
    assert rc == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["application_pairs"] == [{"application_pair": "acme"}] and summary["check_mode"] is False
    assert summary["totals"]["accounts"] == 7


def test_unreadable_summary_is_replaced(run_dir, capsys):
    (run_dir / "summary.json").write_text("{not json")
    rc, dummy, dummy = run(capsys, dict(rows_files=files_of(run_dir), dest=str(run_dir)))
    assert rc == 0 and json.loads((run_dir / "summary.json").read_text())["totals"]["accounts"] == 7


def test_missing_and_bad_rows_files_are_reported(run_dir, capsys):
    (run_dir / "rows" / "bad.json").write_text("[]")
    (run_dir / "rows" / "broken.json").write_text("{")
    files = files_of(run_dir) + [str(run_dir / "rows" / n) for n in ("globex.json", "bad.json", "broken.json")]
    rc, result, raw = run(capsys, dict(rows_files=files, dest=str(run_dir)))
    assert rc == 0 and result["complete"] is False
    assert sorted(result["missing"]) == ["bad", "broken", "globex"]
    assert "not found" in result["missing"]["globex"] and "not a JSON object" in result["missing"]["bad"]
    assert "not in the report" in raw
    assert "globex" in (run_dir / "index.html").read_text()


def test_v3_only_pair(tmp_path, capsys):
    folder = tmp_path / "r"
    write_doc(folder, "globex", "us", ["migrated", "reauth_required"], basis=report.BASIS_V3_ONLY,
              error="the v2 accounts could not be read: HTTP 500 api_error: down")
    rc, result, dummy = run(capsys, dict(rows_files=[str(folder / "rows" / "globex.json")], dest=str(folder)))
    assert rc == 0 and result["complete"] is False
    assert result["applications"][0]["basis"] == "v3_only"
    assert result["totals"]["by_status"]["failed"] is None
    page = (folder / "index.html").read_text()
    assert "v3 side only" in page and "HTTP 500 api_error: down" in page


def test_check_mode_writes_the_report_too(run_dir, capsys):
    rc, result, dummy = run(capsys, dict(rows_files=files_of(run_dir), dest=str(run_dir / "sub")), check_mode=True)
    assert rc == 0 and result["changed"] is False and (run_dir / "sub" / "index.html").exists()
    assert stat.S_IMODE(os.stat(run_dir / "sub").st_mode) == 0o700


def test_unwritable_destination_fails(run_dir, capsys):
    blocker = run_dir / "blocker"
    blocker.write_text("x")
    rc, result, raw = run(capsys, dict(rows_files=files_of(run_dir), dest=str(blocker / "out")))
    assert rc == 1 and result["msg"].startswith("Failed to write the report in")
    assert "@example.com" not in raw


NO_GO = {"verdict": "no-go", "passed": False, "failed_checks": ["connectors"],
         "reason": "connectors check failed: microsoft: no microsoft connector, so its 2 remaining account(s) "
                   "cannot be cloned",
         "checks": [{"name": "webhooks", "verdict": "pass", "reason": "all 1 pass", "items": []},
                    {"name": "connectors", "verdict": "fail", "items": [],
                     "reason": "microsoft: no microsoft connector, so its 2 remaining account(s) cannot be cloned"}]}


def test_the_gate_of_the_run_summary_is_on_the_page(run_dir, capsys):
    (run_dir / "summary.json").write_text(json.dumps({"run_id": "run-1", "check_mode": False, "application_pairs": [
        {"application_pair": "acme", "region": "us", "gate": NO_GO},
        {"application_pair": "initech", "region": "eu", "gate": None}]}))
    rc, result, dummy = run(capsys, dict(rows_files=files_of(run_dir), dest=str(run_dir), run_id="run-1"))
    assert rc == 0 and [g["pair"] for g in result["gates"]] == ["acme"]
    assert result["gates"][0]["failed_checks"] == ["connectors"]
    page = (run_dir / "index.html").read_text()
    ET.fromstring(page.split("\n", 1)[1])
    assert '<li class="gate-no-go" data-pair="acme"><strong>acme</strong>: the go/no-go gate said no-go' in page
    assert "connectors check failed: microsoft: no microsoft connector" in page
    assert 'data-pair="acme" data-gate="no-go" data-check="connectors" data-verdict="fail"' in page
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["application_pairs"][0]["gate"] == NO_GO and summary["gates"] == result["gates"]


def test_no_gate_section_without_a_run_summary(run_dir, capsys):
    rc, result, dummy = run(capsys, dict(rows_files=files_of(run_dir), dest=str(run_dir)))
    assert rc == 0 and result["gates"] == [] and 'id="gates"' not in (run_dir / "index.html").read_text()
