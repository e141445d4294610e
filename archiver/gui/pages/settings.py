"""Settings: archive folder and format, default cut-off, language; checking and repairing the
archive; the log of past runs; the archive and log folders, opened in the file manager."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from archiver.core.config import Config
from archiver.core.errors import ConfigError
from archiver.core.index import ocr
from archiver.core.jobs.verify import CatalogState, VerifyResult, run_verify
from archiver.core.paths import make_private_dir
from archiver.core.progress import CancelToken, Progress, ProgressCallback
from archiver.core.runlog import RunRecord, read_runs
from archiver.gui.context import AppContext
from archiver.gui.formatting import number_text
from archiver.gui.notices import Tone, notice_label, stylesheet
from archiver.gui.pages.base import JobPage
from archiver.gui.pages.settings_backup import BackupSection
from archiver.gui.pages.settings_schedule import ScheduleSection
from archiver.gui.runlogmodel import RunLogModel

RUNS_MIN_HEIGHT = 160  # pixels: a few past runs stay in view however full the page is


def _read_runs(archive_root: Path, *, report: ProgressCallback, cancel: CancelToken) -> object:
    return read_runs(archive_root)


class SettingsPage(JobPage):
    """Where the archive lives and in which format, the cut-off the archive page proposes,
    the language, the check and repair of the archive, and the log of past runs.

    Settings apply as soon as they are changed (the archive folder once typed: Enter, or the
    focus leaving the field); a changed language applies from the next start.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.folder_edit = QLineEdit()
        self.folder_edit.setAccessibleName(self.tr("Archive folder"))
        self.folder_edit.setPlaceholderText(str(context.dirs.archive))
        self.browse_button = QPushButton(self.tr("&Browse…"))
        self.browse_button.setAccessibleName(self.tr("Choose the archive folder"))
        self.browse_button.clicked.connect(self._on_browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.browse_button)

        self.format_combo = QComboBox()
        self.format_combo.setAccessibleName(self.tr("Archive format"))
        self.format_combo.addItem(self.tr("Maildir (one file per message)"), "maildir")
        self.format_combo.addItem(self.tr("mbox (one file per folder)"), "mbox")

        self.cutoff_combo = QComboBox()
        self.cutoff_combo.setAccessibleName(self.tr("Default cut-off"))
        for label, value in [
            (self.tr("3 months"), "3m"),
            (self.tr("6 months"), "6m"),
            (self.tr("1 year"), "1y"),
            (self.tr("2 years"), "2y"),
        ]:
            self.cutoff_combo.addItem(label, value)

        self.language_combo = QComboBox()
        self.language_combo.setAccessibleName(self.tr("Language"))
        self.language_combo.addItem(self.tr("System default"), "")
        self.language_combo.addItem("English", "en")
        self.language_combo.addItem("Deutsch", "de")

        # Whether Tesseract is installed is asked once: a program lookup, not worth a job.
        self.ocr_unavailable = ocr.unavailable()
        self.ocr_box = QCheckBox(self.tr("Read scanned documents and images by &OCR (slow)"))
        self.ocr_box.setAccessibleName(self.tr("Read scanned documents by OCR"))
        if self.ocr_unavailable is not None:
            self.ocr_box.setEnabled(False)
            self.ocr_box.setToolTip(
                self.tr(
                    "Not available: Tesseract OCR with German language data is not installed "
                    "(see the user guide)."
                )
            )

        self.notice = QLabel()  # says that a change was saved
        self.notice.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self._caption(self.tr("Archive &folder:"), self.folder_edit), folder_row)
        for text, combo in [
            (self.tr("Archive forma&t:"), self.format_combo),
            (self.tr("Default &cut-off:"), self.cutoff_combo),
            (self.tr("&Language:"), self.language_combo),
        ]:
            form.addRow(self._caption(text, combo), combo)
        form.addRow(self.tr("Search:"), self.ocr_box)
        hint = QLabel(
            self.tr(
                "The format applies to accounts archived for the first time; an account keeps "
                "the format of its existing archive. Changing the folder does not move an "
                "existing archive: choose the folder where it is. OCR applies to mail indexed "
                "from now on."
            )
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        settings_box = QGroupBox(self.tr("Settings"))
        box_layout = QVBoxLayout(settings_box)
        box_layout.addLayout(form)
        box_layout.addWidget(hint)
        box_layout.addWidget(self.notice)

        check_box = self._check_box()

        self.runs_model = RunLogModel()
        self.runs_view = QTableView()
        self.runs_view.setAccessibleName(self.tr("Past archive runs"))
        self.runs_view.setModel(self.runs_model)
        self.runs_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.runs_view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.runs_view.verticalHeader().hide()
        self.runs_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        refresh = QPushButton(self.tr("&Refresh"))
        refresh.setAccessibleName(self.tr("Refresh the list of past runs"))
        refresh.clicked.connect(self.refresh_runs)
        self.open_archive_button = QPushButton(self.tr("Open &archive folder"))
        self.open_archive_button.setAccessibleName(
            self.tr("Open the archive folder in the file manager")
        )
        self.open_archive_button.clicked.connect(self._on_open_archive)
        self.open_logs_button = QPushButton(self.tr("Open lo&g folder"))
        self.open_logs_button.setAccessibleName(self.tr("Open the log folder in the file manager"))
        self.open_logs_button.clicked.connect(self._on_open_logs)
        runs_buttons = QHBoxLayout()
        runs_buttons.addWidget(self.open_archive_button)
        runs_buttons.addWidget(self.open_logs_button)
        runs_buttons.addStretch(1)
        runs_buttons.addWidget(refresh)
        runs_box = QGroupBox(self.tr("Past archive runs"))
        runs_layout = QVBoxLayout(runs_box)
        runs_layout.addWidget(self.runs_view)
        runs_layout.addLayout(runs_buttons)

        # The sections outgrow a small screen: the page scrolls, and the runs keep some rows.
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addWidget(settings_box)
        layout.addWidget(check_box)
        self.backup_section = BackupSection(context)
        layout.addWidget(self.backup_section)
        self.schedule_section = ScheduleSection(context)
        layout.addWidget(self.schedule_section)
        layout.addWidget(self.error_notice)
        self.runs_view.setMinimumHeight(RUNS_MIN_HEIGHT)
        layout.addWidget(runs_box, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._show_config()
        context.config_changed.connect(self._show_config)
        for combo in (self.format_combo, self.cutoff_combo, self.language_combo):
            combo.currentIndexChanged.connect(self._apply)
        self.ocr_box.toggled.connect(self._apply)
        self.folder_edit.editingFinished.connect(self._apply)
        self._refused_folder = False  # the error shown is about the typed folder

    def _check_box(self) -> QGroupBox:
        """The button that checks and repairs the archive, its progress and its result."""
        hint = QLabel(
            self.tr(
                "Reads every archived message back and compares it with the catalog. Messages "
                "the catalog lacks are recorded again from the archive files, a lost or damaged "
                "catalog is rebuilt, and the search index is repaired. No archive file is "
                "deleted."
            )
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        self.check_button = QPushButton(self.tr("Chec&k and repair the archive"))
        self.check_button.setAccessibleName(self.tr("Check and repair the archive"))
        self.check_button.clicked.connect(self._on_check)
        self.job_started.connect(lambda: self.check_button.setEnabled(False))
        self.job_finished.connect(lambda: self.check_button.setEnabled(True))
        self.check_progress = QProgressBar()
        self.check_progress.setAccessibleName(self.tr("Progress of the check"))
        self.check_progress.hide()
        self.check_cancel_button = QPushButton(self.tr("Cancel"))
        self.check_cancel_button.setAccessibleName(self.tr("Cancel the check"))
        self.check_cancel_button.clicked.connect(self.cancel_job)
        self.check_cancel_button.hide()
        self.check_result = notice_label(Tone.SUCCESS)
        row = QHBoxLayout()
        row.addWidget(self.check_progress, 1)
        row.addWidget(self.check_cancel_button)
        row.addStretch(0)
        row.addWidget(self.check_button)
        box = QGroupBox(self.tr("Check the archive"))
        layout = QVBoxLayout(box)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(self.check_result)
        return box

    @Slot()
    def _on_check(self) -> None:
        """Check every message and repair what the catalog and index lack, off the GUI
        thread (it reads the whole archive)."""
        if self.is_busy():
            return
        self.check_result.hide()
        self.check_progress.setRange(0, 0)
        self.check_progress.setFormat(self.tr("Checking…"))
        self.check_progress.setTextVisible(True)
        self.check_progress.show()
        self.check_cancel_button.show()
        self.run_job(
            partial(
                run_verify, self.context.archive_root, repair=True, ocr=self.context.config.ocr
            ),
            self._on_checked,
            on_progress=self._on_check_progress,
            on_cancelled=lambda: self._show_check_result(
                self.tr("The check was cancelled."), Tone.WARNING
            ),
            on_finished=self._check_ended,
        )

    def _on_check_progress(self, progress: Progress) -> None:
        if progress.total:
            self.check_progress.setRange(0, progress.total)
            self.check_progress.setValue(progress.done)
            self.check_progress.setFormat(
                self.tr("{done} of {total}").format(
                    done=number_text(progress.done), total=number_text(progress.total)
                )
            )

    def _check_ended(self) -> None:
        self.check_progress.hide()
        self.check_cancel_button.hide()

    def _on_checked(self, result: object) -> None:
        assert isinstance(result, VerifyResult)
        self._show_check_result(
            " ".join(self.check_result_lines(result)), Tone.SUCCESS if result.ok else Tone.WARNING
        )

    def check_result_lines(self, result: VerifyResult) -> list[str]:
        """Say in a few sentences what the check found and repaired."""
        lines = []
        if result.catalog is CatalogState.REBUILT:
            if result.damaged_catalog:
                lines.append(
                    self.tr(
                        "The catalog was rebuilt from the archive files (the damaged one is "
                        "kept as {file})."
                    ).format(file=result.damaged_catalog)
                )
            else:
                lines.append(self.tr("The catalog was rebuilt from the archive files."))
        if result.adopted:
            lines.append(
                self.tr("Messages recorded again from the archive files: {count}.").format(
                    count=number_text(result.adopted)
                )
            )
        if result.relocated:
            lines.append(
                self.tr(
                    "Messages found again at another place in the archive files: {count}."
                ).format(count=number_text(result.relocated))
            )
        if result.cancelled:
            lines.append(
                self.tr(
                    "Cancelled after {checked} of {total} messages; check again to check them all."
                ).format(checked=number_text(result.checked), total=number_text(result.total))
            )
            return lines
        damaged = len(result.missing) + len(result.altered)
        if damaged:
            lines.append(
                self.tr(
                    "Messages missing or damaged: {count}. They stay in the catalog; a good copy "
                    "is on the server or in your backup."
                ).format(count=number_text(damaged))
            )
        if result.unknown:
            lines.append(
                self.tr(
                    "Messages in the archive files that could not be recorded: {count}. They do "
                    "not end as the archive's own messages do, so they are left as they are."
                ).format(count=number_text(len(result.unknown)))
            )
        if result.intact and not damaged and not result.unknown:
            lines.append(
                self.tr("All messages are intact ({count} checked).").format(
                    count=number_text(result.intact)
                )
            )
        if not lines:
            lines.append(self.tr("The archive holds no messages yet."))
        if result.index.repaired and (result.index.indexed or not result.index.agrees):
            lines.append(self.tr("The search index was repaired."))
        return lines

    def _show_check_result(self, text: str, tone: Tone) -> None:
        self.check_result.setText(text)
        self.check_result.setStyleSheet(stylesheet(tone))
        self.check_result.show()

    @staticmethod
    def _caption(text: str, field: QWidget) -> QLabel:
        """A form label whose mnemonic (Alt+letter) jumps to *field*."""
        caption = QLabel(text)
        caption.setBuddy(field)
        return caption

    def showEvent(self, event: QShowEvent) -> None:
        """Read the run log each time the page is shown: runs may have ended meanwhile."""
        super().showEvent(event)
        self.refresh_runs()

    def asks_before_closing(self) -> bool:
        """Only a check is worth asking about; reading the run log is not."""
        return self.is_busy() and not self.check_cancel_button.isHidden()

    def focus_check(self) -> None:
        """Put the focus on "Check and repair", what helps with a damaged archive: now, or
        once the page's job ends (reading the run log as the page is shown disables it)."""
        if self.check_button.isEnabled():
            self.check_button.setFocus()
        else:
            self.job_finished.connect(
                self.check_button.setFocus, Qt.ConnectionType.SingleShotConnection
            )

    @Slot()
    def refresh_runs(self) -> None:
        """Read the run log in the background and show it."""
        if not self.is_busy():
            self.run_job(partial(_read_runs, self.context.archive_root), self._on_runs)

    def _on_runs(self, runs: object) -> None:
        assert isinstance(runs, list)
        self.runs_model.set_runs([run for run in runs if isinstance(run, RunRecord)])

    @Slot()
    def _show_config(self) -> None:
        config = self.context.config
        self.folder_edit.setText(str(config.archive_dir) if config.archive_dir else "")
        for combo, value in [
            (self.format_combo, config.archive_format),
            (self.cutoff_combo, config.default_cutoff),
            (self.language_combo, config.language),
        ]:
            combo.setCurrentIndex(max(combo.findData(value), 0))
        self.ocr_box.setChecked(config.ocr and self.ocr_unavailable is None)

    def _open_folder(self, folder: Path) -> None:
        """Show *folder* in the system's file manager."""
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.show_error(self.tr("The folder {path} could not be opened.").format(path=folder))

    @Slot()
    def _on_open_logs(self) -> None:
        """Open the log folder, created first if no log was written yet."""
        self.clear_error()
        try:
            folder = make_private_dir(self.context.dirs.logs)
        except OSError as exc:
            self.show_error(exc)
            return
        self._open_folder(folder)

    @Slot()
    def _on_open_archive(self) -> None:
        """Open the archive folder in use (as saved, not as typed in the form).

        The default folder is created if need be. A chosen one that is missing is not: it
        may be on a drive that is not plugged in, and creating it would put the archive on
        the wrong disk.
        """
        self.clear_error()
        root = self.context.archive_root
        if self.context.config.archive_dir is None:
            try:
                make_private_dir(root)
            except OSError as exc:
                self.show_error(exc)
                return
        elif not root.is_dir():
            self.show_error(
                self.tr(
                    "The archive folder {path} does not exist. Is the drive it is on connected?"
                ).format(path=root)
            )
            return
        self._open_folder(root)

    @Slot()
    def _on_browse(self) -> None:
        start = self.folder_edit.text() or str(self.context.archive_root)
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Archive folder"), start)
        if chosen:
            self.folder_edit.setText(chosen)
            self._apply()

    def edited_config(self) -> Config:
        """The settings as the form shows them."""
        text = self.folder_edit.text().strip()
        return replace(
            self.context.config,
            archive_dir=Path(text).expanduser() if text else None,
            archive_format=self.format_combo.currentData(),
            default_cutoff=self.cutoff_combo.currentData(),
            language=self.language_combo.currentData(),
            ocr=self.ocr_box.isChecked(),
        )

    def hideEvent(self, event: QHideEvent) -> None:
        """Save a folder still being typed when the user leaves the page or the app."""
        self._apply()
        super().hideEvent(event)

    @Slot()
    def _apply(self) -> None:
        """Save the settings as the form shows them, once one of them changed.

        A relative archive folder is refused (said on the page) and the saved one kept; the
        other settings still apply.
        """
        new = self.edited_config()
        refused = new.archive_dir is not None and not new.archive_dir.is_absolute()
        if refused:
            self.show_error(self.tr("The archive folder must be a full path."))
            new = replace(new, archive_dir=self.context.config.archive_dir)
        elif self._refused_folder:
            self.clear_error()
        self._refused_folder = refused
        if new == self.context.config:
            return
        language_changed = new.language != self.context.config.language
        try:
            self.context.save_config(new)
        except (ConfigError, OSError) as exc:
            self.show_error(exc)
            return
        self.notice.setText(
            self.tr("Saved. The language changes the next time you start the app.")
            if language_changed
            else self.tr("Saved.")
        )
        self.refresh_runs()
