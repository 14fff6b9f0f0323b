# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The reads and the write of nylas_import_app: read the v3 and v2 applications, make the import.

A runner: it calls the client and the pure decisions of :mod:`nylas_app_planning`, and takes none of
its own. Failures end the module through the :class:`NylasModule` given, keeping the ``result``
gathered so far (a dict the caller owns and these functions read at the time of the failure).
"""

from __future__ import annotations

from ansible_collections.nylas.migration.plugins.module_utils.nylas_app_planning import import_shown
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasConfigError, NylasError


def read_v3(module, result):
    """Return ``(application, callback_uris, connectors)`` of the v3 application.

    Endpoints: ``GET /v3/applications``, ``GET /v3/applications/redirect-uris`` (only when the
    application object carries no callback URIs) and ``GET /v3/connectors``. Fails the module with
    ``result`` on a ``NylasError``.
    """
    application = module.call(module.client.get_application, msg="Failed to read the v3 application", **result)
    callback_uris = application.get("callback_uris") if isinstance(application, dict) else None
    with module.failing("Failed to read the v3 application's callback URIs and connectors", **result):
        if not isinstance(callback_uris, list):
            callback_uris = module.client.list_redirect_uris() or []
        connectors = module.client.list_connectors() or []
    return application, callback_uris, connectors


def read_v2(module, result):
    """Return the v2 application, or None without v2 credentials or when the read fails (with a warning).

    Endpoint: v2 ``GET /a/{client_id}``. Fails the module (with ``result``) only on invalid v2 settings.
    """
    if not module.has_v2_credentials():
        return None
    v2_client = module.v2_client
    try:
        return v2_client.get_application()
    except NylasConfigError as e:
        module.fail_from_error(e, msg="Invalid v2 settings", **result)
    except NylasError as e:
        module.warn("Could not read the v2 application (%s); deciding from the v3 connectors alone" % e)
    return None


def apply_import(module, v2_application, result):
    """Make the import and return the re-read ``(application, callback_uris, connectors)``.

    Sets ``result["import_result"]`` to the answer. An import whose outcome is unknown is settled
    (:meth:`NylasModule.settle_write`): the v3 application is re-read and the import counts as made when
    it shows it (:func:`import_shown`); it is re-sent once only when nothing shows it after ``settle_time``.
    Endpoints: ``POST /v3/migration-tools/import-v2-app``, then the reads of :func:`read_v3`. Fails the
    module with ``result`` (``changed`` false when the import surely failed).
    """
    def write():
        result["import_result"] = module.client.import_v2_app()
        return read_v3(module, result)

    return module.settle_write(
        write,
        lambda: read_v3(module, result),
        lambda state: import_shown(state[0], state[1], state[2], v2_application),
        lambda e: "The import request failed (%s) but the v3 application shows the import; treating it as made" % e,
        msg="Failed to import the v2 application",
        if_unknown=dict(msg="The outcome of the import of the v2 application is unknown", changed=result.get("changed")),
        **dict(result, changed=False)
    )


def read_v2_accounts_for_plan(module, v2_application):
    """The v2 accounts, read only to forecast the connectors of an import, or None.

    Read when the v2 application object does not list its integrations (Nylas's v2 API does not) and
    the v2 credentials are set. A failed read only warns: the forecast is then left out; no decision
    depends on it. Endpoint: v2 ``GET /a/{client_id}/accounts`` (paged).
    """
    if v2_application is None or "integrations" in v2_application or not module.has_v2_credentials():
        return None
    try:
        return module.v2_client.list_accounts()
    except NylasError as e:
        module.warn("Could not read the v2 accounts (%s); the plan does not list the connectors the import "
                    "will create" % e)
    return None
