# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the report rendering (module_utils/nylas_report_render.py): HTML, CSV, summary.json."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

from ansible_collections.nylas.migration.plugins.module_utils import nylas_report as report
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_render import (
    CSV_FIELDS,
    LINKED_FILES,
    csv_cell,
    merge_summary,
    render_csv,
    render_html,
)


def rows_of(pair, region, statuses, provider="google"):
    return [{"account_id": "%s-%d" % (pair, i), "email": "%s-%d@example.com" % (pair, i), "provider": provider,
             "grant_id": "g-%s-%d" % (pair, i) if s in ("migrated", "reauth_required") else None, "status": s,
             "application": "app-" + pair, "pair": pair, "region": region}
            for i, s in enumerate(statuses)]


def doc(pair, region, statuses, basis=report.BASIS_V2_AND_V3, error=None, jobs=None):
    rows = rows_of(pair, region, statuses)
    return report.rows_document(rows, report.summarize_rows(rows, basis), "app-" + pair, region, pair, basis,
                                v2_reads_error=error, jobs=jobs)


def sample_report(**kwargs):
    docs = [doc("acme", "us", ["migrated", "migrated", "reauth_required", "failed"],
                jobs=[{"job_id": "m1", "type": "migration", "status": "partial", "count_all": 4,
                       "count_success": 2, "count_warning": 1, "count_failed": 1}]),
            doc("initech", "eu", ["migrated", "not_migrated"])]
    return report.build_report(docs, run_id="run-1", generated_at="2026-01-01T00:00:00Z", **kwargs)


def parse(page):
    assert page.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(page.split("\n", 1)[1])  # well-formed XML, or this raises


TABLES = {"data-region": "totals-table", "data-pair": "applications-table", "data-provider": "providers-table"}


def cells(root, selector_attr, value):
    """The counts of the row with ``selector_attr=value`` in its table, by ``data-status``."""
    table = root.find(".//table[@id='%s']" % TABLES[selector_attr])
    row = [tr for tr in table.iter("tr") if tr.get(selector_attr) == value]
    assert len(row) == 1, "%s=%s" % (selector_attr, value)
    return dict((td.get("data-status"), td.text) for td in row[0].iter("td") if td.get("data-status"))


def test_page_is_well_formed_and_self_contained():
    page = render_html(sample_report())
    root = parse(page)
    assert root.tag == "html"
    assert not re.search(r"https?://", page, re.I)
    assert "<script" not in page and "<link" not in page and "url(" not in page and "@import" not in page
    assert not [e for e in root.iter() if e.get("src")]
    hrefs = sorted(e.get("href") for e in root.iter("a"))
    assert hrefs == sorted(LINKED_FILES)
    assert root.find(".//svg") is not None and root.find(".//style") is not None


def test_page_counts():
    root = parse(render_html(sample_report()))
    assert cells(root, "data-region", "all") == {"accounts": "6", "migrated": "3", "reauth_required": "1",
                                                 "failed": "1", "not_migrated": "1"}
    assert cells(root, "data-region", "eu")["not_migrated"] == "1"
    acme = cells(root, "data-pair", "acme")
    assert acme == {"accounts": "4", "migrated": "2", "reauth_required": "1", "failed": "1", "not_migrated": "0"}
    assert cells(root, "data-provider", "google")["accounts"] == "6"
    bars = dict(((r.get("data-pair"), r.get("data-status")), int(r.get("data-count")))
                for r in root.iter("rect") if r.get("data-pair"))
    assert bars == {("acme", "migrated"): 2, ("acme", "reauth_required"): 1, ("acme", "failed"): 1,
                    ("initech", "migrated"): 1, ("initech", "not_migrated"): 1}
    text = "".join(root.itertext())
    assert "migration partial: 2 of 4 migrated, 1 placeholders, 1 failed" in text
    assert "run-1" in text and "@example.com" not in text


def test_page_says_when_a_pair_is_reported_on_the_v3_side_only_or_missing():
    docs = [doc("acme", "us", ["migrated"]),
            doc("globex", "us", ["migrated", "reauth_required"], basis=report.BASIS_V3_ONLY,
                error="the v2 accounts could not be read: HTTP 500 api_error: boom")]
    page = render_html(report.build_report(docs, missing={"initech": "rows file not found"}))
    root = parse(page)
    notes = "".join(root.find(".//section[@id='notes']").itertext())
    assert "globex" in notes and "v3 side only" in notes and "HTTP 500 api_error: boom" in notes
    assert "initech" in notes and "rows file not found" in notes
    globex = [tr for tr in root.iter("tr") if tr.get("data-pair") == "globex"][0]
    assert globex.get("data-basis") == "v3_only"
    assert cells(root, "data-pair", "globex")["failed"] == "unknown"
    assert cells(root, "data-region", "all")["not_migrated"] == "unknown"
    assert "Some counts are incomplete" in page


def test_page_escapes_every_value():
    evil = '<script>alert("x")</script>&'
    docs = [doc(evil, "us", ["migrated"], basis=report.BASIS_V3_ONLY, error=evil)]
    page = render_html(report.build_report(docs, run_id=evil), title=evil)
    root = parse(page)
    assert "<script>" not in page
    assert evil in "".join(root.itertext())
    assert [tr for tr in root.iter("tr") if tr.get("data-pair") == evil]


def test_page_without_applications():
    root = parse(render_html(report.build_report([])))
    assert "No application reported." in "".join(root.itertext())


def test_csv():
    rows = rows_of("acme", "us", ["reauth_required", "failed"])
    rows[0]["email"] = "o'hara, jr@example.com"
    rows[1]["account_id"] = "=HYPERLINK(1)"
    text = render_csv(rows)
    assert text.endswith("\r\n")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert list(parsed[0]) == list(CSV_FIELDS) == ["account_id", "email", "provider", "grant_id", "application",
                                                   "region"]
    assert parsed[0] == {"account_id": "acme-0", "email": "o'hara, jr@example.com", "provider": "google",
                         "grant_id": "g-acme-0", "application": "app-acme", "region": "us"}
    assert parsed[1]["account_id"] == "'=HYPERLINK(1)" and parsed[1]["grant_id"] == ""
    assert render_csv([]) == "account_id,email,provider,grant_id,application,region\r\n"


def test_csv_gains_the_cutover_column_when_the_rows_carry_it():
    rows = rows_of("acme", "us", ["reauth_required", "failed"])
    assert "cutover" not in render_csv(rows).splitlines()[0]
    rows[0]["cutover"] = "cancelled (run c1)"
    rows[1]["cutover"] = "kept: no valid v3 grant"
    parsed = list(csv.DictReader(io.StringIO(render_csv(iter(rows)))))
    assert list(parsed[0]) == list(CSV_FIELDS) + ["cutover"]
    assert [r["cutover"] for r in parsed] == ["cancelled (run c1)", "kept: no valid v3 grant"]
    assert [r["account_id"] for r in parsed] == ["acme-0", "acme-1"]
    # a row without the value (v3 side only) gets an empty cell, not a shifted line
    del rows[1]["cutover"]
    parsed = list(csv.DictReader(io.StringIO(render_csv(rows))))
    assert parsed[1]["cutover"] == "" and parsed[1]["region"] == "us"


def test_csv_cell():
    assert csv_cell(None) == "" and csv_cell(3) == "3" and csv_cell("a-b") == "a-b"
    for prefix in ("=", "+", "-", "@", "\t", "\r"):
        assert csv_cell(prefix + "x") == "'" + prefix + "x"


def test_merge_summary_keeps_the_run_summary():
    existing = {"run_id": "old", "check_mode": False, "application_pairs": [{"application_pair": "acme"}]}
    merged = merge_summary(existing, {"run_id": "new", "totals": {}})
    assert merged == {"run_id": "new", "check_mode": False, "application_pairs": [{"application_pair": "acme"}],
                      "totals": {}}
    assert existing["run_id"] == "old"
    assert merge_summary(None, {"a": 1}) == {"a": 1}
    assert merge_summary([1, 2], {"a": 1}) == {"a": 1}


def test_page_notes_the_doubtful_failure_attributions():
    out = sample_report()
    out["applications"][0].update(unexplained_failures=2, failed_not_confirmed=1)
    notes = "".join(parse(render_html(out)).find(".//section[@id='notes']").itertext())
    assert "2 failure(s) of the latest migration job match no documented outcome rule" in notes
    assert "1 of the failed accounts are more than the migration jobs reported as failed" in notes


def test_page_shows_the_forecast_beside_the_current_state():
    plan = doc("acme", "us", ["not_migrated", "not_migrated", "not_migrated"])
    plan["summary"]["forecast"] = report.pair_forecast(
        [{"id": "a", "provider": "gmail"}, {"id": "b", "provider": "eas"}, {"id": "c", "provider": "fax"}], {},
        plan["summary"]["by_status"])
    root = parse(render_html(report.build_report([plan, doc("initech", "eu", ["migrated"])])))
    table = root.find(".//table[@id='forecast-table']")
    rows = [tr for tr in table.iter("tr") if tr.get("data-pair")]
    assert [tr.get("data-pair") for tr in rows] == ["acme"]  # initech has no forecast
    cells = dict((td.get("data-status"), td.text) for td in rows[0].iter("td") if td.get("data-status"))
    assert cells == {"migrated": "0 / 1", "reauth_required": "0 / 1", "failed": "0 / 1", "not_migrated": "3 / 0"}
    reasons = "".join(root.find(".//ul[@id='forecast-reasons']").itertext())
    assert "1 fax will fail - v2 provider fax has no v3 equivalent" in reasons
    assert "re-authentication required" in reasons
    assert render_html(sample_report()).find("forecast-table") < 0  # no forecast, no section
