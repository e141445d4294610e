"""mboxrd archive: one file per folder, laid out as Thunderbird's Local Folders are.

INBOX is the file ``<account>/INBOX``; a folder ``A/B`` is the file ``<account>/A.sbd/B``.
Messages are stored byte for byte (CRLF line endings kept) behind a ``From `` line, with
mboxrd quoting: a line matching ``>*From `` gets one more ``>``, which reading removes, so
every message reads back exactly. The catalog records each message's offset and length.

Appending follows the same stage → catalogue → commit → verify order as Maildir: regions are
prepared in files of their own, then, before the first byte is appended, an *intent* is made
durable: which file, where the append starts and how long it is (see :class:`AppendJournal`).
Thunderbird and mutt open these files, and may append to them or rewrite them (``Status:``
headers, compaction), so recovery after an interrupted run cuts a file back only where its
tail is exactly our own unfinished append, compared byte for byte with the prepared regions;
anything else it leaves alone and reports.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from archiver.core.catalog import Location, Record
from archiver.core.errors import StoreError, disk_error
from archiver.core.paths import long_path, make_private_dir, replace_file
from archiver.core.store.base import (
    READ_CHUNK,
    Finding,
    FindingKind,
    Recovery,
    Staged,
    fsync_dir,
    location_path,
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

QUOTED_FROM = re.compile(rb">*From ")
LINE_LIMIT = 1024 * 1024
JOURNAL_DIR = ".appending"  # below the archive root: one folder per account
INTENT_NAME = "intent.json"


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


def unquoted(source: BinaryIO, length: int) -> Iterator[bytes]:
    """Yield the next *length* stored bytes of *source* with the mboxrd quoting undone.

    The one place that reverses :func:`quote`: reading a message, checking it and scanning a
    file for its messages all come through here.
    """
    for line, at_start in lines(source, length):
        yield line[1:] if at_start and line.startswith(b">") and QUOTED_FROM.match(line) else line


def unquote_digest(source: BinaryIO, length: int, size: int) -> tuple[str, int, bytes]:
    """Undo mboxrd quoting of a stored region (From_ line already read).

    Returns the SHA-256 of the first *size* bytes, how many bytes there were (up to *size*),
    and what followed them (the separator, which must be exactly as written).
    """
    digest = hashlib.sha256()
    taken = 0
    rest = b""
    for piece in unquoted(source, length):
        need = size - taken
        digest.update(piece[:need])
        taken += min(len(piece), need)
        if len(piece) > need:
            rest += piece[need:]
    return digest.hexdigest(), taken, rest


def separator(message_end: bytes) -> bytes:
    """Return what follows a message: a blank line, after a newline if it lacks one."""
    return b"\n" if message_end.endswith(b"\n") else b"\n\n"


def padding(file_end: bytes) -> bytes:
    """Return what must come before a new From_ line after a file ending in *file_end*.

    Our own regions end in a blank line; bytes another program appended, or the unfinished
    tail of an append that recovery could not prove ours, may not. A From_ line must start
    a line, after a blank one, or mail programs would not see a new message there.
    """
    if not file_end or file_end.endswith(b"\n\n"):
        return b""
    return b"\n" if file_end.endswith(b"\n") else b"\n\n"


@dataclass(frozen=True, slots=True)
class AppendIntent:
    """One file's append as announced before its first byte: at *offset*, *padding* then
    the prepared *regions* (file names in the journal folder), in order."""

    path: str  # relative to the archive root
    offset: int
    padding: bytes
    regions: tuple[str, ...]


class AppendJournal:
    """The durable record of an mbox append in progress, and the bytes it is made of.

    Lives in ``<archive root>/.appending/<account>/``, outside the account's tree so that
    mail programs opening the tree never see it. The prepared regions stay there until the
    append is complete and synced, so that recovery can compare an unfinished tail with them.
    """

    def __init__(self, archive_root: Path, account: str) -> None:
        self.archive_root = archive_root
        self.directory = archive_root / JOURNAL_DIR / account

    def region_path(self, name: str) -> Path:
        """Return where the prepared region *name* is kept."""
        return self.directory / name

    def begin(self, intents: Sequence[AppendIntent]) -> None:
        """Make the announcement durable; nothing may be appended before this returns."""
        payload = [
            {"path": i.path, "offset": i.offset, "padding": i.padding.decode(),
             "regions": list(i.regions)}
            for i in intents
        ]  # fmt: skip
        make_private_dir(self.directory)
        temp = self.directory / (INTENT_NAME + ".new")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(json.dumps(payload).encode())
            file.flush()
            os.fsync(file.fileno())
        replace_file(temp, self.directory / INTENT_NAME)
        fsync_dir(self.directory)

    def read(self) -> list[AppendIntent] | None:
        """Return the announced appends of an interrupted run, or None if there are none.

        Raises:
            StoreError: the record exists but cannot be read (it is then not trusted).
        """
        path = self.directory / INTENT_NAME
        try:
            payload = json.loads(path.read_bytes())
            return [
                AppendIntent(p["path"], int(p["offset"]), p["padding"].encode(),
                             tuple(p["regions"]))
                for p in payload
            ]  # fmt: skip
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(f"The record of an interrupted append ({path}) is unreadable: "
                             f"{exc}") from exc  # fmt: skip

    def end(self) -> None:
        """Forget the announcement and the prepared regions (the append is settled)."""
        (self.directory / INTENT_NAME).unlink(missing_ok=True)
        if self.directory.exists():
            for leftover in self.directory.iterdir():
                leftover.unlink(missing_ok=True)


def _is_our_tail(path: Path, intent: AppendIntent, journal: AppendJournal, size: int) -> bool:
    """Whether bytes ``[intent.offset, size)`` of *path* are a prefix of the intended append."""
    remaining = size - intent.offset
    with path.open("rb") as file:
        file.seek(intent.offset)
        expected: list[BinaryIO] = [io.BytesIO(intent.padding)]
        try:
            expected += [journal.region_path(name).open("rb") for name in intent.regions]
            for source in expected:
                while remaining > 0 and (chunk := source.read(min(READ_CHUNK, remaining))):
                    if file.read(len(chunk)) != chunk:
                        return False
                    remaining -= len(chunk)
        except FileNotFoundError:
            return False
        finally:
            for source in expected:
                source.close()
    return remaining == 0


def _mbox_folder(name: str) -> str | None:
    """Return the folder-name segment an mbox file (or ``.sbd`` directory) stands for."""
    return None if name.startswith(".") else unescape_segment(name)


class MboxStore:
    """One account's mbox files below the archive root."""

    def __init__(self, archive_root: Path, account: str) -> None:
        self.archive_root = long_path(archive_root)
        self.account_dir = self.archive_root / account
        self.journal = AppendJournal(self.archive_root, account)
        # mbox file -> where the next staged region starts, and what the next append must
        # write first (padding after a tail that is not ours).
        self._ends: dict[Path, int] = {}
        self._padding: dict[Path, bytes] = {}
        self._files: dict[tuple[str, str | None], Path] = {}
        self._names: dict[Path, set[str]] = {}  # a directory's entries, ".sbd" removed

    def folder_file(self, folder: str, delimiter: str | None) -> Path:
        """Return the mbox file of an IMAP folder (see :mod:`.names`).

        Folder ``A/B`` is file ``B`` in directory ``A.sbd``, beside file ``A`` (Thunderbird's
        layout); each level's name is chosen as a Maildir folder's is.
        """
        key = (folder, delimiter)
        if key not in self._files:
            parts = ("INBOX",) if folder.upper() == "INBOX" else split_folder(folder, delimiter)
            directory = self.account_dir
            for depth, part in enumerate(parts):
                names = self._level(directory)
                name = choose_name(
                    escape_segment(part), case_proof_segment(part), names, _mbox_folder, part
                )
                names.add(name)
                directory = directory / (name if depth == len(parts) - 1 else f"{name}.sbd")
            self._files[key] = directory
        return self._files[key]

    def _level(self, directory: Path) -> set[str]:
        if directory not in self._names:
            names: set[str] = set()
            if directory.is_dir():
                with os.scandir(directory) as found:
                    names.update(entry.name.removesuffix(".sbd") for entry in found)
            self._names[directory] = names
        return self._names[directory]

    def _end(self, path: Path) -> int:
        if path not in self._ends:
            size, tail = 0, b""
            if path.exists():
                with path.open("rb") as file:
                    size = file.seek(0, os.SEEK_END)
                    file.seek(max(0, size - 2))
                    tail = file.read()
            self._padding[path] = padding(tail)
            self._ends[path] = size + len(self._padding[path])
        return self._ends[path]

    def stage(
        self, folder: str, delimiter: str | None, uidvalidity: int, message: FetchedMessage
    ) -> Staged:
        """Prepare the message's region (From_ line, quoted bytes, separator) in the journal."""
        path = self.folder_file(folder, delimiter)
        temp = self.journal.region_path(
            f"mbox-{uidvalidity}-{message.meta.uid}-{message.sha256[:16]}"
        )
        try:
            make_private_dir(temp.parent)
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
        rel = location_path(path, self.archive_root)
        return Staged(Location(rel, offset, region), temp, path)

    def commit(self, staged: Sequence[Staged]) -> None:
        """Announce the append, append the regions in order, fsync each file, settle.

        Raises:
            StoreError: writing failed, or a file changed outside the archiver since its
                regions were staged (nothing of the batch is then appended to it).
        """
        by_file: dict[Path, list[Staged]] = {}
        for item in staged:
            by_file.setdefault(item.final, []).append(item)
        intents = []
        for path, items in by_file.items():
            pad = self._padding.get(path, b"")
            start = items[0].location.offset
            assert start is not None
            size = path.stat().st_size if path.exists() else 0
            if size != start - len(pad):
                self._ends.clear()
                self.discard(staged)
                raise StoreError(
                    f"{path} changed outside the archiver (expected {start - len(pad)} "
                    f"bytes, found {size})."
                )
            rel = location_path(path, self.archive_root)
            intents.append(AppendIntent(rel, size, pad, tuple(i.temp.name for i in items)))
        try:
            self.journal.begin(intents)
            for path, items in by_file.items():
                make_private_dir(path.parent)
                is_new = not path.exists()
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "ab") as out:
                    out.write(self._padding.pop(path, b""))
                    for item in items:
                        with item.temp.open("rb") as region:
                            while chunk := region.read(READ_CHUNK):
                                out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                if is_new:
                    fsync_dir(path.parent)
            self.journal.end()
        except OSError as exc:
            self._ends.clear()  # re-read real sizes; the next run settles the append
            self._padding.clear()
            raise disk_error(exc, "appending to the mbox") from exc

    def discard(self, staged: Iterable[Staged]) -> None:
        """Remove prepared regions that will not be appended."""
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

    def recover(self, pending: Sequence[Record]) -> Recovery:
        """Settle an interrupted append: cut only a tail that is provably our own.

        For each announced append: a file that ends where the append was to start, or
        after its full length, needs nothing cut. A file that ends inside it is cut back to
        where the append started only if every byte after that point equals what we were
        appending (padding and prepared regions); otherwise, and for a file shorter than
        when the append began, nothing is touched and a :class:`Finding` says what was found.
        Then pending rows are sorted by whether their region reads back.
        """
        recovery = Recovery()
        try:
            intents = self.journal.read() or []
        except StoreError as exc:
            log.warning("%s", exc)
            intents = []
        unsure: list[tuple[AppendIntent, int]] = []  # prepared regions lost: judged below
        for intent in intents:
            path = self.archive_root / intent.path
            size = path.stat().st_size if path.exists() else 0
            sizes = [_size(self.journal.region_path(name)) for name in intent.regions]
            end = intent.offset + len(intent.padding) + sum(s for s in sizes if s is not None)
            if size < intent.offset:
                recovery.findings.append(
                    Finding(FindingKind.SHRUNK, intent.path, size, intent.offset - size)
                )
            elif size == intent.offset:
                continue  # the append never began
            elif None in sizes:
                unsure.append((intent, size))
            elif size < end:
                if _is_our_tail(path, intent, self.journal, size):
                    _truncate(path, intent.offset)
                    recovery.truncated.append((intent.path, size, intent.offset))
                else:
                    recovery.findings.append(
                        Finding(
                            FindingKind.UNPROVEN_TAIL, intent.path, intent.offset,
                            size - intent.offset,
                        )
                    )  # fmt: skip
        self.journal.end()
        self._ends.clear()
        self._padding.clear()
        good_ends: dict[str, dict[int, int]] = {}  # path -> region start -> region end
        for record in pending:
            exists = (self.archive_root / record.location.path).exists()
            found = self.read_digest(record.location, record.size) if exists else ("", -1)
            good = found == (record.sha256, record.size)
            (recovery.verified if good else recovery.dropped).append(record.id)
            if good and record.location.offset is not None and record.location.length:
                starts = good_ends.setdefault(record.location.path, {})
                starts[record.location.offset] = record.location.offset + record.location.length
        for intent, size in unsure:
            # Without the prepared regions, the tail is ours only as far as pending rows'
            # regions that read back cover it, one after another.
            covered = intent.offset + len(intent.padding)
            while covered in good_ends.get(intent.path, {}):
                covered = good_ends[intent.path][covered]
            if covered < size:
                recovery.findings.append(
                    Finding(FindingKind.UNPROVEN_TAIL, intent.path, covered, size - covered)
                )
        return recovery


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _truncate(path: Path, size: int) -> None:
    """Cut *path* back to *size* bytes: the start of our own unfinished append."""
    log.info("Truncating %s to %d bytes (our own interrupted append)", path, size)
    with path.open("rb+") as file:
        file.truncate(size)
        os.fsync(file.fileno())
