"""The job runner: results, failures, cancel, and many signals from a pool thread."""

from __future__ import annotations

import pytest

from archiver.core.progress import Cancelled, CancelToken, Progress, ProgressCallback
from archiver.gui.workers import JobSignals, JobSlot

pytestmark = pytest.mark.gui

MANY = 20_000


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
