# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake Nylas API for module unit tests: in-memory state behind fake v3 / v2 client classes.

``FakeNylas.install(monkeypatch)`` replaces the client classes used by ``nylas_module`` so that a
module's ``main()`` runs unchanged; ``run_module(main, args, capsys, ...)`` runs it like Ansible would
(real ``exit_json``/``fail_json``, so ``no_log`` masking applies) and returns ``(rc, result, raw)``.
"""

from __future__ import annotations

import copy
import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.nylas.migration.plugins.module_utils import nylas_module
from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import (
    NylasAPIError,
    NylasCheckModeError,
    build_basic_v2,
)

API_KEY = "nyk_unit_TEST_KEY_0123456789"
V2_ID = "v2-unit-app"
V2_SECRET = "unit-v2-secret-TEST-abcdef"
SECRETS = (API_KEY, V2_SECRET, build_basic_v2(V2_ID, V2_SECRET), "Bearer " + API_KEY)

BASE_ARGS = dict(api_key=API_KEY, region="us", api_uri="http://127.0.0.1:9", v2_client_id=V2_ID,
                 v2_client_secret=V2_SECRET, v2_api_uri="http://127.0.0.1:9")


def api_error(status=400, error_type="bad_request", message="boom", method="GET", path="/v3/applications",
              request_id="req-123", outcome_unknown=False, attempts=1):
    """Return a ``NylasAPIError`` like the client raises."""
    return NylasAPIError(message, status=status, error_type=error_type, request_id=request_id, method=method,
                         path=path, attempts=attempts, outcome_unknown=outcome_unknown)


class FakeNylas:
    """In-memory state of one v3 application (and its v2 application) plus a call log."""

    def __init__(self):
        self.application = {"application_id": "app-unit", "region": "us", "environment": "production",
                            "branding": {"name": "Unit"}, "callback_uris": []}
        self.connectors = []
        self.jobs = []
        self.v2_application = {"application_name": "Unit v2", "redirect_uris": []}
        self.import_adds = {"callback_uris": [], "connectors": []}
        self.import_data = "imported"
        self.errors = {}  # method name -> exception raised by every call of that method
        self.side_effects = {}  # method name -> callable run before the error (a write that "happened")
        self.calls = []  # (method name, args, kwargs)
        self.v3_kwargs = None
        self.v2_kwargs = None

    # -- installation ---------------------------------------------------------------------------

    def install(self, monkeypatch):
        """Replace the client classes used by ``nylas_module`` with fakes bound to this state."""
        fake = self

        class V3(FakeV3Client):
            def __init__(self, api_key, **kwargs):
                fake.v3_kwargs = dict(kwargs, api_key=api_key)
                super().__init__(fake, kwargs.get("read_only", False))

        class V2(FakeV2Client):
            def __init__(self, client_id, client_secret, **kwargs):
                fake.v2_kwargs = dict(kwargs, client_id=client_id)
                super().__init__(fake)

        monkeypatch.setattr(nylas_module, "NylasV3Client", V3)
        monkeypatch.setattr(nylas_module, "NylasV2Client", V2)
        return self

    def writes(self):
        """Return the names of the write calls made."""
        return [c[0] for c in self.calls if c[0] in FakeV3Client.WRITES]

    def _call(self, name, *args, **kwargs):
        self.calls.append((name, args, kwargs))
        if name in self.side_effects:
            self.side_effects[name]()
        error = self.errors.get(name)
        if error is not None:
            raise error


class FakeV3Client:
    """Fake ``NylasV3Client``: the operations the modules use, over ``FakeNylas`` state."""

    WRITES = ("link_v2_app", "import_v2_app")

    def __init__(self, state, read_only=False):
        self.state = state
        self.read_only = read_only

    def _write(self, name, *args):
        if self.read_only:
            raise NylasCheckModeError("check mode: refusing POST %s" % name)
        self.state._call(name, *args)

    def get_application(self):
        self.state._call("get_application")
        return copy.deepcopy(self.state.application)

    def list_redirect_uris(self):
        self.state._call("list_redirect_uris")
        return copy.deepcopy(self.state.application.get("callback_uris") or [])

    def list_connectors(self):
        self.state._call("list_connectors")
        return copy.deepcopy(self.state.connectors)

    def link_v2_app(self, basic_v2):
        self._write("link_v2_app", basic_v2)
        self.state.application["v2_application_id"] = V2_ID
        return copy.deepcopy(self.state.application)

    def import_v2_app(self):
        self._write("import_v2_app")
        app = self.state.application
        app["callback_uris"] = list(app.get("callback_uris") or []) + list(self.state.import_adds["callback_uris"])
        self.state.connectors = self.state.connectors + list(self.state.import_adds["connectors"])
        self.state.import_adds = {"callback_uris": [], "connectors": []}
        return self.state.import_data

    def list_jobs(self, status=None, job_type=None, sort_by_completion=None):
        self.state._call("list_jobs", status=status, job_type=job_type, sort_by_completion=sort_by_completion)
        return copy.deepcopy(self.state.jobs)


class FakeV2Client:
    """Fake ``NylasV2Client``."""

    def __init__(self, state):
        self.state = state

    def get_application(self):
        self.state._call("v2_get_application")
        return copy.deepcopy(self.state.v2_application)


def run_module(main, args, capsys, check_mode=False, diff=False):
    """Run a module's ``main()`` with ``args``; return ``(rc, result, raw stdout + stderr)``."""
    module_args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(module_args):
        with pytest.raises(SystemExit) as exc:
            main()
    captured = capsys.readouterr()
    # warnings go to stderr instead of the result when the controller is loaded (pytest-ansible)
    return exc.value.code, json.loads(captured.out), captured.out + captured.err


def assert_no_secret(raw):
    """Assert that no secret (nor a value derived from one) is in the raw module output."""
    for secret in SECRETS:
        assert secret not in raw
