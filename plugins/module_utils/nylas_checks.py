# -*- coding: utf-8 -*-
# Copyright (c) 2026, nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Checks of credentials and URLs, made before any request is sent.

* :func:`check_token` refuses an unusable credential or identifier (empty, surrounding whitespace,
  control or non-ASCII characters); its messages name the option, never the value.
* :func:`build_basic_v2` builds the ``BasicV2`` header value of the link call.
* :func:`resolve_base_url` picks the v3 or v2 base URL of a region (:data:`REGIONS`) or checks an
  override: absolute http(s), no credentials or query, plain http only for loopback hosts, and not a
  known Nylas host of another region or API version (:func:`known_host`, :data:`EXTRA_HOSTS`).

Pure functions: nothing here touches the network.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from urllib.parse import urlsplit

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasConfigError

REGIONS = {
    "us": {"v3": "https://api.us.nylas.com", "v2": "https://api.nylas.com"},
    "eu": {"v3": "https://api.eu.nylas.com", "v2": "https://ireland.api.nylas.com"},
}

# Other known Nylas hosts, used only to recognise which region (and API version) a host belongs to.
# Canada's v2 API maps to the v3 us region.
EXTRA_HOSTS = {"us": {"v2": ("canada.api.nylas.com",), "v3": ()}, "eu": {"v2": (), "v3": ()}}

CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def check_token(value, name, allow_colon=True):
    """Refuse an unusable credential or identifier.

    Args:
        value: the credential or identifier (an API key, a v2 client id or secret, a BasicV2 value).
        name: the option name used in messages (``api_key``, ``v2_client_secret``...).
        allow_colon: False to refuse ``:`` (a v2 client id, which is the user part of BasicV2).

    Returns:
        ``value`` unchanged.

    Raises:
        NylasConfigError: the value is missing, not a string, empty, blank, has surrounding
            whitespace, a control or non-ASCII character, or a refused ``:``. The message names
            ``name`` and the problem, never the value.
    """
    if value is None:
        raise NylasConfigError("%s is required" % name)
    if not isinstance(value, str):
        raise NylasConfigError("%s must be a string" % name)
    if value == "":
        raise NylasConfigError("%s is empty" % name)
    if value.strip() == "":
        raise NylasConfigError("%s contains only whitespace" % name)
    if value != value.strip():
        if value.rstrip(" \t") != value.rstrip():
            raise NylasConfigError(
                "%s ends with a newline (was it produced by 'echo' without '-n'?); remove it" % name
            )
        raise NylasConfigError("%s has leading or trailing whitespace; remove it" % name)
    if CONTROL_CHARS.search(value):
        raise NylasConfigError("%s contains a control character (newline, carriage return, tab...)" % name)
    try:
        value.encode("ascii")
    except UnicodeEncodeError:
        raise NylasConfigError("%s contains non-ASCII characters" % name) from None
    if not allow_colon and ":" in value:
        raise NylasConfigError("%s must not contain ':'" % name)
    return value


def build_basic_v2(client_id, client_secret):
    """Build the ``BasicV2`` header value: ``base64("<client_id>:<client_secret>")``.

    Used by :meth:`NylasV3Client.link_v2_app` (``POST /v3/migration-tools/link-v2v3-apps``).

    Args:
        client_id: the v2 application's client id.
        client_secret: the v2 application's client secret.

    Returns:
        The base64 string (ASCII, no trailing newline).

    Raises:
        NylasConfigError: a value is missing/empty, has surrounding whitespace (typically a trailing
            newline), contains a control or non-ASCII character, or ``client_id`` contains ``:``.
            The message names the field (``v2_client_id`` / ``v2_client_secret``) and the problem,
            never the value.
    """
    check_token(client_id, "v2_client_id", allow_colon=False)
    check_token(client_secret, "v2_client_secret")
    raw = ("%s:%s" % (client_id, client_secret)).encode("ascii")
    return base64.b64encode(raw).decode("ascii")


def is_loopback(host):
    """Return True when ``host`` (a name or an IP literal) is ``localhost`` or a loopback address."""
    host = host.lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def known_host(host):
    """Return ``(region, which)`` for a known Nylas API host (``which`` is ``v3`` or ``v2``), else None."""
    host = host.lower().rstrip(".")
    for region, urls in REGIONS.items():
        for which, url in urls.items():
            if urlsplit(url).hostname == host:
                return region, which
        for which, hosts in EXTRA_HOSTS.get(region, {}).items():
            if host in hosts:
                return region, which
    return None


def resolve_base_url(region, api_uri=None, which="v3"):
    """Return the base URL (no trailing slash) of the Nylas v3 or v2 API to talk to.

    Args:
        region: ``us`` or ``eu``; picks the default URL from :data:`REGIONS`.
        api_uri: optional override (simulator, proxy); ``None`` or ``""`` means the region default.
        which: ``v3`` or ``v2``.

    Returns:
        The URL, trailing slash(es) stripped.

    Raises:
        NylasConfigError: unknown region or ``which``; ``api_uri`` is not an absolute http(s) URL,
            carries user credentials, a query string or a fragment; it uses plain ``http://`` with a
            host that is not loopback (127.0.0.0/8, ::1, localhost); or its host is a known Nylas
            host of the other region (or of the other API version).
    """
    if which not in ("v3", "v2"):
        raise NylasConfigError("which must be 'v3' or 'v2'")
    if region not in REGIONS:
        raise NylasConfigError("region must be one of %s" % ", ".join(sorted(REGIONS)))
    option = "api_uri" if which == "v3" else "v2_api_uri"
    if api_uri is None or api_uri == "":
        return REGIONS[region][which]
    if not isinstance(api_uri, str):
        raise NylasConfigError("%s must be a string" % option)
    if api_uri != api_uri.strip() or CONTROL_CHARS.search(api_uri):
        raise NylasConfigError("%s has surrounding whitespace or a control character" % option)
    try:
        parts = urlsplit(api_uri)
        host = parts.hostname
        parts.port  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError:
        raise NylasConfigError("%s is not a valid URL" % option) from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https") or not host:
        raise NylasConfigError("%s must be an absolute http:// or https:// URL with a host" % option)
    if parts.username is not None or parts.password is not None:
        raise NylasConfigError("%s must not contain user credentials; use the credential options" % option)
    if parts.query or parts.fragment:
        raise NylasConfigError("%s must not contain a query string or fragment" % option)
    if scheme == "http" and not is_loopback(host):
        raise NylasConfigError(
            "%s uses plain http:// with host %s; Nylas requires https:// (http is only allowed for "
            "loopback hosts: 127.0.0.0/8, ::1, localhost)" % (option, host)
        )
    known = known_host(host)
    if known is not None:
        host_region, host_which = known
        if host_region != region:
            raise NylasConfigError(
                "%s host %s is the Nylas %s API of region '%s', but region is '%s'; regions are "
                "isolated, set region to '%s' or use the '%s' URL"
                % (option, host, host_which, host_region, region, host_region, region)
            )
        if host_which != which:
            raise NylasConfigError(
                "%s host %s is the Nylas %s API, not the %s API" % (option, host, host_which, which)
            )
    return api_uri.rstrip("/")


__all__ = ["EXTRA_HOSTS", "REGIONS", "build_basic_v2", "check_token", "is_loopback", "known_host", "resolve_base_url"]
