# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Local files of the migration report: private (mode 0600) files in private (0700) folders.

The report files hold personal data (email addresses), so they are created readable by their owner
only, whatever the umask: a file is written to a temporary file created with mode 0600 in the same
folder, then renamed over the target (an existing file of another mode is replaced, not reused).
Folders this module creates get mode 0700; existing folders are left as they are.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

FILE_MODE = 0o600
DIR_MODE = 0o700


def ensure_private_dir(path):
    """Create ``path`` and its missing parents with mode 0700; return the folders created."""
    path = os.path.abspath(path)
    missing = []
    current = path
    while not os.path.isdir(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    created = []
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            if not os.path.isdir(folder):
                raise
            continue
        os.chmod(folder, DIR_MODE)  # mkdir applies the umask
        created.append(folder)
    return created


def write_private_file(path, text):
    """Write ``text`` (str) to ``path`` atomically with mode 0600, creating its folder (0700) when missing."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    ensure_private_dir(folder)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=folder)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_private_json(path, data, indent=2):
    """Write ``data`` as JSON (sorted keys, UTF-8; compact when ``indent`` is None) to a private file; return the path."""
    separators = (",", ":") if indent is None else None
    text = json.dumps(data, indent=indent, separators=separators, sort_keys=True, ensure_ascii=False)
    return write_private_file(path, text + "\n")


def read_json(path):
    """Read a JSON file; return the parsed value. Raises ``OSError`` or ``ValueError``."""
    with open(path, "r", encoding="utf-8") as handle:
        return json.load(handle)


def read_cutover_records(record_dir, v2_client_id):
    """Read the cutover records of one pair (``<record_dir>/cutover-<v2 client id>-*.json``), oldest run first.

    Returns a list of records (dicts); files that are not readable JSON objects are skipped. A missing
    folder gives an empty list. The order is the records' ``started_at`` (then the file name).
    """
    if not record_dir or not os.path.isdir(record_dir):
        return []
    prefix = "cutover-%s-" % v2_client_id
    records = []
    for name in sorted(os.listdir(record_dir)):
        if not (name.startswith(prefix) and name.endswith(".json")):
            continue
        try:
            record = read_json(os.path.join(record_dir, name))
        except (OSError, ValueError):
            continue
        if isinstance(record, dict) and record.get("v2_client_id") == v2_client_id:
            records.append(record)
    return sorted(records, key=lambda r: r.get("started_at") or 0)
