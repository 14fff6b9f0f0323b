# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A failed variable check reads in one screen: nylas_role_vars runs before the role's own validation.

No simulator is needed (the check fails before any request); the URLs point at a closed port. Output
bytes are measured per host: ansible-core's automatic validation printed about 11 KB per host.
"""

from __future__ import annotations

import pytest

from tests.integration.playbooks.playbook_runner import DEMO_PAIRS, execute_playbook

CLOSED = {"sim_us_url": "http://127.0.0.1:9", "sim_eu_url": "http://127.0.0.1:9"}
MAX_BYTES_PER_HOST = 2048


def run_with(report_root, variables, playbook_args=()):
    run = execute_playbook(report_root, playbook_args, extra_vars=dict(CLOSED, **variables), timeout=120)
    assert run.rc != 0
    per_host = len(run.stdout.encode()) / len(DEMO_PAIRS)
    assert per_host <= MAX_BYTES_PER_HOST, (per_host, run.stdout[-3000:])
    return run


def fatal_line(stdout, host):
    lines = [line for line in stdout.splitlines() if line.startswith("fatal: [%s]" % host)]
    assert len(lines) == 1, stdout[-3000:]
    return lines[0]


def test_misspelt_variable_names_it_and_its_nearest_valid_name(tmp_path):
    run = run_with(tmp_path, {"nylas_batch_clone_wait_timout": 600})
    for host in DEMO_PAIRS:
        line = fatal_line(run.stdout, host)
        assert "nylas_batch_clone_wait_timout: unknown variable; did you mean nylas_batch_clone_wait_timeout?" in line
    assert "argument_spec_data" not in run.stdout


def test_wrong_type_names_variable_expected_type_and_given_value(tmp_path):
    run = run_with(tmp_path, {"nylas_batch_clone_wait_timeout": "soon", "nylas_batch_clone_mode": "everything"})
    for host in DEMO_PAIRS:
        line = fatal_line(run.stdout, host)
        assert "nylas_batch_clone_wait_timeout: expected int, given 'soon' (str)" in line
        assert "nylas_batch_clone_mode: expected str, one of all, only_new, only_failed, given 'everything'" in line
    assert "argument_spec_data" not in run.stdout


@pytest.mark.parametrize("name", ["nylas_api_keys", "nylas_v2_client_secrett"])
def test_misspelt_secret_is_named_never_its_value(tmp_path, name):
    secret = "nyk_NOT_A_REAL_SECRET_0123456789"
    run = run_with(tmp_path, {name: secret})
    assert secret not in run.stdout
    assert "%s: unknown variable; did you mean %s?" % (name, name[:-1]) \
        in fatal_line(run.stdout, "acme")
