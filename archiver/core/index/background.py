"""Indexing in a process beside the archive job, so a message is searchable once archived.

The archive job pokes the indexer after each batch it has verified; the indexer indexes
whatever verified rows of the account the catalog marks unindexed (rows left by an earlier,
interrupted run included) and sleeps until the next poke. It is a process of its own, not a
thread: indexing is pure Python and would otherwise take turns with the archive job for the
interpreter lock, halving both (on two cores the archive finishes at full speed and frees the
server while the index follows).

The index is derived data: if indexing fails, the archive job goes on untouched, and the rows
stay unindexed for the next run, search or ``imap-archiver reindex``. The indexer dies with
the job, also when the job is killed, on every system: it watches a pipe whose other end only
the job holds, and the operating system closes that end when the job's process ends however
it ends; so the indexer never writes after the archive lock is gone. The job goes on when the
indexer dies (killed, out of memory), so the two share no lock: a multiprocessing Event or a
locked Value held by a process that died blocks every other process that touches it for good
(an Event's set() waits for its dead sleeper to wake).
The job wakes the indexer through a semaphore, which has no owner, and flags and counters are
plain shared memory.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import logging.handlers
import multiprocessing
import multiprocessing.connection
import multiprocessing.synchronize
import os
import threading
from functools import partial
from pathlib import Path
from typing import Any

from archiver.core.catalog import Catalog
from archiver.core.ctrl_c import children_start_ignoring_ctrl_c, ignore_ctrl_c
from archiver.core.index.attachments_text import LIMITS, Limits
from archiver.core.index.indexer import IndexReport, index_all, index_records, open_index
from archiver.core.progress import Cancelled, CancelToken, Phase, Progress, ProgressCallback

log = logging.getLogger(__name__)

INDEXING = "Indexing for search"
# Messages per commit while archiving: small enough that search sees them soon. Once the
# server is freed, the rest goes into one commit on every core (indexer.index_all).
CHUNK = 1000
POLL = 0.2  # seconds between looks at the other side


class BackgroundIndexer:
    """A process that indexes one account's newly verified messages while it is archived.

    Call :meth:`start`, :meth:`poke` after each verified batch, and :meth:`finish` once
    (it waits for the process); the archive lock must be held throughout. Its log records
    arrive in this process's logging.
    """

    def __init__(
        self,
        archive_root: Path,
        account: str,
        limits: Limits = LIMITS,
        *,
        parallel_min: int | None = None,
    ) -> None:
        """*parallel_min*: the fewest messages a commit indexes with the multi-process
        writer once the job is finishing (None: indexer.PARALLEL_MIN; tests lower it)."""
        self.archive_root = archive_root
        self.account = account
        self.result = IndexReport()
        self.error: str | None = None
        context = multiprocessing.get_context("spawn")  # fork is unsafe beside threads
        # No locks shared with the indexer (see the module docstring): a semaphore to wake it,
        # lock-free flags and counters (one writer each; a torn read only shows in progress).
        self._wake = context.Semaphore(0)
        self._finishing = context.RawValue(ctypes.c_bool, False)
        self._cancel = context.RawValue(ctypes.c_bool, False)
        self._indexed = context.RawValue(ctypes.c_int64, 0)  # committed and marked
        self._added = context.RawValue(ctypes.c_int64, 0)  # given to the writer: progress
        self._remaining = context.RawValue(ctypes.c_int64, 0)
        self._messages = context.SimpleQueue()  # log records, then the outcome
        # The lifeline: the child's end reads EOF once the job's process is gone.
        self._lifeline_child, self._lifeline = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_index_in_child,
            args=(
                str(archive_root),
                account,
                limits,
                parallel_min,
                self._lifeline_child,
                self._wake,
                self._finishing,
                self._cancel,
                self._indexed,
                self._added,
                self._remaining,
                self._messages,
            ),
            name="search-indexer",
            daemon=True,
        )
        self._outcome: dict[str, Any] = {}
        self._reader = threading.Thread(target=self._read_messages, daemon=True)

    def start(self) -> None:
        """Start the process; it first indexes what earlier runs left unindexed."""
        self._wake.release()
        with children_start_ignoring_ctrl_c():
            self._process.start()
        self._lifeline_child.close()  # the child has its own copy; only the job's end stays
        self._reader.start()

    def poke(self) -> None:
        """Say that more rows were verified."""
        self._wake.release()

    def finish(self, *, report: ProgressCallback, cancel: CancelToken) -> IndexReport:
        """Let the process index what is left and wait for it, showing progress.

        On *cancel* it stops at once, or after its commit if it is committing; what it has
        not committed waits for next time.
        """
        self._finishing.value = True
        self._wake.release()
        while self._process.is_alive():
            if cancel.is_cancelled:
                self._cancel.value = True
            done = self._added.value
            report(Progress(done, done + self._remaining.value, INDEXING, phase=Phase.INDEXING))
            self._process.join(POLL)
        self._lifeline.close()
        self._reader.join(10)
        self.result = IndexReport(
            self._outcome.get("indexed", self._indexed.value),
            self._outcome.get("partial", 0),
            list(self._outcome.get("unreadable", [])),
        )
        if "indexed" not in self._outcome:
            self.error = f"the indexer ended unexpectedly (exit code {self._process.exitcode})"
            log.warning("Account %s: %s; it catches up on the next run.", self.account, self.error)
        else:
            self.error = self._outcome.get("error")
        report(Progress(self.result.indexed, self.result.indexed, INDEXING, phase=Phase.INDEXING))
        return self.result

    def _read_messages(self) -> None:
        """Pass the child's log records on to this process's loggers; keep its outcome."""
        while True:
            try:
                item = self._messages.get()
            except (EOFError, OSError):
                return
            if isinstance(item, logging.LogRecord):
                logging.getLogger(item.name).handle(item)
            elif isinstance(item, dict):
                self._outcome = item
                return


class _SimpleQueueHandler(logging.handlers.QueueHandler):
    """A QueueHandler onto a SimpleQueue (no feeder thread in the child)."""

    def enqueue(self, record: logging.LogRecord) -> None:
        self.queue.put(record)  # type: ignore[attr-defined]  # a SimpleQueue, no put_nowait


def _watch_lifeline(lifeline: multiprocessing.connection.Connection) -> None:
    """End this process at once when the job's end of the lifeline closes (the job is gone).

    The job never writes to it; a read returns only at end of file. The index writer's
    worker processes (forked, waiting for their next batch) end with it.
    """
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()
    for child in multiprocessing.active_children():
        with contextlib.suppress(OSError, ValueError):
            child.kill()
    os._exit(0)


class _SharedCancel(CancelToken):
    """The job's cancel, as the indexer process sees it: a flag in shared memory."""

    def __init__(self, flag: ctypes.c_bool) -> None:
        super().__init__()
        self._flag = flag

    @property
    def is_cancelled(self) -> bool:
        return bool(self._flag.value)


def _show(
    added: ctypes.c_int64, remaining: ctypes.c_int64, before: int, progress: Progress
) -> None:
    """Publish index_all's progress: messages given to the writer, and those left."""
    added.value = before + progress.done
    remaining.value = progress.total - progress.done


def _index_in_child(
    archive_root: str,
    account: str,
    limits: Limits,
    parallel_min: int | None,
    lifeline: multiprocessing.connection.Connection,
    wake: multiprocessing.synchronize.Semaphore,
    finishing: ctypes.c_bool,
    cancel: ctypes.c_bool,
    indexed: ctypes.c_int64,
    added: ctypes.c_int64,
    remaining: ctypes.c_int64,
    messages: Any,
) -> None:
    """The indexer process: index, sleep until poked, until told to finish."""
    threading.Thread(target=_watch_lifeline, args=(lifeline,), daemon=True).start()
    # A daemonic process may not start processes, and this one starts the PDF reader
    # (reader_process). It ends with the job through the lifeline, not by being a daemon.
    multiprocessing.current_process().daemon = False
    # Ctrl-C (and Ctrl-Break on Windows) reaches every process of the console: the job's to
    # handle, which stops this process through finish() or the lifeline.
    ignore_ctrl_c()
    root = logging.getLogger()
    root.handlers[:] = [_SimpleQueueHandler(messages)]
    root.setLevel(logging.INFO)
    result = IndexReport()
    error = None
    try:
        with Catalog.open(Path(archive_root)) as catalog:
            ix = open_index(Path(archive_root), catalog)
            try:
                # Into an index that was empty every document is ours, marked right after
                # its commit: there are no older copies to replace.
                replace = ix.doc_count_all() > 0
                unreadable: set[int] = set()  # failed their check: not retried this run
                while True:
                    wake.acquire(timeout=POLL)
                    while wake.acquire(block=False):  # one pass serves every poke so far
                        continue
                    if finishing.value:  # the server is freed: the rest on every core
                        if ids := [i for i in catalog.unindexed(account) if i not in unreadable]:
                            done = index_all(
                                ix,
                                Path(archive_root),
                                catalog,
                                ids,
                                replace=replace,
                                report=partial(_show, added, remaining, result.indexed),
                                cancel=_SharedCancel(cancel),
                                limits=limits,
                                fork_safe=True,
                                parallel_min=parallel_min,
                            )
                            result.add(done)
                            indexed.value = result.indexed
                        return
                    # While the job copies, it needs the other core: one process, commits
                    # small enough that search sees the messages soon. Once the server is
                    # freed, the chunk ends at once: the rest goes to every core.
                    while not finishing.value and (
                        ids := [i for i in catalog.unindexed(account) if i not in unreadable]
                    ):
                        remaining.value = len(ids)
                        chunk = ids[:CHUNK]
                        records = catalog.get(chunk)
                        done = index_records(
                            ix,
                            Path(archive_root),
                            catalog,
                            [records[i] for i in chunk],
                            replace=replace,
                            limits=limits,
                            until=lambda: finishing.value,
                        )
                        result.add(done)
                        added.value = indexed.value = result.indexed
                        unreadable.update(done.unreadable)
                    remaining.value = 0
            except Cancelled:
                pass  # what was not committed stays unindexed, for the next run
            finally:
                ix.close()
    except Exception as exc:  # the index must never break archiving
        error = str(exc)
        log.warning(
            "Account %s: the search index could not be updated (%s); the archive is "
            "complete, and the index catches up on the next run or with "
            "'imap-archiver reindex'.",
            account,
            exc,
            exc_info=True,
        )
    finally:
        messages.put(
            {
                "indexed": result.indexed,
                "partial": result.partial,
                "unreadable": result.unreadable,
                "error": error,
            }
        )
