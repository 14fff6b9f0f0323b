# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the settle policy (plugins/module_utils/nylas_settle.py): the decision, the back-off, the loop."""

from __future__ import annotations

import pytest

from ansible_collections.nylas.migration.plugins.module_utils import nylas_settle as s
from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasAPIError
from ansible_collections.nylas.migration.tests.unit.plugins.modules.nylas_fake_client import FakeClock


def unknown_error(message="connection dropped"):
    return NylasAPIError(message, error_type="connection_error", method="POST", path="/v3/x", outcome_unknown=True)


def sure_error(message="bad request", status=400):
    return NylasAPIError(message, status=status, error_type="bad_request", request_id="rid-s", method="POST",
                         path="/v3/x")


class Api:
    """A write whose answers are scripted (an exception is raised, anything else returned) and a state.

    ``effects``: per write call, whether it changes the state (True), as a lost answer does, or not.
    ``appears_at``: a clock time from which the state shows the write (a request Nylas finishes late).
    """

    def __init__(self, clock, answers, effects=None, appears_at=None, reread_errors=()):
        self.clock = clock
        self.answers = list(answers)
        self.effects = list(effects or [])
        self.appears_at = appears_at
        self.reread_errors = list(reread_errors)
        self.writes = []
        self.rereads = []
        self.state = None

    def write(self):
        self.writes.append(self.clock())
        answer = self.answers.pop(0)
        if self.effects and self.effects.pop(0):
            self.state = {"id": "made"}
        if isinstance(answer, Exception):
            raise answer
        self.state = answer
        return answer

    def reread(self):
        self.rereads.append(self.clock())
        if self.reread_errors:
            error = self.reread_errors.pop(0)
            if error is not None:
                raise error
        if self.appears_at is not None and self.clock() >= self.appears_at:
            return {"id": "late"}
        return self.state


def run(api, clock, settle_time=10, **kwargs):
    return s.settle(api.write, api.reread, settle_time=settle_time, clock=clock, sleep=clock.sleep, **kwargs)


# -- the decision -------------------------------------------------------------------------------------


@pytest.mark.parametrize("shown, elapsed, settle_time, resent, may_resend, expected", [
    (True, 0, 30, False, True, s.DONE),
    (True, 99, 30, True, True, s.DONE),
    (False, 0, 30, False, True, s.REREAD),
    (None, 29.9, 30, False, True, s.REREAD),
    (False, 30, 30, False, True, s.RESEND),
    (False, 31, 30, True, True, s.UNKNOWN),  # re-sent once already
    (None, 30, 30, False, True, s.UNKNOWN),  # the last re-read failed: it proves no absence
    (False, 30, 30, False, False, s.UNKNOWN),  # a write that must not be re-sent
    (False, 0, 0, False, True, s.UNKNOWN),  # settle_time 0: re-read once, never re-send
])
def test_settle_decision(shown, elapsed, settle_time, resent, may_resend, expected):
    assert s.settle_decision(shown, elapsed, settle_time, resent, may_resend) == expected


def test_reread_delay_backs_off_and_ends_at_settle_time():
    assert [s.reread_delay(n, 0, 100) for n in (1, 2, 3, 4, 5, 6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert s.reread_delay(3, 9.5, 10) == 0.5  # shortened: the last re-read happens at settle_time
    assert s.reread_delay(1, 12, 10) == 0.0


def test_unknown_text():
    assert s.unknown_text(30, True) == ("re-read for 30 s and re-sent once without seeing the write; a re-run "
                                        "re-reads the state first and writes only what is missing")
    assert s.unknown_text(0, False, subject="a grant", rerun="x").startswith("re-read once without seeing a grant; x")


# -- the loop -----------------------------------------------------------------------------------------


def test_success_is_not_reread():
    clock = FakeClock()
    api = Api(clock, [{"id": 1}])
    assert run(api, clock) == s.SettleResult(s.WRITTEN, {"id": 1}, None, None, False, 0)
    assert api.rereads == []


def test_sure_failure_is_not_reread_nor_resent():
    clock = FakeClock()
    error = sure_error()
    api = Api(clock, [error])
    assert run(api, clock) == s.SettleResult(s.FAILED, None, error, None, False, 0)
    assert api.rereads == [] and len(api.writes) == 1


def test_lost_answer_is_shown_by_the_first_reread():
    clock = FakeClock()
    error = unknown_error()
    api = Api(clock, [error], effects=[True])
    result = run(api, clock)
    assert result == s.SettleResult(s.SHOWN, {"id": "made"}, error, None, False, 1)
    assert len(api.writes) == 1 and clock.slept == []


def test_late_write_is_shown_by_a_later_reread_and_never_resent():
    clock = FakeClock(0)
    api = Api(clock, [unknown_error()], appears_at=3.0)
    result = run(api, clock, settle_time=30)
    assert result.outcome == s.SHOWN and result.value == {"id": "late"} and not result.resent
    assert api.rereads == [0, 0.5, 1.5, 3.5] and len(api.writes) == 1


def test_write_that_never_happened_is_resent_once_after_settle_time():
    clock = FakeClock(0)
    first = unknown_error()
    api = Api(clock, [first, {"id": "second"}])
    result = run(api, clock, settle_time=10)
    assert result.outcome == s.WRITTEN and result.value == {"id": "second"} and result.resent
    assert result.error is first
    assert api.writes == [0, 10]  # the re-send only after settle_time
    assert api.rereads[-1] == 10 and sum(clock.slept) == 10


def test_resend_of_unknown_outcome_is_settled_again_then_unknown():
    clock = FakeClock(0)
    first, second = unknown_error("first"), unknown_error("second")
    api = Api(clock, [first, second])
    result = run(api, clock, settle_time=4)
    assert result.outcome == s.OUTCOME_UNKNOWN and result.error is second and result.resent
    assert api.writes == [0, 4] and api.rereads[-1] == 8


def test_resend_of_unknown_outcome_shown_on_the_second_settle():
    clock = FakeClock(0)
    api = Api(clock, [unknown_error(), unknown_error()], effects=[False, True])
    result = run(api, clock, settle_time=4)
    assert result.outcome == s.SHOWN and result.resent and len(api.writes) == 2


def test_resend_refused_by_nylas_is_reread_once():
    clock = FakeClock(0)
    refused = sure_error("already exists")
    api = Api(clock, [unknown_error(), refused], effects=[False, True])
    result = run(api, clock, settle_time=4)
    assert result.outcome == s.SHOWN and result.error is refused  # e.g. the first request landed late after all
    api = Api(clock, [unknown_error(), refused])
    assert run(api, clock, settle_time=4).outcome == s.FAILED


def test_settle_time_zero_rereads_once_and_never_resends():
    clock = FakeClock(0)
    api = Api(clock, [unknown_error()])
    result = run(api, clock, settle_time=0)
    assert result.outcome == s.OUTCOME_UNKNOWN and not result.resent
    assert len(api.writes) == 1 and len(api.rereads) == 1 and clock.slept == []


def test_may_resend_false_never_resends():
    clock = FakeClock(0)
    api = Api(clock, [unknown_error()])
    assert run(api, clock, settle_time=5, may_resend=False).outcome == s.OUTCOME_UNKNOWN
    assert len(api.writes) == 1


def test_failing_rereads_never_lead_to_a_resend():
    clock = FakeClock(0)
    reread_error = sure_error("down", status=503)
    api = Api(clock, [unknown_error()], reread_errors=[reread_error] * 20)
    result = run(api, clock, settle_time=5)
    assert result.outcome == s.OUTCOME_UNKNOWN and result.reread_error is reread_error
    assert len(api.writes) == 1 and not result.resent


def test_a_failing_reread_then_an_empty_one_resends():
    clock = FakeClock(0)
    api = Api(clock, [unknown_error(), {"id": 2}], reread_errors=[sure_error("down", status=503)])
    assert run(api, clock, settle_time=1).outcome == s.WRITTEN and len(api.writes) == 2


def test_without_reread_the_outcome_stays_unknown():
    clock = FakeClock(0)
    error = unknown_error()
    result = s.settle(Api(clock, [error]).write, None, settle_time=5, clock=clock, sleep=clock.sleep)
    assert result == s.SettleResult(s.OUTCOME_UNKNOWN, None, error, None, False, 0)


def test_is_done_decides_what_shows_the_write():
    clock = FakeClock(0)
    api = Api(clock, [unknown_error(), {"id": 2}], effects=[True])
    result = s.settle(api.write, api.reread, lambda state: state.get("id") == 2, settle_time=1, clock=clock,
                      sleep=clock.sleep)
    assert result.outcome == s.WRITTEN and result.resent


def test_other_exceptions_go_through():
    def boom():
        raise RuntimeError("bug")
    with pytest.raises(RuntimeError):
        s.settle(boom, None, settle_time=0)
