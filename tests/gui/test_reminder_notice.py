"""The backup reminder above the pages: shown after mail left the server, leading to the
Backup section, gone once a backup is made."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from archiver.core.accounts import Account
from archiver.core.runlog import BackupRecord, record_backup
from archiver.gui.mainwindow import MainWindow
from tests.helpers.smallarchive import archive_maildir

pytestmark = pytest.mark.gui

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def window(qtbot, context) -> MainWindow:
    context.save_config(
        context.config.with_account(Account(name="office", host="127.0.0.1", user="u"))
    )
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    return window


def checked(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.reminder.checked, timeout=10_000):
        window.reminder.refresh()


def test_no_reminder_while_the_server_holds_every_message(qtbot, window, context):
    archive_maildir(context.archive_root, range(1, 4))
    checked(qtbot, window)
    assert window.reminder.isHidden()


def test_reminder_after_mail_left_the_server_leads_to_backup_and_goes_away(
    qtbot, window, context, tmp_path, screenshots
):
    archive_maildir(context.archive_root, range(1, 4), deleted=True)
    checked(qtbot, window)
    assert window.reminder.isVisible()
    assert window.reminder.text.text().startswith(
        "This computer now holds the only copy of 3 messages"
    )
    window.grab().save(str(screenshots / "reminder-en.png"))

    qtbot.mouseClick(window.reminder.backup_button, LEFT)
    assert window.stack.currentWidget() is window.settings_page
    section = window.settings_page.backup_section
    section.folder_edit.setText(str(tmp_path / "Sicherung"))
    with qtbot.waitSignal(window.reminder.checked, timeout=60_000):
        qtbot.mouseClick(section.backup_button, LEFT)
    qtbot.waitUntil(window.reminder.isHidden)


def test_an_old_backup_is_reminded_with_its_age(qtbot, window, context):
    archive_maildir(context.archive_root, range(1, 3), deleted=True)
    finished = dt.datetime.now(dt.UTC) - dt.timedelta(days=45)
    record_backup(context.archive_root, BackupRecord(finished, "/media/usb", True, False, None,
                                                     1, 1, 0))  # fmt: skip
    checked(qtbot, window)
    assert window.reminder.text.text().startswith("The last backup was 45 days ago")
    context.save_config(replace(context.config, backup_reminder_days=60))
    qtbot.waitUntil(window.reminder.isHidden)
