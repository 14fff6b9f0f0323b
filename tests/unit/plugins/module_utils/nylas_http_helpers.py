# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Constants and helpers shared by the unit tests of the HTTP layer (nylas_http, nylas_retry, nylas_v3...).

The fixtures (``sleep``, ``client``, ``v2``, ``rsps``) are in this folder's ``conftest.py``.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

API_KEY = "nyk_v0_SECRETapikey1234567890"
V2_ID = "v2clientid123"
V2_SECRET = "v2SECRETclientsecret987"
BASE = "https://api.us.nylas.com"
V2BASE = "https://api.nylas.com"


class FakeSleep:
    """Records requested sleeps instead of sleeping."""

    def __init__(self):
        self.calls = []

    def __call__(self, seconds):
        self.calls.append(seconds)


def envelope(data, **extra):
    """A v3 success envelope around ``data``."""
    body = {"request_id": "rid-ok", "data": data}
    body.update(extra)
    return body


def error_body(status_type, message, rid="rid-err"):
    """A v3 error envelope."""
    return {"request_id": rid, "error": {"type": status_type, "message": message}}


def query_of(call):
    """The query string of a recorded ``responses`` call, parsed."""
    return parse_qs(urlsplit(call.request.url).query, keep_blank_values=True)


def assert_no_secret(exc, *secrets):
    """Assert that no secret appears in the str, repr, dict or args of ``exc``."""
    texts = [str(exc), repr(exc), json.dumps(exc.to_dict()) if hasattr(exc, "to_dict") else "", str(exc.args)]
    for secret in secrets:
        for text in texts:
            assert secret not in text
