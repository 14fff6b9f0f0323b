# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The settle policy of every write whose outcome is unknown: one decision, one back-off, one loop.

A write (link, import, clone, batch start, connector, webhook or Pub/Sub channel) whose request may have
reached Nylas without an answer (a timeout, a dropped connection, a 5xx after the body was sent) has an
**unknown** outcome. It is never re-sent blindly; it is *settled*:

1. re-read the state (e.g. ``GET /v3/grants?account_ids=``) at once, then with back-off
   (:func:`reread_delay`), until the state shows the write or ``settle_time`` seconds have passed;
2. if a re-read made after ``settle_time`` still shows no write (a re-read that *failed* shows
   nothing either way), re-send the write **once**: by then the first request is either done (and
   the re-read would have shown it) or dead; ``settle_time: 0`` re-reads once and never re-sends;
3. if the re-sent write's outcome is unknown again, settle once more; still not shown, the outcome
   is ``unknown`` (reported as such, never as failed: Nylas did not say it failed).

:func:`settle_decision` is the pure decision (``done``, ``reread``, ``resend``, ``unknown``);
:func:`settle` is the loop (no Ansible, no HTTP of its own: it calls the ``write`` and ``reread``
callables it is given, so the worker threads of ``nylas_grant_clone`` use it as well as
``NylasModule.settle_write``). Clock and sleep are injectable.
"""

from __future__ import annotations

import collections
import time

from ansible_collections.nylas.migration.plugins.module_utils.nylas_errors import NylasError

#: Default ``settle_time`` (seconds), the value of the shared option.
DEFAULT_SETTLE_TIME = 30
#: Back-off of the re-reads: the first waits this long (seconds), each next one twice as long, up to the cap.
REREAD_FIRST_DELAY = 0.5
REREAD_MAX_DELAY = 8.0

# What settle_decision returns.
DONE = "done"  # the re-read shows the write
REREAD = "reread"  # not shown yet, settle_time not over: re-read again after reread_delay()
RESEND = "resend"  # settle_time over, a re-read found no write, not re-sent yet: send the write once more
UNKNOWN = "unknown"  # settle_time over and nothing proves the write either way: report the outcome as unknown

# The outcome of settle() (SettleResult.outcome).
WRITTEN = "written"  # the write (or its re-send) answered with success
SHOWN = "shown"  # the write's outcome was unknown and a re-read shows it
FAILED = "failed"  # Nylas said the write failed (or it surely never reached Nylas)
OUTCOME_UNKNOWN = "unknown"  # the write may or may not have happened

#: What :func:`settle` returns: ``outcome`` (one of WRITTEN, SHOWN, FAILED, OUTCOME_UNKNOWN), ``value``
#: (the write's answer, or the re-read state that shows it; None otherwise), ``error`` (the last error of
#: the write: None after a first-time success, the first request's error after a successful re-send), ``reread_error`` (the error of the last re-read when it
#: failed), ``resent`` (whether the write was sent a second time), ``rereads`` (how many re-reads).
SettleResult = collections.namedtuple("SettleResult", ("outcome", "value", "error", "reread_error", "resent", "rereads"))


def outcome_unknown(error):
    """Whether ``error`` says a write may or may not have happened (``NylasAPIError.outcome_unknown``)."""
    return bool(getattr(error, "outcome_unknown", False))


def settle_decision(shown, elapsed, settle_time, resent, may_resend=True):
    """Decide the next step of settling a write whose outcome is unknown (pure).

    Args:
        shown: what the last re-read says: True (it shows the write), False (it does not), None (the
            re-read failed: it proves nothing).
        elapsed: seconds since the write's unknown outcome was known (the settle started).
        settle_time: the ``settle_time`` option (seconds, >= 0).
        resent: whether the write was already sent a second time.
        may_resend: False for a write that must never be sent again.

    Returns:
        :data:`DONE` when shown; :data:`REREAD` while ``elapsed < settle_time``; then :data:`RESEND`
        when a re-read found no write, none was re-sent, re-sending is allowed and ``settle_time > 0``;
        otherwise :data:`UNKNOWN`.
    """
    if shown:
        return DONE
    if elapsed < settle_time:
        return REREAD
    if shown is False and not resent and may_resend and settle_time > 0:
        return RESEND
    return UNKNOWN


def reread_delay(rereads, elapsed, settle_time, first=REREAD_FIRST_DELAY, cap=REREAD_MAX_DELAY):
    """Seconds to wait before the next re-read (pure): exponential back-off that ends at ``settle_time``.

    Args:
        rereads: how many re-reads were made so far in this settle (1 after the first).
        elapsed: seconds since the settle started.
        settle_time: the ``settle_time`` option (seconds).
        first, cap: the first wait and the longest wait (seconds).

    Returns:
        ``min(first * 2 ** (rereads - 1), cap)``, shortened so that the last re-read happens at
        ``settle_time``; never negative.
    """
    backoff = min(first * (2 ** max(0, min(int(rereads) - 1, 32))), cap)
    return max(0.0, min(backoff, float(settle_time) - float(elapsed)))


def settle(write, reread, is_done=None, settle_time=DEFAULT_SETTLE_TIME, may_resend=True, clock=None, sleep=None):
    """Make a write; when its outcome is unknown, settle it (see the module docstring). No Ansible.

    Args:
        write: callable making the write request (a client method), returning its answer.
        reread: callable re-reading the state (a client read); None to never re-read (the outcome of
            an unknown write then stays unknown).
        is_done: callable ``is_done(state) -> bool``, whether a re-read state shows the write (default:
            the state is not None).
        settle_time: seconds to re-read before re-sending (0: re-read once, never re-send).
        may_resend: False to never send the write a second time.
        clock, sleep: ``time.monotonic`` and ``time.sleep`` unless given (tests).

    Returns:
        A :data:`SettleResult`. Only ``NylasError`` is caught (from the write and the re-reads).
        A write that fails for sure after a re-send is re-read once: a re-read that shows it wins.
        Calls whatever endpoints ``write`` and ``reread`` call; never two writes at the same time.
    """
    clock = clock or time.monotonic
    sleep = sleep or time.sleep
    if is_done is None:
        def is_done(state):
            return state is not None
    resent, rereads, error = False, 0, None
    while True:
        try:
            return SettleResult(WRITTEN, write(), error, None, resent, rereads)
        except NylasError as e:
            error = e
        if not outcome_unknown(error):
            if resent and reread is not None:
                state, dummy = _reread(reread, is_done)
                rereads += 1
                if state is not None:
                    return SettleResult(SHOWN, state, error, None, resent, rereads)
            return SettleResult(FAILED, None, error, None, resent, rereads)
        if reread is None:
            return SettleResult(OUTCOME_UNKNOWN, None, error, None, resent, rereads)
        started, settle_rereads = clock(), 0
        while True:
            state, reread_error = _reread(reread, is_done)
            rereads += 1
            settle_rereads += 1
            shown = None if reread_error is not None else state is not None
            elapsed = clock() - started
            decision = settle_decision(shown, elapsed, settle_time, resent, may_resend)
            if decision == DONE:
                return SettleResult(SHOWN, state, error, None, resent, rereads)
            if decision != REREAD:
                break
            sleep(reread_delay(settle_rereads, elapsed, settle_time))
        if decision == UNKNOWN:
            return SettleResult(OUTCOME_UNKNOWN, None, error, reread_error, resent, rereads)
        resent = True  # RESEND: the outer loop sends the write once more


def _reread(reread, is_done):
    """Return ``(state, error)``: the re-read state when it shows the write (else None), or its NylasError."""
    try:
        state = reread()
    except NylasError as e:
        return None, e
    return (state if state is not None and is_done(state) else None), None


def unknown_text(settle_time, resent, subject="the write",
                 rerun="a re-run re-reads the state first and writes only what is missing"):
    """How an unknown outcome was settled and what settles it, for messages (pure).

    Returns e.g. ``"re-read for 30 s and re-sent once without seeing the write; a re-run re-reads the
    state first and writes only what is missing"`` (``settle_time`` 0: ``"re-read once ..."``).
    """
    how = "re-read for %s s" % settle_time if settle_time else "re-read once"
    if resent:
        how += " and re-sent once"
    return "%s without seeing %s; %s" % (how, subject, rerun)


__all__ = [
    "DEFAULT_SETTLE_TIME",
    "DONE",
    "FAILED",
    "OUTCOME_UNKNOWN",
    "REREAD",
    "RESEND",
    "SHOWN",
    "SettleResult",
    "UNKNOWN",
    "WRITTEN",
    "outcome_unknown",
    "reread_delay",
    "settle",
    "settle_decision",
    "unknown_text",
]


def settle_without_resend(write, reread, is_done=None, settle_time=DEFAULT_SETTLE_TIME, clock=None, sleep=None):
    """Settle a write that must never be sent twice (the v2 cutover); ``(value, error, reread_error)``.

    The loop of :func:`settle` with ``may_resend=False``: a write whose outcome is unknown is re-read
    with back-off for ``settle_time`` seconds and never re-sent. For per-item loops that keep their
    own failure rows (:func:`nylas_cutover_runner.apply_to_accounts`).

    Returns:
        ``(answer, None, None)`` when the write answered; ``(state, error, None)`` when it failed with an
        unknown outcome and a re-read shows it; otherwise ``(None, error, reread_error)``.
    """
    result = settle(write, reread, is_done, settle_time=settle_time, may_resend=False, clock=clock, sleep=sleep)
    if result.outcome in (WRITTEN, SHOWN):
        return result.value, result.error, None
    return None, result.error, result.reread_error
