# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of nylas.migration.nylas_role_vars (documentation: plugins/modules/nylas_role_vars.py).

Runs on the controller: checks the host's ``nylas_*`` variables against the role's
``meta/argument_specs.yml`` and fails with one short message per problem, before ansible-core's own
role argument validation (which prints the whole argument spec, ~11 KB per host). The decisions are
the pure functions of ``module_utils/nylas_role_vars.py``.
"""

from __future__ import annotations

import os

import yaml

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.nylas.migration.plugins.module_utils.nylas_role_vars import (
    VARIABLE_PREFIX,
    check_variables,
    problems_message,
)

ARGUMENT_SPEC = dict(
    entry_point=dict(type="str", default="main"),
    role=dict(type="str", default="migrate"),
)


def role_argument_specs(role):
    """The ``argument_specs`` of a role of this collection (its ``meta/argument_specs.yml``)."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "roles", role, "meta", "argument_specs.yml")
    try:
        with open(path, "r", encoding="utf-8") as handle:
            return (yaml.safe_load(handle) or {}).get("argument_specs") or {}
    except (OSError, yaml.YAMLError) as e:
        raise AnsibleActionFail("cannot read the argument specs of the role %s: %s" % (role, e))


class ActionModule(ActionBase):
    """Check the host's role variables; fail with a compact message."""

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        """Return ``{changed: false, checked: <number of variables>}``, or a failure naming each problem."""
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        specs = role_argument_specs(args["role"])
        if args["entry_point"] not in specs:
            raise AnsibleActionFail("the role %s has no entry point %s" % (args["role"], args["entry_point"]))
        names = sorted(n for n in task_vars if n.startswith(VARIABLE_PREFIX))
        values = {}
        for name in names:
            try:
                values[name] = self._templar.template(task_vars[name])
            except AnsibleError as e:  # a variable that cannot be templated is a problem to report
                values[name] = e
        problems = check_variables(values, specs, args["entry_point"])
        host = task_vars.get("inventory_hostname", "")
        result.update(changed=False, checked=len(names))
        if problems:
            result.update(failed=True, problems=[p["name"] for p in problems],
                          msg=problems_message(host, args["role"], args["entry_point"], problems))
        return result
