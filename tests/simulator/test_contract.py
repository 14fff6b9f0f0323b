"""The simulator against Nylas's published v3 contract (``data/nylas-v3-migration.contract.yaml``).

A real simulator process (one per test module, reset to its seed before every test, the real rate
limits) is driven over HTTP through every contract path the collection uses, into each response
status the contract documents for it, by real state (unknown ids, missing links, bad bodies, bad
keys), never by fault injection. Every response is then validated with openapi-core against the
contract: status documented, content type, body schema (``additionalProperties: false``, enums and
required members included).

* ``test_documented_response`` — one test id per documented ``METHOD path status`` (a few with
  ``[variants]``). A documented status the simulator cannot be driven into by real state is a
  *skipped* id that says why (``NOT_PRODUCIBLE``).
* ``test_case_table_covers_the_contract`` — the case table matches the contract exactly: every
  documented (method, path, status) of the used paths has a case or a reason, and no case claims an
  undocumented status.
* ``test_undocumented_status`` — statuses the simulator answers that the contract does not document
  for that operation (contract gaps, ``UNDOCUMENTED``): the body must still be the contract's error
  envelope, and openapi-core must still refuse the status, so the gap stays visible and the case
  moves to the documented table when a newer contract documents it.
* ``test_validator_rejects_off_contract_bodies`` — the validation has teeth.

The contract's servers are ``https://api.{us,eu}.nylas.com``; requests are presented to openapi-core
with that host (the simulator stands in for the us server), paths and everything else unchanged.
"""

import base64
import json
from collections import namedtuple
from pathlib import Path

import pytest
import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS31Validator

from simulator.harness import SimulatorProcess
from simulator.receiver import WebhookReceiver

CONTRACT_PATH = Path(__file__).resolve().parent / "data" / "nylas-v3-migration.contract.yaml"
CONTRACT_SERVER = "https://api.us.nylas.com"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")

#: The contract paths the collection calls (plugins/module_utils/nylas_v3.py), all methods.
USED_PATHS = (
    "/v3/applications",
    "/v3/applications/redirect-uris",
    "/v3/connectors",
    "/v3/connectors/{provider}",
    "/v3/grants",
    "/v3/grants/{grantId}",
    "/v3/webhooks",
    "/v3/webhooks/{id}",
    "/v3/webhooks/rotate-secret/{id}",
    "/v3/webhooks/send-test-event",
    "/v3/webhooks/mock-payload",
    "/v3/channels/pubsub",
    "/v3/channels/pubsub/{id}",
    "/v3/migration-tools/link-v2v3-apps",
    "/v3/migration-tools/import-v2-app",
    "/v3/migration-tools/grants/{account_id}/clone",
    "/v3/migration-tools/snapshot-batch-clone",
    "/v3/migration-tools/jobs",
    "/v3/migration-tools/translate",
)
#: Operations of those paths the collection does not use (not driven).
UNUSED_OPERATIONS = {
    ("POST", "/v3/applications/redirect-uris"),  # callback URIs are set with PATCH /v3/applications
    ("PATCH", "/v3/grants/{grantId}"),
}

# --------------------------------------------------------------------------- #
# the seed: one v3 application, its v2 application with an account of every kind
# --------------------------------------------------------------------------- #

API_KEY = "nyk_sim_contract_NOT_A_REAL_KEY"
BAD_KEY = "nyk_sim_wrong_NOT_A_REAL_KEY"
V2 = ("v2-contract", "sim-v2-secret-contract-NOT-REAL")
V2_OTHER = ("v2-contract-other", "sim-v2-secret-other-NOT-REAL")
V2_EU = ("v2-contract-eu", "sim-v2-secret-eu-NOT-REAL")

#: (id, v2 provider, authentication_type, extra fields): every row of the outcome table.
ACCOUNTS = (
    ("acc-gmail", "gmail", "oauth", {}),
    ("acc-graph", "graph", "oauth", {}),
    ("acc-o365-oauth", "office365", "oauth", {}),
    ("acc-o365-password", "office365", "password", {}),
    ("acc-exchange", "exchange", "password", {}),
    ("acc-outlook", "outlook", "oauth", {}),
    ("acc-hotmail-password", "hotmail", "password", {}),
    ("acc-eas", "eas", "password", {}),
    ("acc-ews", "ews", "password", {}),
    ("acc-imap", "imap", "password", {}),
    ("acc-yahoo", "yahoo", "password", {}),
    ("acc-aol", "aol", "password", {}),
    ("acc-icloud", "icloud", "password", {}),
    ("acc-nylas", "nylas", "password", {}),
    ("acc-unmapped", "zimbra", "password", {}),
    ("acc-deleted", "gmail", "oauth", {"billing_state": "deleted"}),
    ("acc-invalid", "gmail", "oauth", {"sync_state": "invalid"}),
    ("acc-stopped", "imap", "password", {"sync_state": "stopped"}),
)


def contract_seed():
    """The seed of the contract tests (simulator/README.md, "Seed format")."""
    accounts = [{"id": acc_id, "email": f"{acc_id}@example.com", "name": acc_id.replace("-", " ").title(),
                 "provider": provider, "authentication_type": auth, "linked_at": 1_600_000_000 + i * 60, **extra}
                for i, (acc_id, provider, auth, extra) in enumerate(ACCOUNTS)]
    return {
        "v2_applications": [
            {"client_id": V2[0], "client_secret": V2[1], "region": "us", "application_name": "Contract",
             "icon_url": "https://www.example.com/contract/icon.png", "website_url": "https://www.example.com/contract",
             "redirect_uris": ["https://app.example.com/contract/cb", "https://app.example.com/contract/cb-mobile"],
             "integrations": [
                 {"provider": "gmail", "settings": {"client_id": "contract.apps.example.com",
                                                    "client_secret": "sim-google-secret-NOT-REAL"},
                  "scope": ["openid", "https://www.googleapis.com/auth/gmail.modify"]},
                 {"provider": "microsoft"}, {"provider": "imap"}, {"provider": "icloud"}, {"provider": "ews"}],
             "webhooks": [{"callback_url": "https://hooks.example.com/contract/v2", "triggers": ["message.created"]}],
             "accounts": accounts,
             "objects": {"counts": {"messages": 3, "folders": 2, "events": 1},
                         "accounts": {0: {"messages": 3001}}}},
            {"client_id": V2_OTHER[0], "client_secret": V2_OTHER[1], "region": "us",
             "accounts": [{"id": "acc-other-1", "provider": "gmail"}]},
            {"client_id": V2_EU[0], "client_secret": V2_EU[1], "region": "eu",
             "accounts": [{"id": "acc-eu-1", "provider": "gmail"}]},
        ],
        "v3_applications": [
            {"application_id": "app-contract", "api_key": API_KEY, "region": "us", "environment": "production",
             "organization_id": "org-contract", "branding": {"name": "Contract"}},
        ],
    }


# --------------------------------------------------------------------------- #
# contract and simulator
# --------------------------------------------------------------------------- #

@pytest.fixture(scope="module")
def contract():
    """The contract, loaded (and checked as an OpenAPI 3.1 document) by openapi-core."""
    return OpenAPI.from_file_path(str(CONTRACT_PATH))


@pytest.fixture(scope="module")
def contract_dict():
    """The contract as plain data."""
    return yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def receiver():
    """The webhook receiver of this module (answers the challenge of every path)."""
    with WebhookReceiver() as rec:
        yield rec


@pytest.fixture(scope="module")
def contract_sim(tmp_path_factory):
    """One us simulator for this module: contract seed, real rate limits, fast jobs, loopback webhooks."""
    tmp = tmp_path_factory.mktemp("contract")
    seed = tmp / "seed.yaml"
    seed.write_text(yaml.safe_dump(contract_seed(), sort_keys=False), encoding="utf-8")
    sim = SimulatorProcess("us", seed=seed, state=tmp / "state.sqlite", job_pace=5000, allow_loopback_webhooks=True)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def api(contract_sim, receiver):
    """A client of the module's simulator, reset to its seed (no state shared between tests)."""
    contract_sim.reset()
    receiver.reset()
    contract_sim.set_pace(5000)  # a reset keeps the pace; one case pauses the jobs
    with requests.Session() as session:
        yield Api(contract_sim, session, receiver)


class ContractRequest(RequestsOpenAPIRequest):
    """A sent request as openapi-core sees it, on the contract's server instead of the loopback URL."""

    @property
    def host_url(self):
        return CONTRACT_SERVER


def contract_errors(contract, response):
    """Validate ``response`` (a ``requests.Response``) against the contract; return the error text or None."""
    try:
        contract.validate_response(ContractRequest(response.request), RequestsOpenAPIResponse(response))
    except Exception as exc:  # noqa: BLE001 - every openapi-core error is a finding to print
        details = [f"{type(exc).__name__}: {str(exc)[:300]}"]
        cause = exc.__cause__
        while cause is not None:
            details.append(f"{type(cause).__name__}: {str(cause)[:300]}")
            for err in getattr(cause, "schema_errors", ()) or ():
                details.append(f"  at {'/'.join(map(str, err.absolute_path)) or '<body>'}: {err.message}")
            cause = cause.__cause__
        return "\n".join(details)
    return None


def describe(response):
    """One line for assertion messages."""
    req = response.request
    return f"{req.method} {req.path_url} -> {response.status_code} {response.text[:600]}"


# --------------------------------------------------------------------------- #
# driving the simulator
# --------------------------------------------------------------------------- #

def basic_v2(client_id, secret, suffix=""):
    """The BasicV2 header value (``suffix`` goes inside the encoded value, e.g. a newline)."""
    return base64.b64encode(f"{client_id}:{secret}{suffix}".encode()).decode()


class Api:
    """Requests to one simulator with the contract application's key."""

    LINK = "/v3/migration-tools/link-v2v3-apps"
    IMPORT = "/v3/migration-tools/import-v2-app"
    BATCH = "/v3/migration-tools/snapshot-batch-clone"
    JOBS = "/v3/migration-tools/jobs"

    def __init__(self, sim, session, receiver):
        self.sim, self.session, self.receiver = sim, session, receiver

    def call(self, method, path, key=API_KEY, headers=None, **kwargs):
        """Send one request (``key=None`` sends no Authorization header); returns the response.

        A JSON ``webhook_url`` under :data:`RECEIVER` is sent as the same path on the module's receiver.
        """
        hdrs = {"Authorization": f"Bearer {key}"} if key else {}
        hdrs.update(headers or {})
        body = kwargs.get("json")
        if isinstance(body, dict) and str(body.get("webhook_url", "")).startswith(RECEIVER):
            kwargs["json"] = dict(body, webhook_url=self.receiver.url_for(body["webhook_url"][len(RECEIVER):]))
        return self.session.request(method, self.sim.url + path, headers=hdrs, timeout=15, **kwargs)

    def ok(self, method, path, **kwargs):
        """Send a setup request that must succeed; return its ``data``."""
        resp = self.call(method, path, **kwargs)
        assert resp.status_code in (200, 201), describe(resp)
        return resp.json().get("data")

    # setup steps, by real state
    def link(self, v2=V2):
        return self.ok("POST", self.LINK, headers={"BasicV2": basic_v2(*v2)})

    def imported(self):
        self.link()
        return self.ok("POST", self.IMPORT)

    def connected(self):
        """Link and import, then give the Microsoft connector its Azure app and add a virtual calendar
        connector: every provider of the seed can then be cloned (the contract's connector prerequisite)."""
        self.imported()
        self.ok("PATCH", "/v3/connectors/microsoft", json={"settings": {
            "client_id": "contract-azure-app", "client_secret": "sim-azure-secret-NOT-REAL", "tenant": "common"}})
        self.ok("POST", "/v3/connectors", json={"provider": "virtual-calendar"})

    def clone(self, account_id, **flags):
        return self.ok("POST", f"/v3/migration-tools/grants/{account_id}/clone", params=flags or None)

    def grants(self):
        """Link, connect and clone a valid, a placeholder and an imap account; return the grants."""
        self.connected()
        return [self.clone(a) for a in ("acc-gmail", "acc-exchange", "acc-imap")]

    def batch_done(self, body=None, **flags):
        """Link, connect, start a batch clone of everything and wait (bounded) for its jobs to finish."""
        self.connected()
        data = self.ok("POST", self.BATCH, json=body or {}, params=flags or None)
        self.sim.wait_for(lambda: not {"pending", "running"} & set(self.sim.state()["jobs"]["by_status"]),
                          timeout=30)
        return data

    def webhook(self, kind="webhook"):
        """Create a webhook (or a Pub/Sub channel); return it."""
        if kind == "webhook":
            return self.ok("POST", "/v3/webhooks", json={
                "description": "contract", "trigger_types": ["grant.created", "message.created"],
                "webhook_url": RECEIVER + "/contract/v3",
                "notification_email_addresses": ["ops@example.com"]})
        return self.ok("POST", "/v3/channels/pubsub", json={
            "description": "contract", "trigger_types": ["grant.created", "message.created"],
            "topic": "projects/contract-sim/topics/nylas", "notification_email_addresses": ["ops@example.com"]})

    def until_status(self, method, path, status, attempts):
        """Repeat a request (at most ``attempts`` times) until it answers ``status``; return that response."""
        resp = None
        for _attempt in range(attempts):
            resp = self.call(method, path)
            if resp.status_code == status:
                break
        return resp


#: Placeholder base of webhook URLs in the cases: :meth:`Api.call` sends them to the module's receiver.
RECEIVER = "receiver:"
WEBHOOK_PUT = {"description": "contract, updated", "trigger_types": ["grant.deleted"], "status": "pause"}
PUBSUB_PUT = {"description": "contract, updated", "trigger_types": ["grant.deleted"],
              "topic": "projects/contract-sim/topics/nylas-2"}


def _then(setup, method, path_fn, **kwargs):
    """A driver: run ``setup(api)``, then send ``method`` to ``path_fn(setup_result)``."""

    def drive(api):
        value = setup(api)
        return api.call(method, path_fn(value), **kwargs)

    return drive


def _send(method, path, **kwargs):
    return lambda api: api.call(method, path, **kwargs)


def _after(setup, method, path, **kwargs):
    def drive(api):
        setup(api)
        return api.call(method, path, **kwargs)

    return drive


def _link_other_then(method, path, **kwargs):
    """Link the application to the *other* v2 application first."""
    return _after(lambda a: a.link(V2_OTHER), method, path, **kwargs)


def _patch_callbacks(api):
    api.ok("PATCH", "/v3/applications", json={"callback_uris": [
        {"platform": "web", "url": "https://app.example.com/contract/cb"},
        {"platform": "desktop", "url": "http://127.0.0.1/callback"}]})


def _create_twice(api):
    body = {"provider": "imap"}
    api.ok("POST", "/v3/connectors", json=body)
    return api.call("POST", "/v3/connectors", json=body)


def _rate_limited(method, path, attempts):
    return lambda api: api.until_status(method, path, 429, attempts)


# --------------------------------------------------------------------------- #
# the case table
# --------------------------------------------------------------------------- #

Case = namedtuple("Case", "method path status variant drive nonempty", defaults=("", None, False))


def case(method, path, status, drive, variant="", nonempty=False):
    """A documented response and how to drive the simulator into it.

    ``nonempty``: the ``data`` list must hold items (so that the item schema is exercised).
    """
    return Case(method, path, status, variant, drive, nonempty)


WH, WH_ID = "/v3/webhooks", "/v3/webhooks/{id}"
PS, PS_ID = "/v3/channels/pubsub", "/v3/channels/pubsub/{id}"
CON, CON_P = "/v3/connectors", "/v3/connectors/{provider}"
GR, GR_ID = "/v3/grants", "/v3/grants/{grantId}"
LINK, IMPORT = Api.LINK, Api.IMPORT
CLONE, BATCH, JOBS = "/v3/migration-tools/grants/{account_id}/clone", Api.BATCH, Api.JOBS
TRANSLATE = "/v3/migration-tools/translate"


def clone_path(account_id):
    return f"/v3/migration-tools/grants/{account_id}/clone"


CASES = [
    # -- applications
    case("GET", "/v3/applications", 200, _send("GET", "/v3/applications"), "seeded"),
    case("GET", "/v3/applications", 200, _after(Api.imported, "GET", "/v3/applications"), "linked and imported"),
    case("GET", "/v3/applications", 401, _send("GET", "/v3/applications", key=BAD_KEY)),
    case("PATCH", "/v3/applications", 200, _send("PATCH", "/v3/applications", json={
        "branding": {"description": "contract test", "icon_url": "https://www.example.com/i.png"},
        "hosted_authentication": {"title": "Sign in", "alignment": "center", "spacing": 4},
        "callback_uris": [{"platform": "web", "url": "https://app.example.com/contract/cb"}]})),
    case("PATCH", "/v3/applications", 400, _send("PATCH", "/v3/applications", json={"branding": "not an object"})),
    case("PATCH", "/v3/applications", 401, _send("PATCH", "/v3/applications", key=BAD_KEY,
                                                 json={"branding": {"description": "x"}})),
    case("GET", "/v3/applications/redirect-uris", 200,
         _after(Api.imported, "GET", "/v3/applications/redirect-uris"), "imported", nonempty=True),
    case("GET", "/v3/applications/redirect-uris", 200,
         _after(_patch_callbacks, "GET", "/v3/applications/redirect-uris"), "web and desktop", nonempty=True),
    # -- connectors
    case("POST", CON, 201, _send("POST", CON, json={
        "provider": "google", "settings": {"client_id": "c.apps.example.com", "client_secret": "sim-NOT-REAL"},
        "scope": ["openid"]}), "google"),
    case("POST", CON, 201, _send("POST", CON, json={"provider": "imap"}), "imap"),
    case("POST", CON, 400, _create_twice, "already exists"),
    case("POST", CON, 400, _send("POST", CON, json={"provider": "google", "settings": {"client_id": "only"}}),
         "google without client_secret"),
    case("POST", CON, 401, _send("POST", CON, key=BAD_KEY, json={"provider": "imap"})),
    case("GET", CON, 200, _after(Api.imported, "GET", CON), "imported", nonempty=True),
    case("GET", CON, 200, _after(Api.imported, "GET", CON, params={"limit": 2, "offset": 1}), "limit, offset",
         nonempty=True),
    case("GET", CON, 401, _send("GET", CON, key=BAD_KEY)),
    case("GET", CON_P, 200, _after(Api.imported, "GET", f"{CON}/google"), "google"),
    case("GET", CON_P, 200, _after(Api.imported, "GET", f"{CON}/microsoft"), "microsoft"),
    case("GET", CON_P, 401, _send("GET", f"{CON}/google", key=BAD_KEY)),
    case("GET", CON_P, 404, _after(Api.imported, "GET", f"{CON}/yahoo"), "no such connector"),
    case("PATCH", CON_P, 200, _after(Api.imported, "PATCH", f"{CON}/microsoft", json={
        "settings": {"client_id": "azure-app-id", "client_secret": "sim-azure-NOT-REAL", "tenant": "common"},
        "scope": ["Mail.ReadWrite", "Calendars.ReadWrite", "offline_access"]})),
    case("PATCH", CON_P, 400, _after(Api.imported, "PATCH", f"{CON}/google", json={"settings": "not an object"})),
    case("PATCH", CON_P, 401, _send("PATCH", f"{CON}/google", key=BAD_KEY, json={"scope": ["openid"]})),
    case("PATCH", CON_P, 404, _send("PATCH", f"{CON}/zoom", json={"scope": ["x"]}), "no such connector"),
    case("DELETE", CON_P, 200, _after(Api.imported, "DELETE", f"{CON}/icloud")),
    case("DELETE", CON_P, 401, _send("DELETE", f"{CON}/icloud", key=BAD_KEY)),
    case("DELETE", CON_P, 404, _send("DELETE", f"{CON}/icloud"), "no such connector"),
    # -- grants
    case("GET", GR, 200, _after(Api.grants, "GET", GR), "no filter", nonempty=True),
    case("GET", GR, 200, _after(Api.batch_done, "GET", GR, params={"limit": 200}), "every provider, limit 200",
         nonempty=True),
    case("GET", GR, 200, _after(Api.grants, "GET", GR, params={"account_id": "acc-gmail"}), "account_id",
         nonempty=True),
    case("GET", GR, 200, _after(Api.grants, "GET", GR, params={"account_ids": "acc-gmail,acc-imap,acc-none"}),
         "account_ids", nonempty=True),
    case("GET", GR, 200, _after(Api.grants, "GET", GR, params={"provider": "microsoft", "grant_status": "invalid"}),
         "provider, grant_status", nonempty=True),
    case("GET", GR, 200, _after(Api.grants, "GET", GR, params={"email": "acc-imap@example.com"}), "email",
         nonempty=True),
    case("GET", GR, 200, _after(Api.grants, "GET", GR, params={
        "since": 1_000_000_000, "before": 4_000_000_000, "sort_by": "updated_at", "order_by": "asc"}),
        "since, before, sort_by, order_by", nonempty=True),
    case("GET", GR, 200, _after(Api.grants, "GET", GR, params={"limit": 1, "offset": 1}), "limit, offset",
         nonempty=True),
    case("GET", GR, 200, _send("GET", GR, params={"account_id": "acc-none"}), "no match"),
    case("GET", GR, 401, _send("GET", GR, key=BAD_KEY)),
    case("GET", GR_ID, 200, _then(Api.grants, "GET", lambda g: f"{GR}/{g[0]['id']}"), "valid"),
    case("GET", GR_ID, 200, _then(Api.grants, "GET", lambda g: f"{GR}/{g[1]['id']}"), "placeholder"),
    case("GET", GR_ID, 401, _then(Api.grants, "GET", lambda g: f"{GR}/{g[0]['id']}", key=BAD_KEY)),
    case("GET", GR_ID, 404, _send("GET", f"{GR}/00000000-0000-4000-8000-000000000000"), "unknown id"),
    case("DELETE", GR_ID, 200, _then(Api.grants, "DELETE", lambda g: f"{GR}/{g[0]['id']}")),
    case("DELETE", GR_ID, 401, _then(Api.grants, "DELETE", lambda g: f"{GR}/{g[0]['id']}", key=BAD_KEY)),
    case("DELETE", GR_ID, 404, _send("DELETE", f"{GR}/00000000-0000-4000-8000-000000000000"), "unknown id"),
    # -- webhooks
    case("POST", WH, 200, lambda api: api.call("POST", WH, json={
        "trigger_types": ["grant.created", "grant.expired", "message.created"],
        "webhook_url": RECEIVER + "/contract/v3", "description": "contract",
        "notification_email_addresses": ["ops@example.com"]})),
    case("POST", WH, 400, _send("POST", WH, json={"webhook_url": RECEIVER + "/x"}),
         "no trigger_types"),
    case("POST", WH, 400, _send("POST", WH, json={"trigger_types": ["grant.created"], "webhook_url": "ftp://x"}),
         "not an http(s) URL"),
    case("POST", WH, 400, lambda api: (api.receiver.configure("/dead", challenge="status", status=404),
                                       api.call("POST", WH, json={"trigger_types": ["grant.created"],
                                                                  "webhook_url": RECEIVER + "/dead"}))[1],
         "challenge answered 404"),
    case("POST", WH, 400, _send("POST", WH, json={"trigger_types": ["grant.created"],
                                                  "webhook_url": "https://hooks.example.com/unreachable"}),
         "public host the simulator cannot reach"),
    case("GET", WH_ID, 400, _send("GET", f"{WH}/no-such-webhook"), "unknown id"),
    case("PUT", WH_ID, 400, _send("PUT", f"{WH}/no-such-webhook", json=WEBHOOK_PUT), "unknown id"),
    case("DELETE", WH_ID, 400, _send("DELETE", f"{WH}/no-such-webhook"), "unknown id"),
    case("POST", "/v3/webhooks/rotate-secret/{id}", 200,
         _then(Api.webhook, "POST", lambda w: f"{WH}/rotate-secret/{w['id']}")),
    case("POST", "/v3/webhooks/rotate-secret/{id}", 400, _send("POST", f"{WH}/rotate-secret/no-such-webhook"),
         "unknown id"),
    case("POST", "/v3/webhooks/send-test-event", 200, _send("POST", f"{WH}/send-test-event", json={
        "trigger_type": "grant.created", "webhook_url": RECEIVER + "/contract/test"})),
    case("POST", "/v3/webhooks/send-test-event", 400, _send("POST", f"{WH}/send-test-event", json={
        "trigger_type": "no.such.trigger", "webhook_url": RECEIVER + "/contract/test"}), "unknown trigger"),
    case("POST", "/v3/webhooks/mock-payload", 200, _send("POST", f"{WH}/mock-payload", json={
        "trigger_type": "grant.created", "webhook_url": RECEIVER + "/contract/test"})),
    case("POST", "/v3/webhooks/mock-payload", 400, _send("POST", f"{WH}/mock-payload", json={
        "webhook_url": RECEIVER + "/contract/test"}), "no trigger_type"),
    case("GET", WH, 200, _after(Api.webhook, "GET", WH), nonempty=True),
    case("GET", WH_ID, 200, _then(Api.webhook, "GET", lambda w: f"{WH}/{w['id']}")),
    case("PUT", WH_ID, 200, _then(Api.webhook, "PUT", lambda w: f"{WH}/{w['id']}", json=WEBHOOK_PUT)),
    case("PUT", WH_ID, 400, _then(Api.webhook, "PUT", lambda w: f"{WH}/{w['id']}", json={"status": "bogus"}),
         "bad status"),
    case("PUT", WH_ID, 400, _then(Api.webhook, "PUT", lambda w: f"{WH}/{w['id']}",
                                  json={"trigger_types": ["no.such.trigger"]}), "unknown trigger"),
    case("DELETE", WH_ID, 200, _then(Api.webhook, "DELETE", lambda w: f"{WH}/{w['id']}")),
    # -- Pub/Sub channels
    case("POST", PS, 200, lambda api: api.call("POST", PS, json={
        "trigger_types": ["grant.created", "message.created"], "topic": "projects/contract-sim/topics/nylas",
        "description": "contract", "notification_email_addresses": ["ops@example.com"]})),
    case("POST", PS, 400, _send("POST", PS, json={"trigger_types": ["grant.created"]}), "no topic"),
    case("GET", PS, 200, _after(lambda a: a.webhook("pubsub"), "GET", PS), nonempty=True),
    case("GET", PS_ID, 200, _then(lambda a: a.webhook("pubsub"), "GET", lambda c: f"{PS}/{c['id']}")),
    case("PUT", PS_ID, 200, _then(lambda a: a.webhook("pubsub"), "PUT", lambda c: f"{PS}/{c['id']}",
                                  json=PUBSUB_PUT)),
    case("PUT", PS_ID, 200, _then(lambda a: a.webhook("pubsub"), "PUT", lambda c: f"{PS}/{c['id']}",
                                  json={"status": "pause"}), "pause"),
    case("PUT", PS_ID, 400, _then(lambda a: a.webhook("pubsub"), "PUT", lambda c: f"{PS}/{c['id']}",
                                  json={"status": "bogus"}), "bad status"),
    case("DELETE", PS_ID, 200, _then(lambda a: a.webhook("pubsub"), "DELETE", lambda c: f"{PS}/{c['id']}")),
    case("POST", PS, 400, _send("POST", PS, json={"trigger_types": ["grant.created"], "topic": "nylas-topic"}),
         "topic not projects/<project>/topics/<topic>"),
    case("POST", PS, 400, lambda api: [api.webhook("pubsub") for _i in range(5)] and api.call("POST", PS, json={
        "trigger_types": ["grant.created"], "topic": "projects/contract-sim/topics/sixth"}), "a sixth channel"),
    case("GET", PS_ID, 400, _send("GET", f"{PS}/no-such-channel"), "unknown id"),
    case("PUT", PS_ID, 400, _send("PUT", f"{PS}/no-such-channel", json=PUBSUB_PUT), "unknown id"),
    case("DELETE", PS_ID, 400, _send("DELETE", f"{PS}/no-such-channel"), "unknown id"),
    # -- link
    case("POST", LINK, 200, _send("POST", LINK, headers={"BasicV2": basic_v2(*V2)}), "first link"),
    case("POST", LINK, 200, _after(Api.link, "POST", LINK, headers={"BasicV2": basic_v2(*V2)}), "same pair again"),
    case("POST", LINK, 400, _send("POST", LINK, headers={"BasicV2": basic_v2(*V2_EU)}), "v2 app of another region"),
    case("POST", LINK, 400, _link_other_then("POST", LINK, headers={"BasicV2": basic_v2(*V2)}),
         "linked to another v2 app"),
    case("POST", LINK, 401, _send("POST", LINK, key=BAD_KEY, headers={"BasicV2": basic_v2(*V2)}), "bad API key"),
    case("POST", LINK, 401, _send("POST", LINK, headers={"BasicV2": basic_v2(*V2, suffix="\n")}),
         "BasicV2 with a newline"),
    case("POST", LINK, 401, _send("POST", LINK), "no BasicV2"),
    # -- import
    case("POST", IMPORT, 200, _after(Api.link, "POST", IMPORT)),
    case("POST", IMPORT, 200, _after(Api.imported, "POST", IMPORT), "again"),
    case("POST", IMPORT, 400, _send("POST", IMPORT), "not linked"),
    case("POST", IMPORT, 401, _send("POST", IMPORT, key=BAD_KEY)),
    # -- clone
    case("POST", CLONE, 200, _after(Api.connected, "POST", clone_path("acc-gmail")), "valid grant"),
    case("POST", CLONE, 200, _after(Api.connected, "POST", clone_path("acc-exchange")), "placeholder grant"),
    case("POST", CLONE, 200, _after(Api.connected, "POST", clone_path("acc-nylas")), "virtual-calendar grant"),
    case("POST", CLONE, 200, _after(Api.grants, "POST", clone_path("acc-gmail")), "existing grant"),
    case("POST", CLONE, 400, _after(Api.connected, "POST", clone_path("acc-exchange"), params={"clone_exchange": "false"}),
         "clone_exchange=false"),
    case("POST", CLONE, 400, _after(Api.connected, "POST", clone_path("acc-deleted")), "deleted account"),
    case("POST", CLONE, 400, _after(Api.link, "POST", clone_path("acc-gmail")), "no google connector"),
    case("POST", CLONE, 400, _send("POST", clone_path("acc-gmail")), "not linked"),
    case("POST", CLONE, 401, _send("POST", clone_path("acc-gmail"), key=BAD_KEY)),
    # -- batch clone
    case("POST", BATCH, 200, _after(Api.connected, "POST", BATCH), "no body"),
    case("POST", BATCH, 200, _after(Api.connected, "POST", BATCH, json={
        "limit": 5, "offset": 1, "providers": ["google", "microsoft", "graph"], "mode": "only_new"},
        params={"allow_invalid_grant_creation": "false", "clone_exchange": "false"}), "body and flags"),
    case("POST", BATCH, 400, _after(Api.connected, "POST", BATCH, json={"mode": "bogus"}), "bad mode"),
    case("POST", BATCH, 400, _send("POST", BATCH, json={}), "not linked"),
    case("POST", BATCH, 401, _send("POST", BATCH, key=BAD_KEY, json={})),
    # -- jobs
    case("GET", JOBS, 200, _after(Api.batch_done, "GET", JOBS), "finished jobs", nonempty=True),
    case("GET", JOBS, 200, _after(lambda a: a.batch_done(body={"mode": "only_new"}), "GET", JOBS, params={
        "status": "completed,partial,failed", "type": "migration", "sort_by_completion": "true"}), "filters",
        nonempty=True),
    case("GET", JOBS, 200, _after(lambda a: (a.connected(), a.sim.set_pace(0), a.ok("POST", BATCH, json={})), "GET", JOBS,
                                  params={"status": "pending,running"}), "pending and running", nonempty=True),
    case("GET", JOBS, 200, _send("GET", JOBS), "none"),
    case("GET", JOBS, 400, _send("GET", JOBS, params={"status": "bogus"}), "bad status filter"),
    case("GET", JOBS, 401, _send("GET", JOBS, key=BAD_KEY)),
    # -- translate
    case("POST", TRANSLATE, 200, _after(Api.link, "POST", TRANSLATE, json={
        "resource_type": "messages", "v2_account_id": "acc-gmail"}), "first page of several"),
    case("POST", TRANSLATE, 200, _after(Api.link, "POST", TRANSLATE, json={
        "resource_type": "messages", "v2_account_id": "acc-gmail", "next_page_number": 2}), "last page"),
    case("POST", TRANSLATE, 200, _after(Api.link, "POST", TRANSLATE, json={
        "resource_type": "folders", "v2_account_id": "acc-imap", "start_from_timestamp": 1_600_000_000,
        "nylas_ids": ["no-such-id"]}), "imap folders, start_from_timestamp, nylas_ids"),
    case("POST", TRANSLATE, 400, _after(Api.link, "POST", TRANSLATE, json={
        "resource_type": "mailboxes", "v2_account_id": "acc-gmail"}), "unknown resource_type"),
    case("POST", TRANSLATE, 400, _after(Api.link, "POST", TRANSLATE, json={
        "resource_type": "messages", "v2_account_id": "acc-other-1"}), "account of another v2 application"),
    case("POST", TRANSLATE, 400, _after(Api.link, "POST", TRANSLATE, json={
        "resource_type": "messages", "v2_account_id": "acc-outlook"}), "Outlook account"),
    case("POST", TRANSLATE, 400, _send("POST", TRANSLATE, json={
        "resource_type": "messages", "v2_account_id": "acc-gmail"}), "not linked"),
    case("POST", TRANSLATE, 401, _send("POST", TRANSLATE, key=BAD_KEY, json={
        "resource_type": "messages", "v2_account_id": "acc-gmail"})),
]

#: Documented responses the simulator cannot be driven into by real state, and why.
NOT_PRODUCIBLE = {
    ("GET", "/v3/applications", 400): "GET /v3/applications takes no parameter or body; nothing to get wrong",
    ("PATCH", "/v3/applications", 404): "the API key selects the application, which always exists",
    ("GET", "/v3/applications/redirect-uris", 400): "takes no parameter or body; nothing to get wrong",
    ("GET", "/v3/applications/redirect-uris", 404): "the API key selects the application, which always exists",
    ("GET", CON, 404): "lists the key's own application, which always exists (an empty list is a 200)",
    ("GET", GR, 404): "lists the key's own application, which always exists (an empty list is a 200)",
    ("GET", WH, 400): "takes no parameter or body; nothing to get wrong",
    ("GET", PS, 400): "takes no parameter or body; nothing to get wrong",
}

#: The translate response schema (translate_v2v3_id, additionalProperties: false) requires a member
#: ``ids`` that it does not define, and defines ``translations``, which its description and Nylas's
#: docs use: no body can satisfy it. The simulator answers ``translations`` (the client accepts both);
#: test_translate_matches_the_contract_once_ids_reads_translations validates against the schema with
#: only that contradiction resolved.
TRANSLATE_CONTRADICTION = (
    "contract: translate_v2v3_id (additionalProperties: false) requires 'ids' but only defines "
    "'translations', which its description and Nylas's docs use; no response can validate")

#: Documented variants that cannot pass because the contract contradicts itself (kept, strictly xfailed).
CONTRACT_CONTRADICTIONS = {
    ("POST", TRANSLATE, 200, "first page of several"): TRANSLATE_CONTRADICTION,
    ("POST", TRANSLATE, 200, "last page"): TRANSLATE_CONTRADICTION,
    ("POST", TRANSLATE, 200, "imap folders, start_from_timestamp, nylas_ids"): TRANSLATE_CONTRADICTION,
    ("GET", PS, 200, "a paused channel"): (
        "contract: PUT /v3/channels/pubsub/{id} takes and returns status 'pause' (update_pubsub_200), but the "
        "list (get_pubsub_200) only allows 'active', 'paused', 'failing', 'failed'"),
}
CASES.append(case("GET", PS, 200, _after(lambda a: a.ok("PUT", f"{PS}/{a.webhook('pubsub')['id']}",
                                                        json={"status": "pause"}), "GET", PS),
                  "a paused channel", nonempty=True))

#: Statuses the simulator answers that the contract does not document for the operation.
UNDOCUMENTED = [
    case("GET", "/v3/applications/redirect-uris", 401, _send("GET", "/v3/applications/redirect-uris", key=BAD_KEY)),
    case("GET", WH, 401, _send("GET", WH, key=BAD_KEY)),
    case("POST", WH, 401, _send("POST", WH, key=BAD_KEY, json={
        "trigger_types": ["grant.created"], "webhook_url": RECEIVER + "/x"})),
    case("GET", WH_ID, 401, _then(Api.webhook, "GET", lambda w: f"{WH}/{w['id']}", key=BAD_KEY)),
    case("PUT", WH_ID, 401, _then(Api.webhook, "PUT", lambda w: f"{WH}/{w['id']}", key=BAD_KEY, json=WEBHOOK_PUT)),
    case("DELETE", WH_ID, 401, _then(Api.webhook, "DELETE", lambda w: f"{WH}/{w['id']}", key=BAD_KEY)),
    case("GET", PS, 401, _send("GET", PS, key=BAD_KEY)),
    case("POST", PS, 401, _send("POST", PS, key=BAD_KEY, json={"trigger_types": ["grant.created"], "topic": "t"})),
    case("GET", PS_ID, 401, _then(lambda a: a.webhook("pubsub"), "GET", lambda c: f"{PS}/{c['id']}", key=BAD_KEY)),
    case("PUT", PS_ID, 401, _then(lambda a: a.webhook("pubsub"), "PUT", lambda c: f"{PS}/{c['id']}", key=BAD_KEY,
                                  json=PUBSUB_PUT)),
    case("DELETE", PS_ID, 401, _then(lambda a: a.webhook("pubsub"), "DELETE", lambda c: f"{PS}/{c['id']}",
                                     key=BAD_KEY)),
    case("POST", CLONE, 404, _after(Api.link, "POST", clone_path("acc-no-such-account")), "unknown account"),
    case("GET", GR, 400, _send("GET", GR, params={"sort_by": "email"}), "sort_by outside the contract's enum"),
    # 429: the contract documents no 429 anywhere; requests are repeated (bounded) within the 1 s window.
    case("GET", JOBS, 429, _rate_limited("GET", JOBS, 40), "over 20/s"),
    case("GET", "/v3/applications", 429, _rate_limited("GET", "/v3/applications", 80), "over 50/s"),
]

#: The contract's error envelope per status (it has no 429 schema: the generic envelope, schemas/400).
ERROR_SCHEMA = {400: "400", 401: "401", 404: "404", 429: "400"}


def case_id(c):
    return f"{c.method} {c.path} {c.status}" + (f" [{c.variant}]" if c.variant else "")


def documented_responses(contract_dict):
    """``{(METHOD, path, status)}`` the contract documents for the used operations."""
    out = set()
    for path in USED_PATHS:
        for method, operation in contract_dict["paths"][path].items():
            if method not in HTTP_METHODS or (method.upper(), path) in UNUSED_OPERATIONS:
                continue
            out.update((method.upper(), path, int(status)) for status in operation["responses"])
    return out


def _params():
    params = []
    for c in CASES:
        reason = CONTRACT_CONTRADICTIONS.get((c.method, c.path, c.status, c.variant))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(c, id=case_id(c), marks=marks))
    for (method, path, status), reason in sorted(NOT_PRODUCIBLE.items()):
        c = Case(method, path, status, "", None)
        params.append(pytest.param(c, id=case_id(c), marks=pytest.mark.skip(reason=f"not producible: {reason}")))
    return params


# --------------------------------------------------------------------------- #
# tests
# --------------------------------------------------------------------------- #

@pytest.mark.parametrize("c", _params())
def test_documented_response(c, api, contract):
    resp = c.drive(api)
    assert resp.status_code == c.status, describe(resp)
    assert resp.headers.get("X-Request-Id"), describe(resp)
    errors = contract_errors(contract, resp)
    assert errors is None, f"{describe(resp)}\n{errors}"
    if c.nonempty:
        assert resp.json()["data"], f"expected items to validate: {describe(resp)}"


@pytest.mark.parametrize("c", [pytest.param(c, id=case_id(c)) for c in UNDOCUMENTED])
def test_undocumented_status(c, api, contract, contract_dict):
    resp = c.drive(api)
    assert resp.status_code == c.status, describe(resp)
    schema = {**contract_dict["components"]["schemas"][ERROR_SCHEMA[c.status]], "components": contract_dict["components"]}
    errors = [e.message for e in OAS31Validator(schema).iter_errors(resp.json())]
    assert not errors, f"{describe(resp)}\nnot the contract's error envelope: {errors}"
    with pytest.raises(ResponseNotFound):
        contract.validate_response(ContractRequest(resp.request), RequestsOpenAPIResponse(resp))
    if c.status == 429:
        assert int(resp.headers["Retry-After"]) >= 1


def test_case_table_covers_the_contract(contract_dict):
    documented = documented_responses(contract_dict)
    covered = {(c.method, c.path, c.status) for c in CASES}
    assert covered <= documented, f"cases for undocumented statuses: {sorted(covered - documented)}"
    assert set(NOT_PRODUCIBLE) <= documented
    assert not covered & set(NOT_PRODUCIBLE), "a status is both driven and declared not producible"
    missing = documented - covered - set(NOT_PRODUCIBLE)
    assert not missing, f"documented responses without a case: {sorted(missing)}"
    undocumented = {(c.method, c.path, c.status) for c in UNDOCUMENTED}
    assert not undocumented & documented, f"now documented, move to CASES: {sorted(undocumented & documented)}"
    used = {(m.upper(), p) for p in USED_PATHS for m in contract_dict["paths"][p] if m in HTTP_METHODS}
    assert {(c.method, c.path) for c in CASES} == used - UNUSED_OPERATIONS


class FakeResponse:
    """A response for openapi-core built from a status and a JSON body."""

    def __init__(self, status, body):
        self.status_code, self.data = status, json.dumps(body).encode()
        self.content_type, self.headers = "application/json", {"Content-Type": "application/json"}


@pytest.mark.parametrize("path, mutate", [
    pytest.param(JOBS, lambda body: body["data"][0].update(extra_member=1), id="MigrationJob extra member"),
    pytest.param(JOBS, lambda body: body["data"][0].update(status="done"), id="MigrationJob status enum"),
    pytest.param(JOBS, lambda body: body["data"][0].pop("count_warning"), id="MigrationJob required member"),
    pytest.param(JOBS, lambda body: body.update(request_id=7), id="request_id type"),
])
def test_validator_rejects_off_contract_bodies(path, mutate, api, contract):
    api.batch_done()
    resp = api.call("GET", path)
    assert resp.status_code == 200 and contract_errors(contract, resp) is None, describe(resp)
    body = resp.json()
    mutate(body)
    with pytest.raises(Exception):  # noqa: B017 - any openapi-core validation error
        contract.validate_response(ContractRequest(resp.request), FakeResponse(200, body))


def test_validator_rejects_off_contract_error_and_grant(api, contract):
    api.grants()
    grants = api.call("GET", GR)
    bad = grants.json()
    bad["data"][0]["provider"] = "gmail"  # a v2 name, not a v3 provider
    with pytest.raises(Exception):  # noqa: B017
        contract.validate_response(ContractRequest(grants.request), FakeResponse(200, bad))
    missing = api.call("GET", f"{GR}/00000000-0000-4000-8000-000000000000")
    assert contract_errors(contract, missing) is None
    with pytest.raises(Exception):  # noqa: B017
        contract.validate_response(ContractRequest(missing.request),
                                   FakeResponse(404, {**missing.json(), "status": 404}))
    with pytest.raises(ResponseNotFound):
        contract.validate_response(ContractRequest(missing.request), FakeResponse(418, missing.json()))


@pytest.mark.parametrize("body, pages", [
    ({"resource_type": "messages", "v2_account_id": "acc-gmail"}, 2),
    ({"resource_type": "folders", "v2_account_id": "acc-imap"}, 1),
    ({"resource_type": "events", "v2_account_id": "acc-graph", "start_from_timestamp": 1_600_000_000}, 1),
])
def test_translate_matches_the_contract_once_ids_reads_translations(body, pages, api, contract_dict):
    """Every other rule of translate_v2v3_id holds: types, enum, no extra member, next_page_number."""
    api.link()
    schema = dict(contract_dict["components"]["schemas"]["translate_v2v3_id"])
    schema["required"] = [name if name != "ids" else "translations" for name in schema["required"]]
    validator = OAS31Validator({**schema, "components": contract_dict["components"]})
    page, seen = None, 0
    while True:
        resp = api.call("POST", TRANSLATE, json=dict(body, **({"next_page_number": page} if page else {})))
        assert resp.status_code == 200, describe(resp)
        data = resp.json()["data"]
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, f"{describe(resp)}\n{errors}"
        assert data["translations"], describe(resp)
        seen += 1
        page = data.get("next_page_number")
        if page is None:
            break
    assert seen == pages
    bad = dict(data, ids=data["translations"])
    assert list(validator.iter_errors(bad)), "an extra member must be refused"
