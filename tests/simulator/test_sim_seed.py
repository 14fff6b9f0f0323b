"""Seeds: the demo identities, deterministic generation, validation."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from simulator.backend import clone_outcome
from simulator.seed import SeedError, load_seed, normalise_seed

DEMO = Path(__file__).resolve().parents[2] / "simulator" / "seeds" / "demo.yaml"


def test_demo_identities_are_exact():
    seed = load_seed(DEMO)
    v2 = {a["client_id"]: a for a in seed["v2_applications"]}
    v3 = {a["application_id"]: a for a in seed["v3_applications"]}
    assert {k: (a["region"], a["client_secret"]) for k, a in v2.items()} == {
        "v2-us-acme": ("us", "sim-v2-secret-us-acme-DEMO"),
        "v2-us-globex": ("us", "sim-v2-secret-us-globex-DEMO"),
        "v2-eu-initech": ("eu", "sim-v2-secret-eu-initech-DEMO"),
    }
    assert {k: (a["region"], a["api_key"]) for k, a in v3.items()} == {
        "app-us-acme": ("us", "nyk_sim_us_acme_DEMO_NOT_A_REAL_KEY"),
        "app-us-globex": ("us", "nyk_sim_us_globex_DEMO_NOT_A_REAL_KEY"),
        "app-eu-initech": ("eu", "nyk_sim_eu_initech_DEMO_NOT_A_REAL_KEY"),
    }
    assert {k: len(a["accounts"]) for k, a in v2.items()} == {
        "v2-us-acme": 1200, "v2-us-globex": 150, "v2-eu-initech": 400}
    for app in v2.values():
        assert len(app["webhooks"]) == 2 and app["redirect_uris"] and app["integrations"]
    assert "FAKE" in DEMO.read_text().splitlines()[1]


def test_demo_accounts_are_deterministic_and_use_example_domains():
    first, second = load_seed(DEMO), load_seed(DEMO)
    assert first == second
    for app in first["v2_applications"]:
        emails = [a["email"] for a in app["accounts"]]
        assert len(set(emails)) == len(emails)
        assert {e.rsplit("@", 1)[1] for e in emails} <= {"example.com", "example.org", "example.net"}


def test_demo_mix_exercises_every_outcome():
    acme = load_seed(DEMO)["v2_applications"][0]["accounts"]
    defaults = Counter(clone_outcome(a)[0] for a in acme)
    assert defaults["valid"] > defaults["placeholder"] > defaults["failed"] > 0
    strict = Counter(clone_outcome(a, False, False)[0] for a in acme)
    assert strict["failed"] > defaults["failed"] and strict["placeholder"] == 0


@pytest.mark.parametrize("raw, message", [
    ([], "mapping"),
    ({"v2_applications": [{"client_id": "x", "region": "us"}]}, "client_secret"),
    ({"v2_applications": [{"client_id": "x", "client_secret": "s", "region": "mars"}]}, "region"),
    ({"v3_applications": [{"application_id": "a", "region": "us"}]}, "api_key"),
    ({"v2_applications": [{"client_id": "x", "client_secret": "s", "region": "us", "accounts": {"seed": 1}}]},
     "count"),
    ({"v2_applications": [{"client_id": "x", "client_secret": "s", "region": "us",
                           "accounts": [{"id": "a", "provider": "gmail"}, {"id": "a", "provider": "imap"}]}]},
     "unique"),
])
def test_invalid_seeds(raw, message):
    with pytest.raises(SeedError, match=message):
        normalise_seed(raw)


def test_custom_seed_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"v2_applications": [{
        "client_id": "v2", "client_secret": "s", "region": "eu",
        "accounts": {"count": 10, "seed": 7, "mix": [{"provider": "imap", "weight": 1}]}}]}))
    accounts = load_seed(path)["v2_applications"][0]["accounts"]
    assert len(accounts) == 10 and {a["provider"] for a in accounts} == {"imap"}
    assert {a["authentication_type"] for a in accounts} == {"password"}
