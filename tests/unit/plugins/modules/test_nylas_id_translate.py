# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of nylas_id_translate: main() with patched arguments and the fake v3 client.

``FakeNylas`` (shared by the module tests) holds the grants and the translate pages (HTTP is covered
by the client and integration tests).
"""
from __future__ import annotations

import os

import pytest

from ansible_collections.nylas.migration.plugins.modules import nylas_id_translate
from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    API_KEY,
    FakeNylas,
    api_error,
    assert_no_secret,
    grant,
    run_module,
)


@pytest.fixture
def run(monkeypatch, capsys, tmp_path):
    def _run(fake, pages, check_mode=False, **args):
        fake.translations = pages
        fake.install(monkeypatch)
        args.setdefault("api_key", API_KEY)
        args.setdefault("dest", str(tmp_path / "out"))
        rc, result, raw = run_module(nylas_id_translate.main, args, capsys, check_mode=check_mode)
        assert_no_secret(raw)
        assert "@" not in raw
        return result, rc != 0

    return _run


PAGES = {("a", "messages"): [[("m1", "x1"), ("m2", "x2")], [("m3", "x3")]],
         ("b", "folders"): [[("f1", "INBOX")]]}


def fake_with_grants():
    fake = FakeNylas()
    fake.add_grants([grant("a"), grant("b", provider="imap"), grant("c", status="invalid")])
    return fake


def translated(fake):
    return [c[1] for c in fake.calls if c[0] == "translate_ids"]


def test_check_mode_asks_nothing_and_returns_the_plan(run, tmp_path):
    fake = fake_with_grants()
    result, failed = run(fake, PAGES, check_mode=True, resource_types=["messages", "folders"])
    assert not failed and result["changed"] is True and translated(fake) == []
    assert result["plan"] == {"accounts": 2, "resource_types": ["messages", "folders"], "since": None, "pending": 4,
                              "assemble": True, "requests_min": 4, "minutes_min": 0.0, "requests_per_second": 19.0}
    assert result["skipped_counts"] == {"grant_not_valid": 1}
    assert not os.path.exists(tmp_path / "out")


def test_translates_then_a_rerun_asks_nothing(run, tmp_path):
    fake = fake_with_grants()
    result, failed = run(fake, PAGES, resource_types=["messages", "folders"])
    assert not failed and result["changed"] is True
    assert result["requests"] == 5 and result["translations"] == {"messages": 3, "folders": 1}
    assert sorted(translated(fake)) == [("a", "folders", 1, None), ("a", "messages", 1, None),
                                        ("a", "messages", 2, None), ("b", "folders", 1, None),
                                        ("b", "messages", 1, None)]
    lines = open(tmp_path / "out" / "folders.csv").read().splitlines()
    assert lines[1].startswith("f1,") and lines[1].endswith(",b,g-b,folders") and "INBOX" not in lines[1]
    calls = len(fake.calls)
    again, failed = run(fake, PAGES, resource_types=["messages", "folders"])
    assert not failed and again["changed"] is False and again["requests"] == 0
    assert len(fake.calls) == calls  # not even the grants were read again


def test_since_goes_to_its_own_set_and_is_sent(run, tmp_path):
    fake = fake_with_grants()
    result, failed = run(fake, PAGES, resource_types=["messages"], since="2025-11-30T08:00:00Z")
    assert not failed and result["output_dir"] == str(tmp_path / "out" / "since-1764489600")
    assert set(c[3] for c in translated(fake)) == {1764489600}


def test_a_failure_fails_with_the_error_fields_and_keeps_the_counts(run):
    fake = fake_with_grants()
    fake.errors[("translate_ids", "b")] = api_error(503, "internal_error", "busy", request_id="rid-503",
                                                    method="POST", path="/v3/migration-tools/translate")
    result, failed = run(fake, PAGES, resource_types=["messages"], concurrency=1)
    assert failed and result["status"] == 503 and result["request_id"] == "rid-503"
    assert result["failures"][0]["account_id"] == "b" and result["translations"] == {"messages": 3}
    assert "Failed to translate the messages of account b" in result["msg"]


def test_without_fail_on_error_the_task_succeeds_and_writes_no_file(run, tmp_path):
    fake = fake_with_grants()
    fake.errors[("translate_ids", "b")] = api_error(503, "internal_error", "busy")
    result, failed = run(fake, PAGES, resource_types=["messages"], fail_on_error=False)
    assert not failed and len(result["failures"]) == 1 and result["files"] == []


@pytest.mark.parametrize("args, words", [
    (dict(since="soon"), "since"),
    (dict(concurrency=0), "concurrency"),
])
def test_bad_options_fail_before_any_call(run, args, words):
    fake = fake_with_grants()
    result, failed = run(fake, PAGES, **args)
    assert failed and words in result["msg"] and fake.calls == []
