# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Pure rendering of the migration report: the HTML page, the CSV files and ``summary.json``.

Input is the report of :func:`nylas_report.build_report` (counts, no personal data) and, for the
CSV files, the per-account rows. Output is text; nothing here reads or writes files.

The page is one self-contained document: inline CSS, the chart as inline SVG, relative links to
the CSV and JSON files next to it, no script, no external asset and no ``http(s)://`` reference.
It is also well-formed XML (void elements closed, only the XML entities, every value escaped),
so that ``xml.etree`` can check it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
from html import escape

from ansible_collections.nylas.migration.plugins.module_utils.nylas_report import (
    BASIS_V2_AND_V3,
    STATUSES,
)

#: Columns of ``reauth_required.csv`` and ``failed.csv``.
CSV_FIELDS = ("account_id", "email", "provider", "grant_id", "application", "region")

#: Columns added after ``CSV_FIELDS`` when the rows carry them: ``cutover``, the account's cutover state
#: (``nylas_migration_info`` with ``cutover_record_dir``).
OPTIONAL_CSV_FIELDS = ("cutover",)

#: Files the page links to (relative to the page).
LINKED_FILES = ("reauth_required.csv", "failed.csv", "summary.json")

STATUS_LABELS = {
    "migrated": "Migrated",
    "reauth_required": "Re-authentication required",
    "failed": "Failed",
    "not_migrated": "Not migrated",
}
STATUS_COLORS = {
    "migrated": "#2e7d32",
    "reauth_required": "#f9a825",
    "failed": "#c62828",
    "not_migrated": "#90a4ae",
}
STATUS_DEFINITIONS = {
    "migrated": "the account has a valid v3 grant.",
    "reauth_required": "the account has a placeholder grant (grant_status invalid): the user must sign in again.",
    "failed": ("no grant, although a finished migration job created after the account was linked reported "
               "failures, and the documented outcome rules say the account cannot be cloned with the "
               "strictest flags. The migration API does not list which accounts a job failed (nor its "
               "scope or flags), so this attribution is the best that can be made from the outside; it is "
               "checked against the jobs' counts (see the notes above when it does not add up)."),
    "not_migrated": "no grant and not failed: not attempted yet, or expected to clone on a later run.",
}

#: Characters that make a spreadsheet treat a cell as a formula (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem; color: #1f2933; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d9e2ec; padding-bottom: 0.3rem; }
p.meta { color: #52606d; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #d9e2ec; padding: 0.3rem 0.6rem; text-align: right; }
th { background: #f0f4f8; }
td.text, th.text { text-align: left; }
td.unknown { color: #9aa5b1; font-style: italic; }
tr.total td { font-weight: bold; background: #f8fafc; }
.notes { background: #fff8e1; border-left: 4px solid #f9a825; padding: 0.5rem 1rem; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: middle; }
code { background: #f0f4f8; padding: 0 0.2rem; }
dt { font-weight: bold; margin-top: 0.4rem; }
"""


def h(value):
    """Escape a value for HTML text or a quoted attribute (also valid XML)."""
    return escape("" if value is None else str(value), quote=True)


def _count_cell(status, value):
    if value is None:
        return '<td class="unknown" data-status="%s">unknown</td>' % h(status)
    return '<td data-status="%s">%d</td>' % (h(status), int(value))


def _status_header():
    return "".join('<th><span class="swatch" style="background:%s"></span>%s</th>'
                   % (STATUS_COLORS[s], h(STATUS_LABELS[s])) for s in STATUSES)


def _notes(report):
    notes = []
    for app in report.get("applications") or []:
        if app.get("basis") != BASIS_V2_AND_V3:
            notes.append("<li><strong>%s</strong> (%s): v3 side only, the v2 accounts could not be read (%s). "
                         "Only the accounts that have a grant are counted; failed and not migrated accounts "
                         "are unknown.</li>"
                         % (h(app.get("pair")), h(app.get("region")), h(app.get("v2_reads_error") or "no reason given")))
        if app.get("failed_not_confirmed"):
            notes.append("<li><strong>%s</strong>: %d of the failed accounts are more than the migration jobs "
                         "reported as failed; they were probably outside a job's scope (providers, limit) and "
                         "never attempted.</li>" % (h(app.get("pair")), int(app["failed_not_confirmed"])))
        if app.get("unexplained_failures"):
            notes.append("<li><strong>%s</strong>: %d failure(s) of the latest migration job match no documented "
                         "outcome rule and are not attributed to an account.</li>"
                         % (h(app.get("pair")), int(app["unexplained_failures"])))
    for pair, reason in (report.get("missing") or {}).items():
        notes.append("<li><strong>%s</strong>: no data (%s).</li>" % (h(pair), h(reason)))
    for gate in report.get("gates") or []:
        if gate.get("verdict") == "no-go":
            notes.append('<li class="gate-no-go" data-pair="%s"><strong>%s</strong>: the go/no-go gate said no-go, so '
                         "the batch did not start - %s.</li>" % (h(gate.get("pair")), h(gate.get("pair")),
                                                                 h(gate.get("reason"))))
    if not notes:
        return ""
    return '<section id="notes" class="notes"><h2>Read this first</h2><ul>%s</ul></section>' % "".join(notes)


def _totals_table(report):
    lines = ['<table id="totals-table"><thead><tr><th class="text">Region</th><th>Accounts</th>%s</tr></thead><tbody>'
             % _status_header()]
    for region, counts in (report.get("regions") or {}).items():
        lines.append('<tr data-region="%s"><td class="text">%s</td><td data-status="accounts">%d</td>%s</tr>'
                     % (h(region), h(region), int(counts["accounts"]),
                        "".join(_count_cell(s, counts["by_status"].get(s)) for s in STATUSES)))
    totals = report.get("totals") or {"accounts": 0, "by_status": {}}
    lines.append('<tr class="total" data-region="all"><td class="text">All regions</td>'
                 '<td data-status="accounts">%d</td>%s</tr>'
                 % (int(totals["accounts"]), "".join(_count_cell(s, totals["by_status"].get(s)) for s in STATUSES)))
    lines.append("</tbody></table>")
    return "".join(lines)


def _chart(report, width=640, bar_height=22, gap=14, label_width=200):
    """The stacked bar chart (inline SVG): one bar per application, one segment per status."""
    apps = report.get("applications") or []
    top = 34
    height = top + max(1, len(apps)) * (bar_height + gap) + 10
    total_width = label_width + width + 90
    biggest = max([int(a.get("accounts") or 0) for a in apps] + [1])
    parts = ['<svg id="chart-svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" '
             'aria-label="Accounts per application, stacked by status">' % (total_width, height, total_width, height)]
    x = label_width
    for status in STATUSES:  # legend
        parts.append('<rect x="%d" y="6" width="12" height="12" fill="%s" />' % (x, STATUS_COLORS[status]))
        parts.append('<text x="%d" y="16" font-size="12">%s</text>' % (x + 16, h(STATUS_LABELS[status])))
        x += 40 + 7 * len(STATUS_LABELS[status])
    if not apps:
        parts.append('<text x="0" y="%d" font-size="13">No application reported.</text>' % (top + bar_height - 6))
    for index, app in enumerate(apps):
        y = top + index * (bar_height + gap)
        label = "%s (%s)" % (app.get("pair"), app.get("region"))
        parts.append('<text x="0" y="%d" font-size="13">%s</text>' % (y + bar_height - 6, h(label)))
        x = float(label_width)
        for status in STATUSES:
            value = app["by_status"].get(status)
            if not value:
                continue
            seg = width * int(value) / float(biggest)
            parts.append('<rect x="%.2f" y="%d" width="%.2f" height="%d" fill="%s" data-pair="%s" '
                         'data-status="%s" data-count="%d"><title>%s: %s %d</title></rect>'
                         % (x, y, seg, bar_height, STATUS_COLORS[status], h(app.get("pair")), h(status),
                            int(value), h(app.get("pair")), h(STATUS_LABELS[status]), int(value)))
            x += seg
        suffix = "%d" % int(app.get("accounts") or 0)
        if app.get("basis") != BASIS_V2_AND_V3:
            suffix += " (v3 side only)"
        parts.append('<text x="%.2f" y="%d" font-size="12">%s</text>' % (x + 6, y + bar_height - 6, h(suffix)))
    parts.append("</svg>")
    return "".join(parts)


def _job_text(job):
    if not job:
        return "none"
    text = "%s %s" % (job.get("type") or "job", job.get("status") or "?")
    if job.get("type") == "migration":
        text += ": %d of %d migrated, %d placeholders, %d failed" % (
            int(job.get("count_success") or 0), int(job.get("count_all") or 0),
            int(job.get("count_warning") or 0), int(job.get("count_failed") or 0))
    return text


def _applications_table(report):
    lines = ['<table id="applications-table"><thead><tr><th class="text">Pair</th><th class="text">v3 application</th>'
             '<th class="text">Region</th><th class="text">Basis</th><th>Accounts</th>%s'
             '<th class="text">Latest migration job</th></tr></thead><tbody>' % _status_header()]
    for app in report.get("applications") or []:
        basis = "v2 accounts + v3 grants" if app.get("basis") == BASIS_V2_AND_V3 else "v3 side only"
        lines.append(
            '<tr data-pair="%s" data-application="%s" data-region="%s" data-basis="%s">'
            '<td class="text">%s</td><td class="text"><code>%s</code></td><td class="text">%s</td>'
            '<td class="text">%s</td><td data-status="accounts">%d</td>%s<td class="text">%s</td></tr>'
            % (h(app.get("pair")), h(app.get("application")), h(app.get("region")), h(app.get("basis")),
               h(app.get("pair")), h(app.get("application")), h(app.get("region")), h(basis),
               int(app.get("accounts") or 0), "".join(_count_cell(s, app["by_status"].get(s)) for s in STATUSES),
               h(_job_text(app.get("latest_job")))))
    lines.append("</tbody></table>")
    return "".join(lines)


def _forecast_section(report):
    """The forecast of each pair beside its current state ("" when no pair has a forecast).

    In a plan run nothing has changed yet, so the forecast says what the run will do; after a real run the
    current state is the outcome, set beside what was forecast.
    """
    apps = [a for a in report.get("applications") or [] if a.get("forecast")]
    if not apps:
        return ""
    lines = ['<table id="forecast-table"><thead><tr><th class="text">Pair</th>%s<th class="text">As forecast</th>'
             '</tr></thead><tbody>' % "".join(
                 '<th><span class="swatch" style="background:%s"></span>%s<br />current / forecast</th>'
                 % (STATUS_COLORS[s], h(STATUS_LABELS[s])) for s in STATUSES)]
    reasons = []
    for app in apps:
        side = app.get("forecast_beside_current") or {}
        cells = []
        for status in STATUSES:
            pair = side.get(status) or {}
            current = pair.get("current")
            cells.append('<td data-status="%s" data-current="%s" data-forecast="%s">%s / %s</td>' % (
                h(status), h(current), h(pair.get("forecast")), "unknown" if current is None else int(current),
                int(pair.get("forecast") or 0)))
        lines.append('<tr data-pair="%s"><td class="text">%s</td>%s<td class="text" data-matches="%s">%s</td></tr>'
                     % (h(app.get("pair")), h(app.get("pair")), "".join(cells),
                        "true" if side.get("matches") else "false", "yes" if side.get("matches") else "not yet"))
        to_migrate = app["forecast"].get("to_migrate") or {}
        for reason in to_migrate.get("reasons") or []:
            reasons.append("<li><strong>%s</strong>: %d %s %s - %s</li>" % (
                h(app.get("pair")), int(reason.get("count") or 0), h(reason.get("provider") or ""),
                "will fail" if reason.get("outcome") == "will_fail" else "re-authentication required",
                h(reason.get("reason"))))
    lines.append("</tbody></table>")
    text = ("<p>The forecast applies the documented clone outcome rules to the accounts still without a grant. "
            "Before the migration runs (a plan) the current state shows what is and the forecast what the run "
            "will make of it; after the run the current state is the outcome, beside what was forecast.</p>")
    if reasons:
        text += '<h3>Why accounts will need re-authentication or fail</h3><ul id="forecast-reasons">%s</ul>' % (
            "".join(reasons))
    return "".join(lines) + text


def _gates_section(report):
    """The go/no-go gate of each pair: verdict, then each check's verdict and reason ("" without gates)."""
    gates = report.get("gates") or []
    if not gates:
        return ""
    lines = ['<table id="gates-table"><thead><tr><th class="text">Pair</th><th class="text">Region</th>'
             '<th class="text">Gate</th><th class="text">Check</th><th class="text">Verdict</th>'
             '<th class="text">Why</th></tr></thead><tbody>']
    for gate in gates:
        checks = gate.get("checks") or [{"name": "-", "verdict": "-", "reason": gate.get("reason")}]
        for index, check in enumerate(checks):
            lines.append(
                '<tr data-pair="%s" data-gate="%s" data-check="%s" data-verdict="%s"><td class="text">%s</td>'
                '<td class="text">%s</td><td class="text">%s</td><td class="text">%s</td><td class="text">%s</td>'
                '<td class="text">%s</td></tr>'
                % (h(gate.get("pair")), h(gate.get("verdict")), h(check.get("name")), h(check.get("verdict")),
                   h(gate.get("pair")) if index == 0 else "", h(gate.get("region")) if index == 0 else "",
                   h(gate.get("verdict")) if index == 0 else "", h(check.get("name")), h(check.get("verdict")),
                   h(check.get("reason"))))
    lines.append("</tbody></table>")
    return "".join(lines)


def _providers_table(report):
    providers = (report.get("totals") or {}).get("by_provider") or {}
    lines = ['<table id="providers-table"><thead><tr><th class="text">Provider (v3)</th><th>Accounts</th>%s</tr>'
             '</thead><tbody>' % _status_header()]
    for provider, counts in providers.items():
        lines.append('<tr data-provider="%s"><td class="text">%s</td><td data-status="accounts">%d</td>%s</tr>'
                     % (h(provider), h(provider), int(counts.get("total") or 0),
                        "".join(_count_cell(s, counts.get(s)) for s in STATUSES)))
    lines.append("</tbody></table>")
    return "".join(lines)


def _files(report):
    counts = report.get("files") or {}
    return (
        '<ul id="files-list">'
        '<li><a href="reauth_required.csv">reauth_required.csv</a>: %d account(s) whose users must sign in again</li>'
        '<li><a href="failed.csv">failed.csv</a>: %d failed account(s) that need a decision</li>'
        '<li><a href="summary.json">summary.json</a>: every count of this page</li>'
        '</ul><p>The CSV files hold email addresses: share them only with the people who need them.</p>'
        % (int(counts.get("reauth_required.csv") or 0), int(counts.get("failed.csv") or 0))
    )


def render_html(report, title="Nylas v2 to v3 migration report"):
    """Render the report (:func:`nylas_report.build_report`) as one self-contained, well-formed HTML page."""
    complete = report.get("complete")
    forecast = _forecast_section(report)
    definitions = "".join("<dt>%s</dt><dd>%s</dd>" % (h(STATUS_LABELS[s]), h(STATUS_DEFINITIONS[s]))
                          for s in STATUSES)
    body = [
        "<header><h1>%s</h1>" % h(title),
        '<p class="meta">Run <code>%s</code>, generated %s. %s</p></header>' % (
            h(report.get("run_id") or "-"), h(report.get("generated_at") or "-"),
            "Every application pair was reported on both the v2 and v3 sides." if complete
            else "Some counts are incomplete: see below."),
        _notes(report),
        '<section id="totals"><h2>Totals per region</h2>%s</section>' % _totals_table(report),
        '<section id="chart"><h2>Accounts per application</h2>%s</section>' % _chart(report),
        '<section id="applications"><h2>Applications</h2>%s</section>' % _applications_table(report),
        ('<section id="forecast"><h2>Forecast beside the current state</h2>%s</section>' % forecast
         if forecast else ""),
        ('<section id="gates"><h2>Go/no-go gate before the batch</h2>%s</section>' % _gates_section(report)
         if report.get("gates") else ""),
        '<section id="providers"><h2>Providers</h2>%s</section>' % _providers_table(report),
        '<section id="files"><h2>Files</h2>%s</section>' % _files(report),
        '<section id="definitions"><h2>What the statuses mean</h2><dl>%s</dl></section>' % definitions,
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8" />'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />'
        "<title>%s - %s</title><style>%s</style></head><body>%s</body></html>\n"
        % (h(title), h(report.get("run_id") or ""), _CSS, "\n".join(part for part in body if part))
    )


def csv_cell(value):
    """A CSV cell value: None becomes empty; a value a spreadsheet would run as a formula gets a leading quote."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def render_csv(rows, fields=CSV_FIELDS):
    """Render rows as CSV text (header line, then one line per row; RFC 4180 quoting and line ends).

    ``fields``, then each of ``OPTIONAL_CSV_FIELDS`` that a row carries.
    """
    rows = list(rows)
    fields = tuple(fields) + tuple(f for f in OPTIONAL_CSV_FIELDS if f not in fields and any(f in row for row in rows))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([csv_cell(row.get(field)) for field in fields])
    return buf.getvalue()


def merge_summary(existing, report):
    """``summary.json``: the report's keys over an ``existing`` summary (the migrate.yml run summary).

    Keys of ``existing`` that the report does not set (``application_pairs``, ``check_mode`` of
    ``playbooks/migrate.yml``) are kept; anything that is not a JSON object is replaced.
    """
    merged = dict(existing) if isinstance(existing, dict) else {}
    merged.update(report)
    return merged
