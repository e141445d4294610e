"""Benchmark what common grams (``text_grams``) cost the writer: CPU time and index size.

Run from the repository root on an archive generated before (docs/PERFORMANCE.md)::

    python -m benchmarks.grams_index_benchmark HOME/archive --messages 3000 --rounds 3

The first ``--messages`` catalog rows are read and turned into index documents once
(``indexer.document``, untimed: text extraction is the same either way). Then, in rounds,
the order alternating, the same documents are written into a fresh index in this process
(``indexer.open_writer``, one process, one commit) with today's schema and with the schema
less ``text_grams`` (as an index of schema version 6 was): CPU time (user + sys of this
process) and wall time of adding and committing, and the index's bytes. The load average is
printed per run. A measurement run by hand, not a test: nothing asserts a timing.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def cpu_seconds() -> float:
    """Return this process's user + sys CPU time."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write(docs: list[dict[str, Any]], grams: bool, where: Path) -> tuple[float, float, int]:
    """Index *docs* into a fresh index at *where*; return CPU s, wall s and its bytes."""
    from archiver.core.index.indexer import PrivateStorage, open_writer  # noqa: PLC0415
    from archiver.core.index.schema import build_schema  # noqa: PLC0415

    schema = build_schema()
    if not grams:
        schema.remove("text_grams")
    where.mkdir()
    ix = PrivateStorage(str(where)).create_index(schema)
    cpu, wall = cpu_seconds(), time.perf_counter()
    writer = open_writer(ix)
    for doc in docs:
        writer.add_document(**({k: v for k, v in doc.items() if k in schema}))
    writer.commit()
    cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    ix.close()
    size = sum(p.stat().st_size for p in where.iterdir())
    return cpu, wall, size


def main(argv: Sequence[str] | None = None) -> int:
    """Read the documents, write them in rounds with and without grams, print the figures."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.grams_index_benchmark", description=__doc__.split("\n")[0]
    )
    parser.add_argument("archive", type=Path, help="an archive root (HOME/archive)")
    parser.add_argument("--messages", type=int, default=3000, help="messages to index")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both variants")
    args = parser.parse_args(argv)
    from archiver.core.catalog import Catalog  # noqa: PLC0415
    from archiver.core.index.indexer import document, indexable_bytes  # noqa: PLC0415

    with Catalog.open(args.archive) as catalog:
        records = [r for _, r in zip(range(args.messages), catalog.records(), strict=False)]
    docs = [document(r, indexable_bytes(args.archive, r)) for r in records]
    work = Path(tempfile.mkdtemp(prefix="grams-bench-"))
    figures: dict[bool, list[tuple[float, float, int]]] = {True: [], False: []}
    try:
        for number in range(args.rounds):
            for grams in (True, False) if number % 2 == 0 else (False, True):
                load = Path("/proc/loadavg").read_text().split()[0]
                cpu, wall, size = write(docs, grams, work / f"{number}-{grams}")
                figures[grams].append((cpu, wall, size))
                label = "with grams" if grams else "without"
                print(f"round {number + 1} {label}: cpu {cpu:.2f} s, wall {wall:.2f} s, "
                      f"{size / 1e6:.1f} MB, load {load}", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with_cpu = statistics.median(f[0] for f in figures[True])
    without_cpu = statistics.median(f[0] for f in figures[False])
    with_size, without_size = figures[True][0][2], figures[False][0][2]
    print(
        f"\n{len(docs)} messages: CPU median {without_cpu:.2f} s without grams, "
        f"{with_cpu:.2f} s with ({with_cpu / without_cpu - 1:+.1%}); index "
        f"{without_size / 1e6:.1f} MB without, {with_size / 1e6:.1f} MB with "
        f"({with_size / without_size - 1:+.1%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
