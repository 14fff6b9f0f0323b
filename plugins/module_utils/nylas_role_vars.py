# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The check of a host's role variables against the role's argument specs, said in one screen.

Pure functions (no I/O): :func:`check_variables` takes the given ``nylas_*`` values and the role's
``argument_specs`` and returns one problem per variable: an unknown name (with the nearest valid one,
by :mod:`difflib`) or a value that does not fit its spec (checked with ansible-core's own
``ArgumentSpecValidator``, so the same rules as the role's automatic validation). A secret option
(``no_log``) is named with its expected type, never its value. :func:`problems_message` makes the
one message of the failure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

#: The names reserved for the role's variables.
VARIABLE_PREFIX = "nylas_"

#: Keys of a role argument spec option that are documentation, not validation.
_DOC_KEYS = ("description", "version_added", "default", "short_description", "notes")

#: Characters of a given value shown at most, and of an error text.
VALUE_CHARS = 80
ERROR_CHARS = 200


def module_spec(option, top=True):
    """A role argument spec option as an ``ArgumentSpecValidator`` spec (documentation keys left out).

    At the top level ``required`` is left out too: only the variables given are checked here (a missing
    required one is left to the role's own validation).
    """
    spec = {}
    for key, value in option.items():
        if key in _DOC_KEYS or (top and key == "required"):
            continue
        if key == "options":
            spec["options"] = dict((name, module_spec(sub, top=False)) for name, sub in (value or {}).items())
        else:
            spec[key] = value
    return spec


def known_options(specs, entry_point):
    """``{name: option}`` of every entry point, the options of ``entry_point`` winning."""
    options = {}
    for name, spec in specs.items():
        if name != entry_point:
            options.update((spec or {}).get("options") or {})
    options.update((specs.get(entry_point) or {}).get("options") or {})
    return options


def expected_text(option):
    """What an option expects, in a few words: ``int``, ``list of str``, ``str, one of a, b``."""
    text = option.get("type", "str")
    if option.get("elements"):
        text += " of " + option["elements"]
    if option.get("choices"):
        choices = [str(c) for c in option["choices"]]
        text += ", one of " + ", ".join(choices[:8]) + (", ..." if len(choices) > 8 else "")
    return text


def given_text(value, secret):
    """The given value as shown: its Python type, and (unless ``secret``) a short repr of it."""
    kind = plain_type(value)
    if secret:
        return "a %s (value hidden: a secret)" % kind
    text = repr(value)
    if len(text) > VALUE_CHARS:
        text = text[:VALUE_CHARS - 3] + "..."
    return "%s (%s)" % (text, kind)


def plain_type(value):
    """The YAML-ish type name of a value (``str``, ``int``, ``float``, ``bool``, ``list``, ``dict``, ``null``)."""
    for kind, name in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str"), (dict, "dict"),
                       (list, "list"), (tuple, "list")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def nearest_name(name, known):
    """The valid name nearest to ``name`` (difflib), or None when none is near."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return close[0] if close else None


def check_variables(values, specs, entry_point):
    """The problems of the given variables, one dict per variable with a problem, in name order.

    Args:
        values: ``{name: value}`` of the host's ``nylas_*`` variables (templated); a value that is an
            exception is a variable that could not be templated.
        specs: the role's ``argument_specs`` (``{entry point: {options: ...}}``).
        entry_point: the entry point whose options decide the types.

    Returns a list of ``{"name", "kind" ("unknown", "invalid" or "template"), "text"}``.
    """
    options = known_options(specs, entry_point)
    problems = []
    for name in sorted(values):
        value = values[name]
        option = options.get(name)
        if option is None:
            near = nearest_name(name, options)
            text = "%s: unknown variable%s" % (name, "; did you mean %s?" % near if near else "")
            problems.append(dict(name=name, kind="unknown", text=text))
            continue
        secret = bool(option.get("no_log"))
        if isinstance(value, Exception):
            problems.append(dict(name=name, kind="template", text="%s: cannot be templated: %s" % (
                name, "(hidden: a secret)" if secret else str(value)[:ERROR_CHARS])))
            continue
        if value is None:
            continue  # null is the role's "not set" for every optional variable
        result = ArgumentSpecValidator({name: module_spec(option)}).validate({name: value})
        if result.error_messages:
            errors = "; ".join(result.error_messages)
            # a type error says no more than expected/given; other errors (choices, suboptions) are kept
            detail = "" if secret or "unable to convert" in errors else ": " + errors[:ERROR_CHARS]
            text = "%s: expected %s, given %s%s" % (name, expected_text(option), given_text(value, secret), detail)
            problems.append(dict(name=name, kind="invalid", text=text))
    return problems


def problems_message(host, role, entry_point, problems):
    """The one failure message of a host's problems (each on its own ``; ``-separated clause)."""
    return "%s: %d role variable problem(s) (role %s, entry point %s): %s. The variables and their types: " \
        "ansible-doc -t role nylas.migration.%s -e %s" % (
            host, len(problems), role, entry_point, "; ".join(p["text"] for p in problems), role, entry_point)
