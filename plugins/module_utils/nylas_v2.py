# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The Nylas v2 API client: the read-only calls used for planning.

:class:`NylasV2Client` reads the v2 application and its accounts (HTTP Basic with the client secret
as user name; bare JSON bodies, v2 error shape ``{"message", "type"}``). Requests, retries, pacing
and errors are the shared core's (:class:`nylas_http.HttpCore`).
"""

from __future__ import annotations

import base64
import time

from ansible_collections.nylas.migration.plugins.module_utils.nylas_checks import check_token, resolve_base_url
from ansible_collections.nylas.migration.plugins.module_utils.nylas_http import HttpCore
from ansible_collections.nylas.migration.plugins.module_utils.nylas_ratelimit import DEFAULT_RATE_LIMIT, app_key


class NylasV2Client(HttpCore):
    """Read client of the Nylas v2 API (HTTP Basic: user = client secret, empty password).

    v2 responses are bare JSON (no envelope); v2 errors are ``{"message": ..., "type": ...}``.
    The client is read-only by construction (it only has GET operations).

    Args:
        client_id: the v2 application's client id.
        client_secret: the v2 application's client secret (never appears in errors).
        region, api_uri, validate_certs, timeout, max_retries, rate_limit, sleep, session: as for
            :class:`NylasV3Client` (``api_uri`` overrides the v2 base URL).

    Raises:
        NylasConfigError: bad credentials (same checks as :func:`build_basic_v2`), region or URL.

    The message of a 401/403 names the region and the v2 base URL used.
    """

    def __init__(
        self,
        client_id,
        client_secret,
        region="us",
        api_uri=None,
        validate_certs=True,
        timeout=30,
        max_retries=5,
        rate_limit=DEFAULT_RATE_LIMIT,
        sleep=time.sleep,
        session=None,
    ):
        check_token(client_id, "v2_client_id", allow_colon=False)
        check_token(client_secret, "v2_client_secret")
        base_url = resolve_base_url(region, api_uri, which="v2")
        super().__init__(
            base_url,
            app_key("v2", client_id, client_secret, base_url),
            validate_certs=validate_certs,
            timeout=timeout,
            max_retries=max_retries,
            rate_limit=rate_limit,
            read_only=False,
            sleep=sleep,
            session=session,
            region=region,
            auth_hint="check that the v2 client id and secret belong to a v2 application of region '%s'" % region,
        )
        self.region = region
        self.client_id = client_id
        self._add_secret(client_secret)
        self._add_secret(base64.b64encode(("%s:" % client_secret).encode("ascii")).decode("ascii"))
        self._session.auth = (client_secret, "")

    def request(self, method, path, params=None, json=None, headers=None):
        """Send one v2 request (rate-limited, retried) and return the bare parsed JSON body.

        Raises:
            NylasAPIError: HTTP error (``message``/``type`` of the v2 error body), non-JSON body,
                transport error.
        """
        return self._send(method, path, params=params, json=json, headers=headers)

    def get_application(self):
        """Return the v2 application details (``GET /a/{client_id}``)."""
        body = self.request("GET", "/a/%s" % self._segment(self.client_id, "v2_client_id"))
        if not isinstance(body, dict):
            raise self._error(
                "expected a JSON object, got %s" % type(body).__name__,
                error_type="unexpected_response",
                method="GET",
                path="/a/%s" % self.client_id,
            )
        return body

    def list_accounts(self, page_size=100):
        """Return every v2 account (``GET /a/{client_id}/accounts?offset=&limit=``, paged).

        Pages until a short page; a page identical to the previous one raises
        :class:`NylasAPIError` with ``error_type`` ``pagination_loop``.
        """

        def extract(body):
            return body, None, None

        path = "/a/%s/accounts" % self._segment(self.client_id, "v2_client_id")
        return self._paginate(path, None, page_size, extract)


__all__ = ["NylasV2Client"]
