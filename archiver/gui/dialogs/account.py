"""The account dialog: add or edit an account, test its connection, trust a certificate.

The connection test and the keyring run as jobs on the app's pool, so the dialog stays
responsive while a server is slow or a keyring asks to be unlocked. Closing the dialog
during a job cancels it, and the dialog is deleted only once the job has finished, so no
job ever reports to a deleted dialog.
"""

from __future__ import annotations

import logging
import sys
from functools import partial
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QFontDatabase, QIntValidator
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
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
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from archiver.core.accounts import (
    PRESETS,
    Account,
    PasswordSource,
    ProviderPreset,
    Security,
    preset_for_address,
    preset_for_host,
)
from archiver.core.errors import (
    ArchiverError,
    AuthenticationError,
    ConfigError,
    ErrorKind,
    UntrustedCertificate,
)
from archiver.core.imap import Quota, format_fingerprint
from archiver.core.jobs.inspect import (
    TEST_TIMEOUT,
    AccountOverview,
    FolderOverview,
    check_connection,
)
from archiver.core.progress import CancelToken, Progress, ProgressCallback
from archiver.core.secrets import Secret, keep_password, keyring_usable, same_keyring_entry
from archiver.gui.context import AppContext, PasswordGetter
from archiver.gui.errors import ErrorAction, action_label, error_help, error_text
from archiver.gui.folder_names import folder_text
from archiver.gui.formatting import number_text, size_text
from archiver.gui.notices import Tone, notice_label, stylesheet
from archiver.gui.workers import JobSignals, JobSlot

log = logging.getLogger(__name__)

NEW_ACCOUNT_NAME = "new"  # what a connection test calls an account whose name is not typed yet

# The notes of the provider presets, for lupdate: the core keeps them in English (it knows
# no Qt) and preset_note() looks up their translations. A test checks this list against
# archiver.core.accounts.PRESETS, so that a new or changed note is not left untranslated.
PRESET_NOTES = (
    QT_TRANSLATE_NOOP(
        "providers",
        "If the login is refused, allow access by POP3 and IMAP in the settings of the GMX "
        "web mail.",
    ),
    QT_TRANSLATE_NOOP(
        "providers",
        "If the login is refused, allow access by POP3 and IMAP in the settings of the WEB.DE "
        "web mail.",
    ),
    QT_TRANSLATE_NOOP(
        "providers",
        "Use your e-mail password, which you set in the Telekom E-Mail Center, not the "
        "password of your Telekom login.",
    ),
    QT_TRANSLATE_NOOP("providers", "The user name is your full e-mail address."),
    QT_TRANSLATE_NOOP(
        "providers",
        "Gmail accepts an app password here, not your Google password: create one in your "
        "Google Account under Security (2-Step Verification must be on).",
    ),
    QT_TRANSLATE_NOOP(
        "providers",
        "Microsoft usually lets mail programs in only with OAuth sign-in, which IMAP Archiver "
        "does not support: logging in with a password will most likely be refused.",
    ),
    QT_TRANSLATE_NOOP(
        "providers",
        "Yahoo accepts an app password here, not your Yahoo password: create one in the "
        "security settings of your Yahoo account.",
    ),
    QT_TRANSLATE_NOOP(
        "providers",
        "iCloud accepts an app-specific password here, not your Apple Account password: "
        "create one in your Apple Account's security settings.",
    ),
)


def preset_note(preset: ProviderPreset) -> str:
    """Return what the user must know about *preset*, in their language ("" if nothing)."""
    return QCoreApplication.translate("providers", preset.note) if preset.note else ""


def security_text(security: Security) -> str:
    """Name a security mode as the dialog and the accounts page show it."""
    return {
        Security.SSL: QCoreApplication.translate("account", "SSL/TLS"),
        Security.STARTTLS: QCoreApplication.translate("account", "STARTTLS"),
        Security.PLAIN: QCoreApplication.translate("account", "Unencrypted"),
    }[security]


def password_source_text(source: PasswordSource) -> str:
    """Say where an account's password comes from, as a sentence for the accounts page."""
    return {
        PasswordSource.KEYRING: QCoreApplication.translate(
            "account", "Stored in the system keyring."
        ),
        PasswordSource.PROMPT: QCoreApplication.translate(
            "account", "Asked for each time the app starts."
        ),
        PasswordSource.COMMAND: QCoreApplication.translate(
            "account", "Printed by a password command."
        ),
    }[source]


def quota_text(quota: Quota) -> str:
    """Say how full the mailbox is: "1.2 GB of 2.0 GB used (60%)"."""
    if quota.limit <= 0:
        return QCoreApplication.translate("account", "{used} used (no limit)").format(
            used=size_text(quota.used)
        )
    return QCoreApplication.translate("account", "{used} of {limit} used ({percent}%)").format(
        used=size_text(quota.used),
        limit=size_text(quota.limit),
        percent=number_text(round(quota.used * 100 / quota.limit)),
    )


def fingerprint_lines(fingerprint: str) -> str:
    """Show a SHA-256 fingerprint as AB:CD:... on two lines of 16 bytes, to fit a dialog."""
    pairs = format_fingerprint(fingerprint).split(":")
    return ":".join(pairs[:16]) + "\n" + ":".join(pairs[16:])


class QuotaBar(QProgressBar):
    """A bar showing a server's storage quota, with its figures as the bar's text.

    QProgressBar holds ints, so the bar counts in thousandths of the limit: quotas beyond
    2 GB would not fit as bytes.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 1000)
        self.setTextVisible(True)
        self.setAccessibleName(self.tr("Quota on the server"))

    def set_quota(self, quota: Quota) -> None:
        """Show *quota*: the share of the limit in use, and the figures as text."""
        share = min(quota.used / quota.limit, 1.0) if quota.limit > 0 else 0.0
        self.setValue(round(share * 1000))
        text = quota_text(quota)
        self.setFormat(text)
        self.setToolTip(text)
        self.setAccessibleDescription(text)


class FolderTableModel(QAbstractTableModel):
    """The folders a connection test found: name, messages and size, one row each."""

    COLUMNS = 3

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._folders: list[FolderOverview] = []
        self._by_name = True  # no special-use flags: special folders are known by name

    def set_folders(self, folders: list[FolderOverview]) -> None:
        """Replace the rows."""
        self.beginResetModel()
        self._folders = list(folders)
        self._by_name = not any(f.special_use for f in folders)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._folders)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation is not Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return [self.tr("Folder"), self.tr("Messages"), self.tr("Size")][section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section > 0:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        return None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if not index.isValid():
            return None
        folder = self._folders[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return folder_text(folder.name, folder.special_use, by_name=self._by_name)
            if folder.error is not None:
                return "?"
            if column == 1:
                return number_text(folder.messages or 0)
            return size_text(folder.size or 0)
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and folder.error is not None:
            return folder.error
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return folder.name  # the server's name
        return None


def save_password(
    account: Account,
    typed: Secret | None,
    previous: Account | None,
    previous_shared: bool,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """Check the CA file and put the password where *account* keeps it (a job).

    Runs before the settings are saved, so that a keyring failure leaves them unchanged.
    See archiver.core.secrets.keep_password for the arguments.
    """
    if account.cafile is not None and not account.cafile.is_file():
        raise ConfigError(
            QCoreApplication.translate("account", "The CA file {path} does not exist.").format(
                path=account.cafile
            )
        )
    keep_password(account, typed, previous, previous_shared)


# The certificate problems the dialog offers to trust the certificate for, after the user has
# compared its fingerprint; a certificate made out for another name is not among them: the
# server name the provider gives is the fix.
TRUSTABLE = frozenset({ErrorKind.TLS_UNTRUSTED, ErrorKind.TLS_EXPIRED, ErrorKind.TLS_CHANGED})


class AccountDialog(QDialog):
    """Add an account (*account* None) or edit one; test its connection before saving.

    Open it with ``open()``. Settings are checked by :class:`Account`; problems are shown in
    the dialog, which then stays open.

    The connection test can be cancelled: its connection is closed at once, also while the
    server is silent.

    Signals:
        test_started(): a connection test was handed to the pool.
        test_finished(): the test ended and its result (folders, quota, error or that it was
            cancelled) is shown.
        saved(str): the account was saved under this name; the dialog then closes.
    """

    test_started = Signal()
    test_finished = Signal()
    saved = Signal(str)

    def __init__(
        self, context: AppContext, account: Account | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.original = account
        self.jobs = JobSlot(context.pool, self)
        self._closed = False
        self._fingerprint: str | None = account.tls_fingerprint if account else None
        self._untrusted: str | None = None  # fingerprint the last test was shown
        self._action: ErrorAction | None = None  # offered beside the last test's error
        self._focus_after_test: QWidget | None = None  # the field the test's error names
        self._failed_kind: ErrorKind | None = None  # of the last test's error
        self.test_timeout = TEST_TIMEOUT  # seconds the connection test waits for the server
        self._suggested = False  # the provider was chosen by the e-mail address, not the user
        self._focus_after_job: QWidget | None = None  # where the focus goes back after a job
        self.setWindowTitle(self.tr("Add account") if account is None else self.tr("Edit account"))
        self.resize(980, 640)

        left = QVBoxLayout()
        left.addWidget(self._build_server_box())
        left.addWidget(self._build_password_box())
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 5)
        columns.addWidget(self._build_test_box(), 6)

        self.error_label = notice_label(Tone.ERROR)
        self.error_label.setAccessibleName(self.tr("Problem with the settings"))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName(self.tr("Save the account"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self._on_save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self._make_enter_save()

        self._fill(account)
        self._on_security_changed()
        self._on_source_changed()
        self._show_trusted()
        (self.host_edit if account else self.name_edit).setFocus()

    # Building the form

    def _make_enter_save(self) -> None:
        """Let Enter mean Save wherever the focus is; Space presses the focused button.

        Qt makes every button in a dialog "auto-default": focused, it takes Enter, and the
        first one focused becomes the dialog's default for good when none was set inside the
        dialog. Enter in the Name field then opened the CA file picker, and Enter on Cancel,
        where the focus lands when the form is locked, threw away all that was typed.
        """
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        # Only now, inside the dialog, does setDefault() make Save the dialog's default.
        self.save_button.setDefault(True)

    @staticmethod
    def _caption(text: str, field: QWidget) -> QLabel:
        """A form label whose mnemonic (Alt+letter) jumps to *field*."""
        caption = QLabel(text)
        caption.setBuddy(field)
        return caption

    def _line_edit(self, accessible: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        edit.textEdited.connect(self._clear_form_error)
        return edit

    def _build_server_box(self) -> QGroupBox:
        # Provider names are names: only "Other" is translated. The item data is the
        # preset's name, "" for Other.
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName(self.tr("Provider"))
        for preset in PRESETS:
            self.provider_combo.addItem(preset.name, preset.name)
        self.provider_combo.addItem(self.tr("Other (enter the server yourself)"), "")
        self.provider_combo.setCurrentIndex(self.provider_combo.count() - 1)
        self.provider_combo.currentIndexChanged.connect(self._on_provider_changed)
        self.provider_note = notice_label(Tone.WARNING)
        self.provider_note.setAccessibleName(self.tr("Note on the provider"))
        self.name_edit = self._line_edit(self.tr("Account name"), self.tr("e.g. office"))
        self.host_edit = self._line_edit(self.tr("Server"), self.tr("imap.example.com"))
        self.host_edit.textEdited.connect(self._on_host_edited)
        self.security_combo = QComboBox()
        self.security_combo.setAccessibleName(self.tr("Security"))
        self.security_combo.addItem(self.tr("SSL/TLS (recommended)"), Security.SSL)
        self.security_combo.addItem(self.tr("STARTTLS"), Security.STARTTLS)
        self.security_combo.addItem(self.tr("Unencrypted (not recommended)"), Security.PLAIN)
        self.security_combo.currentIndexChanged.connect(self._on_security_changed)
        self.plain_warning = QLabel(
            self.tr(
                "Without encryption, your password and your mail cross the network readable "
                "by anyone in between. Use this only on a network you trust completely."
            )
        )
        self.plain_warning.setObjectName("warning")
        self.plain_warning.setWordWrap(True)
        self.plain_warning.setStyleSheet(stylesheet(Tone.WARNING, "#warning"))
        self.port_edit = self._line_edit(self.tr("Port"))
        self.port_edit.setValidator(QIntValidator(0, 65535, self.port_edit))
        self.user_edit = self._line_edit(self.tr("User name"), self.tr("you@example.com"))
        self.user_edit.textEdited.connect(self._on_user_edited)
        self.cafile_edit = self._line_edit(
            self.tr("CA file"), self.tr("Optional: for a server with a private certificate")
        )
        self.cafile_button = QPushButton(self.tr("&Browse…"))
        self.cafile_button.setAccessibleName(self.tr("Choose a CA file"))
        self.cafile_button.clicked.connect(self._on_browse_cafile)
        cafile_row = QHBoxLayout()
        cafile_row.addWidget(self.cafile_edit, 1)
        cafile_row.addWidget(self.cafile_button)
        self.trusted_label = QLabel()
        self.trusted_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.trusted_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.forget_trust_button = QPushButton(self.tr("F&orget"))
        self.forget_trust_button.setAccessibleName(self.tr("Stop trusting this certificate"))
        self.forget_trust_button.clicked.connect(self._on_forget_trust)
        self.trusted_row = QWidget()
        trusted_layout = QHBoxLayout(self.trusted_row)
        trusted_layout.setContentsMargins(0, 0, 0, 0)
        trusted_layout.addWidget(self.trusted_label, 1)
        trusted_layout.addWidget(self.forget_trust_button, 0, Qt.AlignmentFlag.AlignTop)

        form = QFormLayout()
        form.addRow(self._caption(self.tr("Pro&vider:"), self.provider_combo), self.provider_combo)
        form.addRow(self.provider_note)
        form.addRow(self._caption(self.tr("&Name:"), self.name_edit), self.name_edit)
        form.addRow(self._caption(self.tr("&Server:"), self.host_edit), self.host_edit)
        form.addRow(self._caption(self.tr("Securit&y:"), self.security_combo), self.security_combo)
        form.addRow(self.plain_warning)
        form.addRow(self._caption(self.tr("&Port:"), self.port_edit), self.port_edit)
        form.addRow(self._caption(self.tr("&User name:"), self.user_edit), self.user_edit)
        form.addRow(self._caption(self.tr("CA &file:"), self.cafile_edit), cafile_row)
        self.trusted_caption = QLabel(self.tr("Trusted certificate:"))
        form.addRow(self.trusted_caption, self.trusted_row)
        self.server_form = form
        self.server_box = QGroupBox(self.tr("Server"))
        self.server_box.setLayout(form)
        return self.server_box

    def _build_password_box(self) -> QGroupBox:
        self.keyring_radio = QRadioButton(self.tr("Store the password in the system &keyring"))
        self.prompt_radio = QRadioButton(self.tr("&Ask each time"))
        self.command_radio = QRadioButton(self.tr("Password co&mmand"))
        self.source_radios = {
            PasswordSource.KEYRING: self.keyring_radio,
            PasswordSource.PROMPT: self.prompt_radio,
            PasswordSource.COMMAND: self.command_radio,
        }
        self.source_group = QButtonGroup(self)
        for radio in self.source_radios.values():
            radio.setAccessibleName(radio.text().replace("&", ""))
            self.source_group.addButton(radio)
        self.keyring_note = QLabel(
            self.tr(
                "This computer has no system keyring the app can use, so the password "
                "cannot be stored. It can be asked each time, or come from a password command."
            )
        )
        self.keyring_note.setWordWrap(True)
        if keyring_usable():
            self.keyring_radio.setChecked(True)
            self.keyring_note.hide()
        else:
            self.keyring_radio.setEnabled(False)
            self.prompt_radio.setChecked(True)
        self.source_group.buttonToggled.connect(self._on_source_changed)
        self.password_edit = self._line_edit(self.tr("Password"))
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        example = (
            self.tr(
                r"e.g. powershell -NoProfile -ExecutionPolicy Bypass -File %APPDATA%\mail-password.ps1"  # noqa: E501 (one literal for lupdate)
            )
            if sys.platform == "win32"
            else self.tr("e.g. pass show mail/office")
        )
        self.command_edit = self._line_edit(self.tr("Password command"), example)
        self.password_hint = QLabel()
        self.password_hint.setWordWrap(True)
        self.password_hint.setEnabled(False)  # greyed: a hint, not a setting

        form = QFormLayout()
        form.addRow(self._caption(self.tr("Pass&word:"), self.password_edit), self.password_edit)
        form.addRow(self._caption(self.tr("&Command:"), self.command_edit), self.command_edit)
        form.addRow(self.password_hint)
        self.password_box = QGroupBox(self.tr("Password"))
        layout = QVBoxLayout(self.password_box)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.keyring_radio)
        layout.addWidget(self.prompt_radio)
        layout.addWidget(self.command_radio)
        layout.addLayout(form)
        return self.password_box

    def _build_test_box(self) -> QGroupBox:
        self.test_button = QPushButton(self.tr("&Test connection"))
        self.test_button.setAccessibleName(self.tr("Test the connection"))
        self.test_button.clicked.connect(self.start_test)
        self.test_status = QLabel(
            self.tr("Check the settings: log in and look at the folders on the server.")
        )
        self.test_status.setWordWrap(True)
        self.test_progress = QProgressBar()
        self.test_progress.setAccessibleName(self.tr("Connection test progress"))
        self.test_progress.setTextVisible(False)
        self.test_progress.setMaximumHeight(8)
        self.test_progress.hide()
        self.cancel_test_button = QPushButton(self.tr("Cancel &test"))
        self.cancel_test_button.setAccessibleName(self.tr("Cancel the connection test"))
        self.cancel_test_button.clicked.connect(self.cancel_test)
        self.cancel_test_button.hide()
        self.test_error_label = notice_label(Tone.ERROR)
        self.test_error_label.setAccessibleName(self.tr("Connection test error"))
        self.error_action_button = QPushButton()
        self.error_action_button.clicked.connect(self._on_error_action)
        self.error_action_button.hide()

        self.certificate_box = self._build_certificate_box()
        self.folders_model = FolderTableModel(self)
        self.folders_view = QTableView()
        self.folders_view.setAccessibleName(self.tr("Folders on the server"))
        self.folders_view.setModel(self.folders_model)
        self.folders_view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.folders_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.folders_view.verticalHeader().hide()
        header = self.folders_view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.quota_bar = QuotaBar()
        self.quota_label = QLabel()
        self.quota_label.setWordWrap(True)
        quota_row = QHBoxLayout()
        quota_row.addWidget(QLabel(self.tr("Quota:")))
        quota_row.addWidget(self.quota_bar, 1)
        quota_row.addWidget(self.quota_label, 1)
        self.results = QWidget()
        results_layout = QVBoxLayout(self.results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.folders_view, 1)
        results_layout.addLayout(quota_row)
        self.results.hide()

        top = QHBoxLayout()
        top.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.cancel_test_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.test_status, 1)
        box = QGroupBox(self.tr("Connection test"))
        layout = QVBoxLayout(box)
        layout.addLayout(top)
        layout.addWidget(self.test_progress)
        layout.addWidget(self.test_error_label)
        layout.addWidget(self.error_action_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.certificate_box)
        layout.addWidget(self.results, 1)
        layout.addStretch(0)
        return box

    def _build_certificate_box(self) -> QFrame:
        box = QFrame()
        box.setObjectName("warning")
        box.setStyleSheet(stylesheet(Tone.WARNING, "#warning"))
        self.certificate_title = QLabel()
        font = self.certificate_title.font()
        font.setBold(True)
        self.certificate_title.setFont(font)
        self.certificate_title.setWordWrap(True)
        self.certificate_text = QLabel()
        self.certificate_text.setWordWrap(True)
        self.fingerprint_label = QLabel()
        self.fingerprint_label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint_label.setAccessibleName(self.tr("SHA-256 fingerprint of the certificate"))
        self.trust_button = QPushButton(self.tr("T&rust this certificate"))
        self.trust_button.setAccessibleName(self.tr("Trust this certificate"))
        self.trust_button.clicked.connect(self._on_trust)
        layout = QVBoxLayout(box)
        layout.addWidget(self.certificate_title)
        layout.addWidget(self.certificate_text)
        layout.addWidget(self.fingerprint_label)
        layout.addWidget(self.trust_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.hide()
        return box

    def _fill(self, account: Account | None) -> None:
        """Show *account*'s settings in the form; its name cannot change (it names the
        account's archive)."""
        if account is None:
            return
        self.name_edit.setText(account.name)
        self.name_edit.setReadOnly(True)
        self.name_edit.setToolTip(self.tr("The name cannot be changed: it names the archive."))
        self.host_edit.setText(account.host)
        self._show_provider(preset_for_host(account.host))
        self.security_combo.setCurrentIndex(self.security_combo.findData(account.security))
        self.port_edit.setText(str(account.port) if account.port else "")
        self.user_edit.setText(account.user)
        self.cafile_edit.setText(str(account.cafile) if account.cafile else "")
        self.source_radios[account.password_source].setChecked(True)
        self.command_edit.setText(account.password_command or "")

    # Reading the form

    def password_source(self) -> PasswordSource:
        """The password source chosen in the form."""
        for source, radio in self.source_radios.items():
            if radio.isChecked():
                return source
        return PasswordSource.KEYRING  # the button group keeps one checked; never reached

    def account_from_form(self, name: str | None = None) -> Account:
        """Return the account as the form describes it; raise ConfigError if it is invalid.

        Args:
            name: use this name instead of the typed one (a test before a name is typed).
        """
        port_text = self.port_edit.text().strip()
        if port_text and not port_text.isdigit():
            raise ConfigError(self.tr("The port must be a number from 1 to 65535."))
        cafile = self.cafile_edit.text().strip()
        source = self.password_source()
        return Account(
            name=name if name is not None else self.name_edit.text().strip(),
            host=self.host_edit.text().strip(),
            user=self.user_edit.text().strip(),
            security=Security(self.security_combo.currentData()),
            port=(int(port_text) or None) if port_text else None,  # 0: the default
            cafile=Path(cafile).expanduser() if cafile else None,
            password_source=source,
            password_command=(self.command_edit.text().strip() or None)
            if source is PasswordSource.COMMAND
            else None,
            tls_fingerprint=self._fingerprint,
        )

    def _typed_password(self) -> Secret | None:
        """The password typed into the form, unless the form says a command gives it."""
        if self.password_source() is PasswordSource.COMMAND or not self.password_edit.text():
            return None
        return Secret(self.password_edit.text())

    def _test_password(self, account: Account) -> PasswordGetter | None:
        """How the test gets the password: typed, else from where it is configured.

        A command runs in the job; an edited account keeps its stored or remembered password
        (asked for if need be). Returns None when there is none: the user declined the
        prompt, or nothing was typed for a new account (said in the dialog).
        """
        typed = self._typed_password()
        if typed is not None:
            return lambda: typed
        if account.password_source is PasswordSource.COMMAND:
            return self.context.password_getter(account, self)
        original = self.original
        if original is not None and original.password_source is account.password_source:
            return self.context.password_getter(original, self)
        self._show_form_error(self.tr("Type the password to test the connection."))
        self.password_edit.setFocus()
        return None

    # Slots: the form

    @Slot()
    def _clear_form_error(self) -> None:
        self.error_label.hide()

    def _show_form_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def current_preset(self) -> ProviderPreset | None:
        """The provider chosen in the form; None for "Other"."""
        name = self.provider_combo.currentData()
        return next((preset for preset in PRESETS if preset.name == name), None)

    def _show_provider(self, preset: ProviderPreset | None) -> None:
        """Select *preset* (None: Other) and show its note, leaving the fields as they are."""
        with QSignalBlocker(self.provider_combo):
            self.provider_combo.setCurrentIndex(
                self.provider_combo.findData(preset.name if preset else "")
            )
        note = preset_note(preset) if preset else ""
        self.provider_note.setText(note)
        self.provider_note.setVisible(bool(note))

    def _apply_preset(self, preset: ProviderPreset) -> None:
        """Fill in the preset's server, port and security (the user may still change them)."""
        self._show_provider(preset)
        self.host_edit.setText(preset.host)
        self.security_combo.setCurrentIndex(self.security_combo.findData(preset.security))
        self.port_edit.setText(str(preset.port))
        self._clear_form_error()

    def _clear_preset_fields(self) -> None:
        """Empty the server and port if a preset filled them in, for the user to type."""
        if preset_for_host(self.host_edit.text()) is not None:
            self.host_edit.clear()
            self.port_edit.clear()

    @Slot()
    def _on_provider_changed(self) -> None:
        """The user chose a provider: fill in its settings; "Other": empty them."""
        self._suggested = False
        preset = self.current_preset()
        if preset is None:
            self._show_provider(None)
            self._clear_preset_fields()
        else:
            self._apply_preset(preset)

    @Slot(str)
    def _on_host_edited(self, text: str) -> None:
        """Show the provider of a typed server, or Other; a typed server is never replaced."""
        self._suggested = False
        self._show_provider(preset_for_host(text))

    @Slot(str)
    def _on_user_edited(self, text: str) -> None:
        """Suggest the provider of a typed e-mail address.

        Only while the server is empty or was itself suggested: a server the user typed or a
        provider the user chose stays as it is.
        """
        if self.host_edit.text().strip() and not self._suggested:
            return
        preset = preset_for_address(text)
        if preset is self.current_preset():
            return
        if preset is None:  # the address no longer matches the suggestion: take it back
            self._show_provider(None)
            self._clear_preset_fields()
            self._suggested = False
            return
        self._apply_preset(preset)
        self._suggested = True

    @Slot()
    def _on_security_changed(self) -> None:
        security = Security(self.security_combo.currentData())
        self.plain_warning.setVisible(security is Security.PLAIN)
        self.port_edit.setPlaceholderText(
            self.tr("{port} (the default)").format(port=security.default_port)
        )

    @Slot()
    def _on_source_changed(self) -> None:
        source = self.password_source()
        self.password_edit.setEnabled(source is not PasswordSource.COMMAND)
        self.command_edit.setEnabled(source is PasswordSource.COMMAND)
        keeps_stored = (
            self.original is not None and self.original.password_source is PasswordSource.KEYRING
        )
        hints = {
            PasswordSource.KEYRING: self.tr("Leave the password empty to keep the stored one.")
            if keeps_stored
            else self.tr("The password is stored in the system keyring when you save."),
            PasswordSource.PROMPT: self.tr(
                "The password is never stored: the app asks for it once each time it starts. "
                "A password typed here is used for the test and until the app closes."
            ),
            PasswordSource.COMMAND: self.tr(
                "The command runs each time the app connects; the first line it prints is "
                "the password."
            ),
        }
        self.password_hint.setText(hints[source])
        self.password_edit.setPlaceholderText(
            self.tr("Stored password") if keeps_stored and source is PasswordSource.KEYRING else ""
        )

    @Slot()
    def _on_browse_cafile(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose the CA file"),
            self.cafile_edit.text(),
            self.tr("Certificates (*.pem *.crt *.cer);;All files (*)"),
        )
        if path:
            self.cafile_edit.setText(path)
            self._clear_form_error()

    def _show_trusted(self) -> None:
        fingerprint = self._fingerprint
        self.trusted_caption.setVisible(fingerprint is not None)
        self.trusted_row.setVisible(fingerprint is not None)
        if fingerprint is not None:
            self.trusted_label.setText(fingerprint_lines(fingerprint))
            self.trusted_label.setAccessibleName(
                self.tr("Trusted certificate fingerprint {fingerprint}").format(
                    fingerprint=format_fingerprint(fingerprint)
                )
            )

    @Slot()
    def _on_forget_trust(self) -> None:
        self._fingerprint = None
        self._show_trusted()

    @Slot()
    def _on_trust(self) -> None:
        """Trust the certificate the last test was shown, and test again with it."""
        if self._untrusted is None:
            return
        self._fingerprint = self._untrusted
        self._show_trusted()
        # Before the focused button hides, or Qt hands the focus on to Cancel.
        self.save_button.setFocus()
        self.certificate_box.hide()
        self.start_test()

    # The connection test

    @Slot()
    def start_test(self) -> None:
        """Test the settings in the form: log in, list the folders, read the quota."""
        if self.jobs.busy:
            return
        self._clear_form_error()
        try:
            account = self.account_from_form(self.name_edit.text().strip() or NEW_ACCOUNT_NAME)
        except ConfigError as exc:
            self._show_form_error(error_text(exc))
            return
        password = self._test_password(account)
        if password is None:
            return
        self._untrusted = None
        self.test_error_label.hide()
        self.error_action_button.hide()
        self.certificate_box.hide()
        self.results.hide()
        self.test_status.setText(
            self.tr("Connecting to {host}:{port}…").format(
                host=account.host, port=account.effective_port
            )
        )
        self.test_progress.setRange(0, 0)
        self._set_busy(True)
        # The Test button gives way to Cancel test, which goes again at the end: focus must
        # not fall through to the dialog's Cancel, where Enter would discard the form. It
        # goes back where it was (see _restore_focus), or where the test's outcome points.
        self._focus_after_test = None
        self.test_button.hide()
        self.cancel_test_button.show()
        self.cancel_test_button.setFocus()
        self.jobs.start(
            partial(check_connection, account, password, timeout=self.test_timeout),
            partial(self._connect_test, account),
        )
        self.test_started.emit()

    @Slot()
    def cancel_test(self) -> None:
        """Stop the running test: its connection is closed at once."""
        self.jobs.cancel()

    def _connect_test(self, account: Account, signals: JobSignals) -> None:
        signals.progressed.connect(self._on_test_progress)
        signals.succeeded.connect(partial(self._on_test_succeeded, account))
        signals.failed.connect(partial(self._on_test_failed, account))
        signals.cancelled.connect(self._on_test_cancelled)
        signals.finished.connect(self._on_test_finished)

    def _set_busy(self, busy: bool) -> None:
        """Lock the form while a job runs on what it said when the job started."""
        if busy:
            self._park_focus()
        self.server_box.setEnabled(not busy)
        self.password_box.setEnabled(not busy)
        self.test_button.setEnabled(not busy)
        self.save_button.setEnabled(not busy)
        self.test_progress.setVisible(busy)
        if not busy:
            self._restore_focus()

    def _park_focus(self) -> None:
        """Hold the focus on the dialog itself while the form is locked.

        Disabling the focused field would hand the focus on to the next enabled button,
        Cancel, where a key press meant for the form would cancel it.
        """
        self._focus_after_job = self.focusWidget()
        self.setFocus()

    def _restore_focus(self) -> None:
        """Give the focus back to where it was, or to Save when that is gone (the Trust
        button hides once the certificate is trusted, and saving is the next step)."""
        widget = self._focus_after_job
        self._focus_after_job = None
        if widget is None or not widget.isVisibleTo(self) or not widget.isEnabled():
            widget = self.save_button
        widget.setFocus()

    @Slot(object)
    def _on_test_progress(self, progress: Progress) -> None:
        if self._closed or progress.done >= progress.total:
            return
        self.test_progress.setRange(0, progress.total)
        self.test_progress.setValue(progress.done)
        self.test_status.setText(
            self.tr("Reading folder {folder} ({done} of {total})…").format(
                folder=progress.folder,
                done=number_text(progress.done + 1),
                total=number_text(progress.total),
            )
        )

    def _on_test_succeeded(self, account: Account, overview: AccountOverview) -> None:
        if self._closed:
            return
        folders = len(overview.folders)
        messages = sum(f.messages or 0 for f in overview.folders)
        folders_text = (
            self.tr("{count} folder") if folders == 1 else self.tr("{count} folders")
        ).format(count=number_text(folders))
        messages_text = (
            self.tr("{count} message") if messages == 1 else self.tr("{count} messages")
        ).format(count=number_text(messages))
        status = self.tr("Connected to {host}:{port} as {user}: {folders}, {messages}.").format(
            host=account.host,
            port=account.effective_port,
            user=account.user,
            folders=folders_text,
            messages=messages_text,
        )
        if not overview.has_uidplus:
            status += " " + self.tr(
                "The server lacks UIDPLUS: archived messages will stay on the server."
            )
        self.test_status.setText(status)
        self.folders_model.set_folders(list(overview.folders))
        if overview.quota is not None:
            self.quota_bar.set_quota(overview.quota)
        else:
            self.quota_label.setText(self.tr("The server reports no quota."))
        self.quota_bar.setVisible(overview.quota is not None)
        self.quota_label.setVisible(overview.quota is None)
        self.results.show()

    def _on_test_failed(self, account: Account, exc: BaseException) -> None:
        if self._closed:
            return
        self.test_status.setText(self.tr("The test failed."))
        if (
            isinstance(exc, UntrustedCertificate)
            and exc.fingerprint is not None
            and exc.kind in TRUSTABLE
        ):
            self._show_untrusted(exc.fingerprint, exc.kind)
            return
        if isinstance(exc, AuthenticationError) and self.original is not None:
            self.context.forget_password(self.original.name)
        help_ = error_help(exc)
        self._failed_kind = exc.kind if isinstance(exc, ArchiverError) else None
        self.test_error_label.setText(help_.text)
        self.test_error_label.show()
        self._action = help_.action
        if help_.action in (ErrorAction.USE_SSL, ErrorAction.USE_STARTTLS, ErrorAction.RETRY):
            self.error_action_button.setText(action_label(help_.action))
            self.error_action_button.show()
        if isinstance(exc, ArchiverError):  # focused once the form is unlocked
            self._focus_after_test = self._field_to_check(exc.kind)

    def _field_to_check(self, kind: ErrorKind) -> QWidget:
        """The field of the form that an error of *kind* asks to look at (for the focus)."""
        if kind is ErrorKind.AUTH_FAILED:
            typed = self.password_source() is not PasswordSource.COMMAND
            return self.password_edit if typed else self.user_edit
        if kind in (ErrorKind.CONNECTION_REFUSED, ErrorKind.CONNECTION_FAILED):
            return self.port_edit
        if kind is ErrorKind.CAFILE_UNREADABLE:
            return self.cafile_edit
        if kind is ErrorKind.PASSWORD_COMMAND_FAILED:
            return self.command_edit
        if kind in (ErrorKind.KEYRING_UNAVAILABLE, ErrorKind.KEYRING_EMPTY):
            return self.password_edit
        if self._action is not None and self._action is not ErrorAction.EDIT_ACCOUNT:
            return self.error_action_button
        return self.host_edit

    def follow(self, action: ErrorAction, kind: ErrorKind | None) -> None:
        """Do what an error's button on a page offered for this account (the dialog is open).

        Edit account puts the focus on the field the error of *kind* names; Use SSL/TLS and
        Use STARTTLS switch the security as this dialog's own button does, and test; Check
        certificate tests, which shows the certificate's fingerprint to compare and trust.
        The user saves the change.
        """
        self._failed_kind = kind
        self._action = action
        if action in (ErrorAction.USE_SSL, ErrorAction.USE_STARTTLS):
            self._on_error_action()
        elif action is ErrorAction.TRUST_CERTIFICATE:
            self.start_test()
        else:
            field = self._field_to_check(kind) if kind is not None else self.host_edit
            field.setFocus()

    @Slot()
    def _on_error_action(self) -> None:
        """Do what the button beside the test's error offers, and test again."""
        if self._action is ErrorAction.USE_SSL:
            self._use_security(Security.SSL)
        elif self._action is ErrorAction.USE_STARTTLS:
            self._use_security(Security.STARTTLS)
        self.start_test()

    def _use_security(self, security: Security) -> None:
        """Switch to *security*: on the same port when the port was found to expect it,
        else on its usual port."""
        self.security_combo.setCurrentIndex(self.security_combo.findData(security))
        if self._failed_kind not in (ErrorKind.STARTTLS_ON_SSL_PORT, ErrorKind.SSL_ON_PLAIN_PORT):
            self.port_edit.setText(str(security.default_port))

    def _on_test_cancelled(self) -> None:
        if not self._closed:
            self.test_status.setText(self.tr("The test was cancelled."))

    def _show_untrusted(self, fingerprint: str, kind: ErrorKind) -> None:
        """Show the certificate's fingerprint, to compare with the provider's, and offer to
        trust it."""
        self._untrusted = fingerprint
        if kind is ErrorKind.TLS_EXPIRED:
            self.certificate_title.setText(self.tr("The server's certificate has expired."))
            self.certificate_text.setText(
                self.tr(
                    "Its provider should have renewed it; it can also mean that someone is "
                    "intercepting the connection. No password was sent. Ask your provider, "
                    "compare this SHA-256 fingerprint with the one they give, and trust the "
                    "certificate only if they match:"
                )
            )
        elif kind is ErrorKind.TLS_CHANGED:
            self.certificate_title.setText(
                self.tr("The server showed a different certificate from the one you trust.")
            )
            self.certificate_text.setText(
                self.tr(
                    "The server may have renewed its certificate, or someone may be "
                    "intercepting the connection. No password was sent. Compare this SHA-256 "
                    "fingerprint with the one your provider publishes, and trust the new "
                    "certificate only if they match:"
                )
            )
        else:
            self.certificate_title.setText(self.tr("The server's certificate is not trusted."))
            self.certificate_text.setText(
                self.tr(
                    "No certificate authority known to this computer vouches for it. That is "
                    "usual for a server with a self-signed certificate, but it can also mean "
                    "that someone is intercepting the connection. No password was sent. "
                    "Compare this SHA-256 fingerprint with the one your provider publishes, "
                    "and trust the certificate only if they match:"
                )
            )
        self.fingerprint_label.setText(fingerprint_lines(fingerprint))
        self.certificate_box.show()
        self._focus_after_test = self.trust_button  # focused when the test's job has ended

    @Slot()
    def _on_test_finished(self) -> None:
        if self._closed:
            return
        self._set_busy(False)
        self.cancel_test_button.hide()
        self.test_button.show()
        if self._focus_after_test is not None:
            self._focus_after_test.setFocus()
            self._focus_after_test = None
        self.test_finished.emit()

    # Saving

    @Slot()
    def _on_save(self) -> None:
        """Check the form, store the password, then save the settings and close."""
        if self.jobs.busy:
            return
        self._clear_form_error()
        try:
            account = self.account_from_form()
        except ConfigError as exc:
            self._show_form_error(error_text(exc))
            return
        config = self.context.config
        if self.original is None and account.name in config.accounts:
            self._show_form_error(
                self.tr("An account named {name} exists already.").format(name=account.name)
            )
            self.name_edit.setFocus()
            return
        if (existing := config.name_clash(account.name)) is not None:
            self._show_form_error(
                self.tr(
                    "An account named {existing} exists already; {name} differs from it only "
                    "in upper and lower case, and both would share one archive folder. Choose "
                    "another name."
                ).format(existing=existing, name=account.name)
            )
            self.name_edit.setFocus()
            return
        typed = self._typed_password()
        had_keyring = (
            self.original is not None and self.original.password_source is PasswordSource.KEYRING
        )
        if account.password_source is PasswordSource.KEYRING and typed is None and not had_keyring:
            self._show_form_error(self.tr("Type the password to store it in the system keyring."))
            self.password_edit.setFocus()
            return
        previous = self.original
        shared = previous is not None and any(
            other.password_source is PasswordSource.KEYRING and same_keyring_entry(other, previous)
            for name, other in config.accounts.items()
            if name != previous.name
        )
        stored = typed if account.password_source is PasswordSource.KEYRING else None
        self._set_busy(True)
        self.test_progress.setRange(0, 0)
        self.jobs.start(
            partial(save_password, account, stored, previous, shared),
            partial(self._connect_save, account, typed),
        )

    def _connect_save(self, account: Account, typed: Secret | None, signals: JobSignals) -> None:
        signals.succeeded.connect(partial(self._on_password_saved, account, typed))
        signals.failed.connect(self._on_save_failed)
        signals.finished.connect(self._on_save_finished)

    def _on_password_saved(self, account: Account, typed: Secret | None, _: object) -> None:
        if self._closed:
            return
        if self.original is not None and not same_keyring_entry(account, self.original):
            self.context.forget_password(account.name)
        # Remembered first: the pages read the new account's figures as soon as it is saved,
        # and would ask for the password just typed.
        if account.password_source is PasswordSource.PROMPT and typed is not None:
            self.context.remember_password(account, typed)
        try:
            self.context.save_config(self.context.config.with_account(account))
        except (ConfigError, OSError) as exc:
            self.context.forget_password(account.name)
            self._show_form_error(error_text(exc))
            return
        log.info("Account %s saved", account.name)
        self.saved.emit(account.name)
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        if not self._closed:
            self._show_form_error(error_text(exc))

    @Slot()
    def _on_save_finished(self) -> None:
        if not self._closed:
            self._set_busy(False)

    # Closing

    def done(self, result: int) -> None:
        """Close (saved or cancelled); a running job is cancelled, and the dialog is deleted
        once it has finished, so that the job never reports to a deleted dialog.

        Its signals' destruction, not its finished signal, says when: the job may have sent
        finished already, still queued for this thread, and a slot connected now would never
        hear it; the signals are deleted after every report of theirs was delivered.
        """
        self._closed = True
        self.jobs.cancel()
        super().done(result)
        runnable = self.jobs.runnable
        if runnable is not None:
            runnable.signals.destroyed.connect(self.deleteLater)
        else:
            self.deleteLater()
