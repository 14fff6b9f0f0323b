# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One AWX-style job over many pairs, with per-pair secrets and none in the inventory, run through
``ansible-runner`` as AWX runs a job template:

* the collection is the installed tarball (as in an execution environment), the project holds a
  one-line playbook importing ``nylas.migration.migrate``;
* the inventory is the demo's three pairs (two us, one eu) without any key or secret;
* the keys of every pair are in ONE credential of the type ``extensions/awx/credential_type_many_pairs.yml``:
  AWX writes its ``pairs`` input to a private file and sets ``NYLAS_CREDENTIALS_FILE`` to its path (done
  here by hand, as its injector would), with per-pair connector secrets and a webhook vault password.

Asserts that every pair is migrated with its own keys, the connector secrets and webhook secrets are
used, and that no secret is in the job events, the stdout, any artifact (``command`` and ``env``
included: only the file's path is in the environment), the reports or the inventory.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
import yaml

from simulator.receiver import WebhookReceiver
from tests.integration.installed.installed_runner import mini_demo_simulators, user_env
from tests.integration.playbooks.playbook_runner import (
    DEMO_CREDENTIALS, DEMO_PAIRS, credential_secrets, webhook_secrets,
)

VAULT_PASSWORD = "awx-many-pairs-vault-password-NOT-REAL"
CONNECTOR_SECRETS = {host: "azure-secret-%s-NOT-REAL" % host for host in DEMO_PAIRS}
PROJECT_PLAYBOOK = """---
# The AWX project's playbook: the collection's, from the execution environment.
- name: Migrate every application pair of the inventory
  ansible.builtin.import_playbook: nylas.migration.migrate
"""


def _inventory_without_secrets(directory, sims, hook_base):
    """The demo's three pairs, every key and secret left out (they come from the credential)."""
    directory = Path(directory)
    (directory / "host_vars").mkdir(parents=True)
    (directory / "group_vars").mkdir()
    children = {"us": {"hosts": {"acme": {}, "globex": {}}}, "eu": {"hosts": {"initech": {}}}}
    (directory / "hosts.yml").write_text(yaml.safe_dump({"nylas_apps": {"children": children}}))
    (directory / "group_vars" / "all.yml").write_text(yaml.safe_dump({
        "nylas_batch_clone": True,
        "nylas_batch_clone_wait_timeout": 300,
        "nylas_batch_clone_poll_interval": 1,
        "nylas_webhooks": [{"webhook_url": hook_base + "/nylas/{{ inventory_hostname }}/v3",
                            "trigger_types": ["grant.created", "grant.expired"]}],
        # client_secret: from the pair's connector_client_secrets in the credential
        "nylas_connectors": [{"provider": "microsoft",
                              "settings": {"client_id": "00000000-0000-4000-8000-0000000000aa", "tenant": "common"},
                              "scope": ["Mail.Read", "offline_access"]}],
    }))
    for region, sim in sims.items():
        (directory / "group_vars" / ("%s.yml" % region)).write_text(yaml.safe_dump(
            {"nylas_region": region, "nylas_api_uri": sim.url, "nylas_v2_api_uri": sim.url}))
    (directory / "host_vars" / "acme.yml").write_text(yaml.safe_dump(
        {"nylas_pilot_account_ids": ["tipdvs9w76kbby3owlghkjyot"]}))
    return directory


def _credential_input():
    """The ``pairs`` input of the "Nylas migration (many pairs)" credential (YAML, as pasted in AWX)."""
    pairs = {}
    for host, cred in DEMO_CREDENTIALS.items():
        pairs[host] = dict(cred, connector_client_secrets={"microsoft": CONNECTOR_SECRETS[host]},
                           webhook_secret_vault_password=VAULT_PASSWORD)
    return yaml.safe_dump(pairs)


def _all_secrets():
    secrets = [VAULT_PASSWORD] + list(CONNECTOR_SECRETS.values())
    for cred in DEMO_CREDENTIALS.values():
        secrets += credential_secrets(**cred)
    return secrets


def _connector_settings(sim, application_id):
    db = sqlite3.connect("file:%s?mode=ro" % sim.state_path, uri=True, timeout=10)
    try:
        row = db.execute("SELECT settings FROM connectors WHERE application_id = ? AND provider = 'microsoft'",
                         (application_id,)).fetchone()
    finally:
        db.close()
    return json.loads(row[0]) if row else None


def _decrypt(path, password):
    from ansible.constants import DEFAULT_VAULT_ID_MATCH
    from ansible.parsing.vault import VaultLib, VaultSecret
    vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(password.encode()))])
    return vault.decrypt(Path(path).read_text()).decode()


@pytest.fixture(scope="module")
def awx_job(installed_collection, tmp_path_factory):
    """Simulators, the AWX-like private data dir, and the finished ansible-runner job."""
    ansible_runner = pytest.importorskip("ansible_runner")

    tmp = tmp_path_factory.mktemp("awx")
    with mini_demo_simulators(tmp) as sims, WebhookReceiver() as receiver:
        private = tmp / "runner"
        (private / "project").mkdir(parents=True)
        (private / "project" / "migrate.yml").write_text(PROJECT_PLAYBOOK)
        inventory = _inventory_without_secrets(private / "inventory", sims, receiver.url)
        # what the credential's file injector does: a private file, its path in NYLAS_CREDENTIALS_FILE
        (private / "env").mkdir()
        credentials_file = private / "env" / "tmp_nylas_pairs"
        credentials_file.write_text(_credential_input())
        credentials_file.chmod(0o600)
        env = user_env(installed_collection)
        envvars = {k: env[k] for k in ("PATH", "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_NOCOLOR", "ANSIBLE_FORCE_COLOR")}
        envvars["NYLAS_CREDENTIALS_FILE"] = str(credentials_file)
        reports = tmp / "persistent" / "nylas-reports"
        saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith(("NYLAS_", "ANSIBLE_"))}
        try:
            result = ansible_runner.run(
                private_data_dir=str(private), playbook="migrate.yml", inventory=str(inventory),
                extravars={"nylas_report_root": str(reports)}, envvars=envvars, suppress_env_files=True,
                verbosity=1, quiet=True, timeout=300, ident="job-many-pairs",
            )
        finally:
            os.environ.update(saved)
        yield {"result": result, "sims": sims, "private": private, "inventory": inventory, "reports": reports,
               "credentials_file": credentials_file, "stdout": result.stdout.read(), "events": list(result.events)}


def test_one_job_migrates_every_pair_with_its_own_keys(awx_job):
    result = awx_job["result"]
    assert result.status == "successful" and result.rc == 0, awx_job["stdout"][-6000:]
    assert not result.stats["failures"] and not result.stats["dark"], result.stats
    assert set(result.stats["changed"]) == set(DEMO_PAIRS), result.stats
    for host, (region, app_id, client_id) in DEMO_PAIRS.items():
        app = awx_job["sims"][region].state()["applications"][app_id]
        assert app["v2_application_id"] == client_id, host
        assert app["grants"]["total"] == app["expected"]["valid"] + app["expected"]["placeholder"] > 0, (host, app)
        assert app["webhooks"] == 1, (host, app)


def test_connector_secrets_and_webhook_vault_password_come_from_the_credential(awx_job):
    for host, (region, app_id, _client) in DEMO_PAIRS.items():
        settings = _connector_settings(awx_job["sims"][region], app_id)
        assert settings and settings.get("client_id") == "00000000-0000-4000-8000-0000000000aa", (host, settings)
        assert settings.get("client_secret") == CONNECTOR_SECRETS[host], host
    issued = set(webhook_secrets(awx_job["sims"]["us"]) + webhook_secrets(awx_job["sims"]["eu"]))
    files = sorted((awx_job["reports"] / "webhook-secrets").glob("*.vault"))
    assert sorted(f.name.split("-")[0] for f in files) == sorted(DEMO_PAIRS), files
    assert {_decrypt(f, VAULT_PASSWORD) for f in files} == issued


def test_no_secret_in_events_stdout_artifacts_reports_or_inventory(awx_job):
    result = awx_job["result"]
    secrets = _all_secrets() + webhook_secrets(awx_job["sims"]["us"]) + webhook_secrets(awx_job["sims"]["eu"])
    assert awx_job["events"], "no job events"
    checked = {"stdout": awx_job["stdout"], "job events": json.dumps(awx_job["events"])}
    private = awx_job["private"]
    artifact_dir = Path(result.config.artifact_dir)
    for root in (artifact_dir, awx_job["reports"], awx_job["inventory"], private / "project"):
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.endswith(".vault"):
                checked[str(path)] = path.read_text(errors="replace")
    assert str(artifact_dir / "command") in checked and any("job_events" in name for name in checked)
    leaks = {name: len([s for s in secrets if s in text]) for name, text in checked.items()}
    leaks = {name: n for name, n in leaks.items() if n}
    assert not leaks, "secrets (count per place) in what AWX users and the job's files show: %s" % leaks
    # the environment of the job holds the credentials file's path, not its content
    command_env = json.loads((artifact_dir / "command").read_text())["env"]
    assert command_env["NYLAS_CREDENTIALS_FILE"] == str(awx_job["credentials_file"])
    assert not {"NYLAS_API_KEY", "NYLAS_V2_CLIENT_SECRET"} & set(command_env)
    assert not (private / "env" / "envvars").exists()
    assert awx_job["credentials_file"].read_text() == _credential_input(), "the role changed the credential file"
