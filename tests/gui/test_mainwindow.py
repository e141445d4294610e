"""The main window: welcome page without accounts, pages with them, closing during a job."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDateTimeEdit,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTextBrowser,
    QWidget,
)

from archiver.core.accounts import Account
from archiver.gui.dialogs.account import AccountDialog
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


def test_every_input_has_an_accessible_name(qtbot, context):
    """Screen readers name each field: line edits, combos, dates, tables and trees carry an
    accessible name (buttons and check boxes are named by their text)."""
    context.save_config(
        context.config.with_account(Account(name="office", host="127.0.0.1", user="u"))
    )
    window = MainWindow(context)
    qtbot.addWidget(window)
    kinds = (QLineEdit, QComboBox, QDateTimeEdit, QAbstractItemView, QTextBrowser)
    unnamed = [
        f"{type(w).__name__} in {type(w.window()).__name__}"
        for w in window.findChildren(QWidget)
        if isinstance(w, kinds)
        and not isinstance(w, QHeaderView)  # a table's header, named by its sections
        and w.window() is window  # not a combo box's pop-up list
        and not w.accessibleName()
        and not isinstance(w.parent(), (QComboBox, QAbstractSpinBox))  # their own line edit
    ]
    assert not unnamed
    buttons = [b for b in window.findChildren(QAbstractButton) if b.isVisibleTo(window)]
    assert buttons and all(b.text() or b.accessibleName() for b in buttons)


MNEMONIC = re.compile(r"(?<!&)&(?!&)(\w)")  # Qt's: "&&" is a literal ampersand


def _mnemonics(window: QWidget) -> dict[str, list[str]]:
    """The Alt+letter keys of the window's visible buttons and field labels, by letter."""
    found: dict[str, list[str]] = {}
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window):
            continue
        labels_a_field = isinstance(widget, QLabel) and widget.buddy() is not None
        if not (isinstance(widget, QAbstractButton) or labels_a_field):
            continue
        if match := MNEMONIC.search(widget.text()):
            found.setdefault(match.group(1).lower(), []).append(widget.text())
    return found


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_two_alt_keys_of_a_page_are_the_same(qtbot, context, language, request):
    """Alt+letter goes to one place: two on one page would make the second unreachable."""
    if language == "de":
        request.getfixturevalue("german")
    context.save_config(
        context.config.with_account(Account(name="office", host="127.0.0.1", user="u"))
    )
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    for index in range(window.stack.count()):
        page = window.stack.widget(index)
        window.stack.setCurrentWidget(page)
        shared = {k: v for k, v in _mnemonics(window).items() if len(v) > 1}
        assert not shared, (type(page).__name__, shared)


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_two_alt_keys_of_the_account_dialog_are_the_same(qtbot, context, language, request):
    if language == "de":
        request.getfixturevalue("german")
    dialog = AccountDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    shared = {k: v for k, v in _mnemonics(dialog).items() if len(v) > 1}
    assert not shared


def test_ctrl_f_goes_to_the_search_field(qtbot, context):
    context.save_config(
        context.config.with_account(Account(name="office", host="127.0.0.1", user="u"))
    )
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    # Offscreen, no window becomes active, and Qt delivers window shortcuts only to the
    # active one: so the shortcut is checked, then activated as a key press would.
    (find,) = window.findChildren(QShortcut)
    assert find.key() == QKeySequence("Ctrl+F")
    find.activated.emit()
    assert window.stack.currentWidget() is window.search_page
    qtbot.waitUntil(window.search_page.query_edit.hasFocus)
