# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of nylas.migration.nylas_batch_wait (documentation: plugins/modules/nylas_batch_wait.py).

Runs on the controller: polls ``async_status`` for a batch clone started with ``async``/``poll: 0``,
reads the progress file that module writes while it waits, and prints the pair's progress lines
through Ansible's display (shown by ``ansible-playbook`` and, as ``verbose`` events, by
ansible-runner/AWX). Returns the batch clone module's result. The decisions (when to print, rate,
ETA, stall, the text) are the pure functions of ``module_utils/nylas_progress.py``.
"""

from __future__ import annotations

import base64
import json
import os
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.nylas.migration.plugins.module_utils.nylas_progress import (
    final_line,
    line_due,
    observe,
    progress_key,
    progress_line,
    rate_per_second,
    stall_line,
    stalled_for,
)

display = Display()

ARGUMENT_SPEC = dict(
    jid=dict(type="str", required=True),
    progress_path=dict(type="path"),
    label=dict(type="str"),
    progress_interval=dict(type="float", default=30.0),
    stall_timeout=dict(type="float", default=900.0),
    poll_interval=dict(type="float", default=5.0),
    timeout=dict(type="int", default=0),
    cleanup=dict(type="bool", default=True),
)

MIN_POLL_INTERVAL = 0.5


def option_problems(args):
    """The problems of the numeric options, as messages (empty when there are none)."""
    problems = []
    if args["progress_interval"] <= 0:
        problems.append("progress_interval must be more than 0 seconds")
    if args["poll_interval"] < MIN_POLL_INTERVAL:
        problems.append("poll_interval must be at least %s seconds" % MIN_POLL_INTERVAL)
    if args["timeout"] < 0:
        problems.append("timeout must be 0 or more seconds")
    return problems


def job_ended(status):
    """Whether an ``async_status`` result says the job ended (as ansible-core's own async poll decides)."""
    return bool(status.get("finished")) or bool(status.get("failed") and status.get("_ansible_parsed", True)) \
        or bool(status.get("skipped"))


class ActionModule(ActionBase):
    """Wait for a background batch clone, printing its progress; return its result."""

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        """Poll until the job ends (or ``timeout``); return the batch clone module's result."""
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        problems = option_problems(args)
        if problems:
            raise AnsibleActionFail("; ".join(problems))
        label = args["label"] or task_vars.get("inventory_hostname") or "batch clone"
        async_dir = self._remote_expand_user(self.get_shell_option("async_dir", default="~/.ansible_async"))
        try:
            status, stalls = self._wait(args, label, async_dir, task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        if status is None:
            result.update(failed=True, ansible_job_id=args["jid"], finished=False, msg=(
                "%s: the batch clone was still running after %d seconds (job %s); it goes on in the background "
                "and its jobs at Nylas too: a re-run attaches to them" % (label, args["timeout"], args["jid"])))
            return result
        result = merge_hash(result, status)
        if stalls:
            result.setdefault("warnings", [])
            result["warnings"] = list(result["warnings"]) + stalls
        return result

    # -- the loop ---------------------------------------------------------------------------------

    def _wait(self, args, label, async_dir, task_vars):
        """Poll; return ``(async_status result once the job ended, stall notes)``, or ``(None, notes)`` on timeout."""
        clock = time.monotonic
        started = clock()
        tick = min(args["poll_interval"], args["progress_interval"])
        history, last_key, last_change, last_printed, stall_said, stalls = [], None, started, None, False, []
        while True:
            status = self._async_status(args["jid"], "status", async_dir, task_vars)
            now = clock()
            if job_ended(status):
                if not status.get("failed") and last_printed is not None:
                    display.display(final_line(label, status, now - started))
                if args["cleanup"]:
                    self._async_status(args["jid"], "cleanup", async_dir, task_vars)
                self._remove_progress(args["progress_path"], task_vars)
                return status, stalls
            document = self._read_progress(args["progress_path"], task_vars)
            key = progress_key(document)
            if key != last_key:
                if stall_said:
                    stalls.append("%s: the batch clone made no progress for %d seconds, then moved on"
                                  % (label, int(now - last_change)))
                last_key, last_change, stall_said = key, now, False
            history = observe(history, document)
            if line_due(now, started, last_printed, document is not None, args["progress_interval"]):
                display.display(progress_line(label, document, rate_per_second(history), now - started))
                last_printed = now
            quiet = stalled_for(now, last_change, args["stall_timeout"])
            if quiet is not None and not stall_said:
                display.warning(stall_line(label, document, quiet))
                stall_said = True
            if args["timeout"] and now - started >= args["timeout"]:
                if stall_said:
                    stalls.append(stall_line(label, document, now - last_change))
                return None, stalls
            time.sleep(tick)

    # -- reads ------------------------------------------------------------------------------------

    def _async_status(self, jid, mode, async_dir, task_vars):
        """The ``async_status`` module's result for ``jid`` (as ``ansible.builtin.async_status`` returns it)."""
        base = dict(started=True, finished=False, ansible_job_id=jid, stdout="", stderr="", stdout_lines=[], stderr_lines=[])
        module_result = self._execute_module(module_name="ansible.legacy.async_status", task_vars=task_vars,
                                             module_args=dict(jid=jid, mode=mode, _async_dir=async_dir))
        return merge_hash(base, module_result)

    def _is_local(self):
        """Whether the host's connection is the controller itself (the role runs every pair so)."""
        return getattr(self._connection, "transport", None) == "local"

    def _read_progress(self, path, task_vars):
        """The progress document at ``path`` (a dict), or None when absent, partial or unreadable.

        Read on the controller with a local connection, through ``ansible.builtin.slurp`` otherwise.
        """
        if not path:
            return None
        try:
            if self._is_local():
                with open(path, "r", encoding="utf-8") as handle:
                    document = json.load(handle)
            else:
                slurped = self._execute_module(module_name="ansible.legacy.slurp", module_args=dict(src=path),
                                               task_vars=task_vars)
                if slurped.get("failed") or "content" not in slurped:
                    return None
                document = json.loads(base64.b64decode(slurped["content"]).decode("utf-8"))
        except (OSError, ValueError):
            return None
        return document if isinstance(document, dict) else None

    def _remove_progress(self, path, task_vars):
        """Remove the progress file once the job ended (the module removes it too when it ends normally)."""
        if not path:
            return
        if self._is_local():
            try:
                os.unlink(path)
            except OSError:
                pass
        else:
            self._execute_module(module_name="ansible.legacy.file", module_args=dict(path=path, state="absent"),
                                 task_vars=task_vars)
