# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.nylas.migration`` importable when the unit tests run from a plain checkout.

Under ``ansible-test units`` or pytest-ansible (``--ansible-unit-inject-only``) a collection finder
is already installed and this does nothing. Otherwise a temporary ``ansible_collections/nylas/migration``
link to the checkout is put on ``sys.path`` (outside the repository, so nothing is collected twice).
"""
from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import sys
import tempfile


def _collection_importable():
    try:
        return importlib.util.find_spec("ansible_collections.nylas.migration.plugins") is not None
    except ImportError:
        return False


def _inject_collection():
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    root = os.environ.get("NYLAS_TEST_COLLECTIONS_ROOT")
    if not root:
        root = tempfile.mkdtemp(prefix="nylas-collections-")
        atexit.register(shutil.rmtree, root, True)
    namespace = os.path.join(root, "ansible_collections", "nylas")
    os.makedirs(namespace, exist_ok=True)
    link = os.path.join(namespace, "migration")
    if not os.path.exists(link):
        os.symlink(repo, link)
    sys.path.insert(0, root)
    for name in [m for m in sys.modules if m == "ansible_collections" or m.startswith("ansible_collections.")]:
        del sys.modules[name]


if not _collection_importable():
    _inject_collection()
