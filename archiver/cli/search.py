"""``imap-archiver search``, ``show`` and ``reindex``: finding mail in the local archive."""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from archiver.cli.common import (
    EXIT_CANCELLED,
    EXIT_FAILED,
    EXIT_OK,
    Interrupts,
    are,
    counted,
    json_text,
    local_time,
    progress_bar,
)
from archiver.core.catalog import CATALOG_NAME, Catalog
from archiver.core.config import Config
from archiver.core.errors import ArchiverError
from archiver.core.index.location import index_usable
from archiver.core.index.search import SORTS, ArchiveSearcher, Snippet
from archiver.core.index.snippets import HitSnippets
from archiver.core.paths import AppDirs
from archiver.core.progress import Cancelled, CancelToken

if TYPE_CHECKING:
    from archiver.core.index.indexer import IndexReport

log = logging.getLogger(__name__)

# Control characters a hostile message could use to drive the terminal (keep tab, newline).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``search``, ``show`` and ``reindex`` commands."""
    search = commands.add_parser(
        "search",
        description="Search archived mail. Words search subject, names, body, attachment "
        "names and the text inside attachments (PDF, Office, OpenDocument, RTF, ...); fields "
        'narrow it: from:meier subject:mahnung "exact phrase" inside:beschluss folder:INBOX '
        "account:work has:attachment has:unreadable is:flagged is:unread date:2022 "
        "date:[2022-01-01 to 2022-06-30] size:>5MB, with AND, OR, NOT and parentheses. "
        "Umlauts, word forms and parts of compound words are found too.",
    )
    search.add_argument("query", nargs="+", help="the query (several words are joined)")
    search.add_argument("--account", metavar="A", help="only this account's mail")
    search.add_argument(
        "--limit", type=int, default=50, metavar="N", help="show at most N results (default 50)"
    )
    search.add_argument(
        "--sort", choices=SORTS, default="date", help="newest first (date, default) or relevance"
    )
    search.add_argument("--json", action="store_true", help="print one JSON object per result")
    search.set_defaults(func=cmd_search)

    show = commands.add_parser("show")
    show.add_argument("id", type=int, help="the message id, as search prints it")
    show.add_argument(
        "--raw", action="store_true", help="print the exact stored bytes (RFC 5322 source)"
    )
    show.add_argument(
        "--save-attachments",
        type=Path,
        metavar="DIR",
        help="save the attachments into this folder (existing files are never replaced)",
    )
    show.add_argument(
        "--attachment",
        type=int,
        action="append",
        metavar="N",
        help="with --save-attachments: only attachment N (as show lists them; repeatable)",
    )
    show.set_defaults(func=cmd_show)

    again = commands.add_parser("reindex")
    again.add_argument("account", nargs="?", help="only this account (default: all)")
    again.add_argument(
        "--ocr",
        action="store_true",
        help="read scanned PDFs and images by OCR (needs Tesseract; also the setting 'ocr')",
    )
    again.set_defaults(func=cmd_reindex)


def _catalog_path(dirs: AppDirs) -> Path:
    path = dirs.archive / CATALOG_NAME
    if not path.exists():
        raise ArchiverError(
            f"There is no archive in {dirs.archive} yet. Archive mail first: "
            "imap-archiver archive NAME --older-than 1y"
        )
    return path


def catch_up(dirs: AppDirs, catalog: Catalog, json_output: bool, config: Config | None) -> None:
    """Index what the index lacks (after a crash, a deleted index), unless a job is running.

    With *config*, scans are read by OCR if its setting says so and Tesseract is there.
    """
    if not catalog.unindexed() and index_usable(dirs.archive):
        return  # nearly always (catch_up_index's own test): the indexer is not even imported
    from archiver.core.index.attachments_text import limits_for  # noqa: PLC0415
    from archiver.core.index.indexer import catch_up_index  # noqa: PLC0415

    limits = limits_for(config is not None and config.ocr)
    report, bar = progress_bar(json_output)
    try:
        catch_up_index(dirs.archive, catalog, report=report, cancel=CancelToken(), limits=limits)
    finally:
        if bar is not None:
            bar.finish()


def cmd_search(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Search the archive; print results newest first (or by relevance)."""
    if args.limit < 1:
        raise ArchiverError("--limit must be at least 1.")
    text = " ".join(args.query)
    with Catalog(_catalog_path(dirs)) as catalog:
        catch_up(dirs, catalog, args.json, config)
        with ArchiveSearcher(dirs.archive) as searcher:
            result = searcher.search(text, account=args.account, limit=args.limit, sort=args.sort)
        records = catalog.get([hit.id for hit in result.hits])
    snippets = HitSnippets(dirs.archive, result.query)
    out = sys.stdout
    for hit in result.hits:
        record = records.get(hit.id)
        snippet, inside = snippets.snippet(record, hit)
        if args.json:
            item = hit.to_dict() | {
                "snippet": snippet.text,
                "highlights": snippet.spans,
                "matched_in": [m.name for m in inside],
            }
            if record is not None:
                item |= {"path": str(dirs.archive / record.location.path)}
                if record.location.offset is not None:
                    item |= {"offset": record.location.offset}
            print(json_text(item), file=out)
            continue
        bold = ("\033[1m", "\033[0m") if out.isatty() else ("", "")
        when = f"{local_time(hit.date):%Y-%m-%d}"
        print(
            f"{hit.id:>7}  {when}  {_clean(hit.account)}/{_clean(hit.folder)}  "
            f"{_clean(hit.sender)[:40]}",
            file=out,
        )
        extra = f"  [{', '.join(hit.attachments)}]" if hit.attachments else ""
        print(f"         {_clean(hit.subject) or '(no subject)'}{_clean(extra)}", file=out)
        if inside:
            print(f"         in: {_clean(', '.join(m.name for m in inside))}", file=out)
        if snippet.text:
            print(f"         {_clean_marked(snippet, *bold)}", file=out)
    if not args.json:
        shown = len(result.hits)
        if result.total == 0:
            print("No messages found.", file=out)
        elif shown < result.total:
            print(f"{shown} of {result.total} messages shown (--limit N for more).", file=out)
        else:
            print(f"{counted(result.total, 'message')} found.", file=out)
    return EXIT_OK


def ids_for_query(dirs: AppDirs, text: str, account: str | None) -> list[int]:
    """Return the ids of every archived message matching *text* (for restore and export)."""
    with Catalog(_catalog_path(dirs)) as catalog:
        catch_up(dirs, catalog, json_output=False, config=None)
    with ArchiveSearcher(dirs.archive) as searcher:
        hits = searcher.search(text, account=account, limit=None).hits
    if not hits:
        raise ArchiverError(f"No archived message matches the query {text!r}.")
    return [hit.id for hit in hits]


def _clean(text: str) -> str:
    """Replace control characters by spaces (one for one), so mail cannot drive the terminal."""
    return _CONTROL.sub(" ", text)


def _clean_marked(snippet: Snippet, before: str, after: str) -> str:
    """Return the snippet cleaned of control characters, its matches marked."""
    return Snippet(_clean(snippet.text), snippet.spans).marked(before, after)


def cmd_show(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Print one message: decoded headers and text, or with --raw the exact bytes."""
    # Here, not at the top, as for reindex: search, the frequent command, needs none of it.
    from archiver.core.attachments import list_attachments, save_attachments  # noqa: PLC0415
    from archiver.core.index.extract import extract  # noqa: PLC0415
    from archiver.core.sizes import human_bytes  # noqa: PLC0415
    from archiver.core.store.reading import read_message  # noqa: PLC0415

    with Catalog(_catalog_path(dirs)) as catalog:
        record = catalog.get([args.id]).get(args.id)
    if record is None:
        raise ArchiverError(f"No archived message has the id {args.id}.")
    data = read_message(dirs.archive, record)
    if args.save_attachments is not None:
        for path in save_attachments(data, args.save_attachments, args.attachment):
            print(f"Saved {path}")
        return EXIT_OK
    if args.raw:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return EXIT_OK
    content = extract(data, attachments=False)
    when = local_time(content.date) if content.date else record.internaldate.astimezone()
    lines = [
        f"Account:  {record.account}",
        f"Folder:   {record.folder}",
        f"Date:     {when:%Y-%m-%d %H:%M %Z}",
        f"From:     {content.from_}",
        f"To:       {content.to}",
    ]
    if content.cc:
        lines.append(f"Cc:       {content.cc}")
    lines.append(f"Subject:  {content.subject}")
    for attachment in list_attachments(data):
        lines.append(
            f"Attached: {attachment.number}. {attachment.filename or '(no name)'} "
            f"({attachment.content_type}, {human_bytes(attachment.size)})"
        )
    lines.append(f"Size:     {human_bytes(record.size)}; flags: {' '.join(record.flags) or '-'}")
    print(_clean("\n".join(lines)))
    print()
    print(_clean(content.body))
    return EXIT_OK


def cmd_reindex(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Rebuild the search index (all accounts, or one) from the archive files."""
    from archiver.core.index import ocr  # noqa: PLC0415
    from archiver.core.index.attachments_text import Limits  # noqa: PLC0415
    from archiver.core.index.indexer import reindex  # noqa: PLC0415
    from archiver.core.lock import archive_lock  # noqa: PLC0415

    use_ocr = args.ocr or config.ocr
    if use_ocr and (missing := ocr.unavailable()) is not None:
        if args.ocr:
            raise ArchiverError(
                f"{missing}: install Tesseract with its German language data for --ocr "
                "(see docs/SEARCH.md, 'OCR')."
            )
        print(f"Note: {missing}; scans are indexed without OCR.", file=sys.stderr)
        use_ocr = False
    token = CancelToken()
    report, bar = progress_bar()
    with (
        Catalog(_catalog_path(dirs)) as catalog,
        archive_lock(dirs.archive),
        Interrupts(token),
    ):
        if args.account is not None and not catalog.stats(args.account)[0]:
            raise ArchiverError(f"The archive holds no messages of an account {args.account!r}.")
        try:
            result = reindex(
                dirs.archive,
                catalog,
                account=args.account,
                report=report,
                cancel=token,
                limits=Limits(ocr=use_ocr),
            )
        except Cancelled:
            print("Reindexing cancelled; the rest is indexed on the next search.")
            return EXIT_CANCELLED
        finally:
            if bar is not None:
                bar.finish()
    _print_index_report(result)
    return EXIT_FAILED if result.unreadable else EXIT_OK


def _print_index_report(result: IndexReport) -> None:
    print(f"Indexed {counted(result.indexed, 'message')}.")
    if result.partial:
        print(
            f"{result.partial} could not be read as mail and {are(result.partial)} findable by "
            "date and folder."
        )
    if result.unreadable:
        print(
            f"{counted(len(result.unreadable), 'archive file')} {are(len(result.unreadable))} "
            "missing or differ from the catalog "
            "and were not indexed (see the log)."
        )
