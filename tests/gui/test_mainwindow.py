"""The main window: welcome page without accounts, pages with them, closing during a job."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from archiver.core.accounts import Account
from archiver.gui.mainwindow import MainWindow

pytestmark = pytest.mark.gui


def test_opens_on_the_welcome_page_without_accounts(qtbot, context):
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    assert window.stack.currentWidget() is window.welcome_page
    assert not window.nav.isVisible()


def test_shows_the_pages_once_an_account_exists(qtbot, context):
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    context.save_config(
        context.config.with_account(Account(name="office", host="127.0.0.1", user="u"))
    )
    assert window.nav.isVisible()
    assert window.stack.currentWidget() is window.archive_page


def test_closing_during_a_job_asks_then_cancels_and_closes(qtbot, context, monkeypatch):
    context.save_config(
        context.config.with_account(Account(name="office", host="127.0.0.1", user="u"))
    )
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()

    def endless(report, cancel):
        while True:
            cancel.raise_if_cancelled()

    window.settings_page.run_job(endless, lambda _: None)
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: next(answers))
    window.close()
    assert window.isVisible() and window.settings_page.is_busy()  # "No": keeps running
    with qtbot.waitSignal(window.settings_page.job_finished, timeout=10_000):
        window.close()
    qtbot.waitUntil(lambda: not window.isVisible())
