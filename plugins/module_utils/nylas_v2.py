# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The Nylas v2 API client: the reads used for planning, and the writes of the cutover.

:class:`NylasV2Client` reads the v2 application, its accounts and its webhooks (HTTP Basic with the
client secret as user name; bare JSON bodies, v2 error shape ``{"message", "type"}``), and makes the
few v2 writes of the end of the migration: cancel / re-activate an account, set a webhook's state.
Requests, retries, pacing and errors are the shared core's (:class:`nylas_http.HttpCore`); with
``read_only=True`` (check mode) a write raises ``NylasCheckModeError`` before reaching the network.
"""

from __future__ import annotations

import base64
import time

from ansible_collections.nylas.migration.plugins.module_utils.nylas_checks import check_token, resolve_base_url
from ansible_collections.nylas.migration.plugins.module_utils.nylas_http import HttpCore
from ansible_collections.nylas.migration.plugins.module_utils.nylas_paging import DEFAULT_MAX_PAGES
from ansible_collections.nylas.migration.plugins.module_utils.nylas_ratelimit import DEFAULT_RATE_LIMIT, app_key
from ansible_collections.nylas.migration.plugins.module_utils.nylas_read_planning import V2_ACCOUNTS_MAX_PAGE


class NylasV2Client(HttpCore):
    """Read client of the Nylas v2 API (HTTP Basic: user = client secret, empty password).

    v2 responses are bare JSON (no envelope); v2 errors are ``{"message": ..., "type": ...}``.
    Its writes (``downgrade_account``, ``upgrade_account``, ``update_webhook_state``) are refused
    before any request when ``read_only`` is true (check mode).

    Args:
        client_id: the v2 application's client id.
        client_secret: the v2 application's client secret (never appears in errors).
        region, api_uri, validate_certs, timeout, max_retries, rate_limit, sleep, session, max_pages: as
            for :class:`NylasV3Client` (``api_uri`` overrides the v2 base URL).

    Each answer a read returns was checked against its shape (:data:`nylas_contract.SHAPES`, the v2
    shapes of MIGRATION_API.md): an account without ``id``, a list that is not one, raise
    :class:`NylasContractError` naming the endpoint, the status, the request id and the field.

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
        read_only=False,
        max_pages=DEFAULT_MAX_PAGES,
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
            read_only=read_only,
            sleep=sleep,
            session=session,
            region=region,
            max_pages=max_pages,
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
        """Return the v2 application details (``GET /a/{client_id}``), a JSON object.

        Raises:
            NylasContractError: the body is not a JSON object.
        """
        return self._checked("v2_get_application", "GET", "/a/%s" % self._segment(self.client_id, "v2_client_id"))

    def list_accounts(self, page_size=V2_ACCOUNTS_MAX_PAGE, expected_total=None):
        """Return every v2 account (``GET /a/{client_id}/accounts?offset=&limit=``, paged).

        ``page_size`` defaults to the largest page the v2 API allows (1000), so 5,000 accounts take 6 requests.

        Pages until a short page, within the client's ``max_pages`` cap and, when given, the known
        ``expected_total``. Each page must be a list of accounts that each carry an ``id``.

        Raises:
            NylasContractError: a page that is not a list of accounts with ``id``; ``pagination_loop``
                when a page brings no new account (the endpoint ignores the offset);
                ``pagination_bound`` past the cap.
        """

        def extract(body):
            return body, None

        path = "/a/%s/accounts" % self._segment(self.client_id, "v2_client_id")
        return self._paginate(path, None, page_size, extract, operation="v2_list_accounts",
                              expected_total=expected_total)

    # -- the end of the migration (cutover): v2 accounts and webhooks ----------------------------

    def _object(self, method, path, json=None, operation="v2_get_application"):
        """Send one request and return its body, which must have the shape of ``operation`` (a JSON object)."""
        return self._checked(operation, method, path, json=json)

    def _account_path(self, account_id, action=None):
        path = "/a/%s/accounts/%s" % (self._segment(self.client_id, "v2_client_id"),
                                      self._segment(account_id, "account_id"))
        return path + "/" + action if action else path

    def get_account(self, account_id):
        """Return one v2 account (``GET /a/{client_id}/accounts/{id}``): ``billing_state``, ``sync_state``, ...

        Raises:
            NylasAPIError: as ``request`` (404 for an unknown account).
        """
        return self._object("GET", self._account_path(account_id), operation="v2_get_account")

    def downgrade_account(self, account_id):
        """Cancel a v2 account (``POST /a/{client_id}/accounts/{id}/downgrade``): v2 sync and billing stop.

        Returns the v2 answer (``{"success": "true"}``). Reversible with :meth:`upgrade_account`.

        Raises:
            NylasCheckModeError: on a read-only client (nothing is sent).
            NylasAPIError: as ``request``.
        """
        return self._object("POST", self._account_path(account_id, "downgrade"))

    def upgrade_account(self, account_id):
        """Re-activate a cancelled v2 account (``POST /a/{client_id}/accounts/{id}/upgrade``).

        Returns the v2 answer (``{"success": "true"}``).

        Raises:
            NylasCheckModeError: on a read-only client (nothing is sent).
            NylasAPIError: as ``request``.
        """
        return self._object("POST", self._account_path(account_id, "upgrade"))

    def list_webhooks(self):
        """Return the v2 webhooks of the application (``GET /a/{client_id}/webhooks``, a bare list).

        Each webhook: ``id``, ``application_id``, ``callback_url``, ``state`` (``active`` /
        ``inactive``), ``triggers``, ``version``.

        Raises:
            NylasAPIError: as ``request``.
            NylasContractError: the body is not a list of webhooks with ``id``.
        """
        path = "/a/%s/webhooks" % self._segment(self.client_id, "v2_client_id")
        return self._checked("v2_list_webhooks", "GET", path)

    def update_webhook_state(self, webhook_id, state):
        """Set a v2 webhook ``active`` or ``inactive`` (``PUT /a/{client_id}/webhooks/{id}``, body ``{"state"}``).

        Returns the updated webhook.

        Raises:
            NylasCheckModeError: on a read-only client (nothing is sent).
            NylasAPIError: as ``request``.
        """
        path = "/a/%s/webhooks/%s" % (self._segment(self.client_id, "v2_client_id"),
                                      self._segment(webhook_id, "webhook_id"))
        return self._object("PUT", path, json={"state": state}, operation="v2_update_webhook")


__all__ = ["NylasV2Client"]
