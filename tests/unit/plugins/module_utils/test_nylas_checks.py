# -*- coding: utf-8 -*-
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
"""Unit tests of the credential and URL checks (plugins/module_utils/nylas_checks.py)."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.nylas.migration.plugins.module_utils.nylas_checks import (
    build_basic_v2,
    check_token,
    describe_char,
    resolve_base_url,
)
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasConfigError


def test_build_basic_v2_ok():
    assert base64.b64decode(build_basic_v2("id1", "s3cr:et")).decode() == "id1:s3cr:et"


@pytest.mark.parametrize("client_id,secret,field,fragment", [
    ("", "SECRETVALUE", "v2_client_id", "empty"),
    (None, "SECRETVALUE", "v2_client_id", "required"),
    ("IDVALUE", "", "v2_client_secret", "empty"),
    ("IDVALUE", "   ", "v2_client_secret", "whitespace"),
    ("IDVALUE", "SECRETVALUE\n", "v2_client_secret", "newline"),
    ("IDVALUE", "SECRETVALUE\r\n", "v2_client_secret", "newline"),
    ("IDVALUE", " SECRETVALUE", "v2_client_secret", "whitespace"),
    ("IDVALUE ", "SECRETVALUE", "v2_client_id", "whitespace"),
    ("IDVALUE", "SECRET\nVALUE", "v2_client_secret", "control character"),
    ("IDVALUE", "SECRET\tVALUE", "v2_client_secret", "control character"),
    ("IDVALUE", "SECRETVALUÉ", "v2_client_secret", "non-ASCII"),
    ("IDVALUÉ", "SECRETVALUE", "v2_client_id", "non-ASCII"),
    ("ID:VALUE", "SECRETVALUE", "v2_client_id", "':'"),
])
def test_build_basic_v2_refuses(client_id, secret, field, fragment):
    with pytest.raises(NylasConfigError) as info:
        build_basic_v2(client_id, secret)
    message = str(info.value)
    assert field in message and fragment in message
    assert "SECRET" not in message and "VALU" not in message


def test_resolve_defaults():
    assert resolve_base_url("us") == "https://api.us.nylas.com"
    assert resolve_base_url("eu") == "https://api.eu.nylas.com"
    assert resolve_base_url("us", which="v2") == "https://api.nylas.com"
    assert resolve_base_url("eu", which="v2") == "https://ireland.api.nylas.com"
    assert resolve_base_url("eu", api_uri="") == "https://api.eu.nylas.com"


@pytest.mark.parametrize("uri,expected", [
    ("https://proxy.example.com/nylas/", "https://proxy.example.com/nylas"),
    ("https://api.us.nylas.com/", "https://api.us.nylas.com"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
    ("http://127.9.9.9:5000//", "http://127.9.9.9:5000"),
    ("http://localhost:8080/", "http://localhost:8080"),
    ("http://[::1]:8080", "http://[::1]:8080"),
])
def test_resolve_overrides(uri, expected):
    assert resolve_base_url("us", api_uri=uri) == expected


@pytest.mark.parametrize("uri", ["http://api.us.nylas.com", "http://10.0.0.5:8080", "http://sim.internal",
                                 "http://128.0.0.1"])
def test_resolve_refuses_plain_http(uri):
    with pytest.raises(NylasConfigError) as info:
        resolve_base_url("us", api_uri=uri)
    assert "http" in str(info.value) and "loopback" in str(info.value)


def test_resolve_refuses_other_region():
    with pytest.raises(NylasConfigError) as info:
        resolve_base_url("us", api_uri="https://api.eu.nylas.com")
    assert "'eu'" in str(info.value) and "'us'" in str(info.value)
    with pytest.raises(NylasConfigError) as info:
        resolve_base_url("eu", api_uri="https://api.nylas.com/", which="v2")
    assert "'eu'" in str(info.value) and "'us'" in str(info.value)
    with pytest.raises(NylasConfigError):
        resolve_base_url("eu", api_uri="https://canada.api.nylas.com", which="v2")
    assert resolve_base_url("us", api_uri="https://canada.api.nylas.com", which="v2") == "https://canada.api.nylas.com"


@pytest.mark.parametrize("region,uri", [
    ("mars", None), (None, None), ("us", "ftp://x.example.com"), ("us", "api.us.nylas.com"),
    ("us", "https://user:pw@proxy.example.com"), ("us", "https://proxy.example.com/?key=1"),
    ("us", "https://api.nylas.com"),  # the v2 host given as the v3 URL
])
def test_resolve_refuses_bad_input(region, uri):
    with pytest.raises(NylasConfigError) as info:
        resolve_base_url(region, api_uri=uri)
    assert "pw" not in str(info.value) and "key=1" not in str(info.value)


# Each problem character named exactly, where it is, without showing the value.
@pytest.mark.parametrize("value,fragments", [
    ("SECRETVALUE\n", ("ends with whitespace: a newline", "'echo' without '-n'")),
    ("SECRETVALUE\r\n", ("ends with whitespace: a carriage return + newline", "Windows")),
    ("SECRETVALUE\r", ("ends with whitespace: a carriage return (\\r)",)),
    ("SECRETVALUE\t", ("ends with whitespace: a tab",)),
    ("SECRETVALUE ", ("ends with whitespace: a space",)),
    (" SECRETVALUE", ("starts with whitespace: a space",)),
    ("SECRETVALUE\u00a0", ("ends with whitespace: a non-breaking space (U+00A0)",)),
    ("\u00a0SECRETVALUE", ("starts with whitespace: a non-breaking space (U+00A0)",)),
    ("SECRETVALUE\u2003", ("ends with whitespace: U+2003 (EM SPACE)",)),
    ("SECRETVALUE\u200b", ("ends with an invisible character: a zero-width space (U+200B)",)),
    ("\ufeffSECRETVALUE", ("starts with an invisible character: a byte order mark", "U+FEFF")),
    ("SECRETVALUE\x00", ("ends with a control character: U+0000",)),
    ("SECRET\nVALUE", ("contains a control character inside the value: a newline",)),
    ("SECRET\x7fVALUE", ("contains a control character inside the value: U+007F",)),
    ("SECRET\u00a0VALUE", ("contains whitespace inside the value: a non-breaking space (U+00A0)",)),
    ("SECRET\u200bVALUE", ("contains an invisible character inside the value: a zero-width space (U+200B)",)),
    ("SECRETVALUÉ", ("contains non-ASCII characters",)),
])
def test_check_token_names_the_character(value, fragments):
    with pytest.raises(NylasConfigError) as info:
        check_token(value, "api_key")
    message = str(info.value)
    assert message.startswith("api_key ")
    for fragment in fragments:
        assert fragment in message
    if "\n" not in value:
        assert "newline" not in message and "echo" not in message
    assert "SECRET" not in message and "VALU" not in message


@pytest.mark.parametrize("value", ["   ", "\n", "\u00a0\u200b"])
def test_check_token_only_blank(value):
    with pytest.raises(NylasConfigError) as info:
        check_token(value, "v2_client_secret")
    assert str(info.value) == "v2_client_secret contains only whitespace or invisible characters"


def test_check_token_accepts_inner_space_and_returns_value():
    assert check_token("abc def", "api_key") == "abc def"  # as before: only the edges are refused


@pytest.mark.parametrize("char,expected", [
    ("\n", "a newline"),
    ("\u00a0", "a non-breaking space (U+00A0)"),
    ("\u3000", "U+3000 (IDEOGRAPHIC SPACE)"),
    ("\x1f", "U+001F"),
])
def test_describe_char(char, expected):
    assert describe_char(char) == expected
