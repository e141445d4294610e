"""What every archive format provides, and the helpers they share."""

from __future__ import annotations

import enum
import functools
import hashlib
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from archiver.core.catalog import Location, Record
from archiver.core.errors import StoreError

if TYPE_CHECKING:  # not at run time: reading the archive (search) needs no IMAP (imapclient)
    from archiver.core.imap import FetchedMessage

log = logging.getLogger(__name__)

READ_CHUNK = 1024 * 1024
FORMAT_MARKER = ".format"  # in each account's tree: the archive format it keeps


@dataclass(frozen=True, slots=True)
class Staged:
    """A message written to a temporary place, not yet in the archive.

    ``location`` is where it will be once committed; ``temp`` holds its prepared bytes.
    """

    location: Location
    temp: Path
    final: Path


class ArchiveStore(Protocol):
    """One account's tree in the archive, in one format.

    The protocol splits storing into stage → (catalogue as pending) → commit → read back, so
    that a message can never be in place without the catalog knowing of it.
    """

    archive_root: Path
    account_dir: Path

    def stage(
        self, folder: str, delimiter: str | None, uidvalidity: int, message: FetchedMessage
    ) -> Staged:
        """Write the message to a temporary file (consuming its spool file, if any)."""
        ...

    def commit(self, staged: Sequence[Staged]) -> None:
        """Make staged messages durable and put them in place (fsync, rename, fsync dirs)."""
        ...

    def discard(self, staged: Iterable[Staged]) -> None:
        """Remove staged temporary files that will not be committed."""
        ...

    def read_digest(self, location: Location, size: int) -> tuple[str, int]:
        """Read a stored message back; return its SHA-256 (hex) and length."""
        ...

    def recover(self, pending: Sequence[Record]) -> Recovery:
        """Look at what an interrupted run left behind; say what is ours and what is not.

        *pending* are the account's pending catalog rows. Recovery removes only what is
        provably our own unfinished work (a temporary file of ours, an unfinished mbox append
        recorded before it began and whose bytes are the ones we meant to write); it changes
        no catalog row: the caller decides from the returned :class:`Recovery`.
        """
        ...


class FindingKind(enum.Enum):
    """Something recovery found in an archive file and left as it is."""

    # Bytes after an interrupted append's start that are not provably the ones we wrote.
    UNPROVEN_TAIL = "unproven tail"
    # The file is shorter than it was when our append began: rewritten by another program.
    SHRUNK = "shrunk"


@dataclass(frozen=True, slots=True)
class Finding:
    """What recovery left alone, and where: *path* from byte *offset*, *length* bytes."""

    kind: FindingKind
    path: str
    offset: int
    length: int


@dataclass
class Recovery:
    """What recovery found: pending rows whose copy is good or not there, what it cut, and
    what it did not dare to touch."""

    verified: list[int] = field(default_factory=list)  # pending rows whose copy reads back
    dropped: list[int] = field(default_factory=list)  # pending rows whose copy is not there
    truncated: list[tuple[str, int, int]] = field(default_factory=list)  # path, from, to
    findings: list[Finding] = field(default_factory=list)


class ChangedOutside(StoreError):
    """Raised when recovery found an archive file changed by another program where an
    interrupted run of ours was writing; it touched nothing there, and the run stops before
    anything leaves the server."""

    def __init__(self, account: str, findings: Sequence[Finding]) -> None:
        self.account = account
        self.findings = tuple(findings)
        parts = []
        for f in self.findings:
            if f.kind is FindingKind.SHRUNK:
                parts.append(
                    f"{f.path} is {f.length} bytes shorter than when the interrupted run began "
                    "appending to it (another program rewrote it); nothing was cut"
                )
            else:
                parts.append(
                    f"{f.path}: the {f.length} bytes from byte {f.offset} on are not provably "
                    "the interrupted run's own and were left as they are"
                )
        super().__init__(
            f"Account {account}: " + "; ".join(parts) + ". The messages of the interrupted run "
            "are still on the server and nothing was deleted. Check the file in your mail "
            "program and run 'imap-archiver verify'; the next run continues after these bytes."
        )


def location_path(path: Path, archive_root: Path) -> str:
    """Return *path* as the catalog records it: relative to the archive root, with ``/``.

    ``/`` on every system, so that a catalog written on Windows reads on macOS and Linux.
    """
    return path.relative_to(archive_root).as_posix()


@functools.cache
def _load_syncfs() -> Callable[[int], int] | None:
    """Return Linux's syncfs(2) where it reports write-back errors (Linux 5.8+), else None.

    Looked up at the first sync, not at import: reading messages (a search's snippets)
    needs neither ctypes nor libc (start-up: docs/PERFORMANCE.md).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        major, minor = (int(part) for part in os.uname().release.split(".")[:2])
        if (major, minor) < (5, 8):
            return None
        import ctypes  # noqa: PLC0415  # see the docstring

        libc = ctypes.CDLL(None, use_errno=True)
        function: Callable[[int], int] = libc.syncfs
    except (OSError, AttributeError, ValueError):
        return None
    return function


def sync_files(paths: Sequence[Path], directory: Path) -> None:
    """Make the content of closed files *paths* durable, all below *directory*.

    On Linux 5.8 and later one syncfs(2) of the archive's file system writes every file of a
    batch in one journal commit and reports any write-back error; a batch of 200 messages
    then costs one disk flush instead of 200. Elsewhere each file is fsynced.
    """
    if not paths:
        return
    syncfs = _load_syncfs()
    if syncfs is not None:
        fd = os.open(directory, os.O_RDONLY)
        try:
            if syncfs(fd) != 0:
                import ctypes  # noqa: PLC0415  # loaded by _load_syncfs

                error = ctypes.get_errno()
                raise OSError(error, os.strerror(error))
        finally:
            os.close(fd)
        return
    for path in paths:
        fd = os.open(path, os.O_RDONLY if os.name == "posix" else os.O_RDWR)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_dir(path: Path) -> None:
    """fsync a directory so that renames and new entries in it are durable (POSIX only)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_into(out: BinaryIO, message: FetchedMessage) -> None:
    """Write a fetched message's bytes (held in memory or spooled) to *out*."""
    if message.data is not None:
        out.write(message.data)
        return
    assert message.spool is not None
    with message.spool.open("rb") as spool:
        while chunk := spool.read(READ_CHUNK):
            out.write(chunk)


def digest_file(path: Path) -> tuple[str, int]:
    """Return SHA-256 (hex) and length of a whole file."""
    digest = hashlib.sha256()
    length = 0
    with path.open("rb") as file:
        while chunk := file.read(READ_CHUNK):
            digest.update(chunk)
            length += len(chunk)
    return digest.hexdigest(), length
