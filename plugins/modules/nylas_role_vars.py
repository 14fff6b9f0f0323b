#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The documentation of an action plugin (plugins/action/nylas_role_vars.py); there is no module to run.

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_role_vars
short_description: Check a host's nylas_ variables against the role's argument specs, in one short message
version_added: 0.2.0
description:
  - Checks every variable of the host whose name starts with C(nylas_) against C(meta/argument_specs.yml) of a role
    of this collection. A name no entry point knows is a problem, said with the nearest valid name. A value that
    does not fit its option (type, elements, choices, suboptions) is a problem too, checked with ansible-core's own
    argument spec validator, so by the same rules as the role's automatic validation.
  - Fails with one message naming each variable, what was expected and what was given, in a few hundred bytes
    per host. ansible-core's automatic validation of the role prints the whole argument spec (about 11 KB per
    host); the playbooks of this collection run this check first, in C(pre_tasks).
  - A secret option (C(no_log)) is named with the type expected and the type given, never its value.
  - A null value is taken as not set (the role's defaults use null for that); a missing required variable is
    left to the role.
  - An action plugin, run on the controller; it sends no request.
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  entry_point:
    description:
      - The entry point of the role whose options decide the types (the other entry points' names are known too).
    type: str
    default: main
  role:
    description:
      - The role of this collection whose C(meta/argument_specs.yml) is read.
    type: str
    default: migrate
attributes:
  action:
    description: Runs on the controller.
    support: full
  async:
    description: Not supported.
    support: none
  check_mode:
    description: It only reads variables; the same in check mode.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
seealso:
  - module: ansible.builtin.validate_argument_spec
"""

EXAMPLES = r"""
- name: Migrate each application pair
  hosts: nylas_apps
  gather_facts: false
  pre_tasks:
    - name: The nylas_ variables, checked in one short message per host
      nylas.migration.nylas_role_vars:
        entry_point: main
  roles:
    - role: nylas.migration.migrate
"""

RETURN = r"""
checked:
  description: How many C(nylas_) variables were checked (given ones and the role's defaults).
  type: int
  returned: always
  sample: 49
problems:
  description: The names of the variables with a problem (the message says which).
  type: list
  elements: str
  returned: on failure
  sample: ["nylas_batch_clone_wait_timout"]
"""
