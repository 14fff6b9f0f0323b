# -*- coding: utf-8 -*-
# Copyright (c) nylas.migration contributors
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
"""The live progress of a batch clone: what the module writes while it waits, and what is said of it.

Pure functions, no I/O. The batch clone module (running in the background) writes a progress
document (:func:`progress_document`) at each poll of its jobs, from the job reads it already makes;
the ``nylas_batch_wait`` action plugin reads it on the controller and decides, with the functions
here, when to print a line (:func:`line_due`), the rate and the ETA (:func:`observe`,
:func:`rate_per_second`, :func:`eta_seconds`), whether the job stalled (:func:`stalled_for`) and the
text of each line (:func:`progress_line`, :func:`stall_line`, :func:`final_line`).

A line never claims more than is known: with no total the percent and the ETA are left out, with no
rate yet the ETA is left out, and a stall says for how long nothing moved, not that the job failed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

#: Version of the progress document (``version`` key).
PROGRESS_VERSION = 1

#: Seconds of observations the rate is computed over (a sliding window).
RATE_WINDOW = 300.0


def done_count(counts):
    """Accounts a job has processed: ``success + failed + warning`` of ``counts`` (a ``job_counts`` dict)."""
    counts = counts or {}
    return int(counts.get("success") or 0) + int(counts.get("failed") or 0) + int(counts.get("warning") or 0)


def progress_total(counts, planned=None):
    """The number of accounts the job processes, or None when unknown.

    ``count_all`` (``counts["all"]``) when it is at least the accounts done and not 0 (the contract
    calls it the total to be migrated); otherwise ``planned`` (the accounts the module planned the batch
    for) when it is at least the accounts done; otherwise None.
    """
    done = done_count(counts)
    total = int((counts or {}).get("all") or 0)
    if total and total >= done:
        return total
    if planned is not None and int(planned) >= done and int(planned) > 0:
        return int(planned)
    return None


def progress_document(label, elapsed, updated_at, snapshot_job, clone_job, counts, batch=1, planned=None,
                      finished_counts=None):
    """The progress document the module writes while it waits (a JSON object).

    Args:
        label: the pair's name (str or None).
        elapsed: seconds since the module started (its monotonic clock).
        updated_at: the wall-clock time of the read (Unix seconds).
        snapshot_job, clone_job: the latest view of the current batch's jobs (MigrationJob dicts or None).
        counts: the current migration job's counts (``job_counts``).
        batch: the 1-based number of the current batch of the run.
        planned: the accounts the module planned the current batch for, or None when unknown.
        finished_counts: the summed counts of the batches of this run that ended before this one.

    Returns a dict: ``version``, ``label``, ``elapsed``, ``updated_at``, ``batch``, ``snapshot_job_id``,
    ``snapshot_status``, ``clone_job_id``, ``status``, ``counts``, ``done``, ``total``, ``planned``,
    ``finished_counts``.
    """
    snapshot_job = snapshot_job or {}
    clone_job = clone_job or {}
    return {
        "version": PROGRESS_VERSION,
        "label": label,
        "elapsed": round(float(elapsed), 3),
        "updated_at": round(float(updated_at), 3),
        "batch": int(batch),
        "snapshot_job_id": snapshot_job.get("job_id"),
        "snapshot_status": snapshot_job.get("status"),
        "clone_job_id": clone_job.get("job_id"),
        "status": clone_job.get("status"),
        "counts": dict(counts or {}),
        "done": done_count(counts),
        "total": progress_total(counts, planned),
        "planned": planned,
        "finished_counts": dict(finished_counts) if finished_counts else None,
    }


def progress_key(document):
    """What counts as progress: ``(batch, snapshot status, status, done)`` of a document (None: no document)."""
    if not document:
        return None
    return (document.get("batch"), document.get("snapshot_status"), document.get("status"), document.get("done"))


def observe(history, document, window=RATE_WINDOW):
    """The rate observations after reading ``document``: a new list of ``(elapsed, done, batch)``.

    A document of another batch than the last observation starts the list again (its counts start at
    0). Observations older than ``window`` seconds before the newest one are dropped, keeping at least two.
    Takes the previous list (not changed) and a progress document (or None, which changes nothing).
    """
    history = list(history or [])
    if not document:
        return history
    point = (float(document.get("elapsed") or 0.0), int(document.get("done") or 0), document.get("batch"))
    if history and history[-1][2] != point[2]:
        history = []
    if history and history[-1][0] >= point[0]:
        return history  # the same read again
    history.append(point)
    while len(history) > 2 and point[0] - history[1][0] >= window:
        history.pop(0)
    return history


def rate_per_second(history):
    """Accounts per second over the observations (``observe``), or None with fewer than two or no time between."""
    if len(history or []) < 2:
        return None
    (first_t, first_done, _batch), (last_t, last_done, _batch2) = history[0], history[-1]
    if last_t <= first_t:
        return None
    return max(0.0, (last_done - first_done) / (last_t - first_t))


def eta_seconds(done, total, rate):
    """Seconds left at ``rate`` for ``total - done`` accounts; None when the total or a positive rate is unknown."""
    if total is None or not rate or rate <= 0:
        return None
    return max(0.0, (total - done) / rate)


def percent(done, total):
    """``done`` as a percent of ``total`` (one decimal), or None when the total is unknown or 0."""
    if not total:
        return None
    return round(100.0 * done / total, 1)


def line_due(now, started, last_printed, has_document, interval):
    """Whether a progress line is due now.

    The first line as soon as a progress document was read (or ``interval`` seconds after the wait
    began without one); then one line every ``interval`` seconds at most.
    """
    if last_printed is None:
        return bool(has_document) or now - started >= interval
    return now - last_printed >= interval


def stalled_for(now, last_change, stall_timeout):
    """Seconds nothing moved when that is ``stall_timeout`` or more, else None.

    ``last_change`` is when the progress key (:func:`progress_key`) last changed, or when the wait began;
    ``stall_timeout`` of 0 or less never calls a job stalled.
    """
    if stall_timeout is None or stall_timeout <= 0 or last_change is None:
        return None
    quiet = now - last_change
    return quiet if quiet >= stall_timeout else None


def format_duration(seconds):
    """``seconds`` as ``45s``, ``3m12s`` or ``2h05m`` (rounded to the second)."""
    seconds = int(round(max(0.0, float(seconds))))
    if seconds < 60:
        return "%ds" % seconds
    if seconds < 3600:
        return "%dm%02ds" % (seconds // 60, seconds % 60)
    return "%dh%02dm" % (seconds // 3600, (seconds % 3600) // 60)


def _job_state(document):
    """``snapshot running`` while the snapshot job runs, else ``migration job <id> <status>``."""
    if document.get("snapshot_status") in ("pending", "running") and document.get("status") in (None, "pending"):
        return "snapshot job %s" % document.get("snapshot_status")
    return "migration job %s %s" % (short_id(document.get("clone_job_id")), document.get("status") or "pending")


def short_id(job_id):
    """The first 8 characters of a job id (``?`` when none)."""
    return (job_id or "?")[:8]


def progress_line(label, document, rate, elapsed):
    """The text of one progress line of a pair.

    ``label``: the pair; ``document``: its latest progress document (or None: nothing read yet);
    ``rate``: accounts per second or None; ``elapsed``: seconds the wait has lasted. Shows done/total
    accounts, the percent, the rate and the ETA where each is known.
    """
    if not document:
        return "%s: batch clone running, no progress read yet (waited %s)" % (label, format_duration(elapsed))
    done, total = int(document.get("done") or 0), document.get("total")
    batch = document.get("batch") or 1
    head = "%s: batch clone%s" % (label, " (batch %d)" % batch if batch > 1 else "")
    counts = document.get("counts") or {}
    parts = ["%d/%s accounts" % (done, total if total is not None else "?")]
    share = percent(done, total)
    if share is not None:
        parts.append("%.1f%%" % share)
    if rate is not None:
        parts.append("%.1f accounts/s" % rate)
        eta = eta_seconds(done, total, rate)
        if eta is not None and done < (total or 0):
            parts.append("ETA %s" % format_duration(eta))
    detail = "%d migrated, %d placeholders, %d failed" % (
        int(counts.get("success") or 0), int(counts.get("warning") or 0), int(counts.get("failed") or 0))
    return "%s: %s (%s); %s; waited %s" % (head, ", ".join(parts), detail, _job_state(document), format_duration(elapsed))


def stall_line(label, document, quiet):
    """The warning text of a stalled pair: nothing moved for ``quiet`` seconds (the job may still resume)."""
    if not document:
        return ("%s: batch clone: no progress read for %s; the module may be slow to start, "
                "or its progress file cannot be written" % (label, format_duration(quiet)))
    return ("%s: batch clone stalled: no progress for %s at %d/%s accounts (%s); still waiting, a job may resume"
            % (label, format_duration(quiet), int(document.get("done") or 0),
               document.get("total") if document.get("total") is not None else "?", _job_state(document)))


def final_line(label, result, elapsed):
    """The text said when the batch clone module ended: its outcome and counts (``result``: the module's result)."""
    if result.get("failed"):
        return "%s: batch clone ended with an error after %s (see the task result)" % (label, format_duration(elapsed))
    counts = result.get("counts") or {}
    return "%s: batch clone %s after %s: %d accounts (%d migrated, %d placeholders, %d failed)" % (
        label, result.get("outcome") or "ended", format_duration(elapsed), int(counts.get("all") or 0),
        int(counts.get("success") or 0), int(counts.get("warning") or 0), int(counts.get("failed") or 0))
