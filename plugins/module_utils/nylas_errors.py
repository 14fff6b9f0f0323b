# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Every exception of the collection, in one place.

* :class:`NylasError` and its subclasses come from the HTTP layer: bad input found before a request
  (:class:`NylasConfigError`), a write refused in check mode (:class:`NylasCheckModeError`), a failed
  request (:class:`NylasAPIError`, with the Nylas ``request_id``).
  An answer that breaks the contract (a field the collection decides on is missing or mistyped, an
  empty or unreadable 2xx, a list that never ends) is a :class:`NylasContractError`, a
  :class:`NylasAPIError` that also names the ``field``.
* :class:`PlanningError` comes from the pure planners: the wanted state cannot be reached safely from
  the current one (or the input is unusable); nothing was written.

None of them ever carries a secret in its message.
"""

from __future__ import annotations


class NylasError(Exception):
    """Base class of every error raised by this module."""


class NylasConfigError(NylasError, ValueError):
    """Bad input found before any request was made (URL, region, credentials, identifiers).

    The message names the option and the problem, never the value of a secret.
    """


class NylasCheckModeError(NylasError):
    """A write (any non-GET request) was attempted on a client built with ``read_only=True``.

    Raised before anything touches the network; it is the check-mode safety net under each
    module's own check-mode branch.
    """


class NylasAPIError(NylasError):
    """A request failed: an HTTP error, an unusable response, or a transport (connection) error.

    Attributes:
        status: HTTP status code (int), or None when no response was received.
        error_type: Nylas ``error.type`` (for example ``bad_request``, ``not_found_error``), or one of
            this module's own: ``connection_error``, ``timeout``, ``request_error``,
            ``non_json_response``, ``unexpected_response``, ``pagination_loop``, ``pagination_bound``;
            None if unknown.
        message: human-readable message (server-provided, or a short reason), secrets redacted.
        request_id: the body's ``request_id``, else the ``X-Request-Id`` response header, else None.
        method: HTTP method of the failed request.
        path: request path without the query string (for example ``/v3/grants``).
        attempts: how many times the request was sent (1 + retries).
        content_type: response Content-Type for a non-JSON body, else None.
        outcome_unknown: True when a write may or may not have happened (timeout, dropped connection
            or 5xx after the body was sent); the caller re-reads state and decides.
        provider_error: the ``error.provider_error`` object when Nylas sent one, else None.
    """

    def __init__(
        self,
        message,
        status=None,
        error_type=None,
        request_id=None,
        method=None,
        path=None,
        attempts=1,
        content_type=None,
        outcome_unknown=False,
        provider_error=None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type
        self.request_id = request_id
        self.method = method
        self.path = path
        self.attempts = attempts
        self.content_type = content_type
        self.outcome_unknown = bool(outcome_unknown)
        self.provider_error = provider_error

    def to_dict(self):
        """Return the error as a plain dict for module results.

        Keys: ``status``, ``error_type``, ``message``, ``request_id``, ``method``, ``path``,
        ``attempts``; plus ``content_type`` when set and ``outcome_unknown`` when True.
        """
        result = {
            "status": self.status,
            "error_type": self.error_type,
            "message": self.message,
            "request_id": self.request_id,
            "method": self.method,
            "path": self.path,
            "attempts": self.attempts,
        }
        if self.content_type:
            result["content_type"] = self.content_type
        if self.outcome_unknown:
            result["outcome_unknown"] = True
        return result

    def __str__(self):
        if self.status is not None:
            text = "HTTP %s" % self.status
            if self.error_type:
                text += " %s" % self.error_type
            text += ": %s" % self.message
        elif self.error_type in ("connection_error", "timeout"):
            text = "connection error: %s" % self.message
        elif self.error_type:
            text = "%s: %s" % (self.error_type, self.message)
        else:
            text = self.message
        if self.request_id:
            text += " (request_id=%s)" % self.request_id
        return text


class NylasContractError(NylasAPIError):
    """A 2xx answer that breaks the contract the collection relies on; nothing is decided from it.

    Raised by :mod:`nylas_contract` (a field missing or of the wrong type, a job ``status`` outside
    the documented set, an empty or non-JSON 2xx) and by the paging guard (:mod:`nylas_paging`: a list
    that repeats itself or outgrows its bound). ``error_type`` is ``unexpected_response`` (a field),
    ``non_json_response``, ``pagination_loop`` or ``pagination_bound``.

    Attributes (besides those of :class:`NylasAPIError`):
        field: the path of the offending field, e.g. ``data``, ``data[3].account_id``, ``body``.

    Its text names the endpoint (method and path, never the query string), the HTTP status, the field
    and the Nylas request id: ``HTTP 200 unexpected_response: GET /v3/webhooks: data must be a list, got
    object (field data) (request_id=...)``. On a write, ``outcome_unknown`` is True: the write may have
    happened, so it is settled by re-reading (:mod:`nylas_settle`), never taken as a success.
    """

    def __init__(self, message, field=None, **kwargs):
        kwargs.setdefault("error_type", "unexpected_response")
        super().__init__(message, **kwargs)
        self.field = field

    def to_dict(self):
        """As :meth:`NylasAPIError.to_dict`, plus ``field``."""
        result = super().to_dict()
        result["field"] = self.field
        return result

    def __str__(self):
        text = "HTTP %s" % self.status if self.status is not None else "invalid answer"
        text += " %s: " % self.error_type if self.error_type else ": "
        if self.method and self.path:
            text += "%s %s: " % (self.method, self.path)
        text += self.message
        if self.field:
            text += " (field %s)" % self.field
        if self.request_id:
            text += " (request_id=%s)" % self.request_id
        return text


class PlanningError(ValueError):
    """The wanted state cannot be planned or reached safely from the current state; nothing was written.

    Raised by the ``*_planning`` modules with a message fit for ``fail_json`` (names the option or the
    object, never a secret).
    """


__all__ = ["NylasAPIError", "NylasCheckModeError", "NylasConfigError", "NylasContractError", "NylasError",
           "PlanningError"]
