"""Benchmark the backup job: a first backup, a second with nothing new, a third after more mail.

Run from the repository root::

    python -m benchmarks.backup_benchmark [--messages 5000] [--new 200] [--format maildir]

A private Dovecot (``tests/helpers/dovecot.py``) is filled with ``--messages`` generated
messages (``tests/helpers/mailgen.py``, about 30 KB mean, INTERNALDATE in 2020), archived in
this process, then backed up into a folder on the same disk (the work folder, below the
system's temporary folder unless ``--work`` says otherwise). ``--new`` more messages are
archived before the third backup. Each backup runs in this process and is timed from the
call to its return; ``sync`` runs (untimed) before each, so none pays for another's
write-back. The page cache is not dropped: a second backup reads the backup's files back
from memory where they still are, as it would right after the first on a real machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archiver.core.jobs.archive import ArchiveOptions, run_archive
from archiver.core.jobs.backup import BackupResult, run_backup
from archiver.core.progress import CancelToken
from archiver.core.secrets import Secret
from benchmarks.archive_benchmark import fill_mailbox, folder_counts
from tests.helpers.dovecot import DovecotServer, find_dovecot
from tests.helpers.mailgen import generate_mailbox


def timed_backup(root: Path, dest: Path) -> tuple[BackupResult, float]:
    subprocess.run(["sync"], check=False)
    start = time.perf_counter()
    result = run_backup(root, dest, report=lambda _: None, cancel=CancelToken())
    return result, time.perf_counter() - start


def line(name: str, result: BackupResult, seconds: float) -> str:
    mb = result.bytes_total / 1048576
    return (
        f"{name:<22} {seconds:7.2f} s  {result.files:6d} files {mb:8.1f} MB  "
        f"copied {result.copied:5d} replaced {result.replaced:3d} appended {result.appended:2d} "
        f"intact {result.intact:6d}  "
        f"{result.bytes_copied / 1048576:7.1f} MB copied  "
        f"{result.bytes_checked / 1048576:7.1f} MB read back  {mb / seconds:6.1f} MB/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--new", type=int, default=200)
    parser.add_argument("--format", choices=("maildir", "mbox"), default="maildir")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    binary = find_dovecot()
    if binary is None:
        print("dovecot is not installed", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="backup-bench-", dir=args.work))
    server = DovecotServer(binary, quota_mb=4096)
    server.start()
    try:
        user = server.add_user()
        account = server.account(user)
        seeds = itertools.count()
        root, dest = work / "archive", work / "backup"

        def archive(count: int) -> None:
            messages = generate_mailbox(count, seed=next(seeds))
            fill_mailbox(server, user, messages, folder_counts(count))
            options = ArchiveOptions(cutoff=dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
            result = run_archive(
                account,
                Secret(user.password),
                root,
                options,
                args.format,
                "maildir",
                report=lambda _: None,
                cancel=CancelToken(),
            )
            assert result.ok, result.to_dict()

        archive(args.messages)
        print(f"{args.messages} messages archived ({args.format}) in {root}")
        first, seconds = timed_backup(root, dest)
        print(line("first backup", first, seconds))
        second, seconds = timed_backup(root, dest)
        print(line("nothing new", second, seconds))
        archive(args.new)
        third, seconds = timed_backup(root, dest)
        print(line(f"{args.new} new messages", third, seconds))
        assert first.ok and second.ok and third.ok
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
