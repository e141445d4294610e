"""Run one archive job in a process of its own, so that its peak memory can be measured alone.

Started by :mod:`benchmarks.archive_benchmark` as
``python -m benchmarks._archive_child CONFIG.json RESULT.json``. CONFIG holds the server, the
user and the archive root; RESULT receives the run's summary, the time spent inside
``run_archive``, the time until the server was done (``on_server_done``: what the user waits for
before the summary) and the process's own peak RSS (``VmHWM``). ``"index": false`` in CONFIG
archives without indexing (``archive --no-index``); by default the job indexes as the plain
``archive`` does. With ``"profile": PATH`` the job runs under cProfile and the statistics are
dumped to PATH.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import hashlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import archiver
from archiver.core.accounts import Account, PasswordSource, Security
from archiver.core.jobs.archive import ArchiveOptions, ArchiveResult, run_archive
from archiver.core.progress import CancelToken, ignore_progress
from archiver.core.secrets import Secret


def own_peak_rss_kb() -> int:
    """Return this process's peak resident set size in KiB (``VmHWM``; 0 where unknown).

    Unlike ``ru_maxrss``, ``VmHWM`` belongs to the address space created by ``exec``, so it
    never includes memory of the parent that spawned this process.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def source_fingerprint(package: Path) -> str:
    """Return a SHA-256 over a package's ``*.py`` files (relative names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Archive the configured account once; return the summary and timings as JSON values."""
    account = Account(
        name="bench",
        host=config["host"],
        port=int(config["port"]),
        user=config["user"],
        security=Security.SSL,
        cafile=Path(config["cafile"]),
        password_source=PasswordSource.PROMPT,
    )
    options = ArchiveOptions(
        cutoff=dt.datetime.fromisoformat(config["cutoff"]), keep_on_server=True
    )
    profile_path: str | None = config.get("profile")
    profiler = cProfile.Profile() if profile_path else None
    server_done: list[float] = []
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result: ArchiveResult = run_archive(
        account,
        Secret(config["password"]),
        Path(config["archive_root"]),
        options,
        "maildir",
        "maildir",
        report=ignore_progress,
        cancel=CancelToken(),
        index=bool(config.get("index", True)),
        on_server_done=lambda _: server_done.append(time.perf_counter() - start),
    )
    if profiler is not None and profile_path:
        profiler.disable()
        profiler.dump_stats(profile_path)
    seconds = time.perf_counter() - start
    return {
        "seconds_in_run_archive": seconds,
        "seconds_to_server_done": server_done[0] if server_done else None,
        "own_peak_rss_kb": own_peak_rss_kb(),
        "archiver_file": archiver.__file__,
        "archiver_source_sha256": source_fingerprint(Path(archiver.__file__).parent),
        "archived": result.archived,
        "bytes": result.bytes,
        "errors": result.errors,
        "error": result.error,
        "closes": result.closes,
        "indexed": result.indexed,
        "index_left": result.index_left,
        "index_error": result.index_error,
        "folders": {f.folder: f.archived for f in result.folders},
    }


def main(argv: list[str]) -> int:
    """Read the config file named by argv[1], run, and write the result to argv[2]."""
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    config = json.loads(Path(argv[1]).read_text())
    summary = run(config)
    Path(argv[2]).write_text(json.dumps(summary, indent=2))
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
