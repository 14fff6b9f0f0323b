# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/translate.yml end to end: ansible-playbook over a one-pair inventory against a simulator.

The pair is linked and migrated over HTTP first (the module tests cover the details); the playbook
then plans (check mode), translates under async/poll, and a re-run changes nothing.
"""
from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from tests.integration.modules.test_nylas_id_translate import API_KEY, V2_SECRET, start_migrated
from tests.integration.playbooks.playbook_runner import (
    ANSIBLE_PLAYBOOK,
    REPO_ROOT,
    parse_recap,
    playbook_env,
)

PLAYBOOK = REPO_ROOT / "playbooks" / "translate.yml"


@pytest.fixture
def migrated_sim(sim_factory, tmp_path):
    """A simulator whose pair is linked and migrated (the seed of the module tests)."""
    return start_migrated(sim_factory, tmp_path)


def inventory(tmp_path, sim):
    data = {"all": {"children": {"nylas_apps": {"hosts": {"pair1": {
        "nylas_api_key": API_KEY, "nylas_region": "us", "nylas_api_uri": sim.url}}}}}}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def play(tmp_path, sim, *extra):
    cmd = [str(ANSIBLE_PLAYBOOK), "-i", str(inventory(tmp_path, sim)), str(PLAYBOOK),
           "-e", "nylas_translate_root=%s" % (tmp_path / "translations"), "-e", "nylas_translate_poll=1"] + list(extra)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=playbook_env(), timeout=240, check=False,
                          cwd=str(tmp_path))
    out = proc.stdout + proc.stderr
    assert API_KEY not in out and V2_SECRET not in out
    return proc.returncode, out, parse_recap(proc.stdout)


def test_plan_translate_rerun(migrated_sim, tmp_path):
    rc, out, recap = play(tmp_path, migrated_sim, "--check")
    assert rc == 0, out[-3000:]
    assert "4 account(s), 32 account/type pair(s) to translate" in out
    assert not (tmp_path / "translations").exists()

    rc, out, recap = play(tmp_path, migrated_sim)
    assert rc == 0, out[-3000:]
    assert recap["pair1"]["changed"] == 1 and recap["pair1"]["failed"] == 0, out[-4000:]
    files = sorted(os.listdir(tmp_path / "translations" / "pair1"))
    assert "messages.csv" in files and "folders.csv" in files and ".checkpoint.jsonl" in files

    seq = migrated_sim.requests_log()[-1]["seq"]
    rc, out, recap = play(tmp_path, migrated_sim)
    assert rc == 0 and recap["pair1"]["changed"] == 0, out[-3000:]
    assert [e for e in migrated_sim.requests_log(since=seq) if e["method"] == "POST"] == []
