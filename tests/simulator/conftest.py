"""Fixtures of the simulator tests (helpers live in ``simhelpers.py``)."""

import pytest
import yaml
from simhelpers import ACME_KEY, Api

from simulator.app import EXTENSION, create_app
from simulator.receiver import WebhookReceiver


@pytest.fixture
def receiver():
    """A webhook receiver on a free loopback port (stopped at teardown)."""
    with WebhookReceiver() as rec:
        yield rec


@pytest.fixture
def write_seed(tmp_path):
    """Write a seed mapping to a YAML file under ``tmp_path``; returns its path."""
    counter = iter(range(1000))

    def write(data):
        path = tmp_path / f"seed-{next(counter)}.yaml"
        path.write_text(yaml.safe_dump(data))
        return path

    return write


@pytest.fixture
def make_api(tmp_path):
    """Create in-process simulators: ``make_api(region="us", seed=None, key=ACME_KEY, **create_app_kwargs)``.

    Rehearsal defaults: no rate limits, fast jobs, loopback webhook receivers allowed, 2 s webhook timeout.
    """
    apps = []

    def make(region="us", seed=None, key=ACME_KEY, **kwargs):
        kwargs.setdefault("job_pace", 5000)
        kwargs.setdefault("rate_limit_migration", 0)
        kwargs.setdefault("rate_limit_default", 0)
        kwargs.setdefault("allow_loopback_webhooks", True)
        kwargs.setdefault("webhook_timeout", 2.0)
        app = create_app(region, seed_path=seed, state_path=tmp_path / f"app-{len(apps)}.sqlite", **kwargs)
        apps.append(app)
        return Api(app, key)

    yield make
    for app in apps:
        app.extensions[EXTENSION].shutdown()
