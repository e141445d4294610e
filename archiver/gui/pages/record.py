"""The Record page ("Protokoll"): the archive runs of a period, and the record of every
message they archived and deleted from the server, saved as CSV or HTML.

The record is made by the core (archiver.core.report) off the GUI thread: it reads each
listed message's header from the archive, which takes a while for a large archive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QDate, QLocale, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from archiver.core.config import MAX_RETENTION_YEARS
from archiver.core.cutoff import start_of_day
from archiver.core.errors import ConfigError, ReportWriteFailed
from archiver.core.progress import CancelToken, Progress, ProgressCallback
from archiver.core.reminders import count_past_retention, retention_cutoff
from archiver.core.report import Report, ReportFilter, build_report, run_chosen, save_report
from archiver.core.runlog import RunRecord, read_runs
from archiver.gui.context import AppContext
from archiver.gui.formatting import day_text, number_text, pydate, qdate
from archiver.gui.notices import Tone, notice_label, stylesheet
from archiver.gui.pages.base import JobPage
from archiver.gui.runlogmodel import RunLogModel
from archiver.gui.workers import LatestJob


def _count_past(
    archive_root: Path, cutoff: dt.datetime, *, report: ProgressCallback, cancel: CancelToken
) -> int:
    return count_past_retention(archive_root, cutoff)


def _read_runs(archive_root: Path, *, report: ProgressCallback, cancel: CancelToken) -> object:
    return read_runs(archive_root)


def save_record(
    archive_root: Path,
    chosen: ReportFilter,
    target: Path,
    fmt: str,
    language: str,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> Report:
    """Make the record and save it to *target*, unless cancelled (then nothing is written)."""
    result = build_report(archive_root, chosen, report=report, cancel=cancel)
    if not result.cancelled:
        save_report(result, target, fmt, language)
    return result


def report_language() -> str:
    """The language of saved records: the app's, where the core has words for it."""
    return "de" if QLocale().language() == QLocale.Language.German else "en"


class RecordPage(JobPage):
    """Past archive runs by account and period; the record of their messages saved as a file.

    Signals (from JobPage):
        job_started(): a record is being made.
        job_finished(): it was saved (or failed, or was cancelled) and the result is shown.

    ``reading`` (a LatestJob) reads the run log; its ``finished`` tells when the runs show.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.reading = LatestJob(context.pool, self)
        self.counting = LatestJob(context.pool, self)
        self._runs: list[RunRecord] = []
        hint = QLabel(
            self.tr(
                "The record lists every archived message: date, sender, subject, size, its "
                "SHA-256 checksum, when it was archived and when it was deleted from the "
                "server. Settings → Check and repair the archive shows that the archived "
                "messages still match these checksums."
            )
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)

        self.account_combo = QComboBox()
        self.account_combo.setAccessibleName(self.tr("Account"))
        self.all_dates = QCheckBox(self.tr("All &dates"))
        self.all_dates.setChecked(True)
        today = dt.date.today()
        self.since_edit = self._date_edit(today.replace(month=1, day=1), self.tr("Archived from"))
        self.until_edit = self._date_edit(today, self.tr("Archived until"))
        self.all_dates.toggled.connect(self._on_filter_changed)
        for widget in (self.since_edit, self.until_edit):
            widget.dateChanged.connect(self._on_filter_changed)
        self.account_combo.currentIndexChanged.connect(self._on_filter_changed)
        filters = QHBoxLayout()
        account_caption = QLabel(self.tr("Acc&ount:"))
        account_caption.setBuddy(self.account_combo)
        filters.addWidget(account_caption)
        filters.addWidget(self.account_combo)
        filters.addSpacing(12)
        filters.addWidget(self.all_dates)
        filters.addWidget(QLabel(self.tr("from")))
        filters.addWidget(self.since_edit)
        filters.addWidget(QLabel(self.tr("until")))
        filters.addWidget(self.until_edit)
        filters.addStretch(1)

        self.runs_model = RunLogModel()
        self.runs_view = QTableView()
        self.runs_view.setAccessibleName(self.tr("Archive runs of the period"))
        self.runs_view.setModel(self.runs_model)
        self.runs_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.runs_view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.runs_view.verticalHeader().hide()
        self.runs_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        self.csv_button = QPushButton(self.tr("Save as &CSV…"))
        self.csv_button.setAccessibleName(self.tr("Save the record as a CSV file for Excel"))
        self.csv_button.clicked.connect(lambda: self.ask_and_save("csv"))
        self.html_button = QPushButton(self.tr("Save as &HTML…"))
        self.html_button.setAccessibleName(self.tr("Save the record as an HTML page"))
        self.html_button.clicked.connect(lambda: self.ask_and_save("html"))
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Progress of the record"))
        self.progress.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel the record"))
        self.cancel_button.clicked.connect(self.cancel_job)
        self.cancel_button.hide()
        self.result_label = notice_label(Tone.SUCCESS)
        self.job_started.connect(lambda: self._set_saving(True))
        self.job_finished.connect(lambda: self._set_saving(False))
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(0)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.html_button)

        box = QGroupBox(self.tr("Record of archived mail"))
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(hint)
        box_layout.addLayout(filters)
        box_layout.addWidget(self.runs_view, 1)
        box_layout.addLayout(buttons)
        box_layout.addWidget(self.result_label)
        box_layout.addWidget(self.error_notice)
        layout = QVBoxLayout(self)
        layout.addWidget(box, 1)
        layout.addWidget(self._retention_box())
        self._show_accounts()
        context.config_changed.connect(self._show_accounts)
        context.config_changed.connect(self._count_retention)
        self._on_filter_changed()
        self.retention_spin.setValue(context.config.retention_years)

    def _retention_box(self) -> QGroupBox:
        """The retention age, and the messages past it, listed for the user to decide."""
        hint = QLabel(
            self.tr(
                "German offices keep business letters for 6 or 10 years. Messages older than "
                "the age set here are counted and can be saved as a list; nothing is ever "
                "deleted from the archive by it."
            )
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)
        self.retention_spin = QSpinBox()
        self.retention_spin.setAccessibleName(self.tr("Retention in years"))
        self.retention_spin.setRange(0, MAX_RETENTION_YEARS)
        self.retention_spin.setSpecialValueText(self.tr("Off"))
        self.retention_spin.setSuffix(self.tr(" years"))
        self.retention_spin.editingFinished.connect(self._on_retention_changed)
        caption = QLabel(self.tr("List messages older &than:"))
        caption.setBuddy(self.retention_spin)
        self.retention_label = notice_label(Tone.WARNING)
        self.retention_button = QPushButton(self.tr("Save the &list…"))
        self.retention_button.setAccessibleName(
            self.tr("Save the list of messages past the retention age")
        )
        self.retention_button.clicked.connect(lambda: self.ask_and_save("csv", retention=True))
        self.retention_button.hide()
        row = QHBoxLayout()
        row.addWidget(caption)
        row.addWidget(self.retention_spin)
        row.addStretch(1)
        row.addWidget(self.retention_button)
        box = QGroupBox(self.tr("Retention"))
        layout = QVBoxLayout(box)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(self.retention_label)
        return box

    def retention_filter(self) -> ReportFilter | None:
        """The messages past the retention age set (all accounts); None when it is off."""
        cutoff = retention_cutoff(dt.date.today(), self.context.config.retention_years)
        return None if cutoff is None else ReportFilter(dated_before=cutoff)

    @Slot()
    def _on_retention_changed(self) -> None:
        years = self.retention_spin.value()
        if years != self.context.config.retention_years:
            try:
                self.context.save_config(replace(self.context.config, retention_years=years))
            except (ConfigError, OSError) as exc:
                self.show_error(exc)

    @Slot()
    def _count_retention(self) -> None:
        """Count the messages past the retention age in the background, and say so."""
        chosen = self.retention_filter()
        if chosen is None or chosen.dated_before is None:
            self._show_retention(0)
            return
        self.counting.submit(
            partial(_count_past, self.context.archive_root, chosen.dated_before),
            self._show_retention,
            self.show_error,
        )

    def _show_retention(self, count: object) -> None:
        assert isinstance(count, int)
        chosen = self.retention_filter()
        self.retention_label.setVisible(chosen is not None)
        self.retention_button.setVisible(bool(count))
        if chosen is None or chosen.dated_before is None:
            return
        day = day_text(qdate(chosen.dated_before.date()))
        if count:
            text = self.tr(
                "{count} archived messages are dated before {day}. Save the list and decide "
                "what to do with them; the app deletes nothing from the archive."
            )
        else:
            text = self.tr("No archived message is dated before {day}.")
        self.retention_label.setText(text.format(count=number_text(count), day=day))
        self.retention_label.setStyleSheet(stylesheet(Tone.WARNING if count else Tone.SUCCESS))

    def _date_edit(self, day: dt.date, name: str) -> QDateEdit:
        edit = QDateEdit(qdate(day))
        edit.setAccessibleName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(QLocale().dateFormat(QLocale.FormatType.ShortFormat))
        edit.setMaximumDate(QDate(9999, 12, 30))
        return edit

    @Slot()
    def _show_accounts(self) -> None:
        current = self.account_combo.currentData()
        self.account_combo.blockSignals(True)
        self.account_combo.clear()
        self.account_combo.addItem(self.tr("All accounts"), None)
        for name in sorted(self.context.config.accounts):
            self.account_combo.addItem(name, name)
        self.account_combo.setCurrentIndex(max(self.account_combo.findData(current), 0))
        self.account_combo.blockSignals(False)

    def chosen(self) -> ReportFilter:
        """What the record covers, as the filters show it (days are local; until included)."""
        account = self.account_combo.currentData()
        if self.all_dates.isChecked():
            return ReportFilter(account)
        since = start_of_day(pydate(self.since_edit.date()))
        until = start_of_day(pydate(self.until_edit.date()) + dt.timedelta(days=1))
        return ReportFilter(account, since, until)

    @Slot()
    def _on_filter_changed(self) -> None:
        every = self.all_dates.isChecked()
        self.since_edit.setEnabled(not every)
        self.until_edit.setEnabled(not every)
        self._show_runs()

    def _show_runs(self) -> None:
        chosen = self.chosen()
        self.runs_model.set_runs([run for run in self._runs if run_chosen(run, chosen)])

    def showEvent(self, event: QShowEvent) -> None:
        """Read the run log each time the page is shown: runs may have ended meanwhile."""
        super().showEvent(event)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read the run log in the background and show the runs the filters choose."""
        self.reading.submit(
            partial(_read_runs, self.context.archive_root), self._on_runs, self.show_error
        )
        self._count_retention()

    def _on_runs(self, runs: object) -> None:
        assert isinstance(runs, list)
        self._runs = [run for run in runs if isinstance(run, RunRecord)]
        self._show_runs()

    def ask_and_save(self, fmt: str, *, retention: bool = False) -> None:
        """Ask where to save the record (or the retention list), then make and save it."""
        name = self.tr("retention") if retention else self.tr("record")
        stem = f"{name}-{dt.date.today().isoformat()}.{fmt}"
        kinds = self.tr("CSV files (*.csv)") if fmt == "csv" else self.tr("Web pages (*.html)")
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the record"), str(Path.home() / stem), kinds
        )
        if path:
            self.save(Path(path), fmt, self.retention_filter() if retention else None)

    def save(self, target: Path, fmt: str, chosen: ReportFilter | None = None) -> None:
        """Make the record for *chosen* (else the filters shown) and save it as *fmt* to
        *target*."""
        if self.is_busy():
            return
        self.result_label.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.run_job(
            partial(
                save_record,
                self.context.archive_root,
                chosen or self.chosen(),
                target,
                fmt,
                report_language(),
            ),
            partial(self._on_saved, target),
            on_failure=self._on_failed,
            on_progress=self._on_progress,
            on_finished=self._on_ended,
        )

    def _set_saving(self, saving: bool) -> None:
        self.csv_button.setEnabled(not saving)
        self.html_button.setEnabled(not saving)

    def _on_progress(self, progress: Progress) -> None:
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)

    def _on_ended(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()

    def _on_saved(self, target: Path, result: object) -> None:
        assert isinstance(result, Report)
        if result.cancelled:
            self._show_result(self.tr("Cancelled; no record was saved."), Tone.WARNING)
            return
        self._show_result(
            self.tr(
                "Saved the record of {count} messages ({deleted} deleted from the server) as "
                "{path}."
            ).format(
                count=number_text(len(result.rows)),
                deleted=number_text(result.deleted),
                path=target,
            ),
            Tone.SUCCESS,
        )

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ReportWriteFailed):
            self.show_error(
                self.tr("The record could not be saved as {path}: {detail}.").format(
                    path=exc.path, detail=exc.detail
                )
            )
        else:
            self.show_error(exc)

    def _show_result(self, text: str, tone: Tone) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(stylesheet(tone))
        self.result_label.show()
