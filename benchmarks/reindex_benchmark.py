"""Benchmark ``imap-archiver reindex`` against ``notmuch new``, round after round.

Run from the repository root (notmuch and GNU time installed)::

    python -m benchmarks.reindex_benchmark --messages 10000 [--repeat 3] [--keep]
    python -m benchmarks.reindex_benchmark --home DIR --repeat 3   # an archive kept before

The archive is the search benchmark's (``search_benchmark.generate_archive``: German/English
mail of about 30 KB, every 20th with a PDF of 20 KB-1.5 MB, verified catalogue rows), built
below a fresh ``IMAP_ARCHIVER_HOME`` or taken from ``--home`` (as ``--keep`` leaves it). Each
round runs ``python -m archiver reindex`` (the CLI: a new index, the multi-process writer)
and ``notmuch new`` into a fresh database on the same Maildir, the tool that goes first
alternating, each measured as in the search benchmark (``search_benchmark.run_tree``: wall
time from outside, CPU of the process tree, the largest process's peak RSS, the tree's peak
PSS). The table shows every round and the medians; the ratio is ours over notmuch in
messages per second. JSON goes to ``reindex_benchmark_<messages>.json`` in ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.archive_benchmark import gnu_time, machine_info, snapshot_sources
from benchmarks.search_benchmark import (
    ACCOUNT,
    IndexRun,
    generate_archive,
    notmuch_config,
    run_notmuch_new,
    run_reindex,
)

TARGET_RATIO = 1.3  # ours / notmuch new, messages per second (issue 16)


def median(values: Sequence[float]) -> float:
    """Return the median (the lower middle value for an even count)."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def count_messages(home: Path) -> int:
    """Return how many verified messages the archive below *home* catalogues."""
    from archiver.core.catalog import Catalog  # noqa: PLC0415

    with Catalog.open(home / "archive") as catalog:
        return len(catalog.records())


def print_rounds(rounds: list[dict[str, IndexRun]]) -> None:
    """Print one line per run: wall, messages/s, CPU, peak RSS and tree PSS."""
    header = (
        f"{'round':>5} {'tool':<8} {'messages':>8} {'wall s':>8} {'msg/s':>7} {'CPU s':>7} "
        f"{'max RSS MiB':>11} {'tree PSS MiB':>12}  ok"
    )
    print(header)
    print("-" * len(header))
    for number, runs in enumerate(rounds, 1):
        for tool, run in runs.items():
            tree = run.run
            print(
                f"{number:>5} {tool:<8} {run.messages:>8} {tree.wall_s:>8.2f} "
                f"{run.messages / tree.wall_s:>7.0f} {tree.cpu_user_s + tree.cpu_sys_s:>7.1f} "
                f"{tree.max_rss_kb / 1024:>11.1f} {tree.tree_pss_kb / 1024:>12.1f}  "
                f"{'yes' if run.ok else 'NO'}"
            )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reindex_benchmark", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--messages", type=int, default=10_000, help="messages (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="mailbox generator seed")
    parser.add_argument(
        "--home", type=Path, help="use the generated archive below HOME/archive (kept before)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated archive (its path is printed)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/out"), help="JSON results and logs"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rounds, print them and the medians, write the JSON; 0 if every run was ok."""
    args = parse_args(argv)
    if shutil.which("notmuch") is None or gnu_time() is None:
        print("notmuch and GNU time are needed (apt-get install notmuch time)", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="imap-archiver-reindex-bench-"))
    snapshot, source = snapshot_sources(work)
    home: Path = args.home.resolve() if args.home else work / "home"
    rounds: list[dict[str, IndexRun]] = []
    try:
        if args.home is None:
            (home / "archive").mkdir(parents=True)
            print(f"generating {args.messages} messages below {home} ...", flush=True)
            generate_archive(home / "archive", args.messages, args.seed, 30_000, 20,
                             (20_000, 1_500_000))  # fmt: skip
        messages = count_messages(home)
        maildir = home / "archive" / ACCOUNT
        notmuch_env = os.environ | {"NOTMUCH_CONFIG": str(work / "notmuch-config")}
        notmuch_config(work / "notmuch-config", maildir)
        tag = f"reindex-{messages}"
        for number in range(args.repeat):
            runs: dict[str, IndexRun] = {}
            for tool in ("ours", "notmuch") if number % 2 == 0 else ("notmuch", "ours"):
                print(f"round {number + 1}/{args.repeat}: {tool} ...", flush=True)
                runs[tool] = (
                    run_reindex("ours", home, snapshot, out, tag, messages)
                    if tool == "ours"
                    else run_notmuch_new(notmuch_env, maildir, out, tag)
                )
            rounds.append(runs)
        shutil.rmtree(maildir / ".notmuch", ignore_errors=True)
    finally:
        if args.keep and args.home is None:
            print(f"kept {home}; the rest of {work} can go")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\narchiver sources (sha256 of archiver/**/*.py, snapshot at start): {source[:16]}")
    print_rounds(rounds)
    ratios = [r["notmuch"].run.wall_s / r["ours"].run.wall_s for r in rounds]
    ratio = median([r["notmuch"].run.wall_s for r in rounds]) / median(
        [r["ours"].run.wall_s for r in rounds]
    )
    print(
        f"\nours / notmuch new, messages/s: {ratio:.2f}x on the medians (rounds "
        + ", ".join(f"{v:.2f}x" for v in ratios)
        + f"); target >= {TARGET_RATIO}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'}"
    )
    result: dict[str, Any] = {
        "command": " ".join(
            [
                "python -m benchmarks.reindex_benchmark",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "load_average_end": Path("/proc/loadavg").read_text().split()[:3],
        "archiver_source_sha256": source,
        "messages": messages,
        "rounds": [{tool: run.to_dict() for tool, run in r.items()} for r in rounds],
        "ratio_on_medians": ratio,
        "ratio_rounds": ratios,
        "target_ratio": TARGET_RATIO,
    }
    path = out / f"reindex_benchmark_{messages}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"results written to {path}")
    return 0 if all(run.ok for r in rounds for run in r.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
