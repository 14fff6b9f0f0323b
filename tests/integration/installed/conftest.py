# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the tests that use the collection as users install it, not as the checkout (helpers:
``installed_runner.py``).

* ``installed_collection`` (session): ``ansible-galaxy collection build`` of the checkout into a
  temporary folder, then ``ansible-galaxy collection install`` of that tarball into a fresh collections
  path. Returns an ``Installed`` (``tarball``, ``collections_path``, ``collection_dir``).
"""

from __future__ import annotations

import subprocess

import pytest

from tests.integration.installed.installed_runner import BIN, REPO_ROOT, Installed, user_env


@pytest.fixture(scope="session")
def installed_collection(tmp_path_factory):
    """Build the collection tarball from the checkout and install it into a fresh collections path."""
    tmp = tmp_path_factory.mktemp("installed")
    build_dir = tmp / "build"
    collections_path = tmp / "collections"
    env = user_env(Installed(None, collections_path, None))
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(build_dir), str(REPO_ROOT)],
                   cwd=str(tmp), env=env, check=True, capture_output=True, text=True, timeout=300)
    tarball = next(build_dir.glob("nylas-migration-*.tar.gz"))
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "install", str(tarball), "-p", str(collections_path)],
                   cwd=str(tmp), env=env, check=True, capture_output=True, text=True, timeout=300)
    collection_dir = collections_path / "ansible_collections" / "nylas" / "migration"
    assert (collection_dir / "MANIFEST.json").is_file(), sorted(p.name for p in collection_dir.iterdir())
    return Installed(tarball, collections_path, collection_dir)
