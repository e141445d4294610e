"""Archive: cut-off, folders, preview, the one-click archive run with progress and cancel."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from archiver.core.accounts import Account, PasswordSource
from archiver.core.cutoff import day_for_age, start_of_day
from archiver.core.errors import AuthenticationError
from archiver.core.imap import Quota
from archiver.core.jobs.archive import ArchiveOptions, ArchiveResult, Kept, run_archive
from archiver.core.jobs.inspect import FolderListing, load_folders
from archiver.core.progress import CancelToken, ProgressCallback
from archiver.gui.context import AppContext, PasswordGetter
from archiver.gui.folder_names import folder_text
from archiver.gui.formatting import day_text, number_text, qdate, size_text
from archiver.gui.notices import Tone, stylesheet
from archiver.gui.pages.archive_folders import FolderTree
from archiver.gui.pages.archive_progress import Kind, ProgressPanel
from archiver.gui.pages.archive_summary import kept_reason, run_summary
from archiver.gui.pages.base import JobPage
from archiver.gui.workers import Job

log = logging.getLogger(__name__)

BY_DATE = "date"  # the cut-off combo's entry for a chosen day; the others are config presets


def archive_job(
    account: Account,
    get_password: PasswordGetter,
    archive_root: Path,
    options: ArchiveOptions,
    default_format: str,
    on_server_done: Callable[[ArchiveResult], None] | None = None,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> ArchiveResult:
    """Run the archive job, or its dry run, reading the password on the pool thread.

    *on_server_done* is called on the pool thread once the server is freed (see run_archive).
    """
    return run_archive(
        account,
        get_password(),
        archive_root,
        options,
        None,  # an account keeps its archive's format; new archives get the default
        default_format,
        report=report,
        cancel=cancel,
        on_server_done=on_server_done,
    )


@dataclass(frozen=True, slots=True)
class _Preview:
    """A dry run and what it was run for; its numbers count only while these still hold."""

    account: Account
    options: ArchiveOptions  # as the real run would get them (dry_run False)
    result: ArchiveResult


class ArchivePage(JobPage):
    """Archive one account's old mail: cut-off and folders, a preview, then the run itself.

    Reading the folders, the preview (a dry run) and the archive run are jobs on the pool,
    one at a time; while one runs, the controls that would change it are disabled and
    Cancel stops it at a safe point. Nothing leaves the server before the user confirmed.

    Signals:
        job_started(): a job was handed to the pool (from JobPage).
        job_finished(): the job ended and its result is shown (from JobPage).
        folders_loaded(): the folder tree shows a fresh listing of the account, and the
            page is ready for the next job.
        server_freed(ArchiveResult): an archive run freed the server (emitted from the
            pool thread); its summary is shown while the run goes on indexing.
    """

    folders_loaded = Signal()
    server_freed = Signal(object)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._listing: FolderListing | None = None
        self._preview: _Preview | None = None
        self._running: Kind | None = None
        self._checks: dict[str, bool] = {}  # box states to keep over a reload
        self._reload_after_run = False  # a run ended with a result: show the new counts
        self._quiet = False  # the running job is the quiet reload after a run
        self._default_cutoff = context.config.default_cutoff
        self._build_choices()
        self._build_folders()
        self._build_options()
        self._build_run()
        self._lay_out()
        self._connect()
        self._refresh_accounts()
        self._select_cutoff(self._default_cutoff)
        self._forget_preview()
        self._update_controls()

    # ------------------------------------------------------------------ building

    def _build_choices(self) -> None:
        self.account_combo = QComboBox()
        self.account_combo.setAccessibleName(self.tr("Account"))
        self.account_label = QLabel(self.tr("Acc&ount:"))
        self.account_label.setBuddy(self.account_combo)
        self.cutoff_combo = QComboBox()
        self.cutoff_combo.setAccessibleName(self.tr("Which mail to archive"))
        for label, value in [
            (self.tr("older than 3 months"), "3m"),
            (self.tr("older than 6 months"), "6m"),
            (self.tr("older than 1 year"), "1y"),
            (self.tr("older than 2 years"), "2y"),
            (self.tr("before a date:"), BY_DATE),
        ]:
            self.cutoff_combo.addItem(label, value)
        self.cutoff_label = QLabel(self.tr("&Archive mail"))
        self.cutoff_label.setBuddy(self.cutoff_combo)
        self.date_edit = QDateEdit()
        self.date_edit.setAccessibleName(self.tr("Archive mail before this date"))
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMaximumDate(QDate.currentDate())
        self.date_edit.setDate(qdate(day_for_age(self._default_cutoff, dt.date.today())))

    def _build_folders(self) -> None:
        self.folder_tree = FolderTree()
        self.folder_tree.setAccessibleName(self.tr("Folders to archive"))
        self.reload_button = QPushButton(self.tr("&Reload folders"))
        self.reload_button.setAccessibleName(self.tr("Read the folders from the server again"))
        self.quota_label = QLabel()
        self.quota_label.setWordWrap(True)
        self.notice_label = QLabel()  # a server that cannot delete single messages
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        self.updating_label = QLabel(self.tr("Updating the folders' counts…"))
        self.updating_label.setEnabled(False)  # greyed: a note in passing, not a job
        self.updating_label.hide()

    def _build_options(self) -> None:
        self.keep_flagged_box = QCheckBox(self.tr("Keep &flagged messages on the server"))
        self.keep_unread_box = QCheckBox(self.tr("Keep &unread messages on the server"))
        self.keep_on_server_box = QCheckBox(self.tr("Keep &everything on the server (copy only)"))
        for box in (self.keep_flagged_box, self.keep_unread_box, self.keep_on_server_box):
            box.setAccessibleName(box.text().replace("&", ""))
        self.preview_label = QLabel()
        self.preview_label.setWordWrap(True)
        self.preview_label.setTextFormat(Qt.TextFormat.PlainText)

    def _build_run(self) -> None:
        self.preview_button = QPushButton(self.tr("Pre&view"))
        self.preview_button.setAccessibleName(
            self.tr("Preview what would be archived, without changing anything")
        )
        self.archive_button = QPushButton()
        self.archive_button.setDefault(True)
        self.archive_button.setAccessibleName(self.tr("Archive the chosen mail"))
        self.progress = ProgressPanel()
        self.progress.hide()
        self.progress_bar = self.progress.bar
        self.cancel_button = self.progress.cancel_button
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.hide()

    def _lay_out(self) -> None:
        choices = QHBoxLayout()
        choices.addWidget(self.account_label)
        choices.addWidget(self.account_combo)
        choices.addSpacing(18)
        choices.addWidget(self.cutoff_label)
        choices.addWidget(self.cutoff_combo)
        choices.addWidget(self.date_edit)
        choices.addStretch(1)

        folders_box = QGroupBox(self.tr("Folders"))
        folders = QVBoxLayout(folders_box)
        folders.addWidget(self.folder_tree, 1)
        folders.addWidget(self.notice_label)
        # The wrapped quota text gets its own row: a horizontal layout does not give a
        # word-wrapped label the height its text needs (heightForWidth), and clips it.
        folders.addWidget(self.quota_label)
        reload_row = QHBoxLayout()
        reload_row.addWidget(self.updating_label)
        reload_row.addStretch(1)
        reload_row.addWidget(self.reload_button)
        folders.addLayout(reload_row)

        options_box = QGroupBox(self.tr("Options"))
        options = QVBoxLayout(options_box)
        for box in (self.keep_flagged_box, self.keep_unread_box, self.keep_on_server_box):
            options.addWidget(box)
        preview_box = QGroupBox(self.tr("Preview"))
        preview = QVBoxLayout(preview_box)
        preview.addWidget(self.preview_label)
        preview.addWidget(self.preview_button, 0, Qt.AlignmentFlag.AlignLeft)
        side = QVBoxLayout()
        side.addWidget(options_box)
        side.addWidget(preview_box)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setFixedWidth(330)
        side.setContentsMargins(0, 0, 0, 0)

        middle = QHBoxLayout()
        middle.addWidget(folders_box, 1)
        middle.addWidget(side_widget)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.archive_button)

        layout = QVBoxLayout(self)
        layout.addLayout(choices)
        layout.addLayout(middle, 1)
        layout.addWidget(self.error_notice)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)

        chain = [
            self.account_combo,
            self.cutoff_combo,
            self.date_edit,
            self.folder_tree,
            self.reload_button,
            self.keep_flagged_box,
            self.keep_unread_box,
            self.keep_on_server_box,
            self.preview_button,
            self.archive_button,
            self.cancel_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        self.account_combo.currentIndexChanged.connect(self._on_account_changed)
        self.cutoff_combo.currentIndexChanged.connect(self._on_choice_changed)
        self.date_edit.dateChanged.connect(self._on_choice_changed)
        self.folder_tree.checks_changed.connect(self._on_choice_changed)
        for box in (self.keep_flagged_box, self.keep_unread_box, self.keep_on_server_box):
            box.toggled.connect(self._on_choice_changed)
        self.reload_button.clicked.connect(self.reload_folders)
        self.preview_button.clicked.connect(self._on_preview_clicked)
        self.archive_button.clicked.connect(self._on_archive_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.context.config_changed.connect(self._on_config_changed)
        self.server_freed.connect(self._on_server_freed)

    # ------------------------------------------------------------------ state

    def current_account(self) -> Account | None:
        """The account chosen (the only one, when there is just one)."""
        name = self.account_combo.currentData()
        return self.context.config.accounts.get(name) if name else None

    def _has_listing(self) -> bool:
        """Whether the tree shows the chosen account's folders as configured now."""
        return self._listing is not None and self._listing.account == self.current_account()

    def cutoff_day(self) -> dt.date:
        """The first day that is kept: mail received before it is archived."""
        choice = self.cutoff_combo.currentData()
        if choice == BY_DATE:
            day = self.date_edit.date().toPython()
            assert isinstance(day, dt.date)
            return day
        return day_for_age(choice, dt.date.today())

    def options(self, *, dry_run: bool) -> ArchiveOptions | None:
        """What the run would be asked to do, or None while no folder is chosen."""
        folders = self.folder_tree.checked_folders()
        if not self._has_listing() or not folders:
            return None
        copy_only = self.keep_on_server_box.isChecked()
        # Copy-only copies everything old: keeping flagged or unread mail out of the copy
        # would leave it archived nowhere but on the server, which the user did not ask for.
        return ArchiveOptions(
            cutoff=start_of_day(self.cutoff_day()),
            folders=folders,
            dry_run=dry_run,
            keep_on_server=copy_only,
            keep_flagged=not copy_only and self.keep_flagged_box.isChecked(),
            keep_unread=not copy_only and self.keep_unread_box.isChecked(),
            ocr=self.context.config.ocr,
        )

    def archive_label(self) -> str:
        """The main button's text, which says what it archives."""
        labels = {
            "3m": self.tr("Archive older than 3 months"),
            "6m": self.tr("Archive older than 6 months"),
            "1y": self.tr("Archive older than 1 year"),
            "2y": self.tr("Archive older than 2 years"),
        }
        choice = self.cutoff_combo.currentData()
        if choice in labels:
            return labels[choice]
        return self.tr("Archive mail before {date}").format(date=day_text(self.date_edit.date()))

    def _update_controls(self) -> None:
        """Enable what can be used now; show the date field only for "before a date"."""
        idle = not self.is_busy()
        # The quiet reload after a run changes no choice: they stay open to the user.
        choosable = idle or self._quiet
        loaded = self._has_listing()
        self.account_combo.setEnabled(idle)
        for widget in (self.cutoff_combo, self.date_edit):
            widget.setEnabled(choosable)
        self.folder_tree.setEnabled(choosable and loaded)
        self.reload_button.setEnabled(idle and self.current_account() is not None)
        self.keep_on_server_box.setEnabled(choosable)
        copy_only = self.keep_on_server_box.isChecked()
        self.keep_flagged_box.setEnabled(choosable and not copy_only)
        self.keep_unread_box.setEnabled(choosable and not copy_only)
        can_run = idle and loaded and bool(self.folder_tree.checked_folders())
        self.preview_button.setEnabled(can_run)
        self.archive_button.setEnabled(can_run)
        self.archive_button.setText(self.archive_label())
        self.date_edit.setVisible(self.cutoff_combo.currentData() == BY_DATE)

    def _refresh_accounts(self) -> None:
        """Fill the account chooser, keeping the chosen account; hide it for just one."""
        names = sorted(self.context.config.accounts)
        chosen = self.account_combo.currentData()
        self.account_combo.blockSignals(True)
        try:
            self.account_combo.clear()
            for name in names:
                self.account_combo.addItem(name, name)
            self.account_combo.setCurrentIndex(max(self.account_combo.findData(chosen), 0))
        finally:
            self.account_combo.blockSignals(False)
        several = len(names) > 1
        self.account_label.setVisible(several)
        self.account_combo.setVisible(several)

    def _select_cutoff(self, preset: str) -> None:
        self.cutoff_combo.setCurrentIndex(max(self.cutoff_combo.findData(preset), 0))

    def _forget_preview(self) -> None:
        """Drop the preview's numbers: the choices changed since it ran."""
        self._preview = None
        self.folder_tree.clear_preview()
        self.preview_label.setText(
            self.tr(
                "See how many messages would be archived and how much space it frees, "
                "without changing anything."
            )
        )

    # ------------------------------------------------------------------ events

    def showEvent(self, event: QShowEvent) -> None:
        """Read the folders when the page is first shown or the account has changed."""
        super().showEvent(event)
        if not self._has_listing():
            self._load_by_itself()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter starts the main action (which asks before it deletes anything)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.archive_button.isEnabled():
            self.archive_button.click()
            event.accept()
            return
        super().keyPressEvent(event)

    @Slot()
    def _on_config_changed(self) -> None:
        self._refresh_accounts()
        if self.context.config.default_cutoff != self._default_cutoff:
            self._default_cutoff = self.context.config.default_cutoff
            self._select_cutoff(self._default_cutoff)
        self._on_account_changed()

    @Slot()
    def _on_account_changed(self) -> None:
        if not self._has_listing():
            self._show_no_listing()
            if self.isVisible():
                self._load_by_itself()
        self._update_controls()

    def _load_by_itself(self) -> None:
        """Read the folders unprompted, unless that would pop up a password question.

        An account whose password is typed in each session is read when the user clicks
        Reload folders: a password dialog appearing just because a page was shown is
        unexpected, and it would block the window.
        """
        account = self.current_account()
        if account is None or self.is_busy():
            return
        if account.password_source is PasswordSource.PROMPT:
            self.quota_label.setText(
                self.tr("Click Reload folders to connect to {account}.").format(
                    account=account.name
                )
            )
            return
        self.reload_folders()

    @Slot()
    def _on_choice_changed(self) -> None:
        self._forget_preview()
        self._update_controls()

    def _show_no_listing(self) -> None:
        self._listing = None
        self.folder_tree.clear()
        self.quota_label.clear()
        self.notice_label.hide()
        self._forget_preview()

    # ------------------------------------------------------------------ jobs

    def _start(
        self,
        kind: Kind,
        job: Job,
        on_success: Callable[[object], None],
        status: str,
        *,
        copy_only: bool = False,
        quietly: bool = False,
    ) -> None:
        """Start *job*, shown in the progress panel with Cancel, or *quietly* by a note.

        Try again beside its error does what the user did to start it: Reload folders,
        Preview, or Archive (which asks again before it deletes anything).
        """
        retries = {
            Kind.LOAD: self.reload_folders,
            Kind.PREVIEW: self._on_preview_clicked,
            Kind.ARCHIVE: self._on_archive_clicked,
        }
        self._running = kind
        self._quiet = quietly
        if quietly:
            self.updating_label.show()
        else:
            self.progress.start(kind, status, keep_on_server=copy_only)
        self.run_job(
            job,
            on_success,
            on_failure=self._on_failed,
            on_progress=None if quietly else self.progress.update_progress,
            on_cancelled=self._on_cancelled,
            on_finished=self._on_finished,
            retry=retries[kind],
        )
        self._update_controls()

    def _archive_job(
        self,
        account: Account,
        getter: PasswordGetter,
        options: ArchiveOptions,
        on_server_done: Callable[[ArchiveResult], None] | None = None,
    ) -> Job:
        """The archive job (a dry run for a preview) for the settings as they are now."""
        return partial(
            archive_job,
            account,
            getter,
            self.context.archive_root,
            options,
            self.context.config.archive_format,
            on_server_done,
        )

    def _password(self, account: Account) -> PasswordGetter | None:
        getter = self.context.password_getter(account, self)
        if getter is None:
            self.show_error(
                self.tr("No password was given for {account}; nothing was done.").format(
                    account=account.name
                )
            )
        return getter

    @Slot()
    def reload_folders(self, *, quietly: bool = False) -> None:
        """Read the chosen account's folders, sizes and quota again, in the background.

        Boxes the user ticked or cleared keep their state for folders still there.

        Args:
            quietly: keep the tree as it is until the new counts arrive, with a note instead
                of the progress panel (after a run: a second job there would look like the
                run going on). The tree and the choices stay usable meanwhile.
        """
        account = self.current_account()
        if self.is_busy() or account is None:
            return
        getter = self._password(account)
        if getter is None:
            return
        keep = self._listing is not None and self._listing.account.name == account.name
        self._checks = self.folder_tree.checks() if keep else {}
        if quietly and keep:
            self._forget_preview()  # its numbers were those before the run
        else:
            self._show_no_listing()
        self._start(
            Kind.LOAD,
            partial(load_folders, account, getter),
            self._on_folders_loaded,
            self.tr("Reading the folders of {account}…").format(account=account.name),
            quietly=quietly and keep,
        )

    def _on_folders_loaded(self, listing: object) -> None:
        assert isinstance(listing, FolderListing)
        if listing.account != self.current_account():
            return  # the account was changed in the settings meanwhile
        if self._quiet:  # the boxes stayed usable while the counts were read
            self._checks = self.folder_tree.checks()
        self._listing = listing
        self.folder_tree.show_listing(listing, self._checks)
        overview = listing.overview
        self.quota_label.setText(self._quota_text(overview.quota))
        self.notice_label.setVisible(not overview.has_uidplus)
        self.notice_label.setText(
            self.tr(
                "This server cannot delete single messages safely (it lacks UIDPLUS): mail is "
                "copied into the archive but stays on the server."
            )
        )

    def _quota_text(self, quota: Quota | None) -> str:
        if quota is None:
            return self.tr("The server reports no storage quota.")
        if not quota.limit:
            return self.tr("Server storage: {used} used.").format(used=size_text(quota.used))
        return self.tr("Server storage: {used} of {limit} used ({percent}%).").format(
            used=size_text(quota.used),
            limit=size_text(quota.limit),
            percent=round(quota.used * 100 / quota.limit),
        )

    @Slot()
    def _on_preview_clicked(self) -> None:
        account, options = self.current_account(), self.options(dry_run=True)
        if account is None or options is None:
            return
        getter = self._password(account)
        if getter is None:
            return
        self.summary.hide()
        self._forget_preview()
        self._start(
            Kind.PREVIEW,
            self._archive_job(account, getter, options),
            partial(self._on_preview_done, account, replace(options, dry_run=False)),
            self.tr("Looking at what would be archived…"),
        )

    def _on_preview_done(self, account: Account, options: ArchiveOptions, result: object) -> None:
        assert isinstance(result, ArchiveResult)
        if result.cancelled:
            self.preview_label.setText(self.tr("The preview was cancelled."))
            return
        if result.error:
            self.show_error(result.failure or result.error)
            return
        self._preview = _Preview(account, options, result)
        self.folder_tree.show_preview(result)
        self.preview_label.setText(self._preview_text(result, options.keep_on_server))

    def _preview_text(self, result: ArchiveResult, copy_only: bool) -> str:
        """Totals of a dry run: what would move, the quota now and after, what stays."""
        moving = sum(f.kept[Kept.DRY_RUN] for f in result.folders)
        folders = sum(1 for f in result.folders if f.kept[Kept.DRY_RUN])
        # The verb follows the messages' count; the folders' count is a phrase of its own.
        moving_text = (
            self.tr("{count} message ({size}) {in_folders} would be archived.")
            if moving == 1
            else self.tr("{count} messages ({size}) {in_folders} would be archived.")
        )
        lines = [
            moving_text.format(
                count=number_text(moving),
                size=size_text(result.bytes),
                in_folders=self._in_folders(folders),
            )
        ]
        if copy_only:
            lines.append(self.tr("Nothing would be deleted from the server."))
        before, after = result.quota_before, result.quota_after
        if before is not None and after is not None and before.limit:
            lines.append(
                self.tr(
                    "Server storage now: {used} of {limit} ({percent}%). After archiving: "
                    "about {after} ({percent_after}%)."
                ).format(
                    used=size_text(before.used),
                    limit=size_text(before.limit),
                    percent=round(before.used * 100 / before.limit),
                    after=size_text(after.used),
                    percent_after=round(after.used * 100 / before.limit),
                )
            )
        elif before is not None and after is not None:
            lines.append(
                self.tr("Server storage now: {used}. After archiving: about {after}.").format(
                    used=size_text(before.used), after=size_text(after.used)
                )
            )
        staying: Counter[Kept] = Counter()
        for f in result.folders:
            staying.update({k: v for k, v in f.kept.items() if k != Kept.DRY_RUN})
        lines += [
            (
                self.tr("{count} older message stays on the server: {reason}.")
                if count == 1
                else self.tr("{count} older messages stay on the server: {reason}.")
            ).format(count=number_text(count), reason=kept_reason(reason, count))
            for reason, count in sorted(staying.items())
            if count
        ]
        lines += [
            self.tr("Folder {folder} could not be read: {error}").format(
                folder=folder_text(f.folder), error=f.error
            )
            for f in result.folders
            if f.error
        ]
        return "\n".join(lines)

    # ------------------------------------------------------------------ archive

    def _in_folders(self, count: int) -> str:
        """Return "in 1 folder" or "in 3 folders" (with the preposition: its case may differ)."""
        if count == 1:
            return self.tr("in {count} folder").format(count=number_text(count))
        return self.tr("in {count} folders").format(count=number_text(count))

    def confirmation_text(self, account: Account, options: ArchiveOptions) -> str:
        """Say plainly what the run will copy and what it will delete from the server."""
        preview = self._preview
        counted = preview is not None and (preview.account, preview.options) == (account, options)
        values = {
            "date": day_text(qdate(self.cutoff_day())),
            "account": account.name,
            "folders": number_text(len(options.folders)),
        }
        if preview is not None and counted:
            result = preview.result
            moving = sum(f.kept[Kept.DRY_RUN] for f in result.folders)
            values["count"] = number_text(moving)
            values["size"] = size_text(result.bytes)
            values["in_folders"] = self._in_folders(
                sum(1 for f in result.folders if f.kept[Kept.DRY_RUN])
            )
            # The verb follows the messages' count; the folders' count is a phrase of its own.
            if options.keep_on_server and moving == 1:
                text = self.tr(
                    "{count} message ({size}) older than {date} {in_folders} will be copied to "
                    "the archive on this computer and checked. Nothing is deleted from the "
                    "server of {account}."
                )
            elif options.keep_on_server:
                text = self.tr(
                    "{count} messages ({size}) older than {date} {in_folders} will be copied to "
                    "the archive on this computer and checked. Nothing is deleted from the "
                    "server of {account}."
                )
            elif moving == 1:
                text = self.tr(
                    "{count} message ({size}) older than {date} {in_folders} will be copied to "
                    "the archive on this computer, checked, and then deleted from the server of "
                    "{account}."
                )
            else:
                text = self.tr(
                    "{count} messages ({size}) older than {date} {in_folders} will be copied to "
                    "the archive on this computer, checked, and then deleted from the server of "
                    "{account}."
                )
        elif options.keep_on_server and len(options.folders) == 1:
            text = self.tr(
                "All messages older than {date} in the chosen folder will be copied to the "
                "archive on this computer and checked. Nothing is deleted from the server of "
                "{account}."
            )
        elif options.keep_on_server:
            text = self.tr(
                "All messages older than {date} in the {folders} chosen folders will be copied "
                "to the archive on this computer and checked. Nothing is deleted from the "
                "server of {account}."
            )
        elif len(options.folders) == 1:
            text = self.tr(
                "All messages older than {date} in the chosen folder will be copied to the "
                "archive on this computer, checked, and then deleted from the server of "
                "{account}."
            )
        else:
            text = self.tr(
                "All messages older than {date} in the {folders} chosen folders will be copied "
                "to the archive on this computer, checked, and then deleted from the server of "
                "{account}."
            )
        lines = [text.format(**values)]
        if options.keep_flagged:
            lines.append(self.tr("Flagged messages stay on the server."))
        if options.keep_unread:
            lines.append(self.tr("Unread messages stay on the server."))
        return "\n\n".join(lines)

    @Slot()
    def _on_archive_clicked(self) -> None:
        account, options = self.current_account(), self.options(dry_run=False)
        if account is None or options is None or self.is_busy():
            return
        answer = QMessageBox.question(
            self,
            self.tr("Archive old mail?"),
            self.confirmation_text(account, options),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        getter = self._password(account)
        if getter is None:
            return
        self.summary.hide()
        log.info("Archive of %s confirmed: %s", account.name, options)
        self._start(
            Kind.ARCHIVE,
            self._archive_job(account, getter, options, self.server_freed.emit),
            self._on_archive_done,
            self.tr("Starting the archive of {account}…").format(account=account.name),
            copy_only=options.keep_on_server,
        )

    @Slot(object)
    def _on_server_freed(self, result: ArchiveResult) -> None:
        """Show the run's summary now: the server is freed; indexing goes on below it."""
        self._show_run(result)
        if not result.cancelled and not result.error:
            self.progress.server_freed()

    def _on_archive_done(self, result: object) -> None:
        assert isinstance(result, ArchiveResult)
        self._show_run(result)  # now with what indexing did
        # After a run the server stopped, its error stands (with Try again) rather than the
        # reload's, which would most likely fail the same way.
        self._reload_after_run = result.failure is None

    def _show_run(self, result: ArchiveResult) -> None:
        """The run's summary; the error that stopped it, if any, above it with the button
        that helps (Try again archives again, after asking as the Archive button does)."""
        text, attention = run_summary(result)
        self._show_summary(text, attention)
        if result.failure is not None and not result.cancelled:
            self.show_error(result.failure, retry=self._on_archive_clicked)

    def is_indexing_only(self) -> bool:
        """Whether the running job is an archive run that has freed the server and only
        indexes: stopping it loses no work (the rest is indexed at the next start)."""
        return self.is_busy() and self.progress.in_background

    def asks_before_closing(self) -> bool:
        """Not for the quiet reload after a run, nor for indexing after the server is freed."""
        return self.is_busy() and not self._quiet and not self.is_indexing_only()

    def _show_summary(self, text: str, attention: bool) -> None:
        self.summary.setText(text)
        self.summary.setStyleSheet(stylesheet(Tone.WARNING if attention else Tone.SUCCESS))
        self.summary.show()

    # ------------------------------------------------------------------ any job

    @Slot()
    def _on_cancel_clicked(self) -> None:
        self.cancel_job()
        self.progress.stopping()

    def _on_failed(self, exc: BaseException) -> None:
        account = self.current_account()
        if isinstance(exc, AuthenticationError) and account is not None:
            self.context.forget_password(account.name)  # so that it is asked again
        if self._running is Kind.ARCHIVE:
            self.show_error(exc, self.tr("The archive did not run: {error}"))
        else:
            self.show_error(exc)

    def error_account(self) -> str | None:
        """The account chosen: the page's jobs are all about it."""
        account = self.current_account()
        return account.name if account is not None else None

    def _on_cancelled(self) -> None:
        if self._running is Kind.ARCHIVE:
            self._show_summary(
                self.tr(
                    "Cancelled before anything was archived. Messages are deleted from the "
                    "server only after their archived copy was checked."
                ),
                True,
            )
        elif self._running is Kind.PREVIEW:
            self.preview_label.setText(self.tr("The preview was cancelled."))
        else:
            self.quota_label.setText(
                self.tr("Reading the folders was cancelled. Click Reload folders to try again.")
            )

    def _on_finished(self) -> None:
        finished = self._running
        self._running = None
        self._quiet = False
        self.progress.hide()
        self.updating_label.hide()
        self._update_controls()
        if finished is Kind.LOAD and self._has_listing():
            self.folders_loaded.emit()  # once the page is ready for the next job
        if finished is Kind.ARCHIVE and self._reload_after_run:
            self._reload_after_run = False
            # Show the counts as they are now; after job_finished, so the run's end is
            # reported before the next job starts.
            QTimer.singleShot(0, self, partial(self.reload_folders, quietly=True))
