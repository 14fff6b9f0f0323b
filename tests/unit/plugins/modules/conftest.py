# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the module unit tests."""

from __future__ import annotations

import pytest

from ansible.module_utils import basic


@pytest.fixture
def warnings(monkeypatch):
    """Collect the module's warnings (their place in the result depends on the ansible-core version)."""
    seen = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: seen.append(msg))
    return seen
