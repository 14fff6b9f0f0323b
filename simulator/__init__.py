"""A local simulator of the Nylas v3 API (and the v2 reads) used by the v2 → v3 migration.

Run it with ``python -m simulator --region us --port 8400``; see ``simulator/README.md``.
"""

import os
import re


def _collection_version():
    """The collection's version as written once, in ``galaxy.yml`` beside this package ("unknown" elsewhere)."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "galaxy.yml")
    try:
        with open(path, encoding="utf-8") as handle:
            match = re.search(r"^version:\s*['\"]?([^'\"\s]+)", handle.read(), re.M)
    except OSError:
        return "unknown"
    return match.group(1) if match else "unknown"


__version__ = _collection_version()

__all__ = ["__version__", "create_app"]


def create_app(*args, **kwargs):
    """Create the Flask app; see :func:`simulator.app.create_app`."""
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)
