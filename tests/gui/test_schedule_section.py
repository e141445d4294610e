"""Settings → Archive automatically: turning the schedule on and off through the scheduler's
tool (recorded, not run), refusing an account that asks for its password, and the last
automatic run in the section and in the main window."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Sequence

import pytest
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QApplication, QStatusBar

from archiver.core.accounts import Account, PasswordSource
from archiver.core.config import Config
from archiver.core.jobs.scheduled import AccountOutcome, Problem, ScheduledRun, read_scheduled_run
from archiver.core.jobs.scheduled import record_scheduled_run as record
from archiver.core.schedule import Interval, Schedule
from archiver.core.scheduler import Host, System
from archiver.gui import app as gui_app
from archiver.gui.app import install_translators
from archiver.gui.context import AppContext
from archiver.gui.mainwindow import MainWindow
from archiver.gui.pages.settings_schedule import ScheduleSection

pytestmark = pytest.mark.gui

LEFT = Qt.MouseButton.LeftButton


class Tool:
    """The system's scheduler tool: records each call, answers with *returncode*."""

    def __init__(self, returncode: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.returncode = returncode

    def __call__(self, arguments: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(arguments))
        return subprocess.CompletedProcess(list(arguments), self.returncode, "", "access denied")


def with_accounts(context: AppContext) -> AppContext:
    config = context.config
    for name, source, command in [
        ("office", PasswordSource.COMMAND, "pass show office"),
        ("kanzlei", PasswordSource.KEYRING, None),
        ("privat", PasswordSource.PROMPT, None),
    ]:
        account = Account(name, "127.0.0.1", "u", password_source=source, password_command=command)
        config = config.with_account(account)
    context.save_config(config)
    return context


def section(qtbot, context: AppContext, tool: Tool, tmp_path) -> ScheduleSection:
    widget = ScheduleSection(with_accounts(context), Host(System.WINDOWS, tmp_path, tool))
    qtbot.addWidget(widget)
    widget.resize(900, 300)
    widget.show()
    qtbot.waitUntil(lambda: not widget.is_busy())
    return widget


def click(qtbot, widget: ScheduleSection, button) -> None:
    with qtbot.waitSignal(widget.job_finished, timeout=10_000):
        qtbot.mouseClick(button, LEFT)
    qtbot.waitUntil(lambda: not widget.is_busy())


def test_turning_on_installs_the_task_and_saves_the_schedule(qtbot, context, tmp_path):
    tool = Tool()
    widget = section(qtbot, context, tool, tmp_path)
    assert widget.state_label.text().startswith("Off:")
    assert not widget.remove_button.isEnabled()
    widget.every_combo.setCurrentIndex(widget.every_combo.findData(Interval.WEEKLY))
    widget.cutoff_combo.setCurrentIndex(widget.cutoff_combo.findData("2y"))
    widget.time_edit.setTime(QTime(7, 45))
    widget.keep_flagged_box.setChecked(True)
    click(qtbot, widget, widget.save_button)
    assert tool.calls[0][:3] == ["schtasks", "/Create", "/XML"]
    saved = context.config.schedule("all")
    assert saved == Schedule("all", (), Interval.WEEKLY, "2y", dt.time(7, 45), keep_flagged=True)
    # every account: the one that asks for its password is named as left out
    assert "privat" in widget.asking_label.text() and widget.asking_label.isVisible()
    qtbot.waitUntil(lambda: widget.state_label.text().startswith("On."))
    assert widget.save_button.text() == "Sa&ve" and widget.remove_button.isEnabled()

    click(qtbot, widget, widget.remove_button)
    assert tool.calls[-1][:2] == ["schtasks", "/Delete"]
    assert context.config.schedules == {}
    assert widget.state_label.text().startswith("Off:")
    assert not widget.asking_label.isVisible()


def test_an_account_that_asks_for_its_password_is_refused(qtbot, context, tmp_path):
    tool = Tool()
    widget = section(qtbot, context, tool, tmp_path)
    widget.accounts_combo.setCurrentIndex(widget.accounts_combo.findData("privat"))
    qtbot.mouseClick(widget.save_button, LEFT)
    text = widget.error_label.text()
    assert "privat is asked each time, so it cannot be archived automatically" in text
    assert "system keyring" in text and "password command" in text
    assert tool.calls == [] and context.config.schedules == {}


def test_a_refusing_scheduler_is_shown_and_nothing_is_saved(qtbot, context, tmp_path):
    widget = section(qtbot, context, Tool(returncode=1), tmp_path)
    widget.accounts_combo.setCurrentIndex(widget.accounts_combo.findData("office"))
    click(qtbot, widget, widget.save_button)
    assert widget.error_label.text() == (
        "This computer's scheduler (schtasks) refused: exit status 1: access denied"
    )
    assert context.config.schedules == {}


def test_a_schedule_made_on_the_command_line_is_kept_when_saved(qtbot, context, tmp_path):
    context = with_accounts(context)
    made = Schedule("office", ("office", "kanzlei"), Interval.DAILY, "18m", dt.time(6, 0))
    context.save_config(context.config.with_schedule(made))
    widget = section(qtbot, context, Tool(), tmp_path)
    assert widget.accounts_combo.currentText() == "office, kanzlei"
    assert widget.cutoff_combo.currentText() == "older than 18m"
    assert widget.edited_schedule() == made
    click(qtbot, widget, widget.save_button)
    assert context.config.schedules == {"office": made}


def test_a_task_missing_from_the_scheduler_is_said(qtbot, context, tmp_path):
    context.save_config(context.config.with_schedule(Schedule("all")))
    widget = section(qtbot, context, Tool(returncode=1), tmp_path)  # /Query fails
    qtbot.waitUntil(lambda: "does not have the task" in widget.state_label.text())


RUN = ScheduledRun(
    "all",
    dt.datetime(2026, 3, 12, 10, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 12, 10, 20, tzinfo=dt.UTC),
    (
        AccountOutcome("office", archived=1204, deleted=1204, bytes_freed=380 * 1024 * 1024),
        AccountOutcome("privat", problem=Problem.PASSWORD_ASKED),
    ),
)


def test_last_automatic_run_is_shown_in_the_section_and_the_window(
    qtbot, qapp: QApplication, context, tmp_path, screenshots
):
    record(context.dirs.config, RUN)
    context.save_config(with_accounts(context).config.with_schedule(Schedule("all")))
    window = MainWindow(context)
    qtbot.addWidget(window)
    assert window.last_run_label is not None
    text = window.last_run_label.text()
    assert text.startswith("Last automatic run: March 12, 2026, 1,204 messages, 380.0 MB freed.")
    assert "privat: skipped, because its password is asked each time" in text
    widget = section(qtbot, context, Tool(), tmp_path)
    qtbot.waitUntil(lambda: widget.state_label.text().startswith("On."))
    assert widget.last_run_label.text() == text
    widget.grab().save(str(screenshots / "settings-schedule-en.png"))

    translators = install_translators(qapp, "de")
    try:
        german = ScheduleSection(context, Host(System.WINDOWS, tmp_path, Tool()))
        qtbot.addWidget(german)
        german.resize(900, 300)
        german.show()
        qtbot.waitUntil(lambda: german.state_label.text().startswith("Eingeschaltet."))
        assert german.last_run_label.text().startswith("Letzter automatischer Lauf:")
        german.grab().save(str(screenshots / "settings-schedule-de.png"))
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)


def test_no_automatic_run_no_status_bar(qtbot, context):
    window = MainWindow(context)
    qtbot.addWidget(window)
    assert window.last_run_label is None and window.findChild(QStatusBar) is None


def test_the_windowed_app_hands_run_scheduled_to_the_command_line(home, capsys):
    """The packaged app's console-less executable runs the scheduled task on Windows."""
    assert gui_app.main(["run-scheduled", "nope"]) == 1
    assert "No schedule named 'nope'" in capsys.readouterr().err


def test_run_scheduled_without_standard_streams(home, monkeypatch):
    """pythonw.exe and the windowed executable have no standard streams (None): the run
    still ends normally, with no internal error (which would be logged and fail the test)."""
    context = AppContext(home, Config(schedules={"all": Schedule("all")}))
    context.save_config(context.config)
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert gui_app.main(["run-scheduled", "all"]) == 0  # no accounts: nothing to do
    assert read_scheduled_run(home.config) is not None
