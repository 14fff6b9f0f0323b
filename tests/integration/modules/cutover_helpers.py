# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small pair for the cutover tests: accounts of every kind, cloned through the simulator's v3 API.

Pair ``app-cut`` (API key ``key-cut``) linked to ``v2-cut`` (secret ``secret-cut``). After
:func:`migrate`: ``v-1``..``v-4`` have valid grants; ``p-1`` a placeholder (v2 sync invalid);
``f-1`` no grant (an exchange password account cloned with ``clone_exchange=false`` fails); ``n-1``
never cloned; ``c-1`` a valid grant and a v2 account already cancelled; ``d-1`` deleted in v2.
"""

from __future__ import annotations

import base64
import json
import urllib.request

import yaml

from tests.integration.module_runner import WORKING_CONNECTORS

KEY = "key-cut"
V2_ID = "v2-cut"
V2_SECRET = "secret-cut"
SECRETS = (KEY, V2_SECRET, "Bearer " + KEY, base64.b64encode(("%s:" % V2_SECRET).encode()).decode(),
           base64.b64encode(("%s:%s" % (V2_ID, V2_SECRET)).encode()).decode())

VALID = ["v-1", "v-2", "v-3", "v-4"]
ACCOUNTS = [
    {"id": "v-1", "email": "v1@example.com", "provider": "gmail"},
    {"id": "p-1", "email": "p1@example.com", "provider": "gmail", "sync_state": "invalid"},
    {"id": "v-2", "email": "v2@example.com", "provider": "gmail"},
    {"id": "f-1", "email": "f1@example.com", "provider": "exchange", "authentication_type": "password"},
    {"id": "v-3", "email": "v3@example.com", "provider": "imap"},
    {"id": "n-1", "email": "n1@example.com", "provider": "gmail"},
    {"id": "c-1", "email": "c1@example.com", "provider": "gmail", "billing_state": "cancelled"},
    {"id": "d-1", "email": "d1@example.com", "provider": "gmail", "billing_state": "deleted"},
    {"id": "v-4", "email": "v4@example.com", "provider": "icloud"},
]
EMAILS = [a["email"] for a in ACCOUNTS]
V2_WEBHOOKS = [
    {"callback_url": "https://hooks.example.com/cut/v2/all",
     "triggers": ["account.connected", "account.running", "contact.created", "message.bounced", "event.created"],
     "state": "active"},
    {"callback_url": "https://hooks.example.com/cut/v2/jobs", "triggers": ["job.successful"], "state": "active"},
]


def write_seed(path, linked=True):
    """Write the seed of the pair to ``path``; return the path."""
    v3 = {"application_id": "app-cut", "region": "us", "api_key": KEY, "environment": "production",
          "branding": {"name": "Cut"}, "connectors": WORKING_CONNECTORS}
    if linked:
        v3["v2_application_id"] = V2_ID
    seed = {"v2_applications": [{"client_id": V2_ID, "client_secret": V2_SECRET, "region": "us",
                                 "application_name": "Cut", "webhooks": V2_WEBHOOKS, "accounts": ACCOUNTS}],
            "v3_applications": [v3]}
    path.write_text(yaml.safe_dump(seed))
    return path


def call(sim, method, path, headers=None):
    """One HTTP request to the simulator; return ``(status, json body)``."""
    req = urllib.request.Request(sim.url + path, method=method, headers=headers or {}, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback URL
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def migrate(sim):
    """Clone the accounts as the module docstring says (v3 API of the simulator)."""
    auth = {"Authorization": "Bearer " + KEY}
    for account_id in VALID + ["p-1", "c-1"]:
        status, _body = call(sim, "POST", "/v3/migration-tools/grants/%s/clone" % account_id, auth)
        assert status == 200, account_id
    status, _body = call(sim, "POST", "/v3/migration-tools/grants/f-1/clone?clone_exchange=false", auth)
    assert status == 400


def billing_states(sim):
    """``{account_id: billing_state}`` as the v2 API reports them."""
    auth = {"Authorization": "Basic " + base64.b64encode(("%s:" % V2_SECRET).encode()).decode()}
    status, body = call(sim, "GET", "/a/%s/accounts?offset=0&limit=100" % V2_ID, auth)
    assert status == 200
    return {a["id"]: a["billing_state"] for a in body}


def args_for(sim, **extra):
    """Module arguments of the pair against ``sim`` (fast retries)."""
    args = dict(api_key=KEY, region="us", api_uri=sim.url, v2_client_id=V2_ID, v2_client_secret=V2_SECRET,
                v2_api_uri=sim.url, max_retries=1)
    args.update(extra)
    return args


def assert_clean(raw):
    """No secret of the pair and no email address in a module's raw output."""
    for secret in SECRETS:
        assert secret not in raw, "a secret leaked into the module output"
    for email in EMAILS:
        assert email not in raw, "an email address is in the module output"
