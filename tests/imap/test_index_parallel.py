"""The archive job's indexer finishes on every core: the multi-process writer beside a thread.

Once the server is freed, the indexer process indexes the rest with Whoosh's multi-process
writer (forked workers), although its lifeline watcher is a second thread. These tests run
``index_records(..., parallel=True)`` in the test process with a thread that waits, as that
watcher does, on a batch just over a lowered PARALLEL_MIN, and the indexer process itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import sys
import threading

import pytest
from whoosh import index
from whoosh.multiproc import MpWriter

from archiver.core.catalog import Catalog
from archiver.core.index import indexer
from archiver.core.index.background import BackgroundIndexer
from archiver.core.index.indexer import index_dir, index_records
from archiver.core.index.search import ArchiveSearcher
from archiver.core.progress import CancelToken, ignore_progress
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
    return tmp_path


@pytest.fixture
def writers(monkeypatch):
    """The types of the index writers opened, with PARALLEL_MIN lowered below MESSAGES."""
    monkeypatch.setattr(indexer, "PARALLEL_MIN", MESSAGES // 2)
    opened: list[type] = []
    real_open = indexer.open_writer
    monkeypatch.setattr(
        indexer,
        "open_writer",
        lambda ix, **options: opened.append(type(w := real_open(ix, **options))) or w,
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
                report = index_records(
                    ix, archived, catalog, records, replace=replace, parallel=True
                )
            finally:
                ix.close()
            assert report.indexed == MESSAGES and catalog.unindexed() == []
    finally:
        waiting.set()
        watcher.join()
    assert writers == [MpWriter]
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
    assert writers == [MpWriter]
    with ArchiveSearcher(archived) as searcher:
        assert len(searcher.search("date:[1970 to 2100]", limit=None).hits) == MESSAGES


def test_the_archive_jobs_indexer_process_forks_the_writers_workers(archived, caplog):
    """The indexer is a spawned process, whose children are spawned too unless it says so;
    the writer's workers must be forked. (Until this test, the indexer never used them.)"""
    with Catalog.open(archived) as catalog:
        catalog.forget_index()
    caplog.set_level(logging.INFO, "archiver.core.index.indexer")
    background = BackgroundIndexer(archived, "test", parallel_min=MESSAGES // 2)
    background.start()  # finishing at once: the child takes far longer to start
    report = background.finish(report=ignore_progress, cancel=CancelToken())
    assert report.indexed == MESSAGES and background.error is None
    used = [m for m in caplog.messages if re.fullmatch(r"Indexing \d+ messages with \d+ .*", m)]
    workers = min(os.cpu_count() or 1, 4)
    assert used == [f"Indexing {MESSAGES} messages with {workers} worker processes."]
    with ArchiveSearcher(archived) as searcher:
        assert len(searcher.search("date:[1970 to 2100]", limit=None).hits) == MESSAGES
