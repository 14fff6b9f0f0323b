# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Ansible glue shared by every nylas.migration module (in the manner of ``AnsibleAWSModule``).

``NylasModule`` adds the shared connection options (documented once in the ``nylas.migration.nylas``
doc fragment) to the module's own argument spec, builds the HTTP clients lazily, keeps every secret
in ``no_log_values`` and turns any client error into one ``fail_json`` call that carries the API's
error fields and the partial results gathered so far::

    module = NylasModule(argument_spec=dict(force=dict(type='bool', default=False)))
    try:
        application = module.client.get_application()
    except NylasError as e:
        module.fail_from_error(e, msg='Failed to read the v3 application')
    module.exit_json(changed=False, application=application)

or, shorter, ``application = module.call(module.client.get_application, msg='Failed to read ...')``.

Two more shapes recur in the modules and live here once:

- a write whose outcome may be unknown (a timeout, a dropped connection or a 5xx after the body was
  sent) is never re-sent blindly: :meth:`NylasModule.settle_write` settles it with the policy of
  :mod:`nylas_settle` (re-read with back-off for ``settle_time`` seconds, re-send once only when a
  re-read after that time still shows no write, otherwise report the outcome as unknown); worker
  threads use :func:`nylas_settle.settle`, the part without Ansible;
- a delete that answers 404 (or the contract's 400 type ``70000`` "not found") means someone else
  deleted it meanwhile (:meth:`NylasModule.delete_if_present`, decision :func:`already_gone`).

In check mode ``client`` is read-only: a write that a module would attempt by mistake raises
``NylasCheckModeError`` before reaching the network, and ends the run as a failure.
"""

from __future__ import annotations

import base64
import contextlib
import time
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.nylas.migration.plugins.module_utils.nylas_client import (
    DEFAULT_RATE_LIMIT,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    NylasAPIError,
    NylasCheckModeError,
    NylasConfigError,
    NylasContractError,
    NylasError,
    NylasV2Client,
    NylasV3Client,
    build_basic_v2,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_destination_planning import destination_gone
from ansible_collections.nylas.migration.plugins.module_utils.nylas_paging import DEFAULT_MAX_PAGES
from ansible_collections.nylas.migration.plugins.module_utils.nylas_settle import (
    DEFAULT_SETTLE_TIME,
    OUTCOME_UNKNOWN,
    SHOWN,
    WRITTEN,
    settle,
    unknown_text,
)

#: The fields of a ``NylasAPIError`` copied into a failed result (never headers or bodies).
ERROR_FIELDS = ("status", "error_type", "request_id", "method", "path", "attempts", "outcome_unknown")
#: Added for an answer that broke the contract (``NylasContractError``): the offending field.
CONTRACT_FIELDS = ("field",)


def nylas_argument_spec():
    """Return the argument spec of the connection options shared by every module.

    Each option falls back to its ``NYLAS_*`` environment variable; the API key and the v2 client
    secret are ``no_log``. Documented in the ``nylas.migration.nylas`` doc fragment.
    """
    return dict(
        api_key=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["NYLAS_API_KEY"])),
        region=dict(type="str", default="us", choices=["us", "eu"], fallback=(env_fallback, ["NYLAS_REGION"])),
        api_uri=dict(type="str", fallback=(env_fallback, ["NYLAS_API_URI"])),
        v2_client_id=dict(type="str", fallback=(env_fallback, ["NYLAS_V2_CLIENT_ID"])),
        v2_client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["NYLAS_V2_CLIENT_SECRET"])),
        v2_api_uri=dict(type="str", fallback=(env_fallback, ["NYLAS_V2_API_URI"])),
        validate_certs=dict(type="bool", default=True),
        timeout=dict(type="int", default=30),
        max_retries=dict(type="int", default=5),
        rate_limit=dict(type="float", default=DEFAULT_RATE_LIMIT),
        settle_time=dict(type="int", default=DEFAULT_SETTLE_TIME, fallback=(env_fallback, ["NYLAS_SETTLE_TIME"])),
        max_pages=dict(type="int", default=DEFAULT_MAX_PAGES, fallback=(env_fallback, ["NYLAS_MAX_PAGES"])),
    )


def clone_flag_spec():
    """Return the argument spec of the clone flags (documented in ``nylas.migration.nylas.clone_flags``).

    Both have no default: a flag the user did not set is not sent, so the API's default applies.
    """
    return dict(
        allow_invalid_grant_creation=dict(type="bool"),
        clone_exchange=dict(type="bool"),
    )


def endpoint_of(error):
    """``"<METHOD> <path>"`` of the request a ``NylasAPIError`` is about (no query string), or None (pure)."""
    method, path = getattr(error, "method", None), getattr(error, "path", None)
    return "%s %s" % (method, path) if method and path else None


def already_gone(error):
    """Whether a delete's error means the object is not there: someone else deleted it (pure).

    HTTP 404, or the contract's HTTP 400 of type ``70000`` saying the record was not found (the answer of
    ``DELETE /v3/webhooks/{id}`` and ``/v3/channels/pubsub/{id}`` for an unknown id), as
    :func:`nylas_destination_planning.destination_gone` decides.
    """
    return isinstance(error, NylasAPIError) and destination_gone(error.status, error.error_type, error.message)


class NylasModule:
    """An ``AnsibleModule`` with the shared Nylas options, lazy clients and one error path.

    Attributes: ``module`` (the ``AnsibleModule``), ``params``, ``check_mode``, ``diff_mode``;
    ``clock`` and ``sleep`` (``time.monotonic`` and ``time.sleep``: the settle loop's, replaced in
    tests); properties ``client`` (``NylasV3Client``, read-only in check mode) and ``v2_client``
    (``NylasV2Client`` or ``None`` without v2 credentials).
    """

    clock = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)

    def __init__(self, argument_spec=None, supports_check_mode=True, **kwargs):
        """Merge the shared spec with ``argument_spec`` and build the ``AnsibleModule``.

        Other keyword arguments (``mutually_exclusive``, ``required_if``, ...) go to ``AnsibleModule``.
        Fails when ``requests`` is missing or a numeric connection option is out of range.
        """
        spec = nylas_argument_spec()
        spec.update(argument_spec or {})
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=supports_check_mode, **kwargs)
        self.params = self.module.params
        self.check_mode = bool(self.module.check_mode)
        self.diff_mode = bool(self.module._diff)
        self._client = None
        self._v2_client = None
        self._basic_v2 = None

        self._protect_secrets()

        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self._check_numbers()

    # -- secrets -----------------------------------------------------------------------------------

    @property
    def no_log(self):
        """Whether the task runs with ``no_log: true`` (its result is then never printed nor logged)."""
        return bool(self.module.no_log)

    def add_secrets(self, *values):
        """Mask these values (a secret a module learns while running) in every output of the module."""
        self.module.no_log_values.update(v for v in values if v)

    def _protect_secrets(self):
        """Add every secret and every value derived from one to ``no_log_values``."""
        api_key = self.params.get("api_key")
        if api_key:
            self.module.no_log_values.add(api_key)
            self.module.no_log_values.add("Bearer %s" % api_key)
        secret = self.params.get("v2_client_secret")
        if secret:
            self.module.no_log_values.add(secret)
            # v2 reads use HTTP Basic with the secret as user name and an empty password.
            basic = base64.b64encode(("%s:" % secret).encode("utf-8")).decode("ascii")
            self.module.no_log_values.add(basic)
            self.module.no_log_values.add("Basic %s" % basic)
        if self.has_v2_credentials():
            try:
                self._basic_v2 = build_basic_v2(self.params["v2_client_id"], secret)
            except NylasConfigError:
                # Reported by basic_v2() when a module needs the value; a v2 read may not.
                self._basic_v2 = None
            else:
                self.module.no_log_values.add(self._basic_v2)

    def _check_numbers(self):
        """Refuse a timeout, retry count or rate limit that the client cannot honour."""
        problems = []
        if self.params["timeout"] is not None and self.params["timeout"] <= 0:
            problems.append("timeout must be a positive number of seconds")
        if self.params["max_retries"] is not None and self.params["max_retries"] < 0:
            problems.append("max_retries must be zero or more")
        if self.params["rate_limit"] is not None and self.params["rate_limit"] < 0:
            problems.append("rate_limit must be a number of requests per second >= 0 (0: no limit)")
        if self.params["settle_time"] is not None and self.params["settle_time"] < 0:
            problems.append("settle_time must be a number of seconds >= 0 (0: re-read once, never re-send)")
        if self.params.get("max_pages") is not None and self.params["max_pages"] < 1:
            problems.append("max_pages must be a number of pages >= 1")
        if problems:
            self.fail_json(msg="; ".join(problems))

    def has_v2_credentials(self):
        """Return whether both ``v2_client_id`` and ``v2_client_secret`` are set."""
        return bool(self.params.get("v2_client_id")) and bool(self.params.get("v2_client_secret"))

    def basic_v2(self):
        """Return the ``BasicV2`` header value that proves ownership of the v2 application.

        Fails (before any request) when the v2 credentials are missing or malformed, with a message
        that names the problem and never the value.
        """
        if not self.has_v2_credentials():
            self.fail_json(msg="v2_client_id and v2_client_secret are required (or NYLAS_V2_CLIENT_ID and "
                               "NYLAS_V2_CLIENT_SECRET in the environment)")
        if self._basic_v2 is None:
            try:
                self._basic_v2 = build_basic_v2(self.params["v2_client_id"], self.params["v2_client_secret"])
            except NylasConfigError as e:
                self.fail_from_error(e, msg="Invalid v2 credentials")
            self.module.no_log_values.add(self._basic_v2)
        return self._basic_v2

    # -- clients -----------------------------------------------------------------------------------

    def _connection_kwargs(self):
        return dict(
            region=self.params["region"],
            validate_certs=self.params["validate_certs"],
            timeout=self.params["timeout"],
            max_retries=self.params["max_retries"],
            rate_limit=self.params["rate_limit"],
            max_pages=self.params.get("max_pages") or DEFAULT_MAX_PAGES,
        )

    @property
    def client(self):
        """The ``NylasV3Client``, built on first use; read-only in check mode."""
        if self._client is None:
            try:
                self._client = NylasV3Client(
                    self.params["api_key"],
                    api_uri=self.params.get("api_uri"),
                    read_only=self.check_mode,
                    **self._connection_kwargs()
                )
            except NylasConfigError as e:
                self.fail_from_error(e, msg="Invalid v3 connection settings")
        return self._client

    @property
    def v2_client(self):
        """The ``NylasV2Client``, built on first use, or ``None`` without v2 credentials; read-only in check mode."""
        if self._v2_client is None and self.has_v2_credentials():
            try:
                self._v2_client = NylasV2Client(
                    self.params["v2_client_id"],
                    self.params["v2_client_secret"],
                    api_uri=self.params.get("v2_api_uri"),
                    read_only=self.check_mode,
                    **self._connection_kwargs()
                )
            except NylasConfigError as e:
                self.fail_from_error(e, msg="Invalid v2 connection settings")
        return self._v2_client

    # -- results -----------------------------------------------------------------------------------

    def fail_from_error(self, error, msg=None, name_endpoint=False, **results):
        """Fail the module from a client error, keeping the partial ``results`` gathered so far.

        A ``NylasAPIError`` adds ``status``, ``error_type``, ``request_id``, ``method``, ``path``,
        ``attempts`` and ``outcome_unknown`` (a ``NylasContractError`` also ``field``); the message reads
        ``<msg>: <error>``, or with ``name_endpoint`` ``<msg> (<method> <path>): <error>`` unless the
        error's text names the endpoint already (:func:`endpoint_of`). Errors that are not Nylas errors
        keep their traceback (``exception``). Secrets are masked by ``no_log_values``.
        """
        text = str(error)
        failure = dict(results)
        where = endpoint_of(error) if name_endpoint else None
        if msg and where and where not in text:
            msg = "%s (%s)" % (msg, where)
        failure["msg"] = "%s: %s" % (msg, text) if msg else text
        if isinstance(error, NylasAPIError):
            for field in ERROR_FIELDS:
                failure[field] = getattr(error, field, None)
            if isinstance(error, NylasContractError):
                for field in CONTRACT_FIELDS:
                    failure[field] = getattr(error, field, None)
        elif isinstance(error, NylasCheckModeError):
            failure["check_mode_violation"] = True
        elif not isinstance(error, NylasError):
            failure["exception"] = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.fail_json(**failure)

    def exit_json(self, **kwargs):
        """Exit successfully; ``diff`` is returned only when the run asked for it (``--diff``)."""
        if not self.diff_mode:
            kwargs.pop("diff", None)
        self.module.exit_json(**kwargs)

    def fail_json(self, **kwargs):
        """Fail the module; ``diff`` is returned only when the run asked for it (``--diff``)."""
        if not self.diff_mode:
            kwargs.pop("diff", None)
        kwargs.setdefault("msg", "Failed")
        self.module.fail_json(**kwargs)

    def warn(self, msg):
        """Add a warning to the result."""
        self.module.warn(msg)

    # -- error paths shared by the modules ----------------------------------------------------------

    def call(self, fn, *args, msg=None, name_endpoint=False, **partial):
        """Return ``fn(*args)``; on a ``NylasError`` fail the module with ``msg`` and the ``partial`` results.

        Replaces ``try: ... except NylasError as e: module.fail_from_error(e, msg=msg, **partial)``;
        ``name_endpoint`` as for :meth:`fail_from_error`.
        """
        with self.failing(msg, name_endpoint=name_endpoint, **partial):
            return fn(*args)

    @contextlib.contextmanager
    def failing(self, msg=None, name_endpoint=False, **partial):
        """Context manager: a ``NylasError`` raised inside fails the module with ``msg`` and ``partial``.

        For a block of several client calls that share one failure message.
        """
        try:
            yield
        except NylasError as e:
            self.fail_from_error(e, msg=msg, name_endpoint=name_endpoint, **partial)

    def settle_write(self, write, reread, is_done, warning, msg=None, if_unknown=None, may_resend=True, **partial):
        """Make a write whose outcome may be unknown, settling it; return its answer or the re-read state.

        The policy is :func:`nylas_settle.settle`'s, with the ``settle_time`` option: an unknown outcome
        is re-read with back-off for ``settle_time`` seconds; when a re-read after that time still does
        not show the write, it is re-sent once (never when ``may_resend`` is False or ``settle_time`` is
        0); a re-send whose outcome is unknown again is settled once more.

        Args:
            write: callable making the write (e.g. ``lambda: client.link_v2_app(basic)``).
            reread: callable re-reading the state after an unknown outcome, or None to not re-read. A
                ``NylasError`` it raises counts as "not known"; a module failure it makes ends the run.
            is_done: callable ``is_done(state) -> bool``, whether a re-read ``state`` shows the write.
            warning: callable ``warning(error) -> str``, the warning added when a re-read shows the write.
            msg: the failure message (a write Nylas refused).
            if_unknown: optional dict of what differs in the failure when the outcome stays unknown:
                ``msg`` (default ``"Outcome unknown: <msg>"``) and any result key (e.g. ``changed``).
                The message then says how it was settled and that a re-run re-reads first.
            may_resend: False for a write that must never be sent twice.
            partial: the results gathered so far, kept in the failure.

        Fails the module with the write's error fields (``status``, ``error_type``, ``request_id``,
        ``outcome_unknown``, ...) when Nylas refused the write, or when its outcome stays unknown.
        Calls whatever endpoints ``write`` and ``reread`` call.
        """
        settle_time = self.params.get("settle_time")
        settle_time = DEFAULT_SETTLE_TIME if settle_time is None else settle_time
        result = settle(write, reread, is_done, settle_time=settle_time, may_resend=may_resend,
                        clock=self.clock, sleep=self.sleep)
        if result.outcome == WRITTEN:
            if result.resent:
                self.warn("The first request's outcome was unknown (%s); nothing showed it after %s s, so it was "
                          "re-sent once, and that succeeded" % (result.error, settle_time))
            return result.value
        if result.outcome == SHOWN:
            self.warn(warning(result.error))
            return result.value
        if result.outcome == OUTCOME_UNKNOWN:
            partial.update(if_unknown or {})
            unknown_msg = partial.pop("msg", None) or "Outcome unknown: %s" % msg
            msg = "%s (%s)" % (unknown_msg, unknown_text(settle_time, result.resent))
        self.fail_from_error(result.error, msg=msg, **partial)

    def delete_if_present(self, delete, warning, msg=None, **partial):
        """Call ``delete()``; return True when it deleted, False (with ``warning``) when :func:`already_gone`.

        Any other ``NylasError`` fails the module with ``msg`` and the ``partial`` results.
        """
        try:
            delete()
        except NylasError as e:
            if already_gone(e):
                self.warn(warning)
                return False
            self.fail_from_error(e, msg=msg, **partial)
        return True
