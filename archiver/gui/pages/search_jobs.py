"""The search page's jobs: search, restore, export, open and save, run on a pool thread.

No widgets here: each function gets its inputs and the job's ``report`` and ``cancel``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from archiver.core.accounts import Account
from archiver.core.attachments import save_attachments
from archiver.core.catalog import CATALOG_NAME, Catalog, Record
from archiver.core.index.indexer import catch_up_index, index_usable
from archiver.core.index.search import (
    ArchiveSearcher,
    Hit,
    IndexCoverage,
    index_coverage,
    parse_query,
)
from archiver.core.jobs.export import ExportResult, eml_stem, export_eml, export_mbox
from archiver.core.jobs.restore import Login, RestoreOptions, RestoreResult, run_restore
from archiver.core.message_view import catalog_record
from archiver.core.paths import replace_file
from archiver.core.progress import CancelToken, ProgressCallback, throttled
from archiver.core.store.reading import read_message
from archiver.gui.context import PasswordGetter
from archiver.gui.models import ORDERS_FROM, Orders, sort_orders

# Results fetched per search, newest first. Fetching costs about 15 µs per result (1.5 s at
# 100,000 matches), so beyond this the status says how many more matched.
RESULT_LIMIT = 100_000
# Messages listed while nothing is asked for (the page as it opens): the newest ones.
NEWEST_LIMIT = 500


# Each takes report and cancel by keyword, as JobRunnable passes them.


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """What the user asked for: the typed query and the filters beside it."""

    text: str = ""
    account: str | None = None
    folder: str = ""
    # The names on servers that *folder* stands for: a special folder typed as the GUI
    # shows it ("Posteingang" for INBOX); empty: the folder as typed.
    folder_names: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    has_attachment: bool = False

    def query(self) -> str:
        """Return the typed query with the filters added as clauses ("" if nothing to find)."""
        text = self.text.strip()
        clauses = []
        folders = [
            " ".join(f.replace('"', " ").split()) for f in self.folder_names or [self.folder]
        ]
        folders = [f for f in folders if f]
        if len(folders) == 1:
            clauses.append(f'folder:"{folders[0]}"')
        elif folders:
            clauses.append("(" + " OR ".join(f'folder:"{f}"' for f in folders) + ")")
        if self.date_from is not None and self.date_to is not None:
            clauses.append(f"date:[{self.date_from:%Y-%m-%d} to {self.date_to:%Y-%m-%d}]")
        elif self.date_from is not None:
            clauses.append(f"date:>={self.date_from:%Y-%m-%d}")
        elif self.date_to is not None:
            clauses.append(f"date:<={self.date_to:%Y-%m-%d}")
        if self.has_attachment:
            clauses.append("has:attachment")
        if text and clauses:
            text = f"({text})"  # "a OR b" must not swallow a filter into its last term
        return " ".join([text, *clauses] if text else clauses)


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """The result of one search job.

    ``archive_exists`` False: nothing was ever archived (no catalog). ``index_complete``
    False: an archive job held the archive, so messages it has not indexed yet are missing;
    ``coverage`` says how many.
    """

    request: SearchRequest
    hits: list[Hit]
    total: int
    archive_exists: bool = True
    index_complete: bool = True
    coverage: IndexCoverage | None = None
    orders: Orders | None = None  # for sorting many hits in the table (models.sort_orders)


def search_archive(
    archive_root: Path,
    request: SearchRequest,
    catch_up: bool,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> SearchOutcome:
    """Search the archive (a job); with *catch_up*, first index what the index lacks.

    Without catch-up (the index caught up before), it is tried still when the index holds
    fewer messages than the catalog: an archive run since may have stopped before indexing
    all it stored. An empty request lists the newest NEWEST_LIMIT messages.

    Raises QueryError for a query that cannot be read, naming the part of the user's own
    text (the filters' clauses are ours and always readable).
    """
    if not (archive_root / CATALOG_NAME).exists():
        return SearchOutcome(request, [], 0, archive_exists=False)
    if request.text.strip():
        parse_query(request.text)
    with Catalog.open(archive_root) as catalog:
        complete = True
        catch_up = catch_up or not index_usable(archive_root)  # deleted while the app ran
        if catch_up:
            complete = catch_up_index(
                archive_root, catalog, report=report, cancel=cancel, yielding=True
            )
        cancel.raise_if_cancelled()
        with ArchiveSearcher(archive_root) as searcher:
            coverage = index_coverage(searcher, catalog)
            if not catch_up and not coverage.complete:
                complete = catch_up_index(
                    archive_root, catalog, report=report, cancel=cancel, yielding=True
                )
                cancel.raise_if_cancelled()
                coverage = index_coverage(searcher, catalog)
            query = request.query()
            if query:
                result = searcher.search(query, account=request.account, limit=RESULT_LIMIT)
            else:
                result = searcher.newest(account=request.account, limit=NEWEST_LIMIT)
    orders = sort_orders(result.hits) if len(result.hits) >= ORDERS_FROM else None
    return SearchOutcome(
        request,
        result.hits,
        result.total,
        index_complete=complete,
        coverage=coverage,
        orders=orders,
    )


def catalog_records(archive_root: Path, ids: Sequence[int]) -> list[Record]:
    """Return the catalog rows of *ids* in that order (ids the catalog lacks are left out)."""
    with Catalog.open(archive_root) as catalog:
        found = catalog.get(ids)
    return [found[i] for i in ids if i in found]


def restore_messages(
    archive_root: Path,
    ids: Sequence[int],
    accounts: Mapping[str, tuple[Account, PasswordGetter]],
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> RestoreResult:
    """Restore messages *ids* into their own folders (a job); passwords are read here."""
    records = catalog_records(archive_root, ids)
    logins = {name: Login(account, get()) for name, (account, get) in accounts.items()}
    return run_restore(
        records, archive_root, logins, RestoreOptions(), report=throttled(report), cancel=cancel
    )


def export_messages(
    archive_root: Path,
    ids: Sequence[int],
    target: Path,
    as_mbox: bool,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> ExportResult:
    """Export messages *ids* into one new mbox file or as .eml files into a folder (a job)."""
    records = catalog_records(archive_root, ids)
    export = export_mbox if as_mbox else export_eml
    return export(records, archive_root, target, report=throttled(report), cancel=cancel)


def write_private_eml(
    archive_root: Path,
    message_id: int,
    directory: Path | None,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> Path:
    """Write a message's exact bytes into a private temporary .eml file (a job).

    The file goes into *directory*, or a new private (0700) temporary folder when None;
    it is readable by the user alone (0600), written beside and renamed into place, so a
    mail program never sees half a message. Returns the file's path.
    """
    record = catalog_record(archive_root, message_id)
    data = read_message(archive_root, record)
    folder = directory or Path(tempfile.mkdtemp(prefix="imap-archiver-open-"))
    fd, partial = tempfile.mkstemp(dir=folder, suffix=".part")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        path = folder / f"{eml_stem(record, data)}.eml"
        replace_file(Path(partial), path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path


def save_message_attachments(
    archive_root: Path,
    message_id: int,
    folder: Path,
    numbers: list[int],
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> list[Path]:
    """Save attachments *numbers* (empty: all) of a message into *folder* (a job)."""
    record = catalog_record(archive_root, message_id)
    return save_attachments(read_message(archive_root, record), folder, numbers or None)
