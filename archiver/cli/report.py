"""``imap-archiver report``: the record of what was archived and deleted, as CSV or HTML."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from archiver.cli.common import EXIT_CANCELLED, EXIT_OK, run_in_terminal
from archiver.core.config import Config
from archiver.core.cutoff import day_for_age, parse_day, start_of_day
from archiver.core.paths import AppDirs
from archiver.core.report import (
    FORMATS,
    LANGUAGES,
    ReportFilter,
    build_report,
    save_report,
    write_csv,
    write_html,
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` command."""
    report = commands.add_parser(
        "report",
        help="the record of archived mail: when each message was archived and deleted from "
        "the server (CSV or HTML)",
        description="Write the record of the archive: per message account, folder, date, "
        "sender, subject, size, SHA-256, when it was archived and when it was deleted from "
        "the server (or that it was kept there), plus the archive runs of the period. CSV is "
        "UTF-8 with BOM and ';' between fields, as Excel on a German Windows opens it; HTML is "
        "one self-contained page. 'imap-archiver verify' shows that the archived bytes still "
        "match the SHA-256 listed. With --older-than it lists messages past a retention age "
        "for you to decide about; nothing is ever deleted from the archive by it.",
    )
    report.add_argument("account", nargs="?", help="one account (default: all)")
    report.add_argument(
        "--since", metavar="DATE", help="archived on or after this day (YYYY-MM-DD)"
    )
    report.add_argument(
        "--until", metavar="DATE", help="archived on or before this day (YYYY-MM-DD)"
    )
    report.add_argument(
        "--older-than",
        metavar="AGE",
        help="only messages dated more than AGE ago (10y, 6m, 365d): the retention list",
    )
    report.add_argument(
        "--format", choices=FORMATS, help="csv or html (default: from the --output name, else csv)"
    )
    report.add_argument(
        "--output", metavar="FILE", type=Path, help="write here (default: standard output)"
    )
    report.add_argument(
        "--language", choices=LANGUAGES, default="en", help="of headings and notes (default en)"
    )
    report.set_defaults(func=cmd_report)


def report_filter(args: argparse.Namespace, today: dt.date) -> ReportFilter:
    """Return what the arguments choose; days are whole local days, --until included."""
    since = start_of_day(parse_day(args.since)) if args.since else None
    until = start_of_day(parse_day(args.until) + dt.timedelta(days=1)) if args.until else None
    older = start_of_day(day_for_age(args.older_than, today)) if args.older_than else None
    return ReportFilter(args.account, since, until, older)


def cmd_report(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Write the record; see ``imap-archiver report --help``."""
    chosen = report_filter(args, dt.date.today())
    fmt = args.format or (
        "html" if args.output and args.output.suffix.lower() in (".html", ".htm") else "csv"
    )
    result = run_in_terminal(
        lambda report, cancel: build_report(dirs.archive, chosen, report=report, cancel=cancel),
        args.output is None,  # no progress bar mixed into the record on standard output
    )
    if result.cancelled:
        print("Cancelled; no record was written.", file=sys.stderr)
        return EXIT_CANCELLED
    if args.output is None:
        sys.stdout.flush()  # the bytes go below the text layer
        (write_csv if fmt == "csv" else write_html)(result, sys.stdout.buffer, args.language)
        sys.stdout.buffer.flush()
        return EXIT_OK
    save_report(result, args.output, fmt, args.language)
    print(
        f"Record: {len(result.rows)} messages ({result.deleted} deleted from the server), "
        f"{len(result.runs)} archive runs, written to {args.output}. 'imap-archiver verify' "
        "checks that the archive still holds exactly these bytes.",
        file=sys.stderr,
    )
    return EXIT_OK
