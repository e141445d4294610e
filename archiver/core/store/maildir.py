"""Maildir++ archive, readable by mutt, notmuch, Thunderbird's import and Python's mailbox.

One account's tree is a Maildir++ hierarchy: INBOX is the top Maildir, every other folder a
``.``-prefixed sub-Maildir whose name joins the escaped segments with ``.`` (Python's
``mailbox.Maildir.list_folders()`` lists them). Message files carry the IMAP flags in their
names (``:2,FRS``) and the INTERNALDATE as their modification time.

Writing follows ``mailbox.Maildir.add``: the file is created in ``tmp/``, written, fsynced,
then renamed into ``cur/``, and ``cur/`` is fsynced so that the rename is durable.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from archiver.core.catalog import Catalog, Location
from archiver.core.errors import StoreError, disk_error
from archiver.core.imap import FetchedMessage
from archiver.core.paths import make_private_dir
from archiver.core.store.base import (
    Staged,
    copy_into,
    digest_file,
    folder_segments,
    fsync_dir,
    log_recovery,
    sync_files,
)

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


def maildir_info(flags: Iterable[str]) -> str:
    """Return the ``:2,`` info letters for IMAP *flags*, in ASCII order as Maildir wants."""
    return "".join(sorted({MAILDIR_FLAGS[f.lower()] for f in flags if f.lower() in MAILDIR_FLAGS}))


class MaildirStore:
    """One account's Maildir++ tree below the archive root."""

    def __init__(self, archive_root: Path, account: str) -> None:
        self.archive_root = archive_root
        self.account_dir = archive_root / account
        self._ready: set[Path] = set()  # Maildirs known to exist in this run

    def folder_dir(self, folder: str, delimiter: str | None) -> Path:
        """Return the Maildir directory of an IMAP folder."""
        if folder.upper() == "INBOX":
            return self.account_dir
        return self.account_dir / ("." + ".".join(folder_segments(folder, delimiter)))

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
        name = f"{unique},S={message.length}:2,{maildir_info(meta.flags)}"
        temp = directory / "tmp" / unique
        final = directory / "cur" / name
        relative = final.relative_to(self.archive_root)
        try:
            self._ensure_maildir(directory)
            if message.spool is not None:
                os.replace(message.spool, temp)  # same file system: the archive root
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
        return Staged(Location(str(relative)), temp, final)

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
                os.replace(item.temp, item.final)
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
        """Read the message file back and hash it."""
        try:
            return digest_file(self.archive_root / location.path)
        except OSError as exc:
            raise StoreError(f"Cannot read back {location.path}: {exc.strerror or exc}") from exc

    def recover(self, catalog: Catalog, account: str) -> tuple[int, int]:
        """Verify files of pending rows; drop rows (and partial files) that do not match."""
        verified, removed = [], []
        for record in catalog.pending(account):
            path = self.archive_root / record.location.path
            try:
                digest, length = digest_file(path)
            except FileNotFoundError:
                digest, length = "", -1
            if digest == record.sha256 and length == record.size:
                verified.append(record.id)
            else:
                # A pending row may point at another row's file (the same bytes archived
                # before): that file is that row's copy, damaged or not, and stays.
                if not catalog.verified_at(record.location.path):
                    path.unlink(missing_ok=True)
                removed.append(record.id)
        catalog.mark_verified(verified)
        catalog.remove(removed)
        self._clean_tmp()
        log_recovery(account, len(verified), len(removed))
        return len(verified), len(removed)

    def _clean_tmp(self) -> None:
        """Remove our own leftovers in ``tmp/`` directories (we hold the archive lock)."""
        if not self.account_dir.exists():
            return
        for leftover in self.account_dir.glob("**/tmp/*.imap-archiver"):
            if leftover.is_file():
                leftover.unlink(missing_ok=True)
