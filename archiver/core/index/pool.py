"""The pool the index writer sorts postings in: Whoosh's, with spill files read in chunks.

Every word of every message field becomes a posting that goes through this pool. Beyond
its memory limit (WRITER_MB) the pool sorts what it holds into a run file on disk, and on
commit merges the runs back. Whoosh's PostingPool pickles postings into a run one at a time
and loads them back one at a time, and estimates each one's size with a dozen calls: at
100,000 messages that is 20 million of each. This pool writes and reads runs in pickled
lists of CHUNK postings and keeps Whoosh's size estimate in one expression.

Whoosh's SegmentWriter accepts a ``poolclass`` argument but ignores it, and the
multi-process writer makes its writers in its worker processes, so :func:`install` puts
this class in the place of ``whoosh.writing.PostingPool``; open_writer calls it before it
makes a writer. Only Whoosh's writers use that name.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import whoosh.writing

# Postings per pickled list in a run file: a merge holds one such list per run.
CHUNK = 1024


class ChunkedPostingPool(whoosh.writing.PostingPool):
    """Whoosh's posting pool, with run files written and read a chunk at a time."""

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """Add a posting (field name, term, document number, weight, value)."""
        # Whoosh's estimate of the posting's memory, without its checks and bookkeeping.
        self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)

    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        postings = iter(items)
        while chunk := list(islice(postings, CHUNK)):
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def install() -> None:
    """Make Whoosh's writers, in this process and in processes forked from it, use our pool."""
    whoosh.writing.PostingPool = ChunkedPostingPool
