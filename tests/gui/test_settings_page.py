"""The settings page: saving settings, checking and repairing the archive, the log of past
runs, opening the archive and log folders."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtTest import QAbstractItemModelTester
from PySide6.QtWidgets import QFileDialog

from archiver.core.catalog import CATALOG_NAME, Catalog, State
from archiver.core.config import load_config
from archiver.core.errors import CatalogDamaged, CatalogMissing
from archiver.core.lock import archive_lock
from archiver.core.paths import make_private_dir
from archiver.core.runlog import read_runs, record_run
from archiver.gui.app import install_translators
from archiver.gui.errors import error_text
from archiver.gui.pages.settings import SettingsPage
from archiver.gui.runlogmodel import RunLogModel
from tests.helpers.privacy import assert_private
from tests.helpers.smallarchive import archive_maildir

pytestmark = pytest.mark.gui

LEFT = Qt.MouseButton.LeftButton


def _summary(account: str, **values: object) -> dict[str, object]:
    base = {"account": account, "archived": 120, "deleted": 118, "bytes": 48_000_000}
    base |= {"errors": 2, "cancelled": False, "error": None}
    base |= {"quota_before": {"used": 1_900_000_000, "limit": 2_000_000_000}}
    base |= {"quota_after": {"used": 1_850_000_000, "limit": 2_000_000_000}}
    return base | values


def test_saves_settings_and_shows_past_runs(qtbot, context, tmp_path, screenshots):
    make_private_dir(context.archive_root)
    started = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    record_run(context.archive_root, started, _summary("office"))
    record_run(context.archive_root, started, _summary("kanzlei", errors=0, cancelled=True))
    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.resize(1000, 640)
    page.show()
    qtbot.waitUntil(lambda: page.runs_model.rowCount() == 2)
    model = page.runs_model
    assert model.index(0, 1).data() == "kanzlei" and model.index(0, 6).data() == "Cancelled"
    assert model.index(1, 6).data() == "2 problems"
    page.grab().save(str(screenshots / "settings-en.png"))

    page.folder_edit.setFocus()
    qtbot.keyClicks(page.folder_edit, str(tmp_path / "Archiv"))
    qtbot.keyClick(page.folder_edit, Qt.Key.Key_Return)  # applies: no Save button
    page.cutoff_combo.setCurrentIndex(page.cutoff_combo.findData("2y"))
    page.language_combo.setCurrentIndex(page.language_combo.findData("de"))
    saved = load_config(context.dirs.config_file)
    assert saved.archive_dir == tmp_path / "Archiv" and saved.default_cutoff == "2y"
    assert saved.language == "de" and context.archive_root == tmp_path / "Archiv"
    assert "next time you start" in page.notice.text()
    qtbot.waitUntil(lambda: not page.is_busy())


def test_a_relative_archive_folder_is_refused_and_the_rest_still_applies(qtbot, context):
    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.folder_edit.setText("relative/archive")
    qtbot.keyClick(page.folder_edit, Qt.Key.Key_Return)
    assert "full path" in page.error_label.text() and not page.error_label.isHidden()
    assert context.config.archive_dir is None

    page.cutoff_combo.setFocus()  # by keyboard: the next cut-off in the list
    qtbot.keyClick(page.cutoff_combo, Qt.Key.Key_Down)

    assert load_config(context.dirs.config_file).default_cutoff == "2y"
    assert context.config.archive_dir is None


def test_each_setting_applies_as_it_changes(qtbot, context, tmp_path, monkeypatch):
    page = SettingsPage(context)
    qtbot.addWidget(page)
    changes: list[None] = []
    context.config_changed.connect(lambda: changes.append(None))

    page.format_combo.setCurrentIndex(page.format_combo.findData("mbox"))
    assert load_config(context.dirs.config_file).archive_format == "mbox"
    assert page.notice.text() == "Saved."
    chosen = tmp_path / "Archiv"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: str(chosen))
    qtbot.mouseClick(page.browse_button, LEFT)
    assert context.archive_root == chosen
    assert len(changes) == 2

    page.folder_edit.setText(str(tmp_path / "Anderswo"))  # typed, and the page left at once
    page.show()
    page.hide()
    assert context.archive_root == tmp_path / "Anderswo"
    page.hide()  # nothing changed since: nothing saved again
    assert len(changes) == 3


def test_run_log_model_passes_the_model_tester(qtbot, tmp_path):
    started = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(5):
        record_run(tmp_path, started, _summary(f"a{i}", error="lost" if i == 2 else None))
    model = RunLogModel()
    QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    model.set_runs(read_runs(tmp_path))
    assert model.rowCount() == 5
    assert model.index(2, 6).data() == "Stopped by an error"
    assert model.index(2, 6).data(Qt.ItemDataRole.ToolTipRole) == "lost"


@pytest.fixture
def opened(monkeypatch) -> list[QUrl]:
    """The URLs the page asked the desktop to open (nothing is opened)."""
    urls: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: urls.append(url) or True)
    return urls


@pytest.fixture
def page(qtbot, context) -> SettingsPage:
    """The settings page, not shown (no run log is read)."""
    page = SettingsPage(context)
    qtbot.addWidget(page)
    return page


def test_open_log_folder_creates_it_and_opens_it(qtbot, page, context, opened):
    logs = context.dirs.logs
    assert not logs.exists()

    qtbot.mouseClick(page.open_logs_button, LEFT)

    assert opened == [QUrl.fromLocalFile(str(logs))]
    assert logs.is_dir()
    assert_private(logs)
    assert page.error_label.isHidden()


def test_open_archive_folder_creates_the_default_one(qtbot, page, context, opened):
    qtbot.mouseClick(page.open_archive_button, LEFT)

    assert opened == [QUrl.fromLocalFile(str(context.dirs.archive))]
    assert context.dirs.archive.is_dir()
    assert page.error_label.isHidden()


def test_open_archive_folder_opens_the_chosen_one(qtbot, page, context, opened, tmp_path):
    context.save_config(replace(context.config, archive_dir=tmp_path))

    qtbot.mouseClick(page.open_archive_button, LEFT)

    assert opened == [QUrl.fromLocalFile(str(tmp_path))]


def test_a_missing_chosen_archive_folder_is_not_created(qtbot, page, context, opened, tmp_path):
    missing = tmp_path / "usb-stick" / "Archiv"
    context.save_config(replace(context.config, archive_dir=missing))

    qtbot.mouseClick(page.open_archive_button, LEFT)

    assert opened == []
    assert not missing.parent.exists()
    assert page.error_label.text() == (
        f"The archive folder {missing} does not exist. Is the drive it is on connected?"
    )


def test_a_folder_the_desktop_cannot_open_is_reported(qtbot, page, context, monkeypatch):
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)

    qtbot.mouseClick(page.open_logs_button, LEFT)

    assert page.error_label.text() == f"The folder {context.dirs.logs} could not be opened."


@pytest.mark.parametrize("button", ["open_logs_button", "open_archive_button"])
def test_a_folder_that_cannot_be_created_is_reported(qtbot, page, opened, monkeypatch, button):
    def refuse(path: Path) -> Path:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("archiver.gui.pages.settings.make_private_dir", refuse)

    qtbot.mouseClick(getattr(page, button), LEFT)

    assert opened == []
    assert page.error_label.text().startswith("Permission denied (")


def check(qtbot, page: SettingsPage) -> None:
    qtbot.waitUntil(lambda: not page.is_busy())  # the run log read at show
    with qtbot.waitSignal(page.job_finished, timeout=60_000):
        qtbot.mouseClick(page.check_button, LEFT)
    assert page.check_button.isEnabled() and page.check_progress.isHidden()


def test_check_and_repair_rebuilds_a_lost_catalog_from_the_archive_files(
    qtbot, context, screenshots
):
    archive_maildir(context.archive_root, range(1, 4))
    (context.archive_root / CATALOG_NAME).unlink()
    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.resize(1000, 720)
    page.show()

    check(qtbot, page)

    text = page.check_result.text()
    assert "The catalog was rebuilt from the archive files." in text
    assert "Messages recorded again from the archive files: 3." in text
    assert page.error_label.isHidden() and page.check_result.isVisible()
    with Catalog.open(context.archive_root) as catalog:
        rows = catalog.records("office")
    assert sorted(r.uid for r in rows) == [1, 2, 3]
    assert {r.state for r in rows} == {State.VERIFIED}
    page.grab().save(str(screenshots / "settings-check-en.png"))

    check(qtbot, page)  # again: nothing left to repair
    assert page.check_result.text() == "All messages are intact (3 checked)."


def test_check_and_repair_keeps_a_damaged_catalog_aside(qtbot, context, caplog):
    archive_maildir(context.archive_root, range(1, 3))
    catalog_file = context.archive_root / CATALOG_NAME
    catalog_file.write_bytes(b"not a database" * 100)
    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.show()

    check(qtbot, page)

    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "is damaged" in warnings[0]
    caplog.clear()
    aside = next(context.archive_root.glob(f"{CATALOG_NAME}.damaged-*"))
    assert aside.read_bytes() == b"not a database" * 100
    text = page.check_result.text()
    assert f"the damaged one is kept as {aside}" in text
    assert "Messages recorded again from the archive files: 2." in text


def test_a_second_job_on_the_archive_is_told_to_wait(qtbot, context):
    archive_maildir(context.archive_root, range(1, 2))
    page = SettingsPage(context)
    qtbot.addWidget(page)
    with archive_lock(context.archive_root):
        check(qtbot, page)
    assert page.error_label.text() == (
        "Another job is using the archive; try again when it has finished."
    )


@pytest.mark.parametrize(
    "error",
    [CatalogDamaged("/a/catalog.sqlite3", "file is not a database"),
     CatalogMissing("/a/catalog.sqlite3")],
)  # fmt: skip
def test_catalog_errors_name_the_settings_action_not_the_cli(qapp, error):
    text = error_text(error)
    assert "--repair" not in text and "imap-archiver" not in text
    assert "/a/catalog.sqlite3" in text and "Nothing was changed." in text
    assert text.endswith("choose Settings → Check and repair the archive.")
    translators = install_translators(qapp, "de")
    try:
        german = error_text(error)
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
    assert "Es wurde nichts verändert." in german and "--repair" not in german
    assert german.endswith("wählen Sie Einstellungen → Archiv prüfen und reparieren.")


def test_ocr_is_offered_only_where_tesseract_is_installed(qtbot, context, monkeypatch, screenshots):
    from archiver.core.index import ocr  # noqa: PLC0415

    monkeypatch.setattr(ocr, "unavailable", lambda: "Tesseract OCR is not installed")
    page = SettingsPage(context)
    qtbot.addWidget(page)
    assert not page.ocr_box.isEnabled() and "not installed" in page.ocr_box.toolTip()

    monkeypatch.setattr(ocr, "unavailable", lambda: None)
    page = SettingsPage(context)
    qtbot.addWidget(page)
    page.resize(1000, 640)
    assert page.ocr_box.isEnabled() and not page.ocr_box.isChecked()  # off by default
    qtbot.mouseClick(page.ocr_box, Qt.MouseButton.LeftButton)  # applies at once
    assert page.ocr_box.isChecked()
    assert load_config(context.dirs.config_file).ocr and context.config.ocr
    page.grab().save(str(screenshots / "settings-ocr.png"))
    qtbot.waitUntil(lambda: not page.is_busy())


def test_closing_asks_only_while_the_archive_is_checked(qtbot, context, monkeypatch):
    """Reading the run log as the page is shown is nothing to ask about when closing."""
    page = SettingsPage(context)
    qtbot.addWidget(page)
    monkeypatch.setattr(page, "is_busy", lambda: True)  # a job of the page runs
    assert not page.asks_before_closing()  # the run log being read
    page.check_cancel_button.show()  # as the check shows it
    assert page.asks_before_closing()
