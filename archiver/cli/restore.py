"""``imap-archiver restore`` and ``export``: archived messages back to a server, or into files."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from archiver.cli.common import (
    are,
    counted,
    finish,
    password_for,
    run_in_terminal,
)
from archiver.cli.search import ids_for_query
from archiver.core.catalog import CATALOG_NAME, Catalog, Record
from archiver.core.config import Config
from archiver.core.errors import ArchiverError
from archiver.core.jobs.export import ExportResult, export_eml, export_mbox
from archiver.core.jobs.restore import Login, Outcome, RestoreOptions, RestoreResult, run_restore
from archiver.core.paths import AppDirs
from archiver.core.progress import CancelToken, ProgressCallback
from archiver.core.sizes import human_bytes


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``restore`` and ``export`` commands."""
    restore = commands.add_parser(
        "restore",
        description="APPEND archived messages, byte for byte with their flags and date, into "
        "their original folder (created when missing), verify each copy, and record it. "
        "Messages already in the target folder are skipped. The archive keeps its copies.",
    )
    _selection(restore)
    restore.add_argument("--account", metavar="A", help="the messages must come from this account")
    restore.add_argument(
        "--to-account", metavar="B", help="restore into this account instead of their own"
    )
    restore.add_argument(
        "--to-folder", metavar="F", help="restore into this folder instead of their own"
    )
    restore.add_argument(
        "--dry-run", action="store_true", help="change nothing; say what would be restored"
    )
    restore.add_argument(
        "--force", action="store_true", help="restore even where a copy is already there"
    )
    restore.add_argument("--json", action="store_true", help="print the summary as JSON")
    restore.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (one line per target account)",
    )
    restore.set_defaults(func=cmd_restore)

    export = commands.add_parser(
        "export",
        description="Write archived messages, byte for byte, into a new mboxrd file (mutt, "
        "Thunderbird) or as one .eml file each into a folder.",
    )
    _selection(export)
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument("--mbox", type=Path, metavar="FILE", help="a new (or empty) mbox file")
    target.add_argument("--eml-dir", type=Path, metavar="DIR", help="a folder for .eml files")
    export.add_argument("--json", action="store_true", help="print the summary as JSON")
    export.set_defaults(func=cmd_export)


def _selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ids", nargs="*", type=int, metavar="ID", help="catalog id of a message (as search shows)"
    )
    parser.add_argument(
        "--query", metavar="Q", help="every message this search query finds (see search --help)"
    )


def selected_records(
    dirs: AppDirs, ids: Sequence[int], query: str | None = None, account: str | None = None
) -> list[Record]:
    """Return the catalog rows *ids*, or those *query* finds, each once; unknown ids are an error.

    *account* narrows a query to one account's messages.
    """
    if not (dirs.archive / CATALOG_NAME).exists():
        raise ArchiverError(f"There is no archive at {dirs.archive} yet.")
    if ids and query is not None:
        raise ArchiverError("Give message ids or --query, not both.")
    if not ids and query is None:
        raise ArchiverError("Say which messages: give their ids (see search) or --query.")
    wanted = list(dict.fromkeys(ids)) if query is None else ids_for_query(dirs, query, account)
    with Catalog.open(dirs.archive) as catalog:
        found = catalog.get(wanted)
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ArchiverError(
            f"No archived message with id {', '.join(str(i) for i in missing)} in {dirs.archive}."
        )
    return [found[i] for i in wanted]


def cmd_restore(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Restore archived messages; see ``imap-archiver restore --help``."""
    records = selected_records(dirs, args.ids, args.query, args.account)
    if args.account is not None:
        config.account(args.account)  # an unknown name is an error, not an empty selection
        foreign = [r for r in records if r.account != args.account]
        if foreign:
            raise ArchiverError(
                f"Message {foreign[0].id} belongs to account {foreign[0].account}, "
                f"not {args.account}."
            )
    if args.to_folder is not None and not args.to_folder.strip():
        raise ArchiverError("--to-folder needs a folder name.")
    options = RestoreOptions(args.to_account, args.to_folder, args.dry_run, args.force)
    names = dict.fromkeys(options.target(r)[0] for r in records)
    accounts = [config.account(name) for name in names]  # all known before asking passwords
    logins = {a.name: Login(a, password_for(args, a)) for a in accounts}
    result = run_in_terminal(
        lambda report, cancel: run_restore(
            records,
            dirs.archive,
            logins,
            options,
            report=report,
            cancel=cancel,
            timeout=args.timeout,
        ),
        args.json,
    )
    return finish(result, args.json, lambda out: print_restore_summary(result, out), result.ok)


def print_restore_summary(result: RestoreResult, out: TextIO) -> None:
    """Print per target folder what happened, then every message that needs attention."""
    title = "Restore plan (dry run: nothing was changed)" if result.dry_run else "Restore summary"
    print(f"{title}:", file=out)
    folders: dict[tuple[str, str], dict[Outcome, int]] = {}
    for item in result.items:
        counts = folders.setdefault((item.account, item.folder), dict.fromkeys(Outcome, 0))
        counts[item.outcome] += 1
    for (account, folder), counts in folders.items():
        text = ", ".join(f"{n} {o.value}" for o, n in counts.items() if n)
        print(f"  {account}: {folder}: {text}", file=out)
    for item in result.items:
        if item.outcome in (Outcome.FAILED, Outcome.RESTORED) and item.note:
            word = "FAILED" if item.outcome is Outcome.FAILED else "NOTE"
            print(f"  {word} message {item.id}: {item.note}", file=out)
    for error in result.errors:
        print(f"Stopped: {error}", file=out)
    if result.dry_run:
        print(
            f"{counted(result.count(Outcome.WOULD_RESTORE), 'message')} would be restored, "
            f"{result.count(Outcome.ALREADY)} {are(result.count(Outcome.ALREADY))} there "
            "already.",
            file=out,
        )
    else:
        print(
            f"Restored {counted(result.count(Outcome.RESTORED), 'message')} "
            f"({human_bytes(result.bytes_restored)}), {result.count(Outcome.ALREADY)} "
            f"{_were(result.count(Outcome.ALREADY))} there already, "
            f"{result.count(Outcome.FAILED)} failed, "
            f"{result.count(Outcome.NOT_REACHED)} not reached. The archive keeps every message.",
            file=out,
        )
    if result.cancelled or result.count(Outcome.NOT_REACHED):
        print("Run the same command again to finish; nothing is restored twice.", file=out)


def _were(count: int) -> str:
    return "was" if count == 1 else "were"


def cmd_export(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Export archived messages; see ``imap-archiver export --help``."""
    records = selected_records(dirs, args.ids, args.query)

    def export(report: ProgressCallback, cancel: CancelToken) -> ExportResult:
        if args.mbox is not None:
            return export_mbox(records, dirs.archive, args.mbox, report=report, cancel=cancel)
        return export_eml(records, dirs.archive, args.eml_dir, report=report, cancel=cancel)

    result = run_in_terminal(export, args.json)
    return finish(result, args.json, lambda out: print_export_summary(result, out), result.ok)


def print_export_summary(result: ExportResult, out: TextIO) -> None:
    """Print what was written where, and every message left out."""
    for failure in result.failures:
        print(f"  FAILED message {failure.id}: {failure.reason}", file=out)
    if result.cancelled and result.format == "mbox":
        print(f"Cancelled; {result.target} was not written.", file=out)
        return
    line = (
        f"Exported {counted(result.exported, 'message')} ({human_bytes(result.bytes)}) to "
        f"{result.target}"
    )
    if result.already:
        line += f"; {result.already} {_were(result.already)} there already"
    print(line + ".", file=out)
    if result.cancelled:
        print("Cancelled; run the same command again to finish.", file=out)
