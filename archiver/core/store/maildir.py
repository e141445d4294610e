"""Maildir++ archive, readable by mutt, notmuch, Thunderbird's import and Python's mailbox.

One account's tree is a Maildir++ hierarchy: INBOX is the top Maildir, every other folder a
``.``-prefixed sub-Maildir whose name joins the escaped segments with ``.`` (Python's
``mailbox.Maildir.list_folders()`` lists them). Message files carry the IMAP flags in their
names (``:2,FRS``) and the INTERNALDATE as their modification time.

Writing follows ``mailbox.Maildir.add``: the file is created in ``tmp/``, written, fsynced,
then renamed into ``cur/``, and ``cur/`` is fsynced so that the rename is durable.

Other mail programs may rename our files (mutt and notmuch rewrite the flags, ``:2,S`` to
``:2,RS``) or move them between ``new/`` and ``cur/``. A file is therefore found by its unique
name, the part before the info separator (``:``, or ``;`` as mbsync writes it on Windows),
wherever the catalog's exact name is gone: see :func:`find_message_file`.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from archiver.core.catalog import Location, Record
from archiver.core.errors import StoreError, disk_error
from archiver.core.paths import long_path, make_private_dir, replace_file
from archiver.core.store.base import (
    FORMAT_MARKER,
    Recovery,
    Staged,
    copy_into,
    digest_file,
    fsync_dir,
    location_path,
    sync_files,
)
from archiver.core.store.names import (
    case_proof_segment,
    choose_name,
    escape_segment,
    split_folder,
    unescape_segment,
)

if TYPE_CHECKING:  # not at run time: reading the archive (search) needs no IMAP (imapclient)
    from archiver.core.imap import FetchedMessage

log = logging.getLogger(__name__)

# IMAP flag -> Maildir info letter (https://cr.yp.to/proto/maildir.html); others stay in the
# catalog only.
MAILDIR_FLAGS = {
    "\\draft": "D",
    "\\flagged": "F",
    "$forwarded": "P",
    "\\answered": "R",
    "\\seen": "S",
    "\\deleted": "T",
}


FLAGS_BY_LETTER = {"D": "\\Draft", "F": "\\Flagged", "P": "$Forwarded", "R": "\\Answered",
                   "S": "\\Seen", "T": "\\Deleted"}  # fmt: skip
# A file name: the unique name, then (optionally) the info: ":2," or ";2," and flag letters.
FILE_NAME = re.compile(r"(?P<unique>.+?)(?:[:;]2,(?P<letters>[^:;/\\]*))?")
# The unique names we write: <INTERNALDATE stamp>.U<uidvalidity>_<uid>.<sha256[:16]>.imap-archiver
OUR_UNIQUE = re.compile(
    r"(?P<stamp>\d+)\.U(?P<uidvalidity>\d+)_(?P<uid>\d+)\.(?P<sha>[0-9a-f]{16})\.imap-archiver"
    r"(?:,S=\d+)?"
)
MESSAGE_DIRS = ("cur", "new")
# NTFS and FAT refuse ":" in file names (NTFS makes it an alternate data stream), so on
# Windows the info follows ";", as mbsync's InfoDelimiter does; readers take either, so an
# archive copied between systems still reads.
INFO_SEPARATOR = ";" if sys.platform == "win32" else ":"


def maildir_info(flags: Iterable[str]) -> str:
    """Return the ``:2,`` info letters for IMAP *flags*, in ASCII order as Maildir wants."""
    return "".join(sorted({MAILDIR_FLAGS[f.lower()] for f in flags if f.lower() in MAILDIR_FLAGS}))


def unique_name(file_name: str) -> str:
    """Return the unique part of a Maildir file name (before ``:2,`` or ``;2,``)."""
    match = FILE_NAME.fullmatch(file_name)
    return match.group("unique") if match else file_name


def flags_of(file_name: str) -> tuple[str, ...]:
    """Return the IMAP flags a Maildir file name's info letters stand for."""
    match = FILE_NAME.fullmatch(file_name)
    letters = (match.group("letters") if match else None) or ""
    return tuple(sorted({FLAGS_BY_LETTER[c] for c in letters if c in FLAGS_BY_LETTER}))


# Directory listings by unique name, kept while the directory is unchanged (its mtime): a
# verify of a Maildir whose flags another program rewrote lists each directory once.
_listings: dict[Path, tuple[int, dict[str, str]]] = {}


def _by_unique_name(directory: Path) -> dict[str, str]:
    try:
        stamp = directory.stat().st_mtime_ns
    except OSError:
        return {}
    cached = _listings.get(directory)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    names = {unique_name(entry.name): entry.name for entry in os.scandir(directory)}
    if len(_listings) > 64:
        _listings.clear()
    _listings[directory] = (stamp, names)
    return names


def find_message_file(path: Path) -> Path | None:
    """Return where a catalogued Maildir file is now: *path*, or its renamed or moved self.

    *path* is ``<maildir>/cur/<name>`` as catalogued. If it is gone, a file with the same
    unique name in ``cur/`` or ``new/`` of the same Maildir is the same message with other
    flags (as mutt or notmuch rename it). None when there is none.
    """
    if path.exists():
        return path
    wanted = unique_name(path.name)
    maildir = path.parent.parent
    for sub in MESSAGE_DIRS:
        found = _by_unique_name(maildir / sub).get(wanted)
        if found is not None:
            return maildir / sub / found
    return None


def maildir_folder(name: str) -> tuple[str, ...] | None:
    """Return the folder-name segments a Maildir++ directory name stands for, if any."""
    if not name.startswith(".") or name in (".", ".."):
        return None
    return tuple(unescape_segment(segment) for segment in name[1:].split("."))


class MaildirStore:
    """One account's Maildir++ tree below the archive root."""

    def __init__(self, archive_root: Path, account: str) -> None:
        self.archive_root = long_path(archive_root)
        self.account_dir = self.archive_root / account
        self._ready: set[Path] = set()  # Maildirs known to exist in this run
        self._folders: dict[tuple[str, str | None], Path] = {}
        self._entries: dict[str, bool] | None = None  # account dir's entries: name -> is a dir

    def folder_dir(self, folder: str, delimiter: str | None) -> Path:
        """Return the Maildir directory of an IMAP folder (see :mod:`.names`)."""
        if folder.upper() == "INBOX":
            return self.account_dir
        key = (folder, delimiter)
        if key not in self._folders:
            if self._entries is None:
                self._entries = {FORMAT_MARKER: False}
                if self.account_dir.is_dir():
                    with os.scandir(self.account_dir) as found:
                        self._entries.update((e.name, e.is_dir()) for e in found)
            entries = self._entries
            parts = split_folder(folder, delimiter)
            name = choose_name(
                "." + ".".join(escape_segment(part) for part in parts),
                "." + ".".join(case_proof_segment(part) for part in parts),
                entries,
                lambda entry: maildir_folder(entry) if entries[entry] else None,
                parts,
            )
            entries[name] = True
            self._folders[key] = self.account_dir / name
        return self._folders[key]

    def _ensure_maildir(self, directory: Path) -> None:
        if directory not in self._ready:
            for sub in ("tmp", "new", "cur"):
                make_private_dir(directory / sub)
            self._ready.add(directory)

    def stage(
        self, folder: str, delimiter: str | None, uidvalidity: int, message: FetchedMessage
    ) -> Staged:
        """Write the message into ``tmp/`` with the INTERNALDATE as mtime; commit() syncs it."""
        directory = self.folder_dir(folder, delimiter)
        meta = message.meta
        stamp = int(meta.internaldate.timestamp())
        # Deterministic and unique: the same message always gets the same name.
        unique = f"{stamp}.U{uidvalidity}_{meta.uid}.{message.sha256[:16]}.imap-archiver"
        name = f"{unique},S={message.length}{INFO_SEPARATOR}2,{maildir_info(meta.flags)}"
        temp = directory / "tmp" / unique
        final = directory / "cur" / name
        relative = location_path(final, self.archive_root)
        try:
            self._ensure_maildir(directory)
            if message.spool is not None:
                replace_file(message.spool, temp)  # same file system: the archive root
                temp.chmod(0o600)
            else:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as out:
                    copy_into(out, message)
            os.utime(temp, (stamp, stamp))
        except OSError as exc:
            try:
                temp.unlink(missing_ok=True)
            except OSError as cleanup:  # the path itself may be what failed (ENAMETOOLONG)
                log.debug("Cannot remove %s: %s", temp, cleanup)
            raise disk_error(exc, f"writing {folder} UID {meta.uid}") from exc
        return Staged(Location(relative), temp, final)

    def commit(self, staged: Sequence[Staged]) -> None:
        """fsync the staged files, rename them into ``cur/``, fsync each ``cur/`` once."""
        directories: set[Path] = set()
        try:
            # Group commit: the files were all written first, now they are synced together;
            # write-fsync-write-fsync would wait for a journal commit per message.
            sync_files([item.temp for item in staged], self.archive_root)
            for item in staged:
                # No file modification should be done after the file is moved to its final
                # position: its content was synced above.
                replace_file(item.temp, item.final)
                directories.add(item.final.parent)
            for directory in directories:
                fsync_dir(directory)
        except OSError as exc:
            raise disk_error(exc, "moving messages into place") from exc

    def discard(self, staged: Iterable[Staged]) -> None:
        """Remove staged files from ``tmp/``."""
        for item in staged:
            item.temp.unlink(missing_ok=True)

    def read_digest(self, location: Location, size: int) -> tuple[str, int]:
        """Read the message file back (found by its unique name) and hash it."""
        path = find_message_file(self.archive_root / location.path)
        if path is None:
            raise StoreError(f"Cannot read back {location.path}: the file is gone")
        try:
            return digest_file(path)
        except OSError as exc:
            raise StoreError(f"Cannot read back {location.path}: {exc.strerror or exc}") from exc

    def recover(self, pending: Sequence[Record]) -> Recovery:
        """Sort pending rows by whether their file reads back; clean our ``tmp/`` leftovers.

        A file in ``cur/`` got there by an atomic rename after it was written in full, so it
        is never a partial write of ours: one that does not match its row is left alone.
        """
        recovery = Recovery()
        for record in pending:
            try:
                good = self.read_digest(record.location, record.size) == (
                    record.sha256,
                    record.size,
                )
            except StoreError:
                good = False
            (recovery.verified if good else recovery.dropped).append(record.id)
        self._clean_tmp()
        return recovery

    def _clean_tmp(self) -> None:
        """Remove our own leftovers in ``tmp/`` directories (we hold the archive lock)."""
        if not self.account_dir.exists():
            return
        for leftover in self.account_dir.glob("**/tmp/*.imap-archiver"):
            if leftover.is_file():
                leftover.unlink(missing_ok=True)
