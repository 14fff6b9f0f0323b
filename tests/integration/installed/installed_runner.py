# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the tests that use the collection as users install it (fixtures: ``conftest.py``).

* ``Installed(tarball, collections_path, collection_dir)``: what ``installed_collection`` returns.
* ``user_env(installed, **extra)``: the environment of a user's shell: the virtualenv's ``bin`` on
  ``PATH``, ``ANSIBLE_COLLECTIONS_PATH`` = only the install path, no other ``ANSIBLE_*`` variable (no
  ``ANSIBLE_CONFIG``: the checkout's ``ansible.cfg`` is never read, the tests run outside the checkout)
  and no ``NYLAS_*``. (``HOME`` stays: Ansible's async jobs find their results through it.)
* ``tree_state(path)``: ``{relative path: (kind, mode, size, sha256)}`` of every file and folder under
  ``path``, to prove that nothing was created or changed there.
* ``user_inventory(directory, sims)``: a copy of ``inventories/demo`` (three pairs) pointing at ``sims``.
* ``mini_demo_simulators(directory)`` (context manager): a us and an eu simulator on the demo seed with
  fewer accounts (``mini_demo_seed``), state under ``directory``; yields ``{"us": sim, "eu": sim}`` and
  stops them on exit.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import sys
from collections import namedtuple
from pathlib import Path

import yaml

from simulator.harness import SimulatorProcess
from tests.integration.playbooks.playbook_runner import FAST_PACE, mini_demo_seed

REPO_ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent

Installed = namedtuple("Installed", ["tarball", "collections_path", "collection_dir"])


def user_env(installed, **extra):
    """The environment of a user who installed the collection (see the module docstring)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANSIBLE_", "NYLAS_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update({
        "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", ""),
        "ANSIBLE_COLLECTIONS_PATH": str(installed.collections_path),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def tree_state(path):
    """``{relative path: (kind, mode, size, sha256 or None)}`` of everything under ``path``."""
    path = Path(path)
    state = {}
    for item in sorted(path.rglob("*")):
        info = item.lstat()
        if stat.S_ISDIR(info.st_mode):
            state[str(item.relative_to(path))] = ("dir", stat.S_IMODE(info.st_mode), None, None)
        else:
            digest = hashlib.sha256(item.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else None
            state[str(item.relative_to(path))] = ("file", stat.S_IMODE(info.st_mode), info.st_size, digest)
    return state


def user_inventory(directory, sims, hook_base=None):
    """Copy ``inventories/demo`` (three pairs, FAKE simulator keys) to ``directory``, pointing at ``sims``
    (and its webhooks at the receiver ``hook_base``: Nylas's challenge must pass)."""
    directory = Path(directory)
    shutil.copytree(REPO_ROOT / "inventories" / "demo", directory)
    if hook_base:
        with open(directory / "group_vars" / "all.yml", "a", encoding="utf-8") as handle:
            handle.write("demo_webhook_base: %s\n" % hook_base)
    for region, sim in sims.items():
        path = directory / "group_vars" / ("%s.yml" % region)
        data = yaml.safe_load(path.read_text())
        data.update(nylas_api_uri=sim.url, nylas_v2_api_uri=sim.url)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return directory


@contextlib.contextmanager
def mini_demo_simulators(directory):
    """A us and an eu simulator on the small demo seed (state under ``directory``), stopped on exit."""
    directory = Path(directory)
    seed = mini_demo_seed(directory / "seed.yaml")
    sims = {}
    try:
        for region in ("us", "eu"):
            sims[region] = SimulatorProcess(region, seed=seed, state=directory / ("%s.sqlite" % region),
                                            job_pace=FAST_PACE, allow_loopback_webhooks=True).start()
        yield sims
    finally:
        for sim in sims.values():
            sim.stop()
