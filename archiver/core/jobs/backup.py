"""Back up the archive into a folder that is a complete archive of its own.

The backup folder DEST is laid out as ``IMAP_ARCHIVER_HOME`` is, so that
``IMAP_ARCHIVER_HOME=DEST`` (or choosing ``DEST/archive`` as the archive folder) opens it::

    DEST/imap-archiver-backup.json   the backup's record: ours, and whether it is complete
    DEST/archive/                    the archive: account trees, catalog.sqlite3
    DEST/config/config.json          the settings, without the archive folder (no password)

What is copied: every file of the archive's folder but the lock, the search index (derived
data, rebuilt from the catalog when missing), the spool folders and our own temporary files;
Maildir ``tmp/`` folders are created empty. The catalog is copied as one consistent state
with SQLite's backup API, into a temporary file first; its marks of what the search index
holds are cleared (the backup has no index yet), and it is put in place last.

Incremental: a Maildir file the catalog knows is copied only when the backup lacks it or its
copy there differs from the catalog's size and SHA-256; one another mail program renamed in
the archive (new flags, same unique name) is renamed in the backup too. Other files (mbox
files, markers, files no catalog row knows) are compared whole, size and SHA-256 of archive
and backup; one that grew and whose backup is exactly its beginning gets the new part
appended, any other difference means a copy of the whole file; the mbox regions the catalog
knows in what was copied are then checked against the catalog. Each copy is written to a
temporary file, synced (in batches), read back and checked before it is renamed into place,
so a file in place in the backup is always a checked one, and a copy found damaged by a later
run is replaced. A good copy in the backup is never replaced by a damaged one: a message
damaged in the archive is reported, and copied only where the backup has no intact copy.
Quick or full check: a full run reads every file already in the backup back and checks it
(against the catalog's SHA-256, or the archive's file); on a slow network share that is most
of the time of each run. The backup keeps its own list of the files it checked
(``imap-archiver-checked.json``: size, modification time and SHA-256 of each), and a quick
run trusts a file there whose size and modification time are unchanged since, in the backup
and (for files that are not messages the catalog knows) in the archive; only what is new or
changed is copied, read back and checked. A quick run cannot see a file that rotted on the
backup disk without changing size or time, so CheckMode.AUTO (the app's and the command
line's default) makes a run full when the last full one is older than FULL_CHECK_DAYS.

Refused before anything is written: a folder that is not empty and holds no backup of ours,
the archive itself (or a folder inside it or around it), a backup of another archive, files
larger than the backup's file system takes, and more bytes than it has room for.

Honest when interrupted: before anything else is written, the record says the backup is
incomplete and an earlier catalog is moved aside (so the folder does not open as an archive
that looks whole); only after every file was checked is the new catalog put in place and the
record marked complete. The next run continues: what is in place and checks out is not
copied again. Nothing in the archive is ever changed (only ``last-backup.json`` is written
there), and in the backup folder nothing is deleted but our own temporary files and the
catalog an earlier run of ours put there: files the archive no longer has stay, as they may
be the last good copy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import errno
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from archiver.core.catalog import CATALOG_NAME, Catalog, Location, Record, State
from archiver.core.config import Config, save_config
from archiver.core.errors import (
    READ_ONLY_ERRNOS,
    ArchiverError,
    BackupCopyFailed,
    BackupDestinationForeign,
    BackupDestinationFull,
    BackupDestinationInvalid,
    BackupDestinationMissing,
    BackupDestinationReadOnly,
    BackupError,
    BackupFileTooLarge,
    BackupOfAnotherArchive,
    CatalogDamaged,
    StoreError,
)
from archiver.core.index.location import INDEX_DIR
from archiver.core.jobs.archive import SPOOL_NAME as ARCHIVE_SPOOL
from archiver.core.jobs.restore import SPOOL_NAME as RESTORE_SPOOL
from archiver.core.jobs.verify import Damage, Problem, check_copy
from archiver.core.lock import LOCK_NAME, reading_lock
from archiver.core.paths import AppDirs, create_missing_levels, long_path, replace_file
from archiver.core.progress import Cancelled, CancelToken, Progress, ProgressCallback
from archiver.core.runlog import LAST_BACKUP_NAME, BackupRecord, record_backup
from archiver.core.store import account_trees, require_catalog
from archiver.core.store.base import READ_CHUNK, digest_file, fsync_dir, sync_files
from archiver.core.store.maildir import MESSAGE_DIRS, unique_name
from archiver.core.volumes import filesystem_type, max_file_size

log = logging.getLogger(__name__)

BACKUP_RECORD = "imap-archiver-backup.json"
CHECKED_LIST = "imap-archiver-checked.json"  # files checked: relative -> size, mtime, SHA-256
FULL_CHECK_DAYS = 30  # CheckMode.AUTO reads the whole backup back when the last did not
BACKUP_KIND = "imap-archiver backup"
BACKUP_VERSION = 1
BACKING_UP = "Backing up"
READ_BACK_DIFFERS = "the copy reads back different from the archive"
KEPT_EARLIER = "; the backup keeps its earlier copy of the file, intact there"
COPIED_AS_IT_IS = "; it is backed up as it is"
GONE = "the file is gone from the archive, so it cannot be backed up"
# Rows of a backup's catalog looked for in the archive before the backup is continued.
SAMPLE_ROWS = 200
# Copies synced together (one syncfs on Linux): at most this many files, or bytes.
BATCH_FILES = 200
BATCH_BYTES = 64 * 1024 * 1024
TEMP_PREFIX, TEMP_SUFFIX = ".backup-", ".tmp"
SNAPSHOT_TEMP = f"{TEMP_PREFIX}catalog{TEMP_SUFFIX}"
PREVIOUS_CATALOG = f"{CATALOG_NAME}.previous-backup"
# Entries of the archive folder that are not copied: the lock, derived or passing data, the
# live catalog (its snapshot is), and the archive's own record of its backups.
NOT_COPIED = frozenset(
    {
        LOCK_NAME,
        INDEX_DIR,
        CATALOG_NAME,
        f"{CATALOG_NAME}-wal",
        f"{CATALOG_NAME}-shm",
        f"{CATALOG_NAME}-journal",
        ARCHIVE_SPOOL,  # messages being downloaded
        RESTORE_SPOOL,
        LAST_BACKUP_NAME,
        f"{LAST_BACKUP_NAME}.tmp",
    }
)
# What operating systems put into a disk's top folder: a disk holding only these is empty.
SYSTEM_ENTRIES = frozenset(
    {"System Volume Information", "$RECYCLE.BIN", "lost+found", ".DS_Store", ".Spotlight-V100",
     ".fseventsd", ".Trashes", ".TemporaryItems", "desktop.ini"}
)  # fmt: skip
# errno values of a destination that went away under us (unplugged, share lost).
GONE_ERRNOS = frozenset(
    {errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.ESTALE, errno.ENOTCONN, errno.EHOSTDOWN}
)


class CheckMode(enum.Enum):
    """How much of what is already in the backup a run reads back (see the module)."""

    FULL = "full"  # every file
    QUICK = "quick"  # only what is not on the backup's list of checked files, or changed
    AUTO = "auto"  # quick, but full when the last full check is FULL_CHECK_DAYS old


@dataclass
class BackupResult:
    """The outcome of one backup run.

    ``files``: files of the archive to be in the backup (the catalog aside); of those
    ``copied`` were new there, ``replaced`` were there but damaged or changed and were copied
    again, ``appended`` had grown (mbox files, the run log) and got their new part appended,
    ``renamed`` were renamed there as another mail program renamed them in the archive,
    ``intact`` were there and checked out. ``messages``: catalog rows whose copy in the backup
    was checked, against the catalog's SHA-256 where it was copied in this run, else (an
    unchanged mbox file) as part of a file equal to the archive's. ``damaged``: messages whose
    copy in the *archive* differs from the catalog or is gone (copied as they are; ``verify``
    tells more).
    ``kept_earlier``: mbox files damaged in the archive where the backup's earlier copy is
    intact, which the backup keeps instead. ``full_check``: whether every file in the backup
    was read back; ``trusted``: of the ``intact`` files, those a quick run did not read,
    as an earlier run checked them and they are unchanged since.
    """

    destination: Path
    archive: Path  # the backup's archive folder
    files: int = 0
    copied: int = 0
    replaced: int = 0
    appended: int = 0
    renamed: int = 0
    intact: int = 0
    bytes_total: int = 0
    bytes_copied: int = 0
    bytes_checked: int = 0
    messages: int = 0
    damaged: list[Damage] = field(default_factory=list)
    kept_earlier: list[str] = field(default_factory=list)  # files not replaced, see _back_up
    settings: bool = False  # whether the settings were saved with it
    full_check: bool = True
    trusted: int = 0
    complete: bool = False
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the backup is complete and every message in it matches the catalog."""
        return self.complete and not self.damaged

    def to_dict(self) -> dict[str, object]:
        """Return the result as JSON values."""
        return {
            "destination": str(self.destination),
            "archive": str(self.archive),
            "files": self.files,
            "copied": self.copied,
            "replaced": self.replaced,
            "appended": self.appended,
            "renamed": self.renamed,
            "intact": self.intact,
            "bytes_total": self.bytes_total,
            "bytes_copied": self.bytes_copied,
            "bytes_checked": self.bytes_checked,
            "messages": self.messages,
            "damaged": [d.to_dict() for d in self.damaged],
            "kept_earlier": self.kept_earlier,
            "settings": self.settings,
            "full_check": self.full_check,
            "trusted": self.trusted,
            "complete": self.complete,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
            "ok": self.ok,
        }


@dataclass(frozen=True, slots=True)
class _File:
    """A file of the archive to back up: path relative to the archive folder (``/``), size,
    modification time, and the catalog rows whose bytes it holds (by stored copy)."""

    relative: str
    size: int
    mtime_ns: int
    copies: tuple[tuple[Record, ...], ...] = ()
    is_message: bool = False  # a Maildir file the catalog knows (its bytes are one message)


@dataclass(frozen=True, slots=True)
class _Copied:
    """A file copied to a temporary name in the backup, waiting for its batch's sync.

    ``relative``: its place in the backup's archive folder; ``digest``: SHA-256 of the bytes
    read from the archive; ``earlier``: the size of the backup's earlier copy, if any.
    """

    file: _File
    relative: str
    temp: Path
    digest: str
    earlier: int | None


def run_backup(
    archive_root: Path,
    destination: Path,
    *,
    settings: Config | None = None,
    check: CheckMode = CheckMode.FULL,
    report: ProgressCallback,
    cancel: CancelToken,
) -> BackupResult:
    """Back up the archive at *archive_root* into the folder *destination* (see the module).

    *check* says how much of what is already in the backup is read back (CheckMode).

    *settings*, if given, are saved with the backup, without the archive folder (the backup's
    own is used there). Holds the archive lock (on read-only media: reads without it). A
    cancel stops between two files or two pieces of a large one; the result says so and the
    backup stays marked incomplete. The date and result are written to ``last-backup.json``
    in the archive, whatever the outcome.

    Raises ArchiverError when there is no archive, CatalogMissing/CatalogDamaged for an
    archive without a usable catalog, ArchiveLocked when another job holds it, and a
    BackupError (destination missing, foreign, full, read-only, a file too large for its
    file system, a copy that fails) when the backup cannot be made or completed.
    """
    started = time.monotonic()
    destination = Path(os.path.abspath(destination.expanduser()))
    if not (archive_root / CATALOG_NAME).exists():
        require_catalog(archive_root)  # message files without a catalog: CatalogMissing
        raise ArchiverError(f"There is no archive in {archive_root} to back up yet.")
    _refuse_nesting(archive_root, destination)
    result = BackupResult(destination, AppDirs.under(destination).archive)
    with reading_lock(archive_root):
        try:
            _Backup(archive_root, destination, settings, result, report, cancel, check).run()
        except Cancelled:
            log.info("Backup to %s cancelled; it stays marked incomplete", destination)
            result.cancelled = True
        except ArchiverError as exc:
            result.seconds = time.monotonic() - started
            _record(archive_root, result, str(exc))
            raise
        result.seconds = time.monotonic() - started
        _record(archive_root, result, None)
    log.info(
        "Backup to %s %s: %d files copied, %d replaced, %d appended to, %d renamed, %d intact; "
        "%d bytes copied",
        destination,
        "complete" if result.complete else "incomplete",
        result.copied,
        result.replaced,
        result.appended,
        result.renamed,
        result.intact,
        result.bytes_copied,
    )
    return result


def _record(archive_root: Path, result: BackupResult, error: str | None) -> None:
    record_backup(
        archive_root,
        BackupRecord(
            finished=dt.datetime.now(dt.UTC),
            destination=str(result.destination),
            complete=result.complete,
            cancelled=result.cancelled,
            error=error,
            files_copied=result.copied + result.replaced + result.appended,
            bytes_copied=result.bytes_copied,
            damaged=len(result.damaged),
        ),
    )


def _refuse_nesting(archive_root: Path, destination: Path) -> None:
    """Refuse a backup folder that is the archive, lies inside it, or holds it."""
    source = Path(os.path.realpath(archive_root))
    target = Path(os.path.realpath(destination))
    if target == source or source in target.parents or target in source.parents:
        raise BackupDestinationInvalid(
            f"The backup folder {destination} is the archive folder {archive_root}, lies "
            "inside it or holds it; choose a folder elsewhere, best on another disk.",
            destination,
        )


def read_backup_record(destination: Path) -> dict[str, object] | None:
    """Return the record of the backup in *destination*, or None when there is none of ours."""
    try:
        data = json.loads((destination / BACKUP_RECORD).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") != BACKUP_KIND:
        return None
    return data


def _is_system_entry(name: str) -> bool:
    return name in SYSTEM_ENTRIES or name.startswith(".Trash-")


def _is_ours(name: str) -> bool:
    """Whether *name* is one of our temporary files (an interrupted run may leave one)."""
    return name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX)


class _Backup:
    """One backup run: the archive's files into the backup folder, then the catalog."""

    def __init__(
        self,
        archive_root: Path,
        destination: Path,
        settings: Config | None,
        result: BackupResult,
        report: ProgressCallback,
        cancel: CancelToken,
        check: CheckMode = CheckMode.FULL,
    ) -> None:
        self.source = archive_root
        self.destination = destination
        self.dirs = AppDirs.under(destination)
        self.target = self.dirs.archive
        self.settings = settings
        self.result = result
        self.report = report
        self.cancel = cancel
        self.colon_ok = True  # whether the backup's file system takes ":" in file names
        self.started = dt.datetime.now(dt.UTC)
        self._listings: dict[Path, dict[str, str]] = {}  # backup Maildir: unique -> name
        self._made: set[Path] = set()  # folders of the backup known to exist
        self._bytes_done = 0
        self._done = 0
        self._batch: list[_Copied] = []  # copies waiting for one sync (see _flush)
        self._batch_bytes = 0
        self.check = check
        self.full_checked: str | None = None  # when the last full check finished
        self._checked: dict[str, tuple[int, int, str]] = {}  # the list of an earlier run
        self._now_checked: dict[str, tuple[int, int, str]] = {}  # this run's list

    # --- the run ----------------------------------------------------------------------

    def run(self) -> None:
        """Prepare the backup folder, copy and check every file, then complete the backup."""
        self._open_destination()
        self._choose_check()
        self.colon_ok = self._takes_colons(self.destination)
        with Catalog.open(self.source) as catalog:
            self._refuse_other_archive(catalog)
            files = self._source_files(catalog)
            self.result.files = len(files)
            self.result.bytes_total = sum(f.size for f in files)
            self._preflight(files)
            self._write_record(complete=False)
            self._prepare_target()
            self._snapshot(catalog)
        try:
            self._copy_all(files)
        except BaseException:
            # The catalog's copy is ours and of no use without the files: the next run makes
            # a new one (the destination may be what failed, so this is best effort).
            try:
                (long_path(self.target) / SNAPSHOT_TEMP).unlink(missing_ok=True)
            except OSError as exc:
                log.debug("Cannot remove the catalog's copy: %s", exc)
            raise
        self._save_settings()
        self._place_catalog()
        self.result.complete = True
        if self.result.full_check:
            self.full_checked = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._write_checked()
        self._write_record(complete=True)

    def _copy_all(self, files: list[_File]) -> None:
        """Create the folders, then back up and check each file, reporting progress."""
        self.report(Progress(0, len(files), BACKING_UP, 0, self.result.bytes_total))
        for relative in self._directories():  # Maildir's tmp/ and new/ too, empty or not
            self._ensure_dir(long_path(self.target) / relative)
        try:
            for file in files:
                self.cancel.raise_if_cancelled()
                self._back_up(file)
                self._done += 1
                self._bytes_done += file.size
                self.report(
                    Progress(
                        self._done,
                        len(files),
                        _progress_text(file.relative),
                        self._bytes_done,
                        self.result.bytes_total,
                    )
                )
            self.cancel.raise_if_cancelled()
            self._flush()
        except Cancelled:
            self._flush()  # what is copied so far is kept: the next run need not copy it
            raise
        except BaseException:
            self._drop(self._batch)
            raise

    # --- the backup folder --------------------------------------------------------------

    def _open_destination(self) -> None:
        """Create the backup folder, or accept it: empty, or an earlier backup of ours."""
        destination = self.destination
        if destination.exists() and not destination.is_dir():
            raise BackupDestinationInvalid(
                f"The backup folder {destination} is a file, not a folder.", destination
            )
        if not destination.exists():
            if not destination.parent.is_dir():
                raise BackupDestinationMissing(destination, during_run=False)
            try:
                make_backup_dir(destination)
            except OSError as exc:
                raise self._error(exc, "creating the backup folder") from exc
            return
        if read_backup_record(destination) is not None:
            return
        try:
            entries = sorted(
                e for e in os.listdir(destination) if not (_is_system_entry(e) or _is_ours(e))
            )
        except OSError as exc:
            raise self._error(exc, "reading the backup folder") from exc
        if entries:
            raise BackupDestinationForeign(destination, entries)

    def _refuse_other_archive(self, catalog: Catalog) -> None:
        """Refuse a backup of another archive: one whose catalog lists messages (checked: up
        to SAMPLE_ROWS of them) none of which this archive holds.

        An archive only grows (rows are never removed, and a rebuilt catalog keeps account,
        folder and SHA-256), so a backup of this archive shares its messages; two computers
        backing up to one folder would otherwise mix two archives.
        """
        target = self.target  # SQLite is given plain paths, as the catalog is
        path = next((target / n for n in (CATALOG_NAME, PREVIOUS_CATALOG) if (target / n).exists()),
                    None)  # fmt: skip
        if path is None:
            return
        try:
            backup = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
            try:
                rows = backup.execute(
                    "SELECT account, folder, sha256 FROM messages WHERE state = 'verified' "
                    "ORDER BY id LIMIT ?",
                    (SAMPLE_ROWS,),
                ).fetchall()
            finally:
                backup.close()
        except sqlite3.Error as exc:  # unreadable: ours all the same, and replaced by this run
            log.info("Cannot read the backup's catalog %s: %s", path, exc)
            return
        for account, folder, sha256 in rows:
            if catalog.find_contents(account, folder, [sha256]):
                return
        if rows:
            record = read_backup_record(self.destination) or {}
            raise BackupOfAnotherArchive(self.destination, str(record.get("source", "unknown")))

    def _write_record(self, *, complete: bool) -> None:
        """Write the backup's record durably: temporary file, fsync, rename, fsync folder."""
        result = self.result
        data = {
            "kind": BACKUP_KIND,
            "version": BACKUP_VERSION,
            "complete": complete,
            "source": str(self.source),
            "started": self.started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds") if complete else None,
            "files": result.files,
            "bytes": result.bytes_total,
            "messages": result.messages,
            "damaged": len(result.damaged),
            "full_check": self.full_checked,
        }
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        self._write_small(self.destination / BACKUP_RECORD, text.encode("utf-8"), BACKUP_RECORD)

    def _choose_check(self) -> None:
        """Decide whether this run reads the whole backup back, and read the list of files
        an earlier run checked (a quick run trusts those that are unchanged)."""
        record = read_backup_record(self.destination) or {}
        last = record.get("full_check")
        self.full_checked = last if isinstance(last, str) else None
        quick = self.check is CheckMode.QUICK
        if self.check is CheckMode.AUTO and self.full_checked is not None:
            try:
                age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(self.full_checked)
            except ValueError:
                age = dt.timedelta.max
            quick = age < dt.timedelta(days=FULL_CHECK_DAYS)
        if quick:
            self._checked = _read_checked(self.destination / CHECKED_LIST)
        self.result.full_check = not quick
        log.info("Backup to %s: %s check", self.destination, "quick" if quick else "full")

    def _trusted(self, relative: str, final: Path, sha256: str | None, file: _File) -> bool:
        """Whether a quick run may take the backup's copy as checked without reading it:
        an earlier run checked it, and it is unchanged since (size and modification time),
        with the SHA-256 the catalog has (*sha256*, for a message) or the archive's file
        unchanged too (size and time, for any other file)."""
        entry = self._checked.get(relative)
        if entry is None:
            return False
        size, mtime_ns, digest = entry
        try:
            there = final.stat()
        except OSError:
            return False
        if (there.st_size, there.st_mtime_ns) != (size, mtime_ns):
            return False
        if sha256 is not None:
            return digest == sha256
        return (file.size, file.mtime_ns) == (size, mtime_ns)

    def _note_checked(self, relative: str, final: Path, digest: str) -> None:
        """Put a copy just checked (or trusted) on this run's list of checked files."""
        try:
            there = final.stat()
        except OSError as exc:
            raise self._error(exc, f"reading {relative} in the backup") from exc
        self._now_checked[relative] = (there.st_size, there.st_mtime_ns, digest)

    def _write_checked(self) -> None:
        """Write this run's list of checked files into the backup (replacing the last)."""
        text = json.dumps({k: list(v) for k, v in sorted(self._now_checked.items())},
                          separators=(",", ":"))  # fmt: skip
        self._write_small(self.destination / CHECKED_LIST, text.encode("utf-8"), CHECKED_LIST)

    def _write_small(self, path: Path, data: bytes, what: str) -> None:
        temp = path.with_name(f"{TEMP_PREFIX}{path.name}{TEMP_SUFFIX}")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _BINARY, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            replace_file(temp, path)
            fsync_dir(path.parent)
        except OSError as exc:
            raise self._error(exc, f"writing {what}") from exc

    def _prepare_target(self) -> None:
        """Make the backup's archive folder; set an earlier catalog aside; clear our leftovers.

        Without a catalog the folder does not open as an archive that looks whole (the app
        says the catalog is missing) until this run puts its own in place.
        """
        target = long_path(self.target)
        try:
            make_backup_dir(target)
            if (target / CATALOG_NAME).exists():
                replace_file(target / CATALOG_NAME, target / PREVIOUS_CATALOG)
                fsync_dir(target)
            for leftover in _our_temporaries(target):
                leftover.unlink()
        except OSError as exc:
            raise self._error(exc, "preparing the backup folder") from exc

    def _takes_colons(self, folder: Path) -> bool:
        """Whether the backup's file system takes ":" in names (Maildir's info separator).

        FAT, exFAT and NTFS do not; there our Maildir files get ";" instead, as on Windows,
        which every reader of the archive takes. On Windows a ":" would name an NTFS stream.
        """
        if sys.platform == "win32":
            return False
        probe = folder / f"{TEMP_PREFIX}probe:2,{TEMP_SUFFIX}"
        try:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT, 0o600))
        except OSError as exc:
            if exc.errno in (errno.EINVAL, errno.EACCES, errno.EPERM):
                log.info("The backup's file system refuses ':' in names; using ';'")
                return False
            raise self._error(exc, "writing to the backup folder") from exc
        probe.unlink()
        return True

    # --- what to copy ---------------------------------------------------------------------

    def _source_files(self, catalog: Catalog) -> list[_File]:
        """List the archive's files to back up, each with the catalog rows it holds."""
        trees = account_trees(self.source)
        by_unique: dict[tuple[str, str], list[Record]] = {}
        by_mbox: dict[str, list[Record]] = {}
        for record in catalog.records():
            location = record.location
            if location.offset is None:
                path = PurePosixPath(location.path)
                by_unique.setdefault((str(path.parent.parent), unique_name(path.name)), []).append(
                    record
                )
            else:
                by_mbox.setdefault(location.path, []).append(record)
        files = []
        found: set[object] = set()
        for relative, stat in self._walk():
            parts = PurePosixPath(relative).parts
            fmt = trees.get(parts[0]) if len(parts) > 1 else None
            if fmt == "maildir" and len(parts) > 2 and parts[-2] in MESSAGE_DIRS:
                path = PurePosixPath(relative)
                key = (str(path.parent.parent), unique_name(path.name))
                rows = by_unique.get(key)
                if rows:
                    found.add(key)
                    files.append(_File(relative, stat.st_size, stat.st_mtime_ns,
                                       tuple(_by_copy(rows)), is_message=True))  # fmt: skip
                    continue
            regions = by_mbox.get(relative, []) if fmt == "mbox" else []
            found.add(relative)
            files.append(_File(relative, stat.st_size, stat.st_mtime_ns, tuple(_by_copy(regions))))
        # Verified messages whose file is gone from the archive cannot be backed up: said so,
        # as verify says it (their rows are in the backup's catalog, which keeps the record).
        groups: list[tuple[object, list[Record]]] = [*by_unique.items(), *by_mbox.items()]
        for stored, rows in groups:
            verified = [r for r in rows if r.state is State.VERIFIED]
            if stored not in found and verified:
                for records in _by_copy(verified):
                    self._damaged(records, records[0].location.path, Problem.MISSING, GONE)
        return files

    def _walk(self) -> Iterator[tuple[str, os.stat_result]]:
        """Yield (relative path, stat) of every file to back up, in a stable order."""
        root = long_path(self.source)
        trees = account_trees(self.source)
        for folder, dirs, names in os.walk(root):
            here = Path(folder)
            relative_dir = here.relative_to(root)
            top = relative_dir == Path(".")
            dirs[:] = sorted(d for d in dirs if not (top and d in NOT_COPIED))
            parts = relative_dir.parts
            if parts and trees.get(parts[0]) == "maildir" and here.name == "tmp":
                continue  # a Maildir's tmp/: files being written, never a message
            for name in sorted(names):
                if (top and name in NOT_COPIED) or name.startswith(TEMP_PREFIX):
                    continue
                try:
                    stat = os.stat(here / name)
                except OSError as exc:
                    raise StoreError(
                        f"Cannot read {here / name} in the archive: {exc.strerror or exc}"
                    ) from exc
                yield (relative_dir / name).as_posix(), stat

    def _directories(self) -> Iterator[str]:
        root = long_path(self.source)
        for folder, dirs, _names in os.walk(root):
            relative_dir = Path(folder).relative_to(root)
            top = relative_dir == Path(".")
            dirs[:] = sorted(d for d in dirs if not (top and d in NOT_COPIED))
            if not top:
                yield relative_dir.as_posix()

    def _preflight(self, files: list[_File]) -> None:
        """Refuse before copying: files larger than the backup's file system takes, or more
        new bytes than it has room for."""
        fs_type = filesystem_type(self.destination)
        limit = max_file_size(fs_type)
        if limit is not None:
            too_large = [(f.relative, f.size) for f in files if f.size > limit]
            if too_large:
                raise BackupFileTooLarge(self.destination, too_large, limit, fs_type)
        needed = (self.source / CATALOG_NAME).stat().st_size
        for file in files:
            there = long_path(self.target) / self._target_relative(file.relative)
            try:
                if there.stat().st_size == file.size:
                    continue
            except OSError:
                pass  # not there (or not readable): it will be copied
            needed += file.size
        try:
            free = shutil.disk_usage(self.destination).free
        except OSError as exc:
            raise self._error(exc, "reading the free space") from exc
        if needed > free:
            raise BackupDestinationFull(self.destination, needed=needed, free=free)

    def _target_relative(self, relative: str) -> str:
        """Return where an archive file goes in the backup's archive folder."""
        if self.colon_ok:
            return relative
        path = PurePosixPath(relative)
        return str(path.with_name(path.name.replace(":", ";")))

    # --- copying and checking -------------------------------------------------------------

    def _back_up(self, file: _File) -> None:
        """Bring one file's copy in the backup up to date and check it."""
        relative = self._target_relative(file.relative)
        final = long_path(self.target) / relative
        self._ensure_dir(final.parent)
        if file.is_message:
            self._back_up_message(file, relative, final)
            return
        source = long_path(self.source) / file.relative
        if self._trusted(relative, final, None, file):
            self._now_checked[relative] = self._checked[relative]
            self.result.intact += 1
            self.result.trusted += 1
            self.result.messages += sum(len(records) for records in file.copies)
            return
        size = self._size_at(final, relative)
        if size == file.size:
            digest = self._digest(final, relative, backup=True)
            if digest == self._digest(source, file.relative):
                # Equal to the archive's file, which was checked against the catalog when it
                # was copied; whether the archive's file still matches the catalog is verify's
                # question (its regions are read there, slowly, line by line).
                self.result.intact += 1
                self.result.bytes_checked += file.size
                self.result.messages += sum(len(records) for records in file.copies)
                self._note_checked(relative, final, digest)
                return
            log.info("The backup's copy of %s differs from the archive's; copying it again",
                     relative)  # fmt: skip
        elif size is not None and size < file.size and self._append(file, relative, final, size):
            return
        self._queue(file, relative, size)

    def _append(self, file: _File, relative: str, final: Path, size: int) -> bool:
        """Bring a grown file up to date by appending what the archive's file has beyond the
        backup's, when the backup's file is exactly its beginning (an mbox file or the run
        log that mail was appended to); False when it is not, and nothing was written.

        Appending in place is safe here: until the run completes the backup has no catalog
        and says it is incomplete, and a tail cut short by a crash is either completed by the
        next run (the file is still a beginning of the archive's) or the file is copied whole.
        """
        source = long_path(self.source) / file.relative
        try:
            inp = source.open("rb")
        except OSError as exc:
            raise _read_error(file.relative, exc) from exc
        with inp:
            digest = hashlib.sha256()
            remaining = size
            try:
                while remaining and (chunk := inp.read(min(READ_CHUNK, remaining))):
                    digest.update(chunk)
                    remaining -= len(chunk)
            except OSError as exc:
                raise _read_error(file.relative, exc) from exc
            if remaining or digest.hexdigest() != self._digest(final, relative, backup=True):
                return False
            self.result.bytes_checked += size
            written = 0
            try:
                with final.open("ab") as out:
                    while True:
                        try:
                            chunk = inp.read(READ_CHUNK)
                        except OSError as exc:
                            raise _read_error(file.relative, exc) from exc
                        if not chunk:
                            break
                        digest.update(chunk)
                        out.write(chunk)
                        written += len(chunk)
                        self.cancel.raise_if_cancelled()  # the next run appends the rest
                        self._report_within(file, size + written)
                    out.flush()
                    os.fsync(out.fileno())
                os.utime(final, ns=(file.mtime_ns, file.mtime_ns))
            except OSError as exc:
                raise self._error(exc, f"copying {file.relative}", file) from exc
        self.result.bytes_copied += written
        read_back, length = self._digest_and_size(final, relative)
        self.result.bytes_checked += length
        if read_back != digest.hexdigest():
            raise BackupCopyFailed(self.destination, file.relative, READ_BACK_DIFFERS)
        # The regions in the appended part are new: check them against the catalog.
        added = tuple(
            records for records in file.copies if (records[0].location.offset or 0) >= size
        )
        problems = self._check_regions(_File(file.relative, file.size, 0, added), relative)
        for records, problem, reason in problems:
            self._damaged(records, file.relative, problem, reason + COPIED_AS_IT_IS)
        self.result.messages += sum(len(records) for records in file.copies)
        self.result.appended += 1
        self._note_checked(relative, final, read_back)
        return True

    def _back_up_message(self, file: _File, relative: str, final: Path) -> None:
        """A Maildir file the catalog knows: check the backup's copy against the catalog."""
        records = file.copies[0]  # a Maildir file is one stored copy
        record = records[0]
        if self._trusted(relative, final, record.sha256, file):
            self._now_checked[relative] = self._checked[relative]
            self.result.intact += 1
            self.result.trusted += 1
            self.result.messages += len(records)
            return
        at = dataclasses.replace(record, location=Location(relative))
        if self._size_at(final, relative) is None:
            self._rename_known(final)
        if self._size_at(final, relative) is not None:
            problem, _reason, read = check_copy(long_path(self.target), at)
            self.result.bytes_checked += read
            if problem is None:
                self.result.intact += 1
                self.result.messages += len(records)
                self._note_checked(relative, final, record.sha256)
                return
            log.info("The backup's copy of %s is %s; copying it again", relative, problem.value)
        self._queue(file, relative, self._size_at(final, relative))

    def _rename_known(self, final: Path) -> None:
        """Rename the backup's copy of a message another program renamed in the archive
        (other flags, or moved between ``new/`` and ``cur/``): same unique name, same bytes."""
        maildir = final.parent.parent
        wanted = unique_name(final.name)
        for sub in MESSAGE_DIRS:
            names = self._listing(maildir / sub)
            found = names.get(wanted)
            if found is None or maildir / sub / found == final:
                continue
            try:
                replace_file(maildir / sub / found, final)
                fsync_dir(final.parent)
            except FileNotFoundError:
                del names[wanted]  # gone meanwhile: copied instead
                continue
            except OSError as exc:
                raise self._error(exc, f"renaming {found} in the backup") from exc
            del names[wanted]
            self._listing(final.parent)[wanted] = final.name
            self.result.renamed += 1
            return

    def _listing(self, directory: Path) -> dict[str, str]:
        names = self._listings.get(directory)
        if names is None:
            try:
                names = {
                    unique_name(entry.name): entry.name
                    for entry in os.scandir(directory)
                    if not entry.name.startswith(".")
                }
            except FileNotFoundError:
                names = {}
            except OSError as exc:
                raise self._error(exc, f"reading {directory}") from exc
            self._listings[directory] = names
        return names

    def _check_regions(
        self, file: _File, relative: str
    ) -> list[tuple[tuple[Record, ...], Problem, str]]:
        """Check the mbox regions the catalog knows in the backup's file *relative*; return
        those that differ from the catalog, with the problem and why."""
        problems = []
        for records in file.copies:
            record = records[0]
            location = dataclasses.replace(record.location, path=relative)
            problem, reason, read = check_copy(
                long_path(self.target), dataclasses.replace(record, location=location)
            )
            self.result.bytes_checked += read
            if problem is not None:
                problems.append((records, problem, reason))
        return problems

    def _damaged(
        self,
        records: tuple[Record, ...],
        relative: str,
        problem: Problem,
        reason: str,
    ) -> None:
        """Report messages whose copy in the archive differs from the catalog."""
        for record in records:
            where = str(self.source / relative)
            damage = Damage(problem, record.id, record.account, record.folder, record.uid,
                            where, record.location.offset, record.on_server, reason)  # fmt: skip
            log.warning(
                "Message %d (account %s, folder %s, UID %d) is %s in the archive: %s",
                record.id,
                record.account,
                record.folder,
                record.uid,
                problem.value,
                reason,
            )
            self.result.damaged.append(damage)

    def _copy(self, file: _File) -> tuple[Path, str]:
        """Copy an archive file into a temporary file beside its place in the backup, with the
        original's modification time; return it and the SHA-256 of what was read. The batch
        syncs it (see _flush).

        The temporary file is removed when anything fails (or a cancel comes).
        """
        source = long_path(self.source) / file.relative
        final = long_path(self.target) / self._target_relative(file.relative)
        try:
            fd, name = tempfile.mkstemp(dir=final.parent, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
        except OSError as exc:
            raise self._error(exc, f"copying {file.relative}") from exc
        temp = Path(name)
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    inp = source.open("rb")
                except OSError as exc:
                    raise _read_error(file.relative, exc) from exc
                with inp:
                    written = 0
                    while True:
                        try:
                            chunk = inp.read(READ_CHUNK)
                        except OSError as exc:
                            raise _read_error(file.relative, exc) from exc
                        if not chunk:
                            break
                        digest.update(chunk)
                        try:
                            out.write(chunk)
                        except OSError as exc:
                            raise self._error(exc, f"copying {file.relative}", file) from exc
                        written += len(chunk)
                        if written < file.size:  # a large file: stop inside it on cancel
                            self.cancel.raise_if_cancelled()
                            self._report_within(file, written)
                try:
                    out.flush()
                    os.utime(temp, ns=(file.mtime_ns, file.mtime_ns))
                except OSError as exc:
                    raise self._error(exc, f"copying {file.relative}", file) from exc
        except BaseException:
            try:
                temp.unlink(missing_ok=True)
            except OSError as cleanup:  # the destination itself may be what failed
                log.debug("Cannot remove %s: %s", temp, cleanup)
            raise
        self.result.bytes_copied += file.size
        return temp, digest.hexdigest()

    def _report_within(self, file: _File, written: int) -> None:
        done = self._bytes_done + written
        text = _progress_text(file.relative)
        self.report(Progress(self._done, self.result.files, text, done, self.result.bytes_total))

    def _queue(self, file: _File, relative: str, earlier: int | None) -> None:
        """Copy *file* to a temporary name and add it to the batch; flush a full batch."""
        temp, digest = self._copy(file)
        self._batch.append(_Copied(file, relative, temp, digest, earlier))
        self._batch_bytes += file.size
        if len(self._batch) >= BATCH_FILES or self._batch_bytes >= BATCH_BYTES:
            self._flush()

    def _flush(self) -> None:
        """Sync the batch's copies, then check each and rename it into place, then sync the
        folders (as the archive stores messages: one disk flush for many files).

        No file is changed after it is renamed into place: it was synced before.
        """
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        if not batch:
            return
        try:
            sync_files([copied.temp for copied in batch], long_path(self.target))
        except OSError as exc:
            self._drop(batch)
            raise self._error(exc, "writing the copies to the backup disk") from exc
        folders = set()
        for index, copied in enumerate(batch):
            try:
                if self._finish(copied):
                    folders.add(copied.temp.parent)
            except BaseException:
                self._drop(batch[index:])
                raise
        for folder in folders:
            try:
                fsync_dir(folder)
            except OSError as exc:
                raise self._error(exc, "writing the copies to the backup disk") from exc

    def _finish(self, copied: _Copied) -> bool:
        """Read a synced copy back, check it, and rename it into place; False when the
        backup's earlier copy is kept instead.

        Raises BackupCopyFailed when the copy reads back other than what was read from the
        archive. A copy that reads back right but differs from the catalog shows the archive's
        own damage: it is reported and placed, unless the earlier copy is intact there.
        """
        file = copied.file
        target = long_path(self.target)
        final = target / copied.relative
        temp_relative = copied.temp.relative_to(target).as_posix()
        problems: list[tuple[tuple[Record, ...], Problem, str]] = []
        if file.is_message:
            records = file.copies[0]  # a Maildir file is one stored copy
            at = dataclasses.replace(records[0], location=Location(temp_relative))
            problem, reason, read = check_copy(target, at)
            self.result.bytes_checked += read
            if problem is not None:
                self._check_read_back(copied)
                problems.append((records, problem, reason))
        else:
            self._check_read_back(copied)
            problems = self._check_regions(file, temp_relative)
        self.result.messages += sum(len(records) for records in file.copies)
        if problems and copied.earlier is not None and not file.is_message:
            earlier = _File(file.relative, copied.earlier, 0, tuple(r for r, _, _ in problems))
            if not self._check_regions(earlier, copied.relative):
                # The archive's mbox file is damaged where the backup's earlier copy is intact:
                # a backup never trades a good copy for a damaged one. The earlier copy stays
                # (messages added to the file since are missing from it; verify says which).
                copied.temp.unlink(missing_ok=True)
                self.result.kept_earlier.append(file.relative)
                for records, problem, reason in problems:
                    self._damaged(records, file.relative, problem, reason + KEPT_EARLIER)
                return False
        try:
            replace_file(copied.temp, final)
        except OSError as exc:
            raise self._error(exc, f"putting {final.name} in place") from exc
        if final.parent.name in MESSAGE_DIRS:
            self._listing(final.parent)[unique_name(final.name)] = final.name
        self._note_checked(copied.relative, final, copied.digest)
        if copied.earlier is None:
            self.result.copied += 1
        else:
            self.result.replaced += 1
        for records, problem, reason in problems:
            self._damaged(records, file.relative, problem, reason + COPIED_AS_IT_IS)
        return True

    def _check_read_back(self, copied: _Copied) -> None:
        """Raise BackupCopyFailed when a copy reads back other than what the archive gave."""
        try:
            digest, size = digest_file(copied.temp)
        except OSError as exc:
            raise self._error(exc, f"reading {copied.relative} in the backup") from exc
        self.result.bytes_checked += size
        if digest != copied.digest:
            copied.temp.unlink(missing_ok=True)
            raise BackupCopyFailed(self.destination, copied.file.relative, READ_BACK_DIFFERS)

    def _drop(self, batch: list[_Copied]) -> None:
        """Remove the temporary files of copies that will not be placed (best effort: the
        destination may be what failed; the next run removes what is left)."""
        for copied in batch:
            try:
                copied.temp.unlink(missing_ok=True)
            except OSError as exc:
                log.debug("Cannot remove %s: %s", copied.temp, exc)

    def _digest_and_size(self, path: Path, relative: str) -> tuple[str, int]:
        """Return SHA-256 and length of a file in the backup."""
        try:
            return digest_file(path)
        except OSError as exc:
            raise self._error(exc, f"reading {relative} in the backup") from exc

    def _digest(self, path: Path, relative: str, *, backup: bool = False) -> str:
        try:
            return digest_file(path)[0]
        except OSError as exc:
            if backup:
                raise self._error(exc, f"reading {relative} in the backup") from exc
            raise _read_error(relative, exc) from exc

    def _ensure_dir(self, directory: Path) -> None:
        if directory in self._made:
            return
        try:
            make_backup_dir(directory)
        except OSError as exc:
            raise self._error(exc, f"creating {directory}") from exc
        self._made.add(directory)

    def _size_at(self, path: Path, relative: str) -> int | None:
        """Return the size of a file in the backup, None when it is not there."""
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._error(exc, f"reading {relative} in the backup") from exc

    # --- the catalog and the settings -------------------------------------------------------

    def _snapshot(self, catalog: Catalog) -> None:
        """Copy the catalog (one consistent state) into a temporary file in the backup.

        Its marks of what the search index holds are cleared: the backup has no index, and
        the app builds one from the catalog when it first searches the backup.
        """
        temp = self.target / SNAPSHOT_TEMP  # SQLite is given plain paths, as the catalog is
        try:
            catalog.snapshot(temp)
            with sqlite3.connect(temp, isolation_level=None) as copy:
                copy.execute("UPDATE messages SET indexed = 0")
                problem = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            copy.close()
        except sqlite3.Error as exc:
            temp.unlink(missing_ok=True)
            if "disk is full" in str(exc):
                raise BackupDestinationFull(self.destination) from exc
            if not self._reachable():
                raise BackupDestinationMissing(self.destination, during_run=True) from exc
            raise BackupCopyFailed(self.destination, CATALOG_NAME, str(exc)) from exc
        except OSError as exc:
            raise self._error(exc, f"copying {CATALOG_NAME}") from exc
        if problem != ["ok"]:
            temp.unlink(missing_ok=True)
            source_problem = catalog.integrity_problem()
            if source_problem is not None:
                raise CatalogDamaged(str(self.source / CATALOG_NAME), source_problem)
            raise BackupCopyFailed(
                self.destination, CATALOG_NAME, f"the copy is damaged ({'; '.join(problem[:3])})"
            )

    def _place_catalog(self) -> None:
        """Put the catalog's copy in place: from now on the folder opens as an archive.

        The catalog an earlier backup put there (set aside at the start), and a search index
        built in the backup since, are removed: both are ours and describe an older state.
        """
        target = long_path(self.target)
        try:
            fd = os.open(target / SNAPSHOT_TEMP, os.O_RDWR | _BINARY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            replace_file(target / SNAPSHOT_TEMP, target / CATALOG_NAME)
            fsync_dir(target)
            (target / PREVIOUS_CATALOG).unlink(missing_ok=True)
            # A search index built in an earlier backup names the rows of its catalog, and
            # the new one's marks say nothing is indexed: the app builds it afresh.
            if (target / INDEX_DIR).exists():
                shutil.rmtree(target / INDEX_DIR)
        except OSError as exc:
            raise self._error(exc, f"putting {CATALOG_NAME} in place") from exc

    def _save_settings(self) -> None:
        """Save the settings beside the backup's archive; never a password (they hold none),
        and no archive folder: the backup's own is the one below it."""
        if self.settings is None:
            return
        # Written here first, then copied as any small file of the backup: save_config insists
        # on folder modes that FAT, exFAT and many network shares cannot give.
        with tempfile.TemporaryDirectory(prefix="imap-archiver-backup-") as scratch:
            written = Path(scratch) / "config.json"
            save_config(
                dataclasses.replace(self.settings, archive_dir=None, backup_dir=None), written
            )
            data = written.read_bytes()
        self._ensure_dir(self.dirs.config)
        self._write_small(self.dirs.config_file, data, "the settings")
        self.result.settings = True

    # --- errors -----------------------------------------------------------------------------

    def _reachable(self) -> bool:
        try:
            return (self.destination / BACKUP_RECORD).is_file() or (
                self.destination.is_dir() and not any(self.destination.iterdir())
            )
        except OSError:
            return False

    def _error(self, exc: OSError, what: str, file: _File | None = None) -> BackupError:
        """Translate an OS error while writing the backup into a BackupError."""
        code = exc.errno
        if code in (errno.ENOSPC, errno.EDQUOT):
            return BackupDestinationFull(self.destination)
        if code == errno.EFBIG and file is not None:
            fs_type = filesystem_type(self.destination)
            return BackupFileTooLarge(
                self.destination, [(file.relative, file.size)], max_file_size(fs_type), fs_type
            )
        if code in GONE_ERRNOS or not self._reachable():
            return BackupDestinationMissing(self.destination, during_run=True)
        if code in READ_ONLY_ERRNOS:
            return BackupDestinationReadOnly(self.destination)
        detail = exc.strerror or str(exc)
        if code == errno.EIO:
            detail += " (is the disk failing, or was it disconnected?)"
        return BackupCopyFailed(self.destination, what, detail)


_BINARY = getattr(os, "O_BINARY", 0)


def make_backup_dir(path: Path) -> None:
    """Create *path* and its missing parents, readable by the user only where the file
    system keeps modes.

    FAT and exFAT disks and many network shares refuse chmod (their mount options set the
    modes), which is no reason to refuse them as a backup disk: protecting it is the user's.
    """
    for folder in create_missing_levels(path):
        if os.name == "posix":
            try:
                folder.chmod(0o700)  # mkdir's mode is reduced by the umask
            except PermissionError as exc:
                log.debug("Cannot make %s private: %s", folder, exc)


def _read_checked(path: Path) -> dict[str, tuple[int, int, str]]:
    """Read a backup's list of checked files; an unreadable list trusts nothing."""
    try:
        data = json.loads(path.read_bytes())
        return {str(k): (int(v[0]), int(v[1]), str(v[2])) for k, v in data.items()}
    except (OSError, ValueError, TypeError, AttributeError, IndexError) as exc:
        log.info("Cannot read the backup's list of checked files %s: %s", path, exc)
        return {}


def _progress_text(relative: str) -> str:
    """Say what is being backed up: the account of a file in its tree, else the archive."""
    parts = PurePosixPath(relative).parts
    return parts[0] if len(parts) > 1 and not parts[0].startswith(".") else BACKING_UP


def _read_error(relative: str, exc: OSError) -> StoreError:
    return StoreError(f"Cannot read {relative} in the archive: {exc.strerror or exc}")


def _by_copy(records: list[Record]) -> Iterator[tuple[Record, ...]]:
    """Group rows by the stored copy they share (one region or file, one expected content)."""
    groups: dict[tuple[object, ...], list[Record]] = {}
    for record in records:
        location = record.location
        key = (location.offset, location.length, record.size, record.sha256)
        groups.setdefault(key, []).append(record)
    for group in groups.values():
        yield tuple(group)


def _our_temporaries(target: Path) -> Iterator[Path]:
    """Yield the temporary files an interrupted run of ours left in the backup's archive."""
    for folder, _dirs, names in os.walk(target):
        for name in names:
            if _is_ours(name):
                yield Path(folder) / name
