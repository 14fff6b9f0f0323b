# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit test of plugins/module_utils/nylas_version.py: the version in Python is the one in galaxy.yml."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.nylas.migration.plugins.module_utils.nylas_version import COLLECTION_VERSION

GALAXY_YML = os.path.join(os.path.dirname(os.path.abspath(__file__)), *([os.pardir] * 4), "galaxy.yml")


def galaxy_version():
    """The ``version:`` of the collection's galaxy.yml (repository root), or skip when it is absent."""
    if not os.path.isfile(GALAXY_YML):
        pytest.skip("galaxy.yml not found at %s (this runner copied only part of the tree)" % GALAXY_YML)
    with open(GALAXY_YML, encoding="utf-8") as handle:
        return str(yaml.safe_load(handle)["version"])


def test_collection_version_is_galaxy_version():
    assert COLLECTION_VERSION == galaxy_version()
