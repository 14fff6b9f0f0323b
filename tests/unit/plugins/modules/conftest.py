# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the module unit tests."""

from __future__ import annotations

import pytest

from ansible.module_utils import basic

from ansible_collections.nylas.migration.plugins.module_utils.nylas_module import NylasModule
from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import FakeClock


@pytest.fixture
def warnings(monkeypatch):
    """Collect the module's warnings (their place in the result depends on the ansible-core version)."""
    seen = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: seen.append(msg))
    return seen


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """A fake clock for the settle loop of every module (no real waiting); ``clock.slept`` lists the waits."""
    fake = FakeClock()
    monkeypatch.setattr(NylasModule, "clock", staticmethod(fake))
    monkeypatch.setattr(NylasModule, "sleep", staticmethod(fake.sleep))
    return fake
