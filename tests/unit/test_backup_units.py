"""``backup`` without a mail server: refusals, file system limits, full and vanishing disks."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.core.catalog import CATALOG_NAME, Catalog
from archiver.core.config import Config, load_config
from archiver.core.errors import (
    ArchiverError,
    BackupCopyFailed,
    BackupDestinationForeign,
    BackupDestinationFull,
    BackupDestinationInvalid,
    BackupDestinationMissing,
    BackupDestinationReadOnly,
    BackupFileTooLarge,
)
from archiver.core.jobs import backup as backup_job
from archiver.core.jobs.backup import BACKUP_RECORD, BackupResult, read_backup_record, run_backup
from archiver.core.jobs.verify import run_verify
from archiver.core.progress import CancelToken, Progress
from archiver.core.runlog import read_last_backup
from archiver.core.volumes import (
    FAT_MAX_FILE,
    Mount,
    filesystem_type,
    max_file_size,
    mount_of,
    parse_mountinfo,
)
from tests.helpers.smallarchive import archive_maildir

MOUNTINFO = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 253:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
45 27 8:17 / /media/anna/USB\\040STICK rw,nosuid shared:30 - vfat /dev/sdb1 rw,fmask=0022
46 45 8:18 / /media/anna/USB\\040STICK/inner rw - exfat /dev/sdb2 rw
broken line
"""


def test_mountinfo_is_parsed_with_escapes_and_the_deepest_mount_wins():
    mounts = parse_mountinfo(MOUNTINFO)

    assert mounts[2] == Mount("/media/anna/USB STICK", "vfat")
    assert len(mounts) == 4
    assert mount_of(Path("/media/anna/USB STICK/Sicherung"), mounts) == mounts[2]
    assert mount_of(Path("/media/anna/USB STICK/inner/x"), mounts) == mounts[3]
    assert mount_of(Path("/home/anna"), mounts) == mounts[1]
    assert mount_of(Path("/media/anna/USB STICKER"), mounts) == mounts[1]


def test_only_fat_limits_the_file_size():
    assert max_file_size("vfat") == max_file_size("FAT32") == FAT_MAX_FILE == 2**32 - 1
    assert max_file_size("exfat") is None and max_file_size("NTFS") is None
    assert max_file_size(None) is None


def test_this_systems_file_system_is_found(tmp_path):
    fs_type = filesystem_type(tmp_path)
    if sys.platform.startswith("linux") or sys.platform == "win32":
        assert fs_type  # ext4, tmpfs, overlay ...; NTFS


def make_archive(root: Path, files: dict[str, bytes] | None = None) -> Path:
    """An archive without messages: a catalog, and *files* (a Maildir tree by default)."""
    root.mkdir(parents=True, exist_ok=True)
    Catalog.open(root).close()
    default = {"office/.format": b"maildir\n", "office/cur/note.eml": b"Subject: x\r\n\r\nx\r\n",
               "runs.jsonl": b"{}\n"}  # fmt: skip
    for relative, data in (default if files is None else files).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return root


def backup(root: Path, dest: Path, **kwargs: object) -> BackupResult:
    return run_backup(root, dest, report=lambda _: None, cancel=CancelToken(), **kwargs)  # type: ignore[arg-type]


def listing(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*"))


def test_a_folder_of_other_files_is_refused_and_left_alone(tmp_path):
    root = make_archive(tmp_path / "archive")
    dest = tmp_path / "Fotos"
    (dest / "Urlaub").mkdir(parents=True)
    (dest / "Urlaub" / "strand.jpg").write_bytes(b"jpeg")
    (dest / "liste.txt").write_text("x")

    with pytest.raises(BackupDestinationForeign, match="no backup made by imap-archiver") as caught:
        backup(root, dest)

    assert caught.value.entries == ["Urlaub", "liste.txt"]
    assert listing(dest) == ["Urlaub", "Urlaub/strand.jpg", "liste.txt"]
    last = read_last_backup(root)
    assert last is not None and not last.complete and "not empty" in (last.error or "")


def test_an_empty_disk_with_system_folders_is_taken(tmp_path):
    root = make_archive(tmp_path / "archive")
    dest = tmp_path / "usb"
    (dest / "System Volume Information").mkdir(parents=True)
    (dest / "lost+found").mkdir()

    result = backup(root, dest)

    assert result.ok and (dest / "archive" / "office" / "cur" / "note.eml").exists()
    assert (dest / "System Volume Information").is_dir()


@pytest.mark.parametrize("where", ["same", "inside", "around"])
def test_the_archive_itself_is_refused(tmp_path, where):
    root = make_archive(tmp_path / "home" / "archive")
    dest = {"same": root, "inside": root / "backup", "around": tmp_path / "home"}[where]
    before = listing(tmp_path)

    with pytest.raises(BackupDestinationInvalid, match="lies inside it or holds it"):
        backup(root, dest)

    assert listing(tmp_path) == before


def test_a_missing_disk_and_a_file_are_refused(tmp_path):
    root = make_archive(tmp_path / "archive")
    with pytest.raises(BackupDestinationMissing, match="Is the disk connected") as caught:
        backup(root, tmp_path / "media" / "usb" / "backup")
    assert not caught.value.during_run
    (tmp_path / "file").write_text("x")
    with pytest.raises(BackupDestinationInvalid, match="is a file"):
        backup(root, tmp_path / "file")
    with pytest.raises(ArchiverError, match="no archive"):
        backup(tmp_path / "nothing", tmp_path / "b")


def test_an_archive_without_messages_backs_up_and_verifies(tmp_path):
    root = make_archive(
        tmp_path / "archive", {"office/.format": b"maildir\n", "runs.jsonl": b"{}\n"}
    )
    seen: list[Progress] = []

    result = run_backup(root, tmp_path / "b", report=seen.append, cancel=CancelToken())

    assert result.ok and result.files == 2 and result.copied == 2 and result.messages == 0
    assert seen[-1] == Progress(2, 2, "office", result.bytes_total, result.bytes_total)
    assert run_verify(tmp_path / "b" / "archive", report=lambda _: None, cancel=CancelToken()).ok
    assert read_backup_record(tmp_path / "b")["complete"] is True  # type: ignore[index]


def test_a_disk_without_file_modes_is_taken(tmp_path, monkeypatch):
    """FAT, exFAT and network shares refuse chmod; their mount options decide the modes."""
    root = make_archive(tmp_path / "archive")
    dest = tmp_path / "usb"
    real = os.chmod

    def refuse(path: object, *args: object, **kwargs: object) -> None:
        if str(path).startswith(str(dest)):
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "chmod", refuse)
    settings = Config(archive_format="mbox", archive_dir=tmp_path / "elsewhere")

    result = backup(root, dest, settings=settings)

    assert result.ok and result.settings
    assert load_config(dest / "config" / "config.json") == Config(archive_format="mbox")


def test_backup_record_must_be_ours(tmp_path):
    assert read_backup_record(tmp_path) is None
    (tmp_path / BACKUP_RECORD).write_text('{"kind": "something else"}')
    assert read_backup_record(tmp_path) is None
    (tmp_path / BACKUP_RECORD).write_text("not json")
    assert read_backup_record(tmp_path) is None


def test_file_too_large_for_fat_is_refused_before_copying(tmp_path, monkeypatch):
    root = make_archive(tmp_path / "archive", {"office/.format": b"mbox\n"})
    with (root / "office" / "INBOX").open("wb") as big:  # sparse: no disk space used
        big.truncate(FAT_MAX_FILE + 1)
    monkeypatch.setattr(backup_job, "filesystem_type", lambda path: "vfat")
    dest = tmp_path / "usb"

    with pytest.raises(BackupFileTooLarge, match="formatted vfat") as caught:
        backup(root, dest)

    assert caught.value.files == [("office/INBOX", FAT_MAX_FILE + 1)]
    assert caught.value.limit == FAT_MAX_FILE
    assert listing(dest) == []  # nothing written


def test_efbig_while_writing_is_explained(tmp_path, monkeypatch):
    root = make_archive(tmp_path / "archive")

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EFBIG, "File too large")

    monkeypatch.setattr(backup_job.os, "utime", refuse)
    with pytest.raises(BackupFileTooLarge, match="takes files"):
        backup(root, tmp_path / "b")


def test_a_failing_disk_is_a_copy_error(tmp_path, monkeypatch):
    root = make_archive(tmp_path / "archive")

    def failing(paths: object, directory: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(backup_job, "sync_files", failing)
    with pytest.raises(BackupCopyFailed, match="disk failing, or was it disconnected"):
        backup(root, tmp_path / "b")
    assert not list((tmp_path / "b").rglob(".backup-*"))  # the batch's copies are removed
    monkeypatch.undo()
    assert backup(root, tmp_path / "b").ok


def test_a_copy_that_reads_back_wrong_is_a_copy_error(tmp_path, monkeypatch):
    root = make_archive(tmp_path / "archive")
    real = backup_job.digest_file

    def flipping(path: Path) -> tuple[str, int]:
        digest, size = real(path)
        return ("0" * 64 if ".backup-" in path.name else digest), size

    monkeypatch.setattr(backup_job, "digest_file", flipping)
    with pytest.raises(BackupCopyFailed, match="reads back different from the archive"):
        backup(root, tmp_path / "b")
    assert not list((tmp_path / "b").rglob(".backup-*"))


def test_the_command_line_refuses_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IMAP_ARCHIVER_HOME", str(tmp_path / "home"))
    make_archive(tmp_path / "home" / "archive")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x").write_text("x")

    assert main(["backup", str(tmp_path / "other")]) == 1

    err = capsys.readouterr().err
    assert err.startswith("imap-archiver: error: The folder") and err.count("\n") == 1
    assert main(["backup", str(tmp_path / "b")]) == 0
    assert "The backup is complete" in capsys.readouterr().out


# --- real small and vanishing disks (mounting needs root) ----------------------------------


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A mount point, and the options to mount a tmpfs there (unmounted after the test)."""
    if sys.platform != "linux":
        pytest.skip("tmpfs mounts are Linux's")
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    point = tmp_path / "disk"
    point.mkdir()
    yield point, []
    subprocess.run(["umount", "-l", str(point)], check=False, capture_output=True)


def mount(point: Path, *options: str) -> None:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(point)],
        check=False,
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace')}")


def test_a_small_disk_is_refused_before_copying(tmp_path, tmpfs):
    point, _ = tmpfs
    mount(point, "size=64k")
    root = make_archive(tmp_path / "archive", {"runs.jsonl": b"x" * 200_000})

    with pytest.raises(BackupDestinationFull, match="too small") as caught:
        backup(root, point / "backup")

    assert caught.value.needed is not None and caught.value.needed > 200_000
    assert caught.value.free is not None and caught.value.free <= 64 * 1024


def test_a_read_only_disk_is_refused(tmp_path, tmpfs):
    point, _ = tmpfs
    mount(point, "size=1m")
    (point / "backup").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    root = make_archive(tmp_path / "archive")

    with pytest.raises(BackupDestinationReadOnly, match="cannot be written"):
        backup(root, point / "backup")


def test_a_disk_unmounted_mid_run_is_a_clear_error(tmp_path, tmpfs):
    point, _ = tmpfs
    mount(point, "size=4m")
    files = {f"office/cur/{i:03d}.eml": b"Subject: x\r\n\r\n" + b"y" * 1000 for i in range(20)}
    root = make_archive(tmp_path / "archive", {"office/.format": b"maildir\n", **files})
    dest = point / "backup"

    def unplug(progress: Progress) -> None:
        if progress.done == 5:
            subprocess.run(["umount", "-l", str(point)], check=True)

    with pytest.raises(BackupDestinationMissing, match="went away") as caught:
        run_backup(root, dest, report=unplug, cancel=CancelToken())

    assert caught.value.during_run
    assert listing(point) == []  # nothing went to the disk below the mount point
    assert (root / CATALOG_NAME).exists() and len(list((root / "office" / "cur").iterdir())) == 20


def test_a_grown_file_gets_its_new_part_appended_and_a_differing_one_is_copied_whole(tmp_path):
    root = make_archive(tmp_path / "archive", {"runs.jsonl": b"one\n" * 1000})
    dest = tmp_path / "b"
    log = dest / "archive" / "runs.jsonl"
    assert backup(root, dest).ok

    with (root / "runs.jsonl").open("ab") as grown:
        grown.write(b"two\n" * 10)
    appended = backup(root, dest)
    assert appended.ok and (appended.appended, appended.bytes_copied) == (1, 40)
    assert log.read_bytes() == (root / "runs.jsonl").read_bytes()

    log.write_bytes(log.read_bytes()[:-25])  # an append cut short: still the beginning
    finished = backup(root, dest)
    assert finished.ok and (finished.appended, finished.bytes_copied) == (1, 25)

    log.write_bytes(b"ONE\n" + log.read_bytes()[4:-8])  # shorter, and not the beginning
    whole = backup(root, dest)
    assert whole.ok and (whole.appended, whole.replaced, whole.bytes_copied) == (0, 1, 4040)
    assert log.read_bytes() == (root / "runs.jsonl").read_bytes()


def test_backup_command_checks_quickly_after_a_full_check_unless_told(home, tmp_path, capsys):
    archive_maildir(home.archive, range(1, 4))
    dest = tmp_path / "usb"
    assert main(["backup", str(dest)]) == 0
    assert "Quick check" not in capsys.readouterr().out  # the first one reads everything
    assert main(["backup", str(dest)]) == 0
    assert "Quick check: 4 files checked by an earlier backup" in capsys.readouterr().out
    assert main(["backup", "--full-check", str(dest)]) == 0
    assert "Quick check" not in capsys.readouterr().out
