"""PDFs read in a process of their own, so that a hostile file costs at most its time limit.

A call into PDFium cannot be interrupted: a PDF made to keep one page's text busy for
minutes would hold the indexer (or the GUI's search) for minutes, and one made to exhaust
memory could take the process down with it. So PDFs are read by a helper process, one
attachment at a time; the caller waits for the answer at most the attachment's time limit
plus GRACE (the helper stops itself at the limit between pages, so the grace is for one
page that does not end). Beyond that the caller kills the helper, records the attachment as
unreadable ("time limit") and goes on; the next PDF starts a new helper. A helper that dies
(a crash in PDFium, out of memory) costs the same: one attachment.

- One helper per process that reads PDFs, started when the first PDF comes (mail without
  PDFs costs nothing) and kept until that process ends: a spawned Python start takes about
  0.1 to 0.25 s on Linux and 0.5 to 1.8 s under Wine (docs/PERFORMANCE.md), too much for one
  per attachment. Spawned, not forked: the only method on Windows, and safe beside threads.
  It is a daemon process: it ends with its parent, and when the parent is killed it reads
  the end of its pipe and ends too.
- Memory: the helper limits its own to MEMORY_LIMIT (memory_limit.py: the address space on
  Linux, a Job Object on Windows), so a PDF that wants more fails in the helper (unreadable)
  instead of starving the machine. macOS does not enforce the limit: there only the time is
  bounded (and a crash of the helper costs one attachment).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from archiver.core.ctrl_c import children_start_ignoring_ctrl_c, ignore_ctrl_c
from archiver.core.index.attachments_text import AttachmentText, Limits, read_pdf_here
from archiver.core.index.memory_limit import limit_own_memory

if TYPE_CHECKING:
    # Pipe() gives a Connection, or on Windows a PipeConnection: both are one of these.
    from multiprocessing.connection import _ConnectionBase as Connection

log = logging.getLogger(__name__)

GRACE = 5.0  # seconds beyond an attachment's own time limit before its reader is killed
START_TIMEOUT = 60.0  # seconds a new helper may take to start (a loaded machine, a slow disk)
MEMORY_LIMIT = 1024 * 2**20  # bytes: of address space on Linux, committed on Windows
_READY = "ready"
# The reasons of the attachments that cost their whole limit (see costly_attachments).
TIME_LIMIT = "time limit"
READER_FAILED = "the PDF reader failed on this file"

# What the helper calls for each attachment: its name, bytes and limits → what it says.
ReadFunction = Callable[[str, bytes, Limits], list[AttachmentText]]


class _NotStarted(Exception):
    """Raised when a helper process did not start or did not say it was ready."""


class ReaderProcess:
    """A helper process reading one PDF at a time, killed when one takes too long.

    Thread-safe: callers take turns (PDFium is not thread-safe, so they would anyway).

    Args:
        read: what the helper calls per attachment; tests pass one that hangs.
        hard_limit: seconds to wait for one attachment; None: its time limit plus GRACE.
        memory_limit: the helper's memory in bytes, where the system enforces a limit.
    """

    def __init__(
        self,
        read: ReadFunction = read_pdf_here,
        *,
        hard_limit: float | None = None,
        memory_limit: int = MEMORY_LIMIT,
    ) -> None:
        self._read = read
        self._hard_limit = hard_limit
        self._memory_limit = memory_limit
        self._lock = threading.Lock()
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None

    def read(self, name: str, data: bytes, limits: Limits) -> list[AttachmentText]:
        """Return what the PDF *data* says, as read_pdf_here would; never raises for bad input."""
        limit = self._hard_limit if self._hard_limit is not None else limits.seconds + GRACE
        with self._lock:
            try:
                conn = self._started()
            except _NotStarted as exc:
                log.warning("The PDF reader could not start (%s); %r is not read.", exc, name)
                return [AttachmentText(name, unreadable=f"the PDF reader could not start ({exc})")]
            try:
                conn.send((name, data, limits))
                if conn.poll(limit):
                    result: list[AttachmentText] = conn.recv()
                    return result
            except (EOFError, OSError):  # it died: a crash in PDFium, out of memory, killed
                code = self._stop()
                log.info("The PDF reader ended reading %r (exit code %s).", name, code)
                return [AttachmentText(name, unreadable=READER_FAILED)]
            self._stop()
            log.info("Reading %r took longer than %g s; its reader was stopped.", name, limit)
            return [AttachmentText(name, unreadable=f"{TIME_LIMIT}: not read within {limit:g} s")]

    def close(self) -> None:
        """Stop the helper, if one runs (it also ends with this process)."""
        with self._lock:
            self._stop()

    def _started(self) -> Connection:
        """Return the pipe to a running helper, starting one if there is none (or it died)."""
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        self._stop()
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(theirs, self._read, self._memory_limit),
            name="pdf-reader",
            daemon=True,
        )
        try:
            with children_start_ignoring_ctrl_c():
                process.start()
        except (OSError, AssertionError) as exc:  # AssertionError: from a daemonic process
            ours.close()
            raise _NotStarted(str(exc)) from exc
        finally:
            theirs.close()  # the helper has its own copy: its end of file is ours to give
        self._process, self._conn = process, ours
        try:
            if ours.poll(START_TIMEOUT) and ours.recv() == _READY:
                return ours
        except (EOFError, OSError):
            pass
        code = self._stop()
        raise _NotStarted(f"exit code {code}")

    def _stop(self) -> int | None:
        """Kill the helper (if any) and forget it; return its exit code."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is None:
            return None
        process.kill()
        process.join(10)
        code = process.exitcode
        if code is not None:
            process.close()
        return code


def costly_attachments(unreadable: Sequence[str]) -> frozenset[str]:
    """Return the names of the attachments the index recorded as costing their whole limit.

    *unreadable* holds a hit's ``"name: why"`` notes. Rereading such a file (for a snippet,
    for the preview's matching attachments) would cost that much again, so it is skipped.
    """
    names = set()
    for note in unreadable:
        for reason in (f": {TIME_LIMIT}:", f": {READER_FAILED}"):
            name, found, _ = note.partition(reason)
            if found:
                names.add(name)
    return frozenset(names)


def _serve(conn: Connection, read: ReadFunction, memory_limit: int) -> None:
    """The helper process: read attachments until the pipe ends."""
    # Ctrl-C (and Ctrl-Break on Windows) reaches every process of the console: the parent's
    # to handle; this process ends with it.
    ignore_ctrl_c()
    limit_own_memory(memory_limit)
    # Loaded before saying ready, so that its load (a second under Wine) is not counted as
    # the first PDF's time.
    import pypdfium2  # noqa: F401, PLC0415

    conn.send(_READY)
    while True:
        try:
            name, data, limits = conn.recv()
        except (EOFError, OSError):
            return  # the parent closed its end or ended
        conn.send(read(name, data, limits))


PDF_READER = ReaderProcess()
"""The helper of this process (one per process, as PDFium is one library per process)."""
