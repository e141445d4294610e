"""The archive lock: one job per archive at a time."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from archiver.core.errors import READ_ONLY_ERRNOS, ArchiveLocked, ArchiveReadOnly
from archiver.core.paths import make_private_dir

log = logging.getLogger(__name__)

LOCK_NAME = ".lock"
# Where the lock is taken: one byte far past the holder's PID at the start of the file.
# Windows locks are mandatory (a locked byte cannot even be read), and msvcrt.locking()
# works at the file position, so locking and unlocking both seek here first, and a second
# process can still read the PID to say who holds the archive.
LOCK_OFFSET = 1 << 20
# Written after the holder's PID by a holder that gives way: the app's background indexing,
# which the app stops as soon as the user starts a job. A job of the same process that finds
# the archive held so waits for it (a few seconds, at most YIELD_WAIT) instead of failing.
YIELDING = "yielding"
YIELD_WAIT = 30.0  # seconds


@contextmanager
def archive_lock(
    archive_root: Path, name: str = LOCK_NAME, *, yielding: bool = False, wait: bool = True
) -> Iterator[None]:
    """Hold the archive's lock file for the duration; raise ArchiveLocked if it is taken,
    ArchiveReadOnly if it cannot be created (only commands that write take the lock).

    Another *name* is another lock in that folder (the scheduled runs' own, which keeps
    two of them from taking turns with the archive lock between accounts). A *yielding*
    holder promises to stop when its process wants the archive for something else (see
    YIELDING); a lock held so by this process is waited for, unless *wait* is false (for
    work that can as well be left for later).

    The operating system releases the lock when the process ends, even by SIGKILL, so a
    crashed run never leaves the archive locked.
    """
    path = archive_root / name
    try:
        make_private_dir(archive_root)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as exc:
        if exc.errno in READ_ONLY_ERRNOS:  # only readers may use it: they take no lock
            raise ArchiveReadOnly(archive_root) from exc
        raise
    try:
        if not _try_lock(fd) and not (wait and _wait_for_own_yielding_holder(fd)):
            holder = (_holder(fd) or ["unknown"])[0]
            raise ArchiveLocked(
                f"Another imap-archiver job (process {holder}) is using the "
                f"archive at {archive_root}; wait for it to finish."
            )
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}{' ' + YIELDING if yielding else ''}\n".encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            _unlock(fd)
    finally:
        os.close(fd)


def _holder(fd: int) -> list[str]:
    """The holder's line: its PID, and YIELDING if it gives way."""
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 64).decode(errors="replace").split()


def _wait_for_own_yielding_holder(fd: int) -> bool:
    """Wait while a yielding job of this process holds the lock; True once it is ours."""
    deadline = time.monotonic() + YIELD_WAIT
    while time.monotonic() < deadline:
        holder = _holder(fd)  # empty while a holder comes or goes
        if holder and holder != [str(os.getpid()), YIELDING]:
            return False
        time.sleep(0.05)
        if _try_lock(fd):
            return True
    return False


@contextmanager
def reading_lock(archive_root: Path) -> Iterator[None]:
    """Hold the archive lock while a job reads the whole archive (verify, backup); on
    read-only media, go on without it.

    Nothing can write to read-only media, so no job can change the archive under the reader.
    """
    with ExitStack() as stack:
        try:
            stack.enter_context(archive_lock(archive_root))
        except ArchiveReadOnly:
            log.info("The archive at %s is read-only; reading it without the lock", archive_root)
        yield


if sys.platform != "win32":
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

else:  # Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)  # locking() unlocks at the file position
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
