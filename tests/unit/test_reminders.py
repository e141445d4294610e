"""When the app reminds of a backup (decided without Qt), and the settings it reads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from archiver.core.config import Config, load_config, save_config
from archiver.core.errors import ConfigError
from archiver.core.reminders import (
    BackupDue,
    BackupStatus,
    backup_reminder,
    count_past_retention,
    read_backup_status,
    retention_cutoff,
)
from archiver.core.runlog import BackupRecord, record_backup
from tests.helpers.smallarchive import archive_maildir

NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)


def backup(days_ago: float, *, complete: bool = True) -> BackupRecord:
    finished = NOW - dt.timedelta(days=days_ago)
    return BackupRecord(finished, "/media/usb", complete, not complete, None, 3, 300, 0)


def test_nothing_is_due_while_the_server_still_holds_every_message():
    assert backup_reminder(NOW, BackupStatus(None, 0), 30) is None
    assert backup_reminder(NOW, BackupStatus(backup(400), 0), 30) is None


def test_after_the_first_run_that_deleted_mail_a_backup_is_due():
    reminder = backup_reminder(NOW, BackupStatus(None, 1204), 30)
    assert reminder is not None and reminder.due is BackupDue.NEVER
    assert reminder.only_here == 1204 and reminder.last is None


def test_a_backup_older_than_the_interval_is_due_a_younger_one_not():
    assert backup_reminder(NOW, BackupStatus(backup(29.9), 10), 30) is None
    assert backup_reminder(NOW, BackupStatus(backup(30), 10), 30) is None  # exactly: not yet
    reminder = backup_reminder(NOW, BackupStatus(backup(31.5), 10), 30)
    assert reminder is not None and reminder.due is BackupDue.OVERDUE and reminder.days == 31
    assert backup_reminder(NOW, BackupStatus(backup(8), 10), 7) is not None


def test_an_unfinished_backup_is_due_at_once():
    reminder = backup_reminder(NOW, BackupStatus(backup(0.1, complete=False), 10), 30)
    assert reminder is not None and reminder.due is BackupDue.INCOMPLETE


def test_interval_zero_switches_reminders_off():
    assert backup_reminder(NOW, BackupStatus(None, 10), 0) is None
    assert backup_reminder(NOW, BackupStatus(backup(400, complete=False), 10), 0) is None


def test_a_clock_set_back_is_no_negative_age():
    reminder = backup_reminder(NOW, BackupStatus(backup(-2, complete=False), 10), 30)
    assert reminder is not None and reminder.days == 0


def test_status_counts_messages_deleted_from_the_server(tmp_path):
    root = tmp_path / "archive"
    assert read_backup_status(root) == BackupStatus(None, 0)
    assert not root.exists()  # nothing created by asking
    archive_maildir(root, range(1, 4), deleted=True)
    archive_maildir(root, range(4, 6))  # still on the server
    record_backup(root, backup(3))
    assert read_backup_status(root) == BackupStatus(backup(3), 3)


def test_backup_and_retention_settings_round_trip(tmp_path):
    path = tmp_path / "config.json"
    assert load_config(path).backup_reminder_days == 30 and load_config(path).retention_years == 0
    config = Config(backup_dir=tmp_path / "usb", backup_reminder_days=7, retention_years=10)
    save_config(config, path)
    assert load_config(path) == config


@pytest.mark.parametrize(
    "values",
    [{"backup_reminder_days": -1}, {"backup_reminder_days": True}, {"retention_years": "10"},
     {"retention_years": 101}, {"backup_dir": 5}],
)  # fmt: skip
def test_invalid_backup_settings_are_refused(tmp_path: Path, values: dict[str, object]):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path)


def test_retention_is_off_by_default_and_counts_whole_years():
    assert retention_cutoff(dt.date(2026, 12, 6), 0) is None
    cutoff = retention_cutoff(dt.date(2026, 12, 6), 10)
    assert cutoff is not None and cutoff.date() == dt.date(2016, 12, 6)


def test_messages_past_retention_are_counted_across_time_zones(tmp_path):
    root = tmp_path / "archive"
    assert count_past_retention(root, NOW) == 0 and not root.exists()
    berlin = dt.timezone(dt.timedelta(hours=1))
    archive_maildir(root, range(1, 3), when=dt.datetime(2016, 12, 6, 0, 30, tzinfo=berlin))
    archive_maildir(root, range(3, 4), when=dt.datetime(2016, 12, 6, 1, 30, tzinfo=berlin))
    cutoff = dt.datetime(2016, 12, 6, 0, 0, tzinfo=dt.UTC)  # 01:00 in Berlin
    assert count_past_retention(root, cutoff) == 2
