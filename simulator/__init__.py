"""A local simulator of the Nylas v3 API (and the v2 reads) used by the v2 → v3 migration.

Run it with ``python -m simulator --region us --port 8400``; see ``simulator/README.md``.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "create_app"]


def create_app(*args, **kwargs):
    """Create the Flask app; see :func:`simulator.app.create_app`."""
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)
