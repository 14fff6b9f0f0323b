# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the ``get-pip`` bootstrap script that ``ansible-test`` downloads.

``ansible-test`` bootstraps pip in each of its virtual environments with a ``get-pip`` script fetched
from Ansible's CI file host, which is unreachable on air-gapped machines. ``make sanity`` copies this
file to ``~/.ansible/test/cache/get_pip_<version>.py``; it then runs with the arguments ansible-test
gives (``--disable-pip-version-check pip==X [--no-setuptools] [--no-wheel]``): it installs pip with
``ensurepip``, upgrades to the requested packages from the configured index, and removes setuptools
or wheel when asked to leave them out.
"""
from __future__ import annotations

import subprocess
import sys


def main(argv):
    """Bootstrap pip into the running interpreter; return the process exit code."""
    drop = [name for flag, name in (("--no-setuptools", "setuptools"), ("--no-wheel", "wheel")) if flag in argv]
    args = [arg for arg in argv if arg not in ("--no-setuptools", "--no-wheel")]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--upgrade"] + args)
    if drop:
        subprocess.call([sys.executable, "-m", "pip", "uninstall", "--quiet", "--yes"] + drop)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
