"""Settings → Backup: a backup through the button, its progress and result, the last backup
shown, and the errors of a backup told with what helps (never a command)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from archiver.core.config import load_config
from archiver.core.errors import (
    BackupCopyFailed,
    BackupDestinationForeign,
    BackupDestinationFull,
    BackupDestinationInvalid,
    BackupDestinationMissing,
    BackupDestinationReadOnly,
    BackupFileTooLarge,
    BackupOfAnotherArchive,
)
from archiver.core.jobs.backup import read_backup_record
from archiver.gui.app import install_translators
from archiver.gui.pages.settings_backup import BackupSection, backup_error_text
from tests.helpers.smallarchive import archive_maildir

pytestmark = pytest.mark.gui

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def section(qtbot, context) -> BackupSection:
    section = BackupSection(context)
    qtbot.addWidget(section)
    section.resize(900, 300)
    section.show()
    qtbot.waitUntil(lambda: not section.reading.busy)
    return section


def back_up(qtbot, section: BackupSection, destination: Path) -> None:
    section.folder_edit.setText(str(destination))
    with qtbot.waitSignal(section.job_finished, timeout=60_000):
        qtbot.mouseClick(section.backup_button, LEFT)
    qtbot.waitUntil(lambda: not section.reading.busy)


def test_back_up_now_copies_the_archive_and_shows_the_result(
    qtbot, section, context, tmp_path, screenshots
):
    archive_maildir(context.archive_root, range(1, 6))
    assert section.last_label.text() == "None yet."
    values: list[int] = []
    section.progress.valueChanged.connect(values.append)
    destination = tmp_path / "USB-Stick" / "Sicherung"
    destination.parent.mkdir()

    back_up(qtbot, section, destination)

    assert section.error_label.isHidden(), section.error_label.text()
    assert section.result_label.text().endswith(
        "The backup is complete: every message matches the catalog."
    )
    assert section.progress.isHidden() and section.backup_button.isEnabled()
    assert values and max(values) == section.progress.maximum()
    assert "complete, to " + str(destination) in section.last_label.text()
    assert read_backup_record(destination)["complete"] is True  # type: ignore[index]
    assert load_config(context.dirs.config_file).backup_dir == destination
    section.grab().save(str(screenshots / "backup-section-en.png"))

    back_up(qtbot, section, destination)  # again: only what changed is read
    assert "were not read again (" in section.result_label.text()
    section.full_check_box.setChecked(True)
    back_up(qtbot, section, destination)
    assert "not read again" not in section.result_label.text()
    assert section.result_label.text().startswith("0 files copied, 6 already there and checked")


def test_a_foreign_folder_is_refused_with_what_helps(qtbot, section, context, tmp_path):
    archive_maildir(context.archive_root, range(1, 2))
    foreign = tmp_path / "Eigene Dateien"
    foreign.mkdir()
    (foreign / "Steuer 2024.pdf").write_bytes(b"%PDF")

    back_up(qtbot, section, foreign)

    assert section.error_label.isVisible()
    assert section.error_label.text().startswith(f"The folder {foreign} is not empty")
    assert "Choose an empty folder" in section.error_label.text()
    assert "failed, to" in section.last_label.text()
    assert sorted(p.name for p in foreign.iterdir()) == ["Steuer 2024.pdf"]


def test_a_relative_folder_is_refused_before_anything_runs(qtbot, section):
    section.folder_edit.setText("Sicherung")
    qtbot.mouseClick(section.backup_button, LEFT)
    assert not section.is_busy()
    assert section.error_label.text() == "Choose the backup folder first (a full path)."


def test_the_reminder_interval_is_saved(qtbot, section, context):
    assert section.reminder_spin.value() == 30
    section.reminder_spin.setValue(14)
    section.reminder_spin.editingFinished.emit()
    assert load_config(context.dirs.config_file).backup_reminder_days == 14


USB = Path("/media/usb")
ERRORS = [
    BackupDestinationMissing(USB, during_run=True),
    BackupDestinationMissing(USB, during_run=False),
    BackupDestinationForeign(USB, ["a.txt"]),
    BackupOfAnotherArchive(USB, "/home/bob/archive"),
    BackupDestinationInvalid("inside", USB),
    BackupDestinationFull(USB, needed=5_000_000_000, free=1_000_000),
    BackupDestinationFull(USB),
    BackupDestinationReadOnly(USB),
    BackupFileTooLarge(USB, [("office/INBOX", 5_000_000_000)], 2**32 - 1, "vfat"),
    BackupCopyFailed(USB, "office/cur/1", "I/O error"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_backup_errors_say_what_helps_in_english_and_german(qapp, error):
    english = backup_error_text(error)
    assert str(USB) in english
    assert "imap-archiver" not in english and "--" not in english
    translators = install_translators(qapp, "de")
    try:
        german = backup_error_text(error)
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
    assert german != english and str(USB) in german and "--" not in german
