"""Benchmark the search index against notmuch: indexing speed, memory, size, query latency.

Run from the repository root (notmuch and GNU time installed: ``apt-get install notmuch
time``)::

    python -m benchmarks.search_benchmark --messages 10000
    python -m benchmarks.search_benchmark --messages 100000 --cli-repeat 5

``docs/PERFORMANCE.md`` (section "Search index") has the results and how to read them. This
is a measurement run by hand, not a test: nothing here asserts a timing.

What one run does, all below a fresh temporary directory:

1. **Data.** ``--messages`` messages from ``tests/helpers/mailgen.py`` (``generate_mailbox``,
   German/English business mail, ``--mean-size`` 30 KB log-normal by default; every
   ``--attach-every``-th message is multipart/mixed with a PDF attachment of
   ``--attach-size`` bytes) are written as Maildir++ files below ``<home>/archive/bench``
   (INBOX 50 %, Sent 20 %, Projects 15 %, Projects/Alpha 15 %, drawn at random so that every
   folder spans the whole date range), named and dated as ``archiver/core/store/maildir.py``
   does, with one verified catalog row each (``Catalog.add_pending`` + ``mark_verified``).
   No IMAP server is involved.
2. **Indexing.** ``python -m archiver reindex`` (``IMAP_ARCHIVER_HOME=<home>``), which uses
   Whoosh's multi-process writer on its own (``indexer._parallel``); unless ``--no-serial``,
   first the same with ``indexer.PARALLEL_MIN`` patched out of reach (one process). Then
   ``notmuch new`` on the same Maildir (a private ``NOTMUCH_CONFIG``: ``new.tags`` empty,
   ``maildir.synchronize_flags=false``, no excluded tags), a fresh database.
3. **Sizes.** Bytes of ``.index`` (ours), ``.notmuch`` and the message files.
4. **Latency in-process.** A child process opens ``ArchiveSearcher(root)`` once and runs each
   kind of query (:data:`QUERY_KINDS`) once to warm up, then ``--repeat`` rounds over all
   kinds (``search(q, limit=50)``, newest first): p50/p95 per kind and overall. The same
   on the single-process writer's index, whose segments differ.
5. **Latency end to end.** ``python -m archiver search QUERY --json`` and
   ``notmuch search --format=json --limit=50 --sort=newest-first QUERY``, each a fresh
   process, ``--cli-repeat`` rounds after one warm-up, for the queries notmuch can express.
6. **Command-line start-up.** ``--startup-repeat`` rounds of fresh processes, the order
   reversed every other round: ``python -c pass`` (the interpreter alone), ``python -m
   archiver --help``, and ``python -m archiver search --limit=50 QUERY`` for every query kind
   with at least 50 hits (the output for people: 50 hits with snippets), and "its libraries
   alone": a process importing the modules such a search imports, but ours (the standard
   library's and Whoosh's, with the stand-ins): the part of the time our code cannot save
   without importing less of them. The snapshot is byte-compiled, as an installed package
   is (``archive_benchmark.snapshot_sources``). ``--startup-only HOME`` measures this alone
   on an archive kept from an earlier run (``--keep``), or one built by ``generate_archive``
   and ``reindex`` by hand.

Every child runs the archiver code as it was when the benchmark started: the children import
a copy of ``archiver/`` (``archive_benchmark.snapshot_sources``), whose SHA-256 is printed and
stored with the results. Indexing runs are timed from outside (wall time, start-up
included); ``sync`` runs before each (untimed). Memory, two ways: GNU time's ``%M``
(``ru_maxrss``: the largest single process of the tree, the writer's worker processes
included, since Linux reports the maximum over reaped descendants), and the peak of the sum
of PSS (and of RSS) over the whole process tree, sampled from ``/proc`` every 100 ms; PSS
shares copy-on-write pages among the forked workers instead of counting them in each.

The message files stay in the page cache between the runs (the machine has far more RAM than
the data), so every tool reads warm files. Results go to a table on stdout and to
``search_benchmark_<messages>.json`` in ``--out`` (the children's logs too).

``--latency-child CONFIG RESULT`` is the internal entry of the latency child.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import email.utils
import hashlib
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from typing import Any

from benchmarks._archive_child import own_peak_rss_kb

# The harness imports benchmarks.archive_benchmark and tests.helpers.mailgen where it needs
# them: the latency child runs in the code snapshot, which holds neither tests/ nor Dovecot.

MB = 1_000_000  # sizes are in decimal megabytes; memory in MiB
ACCOUNT = "bench"
FOLDERS: tuple[tuple[str, float], ...] = (
    ("INBOX", 0.50),
    ("Sent", 0.20),
    ("Projects", 0.15),
    ("Projects/Alpha", 0.15),
)
UIDVALIDITY = 1_700_000_000
MAILDIR_LETTERS = {"\\Seen": "S", "\\Flagged": "F", "\\Answered": "R"}
CATALOG_BATCH = 2000  # rows per catalog transaction while generating
SAMPLE_INTERVAL_S = 0.1  # how often the process tree's memory is sampled

# Targets from the issue.
TARGET_P95_MS = 50.0  # in-process search p95 at 100,000 messages
TARGET_NOTMUCH_INDEX_RATIO = 1.0  # ours / notmuch new, messages per second ...
FLOOR_NOTMUCH_INDEX_RATIO = 0.5  # ... and never below this


@dataclass(frozen=True, slots=True)
class QueryKind:
    """One kind of query: ours, and notmuch's equivalent (None where notmuch has none)."""

    kind: str
    ours: str
    notmuch: str | None


def query_kinds(rare: str, month: tuple[dt.date, dt.date]) -> list[QueryKind]:
    """Return the query kinds; *rare* is a word in few messages, *month* a date range."""
    first, last = (d.isoformat() for d in month)
    return [
        QueryKind("common word", "invoice", "invoice"),
        QueryKind("rare word", rare, rare),
        QueryKind("umlaut word", "Kündigung", "Kündigung"),
        QueryKind("compound part", "rechnung", "rechnung"),
        QueryKind("phrase", '"freundlichen Grüßen"', '"freundlichen Grüßen"'),
        QueryKind(
            "phrase with a frequent word",
            '"mit freundlichen Grüßen"',
            '"mit freundlichen Grüßen"',
        ),
        QueryKind("from:", "from:hoffmann", "from:hoffmann"),
        QueryKind("folder:", "folder:Sent", "folder:.Sent"),
        QueryKind("date range", f"date:[{first} to {last}]", f"date:{first}..{last}"),
        QueryKind(
            "has:attachment + word",
            "has:attachment freundlichen",
            "tag:attachment AND freundlichen",
        ),
        QueryKind("size:>1MB", "size:>1MB", None),
        QueryKind(
            "boolean OR/NOT",
            "(mahnung OR kündigung) NOT invoice",
            "(mahnung OR kündigung) AND NOT invoice",
        ),
    ]


# QUERY_KINDS documents the kinds; the rare word and the month depend on the data.
QUERY_KINDS = [k.kind for k in query_kinds("12345", (dt.date(2020, 1, 1), dt.date(2020, 1, 31)))]


# --- measuring child processes --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TreeRun:
    """One measured child process (and its descendants)."""

    wall_s: float
    returncode: int
    max_rss_kb: int  # GNU time %M: the largest single process of the tree
    tree_pss_kb: int  # peak of the sum of PSS over the tree, sampled
    tree_rss_kb: int  # peak of the sum of RSS over the tree, sampled
    tree_anon_kb: int  # peak of the sum of anonymous memory (RSS less mapped files), sampled
    max_procs: int  # most processes seen at once in the tree
    cpu_user_s: float
    cpu_sys_s: float


def _children_map() -> dict[int, list[int]]:
    """Return every process's children, by parent pid, from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _tree_memory(root: int) -> tuple[int, int, int, int]:
    """Return (PSS, RSS, anonymous memory, processes) in KiB, summed over *root*'s tree.

    Whoosh reads segments through mmap, so RSS and PSS include index file pages (shared,
    reclaimable page cache); the anonymous sum is the heap the processes really allocated.
    """
    children = _children_map()
    pids, stack = [], [root]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        stack += children.get(pid, [])
    pss = rss = anon = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Anonymous:"):
                    anon += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return pss, rss, anon, len(pids)


def run_tree(
    argv: Sequence[str], log_path: Path, *, cwd: Path | None = None, env: dict[str, str]
) -> TreeRun:
    """Run *argv* under GNU time, output into *log_path*; sample the tree's memory meanwhile."""
    from benchmarks.archive_benchmark import gnu_time  # noqa: PLC0415

    time_bin = gnu_time()
    if time_bin is None:
        raise RuntimeError("GNU time is needed (Debian: apt-get install time)")
    os.sync()
    peaks = [0, 0, 0, 0]
    with log_path.open("wb") as log, tempfile.TemporaryDirectory(prefix="bench-rss-") as tmp:
        rss_file = Path(tmp, "rss")
        start = time.perf_counter()
        proc = subprocess.Popen(
            [time_bin, "-o", str(rss_file), "-f", "%U %S %M", *argv],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
        )
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for index, value in enumerate(_tree_memory(proc.pid)):
                    peaks[index] = max(peaks[index], value)
                done.wait(SAMPLE_INTERVAL_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = proc.wait()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        user, system, peak = rss_file.read_text().splitlines()[-1].split()
    return TreeRun(
        wall,
        returncode,
        int(peak),
        peaks[0],
        peaks[1],
        peaks[2],
        peaks[3],
        float(user),
        float(system),
    )


# --- the data -------------------------------------------------------------------------------


@dataclass
class Corpus:
    """What was generated: counts, sizes, the date span and the data-dependent queries."""

    messages: int = 0
    bytes: int = 0
    with_attachment: int = 0
    over_1mib: int = 0
    folders: dict[str, int] = field(default_factory=dict)
    first_date: str = ""
    last_date: str = ""
    rare_word: str = ""
    month: tuple[str, str] = ("", "")
    seconds: float = 0.0


def maildir_dir(account_dir: Path, folder: str) -> Path:
    """Return the Maildir++ directory of *folder* (as ``MaildirStore.folder_dir`` does)."""
    if folder == "INBOX":
        return account_dir
    return account_dir / ("." + folder.replace("/", "."))


_DATE = re.compile(rb"^Date: (.*?)\r\n", re.MULTILINE)
_MSGID = re.compile(rb"^Message-ID: (.*?)\r\n", re.MULTILINE)
_NUMBER = re.compile(r"\b\d{5}\b")


def _header(pattern: re.Pattern[bytes], raw: bytes) -> str | None:
    head = raw[: raw.find(b"\r\n\r\n")]
    match = pattern.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def generate_archive(
    root: Path, count: int, seed: int, mean_size: int, attach_every: int, attach: tuple[int, int]
) -> Corpus:
    """Write *count* generated messages as Maildir files below *root* and catalog them."""
    from archiver.core.catalog import Catalog, Location, NewRecord  # noqa: PLC0415
    from tests.helpers.mailgen import generate_mailbox  # noqa: PLC0415

    start = time.perf_counter()
    corpus = Corpus(folders={name: 0 for name, _ in FOLDERS})
    account_dir = root / ACCOUNT
    for name, _ in FOLDERS:
        for sub in ("tmp", "new", "cur"):
            (maildir_dir(account_dir, name) / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
    chooser = random.Random(seed)
    names = [name for name, _ in FOLDERS]
    weights = [share for _, share in FOLDERS]
    dates: list[dt.datetime] = []
    rare_from = count // 2  # the rare word comes from a subject past the middle
    pending: list[NewRecord] = []
    with Catalog.open(root) as catalog:

        def flush() -> None:
            catalog.add_pending(pending)
            pending.clear()

        stream = generate_mailbox(
            count, seed=seed, mean_size=mean_size, big_every=attach_every, big_size=attach
        )
        for index, raw in enumerate(stream):
            folder = chooser.choices(names, weights)[0]
            uid = corpus.folders[folder] = corpus.folders[folder] + 1
            date_text = _header(_DATE, raw)
            when = email.utils.parsedate_to_datetime(date_text) if date_text else None
            when = (when or dt.datetime(2020, 1, 1, tzinfo=dt.UTC)).astimezone(dt.UTC)
            dates.append(when)
            roll = chooser.random()
            flags = ("\\Seen",) if roll < 0.85 else ()
            flags += ("\\Flagged",) if roll > 0.95 else ()
            flags += ("\\Answered",) if chooser.random() < 0.1 else ()
            digest = hashlib.sha256(raw).hexdigest()
            stamp = int(when.timestamp())
            info = "".join(sorted(MAILDIR_LETTERS[f] for f in flags))
            name = f"{stamp}.U{UIDVALIDITY}_{uid}.{digest[:16]}.imap-archiver,S={len(raw)}:2,{info}"
            path = maildir_dir(account_dir, folder) / "cur" / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(raw)
            os.utime(path, (stamp, stamp))
            message_id = _header(_MSGID, raw)
            pending.append(
                NewRecord(
                    ACCOUNT,
                    folder,
                    UIDVALIDITY,
                    uid,
                    message_id,
                    digest,
                    len(raw),
                    when,
                    flags,
                    Location(str(path.relative_to(root))),
                )
            )
            if len(pending) >= CATALOG_BATCH:
                flush()
            corpus.messages += 1
            corpus.bytes += len(raw)
            corpus.with_attachment += b"multipart/mixed" in raw[:4096]
            corpus.over_1mib += len(raw) > 1024 * 1024
            if not corpus.rare_word and index >= rare_from:
                subject = str(message_from_bytes(raw, policy=email_policy.default)["Subject"])
                if match := _NUMBER.search(subject):
                    corpus.rare_word = match.group()
        flush()
        ids = [r.id for r in catalog.records()]
        for at in range(0, len(ids), 10 * CATALOG_BATCH):
            catalog.mark_verified(ids[at : at + 10 * CATALOG_BATCH])
    os.sync()
    ordered = sorted(dates)
    middle = ordered[len(ordered) // 2].date()
    month_start = middle.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    corpus.first_date, corpus.last_date = ordered[0].isoformat(), ordered[-1].isoformat()
    corpus.month = (month_start.isoformat(), month_end.isoformat())
    corpus.rare_word = corpus.rare_word or "12345"
    corpus.seconds = time.perf_counter() - start
    return corpus


def tree_bytes(path: Path) -> int:
    """Return the apparent size of every file below *path* (0 if it does not exist)."""
    total = 0
    for directory, _, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):
                total += Path(directory, name).stat().st_size
    return total


# --- indexing ---------------------------------------------------------------------------------


@dataclass
class IndexRun:
    """One measured indexing run."""

    tool: str
    messages: int
    run: TreeRun
    ok: bool
    index_bytes: int = 0
    segments: int = 0

    @property
    def messages_per_s(self) -> float:
        """Messages per second of wall time, start-up included."""
        return self.messages / self.run.wall_s if self.run.wall_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the run as JSON values."""
        return {**asdict(self), "messages_per_s": self.messages_per_s}


SERIAL_SNIPPET = (
    "import sys; import archiver.core.index.indexer as ix; ix.PARALLEL_MIN = 10**12; "
    "from archiver.cli import main; sys.exit(main(['reindex']))"
)


def count_segments(index: Path) -> int:
    """Return how many segments the Whoosh index in *index* has (0 if unreadable)."""
    try:
        from whoosh import index as whoosh_index  # noqa: PLC0415

        ix = whoosh_index.open_dir(str(index))
        try:
            return len(ix._segments())
        finally:
            ix.close()
    except Exception:
        return 0


def run_reindex(
    tool: str, home: Path, snapshot: Path, out: Path, tag: str, messages: int
) -> IndexRun:
    """Run ``reindex`` (CLI: multi-process writer; serial: patched to one process); measure."""
    env = os.environ | {"IMAP_ARCHIVER_HOME": str(home)}
    argv = (
        [sys.executable, "-m", "archiver", "reindex"]
        if tool == "ours"
        else [sys.executable, "-c", SERIAL_SNIPPET]
    )
    log_path = out / f"search-{tag}-{tool}.log"
    run = run_tree(argv, log_path, cwd=snapshot, env=env)
    text = log_path.read_text(errors="replace")
    match = re.search(r"Indexed (\d+) messages", text)
    indexed = int(match.group(1)) if match else 0
    index = home / "archive" / ".index"
    return IndexRun(
        tool,
        indexed,
        run,
        run.returncode == 0 and indexed == messages,
        tree_bytes(index),
        count_segments(index),
    )


def notmuch_config(path: Path, maildir: Path) -> None:
    """Write a notmuch configuration for *maildir*: no new tags, no flag synchronisation."""
    path.write_text(
        f"""\
[database]
path={maildir}

[user]
name=Bench
primary_email=bench@example.org

[new]
tags=
ignore=

[search]
exclude_tags=

[maildir]
synchronize_flags=false
"""
    )


def run_notmuch_new(env: dict[str, str], maildir: Path, out: Path, tag: str) -> IndexRun:
    """Run ``notmuch new`` into a fresh database; measure it."""
    shutil.rmtree(maildir / ".notmuch", ignore_errors=True)
    run = run_tree(["notmuch", "new"], out / f"search-{tag}-notmuch-new.log", env=env)
    count = subprocess.run(
        ["notmuch", "count", "*"], capture_output=True, text=True, env=env, check=False
    )
    messages = int(count.stdout.strip() or 0)
    return IndexRun("notmuch", messages, run, run.returncode == 0, tree_bytes(maildir / ".notmuch"))


# --- search latency ---------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Return the *p*-th percentile of *values*, linearly interpolated (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(samples: Sequence[float]) -> dict[str, float]:
    """Return p50, p90, p95 and max of *samples* (seconds) in milliseconds."""
    return {
        "p50_ms": percentile(samples, 50) * 1000,
        "p90_ms": percentile(samples, 90) * 1000,
        "p95_ms": percentile(samples, 95) * 1000,
        "max_ms": max(samples) * 1000 if samples else math.nan,
        "n": len(samples),
    }


def latency_child(config_path: Path, result_path: Path) -> int:
    """In a child process: open the searcher once, run every query kind, time each search."""
    config = json.loads(config_path.read_text())
    start = time.perf_counter()
    import archiver  # noqa: PLC0415
    from archiver.core.index.search import ArchiveSearcher  # noqa: PLC0415

    imported = time.perf_counter()
    searcher = ArchiveSearcher(Path(config["root"]))
    opened = time.perf_counter()
    kinds: list[tuple[str, str]] = [tuple(k) for k in config["queries"]]
    samples: dict[str, list[float]] = {kind: [] for kind, _ in kinds}
    first: dict[str, float] = {}
    totals: dict[str, int] = {}
    try:
        for kind, text in kinds:  # warm-up: one search of each kind
            t0 = time.perf_counter()
            result = searcher.search(text, limit=config["limit"])
            first[kind] = time.perf_counter() - t0
            totals[kind] = result.total
        for _ in range(config["repeat"]):
            for kind, text in kinds:
                t0 = time.perf_counter()
                searcher.search(text, limit=config["limit"])
                samples[kind].append(time.perf_counter() - t0)
    finally:
        searcher.close()
    result_path.write_text(
        json.dumps(
            {
                "archiver_file": archiver.__file__,
                "import_s": imported - start,
                "open_s": opened - imported,
                "first_s": first,
                "totals": totals,
                "samples_s": samples,
                "own_peak_rss_kb": own_peak_rss_kb(),
            }
        )
    )
    return 0


def run_latency(
    root: Path, kinds: list[QueryKind], repeat: int, limit: int, snapshot: Path, work: Path
) -> dict[str, Any]:
    """Measure in-process search latency on the index of *root*, in a child process."""
    config, result = work / "latency.json", work / "latency-result.json"
    config.write_text(
        json.dumps(
            {
                "root": str(root),
                "queries": [(k.kind, k.ours) for k in kinds],
                "repeat": repeat,
                "limit": limit,
            }
        )
    )
    argv = [sys.executable, "-m", "benchmarks.search_benchmark", "--latency-child"]
    done = subprocess.run(
        [*argv, str(config), str(result)], cwd=snapshot, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"the latency child failed:\n{done.stderr}")
    data: dict[str, Any] = json.loads(result.read_text())
    every = [s for values in data["samples_s"].values() for s in values]
    data["per_kind"] = {kind: summary_ms(values) for kind, values in data["samples_s"].items()}
    data["overall"] = summary_ms(every)
    return data


def _timed(argv: Sequence[str], env: dict[str, str], cwd: Path | None) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout


def run_end_to_end(
    kinds: list[QueryKind],
    repeat: int,
    limit: int,
    home: Path,
    snapshot: Path,
    notmuch_env: dict[str, str],
) -> dict[str, Any]:
    """Time ``archiver search --json`` and ``notmuch search`` as fresh processes, per kind."""
    ours_env = os.environ | {"IMAP_ARCHIVER_HOME": str(home)}
    comparable = [k for k in kinds if k.notmuch is not None]

    def ours(k: QueryKind) -> tuple[float, str]:
        argv = [sys.executable, "-m", "archiver", "search", "--json", f"--limit={limit}", k.ours]
        return _timed(argv, ours_env, snapshot)

    def theirs(k: QueryKind) -> tuple[float, str]:
        assert k.notmuch is not None
        argv = ["notmuch", "search", "--format=json", f"--limit={limit}", "--sort=newest-first"]
        return _timed([*argv, k.notmuch], notmuch_env, None)

    samples: dict[str, dict[str, list[float]]] = {"ours": {}, "notmuch": {}}
    shown: dict[str, dict[str, int]] = {"ours": {}, "notmuch": {}}
    totals: dict[str, int] = {}
    for k in comparable:  # warm-up, and what each shows
        _, text = ours(k)
        shown["ours"][k.kind] = len(text.splitlines())
        _, text = theirs(k)
        shown["notmuch"][k.kind] = len(json.loads(text))
        assert k.notmuch is not None
        count = subprocess.run(
            ["notmuch", "count", k.notmuch],
            capture_output=True,
            text=True,
            env=notmuch_env,
            check=False,
        )
        totals[k.kind] = int(count.stdout.strip() or -1)
        samples["ours"][k.kind], samples["notmuch"][k.kind] = [], []
    for round_ in range(repeat):
        for k in comparable:  # alternate which tool goes first
            pair = [("ours", ours), ("notmuch", theirs)]
            for tool, run in pair if round_ % 2 == 0 else pair[::-1]:
                samples[tool][k.kind].append(run(k)[0])
    result: dict[str, Any] = {"notmuch_totals": totals, "shown": shown}
    for tool in ("ours", "notmuch"):
        every = [s for values in samples[tool].values() for s in values]
        result[tool] = {
            "per_kind": {kind: summary_ms(v) for kind, v in samples[tool].items()},
            "overall": summary_ms(every),
            "samples_s": samples[tool],
        }
    return result


def _timed_cpu(argv: Sequence[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Run *argv* to its end; return its wall time and its CPU time (user + system).

    On a machine that others keep busy, the wall time measures the queue for the cores as
    much as the process; its CPU time is close to what it takes on an idle machine.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = _timed(argv, env, cwd)[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_startup(
    kinds: list[QueryKind], repeat: int, limit: int, home: Path, snapshot: Path
) -> dict[str, Any]:
    """Time fresh processes: the bare interpreter, ``--help``, and ``search`` per kind."""
    env = os.environ | {"IMAP_ARCHIVER_HOME": str(home)}
    archiver = [sys.executable, "-m", "archiver"]
    commands = {"python -c pass": [sys.executable, "-c", "pass"], "--help": [*archiver, "--help"]}
    shown: dict[str, str] = {}
    for k in kinds:  # warm-up, and only the kinds that print a full page of hits
        argv = [*archiver, "search", f"--limit={limit}", k.ours]
        last = _timed(argv, env, snapshot)[1].strip().splitlines()[-1]
        if last.startswith(f"{limit} of "):
            commands[f"search {k.ours}"], shown[k.kind] = argv, last
    if shown:  # what no change to our code can save: the modules a search imports but ours
        first = next(argv for name, argv in commands.items() if name.startswith("search "))
        libraries = _library_imports(first[3:], env, snapshot)
        commands["its libraries alone"] = [sys.executable, "-c", _IMPORT_LIBRARIES, *libraries]
    samples: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    load_before = os.getloadavg()
    loads: list[float] = []  # the 1-minute load average after each round
    for round_ in range(repeat):
        order = list(commands.items())
        for name, argv in order if round_ % 2 == 0 else order[::-1]:
            wall, used = _timed_cpu(argv, env, snapshot)
            samples[name].append(wall)
            cpu[name].append(used)
        loads.append(os.getloadavg()[0])
    searches = [s for name, v in samples.items() if name.startswith("search ") for s in v]
    searches_cpu = [s for name, v in cpu.items() if name.startswith("search ") for s in v]
    return {
        "per_command": {name: summary_ms(v) for name, v in samples.items()},
        "search_all": summary_ms(searches),
        "cpu_per_command": {name: summary_ms(v) for name, v in cpu.items()},
        "cpu_search_all": summary_ms(searches_cpu),
        "shown": shown,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "loadavg_rounds": loads,
        "samples_s": samples,
        "cpu_samples_s": cpu,
    }


# Run the command line with the arguments after the first; write the modules it imported,
# but ours, to the file the first names (at exit: the command ends in SystemExit).
_LIST_IMPORTS = """
import atexit, json, sys
def write():
    ours = ("archiver", "__main__", "__editable__")
    mods = [m for m in sys.modules if not m.startswith(ours)]
    with open(sys.argv[1], "w") as f:
        json.dump(mods, f)
atexit.register(write)
from archiver.cli import main
sys.exit(main(sys.argv[2:]))
"""
# Import the modules named by the arguments, Whoosh's with the stand-ins a search installs.
_IMPORT_LIBRARIES = """
import importlib, sys
from archiver.core.index import standins
standins.install()
for name in sys.argv[1:]:
    importlib.import_module(name)
"""


def _library_imports(search_args: list[str], env: dict[str, str], cwd: Path) -> list[str]:
    """Return the modules a ``search`` with *search_args* imports, ours left out, in order."""
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "modules.json"
        _timed([sys.executable, "-c", _LIST_IMPORTS, str(listing), *search_args], env, cwd)
        names: list[str] = json.loads(listing.read_text())
    return names


def print_startup(startup: dict[str, Any]) -> None:
    """Print the start-up table: each command's p50/p90, and less the bare interpreter."""
    bare = startup["per_command"]["python -c pass"]["p50_ms"]
    bare_cpu = startup["cpu_per_command"]["python -c pass"]["p50_ms"]
    print(
        f"\n{'fresh process':<44} {'wall p50':>8} {'p90':>7} {'- bare':>7} "
        f"{'CPU p50':>8} {'p90':>7} {'- bare':>7}"
    )
    rows = [
        *zip(startup["per_command"].items(), startup["cpu_per_command"].values(), strict=True),
        (("search, all kinds", startup["search_all"]), startup["cpu_search_all"]),
    ]
    for (name, wall), cpu in rows:
        print(
            f"{name[:44]:<44} {wall['p50_ms']:>8.1f} {wall['p90_ms']:>7.1f} "
            f"{wall['p50_ms'] - bare:>7.1f} {cpu['p50_ms']:>8.1f} {cpu['p90_ms']:>7.1f} "
            f"{cpu['p50_ms'] - bare_cpu:>7.1f}"
        )
    before = startup["loadavg_before"]
    rounds = " ".join(f"{load:.1f}" for load in startup.get("loadavg_rounds", []))
    print(
        f"(milliseconds; CPU = user + system time of the process; load average "
        f"{before[0]:.2f} before, then after each round {rounds}; on {os.cpu_count()} cores)"
    )


# --- report -----------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """Return CPU, core count, Python, kernel, notmuch and Whoosh versions."""
    import whoosh  # noqa: PLC0415

    from benchmarks.archive_benchmark import cpu_model  # noqa: PLC0415

    notmuch = subprocess.run(
        ["notmuch", "--version"], capture_output=True, text=True, check=False
    ).stdout
    return {
        "cpu": cpu_model(),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "notmuch": notmuch.strip(),
        "whoosh": ".".join(map(str, whoosh.__version__)),
    }


def print_indexing(corpus: Corpus, runs: list[IndexRun]) -> None:
    """Print the data and one line per indexing run."""
    print(
        f"\ndata: {corpus.messages} messages, {corpus.bytes / MB:.1f} MB "
        f"({corpus.with_attachment} with an attachment, {corpus.over_1mib} over 1 MiB), "
        f"dates {corpus.first_date[:10]} .. {corpus.last_date[:10]}; generated and catalogued "
        f"in {corpus.seconds:.1f} s"
    )
    header = (
        f"{'indexer':<16} {'messages':>8} {'wall s':>8} {'msg/s':>7} {'max RSS':>8} "
        f"{'tree PSS':>8} {'tree RSS':>8} {'anon':>6} {'procs':>5} {'CPU s':>7} {'index MB':>9} "
        f"{'/archive':>8} {'segs':>4}  ok"
    )
    print(header)
    print("-" * len(header))
    for r in runs:
        print(
            f"{r.tool:<16} {r.messages:>8} {r.run.wall_s:>8.1f} {r.messages_per_s:>7.0f} "
            f"{r.run.max_rss_kb / 1024:>8.1f} {r.run.tree_pss_kb / 1024:>8.1f} "
            f"{r.run.tree_rss_kb / 1024:>8.1f} {r.run.tree_anon_kb / 1024:>6.0f} "
            f"{r.run.max_procs:>5} "
            f"{r.run.cpu_user_s + r.run.cpu_sys_s:>7.1f} {r.index_bytes / MB:>9.1f} "
            f"{r.index_bytes / corpus.bytes:>8.1%} {r.segments or '':>4}  "
            f"{'yes' if r.ok else 'NO'}"
        )
    print(
        "(memory in MiB: max RSS = GNU time %M, the largest single process; tree PSS/RSS/anon = "
        "peaks of the sums over the process tree (anon: heap, no mapped files), sampled every "
        "100 ms; CPU s = user + sys of "
        "the whole tree)"
    )


def print_latency(
    kinds: list[QueryKind], inproc: dict[str, dict[str, Any]], e2e: dict[str, Any] | None
) -> None:
    """Print the latency table: in-process per index, and end to end against notmuch."""
    labels = list(inproc)
    header = f"{'kind':<28} {'hits':>6}"
    for label in labels:
        header += f" {label + ' p50':>13} {'p95':>7}"
    if e2e:
        header += f" {'CLI p50':>8} {'p95':>7} {'notmuch p50':>11} {'p95':>7} {'nm hits':>7}"
    print("\n" + header)
    print("-" * len(header))
    first = inproc[labels[0]]
    for k in kinds:
        line = f"{k.kind:<28} {first['totals'][k.kind]:>6}"
        for label in labels:
            stats = inproc[label]["per_kind"][k.kind]
            line += f" {stats['p50_ms']:>13.1f} {stats['p95_ms']:>7.1f}"
        if e2e and k.kind in e2e["ours"]["per_kind"]:
            ours, theirs = e2e["ours"]["per_kind"][k.kind], e2e["notmuch"]["per_kind"][k.kind]
            line += (
                f" {ours['p50_ms']:>8.0f} {ours['p95_ms']:>7.0f} {theirs['p50_ms']:>11.1f} "
                f"{theirs['p95_ms']:>7.1f} {e2e['notmuch_totals'][k.kind]:>7}"
            )
        print(line)
    line = f"{'overall':<28} {'':>6}"
    for label in labels:
        stats = inproc[label]["overall"]
        line += f" {stats['p50_ms']:>13.1f} {stats['p95_ms']:>7.1f}"
    if e2e:
        ours, theirs = e2e["ours"]["overall"], e2e["notmuch"]["overall"]
        line += (
            f" {ours['p50_ms']:>8.0f} {ours['p95_ms']:>7.0f} {theirs['p50_ms']:>11.1f} "
            f"{theirs['p95_ms']:>7.1f}"
        )
    print(line)
    print(
        "(milliseconds; hits = our total matches; in-process = ArchiveSearcher.search(q, "
        "limit=50) in one open searcher; CLI = python -m archiver search --json, notmuch = "
        "notmuch search --format=json --limit=50, both fresh processes)"
    )


def evaluate(
    messages: int,
    runs: dict[str, IndexRun],
    inproc: dict[str, Any],
    e2e: dict[str, Any] | None,
) -> dict[str, Any]:
    """Check the issue's targets; None where this run does not measure one."""
    verdicts: dict[str, Any] = {}
    nm = runs.get("notmuch")
    if nm is not None and nm.messages_per_s:
        ratio = runs["ours"].messages_per_s / nm.messages_per_s
        verdicts |= {
            "index_ratio_vs_notmuch": ratio,
            "index_as_fast_as_notmuch": ratio >= TARGET_NOTMUCH_INDEX_RATIO,
            "index_at_least_half_notmuch": ratio >= FLOOR_NOTMUCH_INDEX_RATIO,
        }
        if "serial" in runs:
            verdicts["serial_index_ratio_vs_notmuch"] = runs["serial"].messages_per_s / (
                nm.messages_per_s
            )
            verdicts["parallel_gain"] = runs["ours"].messages_per_s / (
                runs["serial"].messages_per_s or math.nan
            )
    worst = max(inproc["per_kind"].items(), key=lambda item: item[1]["p95_ms"])
    verdicts |= {
        "inproc_worst_p95_kind": worst[0],
        "inproc_worst_p95_ms": worst[1]["p95_ms"],
        "inproc_kinds_over_50ms": [
            kind for kind, s in inproc["per_kind"].items() if s["p95_ms"] >= TARGET_P95_MS
        ],
        "inproc_p95_under_50ms": (
            worst[1]["p95_ms"] < TARGET_P95_MS if messages >= 100_000 else None
        ),
    }
    if e2e:
        slower_e2e = [
            kind
            for kind, s in e2e["ours"]["per_kind"].items()
            if s["p95_ms"] > e2e["notmuch"]["per_kind"][kind]["p95_ms"]
        ]
        slower_inproc = [
            kind
            for kind, s in e2e["notmuch"]["per_kind"].items()
            if inproc["per_kind"][kind]["p95_ms"] > s["p95_ms"]
        ]
        verdicts |= {
            "cli_kinds_slower_than_notmuch_p95": slower_e2e,
            "inproc_kinds_slower_than_notmuch_cli_p95": slower_inproc,
        }
    return verdicts


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.search_benchmark", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--messages", type=int, default=10_000, help="messages (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="mailbox generator seed")
    parser.add_argument(
        "--mean-size", type=int, default=30_000, help="mean message size before attachments"
    )
    parser.add_argument(
        "--attach-every",
        type=int,
        default=20,
        help="every N-th message carries a PDF attachment (default 20); 0: none",
    )
    parser.add_argument(
        "--attach-size",
        type=int,
        nargs=2,
        default=(20_000, 1_500_000),
        metavar=("MIN", "MAX"),
        help="decoded attachment size range in bytes (default 20000 1500000)",
    )
    parser.add_argument(
        "--repeat", type=int, default=30, help="in-process rounds over all kinds (default 30)"
    )
    parser.add_argument(
        "--cli-repeat",
        type=int,
        default=10,
        help="end-to-end rounds of both CLIs per kind (default 10); 0: skip",
    )
    parser.add_argument(
        "--startup-repeat",
        type=int,
        default=20,
        help="rounds of the command-line start-up figures (default 20); 0: skip",
    )
    parser.add_argument(
        "--startup-only",
        type=Path,
        metavar="HOME",
        help="measure only the start-up, on the indexed archive below HOME/archive",
    )
    parser.add_argument("--limit", type=int, default=50, help="results per search (default 50)")
    parser.add_argument(
        "--no-serial", action="store_true", help="skip the single-process reindex run"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated archive (its path is printed)"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/out"), help="JSON results and logs"
    )
    parser.add_argument(
        "--latency-child", nargs=2, type=Path, metavar=("CONFIG", "RESULT"), help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run everything, print the tables and verdicts, write the JSON; 0 if all runs were ok."""
    args = parse_args(argv)
    if args.latency_child:
        return latency_child(*args.latency_child)
    from benchmarks.archive_benchmark import gnu_time, snapshot_sources  # noqa: PLC0415

    if args.startup_only:
        return startup_only(args)

    if shutil.which("notmuch") is None:
        print("notmuch is not installed (Debian: apt-get install notmuch)", file=sys.stderr)
        return 2
    if gnu_time() is None:
        print("GNU time is not installed (Debian: apt-get install time)", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    tag = str(args.messages)
    work = Path(tempfile.mkdtemp(prefix="imap-archiver-search-bench-"))
    snapshot, source = snapshot_sources(work)
    print(f"work directory {work}; archiver sources sha256 {source[:16]}", flush=True)
    home = work / "home"
    root = home / "archive"
    root.mkdir(parents=True)
    maildir = root / ACCOUNT
    notmuch_env = os.environ | {"NOTMUCH_CONFIG": str(work / "notmuch-config")}
    notmuch_config(work / "notmuch-config", maildir)
    runs: dict[str, IndexRun] = {}
    inproc: dict[str, dict[str, Any]] = {}
    e2e: dict[str, Any] | None = None
    startup: dict[str, Any] | None = None
    try:
        print(f"generating {args.messages} messages ...", flush=True)
        corpus = generate_archive(
            root,
            args.messages,
            args.seed,
            args.mean_size,
            args.attach_every,
            tuple(args.attach_size),
        )
        kinds = query_kinds(corpus.rare_word, tuple(map(dt.date.fromisoformat, corpus.month)))
        serial_root = work / "serial"
        if not args.no_serial:
            print("reindex, one process ...", flush=True)
            runs["serial"] = run_reindex("serial", home, snapshot, out, tag, corpus.messages)
            serial_root.mkdir()
            (root / ".index").rename(serial_root / ".index")
        print("reindex, the CLI (multi-process writer) ...", flush=True)
        runs["ours"] = run_reindex("ours", home, snapshot, out, tag, corpus.messages)
        print("notmuch new ...", flush=True)
        runs["notmuch"] = run_notmuch_new(notmuch_env, maildir, out, tag)
        print_indexing(corpus, list(runs.values()))

        print("\nsearch latency in-process ...", flush=True)
        inproc["ours"] = run_latency(root, kinds, args.repeat, args.limit, snapshot, work)
        if not args.no_serial:
            inproc["1-proc index"] = run_latency(
                serial_root, kinds, args.repeat, args.limit, snapshot, work
            )
        if args.cli_repeat:
            print("search latency end to end (both CLIs) ...", flush=True)
            e2e = run_end_to_end(kinds, args.cli_repeat, args.limit, home, snapshot, notmuch_env)
        if args.startup_repeat:
            print("command-line start-up ...", flush=True)
            startup = run_startup(kinds, args.startup_repeat, args.limit, home, snapshot)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\narchiver sources (sha256 of archiver/**/*.py, snapshot at start): {source[:16]}")
    print_indexing(corpus, list(runs.values()))
    print_latency(kinds, inproc, e2e)
    if startup is not None:
        print_startup(startup)
    verdicts = evaluate(args.messages, runs, inproc["ours"], e2e)
    print()
    for key, value in verdicts.items():
        print(f"{key}: {value:.3f}" if isinstance(value, float) else f"{key}: {value}")
    result = {
        "command": " ".join(
            ["python -m benchmarks.search_benchmark", *(argv if argv is not None else sys.argv[1:])]
        ),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine_info(),
        "archiver_source_sha256": source,
        "corpus": asdict(corpus),
        "archive_message_bytes": corpus.bytes,
        "queries": [asdict(k) for k in kinds],
        "indexing": {name: r.to_dict() for name, r in runs.items()},
        "latency_inprocess": inproc,
        "latency_end_to_end": e2e,
        "cli_startup": startup,
        "targets": {
            "p95_ms": TARGET_P95_MS,
            "index_ratio": TARGET_NOTMUCH_INDEX_RATIO,
            "index_floor": FLOOR_NOTMUCH_INDEX_RATIO,
        },
        "verdicts": verdicts,
    }
    path = out / f"search_benchmark_{tag}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nresults written to {path}")
    return 0 if all(r.ok for r in runs.values()) else 1


def startup_only(args: argparse.Namespace) -> int:
    """Measure the command-line start-up alone, on the archive below ``args.startup_only``."""
    from benchmarks.archive_benchmark import snapshot_sources  # noqa: PLC0415

    home: Path = args.startup_only
    work = Path(tempfile.mkdtemp(prefix="imap-archiver-startup-bench-"))
    try:
        snapshot, source = snapshot_sources(work)
        # The rare word and the month depend on the generated data, which is not at hand.
        kinds = [
            k
            for k in query_kinds("", (dt.date(2020, 1, 1), dt.date(2020, 1, 31)))
            if k.kind not in ("rare word", "date range")
        ]
        print(f"archiver sources sha256 {source[:16]}; archive {home / 'archive'}", flush=True)
        startup = run_startup(kinds, args.startup_repeat, args.limit, home, snapshot)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_startup(startup)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "search_benchmark_startup.json"
    result = {
        "command": " ".join(["python -m benchmarks.search_benchmark", *sys.argv[1:]]),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "archive": str(home / "archive"),
        "machine": machine_info(),
        "archiver_source_sha256": source,
        "cli_startup": startup,
    }
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nresults written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
