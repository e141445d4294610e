"""Indexing for search as a background activity of the app, apart from any page's job.

An archive run frees the server first and indexes afterwards; when the app was closed before
that indexing ended (or the run was told not to index), what is left is indexed at the next
start, here, while the user works. The status is one short line for the main window's
status bar, so it stays in view on every page.
"""

from __future__ import annotations

import logging
from functools import partial

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from archiver.core.index.indexer import catch_up_archive
from archiver.core.progress import Progress
from archiver.gui.context import AppContext
from archiver.gui.formatting import number_text
from archiver.gui.workers import JobSignals, JobSlot

log = logging.getLogger(__name__)


def status_line(progress: Progress) -> str:
    """The status bar's line for indexing in the background (an archive run's or the
    catch-up's), *progress* counting messages given to the index writer."""
    if 0 < progress.done == progress.total:  # every message given: the commit runs
        # At 100,000 messages that takes tens of seconds; "N of N" looked stuck meanwhile.
        return QCoreApplication.translate("indexing", "Writing the search index…")
    return QCoreApplication.translate(
        "indexing", "Indexing archived messages for search: {done} of {total}"
    ).format(done=number_text(progress.done), total=number_text(progress.total))


class IndexCatchUp(QObject):
    """Indexes what the archive's search index lacks, on the pool.

    Signals:
        status_changed(str): the line to show ("" when there is nothing to say).
        finished(): the catch-up ended (done, stopped, or not possible now).
    """

    status_changed = Signal(str)
    finished = Signal()

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._slot = JobSlot(context.pool, self)

    @property
    def busy(self) -> bool:
        """Whether the catch-up runs."""
        return self._slot.busy

    def start(self) -> None:
        """Index what is missing (nothing happens when the index is complete)."""
        if self._slot.busy:
            return
        self._slot.start(
            partial(catch_up_archive, self.context.archive_root, ocr=self.context.config.ocr),
            self._connect,
        )

    def cancel(self) -> None:
        """Stop at a safe point; the rest is indexed at the next start or search."""
        self._slot.cancel()

    def _connect(self, signals: JobSignals) -> None:
        signals.progressed.connect(self._on_progress)
        signals.failed.connect(self._on_failed)
        signals.finished.connect(self._on_finished)

    @Slot(object)
    def _on_progress(self, progress: Progress) -> None:
        if progress.total:
            self.status_changed.emit(status_line(progress))

    @Slot(object)
    def _on_failed(self, exc: BaseException) -> None:
        # The index is derived data: the next start or search tries again.
        log.info("Indexing at start did not finish: %s", exc)

    @Slot()
    def _on_finished(self) -> None:
        self.status_changed.emit("")
        self.finished.emit()
