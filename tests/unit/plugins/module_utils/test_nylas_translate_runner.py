# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the translation loop and its files (module_utils/nylas_translate_runner.py).

The client is a small in-memory stand-in that answers pages from a table (HTTP is covered by the
client's tests and the integration tests).
"""
from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_contract import Answer
from ansible_collections.nylas.migration.plugins.module_utils.nylas_paging import DEFAULT_MAX_PAGES, PageGuard
from ansible_collections.nylas.migration.plugins.module_utils import nylas_translate_planning as p
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_translate_runner import (
    OutputSet,
    translate_pending,
)

IMAP = {"account_id": "acc-imap", "grant_id": "g-imap", "provider": "imap"}
GMAIL = {"account_id": "acc-gmail", "grant_id": "g-gmail", "provider": "google"}
OUTLOOK = {"account_id": "acc-outlook", "grant_id": "g-outlook", "provider": "microsoft"}


class PagesClient:
    """Answers ``translate_ids`` from ``pages[(account, type)]``: a list of pages of (v2, v3) pairs."""

    def __init__(self, pages, fail=None):
        self.pages, self.fail, self.calls = pages, fail or {}, []

    def translate_guard(self):
        return PageGuard(DEFAULT_MAX_PAGES, cursor_field="data.next_page_number", id_field="v2_resource_id")

    def translate_ids(self, account_id, resource_type, next_page_number=None, start_from_timestamp=None, guard=None):
        page = next_page_number or 1
        self.calls.append((account_id, resource_type, page, start_from_timestamp))
        if (account_id, resource_type, page) in self.fail:
            raise self.fail[(account_id, resource_type, page)]
        if account_id == OUTLOOK["account_id"]:
            raise NylasAPIError("v2 account has the provider Outlook: not available", status=400,
                                error_type="bad_request")
        pages = self.pages.get((account_id, resource_type), [[]])
        out = {"translations": [{"v2_resource_id": a, "v3_resource_id": b} for a, b in pages[page - 1]]}
        if page < len(pages):
            out["next_page_number"] = page + 1
        if guard is not None:
            guard.page(Answer({"data": out}, 200, "rid-%d" % page, "POST", "/v3/migration-tools/translate"),
                       out["translations"])
        return out


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


PAGES = {
    ("acc-gmail", "messages"): [[("m1", "h1"), ("m2", "h2")], [("m3", "h3")]],
    ("acc-imap", "folders"): [[("f1", "INBOX")]],
}


def run_all(tmp_path, client, accounts, types, concurrency=2):
    output = OutputSet(str(tmp_path / "set"))
    state = output.read_state()
    pending = p.pending_work(accounts, types, state)
    totals = translate_pending(client, output, pending, None, concurrency)
    return output, totals


@pytest.fixture
def open_umask():
    """Run with umask 000 so that only the code's own modes protect the files."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_pages_parts_checkpoint_and_files(tmp_path, open_umask):
    client = PagesClient(PAGES)
    output, totals = run_all(tmp_path, client, [IMAP, GMAIL], ["messages", "folders"])
    assert totals["requests"] == 5 and totals["rows"] == 4 and totals["failures"] == []
    state = output.read_state()
    assert state["next"] == {("acc-gmail", "messages"): None, ("acc-gmail", "folders"): None,
                             ("acc-imap", "messages"): None, ("acc-imap", "folders"): None}
    paths = output.assemble([IMAP, GMAIL], ["messages", "folders"], state)
    assert [os.path.basename(x) for x in paths] == ["messages.csv", "folders.csv"]
    assert open(paths[0]).read() == ("v2_id,v3_id,account_id,grant_id,resource_type\n"
                                     "m1,h1,acc-gmail,g-gmail,messages\nm2,h2,acc-gmail,g-gmail,messages\n"
                                     "m3,h3,acc-gmail,g-gmail,messages\n")
    assert open(paths[1]).read().splitlines()[1] == "f1,%s,acc-imap,g-imap,folders" % p.imap_folder_id("g-imap", "INBOX")
    for path in paths + [output.checkpoint_path]:
        assert mode(path) == 0o600
    assert mode(output.path) == 0o700
    # nothing left to do: no request
    again = translate_pending(client, output, p.pending_work([IMAP, GMAIL], ["messages", "folders"], state), None, 2)
    assert again["requests"] == 0 and len(client.calls) == 5


def test_outlook_refusal_skips_the_account_once_and_is_remembered(tmp_path):
    client = PagesClient(PAGES)
    output, totals = run_all(tmp_path, client, [OUTLOOK, GMAIL], ["messages", "folders"], concurrency=1)
    assert list(totals["skipped"]) == ["acc-outlook"] and totals["failures"] == []
    assert [c for c in client.calls if c[0] == "acc-outlook"] == [("acc-outlook", "messages", 1, None)]
    state = output.read_state()
    assert state["skipped"]["acc-outlook"][0] == p.SKIP_OUTLOOK
    assert p.pending_work([OUTLOOK, GMAIL], ["messages", "folders"], state) == []


def test_a_failure_keeps_the_pages_before_it_and_a_rerun_asks_only_the_rest(tmp_path):
    boom = NylasAPIError("Simulated fault", status=500, error_type="internal_error", request_id="r-1",
                         method="POST", path="/v3/migration-tools/translate")
    client = PagesClient(PAGES, fail={("acc-gmail", "messages", 2): boom})
    output, totals = run_all(tmp_path, client, [GMAIL], ["messages"])
    assert totals["failures"] == [{"account_id": "acc-gmail", "resource_type": "messages", "message": str(boom),
                                   "status": 500, "error_type": "internal_error", "request_id": "r-1",
                                   "method": "POST", "path": "/v3/migration-tools/translate", "field": None}]
    client.fail = {}
    output, totals = run_all(tmp_path, client, [GMAIL], ["messages"])
    assert totals["requests"] == 1 and client.calls[-1] == ("acc-gmail", "messages", 2, None)
    assert p.summarize([GMAIL], ["messages"], output.read_state())["translations"] == {"messages": 3}


def test_a_checkpoint_line_cut_short_is_closed_and_its_page_asked_again(tmp_path):
    client = PagesClient(PAGES)
    output = OutputSet(str(tmp_path / "set"))
    output.write_part("acc-gmail", "messages", 1, [["m1", "h1", "acc-gmail", "g-gmail", "messages"]])
    with open(output.checkpoint_path, "w") as handle:
        handle.write('{"a": "acc-gmail", "t": "messages", "p": 1, "ne')  # the kill came here
    totals = translate_pending(client, output, p.pending_work([GMAIL], ["messages"], output.read_state()), None, 1)
    assert totals["requests"] == 2 and client.calls[0][2] == 1
    state = output.read_state()
    assert state["pages"][("acc-gmail", "messages")] == {1: 2, 2: 1}


@pytest.mark.parametrize("bad_next", [1, 0, "2", True])
def test_an_unusable_next_page_number_ends_the_pair_instead_of_looping(tmp_path, bad_next):
    class Looping(PagesClient):
        def translate_ids(self, account_id, resource_type, next_page_number=None, start_from_timestamp=None,
                          guard=None):
            self.calls.append(next_page_number)
            return {"translations": [], "next_page_number": bad_next}

    client = Looping({})
    run_all(tmp_path, client, [GMAIL], ["messages"])
    assert client.calls == [None]
