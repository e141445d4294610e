"""mboxrd archive: one file per folder, laid out as Thunderbird's Local Folders are.

INBOX is the file ``<account>/INBOX``; a folder ``A/B`` is the file ``<account>/A.sbd/B``.
Messages are stored byte for byte (CRLF line endings kept) behind a ``From `` line, with
mboxrd quoting: a line matching ``>*From `` gets one more ``>``, which reading removes, so
every message reads back exactly. The catalog records each message's offset and length.

Appending follows the same stage → catalogue → commit → verify order as Maildir: regions are
prepared in spool files, appended, fsynced; an interrupted append is truncated away on the
next run, before anything else is written.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from archiver.core.catalog import Catalog, Location
from archiver.core.errors import StoreError, disk_error
from archiver.core.imap import FetchedMessage
from archiver.core.paths import make_private_dir
from archiver.core.store.base import READ_CHUNK, Staged, folder_segments, fsync_dir, log_recovery

log = logging.getLogger(__name__)

QUOTED_FROM = re.compile(rb">*From ")
LINE_LIMIT = 1024 * 1024


def from_line(message: FetchedMessage) -> bytes:
    """Return the separator line: ``From MAILER-DAEMON <asctime of INTERNALDATE>``."""
    when = time.asctime(time.gmtime(message.meta.internaldate.timestamp()))
    return f"From MAILER-DAEMON {when}\n".encode()


def lines(source: BinaryIO, remaining: int | None = None) -> Iterator[tuple[bytes, bool]]:
    """Yield pieces of *source* with whether each starts a line; long lines come in pieces."""
    at_start = True
    while remaining is None or remaining > 0:
        limit = LINE_LIMIT if remaining is None else min(LINE_LIMIT, remaining)
        piece = source.readline(limit)
        if not piece:
            return
        if remaining is not None:
            remaining -= len(piece)
        yield piece, at_start
        at_start = piece.endswith(b"\n")


def quote(source: BinaryIO, out: BinaryIO) -> int:
    """Copy *source* to *out* with mboxrd quoting; return the bytes written."""
    written = 0
    for piece, at_start in lines(source):
        if at_start and QUOTED_FROM.match(piece):
            out.write(b">")
            written += 1
        out.write(piece)
        written += len(piece)
    return written


def unquote_digest(source: BinaryIO, length: int, size: int) -> tuple[str, int, bytes]:
    """Undo mboxrd quoting of a stored region (From_ line already read).

    Returns the SHA-256 of the first *size* bytes, how many bytes there were (up to *size*),
    and what followed them (the separator, which must be exactly as written).
    """
    digest = hashlib.sha256()
    taken = 0
    rest = b""
    for line, at_start in lines(source, length):
        piece = line[1:] if at_start and line.startswith(b">") and QUOTED_FROM.match(line) else line
        need = size - taken
        digest.update(piece[:need])
        taken += min(len(piece), need)
        if len(piece) > need:
            rest += piece[need:]
    return digest.hexdigest(), taken, rest


def separator(message_end: bytes) -> bytes:
    """Return what follows a message: a blank line, after a newline if it lacks one."""
    return b"\n" if message_end.endswith(b"\n") else b"\n\n"


class MboxStore:
    """One account's mbox files below the archive root."""

    def __init__(self, archive_root: Path, account: str) -> None:
        self.archive_root = archive_root
        self.account_dir = archive_root / account
        self._spool = archive_root / ".spool"
        self._ends: dict[Path, int] = {}  # mbox file -> where the next staged region starts

    def folder_file(self, folder: str, delimiter: str | None) -> Path:
        """Return the mbox file of an IMAP folder."""
        segments = ["INBOX"] if folder.upper() == "INBOX" else folder_segments(folder, delimiter)
        *parents, leaf = segments
        return self.account_dir.joinpath(*(f"{p}.sbd" for p in parents), leaf)

    def _end(self, path: Path) -> int:
        if path not in self._ends:
            self._ends[path] = path.stat().st_size if path.exists() else 0
        return self._ends[path]

    def stage(
        self, folder: str, delimiter: str | None, uidvalidity: int, message: FetchedMessage
    ) -> Staged:
        """Prepare the message's region (From_ line, quoted bytes, separator) in a spool file."""
        path = self.folder_file(folder, delimiter)
        temp = self._spool / f"mbox-{uidvalidity}-{message.meta.uid}-{message.sha256[:16]}"
        try:
            make_private_dir(self._spool)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                head = from_line(message)
                out.write(head)
                if message.data is not None:
                    length = quote(io.BytesIO(message.data), out)
                    tail = message.data[-2:]
                else:
                    assert message.spool is not None
                    with message.spool.open("rb") as source:
                        length = quote(source, out)
                        source.seek(max(0, message.length - 2))
                        tail = source.read()
                    message.spool.unlink()
                sep = separator(tail)
                out.write(sep)
            region = len(head) + length + len(sep)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise disk_error(exc, f"preparing {folder} UID {message.meta.uid}") from exc
        offset = self._end(path)
        self._ends[path] = offset + region
        rel = str(path.relative_to(self.archive_root))
        return Staged(Location(rel, offset, region), temp, path)

    def commit(self, staged: Sequence[Staged]) -> None:
        """Append the regions in order to their mbox files, fsync each file once."""
        by_file: dict[Path, list[Staged]] = {}
        for item in staged:
            by_file.setdefault(item.final, []).append(item)
        try:
            for path, items in by_file.items():
                make_private_dir(path.parent)
                is_new = not path.exists()
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "ab") as out:
                    for item in items:
                        if out.tell() != item.location.offset:
                            raise StoreError(
                                f"{path} changed outside the archiver (expected "
                                f"{item.location.offset} bytes, found {out.tell()})."
                            )
                        with item.temp.open("rb") as region:
                            while chunk := region.read(READ_CHUNK):
                                out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                if is_new:
                    fsync_dir(path.parent)
        except OSError as exc:
            self._ends.clear()  # re-read real sizes; the next run truncates partial appends
            raise disk_error(exc, "appending to the mbox") from exc
        finally:
            self.discard(staged)

    def discard(self, staged: Iterable[Staged]) -> None:
        """Remove region spool files."""
        for item in staged:
            item.temp.unlink(missing_ok=True)

    def read_digest(self, location: Location, size: int) -> tuple[str, int]:
        """Read a region back, undo the quoting, check the separator, hash the message."""
        assert location.offset is not None and location.length is not None
        path = self.archive_root / location.path
        try:
            with path.open("rb") as file:
                file.seek(location.offset)
                head = file.readline(LINE_LIMIT)
                if not head.startswith(b"From "):
                    return "", -1
                digest, taken, rest = unquote_digest(file, location.length - len(head), size)
        except OSError as exc:
            raise StoreError(f"Cannot read back {location.path}: {exc.strerror or exc}") from exc
        if taken != size or rest not in (b"\n", b"\n\n"):
            return "", -1
        return digest, taken

    def recover(self, catalog: Catalog, account: str) -> tuple[int, int]:
        """Keep pending regions that verify; cut each file they touch after its last good one.

        Pending rows are written before their regions are appended, so a file can only have
        an interrupted tail where a pending row points into it.
        """
        verified: list[int] = []
        removed: list[int] = []
        pending = catalog.pending(account)
        for record in pending:
            exists = (self.archive_root / record.location.path).exists()
            found = self.read_digest(record.location, record.size) if exists else ("", -1)
            good = found == (record.sha256, record.size)
            (verified if good else removed).append(record.id)
        catalog.mark_verified(verified)
        catalog.remove(removed)
        for rel in {record.location.path for record in pending}:
            _truncate(self.archive_root / rel, catalog.region_end(rel))
        self._ends.clear()
        log_recovery(account, len(verified), len(removed))
        return len(verified), len(removed)


def _truncate(path: Path, size: int) -> None:
    """Cut *path* to *size* bytes if it is longer (an interrupted append's tail)."""
    if not path.exists() or path.stat().st_size <= size:
        return
    log.warning(
        "Truncating %s from %d to %d bytes (interrupted append)", path, path.stat().st_size, size
    )
    with path.open("rb+") as file:
        file.truncate(size)
        os.fsync(file.fileno())
