# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the report's private files (module_utils/nylas_report_files.py)."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_files import (
    ensure_private_dir,
    read_json,
    write_private_file,
    write_private_json,
)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    """Run with umask 000 so that only the code's own modes protect the files."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_private_file_and_folders(tmp_path, open_umask):
    path = tmp_path / "a" / "b" / "rows.json"
    assert write_private_file(str(path), "héllo\n") == str(path)
    assert path.read_text(encoding="utf-8") == "héllo\n"
    assert mode(path) == 0o600
    assert mode(tmp_path / "a") == 0o700 and mode(tmp_path / "a" / "b") == 0o700
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["rows.json"]  # no temporary file left


def test_existing_file_is_replaced_with_mode_0600(tmp_path, open_umask):
    path = tmp_path / "index.html"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_private_file(str(path), "new")
    assert path.read_text() == "new" and mode(path) == 0o600


def test_existing_folder_is_left_alone(tmp_path):
    os.chmod(tmp_path, 0o755)
    assert ensure_private_dir(str(tmp_path)) == []
    assert mode(tmp_path) == 0o755
    created = ensure_private_dir(str(tmp_path / "x" / "y"))
    assert created == [str(tmp_path / "x"), str(tmp_path / "x" / "y")]


def test_json(tmp_path):
    pretty = write_private_json(str(tmp_path / "s.json"), {"b": 1, "a": "é"})
    assert open(pretty, encoding="utf-8").read() == '{\n  "a": "é",\n  "b": 1\n}\n'
    compact = write_private_json(str(tmp_path / "c.json"), {"b": [1, 2], "a": None}, indent=None)
    assert open(compact, encoding="utf-8").read() == '{"a":null,"b":[1,2]}\n'
    assert read_json(compact) == {"a": None, "b": [1, 2]}


def test_write_failure_leaves_no_temporary_file(tmp_path, monkeypatch):
    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_private_file(str(tmp_path / "f.csv"), "x")
    assert list(tmp_path.iterdir()) == []


def test_read_json_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ValueError):
        read_json(str(bad))
    with pytest.raises(OSError):
        read_json(str(tmp_path / "missing.json"))


def test_read_cutover_records(tmp_path):
    from ansible_collections.nylas.migration.plugins.module_utils.nylas_report_files import read_cutover_records

    write_private_json(str(tmp_path / "cutover-v2-a-late.json"), dict(v2_client_id="v2-a", run_id="late", started_at=9))
    write_private_json(str(tmp_path / "cutover-v2-a-early.json"), dict(v2_client_id="v2-a", run_id="early", started_at=1))
    write_private_json(str(tmp_path / "cutover-v2-ab-x.json"), dict(v2_client_id="v2-ab", run_id="x"))
    (tmp_path / "cutover-v2-a-broken.json").write_text("{not json")
    assert [r["run_id"] for r in read_cutover_records(str(tmp_path), "v2-a")] == ["early", "late"]
    assert read_cutover_records(str(tmp_path / "missing"), "v2-a") == []
