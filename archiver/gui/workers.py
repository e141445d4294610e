"""Jobs off the GUI thread: a QRunnable per job, with signals back to the GUI.

The core's jobs take ``report`` and ``cancel``; JobRunnable passes a signal's ``emit`` as
``report`` and its own CancelToken, so the job never touches a widget and the event loop
never waits on network or disk. JobSlot keeps one job of a page; LatestJob runs the newest
of a series (searches, previews as the user types and clicks).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from archiver.core.progress import Cancelled, CancelToken, Progress, ProgressCallback

log = logging.getLogger(__name__)

# The signals objects of jobs not yet deleted by Qt, by id(): see JobRunnable.
_living: dict[int, JobSignals] = {}


def _forget_signals(key: int, *_destroyed: object) -> None:
    """Let go of a signals object Qt has deleted (on the GUI thread, from its destroyed)."""
    del _living[key]


class Job(Protocol):
    """A job as the pool runs it: a core function with its arguments bound (functools.partial),
    taking the progress callback and the cancel token by keyword, as the core's jobs do."""

    def __call__(self, *, report: ProgressCallback, cancel: CancelToken) -> object: ...


class JobSignals(QObject):
    """Signals of a JobRunnable: one of succeeded/failed/cancelled, then finished.

    Signals:
        progressed(Progress): the job's progress report.
        succeeded(object): the job's return value.
        failed(Exception): the job raised; the exception.
        cancelled(): the job stopped at a safe point after cancel().
        finished(): after any of the three above.
    """

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()


class JobRunnable:
    """Run one job on a pool thread and report through JobSignals.

    The pool runs ``run`` (``QThreadPool.start`` of a callable), as this is no QRunnable:
    PySide6 (6.11 here, 6.12 under Wine) never frees a Python QRunnable that is not
    auto-deleted, nor, often, one that is while a page holds it, so each job leaked itself,
    its job's arguments and its signals.

    The signals object lives on the GUI thread, so its receivers run there (queued). Its
    lifetime is decided there too, never by whichever thread drops the last Python
    reference (this runnable is freed on the pool thread once ``run`` returned): until Qt
    has deleted it, ``_living`` holds it; and the pool thread's last act on it, after its
    last emit, is ``deleteLater()``. That posts its deletion to the GUI thread behind the
    queued calls of every signal emitted before: it is deleted on its own thread, after its
    slots were called, once no thread emits any more. (A parent would do instead of
    ``_living`` but for a parent owned by Python: a test's pool, freed by its last child's
    destruction, deleted that child a second time.)
    """

    def __init__(self, job: Job) -> None:
        self.signals = JobSignals()
        key = id(self.signals)
        _living[key] = self.signals
        self.signals.destroyed.connect(partial(_forget_signals, key))
        self._job = job
        self._cancel = CancelToken()

    def cancel(self) -> None:
        """Ask the job to stop at its next safe point (from any thread)."""
        self._cancel.cancel()

    @property
    def is_cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._cancel.is_cancelled

    def run(self) -> None:  # on a pool thread
        """Run the job; exactly one of succeeded/failed/cancelled follows, then finished."""
        signals = self.signals
        try:
            result = self._job(report=signals.progressed.emit, cancel=self._cancel)
        except Cancelled:
            signals.cancelled.emit()
        except Exception as exc:
            log.debug("Job failed", exc_info=True)
            signals.failed.emit(exc)
        else:
            signals.succeeded.emit(result)
        finally:
            signals.finished.emit()
            # The last touch of the signals on this thread (see the class docstring).
            signals.deleteLater()


class JobSlot(QObject):
    """Holds at most one running job of a page until its finished signal has been handled.

    A page asks ``busy`` before starting another, ``cancel()`` on Cancel or close. It is a
    QObject so that its own slot runs on the GUI thread, before the page's ``finished`` slots.
    """

    def __init__(self, pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self.runnable: JobRunnable | None = None

    @property
    def busy(self) -> bool:
        """Whether a job runs."""
        return self.runnable is not None

    def start(self, job: Job, connect: Callable[[JobSignals], None]) -> JobSignals:
        """Start *job* on the pool after *connect* has connected the caller's slots.

        A signal emitted before anything is connected to it is lost, and a fast job may end
        before control returns to the caller: so the caller connects first, here. The
        signals returned are deleted once the job's finished has been handled: connect to
        them only while ``busy``.
        """
        if self.runnable is not None:
            raise RuntimeError("a job is already running")
        runnable = JobRunnable(job)
        runnable.signals.finished.connect(self._forget)
        connect(runnable.signals)
        self.runnable = runnable
        self._pool.start(runnable.run)
        return runnable.signals

    def cancel(self) -> None:
        """Ask the running job, if any, to stop at its next safe point."""
        if self.runnable is not None:
            self.runnable.cancel()

    @Slot()
    def _forget(self) -> None:
        self.runnable = None


class LatestJob(QObject):
    """Runs the newest of a series of jobs of one kind (searches, previews).

    A job asked for while another runs waits for it, replacing any job that waited before
    it; only the newest job's outcome reaches its callbacks. The running job is not
    cancelled when superseded: a search that catches up the index would lose its work.

    Signals:
        started(): a job was handed to the pool.
        progressed(Progress): the newest job's progress.
        finished(): a job ended, wanted or not.
    """

    started = Signal()
    progressed = Signal(object)
    finished = Signal()

    def __init__(self, pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._slot = JobSlot(pool, self)
        self._serial = 0  # of the newest job asked for
        self._running: _Wanted | None = None
        self._waiting: _Wanted | None = None

    @property
    def busy(self) -> bool:
        """Whether a job runs or waits (until its finished signal has been handled)."""
        return self._running is not None or self._waiting is not None

    def submit(
        self,
        job: Job,
        on_success: Callable[[object], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        """Run *job* as soon as the running one (if any) ends; drop older unfinished ones."""
        self._serial += 1
        wanted = _Wanted(self._serial, job, on_success, on_failure)
        if self._running is not None:
            self._waiting = wanted
        else:
            self._start(wanted)

    def cancel(self) -> None:
        """Drop the waiting job and every outcome; the running job stops at a safe point."""
        self._serial += 1
        self._waiting = None
        self._slot.cancel()

    def _start(self, wanted: _Wanted) -> None:
        self._running = wanted
        self._slot.start(wanted.job, self._connect)
        self.started.emit()

    def _connect(self, signals: JobSignals) -> None:
        signals.progressed.connect(self._on_progressed)
        signals.succeeded.connect(self._on_succeeded)
        signals.failed.connect(self._on_failed)
        signals.finished.connect(self._on_finished)

    def _is_newest(self) -> bool:
        return self._running is not None and self._running.serial == self._serial

    @Slot(object)
    def _on_progressed(self, progress: Progress) -> None:
        if self._is_newest():
            self.progressed.emit(progress)

    @Slot(object)
    def _on_succeeded(self, result: object) -> None:
        if self._running is not None and self._is_newest():
            self._running.on_success(result)

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        if self._running is not None and self._is_newest():
            self._running.on_failure(exc)
        else:
            log.debug("A superseded job failed: %s", exc)

    @Slot()
    def _on_finished(self) -> None:
        self._running = None
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self._start(waiting)
        self.finished.emit()


@dataclass(frozen=True, slots=True)
class _Wanted:
    serial: int
    job: Job
    on_success: Callable[[object], None]
    on_failure: Callable[[BaseException], None]
