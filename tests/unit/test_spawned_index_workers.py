"""The index writer's workers spawned, as on Windows and on Linux beside threads: beside the
app's threads they index every message once, and they end when their parent is killed.

Where it may, Linux forks the workers (tests/imap/test_index_parallel.py); here spawn is the
start method on every system, so the Windows path runs on Linux too.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from archiver.core.catalog import Catalog
from archiver.core.errors import StoreError
from archiver.core.index import indexer
from archiver.core.index.search import ArchiveSearcher
from archiver.core.index.writer_processes import MailMpWriter
from archiver.core.progress import CancelToken, Progress, ignore_progress
from tests.helpers.kill import KILLED
from tests.helpers.smallarchive import archive_maildir
from tests.unit.test_indexer_lifeline import wait_until_ended

pytestmark = pytest.mark.skipif(
    (os.cpu_count() or 1) < 2, reason="the multi-process writer needs several cores"
)

MESSAGES = 12


@pytest.fixture
def opened_writers(monkeypatch) -> Iterator[list[MailMpWriter]]:
    """The multi-process writer from MESSAGES // 2 messages on; yield the multi-process
    writers opened. The start method is restored afterwards."""
    before = multiprocessing.get_start_method(allow_none=True)
    monkeypatch.setattr(indexer, "PARALLEL_MIN", MESSAGES // 2)
    opened: list[MailMpWriter] = []
    real_open = indexer.open_writer

    def recording(ix, **options):
        writer = real_open(ix, **options)
        if isinstance(writer, MailMpWriter):
            opened.append(writer)
        return writer

    monkeypatch.setattr(indexer, "open_writer", recording)
    yield opened
    multiprocessing.set_start_method(before, force=True)


@pytest.fixture
def spawning(opened_writers, monkeypatch) -> list[MailMpWriter]:
    """Spawn as the start method, as Windows does, on every system; the writers opened."""
    multiprocessing.set_start_method("spawn", force=True)
    if sys.platform != "win32":  # elsewhere the writer would fork (or not start workers)
        monkeypatch.setattr(indexer, "can_start_workers", lambda *, fork_safe: True)
    return opened_writers


@pytest.mark.parametrize("system", ["as on Windows", "Linux"])
def test_spawned_workers_beside_a_thread_index_each_message_once(
    tmp_path, opened_writers, system, request
):
    """A thread beside the writer (the app's pool, say) rules out forking: Windows spawns
    its workers, and so does Linux there (before, it indexed in one process)."""
    if system == "Linux":
        if not sys.platform.startswith("linux"):
            pytest.skip("Linux forks where it can and spawns beside threads")
        multiprocessing.set_start_method("fork", force=True)  # as the command line leaves it
    else:
        request.getfixturevalue("spawning")
    archive_maildir(tmp_path, range(1, MESSAGES + 1), subject="Pfändung {uid}")
    before = set(multiprocessing.active_children())
    waiting = threading.Event()
    beside = threading.Thread(target=waiting.wait, daemon=True)  # the app's pool, say
    beside.start()
    try:
        with Catalog.open(tmp_path) as catalog:
            done = indexer.update_index(
                tmp_path, catalog, report=ignore_progress, cancel=CancelToken()
            )
            assert done.indexed == MESSAGES and catalog.unindexed() == []
    finally:
        waiting.set()
        beside.join()
    assert len(opened_writers) == 1 and opened_writers[0].tasks
    assert all(task.spawned and task.exitcode == 0 for task in opened_writers[0].tasks)
    assert set(multiprocessing.active_children()) <= before
    with ArchiveSearcher(tmp_path) as searcher:
        hits = searcher.search("Pfändung", limit=None).hits
        assert sorted(int(h.subject.split()[1]) for h in hits) == list(range(1, MESSAGES + 1))


# A command that opens the writer with spawned workers on a new index (the archive in
# argv[1]), gives the first worker a job, which starts it, and prints that worker's PID.
WITH_A_SPAWNED_WORKER = """
import multiprocessing, os, signal, sys, time
from pathlib import Path
from archiver.core.catalog import Catalog
from archiver.core.index.indexer import create_index, open_writer
multiprocessing.set_start_method("spawn", force=True)
root = Path(sys.argv[1])
with Catalog.open(root) as catalog:
    ix = create_index(root, catalog)
writer = open_writer(ix, procs=2, batchsize=1, multisegment=True)
writer.add_document(id="1")
print(writer.tasks[0].pid, flush=True)
"""
# ... then, the worker waiting for its next job, is killed hard.
KILLED_WITH_A_SPAWNED_WORKER = (
    WITH_A_SPAWNED_WORKER
    + """
time.sleep(1)
os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))  # as kill_hard
"""
)


def test_a_spawned_worker_ends_when_its_parent_is_killed(tmp_path):
    """It waits on a queue whose pipe it holds both ends of: only its parent's end tells it
    to stop (Linux's PR_SET_PDEATHSIG is for forked workers; Windows has no such thing)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    errors = tmp_path / "stderr"
    with errors.open("wb") as stderr:  # not a pipe: the worker holds its copy open
        command = subprocess.Popen(
            [sys.executable, "-c", KILLED_WITH_A_SPAWNED_WORKER, str(tmp_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
        )
    try:
        assert command.stdout is not None
        worker = int(command.stdout.readline() or 0)
        assert command.wait(120) == KILLED
    finally:
        command.kill()
        command.wait()
    assert worker, errors.read_text(errors="replace")
    assert not wait_until_ended(worker)  # killed there if it is left


# ... or commits once told to (a line on stdin).
COMMITTING = (
    WITH_A_SPAWNED_WORKER
    + """
sys.stdin.readline()
writer.add_document(id="2")
writer.commit()
print(ix.doc_count(), *(task.exitcode for task in writer.tasks), flush=True)
"""
)


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal stands in for the console's")
def test_a_spawned_worker_leaves_ctrl_c_to_its_parent(tmp_path):
    """Ctrl-C reaches every process of a console (Windows) or of a terminal's group: the
    command handles it and ends its workers; a worker that handled it too would print a
    traceback and stop indexing."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = subprocess.Popen(
        [sys.executable, "-c", COMMITTING, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert command.stdin is not None and command.stdout is not None
        worker = int(command.stdout.readline())
        os.kill(worker, signal.SIGINT)  # while it starts (archiver/core/ctrl_c.py), or later
        output, errors = command.communicate("go\n", timeout=120)
    finally:
        command.kill()
        command.wait()
    assert command.returncode == 0, errors
    assert output.split() == ["2", "0", "0"] and "KeyboardInterrupt" not in errors


def test_a_worker_that_dies_leaves_its_messages_unindexed_not_lost(tmp_path, spawning, monkeypatch):
    """Whoosh's commit leaves out the messages of a worker that sent no segment, without a
    word: they were marked indexed and no search found them (docs/RELIABILITY.md)."""
    archive_maildir(tmp_path, range(1, MESSAGES + 1), subject="Pfändung {uid}")
    monkeypatch.setattr(indexer, "CHUNK_READ", 2)  # progress every two messages
    real_open = indexer.open_writer
    monkeypatch.setattr(  # two messages per job: both workers have work early
        indexer, "open_writer", lambda ix, **options: real_open(ix, **options, batchsize=2)
    )

    def kill_a_worker(progress: Progress) -> None:
        writer = spawning[-1] if spawning else None
        if writer is not None and progress.done >= 6 and writer.tasks[0].is_alive():
            writer.tasks[0].kill()
            writer.tasks[0].join()

    with Catalog.open(tmp_path) as catalog:
        with pytest.raises(StoreError, match="worker process of the index writer failed"):
            indexer.update_index(tmp_path, catalog, report=kill_a_worker, cancel=CancelToken())
        assert len(catalog.unindexed()) == MESSAGES  # none marked: all indexed again
        done = indexer.update_index(tmp_path, catalog, report=ignore_progress, cancel=CancelToken())
        assert done.indexed == MESSAGES and catalog.unindexed() == []
    with ArchiveSearcher(tmp_path) as searcher:  # each once: those that arrived replaced
        hits = searcher.search("Pfändung", limit=None).hits
        assert sorted(int(h.subject.split()[1]) for h in hits) == list(range(1, MESSAGES + 1))
