"""The import job: bring mail kept elsewhere on disk into an account's archive.

Sources are read by :mod:`archiver.core.importers` and never written. Each message is stored
as the archive job stores one from the server (stage → catalogue as pending, with the place it
came from → sync and move into place → read back and compare SHA-256 → verified), into the
folder ``Imported/<source folder>`` of the account's tree (another prefix on request). Imported
rows have UIDVALIDITY 0 and negative UIDs, as verify's adopted rows do: they never name a
server's message, and they are never on a server, so no archive run deletes anything for them.
They are indexed for search, and restored like any other row.

Importing is idempotent: a place (source file and position) recorded before is skipped as
"already", and a message whose exact bytes the account's archive holds (archived from the
server, or imported from elsewhere) is not stored again: the place is recorded against that
copy and the message is counted as a duplicate. An interrupted import leaves pending rows that
the next run settles as an archive run's are (see ``settle_interrupted_run``); their places go
with them, so the next run takes up what was not finished, and nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archiver.core.catalog import Catalog, NewRecord
from archiver.core.errors import ArchiverError
from archiver.core.imap import FetchedMessage, MessageMeta
from archiver.core.importers import (
    Discovery,
    NotImported,
    SkippedMessage,
    SourceFolder,
    SourceKind,
    SourceMessage,
    UnreadableMessage,
    discover,
)
from archiver.core.importers.discovery import count_folder, read_folder
from archiver.core.index.attachments_text import limits_for
from archiver.core.index.background import BackgroundIndexer
from archiver.core.jobs.archive import SCANNING_PREFIX, reads_back, settle_interrupted_run
from archiver.core.lock import archive_lock
from archiver.core.message import date_header, is_plausible_date, message_id
from archiver.core.progress import Cancelled, CancelToken, Progress, ProgressCallback
from archiver.core.store import ArchiveStore, Staged, open_store, require_catalog, resolve_format

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "Imported"
DELIMITER = "/"
IMPORT_UIDVALIDITY = 0  # never a server's (RFC 3501 UIDVALIDITY is nonzero)
BATCH_MESSAGES = 200
BATCH_BYTES = 8 * 1024 * 1024
MAX_LISTED = 50  # unreadable and truncated messages listed per folder
IMPORTING = "Importing"
DIFFERS_REASON = "the stored copy differs from the source"


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """Where imported folders go (``<folder_prefix>/<source folder>``; an empty prefix puts
    them at the top), whether to only look, and whether indexing reads scans by OCR (the
    setting "ocr", as for an archive run)."""

    folder_prefix: str = DEFAULT_PREFIX
    dry_run: bool = False
    ocr: bool = False

    def target(self, name: str) -> str:
        """Return the archive folder of source folder *name*."""
        prefix = self.folder_prefix.strip(DELIMITER)
        return f"{prefix}{DELIMITER}{name}" if prefix else name


@dataclass(frozen=True, slots=True)
class Problem:
    """A message the import could not take, or took as far as it went: where and why."""

    where: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """Return the problem as JSON values."""
        return {"where": self.where, "reason": self.reason}


@dataclass
class FolderImport:
    """What one source folder held and what became of it.

    Every message found is counted once: imported, already (this place was imported
    before), duplicate (the archive holds the same bytes), skipped (the source marks it
    deleted), unreadable, or not reached (the run stopped first).
    """

    name: str  # the folder's name in the source
    folder: str  # the archive folder it goes to
    kind: str
    path: str
    found: int = 0
    imported: int = 0
    already: int = 0
    duplicates: int = 0
    skipped: int = 0
    bytes_imported: int = 0
    unreadable: list[Problem] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)
    unreadable_count: int = 0

    def fail(self, where: str, reason: str) -> None:
        """Count one message as unreadable and remember why."""
        self.unreadable_count += 1
        if len(self.unreadable) < MAX_LISTED:
            self.unreadable.append(Problem(where, reason))

    def to_dict(self) -> dict[str, object]:
        """Return the report as JSON values."""
        return {
            "name": self.name,
            "folder": self.folder,
            "kind": self.kind,
            "path": self.path,
            "found": self.found,
            "imported": self.imported,
            "already": self.already,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "unreadable": self.unreadable_count,
            "bytes_imported": self.bytes_imported,
            "problems": [p.to_dict() for p in self.unreadable],
            "truncated": self.truncated,
        }


@dataclass
class ImportResult:
    """The outcome of one import into one account's archive."""

    account: str
    dry_run: bool
    folders: list[FolderImport] = field(default_factory=list)
    not_imported: list[NotImported] = field(default_factory=list)
    cancelled: bool = False
    error: str | None = None
    indexed: int = 0
    index_error: str | None = None

    def _sum(self, name: str) -> int:
        return sum(int(getattr(f, name)) for f in self.folders)

    @property
    def found(self) -> int:
        """Messages found in the sources."""
        return self._sum("found")

    @property
    def imported(self) -> int:
        """Messages newly stored and verified (in a dry run: that would be)."""
        return self._sum("imported")

    @property
    def already(self) -> int:
        """Messages whose place an earlier import took."""
        return self._sum("already")

    @property
    def duplicates(self) -> int:
        """Messages whose exact bytes the archive held already: recorded, not stored again."""
        return self._sum("duplicates")

    @property
    def skipped(self) -> int:
        """Messages the source marks deleted."""
        return self._sum("skipped")

    @property
    def unreadable(self) -> int:
        """Messages that could not be read or stored."""
        return self._sum("unreadable_count")

    @property
    def ok(self) -> bool:
        """Whether everything found was taken (or knowingly left) without error."""
        return not self.error and not self.cancelled and not self.unreadable

    def to_dict(self) -> dict[str, object]:
        """Return the summary as JSON values."""
        return {
            "account": self.account,
            "dry_run": self.dry_run,
            "found": self.found,
            "imported": self.imported,
            "already": self.already,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "unreadable": self.unreadable,
            "cancelled": self.cancelled,
            "error": self.error,
            "indexed": self.indexed,
            "index_error": self.index_error,
            "folders": [f.to_dict() for f in self.folders],
            "not_imported": [{"path": n.path, "reason": n.reason} for n in self.not_imported],
        }


def run_import(
    archive_root: Path,
    account: str,
    sources: Sequence[Path],
    options: ImportOptions,
    default_format: str,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> ImportResult:
    """Import *sources* into *account*'s archive: take the archive lock, import, index.

    Raises ArchiveLocked when another job holds the archive and CatalogMissing when its
    catalog is gone while message files remain; later problems are recorded in the result.
    """
    with archive_lock(archive_root):
        require_catalog(archive_root)
        with Catalog.open(archive_root) as catalog:
            chosen = resolve_format(
                archive_root, account, None, default_format, remember=not options.dry_run
            )
            store = open_store(chosen, archive_root, account)
            indexer = (
                None
                if options.dry_run
                else BackgroundIndexer(archive_root, account, limits_for(options.ocr))
            )
            if indexer is not None:
                indexer.start()
            try:
                result = import_into(
                    store, catalog, account, sources, options,
                    report=report, cancel=cancel, indexer=indexer,
                )  # fmt: skip
            finally:
                if indexer is not None:
                    indexer.finish(report=report, cancel=cancel)
        if indexer is not None:
            result.indexed = indexer.result.indexed
            result.index_error = indexer.error
        return result


def import_into(
    store: ArchiveStore,
    catalog: Catalog,
    account: str,
    sources: Sequence[Path],
    options: ImportOptions,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
    indexer: BackgroundIndexer | None = None,
) -> ImportResult:
    """Import *sources* (the caller holds the archive lock); see the module docstring.

    Cancellation and errors that stop the run (disk full) are recorded in the result.
    """
    result = ImportResult(account, options.dry_run)
    try:
        if not options.dry_run:
            settle_interrupted_run(store, catalog, account)
        found = discover(sources)
        result.not_imported = found.not_imported
        total = _count(found, report, cancel)
        run = _Run(store, catalog, account, options, report, cancel, indexer, total)
        report(Progress(0, total, IMPORTING))
        for folder in found.folders:
            rep = FolderImport(
                folder.name, options.target(folder.name), folder.kind.value, str(folder.path)
            )
            result.folders.append(rep)
            run.folder(folder, rep)
    except Cancelled:
        log.info("Account %s: import cancelled", account)
        result.cancelled = True
    except ArchiverError as exc:
        log.error("Account %s: import stopped: %s", account, exc)
        result.error = str(exc)
    return result


def _count(found: Discovery, report: ProgressCallback, cancel: CancelToken) -> int:
    """Count the messages of every folder, for progress (mbox files are read once more;
    Outlook's files tell their counts)."""
    total = 0
    for index, folder in enumerate(found.folders):
        cancel.raise_if_cancelled()
        report(
            Progress(
                index, len(found.folders), f"{SCANNING_PREFIX}{folder.name}", folder=folder.name
            )
        )
        total += count_folder(folder)
    return total


def _where(source: str, position: int, kind: str) -> str:
    """Name a message's place: an mbox file's byte offset, an Outlook data file's item."""
    if not position:
        return source
    if kind == SourceKind.PST.value:
        return f"{source}, item {position}"
    return f"{source} at byte {position}"


class _Run:
    """One import's state across folders: progress, UIDs handed out, contents seen."""

    def __init__(
        self,
        store: ArchiveStore,
        catalog: Catalog,
        account: str,
        options: ImportOptions,
        report: ProgressCallback,
        cancel: CancelToken,
        indexer: BackgroundIndexer | None,
        total: int,
    ) -> None:
        self.store, self.catalog, self.account, self.options = store, catalog, account, options
        self.report, self.cancel, self.indexer = report, cancel, indexer
        self.total, self.done = total, 0
        self._uids: dict[str, int] = {}
        self._known: dict[str, set[int]] = {}
        self._seen: set[str] = set()  # dry run: contents met so far (they would be stored)

    def folder(self, folder: SourceFolder, rep: FolderImport) -> None:
        """Import one source folder, in batches."""
        batch: list[tuple[SourceMessage, str]] = []
        size = 0
        for entry in read_folder(folder):
            self.cancel.raise_if_cancelled()  # between messages: the batch is not stored yet
            rep.found += 1
            self.done += 1
            if isinstance(entry, SkippedMessage):
                rep.skipped += 1
            elif isinstance(entry, UnreadableMessage):
                log.warning(
                    "Import: %s: %s", _where(entry.source, entry.position, rep.kind), entry.reason
                )
                rep.fail(_where(entry.source, entry.position, rep.kind), entry.reason)
            elif entry.position in self._places(entry.source):
                rep.already += 1
            else:
                sha = hashlib.sha256(entry.data).hexdigest()
                if any(sha == other for _, other in batch):
                    self._store(batch, rep)  # the second copy is then found as a duplicate
                    batch, size = [], 0
                if entry.truncated:
                    where = _where(entry.source, entry.position, rep.kind)
                    log.warning("Import: %s: the file ends inside this message; taken as far "
                                "as it goes", where)  # fmt: skip
                    if len(rep.truncated) < MAX_LISTED:
                        rep.truncated.append(where)
                batch.append((entry, sha))
                size += len(entry.data)
                if len(batch) >= BATCH_MESSAGES or size >= BATCH_BYTES:
                    self._store(batch, rep)
                    batch, size = [], 0
            self.report(Progress(self.done, self.total, rep.name, folder=rep.name))
        self._store(batch, rep)

    def _places(self, source: str) -> set[int]:
        if source not in self._known:
            if len(self._known) > 1024:  # one per file: Maildir and .eml sources hold many
                self._known.clear()
            self._known[source] = self.catalog.imported_positions(self.account, source)
        return self._known[source]

    def _taken(self, places: Iterable[tuple[str, int]]) -> None:
        """Note places recorded in this run, for a source named twice."""
        for source, position in places:
            if source in self._known:
                self._known[source].add(position)

    def _uid(self, folder: str) -> int:
        """Return the next UID for an imported message of *folder*: negative, decreasing."""
        if folder not in self._uids:
            self._uids[folder] = min(
                0, self.catalog.lowest_uid(self.account, folder, IMPORT_UIDVALIDITY)
            )
        self._uids[folder] -= 1
        return self._uids[folder]

    def _store(self, batch: list[tuple[SourceMessage, str]], rep: FolderImport) -> None:
        """Store one batch durably with its places, verify it; record duplicates."""
        if not batch:
            return
        twins = self.catalog.find_contents(self.account, None, [sha for _, sha in batch])
        duplicates: list[tuple[int, str, int]] = []
        staged: list[Staged] = []
        items: list[tuple[NewRecord, str, int]] = []
        for message, sha in batch:
            twin = twins.get(sha)
            if twin is not None and reads_back(self.store, twin):
                duplicates.append((twin.id, message.source, message.position))
            elif self.options.dry_run:
                if sha in self._seen:
                    rep.duplicates += 1
                else:
                    self._seen.add(sha)
                    rep.imported += 1
                    rep.bytes_imported += len(message.data)
            else:
                record = self._stage(message, sha, rep.folder, staged)
                items.append((record, message.source, message.position))
        rep.duplicates += len(duplicates)
        if self.options.dry_run:
            return
        self.catalog.add_import_sources(self.account, duplicates)
        self._taken((source, position) for _, source, position in duplicates)
        if not items:
            return
        ids = self.catalog.add_imported(items)
        try:
            self.store.commit(staged)
        except ArchiverError:
            self.store.discard(staged)
            raise
        good, bad = [], []
        for row_id, (record, source, position) in zip(ids, items, strict=True):
            if self.store.read_digest(record.location, record.size) == (record.sha256,
                                                                        record.size):  # fmt: skip
                good.append(row_id)
                rep.imported += 1
                rep.bytes_imported += record.size
            else:
                bad.append(row_id)
                log.error("Import: %s: the stored copy differs from the source; not imported",
                          _where(source, position, rep.kind))  # fmt: skip
                rep.fail(_where(source, position, rep.kind), DIFFERS_REASON)
        self.catalog.mark_verified(good)
        self.catalog.remove(bad)
        kept = set(good)
        self._taken((s, p) for i, (_, s, p) in zip(ids, items, strict=True) if i in kept)
        if self.indexer is not None:
            self.indexer.poke()

    def _stage(
        self, message: SourceMessage, sha: str, folder: str, staged: list[Staged]
    ) -> NewRecord:
        """Write one message to a temporary place in the archive; return its row."""
        when = message.internaldate
        if when is None or not is_plausible_date(when):
            when = date_header(message.data)
        if when is None or not is_plausible_date(when):
            when = dt.datetime.now(dt.UTC).replace(microsecond=0)
        uid = self._uid(folder)
        meta = MessageMeta(uid, len(message.data), message.flags, when)
        fetched = FetchedMessage(meta, sha, len(message.data), data=message.data)
        try:
            one = self.store.stage(folder, DELIMITER, IMPORT_UIDVALIDITY, fetched)
        except ArchiverError:
            self.store.discard(staged)
            raise
        staged.append(one)
        return NewRecord(
            self.account, folder, IMPORT_UIDVALIDITY, uid, message_id(message.data), sha,
            len(message.data), when, message.flags, one.location,
        )  # fmt: skip
