"""Indexing in a thread beside the archive job, so a message is searchable once archived.

The archive job pokes the indexer after each batch it has verified; the thread indexes
whatever verified rows of the account the catalog marks unindexed (rows left by an earlier,
interrupted run included) and sleeps until the next poke. The index is derived data: if
indexing fails, the archive job goes on untouched, and the rows stay unindexed for the next
run, search or ``imap-archiver reindex``.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from whoosh.index import FileIndex

from archiver.core.catalog import Catalog
from archiver.core.index.indexer import IndexReport, index_records, open_index
from archiver.core.progress import CancelToken, Progress, ProgressCallback

log = logging.getLogger(__name__)

INDEXING = "Indexing for search"
# Messages per commit while archiving: small enough that search sees them soon.
CHUNK = 500


class BackgroundIndexer:
    """A thread that indexes one account's newly verified messages while it is archived.

    Call :meth:`start`, :meth:`poke` after each verified batch, and :meth:`finish` once
    (it waits for the thread); the archive lock must be held throughout.
    """

    def __init__(self, archive_root: Path, account: str) -> None:
        self.archive_root = archive_root
        self.account = account
        self.result = IndexReport()
        self.error: str | None = None
        self.remaining = 0
        self._wake = threading.Event()
        self._finishing = threading.Event()
        self._cancel = CancelToken()
        self._thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)

    def start(self) -> None:
        """Start the thread; it first indexes what earlier runs left unindexed."""
        self._wake.set()
        self._thread.start()

    def poke(self) -> None:
        """Say that more rows were verified."""
        self._wake.set()

    def finish(self, *, report: ProgressCallback, cancel: CancelToken) -> IndexReport:
        """Let the thread index what is left and wait for it, showing progress.

        On *cancel* the thread stops after its current commit; the rest waits for next time.
        """
        self._finishing.set()
        self._wake.set()
        while self._thread.is_alive():
            if cancel.is_cancelled:
                self._cancel.cancel()
            done = self.result.indexed
            report(Progress(done, done + self.remaining, INDEXING))
            self._thread.join(0.2)
        report(Progress(self.result.indexed, self.result.indexed, INDEXING))
        return self.result

    def _run(self) -> None:
        try:
            with Catalog.open(self.archive_root) as catalog:
                ix = open_index(self.archive_root, catalog)
                try:
                    self._loop(catalog, ix)
                finally:
                    ix.close()
        except Exception as exc:  # the index must never break archiving
            self.error = str(exc)
            log.warning(
                "Account %s: the search index could not be updated (%s); the archive is "
                "complete, and the index catches up on the next run or with "
                "'imap-archiver reindex'.",
                self.account,
                exc,
                exc_info=True,
            )

    def _loop(self, catalog: Catalog, ix: FileIndex) -> None:
        unreadable: set[int] = set()  # files that failed their check: not retried this run
        # Into an index that was empty, every document is ours and marked right after its
        # commit: no older copies to replace.
        replace = ix.doc_count_all() > 0
        while True:
            self._wake.wait()
            self._wake.clear()
            while ids := [i for i in catalog.unindexed(self.account) if i not in unreadable]:
                self.remaining = len(ids)
                if self._cancel.is_cancelled:
                    return
                chunk = ids[:CHUNK]
                records = catalog.get(chunk)
                done = index_records(
                    ix, self.archive_root, catalog, [records[i] for i in chunk], replace=replace
                )
                self.result.add(done)
                unreadable.update(done.unreadable)
            self.remaining = 0
            if self._finishing.is_set():
                return
