"""Accounts: the list, add / edit / remove, quota and archive size per account."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QLocale, Qt, QTime, QTimer, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from archiver.core.accounts import Account, PasswordSource
from archiver.core.catalog import CATALOG_NAME, Catalog
from archiver.core.errors import AuthenticationError, ConfigError
from archiver.core.imap import Quota
from archiver.core.jobs.inspect import read_quota
from archiver.core.progress import CancelToken, ProgressCallback
from archiver.core.secrets import delete_from_keyring
from archiver.gui.context import AppContext
from archiver.gui.dialogs.account import (
    AccountDialog,
    QuotaBar,
    password_source_text,
    security_text,
)
from archiver.gui.error_notice import HelpRequest
from archiver.gui.formatting import number_text, size_text
from archiver.gui.pages.base import JobPage
from archiver.gui.workers import Job, JobSignals, JobSlot

log = logging.getLogger(__name__)


def read_archive_stats(
    archive_root: Path, account: str, *, report: ProgressCallback, cancel: CancelToken
) -> tuple[int, int]:
    """Return (messages, bytes) archived for *account* (a job).

    An archive that was never written has no catalog yet, and holds nothing; it is not
    created here.
    """
    path = archive_root / CATALOG_NAME
    if not path.is_file():
        return 0, 0
    with Catalog(path) as catalog:
        return catalog.stats(account)


def forget_passwords(
    accounts: tuple[Account, ...], *, report: ProgressCallback, cancel: CancelToken
) -> None:
    """Remove removed accounts' passwords from the system keyring (a job)."""
    for account in accounts:
        delete_from_keyring(account)


def _shares_keyring_entry(account: Account, others: list[Account]) -> bool:
    """Whether another keyring account uses *account*'s entry (keyed by user@host)."""
    return any(
        other.password_source is PasswordSource.KEYRING
        and other.user == account.user
        and other.host == account.host
        for other in others
    )


class AccountsPage(JobPage):
    """The configured accounts; for the selected one its server, quota and archive.

    The quota is read from the server while the page is visible: when an account is
    selected, on Refresh and on refresh() (the archive page calls it after a run). The
    figures follow the settings (``config_changed``). Removing an account keeps its archive.

    Its jobs (quota, archive figures, keyring) each have a slot of their own, so a slow
    server never holds back the archive figures.

    Signals:
        job_started(): one of the page's jobs was handed to the pool.
        job_finished(): that job ended and its result is shown.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.stats_jobs = JobSlot(context.pool, self)
        self.keyring_jobs = JobSlot(context.pool, self)
        self.dialog: AccountDialog | None = None
        self._shown: Account | None = None  # the account whose details are on the page
        self._shown_root: Path | None = None  # the archive folder its figures were read from
        self._stale = False  # figures to read when the page is next shown
        self._quota_again = False  # read the quota again once the running read has stopped
        self._stats_again = False
        self._declined: set[str] = set()  # prompted accounts whose password was not given
        self._forget_queue: list[Account] = []  # keyring entries still to remove

        layout = QHBoxLayout(self)
        layout.addWidget(self._build_list(), 0)
        right = QVBoxLayout()
        right.addWidget(self._build_details(), 1)
        right.addWidget(self.error_notice)
        self.empty_label = QLabel(
            self.tr("No account yet. Click “Add…” to set up your mail account.")
        )
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right.addWidget(self.empty_label, 1)
        layout.addLayout(right, 1)

        context.config_changed.connect(self._on_config_changed)
        self._on_config_changed()

    def _build_list(self) -> QWidget:
        self.accounts_list = QListWidget()
        self.accounts_list.setAccessibleName(self.tr("Accounts"))
        self.accounts_list.setSpacing(3)
        self.accounts_list.currentRowChanged.connect(self._show_selected)
        self.accounts_list.itemActivated.connect(self.edit_account)
        self.add_button = QPushButton(self.tr("&Add…"))
        self.add_button.setAccessibleName(self.tr("Add an account"))
        self.add_button.clicked.connect(self.add_account)
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.edit_button.setAccessibleName(self.tr("Edit the account"))
        self.edit_button.clicked.connect(self.edit_account)
        self.remove_button = QPushButton(self.tr("Re&move…"))
        self.remove_button.setAccessibleName(self.tr("Remove the account"))
        self.remove_button.clicked.connect(self.remove_account)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        column = QWidget()
        column.setFixedWidth(290)
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.accounts_list, 1)
        layout.addLayout(buttons)
        return column

    @staticmethod
    def _value_label() -> QLabel:
        label = QLabel()
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _build_details(self) -> QWidget:
        self.title_label = QLabel()
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title_label.setFont(font)
        self.server_label = self._value_label()
        self.security_label = self._value_label()
        self.password_label = self._value_label()
        account_form = QFormLayout()
        account_form.addRow(self.tr("Server:"), self.server_label)
        account_form.addRow(self.tr("Security:"), self.security_label)
        account_form.addRow(self.tr("Password:"), self.password_label)

        self.quota_bar = QuotaBar()
        self.quota_bar.setMinimumHeight(28)
        self.quota_status = QLabel()
        self.quota_status.setWordWrap(True)
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.setAccessibleName(self.tr("Read the quota and the archive again"))
        self.refresh_button.clicked.connect(self.refresh)
        status_row = QHBoxLayout()
        status_row.addWidget(self.quota_status, 1)
        status_row.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        server_box = QGroupBox(self.tr("Mailbox on the server"))
        server_layout = QVBoxLayout(server_box)
        server_layout.addWidget(self.quota_bar)
        server_layout.addLayout(status_row)

        self.archive_count_label = self._value_label()
        self.archive_size_label = self._value_label()
        self.archive_folder_label = self._value_label()
        archive_box = QGroupBox(self.tr("Archive on this computer"))
        archive_form = QFormLayout(archive_box)
        archive_form.addRow(self.tr("Messages:"), self.archive_count_label)
        archive_form.addRow(self.tr("Size:"), self.archive_size_label)
        archive_form.addRow(self.tr("Folder:"), self.archive_folder_label)
        hint = QLabel(
            self.tr(
                "Messages count here once they are stored in the archive and checked byte for "
                "byte; only then may they leave the server. Removing an account keeps its "
                "archive."
            )
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)  # greyed: an explanation, not a figure
        archive_form.addRow(hint)

        self.details = QWidget()
        layout = QVBoxLayout(self.details)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label)
        layout.addLayout(account_form)
        layout.addSpacing(8)
        layout.addWidget(server_box)
        layout.addWidget(archive_box)
        layout.addStretch(1)
        return self.details

    # The jobs: quota in the page's own slot, the others beside it

    def is_busy(self) -> bool:
        """Whether any job of this page runs."""
        return super().is_busy() or self.stats_jobs.busy or self.keyring_jobs.busy

    def cancel_job(self) -> None:
        """Ask the page's running jobs to stop at their next safe point."""
        super().cancel_job()
        self.stats_jobs.cancel()
        self.keyring_jobs.cancel()

    def _run_beside(
        self,
        slot: JobSlot,
        job: Job,
        on_success: Callable[[object], None],
        on_finished: Callable[[], None],
    ) -> None:
        """Start *job* in *slot*, beside the quota read, with the page's signals."""
        slot.start(job, partial(self._connect_beside, on_success, on_finished))
        self.job_started.emit()

    def _connect_beside(
        self,
        on_success: Callable[[object], None],
        on_finished: Callable[[], None],
        signals: JobSignals,
    ) -> None:
        signals.succeeded.connect(on_success)
        signals.failed.connect(self.show_error)
        signals.finished.connect(on_finished)
        signals.finished.connect(self.job_finished)

    # What is shown

    def selected_account(self) -> Account | None:
        """The account selected in the list, if any."""
        item = self.accounts_list.currentItem()
        if item is None:
            return None
        return self.context.config.accounts.get(item.data(Qt.ItemDataRole.UserRole))

    @Slot()
    def _on_config_changed(self) -> None:
        """Show the accounts as now configured, keeping the selection where it can."""
        current = self.selected_account()
        selected = current.name if current is not None else None
        accounts = self.context.config.accounts
        names = sorted(accounts)
        self.accounts_list.blockSignals(True)
        self.accounts_list.clear()
        for name in names:
            # The name, and below it who logs in where (what tells accounts apart).
            item = QListWidgetItem(f"{name}\n{accounts[name].user}@{accounts[name].host}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.accounts_list.addItem(item)
        if names:
            self.accounts_list.setCurrentRow(names.index(selected) if selected in names else 0)
        self.accounts_list.blockSignals(False)
        self._show_selected()

    def select_account(self, name: str) -> None:
        """Select the account *name* in the list (after it was added, say)."""
        for row in range(self.accounts_list.count()):
            if self.accounts_list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.accounts_list.setCurrentRow(row)

    @Slot()
    def _show_selected(self) -> None:
        """Show the selected account and read its figures, unless they are shown already."""
        account = self.selected_account()
        self.details.setVisible(account is not None)
        self.empty_label.setVisible(not self.context.config.accounts)
        self.edit_button.setEnabled(account is not None)
        self.remove_button.setEnabled(account is not None)
        if account != self._shown:
            self._shown = account
            self.clear_error()
            if account is not None:
                self._show_account(account)
                self._request_figures()
        elif account is not None and self.context.archive_root != self._shown_root:
            if self.isVisible():  # the archive folder changed: only its figures
                self._read_stats()
            else:
                self._stale = True

    def _show_account(self, account: Account) -> None:
        self.title_label.setText(account.name)
        self.server_label.setText(
            self.tr("{user} on {host}, port {port}").format(
                user=account.user, host=account.host, port=account.effective_port
            )
        )
        security = security_text(account.security)
        if account.tls_fingerprint is not None:
            security = self.tr("{security}, with a certificate you chose to trust").format(
                security=security
            )
        elif account.cafile is not None:
            security = self.tr("{security}, trusting the CA file {path}").format(
                security=security, path=account.cafile
            )
        self.security_label.setText(security)
        self.password_label.setText(password_source_text(account.password_source))
        self.quota_bar.hide()
        self.quota_status.setText(self.tr("The quota has not been read yet."))
        for label in (self.archive_count_label, self.archive_size_label):
            label.setText(self.tr("…"))

    def _request_figures(self) -> None:
        """Read the quota and the archive figures now if the page is seen, else on show."""
        if self.isVisible():
            self._read_stats()
            self._read_quota(explicit=False)
        else:
            self._stale = True

    @Slot()
    def refresh(self) -> None:
        """Read the selected account's quota and archive figures again (after an archive
        run, say); a hidden page reads them when it is next shown."""
        if self.isVisible():
            self._read_stats()
            self._read_quota(explicit=True)
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        """Read figures asked for while the page was hidden, once it is on screen (after
        this event: a password prompt must not open inside it)."""
        super().showEvent(event)
        if self._stale:
            self._stale = False
            QTimer.singleShot(0, self, self._read_figures_after_show)  # not once deleted

    @Slot()
    def _read_figures_after_show(self) -> None:
        if self.isVisible():
            self._read_stats()
            self._read_quota(explicit=False)

    # The quota

    def _read_quota(self, *, explicit: bool) -> None:
        """Start reading the shown account's quota; a running read is replaced.

        A prompted account whose password the user declined is asked again only when the
        user asks for it (*explicit*), not each time the account is selected.
        """
        account = self._shown
        if account is None:
            return
        if self.jobs.busy:
            self._quota_again = True
            self.jobs.cancel()
            return
        if not explicit and account.name in self._declined:
            self._show_password_needed()
            return
        password = self.context.password_getter(account, self)
        if password is None:
            self._declined.add(account.name)
            self._show_password_needed()
            return
        self._declined.discard(account.name)
        self.refresh_button.setEnabled(False)
        self.quota_status.setText(
            self.tr("Reading the quota from {host}…").format(host=account.host)
        )
        self.run_job(
            partial(read_quota, account, password),
            partial(self._on_quota, account),
            on_failure=partial(self._on_quota_failed, account),
            on_finished=self._on_quota_finished,
        )

    def _show_password_needed(self) -> None:
        self.quota_bar.hide()
        self.quota_status.setText(
            self.tr("The password is needed to read the quota. Click Refresh to type it.")
        )

    def _on_quota(self, account: Account, quota: Quota | None) -> None:
        if account != self._shown:
            return  # another account was selected meanwhile
        if quota is None:
            self.quota_bar.hide()
            self.quota_status.setText(self.tr("The server reports no quota."))
            return
        self.quota_bar.set_quota(quota)
        self.quota_bar.show()
        self.quota_status.setText(
            self.tr("Read from the server at {time}.").format(
                time=QLocale().toString(QTime.currentTime(), QLocale.FormatType.ShortFormat)
            )
        )

    def _on_quota_failed(self, account: Account, exc: BaseException) -> None:
        if account != self._shown:
            log.debug("Quota of %s not shown (no longer selected): %s", account.name, exc)
            return
        if isinstance(exc, AuthenticationError):
            self.context.forget_password(account.name)  # a prompted one is asked again
        self.quota_bar.hide()
        self.quota_status.setText(self.tr("The quota could not be read."))
        self.show_error(exc)

    @Slot()
    def _on_quota_finished(self) -> None:
        self.refresh_button.setEnabled(True)
        if self._quota_again:
            self._quota_again = False
            self._request_quota_again()

    def _request_quota_again(self) -> None:
        if self.isVisible():
            self._read_quota(explicit=False)
        else:
            self._stale = True

    # The archive figures

    def _read_stats(self) -> None:
        account = self._shown
        if account is None:
            return
        if self.stats_jobs.busy:
            self._stats_again = True
            return
        root = self.context.archive_root
        self._shown_root = root
        self.archive_folder_label.setText(str(root))
        self._run_beside(
            self.stats_jobs,
            partial(read_archive_stats, root, account.name),
            partial(self._on_stats, account.name, root),
            self._on_stats_finished,
        )

    def _on_stats(self, name: str, root: Path, stats: tuple[int, int]) -> None:
        shown = self._shown
        if shown is None or shown.name != name or root != self._shown_root:
            return
        messages, size = stats
        self.archive_count_label.setText(number_text(messages))
        self.archive_size_label.setText(size_text(size))

    @Slot()
    def _on_stats_finished(self) -> None:
        if self._stats_again:
            self._stats_again = False
            self._read_stats()

    # Add, edit, remove

    @Slot()
    def add_account(self) -> None:
        """Open the account dialog for a new account."""
        self._open_dialog(None)

    @Slot()
    def edit_account(self) -> None:
        """Open the account dialog for the selected account."""
        account = self.selected_account()
        if account is not None:
            self._open_dialog(account)

    def open_for(self, request: HelpRequest) -> bool:
        """Open the account dialog on the account an error's button on another page named,
        and do there what the button offered; False when no such account is configured
        (or another dialog is open, which is brought forward)."""
        account = self.context.config.accounts.get(request.account or "")
        if account is None:
            return False
        self.select_account(account.name)
        dialog = self._open_dialog(account)
        if dialog is None:
            return False
        dialog.follow(request.action, request.kind)
        return True

    def _open_dialog(self, account: Account | None) -> AccountDialog | None:
        """Open the dialog; None when one is open already (it is brought forward)."""
        if self.dialog is not None:  # one at a time: bring the open one forward
            self.dialog.raise_()
            self.dialog.activateWindow()
            return None
        dialog = AccountDialog(self.context, account, self)
        dialog.saved.connect(self.select_account)
        dialog.finished.connect(self._on_dialog_closed)
        self.dialog = dialog
        dialog.open()
        return dialog

    @Slot()
    def _on_dialog_closed(self) -> None:
        self.dialog = None

    @Slot()
    def remove_account(self) -> None:
        """Remove the selected account from the settings, after asking; its archive stays
        on this computer and its keyring entry goes."""
        account = self.selected_account()
        if account is None:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Remove account"),
            self.tr(
                "Remove the account {name} ({user} on {host})?\n\n"
                "The archive of this account stays on this computer, in {folder}. Add the "
                "account again under the same name to go on using it. Nothing on the "
                "server changes."
            ).format(
                name=account.name,
                user=account.user,
                host=account.host,
                folder=self.context.archive_root,
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.clear_error()
        try:
            self.context.save_config(self.context.config.without_account(account.name))
        except (ConfigError, OSError) as exc:
            self.show_error(exc)
            return
        log.info("Account %s removed; its archive is kept", account.name)
        self.context.forget_password(account.name)
        self._declined.discard(account.name)
        remaining = list(self.context.config.accounts.values())
        if account.password_source is PasswordSource.KEYRING and not _shares_keyring_entry(
            account, remaining
        ):
            self._forget_queue.append(account)
            self._forget_passwords()

    @Slot()
    def _forget_passwords(self) -> None:
        """Remove the queued keyring entries, one job at a time."""
        if self.keyring_jobs.busy or not self._forget_queue:
            return
        accounts = tuple(self._forget_queue)
        self._forget_queue.clear()
        self._run_beside(
            self.keyring_jobs,
            partial(forget_passwords, accounts),
            lambda _: None,
            self._forget_passwords,
        )
