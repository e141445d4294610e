"""The account dialog by keyboard: Enter means Save wherever the focus is, never opens the CA
file picker and never throws away what was typed; the focus never lands on Cancel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from archiver.core.accounts import Account, PasswordSource
from archiver.core.config import load_config
from archiver.core.paths import AppDirs
from archiver.core.secrets import Secret
from archiver.gui.context import AppContext
from archiver.gui.dialogs.account import AccountDialog
from tests.helpers.filekeyring import FileKeyring

pytestmark = pytest.mark.gui

NETWORK = 30_000  # ms to wait for a job that talks to Dovecot
ENTER = Qt.Key.Key_Return


@pytest.fixture
def dialog(
    qtbot, context: AppContext, file_keyring: FileKeyring, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AccountDialog]:
    """A shown "Add account" dialog, with a keyring, whose CA file picker only counts how
    often it opens."""
    pickers: list[object] = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (pickers.append(a), ("", ""))[1]
    )
    dialog = AccountDialog(context)
    dialog.pickers = pickers  # type: ignore[attr-defined]
    dialog.open()
    qtbot.waitExposed(dialog)
    yield dialog
    if not shiboken6.isValid(dialog):
        return  # closed and deleted: its job, if any, has ended
    if dialog.isVisible():
        dialog.reject()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=NETWORK)


def tab_through(qtbot, dialog: AccountDialog) -> list[QWidget]:
    """Press Tab until the focus comes back to the Name field; return where it went."""
    visited: list[QWidget] = []
    for _ in range(40):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        widget = dialog.focusWidget()
        if widget is dialog.name_edit:
            return visited
        visited.append(widget)
    raise AssertionError("Tab never came back to the Name field")


def type_account(qtbot, dialog: AccountDialog, host: str, port: int, user: str) -> None:
    qtbot.keyClicks(dialog.host_edit, host)
    qtbot.keyClicks(dialog.port_edit, str(port))
    qtbot.keyClicks(dialog.user_edit, user)


def test_enter_in_the_name_field_saves_and_never_opens_the_ca_file_picker(qtbot, dialog):
    assert dialog.focusWidget() is dialog.name_edit
    qtbot.keyClicks(dialog.name_edit, "office")
    visited = tab_through(qtbot, dialog)  # across Browse…, Test connection, Save and Cancel
    assert {dialog.cafile_button, dialog.test_button, dialog.save_button} <= set(visited)

    qtbot.keyClick(dialog.name_edit, ENTER)

    assert dialog.pickers == []
    assert dialog.isVisible()  # Save found the form incomplete and said so
    assert dialog.error_label.isVisible() and dialog.error_label.text()
    assert dialog.name_edit.text() == "office"


def test_every_button_but_save_leaves_enter_to_save(dialog):
    buttons = dialog.findChildren(QPushButton)
    assert [b for b in buttons if b.isDefault()] == [dialog.save_button]
    assert not any(b.autoDefault() for b in buttons)


def test_enter_on_cancel_keeps_what_was_typed(qtbot, dialog, context):
    qtbot.keyClicks(dialog.name_edit, "office")
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    cancel.setFocus()

    qtbot.keyClick(cancel, ENTER)

    assert dialog.isVisible() and dialog.name_edit.text() == "office"
    assert context.config.accounts == {}


def test_enter_saves_a_complete_form(qtbot, dialog, home):
    qtbot.keyClicks(dialog.name_edit, "office")
    type_account(qtbot, dialog, "127.0.0.1", 993, "anna")
    qtbot.keyClicks(dialog.password_edit, "secret")
    dialog.name_edit.setFocus()

    with qtbot.waitSignal(dialog.saved, timeout=NETWORK):
        qtbot.keyClick(dialog.name_edit, ENTER)

    assert not dialog.isVisible()
    saved = load_config(home.config_file).accounts["office"]
    assert (saved.host, saved.port, saved.user) == ("127.0.0.1", 993, "anna")
    assert saved.password_source is PasswordSource.KEYRING


@pytest.mark.imap
def test_after_trusting_a_certificate_the_focus_is_on_save_not_cancel(
    qtbot, dialog, account: Account, password: Secret, home: AppDirs
):
    qtbot.keyClicks(dialog.name_edit, "office")
    type_account(qtbot, dialog, account.host, account.port or 993, account.user)
    qtbot.keyClicks(dialog.password_edit, password.reveal())  # no CA file: not trusted
    dialog.test_button.setFocus()
    with qtbot.waitSignal(dialog.test_finished, timeout=NETWORK):
        qtbot.keyClick(dialog.test_button, Qt.Key.Key_Space)
    assert dialog.certificate_box.isVisible()
    assert dialog.focusWidget() is dialog.trust_button

    with qtbot.waitSignal(dialog.test_started, timeout=NETWORK):
        qtbot.keyClick(dialog.trust_button, Qt.Key.Key_Space)
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    assert dialog.focusWidget() is not cancel  # while the form is locked
    qtbot.waitSignal(dialog.test_finished, timeout=NETWORK).wait()
    qtbot.waitUntil(lambda: not dialog.jobs.busy, timeout=NETWORK)

    assert not dialog.certificate_box.isVisible() and dialog.results.isVisible()
    assert dialog.focusWidget() is dialog.save_button
    with qtbot.waitSignal(dialog.saved, timeout=NETWORK):
        qtbot.keyClick(dialog.focusWidget(), ENTER)
    assert load_config(home.config_file).accounts["office"].tls_fingerprint is not None


def test_a_dialog_closed_while_its_ended_job_is_unreported_is_still_deleted(qtbot, context):
    """Closed after its job ended but before the GUI thread heard so: deleted all the same,
    once the job's last report has been delivered (not left behind for good)."""
    dialog = AccountDialog(context)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.jobs.start(lambda *, report, cancel: None, lambda signals: None)
    assert context.pool.waitForDone(10_000)  # ended; its finished still queued for us
    assert dialog.jobs.busy
    with qtbot.waitSignal(dialog.destroyed, timeout=10_000):
        dialog.reject()
