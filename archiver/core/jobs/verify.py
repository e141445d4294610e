"""Verify the archive: re-read every stored message, compare it with the catalog, check the index.

Every verified catalog row's stored copy is read back (streamed, so memory stays flat for big
messages) and its size and SHA-256 compared with the catalog; rows sharing one stored copy
(a message recorded under two UIDs) are read once. A copy that is gone (the file, or the
mbox region) is *missing*; one whose bytes differ is *altered*. Damage is only reported:
the catalog keeps the row and nothing is deleted, so the message is never forgotten, and
the report says whether the server still has it. Pending rows (an interrupted run's) are
listed too; they are not damage, the next archive run settles them.

The other direction is checked too: archive files (Maildir files, mbox regions) that no
catalog row knows, as a lost, damaged or older catalog (a lost write-ahead log) leaves them,
or as another mail program adds them. ``repair`` rebuilds what the catalog lacks from the
files: a damaged catalog is moved aside (never deleted) and a new one built; a row whose copy
is missing but whose exact bytes are found elsewhere in the account's tree is pointed there;
every other unknown message gets a row of its own (see ``store.scan`` for what the files
tell). No archive file is ever deleted.

The search index is derived data, so it is checked against the catalog and, with
``repair``, brought in line: stray documents deleted, missing ones indexed again (after a
rebuilt catalog, all of them: its row ids are new). Without ``repair`` the job writes nothing
at all (not even an index that is missing).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import itertools
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from archiver.core.catalog import CATALOG_NAME, Catalog, Location, NewRecord, Record, State
from archiver.core.errors import ArchiverError, CatalogDamaged, StoreError
from archiver.core.index.attachments_text import Limits, limits_for
from archiver.core.index.indexer import (
    PrivateStorage,
    create_index,
    open_index,
    open_writer,
    update_index,
)
from archiver.core.index.location import VERSION_FILE, index_dir
from archiver.core.index.schema import SCHEMA_VERSION
from archiver.core.lock import archive_lock, reading_lock
from archiver.core.paths import replace_file
from archiver.core.progress import Cancelled, CancelToken, Progress, ProgressCallback
from archiver.core.store import account_trees
from archiver.core.store.maildir import unique_name
from archiver.core.store.reading import iter_message, locate
from archiver.core.store.scan import StoredMessage, folder_name, scan_maildir, scan_mbox

log = logging.getLogger(__name__)

VERIFYING = "Verifying"
# What every stored mbox region ends with: the message's last line end (or one we added)
# and the blank line separating it from the next message (see store.mbox.separator).
REGION_END = b"\n\n"


class Problem(enum.Enum):
    """What is wrong with a stored copy."""

    MISSING = "missing"  # the file, or the mbox region, is not there (or cannot be reached)
    ALTERED = "altered"  # the bytes read back differ in size or SHA-256 from the catalog


class IndexState(enum.Enum):
    """Whether the search index could be read."""

    OK = "ok"
    MISSING = "missing"
    OTHER_VERSION = "other version"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class Damage:
    """A verified message whose stored copy is missing or differs from the catalog."""

    problem: Problem
    id: int
    account: str
    folder: str
    uid: int
    path: str  # the Maildir file or mbox file
    offset: int | None  # where the region starts, in an mbox file
    on_server: bool
    reason: str

    @property
    def advice(self) -> str:
        """Say what the user can do: where a good copy of the message still is."""
        if self.on_server:
            # Not "archive it again": the catalog counts the UID as archived, so an archive
            # run would not download it but delete the server's copy, the last good one.
            return (
                f"the server still has it (UID {self.uid}), and archive runs leave it there "
                "while this copy is damaged"
            )
        return "the server copy is gone: restore the file from your backup"

    def to_dict(self) -> dict[str, object]:
        """Return the damage as JSON values."""
        return {
            "id": self.id,
            "account": self.account,
            "folder": self.folder,
            "uid": self.uid,
            "path": self.path,
            "offset": self.offset,
            "on_server": self.on_server,
            "reason": self.reason,
            "advice": self.advice,
        }


@dataclass(frozen=True, slots=True)
class PendingRow:
    """A row an interrupted archive run left pending: not damage; the next run settles it."""

    id: int
    account: str
    folder: str
    uid: int


class CatalogState(enum.Enum):
    """How the catalog was found, and what ``repair`` did about it."""

    OK = "ok"
    MISSING = "missing"  # gone while the archive holds message files
    REBUILT = "rebuilt"  # missing or damaged, and built anew from the archive files


@dataclass(frozen=True, slots=True)
class UnknownCopy:
    """A message in an archive file that no catalog row knows.

    ``adoptable`` is False for an mbox region that does not end as ours do (a repair leaves
    it where it is, unrecorded).
    """

    account: str
    path: str
    offset: int | None
    adoptable: bool

    def to_dict(self) -> dict[str, object]:
        """Return it as JSON values."""
        return {"account": self.account, "path": self.path, "offset": self.offset,
                "adoptable": self.adoptable}  # fmt: skip


@dataclass
class IndexCheck:
    """How the search index compares with the catalog, and what ``repair`` did about it.

    ``missing``: verified rows marked indexed that the index lacks; ``stray``: document ids
    that are no verified catalog row; ``unindexed``: verified rows not indexed yet (normal
    after a crash or a deleted index: the next search indexes them).
    """

    state: IndexState = IndexState.OK
    missing: list[int] = field(default_factory=list)
    stray: list[str] = field(default_factory=list)
    unindexed: int = 0
    repaired: bool = False
    indexed: int = 0  # messages indexed by the repair
    unreadable: list[int] = field(default_factory=list)  # rows the repair could not index

    @property
    def agrees(self) -> bool:
        """Whether the index holds exactly what the catalog says it holds."""
        return not self.missing and not self.stray

    def to_dict(self) -> dict[str, object]:
        """Return the check as JSON values."""
        return {
            "state": self.state.value,
            "agrees": self.agrees,
            "missing": self.missing,
            "stray": self.stray,
            "unindexed": self.unindexed,
            "repaired": self.repaired,
            "indexed": self.indexed,
            "unreadable": self.unreadable,
        }


@dataclass
class VerifyResult:
    """The outcome of one verification.

    ``total``: verified rows to check; ``checked``: rows compared (fewer when cancelled);
    ``copies``: distinct stored copies read for them; ``bytes_checked``: bytes read back.
    """

    account: str | None
    repair: bool
    total: int = 0
    checked: int = 0
    intact: int = 0
    copies: int = 0
    bytes_checked: int = 0
    missing: list[Damage] = field(default_factory=list)
    altered: list[Damage] = field(default_factory=list)
    pending: list[PendingRow] = field(default_factory=list)
    index: IndexCheck = field(default_factory=IndexCheck)
    cancelled: bool = False
    catalog: CatalogState = CatalogState.OK
    damaged_catalog: str | None = None  # where a damaged catalog was moved aside
    unknown: list[UnknownCopy] = field(default_factory=list)  # left unrecorded
    adopted: int = 0  # rows rebuilt from archive files
    relocated: int = 0  # rows pointed at their bytes found elsewhere

    @property
    def damaged(self) -> list[Damage]:
        """Missing and altered messages, by id."""
        return sorted(self.missing + self.altered, key=lambda d: d.id)

    @property
    def ok(self) -> bool:
        """Whether every message is intact and the index agrees (or was repaired)."""
        return (
            not self.cancelled
            and not self.missing
            and not self.altered
            and not self.unknown
            and self.catalog is not CatalogState.MISSING
            and (self.index.agrees or self.index.repaired)
        )

    def to_dict(self) -> dict[str, object]:
        """Return the result as JSON values."""
        return {
            "account": self.account,
            "repair": self.repair,
            "total": self.total,
            "checked": self.checked,
            "intact": self.intact,
            "copies": self.copies,
            "bytes_checked": self.bytes_checked,
            "missing": [d.to_dict() for d in self.missing],
            "altered": [d.to_dict() for d in self.altered],
            "pending": [
                {"id": p.id, "account": p.account, "folder": p.folder, "uid": p.uid}
                for p in self.pending
            ],
            "index": self.index.to_dict(),
            "cancelled": self.cancelled,
            "catalog": self.catalog.value,
            "damaged_catalog": self.damaged_catalog,
            "unknown": [u.to_dict() for u in self.unknown],
            "adopted": self.adopted,
            "relocated": self.relocated,
            "ok": self.ok,
        }


def run_verify(
    archive_root: Path,
    *,
    account: str | None = None,
    repair: bool = False,
    report: ProgressCallback,
    cancel: CancelToken,
    ocr: bool = False,
) -> VerifyResult:
    """Check every verified message (all accounts, or one), the files no row knows, the index.

    Takes the archive lock. Without *repair* nothing is written; with it, the catalog gains
    rows for messages found in the files (a damaged catalog is first moved aside and a new
    one built), and the search index and the catalog's marks of what it holds change. A
    cancel stops between two messages (or two index commits) and is reported in the result.
    *ocr* is the user's setting for what the repair indexes.

    Raises ArchiverError when there is no archive or it holds nothing of *account*,
    CatalogDamaged (without *repair*) when the catalog cannot be read, and ArchiveLocked when
    another job is using the archive.
    """
    catalog_path = archive_root / CATALOG_NAME
    trees = account_trees(archive_root)
    if not catalog_path.exists() and not trees:
        raise ArchiverError(f"There is no archive in {archive_root} yet.")
    with archive_lock(archive_root) if repair else reading_lock(archive_root):
        result = VerifyResult(account, repair)
        if not catalog_path.exists() and not repair:
            log.warning("The catalog %s is missing; the archive holds message files", catalog_path)
            result.catalog = CatalogState.MISSING
            for name, fmt in _chosen(trees, account):
                for found in _scan(archive_root, name, fmt):
                    result.unknown.append(_unknown(archive_root, name, found))
            return result
        with _open_catalog(archive_root, result) as catalog:
            result.pending = [
                PendingRow(r.id, r.account, r.folder, r.uid)
                for r in catalog.rows_by_location(State.PENDING, account)
            ]
            result.total, total_bytes = catalog.location_totals(State.VERIFIED, account)
            if (
                account is not None
                and not result.total
                and not result.pending
                and (account not in trees)
            ):
                raise ArchiverError(f"The archive holds no messages of an account {account!r}.")
            try:
                verified = _check_files(archive_root, catalog, result, total_bytes, report, cancel)
                verified |= _check_unknown(archive_root, catalog, result, trees, cancel)
                result.index = _check_index(archive_root, catalog, verified, account)
                if repair and _needs_repair(result.index):
                    _repair_index(
                        archive_root,
                        catalog,
                        result.index,
                        account,
                        report,
                        cancel,
                        limits_for(ocr),
                    )
            except Cancelled:
                log.info(
                    "Verification cancelled after %d of %d messages", result.checked, result.total
                )
                result.cancelled = True
    log.info(
        "Verified %d messages: %d intact, %d missing, %d altered, %d unknown to the catalog; "
        "index %s",
        result.checked,
        result.intact,
        len(result.missing),
        len(result.altered),
        len(result.unknown),
        "agrees" if result.index.agrees else "disagrees",
    )
    return result


def _chosen(trees: dict[str, str], account: str | None) -> list[tuple[str, str]]:
    return [(name, fmt) for name, fmt in trees.items() if account in (None, name)]


def _scan(archive_root: Path, account: str, fmt: str) -> Iterator[StoredMessage | Location]:
    if fmt == "mbox":
        return scan_mbox(archive_root, account)
    return scan_maildir(archive_root, account)


def _unknown(archive_root: Path, account: str, found: StoredMessage | Location) -> UnknownCopy:
    location = found.location if isinstance(found, StoredMessage) else found
    return UnknownCopy(
        account,
        str(archive_root / location.path),
        location.offset,
        isinstance(found, StoredMessage),
    )


@contextmanager
def _open_catalog(archive_root: Path, result: VerifyResult) -> Iterator[Catalog]:
    """Open the catalog; with repair, move a damaged one aside and start a new one."""
    path = archive_root / CATALOG_NAME
    fresh = not path.exists()
    try:
        catalog = Catalog.open(archive_root)
        problem = catalog.integrity_problem()
        if problem is not None:
            catalog.close()
            raise CatalogDamaged(str(path), problem)
    except CatalogDamaged as exc:
        if not result.repair:
            raise
        log.warning("The catalog %s is damaged (%s); moving it aside", path, exc.detail)
        result.damaged_catalog = str(_move_aside(path))
        catalog = Catalog.open(archive_root)
        fresh = True
    try:
        if fresh:
            result.catalog = CatalogState.REBUILT
            create_index(archive_root, catalog).close()  # its ids named the old rows
        yield catalog
    finally:
        catalog.close()


def _move_aside(path: Path) -> Path:
    """Rename a damaged catalog (and its -wal and -shm files) out of the way; return where."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            replace_file(source, target.with_name(target.name + suffix))
    return target


def _check_unknown(
    archive_root: Path,
    catalog: Catalog,
    result: VerifyResult,
    trees: dict[str, str],
    cancel: CancelToken,
) -> set[int]:
    """Find messages in the archive files that no row knows; with repair, record them.

    Returns the ids of rows the repair added (verified, to be indexed).
    """
    added: set[int] = set()
    for name, fmt in _chosen(trees, result.account):
        records = catalog.records(name)
        known = {_known_key(r.location) for r in records}
        folders = {_segments_key(r.location): r.folder for r in records}
        unknown = []
        for found in _scan(archive_root, name, fmt):
            cancel.raise_if_cancelled()
            location = found.location if isinstance(found, StoredMessage) else found
            if _known_key(location) not in known:
                unknown.append(found)
        if not result.repair:
            result.unknown += [_unknown(archive_root, name, f) for f in unknown]
            continue
        added |= _adopt(archive_root, catalog, result, name, unknown, folders)
    if result.unknown:
        log.warning(
            "%d messages in the archive files are known to no catalog row", len(result.unknown)
        )
    return added


def _known_key(location: Location) -> tuple[str, str | int]:
    """Key a stored copy by what identifies it whatever another program renamed."""
    if location.offset is not None:
        return location.path, location.offset
    path = Path(location.path)
    return str(path.parent.parent), unique_name(path.name)


def _segments_key(location: Location) -> str:
    """Key a stored copy by its folder's place in the layout (Maildir dir or mbox file)."""
    path = Path(location.path)
    return str(path) if location.offset is not None else str(path.parent.parent)


def _adopt(
    archive_root: Path,
    catalog: Catalog,
    result: VerifyResult,
    account: str,
    unknown: list[StoredMessage | Location],
    folders: dict[str, str],
) -> set[int]:
    """Record unknown messages: damaged rows whose bytes they are move there, others are new."""
    damaged = {(d.account, d.id) for d in result.damaged if d.account == account}
    by_content: dict[tuple[str, int], list[int]] = {}
    if damaged:
        for record in catalog.get([row_id for _, row_id in damaged]).values():
            by_content.setdefault((record.sha256, record.size), []).append(record.id)
    moves: list[tuple[int, Location]] = []
    new: list[tuple[NewRecord, bool]] = []
    lowest: dict[str, int] = {}
    for found in unknown:
        if not isinstance(found, StoredMessage):
            result.unknown.append(_unknown(archive_root, account, found))
            continue
        twins = by_content.get((found.sha256, found.size))
        if twins:
            moves += [(row_id, found.location) for row_id in twins]
            del by_content[(found.sha256, found.size)]
            continue
        folder = folders.get(_segments_key(found.location)) or folder_name(found.segments, "/")
        uidvalidity, uid = found.uidvalidity, found.uid
        if uidvalidity is None or uid is None or catalog.ids_for(account, folder, uidvalidity,
                                                                 [uid]):  # fmt: skip
            # No UID of its own: a negative one, below any other, never a server's.
            if folder not in lowest:
                lowest[folder] = min(0, catalog.lowest_uid(account, folder, 0))
            lowest[folder] -= 1
            uidvalidity, uid, on_server = 0, lowest[folder], False
        else:
            on_server = True  # the server may still hold it: an archive run checks and deletes
        new.append(
            (
                NewRecord(account, folder, uidvalidity, uid, found.message_id, found.sha256,
                          found.size, found.internaldate, found.flags, found.location),
                on_server,
            )
        )  # fmt: skip
    moved = {row_id for row_id, _ in moves}
    catalog.relocate(moves)
    result.relocated += len(moves)
    for damage in result.damaged:
        if damage.id in moved:
            (result.missing if damage.problem is Problem.MISSING else result.altered).remove(damage)
            result.intact += 1
    ids = catalog.adopt(new)
    result.adopted += len(ids)
    if ids or moves:
        log.info("Account %s: %d messages recorded from the archive files, %d rows pointed at "
                 "their bytes found elsewhere", account, len(ids), len(moves))  # fmt: skip
    return set(ids) | moved


def _copy_key(record: Record) -> tuple[object, ...]:
    """Rows with equal keys are one stored copy with one expected content: read once."""
    location = record.location
    return (location.path, location.offset, location.length, record.size, record.sha256)


def _check_files(
    archive_root: Path,
    catalog: Catalog,
    result: VerifyResult,
    total_bytes: int,
    report: ProgressCallback,
    cancel: CancelToken,
) -> set[int]:
    """Read back every verified row's stored copy into *result*; return the rows' ids."""
    seen: set[int] = set()
    bytes_done = 0
    report(Progress(0, result.total, VERIFYING, 0, total_bytes))
    rows = catalog.rows_by_location(State.VERIFIED, result.account)
    for _key, group in itertools.groupby(rows, key=_copy_key):
        cancel.raise_if_cancelled()
        records = list(group)
        first = records[0]
        problem, reason, read = check_copy(archive_root, first)
        result.copies += 1
        result.bytes_checked += read
        result.checked += len(records)
        seen.update(r.id for r in records)
        if problem is None:
            result.intact += len(records)
        else:
            _record_damage(archive_root, result, problem, reason, records)
        bytes_done += first.size
        report(
            Progress(
                result.checked,
                result.total,
                first.folder,
                min(bytes_done, total_bytes),
                total_bytes,
            )
        )
    return seen


def _record_damage(
    archive_root: Path,
    result: VerifyResult,
    problem: Problem,
    reason: str,
    records: Iterable[Record],
) -> None:
    """Add one damaged copy's rows to *result* and log them (the rows stay in the catalog)."""
    for record in records:
        damage = Damage(
            problem,
            record.id,
            record.account,
            record.folder,
            record.uid,
            str(archive_root / record.location.path),
            record.location.offset,
            record.on_server,
            reason,
        )
        log.warning(
            "Message %d (account %s, folder %s, UID %d) is %s in the archive: %s; %s",
            damage.id,
            damage.account,
            damage.folder,
            damage.uid,
            problem.value,
            reason,
            damage.advice,
        )
        (result.missing if problem is Problem.MISSING else result.altered).append(damage)


def check_copy(archive_root: Path, record: Record) -> tuple[Problem | None, str, int]:
    """Read a row's stored copy back and compare it with the catalog; nothing is written.

    Returns the problem (None when the copy is intact), why, and how many bytes were read.
    """
    location = record.location
    try:
        path = locate(archive_root, location)
        on_disk = path.stat().st_size
    except (FileNotFoundError, StoreError):
        return Problem.MISSING, "the file is gone", 0
    except OSError as exc:
        return Problem.MISSING, f"the file cannot be reached: {exc.strerror or exc}", 0
    region_end = None
    if location.offset is not None and location.length is not None:
        region_end = location.offset + location.length
        if on_disk < region_end:
            return (
                Problem.MISSING,
                f"the mbox file ends at byte {on_disk}, before the end of the message's "
                f"region (bytes {location.offset} to {region_end})",
                0,
            )
    elif on_disk != record.size:
        # Read alone, the first *size* bytes of a longer file could still match.
        return Problem.ALTERED, f"the file has {on_disk} bytes, the catalog {record.size}", 0
    digest = hashlib.sha256()
    read = 0
    try:
        for chunk in iter_message(archive_root, location, record.size):
            digest.update(chunk)
            read += len(chunk)
        tail = REGION_END
        if region_end is not None:
            with path.open("rb") as file:
                file.seek(region_end - len(REGION_END))
                tail = file.read(len(REGION_END))
    except (StoreError, OSError) as exc:  # no From_ line where the region starts; EIO
        return Problem.ALTERED, str(exc), read
    if read != record.size:
        return Problem.ALTERED, f"only {read} of its {record.size} bytes are there", read
    if digest.hexdigest() != record.sha256:
        return Problem.ALTERED, "its SHA-256 differs from the one recorded when archived", read
    if tail != REGION_END:
        return (
            Problem.ALTERED,
            "its mbox region does not end where the catalog says (the file was changed around it)",
            read,
        )
    return None, "", read


def _index_documents(archive_root: Path, account: str | None) -> tuple[IndexState, set[str]]:
    """Return whether the index is readable and the ids of its documents (of *account*).

    Opens the index read-only: unlike ``open_index``, it never recreates an unusable one.
    """
    path = index_dir(archive_root)
    if not path.exists():
        return IndexState.MISSING, set()
    try:
        version = (path / VERSION_FILE).read_text().strip()
    except OSError:
        version = None
    if version != str(SCHEMA_VERSION):
        return IndexState.OTHER_VERSION, set()
    try:
        ix = PrivateStorage(str(path), readonly=True).open_index()
        try:
            with ix.searcher() as searcher:
                ids = {
                    str(fields["id"])
                    for fields in searcher.all_stored_fields()
                    if "id" in fields and (account is None or fields.get("account") == account)
                }
        finally:
            ix.close()
    except Exception as exc:  # any damage means: unreadable (a search would rebuild it)
        # Its text only, so that no log record keeps the index's files open (see open_index).
        log.warning("The search index is unreadable: %s", str(exc))
        return IndexState.UNREADABLE, set()
    return IndexState.OK, ids


def _check_index(
    archive_root: Path, catalog: Catalog, verified: set[int], account: str | None
) -> IndexCheck:
    """Compare the index's documents with the verified rows and the catalog's marks."""
    state, documents = _index_documents(archive_root, account)
    marked = catalog.indexed_ids(account)
    check = IndexCheck(state)
    check.missing = sorted(i for i in marked if str(i) not in documents)
    wanted = {str(i) for i in verified}
    check.stray = sorted((d for d in documents if d not in wanted), key=_id_order)
    check.unindexed = len(verified - marked)
    if check.stray:
        log.warning(
            "The search index holds %d documents that are no verified message", len(check.stray)
        )
    if check.missing:
        log.warning(
            "%d messages marked indexed are missing from the search index", len(check.missing)
        )
    return check


def _id_order(doc_id: str) -> tuple[int, str]:
    return (int(doc_id), "") if doc_id.isdigit() else (-1, doc_id)


def _needs_repair(check: IndexCheck) -> bool:
    return not check.agrees or bool(check.unindexed) or check.state is not IndexState.OK


def _repair_index(
    archive_root: Path,
    catalog: Catalog,
    check: IndexCheck,
    account: str | None,
    report: ProgressCallback,
    cancel: CancelToken,
    limits: Limits,
) -> None:
    """Delete stray documents, mark missing rows unindexed and index what the index lacks.

    An index that is missing or unusable is recreated by ``update_index`` (``open_index``).
    Damaged messages cannot be indexed; they stay unindexed and are listed in *check*.
    """
    if check.stray and check.state is IndexState.OK:
        ix = open_index(archive_root, catalog)
        try:
            with open_writer(ix) as writer:
                for doc_id in check.stray:
                    writer.delete_by_term("id", doc_id)
        finally:
            ix.close()
        log.info("Deleted %d stray documents from the search index", len(check.stray))
    catalog.mark_indexed(check.missing, False)
    done = update_index(
        archive_root, catalog, account=account, report=report, cancel=cancel, limits=limits
    )
    check.repaired = True
    check.indexed = done.indexed
    check.unreadable = done.unreadable
