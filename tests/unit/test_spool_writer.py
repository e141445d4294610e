"""The spool writer: a large message's pieces written in order, on a thread, errors not lost."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import threading

import pytest

from archiver.core.spool_writer import SpoolWriter


class SlowFile(io.BytesIO):
    """A file whose writes wait until the test lets them go, and may fail."""

    def __init__(self, fail_at: int | None = None) -> None:
        super().__init__()
        self.go = threading.Event()
        self.started = threading.Event()
        self.threads: set[str] = set()
        self.fail_at = fail_at
        self.writes = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.threads.add(threading.current_thread().name)
        self.started.set()
        assert self.go.wait(5)
        self.writes += 1
        if self.writes == self.fail_at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


def test_pieces_are_written_in_order_on_another_thread_and_hashed():
    out = SlowFile()
    out.go.set()
    pieces = [bytes([i]) * (100_000 + i) for i in range(7)]

    with SpoolWriter(out) as writer:
        for piece in pieces:
            writer.write(piece)
        digest = writer.finish()

    assert out.getvalue() == b"".join(pieces)
    assert digest == hashlib.sha256(b"".join(pieces)).hexdigest()
    assert out.threads and threading.current_thread().name not in out.threads


def test_write_returns_while_the_piece_is_still_being_written():
    out = SlowFile()
    with SpoolWriter(out) as writer:
        writer.write(b"first")  # returns at once: the file's write is blocked
        assert out.started.wait(5) and out.getvalue() == b""
        out.go.set()
        assert writer.finish() == hashlib.sha256(b"first").hexdigest()
    assert out.getvalue() == b"first"


def test_a_failed_write_is_raised_by_the_next_write_and_nothing_after_it_is_written():
    out = SlowFile(fail_at=2)
    out.go.set()
    with SpoolWriter(out) as writer:
        writer.write(b"one")
        writer.write(b"two")  # fails on the writer's thread
        with pytest.raises(OSError) as raised:
            writer.write(b"three")
    assert raised.value.errno == errno.ENOSPC
    assert out.getvalue() == b"one"


def test_a_failed_last_write_is_raised_by_finish():
    out = SlowFile(fail_at=1)
    out.go.set()
    with SpoolWriter(out) as writer:
        writer.write(b"only")
        with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)):
            writer.finish()


def test_leaving_the_block_waits_for_the_write_under_way():
    out = SlowFile()
    release = threading.Timer(0.2, out.go.set)

    with pytest.raises(RuntimeError, match="the fetch failed"), SpoolWriter(out) as writer:
        writer.write(b"piece")
        assert out.started.wait(5)
        release.start()
        raise RuntimeError("the fetch failed")

    # The write was done before the block was left: the file can be closed and removed now.
    assert out.getvalue() == b"piece"
    assert not [t for t in threading.enumerate() if t.name.startswith("spool")]
