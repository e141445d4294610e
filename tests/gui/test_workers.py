"""The job runner: results, failures, cancel, and many signals from a pool thread."""

from __future__ import annotations

import pytest

from archiver.core.progress import Cancelled, CancelToken, Progress, ProgressCallback
from archiver.gui.workers import JobSlot

pytestmark = pytest.mark.gui

MANY = 20_000


def test_many_progress_signals_from_a_pool_thread(qtbot, pool):
    """PySide6 6.12.0 on Python 3.11 aborted the process after a few thousand emits from a
    pool thread; this must run to the end (pyproject pins PySide6 accordingly)."""
    seen: list[Progress] = []
    slot = JobSlot(pool)

    def job(report: ProgressCallback, cancel: CancelToken) -> int:
        for i in range(MANY):
            report(Progress(i + 1, MANY))
        return MANY

    signals = slot.start(job)
    signals.progressed.connect(seen.append)
    with qtbot.waitSignal(signals.finished, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: len(seen) == MANY)
    assert seen[-1] == Progress(MANY, MANY) and not slot.busy


def test_failure_and_cancel_reach_the_gui_thread(qtbot, pool):
    slot = JobSlot(pool)
    failures: list[BaseException] = []

    def failing(report: ProgressCallback, cancel: CancelToken) -> None:
        raise ValueError("boom")

    signals = slot.start(failing)
    signals.failed.connect(failures.append)
    with qtbot.waitSignal(signals.finished):
        pass
    assert isinstance(failures[0], ValueError)
    assert not slot.busy

    def waiting(report: ProgressCallback, cancel: CancelToken) -> None:
        while True:
            cancel.raise_if_cancelled()

    signals = slot.start(waiting)
    with pytest.raises(RuntimeError, match="already running"):
        slot.start(waiting)
    with qtbot.waitSignal(signals.cancelled, timeout=10_000):
        slot.cancel()
    qtbot.waitUntil(lambda: not slot.busy)


def test_cancelled_is_no_failure(qtbot, pool):
    slot = JobSlot(pool)

    def job(report: ProgressCallback, cancel: CancelToken) -> None:
        raise Cancelled

    signals = slot.start(job)
    with qtbot.assertNotEmitted(signals.failed), qtbot.waitSignal(signals.cancelled):
        pass
