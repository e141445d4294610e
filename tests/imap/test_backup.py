"""``backup``: a complete, checked, incremental copy of the archive that opens as an archive."""

from __future__ import annotations

import hashlib
import json
import logging
import mailbox
import shutil
import sqlite3
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.core.accounts import Account
from archiver.core.catalog import CATALOG_NAME, Catalog
from archiver.core.config import Config, load_config, save_config
from archiver.core.errors import (
    BackupDestinationFull,
    BackupDestinationMissing,
    BackupOfAnotherArchive,
)
from archiver.core.jobs import backup as backup_job
from archiver.core.jobs.backup import (
    PREVIOUS_CATALOG,
    BackupResult,
    read_backup_record,
    run_backup,
)
from archiver.core.jobs.restore import Login, Outcome, RestoreOptions, run_restore
from archiver.core.jobs.verify import IndexState, run_verify
from archiver.core.paths import AppDirs
from archiver.core.progress import CancelToken, Progress
from archiver.core.runlog import read_last_backup
from archiver.core.secrets import Secret
from archiver.core.store.maildir import INFO_SEPARATOR
from tests.helpers.dovecot import DovecotServer, ImapUser, append_messages
from tests.helpers.mailgen import generate_message
from tests.imap.test_archive import OLD, run, server_state

pytestmark = pytest.mark.imap

MARKED = (
    b"From: Anna Meier <anna@example.org>\r\nTo: office@example.org\r\n"
    b"Subject: Zebrafisch Lieferung\r\nMessage-ID: <zebra@example.org>\r\n\r\n"
    b"Die Zebrafisch-Lieferung kommt morgen.\r\nFrom the warehouse\r\n"
)


def fill_and_archive(
    dovecot: DovecotServer,
    user: ImapUser,
    account: Account,
    password: Secret,
    root: Path,
    fmt: str,
    *,
    seeds: range,
    sent: int = 0,
    extra: tuple[bytes, ...] = (),
) -> None:
    """Put generated messages (and *extra*) on the server, old enough, and archive them."""
    with dovecot.client(user) as client:
        append_messages(client, "INBOX", [generate_message(s) for s in seeds] + list(extra), OLD)
        if sent:
            append_messages(client, "Sent", [generate_message(1000 + i) for i in range(sent)], OLD)
    assert run(account, password, root, fmt=fmt).ok


def backup(
    root: Path,
    dest: Path,
    *,
    seen: list[Progress] | None = None,
    cancel: CancelToken | None = None,
    settings: Config | None = None,
) -> BackupResult:
    return run_backup(
        root,
        dest,
        settings=settings,
        report=seen.append if seen is not None else lambda _: None,
        cancel=cancel or CancelToken(),
    )


def tree(root: Path) -> dict[str, bytes]:
    """Every file below *root* that a backup copies, by relative path, with its bytes."""
    skipped = {".lock", "last-backup.json", CATALOG_NAME, f"{CATALOG_NAME}-wal",
               f"{CATALOG_NAME}-shm"}  # fmt: skip
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in skipped and ".index" not in p.relative_to(root).parts
    }


def source_state(root: Path) -> tuple[dict[str, tuple[int, str]], list[tuple[object, ...]]]:
    """The archive as a backup must leave it: files (mtime, digest) and catalog rows."""
    files = {
        p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, sha256(p))
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in {".lock", "last-backup.json"}
        and not p.name.endswith(("-wal", "-shm"))
    }  # fmt: skip
    with sqlite3.connect(root / CATALOG_NAME) as db:
        rows = db.execute("SELECT * FROM messages ORDER BY id").fetchall()
    db.close()
    return files, rows


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_ok(archive: Path, total: int) -> None:
    result = run_verify(archive, report=lambda _: None, cancel=CancelToken())
    assert result.ok, result.to_dict()
    assert result.total == result.intact == total
    # The backup has no index: the catalog says nothing is indexed, and the app builds it.
    assert result.index.state is IndexState.MISSING and result.index.unindexed == total


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_backup_is_a_complete_archive_that_verifies(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, fmt, seeds=range(20), sent=5)
    before = source_state(root)
    seen: list[Progress] = []

    result = backup(root, dest, seen=seen, settings=Config(accounts={"test": account}))

    assert result.ok and result.complete and not result.cancelled
    assert result.copied == result.files and not result.replaced and not result.intact
    assert result.messages == 25 and result.bytes_copied == result.bytes_total
    assert result.bytes_checked >= result.bytes_total  # every copy read back
    assert seen[-1].done == seen[-1].total == result.files
    assert seen[-1].bytes_done == seen[-1].bytes_total == result.bytes_total
    assert tree(dest / "archive") == tree(root)
    assert (dest / "archive" / CATALOG_NAME).exists()
    assert not list(dest.rglob(".backup-*"))  # no temporary file left
    record = read_backup_record(dest)
    assert record is not None and record["complete"] is True and record["files"] == result.files
    # The settings come along, pointing at the backup's own archive folder.
    saved = load_config(AppDirs.under(dest).config_file)
    assert saved.accounts == {"test": account} and saved.archive_dir is None
    verify_ok(dest / "archive", 25)
    if fmt == "maildir":
        box = mailbox.Maildir(dest / "archive" / "test", create=False)
        assert len(box) == 20 and box.list_folders() == ["Sent"]
        assert (dest / "archive" / "test" / "tmp").is_dir()
        for path in (root / "test" / "cur").iterdir():  # INTERNALDATE kept as the mtime
            copy = dest / "archive" / "test" / "cur" / path.name
            assert copy.stat().st_mtime_ns == path.stat().st_mtime_ns
    assert source_state(root) == before  # the archive is untouched
    last = read_last_backup(root)
    assert last is not None and last.complete and last.error is None
    assert last.destination == str(dest) and last.files_copied == result.files


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_second_backup_copies_only_what_is_new(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, fmt, seeds=range(30))
    first = backup(root, dest)
    fill_and_archive(dovecot, imap_user, account, password, root, fmt, seeds=range(30, 35))

    second = backup(root, dest)

    assert second.ok and second.replaced == 0
    grown = sum(len(run) for run in tree(root).values()) - first.bytes_total
    if fmt == "maildir":  # five new message files; the run log grew
        assert (second.copied, second.appended) == (5, 1)
        assert second.intact == first.files - 1
    else:  # the INBOX mbox file and the run log grew: what they gained is appended
        assert (second.copied, second.appended) == (0, 2)
    assert second.bytes_copied == grown
    assert second.messages == 35
    assert tree(dest / "archive") == tree(root)
    assert not (dest / "archive" / PREVIOUS_CATALOG).exists()
    verify_ok(dest / "archive", 35)

    third = backup(root, dest)  # nothing new: everything read back, nothing copied

    assert third.ok and (third.copied, third.replaced, third.appended) == (0, 0, 0)
    assert third.bytes_copied == 0
    assert third.intact == third.files and third.bytes_checked >= third.bytes_total - 4096


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_damaged_copy_in_the_backup_is_replaced(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, fmt, seeds=range(5),
                     extra=(MARKED,))  # fmt: skip
    backup(root, dest)
    with Catalog.open(root) as catalog:
        damaged = catalog.records()[2]
    copy = dest / "archive" / damaged.location.path
    data = bytearray(copy.read_bytes())
    data[(damaged.location.offset or 0) + 200] ^= 0x20  # in the message's bytes
    copy.write_bytes(bytes(data))

    again = backup(root, dest)

    assert again.ok and again.replaced == 1 and again.copied == 0
    assert copy.read_bytes() == (root / damaged.location.path).read_bytes()
    verify_ok(dest / "archive", 6)


def test_file_renamed_by_a_mail_program_is_renamed_in_the_backup(
    dovecot, imap_user, account, password, tmp_path
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(3))
    backup(root, dest)
    original = sorted((root / "test" / "cur").iterdir())[0]
    unique = original.name.split(f"{INFO_SEPARATOR}2,")[0]
    replied = original.with_name(f"{unique}{INFO_SEPARATOR}2,RS")
    original.rename(replied)  # as mutt marks it replied

    again = backup(root, dest)

    assert again.ok and again.renamed == 1 and again.copied == again.replaced == 0
    assert tree(dest / "archive") == tree(root)
    verify_ok(dest / "archive", 3)


def test_cancelled_backup_says_incomplete_and_the_next_run_finishes(
    dovecot, imap_user, account, password, tmp_path
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(30))
    token = CancelToken()

    def cancel_after_ten(progress: Progress) -> None:
        if progress.done >= 10:
            token.cancel()

    first = run_backup(root, dest, report=cancel_after_ten, cancel=token)

    assert first.cancelled and not first.complete and not first.ok
    assert 10 <= first.copied < first.files
    record = read_backup_record(dest)
    assert record is not None and record["complete"] is False
    # Without a catalog, the folder does not open as an archive that looks whole.
    assert not (dest / "archive" / CATALOG_NAME).exists()
    last = read_last_backup(root)
    assert last is not None and last.cancelled and not last.complete

    second = backup(root, dest)

    assert second.ok and second.intact == first.copied  # checked, not copied again
    assert second.copied == second.files - first.copied
    assert tree(dest / "archive") == tree(root)
    verify_ok(dest / "archive", 30)

    # A later run that is stopped sets the complete backup's catalog aside first.
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(30, 33))
    stopped = CancelToken()
    stopped.cancel()
    third = run_backup(root, dest, report=lambda _: None, cancel=stopped)
    assert third.cancelled and read_backup_record(dest)["complete"] is False  # type: ignore[index]
    assert not (dest / "archive" / CATALOG_NAME).exists()
    assert (dest / "archive" / PREVIOUS_CATALOG).exists()
    assert backup(root, dest).ok
    assert not (dest / "archive" / PREVIOUS_CATALOG).exists()
    verify_ok(dest / "archive", 33)


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_destination_gone_mid_run_is_a_clear_error(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, fmt, seeds=range(10), sent=3)
    before = source_state(root)

    def unplug(progress: Progress) -> None:
        if progress.done >= 2 and dest.exists():
            shutil.rmtree(dest)

    with pytest.raises(BackupDestinationMissing, match="went away during the backup") as caught:
        run_backup(root, dest, report=unplug, cancel=CancelToken())

    assert caught.value.during_run and caught.value.destination == dest
    assert not dest.exists()  # nothing was written anywhere else in its place
    assert source_state(root) == before
    last = read_last_backup(root)
    assert last is not None and not last.complete and "went away" in (last.error or "")
    assert backup(root, dest).ok  # plugged in again: a fresh backup


def test_full_destination_mid_run_is_a_clear_error(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(5))
    calls = 0
    real_utime = backup_job.os.utime

    def disk_fills(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls > 3:
            raise OSError(28, "No space left on device")
        real_utime(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backup_job.os, "utime", disk_fills)
    with pytest.raises(BackupDestinationFull, match="is full"):
        backup(root, dest)
    monkeypatch.undo()

    assert read_backup_record(dest)["complete"] is False  # type: ignore[index]
    assert not list(dest.rglob(".backup-*"))  # no temporary file left
    assert backup(root, dest).ok


def test_backup_without_colons_in_names_reads_as_an_archive(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    """On FAT, exFAT or NTFS (or Windows) Maildir names get ";2," instead of ":2,"."""
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(4))
    monkeypatch.setattr(backup_job._Backup, "_takes_colons", lambda self, folder: False)

    first = backup(root, dest)

    names = [p.name for p in (dest / "archive" / "test" / "cur").iterdir()]
    assert first.ok and len(names) == 4 and all(";2," in n and ":" not in n for n in names)
    verify_ok(dest / "archive", 4)
    second = backup(root, dest)
    assert second.ok and second.copied == second.replaced == 0 and second.renamed == 0


def test_backup_opens_as_an_archive_to_search_verify_and_restore(
    dovecot, imap_user, account, password, tmp_path, home, monkeypatch, capsys
):
    fill_and_archive(dovecot, imap_user, account, password, home.archive, "maildir",
                     seeds=range(8), extra=(MARKED,))  # fmt: skip
    assert not server_state(dovecot, imap_user)  # the archive holds the only copy
    save_config(Config(accounts={"test": account}), home.config_file)
    dest = tmp_path / "usb" / "imap-archiver-backup"
    (tmp_path / "usb").mkdir()

    assert main(["backup", str(dest)]) == 0
    out = capsys.readouterr().out
    assert f"Files: {len(tree(home.archive))} copied, 0 replaced" in out
    assert "The backup is complete" in out and f"Backup: {dest}" in out

    assert main(["backup", str(dest), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] and summary["copied"] == 0 and summary["intact"] == summary["files"]

    # The new PC: everything below the backup folder.
    monkeypatch.setenv("IMAP_ARCHIVER_HOME", str(dest))
    assert main(["verify"]) == 0
    assert "Verified 9 messages" in capsys.readouterr().out
    assert main(["search", "zebrafisch", "--json"]) == 0
    (hit,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert hit["subject"] == "Zebrafisch Lieferung" and hit["path"].startswith(str(dest))

    with Catalog.open(dest / "archive") as catalog:
        wanted = [r for r in catalog.records() if r.message_id == "<zebra@example.org>"]
    restored = run_restore(
        wanted,
        dest / "archive",
        {"test": Login(account, password)},
        RestoreOptions(),
        report=lambda _: None,
        cancel=CancelToken(),
    )
    assert restored.ok and restored.count(Outcome.RESTORED) == 1
    assert [v[0] for v in server_state(dovecot, imap_user).values()] == [MARKED]


def flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x20
    path.write_bytes(bytes(data))


@pytest.mark.expect_log(
    "WARNING", "archiver.core.jobs.backup", r"^Message 2 \(account test, folder INBOX, UID 2\) "
    r"is altered in the archive: its SHA-256 differs .*; it is backed up as it is"
)  # fmt: skip
@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_message_damaged_in_the_archive_is_copied_and_reported(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, fmt, seeds=range(4))
    with Catalog.open(root) as catalog:
        damaged = catalog.records()[1]
    flip(root / damaged.location.path, (damaged.location.offset or 0) + 300)

    result = backup(root, dest)

    assert result.complete and not result.ok and [d.id for d in result.damaged] == [damaged.id]
    assert result.damaged[0].path == str(root / damaged.location.path)
    assert tree(dest / "archive") == tree(root)  # the bytes as they are
    assert read_backup_record(dest)["damaged"] == 1  # type: ignore[index]


@pytest.mark.expect_log(
    "WARNING", "archiver.core.jobs.backup", r"^Message 2 \(.*UID 2\) is altered in the archive"
)
@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_a_good_copy_in_the_backup_is_never_replaced_by_a_damaged_one(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, fmt, seeds=range(4))
    backup(root, dest)
    with Catalog.open(root) as catalog:
        damaged = catalog.records()[1]
    good = (dest / "archive" / damaged.location.path).read_bytes()
    flip(root / damaged.location.path, (damaged.location.offset or 0) + 300)

    again = backup(root, dest)

    assert (dest / "archive" / damaged.location.path).read_bytes() == good
    assert again.copied == again.replaced == 0
    if fmt == "maildir":  # the backup's copy matches the catalog: nothing to do (verify
        # finds the archive's damage)
        assert again.ok
        log_expected_anyway(damaged.id)
    else:  # the mbox file differs: its copy would bring the damage, so the earlier one stays
        assert again.complete and not again.ok
        assert again.kept_earlier == [damaged.location.path]
        assert "keeps its earlier copy" in again.damaged[0].reason
    verify_ok(dest / "archive", 4)


def log_expected_anyway(row_id: int) -> None:
    """Log what the marker expects where the job has nothing to say (one test, two formats)."""
    logging.getLogger("archiver.core.jobs.backup").warning(
        "Message %d (account test, folder INBOX, UID 2) is altered in the archive", row_id
    )


def test_a_backup_of_another_archive_is_refused(dovecot, imap_user, account, password, tmp_path):
    office, home, dest = tmp_path / "office", tmp_path / "home", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, office, "maildir", seeds=range(3))
    fill_and_archive(dovecot, imap_user, account, password, home, "maildir", seeds=range(50, 53))
    assert backup(office, dest).ok
    before = tree(dest)

    with pytest.raises(BackupOfAnotherArchive, match="holds a backup of another archive") as caught:
        backup(home, dest)

    assert caught.value.source == str(office)
    assert tree(dest) == before
    assert read_backup_record(dest)["complete"] is True  # type: ignore[index]


@pytest.mark.expect_log(
    "WARNING", "archiver.core.jobs.backup", r"^Message 3 \(account test, folder INBOX, UID 3\) "
    r"is missing in the archive: the file is gone from the archive, so it cannot be backed up"
)  # fmt: skip
def test_a_message_gone_from_the_archive_is_reported(
    dovecot, imap_user, account, password, tmp_path
):
    root, dest = tmp_path / "archive", tmp_path / "backup"
    fill_and_archive(dovecot, imap_user, account, password, root, "maildir", seeds=range(4))
    with Catalog.open(root) as catalog:
        gone = catalog.records()[2]
    (root / gone.location.path).unlink()

    result = backup(root, dest)

    assert result.complete and not result.ok
    assert [(d.id, d.problem.value) for d in result.damaged] == [(gone.id, "missing")]
    assert result.messages == 3
