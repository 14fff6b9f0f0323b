# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the end-to-end tests of ``playbooks/migrate.yml`` (helpers: ``playbook_runner.py``).

* ``sim_pair(us_seed=None, eu_seed=None, job_pace=FAST_PACE)``: starts a us and an eu simulator on free
  loopback ports with fresh state under ``tmp_path`` and returns ``{"us": sim, "eu": sim}``.
* ``report_root``: ``tmp_path / "reports"``, passed as ``nylas_report_root`` so no test writes into the repo.
* ``run_playbook(args=(), sims=None, extra_vars=None, check=False, diff=False, limit=None, inventory=None,
  env=None, timeout=...)``: runs ``ansible-playbook migrate.yml`` (default inventory: ``inventories/demo``)
  and returns a ``PlaybookRun`` (``rc``, ``stdout``, ``recap`` = ``{host: {ok, changed, failed, ...}}``,
  ``run_id``, ``report_dir``).
"""

from __future__ import annotations

import pytest

from tests.integration.playbooks.playbook_runner import FAST_PACE, ensure_collection_link, execute_playbook


# -------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session", autouse=True)
def _collection_link():
    ensure_collection_link()


@pytest.fixture
def sim_pair(sim_factory):
    """Start a us and an eu simulator (fresh state under ``tmp_path``); return ``{"us": sim, "eu": sim}``."""

    def start(us_seed=None, eu_seed=None, job_pace=FAST_PACE, extra_args=()):
        return {"us": sim_factory("us", seed=us_seed, job_pace=job_pace, extra_args=extra_args),
                "eu": sim_factory("eu", seed=eu_seed, job_pace=job_pace, extra_args=extra_args)}

    return start


@pytest.fixture
def report_root(tmp_path):
    """Where the playbook writes ``<run id>/summary.json`` in this test."""
    path = tmp_path / "reports"
    path.mkdir()
    return path


@pytest.fixture
def run_playbook(report_root, webhook_receiver):
    """Return ``run(args=(), sims=None, extra_vars=None, check=False, diff=False, limit=None, inventory=None,
    env=None, timeout=PLAYBOOK_TIMEOUT) -> PlaybookRun`` (reports under this test's ``report_root``).

    ``demo_webhook_base`` is the test's webhook receiver (``webhook_receiver``), so that the demo
    inventory's webhooks pass Nylas's challenge on the simulators (started with loopback webhooks allowed).
    """

    def run(args=(), sims=None, **kwargs):
        kwargs["extra_vars"] = dict({"demo_webhook_base": webhook_receiver.url}, **(kwargs.get("extra_vars") or {}))
        return execute_playbook(report_root, args, sims, **kwargs)

    return run
