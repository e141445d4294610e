"""The main window: a list of pages on the left, the chosen page on the right."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from archiver.core.jobs.scheduled import read_scheduled_run
from archiver.gui.context import AppContext
from archiver.gui.error_notice import HelpRequest
from archiver.gui.errors import ErrorAction
from archiver.gui.indexing import IndexCatchUp
from archiver.gui.notices import Tone, stylesheet
from archiver.gui.pages.accounts import AccountsPage
from archiver.gui.pages.archive import ArchivePage
from archiver.gui.pages.base import JobPage
from archiver.gui.pages.importing import ImportPage
from archiver.gui.pages.record import RecordPage
from archiver.gui.pages.search import SearchPage
from archiver.gui.pages.settings import SettingsPage
from archiver.gui.pages.welcome import WelcomePage
from archiver.gui.reminders import ReminderNotice
from archiver.gui.scheduledrun import last_run_text

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The app's window. With no account it shows the welcome page and nothing else.

    Closing while a job runs asks first, then cancels the jobs and closes once they have
    stopped at a safe point; it never blocks the event loop waiting for them. Indexing for
    search is stopped without asking: what is left is indexed at the next start, which the
    window begins with (the status bar shows it, whatever the page).
    """

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle(self.tr("IMAP Archiver"))
        self.resize(1100, 720)
        self._closing = False
        self._shown = False

        self.welcome_page = WelcomePage(context)
        self.accounts_page = AccountsPage(context)
        self.archive_page = ArchivePage(context)
        self.import_page = ImportPage(context)
        self.search_page = SearchPage(context)
        self.settings_page = SettingsPage(context)
        self.record_page = RecordPage(context)
        self.job_pages: list[JobPage] = [
            self.accounts_page,
            self.archive_page,
            self.import_page,
            self.search_page,
            self.record_page,
            self.settings_page,
            self.settings_page.backup_section,
        ]

        self.nav = QListWidget()
        self.nav.setAccessibleName(self.tr("Pages"))
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFixedWidth(170)
        self.nav.setStyleSheet("QListWidget::item { padding: 8px 6px; }")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome_page)
        for page, title in [
            (self.accounts_page, self.tr("Accounts")),
            (self.archive_page, self.tr("Archive")),
            (self.import_page, self.tr("Import")),
            (self.search_page, self.tr("Search")),
            (self.record_page, self.tr("Record")),
            (self.settings_page, self.tr("Settings")),
        ]:
            self.stack.addWidget(page)
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, page)
            self.nav.addItem(item)
        self.nav.currentItemChanged.connect(self._on_nav_changed)

        self.reminder = ReminderNotice(context)
        self.reminder.backup_requested.connect(self.show_backup)
        self.archive_page.job_finished.connect(self.reminder.refresh)
        self.settings_page.backup_section.job_finished.connect(self.reminder.refresh)
        right = QVBoxLayout()
        right.addWidget(self.reminder)
        right.addWidget(self.stack, 1)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.nav)
        layout.addLayout(right, 1)
        self.setCentralWidget(central)

        self.welcome_page.add_account_requested.connect(self._on_add_account)
        for page in self.job_pages:
            page.job_finished.connect(self._on_job_finished)
            page.help_requested.connect(self._on_help_requested)
        context.config_changed.connect(self._update_for_accounts)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.show_search)

        # Parented from the start: a widget without a parent that outlives the QApplication
        # crashes the app's exit on Windows. It joins the status bar once it has something
        # to say.
        self.index_status = QLabel(self)
        self.index_status.hide()
        self.index_status.setAccessibleName(self.tr("Search index"))
        self.index_catch_up = IndexCatchUp(context, self)
        for page in self.job_pages:  # the user's jobs come first: indexing gives way
            page.job_started.connect(self.index_catch_up.cancel)
            page.job_finished.connect(self._resume_indexing)
        self.index_catch_up.status_changed.connect(self._show_index_status)
        self.index_catch_up.finished.connect(self._on_job_finished)
        self.archive_page.progress.background_status.connect(self._show_index_status)
        self.last_run_label: QLabel | None = None
        self._show_last_automatic_run()
        self._update_for_accounts()
        self.reminder.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        """Begin indexing what an earlier run left unindexed, once the window is up."""
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            self.index_catch_up.start()  # nothing happens when the index is complete

    @Slot(str)
    def _show_index_status(self, text: str) -> None:
        """Show how far indexing in the background is, on every page (the status bar appears
        only once there is something to say)."""
        if text and self.index_status.parent() is self:
            self.statusBar().addPermanentWidget(self.index_status)
            self.index_status.show()
        self.index_status.setText(text)

    def _show_last_automatic_run(self) -> None:
        """Say at the start what the last automatic (scheduled) run did, or its problem: it
        ran while the app was closed, and nothing else would tell."""
        run = read_scheduled_run(self.context.dirs.config)
        if run is None:
            return  # no status bar at all: it would be an empty strip
        text, tone = last_run_text(run)
        self.last_run_label = QLabel(text)
        self.last_run_label.setAccessibleName(self.tr("Last automatic run"))
        self.last_run_label.setToolTip(text)
        if tone is not Tone.SUCCESS:
            self.last_run_label.setStyleSheet(stylesheet(tone))
        self.statusBar().addWidget(self.last_run_label, 1)

    def show_page(self, page: QWidget) -> None:
        """Show *page* and select it in the list."""
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) is page:
                self.nav.setCurrentRow(row)
        self.stack.setCurrentWidget(page)

    @Slot()
    def show_search(self) -> None:
        """Ctrl+F: go to the search page, with the cursor in the query field."""
        if self.context.config.accounts or self.context.archive_root.exists():
            self.show_page(self.search_page)
            self.search_page.focus_query()

    @Slot()
    def show_backup(self) -> None:
        """Go to Settings, to its Backup section."""
        self.show_page(self.settings_page)
        self.settings_page.backup_section.backup_button.setFocus()

    @Slot(object)
    def _on_help_requested(self, request: HelpRequest) -> None:
        """Do what the button beside a page's error offers: the settings (to check and
        repair the archive), or the account dialog on the account the error concerns (the
        Accounts page when no account is known)."""
        if request.action is ErrorAction.OPEN_SETTINGS:
            self.show_page(self.settings_page)
            self.settings_page.focus_check()
        elif not self.accounts_page.open_for(request):
            self.show_page(self.accounts_page)

    @Slot()
    def _update_for_accounts(self) -> None:
        has_accounts = bool(self.context.config.accounts)
        self.nav.setVisible(has_accounts)
        if not has_accounts:
            self.stack.setCurrentWidget(self.welcome_page)
        elif self.stack.currentWidget() is self.welcome_page:
            self.show_page(self.archive_page)

    @Slot()
    def _on_add_account(self) -> None:
        self.accounts_page.add_account()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_nav_changed(self, current: QListWidgetItem | None, _: object) -> None:
        if current is not None:
            self.stack.setCurrentWidget(current.data(Qt.ItemDataRole.UserRole))

    def busy_pages(self) -> list[JobPage]:
        """The pages whose job runs now."""
        return [page for page in self.job_pages if page.is_busy()]

    def _is_busy(self) -> bool:
        return bool(self.busy_pages()) or self.index_catch_up.busy

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask before closing during a job; then cancel it and close when it has stopped."""
        busy = self.busy_pages()
        if not self._is_busy():
            event.accept()
            return
        event.ignore()
        if self._closing:
            return
        if not any(page.asks_before_closing() for page in busy):
            self._stop_and_close(busy)  # reading, searching, indexing: nothing to lose
            return
        answer = QMessageBox.question(
            self,
            self.tr("A job is running"),
            self.tr(
                "A job is still running. Stop it and close? It stops at a safe point: "
                "nothing is lost, and messages not yet archived stay on the server."
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._stop_and_close(busy)

    def _stop_and_close(self, busy: list[JobPage]) -> None:
        """Cancel every job; the window closes when the last has stopped at a safe point."""
        self._closing = True
        self.setEnabled(False)
        self.statusBar().showMessage(self.tr("Stopping at a safe point…"))
        log.info("Window closing: cancelling %d running job(s)", len(busy))
        for page in busy:
            page.cancel_job()
        self.index_catch_up.cancel()

    @Slot()
    def _resume_indexing(self) -> None:
        """Index what is left once no page's job runs (nothing happens when nothing is)."""
        if not self._closing and not self.busy_pages():
            self.index_catch_up.start()

    @Slot()
    def _on_job_finished(self) -> None:
        if self._closing and not self._is_busy():
            self.close()
