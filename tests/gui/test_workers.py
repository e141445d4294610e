"""The job runner: results, failures, cancel, and many signals from a pool thread."""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from collections.abc import Callable
from functools import partial

import pytest
from PySide6.QtCore import Qt

from archiver.core.progress import Cancelled, CancelToken, Progress, ProgressCallback
from archiver.gui.workers import Job, JobSignals, JobSlot, LatestJob

pytestmark = pytest.mark.gui

MANY = 20_000
SHORT_JOBS = 200


def returning(value: object, *, report: ProgressCallback, cancel: CancelToken) -> object:
    """A job that ends at once."""
    return value


class Heard:
    """What a job's signals said, connected before the job starts (as JobSlot demands)."""

    def __init__(self) -> None:
        self.progress: list[Progress] = []
        self.results: list[object] = []
        self.failures: list[BaseException] = []
        self.cancelled = 0
        self.finished = 0

    def connect(self, signals: JobSignals) -> None:
        signals.progressed.connect(self.progress.append)
        signals.succeeded.connect(self.results.append)
        signals.failed.connect(self.failures.append)
        signals.cancelled.connect(self._on_cancelled)
        signals.finished.connect(self._on_finished)

    def _on_cancelled(self) -> None:
        self.cancelled += 1

    def _on_finished(self) -> None:
        self.finished += 1


def test_many_progress_signals_from_a_pool_thread(qtbot, pool):
    """PySide6 6.12.0 on Python 3.11 aborted the process after a few thousand emits from a
    pool thread; this must run to the end (pyproject pins PySide6 accordingly)."""
    slot, heard = JobSlot(pool), Heard()

    def job(report: ProgressCallback, cancel: CancelToken) -> int:
        for i in range(MANY):
            report(Progress(i + 1, MANY))
        return MANY

    slot.start(job, heard.connect)
    qtbot.waitUntil(lambda: heard.finished == 1, timeout=60_000)
    assert len(heard.progress) == MANY and heard.progress[-1] == Progress(MANY, MANY)
    assert heard.results == [MANY] and not slot.busy


def test_a_job_faster_than_its_caller_is_still_heard(qtbot, pool):
    """The slots are connected before the job starts: an instant job's signals reach them."""
    slot, heard = JobSlot(pool), Heard()
    for done in range(1, 51):
        slot.start(lambda report, cancel: 42, heard.connect)
        qtbot.waitUntil(lambda n=done: heard.finished == n and not slot.busy)
    assert heard.results == [42] * 50


def test_failure_and_cancel_reach_the_gui_thread(qtbot, pool):
    slot, heard = JobSlot(pool), Heard()

    def failing(report: ProgressCallback, cancel: CancelToken) -> None:
        raise ValueError("boom")

    slot.start(failing, heard.connect)
    qtbot.waitUntil(lambda: heard.finished == 1 and not slot.busy)
    assert isinstance(heard.failures[0], ValueError) and not heard.results

    def waiting(report: ProgressCallback, cancel: CancelToken) -> None:
        while True:
            cancel.raise_if_cancelled()

    slot.start(waiting, heard.connect)
    with pytest.raises(RuntimeError, match="already running"):
        slot.start(waiting, heard.connect)
    slot.cancel()
    qtbot.waitUntil(lambda: heard.finished == 2 and not slot.busy, timeout=10_000)
    assert heard.cancelled == 1 and len(heard.failures) == 1


def test_cancelled_is_no_failure(qtbot, pool):
    slot, heard = JobSlot(pool), Heard()

    def job(report: ProgressCallback, cancel: CancelToken) -> None:
        raise Cancelled

    slot.start(job, heard.connect)
    qtbot.waitUntil(lambda: heard.finished == 1)
    assert heard.cancelled == 1 and not heard.failures


def test_many_short_jobs_end_cleanly_on_the_gui_thread(qtbot, pool, monkeypatch):
    """Jobs end as fast as threads switch while the GUI thread collects garbage: every
    outcome arrives, a page may start its next job in its finished slot, and each job's
    signals object is deleted on the GUI thread (its own) once the pool thread is done
    with it, never on the pool thread by whoever dropped the last reference."""
    deleted_on: list[int] = []
    start = JobSlot.start

    def watched(slot: JobSlot, job: Job, connect: Callable[[JobSignals], None]) -> JobSignals:
        def also_watch(signals: JobSignals) -> None:
            signals.destroyed.connect(
                lambda: deleted_on.append(threading.get_ident()),
                Qt.ConnectionType.DirectConnection,  # runs on the thread that deletes it
            )
            connect(signals)

        return start(slot, job, also_watch)

    monkeypatch.setattr(JobSlot, "start", watched)
    slot, latest = JobSlot(pool), LatestJob(pool)
    slot_results: list[object] = []
    latest_results: list[object] = []
    latest_started: list[None] = []
    latest.started.connect(lambda: latest_started.append(None))

    def next_in_slot(n: int) -> None:
        gc.collect(2 if n % 40 == 0 else 0)
        if n < SHORT_JOBS:

            def connect(signals: JobSignals) -> None:
                signals.succeeded.connect(slot_results.append)
                signals.finished.connect(lambda: next_in_slot(n + 1))

            slot.start(lambda report, cancel: n, connect)

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        next_in_slot(0)
        for n in range(SHORT_JOBS):
            latest.submit(partial(returning, n), latest_results.append, pytest.fail)
            if n % 10 == 0:
                qtbot.wait(1)
        qtbot.waitUntil(lambda: not slot.busy and not latest.busy, timeout=30_000)
        jobs = SHORT_JOBS + len(latest_started)
        qtbot.waitUntil(lambda: len(deleted_on) == jobs, timeout=10_000)
    finally:
        sys.setswitchinterval(switch_interval)
    assert slot_results == list(range(SHORT_JOBS))
    assert latest_results[-1] == SHORT_JOBS - 1
    assert set(deleted_on) == {threading.get_ident()}


def test_no_job_outlives_its_end(qtbot, pool):
    """Neither a job's runnable nor its signals stay once it ended and the event loop ran
    (PySide6 6.11 kept every QRunnable that was not auto-deleted, with its job and signals)."""
    slot = JobSlot(pool)
    left: list[weakref.ref[object]] = []
    for n in range(20):
        signals = slot.start(partial(returning, n), lambda signals: None)
        left += [weakref.ref(signals), weakref.ref(slot.runnable)]
        del signals
        qtbot.waitUntil(lambda: not slot.busy)
    qtbot.waitUntil(lambda: gc.collect() >= 0 and all(ref() is None for ref in left))
