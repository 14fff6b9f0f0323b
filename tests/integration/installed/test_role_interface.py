# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The variables of the role ``nylas.migration.migrate`` as users meet them, on the installed collection:

* ``ansible-doc -t role nylas.migration.migrate`` renders and lists every variable of its four entry
  points (main, report, translate, cutover; ``-e <entry point>`` shows one); every default is written
  once in ``defaults/main.yml`` and every variable there is typed and documented in
  ``meta/argument_specs.yml`` (and the spec's ``default`` values, for the reader, equal them);
* a wrong value fails before any request with a message naming the variable: a region that does not
  exist, a string where a number belongs, an entry of ``nylas_webhooks`` without its URL; the same for
  the variables of ``nylas.migration.translate`` and ``nylas.migration.cutover``;
* a misspelt ``nylas_`` variable (which Ansible would otherwise ignore) fails the pre-flight, naming it;
* ``nylas_credentials_file`` without the pair's entry, with an unknown field, or not YAML fails the
  pair's pre-flight before any request, and never prints the file's content.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml

from tests.integration.installed.installed_runner import BIN, REPO_ROOT, user_env, user_inventory
from tests.integration.playbooks.playbook_runner import DEMO_CREDENTIALS, DEMO_PAIRS, credential_secrets, parse_recap

ROLE = REPO_ROOT / "roles" / "migrate"
PLAYBOOK_LEVEL = {"nylas_serial"}  # read by the playbook (serial), before the role: no role default
ROLE_PREFIX = "nylas.migration.migrate : "
ENTRY_POINTS = ("main", "report", "translate", "cutover")


def _spec():
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]


def _defaults():
    return yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())


def _ansible_doc(installed, *args):
    proc = subprocess.run([str(BIN / "ansible-doc")] + list(args), env=user_env(installed), cwd=str(installed.collections_path),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


# ----------------------------------------------------------------------------------------- documented
def test_ansible_doc_renders_every_variable_of_every_entry_point(installed_collection):
    text = _ansible_doc(installed_collection, "-t", "role", "nylas.migration.migrate")
    spec = _spec()
    assert set(spec) == set(ENTRY_POINTS)
    for entry_point in ENTRY_POINTS:  # "ENTRY POINT: *main* - ..." (the markers depend on colour)
        assert re.search(r"ENTRY POINT: \W*%s\W" % entry_point, text), text[:500]
        for name in spec[entry_point]["options"]:
            assert name in text, (entry_point, name)
    for name in _defaults():
        assert name in text, name
    rendered = json.loads(_ansible_doc(installed_collection, "-t", "role", "--json", "nylas.migration.migrate"))
    for entry_point in ENTRY_POINTS:
        options = rendered["nylas.migration.migrate"]["entry_points"][entry_point]["options"]
        assert set(options) == set(spec[entry_point]["options"]), entry_point
        undocumented = [name for name, opt in options.items() if not opt.get("description") or not opt.get("type")]
        assert not undocumented, (entry_point, undocumented)
    # the README points at one entry point's variables with -e
    translate = _ansible_doc(installed_collection, "-t", "role", "nylas.migration.migrate", "-e", "translate")
    assert re.search(r"ENTRY POINT: \W*translate\W", translate) and "nylas_translate_root" in translate
    assert "ENTRY POINT: main" not in translate and "nylas_batch_clone" not in translate


def test_every_default_is_written_once_and_every_variable_is_typed():
    defaults = _defaults()
    spec = _spec()
    options = {}
    for entry_point in ENTRY_POINTS:  # a variable shared by entry points is documented the same in each
        for name, option in spec[entry_point]["options"].items():
            assert options.setdefault(name, option) == option, (entry_point, name)
    assert set(defaults) == set(options) - PLAYBOOK_LEVEL, set(defaults) ^ (set(options) - PLAYBOOK_LEVEL)
    assert set(spec["report"]["options"]) <= set(spec["main"]["options"])
    for name, option in options.items():
        if "default" in option:  # the spec repeats literal defaults for the reader: they must agree
            assert option["default"] == defaults[name], name
        elif name in defaults and "{{" not in str(defaults[name]):
            assert defaults[name] is None, "%s: give the spec the default %r" % (name, defaults[name])
        assert option.get("type") and option.get("description"), name


@pytest.mark.parametrize("module, option, role_option, suboption, entry_point", [
    ("nylas_connector", "provider", "nylas_connectors", "provider", "main"),
    ("nylas_batch_clone", "providers", "nylas_batch_clone_providers", None, "main"),
    ("nylas_batch_clone", "mode", "nylas_batch_clone_mode", None, "main"),
    ("nylas_webhook", "state", "nylas_webhooks", "state", "main"),
    ("nylas_pubsub_channel", "state", "nylas_pubsub_channels", "state", "main"),
    ("nylas_id_translate", "resource_types", "nylas_translate_resource_types", None, "translate"),
])
def test_role_choices_are_the_modules_choices(installed_collection, module, option, role_option, suboption,
                                              entry_point):
    """The role checks choices before any request; they must be the module's, which checks them again later."""
    doc = json.loads(_ansible_doc(installed_collection, "--json", "nylas.migration.%s" % module))
    module_choices = doc["nylas.migration.%s" % module]["doc"]["options"][option]["choices"]
    role = _spec()[entry_point]["options"][role_option]
    role_choices = role["options"][suboption]["choices"] if suboption else role["choices"]
    assert sorted(role_choices) == sorted(module_choices)


# ---------------------------------------------------------------------------------- refused early
def _run(installed, cwd, inventory, *args, env=None, playbook="nylas.migration.migrate"):
    cmd = [str(BIN / "ansible-playbook"), playbook, "-i", str(inventory)] + list(args)
    proc = subprocess.run(cmd, cwd=str(cwd), env=user_env(installed, **(env or {})), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240, check=False)
    return proc.returncode, proc.stdout, parse_recap(proc.stdout)


def _api_requests(sims):
    return [(e["method"], e["path"]) for sim in sims.values() for e in sim.requests_log()
            if not e["path"].startswith("/_sim/")]


@pytest.fixture
def user(installed_collection, tmp_path, sim_factory):
    sims = {"us": sim_factory("us"), "eu": sim_factory("eu")}
    work = tmp_path / "work"
    work.mkdir()
    return {"installed": installed_collection, "sims": sims, "work": work,
            "inventory": user_inventory(tmp_path / "inventory", sims)}


def test_wrong_types_and_choices_fail_before_any_request_naming_the_variable(user):
    bad = {"nylas_region": "mars", "nylas_rate_limit": "fast", "nylas_batch_clone_wait_timeout": "an hour",
           "nylas_webhooks": [{"url": "https://hooks.example.com/x"}]}
    rc, out, recap = _run(user["installed"], user["work"], user["inventory"], "-e", json.dumps(bad))
    assert rc != 0 and set(recap) == set(DEMO_PAIRS) and all(r["failed"] == 1 for r in recap.values()), out[-4000:]
    # the playbook's compact check runs before the role's own validation (which dumps the whole spec)
    assert "TASK [The nylas_ variables, checked in one short message per host]" in out
    assert "nylas_region: expected str, one of us, eu, given 'mars' (str)" in out, out[-4000:]
    assert "nylas_rate_limit: expected float, given 'fast' (str)" in out
    assert "nylas_batch_clone_wait_timeout: expected int, given 'an hour' (str)" in out
    assert "webhook_url" in out and "nylas_webhooks: expected list of dict" in out  # required suboption missing
    assert "argument_spec_data" not in out
    assert _api_requests(user["sims"]) == []
    assert not (user["work"] / "reports").exists()


@pytest.mark.parametrize("playbook, entry_point, bad, messages", [
    ("nylas.migration.translate", "translate",
     {"nylas_translate_concurrency": "many", "nylas_translate_resource_types": ["mails"]},
     ["nylas_translate_concurrency: expected int, given 'many' (str)", "nylas_translate_resource_types: expected list of str"]),
    ("nylas.migration.cutover", "cutover",
     {"nylas_cutover_rollout_percent": "ten", "nylas_cutover_create_webhooks": "perhaps"},
     ["nylas_cutover_rollout_percent: expected", "nylas_cutover_create_webhooks: expected bool, given 'perhaps' (str)"]),
])
def test_translate_and_cutover_refuse_wrong_types_before_any_request(user, playbook, entry_point, bad, messages):
    """Also under a tag: the validation runs whatever --tags select."""
    args = ["-e", json.dumps(bad)] + (["--tags", "cutover"] if entry_point == "cutover" else [])
    rc, out, recap = _run(user["installed"], user["work"], user["inventory"], *args, playbook=playbook)
    assert rc != 0 and set(recap) == set(DEMO_PAIRS) and all(r["failed"] == 1 for r in recap.values()), out[-4000:]
    assert "(role migrate, entry point %s)" % entry_point in out, out[-4000:]
    for message in messages:
        assert message in out, (message, out[-4000:])
    assert _api_requests(user["sims"]) == []
    assert list(user["work"].iterdir()) == []


@pytest.mark.parametrize("playbook, missing, message", [
    # translate needs the API key only (its inventory may have no v2 keys: test_translate_playbook.py)
    ("nylas.migration.translate", "nylas_api_key", "acme: set nylas_api_key for this application pair"),
    ("nylas.migration.cutover", "nylas_v2_client_secret",
     "acme: set nylas_api_key, nylas_v2_client_id and nylas_v2_client_secret for this application pair"),
])
def test_translate_and_cutover_need_their_credentials_before_any_request(user, playbook, missing, message):
    rc, out, recap = _run(user["installed"], user["work"], user["inventory"], "--limit", "acme",
                          "-e", json.dumps({missing: ""}), playbook=playbook)
    assert rc != 0 and recap["acme"]["failed"] == 1, out[-4000:]
    assert message in out, out[-3000:]
    assert _api_requests(user["sims"]) == []


def test_a_misspelt_nylas_variable_fails_the_preflight_naming_it(user):
    host_vars = user["inventory"] / "host_vars" / "globex.yml"
    data = yaml.safe_load(host_vars.read_text())
    data["nylas_batch_clones"] = True  # for nylas_batch_clone: would silently skip the batch
    host_vars.write_text(yaml.safe_dump(data))
    # the variables of the other entry points are known (one inventory serves every playbook)
    rc, out, recap = _run(user["installed"], user["work"], user["inventory"], "--limit", "globex",
                          "-e", "nylas_pilot_acount_ids=[]", "-e", "nylas_translate_root=elsewhere",
                          "-e", "nylas_cutover_error_budget=2")
    assert rc != 0 and recap["globex"]["failed"] == 1, out[-4000:]
    assert "TASK [The nylas_ variables, checked in one short message per host]" in out
    assert ("nylas_batch_clones: unknown variable; did you mean nylas_batch_clone?; "
            "nylas_pilot_acount_ids: unknown variable; did you mean nylas_pilot_account_ids?") in out, out[-3000:]
    assert _api_requests(user["sims"]) == []


def test_credentials_file_problems_fail_the_pair_before_any_request_without_printing_it(user, tmp_path):
    """The inventory holds no key; the credentials file has acme right, initech with a misspelt field,
    globex missing. Then a file that is not YAML at all."""
    for host in DEMO_PAIRS:
        path = user["inventory"] / "host_vars" / ("%s.yml" % host)
        data = {k: v for k, v in yaml.safe_load(path.read_text()).items()
                if k not in ("nylas_api_key", "nylas_v2_client_id", "nylas_v2_client_secret")}
        path.write_text(yaml.safe_dump(data))
    initech = DEMO_CREDENTIALS["initech"]
    pairs = {"acme": DEMO_CREDENTIALS["acme"],
             "initech": {"apikey": initech["api_key"], "v2_client_id": initech["v2_client_id"],
                         "v2_client_secret": initech["v2_client_secret"]}}
    credentials = tmp_path / "pairs.yml"
    credentials.write_text(yaml.safe_dump(pairs))
    env = {"NYLAS_CREDENTIALS_FILE": str(credentials)}
    rc, out, recap = _run(user["installed"], user["work"], user["inventory"], "--check", "--limit", "globex,initech",
                          env=env)
    assert rc != 0 and recap["globex"]["failed"] == 1 and recap["initech"]["failed"] == 1, out[-4000:]
    assert "globex: %s must map each pair" % credentials in out and "it has no entry globex" in out, out[-3000:]
    assert "initech: %s must map each pair" % credentials in out and "unknown field(s) apikey" in out
    assert _api_requests(user["sims"]) == []
    secrets = credential_secrets(**DEMO_CREDENTIALS["acme"]) + credential_secrets(**initech)
    assert [s for s in secrets if s in out] == []

    # not YAML: the parse fails in a task whose output is hidden (a YAML error quotes the faulty line)
    credentials.write_text("acme: {api_key: %s, v2_client_secret: [%s\n" % (initech["api_key"], initech["v2_client_secret"]))
    rc, out, recap = _run(user["installed"], user["work"], user["inventory"], "--check", "--limit", "acme", env=env)
    assert rc != 0 and recap["acme"]["failed"] == 1, out[-4000:]
    assert "TASK [%sPre-flight | parse nylas_credentials_file (output hidden, the file holds secrets)]" % ROLE_PREFIX in out
    assert [s for s in secrets if s in out] == [], "the credentials file's content was printed"
    assert _api_requests(user["sims"]) == []
