"""Hash and write a large message's pieces on a thread while the next piece is fetched.

A message too large to hold in memory comes in pieces, each a FETCH of its own, and goes to a
spool file. Fetching a piece waits on the server and the network, writing it waits on the
disk; done one after the other, each waits for the other. With one piece being written while
the next is fetched, both run at once, and memory holds at most two pieces. Both halves
release the GIL while they wait (socket reads, file writes, SHA-256 of large buffers).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import BinaryIO


class SpoolWriter:
    """Write pieces to *out* in order, on a thread, and hash them as they are written.

    ``write`` returns once the piece is handed over; an error of a write (a full disk) is
    raised by the next ``write`` or by ``finish``, on the caller's thread. Leaving the
    ``with`` block waits for a write still under way, so that *out* can be closed or removed
    right after it.
    """

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._digest = hashlib.sha256()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spool")
        self._pending: Future[None] | None = None

    def __enter__(self) -> SpoolWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._pool.shutdown(wait=True)

    def write(self, piece: bytes) -> None:
        """Queue *piece* after the ones before it, once the previous one is written."""
        self._wait()
        self._pending = self._pool.submit(self._write, piece)

    def finish(self) -> str:
        """Wait until every piece is written; return the SHA-256 (hex) of all of them."""
        self._wait()
        return self._digest.hexdigest()

    def _write(self, piece: bytes) -> None:
        self._digest.update(piece)
        self._out.write(piece)

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()  # raises the write's error here
