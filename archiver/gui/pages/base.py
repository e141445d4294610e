"""What the pages share: one running job at a time, and errors shown the same way."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from archiver.core.progress import Progress
from archiver.gui.context import AppContext
from archiver.gui.errors import error_text
from archiver.gui.notices import Tone, notice_label
from archiver.gui.workers import Job, JobSignals, JobSlot

log = logging.getLogger(__name__)


class JobPage(QWidget):
    """A page that runs jobs off the GUI thread, one at a time.

    Signals:
        job_started(): a job was handed to the pool.
        job_finished(): the job ended (succeeded, failed or cancelled) and its result shown.
    """

    job_started = Signal()
    job_finished = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.jobs = JobSlot(context.pool, self)
        # Errors appear on the page, beside what failed, not in a modal box.
        self.error_label = notice_label(Tone.ERROR)

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
    ) -> None:
        """Start *job*; the callbacks run on the GUI thread. Failures are shown on the page
        unless *on_failure* handles them."""
        self.clear_error()

        def connect(signals: JobSignals) -> None:
            signals.succeeded.connect(on_success)
            signals.failed.connect(on_failure or self.show_error)
            if on_progress is not None:
                signals.progressed.connect(on_progress)
            if on_cancelled is not None:
                signals.cancelled.connect(on_cancelled)
            if on_finished is not None:
                signals.finished.connect(on_finished)
            signals.finished.connect(self.job_finished)

        self.jobs.start(job, connect)
        self.job_started.emit()

    def show_error(self, exc: BaseException | str) -> None:
        """Tell the user what failed, in one clear message on the page."""
        self.error_label.setText(exc if isinstance(exc, str) else error_text(exc))
        self.error_label.show()

    def clear_error(self) -> None:
        """Hide the error message (when the user starts something new)."""
        self.error_label.clear()
        self.error_label.hide()
