"""Helpers for the simulator tests: demo identities, small seeds, in-process clients."""

import base64
import time

from simulator.app import EXTENSION

ACME_KEY = "nyk_sim_us_acme_DEMO_NOT_A_REAL_KEY"
GLOBEX_KEY = "nyk_sim_us_globex_DEMO_NOT_A_REAL_KEY"
INITECH_KEY = "nyk_sim_eu_initech_DEMO_NOT_A_REAL_KEY"
ACME_V2 = ("v2-us-acme", "sim-v2-secret-us-acme-DEMO")
GLOBEX_V2 = ("v2-us-globex", "sim-v2-secret-us-globex-DEMO")
INITECH_V2 = ("v2-eu-initech", "sim-v2-secret-eu-initech-DEMO")

#: Keys of the MigrationJob schema (additionalProperties: false).
MIGRATION_JOB_KEYS = {"job_id", "type", "public_application_id", "status", "count_all", "count_success",
                      "count_failed", "count_warning", "created_at", "updated_at", "linked_job_id"}


def bearer(key=ACME_KEY):
    """Authorization header for an API key."""
    return {"Authorization": f"Bearer {key}"}


def basic_v2(client_id, secret, suffix=""):
    """The BasicV2 header value for a v2 application (``suffix`` is added before encoding)."""
    return base64.b64encode(f"{client_id}:{secret}{suffix}".encode()).decode()


def link_headers(key=ACME_KEY, v2=ACME_V2, suffix=""):
    """Headers for a link request."""
    return {**bearer(key), "BasicV2": basic_v2(*v2, suffix=suffix)}


#: Connectors that can authenticate every v3 provider the outcome table produces (clone and batch clone
#: need one per provider: simulator/README.md, "Connector prerequisites").
WORKING_CONNECTORS = [
    {"provider": "google", "settings": {"client_id": "gid", "client_secret": "gsecret"}},
    {"provider": "microsoft", "settings": {"client_id": "mid", "client_secret": "msecret", "tenant": "common"}},
    {"provider": "imap"}, {"provider": "icloud"}, {"provider": "ews", "settings": {}},
    {"provider": "virtual-calendar"},
]


def small_seed(accounts, region="us", v3_region=None, extra_v2=(), extra_v3=(), connectors=WORKING_CONNECTORS,
               webhooks=()):
    """A seed with one pair ``app-test``/``v2-test`` (key ``key-test``) holding ``accounts``.

    The v3 application has ``connectors`` (default: one working connector per v3 provider) and ``webhooks``.
    """
    return {
        "v2_applications": [{
            "client_id": "v2-test", "client_secret": "secret-test", "region": region,
            "application_name": "Test", "icon_url": "https://www.example.com/i.png",
            "website_url": "https://www.example.com", "redirect_uris": ["https://app.example.com/cb"],
            "integrations": [{"provider": "gmail", "settings": {"client_id": "gid", "client_secret": "gsecret"}},
                             {"provider": "microsoft"}, {"provider": "imap"}],
            "webhooks": [{"callback_url": "https://hooks.example.com/a", "triggers": ["message.created"]},
                         {"callback_url": "https://hooks.example.com/b", "triggers": ["thread.replied"]}],
            "accounts": accounts,
        }, *extra_v2],
        "v3_applications": [{
            "application_id": "app-test", "region": v3_region or region, "api_key": "key-test",
            "environment": "production", "branding": {"name": "Test"},
            "connectors": [dict(c) for c in connectors or ()], "webhooks": [dict(w) for w in webhooks],
        }, *extra_v3],
    }


TEST_KEY = "key-test"
TEST_V2 = ("v2-test", "secret-test")


class Api:
    """A Flask test client bound to an API key (for in-process tests)."""

    def __init__(self, app, key):
        self.app, self.client, self.key = app, app.test_client(), key

    def call(self, method, path, key=None, headers=None, **kwargs):
        """Send a request with the bearer key (``key=""`` sends none)."""
        key = self.key if key is None else key
        hdrs = dict(bearer(key)) if key else {}
        hdrs.update(headers or {})
        return self.client.open(path, method=method, headers=hdrs, **kwargs)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def patch(self, path, **kw):
        return self.call("PATCH", path, **kw)

    def put(self, path, **kw):
        return self.call("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    @property
    def ctx(self):
        return self.app.extensions[EXTENSION]


def wait_jobs_done(api, timeout=20):
    """Poll until no job of the API's application is pending/running; return the jobs."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = api.get("/v3/migration-tools/jobs").get_json()["data"]
        if all(j["status"] not in ("pending", "running") for j in jobs):
            return jobs
        if time.monotonic() > deadline:
            raise TimeoutError(f"jobs still active: {jobs}")
        time.sleep(0.05)
