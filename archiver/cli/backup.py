"""``imap-archiver backup DEST``: copy the archive into a folder that is an archive itself."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from archiver.cli.common import are, counted, finish, run_in_terminal
from archiver.core.config import Config
from archiver.core.jobs.backup import FULL_CHECK_DAYS, BackupResult, CheckMode, run_backup
from archiver.core.paths import HOME_VARIABLE, AppDirs
from archiver.core.sizes import human_bytes

MAX_LISTED = 20  # damaged messages listed one by one; --json has them all


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``backup`` command."""
    backup = commands.add_parser(
        "backup",
        description="Copy the whole archive (mail files, a consistent copy of the catalog, the "
        "settings without passwords) into DEST, which then is a complete archive of its own. "
        "Run it again to bring the backup up to date: only what is new or changed is copied, "
        "every copy is checked against the catalog's SHA-256, and damaged copies in the "
        "backup are replaced. An interrupted backup says so and the next run finishes it. "
        "DEST must be empty or an earlier backup; nothing in the archive is changed.",
    )
    backup.add_argument("destination", metavar="DEST", type=Path, help="the backup folder")
    checks = backup.add_mutually_exclusive_group()
    checks.add_argument(
        "--full-check",
        dest="check",
        action="store_const",
        const=CheckMode.FULL,
        default=CheckMode.AUTO,
        help="read every file already in the backup back and check it (the default does so "
        f"when the last full check is {FULL_CHECK_DAYS} days old; otherwise it trusts files "
        "checked by an earlier run and unchanged since)",
    )
    checks.add_argument(
        "--quick",
        dest="check",
        action="store_const",
        const=CheckMode.QUICK,
        help="trust files checked by an earlier run and unchanged since, whatever the last "
        "full check's age (for a slow network share)",
    )
    backup.add_argument("--json", action="store_true", help="print the result as one JSON object")
    backup.set_defaults(func=cmd_backup)


def cmd_backup(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Back up the archive; see ``imap-archiver backup --help``."""
    result = run_in_terminal(
        lambda report, cancel: run_backup(
            dirs.archive,
            args.destination,
            settings=config,
            check=args.check,
            report=report,
            cancel=cancel,
        ),
        args.json,
    )
    return finish(result, args.json, lambda out: print_backup_summary(result, out), result.ok)


def print_backup_summary(result: BackupResult, out: TextIO) -> None:
    """Print damaged messages, what was copied and checked, and where the backup is."""
    for damage in result.damaged[:MAX_LISTED]:
        where = damage.path if damage.offset is None else f"{damage.path} at byte {damage.offset}"
        print(
            f"  DAMAGED message {damage.id} ({damage.account}: {damage.folder}, UID "
            f"{damage.uid}), {where}: {damage.reason}; backed up as it is; {damage.advice}.",
            file=out,
        )
    if len(result.damaged) > MAX_LISTED:
        print(f"  DAMAGED ... and {len(result.damaged) - MAX_LISTED} more.", file=out)
    print(
        f"Files: {result.copied} copied, {result.replaced} replaced (damaged or changed in the "
        f"backup), {result.appended} grown and appended to, {result.renamed} renamed, "
        f"{result.intact} already there and checked ({counted(result.files, 'file')} in all).",
        file=out,
    )
    print(
        f"Bytes: {human_bytes(result.bytes_copied)} copied, {human_bytes(result.bytes_checked)} "
        f"read back; {counted(result.messages, 'message')} checked against the catalog; "
        f"{result.seconds:.1f} s.",
        file=out,
    )
    if not result.full_check:
        print(
            f"Quick check: {result.trusted} files checked by an earlier backup and unchanged "
            f"since were not read again (a full check runs when the last is {FULL_CHECK_DAYS} "
            "days old; --full-check runs one now).",
            file=out,
        )
    if result.cancelled:
        print(
            f"Cancelled: the backup in {result.destination} is incomplete and says so. Run the "
            "same command again to finish it; what is there and checked is not copied again.",
            file=out,
        )
        return
    if result.damaged:
        print(
            f"The backup is complete, but {counted(len(result.damaged), 'message')} "
            f"{are(len(result.damaged))} damaged in the "
            "archive itself (see above); run imap-archiver verify.",
            file=out,
        )
    else:
        print("The backup is complete: every message matches the catalog.", file=out)
    print(
        f"Backup: {result.destination} (archive folder: {result.archive}). To open it: "
        f"{HOME_VARIABLE}={result.destination} imap-archiver search ..., or choose its archive "
        "folder in the app's settings.",
        file=out,
    )
