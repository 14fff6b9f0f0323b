# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The Nylas v3 API client: one method per endpoint the collection calls.

:class:`NylasV3Client` (``Authorization: Bearer <api_key>``) covers applications, connectors, grants,
webhooks, Pub/Sub channels and the migration tools; JSON envelopes ``{"request_id", "data"}``.
Requests, retries, pacing and errors are the shared core's (:class:`nylas_http.HttpCore`).
"""

from __future__ import annotations

import time
from typing import Any, Dict, List  # noqa: F401  (type comments)

from ansible_collections.nylas.migration.plugins.module_utils.nylas_checks import check_token, resolve_base_url
from ansible_collections.nylas.migration.plugins.module_utils.nylas_contract import check, contract_error
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError, NylasConfigError
from ansible_collections.nylas.migration.plugins.module_utils.nylas_http import BearerAuth, HttpCore, query_params
from ansible_collections.nylas.migration.plugins.module_utils.nylas_paging import (
    DEFAULT_MAX_PAGES,
    PageGuard,
    next_cursor_problem,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_ratelimit import DEFAULT_RATE_LIMIT, app_key
from ansible_collections.nylas.migration.plugins.module_utils.nylas_read_planning import (
    GRANT_IDS_PER_LOOKUP,
    GRANTS_MAX_PAGE,
    STRATEGY_WALK,
    plan_grant_reads,
)

#: Body keys whose values a planned request never shows (connector settings, webhook secrets, ...).
SECRET_BODY_KEYS = ("client_secret", "secret", "webhook_secret", "password", "api_key", "encryption_key",
                    "private_key", "refresh_token", "access_token")
MASK = "********"


def write_request(method, path, query=None, body=None):
    """A write as data: ``{method, path, query, body}`` (``query`` a dict, ``{}`` when none; ``body`` None when none)."""
    return {"method": method.upper(), "path": path, "query": dict(query or {}), "body": body}


def _masked(value):
    if isinstance(value, dict):
        return dict((k, MASK if k in SECRET_BODY_KEYS and v not in (None, "") else _masked(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def planned_request(request):
    """Return a request of :func:`write_request` as a plan shows it: a copy whose body secrets are ``********``.

    Headers are never part of a request description (the ``BasicV2`` header of the link is not shown).
    """
    return {"method": request["method"], "path": request["path"], "query": dict(request["query"]),
            "body": _masked(request["body"])}


def _segment(value, name):
    return HttpCore._segment(value, name)  # pylint: disable=protected-access


def update_application_request(body):
    """The request of :meth:`NylasV3Client.update_application` (``PATCH /v3/applications``)."""
    return write_request("PATCH", "/v3/applications", body=body)


def create_connector_request(body):
    """The request of :meth:`NylasV3Client.create_connector` (``POST /v3/connectors``)."""
    return write_request("POST", "/v3/connectors", body=body)


def update_connector_request(provider, body):
    """The request of :meth:`NylasV3Client.update_connector` (``PATCH /v3/connectors/{provider}``)."""
    return write_request("PATCH", "/v3/connectors/%s" % _segment(provider, "provider"), body=body)


def delete_connector_request(provider):
    """The request of :meth:`NylasV3Client.delete_connector` (``DELETE /v3/connectors/{provider}``)."""
    return write_request("DELETE", "/v3/connectors/%s" % _segment(provider, "provider"))


def create_webhook_request(body):
    """The request of :meth:`NylasV3Client.create_webhook` (``POST /v3/webhooks``)."""
    return write_request("POST", "/v3/webhooks", body=body)


def update_webhook_request(webhook_id, body):
    """The request of :meth:`NylasV3Client.update_webhook` (``PUT /v3/webhooks/{id}``)."""
    return write_request("PUT", "/v3/webhooks/%s" % _segment(webhook_id, "webhook_id"), body=body)


def delete_webhook_request(webhook_id):
    """The request of :meth:`NylasV3Client.delete_webhook` (``DELETE /v3/webhooks/{id}``)."""
    return write_request("DELETE", "/v3/webhooks/%s" % _segment(webhook_id, "webhook_id"))


def send_test_event_request(trigger_type, webhook_url):
    """The request of :meth:`NylasV3Client.send_test_event` (``POST /v3/webhooks/send-test-event``)."""
    return write_request("POST", "/v3/webhooks/send-test-event",
                         body={"trigger_type": trigger_type, "webhook_url": webhook_url})


def create_pubsub_channel_request(body):
    """The request of :meth:`NylasV3Client.create_pubsub_channel` (``POST /v3/channels/pubsub``)."""
    return write_request("POST", "/v3/channels/pubsub", body=body)


def update_pubsub_channel_request(channel_id, body):
    """The request of :meth:`NylasV3Client.update_pubsub_channel` (``PUT /v3/channels/pubsub/{id}``)."""
    return write_request("PUT", "/v3/channels/pubsub/%s" % _segment(channel_id, "channel_id"), body=body)


def delete_pubsub_channel_request(channel_id):
    """The request of :meth:`NylasV3Client.delete_pubsub_channel` (``DELETE /v3/channels/pubsub/{id}``)."""
    return write_request("DELETE", "/v3/channels/pubsub/%s" % _segment(channel_id, "channel_id"))


def link_v2_app_request():
    """The request of :meth:`NylasV3Client.link_v2_app` (``POST /v3/migration-tools/link-v2v3-apps``, no body).

    Its ``BasicV2`` header is sent by the client and never part of the description.
    """
    return write_request("POST", "/v3/migration-tools/link-v2v3-apps")


def import_v2_app_request():
    """The request of :meth:`NylasV3Client.import_v2_app` (``POST /v3/migration-tools/import-v2-app``, no body)."""
    return write_request("POST", "/v3/migration-tools/import-v2-app")


def clone_flags_query(allow_invalid_grant_creation=None, clone_exchange=None):
    """The query of a clone: each flag as ``true``/``false``, left out when None (the API's default applies)."""
    return query_params({"allow_invalid_grant_creation": allow_invalid_grant_creation, "clone_exchange": clone_exchange})


def clone_grant_request(account_id, allow_invalid_grant_creation=None, clone_exchange=None):
    """The request of :meth:`NylasV3Client.clone_grant` (``POST /v3/migration-tools/grants/{account_id}/clone``).

    Raises NylasConfigError for an empty account id.
    """
    return write_request("POST", "/v3/migration-tools/grants/%s/clone" % _segment(account_id, "account_id"),
                         query=clone_flags_query(allow_invalid_grant_creation, clone_exchange))


def start_batch_clone_request(limit=None, offset=None, providers=None, mode=None,
                              allow_invalid_grant_creation=None, clone_exchange=None):
    """The request of :meth:`NylasV3Client.start_batch_clone` (``POST /v3/migration-tools/snapshot-batch-clone``).

    Body keys ``limit``, ``offset``, ``providers``, ``mode`` only when not None (body ``{}`` otherwise);
    the flags in the query only when not None.
    """
    body = {}
    if limit is not None:
        body["limit"] = limit
    if offset is not None:
        body["offset"] = offset
    if providers is not None:
        body["providers"] = [providers] if isinstance(providers, str) else list(providers)
    if mode is not None:
        body["mode"] = mode
    return write_request("POST", "/v3/migration-tools/snapshot-batch-clone",
                         query=clone_flags_query(allow_invalid_grant_creation, clone_exchange), body=body)


class NylasV3Client(HttpCore):
    """Client of the Nylas v3 API (``Authorization: Bearer <api_key>``).

    Args:
        api_key: the v3 application's API key (never appears in errors).
        region: ``us`` or ``eu``.
        api_uri: base URL override (simulator, proxy); see :func:`resolve_base_url`.
        validate_certs: verify TLS certificates.
        timeout: seconds per request.
        max_retries: retries of a retryable failure (attempts = 1 + retries).
        rate_limit: requests per second for this application on the migration tools, shared process-wide
            (0/None: unlimited); the other v3 paths have their own bucket at 2.5 times it (Nylas: 20
            and 50 requests/s), so reads of grants never slow the clones down.
        read_only: refuse every non-GET with :class:`NylasCheckModeError` (check mode).
        sleep: sleep callable (injectable for tests).
        session: a ``requests.Session`` to use (default: a new one).
        max_pages: the page cap of one walk of a paged list (the ``max_pages`` option).

    Raises:
        NylasConfigError: bad api_key, region, URL or numeric settings.

    Every answer an operation method returns was checked first against the shape the collection
    relies on (:data:`nylas_contract.SHAPES`): a violation raises :class:`NylasContractError` naming
    the endpoint, status, request id and field; on a write (an empty or misshapen answer to a create,
    clone, batch start, link or import) it carries ``outcome_unknown=True`` and is settled by re-reading.

    The message of a 401/403 names the region and the base URL used, and asks to check that the key
    belongs to an application of that region.

    ``request`` returns the envelope; the operation methods return its ``data``. Every method may
    raise :class:`NylasAPIError` or :class:`NylasCheckModeError`.
    """

    def __init__(
        self,
        api_key,
        region="us",
        api_uri=None,
        validate_certs=True,
        timeout=30,
        max_retries=5,
        rate_limit=DEFAULT_RATE_LIMIT,
        read_only=False,
        sleep=time.sleep,
        session=None,
        max_pages=DEFAULT_MAX_PAGES,
    ):
        check_token(api_key, "api_key")
        base_url = resolve_base_url(region, api_uri, which="v3")
        super().__init__(
            base_url,
            app_key("v3", api_key, base_url),
            validate_certs=validate_certs,
            timeout=timeout,
            max_retries=max_retries,
            rate_limit=rate_limit,
            read_only=read_only,
            sleep=sleep,
            session=session,
            region=region,
            split_buckets=True,
            max_pages=max_pages,
            auth_hint="check that the API key belongs to an application of region '%s' (a key of another "
            "region's application is refused)" % region,
        )
        self.region = region
        self._add_secret(api_key)
        self._session.auth = BearerAuth(api_key)

    # -- generic --------------------------------------------------------------------------------

    def request(self, method, path, params=None, json=None, headers=None, idempotent=None):
        """Send one request (rate-limited, retried as documented) and return the JSON envelope.

        Args:
            method: HTTP method.
            path: path under the base URL, for example ``/v3/grants``.
            params: query parameters (dict).
            json: JSON body.
            headers: extra headers (their values are never put into error messages).
            idempotent: True for a POST that changes nothing at Nylas (retried like a GET); None: by method.

        Returns:
            The parsed envelope dict (``{"request_id", "data", ...}``); ``{}`` for an empty body.

        Raises:
            NylasAPIError: HTTP error, non-JSON or non-object body, transport error.
            NylasCheckModeError: a non-GET on a read-only client.
        """
        body = self._send(method, path, params=params, json=json, headers=headers, idempotent=idempotent)
        if not isinstance(body, dict):
            raise self._error(
                "expected a JSON object envelope, got %s" % type(body).__name__,
                error_type="unexpected_response",
                method=method.upper(),
                path=path.split("?", 1)[0],
            )
        return body

    def _data(self, method, path, params=None, json=None, headers=None, operation=None):
        """Send a request and return the envelope's ``data``; checked against ``operation``'s shape when given."""
        if operation is None:
            return self.request(method, path, params=params, json=json, headers=headers).get("data")
        return self._checked(operation, method, path, params=params, json=json, headers=headers)["data"]

    def _send_request(self, request, headers=None, operation=None):
        """Send a request of :func:`write_request` and return the envelope's ``data`` (checked as ``operation``)."""
        return self._data(request["method"], request["path"], params=request["query"] or None,
                          json=request["body"], headers=headers, operation=operation)

    def _get_or_none(self, path, operation=None):
        try:
            return self._data("GET", path, operation=operation)
        except NylasAPIError as exc:
            if exc.status == 404:
                return None
            raise

    def paginate(self, path, params=None, page_size=GRANTS_MAX_PAGE, max_pages=None, operation=None,
                 expected_total=None, id_field="id"):
        """GET every page of a v3 limit/offset list and return all items.

        Args:
            path: list path, for example ``/v3/grants``.
            params: extra query parameters (``limit``/``offset`` are set here).
            page_size: items per page requested.
            max_pages: a budget: stop after this many pages and return None when the list goes on
                (None: read to the end, within the client's ``max_pages`` cap).
            operation: the shape each page is checked against (:data:`nylas_contract.SHAPES`), or None
                (only ``data`` must be a list).
            expected_total: the most items the list is known to hold (bounds the walk), or None.
            id_field: the item field that identifies an item (a page of no new one ends the walk).

        Returns:
            The concatenated ``data`` lists.

        Raises:
            NylasContractError: a page breaking the contract; ``pagination_loop`` when a page brings no
                new item; ``pagination_bound`` past the page cap or the known count.
            NylasAPIError: as ``request``.
        """

        def extract(body):
            if not isinstance(body, dict):
                return body, None
            return body.get("data"), body.get("limit")

        return self._paginate(path, params, page_size, extract, max_pages=max_pages, operation=operation,
                              expected_total=expected_total, id_field=id_field)

    # -- applications ---------------------------------------------------------------------------

    def get_application(self):
        """Return the application of the API key (``GET /v3/applications``)."""
        return self._data("GET", "/v3/applications", operation="get_application")

    def update_application(self, body):
        """Patch the application (``PATCH /v3/applications``) and return the updated object."""
        return self._send_request(update_application_request(body), operation="get_application")

    def list_redirect_uris(self):
        """Return the application's callback URIs (``GET /v3/applications/redirect-uris``)."""
        return self._data("GET", "/v3/applications/redirect-uris")

    # -- connectors -----------------------------------------------------------------------------

    def list_connectors(self):
        """Return every connector (``GET /v3/connectors``, paged with limit/offset)."""
        return self.paginate("/v3/connectors", operation="list_connectors", id_field="provider")

    def get_connector(self, provider):
        """Return the connector of ``provider`` (``GET /v3/connectors/{provider}``), None on 404."""
        return self._get_or_none("/v3/connectors/%s" % self._segment(provider, "provider"), operation="get_connector")

    def create_connector(self, body):
        """Create a connector (``POST /v3/connectors``) and return it. ``body`` holds ``provider``,
        ``settings``, ``scope``."""
        return self._send_request(create_connector_request(body), operation="create_connector")

    def update_connector(self, provider, body):
        """Patch the connector of ``provider`` (``PATCH /v3/connectors/{provider}``); return it."""
        return self._send_request(update_connector_request(provider, body), operation="update_connector")

    def delete_connector(self, provider):
        """Delete the connector of ``provider`` (``DELETE /v3/connectors/{provider}``); return None."""
        self._send_request(delete_connector_request(provider))

    # -- grants ---------------------------------------------------------------------------------

    def list_grants(self, **filters):
        """Return every grant matching ``filters`` (``GET /v3/grants``, paged).

        Args:
            **filters: query filters of the endpoint: ``account_id``, ``account_ids`` (list or
                comma string), ``provider``, ``grant_status``, ``email``, ``since``, ``before``,
                ``sort_by``, ``order_by``, ...; None values are dropped, lists become comma lists.
        """
        lookup = any(filters.get(k) not in (None, "", []) for k in ("account_id", "account_ids"))
        return self.paginate("/v3/grants", params=query_params(filters),
                             operation="lookup_grants" if lookup else "list_grants")

    def find_grants_by_account_ids(self, account_ids, chunk_size=GRANT_IDS_PER_LOOKUP, grant_bound=None):
        """Map v2 account ids to their migrated v3 grants, with the fewest requests.

        :func:`nylas_read_planning.plan_grant_reads` chooses between walking every grant of the
        application (``GET /v3/grants``, 200 per page) and looking the ids up (``GET
        /v3/grants?account_ids=a,b,c``, ``chunk_size`` ids per request, each chunk paged). A walk that
        outgrows its budget (the application holds many more grants than ``grant_bound``) is dropped
        and the ids are looked up instead. Duplicate and empty ids are ignored.

        Args:
            account_ids: iterable of v2 account ids.
            chunk_size: ids per lookup request.
            grant_bound: how many grants the application is expected to hold at most (e.g. its
                number of v2 accounts); None: the number of ids.

        Returns:
            ``{account_id: grant}`` for the ids that have a grant (a ``valid`` grant is preferred if
            the server ever returns two); ids without a grant are absent. A walk that meets grants
            without ``account_id`` looks up the ids it did not find (a lookup's grants must carry
            ``account_id``: one without is a :class:`NylasContractError`).

        Raises:
            NylasConfigError: an id contains a comma, chunk_size < 1, or a bad grant_bound.
            NylasAPIError: as ``request``.
        """
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise NylasConfigError("chunk_size must be an integer >= 1")
        wanted = []  # type: List[str]
        seen = set()
        for account_id in account_ids:
            if account_id is None or str(account_id).strip() == "":
                continue
            account_id = str(account_id)
            if "," in account_id:
                raise NylasConfigError("account ids must not contain ','")
            if account_id not in seen:
                seen.add(account_id)
                wanted.append(account_id)
        try:
            plan = plan_grant_reads(len(wanted), grant_bound, GRANTS_MAX_PAGE, chunk_size)
        except ValueError as e:
            raise NylasConfigError(str(e))
        found = {}  # type: Dict[str, Any]
        if plan["strategy"] == STRATEGY_WALK:
            everything = self.paginate("/v3/grants", page_size=GRANTS_MAX_PAGE, max_pages=plan["max_walk_pages"],
                                       operation="list_grants")
            if everything is not None:
                _keep_grants(found, everything, seen)
                if not any(isinstance(g, dict) and not g.get("account_id") for g in everything):
                    return found
                # Grants without account_id (native v3 grants, or an answer that lost the field): the
                # ids the walk did not find are looked up, where each grant must carry its account_id.
                wanted = [a for a in wanted if a not in found]
        for start in range(0, len(wanted), chunk_size):
            chunk = wanted[start:start + chunk_size]
            _keep_grants(found, self.paginate("/v3/grants", params={"account_ids": ",".join(chunk)},
                                              operation="lookup_grants", expected_total=len(chunk)), seen)
        return found

    def get_grant(self, grant_id):
        """Return a grant (``GET /v3/grants/{grant_id}``), None on 404."""
        return self._get_or_none("/v3/grants/%s" % self._segment(grant_id, "grant_id"), operation="get_grant")

    def delete_grant(self, grant_id):
        """Delete a grant (``DELETE /v3/grants/{grant_id}``); return None."""
        self.request("DELETE", "/v3/grants/%s" % self._segment(grant_id, "grant_id"))

    # -- webhooks -------------------------------------------------------------------------------

    def list_webhooks(self):
        """Return the webhook destinations (``GET /v3/webhooks``)."""
        return self._data("GET", "/v3/webhooks", operation="list_webhooks")

    def create_webhook(self, body):
        """Create a webhook destination (``POST /v3/webhooks``) and return it (with its secret)."""
        return self._send_request(create_webhook_request(body), operation="create_webhook")

    def update_webhook(self, webhook_id, body):
        """Update a webhook destination (``PUT /v3/webhooks/{id}``, as in the contract); return it."""
        return self._send_request(update_webhook_request(webhook_id, body), operation="update_webhook")

    def delete_webhook(self, webhook_id):
        """Delete a webhook destination (``DELETE /v3/webhooks/{id}``); return None."""
        self._send_request(delete_webhook_request(webhook_id))

    def send_test_event(self, trigger_type, webhook_url):
        """Ask Nylas to send a test notification to ``webhook_url`` (``POST /v3/webhooks/send-test-event``).

        Body ``{"trigger_type", "webhook_url"}`` (contract: ``send_test_event_input``). It changes nothing
        at Nylas (Nylas posts a test payload, signed with ``mock-webhook-secret``, and listens for the
        acknowledgement), so it is retried like a GET; a read-only client still refuses it (a plan never
        makes Nylas call an endpoint). Returns the envelope's ``data``: ``"success"`` when the endpoint
        acknowledged, another string when it did not. Raises ``NylasAPIError`` (400 for a bad body).
        """
        request = send_test_event_request(trigger_type, webhook_url)
        return self.request(request["method"], request["path"], json=request["body"], idempotent=True).get("data")

    # -- Pub/Sub channels -----------------------------------------------------------------------

    def list_pubsub_channels(self):
        """Return the Pub/Sub channels (``GET /v3/channels/pubsub``)."""
        return self._data("GET", "/v3/channels/pubsub", operation="list_pubsub_channels")

    def create_pubsub_channel(self, body):
        """Create a Pub/Sub channel (``POST /v3/channels/pubsub``) and return it."""
        return self._send_request(create_pubsub_channel_request(body), operation="create_pubsub_channel")

    def update_pubsub_channel(self, channel_id, body):
        """Update a Pub/Sub channel (``PUT /v3/channels/pubsub/{id}``, as in the contract); return it."""
        return self._send_request(update_pubsub_channel_request(channel_id, body),
                                  operation="update_pubsub_channel")

    def delete_pubsub_channel(self, channel_id):
        """Delete a Pub/Sub channel (``DELETE /v3/channels/pubsub/{id}``); return None."""
        self._send_request(delete_pubsub_channel_request(channel_id))

    # -- migration tools ------------------------------------------------------------------------

    def link_v2_app(self, basic_v2):
        """Link the v2 application to this v3 application.

        Calls ``POST /v3/migration-tools/link-v2v3-apps`` (no body) with header ``BasicV2``.

        Args:
            basic_v2: the header value from :func:`build_basic_v2` (never appears in errors).

        Returns:
            The v3 ApplicationObject, now carrying ``v2_application_id``.

        Raises:
            NylasConfigError: ``basic_v2`` empty or malformed (whitespace, control/non-ASCII chars).
        """
        check_token(basic_v2, "BasicV2 value")
        self._add_secret(basic_v2)
        return self._send_request(link_v2_app_request(), headers={"BasicV2": basic_v2}, operation="link_v2_app")

    def import_v2_app(self):
        """Import the linked v2 application's settings (``POST /v3/migration-tools/import-v2-app``).

        Returns:
            The envelope's ``data``: a message string (or an object, if the server sends one).
        """
        return self._send_request(import_v2_app_request(), operation="import_v2_app")

    def clone_grant(self, account_id, allow_invalid_grant_creation=None, clone_exchange=None):
        """Clone one v2 account into a v3 grant.

        Calls ``POST /v3/migration-tools/grants/{account_id}/clone``; the flags go only in the query
        string and only when not None (``true``/``false``), so server defaults apply otherwise.
        A timeout, dropped connection or 5xx raises :class:`NylasAPIError` with
        ``outcome_unknown=True`` (the grant may exist: re-read ``GET /v3/grants?account_id=``).

        Returns:
            The v3 GrantObject (``grant_status`` ``valid``, or ``invalid`` for a placeholder).
        """
        return self._send_request(clone_grant_request(account_id, allow_invalid_grant_creation, clone_exchange),
                                  operation="clone_grant")

    def start_batch_clone(
        self,
        limit=None,
        offset=None,
        providers=None,
        mode=None,
        allow_invalid_grant_creation=None,
        clone_exchange=None,
    ):
        """Start a snapshot + clone job pair (``POST /v3/migration-tools/snapshot-batch-clone``).

        Body keys ``limit``, ``offset``, ``providers``, ``mode`` are sent only when not None (the body
        is ``{}`` otherwise); the two flags go in the query string only when not None.

        Returns:
            ``{"snapshot_job": MigrationJob, "clone_job": MigrationJob}``.
        """
        return self._send_request(start_batch_clone_request(
            limit, offset, providers, mode, allow_invalid_grant_creation, clone_exchange), operation="start_batch_clone")

    def list_jobs(self, status=None, job_type=None, sort_by_completion=None):
        """List migration jobs (``GET /v3/migration-tools/jobs``).

        Args:
            status: a status or list of statuses (pending, running, completed, failed, partial).
            job_type: a type or list of types (snapshot, migration); sent as ``type``.
            sort_by_completion: bool, sent as ``true``/``false`` when not None.

        Returns:
            The list of MigrationJob objects.
        """
        params = query_params({"status": status, "type": job_type, "sort_by_completion": sort_by_completion})
        return self._data("GET", "/v3/migration-tools/jobs", params=params or None, operation="list_jobs")

    def translate_ids(self, v2_account_id, resource_type, next_page_number=None, start_from_timestamp=None,
                      nylas_ids=None, guard=None):
        """Translate one page of v2 object ids of a v2 account into v3 ids.

        Calls ``POST /v3/migration-tools/translate`` with the JSON body ``resource_type``,
        ``v2_account_id`` and, only when not None, ``next_page_number``, ``start_from_timestamp``
        (unix seconds: objects created after it) and ``nylas_ids``. Needs the v2/v3 link; 20
        requests/s per application (the shared limiter paces it).

        Translating changes nothing at Nylas, so the request core retries it like a GET
        (``idempotent=True``): a timeout, dropped connection, 429 or 502/503/504 is retried up to
        ``max_retries`` with back-off, even after the request was sent.

        Args:
            v2_account_id: the v2 account id.
            resource_type: messages, drafts, threads, contacts, contactgroups, events, calendars or folders.
            next_page_number: the page to ask for (a previous answer's ``next_page_number``); None for the first.
            start_from_timestamp: int unix seconds, or None.
            nylas_ids: a list of v2 ids to translate, or None for all.
            guard: the :class:`nylas_paging.PageGuard` of this account and type's walk (from
                :meth:`translate_guard`), or None: each page's translations must then bring a new
                ``v2_resource_id`` and the walk stays under the page cap.

        Returns:
            The envelope's ``data`` dict (``v2_application_id``, ``v2_account_id``, ``resource_type``,
            ``next_page_number`` while more remain) with ``translations`` always set to the list of
            ``{"v2_resource_id", "v3_resource_id"}``: the contract requires the list under ``ids`` but
            describes it as ``translations``; whichever the server sends is accepted.

        Raises:
            NylasConfigError: an empty account id or resource type.
            NylasAPIError: as ``request`` (400 for an unknown resource type, an account of another
                application, an Outlook account or a missing link).
            NylasContractError: ``data`` holds no list of translations, an item lacks
                ``v2_resource_id``, ``next_page_number`` does not advance past the page asked for (or
                follows a page without translations), or
                (with ``guard``) the page repeats translations already seen or passes the page cap.
            NylasCheckModeError: on a read-only client (it is a POST).
        """
        self._segment(v2_account_id, "v2_account_id")
        self._segment(resource_type, "resource_type")
        body = {"resource_type": resource_type, "v2_account_id": v2_account_id}
        if next_page_number is not None:
            body["next_page_number"] = next_page_number
        if start_from_timestamp is not None:
            body["start_from_timestamp"] = start_from_timestamp
        if nylas_ids is not None:
            body["nylas_ids"] = list(nylas_ids)
        path = "/v3/migration-tools/translate"
        answer = self._exchange("POST", path, json=body, idempotent=True)
        data = answer.body.get("data") if isinstance(answer.body, dict) else None
        if isinstance(data, dict) and data.get("translations") is None and isinstance(data.get("ids"), list):
            data = dict(data, translations=data["ids"])
            answer = answer._replace(body=dict(answer.body, data=data))
        check(answer, "translate")
        data = dict(answer.body["data"])
        data.pop("ids", None)
        problem = next_cursor_problem(next_page_number or 1, data.get("next_page_number"))
        if not problem and not data["translations"] and data.get("next_page_number") is not None:
            problem = "is %s after a page without translations: the walk cannot advance" % data["next_page_number"]
        if problem:
            raise contract_error(answer, "data.next_page_number", problem)
        if guard is not None:
            guard.page(answer, data["translations"])
        return data

    def translate_guard(self):
        """A new :class:`nylas_paging.PageGuard` for the pages of one account and type (``translate_ids``)."""
        return PageGuard(self.max_pages, cursor_field="data.next_page_number", id_field="v2_resource_id")


def _keep_grants(found, grants, wanted):
    """Add to ``found`` (``{account_id: grant}``) the grants of the ``wanted`` account ids, a ``valid``
    grant winning over another; returns nothing (``found`` is updated)."""
    for grant in grants:
        if not isinstance(grant, dict):
            continue
        account_id = grant.get("account_id")
        if account_id not in wanted:
            continue
        current = found.get(account_id)
        if current is None or (current.get("grant_status") != "valid" and grant.get("grant_status") == "valid"):
            found[account_id] = grant


__all__ = [
    "MASK",
    "NylasV3Client",
    "clone_grant_request",
    "create_connector_request",
    "create_pubsub_channel_request",
    "create_webhook_request",
    "delete_connector_request",
    "delete_pubsub_channel_request",
    "delete_webhook_request",
    "import_v2_app_request",
    "link_v2_app_request",
    "planned_request",
    "send_test_event_request",
    "start_batch_clone_request",
    "update_application_request",
    "update_connector_request",
    "update_pubsub_channel_request",
    "update_webhook_request",
    "write_request",
]
