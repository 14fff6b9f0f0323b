# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as users run it: built into a tarball, installed into a fresh collections path, and
``ansible-playbook nylas.migration.migrate -i <their inventory>`` run by FQCN from a directory of theirs,
with no checkout around (``ANSIBLE_COLLECTIONS_PATH`` = only the install path, no ``ansible.cfg``).

Asserts where every file was written (reports in ``./reports/<run id>/``, webhook secrets in
``./reports/webhook-secrets/``), that nothing was created or changed inside the installed collection or
in the inventory, that the three pairs are migrated, and that a re-run reports ``changed=0``. Then, from
another directory, the end of the sequence by FQCN: ``nylas.migration.translate`` (``./translations/``),
``nylas.migration.cutover`` (records in ``./reports/cutover/``) and ``nylas.migration.report``, whose
rows carry the cutover state.
"""

from __future__ import annotations

import json
import re
import subprocess
import tarfile

import pytest

from simulator.receiver import WebhookReceiver
from tests.integration.installed.installed_runner import BIN, mini_demo_simulators, tree_state, user_env, user_inventory
from tests.integration.playbooks.playbook_runner import (
    DEMO_PAIRS, PLAYBOOK_TIMEOUT, parse_recap, writes,
)

RUN_ID = re.compile(r"^\d{8}T\d{6}Z$")
REPORT_FILES = {"summary.json", "index.html", "reauth_required.csv", "failed.csv"}


def run_fqcn(installed, cwd, inventory, *args, playbook="nylas.migration.migrate"):
    """``ansible-playbook <playbook> -i <inventory> ...`` from ``cwd``; return (rc, stdout, recap)."""
    cmd = [str(BIN / "ansible-playbook"), playbook, "-i", str(inventory)] + list(args)
    proc = subprocess.run(cmd, cwd=str(cwd), env=user_env(installed), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=PLAYBOOK_TIMEOUT,
                          check=False)
    return proc.returncode, proc.stdout, parse_recap(proc.stdout)


def test_tarball_holds_the_role_and_leaves_the_checkout_out(installed_collection):
    with tarfile.open(installed_collection.tarball) as tar:
        names = set(tar.getnames())
    for needed in ("roles/migrate/defaults/main.yml", "roles/migrate/meta/argument_specs.yml",
                   "roles/migrate/tasks/main.yml", "playbooks/migrate.yml", "playbooks/report.yml",
                   "roles/migrate/tasks/translate.yml", "roles/migrate/tasks/cutover.yml",
                   "playbooks/translate.yml", "playbooks/cutover.yml",
                   "extensions/awx/credential_type.yml", "extensions/awx/credential_type_many_pairs.yml"):
        assert needed in names, needed
    for left_out in ("ansible.cfg", "simulator", "tests/integration", "reports", "collections", ".venv"):
        assert not any(n == left_out or n.startswith(left_out + "/") for n in names), left_out


@pytest.fixture(scope="module")
def user_runs(installed_collection, tmp_path_factory):
    """Plan, change and re-run from a user's directory over a copy of the demo inventory (three pairs)."""
    tmp = tmp_path_factory.mktemp("user")
    with mini_demo_simulators(tmp) as sims, WebhookReceiver() as receiver:
        inventory = user_inventory(tmp / "inventory", sims, receiver.url)
        work = tmp / "work"
        work.mkdir()
        before = {"collection": tree_state(installed_collection.collection_dir), "inventory": tree_state(inventory)}
        runs = {}
        for name, args in (("plan", ["--check", "--diff"]), ("change", []), ("re-run", [])):
            runs[name] = run_fqcn(installed_collection, work, inventory, *args)
            if runs[name][0] != 0:
                break
        yield {"sims": sims, "runs": runs, "work": work, "inventory": inventory, "before": before,
               "installed": installed_collection}


def test_every_pass_succeeds_and_the_rerun_changes_nothing(user_runs):
    runs = user_runs["runs"]
    for name in ("plan", "change", "re-run"):
        assert name in runs and runs[name][0] == 0, (name, runs.get(name, (None, ""))[1][-6000:])
    for name in ("plan", "change"):
        recap = runs[name][2]
        assert set(recap) == set(DEMO_PAIRS), recap
        assert all(r["changed"] > 0 and r["failed"] == 0 for r in recap.values()), (name, recap)
    rerun = runs["re-run"][2]
    assert set(rerun) == set(DEMO_PAIRS)
    assert {h: r["changed"] for h, r in rerun.items() if r["changed"] or r["failed"]} == {}, rerun


def test_pairs_are_migrated_on_the_simulators(user_runs):
    sims = user_runs["sims"]
    for host, (region, app_id, client_id) in DEMO_PAIRS.items():
        app = sims[region].state()["applications"][app_id]
        assert app["v2_application_id"] == client_id, host
        assert app["grants"]["total"] == app["expected"]["valid"] + app["expected"]["placeholder"] > 0, (host, app)


def test_nothing_is_written_inside_the_installed_collection_nor_the_inventory(user_runs):
    installed = user_runs["installed"]
    after = tree_state(installed.collection_dir)
    before = user_runs["before"]["collection"]
    created = sorted(set(after) - set(before))
    changed = sorted(p for p in set(after) & set(before) if after[p] != before[p])
    assert not created and not changed, "inside the installed collection: created %s, changed %s" % (created, changed)
    assert tree_state(user_runs["inventory"]) == user_runs["before"]["inventory"]


def test_files_go_to_the_working_directory_reports_folder(user_runs):
    """Every file the three runs wrote is under ./reports/: one <run id>/ per run (the default run id, a
    UTC timestamp), and the vault-encrypted secrets of the three new webhooks in ./reports/webhook-secrets/."""
    work = user_runs["work"]
    state = tree_state(work)
    assert set(p.split("/")[0] for p in state) == {"reports"}, sorted(state)
    run_dirs = sorted(p.name for p in (work / "reports").iterdir() if p.name != "webhook-secrets")
    assert len(run_dirs) == 3 and all(RUN_ID.match(d) for d in run_dirs), run_dirs
    expected = {"reports", "reports/webhook-secrets"}
    for run_dir in run_dirs:
        expected |= {"reports/%s" % run_dir, "reports/%s/rows" % run_dir}
        expected |= {"reports/%s/%s" % (run_dir, f) for f in REPORT_FILES}
        expected |= {"reports/%s/rows/%s.json" % (run_dir, host) for host in DEMO_PAIRS}
    secrets = sorted(p for p in state if p.startswith("reports/webhook-secrets/"))
    assert [p.split("/")[-1].split("-")[0] for p in secrets] == sorted(DEMO_PAIRS), secrets
    assert set(state) == expected | set(secrets), sorted(set(state) ^ (expected | set(secrets)))
    for path, (kind, mode, _size, _digest) in state.items():
        assert mode == (0o700 if kind == "dir" else 0o600), (path, oct(mode))
    for path in secrets:
        assert (work / path).read_text().startswith("$ANSIBLE_VAULT;")
    # the plan's summary is written too, and says what is planned
    plan = json.loads((work / "reports" / run_dirs[0] / "summary.json").read_text())
    assert plan["check_mode"] is True and plan["run_id"] == run_dirs[0]
    assert {p["application_pair"]: p["batch_action"] for p in plan["application_pairs"]} == dict.fromkeys(DEMO_PAIRS, "start")


@pytest.fixture(scope="module")
def end_runs(user_runs):
    """After the migration, from a new directory of the user's: translate (one resource type, to keep it
    short), cutover in check mode, a cutover of two eu accounts, then the report."""
    installed, inventory = user_runs["installed"], user_runs["inventory"]
    work = user_runs["work"].parent / "work-end"
    work.mkdir()
    runs = {}
    for name, playbook, args in (
            ("translate", "nylas.migration.translate", ["-e", '{"nylas_translate_resource_types": ["folders"]}']),
            ("cutover plan", "nylas.migration.cutover", ["--check"]),
            ("cutover", "nylas.migration.cutover", ["--tags", "cutover", "-e", "nylas_run_id=c1",
                                                    "-e", "nylas_cutover_confirm=eu", "-e", "nylas_cutover_rollout_count=2"]),
            ("report", "nylas.migration.report", ["-e", "nylas_run_id=r1"])):
        runs[name] = run_fqcn(installed, work, inventory, *args, playbook=playbook)
        if runs[name][0] != 0:
            break
    return {"runs": runs, "work": work}


def test_translate_cutover_and_report_by_fqcn_write_only_in_the_users_directory(user_runs, end_runs):
    runs, work = end_runs["runs"], end_runs["work"]
    for name in ("translate", "cutover plan", "cutover", "report"):
        assert name in runs and runs[name][0] == 0, (name, runs.get(name, (None, ""))[1][-6000:])
    assert all(r["changed"] == 1 for r in runs["translate"][2].values()), runs["translate"][2]
    assert runs["cutover"][2]["initech"]["changed"] == 1 and runs["cutover"][2]["acme"]["changed"] == 0
    assert "Cutover skipped for acme" in runs["cutover"][1]

    state = tree_state(work)
    assert set(p.split("/")[0] for p in state) == {"translations", "reports"}, sorted(state)
    for host in DEMO_PAIRS:
        assert "translations/%s/folders.csv" % host in state, sorted(state)
    assert sorted(p for p in state if p.startswith("reports/cutover/")) == ["reports/cutover/cutover-v2-eu-initech-c1.json"]
    assert {p.split("/")[1] for p in state if p.startswith("reports/")} == {"cutover", "r1"}
    for path, (kind, mode, _size, _digest) in state.items():
        assert mode == (0o700 if kind == "dir" else 0o600), (path, oct(mode))
    rows = json.loads((work / "reports" / "r1" / "rows" / "initech.json").read_text())["rows"]
    assert sum(1 for r in rows if r["cutover"] == "cancelled (run c1)") == 2
    assert sum(1 for r in rows if r["cutover"] == "kept: beyond this run's rollout size") > 0

    installed = user_runs["installed"]
    assert tree_state(installed.collection_dir) == user_runs["before"]["collection"], "written inside the collection"
    assert tree_state(user_runs["inventory"]) == user_runs["before"]["inventory"]


def test_running_from_inside_the_installed_collection_is_refused_before_any_request(
        installed_collection, tmp_path, sim_factory):
    """Run from the collection's own folder, the default ./reports would be inside it: the pre-flight refuses
    (no request, nothing written there)."""
    sims = {"us": sim_factory("us"), "eu": sim_factory("eu")}
    inventory = user_inventory(tmp_path / "inventory", sims)
    before = tree_state(installed_collection.collection_dir)
    rc, out, recap = run_fqcn(installed_collection, installed_collection.collection_dir, inventory)
    assert rc != 0 and all(r["failed"] == 1 for r in recap.values()), out[-4000:]
    assert "Pre-flight | the run's files go outside the installed collection" in out
    assert "is inside the installed collection" in out
    assert tree_state(installed_collection.collection_dir) == before
    for sim in sims.values():
        assert [e for e in sim.requests_log() if not e["path"].startswith("/_sim/")] == [], "a request was sent"
        assert writes(sim) == []
