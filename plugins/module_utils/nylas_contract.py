# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The strict reading layer: each answer the collection decides on is checked against the contract first.

Every answer a module decides on (a list of webhooks, a page of grants, the migration jobs, the answer
of a write) is checked here for the fields the decision reads, typed as the contract types them
(``/work/shared/reference/nylas-v3-migration-subset.openapi.yaml``; the v2 shapes of
``MIGRATION_API.md``), before any decision is made from it. A violation raises one
:class:`NylasContractError` naming the endpoint (method + path, never the query string), the HTTP
status, the Nylas request id and the field; on a write it is an unknown outcome (``outcome_unknown``),
settled by re-reading (:mod:`nylas_settle`), never a success by default.

**Why a shape table and not openapi-core / jsonschema at run time.** Modules run on targets where
only ``requests`` is guaranteed (``requirements.txt``); openapi-core pulls in a dozen packages and
jsonschema several, for checking a handful of fields. The table below is a small subset of JSON
Schema / OpenAPI 3.0 (``type``, ``properties``, ``required``, ``items``, ``enum``, ``nullable``),
written for the fields the decisions use and no others (the server may add fields: they are
ignored, as the contract's objects mostly allow). The unit tests check the table against the
contract file with the dev tools (PyYAML), so that the table cannot drift from the contract
unnoticed, and the validator against jsonschema's verdicts.

Public:

* :data:`SHAPES` -- the shape of each answer, by operation name (``list_webhooks``, ``list_jobs``, ...).
* :func:`violation` -- pure: the first ``(field, problem)`` by which a value breaks a shape, or None.
* :func:`check` -- raise :class:`NylasContractError` for a violation, else return the value.
* :class:`Answer` -- what the request core knows of one answer (body, status, request id, endpoint).
"""

from __future__ import annotations

import collections

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasContractError

#: The job states of the contract (MigrationJob.status) and the job types (MigrationJob.type).
JOB_STATUSES = ("pending", "running", "completed", "failed", "partial")
JOB_TYPES = ("snapshot", "migration")
GRANT_STATUSES = ("invalid", "valid")

#: One answer as the request core received it: the parsed ``body`` (None for an empty body), the HTTP
#: ``status``, the Nylas ``request_id`` (body, else ``X-Request-Id``), ``method`` and ``path`` (no query).
Answer = collections.namedtuple("Answer", ("body", "status", "request_id", "method", "path"))

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
OPTIONAL_STRING = {"type": "string", "nullable": True}


def _object(required, optional=None, nullable=False):
    properties = dict(required)
    properties.update(optional or {})
    shape = {"type": "object", "required": sorted(required), "properties": properties}
    if nullable:
        shape["nullable"] = True
    return shape


def _list_of(item):
    return {"type": "array", "items": item}


def _envelope(data):
    """A v3 success envelope ``{"request_id", "data"}`` whose ``data`` has the shape ``data``."""
    return _object({"data": data}, {"request_id": STRING})


#: MigrationJob: the fields the batch clone and the job info decide on.
JOB = _object({"job_id": STRING, "type": {"type": "string", "enum": list(JOB_TYPES)},
               "status": {"type": "string", "enum": list(JOB_STATUSES)}},
              {"count_all": INTEGER, "count_success": INTEGER, "count_failed": INTEGER, "count_warning": INTEGER,
               "linked_job_id": STRING, "created_at": INTEGER, "updated_at": INTEGER})
#: GrantObject (``account_id`` only for migrated grants; a lookup by account id requires it).
GRANT = _object({"id": STRING}, {"account_id": STRING, "grant_status": {"type": "string", "enum": list(GRANT_STATUSES)},
                                 "provider": STRING})
MIGRATED_GRANT = _object({"id": STRING, "account_id": STRING},
                         {"grant_status": {"type": "string", "enum": list(GRANT_STATUSES)}, "provider": STRING})
WEBHOOK = _object({"id": STRING, "webhook_url": STRING}, {"status": STRING, "trigger_types": _list_of(STRING)})
CHANNEL = _object({"id": STRING, "topic": STRING}, {"status": STRING, "trigger_types": _list_of(STRING)})
CONNECTOR = _object({"provider": STRING})
APPLICATION = _object({}, {"application_id": STRING, "v2_application_id": OPTIONAL_STRING})
TRANSLATION = _object({"v2_resource_id": STRING}, {"v3_resource_id": OPTIONAL_STRING})
#: The answer of an update: the object (its fields are compared by the next run's read, not here).
UPDATED = _object({})
V2_ACCOUNT = _object({"id": STRING}, {"account_id": STRING, "provider": STRING})
V2_WEBHOOK = _object({"id": STRING}, {"callback_url": STRING, "state": STRING})

#: The shape of each answer the collection decides on, by client operation.
SHAPES = {
    "get_application": _envelope(APPLICATION),
    "link_v2_app": _envelope(APPLICATION),
    "import_v2_app": _object({"data": {"type": ["string", "object"]}}),
    "list_connectors": _envelope(_list_of(CONNECTOR)),
    "get_connector": _envelope(CONNECTOR),
    "create_connector": _envelope(CONNECTOR),
    "update_connector": _envelope(UPDATED),
    "list_grants": _envelope(_list_of(GRANT)),
    "lookup_grants": _envelope(_list_of(MIGRATED_GRANT)),
    "get_grant": _envelope(GRANT),
    "clone_grant": _envelope(MIGRATED_GRANT),
    "list_webhooks": _envelope(_list_of(WEBHOOK)),
    "create_webhook": _envelope(WEBHOOK),
    "update_webhook": _envelope(UPDATED),
    "list_pubsub_channels": _envelope(_list_of(CHANNEL)),
    "create_pubsub_channel": _envelope(CHANNEL),
    "update_pubsub_channel": _envelope(UPDATED),
    "start_batch_clone": _envelope(_object({"snapshot_job": JOB, "clone_job": JOB})),
    "list_jobs": _envelope(_list_of(JOB)),
    "translate": _envelope(_object({"translations": _list_of(TRANSLATION)},
                                   {"next_page_number": {"type": "integer", "nullable": True}})),
    "v2_get_application": _object({}),
    "v2_list_accounts": _list_of(V2_ACCOUNT),
    "v2_get_account": _object({"id": STRING}, {"billing_state": STRING, "sync_state": STRING}),
    "v2_list_webhooks": _list_of(V2_WEBHOOK),
    "v2_update_webhook": _object({"id": STRING}, {"state": STRING}),
}

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


def type_name(value):
    """The JSON name of ``value``'s type (``null``, ``object``, ``array``, ``string``, ...)."""
    if value is None:
        return "null"
    for name in ("boolean", "object", "array", "string", "integer"):
        if _TYPES[name](value):
            return name
    return "number" if isinstance(value, float) else type(value).__name__


def violation(value, shape, field=""):
    """Return the first ``(field, problem)`` by which ``value`` breaks ``shape``, or None (pure).

    Args:
        value: the parsed JSON value.
        shape: a shape of :data:`SHAPES` (``type`` a name or a list of names; ``nullable``;
            ``enum``; for objects ``required`` and ``properties``; for arrays ``items``).
        field: the path of ``value`` (``""`` for the whole body).

    Returns:
        ``("data[2].account_id", "is missing")``, ``("data", "must be a list, got object")``, ... or None.
    """
    where = field or "body"
    if value is None:
        return None if shape.get("nullable") else (where, "is null" if field else "is empty")
    types = shape.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    if types and not any(_TYPES[t](value) for t in types):
        wanted = " or ".join("a list" if t == "array" else "an object" if t == "object" else "a " + t for t in types)
        return where, "must be %s, got %s" % (wanted, type_name(value))
    if "enum" in shape and value not in shape["enum"]:
        return where, "is %r, not one of the documented values %s" % (value, ", ".join(shape["enum"]))
    if isinstance(value, dict):
        for name in shape.get("required", ()):
            if name not in value:
                return _join(field, name), "is missing"
        for name, sub in sorted(shape.get("properties", {}).items()):
            if name in value:
                found = violation(value[name], sub, _join(field, name))
                if found:
                    return found
    if isinstance(value, list) and "items" in shape:
        for index, item in enumerate(value):
            found = violation(item, shape["items"], "%s[%d]" % (field, index))
            if found:
                return found
    return None


def _join(field, name):
    return "%s.%s" % (field, name) if field else name


def contract_error(answer, field, problem, outcome_unknown=False, error_type="unexpected_response", **kwargs):
    """The :class:`NylasContractError` of ``answer`` (an :class:`Answer`) breaking the contract at ``field``."""
    return NylasContractError(
        "%s %s" % (field, problem), field=field, status=answer.status, request_id=answer.request_id,
        method=answer.method, path=answer.path, outcome_unknown=outcome_unknown, error_type=error_type, **kwargs
    )


def check(answer, operation, is_write=False):
    """Return ``answer.body`` when it has the shape of ``operation``; raise otherwise.

    Args:
        answer: the :class:`Answer` of the request.
        operation: a key of :data:`SHAPES`.
        is_write: the request was a write: a violation is then an unknown outcome (the write may have
            happened), ``outcome_unknown=True``.

    Raises:
        NylasContractError: ``error_type`` ``unexpected_response``, naming ``field``.
    """
    found = violation(answer.body, SHAPES[operation])
    if found:
        raise contract_error(answer, found[0], found[1], outcome_unknown=is_write)
    return answer.body


__all__ = [
    "Answer",
    "GRANT_STATUSES",
    "JOB_STATUSES",
    "JOB_TYPES",
    "SHAPES",
    "check",
    "contract_error",
    "type_name",
    "violation",
]
