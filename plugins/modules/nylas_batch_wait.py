#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# The documentation of an action plugin (plugins/action/nylas_batch_wait.py); there is no module to run.

from __future__ import annotations

DOCUMENTATION = r"""
module: nylas_batch_wait
short_description: Wait for a batch clone running in the background and show its progress
version_added: 0.2.0
description:
  - Waits for a M(nylas.migration.nylas_batch_clone) task started with C(async) and C(poll) set to C(0) (the pattern that
    starts every pair's batch clone before any pair is waited on), and returns that module's result, as
    M(ansible.builtin.async_status) would once the job ended.
  - While it waits it prints, per pair, a progress line at most every O(progress_interval) seconds. The accounts
    done and the total, the percent, the rate (accounts per second) and an ETA, with each figure shown only when
    known. The counts come from the progress file the batch clone module writes at each read of its jobs
    (its O(nylas.migration.nylas_batch_clone#module:progress_path)), so the progress costs no request to Nylas.
  - The lines go through Ansible's display, so C(ansible-playbook) prints them and ansible-runner (AWX, Automation
    Controller) records them as C(verbose) events of the job; no callback plugin is needed. No line says FAILED
    while the job is healthy, unlike an M(ansible.builtin.async_status) retry loop.
  - When nothing moved (the accounts done and the jobs' statuses) for O(stall_timeout) seconds, it warns that the
    batch clone stalled, and goes on waiting. It does not fail the task for that. A Nylas job may resume, and
    the batch clone module's own C(wait_timeout) ends the wait with the job ids if it does not.
  - An action plugin, run on the controller. It polls with the C(async_status) module, and removes the job's
    status file (O(cleanup)) and the progress file once the job ended.
author:
  - nylas.migration maintainers (@nylas-migration)
options:
  jid:
    description:
      - The job id of the background task (C(ansible_job_id) of the task started with C(async) and C(poll) set to C(0)).
    type: str
    required: true
  progress_path:
    description:
      - The progress file the batch clone module writes (its O(nylas.migration.nylas_batch_clone#module:progress_path)).
      - Read on the controller with a local connection (as the C(nylas.migration.migrate) role runs every pair), with
        M(ansible.builtin.slurp) otherwise.
      - When not set, or not written yet, the lines only say that the batch clone is still running.
    type: path
  label:
    description:
      - The pair's name at the start of each line (default the inventory host name).
    type: str
  progress_interval:
    description:
      - Seconds between two progress lines of the pair, at most one line per interval. More than 0.
    type: float
    default: 30
  stall_timeout:
    description:
      - Seconds without progress after which the batch clone is said to be stalled (a warning, once per stall).
      - V(0) never says so.
    type: float
    default: 900
  poll_interval:
    description:
      - Seconds between two reads of the job's status (C(async_status)) and of the progress file, at least 0.5.
        The reads are local; they make no request to Nylas. The shorter of this and O(progress_interval) is used.
    type: float
    default: 5
  timeout:
    description:
      - Give up waiting after this many seconds; the task then fails, and the job goes on in the background
        (and its jobs at Nylas too; a re-run of the batch clone attaches to them).
      - V(0) waits as long as the job lives, and the C(async) limit of the task that started it ends it.
    type: int
    default: 0
  cleanup:
    description:
      - Remove the job's status file (under C(~/.ansible_async)) once the job ended.
    type: bool
    default: true
attributes:
  action:
    description: Runs on the controller; it runs the C(async_status) module on the host.
    support: full
  async:
    description: It waits for a background task; it cannot itself run in the background.
    support: none
  check_mode:
    description: It only reads (the job's status and the progress file), in check mode as in a real run.
    support: full
  diff_mode:
    description: Returns the diff of the batch clone module's result, when it has one.
    support: none
seealso:
  - module: nylas.migration.nylas_batch_clone
  - module: ansible.builtin.async_status
"""

EXAMPLES = r"""
- name: Start the batch clone of every pair in the background
  nylas.migration.nylas_batch_clone:
    progress_path: "{{ playbook_dir }}/progress-{{ inventory_hostname }}.json"
    label: "{{ inventory_hostname }}"
  async: 4200
  poll: 0
  register: batch_started

- name: Wait for each pair's batch clone, a progress line every 30 seconds
  nylas.migration.nylas_batch_wait:
    jid: "{{ batch_started.ansible_job_id }}"
    progress_path: "{{ playbook_dir }}/progress-{{ inventory_hostname }}.json"
    progress_interval: 30
    stall_timeout: 900
  register: batch
"""

RETURN = r"""
finished:
  description: Whether the job ended (always true unless O(timeout) passed).
  type: bool
  returned: always
  sample: true
ansible_job_id:
  description: The job id waited for.
  type: str
  returned: always
  sample: "j496553429196.12345"
counts:
  description:
    - The batch clone module's result, as it returned it; C(counts) is one of its keys, with C(all), C(success),
      C(failed) and C(warning). See the RETURN of M(nylas.migration.nylas_batch_clone) for all the others
      (C(action), C(outcome), C(clone_job), C(batches), C(reauth_required), C(report), ...).
  type: dict
  returned: when the job ended and the batch clone module returned them
  sample: {"all": 1192, "success": 987, "failed": 8, "warning": 197}
warnings:
  description:
    - The batch clone module's warnings, and one line per stall that ended (the job moved on after it).
  type: list
  elements: str
  returned: when there are
  sample: ["acme: the batch clone made no progress for 960 seconds, then moved on"]
"""
