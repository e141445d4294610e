"""The pool the index writer sorts postings in: Whoosh's, cheaper per posting.

Every word of every message field becomes a posting that goes through this pool. Beyond
its memory limit (WRITER_MB) the pool sorts what it holds into a run file on disk, and on
commit merges the runs back. Whoosh's PostingPool takes each posting through a Python call
that estimates its size with a dozen more, pickles postings into a run one at a time and
loads them back one at a time: at 100,000 messages that is 20 million of each. This pool:

- hands a writer indexing a document ``list.append`` itself as ``add`` (Whoosh's
  SegmentWriter looks ``pool.add`` up once per document), and counts the memory of the
  postings added since the last look-up, in C, when the next document looks it up: one
  document's postings past the limit at most, as Whoosh's own check allows one posting;
- writes and reads runs in pickled lists of CHUNK postings, and merges them a list at a
  time (Whoosh's heapq.merge ran Python code for every posting).

Merging segments into a writer (``add_postings_to_pool``) adds a whole segment's postings
after one look-up, so :func:`install` gives it the per-posting check back (add_checked).

Whoosh's SegmentWriter accepts a ``poolclass`` argument but ignores it, and the
multi-process writer makes its writers in its worker processes, so :func:`install` puts
this class in the place of ``whoosh.writing.PostingPool``; open_writer calls it before it
makes a writer. Only Whoosh's writers use that name. tests/unit/test_library_internals.py
checks the Whoosh code this relies on.
"""

from __future__ import annotations

import pickle
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from operator import itemgetter
from typing import Any

import whoosh.writing

# Postings per pickled list in a run file: a merge holds one such list per run.
CHUNK = 1024

# A posting: field name, term, document number, weight, value.
Posting = tuple[str, bytes, int, float, bytes | None]

# Whoosh's estimate of a posting's memory, less its texts' lengths.
_POSTING_BYTES = 150


class ChunkedPostingPool(whoosh.writing.PostingPool):
    """Whoosh's posting pool, with postings added by ``list.append`` and runs in chunks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counted = 0  # postings at the start of self.current whose size is counted

    @property
    def add(self) -> Callable[[Posting], None]:
        """Return what adds a posting: the list's own append, after counting the last ones."""
        self._count()
        current: list[Posting] = self.current
        return current.append

    def add_checked(self, item: Posting) -> None:
        """Add a posting, checking the memory at once (for many postings after one look-up)."""
        self._count()
        self.currentsize += _POSTING_BYTES + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        self.current.append(item)
        self._counted += 1
        if self.currentsize > self.limit:
            self.save()

    def _count(self) -> None:
        """Count the postings appended since the last count; beyond the limit, write a run.

        Whoosh's estimate per posting (150 bytes and its texts, the term twice), summed in C.
        """
        if len(self.current) > self._counted:
            new = self.current[self._counted :]
            self.currentsize += (
                len(new) * _POSTING_BYTES
                + sum(map(len, map(itemgetter(0), new)))
                + 2 * sum(map(len, map(itemgetter(1), new)))
                + sum(map(len, filter(None, map(itemgetter(4), new))))
            )
            self._counted = len(self.current)
            if self.currentsize > self.limit:
                self.save()

    def save(self) -> None:
        super().save()
        self._counted = 0

    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        postings = iter(items)
        while chunk := list(islice(postings, CHUNK)):
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_chunks(self, path: str) -> Iterator[list[Posting]]:
        """Yield a run's lists of postings; the run file goes once they are read."""
        f = self._open_run(path)
        try:
            while True:
                try:
                    yield pickle.load(f)
                except EOFError:
                    return
        finally:
            f.close()
            self._remove_run(path)

    def _read_run(self, path: str) -> Iterator[Posting]:
        """Return a run's postings (Whoosh's MpWriter reads runs so when it merges its
        workers' into one segment; ours keep a segment each)."""
        return chain.from_iterable(self._read_chunks(path))

    def _merge_runs(self, paths: list[str]) -> Iterator[Posting]:
        """Return the postings of the sorted runs at *paths*, merged in order.

        Whoosh merges with heapq.merge, which runs Python code for every posting: at
        commit, a worker's millions of postings went through it one by one. Here the merge
        goes a list at a time (_merged_lists), its postings are passed on in C.
        """
        return chain.from_iterable(self._merged_lists(paths))

    def _merged_lists(self, paths: list[str]) -> Iterator[list[Posting]]:
        """Yield the runs' postings in order, in lists.

        Each round takes from every run's current list the postings up to the smallest of
        those lists' last postings (nothing still unread in any run is smaller), and sorts
        them: timsort merges the sorted pieces in C. The list that ends with that posting is
        used up, so each round reads at least one more list, and memory stays one list per
        run and the round's postings.
        """
        live: list[tuple[list[Posting], Iterator[list[Posting]]]] = []
        for path in paths:
            chunks = self._read_chunks(path)
            first = next(chunks, [])
            if first:
                live.append((first, chunks))
        while live:
            low = min(chunk[-1] for chunk, _ in live)
            batch: list[Posting] = []
            rest = []
            for chunk, chunks in live:
                cut = bisect_right(chunk, low)
                batch += chunk[:cut]
                left = chunk[cut:] or next(chunks, [])
                if left:
                    rest.append((left, chunks))
            live = rest
            batch.sort()
            yield batch


def _add_postings_to_pool(self: Any, reader: Any, startdoc: int, docmap: Any) -> None:
    """SegmentWriter.add_postings_to_pool, checking the pool's memory per posting."""
    pool = self.pool
    add = pool.add_checked if isinstance(pool, ChunkedPostingPool) else pool.add
    for item in self._process_posts(reader.iter_postings(), startdoc, docmap):
        add(item)


def install() -> None:
    """Make Whoosh's writers, in this process and in processes forked from it, use our pool."""
    whoosh.writing.PostingPool = ChunkedPostingPool
    whoosh.writing.SegmentWriter.add_postings_to_pool = _add_postings_to_pool
