"""Fixtures of the simulator tests (helpers live in ``simhelpers.py``)."""

import pytest
import yaml
from simhelpers import ACME_KEY, Api

from simulator.app import EXTENSION, create_app


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
    """Create in-process simulators: ``make_api(region="us", seed=None, key=ACME_KEY, **create_app_kwargs)``."""
    apps = []

    def make(region="us", seed=None, key=ACME_KEY, **kwargs):
        kwargs.setdefault("job_pace", 5000)
        kwargs.setdefault("rate_limit_migration", 0)
        kwargs.setdefault("rate_limit_default", 0)
        app = create_app(region, seed_path=seed, state_path=tmp_path / f"app-{len(apps)}.sqlite", **kwargs)
        apps.append(app)
        return Api(app, key)

    yield make
    for app in apps:
        app.extensions[EXTENSION].shutdown()
