# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the installed collection on every ansible-core it claims (``meta/runtime.yml``): the version matrix.

Builds the collection tarball once, then for each ansible-core minor of ``MATRIX`` (its latest patch
release, pinned below, on a Python it supports):

* ``venv``: a virtualenv with that ansible-core and the modules' ``requests``, cached under
  ``.cache/matrix/venvs/`` (the key holds the pins: a changed pin makes a new one);
* ``install``: ``ansible-galaxy collection install`` of the tarball into a fresh temporary collections
  path outside the checkout, with an empty ``ANSIBLE_CONFIG`` (the checkout's ``ansible.cfg`` is never read);
* ``plan`` / ``change`` / ``re-run``: ``ansible-playbook nylas.migration.migrate`` by FQCN over a copy of
  the demo inventory (three pairs) against a us and an eu simulator on free loopback ports. The plan
  (``--check --diff``) must exit 0 and send no write request (no non-GET request in the simulators'
  request log), the change must exit 0, the re-run must report ``changed=0`` for every pair;
* ``ansible-doc``: every module of the installed collection (``ansible-doc -l nylas.migration``) and
  ``ansible-doc -t role nylas.migration.migrate``;
* ``sanity`` (the oldest and the newest version only): ``ansible-test sanity`` of a copy of the checkout
  in an ``ansible_collections/nylas/migration`` tree, with the offline get-pip stand-in.

Prints a table (version, step, result, seconds) and exits 1 when any step failed. Logs of every step:
``.cache/matrix/logs/<version>/<step>.log``.

Usage: ``make matrix [VERSIONS=2.16,2.21] [JOBS=2]`` or
``.venv/bin/python scripts/matrix.py [--versions 2.16,2.21] [--jobs 2] [--no-sanity] [--tarball FILE]``.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from simulator.receiver import WebhookReceiver  # noqa: E402  (repo root on sys.path)
from tests.integration.installed.installed_runner import mini_demo_simulators, user_inventory  # noqa: E402  (repo root on sys.path)
from tests.integration.playbooks.playbook_runner import parse_recap, writes  # noqa: E402

# minor: (exact ansible-core release, Python it runs on). Each is the latest patch release of its minor
# (``pip index versions ansible-core``); the Pythons spread over what each release's python_requires allows
# (2.16/2.17: 3.10-3.12, 2.18/2.19: 3.11-3.13, 2.20/2.21: 3.12-3.14) and the pyenv Pythons of the machines.
MATRIX = {
    "2.16": ("2.16.19", "3.10.13"),
    "2.17": ("2.17.14", "3.12.1"),
    "2.18": ("2.18.19", "3.11.7"),
    "2.19": ("2.19.14", "3.13.0"),
    "2.20": ("2.20.10", "3.12.1"),
    "2.21": ("2.21.5", "3.13.0"),
}
# What the modules need on the controller besides ansible-core (requirements.txt), pinned as in requirements-dev.txt.
EXTRA_PINS = ("requests==2.34.2", "urllib3>=2,<3")
SANITY_VERSIONS = ("2.16", "2.21")
PYENV_ROOT = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
CACHE = os.path.join(REPO, ".cache", "matrix")
FQCN = "nylas.migration"
PLAYBOOK = FQCN + ".migrate"
PLAYBOOK_TIMEOUT = 900
SANITY_TIMEOUT = 1800
PASSES = (("plan", ["--check", "--diff"]), ("change", []), ("re-run", []))


class StepFailed(Exception):
    """A step of one version failed; the message says why (one line)."""


# ------------------------------------------------------------------------------ pure helpers
def parse_versions(text):
    """Takes ``"2.16,2.21"`` (or ``"all"``/``None``); returns the listed minors in matrix order.

    Raises ``ValueError`` naming a minor that is not in ``MATRIX``."""
    if not text or text == "all":
        return list(MATRIX)
    wanted = [v.strip() for v in text.replace(" ", ",").split(",") if v.strip()]
    unknown = [v for v in wanted if v not in MATRIX]
    if unknown:
        raise ValueError("unknown ansible-core version(s) %s; the matrix has %s" % (", ".join(unknown), ", ".join(MATRIX)))
    return [v for v in MATRIX if v in wanted]


def venv_key(minor):
    """Takes a minor of ``MATRIX``; returns the cache key of its virtualenv (version, Python, hash of the pins)."""
    core, python = MATRIX[minor]
    pins = "\n".join(("ansible-core==" + core,) + EXTRA_PINS)
    return "ansible-core-%s-py%s-%s" % (core, python, hashlib.sha256(pins.encode()).hexdigest()[:10])


def rerun_changes(recap):
    """Takes a parsed PLAY RECAP; returns ``{host: changed}`` of the hosts that changed or failed something."""
    return {host: counts.get("changed", 0) for host, counts in recap.items()
            if counts.get("changed", 0) or counts.get("failed", 0) or counts.get("unreachable", 0)}


def pip_pin(python_requirements_source):
    """Takes the text of ansible-test's ``python_requirements.py``; returns its ``pip='X'`` pin (``None`` if absent)."""
    match = re.search(r"pip='([0-9.]+)'", python_requirements_source)
    return match.group(1) if match else None


def doc_module_names(listing):
    """Takes ``ansible-doc -l nylas.migration`` output; returns the sorted module FQCNs it lists."""
    return sorted({line.split()[0] for line in listing.splitlines() if line.startswith(FQCN + ".")})


def doc_warnings(output):
    """Takes ``ansible-doc`` output; returns its warning and error lines, but for ansible-core's own
    ``ansible._protomatter`` internal collection (2.20+ warn that it has no MANIFEST.json)."""
    return [line for line in output.splitlines() if line.startswith(("[WARNING]", "ERROR", "[ERROR]"))
            and "/ansible/_internal/ansible_collections/" not in line]


def format_table(results):
    """Takes ``[(version, step, result, seconds)]``; returns the table as text."""
    rows = [("version", "step", "result", "seconds")] + [(v, s, r, "%.1f" % t) for v, s, r, t in results]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["%-*s  %-*s  %-*s  %7s" % (widths[0], row[0], widths[1], row[1], widths[2], row[2], row[3]) for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def clean_env(bin_dir, collections_path, config, **extra):
    """The environment of a user's shell on one matrix version: its venv first on ``PATH``, only the temporary
    collections path, an empty ``ANSIBLE_CONFIG``, no other ``ANSIBLE_*``/``NYLAS_*`` variable of the caller."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANSIBLE_", "NYLAS_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update({
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "VIRTUAL_ENV": os.path.dirname(bin_dir),
        "ANSIBLE_CONFIG": config,
        "ANSIBLE_COLLECTIONS_PATH": collections_path,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


# ------------------------------------------------------------------------------ steps
class VersionRun:
    """The steps of one ansible-core minor; ``results`` collects ``(version, step, result, seconds)``."""

    def __init__(self, minor, tarball, sanity, printer):
        self.minor = minor
        self.core, self.python = MATRIX[minor]
        self.tarball = tarball
        self.sanity = sanity
        self.printer = printer
        self.results = []
        self.logs = os.path.join(CACHE, "logs", minor)
        self.venv = os.path.join(CACHE, "venvs", venv_key(minor))
        self.bin = os.path.join(self.venv, "bin")
        self.tmp = None
        self.env = None

    def step(self, name, func):
        """Run ``func()`` (returns a short result text or raises ``StepFailed``); record and print it.

        Returns ``True`` when it passed."""
        start = time.monotonic()
        try:
            result, passed = func() or "ok", True
        except StepFailed as exc:
            result, passed = "FAILED: %s" % exc, False
        except (OSError, subprocess.SubprocessError, RuntimeError, ValueError, KeyError) as exc:
            result, passed = "FAILED: %s: %s" % (type(exc).__name__, exc), False
        seconds = time.monotonic() - start
        self.results.append((self.minor, name, result, seconds))
        self.printer("%-5s %-12s %-6.1f %s" % (self.minor, name, seconds, result))
        return passed

    def run_logged(self, name, cmd, timeout, cwd=None, env=None):
        """Run ``cmd`` with stdout+stderr into ``logs/<name>.log``; returns ``(rc, output)``."""
        os.makedirs(self.logs, exist_ok=True)
        log = os.path.join(self.logs, re.sub(r"[^\w.-]", "_", name) + ".log")
        with open(log, "w", encoding="utf-8") as out:
            out.write("$ %s\n(cwd %s)\n\n" % (" ".join(cmd), cwd or os.getcwd()))
            out.flush()
            try:
                proc = subprocess.run(cmd, cwd=cwd, env=env or self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired as exc:
                out.write(exc.output.decode() if isinstance(exc.output, bytes) else (exc.output or ""))
                raise StepFailed("timed out after %d s (log %s)" % (timeout, os.path.relpath(log, REPO))) from exc
            out.write(proc.stdout)
            out.write("\n[exit code %d]\n" % proc.returncode)
        return proc.returncode, proc.stdout

    def log_hint(self, name):
        """The relative path of a step's log, for failure messages."""
        return os.path.relpath(os.path.join(self.logs, re.sub(r"[^\w.-]", "_", name) + ".log"), REPO)

    def make_venv(self):
        """Create (or reuse) the cached virtualenv of this version."""
        stamp = os.path.join(self.venv, ".installed")
        if os.path.exists(stamp):
            return "ok (cached %s)" % os.path.basename(self.venv)
        shutil.rmtree(self.venv, ignore_errors=True)
        python = os.path.join(PYENV_ROOT, "versions", self.python, "bin", "python3")
        if not os.access(python, os.X_OK):
            raise StepFailed("Python %s not found at %s" % (self.python, python))
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        for cmd in ([python, "-m", "venv", self.venv],
                    [os.path.join(self.bin, "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                     "ansible-core==" + self.core] + list(EXTRA_PINS)):
            rc, _out = self.run_logged("venv", cmd, 900, env=env)
            if rc:
                raise StepFailed("exit code %d (log %s)" % (rc, self.log_hint("venv")))
        with open(stamp, "w", encoding="utf-8") as handle:
            handle.write("ansible-core==%s on Python %s\n" % (self.core, self.python))
        return "ok (new)"

    def install(self):
        """Install the tarball into a fresh collections path outside the checkout."""
        self.tmp = tempfile.mkdtemp(prefix="nylas-matrix-%s-" % self.minor)
        config = os.path.join(self.tmp, "ansible.cfg")
        with open(config, "w", encoding="utf-8") as handle:
            handle.write("[defaults]\n")
        collections = os.path.join(self.tmp, "collections")
        self.env = clean_env(self.bin, collections, config)
        rc, out = self.run_logged("install", [os.path.join(self.bin, "ansible-galaxy"), "collection", "install",
                                              self.tarball, "-p", collections], 300, cwd=self.tmp)
        if rc or not os.path.isfile(os.path.join(collections, "ansible_collections", "nylas", "migration", "MANIFEST.json")):
            raise StepFailed("exit code %d (log %s)" % (rc, self.log_hint("install")))
        out = self.run_logged("ansible-version", [os.path.join(self.bin, "ansible"), "--version"], 120, cwd=self.tmp)[1]
        version = re.search(r"\[core ([^\]]+)\]", out)
        if not version or version.group(1) != self.core:
            raise StepFailed("ansible --version does not say core %s (log %s)" % (self.core, self.log_hint("ansible-version")))
        return "ok (ansible-core %s, Python %s)" % (self.core, self.python)

    def playbook_passes(self):
        """Plan, change and re-run by FQCN against fresh simulators; one result row each."""
        sims_dir = os.path.join(self.tmp, "sims")
        os.makedirs(sims_dir)
        # the pairs' webhooks point at a local receiver: the simulator sends Nylas's challenge to them
        with mini_demo_simulators(sims_dir) as sims, WebhookReceiver() as receiver:
            inventory = str(user_inventory(os.path.join(self.tmp, "inventory"), sims, receiver.url))
            work = os.path.join(self.tmp, "work")
            os.makedirs(work)
            for name, args in PASSES:
                if not self.step(name, lambda name=name, args=args: self.one_pass(name, args, sims, inventory, work)):
                    return False
        return True

    def one_pass(self, name, args, sims, inventory, work):
        """One ``ansible-playbook nylas.migration.migrate`` pass and its checks."""
        seq = {region: (sim.requests_log() or [{"seq": 0}])[-1]["seq"] for region, sim in sims.items()}
        rc, out = self.run_logged(name, [os.path.join(self.bin, "ansible-playbook"), PLAYBOOK, "-i", inventory] + args,
                                  PLAYBOOK_TIMEOUT, cwd=work)
        recap = parse_recap(out)
        if rc:
            failed = sorted(h for h, c in recap.items() if c.get("failed") or c.get("unreachable"))
            raise StepFailed("exit code %d, failed hosts %s (log %s)" % (rc, failed or "?", self.log_hint(name)))
        if len(recap) != 3:
            raise StepFailed("PLAY RECAP lists %d pairs, expected 3 (log %s)" % (len(recap), self.log_hint(name)))
        changed = sum(c.get("changed", 0) for c in recap.values())
        if name == "plan":
            sent = [w for region, sim in sims.items() for w in writes(sim, since=seq[region])]
            if sent:
                raise StepFailed("the plan sent %d write request(s), first %s" % (len(sent), sent[0]))
            return "ok (rc 0, 0 write requests, changed=%d)" % changed
        if name == "re-run":
            moved = rerun_changes(recap)
            if moved:
                raise StepFailed("not idempotent: %s (log %s)" % (moved, self.log_hint(name)))
            return "ok (changed=0)"
        return "ok (rc 0, changed=%d)" % changed

    def docs(self):
        """``ansible-doc`` of every module and of the role."""
        doc = os.path.join(self.bin, "ansible-doc")
        rc, listing = self.run_logged("ansible-doc-list", [doc, "-l", FQCN], 300, cwd=self.tmp)
        modules = doc_module_names(listing)
        installed = os.path.join(self.tmp, "collections", "ansible_collections", "nylas", "migration", "plugins", "modules")
        expected = sorted("%s.%s" % (FQCN, os.path.basename(p)[:-3]) for p in glob.glob(os.path.join(installed, "*.py")))
        if rc or modules != expected:
            raise StepFailed("ansible-doc -l: exit code %d, missing %s" % (rc, sorted(set(expected) - set(modules))))
        problems = []
        for target in [[m] for m in modules] + [["-t", "role", PLAYBOOK]]:
            rc, out = self.run_logged("ansible-doc-" + target[-1], [doc] + target, 300, cwd=self.tmp)
            if rc or target[-1] not in out or doc_warnings(out):
                problems.append("%s (log %s)" % (target[-1], self.log_hint("ansible-doc-" + target[-1])))
        if problems:
            raise StepFailed("ansible-doc failed for %s" % ", ".join(problems))
        return "ok (%d modules + role)" % len(modules)

    def run_sanity(self):
        """``ansible-test sanity`` of a copy of the checkout, on this version's ansible-core and Python."""
        source = glob.glob(os.path.join(self.venv, "lib", "python*", "site-packages", "ansible_test", "_internal",
                                        "python_requirements.py"))
        with open(source[0], encoding="utf-8") as handle:
            pin = pip_pin(handle.read())
        cache = os.path.expanduser(os.path.join("~", ".ansible", "test", "cache"))
        os.makedirs(cache, exist_ok=True)
        if pin:
            shutil.copyfile(os.path.join(REPO, "tests", "sanity", "get_pip_offline.py"),
                            os.path.join(cache, "get_pip_%s.py" % pin.replace(".", "_")))
        root = os.path.join(self.tmp, "sanity")
        tree = os.path.join(root, "ansible_collections", "nylas", "migration")
        copy_checkout(tree)
        python = ".".join(self.python.split(".")[:2])
        rc, out = self.run_logged("sanity", [os.path.join(self.bin, "ansible-test"), "sanity", "--venv", "--python", python,
                                             "--color", "no"], SANITY_TIMEOUT, cwd=tree)
        if rc:
            found = [line for line in out.splitlines() if line.startswith("ERROR: Found")]
            raise StepFailed("%s (log %s)" % ("; ".join(found) or "exit code %d" % rc, self.log_hint("sanity")))
        return "ok (Python %s)" % python

    def run(self):
        """All steps of this version, stopping at the first failure; returns ``results``."""
        try:
            if self.step("venv", self.make_venv) and self.step("install", self.install):
                try:
                    self.playbook_passes()
                except (OSError, subprocess.SubprocessError, RuntimeError, ValueError, KeyError) as exc:
                    self.results.append((self.minor, "simulators", "FAILED: %s: %s" % (type(exc).__name__, exc), 0.0))
                self.step("ansible-doc", self.docs)
                if self.sanity:
                    self.step("sanity", self.run_sanity)
        finally:
            if self.tmp:
                shutil.rmtree(self.tmp, ignore_errors=True)
        return self.results


def copy_checkout(tree):
    """Copy the checkout's tracked and untracked-but-not-ignored files into ``tree`` (as ``make collection-copy``)."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in files:
        source = os.path.join(REPO, name)
        if not name or not os.path.lexists(source) or os.path.isdir(source):
            continue
        target = os.path.join(tree, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)


def build_tarball(output):
    """Build the collection tarball from the checkout with the main venv's ``ansible-galaxy``; returns its path."""
    shutil.rmtree(output, ignore_errors=True)
    os.makedirs(output)
    config = os.path.join(output, "ansible.cfg")
    with open(config, "w", encoding="utf-8") as handle:
        handle.write("[defaults]\n")
    env = clean_env(os.path.dirname(sys.executable), os.path.join(output, "collections"), config)
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-galaxy"), "collection", "build", "--output-path",
                    output, REPO], cwd=output, env=env, check=True, capture_output=True, text=True, timeout=300)
    return glob.glob(os.path.join(output, "nylas-migration-*.tar.gz"))[0]


def main(argv=None):
    """Parse the arguments, run the versions side by side, print the table; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", default=os.environ.get("VERSIONS") or "all",
                        help="comma-separated ansible-core minors (default: all of %s)" % ", ".join(MATRIX))
    parser.add_argument("--jobs", type=int, default=2, help="versions run side by side (default 2)")
    parser.add_argument("--no-sanity", action="store_true", help="skip ansible-test sanity on the oldest and newest")
    parser.add_argument("--tarball", help="an already built collection tarball (default: build one from the checkout)")
    args = parser.parse_args(argv)
    try:
        versions = parse_versions(args.versions)
    except ValueError as exc:
        parser.error(str(exc))
    # the slowest versions (those with sanity) first, so that their sanity runs beside the others
    order = sorted(versions, key=lambda v: (v not in SANITY_VERSIONS or args.no_sanity, list(MATRIX).index(v)))
    lock = threading.Lock()

    def printer(line):
        with lock:
            print(line, flush=True)

    start = time.monotonic()
    tarball = os.path.abspath(args.tarball) if args.tarball else build_tarball(os.path.join(CACHE, "dist"))
    printer("tarball %s; versions %s; jobs %d" % (os.path.relpath(tarball, REPO), ", ".join(versions), args.jobs))
    runs = [VersionRun(v, tarball, v in SANITY_VERSIONS and not args.no_sanity, printer) for v in order]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        list(pool.map(lambda run: run.run(), runs))
    results = [row for v in versions for run in runs if run.minor == v for row in run.results]
    print("\n" + format_table(results))
    failed = [r for r in results if not r[2].startswith("ok")]
    logs = os.path.relpath(os.path.join(CACHE, "logs"), REPO)
    print("\n%d steps, %d failed, %.0f s in all (logs: %s)" % (len(results), len(failed), time.monotonic() - start, logs))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
