"""The index writer's worker processes: Whoosh's multi-process writer, started safely.

Whoosh's MpWriter (whoosh.multiproc) gives batches of documents to worker processes, each
writing a segment, and commits their segments together: on two cores about 1.7 times as
fast as one process (docs/PERFORMANCE.md). This module holds what we need around it and
all the writer's internals we rely on (checked by tests/unit/test_library_internals.py):
how its workers start (forked on Linux where that is safe, else spawned), that they ignore
Ctrl-C and end with their parent, how a cancel ends them (drop_writer), and the thread a
commit leaves behind and a worker that died (finish_workers).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import warnings
from functools import cache
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask

from archiver.core.ctrl_c import children_start_ignoring_ctrl_c, ignore_ctrl_c
from archiver.core.errors import StoreError
from archiver.core.index import pool

_PR_SET_PDEATHSIG = 1  # prctl(2) option, from <linux/prctl.h>


def can_start_workers(*, fork_safe: bool) -> bool:
    """Whether this process may start the writer's worker processes now.

    On Linux they are forked (see fork_index_workers) where that is safe: in a
    single-threaded process (the command line) or one whose caller says its other threads
    take no locks (*fork_safe*: the archive job's indexer process, whose one other thread
    waits on its lifeline). Forking is unsafe once a process runs threads that may hold a
    lock at the fork (the app's pool), so there they are spawned (spawn_index_workers), as
    on Windows, which cannot fork: a fresh Python per worker, slower to start, safe beside
    threads. macOS is left to one process: spawning would work there too, but no
    test has run there.
    """
    if sys.platform == "win32":
        return True
    if threading.active_count() > 1 and not fork_safe:
        return spawn_index_workers()
    return fork_index_workers()


class MailMpWriter(MpWriter):
    """Whoosh's multi-process writer, with workers that also start right when spawned."""

    def _new_task(self) -> SubWriterTask:
        # MpWriter._new_task, with our task class.
        task = _WorkerTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        if task.spawned:
            with children_start_ignoring_ctrl_c():
                task.start()
        else:  # forked: _prepare_writer_workers holds Ctrl-C back
            task.start()
        return task


class _WorkerTask(SubWriterTask):
    """A writer worker. A forked one is set up by the fork hooks (_prepare_writer_workers);
    a spawned one (Windows, or Linux beside threads) sets itself up here, as it starts."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.spawned = multiprocessing.get_start_method() != "fork"

    def run(self) -> None:
        if self.spawned:
            # Ctrl-C (and Ctrl-Break) reaches every process of the console: the parent's
            # to handle (it ends the workers: drop_writer).
            ignore_ctrl_c()
            # The worker waits on a queue whose pipe it holds both ends of: were its parent
            # killed, it would wait forever.
            threading.Thread(target=_end_with_parent, daemon=True).start()
            pool.install()  # the parent's pool, as a forked worker has it
        super().run()


def _end_with_parent() -> None:
    """End this (spawned) process as soon as the process that started it has ended."""
    parent = multiprocessing.parent_process()
    if parent is None:  # not a child of multiprocessing's: nothing to watch
        return
    parent.join()  # on Windows the parent's process handle; elsewhere a pipe it holds
    os._exit(1)


def fork_index_workers() -> bool:
    """Make this process fork the index writer's worker processes; return whether it does.

    Whoosh's multi-process writer starts its workers by multiprocessing's default start
    method, and they must be forked. Fork is that default on Linux only up to Python 3.13
    (3.14 makes it forkserver), and a spawned process (the archive job's indexer) spawns its
    own children: without this the writer never used a second core there. So on Linux the
    default becomes fork; the caller has made sure that forking is safe (can_start_workers).
    Our other processes name their start method (spawn), so nothing else changes. macOS keeps
    spawn (forking is unsafe where its system frameworks ran) and Windows cannot fork.
    Python 3.12 and later warn on each fork beside a thread; here (the indexer's lifeline
    watcher) that says nothing new, and it would reach the user's terminal.

    Every process this one forks from now on is a worker of the writer (see
    _prepare_writer_workers).
    """
    if not sys.platform.startswith("linux"):
        return False
    if multiprocessing.get_start_method(allow_none=True) != "fork":
        multiprocessing.set_start_method("fork", force=True)
    warnings.filterwarnings(
        "ignore", r"This process \(pid=\d+\) is multi-threaded", DeprecationWarning
    )
    _prepare_writer_workers()
    return True


def spawn_index_workers() -> bool:
    """Make this process (Linux, with threads) spawn the index writer's worker processes;
    return whether it does.

    The start method is this process's default, which Whoosh's writer uses, and the last
    writer's choice: a single-threaded process forks again (fork_index_workers). Our other
    processes name their start method, so nothing else changes. The app's catch-up of
    19,500 messages took 68.7 s so, against 158.1 s in one process (docs/PERFORMANCE.md).
    """
    if not sys.platform.startswith("linux"):
        return False
    if multiprocessing.get_start_method(allow_none=True) != "spawn":
        multiprocessing.set_start_method("spawn", force=True)
    return True


@cache
def _prepare_writer_workers() -> None:
    """Have every child this process forks from now on become a writer worker (once).

    Ctrl-C reaches every process of the terminal's foreground group, the workers included,
    which would run the command's handler as well (its message printed once per process, a
    traceback each) and leave the command waiting on them at exit. So a worker ignores it
    (held back across the fork, so that none arrives before), and the parent stops the
    workers: its cancel drops the writer (drop_writer). And a worker waits for work on a
    queue whose pipe it holds both ends of: were its parent killed, it would wait forever.
    Linux sends it SIGKILL when its parent ends (PR_SET_PDEATHSIG).
    """
    if not sys.platform.startswith("linux"):  # the writer forks only there
        return
    parent = os.getpid()
    held: list[set[int | signal.Signals]] = []

    def hold() -> None:
        held.append(signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}))

    def release() -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held.pop())

    def become_a_worker() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        release()
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it ended before the request was made
            os._exit(1)

    os.register_at_fork(before=hold, after_in_parent=release, after_in_child=become_a_worker)


def drop_writer(writer: Any) -> None:
    """Give up a writer's work at once: nothing is committed, and its workers are ended.

    Whoosh's MpWriter.cancel() only tells the parent's copies of its worker processes to
    stop; the workers go on indexing what is queued, then wait on the job queue for good,
    and the process waits for them at exit. They are killed here. What they leave is the
    writer's temporary storage, which the writer's own cancel removes, and segment files no
    table of contents names, which the next commit deletes (whoosh.index.clean_files).
    The writer's attributes used here are checked by tests/unit/test_library_internals.py.
    """
    if isinstance(writer, MpWriter):
        for task in writer.tasks:
            task.kill()
        for task in writer.tasks:
            task.join()
        for queue in (writer.jobqueue, writer.resultqueue):
            queue.cancel_join_thread()  # its feeder would wait for a reader that is gone
            queue.close()
    writer.cancel()


def finish_workers(writer: Any) -> None:
    """After a commit: end the thread the writer leaves here, and raise if a worker failed.

    The job queue's feeder thread lives on after the commit, until the queue is collected.
    Meanwhile this process runs two threads, so the next writer (a catch-up's next commit)
    would not fork its workers (see can_start_workers), indexing on one core. The workers
    have read every job by then, so the thread has nothing left to send and ends at once.

    A worker that died (killed, out of memory) sends no segment, and the writer's commit
    leaves its messages out without a word. Raises StoreError then, so that the caller
    marks none of the messages indexed: the next run indexes them again (replacing those
    that did arrive).
    """
    if not isinstance(writer, MpWriter):
        return
    for queue in (writer.jobqueue, writer.resultqueue):
        queue.close()
        queue.join_thread()
    failed = [task.exitcode for task in writer.tasks if task.exitcode != 0]
    if failed:
        raise StoreError(
            f"A worker process of the index writer failed (exit code {failed[0]}); the "
            "messages it had are indexed again next time."
        )
