"""Benchmark the two slow searches of issue 17: a phrase with a very frequent word, relevance order.

Run from the repository root on indexes built before (``search_benchmark --keep``, or
``generate_archive`` and ``reindex`` by hand; docs/PERFORMANCE.md has the commands)::

    python -m benchmarks.phrase_relevance_benchmark --rounds 5 \\
        before=OLD_SOURCES:OLD_ARCHIVE after=.:NEW_ARCHIVE

Each variant is ``NAME=SOURCES:ARCHIVE``: the directory whose ``archiver`` package is imported
(a checkout or ``git archive`` of the code to measure) and the archive root whose ``.index``
is searched. Every round starts one fresh child process per variant, the order reversed every
other round, so that variants share the machine's load alike; a child opens the searcher, runs
each query once to warm up, then ``--repeat`` times, timing wall and CPU time (the child's
user + sys; it has one thread) per search. The load average is recorded at each child's
start. Results: per variant and query the median over all samples, and whether the variants
found the same number of messages and the same first hits. This is a measurement run by hand,
not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# (name, query, sort)
QUERIES: tuple[tuple[str, str, str], ...] = (
    ("phrase", '"freundlichen Grüßen"', "date"),
    ("phrase with a frequent word", '"mit freundlichen Grüßen"', "date"),
    ("phrase, frequent word last", '"Damen und"', "date"),
    ("phrase, frequent word inside", '"erhalten Sie die Rechnung"', "date"),
    ("relevance, common word", "invoice", "relevance"),
    ("relevance, compound part", "rechnung", "relevance"),
    ("relevance, two words", "invoice Kündigung", "relevance"),
)


def child(config: dict[str, Any]) -> dict[str, Any]:
    """In a child process: open the searcher, time each query (wall and CPU)."""
    import archiver  # noqa: PLC0415
    from archiver.core.index.search import ArchiveSearcher  # noqa: PLC0415

    searcher = ArchiveSearcher(Path(config["archive"]))
    samples: dict[str, dict[str, list[float]]] = {}
    found: dict[str, Any] = {}
    try:
        for name, text, sort in QUERIES:
            result = searcher.search(text, limit=config["limit"], sort=sort)
            found[name] = {"total": result.total, "first": [h.id for h in result.hits[:10]]}
            wall: list[float] = []
            cpu: list[float] = []
            for _ in range(config["repeat"]):
                w0, c0 = time.perf_counter(), time.process_time()
                searcher.search(text, limit=config["limit"], sort=sort)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            samples[name] = {"wall": wall, "cpu": cpu}
    finally:
        searcher.close()
    return {"samples": samples, "found": found, "archiver": archiver.__file__}


def run(variants: list[tuple[str, Path, Path]], rounds: int, repeat: int, limit: int) -> dict:
    """Run the rounds; return every sample and load average by variant."""
    out: dict[str, Any] = {name: {"rounds": [], "load": []} for name, _, _ in variants}
    for number in range(rounds):
        order = variants if number % 2 == 0 else variants[::-1]
        for name, sources, archive in order:
            config = {"archive": str(archive), "repeat": repeat, "limit": limit}
            load = Path("/proc/loadavg").read_text().split()[0]
            # The child imports archiver from *sources* (its working directory comes first on
            # sys.path) and this module from here.
            env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks.phrase_relevance_benchmark", "--child"],
                input=json.dumps(config),
                capture_output=True,
                text=True,
                env=env,
                cwd=sources,
                check=True,
            )
            result = json.loads(proc.stdout)
            if number == 0:
                print(f"{name}: archiver from {result['archiver']}", flush=True)
            out[name]["rounds"].append(result)
            out[name]["load"].append(float(load))
            print(f"round {number + 1}: {name} done (load {load})", flush=True)
    return out


def report(out: dict[str, Any]) -> None:
    """Print medians (wall / CPU, ms) per query and variant, and whether the hits agree."""
    names = list(out)
    print(f"\n{'query':34}" + "".join(f"{n + ' wall/cpu ms':>26}" for n in names))
    for query, _, _ in QUERIES:
        cells = []
        for name in names:
            wall = [s for r in out[name]["rounds"] for s in r["samples"][query]["wall"]]
            cpu = [s for r in out[name]["rounds"] for s in r["samples"][query]["cpu"]]
            cells.append(
                f"{statistics.median(wall) * 1e3:.1f} / {statistics.median(cpu) * 1e3:.1f}"
            )
        print(f"{query:34}" + "".join(f"{c:>26}" for c in cells))
    print()
    for query, _, _ in QUERIES:
        found = [out[name]["rounds"][0]["found"][query] for name in names]
        totals = [f["total"] for f in found]
        same_first = all(f["first"] == found[0]["first"] for f in found)
        print(f"{query}: hits {totals}; same first 10 hits: {same_first}")
    for name in names:
        loads = out[name]["load"]
        print(f"load average at the start of {name}'s children: {min(loads)}-{max(loads)}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.phrase_relevance_benchmark", description=__doc__.split("\n")[0]
    )
    parser.add_argument("variants", nargs="*", help="NAME=SOURCES:ARCHIVE, two or more")
    parser.add_argument("--rounds", type=int, default=5, help="child processes per variant")
    parser.add_argument("--repeat", type=int, default=10, help="timed searches per child")
    parser.add_argument("--limit", type=int, default=50, help="results per search")
    parser.add_argument("--out", type=Path, help="write every sample as JSON here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with --child, one child's searches)."""
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(sys.stdin.read()))))
        return 0
    variants = []
    for spec in args.variants:
        name, _, paths = spec.partition("=")
        sources, _, archive = paths.partition(":")
        variants.append((name, Path(sources).resolve(), Path(archive).resolve()))
    out = run(variants, args.rounds, args.repeat, args.limit)
    report(out)
    if args.out:
        args.out.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
