# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The loop of the id translation (step 8): pages → part files → checkpoint → mapping files.

No decision is taken here (they are in ``nylas_translate_planning``); this file does the I/O:

* :class:`OutputSet` -- one output set on disk: ``<dest>[/since-<ts>]/`` holds the mapping files
  ``<resource type>.csv``, the checkpoint ``.checkpoint.jsonl`` and the pages ``.parts/``. Files are
  mode 0600, folders 0700 (they map a person's mail to ids).
* :func:`translate_pending` -- fetch every pending account/type, page after page, with ``concurrency``
  workers that share the client (and so its per-application rate limiter). Each page is written to
  its own part file atomically (temporary file + rename) *before* its checkpoint line is appended,
  so a kill at any moment loses at most the page in flight, which the next run asks again.
* :meth:`OutputSet.assemble` -- concatenate the parts into the mapping files (atomically), accounts
  sorted by id, pages in order: the files of an interrupted-then-resumed run are identical to those
  of an uninterrupted one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError, NylasError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_files import (
    FILE_MODE,
    ensure_private_dir,
    write_private_file,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_translate_planning import (
    CSV_COLUMNS,
    classify_translate_error,
    page_line,
    replay_checkpoint,
    rows_for_page,
    skip_entry,
    skip_line,
)

CHECKPOINT_NAME = ".checkpoint.jsonl"
PARTS_NAME = ".parts"


def _csv_text(rows, header=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


class OutputSet:
    """The files of one output set (see the module docstring).

    Args:
        path: the set's folder (created 0700 on the first write).
    """

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.checkpoint_path = os.path.join(self.path, CHECKPOINT_NAME)
        self._lock = threading.Lock()

    def read_state(self):
        """Return the checkpoint state (``replay_checkpoint``); an absent checkpoint is an empty state."""
        try:
            with open(self.checkpoint_path, "r", encoding="utf-8") as handle:
                return replay_checkpoint(handle.readlines())
        except FileNotFoundError:
            return replay_checkpoint([])

    def append(self, line):
        """Append one checkpoint line (flushed and synced before returning; thread-safe).

        A previous line cut short by a kill is first closed with a newline, so it stays one ignored line.
        """
        with self._lock:
            ensure_private_dir(self.path)
            fd = os.open(self.checkpoint_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
            try:
                size = os.fstat(fd).st_size
                prefix = ""
                if size:
                    with open(self.checkpoint_path, "rb") as reader:
                        reader.seek(size - 1)
                        if reader.read(1) != b"\n":
                            prefix = "\n"
                os.write(fd, (prefix + line + "\n").encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def part_path(self, account_id, resource_type, page):
        """Path of the part file of one page."""
        return os.path.join(self.path, PARTS_NAME, resource_type, quote(account_id, safe="-_."), "%06d.csv" % page)

    def write_part(self, account_id, resource_type, page, rows):
        """Write a page's rows (no header) atomically with mode 0600."""
        write_private_file(self.part_path(account_id, resource_type, page), _csv_text(rows))

    def mapping_path(self, resource_type):
        """Path of the mapping file of a resource type."""
        return os.path.join(self.path, "%s.csv" % resource_type)

    def missing_files(self, resource_types):
        """The resource types whose mapping file is absent."""
        return [t for t in resource_types if not os.path.exists(self.mapping_path(t))]

    def assemble(self, accounts, resource_types, state):
        """Write one mapping file per resource type from the parts, atomically; return the paths.

        Rows: a header, then the accounts sorted by id, each account's pages in order.

        Raises:
            OSError: a part recorded in the checkpoint is missing or unreadable.
        """
        paths = []
        ordered = sorted(accounts, key=lambda a: a["account_id"])
        for resource_type in resource_types:
            chunks = [_csv_text([], header=True)]
            for account in ordered:
                pages = state["pages"].get((account["account_id"], resource_type), {})
                for page in sorted(pages):
                    with open(self.part_path(account["account_id"], resource_type, page), "r",
                              encoding="utf-8", newline="") as handle:
                        chunks.append(handle.read())
            paths.append(write_private_file(self.mapping_path(resource_type), "".join(chunks)))
        return paths


def _error_fields(error):
    return {
        "message": str(error),
        "status": getattr(error, "status", None),
        "error_type": getattr(error, "error_type", None),
        "request_id": getattr(error, "request_id", None),
        "method": getattr(error, "method", None),
        "path": getattr(error, "path", None),
        "field": getattr(error, "field", None),
    }


def translate_unit(client, output, account, resource_type, page, since, skipped):
    """Fetch the pages of one account and type from ``page`` on; return ``(pages, rows, failure)``.

    Calls ``client.translate_ids`` (``POST /v3/migration-tools/translate``) once per page, within one
    :class:`nylas_paging.PageGuard` (``client.translate_guard()``): a cursor that does not advance, a
    page of translations already seen or a walk past ``max_pages`` ends the unit as a failure that names
    the endpoint and the request id. Writes each page's part, then its checkpoint line. An Outlook refusal records the account in
    ``skipped`` (a dict shared by the workers) and in the checkpoint; the account's other types are
    then not asked.

    Returns:
        ``pages`` fetched, ``rows`` written, and ``failure`` (a dict with ``account_id``,
        ``resource_type`` and the error fields) or None.
    """
    account_id = account["account_id"]
    fetched = rows_total = 0
    guard = client.translate_guard()  # this walk's bound: page cap, no page of ids seen before
    while page is not None:
        if account_id in skipped:
            return fetched, rows_total, None
        try:
            data = client.translate_ids(account_id, resource_type, next_page_number=None if page == 1 else page,
                                        start_from_timestamp=since, guard=guard)
        except NylasAPIError as error:
            reason = classify_translate_error(error.status, getattr(error, "message", None) or str(error))
            if reason is not None:
                entry = skip_entry(account_id, reason)
                if account_id not in skipped:
                    skipped[account_id] = entry
                    output.append(skip_line(entry))
                return fetched, rows_total, None
            return fetched, rows_total, dict(account_id=account_id, resource_type=resource_type, **_error_fields(error))
        except NylasError as error:
            return fetched, rows_total, dict(account_id=account_id, resource_type=resource_type, **_error_fields(error))
        fetched += 1
        rows = rows_for_page(account, resource_type, data.get("translations"))
        next_page = data.get("next_page_number")
        if isinstance(next_page, bool) or not isinstance(next_page, int) or next_page <= page:
            next_page = None  # absent (done) or unusable: never loop on the same page
        output.write_part(account_id, resource_type, page, rows)
        output.append(page_line(account_id, resource_type, page, next_page, len(rows)))
        rows_total += len(rows)
        page = next_page
    return fetched, rows_total, None


def translate_pending(client, output, pending, since, concurrency, skipped=None):
    """Translate the pending account/type pairs, concurrently across accounts.

    One worker takes one account at a time and fetches its types in order (so an account the API
    refuses is asked once, not once per type); up to ``concurrency`` accounts are fetched at once.

    Args:
        client: a ``NylasV3Client`` (its limiter is shared by the workers).
        output: the :class:`OutputSet`.
        pending: ``(account, resource_type, page)`` items from ``pending_work``.
        since: ``start_from_timestamp`` or None.
        concurrency: workers (>= 1).
        skipped: ``{account_id: skip entry}`` already known (updated in place).

    Returns:
        ``{"requests": pages fetched, "rows": rows written, "failures": [...], "skipped": {...}}``.
    """
    skipped = {} if skipped is None else skipped
    totals = {"requests": 0, "rows": 0, "failures": [], "skipped": skipped}
    lock = threading.Lock()
    by_account = OrderedDict()
    for item in pending:
        by_account.setdefault(item[0]["account_id"], []).append(item)

    def work(items):
        for account, resource_type, page in items:
            pages, rows, failure = translate_unit(client, output, account, resource_type, page, since, skipped)
            with lock:
                totals["requests"] += pages
                totals["rows"] += rows
                if failure is not None:
                    totals["failures"].append(failure)

    groups = list(by_account.values())
    if not groups:
        return totals
    workers = max(1, min(int(concurrency), len(groups)))
    if workers == 1:
        for items in groups:
            work(items)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(work, groups))
    totals["failures"].sort(key=lambda f: (f["account_id"], f["resource_type"]))
    return totals
