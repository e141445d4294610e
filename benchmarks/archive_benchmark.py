"""Benchmark the archive job against mbsync on a private Dovecot: speed and peak memory.

Run from the repository root::

    python -m benchmarks.archive_benchmark [--messages 10000] [--big-every 500] \
        [--out benchmarks/out] [--repeat 3] [--bare-loop] [--profile FILE] \
        [--no-index] [--notmuch] [--main-only]

``docs/PERFORMANCE.md`` has the results and how to read them.

Scenarios, each on a fresh user of one private Dovecot (``tests/helpers/dovecot.py``):

``main``
    ``--messages`` generated messages (``tests/helpers/mailgen.py``, about 30 KB mean, every
    ``--big-every``-th with a 5-20 MB attachment), INTERNALDATE in 2020, spread over INBOX,
    Sent, Projects and Projects/Alpha and filled in by APPEND over one IMAPS connection.
    mbsync (1.4, ``Sync Pull``, ``Create Near``, no expunge) pulls them into a fresh Maildir;
    our ``run_archive`` (``keep_on_server=True``, Maildir) archives them into a fresh archive
    and indexes them for search, as the plain ``archive`` command does (tool ``ours``).
    With ``--no-index`` each round also runs ``ours-noindex``: the same without indexing
    (``archive --keep-on-server --no-index``), the figure to hold against mbsync alone. With
    ``--notmuch`` each mbsync run is followed by ``notmuch new`` into a fresh database on
    mbsync's Maildir (measured as a process of its own); mbsync's and notmuch's wall times
    added up are the pipeline ``ours`` (archive and index) is compared with.
``quarter``
    The same at a quarter of the messages: our peak RSS there against ``main`` shows whether
    memory is flat in the mailbox size.
``big``
    One 50 MB message alone, for both tools.

With ``--bare-loop`` the main scenario also measures :mod:`benchmarks._bare_loop`, the simplest
durable copy loop in Python (batched UID FETCH, one fsynced file per message, nothing else): a
reference for what a single-connection Python client reaches on the machine.

Before each measured run the harness calls ``sync`` (untimed), so that no run pays for writing
back another's files; outputs stay until the end where the disk has room (deleting gigabytes
slowed the runs after it on this machine). The archiver children import a copy of
``archiver/`` taken when the benchmark starts, so edits made meanwhile cannot mix code states
within one benchmark; the copy's SHA-256 is printed and stored with the results.
The table also shows each tool's own CPU time and how many cores the whole machine (Dovecot
included) kept busy on average. ``--main-only`` skips the ``quarter`` and ``big`` scenarios.

Every measured run is a child process of its own, timed from the outside (wall time, start-up
included) and measured with GNU time's ``%M`` (``ru_maxrss`` of the child). The child must not
be spawned directly by this (large) process: on Linux a child's ``ru_maxrss`` includes the
address space it was forked (or vforked) from, so a bare ``subprocess`` child of a 500 MB
parent reports at least 500 MB even for ``/bin/true``. GNU time is a small C program that forks
the measured command itself. Without it the harness polls ``VmHWM`` in ``/proc`` instead.

Results go to a table on stdout and to ``archive_benchmark_<messages>.json`` in ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from imapclient import IMAPClient

from benchmarks._archive_child import source_fingerprint
from tests.helpers.dovecot import DovecotServer, ImapUser, find_dovecot
from tests.helpers.mailgen import big_message, generate_mailbox

MB = 1_000_000  # rates and sizes are in decimal megabytes
# Folders to fill, with their share of the messages. Trash and Junk (special-use folders the
# archiver skips) stay empty and are excluded from mbsync's Patterns, so both tools read the
# same folders.
FOLDERS: tuple[tuple[str, float], ...] = (
    ("INBOX", 0.50),
    ("Sent", 0.20),
    ("Projects", 0.15),
    ("Projects/Alpha", 0.15),
)
BASE_DATE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # message i gets BASE_DATE + i minutes
CUTOFF = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)  # everything filled in is older
BIG_MESSAGE_SIZE = 50_000_000
DEFAULT_QUOTA_MB = 200_000
SURVEY_CHUNK = 1000  # UIDs per FETCH while surveying the filled mailbox
CHILD_MODULES = {
    "ours": "benchmarks._archive_child",
    "ours-noindex": "benchmarks._archive_child",
    "bare": "benchmarks._bare_loop",
}

# Targets from the issue.
TARGET_RATIO = 1.5  # ours / mbsync, messages per second
TARGET_NOINDEX_RATIO = 2.0  # ours-noindex / mbsync, messages per second, median ...
FLOOR_NOINDEX_RATIO = 1.5  # ... and in every round
TARGET_PIPELINE_RATIO = 1.5  # ours (archive and index) / (mbsync, then notmuch new)
TARGET_RSS_MB = 200.0
# "Flat": the full run's peak RSS may exceed the quarter run's by at most this much.
FLAT_TOLERANCE_MB = 10.0
FLAT_TOLERANCE_FRACTION = 0.10


# --- measuring child processes --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProcessRun:
    """One measured child process, and what the whole machine did meanwhile."""

    wall_s: float
    returncode: int
    peak_rss_kb: int
    rss_method: str
    cpu_user_s: float  # the child's own CPU time
    cpu_sys_s: float
    machine_busy_cores: float  # all processes (Dovecot included), in cores on average
    machine_iowait_cores: float


@functools.cache
def gnu_time() -> str | None:
    """Return the path of GNU time, or None where it is missing (or not GNU's)."""
    path = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if path is None:
        return None
    probe = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return path if "GNU" in probe.stdout + probe.stderr else None


def _vmhwm_kb(pid: int) -> int:
    """Return a live process's peak RSS so far (``VmHWM``) in KiB, 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _cpu_ticks() -> tuple[int, int]:
    """Return the machine's (busy, iowait) clock ticks since boot, from ``/proc/stat``."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    # user nice system idle iowait irq softirq steal (guest time is included in user)
    busy = sum(fields[:3]) + sum(fields[5:8])
    return busy, fields[4]


def run_measured(
    argv: Sequence[str],
    log_path: Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> ProcessRun:
    """Run *argv* to completion, output into *log_path*; return times and peak RSS.

    Dirty pages of earlier runs are written out first (``sync``, not timed), so that no run
    pays for flushing another's output.
    """
    os.sync()
    time_bin = gnu_time()
    hertz = os.sysconf("SC_CLK_TCK")
    with log_path.open("wb") as log, tempfile.TemporaryDirectory(prefix="bench-rss-") as tmp:
        busy0, iowait0 = _cpu_ticks()
        start = time.perf_counter()
        if time_bin is not None:
            rss_file = Path(tmp, "rss")
            done = subprocess.run(
                [time_bin, "-o", str(rss_file), "-f", "%U %S %M", *argv],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
                cwd=cwd,
                env=env,
            )
            wall = time.perf_counter() - start
            # On failure GNU time writes "Command exited with non-zero status N" first.
            user, system, peak = rss_file.read_text().splitlines()[-1].split()
            returncode, cpu_user, cpu_sys, peak_kb = (
                done.returncode,
                float(user),
                float(system),
                int(peak),
            )
            method = "GNU time %M (ru_maxrss)"
        else:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
            )
            peak_kb = 0
            while True:
                peak_kb = max(peak_kb, _vmhwm_kb(proc.pid))
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                time.sleep(0.01)
            wall = time.perf_counter() - start
            proc.returncode = returncode = os.waitstatus_to_exitcode(status)
            cpu_user, cpu_sys = usage.ru_utime, usage.ru_stime
            method = "VmHWM polled every 10 ms"
        busy1, iowait1 = _cpu_ticks()
    return ProcessRun(
        wall,
        returncode,
        peak_kb,
        method,
        cpu_user,
        cpu_sys,
        (busy1 - busy0) / hertz / wall,
        (iowait1 - iowait0) / hertz / wall,
    )


# --- filling the server ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mailbox:
    """What a user's folders hold, as the server reports it."""

    messages: int
    bytes: int
    folders: dict[str, int]


@dataclass(frozen=True, slots=True)
class FillStats:
    """How filling a user's mailbox went."""

    messages: int
    bytes: int
    seconds: float

    @property
    def messages_per_s(self) -> float:
        """APPENDed messages per second."""
        return self.messages / self.seconds if self.seconds else 0.0


def folder_counts(total: int) -> list[tuple[str, int]]:
    """Split *total* messages over FOLDERS by their shares (the last folder takes the rest)."""
    counts = []
    left = total
    for index, (name, share) in enumerate(FOLDERS):
        count = left if index == len(FOLDERS) - 1 else min(left, round(total * share))
        counts.append((name, count))
        left -= count
    return [(name, count) for name, count in counts if count]


def _ensure_folder(client: IMAPClient, folder: str) -> None:
    if not client.folder_exists(folder):
        client.create_folder(folder)


def fill_mailbox(
    server: DovecotServer,
    user: ImapUser,
    messages: Iterator[bytes],
    plan: Sequence[tuple[str, int]],
) -> FillStats:
    """APPEND *messages* over one IMAPS connection, as \\Seen with 2020 INTERNALDATEs.

    Folders get consecutive runs of messages as *plan* says; message *i* (counted over all
    folders) gets INTERNALDATE ``BASE_DATE + i minutes``.
    """
    start = time.perf_counter()
    count = size = 0
    with server.client(user) as client:
        for folder, _ in plan:
            for depth in range(1, folder.count("/") + 2):
                _ensure_folder(client, "/".join(folder.split("/")[:depth]))
        for folder, in_folder in plan:
            for _ in range(in_folder):
                raw = next(messages)
                when = BASE_DATE + dt.timedelta(minutes=count)
                client.append(folder, raw, flags=(b"\\Seen",), msg_time=when)
                count += 1
                size += len(raw)
    return FillStats(count, size, time.perf_counter() - start)


def survey(server: DovecotServer, user: ImapUser) -> Mailbox:
    """FETCH size, INTERNALDATE and flags of every message (also warming Dovecot's cache).

    Both tools ask for these items; fetching them once before any measured run means neither
    pays for building Dovecot's index cache.
    """
    folders: dict[str, int] = {}
    total = 0
    with server.client(user) as client:
        for flags, _, name in client.list_folders():
            folder = name.decode() if isinstance(name, bytes) else name
            if any(f.lower() == b"\\noselect" for f in flags):
                continue
            state = client.select_folder(folder, readonly=True)
            if not state.get(b"EXISTS"):
                continue
            uids = sorted(client.search("ALL"))
            for start in range(0, len(uids), SURVEY_CHUNK):  # Dovecot limits command lines
                data = client.fetch(
                    uids[start : start + SURVEY_CHUNK], ["RFC822.SIZE", "INTERNALDATE", "FLAGS"]
                )
                folders[folder] = folders.get(folder, 0) + len(data)
                total += sum(int(item[b"RFC822.SIZE"]) for item in data.values())
    return Mailbox(sum(folders.values()), total, folders)


# --- the two tools --------------------------------------------------------------------------


@dataclass
class Measurement:
    """One measured run of one tool in one scenario."""

    scenario: str
    tool: str
    messages: int  # messages the tool wrote
    bytes: int  # bytes of those messages on the server
    wall_s: float
    peak_rss_kb: int
    rss_method: str
    ok: bool
    cpu_s: float = 0.0  # the tool's own CPU time, user + system
    machine_busy_cores: float = 0.0  # every process's CPU (Dovecot's too), in cores
    machine_iowait_cores: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        scenario: str,
        tool: str,
        messages: int,
        size: int,
        proc: ProcessRun,
        ok: bool,
        extra: dict[str, Any],
    ) -> Measurement:
        """Build a measurement from a measured process."""
        return cls(
            scenario,
            tool,
            messages,
            size,
            proc.wall_s,
            proc.peak_rss_kb,
            proc.rss_method,
            ok,
            proc.cpu_user_s + proc.cpu_sys_s,
            proc.machine_busy_cores,
            proc.machine_iowait_cores,
            {
                "returncode": proc.returncode,
                "cpu_user_s": proc.cpu_user_s,
                "cpu_sys_s": proc.cpu_sys_s,
                **extra,
            },
        )

    @property
    def messages_per_s(self) -> float:
        """Messages per second of wall time."""
        return self.messages / self.wall_s if self.wall_s else 0.0

    @property
    def mb_per_s(self) -> float:
        """Megabytes (10^6) per second of wall time."""
        return self.bytes / MB / self.wall_s if self.wall_s else 0.0

    @property
    def peak_rss_mb(self) -> float:
        """Peak RSS in MiB."""
        return self.peak_rss_kb / 1024

    def to_dict(self) -> dict[str, Any]:
        """Return the measurement, with its derived rates, as JSON values."""
        return {
            **asdict(self),
            "messages_per_s": self.messages_per_s,
            "mb_per_s": self.mb_per_s,
            "peak_rss_mb": self.peak_rss_mb,
        }


def mbsync_config(server: DovecotServer, user: ImapUser, local: Path) -> str:
    """Return an mbsyncrc (isync 1.4 syntax) that pulls every folder but Trash and Junk."""
    return f"""\
IMAPAccount bench
Host {server.host}
Port {server.ssl_port}
User {user.name}
Pass "{user.password}"
SSLType IMAPS
CertificateFile {server.cafile}

IMAPStore far
Account bench

MaildirStore near
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel bench
Far :far:
Near :near:
Patterns INBOX * !Trash !Junk
Sync Pull
Create Near
Remove None
Expunge None
CopyArrivalDate yes
SyncState *
"""


def count_maildir_files(root: Path) -> tuple[int, int]:
    """Return (files, bytes) of every message file in ``cur/`` and ``new/`` below *root*."""
    files = size = 0
    for directory, _, names in os.walk(root):
        if Path(directory).name in ("cur", "new"):
            for name in names:
                files += 1
                size += Path(directory, name).stat().st_size
    return files, size


def run_mbsync(
    server: DovecotServer, user: ImapUser, work: Path, out: Path, scenario: str, mailbox: Mailbox
) -> Measurement:
    """Pull the user's mail with mbsync into a fresh Maildir below *work*; measure it.

    The Maildir's path is in ``extra["maildir"]``.
    """
    run_dir = Path(tempfile.mkdtemp(prefix="mbsync-", dir=work))
    local = run_dir / "mail"
    local.mkdir()
    rc = run_dir / "mbsyncrc"
    rc.write_text(mbsync_config(server, user, local))
    rc.chmod(0o600)
    proc = run_measured(["mbsync", "-c", str(rc), "-a"], out / f"mbsync-{scenario}.log")
    files, size = count_maildir_files(local)
    ok = proc.returncode == 0 and files == mailbox.messages
    return Measurement.of(
        scenario,
        "mbsync",
        files,
        mailbox.bytes,
        proc,
        ok,
        {"bytes_on_disk": size, "maildir": str(local)},
    )


def run_notmuch(maildir: Path, out: Path, scenario: str, mailbox: Mailbox) -> Measurement:
    """Index mbsync's fresh *maildir* with ``notmuch new`` into a new database; measure it.

    The configuration is the search benchmark's: no new tags, no flag synchronisation.
    """
    from benchmarks.search_benchmark import notmuch_config  # noqa: PLC0415 - a large module

    config = maildir.parent / "notmuch-config"
    notmuch_config(config, maildir)
    env = os.environ | {"NOTMUCH_CONFIG": str(config)}
    proc = run_measured(["notmuch", "new"], out / f"notmuch-{scenario}.log", env=env)
    count = subprocess.run(
        ["notmuch", "count", "*"], capture_output=True, text=True, env=env, check=False
    )
    indexed = int(count.stdout.strip() or 0)
    ok = proc.returncode == 0 and indexed == mailbox.messages
    return Measurement.of(scenario, "notmuch", indexed, mailbox.bytes, proc, ok, {})


def run_ours(
    server: DovecotServer,
    user: ImapUser,
    work: Path,
    out: Path,
    scenario: str,
    mailbox: Mailbox,
    profile: Path | None = None,
    *,
    tool: str = "ours",
    snapshot: Path,
) -> Measurement:
    """Archive the user's mail with run_archive, in a child process, below *work*; measure it.

    The child runs in *snapshot* (see :func:`snapshot_sources`), so it imports the code as it
    was when the benchmark started. With *tool* ``"bare"`` the child is the bare-loop
    reference (:mod:`benchmarks._bare_loop`) instead of the archiver, with ``"ours-noindex"``
    the archiver without indexing.
    """
    module = CHILD_MODULES[tool]
    run_dir = Path(tempfile.mkdtemp(prefix=f"{tool}-", dir=work))
    archive_root = run_dir / "archive"
    config = {
        "host": server.host,
        "port": server.ssl_port,
        "user": user.name,
        "password": user.password,
        "cafile": str(server.cafile),
        "archive_root": str(archive_root),
        "cutoff": CUTOFF.isoformat(),
        "profile": str(profile) if profile else None,
        "index": tool != "ours-noindex",
    }
    config_path, result_path = run_dir / "config.json", run_dir / "result.json"
    config_path.write_text(json.dumps(config))
    config_path.chmod(0o600)
    proc = run_measured(
        [sys.executable, "-m", module, str(config_path), str(result_path)],
        out / f"{tool}-{scenario}.log",
        cwd=snapshot,
    )
    summary: dict[str, Any] = (
        json.loads(result_path.read_text())
        if result_path.exists()
        else {"archived": 0, "errors": -1}
    )
    files, size = count_maildir_files(archive_root)
    ok = (
        proc.returncode == 0
        and summary["errors"] == 0
        and summary["archived"] == mailbox.messages == files
    )
    return Measurement.of(
        scenario, tool, files, mailbox.bytes, proc, ok, {"bytes_on_disk": size, "child": summary}
    )


# --- scenarios and report -------------------------------------------------------------------


def clear_outputs(work: Path, keep_bytes: int) -> None:
    """Remove the tools' output trees below *work*, unless *keep_bytes* more still fit.

    Outputs are kept until the end where the disk has room (with 20 % to spare): deleting
    gigabytes slows the runs right after it on some disks (this machine mounts / with
    ``discard``), even after ``sync``.
    """
    if shutil.disk_usage(work).free > keep_bytes * 1.2:
        return
    print("(deleting earlier outputs to make room; the next run may be slower for it)", flush=True)
    for child in work.iterdir():
        if child.name != "src":  # the code snapshot
            shutil.rmtree(child, ignore_errors=True)


def prepare_user(
    server: DovecotServer, messages: int, big_every: int, seed: int
) -> tuple[ImapUser, FillStats, Mailbox]:
    """Create a user, fill its folders with generated mail and survey the result."""
    user = server.add_user()
    plan = folder_counts(messages)
    stream = generate_mailbox(messages, seed=seed, big_every=big_every)
    fill = fill_mailbox(server, user, stream, plan)
    mailbox = survey(server, user)
    if mailbox.messages != messages:
        raise RuntimeError(f"filled {messages} messages, but the server holds {mailbox.messages}")
    return user, fill, mailbox


def prepare_big_user(server: DovecotServer, seed: int) -> tuple[ImapUser, FillStats, Mailbox]:
    """Create a user whose INBOX holds one 50 MB message."""
    user = server.add_user()
    fill = fill_mailbox(server, user, iter([big_message(BIG_MESSAGE_SIZE, seed)]), [("INBOX", 1)])
    return user, fill, survey(server, user)


def median_run(runs: list[Measurement]) -> Measurement:
    """Return the run of median wall time (the lower middle one for an even count)."""
    ordered = sorted(runs, key=lambda m: m.wall_s)
    return ordered[(len(ordered) - 1) // 2]


def is_flat(quarter_kb: int, full_kb: int) -> bool:
    """Whether the full run's peak RSS stays within tolerance of the quarter run's."""
    allowed = max(FLAT_TOLERANCE_MB * 1024, quarter_kb * FLAT_TOLERANCE_FRACTION)
    return full_kb - quarter_kb <= allowed


def snapshot_sources(work: Path) -> tuple[Path, str]:
    """Copy the archiver and benchmarks packages below *work*; return the copy and its hash.

    The core may be edited while a benchmark runs; the children import this copy (they run
    with it as their working directory, which comes first on ``sys.path``), so that every
    measured run of one benchmark runs the same code. The copy is byte-compiled, as an
    installed package is: with ``PYTHONDONTWRITEBYTECODE`` set (as on this project's
    machines) every child would otherwise compile each module it imports, about 0.15 s of
    CPU for an archive run that no user's run spends.
    """
    import archiver  # noqa: PLC0415 - only to find the package directory

    snapshot = work / "src"
    ignore = shutil.ignore_patterns("__pycache__", "out")
    shutil.copytree(Path(archiver.__file__).parent, snapshot / "archiver", ignore=ignore)
    shutil.copytree(Path(__file__).parent, snapshot / "benchmarks", ignore=ignore)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(snapshot)], check=True)
    return snapshot, source_fingerprint(snapshot / "archiver")


def cpu_model() -> str:
    """Return the CPU's model name from /proc/cpuinfo, or "?"."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def machine_info() -> dict[str, Any]:
    """Return CPU, core count, memory and the file system of the temp dir."""
    cpu = cpu_model()
    df = subprocess.run(
        ["df", "-T", tempfile.gettempdir()], capture_output=True, text=True, check=False
    ).stdout.splitlines()
    mbsync = subprocess.run(
        ["mbsync", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "tmp_filesystem": df[-1] if df else "?",
        "mbsync": mbsync,
    }


def print_table(measurements: list[Measurement], fills: dict[str, FillStats]) -> None:
    """Print one line per measurement, and how filling went."""
    for scenario, fill in fills.items():
        print(
            f"fill {scenario}: {fill.messages} messages, {fill.bytes / MB:.1f} MB in "
            f"{fill.seconds:.1f} s ({fill.messages_per_s:.0f} messages/s, "
            f"{fill.bytes / MB / fill.seconds:.1f} MB/s)"
        )
    header = (
        f"{'scenario':<9} {'tool':<7} {'messages':>8} {'MB':>8} {'wall s':>8} "
        f"{'msg/s':>8} {'MB/s':>7} {'peak RSS MiB':>12} {'CPU s':>7} "
        f"{'busy cores':>10}  ok"
    )
    print(header)
    print("-" * len(header))
    for m in measurements:
        print(
            f"{m.scenario:<9} {m.tool:<7} {m.messages:>8} {m.bytes / MB:>8.1f} "
            f"{m.wall_s:>8.2f} {m.messages_per_s:>8.0f} {m.mb_per_s:>7.1f} "
            f"{m.peak_rss_mb:>12.1f} {m.cpu_s:>7.1f} {m.machine_busy_cores:>10.2f}  "
            f"{'yes' if m.ok else 'NO'}"
        )
    print(
        "(CPU s: the tool's own user+system time; busy cores: the whole machine's, Dovecot "
        "included, averaged over the wall time)"
    )


def evaluate(
    main_ours: Measurement,
    main_mbsync: Measurement | None,
    quarter: Measurement | None,
    big: Measurement | None,
    all_ours: list[Measurement],
) -> dict[str, Any]:
    """Check the issue's targets; return the verdicts (None where not measured)."""
    ratio = (
        main_ours.messages_per_s / main_mbsync.messages_per_s
        if main_mbsync and main_mbsync.messages_per_s
        else None
    )
    peak_kb = max(m.peak_rss_kb for m in all_ours)
    return {
        "ratio_messages_per_s": ratio,
        "ratio_mb_per_s": (
            main_ours.mb_per_s / main_mbsync.mb_per_s
            if main_mbsync and main_mbsync.mb_per_s
            else None
        ),
        "speed_target_met": ratio >= TARGET_RATIO if ratio is not None else None,
        "max_peak_rss_mb": peak_kb / 1024,
        "rss_target_met": peak_kb / 1024 < TARGET_RSS_MB,
        "rss_flat": (is_flat(quarter.peak_rss_kb, main_ours.peak_rss_kb) if quarter else None),
        "big_message_rss_mb": big.peak_rss_mb if big else None,
        "big_message_rss_target_met": big.peak_rss_mb < TARGET_RSS_MB if big else None,
    }


def ours_all_runs(measurements: list[Measurement], rounds: list[Measurement]) -> list[Measurement]:
    """Return every run of our archiver: the table's and each round of the main scenario."""
    return [m for m in measurements if m.tool == "ours"] + rounds


def print_verdicts(verdicts: dict[str, Any]) -> None:
    """Print the ratio and every target's verdict."""

    def word(value: bool | None) -> str:
        return "not measured" if value is None else ("met" if value else "NOT met")

    ratio = verdicts["ratio_messages_per_s"]
    if ratio is not None:
        print(
            f"ours/mbsync messages/s: {ratio:.3f}x (MB/s: "
            f"{verdicts['ratio_mb_per_s']:.3f}x); target >= {TARGET_RATIO}x: "
            f"{word(verdicts['speed_target_met'])}"
        )
    print(
        f"our peak RSS, worst run: {verdicts['max_peak_rss_mb']:.1f} MiB; target < "
        f"{TARGET_RSS_MB:.0f} MiB: {word(verdicts['rss_target_met'])}"
    )
    print(
        f"peak RSS flat in mailbox size (quarter vs full, tolerance max({FLAT_TOLERANCE_MB:.0f}"
        f" MiB, {FLAT_TOLERANCE_FRACTION:.0%})): {word(verdicts['rss_flat'])}"
    )
    if "bare_over_mbsync_messages_per_s" in verdicts:
        print(
            f"bare loop/mbsync messages/s: {verdicts['bare_over_mbsync_messages_per_s']:.2f}x;"
            f" ours/bare loop: {verdicts['ours_over_bare_messages_per_s']:.2f}x"
        )
    if verdicts["big_message_rss_mb"] is not None:
        print(
            f"peak RSS with one 50 MB message: {verdicts['big_message_rss_mb']:.1f} MiB; "
            f"target < {TARGET_RSS_MB:.0f} MiB: "
            f"{word(verdicts['big_message_rss_target_met'])}"
        )


def round_verdicts(
    mbsync: list[Measurement],
    ours: list[Measurement],
    noindex: list[Measurement],
    notmuch: list[Measurement],
) -> dict[str, Any]:
    """Return the ratios round by round and of the medians: archiving alone against mbsync,
    archiving and indexing against mbsync followed by ``notmuch new`` (their walls added up).

    A tool's run i and mbsync's run i belong to the same round.
    """

    def median(values: list[float]) -> float:
        return sorted(values)[(len(values) - 1) // 2]

    verdicts: dict[str, Any] = {
        "ours_over_mbsync_rounds": [
            o.messages_per_s / m.messages_per_s for o, m in zip(ours, mbsync, strict=True)
        ],
        "seconds_to_server_done_rounds": [
            o.extra.get("child", {}).get("seconds_to_server_done") for o in ours
        ],
    }
    if noindex:
        rounds = [o.messages_per_s / m.messages_per_s for o, m in zip(noindex, mbsync, strict=True)]
        ratio = median_run(noindex).messages_per_s / median_run(mbsync).messages_per_s
        verdicts |= {
            "noindex_over_mbsync": ratio,
            "noindex_over_mbsync_rounds": rounds,
            "noindex_target_met": ratio >= TARGET_NOINDEX_RATIO
            and min(rounds) >= FLOOR_NOINDEX_RATIO,
        }
    if notmuch:
        pipelines = [m.wall_s + n.wall_s for m, n in zip(mbsync, notmuch, strict=True)]
        rounds = [p / o.wall_s for p, o in zip(pipelines, ours, strict=True)]
        ratio = median(pipelines) / median_run(ours).wall_s
        verdicts |= {
            "pipeline_wall_s_rounds": pipelines,
            "pipeline_cpu_s_rounds": [
                m.cpu_s + n.cpu_s for m, n in zip(mbsync, notmuch, strict=True)
            ],
            "ours_over_pipeline": ratio,
            "ours_over_pipeline_rounds": rounds,
            "pipeline_target_met": ratio >= TARGET_PIPELINE_RATIO,
        }
    return verdicts


def print_round_verdicts(verdicts: dict[str, Any]) -> None:
    """Print the ratios of :func:`round_verdicts`."""

    def listed(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}x" for v in values)

    print(f"ours (archive + index) / mbsync, rounds: {listed(verdicts['ours_over_mbsync_rounds'])}")
    done = [v for v in verdicts["seconds_to_server_done_rounds"] if v is not None]
    if done:
        print("ours: server done after (s, in run_archive): " + ", ".join(f"{v:.2f}" for v in done))
    if "noindex_over_mbsync" in verdicts:
        print(
            f"ours --no-index / mbsync messages/s: {verdicts['noindex_over_mbsync']:.2f}x "
            f"(rounds {listed(verdicts['noindex_over_mbsync_rounds'])}); target >= "
            f"{TARGET_NOINDEX_RATIO}x, no round under {FLOOR_NOINDEX_RATIO}x: "
            f"{'met' if verdicts['noindex_target_met'] else 'NOT met'}"
        )
    if "ours_over_pipeline" in verdicts:
        walls = ", ".join(f"{v:.2f}" for v in verdicts["pipeline_wall_s_rounds"])
        print(
            f"ours (archive + index) / (mbsync, then notmuch new): "
            f"{verdicts['ours_over_pipeline']:.2f}x (rounds "
            f"{listed(verdicts['ours_over_pipeline_rounds'])}; pipeline walls {walls} s); "
            f"target >= {TARGET_PIPELINE_RATIO}x: "
            f"{'met' if verdicts['pipeline_target_met'] else 'NOT met'}"
        )


def print_profile(path: Path, limit: int = 30) -> None:
    """Print the top functions of a cProfile dump, by own time and by cumulative time."""
    for order in ("tottime", "cumulative"):
        print(f"\n=== profile by {order} ===")
        pstats.Stats(str(path)).strip_dirs().sort_stats(order).print_stats(limit)


def side_scenarios(
    server: DovecotServer,
    work: Path,
    out: Path,
    args: argparse.Namespace,
    snapshot: Path,
    fills: dict[str, FillStats],
    mailboxes: dict[str, Mailbox],
) -> tuple[Measurement, Measurement, Measurement]:
    """Run the quarter scenario (ours) and the big one; return ours, mbsync's and ours.

    *fills* and *mailboxes* gain the two scenarios' entries.
    """
    # What the quarter and big scenarios write, Dovecot's copies included.
    clear_outputs(work, 2 * (mailboxes["main"].bytes // 4 + 3 * BIG_MESSAGE_SIZE))
    quarter_count = args.messages // 4
    print(f"quarter scenario: filling {quarter_count} messages, then ours ...", flush=True)
    user_q, fills["quarter"], mailboxes["quarter"] = prepare_user(
        server, quarter_count, args.big_every, args.seed + 1
    )
    quarter = run_ours(
        server, user_q, work, out, "quarter", mailboxes["quarter"], snapshot=snapshot
    )
    clear_outputs(work, 6 * BIG_MESSAGE_SIZE)

    print("big scenario: one 50 MB message, mbsync and ours ...", flush=True)
    user_b, fills["big"], mailboxes["big"] = prepare_big_user(server, args.seed + 2)
    big_mbsync = run_mbsync(server, user_b, work, out, "big", mailboxes["big"])
    big = run_ours(server, user_b, work, out, "big", mailboxes["big"], snapshot=snapshot)
    return quarter, big_mbsync, big


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.archive_benchmark", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--messages", type=int, default=10_000, help="messages in the main scenario (default 10000)"
    )
    parser.add_argument(
        "--big-every",
        type=int,
        default=500,
        help="every N-th message carries a 5-20 MB attachment; 0: none",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("benchmarks/out"),
        help="directory for the JSON results and the tools' logs",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds of both tools in the main scenario; the table shows the "
        "median round's speed and the worst round's memory (default 3)",
    )
    parser.add_argument(
        "--quota-mb", type=int, default=DEFAULT_QUOTA_MB, help="the server's storage quota per user"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        metavar="FILE",
        help="only fill the main scenario and archive it once under cProfile "
        "(stats to FILE; the main thread only); no mbsync, no other "
        "scenarios",
    )
    parser.add_argument(
        "--bare-loop",
        action="store_true",
        help="also measure the bare-loop reference (benchmarks/_bare_loop.py) "
        "in each round of the main scenario",
    )
    parser.add_argument(
        "--no-index",
        action="store_true",
        help="also measure our archiver without indexing (archive --keep-on-server "
        "--no-index) in each round of the main scenario",
    )
    parser.add_argument(
        "--notmuch",
        action="store_true",
        help="follow each mbsync run by notmuch new on its Maildir (measured apart), to "
        "compare archive + index with mbsync + notmuch",
    )
    parser.add_argument(
        "--main-only", action="store_true", help="skip the quarter and big scenarios"
    )
    parser.add_argument("--seed", type=int, default=1, help="mailbox generator seed")
    args = parser.parse_args(argv)
    if args.messages < 4 or args.repeat < 1:
        parser.error("--messages must be at least 4 and --repeat at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scenarios, print the table and verdicts, write the JSON; 0 if all runs were ok."""
    args = parse_args(argv)
    binary = find_dovecot()
    if binary is None:
        print("dovecot is not installed (Debian: apt-get install dovecot-imapd)", file=sys.stderr)
        return 2
    if args.profile is None and shutil.which("mbsync") is None:
        print("mbsync is not installed (Debian: apt-get install isync)", file=sys.stderr)
        return 2
    if args.notmuch and shutil.which("notmuch") is None:
        print("notmuch is not installed (Debian: apt-get install notmuch)", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="imap-archiver-bench-"))
    snapshot, source = snapshot_sources(work)
    server = DovecotServer(binary, quota_mb=args.quota_mb)
    server.start()
    measurements: list[Measurement] = []
    fills: dict[str, FillStats] = {}
    mailboxes: dict[str, Mailbox] = {}
    try:
        print(f"filling {args.messages} messages (big every {args.big_every}) ...", flush=True)
        user, fills["main"], mailboxes["main"] = prepare_user(
            server, args.messages, args.big_every, args.seed
        )
        if args.profile is not None:
            profile = args.profile.resolve()
            tool = "ours-noindex" if args.no_index else "ours"
            run = run_ours(
                server,
                user,
                work,
                out,
                "profile",
                mailboxes["main"],
                profile,
                tool=tool,
                snapshot=snapshot,
            )
            print_table([run], fills)
            print_profile(profile)
            return 0 if run.ok else 1
        runs: dict[str, list[Measurement]] = {"mbsync": [], "ours": []}
        if args.no_index:
            runs["ours-noindex"] = []
        if args.bare_loop:
            runs["bare"] = []
        notmuch_runs: list[Measurement] = []
        tools = list(runs)
        needed = mailboxes["main"].bytes * args.repeat * len(tools)
        if shutil.disk_usage(work).free < needed * 1.2:
            print(
                f"not enough free disk space below {work} for the outputs of the main "
                f"scenario (about {needed / MB:.0f} MB)",
                file=sys.stderr,
            )
            return 2
        for round_ in range(args.repeat):
            # Each round starts with another tool, so that no tool always runs first.
            shift = round_ % len(tools)
            for tool in tools[shift:] + tools[:shift]:
                print(f"main scenario, round {round_ + 1}/{args.repeat}: {tool} ...", flush=True)
                if tool == "mbsync":
                    run = run_mbsync(server, user, work, out, "main", mailboxes["main"])
                    if args.notmuch:
                        print(f"main scenario, round {round_ + 1}: notmuch new ...", flush=True)
                        notmuch_runs.append(
                            run_notmuch(Path(run.extra["maildir"]), out, "main", mailboxes["main"])
                        )
                else:
                    run = run_ours(
                        server,
                        user,
                        work,
                        out,
                        "main",
                        mailboxes["main"],
                        tool=tool,
                        snapshot=snapshot,
                    )
                runs[tool].append(run)
        ours_runs, mbsync_runs, bare_runs = runs["ours"], runs["mbsync"], runs.get("bare", [])
        # The median round's speed, with each tool's worst memory over the rounds.
        main_mbsync = replace(
            median_run(mbsync_runs), peak_rss_kb=max(m.peak_rss_kb for m in mbsync_runs)
        )
        main_ours = replace(
            median_run(ours_runs), peak_rss_kb=max(m.peak_rss_kb for m in ours_runs)
        )
        measurements += [main_mbsync, main_ours]
        for extra_runs in (runs.get("ours-noindex", []), notmuch_runs, bare_runs):
            if extra_runs:
                measurements.append(
                    replace(
                        median_run(extra_runs), peak_rss_kb=max(m.peak_rss_kb for m in extra_runs)
                    )
                )
        quarter: Measurement | None = None
        big: Measurement | None = None
        if not args.main_only:
            quarter, big_mbsync, big = side_scenarios(
                server, work, out, args, snapshot, fills, mailboxes
            )
            measurements += [quarter, big_mbsync, big]
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    # Every archiver child reports a hash of the package it imported: all must be the snapshot.
    noindex_runs = runs.get("ours-noindex", [])
    loaded = {
        m.extra.get("child", {}).get("archiver_source_sha256")
        for m in ours_all_runs(measurements, ours_runs + noindex_runs)
    }
    print()
    print(f"archiver sources (sha256 of archiver/**/*.py, snapshot at start): {source[:16]}")
    if loaded != {source}:
        print(f"WARNING: the children ran other code than the snapshot: {sorted(map(str, loaded))}")
    print_table(measurements, fills)
    verdicts = evaluate(
        main_ours, main_mbsync, quarter, big, ours_all_runs(measurements, ours_runs)
    )
    if bare_runs:
        bare = median_run(bare_runs)
        verdicts["bare_over_mbsync_messages_per_s"] = (
            bare.messages_per_s / main_mbsync.messages_per_s
        )
        verdicts["ours_over_bare_messages_per_s"] = main_ours.messages_per_s / bare.messages_per_s
    verdicts |= round_verdicts(mbsync_runs, ours_runs, noindex_runs, notmuch_runs)
    print()
    print_verdicts(verdicts)
    print_round_verdicts(verdicts)
    result = {
        "command": " ".join(
            [
                "python -m benchmarks.archive_benchmark",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine_info(),
        "archiver_source_sha256": source,
        "archiver_sources_loaded": sorted(map(str, loaded)),
        "fills": {k: {**asdict(v), "messages_per_s": v.messages_per_s} for k, v in fills.items()},
        "mailboxes": {k: asdict(v) for k, v in mailboxes.items()},
        "measurements": [m.to_dict() for m in measurements],
        "main_rounds": {
            **{tool: [m.to_dict() for m in tool_runs] for tool, tool_runs in runs.items()},
            "notmuch": [m.to_dict() for m in notmuch_runs],
        },
        "targets": {
            "ratio": TARGET_RATIO,
            "noindex_ratio": TARGET_NOINDEX_RATIO,
            "noindex_floor": FLOOR_NOINDEX_RATIO,
            "pipeline_ratio": TARGET_PIPELINE_RATIO,
            "rss_mb": TARGET_RSS_MB,
            "flat_tolerance_mb": FLAT_TOLERANCE_MB,
            "flat_tolerance_fraction": FLAT_TOLERANCE_FRACTION,
        },
        "verdicts": verdicts,
    }
    path = out / f"archive_benchmark_{args.messages}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"\nresults written to {path}")
    every_run = measurements + notmuch_runs + [m for r in runs.values() for m in r]
    return 0 if all(m.ok for m in every_run) else 1


if __name__ == "__main__":
    sys.exit(main())
