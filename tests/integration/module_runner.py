# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a real module of the collection in a subprocess, the way Ansible runs it on a host.

``run_module("nylas_link_apps", {...}, check_mode=True, diff=True)`` writes
``{"ANSIBLE_MODULE_ARGS": {..., "_ansible_check_mode": ..., "_ansible_diff": ...}}`` to a temporary
file and runs ``python -m ansible_collections.nylas.migration.plugins.modules.<name> <file>`` with
``PYTHONPATH`` pointing at a temporary collections root (outside the repository) whose
``ansible_collections/nylas/migration`` links to this checkout. Returns a ``ModuleResult``:
``rc``, ``result`` (the parsed JSON, or ``None`` when stdout is not JSON) and ``raw`` (stdout and
stderr together, to search for leaked secrets).

Also the demo identities and helpers that the module tests share (``module_args``, ``writes``,
``assert_no_secrets``, ...).

The child gets a clean environment: every ``NYLAS_*`` variable of the caller is removed, then
``env`` is applied (to test the env fallbacks).
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections import namedtuple

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE_PACKAGE = "ansible_collections.nylas.migration.plugins.modules"

#: One module run: exit code, parsed result (dict or None) and the raw stdout + stderr.
ModuleResult = namedtuple("ModuleResult", ["rc", "result", "raw"])

_ROOT = None
_ROOT_LOCK = threading.Lock()


#: Connectors that can authenticate every provider the tests' seeds use: clone and batch clone need a
#: working connector per provider (contract; simulator/README.md, "Connector prerequisites"). FAKE values.
WORKING_CONNECTORS = [
    {"provider": "google", "settings": {"client_id": "it.apps.example.com", "client_secret": "sim-google-NOT-REAL"}},
    {"provider": "microsoft", "settings": {"client_id": "it-azure-app", "client_secret": "sim-azure-NOT-REAL",
                                           "tenant": "common"}},
    {"provider": "imap"}, {"provider": "icloud"}, {"provider": "ews", "settings": {}},
    {"provider": "virtual-calendar"},
]


def connect_demo_pair(sim, api_key):
    """After the link, give a demo pair the connectors its clones need, as the role's steps do: import the v2
    application (Google, IMAP, iCloud, EWS connectors), then set the Microsoft connector's Azure app (FAKE)."""
    calls = (("POST", "/v3/migration-tools/import-v2-app", None),
             ("PATCH", "/v3/connectors/microsoft", {"settings": {
                 "client_id": "00000000-0000-4000-8000-000000000009", "client_secret": "demo-azure-secret-NOT-REAL",
                 "tenant": "common"}}))
    for method, path, body in calls:
        request = urllib.request.Request(sim.url + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": "Bearer " + api_key,
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback simulator
            assert response.status == 200, (method, path, response.status)


def collections_root():
    """Return (creating it once per process) a temporary collections root linking to the checkout."""
    global _ROOT  # pylint: disable=global-statement
    with _ROOT_LOCK:
        if _ROOT is None:
            root = tempfile.mkdtemp(prefix="nylas-modules-")
            atexit.register(shutil.rmtree, root, True)
            namespace = os.path.join(root, "ansible_collections", "nylas")
            os.makedirs(namespace)
            os.symlink(REPO_ROOT, os.path.join(namespace, "migration"))
            _ROOT = root
    return _ROOT


def run_module(name, args, check_mode=False, diff=False, env=None, timeout=300):
    """Run module ``name`` with ``args``; return ``ModuleResult(rc, result, raw)``."""
    module_args = dict(args)
    module_args["_ansible_check_mode"] = bool(check_mode)
    module_args["_ansible_diff"] = bool(diff)
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("NYLAS_")}
    child_env.update(env or {})
    child_env["PYTHONPATH"] = collections_root()
    fd, path = tempfile.mkstemp(prefix="nylas-args-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"ANSIBLE_MODULE_ARGS": module_args}, handle)
        proc = subprocess.run(
            [sys.executable, "-m", "%s.%s" % (MODULE_PACKAGE, name), path],
            capture_output=True, text=True, env=child_env, timeout=timeout, cwd=tempfile.gettempdir(),
            check=False,
        )
    finally:
        os.unlink(path)
    return ModuleResult(proc.returncode, _parse(proc.stdout), proc.stdout + proc.stderr)


def _parse(stdout):
    """Return the JSON object a module printed, or ``None``."""
    text = stdout.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        start = text.find("{")
        if start < 0:
            return None
        try:
            return json.loads(text[start:])
        except ValueError:
            return None


# -- helpers shared by the module tests -----------------------------------------------------------

#: Demo seed identities (fake simulator credentials, see simulator/seeds/demo.yaml).
IDENTITIES = {
    "us-acme": dict(api_key="nyk_sim_us_acme_DEMO_NOT_A_REAL_KEY", v2_client_id="v2-us-acme",
                    v2_client_secret="sim-v2-secret-us-acme-DEMO"),
    "us-globex": dict(api_key="nyk_sim_us_globex_DEMO_NOT_A_REAL_KEY", v2_client_id="v2-us-globex",
                      v2_client_secret="sim-v2-secret-us-globex-DEMO"),
    "eu-initech": dict(api_key="nyk_sim_eu_initech_DEMO_NOT_A_REAL_KEY", v2_client_id="v2-eu-initech",
                       v2_client_secret="sim-v2-secret-eu-initech-DEMO"),
}

#: An HTML error page such as a proxy sends.
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"


def module_args(sim, identity="us-acme", v2=True, **extra):
    """Return module arguments for ``identity`` against simulator ``sim`` (fast retries)."""
    ident = IDENTITIES[identity]
    args = dict(api_key=ident["api_key"], region=sim.region, api_uri=sim.url, max_retries=1)
    if v2:
        args.update(v2_client_id=ident["v2_client_id"], v2_client_secret=ident["v2_client_secret"],
                    v2_api_uri=sim.url)
    args.update(extra)
    return args


def secrets_of(identity="us-acme"):
    """Return every secret value of ``identity`` and the values derived from them."""
    ident = IDENTITIES[identity]
    basic_v2 = base64.b64encode(("%s:%s" % (ident["v2_client_id"], ident["v2_client_secret"])).encode()).decode()
    basic = base64.b64encode(("%s:" % ident["v2_client_secret"]).encode()).decode()
    return [ident["api_key"], ident["v2_client_secret"], basic_v2, "Bearer " + ident["api_key"], basic]


def assert_no_secrets(raw, identity="us-acme"):
    """Assert that no secret of ``identity`` appears in a module's raw output."""
    for secret in secrets_of(identity):
        assert secret not in raw, "a secret leaked into the module output"


def last_seq(sim):
    """Return the sequence number of the simulator's last logged request (0 when none)."""
    entries = sim.requests_log()
    return entries[-1]["seq"] if entries else 0


def writes(sim, since=None):
    """Return ``(method, path)`` of the non-GET requests logged after ``since``."""
    return [(e["method"], e["path"]) for e in sim.requests_log(since=since) if e["method"] not in ("GET", "HEAD")]


def requests_to(sim, path, since=None):
    """Return the logged requests to ``path`` after ``since``."""
    return [e for e in sim.requests_log(since=since) if e["path"] == path]


def error_fields(result):
    """Return the error fields of a failed result."""
    return {k: result.get(k) for k in ("status", "error_type", "request_id", "method", "path", "attempts")}


#: Faults a module must report with the API's error fields: (id, fault rule without method and path,
#: expected HTTP status, expected ``error_type`` or None when the simulator's envelope decides).
TRANSPORT_FAULTS = [
    ("429-retry-after", dict(status=429, retry_after=1), 429, None),
    ("503", dict(status=503), 503, None),
    ("html-502", dict(status=502, body=HTML_502, content_type="text/html"), 502, "non_json_response"),
]


def assert_transport_failure(result, status, error_type, method, path):
    """Assert a failed module result carries the error fields of the faulted request and no secret."""
    assert result.rc == 1 and result.result["changed"] is False
    fields = error_fields(result.result)
    assert fields["status"] == status and fields["method"] == method and fields["path"] == path
    assert fields["attempts"] >= 1
    if error_type:
        assert fields["error_type"] == error_type
    if status == 502:
        assert "502 Bad Gateway" in result.result["msg"] and "<h1>" not in result.result["msg"]
    assert "Traceback" not in result.raw
    assert_no_secrets(result.raw)
