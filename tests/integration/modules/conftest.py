# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the module integration tests.

The simulators come from ``tests/conftest.py`` (``sim_us``, ``sim_eu``, ``sim_factory``); modules run in
a subprocess through ``tests/integration/module_runner.py``, which also holds the shared helpers.
"""

from __future__ import annotations

import pytest

from tests.integration.module_runner import module_args


@pytest.fixture
def acme(sim_us):
    """The us simulator (demo seed) and the module arguments of the acme pair."""
    return sim_us, module_args(sim_us)
