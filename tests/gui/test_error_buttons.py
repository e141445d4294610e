"""The button beside an error on the pages does what it says, in German: Edit account and
Use SSL/TLS open the account dialog on the account, Try again runs the failed job again,
Open settings goes to Check and repair. The errors come from real failures: a closed port,
a silent server, the Dovecot fixture's SSL/TLS port."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from archiver.core.accounts import Account, Security
from archiver.gui.context import AppContext
from archiver.gui.mainwindow import MainWindow
from tests.helpers.dovecot import free_port
from tests.helpers.silent import SilentServer

pytestmark = [pytest.mark.gui, pytest.mark.imap]

NETWORK = 30_000  # ms to wait for a job that talks to a server


def open_window(qtbot, context: AppContext, account: Account) -> MainWindow:
    """Configure *account* and open the main window on the Archive page, which reads the
    account's folders at once; return once that has ended."""
    context.save_config(context.config.with_account(account))
    window = MainWindow(context)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.archive_page.job_finished, timeout=NETWORK):
        window.show()
    return window


def press(qtbot, button: QPushButton) -> None:
    """Press *button* from the keyboard, as a user who reached it with Tab does."""
    assert button.isVisible() and button.isEnabled()
    assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)


def test_archive_page_refused_connection_offers_edit_account(
    qtbot, german, context, keyring_account, screenshots
):
    port = free_port()  # nothing listens there
    account = dataclasses.replace(keyring_account, port=port)
    window = open_window(qtbot, context, account)
    page = window.archive_page

    assert page.error_label.text() == (
        f"Der Server {account.host} nimmt auf Port {port} keine Verbindungen an. Prüfen Sie "
        "den Servernamen und den Port."
    )
    assert page.error_button.text() == "Konto bearbeiten"
    window.grab().save(str(screenshots / "archive-error-button-de.png"))
    press(qtbot, page.error_button)

    dialog = window.accounts_page.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.original == account and dialog.port_edit.text() == str(port)
    assert dialog.focusWidget() is dialog.port_edit  # the field the error names
    dialog.reject()


def test_archive_page_timeout_offers_try_again_which_reads_again(
    qtbot, german, context, keyring_account, monkeypatch
):
    monkeypatch.setattr("archiver.core.jobs.inspect.DEFAULT_TIMEOUT", 0.5)
    with SilentServer() as server:
        account = dataclasses.replace(
            keyring_account, host="127.0.0.1", port=server.port, security=Security.SSL
        )
        window = open_window(qtbot, context, account)
        page = window.archive_page
        assert page.error_label.text() == (
            "Der Server 127.0.0.1 hat nicht rechtzeitig geantwortet. Prüfen Sie die "
            "Internetverbindung und versuchen Sie es erneut."
        )
        assert page.error_button.text() == "Erneut versuchen"
        assert server.accepted == 1

        with qtbot.waitSignal(page.job_finished, timeout=NETWORK):
            press(qtbot, page.error_button)

        assert server.accepted == 2  # the folders were read again
        assert page.error_button.isVisible()  # and it failed the same way
        assert window.accounts_page.dialog is None


def test_archive_page_starttls_on_the_ssl_port_offers_ssl_which_the_dialog_applies(
    qtbot, german, context, keyring_account, dovecot, monkeypatch
):
    monkeypatch.setattr("archiver.core.imap.GREETING_WAIT", 0.5)  # a TLS port is silent
    account = dataclasses.replace(
        keyring_account, security=Security.STARTTLS, port=dovecot.ssl_port
    )
    window = open_window(qtbot, context, account)
    page = window.archive_page
    assert page.error_label.text() == (
        f"Port {dovecot.ssl_port} des Servers {account.host} erwartet SSL/TLS von Anfang an, "
        "nicht STARTTLS. Wählen Sie SSL/TLS als Sicherheit."
    )
    assert page.error_button.text() == "SSL/TLS verwenden"

    press(qtbot, page.error_button)
    dialog = window.accounts_page.dialog
    assert dialog is not None and dialog.original == account
    with qtbot.waitSignal(dialog.test_finished, timeout=NETWORK):
        pass  # the dialog switched to SSL/TLS and tests it

    assert dialog.security_combo.currentData() is Security.SSL
    assert dialog.port_edit.text() == str(dovecot.ssl_port)  # the port that expects it
    assert dialog.test_error_label.isHidden() and dialog.results.isVisible()
    assert dialog.save_button.isEnabled()  # saving is the user's step
    dialog.reject()
    qtbot.waitUntil(lambda: window.accounts_page.dialog is None)


def test_search_page_damaged_catalog_offers_open_settings(
    qtbot, german, context, keyring_account, screenshots
):
    """Open settings goes to Check and repair, with the focus on it once it can be pressed."""
    context.save_config(context.config.with_account(keyring_account))
    context.archive_root.mkdir(parents=True, exist_ok=True)
    (context.archive_root / "catalog.sqlite3").write_bytes(b"kein SQLite " * 400)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    page = window.search_page
    with qtbot.waitSignal(page.search_finished, timeout=NETWORK, raising=False):
        window.show_page(page)
    qtbot.waitUntil(page.error_button.isVisible, timeout=NETWORK)
    assert page.error_button.text() == "Einstellungen öffnen"
    window.grab().save(str(screenshots / "search-error-button-de.png"))
    press(qtbot, page.error_button)
    assert window.stack.currentWidget() is window.settings_page
    check = window.settings_page.check_button  # once the page has read its run log
    qtbot.waitUntil(lambda: window.focusWidget() is check, timeout=NETWORK)
