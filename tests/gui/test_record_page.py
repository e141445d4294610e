"""The Record page: runs by account and period, and the record saved as CSV and HTML."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from archiver.core.accounts import Account
from archiver.core.progress import CancelToken
from archiver.core.report import ReportFilter, build_report
from archiver.core.runlog import record_run
from archiver.gui.pages.record import RecordPage
from tests.helpers.smallarchive import archive_maildir

pytestmark = pytest.mark.gui

LEFT = Qt.MouseButton.LeftButton


def summary(account: str) -> dict[str, object]:
    return {"account": account, "archived": 3, "deleted": 2, "bytes": 300, "errors": 0,
            "cancelled": False, "error": None}  # fmt: skip


@pytest.fixture
def page(qtbot, context) -> RecordPage:
    for name in ("office", "kanzlei"):
        account = Account(name=name, host="127.0.0.1", user="u")
        context.save_config(context.config.with_account(account))
    root = context.archive_root
    archive_maildir(root, range(1, 3), deleted=True)
    archive_maildir(root, range(3, 4))
    record_run(root, dt.datetime.now(dt.UTC), summary("office"))
    record_run(root, dt.datetime(2024, 5, 1, tzinfo=dt.UTC), summary("kanzlei"))
    page = RecordPage(context)
    qtbot.addWidget(page)
    page.resize(1000, 600)
    with qtbot.waitSignal(page.reading.finished, timeout=10_000):
        page.show()
    return page


def test_runs_follow_the_account_and_the_period(qtbot, page, screenshots):
    assert page.runs_model.rowCount() == 2
    page.account_combo.setCurrentIndex(page.account_combo.findData("kanzlei"))
    assert page.runs_model.rowCount() == 1
    page.account_combo.setCurrentIndex(0)
    page.all_dates.setChecked(False)  # from 1 January of this year until today
    assert page.runs_model.rowCount() == 1
    assert page.runs_model.index(0, 1).data() == "office"
    page.grab().save(str(screenshots / "record-en.png"))


def test_save_as_csv_and_html_through_the_buttons(qtbot, page, tmp_path, monkeypatch):
    targets = iter([tmp_path / "record.csv", tmp_path / "record.html"])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(next(targets)), ""))

    with qtbot.waitSignal(page.job_finished, timeout=30_000):
        qtbot.mouseClick(page.csv_button, LEFT)
    assert page.result_label.text() == (
        f"Saved the record of 3 messages (2 deleted from the server) as {tmp_path / 'record.csv'}."
    )
    text = (tmp_path / "record.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 4 and rows[3][-1] == "kept on the server"
    assert page.progress.isHidden() and page.csv_button.isEnabled()

    with qtbot.waitSignal(page.job_finished, timeout=30_000):
        qtbot.mouseClick(page.html_button, LEFT)
    assert (tmp_path / "record.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_record_that_cannot_be_written_is_told(qtbot, page, tmp_path):
    with qtbot.waitSignal(page.job_finished, timeout=30_000):
        page.save(tmp_path / "gone" / "record.csv", "csv")
    assert page.error_label.text().startswith(
        f"The record could not be saved as {tmp_path / 'gone' / 'record.csv'}:"
    )
    assert page.result_label.isHidden()


def test_retention_lists_old_messages_and_deletes_nothing(
    qtbot, page, context, tmp_path, monkeypatch, screenshots
):
    assert page.retention_label.isHidden() and page.retention_spin.value() == 0
    with qtbot.waitSignal(page.counting.finished, timeout=10_000):
        page.retention_spin.setValue(5)
        page.retention_spin.editingFinished.emit()
    assert context.config.retention_years == 5
    text = page.retention_label.text()
    assert text.startswith("3 archived messages are dated before ") and "deletes nothing" in text
    page.grab().save(str(screenshots / "record-retention-en.png"))

    target = tmp_path / "retention.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(page.job_finished, timeout=30_000):
        qtbot.mouseClick(page.retention_button, LEFT)
    assert target.read_bytes().decode("utf-8-sig").count("\r\noffice;INBOX;") == 3
    assert len(build_report(context.archive_root, ReportFilter(), report=lambda _: None,
                            cancel=CancelToken()).rows) == 3  # fmt: skip

    with qtbot.waitSignal(page.counting.finished, timeout=10_000):
        page.retention_spin.setValue(50)
        page.retention_spin.editingFinished.emit()
    assert page.retention_label.text().startswith("No archived message is dated before ")
    assert page.retention_button.isHidden()
