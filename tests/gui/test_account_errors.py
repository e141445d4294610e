"""The account dialog's connection test: errors in the user's language with the button that
helps, a test that can be cancelled, and a password that is a word."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from archiver.core import secrets
from archiver.core.accounts import Account, Security
from archiver.gui.context import AppContext
from archiver.gui.dialogs.account import AccountDialog
from tests.helpers.tcpproxy import FaultProxy

pytestmark = [pytest.mark.gui, pytest.mark.imap]

LEFT = Qt.MouseButton.LeftButton
NETWORK = 30_000  # ms to wait for a job that talks to Dovecot
TLS_HELLO = b"\x16\x03"  # how the client's first TLS record (its ClientHello) begins


@pytest.fixture
def dialog(qtbot, context: AppContext) -> Iterator[AccountDialog]:
    """A new-account dialog; at the end it is closed and its test's job waited for."""
    dialog = AccountDialog(context)
    dialog.show()
    yield dialog
    dialog.reject()
    assert context.pool.waitForDone(NETWORK)


def fill_form(qtbot, dialog: AccountDialog, account: Account, password: str) -> None:
    """Type the account's settings into the dialog as a user would."""
    qtbot.keyClicks(dialog.name_edit, "office")
    qtbot.keyClicks(dialog.host_edit, account.host)
    dialog.security_combo.setCurrentIndex(dialog.security_combo.findData(account.security))
    dialog.port_edit.clear()
    qtbot.keyClicks(dialog.port_edit, str(account.port))
    qtbot.keyClicks(dialog.user_edit, account.user)
    qtbot.keyClicks(dialog.password_edit, password)
    if account.cafile is not None:
        dialog.cafile_edit.setText(str(account.cafile))


def run_test(qtbot, dialog: AccountDialog, button=None) -> None:
    with qtbot.waitSignal(dialog.test_finished, timeout=NETWORK):
        qtbot.mouseClick(button or dialog.test_button, LEFT)


def test_starttls_on_the_ssl_port_says_so_in_german_and_switches_to_ssl(
    qtbot, german, dialog, dovecot, account, password, screenshots
):
    starttls = dataclasses.replace(account, security=Security.STARTTLS, port=dovecot.ssl_port)
    fill_form(qtbot, dialog, starttls, password.reveal())

    run_test(qtbot, dialog)

    assert dialog.test_error_label.text() == (
        f"Port {dovecot.ssl_port} des Servers {account.host} erwartet SSL/TLS von Anfang an, "
        "nicht STARTTLS. Wählen Sie SSL/TLS als Sicherheit."
    )
    assert dialog.error_action_button.isVisible()
    assert dialog.error_action_button.text() == "SSL/TLS verwenden"
    assert "--" not in dialog.test_error_label.text()  # no command-line option in the app
    dialog.grab().save(str(screenshots / "account-starttls-on-ssl-port-de.png"))

    run_test(qtbot, dialog, dialog.error_action_button)  # switches and tests again

    assert dialog.security_combo.currentData() is Security.SSL
    assert dialog.port_edit.text() == str(dovecot.ssl_port)  # the port that expects SSL/TLS
    assert not dialog.test_error_label.isVisible(), dialog.test_error_label.text()
    assert dialog.results.isVisible()
    assert dialog.save_button.hasFocus()  # the next step; not the dialog's Cancel


def test_ssl_on_the_plain_port_offers_starttls(qtbot, dialog, dovecot, account, password):
    fill_form(qtbot, dialog, dataclasses.replace(account, port=dovecot.port), password.reveal())

    run_test(qtbot, dialog)

    assert "expects STARTTLS, not SSL/TLS" in dialog.test_error_label.text()
    assert dialog.error_action_button.text() == "Use STARTTLS"
    run_test(qtbot, dialog, dialog.error_action_button)
    assert dialog.security_combo.currentData() is Security.STARTTLS
    assert dialog.results.isVisible()


def test_wrong_password_in_german_with_the_field_to_correct(
    qtbot, german, dialog, dovecot, account
):
    fill_form(qtbot, dialog, account, "not-the-password")

    run_test(qtbot, dialog)

    text = dialog.test_error_label.text()
    assert text.startswith(
        f"Der Server {account.host} hat den Benutzernamen oder das Passwort abgelehnt."
    )
    assert "Der Server sagte: " in text
    assert dialog.password_edit.hasFocus()


def test_a_password_that_is_a_word_does_not_damage_the_sentence(
    qtbot, dialog, dovecot, account, monkeypatch
):
    """The password "wrong" must not turn the message into "*** user name …" (which would
    also tell the reader the password)."""
    monkeypatch.setattr(secrets, "_SEEN", set(secrets._SEEN))  # "wrong" stays this test's
    fill_form(qtbot, dialog, account, "wrong")

    run_test(qtbot, dialog)

    text = dialog.test_error_label.text()
    assert "***" not in text
    assert "rejected the user name or the password" in text


def test_the_test_can_be_cancelled_while_the_server_is_silent(
    qtbot, dialog, dovecot, account, password
):
    with FaultProxy(dovecot.host, dovecot.ssl_port) as proxy:
        proxy.stall_after_client_sends(TLS_HELLO)
        stalled = dataclasses.replace(account, host=proxy.host, port=proxy.port)
        fill_form(qtbot, dialog, stalled, password.reveal())
        dialog.test_timeout = 600  # only the cancel can end it in time

        with qtbot.waitSignal(dialog.test_started, timeout=NETWORK):
            qtbot.mouseClick(dialog.test_button, LEFT)
        assert dialog.cancel_test_button.isVisible() and not dialog.test_button.isVisible()
        qtbot.waitUntil(lambda: proxy.connections > 0, timeout=NETWORK)
        with qtbot.waitSignal(dialog.test_finished, timeout=NETWORK):
            qtbot.mouseClick(dialog.cancel_test_button, LEFT)
        proxy.release()

    assert dialog.test_status.text() == "The test was cancelled."
    assert not dialog.test_error_label.isVisible()
    assert dialog.test_button.isVisible() and dialog.test_button.isEnabled()


def test_closing_during_a_test_ends_its_job_at_once(qtbot, context, dovecot, account, password):
    """Closing the dialog (or the app) while the server is silent leaves no job waiting for
    it: the pool is free long before the test's timeout."""
    dialog = AccountDialog(context)
    dialog.show()
    with FaultProxy(dovecot.host, dovecot.ssl_port) as proxy:
        proxy.stall_after_client_sends(TLS_HELLO)
        fill_form(
            qtbot,
            dialog,
            dataclasses.replace(account, host=proxy.host, port=proxy.port),
            password.reveal(),
        )
        dialog.test_timeout = 600
        with qtbot.waitSignal(dialog.test_started, timeout=NETWORK):
            qtbot.mouseClick(dialog.test_button, LEFT)
        qtbot.waitUntil(lambda: proxy.connections > 0, timeout=NETWORK)
        dialog.reject()
        assert context.pool.waitForDone(NETWORK)  # the job ended: it did not wait 600 s
        proxy.release()
