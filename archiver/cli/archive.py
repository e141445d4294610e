"""``imap-archiver archive``: move old mail into the local archive."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TextIO

from archiver.cli.common import (
    EXIT_CODES_HELP,
    are,
    counted,
    finish,
    password_for,
    terminal_job,
)
from archiver.cli.messages import error_message
from archiver.core.config import FORMATS, Config
from archiver.core.cutoff import day_for_age, parse_day, start_of_day
from archiver.core.errors import ArchiverError
from archiver.core.imap import NamespaceKind
from archiver.core.jobs.archive import ArchiveOptions, ArchiveResult, Kept, run_archive
from archiver.core.paths import AppDirs
from archiver.core.sizes import human_bytes

# Why a selected message stayed on the server, as the human summary says it (--json gives
# the slugs, Kept's values).
KEPT_TEXTS: dict[Kept, str] = {
    Kept.FLAGGED: "flagged (--keep-flagged)",
    Kept.UNREAD: "unread (--keep-unread)",
    Kept.DELETED_ELSEWHERE: "marked \\Deleted by another client",
    Kept.KEEP_ON_SERVER: "--keep-on-server",
    Kept.DRY_RUN: "dry run",
    Kept.NO_UIDPLUS: "server lacks UIDPLUS (UID EXPUNGE)",
    Kept.UIDVALIDITY: "UIDVALIDITY changed",
    Kept.CHANGED: "changed on the server since it was archived",
    Kept.NOT_EXPUNGED: "still on the server after UID EXPUNGE",
    Kept.READ_ONLY: "the server refuses deletion in this folder (read-only)",
    Kept.STOPPED: "run stopped before deleting",
    Kept.RESTORED: "restored from the archive by you",
    Kept.VANISHED: "vanished from the server meanwhile",
    Kept.DAMAGED: "archived copy missing or damaged (see imap-archiver verify)",
}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``archive`` command."""
    archive = commands.add_parser(
        "archive",
        description="Copy messages older than the cut-off into the local archive, verify "
        "every byte, then delete them from the server (unless --keep-on-server). Only the "
        "account's own folders are archived: other users' folders and public (shared) "
        "folders it sees are listed but left alone unless named with --folder.",
        epilog=EXIT_CODES_HELP,
    )
    archive.add_argument("name", help="account name")
    archive.add_argument(
        "--older-than", metavar="AGE", help="cut-off age: a number and d, w, m or y (365d, 1y)"
    )
    archive.add_argument("--before", metavar="YYYY-MM-DD", help="cut-off date")
    archive.add_argument(
        "--folder",
        action="append",
        metavar="F",
        help="only this folder (repeatable; Trash/Junk and shared folders only when named)",
    )
    archive.add_argument(
        "--exclude-folder", action="append", metavar="F", help="skip this folder (repeatable)"
    )
    archive.add_argument(
        "--dry-run",
        action="store_true",
        help="change nothing; print the plan and the quota it would free",
    )
    archive.add_argument(
        "--keep-on-server", action="store_true", help="archive but delete nothing from the server"
    )
    archive.add_argument(
        "--keep-flagged", action="store_true", help="leave flagged messages on the server"
    )
    archive.add_argument(
        "--keep-unread", action="store_true", help="leave unread messages on the server"
    )
    archive.add_argument(
        "--format", choices=FORMATS, help="archive format of a new account tree (default: maildir)"
    )
    archive.add_argument(
        "--no-index",
        action="store_true",
        help="free the server without indexing for search now; the next search, archive or "
        "reindex indexes what was archived",
    )
    archive.add_argument("--json", action="store_true", help="print the summary as JSON")
    archive.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input for this run",
    )
    archive.set_defaults(func=cmd_archive)


def _cutoff(args: argparse.Namespace) -> dt.datetime:
    if args.older_than and args.before:
        raise ArchiverError("Give either --older-than or --before, not both.")
    if args.before:
        return start_of_day(parse_day(args.before))
    if args.older_than:
        return start_of_day(day_for_age(args.older_than, dt.date.today()))
    raise ArchiverError(
        "Say what to archive: --older-than 365d (or 52w, 12m, 1y) or --before YYYY-MM-DD."
    )


def cmd_archive(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Archive an account's old mail; see ``imap-archiver archive --help``."""
    account = config.account(args.name)
    options = ArchiveOptions(
        cutoff=_cutoff(args),
        folders=tuple(args.folder or ()),
        exclude_folders=tuple(args.exclude_folder or ()),
        dry_run=args.dry_run,
        keep_on_server=args.keep_on_server,
        keep_flagged=args.keep_flagged,
        keep_unread=args.keep_unread,
        ocr=config.ocr,
    )
    password = password_for(args, account)
    summary_shown = False

    with terminal_job(args.json) as (report, cancel, bar):

        def server_done(result: ArchiveResult) -> None:
            """Show the summary as soon as the server is freed; indexing follows."""
            nonlocal summary_shown
            if bar is not None:
                bar.restart()
            if not args.json:
                print_summary(result, options, sys.stdout)
                sys.stdout.flush()
                summary_shown = True

        result = run_archive(
            account,
            password,
            dirs.archive,
            options,
            args.format,
            config.archive_format,
            report=report,
            cancel=cancel,
            timeout=args.timeout,
            index=not args.no_index,
            on_server_done=server_done,
        )

    def summary(out: TextIO) -> None:
        if not summary_shown:
            print_summary(result, options, out)
        if not result.dry_run:
            print_index_outcome(result, out)

    return finish(result, args.json, summary, not result.error and result.closes, result.partly)


def print_summary(result: ArchiveResult, options: ArchiveOptions, out: TextIO) -> None:
    """Print the per-folder accounting and the quota, for people."""
    title = "Plan (dry run: nothing was changed)" if result.dry_run else "Archive summary"
    print(
        f"{title} for account {result.account}, messages before "
        f"{options.cutoff:%Y-%m-%d %H:%M %Z}:",
        file=out,
    )
    width = max([len(_folder_label(f.folder, f.namespace)) for f in result.folders] + [6])
    if result.dry_run:
        print(
            f"  {'Folder':<{width}}  {'on server':>9}  {'to move':>7}  {'size':>10}  "
            f"{'archived already':>16}",
            file=out,
        )
        for f in result.folders:
            moving = f.kept.get(Kept.DRY_RUN, 0)
            label = _folder_label(f.folder, f.namespace)
            print(
                f"  {label:<{width}}  {f.on_server_before:>9}  {moving:>7}  "
                f"{human_bytes(f.bytes_selected):>10}  {f.already:>16}",
                file=out,
            )
    else:
        head = ("before", "newer", "archived", "already", "kept", "failed", "deleted", "after")
        print(f"  {'Folder':<{width}}  " + "  ".join(f"{h:>8}" for h in head), file=out)
        for f in result.folders:
            after = "?" if f.on_server_after is None else str(f.on_server_after)
            values = (
                f.on_server_before,
                f.newer,
                f.archived,
                f.already,
                sum(f.kept.values()),
                f.failed,
                f.deleted,
                after,
            )
            label = _folder_label(f.folder, f.namespace)
            print(f"  {label:<{width}}  " + "  ".join(f"{v:>8}" for v in values), file=out)
    for info in result.shared_left:
        print(
            f"  {_folder_label(info.name, info.namespace)}: left alone (name it with --folder "
            "to archive it)",
            file=out,
        )
    for f in result.folders:
        for reason, count in sorted(f.kept.items()):
            if count and reason is not Kept.DRY_RUN:
                print(f"  {f.folder}: {count} kept on the server: {KEPT_TEXTS[reason]}", file=out)
        if f.not_reached:
            print(f"  {f.folder}: {f.not_reached} not reached (run again to finish)", file=out)
        if f.vanished:
            print(f"  {f.folder}: {f.vanished} vanished from the server during the run", file=out)
        if f.arrived:
            print(
                f"  {f.folder}: {f.arrived} arrived during the run (left on the server)", file=out
            )
        if f.error:
            print(f"  {f.folder}: ERROR {f.error}", file=out)
        for failure in f.failures:
            print(f"  {f.folder}: FAILED {failure} (kept on the server)", file=out)
    _print_quota(result, out)
    if result.dry_run:
        verb = "would move"
        print(
            f"{counted(sum(f.kept.get(Kept.DRY_RUN, 0) for f in result.folders), 'message')} "
            f"({human_bytes(result.bytes)}) {verb}.",
            file=out,
        )
    else:
        print(
            f"Archived {counted(result.archived, 'message')} ({human_bytes(result.bytes)}), "
            f"deleted {result.deleted} from the server.",
            file=out,
        )
    if result.closes and result.dry_run:
        print(
            "Every message on the server is counted: newer than the cut-off, to move, or "
            "staying for a reason shown above.",
            file=out,
        )
    elif result.closes:
        print(
            "Every message is accounted for: each one that was on the server is still there "
            "(newer than the cut-off, kept, failed or not reached), was deleted after its "
            "archived copy was verified, or was removed by another program during the run.",
            file=out,
        )
    else:
        print(
            "WARNING: the counts do not add up for "
            + ", ".join(f.folder for f in result.folders if not f.closes)
            + " (were messages removed by another client during the run?).",
            file=out,
        )
    if result.cancelled:
        print(
            "Cancelled at a safe point; nothing unverified was deleted. Run again to finish.",
            file=out,
        )
    if result.error:
        stopped = error_message(result.failure) if result.failure else result.error
        print(f"Stopped: {stopped}", file=out)
    elif result.partly:
        print(
            "Partly done: some of the chosen mail stays on the server (see above); the rest "
            "was done.",
            file=out,
        )


def print_index_outcome(result: ArchiveResult, out: TextIO) -> None:
    """Say what became searchable, and what waits for later (it is never lost)."""
    if result.index_error:
        print(
            f"The search index was not updated ({result.index_error}); it catches up on "
            "the next search, or run: imap-archiver reindex",
            file=out,
        )
        return
    if result.indexed:
        print(f"{counted(result.indexed, 'message')} indexed for search.", file=out)
    if result.index_left:
        print(
            f"{counted(result.index_left, 'archived message')} {are(result.index_left)} not "
            "indexed yet; the next search or archive run indexes them (or run: imap-archiver "
            "reindex).",
            file=out,
        )


def _folder_label(name: str, namespace: NamespaceKind) -> str:
    """Return the folder's name, marked when it is another user's or a public one."""
    if namespace is NamespaceKind.OTHER_USERS:
        return f"{name} (shared, another user's)"
    if namespace is NamespaceKind.PUBLIC:
        return f"{name} (shared, public)"
    return name


def _print_quota(result: ArchiveResult, out: TextIO) -> None:
    before, after = result.quota_before, result.quota_after
    if before is None:
        print("Quota: not reported by the server.", file=out)
        return
    line = f"Quota: {human_bytes(before.used)} used of {human_bytes(before.limit)}"
    if after is not None:
        word = "would be" if result.dry_run else "now"
        line += (
            f"; {word} {human_bytes(after.used)} ({human_bytes(before.used - after.used)} freed)"
        )
    print(line, file=out)
