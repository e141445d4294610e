"""The archive lock and renames, on POSIX and by Windows' rules (mandatory locks, sharing
violations), which a stand-in reproduces here."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
import types
from collections.abc import Iterator

import pytest

from archiver.core import lock, paths
from archiver.core.errors import ArchiveLocked

HOLD = """
import sys, time
from pathlib import Path
from archiver.core.lock import archive_lock
with archive_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_held_lock_names_its_holder_and_dies_with_it(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with (
            pytest.raises(ArchiveLocked, match=f"process {holder.pid}\\)"),
            lock.archive_lock(tmp_path),
        ):
            pass
    finally:
        holder.kill()  # as SIGKILL or a crash would end it
        holder.wait(10)
    with lock.archive_lock(tmp_path):
        pass


class FakeMsvcrt(types.ModuleType):
    """msvcrt.locking() as Windows does it: mandatory byte ranges at the file position.

    Unlocking a byte that is not locked fails, as it does on Windows (the crash at the end of
    every job when the lock was released at the wrong position).
    """

    LK_UNLCK, LK_LOCK, LK_NBLCK = 0, 1, 2

    def __init__(self) -> None:
        super().__init__("msvcrt")
        self.locked: set[tuple[int, int]] = set()  # (inode, offset)
        self.calls: list[tuple[int, int]] = []  # (mode, offset)

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        assert nbytes == 1
        offset = os.lseek(fd, 0, os.SEEK_CUR)
        key = (os.fstat(fd).st_ino, offset)
        self.calls.append((mode, offset))
        if mode == self.LK_UNLCK:
            if key not in self.locked:
                raise PermissionError(13, "Permission denied")
            self.locked.remove(key)
        elif key in self.locked:
            raise PermissionError(36, "Resource deadlock avoided")
        else:
            self.locked.add(key)


@pytest.fixture
def windows_lock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMsvcrt]:
    """The lock module as Windows loads it, over a faithful stand-in for msvcrt."""
    fake = FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setattr(sys, "platform", "win32")
    importlib.reload(lock)
    yield fake
    monkeypatch.undo()
    importlib.reload(lock)


def test_windows_locks_and_unlocks_the_same_byte_past_the_holders_pid(tmp_path, windows_lock):
    with lock.archive_lock(tmp_path):
        # A second job (another handle) is refused, and can read who holds the archive:
        # the PID is not in the locked range, which Windows would refuse to read.
        with (
            pytest.raises(ArchiveLocked, match=f"process {os.getpid()}\\)"),
            lock.archive_lock(tmp_path),
        ):
            pass
        pid = (tmp_path / lock.LOCK_NAME).read_bytes()
        assert pid == f"{os.getpid()}\n".encode()
        assert len(pid) <= lock.LOCK_OFFSET
    assert not windows_lock.locked
    taken = {offset for mode, offset in windows_lock.calls if mode != FakeMsvcrt.LK_UNLCK}
    released = {offset for mode, offset in windows_lock.calls if mode == FakeMsvcrt.LK_UNLCK}
    assert taken == released == {lock.LOCK_OFFSET}
    with lock.archive_lock(tmp_path):  # free again
        pass


def sharing_violation(winerror: int) -> OSError:
    """The OSError Windows raises when another program holds the file open."""
    error = PermissionError(13, "The process cannot access the file")
    error.winerror = winerror  # type: ignore[attr-defined]  # set by Windows only
    return error


@pytest.mark.parametrize("winerror", [32, 5])
def test_a_rename_is_retried_while_another_program_holds_the_file(tmp_path, monkeypatch, winerror):
    source, target = tmp_path / "tmp-name", tmp_path / "final-name"
    source.write_bytes(b"message")
    real_replace = os.replace
    failures = [sharing_violation(winerror)] * 3

    def busy_replace(src: object, dst: object) -> None:
        if failures:
            raise failures.pop()
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", busy_replace)
    slept: list[float] = []

    paths.replace_file(source, target, sleep=slept.append)

    assert target.read_bytes() == b"message" and not source.exists()
    assert slept == list(paths.REPLACE_DELAYS[:3])


def test_a_rename_gives_up_in_bounded_time_and_other_errors_at_once(tmp_path, monkeypatch):
    source, target = tmp_path / "tmp-name", tmp_path / "final-name"
    source.write_bytes(b"message")

    def held(src: object, dst: object) -> None:
        raise sharing_violation(32)

    monkeypatch.setattr(os, "replace", held)
    slept: list[float] = []
    with pytest.raises(PermissionError):
        paths.replace_file(source, target, sleep=slept.append)
    assert slept == list(paths.REPLACE_DELAYS) and sum(slept) < 10
    assert source.read_bytes() == b"message"  # nothing lost

    def full(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device (full)")

    slept.clear()
    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError, match="full"):
        paths.replace_file(source, target, sleep=slept.append)
    assert slept == []


def hold_in_thread(root, *, yielding: bool, release: threading.Event) -> threading.Event:
    """Hold the archive lock on another thread of this process until *release* is set."""
    held = threading.Event()

    def hold() -> None:
        with lock.archive_lock(root, yielding=yielding):
            held.set()
            release.wait(30)

    threading.Thread(target=hold, daemon=True).start()
    assert held.wait(10)
    return held


def test_a_job_waits_for_a_yielding_holder_of_its_own_process(tmp_path):
    """The app's background indexing gives way: a job the user starts waits for it."""
    release = threading.Event()
    hold_in_thread(tmp_path, yielding=True, release=release)
    # Work that can as well be left for later does not wait.
    with pytest.raises(ArchiveLocked), lock.archive_lock(tmp_path, wait=False):
        pass
    threading.Timer(0.3, release.set).start()
    with lock.archive_lock(tmp_path):  # the holder stops (here: after 0.3 s): ours now
        assert (tmp_path / lock.LOCK_NAME).read_text().split() == [str(os.getpid())]


def test_a_holder_that_does_not_yield_is_not_waited_for(tmp_path, monkeypatch):
    monkeypatch.setattr(lock, "YIELD_WAIT", 60.0)  # failing at once, not after the wait
    release = threading.Event()
    hold_in_thread(tmp_path, yielding=False, release=release)
    try:
        with pytest.raises(ArchiveLocked), lock.archive_lock(tmp_path):
            pass
    finally:
        release.set()
