"""The main window: a list of pages on the left, the chosen page on the right."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from archiver.gui.context import AppContext
from archiver.gui.pages.accounts import AccountsPage
from archiver.gui.pages.archive import ArchivePage
from archiver.gui.pages.base import JobPage
from archiver.gui.pages.importing import ImportPage
from archiver.gui.pages.search import SearchPage
from archiver.gui.pages.settings import SettingsPage
from archiver.gui.pages.welcome import WelcomePage

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The app's window. With no account it shows the welcome page and nothing else.

    Closing while a job runs asks first, then cancels the jobs and closes once they have
    stopped at a safe point; it never blocks the event loop waiting for them.
    """

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle(self.tr("IMAP Archiver"))
        self.resize(1100, 720)
        self._closing = False

        self.welcome_page = WelcomePage(context)
        self.accounts_page = AccountsPage(context)
        self.archive_page = ArchivePage(context)
        self.import_page = ImportPage(context)
        self.search_page = SearchPage(context)
        self.settings_page = SettingsPage(context)
        self.job_pages: list[JobPage] = [
            self.accounts_page,
            self.archive_page,
            self.import_page,
            self.search_page,
            self.settings_page,
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
            (self.settings_page, self.tr("Settings")),
        ]:
            self.stack.addWidget(page)
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, page)
            self.nav.addItem(item)
        self.nav.currentItemChanged.connect(self._on_nav_changed)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.welcome_page.add_account_requested.connect(self._on_add_account)
        for page in self.job_pages:
            page.job_finished.connect(self._on_job_finished)
        context.config_changed.connect(self._update_for_accounts)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.activated.connect(self.show_search)
        self._update_for_accounts()

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

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask before closing during a job; then cancel it and close when it has stopped."""
        busy = self.busy_pages()
        if not busy:
            event.accept()
            return
        event.ignore()
        if self._closing:
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
        self._closing = True
        self.setEnabled(False)
        self.statusBar().showMessage(self.tr("Stopping at a safe point…"))
        log.info("Window closing: cancelling %d running job(s)", len(busy))
        for page in busy:
            page.cancel_job()

    @Slot()
    def _on_job_finished(self) -> None:
        if self._closing and not self.busy_pages():
            self.close()
