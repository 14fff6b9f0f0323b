# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the pure helpers of the nylas_batch_wait action plugin (plugins/action/nylas_batch_wait.py)."""
from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.action import nylas_batch_wait as p


@pytest.mark.parametrize("status, ended", [
    ({"started": True, "finished": False}, False),
    ({"started": True, "finished": True, "changed": True}, True),
    ({"failed": True, "msg": "could not find job", "finished": True}, True),
    ({"failed": True, "_ansible_parsed": False}, False),  # unparsable: still running, as ansible-core's poll decides
    ({"failed": True}, True),
    ({"skipped": True}, True),
])
def test_job_ended(status, ended):
    assert p.job_ended(status) is ended


def test_option_problems():
    good = dict(progress_interval=30.0, poll_interval=5.0, timeout=0)
    assert p.option_problems(good) == []
    bad = dict(progress_interval=0.0, poll_interval=0.1, timeout=-1)
    assert p.option_problems(bad) == ["progress_interval must be more than 0 seconds",
                                      "poll_interval must be at least 0.5 seconds", "timeout must be 0 or more seconds"]
