"""Shared pytest fixtures: simulators started as real processes on free loopback ports.

* ``sim_factory(region="us", seed=None, job_pace=5000, extra_args=(), **kwargs)`` starts a
  :class:`simulator.harness.SimulatorProcess` with its state file under ``tmp_path``; every process
  started through it is stopped at teardown.
* ``sim_us`` / ``sim_eu``: one simulator per region with the demo seed, fast job pace (5000
  accounts/s) and the real rate limits (20/s on migration tools, 50/s elsewhere).
* ``webhook_receiver``: a :class:`simulator.receiver.WebhookReceiver` on a free loopback port (stopped at
  teardown); the simulators of ``sim_factory`` run with ``--allow-loopback-webhooks`` (rehearsal), so a
  webhook created with ``webhook_receiver.url_for(path)`` passes Nylas's challenge, and any other URL fails
  it as it would at Nylas.
"""

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from simulator.harness import SimulatorProcess  # noqa: E402
from simulator.receiver import WebhookReceiver  # noqa: E402

FAST_PACE = 5000


@pytest.fixture
def sim_factory(tmp_path):
    """Start simulator processes (state under ``tmp_path``); all are stopped at teardown."""
    started = []

    def factory(region="us", seed=None, job_pace=FAST_PACE, extra_args=(), state=None, start=True, **kwargs):
        state = state or tmp_path / f"sim-{region}-{len(started)}.sqlite"
        kwargs.setdefault("allow_loopback_webhooks", True)
        sim = SimulatorProcess(region, seed=seed, state=state, job_pace=job_pace, extra_args=extra_args, **kwargs)
        started.append(sim)
        if start:
            sim.start()
        return sim

    yield factory
    for sim in started:
        sim.stop()


@pytest.fixture
def sim_us(sim_factory):
    """A us simulator with the demo seed."""
    return sim_factory("us")


@pytest.fixture
def sim_eu(sim_factory):
    """An eu simulator with the demo seed."""
    return sim_factory("eu")


@pytest.fixture
def webhook_receiver():
    """A local webhook receiver (answers the challenge, verifies x-nylas-signature); stopped at teardown."""
    with WebhookReceiver() as receiver:
        yield receiver
