"""Start and drive simulator processes from tests and scripts.

Example::

    with SimulatorProcess("us", job_pace=5000) as sim:
        requests.get(sim.url + "/v3/applications", headers={"Authorization": "Bearer ..."})
        sim.add_fault(method="POST", path="/v3/migration-tools/*", status=502, times=1)
        sim.kill(); sim.restart()          # same state file: jobs resume
"""

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVING_RE = re.compile(r"^Nylas simulator region=(\w+) serving on (http://[\d.]+:(\d+))\s*$")


class SimulatorError(RuntimeError):
    """The simulator process could not be started or answered an admin call with an error."""


class SimulatorProcess:
    """One ``python -m simulator`` subprocess.

    :param region: ``us`` or ``eu``.
    :param seed: seed file (default: the demo seed).
    :param state: SQLite state file, kept as :attr:`state_path` (default: a file in a new temporary
        directory); restarts reuse it.
    :param job_pace: accounts per second for batch jobs.
    :param extra_args: more CLI arguments (e.g. ``("--rate-limit-migration", "0")``).
    :param env: extra environment variables.
    :param start_timeout: seconds to wait for the "serving on" line.
    :param allow_loopback_webhooks: start with ``--allow-loopback-webhooks`` (rehearsals with a local receiver,
        :class:`simulator.receiver.WebhookReceiver`).
    """

    def __init__(self, region, seed=None, state=None, job_pace=None, extra_args=(), env=None, start_timeout=20,
                 allow_loopback_webhooks=False):
        self.region = region
        self.seed = str(seed) if seed else None
        if state is None:
            owned = tempfile.mkdtemp(prefix=f"nylas-sim-{region}-")
            atexit.register(shutil.rmtree, owned, True)  # a state nobody asked to keep goes with this process
            state = Path(owned) / "state.sqlite"
        self.state_path = str(state)
        self.job_pace = job_pace
        self.extra_args = tuple(str(a) for a in extra_args)
        self.allow_loopback_webhooks = bool(allow_loopback_webhooks)
        self.env = dict(env or {})
        self.start_timeout = start_timeout
        self.proc = None
        self.url = None
        self.port = None
        self._lines = []
        self._reader = None
        self.stderr_path = str(Path(self.state_path).with_suffix(f".{region}.stderr.log"))

    # ------------------------------------------------------------ lifecycle
    def command(self, port=0):
        """Return the command line used to start the process."""
        cmd = [sys.executable, "-m", "simulator", "--region", self.region, "--host", "127.0.0.1",
               "--port", str(port), "--state", self.state_path]
        if self.seed:
            cmd += ["--seed", self.seed]
        if self.job_pace is not None:
            cmd += ["--job-pace", str(self.job_pace)]
        if self.allow_loopback_webhooks and "--allow-loopback-webhooks" not in self.extra_args:
            cmd.append("--allow-loopback-webhooks")
        return cmd + list(self.extra_args)

    def start(self, port=0):
        """Start the process and wait until it serves; returns ``self``."""
        if self.proc is not None and self.proc.poll() is None:
            raise SimulatorError("simulator already running")
        env = dict(os.environ)
        env.update(self.env)
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
        stderr = open(self.stderr_path, "ab")  # noqa: SIM115 - kept open by the child only
        try:
            self.proc = subprocess.Popen(self.command(port), cwd=str(REPO_ROOT), env=env, stdout=subprocess.PIPE,
                                         stderr=stderr, stdin=subprocess.DEVNULL, text=True)
        finally:
            stderr.close()
        ready = threading.Event()
        self._lines = []

        def read(proc=self.proc):
            for line in proc.stdout:
                self._lines.append(line.rstrip("\n"))
                match = SERVING_RE.match(line)
                if match and not ready.is_set():
                    self.url, self.port = match.group(2), int(match.group(3))
                    ready.set()
            ready.set()

        self._reader = threading.Thread(target=read, name=f"sim-{self.region}-stdout", daemon=True)
        self._reader.start()
        if not ready.wait(self.start_timeout) or self.url is None or self.proc.poll() is not None:
            self._terminate(signal.SIGKILL)
            raise SimulatorError(f"simulator {self.region} did not start within {self.start_timeout} s; "
                                 f"stdout={self._lines!r} stderr={self.stderr_tail()!r}")
        return self

    def stop(self, timeout=10):
        """SIGTERM, wait, then SIGKILL if needed. Returns the exit code."""
        return self._terminate(signal.SIGTERM, timeout)

    def kill(self):
        """SIGKILL at once (simulates a crash; the state file stays)."""
        return self._terminate(signal.SIGKILL)

    def restart(self, job_pace=None):
        """Stop if running, then start again on the same state file, on the same port if possible."""
        if job_pace is not None:
            self.job_pace = job_pace
        old_port = self.port
        if self.running:
            self.stop()
        try:
            return self.start(port=old_port or 0)
        except SimulatorError:
            return self.start(port=0)

    def _terminate(self, sig, timeout=10):
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if self._reader is not None:
            self._reader.join(2)
        if proc.stdout is not None:
            proc.stdout.close()
        return proc.returncode

    @property
    def running(self):
        """True while the process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def stderr_tail(self, chars=4000):
        """The end of the process's stderr log (for failure messages)."""
        try:
            return Path(self.stderr_path).read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---------------------------------------------------------------- admin
    def admin(self, method, path, body=None, timeout=10):
        """Call ``/_sim/<path>`` and return the decoded JSON (raises :class:`SimulatorError` on HTTP errors)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}/_sim/{path.lstrip('/')}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback URL
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise SimulatorError(f"{method} /_sim/{path}: HTTP {exc.code} {exc.read()[:500]!r}") from None

    def health(self):
        """``GET /_sim/health``."""
        return self.admin("GET", "health")

    def requests_log(self, since=None, method=None, path=None):
        """``GET /_sim/requests``: the list of logged requests (optionally after ``since``)."""
        query = []
        if since is not None:
            query.append(f"since={since}")
        if method:
            query.append(f"method={urllib.parse.quote(method)}")
        if path:
            query.append(f"path={urllib.parse.quote(path)}")
        return self.admin("GET", "requests" + ("?" + "&".join(query) if query else ""))["requests"]

    def add_fault(self, **rule):
        """``POST /_sim/faults`` with one rule; returns the created rule (with its ``id``)."""
        return self.admin("POST", "faults", rule)["faults"][0]

    def clear_faults(self):
        """``DELETE /_sim/faults``."""
        return self.admin("DELETE", "faults")

    def reset(self):
        """``POST /_sim/reset``: reload the seed."""
        return self.admin("POST", "reset")

    def state(self):
        """``GET /_sim/state`` (the state file path is :attr:`state_path`)."""
        return self.admin("GET", "state")

    def job_accounts(self, job_id):
        """``GET /_sim/jobs/<job_id>/accounts``: the account ids of a batch (either job id), in processing order."""
        return [r["account_id"] for r in self.admin("GET", f"jobs/{job_id}/accounts")["accounts"]]

    def notifications(self):
        """``GET /_sim/notifications``: challenges sent, deliveries made, counters, ``idle``."""
        return self.admin("GET", "notifications")

    def set_destination_status(self, dest_id, status):
        """``POST /_sim/destinations/<id>/status``: any of active, failing, failed, pause (no challenge)."""
        return self.admin("POST", f"destinations/{dest_id}/status", {"status": status})

    def set_pace(self, accounts_per_second):
        """``POST /_sim/pace``."""
        return self.admin("POST", "pace", {"accounts_per_second": accounts_per_second})

    def wait_for(self, predicate, timeout=20, interval=0.05):
        """Poll ``predicate()`` until truthy; return its value or raise ``TimeoutError``."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            time.sleep(interval)
