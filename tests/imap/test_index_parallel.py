"""The archive job's indexer finishes on every core: the multi-process writer beside a thread.

Once the server is freed, the indexer process indexes the rest with Whoosh's multi-process
writer (forked workers) in one commit, although its lifeline watcher is a second thread.
These tests run ``index_all(..., fork_safe=True)`` in the test process with a thread that
waits, as that watcher does, on a batch just over a lowered PARALLEL_MIN, and the indexer
process itself. A cancel drops the writer and ends its workers at once, also on Ctrl-C.
"""

from __future__ import annotations

import _thread
import contextlib
import logging
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
from whoosh import index

from archiver.cli.exits import EXIT_CANCELLED
from archiver.core.catalog import Catalog
from archiver.core.index import indexer
from archiver.core.index.background import BackgroundIndexer
from archiver.core.index.indexer import index_all, index_dir
from archiver.core.index.search import ArchiveSearcher
from archiver.core.index.writer_processes import MailMpWriter
from archiver.core.progress import Cancelled, CancelToken, Progress, ignore_progress
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import generate_message
from tests.imap.test_archive import OLD, run

pytestmark = [
    pytest.mark.imap,
    pytest.mark.skipif(
        not sys.platform.startswith("linux"), reason="the multi-process writer forks (Linux)"
    ),
]

MESSAGES = 8


@pytest.fixture
def archived(dovecot, imap_user, account, password, tmp_path):
    """An archive of MESSAGES messages, indexed by the archive job."""
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(MESSAGES)], OLD)
    assert run(account, password, tmp_path, keep_on_server=True).indexed == MESSAGES
    # The job's threads may still be ending (in CI under load, one was): the command line's
    # process, which these tests stand for, has none, and the writer forks only then.
    deadline = time.monotonic() + 30
    while threading.active_count() > 1 and time.monotonic() < deadline:
        forget_ended_foreign_threads()
        time.sleep(0.05)
    assert threading.active_count() == 1, [thread.name for thread in threading.enumerate()]
    return tmp_path


def forget_ended_foreign_threads() -> None:
    """Drop the threads Python did not start that have ended from threading's table.

    A thread that runs Python code without threading having started it (a Qt pool thread of
    a GUI test run earlier in this process) is entered as a "Dummy" thread, and stays in the
    table after it ended until its id is used again (Python 3.11). It counted in
    active_count(), so the writer here would not fork (CI, 2026-12-07: ['MainThread',
    'Dummy-134']). Linux lists a process's live threads in /proc/self/task.
    """
    alive = {int(task) for task in os.listdir("/proc/self/task")}
    with threading._active_limbo_lock:
        for ident, thread in list(threading._active.items()):
            if isinstance(thread, threading._DummyThread) and thread.native_id not in alive:
                del threading._active[ident]


def test_an_ended_thread_that_python_did_not_start_is_forgotten():
    """What the archived fixture relies on: after forget_ended_foreign_threads, a Dummy
    thread whose thread has ended no longer counts."""
    native: list[int] = []

    def foreign() -> None:
        threading.current_thread()  # enters it in threading's table, as a Dummy thread
        native.append(threading.get_native_id())

    _thread.start_new_thread(foreign, ())
    deadline = time.monotonic() + 10
    while (not native or str(native[0]) in os.listdir("/proc/self/task")) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.01)
    forget_ended_foreign_threads()
    assert native and native[0] not in {t.native_id for t in threading.enumerate()}


@pytest.fixture
def writers(monkeypatch):
    """The index writers opened (type, writer), with PARALLEL_MIN lowered below MESSAGES."""
    monkeypatch.setattr(indexer, "PARALLEL_MIN", MESSAGES // 2)
    opened: list[tuple[type, object]] = []
    real_open = indexer.open_writer
    monkeypatch.setattr(
        indexer,
        "open_writer",
        lambda ix, **options: opened.append((type(w := real_open(ix, **options)), w)) or w,
    )
    return opened


@pytest.mark.parametrize("replace", [True, False], ids=["replace", "add"])
def test_the_parallel_writer_beside_a_waiting_thread_indexes_each_message_once(
    archived, writers, replace
):
    before = set(multiprocessing.active_children())  # the PDF reader of an earlier test, say
    waiting = threading.Event()
    watcher = threading.Thread(target=waiting.wait, daemon=True)  # as the lifeline watcher
    watcher.start()
    try:
        with Catalog.open(archived) as catalog:
            records = catalog.records()
            catalog.forget_index()
            if not replace:  # a fresh index: nothing to replace
                indexer.create_index(archived, catalog).close()
            ix = index.open_dir(str(index_dir(archived)))
            try:
                report = index_all(
                    ix,
                    archived,
                    catalog,
                    [r.id for r in records],
                    replace=replace,
                    report=ignore_progress,
                    cancel=CancelToken(),
                    fork_safe=True,
                )
            finally:
                ix.close()
            assert report.indexed == MESSAGES and catalog.unindexed() == []
    finally:
        waiting.set()
        watcher.join()
    assert [kind for kind, _ in writers] == [MailMpWriter]
    with ArchiveSearcher(archived) as searcher:
        hits = searcher.search("date:[1970 to 2100]", limit=None).hits
        assert sorted(h.id for h in hits) == sorted(r.id for r in records)
    # the workers are gone after the commit
    assert set(multiprocessing.active_children()) <= before


@pytest.mark.parametrize("default", ["spawn", "forkserver"])
def test_a_process_whose_default_is_not_fork_forks_the_writers_workers(archived, writers, default):
    """Python 3.14 makes forkserver the default on Linux, and a spawned process spawns: the
    command line's reindex must still index on every core."""
    before = multiprocessing.get_start_method()
    multiprocessing.set_start_method(default, force=True)
    try:
        with Catalog.open(archived) as catalog:
            catalog.forget_index()
            done = indexer.reindex(archived, catalog, report=ignore_progress, cancel=CancelToken())
            assert done.indexed == MESSAGES
        assert multiprocessing.get_start_method() == "fork"
    finally:
        multiprocessing.set_start_method(before, force=True)
    assert [kind for kind, _ in writers] == [MailMpWriter]
    with ArchiveSearcher(archived) as searcher:
        assert len(searcher.search("date:[1970 to 2100]", limit=None).hits) == MESSAGES


def test_the_archive_jobs_indexer_process_forks_the_writers_workers(archived, caplog):
    """The indexer is a spawned process, whose children are spawned too unless it says so;
    the writer's workers must be forked. (Until this test, the indexer never used them.)"""
    with Catalog.open(archived) as catalog:
        catalog.forget_index()
    generation = index.open_dir(str(index_dir(archived))).latest_generation()
    caplog.set_level(logging.INFO, "archiver.core.index.indexer")
    background = BackgroundIndexer(archived, "test", parallel_min=MESSAGES // 2)
    background.start()  # finishing at once: the child takes far longer to start
    report = background.finish(report=ignore_progress, cancel=CancelToken())
    assert report.indexed == MESSAGES and background.error is None
    # everything left in one commit (batches of commits merged earlier segments again)
    assert index.open_dir(str(index_dir(archived))).latest_generation() == generation + 1
    used = [m for m in caplog.messages if re.fullmatch(r"Indexing \d+ messages with \d+ .*", m)]
    workers = min(os.cpu_count() or 1, 4)
    assert used == [f"Indexing {MESSAGES} messages with {workers} worker processes."]
    with ArchiveSearcher(archived) as searcher:
        assert len(searcher.search("date:[1970 to 2100]", limit=None).hits) == MESSAGES


@pytest.fixture
def small_jobs(writers, monkeypatch):
    """The writers opened, their workers given two messages per job (not 100), so that every
    worker has work after a few messages; progress reported every two messages."""
    monkeypatch.setattr(indexer, "CHUNK_READ", 2)
    real_open = indexer.open_writer
    monkeypatch.setattr(
        indexer,
        "open_writer",
        lambda ix, **options: real_open(ix, **options, **({"batchsize": 2} if options else {})),
    )
    return writers


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the writer forks only on several cores")
def test_a_cancel_drops_the_writer_and_ends_its_workers_at_once(archived, small_jobs):
    before = set(multiprocessing.active_children())
    token = CancelToken()

    def cancel_after_six(progress: Progress) -> None:
        if progress.done >= 6:  # three jobs of two queued: both workers started
            token.cancel()

    with Catalog.open(archived) as catalog:
        ids = [r.id for r in catalog.records()]
        ix = indexer.create_index(archived, catalog)
        try:
            with pytest.raises(Cancelled):
                index_all(
                    ix, archived, catalog, ids, replace=False, report=cancel_after_six,
                    cancel=token, fork_safe=True,
                )  # fmt: skip
        finally:
            ix.close()
        ((kind, writer),) = small_jobs
        assert kind is MailMpWriter and len(writer.tasks) == min(os.cpu_count() or 1, 4)
        assert all(task.exitcode == -signal.SIGKILL for task in writer.tasks)  # not waited for
        assert set(multiprocessing.active_children()) <= before
        assert not (index_dir(archived) / "MAIN.tmp").exists()  # the writer's temporary files
        assert sorted(catalog.unindexed()) == sorted(ids)  # nothing marked: all indexed anew

        # The index is unlocked and whole; the next run indexes every message once.
        ix = index.open_dir(str(index_dir(archived)))
        try:
            assert ix.doc_count_all() == 0
            done = index_all(
                ix, archived, catalog, ids, replace=False, report=ignore_progress,
                cancel=CancelToken(), fork_safe=True,
            )  # fmt: skip
            assert done.indexed == MESSAGES
            # The killed workers' segment files were deleted by that commit.
            segments = {s.segment_id() for s in ix._segments()}
        finally:
            ix.close()
    leftovers = [
        f.name
        for f in index_dir(archived).iterdir()
        if (named := re.match(r"(MAIN_\w+)\.", f.name)) and named[1] not in segments
    ]
    assert leftovers == []
    with ArchiveSearcher(archived) as searcher:
        hits = searcher.search("date:[1970 to 2100]", limit=None).hits
        assert sorted(h.id for h in hits) == sorted(ids)


# imap-archiver reindex, Ctrl-C pressed while both of the writer's workers have work: the
# terminal sends SIGINT to the whole process group, workers included.
CTRL_C_IN_REINDEX = """
import os, signal, sys
from archiver.core.index import indexer

indexer.PARALLEL_MIN = 4
real_open, real_index_one, calls = indexer.open_writer, indexer._index_one, [0]
indexer.open_writer = lambda ix, **o: real_open(ix, **o, **({"batchsize": 2} if o else {}))


def index_one(*args, **kwargs):
    calls[0] += 1
    if calls[0] == 6:  # three jobs of two queued: both workers started
        os.killpg(0, signal.SIGINT)
    return real_index_one(*args, **kwargs)


indexer._index_one = index_one
from archiver.cli import main
sys.exit(main(["reindex"]))
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the writer forks only on several cores")
def test_ctrl_c_in_reindex_stops_it_once_and_ends_the_writers_workers(
    dovecot, imap_user, account, password, home
):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(MESSAGES)], OLD)
    assert run(account, password, home.archive, keep_on_server=True).indexed == MESSAGES
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_IN_REINDEX],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal's foreground job
    )
    try:
        out, err = child.communicate(timeout=60)
        try:
            os.killpg(child.pid, 0)
            left = True  # a worker outlived the command, waiting for work
        except ProcessLookupError:
            left = False
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # a failing test leaves nothing behind
    assert child.returncode == EXIT_CANCELLED, out + err
    assert err.count("Stopping at a safe point") == 1 and "Traceback" not in err, err
    assert "Reindexing cancelled" in out
    assert not left
    with Catalog.open(home.archive) as catalog:
        assert len(catalog.unindexed()) == MESSAGES  # left to the next search


def test_the_archive_jobs_indexer_cancelled_leaves_the_rest_for_later(archived):
    with Catalog.open(archived) as catalog:
        catalog.forget_index()
    generation = index.open_dir(str(index_dir(archived))).latest_generation()
    background = BackgroundIndexer(archived, "test", parallel_min=MESSAGES // 2)
    background.start()
    token = CancelToken()
    token.cancel()  # before the child's first look (it takes far longer to start)
    report = background.finish(report=ignore_progress, cancel=token)
    assert report.indexed == 0 and background.error is None
    assert index.open_dir(str(index_dir(archived))).latest_generation() == generation
    with Catalog.open(archived) as catalog:
        assert len(catalog.unindexed()) == MESSAGES
        done = indexer.update_index(archived, catalog, report=ignore_progress, cancel=CancelToken())
        assert done.indexed == MESSAGES and catalog.unindexed() == []
    with ArchiveSearcher(archived) as searcher:  # replaced, not added twice
        assert len(searcher.search("date:[1970 to 2100]", limit=None).hits) == MESSAGES


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="the writer forks only on several cores")
def test_a_catch_up_into_an_index_that_holds_some_commits_each_part_on_every_core(
    archived, writers, monkeypatch
):
    """`search` and `reindex ACCOUNT` catch up in commits of COMMIT_EVERY. The first
    commit's writer left its job queue's thread running, and every later commit indexed on
    one core (20,000 messages: 121 s, against 82 s in one commit)."""
    monkeypatch.setattr(indexer, "COMMIT_EVERY", MESSAGES // 2)
    assert threading.active_count() == 1  # the command line: the writer may fork
    progress: list[tuple[int, int]] = []
    with Catalog.open(archived) as catalog:
        catalog.forget_index()  # the index holds them all: each is replaced
        done = indexer.update_index(
            archived,
            catalog,
            report=lambda p: progress.append((p.done, p.total)),
            cancel=CancelToken(),
        )
        assert done.indexed == MESSAGES and catalog.unindexed() == []
    assert [kind for kind, _ in writers] == [MailMpWriter, MailMpWriter]
    assert threading.active_count() == 1
    assert progress[0] == (0, MESSAGES) and progress[-1] == (MESSAGES, MESSAGES)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)
    with ArchiveSearcher(archived) as searcher:  # replaced, not added twice
        assert len(searcher.search("date:[1970 to 2100]", limit=None).hits) == MESSAGES
