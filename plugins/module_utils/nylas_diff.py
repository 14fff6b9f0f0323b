# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# BSD 2-Clause License (see https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""Comparison and diff helpers shared by every planner: compare as the API means it. No I/O, no Ansible.

``normalize``, ``differs`` and ``diff_dicts`` treat ``None`` and an absent key alike, compare lists
declared as sets without order or repeats, and ignore fields the server adds (absent from the wanted
object). ``redact`` and ``MASK`` keep secrets out of every result and diff.
"""

from __future__ import annotations

import copy
import json

#: Mask shown in diffs instead of a secret value.
MASK = "********"

#: Lists compared as sets, wherever they appear (connector scopes, destination triggers and emails).
SET_KEYS = ("scope", "trigger_types", "notification_email_addresses")


def _sort_key(value):
    return json.dumps(value, sort_keys=True, default=str)


def normalize(value, set_keys=()):
    """Return ``value`` in a canonical form for comparison.

    Dictionary entries whose value is ``None`` are dropped (null == absent), recursively. Lists under a
    key named in ``set_keys`` are de-duplicated and sorted (compared as sets); other lists keep order.
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is None:
                continue
            item = normalize(item, set_keys)
            if key in set_keys and isinstance(item, list):
                item = sorted({_sort_key(i): i for i in item}.values(), key=_sort_key)
            out[key] = item
        return out
    if isinstance(value, (list, tuple)):
        return [normalize(item, set_keys) for item in value]
    return value


def differs(current, wanted, set_keys=()):
    """Return the sorted keys of ``wanted`` whose value differs from ``current``.

    Keys of ``current`` that ``wanted`` does not name (fields the server adds) are ignored; a wanted
    ``None`` means "not managed". Nested dictionaries are compared the same way, recursively.
    """
    current = normalize(current or {}, set_keys)
    wanted = normalize(wanted or {}, set_keys)
    changed = []
    for key, value in wanted.items():
        have = current.get(key)
        if isinstance(value, dict) and isinstance(have, dict):
            if differs(have, value, set_keys):
                changed.append(key)
        elif have != value:
            changed.append(key)
    return sorted(changed)


def _mask(key, value, secret_keys):
    if key in secret_keys and value is not None:
        return MASK
    return value


def diff_dicts(before, after, secret_keys=()):
    """Return an Ansible ``diff`` (``{'before': {...}, 'after': {...}}``) with only the changed keys.

    ``None`` and absent are equal. Values of keys in ``secret_keys`` are shown as ``********``.
    """
    before = normalize(before or {})
    after = normalize(after or {})
    out_before, out_after = {}, {}
    for key in sorted(set(before) | set(after)):
        if before.get(key) == after.get(key):
            continue
        if key in before:
            out_before[key] = _mask(key, before[key], secret_keys)
        if key in after:
            out_after[key] = _mask(key, after[key], secret_keys)
    return {"before": out_before, "after": out_after}


#: Keys whose values are masked by ``redact`` wherever they appear (connector settings and the like).
SECRET_KEYS = ("client_secret", "secret", "password", "private_key", "refresh_token", "access_token",
               "webhook_secret", "api_key")


def redact(value, secret_keys=SECRET_KEYS):
    """Return a copy of ``value`` with the values of ``secret_keys`` replaced by ``********``, recursively."""
    if isinstance(value, dict):
        return {k: (MASK if k in secret_keys and v is not None else redact(v, secret_keys)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(item, secret_keys) for item in value]
    return value


def with_empty_defaults(current, wanted):
    """Return a copy of ``current`` where a field absent or ``None`` takes the wanted "empty" value.

    The API omits empty fields or returns them empty (``[]``, ``""``, ``false``) depending on the
    object; a wanted empty list, empty string or ``false`` therefore equals an absent field.
    """
    out = dict(current or {})
    for key, value in (wanted or {}).items():
        if out.get(key) is None and (value == [] or value == "" or value is False):
            out[key] = copy.deepcopy(value)
    return out


def plan_diff(plan, secret_keys=()):
    """Return the Ansible ``diff`` of a plan (its ``before``/``after`` views; ``secret_keys`` masked)."""
    return diff_dicts(plan.get("before"), plan.get("after"), secret_keys=secret_keys)
