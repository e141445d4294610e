"""Search: query and filters, results table, preview, restore / export / open.

Typing searches by itself, about 300 ms after the last key (Enter at once), in the query
language of the command line (docs/SEARCH.md); the filters beside it add clauses to the
query. Searches and previews run as jobs; one asked for while another runs waits for it,
and only the newest one's result is shown. Restore, export, opening in a mail program and
saving attachments are jobs of the page (one at a time) with progress and cancel.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QDateTime,
    QLocale,
    QModelIndex,
    QPoint,
    Qt,
    QTime,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from archiver.core.accounts import Account
from archiver.core.index.reader_process import costly_attachments
from archiver.core.index.search import Hit
from archiver.core.jobs.export import ExportResult
from archiver.core.jobs.restore import Outcome, RestoreResult
from archiver.core.message_view import MessageContent, load_message
from archiver.core.progress import Progress
from archiver.gui.context import AppContext, PasswordGetter
from archiver.gui.errors import error_text
from archiver.gui.folder_names import server_names
from archiver.gui.formatting import number_text, size_text
from archiver.gui.messageview import MessageView
from archiver.gui.models import Column, HitTableModel
from archiver.gui.notices import Tone, notice_label
from archiver.gui.pages.base import JobPage
from archiver.gui.pages.search_jobs import (
    SearchOutcome,
    SearchRequest,
    export_messages,
    restore_messages,
    save_message_attachments,
    search_archive,
    write_private_eml,
)
from archiver.gui.workers import Job, LatestJob

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300  # typing pauses this long before a search starts
BUSY_AFTER_MS = 250  # "Searching…" only for searches that take a noticeable time


# --- the page -------------------------------------------------------------------------------


def _day(edit: QDateEdit) -> dt.date:
    date = edit.date()
    return dt.date(date.year(), date.month(), date.day())


class SearchPage(JobPage):
    """Find archived mail, read it, and restore, export or open the messages chosen.

    Signals:
        search_finished(): the newest search's results (or its error) are shown.
        preview_finished(): the selected message (or why it cannot be shown) is shown.
        action_finished(): a restore, export, open or save job ended, its outcome shown.
        (and JobPage's job_started/job_finished, for every job of the page)
    """

    search_finished = Signal()
    preview_finished = Signal()
    action_finished = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self._searches = LatestJob(context.pool, self)
        self._previews = LatestJob(context.pool, self)
        self._index_ready = False  # the index caught up once this session
        self._shown: SearchRequest | None = None  # whose results the table shows
        self._total = 0  # messages the shown search matched (the table may hold fewer)
        self._asked: SearchRequest | None = None  # the newest search started
        self._open_dir: Path | None = None  # private folder of messages opened elsewhere
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self._search_if_changed)
        self._busy_hint = QTimer(self, singleShot=True, interval=BUSY_AFTER_MS)
        self._busy_hint.timeout.connect(self._show_searching)

        self._build_query_row()
        self._build_filters()
        self._build_results()
        self.preview = MessageView()
        self.preview.save_attachments_requested.connect(self._on_save_attachments)
        self._build_actions()
        self._lay_out()
        self._connect_jobs()
        self._archive_root = context.archive_root
        self._fill_accounts()
        context.config_changed.connect(self._on_config_changed)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.remove_opened_copies)
        self._update_actions()

    # --- building ---------------------------------------------------------------------------

    def _build_query_row(self) -> None:
        self.query_edit = QLineEdit()
        self.query_edit.setAccessibleName(self.tr("Search query"))
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.setPlaceholderText(
            self.tr("Search: words, from:meier, subject:invoice, date:2022, has:attachment …")
        )
        self.query_edit.setToolTip(
            self.tr(
                "Words are searched in subject, names, text and attachment names; umlauts, "
                "word forms and parts of compound words are found too. Fields narrow it: "
                'from: to: cc: subject: folder: account: "exact phrase" has:attachment '
                "is:unread is:flagged date:2022 date:[2022-01-01 to 2022-06-30] size:>5MB, "
                "with AND, OR, NOT and parentheses."
            )
        )
        self.query_edit.textEdited.connect(self._schedule_search)
        self.query_edit.returnPressed.connect(self._search_now)
        self.search_button = QPushButton(self.tr("&Search"))
        self.search_button.setAccessibleName(self.tr("Search now"))
        self.search_button.clicked.connect(self._search_now)

    def _build_filters(self) -> None:
        self.account_combo = QComboBox()
        self.account_combo.setAccessibleName(self.tr("Account"))
        self.account_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.account_combo.currentIndexChanged.connect(self._search_if_changed)
        self.folder_edit = QLineEdit()
        self.folder_edit.setAccessibleName(self.tr("Folder"))
        self.folder_edit.setPlaceholderText(self.tr("Any folder"))
        self.folder_edit.setClearButtonEnabled(True)
        self.folder_edit.textEdited.connect(self._schedule_search)
        self.folder_edit.returnPressed.connect(self._search_now)
        today = QDate.currentDate()
        self.from_check = QCheckBox(self.tr("Fro&m"))
        self.from_check.setAccessibleName(self.tr("Only messages from this date on"))
        self.from_date = self._date_edit(today.addYears(-1), self.tr("From date"))
        self.to_check = QCheckBox(self.tr("&To"))
        self.to_check.setAccessibleName(self.tr("Only messages up to this date"))
        self.to_date = self._date_edit(today, self.tr("To date"))
        for check, edit in ((self.from_check, self.from_date), (self.to_check, self.to_date)):
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(self._search_if_changed)
        self.attachment_check = QCheckBox(self.tr("&Has attachment"))
        self.attachment_check.setAccessibleName(self.tr("Only messages with attachments"))
        self.attachment_check.toggled.connect(self._search_if_changed)

    def _date_edit(self, date: QDate, name: str) -> QDateEdit:
        edit = QDateEdit(date)
        edit.setAccessibleName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(QLocale().dateFormat(QLocale.FormatType.ShortFormat))
        edit.setEnabled(False)
        edit.dateChanged.connect(self._schedule_search)
        return edit

    def _build_results(self) -> None:
        self.model = HitTableModel(self)
        view = QTableView()
        view.setAccessibleName(self.tr("Search results"))
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.setAlternatingRowColors(True)
        view.setTabKeyNavigation(False)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_context_menu)
        view.activated.connect(self._on_activated)
        rows = view.verticalHeader()
        rows.hide()
        # Fixed row heights: the view never measures 100,000 rows.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(view.fontMetrics().height() + 8)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.SUBJECT, QHeaderView.ResizeMode.Stretch)
        header.setSortIndicator(Column.DATE, Qt.SortOrder.DescendingOrder)
        view.setSortingEnabled(True)  # the search's own order: newest first
        self._size_columns(view)
        self.results_view = view
        selection = view.selectionModel()
        selection.currentRowChanged.connect(self._on_current_row_changed)
        selection.selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._update_actions)

    def _size_columns(self, view: QTableView) -> None:
        """Give the narrow columns room for their widest usual value, the subject the rest."""
        header = view.horizontalHeader()
        text, titles = view.fontMetrics(), header.fontMetrics()
        em = text.horizontalAdvance("M")
        locale = QLocale()
        latest = QDateTime(QDate(2022, 12, 28), QTime(22, 58))
        samples = {
            Column.DATE: locale.toString(latest, QLocale.FormatType.ShortFormat),
            Column.SENDER: "M" * 12,
            Column.FOLDER: "M" * 8,
            Column.ACCOUNT: "M" * 5,
            Column.SIZE: size_text(1023),
        }
        for column, sample in samples.items():
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            width = max(text.horizontalAdvance(sample), titles.horizontalAdvance(title))
            header.resizeSection(column, width + 3 * em)  # padding and the sort arrow
        header.resizeSection(Column.ATTACHMENT, 3 * em)

    def _build_actions(self) -> None:
        self.restore_action = QAction(self.tr("&Restore to server"), self)
        self.restore_action.setToolTip(
            self.tr("Put the selected messages back into their folders on the server.")
        )
        self.restore_action.triggered.connect(self._on_restore)
        self.export_eml_action = QAction(self.tr("As .&eml files into a folder…"), self)
        self.export_eml_action.triggered.connect(self._on_export_eml)
        self.export_mbox_action = QAction(self.tr("As one &mbox file…"), self)
        self.export_mbox_action.triggered.connect(self._on_export_mbox)
        self.open_action = QAction(self.tr("&Open in mail program"), self)
        self.open_action.setToolTip(self.tr("Open the message in your mail program."))
        self.open_action.triggered.connect(self._on_open)
        self.export_menu = QMenu(self.tr("Export"), self)
        self.export_menu.addAction(self.export_eml_action)
        self.export_menu.addAction(self.export_mbox_action)
        self.context_menu = QMenu(self)
        self.context_menu.addAction(self.restore_action)
        self.context_menu.addAction(self.open_action)
        self.context_menu.addSeparator()
        self.context_menu.addAction(self.export_eml_action)
        self.context_menu.addAction(self.export_mbox_action)

        self.restore_button = QPushButton(self.restore_action.text())
        self.restore_button.setAccessibleName(self.tr("Restore to server"))
        self.restore_button.setToolTip(self.restore_action.toolTip())
        self.restore_button.clicked.connect(self.restore_action.trigger)
        self.export_button = QPushButton(self.tr("E&xport…"))
        self.export_button.setAccessibleName(self.tr("Export"))
        self.export_button.setToolTip(
            self.tr("Write the selected messages as .eml files or into one mbox file.")
        )
        self.export_button.clicked.connect(self._show_export_menu)
        self.open_button = QPushButton(self.open_action.text())
        self.open_button.setAccessibleName(self.tr("Open in mail program"))
        self.open_button.setToolTip(self.open_action.toolTip())
        self.open_button.clicked.connect(self.open_action.trigger)
        # Why the message did not open, beside the button; gone with the next message.
        self.open_error = notice_label(Tone.ERROR)
        self.open_error.setAccessibleName(self.tr("Why the message did not open"))
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Progress"))
        self.progress.hide()
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.jobs.cancel)
        self.cancel_button.hide()
        self.outcome_label = QLabel()
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome_label.hide()

    def _lay_out(self) -> None:
        query_row = QHBoxLayout()
        query_row.addWidget(self.query_edit, 1)
        query_row.addWidget(self.search_button)
        filters = QHBoxLayout()
        account_label = QLabel(self.tr("&Account:"))
        account_label.setBuddy(self.account_combo)
        folder_label = QLabel(self.tr("&Folder:"))
        folder_label.setBuddy(self.folder_edit)
        filters.addWidget(account_label)
        filters.addWidget(self.account_combo)
        filters.addSpacing(8)
        filters.addWidget(folder_label)
        filters.addWidget(self.folder_edit, 1)
        filters.addSpacing(8)
        for widget in (self.from_check, self.from_date, self.to_check, self.to_date):
            filters.addWidget(widget)
        filters.addSpacing(8)
        filters.addWidget(self.attachment_check)
        self.status_label = QLabel()
        self.status_label.setAccessibleName(self.tr("Search status"))
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.index_note = notice_label(Tone.WARNING)  # the index still lacks messages
        self.index_note.setAccessibleName(self.tr("Search index incomplete"))
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.results_view)
        self.splitter.addWidget(self.preview)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([2_000, 3_000])  # proportions: two fifths for the results
        actions = QHBoxLayout()
        actions.addWidget(self.restore_button)
        actions.addWidget(self.export_button)
        actions.addWidget(self.open_button)
        actions.addWidget(self.open_error, 1)
        actions.addStretch(1)
        actions.addWidget(self.progress, 1)
        actions.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(query_row)
        layout.addLayout(filters)
        layout.addWidget(self.error_notice)
        layout.addWidget(self.status_label)
        layout.addWidget(self.index_note)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(actions)
        layout.addWidget(self.outcome_label)
        order = [
            self.query_edit,
            self.search_button,
            self.account_combo,
            self.folder_edit,
            self.from_check,
            self.from_date,
            self.to_check,
            self.to_date,
            self.attachment_check,
            self.results_view,
            self.preview.browser,
            self.preview.attachments_list,
            self.preview.save_button,
            self.restore_button,
            self.export_button,
            self.open_button,
            self.cancel_button,
        ]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def _connect_jobs(self) -> None:
        for runner in (self._searches, self._previews):
            runner.started.connect(self.job_started)
            runner.finished.connect(self.job_finished)
        self._searches.progressed.connect(self._on_search_progress)
        self.job_started.connect(self._update_actions)
        self.job_finished.connect(self._update_actions)

    @Slot()
    def _on_config_changed(self) -> None:
        self._fill_accounts()  # a removed account's filter falls back to all accounts
        if self.context.archive_root != self._archive_root:  # another archive: start afresh
            self._archive_root = self.context.archive_root
            self._index_ready = False
            self._asked = None
        self._search_if_changed()

    def _fill_accounts(self) -> None:
        current = self.account_combo.currentData()
        self.account_combo.blockSignals(True)
        self.account_combo.clear()
        self.account_combo.addItem(self.tr("All accounts"), None)
        for name in sorted(self.context.config.accounts, key=str.casefold):
            self.account_combo.addItem(name, name)
        found = self.account_combo.findData(current)
        self.account_combo.setCurrentIndex(max(found, 0))
        self.account_combo.blockSignals(False)

    def showEvent(self, event: QShowEvent) -> None:
        """List the newest archived mail as the page opens, before anything is typed.

        Shown again with nothing typed, the list is read afresh (a run may have archived
        more mail since), unless the user has chosen a message in it.
        """
        super().showEvent(event)
        request = self.request()
        chosen = self.results_view.selectionModel().hasSelection()
        if self._asked is None or (not request.query() and not chosen):
            self._search(request)

    # --- public -----------------------------------------------------------------------------

    def focus_query(self) -> None:
        """Put the cursor into the query field (Ctrl+F)."""
        self.query_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.query_edit.selectAll()

    def is_busy(self) -> bool:
        """Whether any job of the page runs: an action, a search or a preview."""
        return super().is_busy() or self._searches.busy or self._previews.busy

    def asks_before_closing(self) -> bool:
        """Only a restore, export or save is worth asking about; a search or preview is not."""
        return super().is_busy()

    def cancel_job(self) -> None:
        """Stop every job of the page at its next safe point and drop their results."""
        super().cancel_job()
        self._searches.cancel()
        self._previews.cancel()

    def request(self) -> SearchRequest:
        """Return the search the query field and the filters describe now."""
        return SearchRequest(
            text=self.query_edit.text(),
            account=self.account_combo.currentData(),
            folder=self.folder_edit.text(),
            folder_names=server_names(self.folder_edit.text()),
            date_from=_day(self.from_date) if self.from_check.isChecked() else None,
            date_to=_day(self.to_date) if self.to_check.isChecked() else None,
            has_attachment=self.attachment_check.isChecked(),
        )

    # --- searching --------------------------------------------------------------------------

    @Slot()
    def _schedule_search(self) -> None:
        self._debounce.start()

    @Slot()
    def _search_now(self) -> None:
        self._debounce.stop()
        self._search(self.request())

    @Slot()
    def _search_if_changed(self) -> None:
        self._debounce.stop()
        request = self.request()
        if request != self._asked:
            self._search(request)

    def _search(self, request: SearchRequest) -> None:
        """Start *request*; an empty one lists the newest archived mail."""
        self._asked = request
        self.clear_error()
        job = functools.partial(
            search_archive,
            self.context.archive_root,
            request,
            not self._index_ready,
            ocr=self.context.config.ocr,
        )
        self._busy_hint.start()
        self._searches.submit(job, self._on_search_succeeded, self._on_search_failed)

    @Slot()
    def _show_searching(self) -> None:
        self.status_label.setText(self.tr("Searching…"))

    @Slot(object)
    def _on_search_progress(self, progress: Progress) -> None:
        self._busy_hint.stop()
        text = (
            self.tr("Preparing the search index: {done} of {total} message…")
            if progress.total == 1
            else self.tr("Preparing the search index: {done} of {total} messages…")
        )
        self.status_label.setText(
            text.format(done=number_text(progress.done), total=number_text(progress.total))
        )

    def _on_search_succeeded(self, result: object) -> None:
        assert isinstance(result, SearchOutcome)
        self._busy_hint.stop()
        self._index_ready = self._index_ready or result.index_complete
        if not result.archive_exists:
            self._show_results(None)
            self.status_label.setText(
                self.tr("Nothing is archived yet. Archive mail on the Archive page first.")
            )
        else:
            self._show_results(result)
        self.search_finished.emit()

    def _on_search_failed(self, exc: BaseException) -> None:
        # The results of the last good search stay; the error says what is wrong now.
        self._busy_hint.stop()
        self.show_error(exc)
        self.status_label.setText(self._count_text())
        self.search_finished.emit()

    def _show_results(self, outcome: SearchOutcome | None) -> None:
        self._previews.cancel()
        self.preview.clear()
        self.open_error.hide()
        self._shown = None if outcome is None else outcome.request
        self._total = 0 if outcome is None else outcome.total
        if outcome is None:
            self.model.set_hits([])
        else:
            self.model.set_hits(outcome.hits, outcome.orders)
        self.status_label.setText(self._count_text())
        # Only while catching up was impossible (an archive run holds the archive): a gap
        # catching up could not close (unreadable files) is the Check's business.
        coverage = outcome.coverage if outcome is not None and not outcome.index_complete else None
        if coverage is not None and not coverage.complete:
            self.index_note.setText(
                self.tr(
                    "The search index is still catching up: {indexed} of {archived} messages "
                    "indexed, so some may be missing from the results. Search again later."
                ).format(
                    indexed=number_text(coverage.indexed),
                    archived=number_text(coverage.archived),
                )
            )
            self.index_note.show()
        else:
            self.index_note.hide()

    def _count_text(self) -> str:
        shown = self.model.rowCount()
        total = self._total
        locale = QLocale()
        if self._shown is None:
            return ""
        if total == 0:
            return self.tr("No messages found.")
        if shown < total:
            return self.tr("Showing the newest {shown} of {total} messages.").format(
                shown=locale.toString(shown), total=locale.toString(total)
            )
        if total == 1:
            return self.tr("1 message")
        return self.tr("{count} messages").format(count=locale.toString(total))

    # --- preview ----------------------------------------------------------------------------

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(self, current: QModelIndex, _: QModelIndex) -> None:
        self.open_error.hide()  # it was about the message before
        if not current.isValid():
            return
        hit = self.model.hit(current.row())
        if hit.id == self.preview.message_id:
            return
        query = self._shown.query() if self._shown is not None else ""
        job = functools.partial(
            load_message,
            self.context.archive_root,
            hit.id,
            query,
            skip=costly_attachments(hit.unreadable),
        )
        self._previews.submit(job, self._on_preview_loaded, self._on_preview_failed)

    def _on_preview_loaded(self, result: object) -> None:
        assert isinstance(result, MessageContent)
        self.preview.show_content(result)
        self.preview_finished.emit()

    def _on_preview_failed(self, exc: BaseException) -> None:
        self.preview.show_placeholder(
            self.tr("This message cannot be shown: {reason}").format(reason=error_text(exc))
        )
        self.preview_finished.emit()

    # --- selection and actions --------------------------------------------------------------

    def selected_hits(self) -> list[Hit]:
        """Return the selected results, in the order shown."""
        rows = sorted(index.row() for index in self.results_view.selectionModel().selectedRows())
        return self.model.hits_at(rows)

    @Slot()
    def _update_actions(self) -> None:
        count = len(self.results_view.selectionModel().selectedRows())
        idle = not self.jobs.busy
        for action, button, enabled in (
            (self.restore_action, self.restore_button, idle and count > 0),
            (self.export_eml_action, self.export_button, idle and count > 0),
            (self.open_action, self.open_button, idle and count == 1),
        ):
            action.setEnabled(enabled)
            button.setEnabled(enabled)
        self.export_mbox_action.setEnabled(idle and count > 0)

    @Slot()
    def _show_export_menu(self) -> None:
        # popup(), not a button menu: QPushButton.setMenu() would run a modal loop.
        self.export_menu.popup(
            self.export_button.mapToGlobal(self.export_button.rect().bottomLeft())
        )

    @Slot(QPoint)
    def _on_context_menu(self, position: QPoint) -> None:
        if self.results_view.indexAt(position).isValid():
            self.context_menu.popup(self.results_view.viewport().mapToGlobal(position))

    @Slot(QModelIndex)
    def _on_activated(self, _: QModelIndex) -> None:
        if self.open_action.isEnabled():
            self.open_action.trigger()

    def _start_action(
        self,
        job: Job,
        on_success: Callable[[object], None],
        busy_text: str,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.outcome_label.hide()
        self.open_error.hide()
        self.progress.setRange(0, 0)
        self.progress.setFormat(busy_text)
        self.progress.setTextVisible(True)
        self.progress.show()
        self.cancel_button.show()
        self.run_job(
            job,
            on_success,
            on_failure=on_failure,
            on_progress=self._on_action_progress,
            on_finished=self._action_ended,
        )

    def _on_action_progress(self, progress: Progress) -> None:
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.done)
            self.progress.setFormat(
                self.tr("{done} of {total}").format(
                    done=number_text(progress.done),
                    total=number_text(progress.total),
                )
            )

    def _action_ended(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.action_finished.emit()

    def _tell(self, text: str) -> None:
        self.outcome_label.setText(text)
        self.outcome_label.show()

    # --- restore ----------------------------------------------------------------------------

    @Slot()
    def _on_restore(self) -> None:
        hits = self.selected_hits()
        if not hits or self.jobs.busy:
            return
        self.clear_error()
        names = list(dict.fromkeys(hit.account for hit in hits))
        missing = [name for name in names if name not in self.context.config.accounts]
        if missing:
            self.show_error(
                self.tr(
                    "The account {name} is not set up any more; add it on the Accounts page "
                    "to restore its messages."
                ).format(name=missing[0])
            )
            return
        question = (
            self.tr("Put this message back into its folder on the server?")
            if len(hits) == 1
            else self.tr("Put these {count} messages back into their folders on the server?")
        ).format(count=number_text(len(hits)))
        answer = QMessageBox.question(
            self,
            self.tr("Restore to server"),
            question
            + "\n\n"
            + self.tr(
                "Each copy is checked after the upload, messages already there are skipped, "
                "and the archive keeps its copies."
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        accounts: dict[str, tuple[Account, PasswordGetter]] = {}
        for name in names:
            account = self.context.config.accounts[name]
            getter = self.context.password_getter(account, self)
            if getter is None:
                return  # the user declined to give a password
            accounts[name] = (account, getter)
        job = functools.partial(
            restore_messages, self.context.archive_root, [hit.id for hit in hits], accounts
        )
        self._start_action(job, self._on_restored, self.tr("Restoring…"))

    def _on_restored(self, result: object) -> None:
        assert isinstance(result, RestoreResult)
        lines = [
            self.tr(
                "Restore finished: {restored} restored, {already} already there, {failed} "
                "failed, {not_reached} not reached. The archive keeps every message."
            ).format(
                restored=result.count(Outcome.RESTORED),
                already=result.count(Outcome.ALREADY),
                failed=result.count(Outcome.FAILED),
                not_reached=result.count(Outcome.NOT_REACHED),
            )
        ]
        lines += [
            self.tr("Message {id} failed: {reason}").format(id=item.id, reason=item.note)
            for item in result.items
            if item.outcome is Outcome.FAILED
        ]
        lines += [self.tr("Stopped: {reason}").format(reason=error) for error in result.errors]
        if result.cancelled or result.count(Outcome.NOT_REACHED):
            lines.append(self.tr("Restore again to finish; nothing is restored twice."))
        self._tell("\n".join(lines))

    # --- export -----------------------------------------------------------------------------

    @Slot()
    def _on_export_eml(self) -> None:
        hits = self.selected_hits()
        if not hits or self.jobs.busy:
            return
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Export as .eml files into a folder"), str(Path.home())
        )
        if folder:
            self._export(hits, Path(folder), as_mbox=False)

    @Slot()
    def _on_export_mbox(self) -> None:
        hits = self.selected_hits()
        if not hits or self.jobs.busy:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Export into an mbox file"),
            str(Path.home() / "archive-export.mbox"),
            self.tr("mbox files (*.mbox);;All files (*)"),
        )
        if path:
            self._export(hits, Path(path), as_mbox=True)

    def _export(self, hits: list[Hit], target: Path, *, as_mbox: bool) -> None:
        self.clear_error()
        job = functools.partial(
            export_messages, self.context.archive_root, [hit.id for hit in hits], target, as_mbox
        )
        self._start_action(job, self._on_exported, self.tr("Exporting…"))

    def _on_exported(self, result: object) -> None:
        assert isinstance(result, ExportResult)
        if result.cancelled and result.format == "mbox":
            self._tell(
                self.tr("Export cancelled; {target} was not written.").format(target=result.target)
            )
            return
        lines = [
            self.tr("Export finished: {count} written ({size}) to {target}.").format(
                count=number_text(result.exported),
                size=size_text(result.bytes),
                target=result.target,
            )
        ]
        if result.already:
            lines.append(
                self.tr("Already there from an earlier export: {count}.").format(
                    count=number_text(result.already)
                )
            )
        lines += [
            self.tr("Message {id} was left out: {reason}").format(id=f.id, reason=f.reason)
            for f in result.failures
        ]
        if result.cancelled:
            lines.append(self.tr("Cancelled; export again to finish."))
        self._tell("\n".join(lines))

    # --- open in mail program ---------------------------------------------------------------

    @Slot()
    def _on_open(self) -> None:
        hits = self.selected_hits()
        if len(hits) != 1 or self.jobs.busy:
            return
        job = functools.partial(
            write_private_eml, self.context.archive_root, hits[0].id, self._open_dir
        )
        self._start_action(
            job, self._on_eml_written, self.tr("Opening…"), on_failure=self._on_open_failed
        )

    def _on_eml_written(self, result: object) -> None:
        assert isinstance(result, Path)
        self._open_dir = result.parent
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(result))):
            self._show_open_error(
                self.tr(
                    "No program is set up to open .eml files. The message was saved as {path}."
                ).format(path=str(result))
            )

    def _on_open_failed(self, exc: BaseException) -> None:
        self._show_open_error(
            self.tr("The message could not be opened: {reason}").format(reason=error_text(exc))
        )

    def _show_open_error(self, text: str) -> None:
        self.open_error.setText(text)
        self.open_error.show()

    @Slot()
    def remove_opened_copies(self) -> None:
        """Remove the copies opened in a mail program (the archive keeps every message)."""
        if self._open_dir is not None:
            shutil.rmtree(self._open_dir, ignore_errors=True)
            self._open_dir = None

    # --- attachments ------------------------------------------------------------------------

    @Slot(list)
    def _on_save_attachments(self, numbers: list[int]) -> None:
        message_id = self.preview.message_id
        if message_id is None or self.jobs.busy:
            return
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Save attachments into a folder"), str(Path.home())
        )
        if not folder:
            return
        job = functools.partial(
            save_message_attachments, self.context.archive_root, message_id, Path(folder), numbers
        )
        self._start_action(job, self._on_attachments_saved, self.tr("Saving…"))

    def _on_attachments_saved(self, result: object) -> None:
        assert isinstance(result, list)
        folder = str(result[0].parent) if result else ""
        text = (
            self.tr("Saved the attachment into {folder}.")
            if len(result) == 1
            else self.tr("Saved {count} attachments into {folder}.")
        )
        self._tell(text.format(count=number_text(len(result)), folder=folder))
