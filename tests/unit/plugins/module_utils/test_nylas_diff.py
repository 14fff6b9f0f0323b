# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the comparison and diff helpers (plugins/module_utils/nylas_diff.py)."""

from __future__ import annotations

from ansible_collections.nylas.migration.plugins.module_utils.nylas_diff import (
    MASK,
    diff_dicts,
    differs,
    normalize,
    redact,
    with_empty_defaults,
)


def test_normalize_drops_none_recursively():
    assert normalize({"a": None, "b": {"c": None, "d": 1}, "e": [{"f": None}]}) == {"b": {"d": 1}, "e": [{}]}


def test_normalize_sets_only_where_declared():
    value = {"trigger_types": ["b", "a", "b"], "order": ["b", "a"]}
    assert normalize(value, set_keys=("trigger_types",)) == {"trigger_types": ["a", "b"], "order": ["b", "a"]}


def test_differs_ignores_server_fields_and_null():
    current = {"id": "w1", "url": "https://x", "trigger_types": ["a", "b"], "description": None}
    assert differs(current, {"url": "https://x", "trigger_types": ["b", "a"]}, set_keys=("trigger_types",)) == []
    assert differs(current, {"url": "https://x", "description": None}) == []
    assert differs(current, {"url": "https://y", "description": "d"}) == ["description", "url"]
    assert differs({"settings": {"a": 1, "b": 2}}, {"settings": {"a": 1}}) == []
    assert differs({"settings": {"a": 1}}, {"settings": {"a": 2}}) == ["settings"]
    assert differs(None, {"a": 1}) == ["a"]


def test_diff_dicts_only_changed_keys_and_masks():
    before = {"a": 1, "b": 2, "secret": "old", "gone": "x", "none": None}
    after = {"a": 1, "b": 3, "secret": "new", "new": "y"}
    assert diff_dicts(before, after, secret_keys=("secret",)) == {
        "before": {"b": 2, "secret": MASK, "gone": "x"},
        "after": {"b": 3, "secret": MASK, "new": "y"},
    }
    assert diff_dicts({"a": None}, {}) == {"before": {}, "after": {}}
    assert diff_dicts(None, None) == {"before": {}, "after": {}}


def test_redact():
    value = [{"provider": "google", "settings": {"client_id": "id", "client_secret": "s"}, "password": None}]
    assert redact(value) == [{"provider": "google", "settings": {"client_id": "id", "client_secret": MASK},
                              "password": None}]
    assert redact({"token": "t"}, secret_keys=("token",)) == {"token": MASK}


def test_with_empty_defaults_only_fills_wanted_empties():
    current = {"a": None, "c": 1}
    out = with_empty_defaults(current, {"a": [], "b": "", "c": [], "d": False, "e": "x"})
    assert out == {"a": [], "b": "", "c": 1, "d": False}
    assert current == {"a": None, "c": 1}
