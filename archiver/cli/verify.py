"""``imap-archiver verify``: re-read the archive, compare it with the catalog, check the index."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TextIO

from archiver.cli.common import (
    are,
    counted,
    finish,
    run_in_terminal,
)
from archiver.core.config import Config
from archiver.core.jobs.verify import CatalogState, IndexState, VerifyResult, run_verify
from archiver.core.paths import AppDirs
from archiver.core.sizes import human_bytes

MAX_LISTED = 20  # unknown files listed one by one; --json has them all

# Ids shown per index problem line; --json lists them all.
SHOWN_IDS = 10


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``verify`` command."""
    verify = commands.add_parser(
        "verify",
        description="Re-read every archived message, compare its size and SHA-256 with the "
        "catalog, report missing or altered files (and whether the server still has each), "
        "and check that the search index agrees with the catalog. Changes nothing unless "
        "--repair is given, which repairs only the search index: damaged archive files are "
        "reported, never removed or forgotten.",
    )
    verify.add_argument("account", nargs="?", help="only this account (default: all)")
    verify.add_argument(
        "--repair",
        action="store_true",
        help="bring the search index in line with the catalog (remove strays, index the rest)",
    )
    verify.add_argument("--json", action="store_true", help="print the result as one JSON object")
    verify.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Verify the archive; see ``imap-archiver verify --help``."""
    result = run_in_terminal(
        lambda report, cancel: run_verify(
            dirs.archive,
            account=args.account,
            repair=args.repair,
            report=report,
            cancel=cancel,
            ocr=config.ocr,
        ),
        args.json,
    )
    return finish(result, args.json, lambda out: print_verify_summary(result, out), result.ok)


def _ids(ids: Sequence[object]) -> str:
    shown = ", ".join(str(i) for i in ids[:SHOWN_IDS])
    return shown + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def print_verify_summary(result: VerifyResult, out: TextIO) -> None:
    """Print one line per problem found, then a one-line summary."""
    for damage in result.damaged:
        where = damage.path if damage.offset is None else f"{damage.path} at byte {damage.offset}"
        print(
            f"  {damage.problem.value.upper()} message {damage.id} ({damage.account}: "
            f"{damage.folder}, UID {damage.uid}), {where}: {damage.reason}; {damage.advice}.",
            file=out,
        )
    if result.pending:
        accounts = ", ".join(dict.fromkeys(p.account for p in result.pending))
        print(
            f"  PENDING {counted(len(result.pending), 'message')} of {accounts} (ids "
            f"{_ids([p.id for p in result.pending])}) left by an interrupted archive run; "
            "that is not damage, the next archive run of the account settles them.",
            file=out,
        )
    _print_catalog(result, out)
    _print_index(result, out)
    print(_summary(result), file=out)


def _print_catalog(result: VerifyResult, out: TextIO) -> None:
    if result.catalog is CatalogState.MISSING:
        print(
            "  CATALOG the catalog is missing while the archive holds messages; run "
            "imap-archiver verify --repair to rebuild it from the archive files.",
            file=out,
        )
    elif result.catalog is CatalogState.REBUILT:
        aside = f" (the damaged one is kept as {result.damaged_catalog})" * bool(
            result.damaged_catalog
        )
        print(f"  CATALOG rebuilt from the archive files{aside}.", file=out)
    for unknown in result.unknown[:MAX_LISTED]:
        where = (
            unknown.path if unknown.offset is None else f"{unknown.path} at byte {unknown.offset}"
        )
        why = (
            "run imap-archiver verify --repair to record it"
            if unknown.adoptable
            else "it does not end as the archive's own messages do, so it is left unrecorded"
        )
        print(f"  UNKNOWN {where} ({unknown.account}): no catalog row knows it; {why}.", file=out)
    if len(result.unknown) > MAX_LISTED:
        print(f"  UNKNOWN ... and {len(result.unknown) - MAX_LISTED} more.", file=out)
    if result.adopted or result.relocated:
        print(
            f"  CATALOG {counted(result.adopted, 'message')} recorded from the archive files, "
            f"{result.relocated} found again at another place in them.",
            file=out,
        )


def _print_index(result: VerifyResult, out: TextIO) -> None:
    check = result.index
    if result.cancelled and not check.repaired:
        return
    fix = "repaired" if check.repaired else "run imap-archiver verify --repair"
    if check.state is not IndexState.OK:
        print(f"  INDEX the search index is {check.state.value}; {fix}.", file=out)
    if check.missing:
        print(
            f"  INDEX {counted(len(check.missing), 'message')} {are(len(check.missing))} marked "
            "indexed but absent from the "
            f"search index (ids {_ids(check.missing)}); {fix}.",
            file=out,
        )
    if check.stray:
        print(
            f"  INDEX {counted(len(check.stray), 'search index document')} "
            f"{are(len(check.stray))} no verified message "
            f"(ids {_ids(check.stray)}); {fix}.",
            file=out,
        )
    if check.repaired:
        line = f"  INDEX {counted(check.indexed, 'message')} indexed"
        if check.stray and check.state is IndexState.OK:
            line += f", {counted(len(check.stray), 'stray document')} removed"
        if check.unreadable:
            line += f"; {len(check.unreadable)} damaged ones could not be indexed"
        print(line + ".", file=out)
    elif check.unindexed:
        print(
            f"  NOTE {counted(check.unindexed, 'message')} {are(check.unindexed)} not indexed "
            "yet; the next search indexes them.",
            file=out,
        )


def _summary(result: VerifyResult) -> str:
    checked = (
        f"{counted(result.checked, 'message')} ({human_bytes(result.bytes_checked)} in "
        f"{counted(result.copies, 'stored copy', 'stored copies')})"
    )
    if result.cancelled:
        return (
            f"Cancelled after {result.checked} of {result.total} messages; run verify again "
            "to check them all."
        )
    damaged = len(result.missing) + len(result.altered)
    if damaged:
        files = (
            f"{result.intact} intact, {len(result.missing)} missing, {len(result.altered)} "
            "altered (kept in the catalog; see above)"
        )
    else:
        files = "all intact"
    if result.unknown:
        files += (
            f"; {counted(len(result.unknown), 'message')} in the archive files "
            f"{are(len(result.unknown))} in no catalog row"
        )
    if result.index.repaired:
        index = "the search index was repaired"
    elif result.index.agrees:
        index = "the search index agrees with the catalog"
    else:
        index = "the search index disagrees with the catalog"
    return f"Verified {checked}: {files}; {index}."
