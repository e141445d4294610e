"""The Backup section of Settings: the backup folder, "Back up now" with progress and cancel,
the last backup's date and result, and after how many days the app reminds of a backup.

The backup itself is the core's job (archiver.core.jobs.backup), run off the GUI thread; the
words for its errors are this section's own, naming the button or the disk, never a command.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from archiver.core.config import MAX_REMINDER_DAYS
from archiver.core.errors import (
    BackupCopyFailed,
    BackupDestinationForeign,
    BackupDestinationFull,
    BackupDestinationInvalid,
    BackupDestinationMissing,
    BackupDestinationReadOnly,
    BackupFileTooLarge,
    BackupOfAnotherArchive,
    ConfigError,
)
from archiver.core.jobs.backup import FULL_CHECK_DAYS, BackupResult, CheckMode, run_backup
from archiver.core.progress import CancelToken, Progress, ProgressCallback
from archiver.core.runlog import BackupRecord, read_last_backup
from archiver.gui.context import AppContext
from archiver.gui.errors import error_text
from archiver.gui.formatting import moment_text, number_text, size_text
from archiver.gui.notices import Tone, notice_label, stylesheet
from archiver.gui.pages.base import JobPage
from archiver.gui.workers import LatestJob


def _read_last_backup(
    archive_root: Path, *, report: ProgressCallback, cancel: CancelToken
) -> BackupRecord | None:
    return read_last_backup(archive_root)


def backup_error_text(exc: BaseException) -> str:
    """Return what the user is told about a failed backup, with what helps, in their language.

    The core's own texts are English and may name a command; these name the disk and the
    button. Other errors (a locked or damaged archive) are told as every page tells them.
    """
    return backup_problem_text(exc) or error_text(exc)


def backup_problem_text(exc: BaseException) -> str | None:
    """Return the words for a problem of the backup itself (its folder, its disk); None for
    other errors, which every page tells alike, with the button that helps."""

    again = QCoreApplication.translate(
        "backup", "The archive is untouched. Choose “Back up now” again to finish the backup."
    )
    if isinstance(exc, BackupDestinationMissing):
        if exc.during_run:
            return (
                QCoreApplication.translate(
                    "backup",
                    "The backup folder {path} went away during the backup (disk unplugged or "
                    "network connection lost); the backup there is marked incomplete. Connect "
                    "the disk again.",
                ).format(path=exc.destination)
                + " "
                + again
            )
        return QCoreApplication.translate(
            "backup",
            "The backup folder {path} cannot be reached. Connect the external disk or the "
            "network drive, or choose another folder.",
        ).format(path=exc.destination)
    if isinstance(exc, BackupDestinationForeign):
        return QCoreApplication.translate(
            "backup",
            "The folder {path} is not empty and holds no backup of this app. Choose an empty "
            "folder or the folder of an earlier backup. Nothing was written.",
        ).format(path=exc.destination)
    if isinstance(exc, BackupOfAnotherArchive):
        return QCoreApplication.translate(
            "backup",
            "The folder {path} holds the backup of another archive (another computer's). "
            "Choose another folder. Nothing was written.",
        ).format(path=exc.destination)
    if isinstance(exc, BackupDestinationInvalid):
        return QCoreApplication.translate(
            "backup",
            "The backup folder {path} is the archive folder, lies inside it or holds it. "
            "Choose a folder on another disk.",
        ).format(path=exc.destination)
    if isinstance(exc, BackupDestinationFull):
        if exc.needed is not None and exc.free is not None:
            return QCoreApplication.translate(
                "backup",
                "The backup disk of {path} is too small: the backup needs about {needed} more, "
                "{free} are free. Use a larger disk or free some space. Nothing was copied.",
            ).format(path=exc.destination, needed=size_text(exc.needed), free=size_text(exc.free))
        return (
            QCoreApplication.translate(
                "backup",
                "The backup disk of {path} is full; the backup there is marked incomplete. Free "
                "some space on it or use a larger disk.",
            ).format(path=exc.destination)
            + " "
            + again
        )
    if isinstance(exc, BackupDestinationReadOnly):
        return QCoreApplication.translate(
            "backup",
            "The backup folder {path} cannot be written (a write-protected disk, or no "
            "permission). Choose another folder.",
        ).format(path=exc.destination)
    if isinstance(exc, BackupFileTooLarge):
        largest = max(exc.files, key=lambda item: item[1])
        return QCoreApplication.translate(
            "backup",
            "The backup disk of {path} is formatted {filesystem}, which cannot hold files larger "
            "than {limit}; the archive holds {count} such files (for example {file}, {size}). "
            "Use a disk formatted exFAT or NTFS. Nothing was copied.",
        ).format(
            path=exc.destination,
            filesystem=exc.filesystem or "FAT",
            limit=size_text(exc.limit) if exc.limit is not None else "4 GB",
            count=number_text(len(exc.files)),
            file=largest[0],
            size=size_text(largest[1]),
        )
    if isinstance(exc, BackupCopyFailed):
        return (
            QCoreApplication.translate(
                "backup",
                "Copying {file} to {path} failed ({detail}); the backup there is marked "
                "incomplete. Check the disk and its cable or network connection.",
            ).format(file=exc.path, path=exc.destination, detail=exc.detail)
            + " "
            + again
        )
    return None


class BackupSection(JobPage):
    """Settings → Backup: copy the whole archive to an external disk or a network share.

    Signals (from JobPage):
        job_started(): a backup started.
        job_finished(): it ended and its result is shown.

    ``reading`` (a LatestJob) reads the last backup's record; its ``finished`` tells when
    the record is shown.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.reading = LatestJob(context.pool, self)
        hint = QLabel(
            self.tr(
                "After archiving, this computer holds the only copy of the archived mail. Copy "
                "the archive regularly to an external disk or a network drive: only what is new "
                "is copied, and every copy is checked. The backup is a complete archive; on a "
                "new computer, choose it as the archive folder.",
            )
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        self.folder_edit = QLineEdit()
        self.folder_edit.setAccessibleName(self.tr("Backup folder"))
        self.folder_edit.setPlaceholderText(
            self.tr("A folder on an external disk or network drive")
        )
        browse = QPushButton(self.tr("Choose…"))
        browse.setAccessibleName(self.tr("Choose the backup folder"))
        browse.clicked.connect(self._on_browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        self.reminder_spin = QSpinBox()
        self.reminder_spin.setAccessibleName(self.tr("Remind after days without a backup"))
        self.reminder_spin.setRange(0, MAX_REMINDER_DAYS)
        self.reminder_spin.setSpecialValueText(self.tr("Never"))
        self.reminder_spin.setSuffix(self.tr(" days"))
        self.reminder_spin.editingFinished.connect(self._on_reminder_changed)
        reminder_row = QHBoxLayout()
        reminder_row.addWidget(self.reminder_spin)
        reminder_row.addStretch(1)
        self.last_label = QLabel()
        self.last_label.setWordWrap(True)
        self.last_label.setAccessibleName(self.tr("Last backup"))
        form = QFormLayout()
        for text, field in [
            (self.tr("Backup fold&er:"), self.folder_edit),
            (self.tr("Re&mind after:"), self.reminder_spin),
        ]:
            caption = QLabel(text)
            caption.setBuddy(field)
            form.addRow(caption, folder_row if field is self.folder_edit else reminder_row)
        form.addRow(self.tr("Last backup:"), self.last_label)

        self.backup_button = QPushButton(self.tr("Back u&p now"))
        self.backup_button.setAccessibleName(self.tr("Back up now"))
        self.backup_button.clicked.connect(self._on_backup)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Progress of the backup"))
        self.progress.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel the backup"))
        self.cancel_button.clicked.connect(self.cancel_job)
        self.cancel_button.hide()
        self.result_label = notice_label(Tone.SUCCESS)
        self.job_started.connect(lambda: self.backup_button.setEnabled(False))
        self.job_finished.connect(lambda: self.backup_button.setEnabled(True))
        self.full_check_box = QCheckBox(self.tr("Read the &whole backup back (slower)"))
        self.full_check_box.setToolTip(
            self.tr(
                "Otherwise files checked by an earlier backup and unchanged since are trusted, "
                "and the whole backup is read back only every {days} days."
            ).format(days=number_text(FULL_CHECK_DAYS))
        )
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        row.addStretch(0)
        row.addWidget(self.full_check_box)
        row.addWidget(self.backup_button)

        self.box = QGroupBox(self.tr("Backup"))
        box_layout = QVBoxLayout(self.box)
        box_layout.addWidget(hint)
        box_layout.addLayout(form)
        box_layout.addLayout(row)
        box_layout.addWidget(self.result_label)
        box_layout.addWidget(self.error_notice)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        self._show_config()
        self._show_last(None)
        context.config_changed.connect(self._show_config)

    def showEvent(self, event: QShowEvent) -> None:
        """Read the last backup's record each time Settings is shown."""
        super().showEvent(event)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read the last backup's record in the background and show it.

        Not through the page's job slot: the reading is no job the user waits for or cancels,
        and may run beside a backup's end.
        """
        self.reading.submit(
            partial(_read_last_backup, self.context.archive_root),
            lambda record: self._show_last(record if isinstance(record, BackupRecord) else None),
            self.show_error,
        )

    @Slot()
    def _show_config(self) -> None:
        config = self.context.config
        if config.backup_dir is not None:
            self.folder_edit.setText(str(config.backup_dir))
        self.reminder_spin.setValue(config.backup_reminder_days)

    def _show_last(self, record: BackupRecord | None) -> None:
        if record is None:
            self.last_label.setText(self.tr("None yet."))
            return
        when = moment_text(record.finished)
        if record.complete and not record.damaged:
            text = self.tr("{when}, complete, to {path}.")
        elif record.complete:
            text = self.tr(
                "{when}, complete, to {path}; {damaged} messages were damaged in the archive "
                "itself (Check the archive says more).",
            )
        elif record.cancelled:
            text = self.tr("{when}, cancelled, to {path}: incomplete; back up again to finish it.")
        else:
            text = self.tr("{when}, failed, to {path}: incomplete; back up again to finish it.")
        self.last_label.setText(
            text.format(when=when, path=record.destination, damaged=number_text(record.damaged))
        )

    @Slot()
    def _on_browse(self) -> None:
        start = self.folder_edit.text() or str(Path.home())
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Backup folder"), start)
        if chosen:
            self.folder_edit.setText(chosen)

    def _save(self, **changes: object) -> bool:
        """Save changed backup settings; False (and the error shown) when that fails."""
        new = replace(self.context.config, **changes)  # type: ignore[arg-type]
        if new == self.context.config:
            return True
        try:
            self.context.save_config(new)
        except (ConfigError, OSError) as exc:
            self.show_error(exc)
            return False
        return True

    @Slot()
    def _on_reminder_changed(self) -> None:
        self._save(backup_reminder_days=self.reminder_spin.value())

    @Slot()
    def _on_backup(self) -> None:
        """Remember the chosen folder and copy the archive there, off the GUI thread."""
        if self.is_busy():
            return
        self.clear_error()
        self.result_label.hide()
        text = self.folder_edit.text().strip()
        destination = Path(text).expanduser()
        if not text or not destination.is_absolute():
            self.show_error(self.tr("Choose the backup folder first (a full path)."))
            return
        if not self._save(backup_dir=destination):
            return
        self.progress.setRange(0, 0)
        self.progress.setFormat(self.tr("Preparing…"))
        self.progress.setTextVisible(True)
        self.progress.show()
        self.cancel_button.show()
        self.run_job(
            partial(
                run_backup,
                self.context.archive_root,
                destination,
                settings=self.context.config,
                check=CheckMode.FULL if self.full_check_box.isChecked() else CheckMode.AUTO,
            ),
            self._on_backed_up,
            on_failure=self._on_backup_failed,
            on_progress=self._on_progress,
            on_finished=self._on_ended,
        )

    def _on_backup_failed(self, exc: BaseException) -> None:
        """Say what failed: the backup's own problems in its words, others as every page
        does (a damaged archive with Open settings beside it)."""
        self.show_error(backup_problem_text(exc) or exc)

    def _on_progress(self, progress: Progress) -> None:
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
            self.progress.setFormat(
                self.tr("{done} of {total} files, {size} of {all}").format(
                    done=number_text(progress.done),
                    total=number_text(progress.total),
                    size=size_text(progress.bytes_done),
                    all=size_text(progress.bytes_total),
                )
            )

    def _on_ended(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.refresh()  # the record the backup wrote

    def _on_backed_up(self, result: object) -> None:
        assert isinstance(result, BackupResult)
        self._show_result(
            " ".join(self.result_lines(result)), Tone.SUCCESS if result.ok else Tone.WARNING
        )

    def result_lines(self, result: BackupResult) -> list[str]:
        """Say in a few sentences what the backup did and where it is."""
        lines = [
            self.tr(
                "{copied} files copied, {checked} already there and checked ({size} copied).",
            ).format(
                copied=number_text(result.copied + result.replaced + result.appended),
                checked=number_text(result.intact),
                size=size_text(result.bytes_copied),
            )
        ]
        if result.cancelled:
            lines.append(
                self.tr(
                    "Cancelled: the backup is incomplete and says so. Choose “Back up now” again "
                    "to finish it; what is there and checked is not copied again.",
                )
            )
            return lines
        if result.damaged:
            lines.append(
                self.tr(
                    "{count} messages are damaged in the archive itself and were backed up as "
                    "they are; choose “Check and repair the archive” for details.",
                ).format(count=number_text(len(result.damaged)))
            )
        else:
            lines.append(self.tr("The backup is complete: every message matches the catalog."))
        if not result.full_check:
            lines.append(
                self.tr(
                    "Files checked by an earlier backup and unchanged since were not read again "
                    "({count}); every {days} days the whole backup is read back."
                ).format(count=number_text(result.trusted), days=number_text(FULL_CHECK_DAYS))
            )
        return lines

    def _show_result(self, text: str, tone: Tone) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(stylesheet(tone))
        self.result_label.show()
