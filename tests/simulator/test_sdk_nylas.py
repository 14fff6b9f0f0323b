"""The simulator driven by Nylas's own Python SDK (``nylas`` 6.18.0, pinned in requirements-dev.txt).

Each call is made as the SDK makes it (its paths, methods and bodies) and each answer is parsed by the
SDK's own models: a shape the SDK cannot read, or a path it calls that the simulator lacks, fails here.
"""

import pytest
import requests
from simhelpers import ACME_V2, link_headers

nylas = pytest.importorskip("nylas", reason="the Nylas SDK (requirements-dev.txt) is not installed")

ACME_KEY = "nyk_sim_us_acme_DEMO_NOT_A_REAL_KEY"


@pytest.fixture
def sdk(sim_factory, webhook_receiver):
    """A us simulator (demo seed, loopback webhooks allowed), linked and imported; a Nylas SDK client on it."""
    sim = sim_factory("us")
    assert requests.post(sim.url + "/v3/migration-tools/link-v2v3-apps", headers=link_headers(v2=ACME_V2),
                         timeout=10).status_code == 200
    assert requests.post(sim.url + "/v3/migration-tools/import-v2-app",
                         headers={"Authorization": f"Bearer {ACME_KEY}"}, timeout=10).status_code == 200
    return nylas.Client(ACME_KEY, sim.url, timeout=30), sim, webhook_receiver


def test_applications(sdk):
    client, _sim, _rec = sdk
    app = client.applications.info().data
    assert app.application_id == "app-us-acme" and app.region == "us"
    assert app.branding.name == "Acme Mail"
    updated = client.applications.update({"branding": {"name": "Acme Mail v3"}}).data
    assert updated.branding.name == "Acme Mail v3"


def test_connectors(sdk):
    client, _sim, _rec = sdk
    listed = client.connectors.list().data
    assert {c.provider for c in listed} >= {"google", "microsoft", "imap"}
    google = client.connectors.find("google").data
    assert google.provider == "google" and "client_secret" not in (google.settings or {})
    created = client.connectors.create({"provider": "virtual-calendar"}).data
    assert created.provider == "virtual-calendar"
    patched = client.connectors.update("microsoft", {"settings": {
        "client_id": "azure-app", "client_secret": "azure-secret-NOT-REAL", "tenant": "common"}}).data
    assert patched.settings == {"client_id": "azure-app", "tenant": "common"}
    client.connectors.destroy("virtual-calendar")
    with pytest.raises(nylas.models.errors.NylasApiError):
        client.connectors.find("virtual-calendar")


def test_webhooks_through_a_challenge(sdk):
    client, _sim, receiver = sdk
    url = receiver.url_for("/sdk/v3")
    created = client.webhooks.create({"trigger_types": ["grant.created"], "webhook_url": url,
                                      "description": "sdk"}).data
    assert created.webhook_secret and created.webhook_url == url and created.status == "active"
    assert receiver.stats()["paths"]["/sdk/v3"]["challenges_answered"] == 1
    assert [w.id for w in client.webhooks.list().data] == [created.id]
    found = client.webhooks.find(created.id).data
    assert found.trigger_types == ["grant.created"]
    updated = client.webhooks.update(created.id, {"description": "sdk, updated"}).data
    assert updated.description == "sdk, updated"
    rotated = client.webhooks.rotate_secret(created.id).data
    assert rotated.webhook_secret and rotated.webhook_secret != created.webhook_secret
    deleted = client.webhooks.destroy(created.id)
    assert deleted.request_id
    receiver.configure("/dead", challenge="status", status=404)
    with pytest.raises(nylas.models.errors.NylasApiError) as err:
        client.webhooks.create({"trigger_types": ["grant.created"], "webhook_url": receiver.url_for("/dead")})
    assert err.value.status_code == 400 and err.value.type == "70005"
    assert "status is not ok, got 404" in str(err.value)


def test_grants(sdk):
    client, sim, _rec = sdk
    account = requests.get(sim.url + "/a/v2-us-acme/accounts?limit=1", auth=(ACME_V2[1], ""), timeout=10).json()[0]
    assert requests.post(f"{sim.url}/v3/migration-tools/grants/{account['id']}/clone",
                         headers={"Authorization": f"Bearer {ACME_KEY}"}, timeout=10).status_code == 200
    grants = client.grants.list().data
    assert len(grants) == 1 and grants[0].provider == "google" and grants[0].grant_status == "valid"
    one = client.grants.find(grants[0].id).data
    assert one.id == grants[0].id and one.email
    client.grants.destroy(one.id)
    assert client.grants.list().data == []
