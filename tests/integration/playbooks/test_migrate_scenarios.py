# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``playbooks/migrate.yml`` in the situations around the demo, on small seeds (``mini_demo_seed``: the
demo applications and identities with fewer accounts) so that each test stays quick.

4. through ansible-runner (the AWX way: secrets of one pair as ``NYLAS_*`` environment variables),
   no secret in the job events, stdout or ``command`` file;
5. ``--limit eu`` sends nothing to the us simulator;
6. a pair whose v3 application is in another region than its inventory group fails in pre-flight,
   with no write;
7. the eu simulator killed mid-batch and restarted: the re-run ends with every account migrated once;
and a pair without any notification destination stops before its first clone; with ``nylas_serial: 1``
the pairs run one by one in one run folder.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.integration.playbooks.playbook_runner import (
    ANSIBLE_PLAYBOOK, DEMO_CONNECTOR_SECRET, DEMO_CREDENTIALS, DEMO_PAIRS, DEMO_VAULT_PASSWORD, FAST_PACE,
    PLAYBOOK, REPO_ROOT, credential_secrets, expected_outcome, kill_process_group, playbook_command,
    playbook_env, sim_vars, v2_accounts, v3_grants, webhook_secrets, write_inventory, writes, mini_demo_seed,
)

CLONE_PATHS = ("/v3/migration-tools/grants/", "/v3/migration-tools/snapshot-batch-clone")


def _group_vars(sims, **extra):
    """group_vars like inventories/demo (all / us / eu), pointing at ``sims``."""
    all_vars = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "nylas_batch_clone": True,
        "nylas_batch_clone_wait_timeout": 300,
        "nylas_batch_clone_poll_interval": 1,
        "nylas_webhooks": [{"webhook_url": "{{ demo_webhook_base }}/nylas/{{ inventory_hostname }}/v3",
                            "trigger_types": ["grant.created", "grant.expired"]}],
    }
    all_vars.update(extra)
    groups = {"all": all_vars}
    for region, sim in sims.items():
        groups[region] = {"nylas_region": region, "nylas_api_uri": sim.url, "nylas_v2_api_uri": sim.url}
    return groups


def _inventory_credentials(host):
    cred = DEMO_CREDENTIALS[host]
    return {"nylas_api_key": cred["api_key"], "nylas_v2_client_id": cred["v2_client_id"],
            "nylas_v2_client_secret": cred["v2_client_secret"]}


def _grant_check(sim, host):
    """Return (duplicates, lost, unexpected) for the demo pair ``host``: accounts with several grants,
    migratable accounts without a grant, and grants the outcome table does not give."""
    _region, _app_id, client_id = DEMO_PAIRS[host]
    cred = DEMO_CREDENTIALS[host]
    accounts = v2_accounts(sim, client_id, cred["v2_client_secret"])
    grants = v3_grants(sim, cred["api_key"])
    per_account = Counter(g["account_id"] for g in grants)
    duplicates = {acc: n for acc, n in per_account.items() if n > 1}
    expected = {a["id"]: expected_outcome(a) for a in accounts}
    status = {g["account_id"]: ("valid" if g["grant_status"] == "valid" else "placeholder") for g in grants}
    lost = [acc for acc, outcome in expected.items() if outcome != "failed" and acc not in status]
    unexpected = [(acc, status.get(acc), outcome) for acc, outcome in expected.items()
                  if status.get(acc, "failed") != outcome]
    unexpected += [(acc, status[acc], None) for acc in status if acc not in expected]
    return duplicates, lost, unexpected, Counter(expected.values())


# ------------------------------------------------------------------------------ 4. ansible-runner
def test_ansible_runner_awx_style_keeps_secrets_out_of_events_and_stdout(tmp_path, sim_pair, webhook_receiver):
    """The AWX way: ``ansible_runner.run`` with the eu pair's credentials as ``NYLAS_*`` environment
    variables (what the "Nylas migration" credential type injects), the us pair's in the inventory.

    ansible-runner records the whole process environment of the job in ``artifacts/<id>/command``
    (``{"command", "cwd", "env"}``) by design, and, unless ``suppress_env_files`` is set, in
    ``env/envvars`` too. AWX passes ``suppress_env_files`` and shows its users the job events and the
    stdout (and a job environment with secret values redacted), so those are what must be clean. The
    test therefore asserts: no secret at all in the job events, stdout and stderr; in ``command`` no
    secret except the ones passed as environment variables (recorded there by ansible-runner itself).
    """
    ansible_runner = pytest.importorskip("ansible_runner")
    seed = mini_demo_seed(tmp_path / "seed.yaml")
    sims = sim_pair(us_seed=seed, eu_seed=seed)
    inventory = write_inventory(
        tmp_path / "inventory", {"us": ["acme"], "eu": ["initech"]},
        {
            "acme": dict(_inventory_credentials("acme"),
                         nylas_pilot_account_ids=["tipdvs9w76kbby3owlghkjyot"],
                         nylas_connectors=[{"provider": "microsoft",
                                            "settings": {"client_id": "00000000-0000-4000-8000-00000000acme",
                                                         "client_secret": DEMO_CONNECTOR_SECRET,
                                                         "tenant": "common"},
                                            "scope": ["Mail.Read", "offline_access"]}]),
            # nylas_api_key, nylas_v2_client_id, nylas_v2_client_secret: from NYLAS_* (AWX credential); the Microsoft
            # connector needs its app credentials, or the go/no-go gate stops the pair before its batch
            "initech": {"nylas_connectors": [{"provider": "microsoft",
                                              "settings": {"client_id": "00000000-0000-4000-8000-0000000initech",
                                                           "client_secret": DEMO_CONNECTOR_SECRET, "tenant": "common"},
                                              "scope": ["Mail.Read", "offline_access"]}]},
        },
        _group_vars(sims, nylas_webhook_secret_vault_password=DEMO_VAULT_PASSWORD,
                    nylas_webhook_secret_dir=str(tmp_path / "webhook-secrets")),
    )
    private_data_dir = tmp_path / "runner"
    private_data_dir.mkdir()
    initech = DEMO_CREDENTIALS["initech"]
    credential_env = {"NYLAS_API_KEY": initech["api_key"], "NYLAS_V2_CLIENT_ID": initech["v2_client_id"],
                      "NYLAS_V2_CLIENT_SECRET": initech["v2_client_secret"]}
    base_env = playbook_env()
    envvars = {k: base_env[k] for k in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_CONFIG", "ANSIBLE_NOCOLOR",
                                        "ANSIBLE_FORCE_COLOR")}
    envvars["PATH"] = str(ANSIBLE_PLAYBOOK.parent) + os.pathsep + os.environ.get("PATH", "")
    envvars.update(credential_env)
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("NYLAS_")}
    try:
        result = ansible_runner.run(
            private_data_dir=str(private_data_dir), playbook=str(PLAYBOOK), inventory=str(inventory),
            extravars={"nylas_report_root": str(tmp_path / "reports"), "nylas_run_id": "awx-1",
                       "demo_webhook_base": webhook_receiver.url},  # the pairs' webhooks: Nylas challenges them
            envvars=envvars, suppress_env_files=True, verbosity=1, quiet=True, timeout=240,
        )
    finally:
        os.environ.update(saved)

    stdout = result.stdout.read()
    assert result.status == "successful" and result.rc == 0, stdout[-6000:]
    assert not result.stats["failures"] and not result.stats["dark"], result.stats
    assert result.stats["changed"].get("acme") and result.stats["changed"].get("initech"), result.stats
    # the env-credential pair really migrated
    duplicates, lost, unexpected, _counts = _grant_check(sims["eu"], "initech")
    assert not duplicates and not lost and not unexpected

    env_secrets = credential_secrets(**initech)
    secrets = env_secrets + credential_secrets(**DEMO_CREDENTIALS["acme"]) + [DEMO_CONNECTOR_SECRET,
                                                                              DEMO_VAULT_PASSWORD]
    issued = webhook_secrets(sims["us"]) + webhook_secrets(sims["eu"])
    assert len(issued) == 2, "each pair's webhook was created with a secret"
    secrets += issued

    artifact_dir = Path(result.config.artifact_dir)
    events = list(result.events)
    assert events, "no job events"
    checked = {"stdout": stdout, "job_events (iterator)": json.dumps(events)}
    for path in sorted(artifact_dir.rglob("*")):
        if path.is_file() and path.name != "command":
            checked[str(path.relative_to(private_data_dir))] = path.read_text(errors="replace")
    assert any(name.startswith(str(Path("artifacts") / result.config.ident / "job_events")) for name in checked)
    leaks = {}
    for name, text in checked.items():
        found = [s for s in secrets if s in text]
        if found:
            leaks[name] = sorted({_describe(s, secrets) for s in found})
    assert not leaks, "secrets in what AWX users see: %s" % _summarise_leaks(leaks, artifact_dir)

    # env files: suppressed, as AWX does
    assert not (private_data_dir / "env" / "envvars").exists()
    # command: ansible-runner writes the job's full environment there by design (documented above)
    command_text = (artifact_dir / "command").read_text()
    in_command = [s for s in secrets if s in command_text]
    assert set(in_command) <= set(env_secrets), (
        "secrets other than the NYLAS_* environment variables in the command file: %s"
        % sorted({_describe(s, secrets) for s in in_command if s not in env_secrets}))
    assert json.loads(command_text)["env"].get("NYLAS_API_KEY") == initech["api_key"], (
        "ansible-runner no longer records the environment in 'command': update the docstring")


def _describe(secret, secrets):
    """A name for a secret that does not print it."""
    names = {DEMO_CONNECTOR_SECRET: "connector client_secret", DEMO_VAULT_PASSWORD: "vault password"}
    for host, cred in DEMO_CREDENTIALS.items():
        for kind, value in zip(("api key", "Bearer api key", "v2 secret", "Basic(v2 secret:)",
                                "BasicV2(id:secret)"), credential_secrets(**cred)):
            names.setdefault(value, "%s %s" % (host, kind))
    return names.get(secret, "webhook secret #%d" % secrets.index(secret))


def _summarise_leaks(leaks, artifact_dir):
    lines = []
    for name, found in leaks.items():
        detail = ""
        if name.endswith(".json") and "job_events" in name:
            event = json.loads((artifact_dir.parent.parent / name).read_text())
            data = event.get("event_data", {})
            detail = " (event %s, task %r, host %s)" % (event.get("event"), data.get("task"), data.get("host"))
        lines.append("%s: %s%s" % (name, ", ".join(found), detail))
    return "\n  " + "\n  ".join(lines)


# ------------------------------------------------------------------------------------- 5. --limit eu
def test_limit_eu_sends_nothing_to_us(tmp_path, sim_pair, run_playbook):
    seed = mini_demo_seed(tmp_path / "seed.yaml")
    sims = sim_pair(us_seed=seed, eu_seed=seed)
    run = run_playbook(sims=sims, limit="eu")

    assert run.rc == 0, run.stdout[-6000:]
    assert set(run.recap) - {"localhost"} == {"initech"}, run.recap
    assert run.recap["initech"]["failed"] == 0 and run.recap["initech"]["changed"] > 0
    assert sims["us"].requests_log() == [], "--limit eu sent requests to the us simulator"
    assert sims["us"].state()["links"] in (0, [], {})
    assert sims["eu"].state()["applications"]["app-eu-initech"]["v2_application_id"] == "v2-eu-initech"
    duplicates, lost, unexpected, _counts = _grant_check(sims["eu"], "initech")
    assert not duplicates and not lost and not unexpected


# ------------------------------------------------------------------------------ nylas_serial
def test_serial_runs_pair_by_pair_in_one_run_folder_with_every_pair_summarised(tmp_path, sim_pair, run_playbook):
    """With ``nylas_serial: 1`` the play runs in three batches: the run is named once (one report folder)
    and summary.json, rewritten after each batch, ends with every pair."""
    seed = mini_demo_seed(tmp_path / "seed.yaml")
    sims = sim_pair(us_seed=seed, eu_seed=seed)
    run = run_playbook(sims=sims, extra_vars={"nylas_serial": 1, "nylas_run_id": ""})

    assert run.rc == 0, run.stdout[-6000:]
    assert run.stdout.count("PLAY [Migrate each application pair]") == 3, "not one batch per pair"
    assert all(r["failed"] == 0 and r["changed"] > 0 for r in run.recap.values()) and len(run.recap) == 3
    report_root = run.report_dir.parent
    run_dirs = [p for p in report_root.iterdir() if p.name != "webhook-secrets"]
    assert len(run_dirs) == 1, sorted(p.name for p in report_root.iterdir())
    summary = json.loads((run_dirs[0] / "summary.json").read_text())
    assert summary["run_id"] == run_dirs[0].name
    assert sorted(p["application_pair"] for p in summary["application_pairs"]) == sorted(DEMO_PAIRS)
    assert summary["totals"]["accounts"] == 150, summary["totals"]  # the report covered the three pairs


# --------------------------------------------------------------------------- 6. region mismatch
def test_v3_application_of_another_region_fails_in_preflight_without_write(tmp_path, sim_pair, run_playbook):
    """acme's v3 application is a us application, but the inventory files the pair under ``eu`` (with
    ``nylas_api_uri`` pointing at the host that serves it, e.g. through a proxy): the pre-flight
    (``nylas_link_apps`` in check mode) must refuse it before any write."""
    seed = mini_demo_seed(tmp_path / "seed.yaml")
    sims = sim_pair(us_seed=seed, eu_seed=seed)
    group_vars = _group_vars(sims)
    inventory = write_inventory(
        tmp_path / "inventory", {"us": ["globex"], "eu": ["acme"]},
        {"acme": dict(_inventory_credentials("acme"), nylas_api_uri=sims["us"].url,
                      nylas_v2_api_uri=sims["us"].url),
         "globex": _inventory_credentials("globex")},
        group_vars,
    )
    run = run_playbook(sims=sims, inventory=inventory, extra_vars={"nylas_batch_clone": False})

    assert run.rc != 0, run.stdout[-6000:]
    assert run.recap["acme"]["failed"] == 1, run.recap
    failed_task = _failed_task(run.stdout, "acme")
    assert failed_task.startswith("Pre-flight | the API key answers, the v3 application is in the inventory region"), \
        failed_task
    assert "region 'us'" in run.stdout and "region is 'eu'" in run.stdout, run.stdout[-4000:]
    # acme made no write anywhere; globex (a correct us pair in the same run) went on
    us_log = sims["us"].requests_log()
    acme_writes = [(e["method"], e["path"]) for e in us_log
                   if e["application_id"] in ("app-us-acme", "v2-us-acme") and e["method"] != "GET"]
    assert acme_writes == [], acme_writes
    assert writes(sims["eu"]) == []
    assert sims["us"].state()["applications"]["app-us-acme"]["v2_application_id"] is None
    assert run.recap["globex"]["failed"] == 0 and run.recap["globex"]["changed"] > 0, run.recap
    assert sims["us"].state()["applications"]["app-us-globex"]["v2_application_id"] == "v2-us-globex"
    # summary.json has both pairs: where acme stopped and why, and globex done
    pairs = {p["application_pair"]: p for p in json.loads((run.report_dir / "summary.json").read_text())["application_pairs"]}
    assert pairs["acme"]["failed_at"].startswith("Pre-flight | the API key answers"), pairs["acme"]
    assert "region 'us'" in pairs["acme"]["error"] and pairs["acme"]["linked"] == "not reached", pairs["acme"]
    assert pairs["globex"]["failed_at"] is None and pairs["globex"]["linked"] == "linked", pairs["globex"]
    assert "acme (eu): FAILED at 'Pre-flight | the API key answers" in run.stdout


ROLE_PREFIX = "nylas.migration.migrate : "


def _failed_task(stdout, host):
    """The name of the task at which ``host`` failed (from the default callback's output), without the
    ``nylas.migration.migrate : `` prefix of the role's tasks."""
    task = None
    for line in stdout.splitlines():
        if line.startswith("TASK ["):
            task = line[len("TASK ["):line.rindex("]")]
            task = task[len(ROLE_PREFIX):] if task.startswith(ROLE_PREFIX) else task
        elif line.startswith(("fatal: [%s]" % host, "failed: [%s]" % host)):
            return task
    return ""


# ------------------------------------------------------------------------ 7. crash mid-batch
MICROSOFT_CONNECTOR = [{"provider": "microsoft",
                        "settings": {"client_id": "00000000-0000-4000-8000-0000000initech",
                                     "client_secret": DEMO_CONNECTOR_SECRET, "tenant": "common"},
                        "scope": ["Mail.Read", "offline_access"]}]


def test_eu_simulator_killed_mid_batch_then_rerun_migrates_every_account_once(
        tmp_path, sim_factory, report_root, run_playbook, webhook_receiver):
    seed = mini_demo_seed(tmp_path / "seed.yaml", counts={"v2-eu-initech": 400})
    sims = {"us": None, "eu": sim_factory("eu", seed=seed, job_pace=FAST_PACE)}
    eu = sims["eu"]
    eu.set_pace(40)  # 400 accounts in about 10 s: time to catch the job mid-batch
    variables = sim_vars(sims)
    variables.update({"nylas_report_root": str(report_root), "nylas_run_id": "crash-1",
                      "demo_webhook_base": webhook_receiver.url,  # the pair's webhook: Nylas challenges it
                      # the Microsoft connector with app credentials, or the go/no-go gate stops the pair before its batch
                      "nylas_connectors": MICROSOFT_CONNECTOR})
    cmd = playbook_command(extra_vars=variables, limit="initech")
    log_path = tmp_path / "first-run.log"
    with open(log_path, "w") as log:
        first = subprocess.Popen(cmd, cwd=str(REPO_ROOT), env=playbook_env(), stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        app = "app-eu-initech"
        eu.wait_for(lambda: eu.state()["applications"][app]["grants"]["total"] >= 40, timeout=90, interval=0.2)
        mid = eu.state()["applications"][app]
        jobs = mid["jobs"]["by_status"]
        assert jobs.get("running"), "no running migration job when the simulator was killed: %s" % mid["jobs"]
        eu.kill()
        try:
            first_rc = first.wait(120)
        except subprocess.TimeoutExpired:
            kill_process_group(first)
            first_rc = None  # it hung: killed
    finally:
        if first.poll() is None:
            kill_process_group(first)
    first_out = log_path.read_text()
    assert first_rc != 0, "the run against a dead simulator succeeded?\n" + first_out[-4000:]
    if first_rc is not None:  # it ended by itself: at the batch, on the dead connection
        assert _failed_task(first_out, "initech").startswith("Batch clone the remaining accounts"), first_out[-4000:]
        assert "connection" in first_out, first_out[-4000:]
    killed_at = mid["grants"]["total"]

    eu.restart(job_pace=FAST_PACE)  # same state file; the port (so the URL) may change
    run = run_playbook(sims={"us": None, "eu": eu}, limit="initech", extra_vars={"nylas_connectors": MICROSOFT_CONNECTOR})
    assert run.rc == 0, run.stdout[-6000:]
    assert run.recap["initech"]["failed"] == 0, run.recap

    duplicates, lost, unexpected, counts = _grant_check(eu, "initech")
    assert not duplicates, "accounts with two grants: %s" % duplicates
    assert not lost, "%d migratable accounts without a grant: %s" % (len(lost), lost[:5])
    assert not unexpected, unexpected[:5]
    state = eu.state()["applications"][app]
    assert state["grants"]["total"] == counts["valid"] + counts["placeholder"] > killed_at
    assert state["expected"] == {"valid": counts["valid"], "placeholder": counts["placeholder"],
                                 "failed": counts["failed"]}


# ------------------------------------------------------------- notification destinations before clones
def test_pair_without_notification_destination_stops_before_its_first_clone(tmp_path, sim_pair, run_playbook):
    seed = mini_demo_seed(tmp_path / "seed.yaml")
    sims = sim_pair(us_seed=seed, eu_seed=seed)
    no_destination = {"nylas_webhooks": [], "nylas_pubsub_channels": []}
    run = run_playbook(sims=sims, limit="acme", extra_vars=no_destination)

    assert run.rc != 0, run.stdout[-6000:]
    assert run.recap["acme"]["failed"] == 1, run.recap
    assert _failed_task(run.stdout, "acme") == "Notifications | at least one destination exists before any account moves"
    assert "nylas_allow_clone_without_notifications" in run.stdout
    logged = sims["us"].requests_log()
    assert [e for e in logged if e["path"] == "/v3/migration-tools/link-v2v3-apps" and e["method"] == "POST"]
    clones = [(e["method"], e["path"]) for e in logged if e["method"] == "POST" and e["path"].startswith(CLONE_PATHS)]
    assert clones == [], clones
    assert sims["us"].state()["applications"]["app-us-acme"]["grants"]["total"] == 0

    allowed = dict(no_destination, nylas_allow_clone_without_notifications=True)
    run = run_playbook(sims=sims, limit="acme", extra_vars=allowed)
    assert run.rc == 0, run.stdout[-6000:]
    duplicates, lost, unexpected, _counts = _grant_check(sims["us"], "acme")
    assert not duplicates and not lost and not unexpected
    assert sims["eu"].requests_log() == []


# ------------------------------------------------------------------- the go/no-go gate (issue 19)
def test_pair_with_a_provider_lacking_a_credentialled_connector_stops_at_the_gate(tmp_path, sim_pair, run_playbook):
    """acme's Microsoft connector comes from the import without app credentials (nylas_connectors sets none):
    the gate says no-go, no batch starts, and summary.json, the pair's line and index.html say why."""
    seed = mini_demo_seed(tmp_path / "seed.yaml")
    sims = sim_pair(us_seed=seed, eu_seed=seed)
    pubsub_only = {"nylas_webhooks": [], "nylas_connectors": [], "nylas_pilot_account_ids": [],
                   "nylas_pubsub_channels": [{"topic": "projects/acme-demo/topics/nylas",
                                              "trigger_types": ["grant.created"]}]}
    run = run_playbook(sims=sims, limit="acme", extra_vars=pubsub_only)

    assert run.rc != 0, run.stdout[-6000:]
    assert run.recap["acme"]["failed"] == 1, run.recap
    logged = sims["us"].requests_log()
    batches = [e for e in logged if e["method"] == "POST" and e["path"] == "/v3/migration-tools/snapshot-batch-clone"]
    assert batches == [], "a batch started after a no-go"
    pairs = {p["application_pair"]: p for p in json.loads((run.report_dir / "summary.json").read_text())["application_pairs"]}
    acme = pairs["acme"]
    assert acme["failed_at"].startswith("Gate | go/no-go before the batch"), acme
    assert acme["gate"]["verdict"] == "no-go" and "connectors" in acme["gate"]["failed_checks"], acme["gate"]
    assert "microsoft" in acme["gate"]["reason"], acme["gate"]
    assert acme["batch_status"] == "not reached", acme
    assert "gate: no-go (connectors check failed: microsoft" in run.stdout
    page = (run.report_dir / "index.html").read_text()
    assert '<li class="gate-no-go" data-pair="acme">' in page and "connectors check failed: microsoft" in page
