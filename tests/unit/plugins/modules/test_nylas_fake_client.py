# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fake clients of the module unit tests stay true to the real clients.

Every public method of ``FakeV3Client`` / ``FakeV2Client`` must exist on ``NylasV3Client`` /
``NylasV2Client`` with the same parameters (names, kinds, defaults), so a module test cannot pass
against a call the real client would refuse; and every client method the plugins use must exist on
the fake, so no module path is left untestable.
"""

from __future__ import annotations

import ast
import inspect
import os

import pytest

from ansible_collections.nylas.migration.plugins.module_utils import nylas_client
from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import NylasV2Client, NylasV3Client
from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import (
    FakeV2Client,
    FakeV3Client,
)

PAIRS = ((FakeV3Client, NylasV3Client), (FakeV2Client, NylasV2Client))


def public_methods(cls):
    """The names of the public methods a class defines or inherits."""
    return sorted(name for name, _member in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_"))


def parameters(function):
    """The parameters of ``function`` as (name, kind, default) triples."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


FAKE_METHODS = [(fake, real, name) for fake, real in PAIRS for name in public_methods(fake)]


@pytest.mark.parametrize("fake,real,name", FAKE_METHODS,
                         ids=["%s.%s" % (fake.__name__, name) for fake, _real, name in FAKE_METHODS])
def test_fake_method_has_the_real_signature(fake, real, name):
    real_method = inspect.getattr_static(real, name, None)
    assert real_method is not None and callable(getattr(real, name)), (
        "%s.%s has no counterpart on %s" % (fake.__name__, name, real.__name__))
    assert parameters(getattr(fake, name)) == parameters(getattr(real, name)), (
        "%s.%s%s differs from %s.%s%s" % (fake.__name__, name, inspect.signature(getattr(fake, name)),
                                          real.__name__, name, inspect.signature(getattr(real, name))))


def test_the_signature_check_sees_the_fake_methods():
    checked = set((fake.__name__, name) for fake, _real, name in FAKE_METHODS)
    assert {("FakeV3Client", "clone_grant"), ("FakeV3Client", "start_batch_clone"),
            ("FakeV2Client", "list_accounts")} <= checked


def client_attributes_used_by_plugins():
    """(file, attribute, v2) for each ``<...>client.<attribute>`` / ``<...>v2_client.<attribute>`` in the plugins."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(nylas_client.__file__)))
    found = []
    for folder in ("modules", "module_utils"):
        for filename in sorted(os.listdir(os.path.join(root, folder))):
            if not filename.endswith(".py"):
                continue
            path = os.path.join(root, folder, filename)
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read(), path)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Attribute) or node.attr.startswith("_"):
                    continue
                base = node.value
                if isinstance(base, ast.Name) and base.id.startswith("nylas_"):
                    continue  # a module such as nylas_client, not a client object
                text = ast.unparse(base)
                if text.endswith("client"):
                    found.append(("%s/%s" % (folder, filename), node.attr, text.endswith("v2_client")))
    return found


def test_every_client_method_the_plugins_use_is_faked():
    used = client_attributes_used_by_plugins()
    names = set(name for _file, name, _v2 in used)
    # the scan sees the calls it must see (so it cannot pass by finding nothing)
    assert {"clone_grant", "start_batch_clone", "list_jobs", "list_accounts", "create_webhook"} <= names
    missing = []
    for filename, name, v2 in used:
        fake, real = (FakeV2Client, NylasV2Client) if v2 else (FakeV3Client, NylasV3Client)
        if callable(getattr(real, name, None)) and not callable(getattr(fake, name, None)):
            missing.append("%s uses %s.%s" % (filename, real.__name__, name))
    assert missing == []
