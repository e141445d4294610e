"""Benchmark a catch-up: indexing what an index that already holds messages lacks.

Run from the repository root::

    python -m benchmarks.catch_up_benchmark --messages 20000 [--indexed 500] [--repeat 1]
    python -m benchmarks.catch_up_benchmark --home DIR   # an archive kept before (--keep)

That is what `search` does after `archive --no-index`, and the app at its start after it was
closed while indexing (``indexer.update_index`` into a non-empty index). The archive is the
search benchmark's (``search_benchmark.generate_archive``). Each round copies it, indexes
its first ``--indexed`` messages (untimed), then times ``update_index`` for the rest in a
fresh process, in each of MODES: as the command line runs it (a single thread: the
multi-process writer where the system forks), as the app does (beside another thread: on
Linux spawned workers since 2026-12-07, one process before), and with spawned workers
beside that thread whatever this system would choose, as on Windows. It prints wall time,
the process's and its children's CPU, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.search_benchmark import generate_archive

# How update_index runs: as the command line (single-threaded: forked workers on Linux), as
# the app (beside its pool's threads: spawned workers on Linux), and as both do on Windows
# (spawned workers, safe beside threads), here on this system.
MODES = ("command line", "app", "spawned")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.catch_up_benchmark", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--messages", type=int, default=20_000, help="messages (default 20000)")
    parser.add_argument("--indexed", type=int, default=500, help="indexed before (default 500)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="mailbox generator seed")
    parser.add_argument("--home", type=Path, help="use the archive below HOME/archive")
    parser.add_argument("--keep", action="store_true", help="keep the generated archive")
    parser.add_argument("--child", nargs=2, metavar=("ARCHIVE", "MODE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def prepare(source: Path, work: Path, indexed: int) -> None:
    """Copy the archive to *work* and index its first *indexed* messages only."""
    from archiver.core.catalog import Catalog  # noqa: PLC0415
    from archiver.core.index import indexer  # noqa: PLC0415

    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work, symlinks=True)
    shutil.rmtree(indexer.index_dir(work), ignore_errors=True)
    with Catalog.open(work) as catalog:
        ix = indexer.create_index(work, catalog)  # clears the catalog's marks
        try:
            first = catalog.unindexed()[:indexed]
            records = catalog.get(first)
            indexer.index_records(ix, work, catalog, [records[i] for i in first], replace=False)
        finally:
            ix.close()


def child(archive: Path, mode: str) -> None:
    """Time update_index on *archive* in this process; print the figures as JSON."""
    from archiver.core.catalog import Catalog  # noqa: PLC0415
    from archiver.core.index import indexer  # noqa: PLC0415
    from archiver.core.progress import CancelToken, ignore_progress  # noqa: PLC0415

    beside = threading.Event()
    if mode != "command line":  # the app's pool: the writer may not fork
        threading.Thread(target=beside.wait, daemon=True).start()
    if mode == "spawned":  # as on Windows
        multiprocessing.set_start_method("spawn", force=True)
        indexer.can_start_workers = lambda *, fork_safe: True  # type: ignore[assignment]
    with Catalog.open(archive) as catalog:
        start, cpu = time.perf_counter(), time.process_time()
        done = indexer.update_index(archive, catalog, report=ignore_progress, cancel=CancelToken())
        wall, own = time.perf_counter() - start, time.process_time() - cpu
    beside.set()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "indexed": done.indexed,
                "wall_s": wall,
                "cpu_own_s": own,
                "cpu_children_s": children.ru_utime + children.ru_stime,
                "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rounds and print one line per run."""
    args = parse_args(argv)
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return 0
    work = Path(tempfile.mkdtemp(prefix="imap-archiver-catch-up-bench-"))
    home: Path = args.home.resolve() if args.home else work / "home"
    try:
        if args.home is None:
            (home / "archive").mkdir(parents=True)
            print(f"generating {args.messages} messages below {home} ...", flush=True)
            generate_archive(home / "archive", args.messages, args.seed, 30_000, 20,
                             (20_000, 1_500_000))  # fmt: skip
        print(f"{'round':>5} {'mode':<13} {'indexed':>8} {'wall s':>8} {'own CPU s':>9} "
              f"{'workers CPU s':>13} {'max RSS MiB':>11}")  # fmt: skip
        for number in range(args.repeat):
            for mode in MODES if number % 2 == 0 else MODES[::-1]:
                prepare(home / "archive", work / "archive", args.indexed)
                command = [sys.executable, "-m", "benchmarks.catch_up_benchmark"]
                child_args = ["--child", str(work / "archive"), mode]
                out = subprocess.run(
                    command + child_args, capture_output=True, text=True, check=True
                ).stdout
                run = json.loads(out.splitlines()[-1])
                print(f"{number + 1:>5} {mode:<13} {run['indexed']:>8} {run['wall_s']:>8.1f} "
                      f"{run['cpu_own_s']:>9.1f} {run['cpu_children_s']:>13.1f} "
                      f"{run['max_rss_mib']:>11.1f}", flush=True)  # fmt: skip
    finally:
        if args.keep and args.home is None:
            print(f"kept {home}; the rest of {work} can go")
            shutil.rmtree(work / "archive", ignore_errors=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
