"""The notice above the pages that reminds of a backup: plain, never a modal question.

Whether a backup is due is the core's decision (archiver.core.reminders); this widget reads
what it needs off the GUI thread, words it, and offers the way to the Backup section.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from archiver.core.progress import CancelToken, ProgressCallback
from archiver.core.reminders import (
    BackupDue,
    BackupReminder,
    BackupStatus,
    backup_reminder,
    read_backup_status,
)
from archiver.gui.context import AppContext
from archiver.gui.formatting import moment_text, number_text
from archiver.gui.notices import Tone, stylesheet
from archiver.gui.workers import LatestJob

log = logging.getLogger(__name__)


def _read_status(
    archive_root: Path, *, report: ProgressCallback, cancel: CancelToken
) -> BackupStatus:
    return read_backup_status(archive_root)


class ReminderNotice(QFrame):
    """A notice shown while a backup is due, with a button to the Backup section.

    Signals:
        backup_requested(): the user wants to back up now.
        checked(): the status was read and the notice shown or hidden accordingly.
    """

    backup_requested = Signal()
    checked = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.reminder: BackupReminder | None = None
        self.reading = LatestJob(context.pool, self)
        self.setObjectName("reminder")
        self.setStyleSheet(stylesheet(Tone.WARNING, "QFrame#reminder"))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.backup_button = QPushButton(self.tr("Back up…"))
        self.backup_button.setAccessibleName(self.tr("Go to the backup settings"))
        self.backup_button.clicked.connect(self.backup_requested)
        layout = QHBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.backup_button)
        self.hide()
        context.config_changed.connect(self.refresh)

    @Slot()
    def refresh(self) -> None:
        """Read the last backup and the archive's counts in the background, then decide."""
        self.reading.submit(
            partial(_read_status, self.context.archive_root), self._on_status, self._on_failed
        )

    def _on_status(self, status: object) -> None:
        assert isinstance(status, BackupStatus)
        now = dt.datetime.now(dt.UTC)
        self.reminder = backup_reminder(now, status, self.context.config.backup_reminder_days)
        if self.reminder is None:
            self.hide()
        else:
            self.text.setText(self.reminder_text(self.reminder))
            self.show()
        self.checked.emit()

    def _on_failed(self, exc: BaseException) -> None:
        # The archive's problems are told where the archive is used; no reminder meanwhile.
        log.info("Cannot tell whether a backup is due: %s", exc)
        self.hide()
        self.checked.emit()

    def reminder_text(self, reminder: BackupReminder) -> str:
        """Say why a backup is due, in the user's language."""
        count = number_text(reminder.only_here)
        if reminder.due is BackupDue.NEVER:
            return self.tr(
                "This computer now holds the only copy of {count} messages: they were deleted "
                "from the server after archiving. Back them up to an external disk or a "
                "network drive."
            ).format(count=count)
        assert reminder.last is not None
        when = moment_text(reminder.last.finished)
        if reminder.due is BackupDue.INCOMPLETE:
            return self.tr(
                "The last backup ({when}) did not finish. This computer holds the only copy of "
                "{count} messages; back up again to finish it."
            ).format(when=when, count=count)
        return self.tr(
            "The last backup was {days} days ago ({when}). This computer holds the only copy "
            "of {count} messages; back them up again."
        ).format(days=number_text(reminder.days), when=when, count=count)
