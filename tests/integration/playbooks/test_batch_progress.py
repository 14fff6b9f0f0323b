# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live progress of the batch wait (nylas_batch_wait), on the simulators with slow jobs.

The demo's three pairs migrate with jobs paced at a few accounts per second and a one-second progress
interval. In the ``ansible-playbook`` output AND in the events of the same job run by ansible-runner
(as AWX runs it: Display output becomes ``verbose`` events), every pair has at least three progress
lines whose accounts done rise to the total, and no line says FAILED.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.integration.playbooks.playbook_runner import (
    COLLECTIONS_ROOT,
    DEMO_INVENTORY,
    DEMO_PAIRS,
    mini_demo_seed,
)

#: Accounts per second of the slow jobs, and the accounts of each pair (a job of several seconds each).
SLOW_PACE = 8
COUNTS = {"v2-us-acme": 90, "v2-us-globex": 72, "v2-eu-initech": 90}
PROGRESS_VARS = {"nylas_batch_progress_interval": 1, "nylas_batch_clone_poll_interval": 1}
PROGRESS_LINE = re.compile(r"^(?P<host>[\w-]+): batch clone(?: \(batch \d+\))?: (?P<done>\d+)/(?P<total>\d+|\?) accounts")
FINAL_LINE = re.compile(r"^(?P<host>[\w-]+): batch clone (?:completed|partial) after ")


def progress_by_host(lines):
    """``{host: [(done, total), ...]}`` of the progress lines among ``lines``, in order."""
    found = {}
    for line in lines:
        match = PROGRESS_LINE.match(line.strip())
        if match:
            found.setdefault(match.group("host"), []).append((int(match.group("done")), match.group("total")))
    return found


def assert_rising_progress(found):
    """Every demo pair: at least three lines, the accounts done never go down and rise, the total is known."""
    assert set(found) == set(DEMO_PAIRS), found
    for host, points in found.items():
        done = [d for d, _total in points]
        assert len(points) >= 3, (host, points)
        assert done == sorted(done) and done[-1] > done[0], (host, points)
        assert all(total != "?" for _done, total in points), (host, points)


@pytest.fixture
def slow_sims(sim_pair, tmp_path):
    seed = mini_demo_seed(tmp_path / "seed.yaml", counts=COUNTS)
    return sim_pair(us_seed=seed, eu_seed=seed, job_pace=SLOW_PACE)


def test_progress_lines_in_ansible_playbook_output(run_playbook, slow_sims):
    run = run_playbook(sims=slow_sims, extra_vars=PROGRESS_VARS)
    assert run.rc == 0, run.stdout[-6000:]
    lines = run.stdout.splitlines()
    assert_rising_progress(progress_by_host(lines))
    finals = {m.group("host") for m in (FINAL_LINE.match(line) for line in lines) if m}
    assert finals == set(DEMO_PAIRS), run.stdout[-4000:]
    assert "FAILED" not in run.stdout
    assert "RETRYING" not in run.stdout
    assert all(run.recap[host]["failed"] == 0 for host in DEMO_PAIRS)


def _runner_inventory(directory, sims):
    """The demo inventory pointing at ``sims`` (the FAKE demo keys of its host_vars)."""
    shutil.copytree(DEMO_INVENTORY, directory)
    for region, sim in sims.items():
        path = Path(directory) / "group_vars" / ("%s.yml" % region)
        data = yaml.safe_load(path.read_text())
        data.update(nylas_api_uri=sim.url, nylas_v2_api_uri=sim.url)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return directory


def test_progress_lines_in_ansible_runner_events(slow_sims, tmp_path, report_root, webhook_receiver):
    ansible_runner = pytest.importorskip("ansible_runner")
    private = tmp_path / "runner"
    (private / "project").mkdir(parents=True)
    (private / "project" / "migrate.yml").write_text(
        "---\n- name: Migrate\n  ansible.builtin.import_playbook: nylas.migration.migrate\n")
    inventory = _runner_inventory(private / "inventory", slow_sims)
    envvars = {"ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_ROOT), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
               "PATH": os.path.dirname(os.path.abspath(os.sys.executable)) + os.pathsep + os.environ.get("PATH", "")}
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith(("NYLAS_", "ANSIBLE_"))}
    try:
        result = ansible_runner.run(
            private_data_dir=str(private), playbook="migrate.yml", inventory=str(inventory),
            extravars=dict(PROGRESS_VARS, nylas_report_root=str(report_root), demo_webhook_base=webhook_receiver.url),
            envvars=envvars,
            suppress_env_files=True, quiet=True, timeout=300, ident="progress",
        )
    finally:
        os.environ.update(saved)
    events = list(result.events)
    assert result.rc == 0, result.stdout.read()[-6000:]
    verbose = [e.get("stdout", "") for e in events if e.get("event") == "verbose"]
    assert_rising_progress(progress_by_host(line for text in verbose for line in text.splitlines()))
    assert not any("FAILED" in e.get("stdout", "") for e in events)
