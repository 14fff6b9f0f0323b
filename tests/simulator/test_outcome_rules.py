"""The clone outcome rules exist twice: the simulator's and the collection's prediction. They must agree.

The simulator (``simulator.backend.clone_outcome``, ``v3_provider_for``, ``batch_scope_names``) decides
what the fake Nylas does; the collection (``nylas_clone_planning.predict_clone_outcome``,
``v3_scope_names``, ``nylas_report.v3_provider_name``) predicts it. Both are run over every
combination of v2 provider, authentication type, sync state, billing state and the two flags
(true, false, unset = the API default), and any difference fails the test with the list of the
differing combinations. The rules themselves are the table of ``simulator/README.md``.

The collection is imported from the checkout through a temporary ``ansible_collections/nylas/migration``
link, as the unit tests do outside ``ansible-test``; only pure module_utils files are imported.
"""

import atexit
import importlib
import itertools
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from simulator import backend

REPO = Path(__file__).resolve().parents[2]

#: v2 provider names: those MIGRATION_API.md and Nylas's v2 docs list for v2 accounts, every key of
#: both code tables (added below), v3 names a v2 account does not carry, and nonsense.
DOCUMENTED_V2_PROVIDERS = ("gmail", "graph", "office365", "exchange", "outlook", "hotmail", "eas", "ews",
                           "imap", "yahoo", "aol", "icloud", "nylas")
OTHER_PROVIDERS = ("google", "microsoft", "virtual-calendar", "zoom", "foo", "GMAIL", "", None)
AUTH_TYPES = ("oauth", "password", "", None)
#: v2 sync states (account sync states of the v2 docs), and missing.
SYNC_STATES = ("running", "stopped", "invalid", "invalid-credentials", "partial", "exception", "sync-error",
               "downloading", "initializing", "", None)
BILLING_STATES = ("paid", "cancelled", "deleted", "", None)
#: A flag: true, false, or unset (the API default, true).
FLAGS = (True, False, None)
MODULE_UTILS = "ansible_collections.nylas.migration.plugins.module_utils."


def _collection():
    """Import the collection's pure planning files from the checkout; return (clone_planning, report)."""
    try:
        return tuple(importlib.import_module(MODULE_UTILS + name) for name in ("nylas_clone_planning", "nylas_report"))
    except ImportError:
        pass
    root = tempfile.mkdtemp(prefix="nylas-outcome-rules-")
    atexit.register(shutil.rmtree, root, True)
    os.makedirs(os.path.join(root, "ansible_collections", "nylas"))
    os.symlink(REPO, os.path.join(root, "ansible_collections", "nylas", "migration"))
    sys.path.insert(0, root)
    for name in [m for m in sys.modules if m == "ansible_collections" or m.startswith("ansible_collections.")]:
        del sys.modules[name]
    return tuple(importlib.import_module(MODULE_UTILS + name) for name in ("nylas_clone_planning", "nylas_report"))


planning, report = _collection()

PROVIDERS = tuple(dict.fromkeys(DOCUMENTED_V2_PROVIDERS + tuple(sorted(backend.V2_TO_V3_PROVIDER))
                                + tuple(sorted(planning.V2_TO_V3_PROVIDERS)) + OTHER_PROVIDERS))

#: The collection says "failure" where the API (and the simulator) says "failed".
COLLECTION_OUTCOME = {"valid": "valid", "placeholder": "placeholder", "failure": "failed"}


def accounts():
    """Every v2 account of the combinations (``None`` fields are left out, as a v2 read may)."""
    for provider, auth, sync, billing in itertools.product(PROVIDERS, AUTH_TYPES, SYNC_STATES, BILLING_STATES):
        fields = {"provider": provider, "authentication_type": auth, "sync_state": sync, "billing_state": billing}
        yield {k: v for k, v in fields.items() if v is not None or k == "provider"}


def simulator_outcome(account, allow, exchange):
    """What the simulator does; an unset flag is not sent, and the API default (true) applies."""
    return backend.clone_outcome(dict(account), True if allow is None else allow,
                                 True if exchange is None else exchange)[0]


def collection_outcome(account, allow, exchange):
    return COLLECTION_OUTCOME[planning.predict_clone_outcome(dict(account), allow, exchange)]


def outcome_differences():
    diffs = []
    for account in accounts():
        for allow, exchange in itertools.product(FLAGS, FLAGS):
            sim, col = simulator_outcome(account, allow, exchange), collection_outcome(account, allow, exchange)
            if sim != col:
                diffs.append("%s allow_invalid_grant_creation=%s clone_exchange=%s: simulator %s, collection %s"
                             % (account, allow, exchange, sim, col))
    return diffs


def test_the_combinations_cover_every_table_and_documented_name():
    assert set(backend.V2_TO_V3_PROVIDER) <= set(PROVIDERS)
    assert set(planning.V2_TO_V3_PROVIDERS) <= set(PROVIDERS)
    assert {"foo", "", None} <= set(PROVIDERS)
    assert len(list(accounts())) == len(PROVIDERS) * len(AUTH_TYPES) * len(SYNC_STATES) * len(BILLING_STATES)


def test_clone_outcomes_agree_on_every_combination():
    diffs = outcome_differences()
    assert not diffs, "%d combinations differ (all listed):\n%s" % (len(diffs), "\n".join(diffs))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_v3_provider_names_agree(provider):
    sim = backend.v3_provider_for(provider)
    if sim is None:
        assert provider is None or str(provider).lower() not in planning.V2_TO_V3_PROVIDERS
    else:
        assert report.v3_provider_name(provider) == sim


@pytest.mark.parametrize("provider", PROVIDERS)
def test_batch_scope_agrees(provider):
    """The batch ``providers`` filter selects the same accounts in both."""
    assert set(planning.V3_BATCH_PROVIDERS) == set(backend.BATCH_PROVIDERS)
    assert planning.v3_scope_names({"provider": provider}) == backend.batch_scope_names(provider)


def test_a_difference_is_reported(monkeypatch):
    """The comparison can fail: a collection that predicts every account valid differs."""
    monkeypatch.setattr(planning, "predict_clone_outcome", lambda *a, **k: "valid")
    diffs = outcome_differences()
    assert diffs and "collection valid" in diffs[0]
