"""The accounts page and the account dialog, against the Dovecot fixture: provider presets,
add with a connection test, wrong passwords, untrusted certificates, quota and archive
figures, edit, remove (the archive stays)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import ssl
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
import shiboken6
from PySide6.QtCore import QLocale, QPoint, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

from archiver.core.accounts import PRESETS, Account, PasswordSource, Security, preset_for_host
from archiver.core.catalog import Catalog, Location, NewRecord
from archiver.core.config import load_config
from archiver.core.imap import format_fingerprint
from archiver.core.jobs.inspect import FolderOverview
from archiver.core.paths import make_private_dir
from archiver.core.secrets import KEYRING_SERVICE, Secret, store_in_keyring
from archiver.gui.app import install_translators
from archiver.gui.context import AppContext
from archiver.gui.dialogs.account import (
    PRESET_NOTES,
    AccountDialog,
    FolderTableModel,
    preset_note,
)
from archiver.gui.mainwindow import MainWindow
from archiver.gui.pages.accounts import AccountsPage
from tests.helpers.dovecot import DovecotServer, append_messages

pytestmark = [pytest.mark.gui, pytest.mark.imap]

LEFT = Qt.MouseButton.LeftButton
NETWORK = 30_000  # ms to wait for a job that talks to Dovecot
OTHER = "Other (enter the server yourself)"


@pytest.fixture
def page(qtbot, context: AppContext) -> Iterator[AccountsPage]:
    """The accounts page, shown at the size it has in the main window. At the end it waits
    for its jobs and only then goes (qtbot.addWidget would delete it before)."""
    page = AccountsPage(context)
    page.resize(930, 680)
    page.show()
    yield page
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=NETWORK)
    page.close()
    page.deleteLater()


def wait_for_figures(qtbot, page: AccountsPage) -> None:
    """Wait until the page has read the selected account's quota and archive figures."""
    qtbot.waitUntil(page.quota_bar.isVisible, timeout=NETWORK)
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=NETWORK)


def open_add_dialog(qtbot, page: AccountsPage) -> AccountDialog:
    qtbot.mouseClick(page.add_button, LEFT)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def fill_form(qtbot, dialog: AccountDialog, account: Account, password: str) -> None:
    """Type the account's settings into the dialog as a user would."""
    qtbot.keyClicks(dialog.name_edit, "office")
    qtbot.keyClicks(dialog.host_edit, account.host)
    qtbot.keyClicks(dialog.port_edit, str(account.port))
    qtbot.keyClicks(dialog.user_edit, account.user)
    qtbot.keyClicks(dialog.password_edit, password)


def choose_cafile(qtbot, dialog: AccountDialog, cafile: Path, monkeypatch) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(cafile), ""))
    qtbot.mouseClick(dialog.cafile_button, LEFT)


def choose_provider(dialog: AccountDialog, name: str) -> None:
    """Pick a provider in the dialog's combo, as the user does from its list."""
    combo = dialog.provider_combo
    index = combo.findText(name)
    assert index >= 0, name
    combo.setCurrentIndex(index)


def server_fields(dialog: AccountDialog) -> tuple[str, str, Security]:
    return dialog.host_edit.text(), dialog.port_edit.text(), dialog.security_combo.currentData()


def retype(qtbot, edit, text: str) -> None:
    """Select what the field holds and type *text* over it, key by key."""
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def run_test(qtbot, dialog: AccountDialog, button=None) -> None:
    with qtbot.waitSignal(dialog.test_finished, timeout=NETWORK):
        qtbot.mouseClick(button or dialog.test_button, LEFT)


def shown_folders(dialog: AccountDialog) -> list[str]:
    model = dialog.folders_model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def save(qtbot, dialog: AccountDialog) -> None:
    with qtbot.waitSignal(dialog.saved, timeout=NETWORK):
        qtbot.mouseClick(dialog.save_button, LEFT)


def certificate_fingerprint(dovecot: DovecotServer) -> str:
    der = ssl.PEM_cert_to_DER_cert(Path(dovecot.cafile).read_text())
    return hashlib.sha256(der).hexdigest()


def test_add_account_tests_the_connection_and_saves_the_password_in_the_keyring(
    qtbot, page, account, password, dovecot, file_keyring, home, monkeypatch, screenshots, caplog
):
    caplog.set_level(logging.DEBUG)
    dialog = open_add_dialog(qtbot, page)
    fill_form(qtbot, dialog, account, password.reveal())
    choose_cafile(qtbot, dialog, dovecot.cafile, monkeypatch)
    assert dialog.keyring_radio.isChecked()

    run_test(qtbot, dialog)

    assert not dialog.test_error_label.isVisible()
    assert dialog.folders_view.isVisible()
    assert {"Inbox", "Sent", "Trash"} <= set(shown_folders(dialog))  # in the user's words
    assert dialog.quota_bar.isVisible()
    assert dialog.quota_bar.format().endswith(" of 100.0 MB used (0%)")
    assert dialog.test_status.text().startswith(f"Connected to {account.host}:{account.port}")
    dialog.grab().save(str(screenshots / "account-dialog-en.png"))

    save(qtbot, dialog)

    assert not dialog.isVisible()
    saved = load_config(home.config_file).accounts["office"]
    assert saved.password_source is PasswordSource.KEYRING
    assert (saved.host, saved.port, saved.user) == (account.host, account.port, account.user)
    assert saved.cafile == Path(dovecot.cafile)
    assert file_keyring.get_password(KEYRING_SERVICE, f"{account.user}@{account.host}") == (
        password.reveal()
    )
    assert password.reveal() not in home.config_file.read_text()
    assert [page.accounts_list.item(i).text() for i in range(page.accounts_list.count())] == [
        f"office\n{account.user}@{account.host}"
    ]
    assert page.accounts_list.currentRow() == 0 and page.title_label.text() == "office"
    qtbot.waitUntil(page.quota_bar.isVisible, timeout=NETWORK)
    assert password.reveal() not in caplog.text
    assert repr(Secret(password.reveal())) == "Secret('***')"


def test_wrong_password_shows_a_clear_error(qtbot, page, account, dovecot, monkeypatch):
    dialog = open_add_dialog(qtbot, page)
    fill_form(qtbot, dialog, account, "not-the-password")
    choose_cafile(qtbot, dialog, dovecot.cafile, monkeypatch)

    run_test(qtbot, dialog)

    assert dialog.test_error_label.isVisible()
    text = dialog.test_error_label.text()
    assert text.startswith(f"The server {account.host} rejected the user name or the password.")
    assert "The server said: " in text
    assert "not-the-password" not in text
    assert not dialog.results.isVisible() and not dialog.certificate_box.isVisible()
    assert dialog.test_button.isEnabled() and dialog.save_button.isEnabled()


def test_a_password_with_umlauts_connects(qtbot, page, dovecot, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    user = dovecot.add_user(utf8_password=True)
    dialog = open_add_dialog(qtbot, page)
    fill_form(qtbot, dialog, dovecot.account(user), "")
    dialog.password_edit.setText(user.password)  # QTest types ASCII only
    choose_cafile(qtbot, dialog, dovecot.cafile, monkeypatch)

    run_test(qtbot, dialog)

    assert not dialog.test_error_label.isVisible(), dialog.test_error_label.text()
    assert "Inbox" in shown_folders(dialog)
    assert user.password not in caplog.text


def test_unreachable_server_says_it_cannot_connect(qtbot, page, account, monkeypatch):
    dialog = open_add_dialog(qtbot, page)
    closed = Account(name="x", host="127.0.0.1", user="u", port=_closed_port())
    fill_form(qtbot, dialog, closed, "whatever")

    run_test(qtbot, dialog)

    assert dialog.test_error_label.text() == (
        f"The server 127.0.0.1 does not accept connections on port {closed.port}. Check the "
        "server name and the port."
    )
    assert dialog.port_edit.hasFocus()


def _closed_port() -> int:
    import socket  # noqa: PLC0415 - only this test needs a port nobody listens on

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_untrusted_certificate_shows_its_fingerprint_and_can_be_trusted(
    qtbot, page, account, password, dovecot, file_keyring, home, screenshots
):
    dialog = open_add_dialog(qtbot, page)
    fill_form(qtbot, dialog, account, password.reveal())  # no CA file

    run_test(qtbot, dialog)

    expected = certificate_fingerprint(dovecot)
    assert dialog.certificate_box.isVisible()
    assert dialog.certificate_title.text() == "The server's certificate is not trusted."
    assert dialog.fingerprint_label.text().replace("\n", ":") == format_fingerprint(expected)
    assert not dialog.test_error_label.isVisible()
    dialog.grab().save(str(screenshots / "account-untrusted-en.png"))

    run_test(qtbot, dialog, dialog.trust_button)  # trusting tests again

    assert not dialog.certificate_box.isVisible()
    assert "Inbox" in shown_folders(dialog)
    assert dialog.trusted_row.isVisible()
    save(qtbot, dialog)
    saved = load_config(home.config_file).accounts["office"]
    assert saved.tls_fingerprint == expected
    assert saved.cafile is None


def test_invalid_settings_are_shown_in_the_dialog_which_stays_open(
    qtbot, account_context, account, password
):
    page = AccountsPage(account_context)  # hidden: no quota read
    qtbot.addWidget(page)
    page.add_account()
    dialog = page.dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.name_edit, "my office")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and dialog.error_label.isVisible()
    assert dialog.error_label.text().startswith("Invalid account name 'my office'")

    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "office")
    qtbot.keyClicks(dialog.host_edit, account.host)
    qtbot.keyClicks(dialog.user_edit, account.user)
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.error_label.text() == "An account named office exists already."

    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "Office")  # the same archive folder on Windows disks
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible() and dialog.error_label.text().startswith(
        "An account named office exists already; Office differs from it only in upper and "
        "lower case"
    )
    assert sorted(load_config(account_context.dirs.config_file).accounts) == ["office"]

    dialog.name_edit.clear()
    qtbot.keyClicks(dialog.name_edit, "home")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.error_label.text() == "Type the password to store it in the system keyring."

    qtbot.mouseClick(dialog.command_radio, LEFT, pos=QPoint(8, dialog.command_radio.height() // 2))
    assert dialog.command_edit.isEnabled() and not dialog.password_edit.isEnabled()
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.error_label.text() == "Account home: a password command is required."

    dialog.security_combo.setCurrentIndex(dialog.security_combo.findData(Security.PLAIN))
    assert dialog.plain_warning.isVisible()
    assert dialog.port_edit.placeholderText() == "143 (the default)"
    assert list(account_context.config.accounts) == ["office"]
    dialog.reject()


def test_page_shows_the_quota_and_the_archive(
    qtbot, context, dovecot, file_keyring, password, screenshots
):
    user = dovecot.add_user(quota_mb=5)
    office = dovecot.account(user, "office", PasswordSource.KEYRING)
    store_in_keyring(office, Secret(user.password))
    context.save_config(context.config.with_account(office))
    big = b"Subject: big\r\n\r\n" + b"x" * 76 + b"\r\n"
    with dovecot.client(user) as client:
        append_messages(client, "INBOX", [big * 20_000])
        _, quotas = client.get_quota_root("INBOX")
        used_kb = next(q.usage for q in quotas if q.resource.upper() == "STORAGE")
    _write_catalog(context.archive_root, {"office": [1000, 2000, 3000], "other": [50]})

    page = AccountsPage(context)
    qtbot.addWidget(page)
    page.resize(930, 680)
    page.show()
    qtbot.waitUntil(page.quota_bar.isVisible, timeout=NETWORK)
    qtbot.waitUntil(lambda: page.archive_count_label.text() == "3")
    qtbot.waitUntil(lambda: not page.is_busy())

    used = QLocale().formattedDataSize(
        used_kb * 1024, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat
    )
    percent = round(used_kb * 100 / (5 * 1024))
    assert percent >= 25
    assert page.quota_bar.format() == f"{used} of 5.0 MB used ({percent}%)"
    assert page.quota_bar.value() == round(used_kb * 1000 / (5 * 1024))
    assert page.title_label.text() == "office"
    assert page.server_label.text() == f"{user.name} on {dovecot.host}, port {dovecot.ssl_port}"
    assert page.archive_size_label.text() == "5.9 kB"
    assert page.archive_folder_label.text() == str(context.archive_root)
    assert page.quota_status.text().startswith("Read from the server at ")
    page.grab().save(str(screenshots / "accounts-en.png"))


def _write_catalog(archive_root: Path, sizes: dict[str, list[int]]) -> None:
    """Catalogue verified messages of these sizes, per account, as an archive run would."""
    make_private_dir(archive_root)
    with Catalog.open(archive_root) as catalog:
        for account, account_sizes in sizes.items():
            catalog.add_pending(
                NewRecord(
                    account,
                    "INBOX",
                    1,
                    uid,
                    None,
                    f"{account}{uid}",
                    size,
                    dt.datetime(2020, 1, 2, tzinfo=dt.UTC),
                    (),
                    Location(f"{account}/INBOX/cur/{uid}"),
                )
                for uid, size in enumerate(account_sizes, start=1)
            )
            uids = list(range(1, len(account_sizes) + 1))
            catalog.mark_verified(catalog.ids_for(account, "INBOX", 1, uids).values())


def test_page_without_an_archive_shows_no_messages(qtbot, account_context, page):
    qtbot.waitUntil(lambda: page.archive_count_label.text() == "0")
    assert not (account_context.archive_root / "catalog.sqlite3").exists()  # not created
    qtbot.waitUntil(page.quota_bar.isVisible, timeout=NETWORK)
    assert page.quota_bar.format().endswith(" of 100.0 MB used (0%)")


def test_edit_keeps_the_name_and_the_stored_password(
    qtbot, account_context, keyring_account, password, file_keyring, page, home
):
    wait_for_figures(qtbot, page)
    qtbot.mouseClick(page.edit_button, LEFT)
    dialog = page.dialog
    assert dialog is not None
    assert dialog.name_edit.text() == "office" and dialog.name_edit.isReadOnly()
    assert dialog.password_edit.text() == ""
    assert dialog.keyring_radio.isChecked()

    run_test(qtbot, dialog)  # with the stored password

    assert "Inbox" in shown_folders(dialog)
    dialog.port_edit.clear()
    qtbot.keyClicks(dialog.port_edit, "0")  # 0: the default port
    with qtbot.waitSignal(account_context.config_changed, timeout=NETWORK):
        qtbot.mouseClick(dialog.save_button, LEFT)

    saved = load_config(home.config_file).accounts["office"]
    assert saved.port is None and saved.effective_port == 993
    key = f"{keyring_account.user}@{keyring_account.host}"
    assert file_keyring.get_password(KEYRING_SERVICE, key) == password.reveal()
    assert page.server_label.text().endswith("port 993")


def test_closing_the_dialog_during_a_test_cancels_it_safely(
    qtbot, page, account, password, dovecot, monkeypatch, context
):
    dialog = open_add_dialog(qtbot, page)
    fill_form(qtbot, dialog, account, password.reveal())
    choose_cafile(qtbot, dialog, dovecot.cafile, monkeypatch)
    with qtbot.waitSignal(dialog.test_started):
        qtbot.mouseClick(dialog.test_button, LEFT)
    assert not dialog.save_button.isEnabled()

    dialog.reject()

    assert not dialog.isVisible() and page.dialog is None
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=NETWORK)  # job stopped

    assert context.config.accounts == {}


def test_remove_asks_then_keeps_the_archive_and_drops_the_password(
    qtbot, account_context, keyring_account, file_keyring, page, monkeypatch, home
):
    wait_for_figures(qtbot, page)
    kept = account_context.archive_root / "office" / "cur" / "1.eml"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"Subject: keep me\r\n\r\nbody\r\n")
    questions: list[str] = []

    def answer(reply):
        def question(parent, title, text, *args):
            questions.append(text)
            return reply

        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    qtbot.mouseClick(page.remove_button, LEFT)
    assert list(account_context.config.accounts) == ["office"]
    assert "The archive of this account stays on this computer" in questions[0]

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    qtbot.mouseClick(page.remove_button, LEFT)

    assert load_config(home.config_file).accounts == {}
    assert page.accounts_list.count() == 0 and page.empty_label.isVisible()
    assert not page.details.isVisible() and not page.remove_button.isEnabled()
    key = f"{keyring_account.user}@{keyring_account.host}"
    qtbot.waitUntil(lambda: not page.is_busy())  # the keyring file is not read mid-write
    assert file_keyring.get_password(KEYRING_SERVICE, key) is None
    assert kept.read_bytes() == b"Subject: keep me\r\n\r\nbody\r\n"


def test_folder_model_passes_the_model_tester(qtmodeltester):
    model = FolderTableModel()
    model.set_folders(
        [
            FolderOverview("INBOX", None, 3, 4096),
            FolderOverview("Broken", None, None, None, "cannot select"),
        ]
    )
    qtmodeltester.check(model)
    assert model.index(1, 1).data() == "?"
    assert model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole) == "cannot select"
    assert model.index(0, 2).data() == "4.0 kB"


def test_welcome_page_add_account_opens_the_dialog(qtbot, context):
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()

    qtbot.mouseClick(window.welcome_page.add_button, LEFT)

    dialog = window.accounts_page.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Add account"
    assert dialog.name_edit.hasFocus() or dialog.focusWidget() is dialog.name_edit
    dialog.reject()
    assert window.accounts_page.dialog is None


def test_presets_fill_the_form_and_other_lets_the_user_type(
    qtbot, page, account, password, dovecot, monkeypatch, screenshots
):
    dialog = open_add_dialog(qtbot, page)
    combo = dialog.provider_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        *(preset.name for preset in PRESETS),
        OTHER,
    ]
    assert combo.currentText() == OTHER and not dialog.provider_note.isVisible()

    choose_provider(dialog, "GMX")
    assert server_fields(dialog) == ("imap.gmx.net", "993", Security.SSL)
    assert dialog.provider_note.isVisible()
    assert "allow access by POP3 and IMAP" in dialog.provider_note.text()

    choose_provider(dialog, "Gmail")
    assert server_fields(dialog) == ("imap.gmail.com", "993", Security.SSL)
    assert "app password" in dialog.provider_note.text()

    choose_provider(dialog, "Posteo")  # nothing to know
    assert server_fields(dialog) == ("posteo.de", "993", Security.SSL)
    assert not dialog.provider_note.isVisible()

    choose_provider(dialog, "Outlook.com / Microsoft 365")
    assert server_fields(dialog) == ("outlook.office365.com", "993", Security.SSL)
    note = dialog.provider_note.text()
    assert "OAuth" in note and "does not support" in note
    qtbot.keyClicks(dialog.user_edit, "anna@outlook.de")
    dialog.grab().save(str(screenshots / "account-preset-en.png"))

    # The filled-in fields stay editable; the provider stays until the server changes.
    retype(qtbot, dialog.port_edit, "1993")
    assert combo.currentText() == "Outlook.com / Microsoft 365"

    choose_provider(dialog, OTHER)
    assert dialog.host_edit.text() == "" and dialog.port_edit.text() == ""
    assert not dialog.provider_note.isVisible()

    dialog.user_edit.clear()
    fill_form(qtbot, dialog, account, password.reveal())
    choose_cafile(qtbot, dialog, dovecot.cafile, monkeypatch)
    assert combo.currentText() == OTHER
    run_test(qtbot, dialog)

    assert not dialog.test_error_label.isVisible()
    assert "Inbox" in shown_folders(dialog)
    assert dialog.test_status.text().startswith(f"Connected to {account.host}:{account.port}")


def test_an_e_mail_address_suggests_its_provider(qtbot, context):
    dialog = AccountDialog(context)
    dialog.show()
    combo = dialog.provider_combo

    qtbot.keyClicks(dialog.user_edit, "anna@GMX.de")
    assert combo.currentText() == "GMX"
    assert server_fields(dialog) == ("imap.gmx.net", "993", Security.SSL)
    assert dialog.provider_note.isVisible()

    # A suggestion follows the address, and is taken back when the address no longer fits.
    retype(qtbot, dialog.user_edit, "anna@web.de")
    assert combo.currentText() == "WEB.DE" and dialog.host_edit.text() == "imap.web.de"
    qtbot.keyClicks(dialog.user_edit, "x")  # anna@web.dex
    assert combo.currentText() == OTHER
    assert dialog.host_edit.text() == "" and dialog.port_edit.text() == ""
    assert not dialog.provider_note.isVisible()

    # A server the user typed is never replaced.
    qtbot.keyClicks(dialog.host_edit, "mail.kanzlei-muster.de")
    retype(qtbot, dialog.user_edit, "bob@gmx.de")
    assert combo.currentText() == OTHER and dialog.host_edit.text() == "mail.kanzlei-muster.de"

    # Nor is a provider the user chose (a company domain at IONOS, say).
    choose_provider(dialog, "IONOS")
    retype(qtbot, dialog.user_edit, "info@gmx.de")
    assert combo.currentText() == "IONOS" and dialog.host_edit.text() == "imap.ionos.de"

    # Typing over a preset's server leaves the preset: the server is the user's now.
    retype(qtbot, dialog.host_edit, "imap.kanzlei-muster.de")
    assert combo.currentText() == OTHER and dialog.port_edit.text() == "993"
    dialog.reject()


def test_editing_an_account_on_a_preset_server_shows_its_provider(qtbot, context):
    account = Account(name="office", host="secureimap.t-online.de", user="info@t-online.de")
    dialog = AccountDialog(context, account)
    dialog.show()
    assert dialog.provider_combo.currentText() == "T-Online"
    assert server_fields(dialog) == ("secureimap.t-online.de", "", Security.SSL)  # unchanged
    assert "Telekom E-Mail Center" in dialog.provider_note.text()

    retype(qtbot, dialog.user_edit, "info@gmx.de")  # the configured server stays
    assert dialog.host_edit.text() == "secureimap.t-online.de"
    dialog.reject()


def test_every_preset_note_is_offered_for_translation(
    qtbot, qapp: QApplication, context, screenshots
):
    assert {preset.note for preset in PRESETS if preset.note} == set(PRESET_NOTES)
    assert all(preset_for_host(preset.host) is preset for preset in PRESETS)
    outlook = next(preset for preset in PRESETS if preset.host == "outlook.office365.com")
    translators = install_translators(qapp, "de")
    try:
        assert translators, "the German translation did not load"
        note = preset_note(outlook)
        assert note.startswith("Microsoft lässt E-Mail-Programme meist nur mit einer OAuth")
        dialog = AccountDialog(context)
        assert dialog.provider_combo.itemText(dialog.provider_combo.count() - 1) == (
            "Anderer (Server selbst eingeben)"
        )
        assert dialog.provider_combo.itemText(0) == "GMX"  # names stay as they are
        dialog.show()
        choose_provider(dialog, "Outlook.com / Microsoft 365")
        assert dialog.provider_note.text() == note
        dialog.grab().save(str(screenshots / "account-preset-de.png"))
        dialog.reject()
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)


def test_without_a_system_keyring_the_dialog_asks_each_time_and_says_why(
    qtbot, page, account, password, dovecot, home, monkeypatch, screenshots
):
    asked: list[object] = []  # the password just typed must not be asked for again
    monkeypatch.setattr(QInputDialog, "getText", lambda *args: asked.append(args) or ("", False))
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # a headless machine's keyring
    try:
        dialog = open_add_dialog(qtbot, page)
        assert dialog.prompt_radio.isChecked() and not dialog.keyring_radio.isEnabled()
        assert dialog.keyring_note.isVisible()
        assert "no system keyring" in dialog.keyring_note.text()
        fill_form(qtbot, dialog, account, password.reveal())
        choose_cafile(qtbot, dialog, dovecot.cafile, monkeypatch)
        dialog.grab().save(str(screenshots / "account-dialog-no-keyring-en.png"))
        save(qtbot, dialog)
    finally:
        keyring.set_keyring(previous)
    assert not dialog.isVisible()  # saved, not "Use --password-command …"
    assert asked == []
    saved = load_config(home.config_file).accounts["office"]
    assert saved.password_source is PasswordSource.PROMPT
    assert password.reveal() not in home.config_file.read_text()
