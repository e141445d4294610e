"""The archive job: copy old messages into the local archive, verify, then free the server.

Order of events, per batch of messages: FETCH (BODY.PEEK[]) → check length against
RFC822.SIZE and INTERNALDATE against the cut-off → stage in the archive (a temporary file) →
catalogue as pending → sync the batch, move it into place, fsync the directories → read back
and compare SHA-256 and size → catalogue as verified. The next batch is fetched meanwhile.
Only after every folder was archived, and only for verified messages whose folder still has
the same UIDVALIDITY, does anything leave the server: UID STORE +FLAGS.SILENT (\\Deleted)
and UID EXPUNGE of exactly those UIDs. A process indexes verified batches for search as they
come (archiver.core.index.background); the index is derived data and never holds up the rest.

Every message on the server before the run is accounted for exactly once in the folder's
report (newer, kept with a reason, failed, not reached, vanished or deleted), and the report
checks that sum against the server's counts before and after. Mail that arrives during the
run (UIDs from the folder's UIDNEXT at planning on) is counted apart, as arrived, by UID: it
is left alone, and a message that disappeared unaccounted still shows however much arrived.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from archiver.core.accounts import Account
from archiver.core.catalog import Catalog, NewRecord, Record, VerifiedMessage
from archiver.core.cutoff import search_day
from archiver.core.errors import ArchiverError, FolderError, StoreError, UidValidityChanged
from archiver.core.folder_roles import WELL_KNOWN_NAMES, FolderRole
from archiver.core.imap import (
    DEFAULT_TIMEOUT,
    FetchedMessage,
    FetchFailure,
    FolderInfo,
    ImapSession,
    MessageMeta,
    NamespaceKind,
    Quota,
    WantedMessage,
    open_session,
)
from archiver.core.index.attachments_text import limits_for
from archiver.core.index.background import BackgroundIndexer
from archiver.core.lock import archive_lock
from archiver.core.message import message_id
from archiver.core.prefetch import prefetch
from archiver.core.progress import Cancelled, CancelToken, Phase, Progress, ProgressCallback
from archiver.core.runlog import record_run
from archiver.core.secrets import Secret
from archiver.core.store import (
    ArchiveStore,
    Staged,
    open_store,
    require_catalog,
    resolve_format,
)
from archiver.core.store.base import ChangedOutside

log = logging.getLogger(__name__)

SPOOL_NAME = ".spool"
DELETE_CHUNK = 1000  # messages checked, flagged and expunged per round
MAX_LISTED_FAILURES = 20
# Progress messages: "Scanning INBOX" while folders are planned, then ARCHIVING once before
# the first batch, then the folder's name per batch (and INDEXING at the end). They are for
# logs and the command line; each report's phase and folder tell the app the same.
SCANNING_PREFIX = "Scanning "
ARCHIVING = "Archiving"

# Used only where the server marks no folder with a special-use flag (RFC 6154).
TRASH_AND_JUNK_NAMES = WELL_KNOWN_NAMES[FolderRole.TRASH] | WELL_KNOWN_NAMES[FolderRole.JUNK]


def spool_path(archive_root: Path) -> Path:
    """Return where large messages are spooled while they are fetched."""
    return archive_root / SPOOL_NAME


class Kept(StrEnum):
    """Why a selected message stayed on the server, as a stable slug (``--json`` keys).

    The faces word each reason themselves (cli/archive.py KEPT_TEXTS, the GUI's summary).
    """

    FLAGGED = "flagged"  # --keep-flagged
    UNREAD = "unread"  # --keep-unread
    DELETED_ELSEWHERE = "deleted_elsewhere"  # marked \\Deleted by another client
    KEEP_ON_SERVER = "keep_on_server"  # --keep-on-server
    DRY_RUN = "dry_run"
    NO_UIDPLUS = "no_uidplus"  # the server lacks UID EXPUNGE
    UIDVALIDITY = "uidvalidity_changed"
    CHANGED = "changed_on_server"  # since it was archived
    NOT_EXPUNGED = "not_expunged"  # still there after UID EXPUNGE
    READ_ONLY = "read_only_folder"  # the server refuses deletion in this folder
    STOPPED = "stopped"  # the run stopped before deleting
    RESTORED = "restored"  # put back from the archive by the user
    # Not kept, but gone: expunge_archived() counts these apart, and the report as vanished.
    VANISHED = "vanished"
    DAMAGED = "damaged"  # the archived copy is missing or damaged


# Reasons the user chose; every other reason is selected mail the run could not remove.
CHOSEN = frozenset({Kept.FLAGGED, Kept.UNREAD, Kept.KEEP_ON_SERVER, Kept.RESTORED, Kept.DRY_RUN})


@dataclass(frozen=True, slots=True)
class ArchiveOptions:
    """What to archive and what to leave.

    ``cutoff``: messages whose INTERNALDATE is before it are archived (timezone-aware).
    ``folders``: only these (by name; special-use Trash/Junk, and other users' or public
    folders, only when named here).
    """

    cutoff: dt.datetime
    folders: tuple[str, ...] = ()
    exclude_folders: tuple[str, ...] = ()
    dry_run: bool = False
    keep_on_server: bool = False
    keep_flagged: bool = False
    keep_unread: bool = False
    ocr: bool = False  # the indexer reads scanned PDFs and images by OCR (setting "ocr")


@dataclass
class FolderReport:
    """What happened to every message of one folder."""

    folder: str
    namespace: NamespaceKind = NamespaceKind.PERSONAL
    on_server_before: int = 0
    newer: int = 0
    archived: int = 0
    already: int = 0
    failed: int = 0
    not_reached: int = 0
    vanished: int = 0
    deleted: int = 0
    arrived: int = 0  # delivered during the run: not in on_server_before, left alone
    bytes_archived: int = 0
    bytes_selected: int = 0
    bytes_deleted: int = 0
    kept: Counter[Kept] = field(default_factory=Counter)
    on_server_after: int | None = None
    error: str | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def accounted(self) -> int:
        """Messages accounted for: each message on the server before, counted once."""
        return (
            self.newer
            + sum(self.kept.values())
            + self.failed
            + self.not_reached
            + self.vanished
            + self.deleted
        )

    @property
    def closes(self) -> bool:
        """Whether the arithmetic closes, against the server's counts before and after."""
        if self.accounted != self.on_server_before:
            return False
        expected_after = self.on_server_before - self.deleted - self.vanished + self.arrived
        return self.on_server_after is None or self.on_server_after == expected_after

    def fail(self, uid: int, reason: str) -> None:
        """Count one message as failed (it stays on the server) and remember why."""
        self.failed += 1
        if len(self.failures) < MAX_LISTED_FAILURES:
            self.failures.append(f"UID {uid}: {reason}")

    def to_dict(self) -> dict[str, object]:
        """Return the report as JSON values."""
        return {
            "folder": self.folder,
            "namespace": str(self.namespace),
            "on_server_before": self.on_server_before,
            "newer": self.newer,
            "archived": self.archived,
            "already": self.already,
            "kept": {k: v for k, v in self.kept.items() if v},
            "failed": self.failed,
            "not_reached": self.not_reached,
            "vanished": self.vanished,
            "deleted": self.deleted,
            "arrived": self.arrived,
            "on_server_after": self.on_server_after,
            "bytes_archived": self.bytes_archived,
            "bytes_selected": self.bytes_selected,
            "bytes_deleted": self.bytes_deleted,
            "closes": self.closes,
            "error": self.error,
            "failures": self.failures,
        }


@dataclass
class ArchiveResult:
    """The outcome of one archive run of one account."""

    account: str
    dry_run: bool
    folders: list[FolderReport] = field(default_factory=list)
    quota_before: Quota | None = None
    quota_after: Quota | None = None
    cancelled: bool = False
    error: str | None = None
    # The error that stopped the run, for the faces to word by its kind (error is its text).
    failure: ArchiverError | None = field(default=None, repr=False, compare=False)
    # Other users' and public folders the account sees, left alone because none was named.
    shared_left: list[FolderInfo] = field(default_factory=list)
    indexed: int = 0  # messages added to the search index during the run
    index_error: str | None = None  # why the index could not be updated (it catches up later)
    # Verified messages of the account still unindexed at the end (indexing stopped, or
    # not asked for): the next search, archive or reindex indexes them.
    index_left: int = 0

    @property
    def archived(self) -> int:
        """Messages newly stored and verified in this run."""
        return sum(f.archived for f in self.folders)

    @property
    def deleted(self) -> int:
        """Messages expunged from the server in this run."""
        return sum(f.deleted for f in self.folders)

    @property
    def arrived(self) -> int:
        """Messages delivered to the folders during the run (left on the server)."""
        return sum(f.arrived for f in self.folders)

    @property
    def bytes(self) -> int:
        """Bytes newly archived (in a dry run: bytes that would move)."""
        return sum(f.bytes_selected if self.dry_run else f.bytes_archived for f in self.folders)

    @property
    def bytes_freed(self) -> int:
        """Bytes deleted from the account's own folders: other users' and public folders
        do not count against its quota."""
        return sum(f.bytes_deleted for f in self.folders if f.namespace is NamespaceKind.PERSONAL)

    @property
    def skipped(self) -> int:
        """Selected messages that stayed on the server, for any reason in ``kept``."""
        return sum(sum(f.kept.values()) for f in self.folders)

    @property
    def errors(self) -> int:
        """Failed messages, failed folders and a run-stopping error, counted together."""
        return sum(f.failed + (1 if f.error else 0) for f in self.folders) + (
            1 if self.error else 0
        )

    @property
    def closes(self) -> bool:
        """Whether every folder's arithmetic closes."""
        return all(f.closes for f in self.folders)

    @property
    def ok(self) -> bool:
        """Whether the run finished without errors and was not cancelled."""
        return not self.errors and not self.cancelled

    @property
    def partly(self) -> bool:
        """Whether the run went through every folder but left some of the chosen mail on
        the server: a folder or message failed, or the server kept what it was asked to
        delete (read-only folder, no UIDPLUS, ...). Not after a stop or a cancel."""
        if self.cancelled or self.error:
            return False
        return bool(self.errors) or any(
            count and reason not in CHOSEN for f in self.folders for reason, count in f.kept.items()
        )

    def to_dict(self, *, with_index: bool = True) -> dict[str, object]:
        """Return the summary as JSON values (without the indexing figures: for the run log,
        written before indexing ends)."""
        summary: dict[str, object] = {
            "account": self.account,
            "dry_run": self.dry_run,
            "archived": self.archived,
            "already": sum(f.already for f in self.folders),
            "deleted": self.deleted,
            "arrived": self.arrived,
            "bytes": self.bytes,
            "skipped": self.skipped,
            "errors": self.errors,
            "failed": sum(f.failed for f in self.folders),
            "quota_before": self.quota_before.to_dict() if self.quota_before else None,
            "quota_after": self.quota_after.to_dict() if self.quota_after else None,
            "cancelled": self.cancelled,
            "error": self.error,
            "error_kind": self.failure.kind.value if self.failure else None,
            "closes": self.closes,
            "partly": self.partly,
            "shared_left": [
                {"folder": f.name, "namespace": str(f.namespace)} for f in self.shared_left
            ],
            "folders": [f.to_dict() for f in self.folders],
        }
        if with_index:
            summary.update(
                indexed=self.indexed, index_error=self.index_error, index_left=self.index_left
            )
        return summary


@dataclass
class _FolderPlan:
    """What to do in one folder. UIDs and sizes sit in compact arrays (4 + 8 bytes a message),
    so that memory stays flat however many messages a mailbox holds."""

    info: FolderInfo
    report: FolderReport
    uidvalidity: int = 0
    uidnext: int | None = None  # at planning: messages from this UID on arrived meanwhile
    fetch_uids: array[int] = field(default_factory=lambda: array("L"))
    fetch_sizes: array[int] = field(default_factory=lambda: array("Q"))
    to_delete: array[int] = field(default_factory=lambda: array("L"))  # verified, any run
    handled: int = 0  # of fetch_uids: stored, failed or found newer
    delete_accounted: int = 0  # of to_delete: deleted or kept with a reason so far
    earlier: int = 0  # the first entries of to_delete, verified by an earlier run

    def wanted(self) -> Iterator[WantedMessage]:
        """Yield the messages to download, in UID order."""
        return map(WantedMessage, self.fetch_uids, self.fetch_sizes)


def select_folders(
    folders: Sequence[FolderInfo], options: ArchiveOptions, account: str
) -> list[FolderInfo]:
    """Choose the folders to archive: the account's own selectable ones but Trash and Junk,
    or those named (which may be other users' or public folders)."""
    selectable = [f for f in folders if f.is_selectable]
    if options.folders:
        by_name = {_folder_key(f.name): f for f in selectable}
        missing = [n for n in options.folders if _folder_key(n) not in by_name]
        if missing:
            raise ArchiverError(
                f"Account {account}: no selectable folder named "
                f"{', '.join(repr(m) for m in missing)}."
            )
        chosen = [by_name[_folder_key(n)] for n in dict.fromkeys(options.folders)]
    else:
        has_special_use = any(f.special_use for f in folders)
        chosen = [f for f in selectable if is_archived_by_default(f, has_special_use)]
    excluded = {_folder_key(n) for n in options.exclude_folders}
    return [f for f in chosen if _folder_key(f.name) not in excluded]


def _folder_key(name: str) -> str:
    return "INBOX" if name.upper() == "INBOX" else name


def is_archived_by_default(folder: FolderInfo, has_special_use: bool) -> bool:
    """Whether the archive takes *folder* when no folder is named: the account's own
    folders but Trash and Junk. Other users' and public folders are shared with others,
    whose only copy the deletion would remove; they do not count against our quota either.

    Front ends use it to preselect folders exactly as the job would choose them.
    """
    return folder.is_personal and not is_trash_or_junk(folder, has_special_use)


def is_trash_or_junk(folder: FolderInfo, has_special_use: bool) -> bool:
    """Whether the archive leaves *folder* out unless it is named: Trash and Junk.

    *has_special_use* says whether the server marks any of its folders with a special-use
    flag (RFC 6154); then only those flags count, else the folder's last name part does.
    """
    if has_special_use:
        return folder.special_use in ("\\Trash", "\\Junk")
    return folder.name.rsplit(folder.delimiter or "/", 1)[-1].lower() in TRASH_AND_JUNK_NAMES


def archive_account(
    session: ImapSession,
    store: ArchiveStore,
    catalog: Catalog,
    account: str,
    options: ArchiveOptions,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
    indexer: BackgroundIndexer | None = None,
) -> ArchiveResult:
    """Archive one account's old mail and, unless told otherwise, delete it from the server.

    The caller holds the archive lock. An *indexer* is poked after each verified batch. A
    folder named in the options that does not exist raises ArchiverError before anything
    starts. Errors that stop the run later (connection lost, disk full) and cancellation are
    recorded in the result, which is then returned; nothing whose archiving did not complete
    is deleted.
    """
    result = ArchiveResult(account, options.dry_run)
    spool_dir = spool_path(store.archive_root)
    shutil.rmtree(spool_dir, ignore_errors=True)
    plans: list[_FolderPlan] = []
    listed = session.list_folders()
    folders = select_folders(listed, options, account)  # bad names: raise
    result.shared_left = [
        f for f in listed if f.is_selectable and not f.is_personal and f not in folders
    ]
    try:
        settle_interrupted_run(store, catalog, account)
        result.quota_before = session.quota()
        for index, info in enumerate(folders):
            cancel.raise_if_cancelled()
            report(
                Progress(
                    index,
                    len(folders),
                    f"{SCANNING_PREFIX}{info.name}",
                    phase=Phase.SCANNING,
                    folder=info.name,
                )
            )
            plan = _plan_folder(session, catalog, account, info, options)
            plans.append(plan)
            result.folders.append(plan.report)
        if options.dry_run:
            _finish_dry_run(result, plans, options)
            return result
        _archive_all(session, store, catalog, account, plans, options, report, cancel, indexer)
        cancel.raise_if_cancelled()
        for plan in plans:
            _delete_folder(session, store, catalog, account, plan, options)
        result.quota_after = session.quota()
    except Cancelled:
        log.info("Account %s: archive cancelled", account)
        result.cancelled = True
    except ArchiverError as exc:
        log.error("Account %s: archive stopped: %s", account, exc)
        result.error, result.failure = str(exc), exc
    finally:
        shutil.rmtree(spool_dir, ignore_errors=True)
    _settle_unfinished(plans)
    return result


def settle_interrupted_run(store: ArchiveStore, catalog: Catalog, account: str) -> None:
    """Settle what an interrupted run left pending, before anything else is written.

    The store says which pending rows' copies read back and what it found; the catalog is
    changed here. Raises ChangedOutside (nothing was cut there) when another program changed
    a file where the interrupted run was appending: the run then stops before any deletion.
    """
    recovery = store.recover(catalog.pending(account))
    catalog.mark_verified(recovery.verified)
    catalog.remove(recovery.dropped)
    if recovery.verified or recovery.dropped:
        log.info("Account %s: recovered %d pending messages, dropped %d", account,
                 len(recovery.verified), len(recovery.dropped))  # fmt: skip
    for path, size, cut_to in recovery.truncated:
        log.info("Account %s: cut %s from %d back to %d bytes (our own interrupted append)",
                 account, path, size, cut_to)  # fmt: skip
    if recovery.findings:
        raise ChangedOutside(account, recovery.findings)


def _plan_folder(
    session: ImapSession, catalog: Catalog, account: str, info: FolderInfo, options: ArchiveOptions
) -> _FolderPlan:
    """Find the folder's messages before the cut-off; sort them into fetch, already, kept."""
    plan = _FolderPlan(info, FolderReport(info.name, info.namespace))
    rep = plan.report
    try:
        state = session.select(info.name, readonly=True)
        plan.uidvalidity, plan.uidnext = state.uidvalidity, state.uidnext
        rep.on_server_before = state.exists
        # SEARCH is only a pre-filter, a day wider than the cut-off: servers disagree on time
        # zones, and some answer date searches wrongly. The INTERNALDATE decides, below.
        uids = session.search_before(search_day(options.cutoff)) if state.exists else []
        if plan.uidnext is not None:  # delivered since the SELECT: not in EXISTS, an arrival
            uids = [uid for uid in uids if uid < plan.uidnext]
        verified = catalog.verified_uids(account, info.name, plan.uidvalidity)
        # A message put back by a restore is there because someone wants it there.
        restored = catalog.restored_uids(account, info.name, plan.uidvalidity)
        seen = 0
        for meta in session.iter_meta(uids):
            seen += 1
            _classify(plan, meta, meta.uid in verified, meta.uid in restored, options)
    except FolderError as exc:
        log.warning("%s", exc)
        rep.error = str(exc)
        rep.not_reached = rep.on_server_before
        return plan
    rep.newer += rep.on_server_before - len(uids)
    rep.vanished = len(uids) - seen
    rep.already = plan.earlier = len(plan.to_delete)
    return plan


def _classify(
    plan: _FolderPlan,
    meta: MessageMeta,
    is_verified: bool,
    is_restored: bool,
    options: ArchiveOptions,
) -> None:
    """Sort one message: newer, kept (and why), already archived, or to fetch."""
    rep = plan.report
    flags = {f.lower() for f in meta.flags}
    if meta.internaldate >= options.cutoff:
        rep.newer += 1
    elif is_restored:
        rep.kept[Kept.RESTORED] += 1
    elif meta.is_deleted and not is_verified:
        rep.kept[Kept.DELETED_ELSEWHERE] += 1
    elif options.keep_flagged and "\\flagged" in flags:
        rep.kept[Kept.FLAGGED] += 1
    elif options.keep_unread and "\\seen" not in flags:
        rep.kept[Kept.UNREAD] += 1
    else:
        rep.bytes_selected += meta.size
        if is_verified:
            plan.to_delete.append(meta.uid)
        else:
            plan.fetch_uids.append(meta.uid)
            plan.fetch_sizes.append(meta.size)


def _finish_dry_run(
    result: ArchiveResult, plans: list[_FolderPlan], options: ArchiveOptions
) -> None:
    """Fill a dry run's report: what would move, and the quota it would free."""
    freed = 0
    for plan in plans:
        selected = len(plan.fetch_uids) + len(plan.to_delete)
        plan.report.kept[Kept.DRY_RUN] += selected
        plan.handled = len(plan.fetch_uids)
        plan.delete_accounted = len(plan.to_delete)
        plan.report.on_server_after = plan.report.on_server_before
        if not options.keep_on_server and plan.info.is_personal:  # others' quota, not ours
            freed += plan.report.bytes_selected
    if result.quota_before is not None:
        before = result.quota_before
        result.quota_after = Quota(max(0, before.used - freed), before.limit)


def _archive_all(
    session: ImapSession,
    store: ArchiveStore,
    catalog: Catalog,
    account: str,
    plans: list[_FolderPlan],
    options: ArchiveOptions,
    report: ProgressCallback,
    cancel: CancelToken,
    indexer: BackgroundIndexer | None,
) -> None:
    total = sum(len(p.fetch_uids) for p in plans)
    total_bytes = sum(sum(p.fetch_sizes) for p in plans)
    done = done_bytes = 0
    spool_dir = spool_path(store.archive_root)
    report(Progress(0, total, ARCHIVING, 0, total_bytes, Phase.COPYING))
    for plan in plans:
        if plan.report.error or not plan.fetch_uids:
            continue
        folder = plan.info.name
        try:
            state = session.select(folder, readonly=True)
            if state.uidvalidity != plan.uidvalidity:
                raise FolderError(
                    f"Account {account}, folder {folder}: UIDVALIDITY changed "
                    "during the run; the folder is skipped."
                )
            # The server sends the next batch while this one is stored (see prefetch).
            for batch in prefetch(session.fetch_bodies(plan.wanted(), spool_dir)):
                _store_batch(store, catalog, account, plan, batch, options)
                if indexer is not None:
                    indexer.poke()
                done += len(batch)
                done_bytes += sum(m.meta.size for m in batch if isinstance(m, FetchedMessage))
                report(
                    Progress(done, total, folder, done_bytes, total_bytes, Phase.COPYING, folder)
                )
                cancel.raise_if_cancelled()
        except FolderError as exc:
            log.warning("%s", exc)
            plan.report.error = str(exc)


def _store_batch(
    store: ArchiveStore,
    catalog: Catalog,
    account: str,
    plan: _FolderPlan,
    batch: list[FetchedMessage | FetchFailure],
    options: ArchiveOptions,
) -> None:
    """Store one fetched batch durably, catalogue it and verify it; see the module docstring."""
    rep, folder = plan.report, plan.info.name
    staged: list[Staged] = []
    records: list[NewRecord] = []
    twins = catalog.find_contents(
        account, folder, [m.sha256 for m in batch if isinstance(m, FetchedMessage)]
    )
    for item in batch:
        if isinstance(item, FetchFailure):
            plan.handled += 1
            if item.vanished:  # another client expunged it: nothing of ours to keep or lose
                log.info("Account %s, folder %s, UID %d: %s", account, folder, item.uid,
                         item.reason)  # fmt: skip
                rep.vanished += 1
                continue
            log.warning("Account %s, folder %s, UID %d: %s", account, folder, item.uid, item.reason)
            rep.fail(item.uid, item.reason)
            continue
        meta = item.meta
        if meta.internaldate >= options.cutoff:
            # The FETCH disagrees with the plan: the message is not old enough after all.
            plan.handled += 1
            rep.newer += 1
            rep.bytes_selected -= meta.size
            _drop_spool(item)
            continue
        twin = twins.get(item.sha256)
        if twin is not None and reads_back(store, twin):
            # The same bytes are archived already (the folder was recreated, or the message
            # was copied within it): record this UID against that copy, write nothing.
            location = twin.location
            head = item.head()
            _drop_spool(item)
        else:
            head = item.head()
            try:
                one = store.stage(folder, plan.info.delimiter, plan.uidvalidity, item)
            except StoreError:
                store.discard(staged)
                _drop_spool(item)
                raise
            staged.append(one)
            location = one.location
        records.append(
            NewRecord(
                account,
                folder,
                plan.uidvalidity,
                meta.uid,
                message_id(head),
                item.sha256,
                item.length,
                meta.internaldate,
                meta.flags,
                location,
            )
        )
    if not records:
        return
    catalog.add_pending(records)
    try:
        store.commit(staged)
    except StoreError:
        store.discard(staged)
        raise
    ids = catalog.ids_for(account, folder, plan.uidvalidity, [r.uid for r in records])
    good, bad = [], []
    for rec in records:
        digest, length = store.read_digest(rec.location, rec.size)
        if digest == rec.sha256 and length == rec.size:
            good.append(rec)
        else:
            bad.append(rec)
    catalog.mark_verified(ids[r.uid] for r in good)
    catalog.remove(ids[r.uid] for r in bad)
    for rec in bad:
        log.error(
            "Account %s, folder %s, UID %d: the stored copy differs from what the "
            "server sent; the message stays on the server",
            account,
            folder,
            rec.uid,
        )
        rep.fail(rec.uid, "stored copy differs from the server's bytes")
    plan.handled += len(records)
    fresh = {s.location for s in staged}
    for rec in good:
        if rec.location in fresh:
            rep.archived += 1
            rep.bytes_archived += rec.size
        else:
            rep.already += 1
        plan.to_delete.append(rec.uid)


def _drop_spool(message: FetchedMessage) -> None:
    if message.spool is not None:
        message.spool.unlink(missing_ok=True)


def _delete_folder(
    session: ImapSession,
    store: ArchiveStore,
    catalog: Catalog,
    account: str,
    plan: _FolderPlan,
    options: ArchiveOptions,
) -> None:
    """Free the server of the folder's verified messages, or record why they stay.

    Works through the messages in chunks, so that memory stays flat in the folder's size.
    Copies verified by an earlier run are read back once more first: the archive file may
    have been damaged since, and then the server's copy is the last good one. A folder the
    server fails in (gone, or refusing a command) keeps the rest of its messages, and the
    run goes on with the other folders.
    """
    rep = plan.report
    if rep.error:
        return  # _settle_unfinished() counts its verified messages as kept
    if options.keep_on_server:
        rep.kept[Kept.KEEP_ON_SERVER] += len(plan.to_delete)
        plan.delete_accounted = len(plan.to_delete)
    else:
        try:
            _delete_verified(session, store, catalog, account, plan, options)
        except FolderError as exc:  # the rest of the folder is counted by _settle_unfinished
            log.warning("%s", exc)
            rep.error = str(exc)
    try:
        if plan.uidnext is None:  # arrivals cannot be told apart: any make the counts differ
            rep.on_server_after = session.count_messages(plan.info.name)
        else:
            rep.on_server_after, rep.arrived = session.count_arrivals(plan.info.name, plan.uidnext)
    except FolderError as exc:
        log.warning("%s", exc)


def _delete_verified(
    session: ImapSession,
    store: ArchiveStore,
    catalog: Catalog,
    account: str,
    plan: _FolderPlan,
    options: ArchiveOptions,
) -> None:
    """Delete the folder's verified messages chunk by chunk; see _delete_folder()."""
    rep = plan.report
    for start in range(0, len(plan.to_delete), DELETE_CHUNK):
        uids = plan.to_delete[start : start + DELETE_CHUNK]
        verified = catalog.verified_for(account, plan.info.name, plan.uidvalidity, uids)
        damaged = _damaged(store, catalog, account, plan, uids[: max(0, plan.earlier - start)])
        if damaged:
            verified = [v for v in verified if v.uid not in damaged]
            rep.kept[Kept.DAMAGED] += len(damaged)
        deleted, kept = expunge_archived(session, plan.info.name, verified, options.cutoff)
        catalog.mark_deleted(deleted)
        rep.deleted += len(deleted)
        rep.bytes_deleted += sum(m.size for m in deleted)
        rep.vanished += kept.pop(Kept.VANISHED, 0)  # another client expunged them
        rep.kept.update(kept)
        if len(verified) + len(damaged) < len(uids):  # a row vanished or changed meanwhile
            rep.kept[Kept.CHANGED] += len(uids) - len(verified) - len(damaged)
        plan.delete_accounted += len(uids)  # an error leaves the rest to _settle_unfinished


def _damaged(
    store: ArchiveStore, catalog: Catalog, account: str, plan: _FolderPlan, uids: Sequence[int]
) -> set[int]:
    """Return those of *uids* whose archived copy no longer reads back as catalogued."""
    if not uids:
        return set()
    folder = plan.info.name
    rows = catalog.get(list(catalog.ids_for(account, folder, plan.uidvalidity, uids).values()))
    damaged = set()
    for record in rows.values():
        if not reads_back(store, record):
            damaged.add(record.uid)
            log.error(
                "Account %s, folder %s, UID %d: the archived copy (%s) is missing or damaged; "
                "the message stays on the server. Run 'imap-archiver verify'.",
                account,
                folder,
                record.uid,
                record.location.path,
            )
    return damaged


def reads_back(store: ArchiveStore, record: Record) -> bool:
    """Whether a catalogued copy is there and reads back as catalogued (never raises)."""
    try:
        return store.read_digest(record.location, record.size) == (record.sha256, record.size)
    except StoreError as exc:
        log.info("%s", exc)
        return False


def expunge_archived(
    session: ImapSession, folder: str, verified: Sequence[VerifiedMessage], cutoff: dt.datetime
) -> tuple[list[VerifiedMessage], Counter[Kept]]:
    """Delete exactly the *verified* messages from *folder*; say why any others stay.

    Takes only records that come out of :meth:`Catalog.verified_for`, never bare UIDs. Checks,
    right before deleting, that UIDVALIDITY is unchanged and that each UID still names a
    message of the catalogued size and INTERNALDATE, before the cut-off; those no longer on
    the server (expunged by another client) are counted under ``Kept.VANISHED``. Without
    UIDPLUS it deletes nothing: a plain EXPUNGE would also remove other clients' \\Deleted
    messages. Where the server refuses deletion (an ACL without the rights to, or a NO to
    STORE or EXPUNGE) the messages stay under ``Kept.READ_ONLY``.
    """
    kept: Counter[Kept] = Counter()
    if not verified:
        return [], kept
    if not session.has_uidplus:
        kept[Kept.NO_UIDPLUS] += len(verified)
        log.warning(
            "Folder %s: the server lacks UIDPLUS; %d archived messages stay on it",
            folder,
            len(verified),
        )
        return [], kept
    uidvalidity = verified[0].uidvalidity
    if any(v.uidvalidity != uidvalidity for v in verified):
        raise ValueError("expunge_archived() takes messages of one UIDVALIDITY")
    try:
        session.require_uidvalidity(folder, uidvalidity)
    except UidValidityChanged as exc:
        log.warning("%s", exc)
        kept[Kept.UIDVALIDITY] += len(verified)
        return [], kept
    metas = session.fetch_meta([v.uid for v in verified])
    sure = []
    for message in verified:
        meta = metas.get(message.uid)
        if meta is None:  # another client expunged it since we planned: gone, not kept
            kept[Kept.VANISHED] += 1
        elif (
            meta.size == message.size
            and meta.internaldate == message.internaldate
            and message.internaldate < cutoff
        ):
            sure.append(message)
        else:
            kept[Kept.CHANGED] += 1
    if not sure:
        return [], kept
    rights = session.my_rights(folder)
    if rights is not None and not may_delete(rights):
        # Dovecot ignores a forbidden \Deleted flag silently: ask first, and say why.
        log.warning(
            "Folder %s: the server refuses deletion here (your rights: %s); %d archived "
            "messages stay on it",
            folder,
            rights or "none",
            len(sure),
        )
        kept[Kept.READ_ONLY] += len(sure)
        return [], kept
    uids = [m.uid for m in sure]
    refused = False
    try:
        session.add_deleted_flag(uids)
        session.uid_expunge(uids)
    except FolderError as exc:
        # Cyrus answers NO where the ACL forbids it. Whatever got the \Deleted flag is
        # archived and verified: nothing is lost if another client expunges it later.
        log.warning(
            "Folder %s: the server refuses deletion; %d archived messages stay on it (%s)",
            folder,
            len(uids),
            exc,
        )
        refused = True
    remaining = session.fetch_meta(uids)
    if remaining:
        kept[Kept.READ_ONLY if refused else Kept.NOT_EXPUNGED] += len(remaining)
    deleted = [m for m in sure if m.uid not in remaining]
    log.info("Folder %s: deleted %d archived messages from the server", folder, len(deleted))
    return deleted, kept


def may_delete(rights: str) -> bool:
    """Whether RFC 4314 *rights* let us flag messages \\Deleted ("t") and expunge them
    ("e"); RFC 2086's "d" stood for both."""
    return "d" in rights or {"t", "e"} <= set(rights)


def _settle_unfinished(plans: list[_FolderPlan]) -> None:
    """After a stop, count what the run did not reach, so the arithmetic still closes."""
    for plan in plans:
        plan.report.not_reached += len(plan.fetch_uids) - plan.handled
        plan.handled = len(plan.fetch_uids)
        if plan.delete_accounted < len(plan.to_delete):
            plan.report.kept[Kept.STOPPED] += len(plan.to_delete) - plan.delete_accounted
        plan.delete_accounted = len(plan.to_delete)


def run_archive(
    account: Account,
    password: Secret,
    archive_root: Path,
    options: ArchiveOptions,
    archive_format: str | None,
    default_format: str,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
    timeout: float = DEFAULT_TIMEOUT,
    index: bool = True,
    on_server_done: Callable[[ArchiveResult], None] | None = None,
) -> ArchiveResult:
    """Run one account's archive job: take the archive lock, connect, archive, log out, then
    let the search index catch up.

    The job is done for the user once the server is freed: *on_server_done* then gets the
    result (the faces show their summary at once; also after a cancel or a stopping error)
    and the indexer, which has indexed beside
    the archive all along, finishes what is left with its own progress. A cancel from then on
    stops only the indexing (``index_left`` says how much waits for the next search, archive
    or reindex); the run is not cancelled. With *index* false nothing is indexed now.

    Raises ArchiveLocked when another job holds the archive, CatalogMissing when its catalog
    is gone while message files remain, and ImapError when the account
    cannot be reached or logged in to; later problems are recorded in the result.
    """
    started = dt.datetime.now(dt.UTC)
    with archive_lock(archive_root):
        require_catalog(archive_root)
        # The catalog first, then the account's tree (its format marker): a run killed in
        # between must not leave a tree without a catalog, which the next run would take
        # for a lost catalog.
        with Catalog.open(archive_root) as catalog:
            chosen = resolve_format(
                archive_root,
                account.name,
                archive_format,
                default_format,
                remember=not options.dry_run,
            )
            store = open_store(chosen, archive_root, account.name)
            indexing = index and not options.dry_run
            indexer = (
                BackgroundIndexer(archive_root, account.name, limits_for(options.ocr))
                if indexing
                else None
            )
            result = _archive_with(
                account, password, timeout, store, catalog, options, indexer, report, cancel
            )
            if options.dry_run:
                return result
            # The run log holds the archive run, also when indexing is stopped or killed.
            record_run(archive_root, started, result.to_dict(with_index=False))
            if on_server_done is not None:
                on_server_done(result)
            unreadable: set[int] = set()  # files that failed their check: not "waiting"
            if indexer is not None:
                indexer.finish(report=report, cancel=cancel)
                result.indexed = indexer.result.indexed
                result.index_error = indexer.error
                unreadable.update(indexer.result.unreadable)
            result.index_left = len(set(catalog.unindexed(account.name)) - unreadable)
        return result


def _archive_with(
    account: Account,
    password: Secret,
    timeout: float,
    store: ArchiveStore,
    catalog: Catalog,
    options: ArchiveOptions,
    indexer: BackgroundIndexer | None,
    report: ProgressCallback,
    cancel: CancelToken,
) -> ArchiveResult:
    """Connect, archive the account with its indexer beside, and log out.

    The indexer goes on after a normal end (the caller finishes it); when archiving raises,
    it is finished here, so that it never outlives the job.
    """
    with open_session(account, password, timeout) as session:
        if indexer is not None:
            indexer.start()
        try:
            return archive_account(
                session,
                store,
                catalog,
                account.name,
                options,
                report=report,
                cancel=cancel,
                indexer=indexer,
            )
        except BaseException:
            if indexer is not None:
                indexer.finish(report=report, cancel=cancel)
            raise
