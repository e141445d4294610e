"""``imap-archiver import``: bring mail kept elsewhere on disk into an account's archive."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from archiver.cli.common import finish, run_in_terminal
from archiver.core.config import Config
from archiver.core.jobs.importing import DEFAULT_PREFIX, ImportOptions, ImportResult, run_import
from archiver.core.paths import AppDirs
from archiver.core.sizes import human_bytes


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``import`` command."""
    parser = commands.add_parser(
        "import",
        help="bring old mail from files into the archive (mbox, Thunderbird, Maildir, .eml, "
        "Outlook)",
        description="Copy mail kept on disk into an account's archive, byte for byte, verified "
        "and searchable: mbox files, Thunderbird's Local Folders or a whole Thunderbird "
        "profile, Maildir folders, folders of .eml files, Outlook .msg files and .pst/.ost "
        "files (with the outlook extra: pip install 'imap-archiver[outlook]'; Outlook keeps "
        "no original bytes, so its messages are rebuilt from its data and marked so). The "
        f"sources are only read. Each source folder becomes '{DEFAULT_PREFIX}/<folder>'. "
        "Importing the same source again adds nothing; a message the archive already holds "
        "is not stored twice.",
    )
    parser.add_argument("name", help="account name (whose archive the mail joins)")
    parser.add_argument(
        "sources", nargs="+", type=Path, metavar="SOURCE", help="a file or folder to import"
    )
    parser.add_argument(
        "--folder-prefix",
        default=DEFAULT_PREFIX,
        metavar="P",
        help=f"archive folder above the imported ones (default {DEFAULT_PREFIX}; '' for none)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="change nothing; show what the sources hold"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Import files into an account's archive; see ``imap-archiver import --help``."""
    account = config.account(args.name)
    options = ImportOptions(folder_prefix=args.folder_prefix, dry_run=args.dry_run, ocr=config.ocr)
    result = run_in_terminal(
        lambda report, cancel: run_import(
            dirs.archive,
            account.name,
            [source.expanduser() for source in args.sources],
            options,
            config.archive_format,
            report=report,
            cancel=cancel,
        ),
        args.json,
    )
    return finish(
        result,
        args.json,
        lambda out: print_summary(result, out),
        not result.error,
        bool(result.unreadable),
    )


def print_summary(result: ImportResult, out: TextIO) -> None:
    """Print what each source folder held and what became of it, for people."""
    title = "Found (dry run: nothing was changed)" if result.dry_run else "Import summary"
    print(f"{title} for account {result.account}:", file=out)
    width = max([len(f.folder) for f in result.folders] + [6])
    new = "new" if result.dry_run else "imported"
    head = ("found", new, "already", "duplicate", "skipped", "unreadable")
    print(f"  {'Folder':<{width}}  " + "  ".join(f"{h:>10}" for h in head), file=out)
    for f in result.folders:
        values = (f.found, f.imported, f.already, f.duplicates, f.skipped, f.unreadable_count)
        print(f"  {f.folder:<{width}}  " + "  ".join(f"{v:>10}" for v in values), file=out)
        print(f"  {'':<{width}}  from {f.path} ({f.kind})", file=out)
    for f in result.folders:
        for problem in f.unreadable:
            print(f"  {f.folder}: UNREADABLE {problem.where}: {problem.reason}", file=out)
        for where in f.truncated:
            print(
                f"  {f.folder}: {where}: the file ends inside this message; it was taken as "
                "far as it goes",
                file=out,
            )
    for item in result.not_imported:
        print(f"  Not imported: {item.path}: {item.reason}", file=out)
    size = human_bytes(sum(f.bytes_imported for f in result.folders))
    verb = "would import" if result.dry_run else "imported"
    print(
        f"{result.found} messages found; {verb} {result.imported} ({size}), "
        f"{result.already} imported before, {result.duplicates} already in the archive "
        f"(not stored twice), {result.skipped} marked deleted in the source, "
        f"{result.unreadable} unreadable.",
        file=out,
    )
    if result.index_error:
        print(
            f"The search index was not updated ({result.index_error}); it catches up on the "
            "next search, or run: imap-archiver reindex",
            file=out,
        )
    elif result.indexed:
        print(f"{result.indexed} messages indexed for search.", file=out)
    if result.cancelled:
        print("Cancelled at a safe point; run the same import again to finish.", file=out)
    if result.error:
        print(f"Stopped: {result.error}", file=out)
