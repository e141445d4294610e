"""The backup's quick check: files an earlier run checked and unchanged since are not read
again; a full check (forced, or when the last is old) finds and repairs what rotted."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from archiver.core.catalog import Catalog, Record
from archiver.core.errors import BackupDestinationMissing
from archiver.core.jobs import backup as backup_job
from archiver.core.jobs.backup import (
    BACKUP_RECORD,
    CHECKED_LIST,
    FULL_CHECK_DAYS,
    BackupResult,
    CheckMode,
    run_backup,
)
from archiver.core.progress import CancelToken, Progress
from tests.imap.test_backup import fill_and_archive, verify_ok

pytestmark = pytest.mark.imap


def backup(root: Path, dest: Path, check: CheckMode) -> BackupResult:
    return run_backup(root, dest, check=check, report=lambda _: None, cancel=CancelToken())


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files of the backup and the archive that the backup job reads (the seam: its
    two readers, check_copy and digest_file)."""
    seen: list[str] = []
    check_copy, digest_file = backup_job.check_copy, backup_job.digest_file

    def counting_check(root: Path, record: Record) -> object:
        seen.append(record.location.path)
        return check_copy(root, record)

    def counting_digest(path: Path) -> tuple[str, int]:
        seen.append(Path(path).name)
        return digest_file(path)

    monkeypatch.setattr(backup_job, "check_copy", counting_check)
    monkeypatch.setattr(backup_job, "digest_file", counting_digest)
    return seen


def test_quick_backup_reads_only_what_is_new(
    dovecot, imap_user, account, password, tmp_path, reads
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(6))
    first = backup(root, dest, CheckMode.AUTO)  # no full check yet: a full one
    assert first.ok and first.full_check and first.trusted == 0
    with Catalog.open(root) as catalog:
        old = {r.location.path for r in catalog.records()}
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(6, 9))
    reads.clear()

    quick = backup(root, dest, CheckMode.AUTO)  # the last full check is new: a quick one

    assert quick.ok and not quick.full_check
    assert quick.trusted >= len(old) and quick.copied == 3
    assert not old & set(reads), "unchanged messages were read again"
    assert [path for path in reads if path.startswith("test/")]  # the new ones were checked
    verify_ok(dest / "archive", 9)
    assert backup(root, dest, CheckMode.FULL).intact == quick.files


def test_rot_a_quick_run_cannot_see_is_repaired_by_the_full_check(
    dovecot, imap_user, account, password, tmp_path
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(4))
    assert backup(root, dest, CheckMode.FULL).ok
    with Catalog.open(root) as catalog:
        record = catalog.records()[1]
    copy = dest / "archive" / record.location.path
    stat = copy.stat()
    data = bytearray(copy.read_bytes())
    data[100] ^= 0x20
    copy.write_bytes(bytes(data))  # same size; and the same time, as bit rot leaves it
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    assert backup(root, dest, CheckMode.QUICK).replaced == 0  # trusted: not read
    full = backup(root, dest, CheckMode.FULL)
    assert full.ok and full.replaced == 1 and full.full_check
    assert copy.read_bytes() == (root / record.location.path).read_bytes()
    verify_ok(dest / "archive", 4)


def test_auto_reads_everything_when_the_last_full_check_is_old(
    dovecot, imap_user, account, password, tmp_path
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(3))
    assert backup(root, dest, CheckMode.FULL).ok
    assert not backup(root, dest, CheckMode.AUTO).full_check
    record = json.loads((dest / BACKUP_RECORD).read_bytes())
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=FULL_CHECK_DAYS + 1)
    record["full_check"] = old.isoformat(timespec="seconds")
    (dest / BACKUP_RECORD).write_text(json.dumps(record), encoding="utf-8")

    again = backup(root, dest, CheckMode.AUTO)

    assert again.full_check and again.trusted == 0 and again.ok
    assert json.loads((dest / BACKUP_RECORD).read_bytes())["full_check"] > record["full_check"]


def test_a_damaged_list_of_checked_files_trusts_nothing(
    dovecot, imap_user, account, password, tmp_path
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(3))
    assert backup(root, dest, CheckMode.FULL).ok
    (dest / CHECKED_LIST).write_text("{not json", encoding="utf-8")
    quick = backup(root, dest, CheckMode.QUICK)
    assert quick.ok and quick.trusted == 0 and quick.intact == quick.files


def test_destination_gone_during_a_quick_run_is_a_clear_error(
    dovecot, imap_user, account, password, tmp_path
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(4))
    assert backup(root, dest, CheckMode.FULL).ok
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(4, 8))

    def unplug(progress: Progress) -> None:
        if progress.done >= 2 and dest.exists():
            shutil.rmtree(dest)

    with pytest.raises(BackupDestinationMissing, match="went away during the backup"):
        run_backup(root, dest, check=CheckMode.QUICK, report=unplug, cancel=CancelToken())
    assert backup(root, dest, CheckMode.AUTO).ok  # plugged in again: a fresh, full backup
