"""What the pages share: one running job at a time, and errors shown the same way (with the
button that helps)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QWidget

from archiver.core.errors import ArchiverError
from archiver.core.progress import Progress
from archiver.gui.context import AppContext
from archiver.gui.error_notice import ErrorNotice, HelpRequest
from archiver.gui.errors import ErrorAction, error_help
from archiver.gui.workers import Job, JobSignals, JobSlot

log = logging.getLogger(__name__)


class JobPage(QWidget):
    """A page that runs jobs off the GUI thread, one at a time.

    An error is shown on the page with the button that helps: Try again runs the failed job
    again (or what the page says retries it), the others are asked of the main window.

    Signals:
        job_started(): a job was handed to the pool.
        job_finished(): the job ended (succeeded, failed or cancelled) and its result shown.
        help_requested(HelpRequest): the button beside an error asks for the account dialog
            or the settings.
    """

    job_started = Signal()
    job_finished = Signal()
    help_requested = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.jobs = JobSlot(context.pool, self)
        # Errors appear on the page, beside what failed, not in a modal box; the page lays
        # out error_notice (its label and button are error_label and error_button).
        self.error_notice = ErrorNotice()
        self.error_label = self.error_notice.label
        self.error_button = self.error_notice.button
        self.error_notice.action_clicked.connect(self._on_error_action)
        self._retry: Callable[[], None] | None = None  # what Try again does now
        self._error: BaseException | None = None  # the error shown, if one of ours

    def is_busy(self) -> bool:
        """Whether a job of this page runs."""
        return self.jobs.busy

    def cancel_job(self) -> None:
        """Ask the running job to stop at its next safe point."""
        self.jobs.cancel()

    def asks_before_closing(self) -> bool:
        """Whether the window should ask before stopping this page's job to close: not for
        jobs whose stop loses nothing the user waits for (reading, searching, indexing)."""
        return self.is_busy()

    def run_job(
        self,
        job: Job,
        on_success: Callable[[object], None],
        *,
        on_failure: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        retry: Callable[[], None] | None = None,
    ) -> None:
        """Start *job*; the callbacks run on the GUI thread. Failures are shown on the page
        unless *on_failure* handles them; Try again beside its error calls *retry*, by
        default this same call again."""
        self.clear_error()
        if retry is None:
            retry = partial(
                self.run_job,
                job,
                on_success,
                on_failure=on_failure,
                on_progress=on_progress,
                on_cancelled=on_cancelled,
                on_finished=on_finished,
            )

        def failed(exc: BaseException) -> None:
            self._retry = retry
            (on_failure or self.show_error)(exc)

        def connect(signals: JobSignals) -> None:
            signals.succeeded.connect(on_success)
            signals.failed.connect(failed)
            if on_progress is not None:
                signals.progressed.connect(on_progress)
            if on_cancelled is not None:
                signals.cancelled.connect(on_cancelled)
            if on_finished is not None:
                signals.finished.connect(on_finished)
            signals.finished.connect(self.job_finished)

        self.jobs.start(job, connect)
        self.job_started.emit()

    def show_error(
        self,
        exc: BaseException | str,
        framing: str = "{error}",
        *,
        retry: Callable[[], None] | None = None,
    ) -> None:
        """Tell the user what failed, in one clear message on the page, with the button
        that helps beside it.

        Args:
            exc: the error, or the page's own sentence (then without a button).
            framing: the sentence the error's words go into, as {error}.
            retry: what Try again does, for an error that did not fail a job of run_job
                (whose failure sets it).
        """
        if retry is not None:
            self._retry = retry
        if isinstance(exc, str):
            self._error = None
            self.error_notice.show_error(framing.format(error=exc))
            return
        help_ = error_help(exc)
        action = help_.action
        if action is ErrorAction.RETRY and self._retry is None:
            action = None  # not the failure of a job: nothing to run again
        self._error = exc
        self.error_notice.show_error(framing.format(error=help_.text), action)

    def clear_error(self) -> None:
        """Hide the error message (when the user starts something new)."""
        self._error = None
        self._retry = None
        self.error_notice.clear()

    def error_account(self) -> str | None:
        """The account an error on this page concerns when the error names none."""
        return None

    @Slot(object)
    def _on_error_action(self, action: ErrorAction) -> None:
        """Do what the error's button offers: run the job again, or ask the main window."""
        if action is ErrorAction.RETRY:
            retry = self._retry
            if retry is not None:
                self.clear_error()
                retry()
            return
        exc = self._error
        ours = exc if isinstance(exc, ArchiverError) else None
        account = (ours.account if ours is not None else None) or self.error_account()
        self.help_requested.emit(HelpRequest(action, account, ours.kind if ours else None))
