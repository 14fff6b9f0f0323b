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
import unicodedata
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

# How a character that should not be in a credential is named in a message (the value is never shown).
_CHAR_NAMES = {
    "\n": "a newline",
    "\r": "a carriage return (\\r)",
    "\t": "a tab",
    " ": "a space",
    "\u00a0": "a non-breaking space (U+00A0)",
    "\u200b": "a zero-width space (U+200B)",
    "\u200c": "a zero-width non-joiner (U+200C)",
    "\u200d": "a zero-width joiner (U+200D)",
    "\u2060": "a word joiner (U+2060)",
    "\ufeff": "a byte order mark (U+FEFF, zero-width no-break space)",
}
_ECHO_HINT = " (was it produced by 'echo' without '-n'?)"


def describe_char(char):
    """Name one character for a message without showing it.

    Args:
        char: a one-character string.

    Returns:
        A name such as ``a newline``, ``a non-breaking space (U+00A0)``, ``U+2003 (EM SPACE)``, or
        the bare code point (``U+001F``) for a character without a Unicode name.
    """
    if char in _CHAR_NAMES:
        return _CHAR_NAMES[char]
    name = unicodedata.name(char, "")
    return "U+%04X (%s)" % (ord(char), name) if name else "U+%04X" % ord(char)


def _kind(char, inside=False):
    """``whitespace``, ``a control character``, ``an invisible character``, or None for a visible one.

    At an edge a newline or tab is whitespace; ``inside`` the value it is a control character.
    """
    category = unicodedata.category(char)
    if category == "Cc" and (inside or char not in "\t\n\r\x0b\x0c"):
        return "a control character"
    if char.isspace():
        return "whitespace"
    if category in ("Cf", "Zs", "Zl", "Zp"):
        return "an invisible character"
    return None


def token_problem(value):
    """Say what is wrong with the whitespace or invisible characters of a credential, if anything.

    Looks, in this order, at: a value made only of such characters; the first character; the last
    character (a final ``\\r\\n`` is named as a Windows line ending, a final newline gets the
    ``echo -n`` hint); then any control character, or any whitespace or invisible character other than
    an ASCII space, inside the value. Other non-ASCII characters are left to the caller.

    Args:
        value: a non-empty string.

    Returns:
        None when there is no such problem, else the end of a message (to follow the option name),
        e.g. ``ends with whitespace: a non-breaking space (U+00A0); remove it``. It names the
        character and where it is, never the value.
    """
    if all(_kind(char) for char in value):
        return "contains only whitespace or invisible characters"
    for where, char in (("starts with", value[0]), ("ends with", value[-1])):
        kind = _kind(char)
        if kind is None:
            continue
        described = describe_char(char)
        if where == "ends with" and value.endswith("\r\n"):
            described = "a carriage return + newline (a Windows line ending)"
        elif where == "ends with" and char == "\n":
            described += _ECHO_HINT
        return "%s %s: %s; remove it" % (where, kind, described)
    for char in value:
        kind = _kind(char, inside=True)
        if kind is not None and char != " ":
            return "contains %s inside the value: %s; remove it" % (kind, describe_char(char))
    return None


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
            ``name``, the problem and, for whitespace, control and invisible characters, which one
            and where (:func:`token_problem`), never the value.
    """
    if value is None:
        raise NylasConfigError("%s is required" % name)
    if not isinstance(value, str):
        raise NylasConfigError("%s must be a string" % name)
    if value == "":
        raise NylasConfigError("%s is empty" % name)
    problem = token_problem(value)
    if problem:
        raise NylasConfigError("%s %s" % (name, problem))
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


__all__ = [
    "EXTRA_HOSTS",
    "REGIONS",
    "build_basic_v2",
    "check_token",
    "describe_char",
    "is_loopback",
    "known_host",
    "resolve_base_url",
    "token_problem",
]
