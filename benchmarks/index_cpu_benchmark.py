"""CPU per indexed message, phase by phase, in one process: this code against another's.

Run from the repository root on an archive kept by the reindex or search benchmark::

    git archive main archiver | tar -x -C /tmp/main-code      # the code to compare with
    python -m benchmarks.index_cpu_benchmark --home HOME --messages 2000 \\
        --other /tmp/main-code --rounds 2

Each round runs a child process per code, alternating (the other code first): it indexes
the first ``--messages`` verified messages of HOME's archive into a fresh index in a temporary
folder (one writer, no worker processes) and reports the CPU time of its own process
(``time.process_time``, so a PDF reader process is not in it) per message for reading the
file (``indexable_bytes``), extracting the document (``document``), ``add_document`` and the
commit, with the load average after it. The archive's own index is left alone.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(home: Path, count: int, code: Path) -> None:
    """Index *count* messages of *home*'s archive into a temporary index; print the phases.

    The archiver package is imported from *code* (``python -m`` puts the working directory
    first on the path, before PYTHONPATH).
    """
    sys.path.insert(0, str(code))
    import archiver  # noqa: PLC0415

    if not Path(archiver.__file__).resolve().is_relative_to(code):
        raise RuntimeError(f"archiver imported from {archiver.__file__}, not from {code}")
    from archiver.core.catalog import Catalog  # noqa: PLC0415
    from archiver.core.index import indexer  # noqa: PLC0415
    from archiver.core.index.schema import build_schema  # noqa: PLC0415

    root = home / "archive"
    with Catalog.open(root) as catalog:
        records = catalog.records()[:count]
    folder = tempfile.mkdtemp(prefix="index-cpu-")
    try:
        writer = indexer.open_writer(indexer.PrivateStorage(folder).create_index(build_schema()))
        clock = time.process_time
        read = extract = add = 0.0
        for record in records:
            start = clock()
            data = indexer.indexable_bytes(root, record)
            read_end = clock()
            document = indexer.document(record, data)
            extract_end = clock()
            writer.add_document(**document)
            add_end = clock()
            read += read_end - start
            extract += extract_end - read_end
            add += add_end - extract_end
        start = clock()
        writer.commit()
        commit = clock() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    per = [1000 * value / len(records) for value in (read, extract, add, commit)]
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "-"
    print(" ".join(f"{value:.2f}" for value in [*per, sum(per)]), load)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.index_cpu_benchmark", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--home", type=Path, required=True, help="IMAP_ARCHIVER_HOME kept before")
    parser.add_argument("--messages", type=int, default=2000, help="messages (default 2000)")
    parser.add_argument("--other", type=Path, help="a folder holding another archiver/ package")
    parser.add_argument("--rounds", type=int, default=2, help="rounds (default 2)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)  # the code to import
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rounds and print one line per run."""
    args = parse_args(argv)
    if args.child:
        child(args.home.resolve(), args.messages, args.child.resolve())
        return 0
    codes = [("other", args.other.resolve())] if args.other else []
    codes.append(("this", ROOT))
    print(f"{'round':>5} {'code':<6} {'read':>6} {'extract':>8} {'add':>6} {'commit':>7} "
          f"{'total ms/msg':>12} load")  # fmt: skip
    for number in range(1, args.rounds + 1):
        for name, path in codes:
            argv_child = [sys.executable, "-m", "benchmarks.index_cpu_benchmark"]
            argv_child += ["--child", str(path), "--home", str(args.home)]
            argv_child += ["--messages", str(args.messages)]
            out = subprocess.run(
                argv_child, cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.split()
            read, extract, add, commit, total, load = out[-6:]
            print(f"{number:>5} {name:<6} {read:>6} {extract:>8} {add:>6} {commit:>7} "
                  f"{total:>12} {load}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
