"""The archive page's progress panel: what the running job does, how far, how fast, Cancel."""

from __future__ import annotations

import enum
import time

from PySide6.QtCore import QLocale, QTimer, Signal, Slot
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QPushButton, QWidget

from archiver.core.progress import Phase, Progress
from archiver.gui.folder_names import folder_text
from archiver.gui.formatting import number_text, size_text
from archiver.gui.indexing import status_line

STEPS = 1000  # the bar's range: fine enough for 1-2 GB without int overflow tricks
# Share of the overall bar per phase of an archive run (scanning, copying; indexing is the rest).
SCAN_SHARE = 0.05
COPY_SHARE = 0.90
RATE_AFTER = 0.25  # seconds of copying before a speed and time left are shown
REFRESH_MS = 1000  # speed and time left are recomputed this often, reports or not


class Kind(enum.Enum):
    """Which job the panel follows."""

    LOAD = "load"  # reading folders and sizes
    PREVIEW = "preview"  # the dry run
    ARCHIVE = "archive"  # the real run


class ProgressPanel(QWidget):
    """Shows a running job: status line, overall bar, counts, speed, time left, and Cancel.

    The page connects ``cancel_button``; the panel only shows what it is told, in its own
    words from each report's phase, folder and counts (never the core's English message). Once the
    server is freed (:meth:`server_freed`), an archive run's indexing is shown as an activity
    of its own: a bar of its own, a button that stops only the indexing, and a short line
    for the main window's status bar.

    Signals:
        background_status(str): the status bar's line while indexing in the background
            ("" when it ends).
    """

    background_status = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, STEPS)
        self.bar.setAccessibleName(self.tr("Overall progress"))
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.cancel_button = QPushButton(self.tr("&Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel the running job"))
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status, 0, 0, 1, 2)
        layout.addWidget(self.bar, 1, 0)
        layout.addWidget(self.cancel_button, 1, 1)
        layout.addWidget(self.details, 2, 0, 1, 2)
        layout.setColumnStretch(0, 1)
        self._kind = Kind.LOAD
        self._phase = Phase.SCANNING
        self._background = False  # the server is freed; only indexing is left
        self._keep_on_server = False
        self._copy_started = 0.0
        self._last: Progress | None = None  # the last copying report
        # A server that goes quiet sends no reports; the speed shown must still fall.
        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self._on_refresh)

    def start(self, kind: Kind, status: str, *, keep_on_server: bool = False) -> None:
        """Show the panel for a new job of *kind*, with a first *status* line."""
        self._kind = kind
        self._phase = Phase.SCANNING
        self._keep_on_server = keep_on_server
        self._copy_started = time.monotonic()
        self._last = None
        self._background = False
        self.status.setText(status)
        self.details.clear()
        self.bar.setValue(0)
        self.cancel_button.setText(self.tr("&Cancel"))
        self.cancel_button.setToolTip("")
        self.cancel_button.setEnabled(True)
        self.show()

    @property
    def in_background(self) -> bool:
        """Whether the run has freed the server and only indexes."""
        return self._background

    def server_freed(self) -> None:
        """The run's summary is shown; what follows is indexing, on a bar of its own."""
        self._background = True
        self._phase = Phase.INDEXING
        self._refresh.stop()
        self.details.clear()
        self.bar.setValue(0)
        self._set_status(self.tr("The server is freed. Indexing the archived messages for search…"))
        self.cancel_button.setText(self.tr("&Stop indexing"))
        self.cancel_button.setToolTip(
            self.tr("What is not indexed yet is indexed at the next start or search.")
        )

    def stopping(self) -> None:
        """Say that Cancel was heard and the job is finishing its current step."""
        self.status.setText(self.tr("Stopping at a safe point…"))
        self.cancel_button.setEnabled(False)

    def update_progress(self, progress: Progress) -> None:
        """Show one report of the job (unless Cancel was clicked: then that line stays)."""
        if self._kind is not Kind.ARCHIVE:
            self._show_folder_step(progress)
        elif progress.phase is Phase.INDEXING:
            self._phase = Phase.INDEXING
            self._refresh.stop()
            self._show_indexing(progress)
        elif progress.phase is Phase.SCANNING:
            self._show_folder_step(progress)
        else:
            if self._phase is Phase.SCANNING:
                self._phase = Phase.COPYING
                self._copy_started = time.monotonic()
            self._show_copying(progress)

    def _set_status(self, text: str) -> None:
        if self.cancel_button.isEnabled():  # after Cancel, "Stopping…" stays
            self.status.setText(text)

    def _show_folder_step(self, progress: Progress) -> None:
        """Scanning (archive, preview) or reading sizes (load): one step per folder."""
        if progress.folder and progress.done < progress.total:
            self._set_status(
                self.tr("Looking at folder {folder} ({number} of {count})…").format(
                    folder=folder_text(progress.folder),
                    number=number_text(progress.done + 1),
                    count=number_text(progress.total),
                )
            )
        share = SCAN_SHARE if self._kind is Kind.ARCHIVE else 1.0
        self._set_bar(share * _fraction(progress.done, progress.total))

    def _show_copying(self, progress: Progress) -> None:
        if progress.total and progress.done >= progress.total:
            self._set_status(
                self.tr("All copies checked. Finishing…")
                if self._keep_on_server
                else self.tr("All copies checked. Deleting them from the server…")
            )
        elif progress.folder:
            self._set_status(
                self.tr("Archiving folder {folder}…").format(folder=folder_text(progress.folder))
            )
        else:
            self._set_status(self.tr("Archiving…"))
        if progress.bytes_total:
            fraction = _fraction(progress.bytes_done, progress.bytes_total)
        else:
            fraction = _fraction(progress.done, progress.total)
        self._set_bar(SCAN_SHARE + COPY_SHARE * fraction)
        self.details.setText(self._copy_details(progress))
        self._last = progress
        if not self._refresh.isActive():
            self._refresh.start()

    @Slot()
    def _on_refresh(self) -> None:
        if self._phase is Phase.COPYING and self._last is not None:
            self.details.setText(self._copy_details(self._last))

    def hideEvent(self, event: QHideEvent) -> None:
        """Stop refreshing once the job is over."""
        self._refresh.stop()
        if self._background:
            self._background = False
            self.background_status.emit("")
        super().hideEvent(event)

    def _copy_details(self, progress: Progress) -> str:
        """Counts and sizes; from a second on also messages per second and time left."""
        values = {
            "done": number_text(progress.done),
            "total": number_text(progress.total),
            "bytes_done": size_text(progress.bytes_done),
            "bytes_total": size_text(progress.bytes_total),
        }
        elapsed = time.monotonic() - self._copy_started
        if elapsed < RATE_AFTER or not progress.done or progress.done >= progress.total:
            text = (
                self.tr("{done} of {total} message · {bytes_done} of {bytes_total}")
                if progress.total == 1
                else self.tr("{done} of {total} messages · {bytes_done} of {bytes_total}")
            )
            return text.format(**values)
        rate = progress.done / elapsed
        if progress.bytes_total and progress.bytes_done:
            left = (progress.bytes_total - progress.bytes_done) * elapsed / progress.bytes_done
        else:
            left = (progress.total - progress.done) / rate
        # Here 0 < done < total: the total is at least 2, only the rate may show as 1.
        if 0.5 <= rate < 1.5:
            text = self.tr(
                "{done} of {total} messages · {rate} message/s · {bytes_done} of {bytes_total} "
                "· about {eta} left"
            )
        else:
            text = self.tr(
                "{done} of {total} messages · {rate} messages/s · {bytes_done} of {bytes_total} "
                "· about {eta} left"
            )
        return text.format(**values, rate=QLocale().toString(rate, "f", 0), eta=_duration(left))

    def _show_indexing(self, progress: Progress) -> None:
        values = {"done": number_text(progress.done), "total": number_text(progress.total)}
        if self._background:
            if 0 < progress.done == progress.total:  # every message given: the commit runs
                status = self.tr(
                    "The server is freed. Writing the search index; search finds the "
                    "messages when that is done."
                )
            else:
                status = self.tr(
                    "The server is freed. Indexing the archived messages for search "
                    "({done} of {total}); search finds them when that is done."
                ).format(**values)
            self._set_status(status)
            self._set_bar(_fraction(progress.done, progress.total))
            self.background_status.emit(status_line(progress))
            return
        self._set_status(
            self.tr("Indexing the archived messages for search ({done} of {total})…").format(
                **values
            )
        )
        self._set_bar(
            SCAN_SHARE
            + COPY_SHARE
            + (1 - SCAN_SHARE - COPY_SHARE) * _fraction(progress.done, progress.total)
        )

    def _set_bar(self, fraction: float) -> None:
        # Never backwards: a phase may start below where the bar already is.
        self.bar.setValue(max(self.bar.value(), round(STEPS * min(max(fraction, 0.0), 1.0))))


def _fraction(done: int, total: int) -> float:
    return done / total if total > 0 else 1.0


def _duration(seconds: float) -> str:
    """Format a time span as h:mm:ss or m:ss (the same in every language)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
