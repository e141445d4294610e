"""The restore job: put archived messages back on an IMAP server, exactly, and verify them.

Per message: read the stored bytes and check them against the catalog (size and SHA-256) →
look for the message's copy in the target folder and skip the message unless forced → APPEND
the bytes with the original flags (never \\Recent) and INTERNALDATE → fetch the server's
copy back, found by its APPENDUID where the server has UIDPLUS and by searching otherwise,
and compare SHA-256 → record the restore in the catalog. A message with bare LF line ends
(imported from a Unix mbox file or Maildir) is sent in CRLF form, as IMAP carries mail, and
its copy on the server is compared with that form.

Idempotence is per catalog row: a row's copy is first the one its own recorded restore put
in the folder (the ``restores`` table), if that UID is still there. A copy a restore put
back for another row never counts, even with the same bytes: two rows of one message
(archived from two folders, or twice from one with other flags or dates) each come back
once, with their own flags and INTERNALDATE. Only messages no restore put there (the server
had them, or an APPEND whose answer was lost) are compared by content, and each such message
stands for one row only. A copy by content is a message of the same size whose bytes have the
same SHA-256; where the message has a Message-ID, only messages with the same one are
fetched to compare. Message-ID and size alone do not decide: two different messages can
share both (the shared test corpus holds such a pair), and skipping one of them would leave
it off the server.

Nothing is ever deleted, locally or on the server: the archive keeps its copy, so a stopped
restore (Ctrl-C, over quota, a lost connection) loses nothing, and running it again skips
what already arrived instead of storing it twice.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import logging
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archiver.core.accounts import Account
from archiver.core.catalog import Catalog, Record, State
from archiver.core.errors import AppendRefused, ArchiverError, FolderError, ImapError, StoreError
from archiver.core.imap import (
    DEFAULT_TIMEOUT,
    AppendUid,
    FetchedMessage,
    ImapSession,
    MessageMeta,
    NamespaceKind,
    WantedMessage,
    open_session,
)
from archiver.core.lock import archive_lock
from archiver.core.message import imap_form
from archiver.core.progress import Cancelled, CancelToken, Progress, ProgressCallback
from archiver.core.secrets import Secret
from archiver.core.store.reading import read_message

log = logging.getLogger(__name__)

SPOOL_NAME = ".restore-spool"  # large messages fetched back for verification


class Outcome(enum.Enum):
    """What happened to one message of a restore (the values appear in reports)."""

    RESTORED = "restored"  # appended, fetched back identical, recorded in the catalog
    ALREADY = "already there"  # a copy was in the target folder; nothing appended
    WOULD_RESTORE = "would restore"  # dry run
    FAILED = "failed"  # see the note; the archive keeps the message
    NOT_REACHED = "not reached"  # the run stopped first; run again to finish


@dataclass(frozen=True, slots=True)
class RestoreOptions:
    """Where messages go and how.

    ``to_account`` / ``to_folder``: instead of each message's own account and folder.
    ``force``: append even when a copy is already in the target folder.
    """

    to_account: str | None = None
    to_folder: str | None = None
    dry_run: bool = False
    force: bool = False

    def target(self, record: Record) -> tuple[str, str]:
        """Return the (account, folder) *record* is restored into."""
        return self.to_account or record.account, self.to_folder or record.folder


@dataclass(frozen=True, slots=True)
class Login:
    """What it takes to log in to one target account."""

    account: Account
    password: Secret


@dataclass(frozen=True, slots=True)
class RestoreItem:
    """The outcome for one message; ``account`` and ``folder`` are where it was restored to.

    ``uid`` is the server's copy (restored, or found already there); ``note`` says why a
    message failed, or what the server kept differently from the archive (flags, date).
    """

    id: int
    account: str
    folder: str
    size: int
    outcome: Outcome
    uid: int | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the item as JSON values."""
        return {
            "id": self.id,
            "account": self.account,
            "folder": self.folder,
            "size": self.size,
            "outcome": self.outcome.value,
            "uid": self.uid,
            "note": self.note,
        }


@dataclass
class RestoreResult:
    """The outcome of one restore run: one item per message, in the order worked through.

    ``errors`` holds what stopped an account (over quota, connection lost, login failed);
    that account's remaining messages are ``not reached``.
    """

    dry_run: bool
    items: list[RestoreItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False

    def count(self, outcome: Outcome) -> int:
        """Return how many messages had *outcome*."""
        return sum(1 for item in self.items if item.outcome is outcome)

    @property
    def bytes_restored(self) -> int:
        """Bytes appended and verified in this run."""
        return sum(i.size for i in self.items if i.outcome is Outcome.RESTORED)

    @property
    def ok(self) -> bool:
        """Whether every message is restored (or already there) and the run was not stopped."""
        unfinished = self.count(Outcome.FAILED) + self.count(Outcome.NOT_REACHED)
        return not (self.errors or self.cancelled or unfinished)

    def to_dict(self) -> dict[str, object]:
        """Return the summary as JSON values."""
        return {
            "dry_run": self.dry_run,
            **{o.name.lower(): self.count(o) for o in Outcome},
            "bytes_restored": self.bytes_restored,
            "cancelled": self.cancelled,
            "errors": self.errors,
            "ok": self.ok,
            "messages": [item.to_dict() for item in self.items],
        }


@dataclass
class _FolderCopies:
    """Which messages of the target folder stand for which catalog rows (see the module
    docstring): ``mine`` maps a row to the UIDs its recorded restores put there; ``taken``
    holds every UID that already stands for a row, restored by us or matched by content."""

    mine: dict[int, list[int]] = field(default_factory=dict)
    taken: set[int] = field(default_factory=set)

    def add(self, record: Record, uid: int) -> None:
        """Remember that *uid* is now *record*'s copy."""
        self.mine.setdefault(record.id, []).append(uid)
        self.taken.add(uid)


class _Tally:
    """Counts finished messages and bytes across accounts, and reports them."""

    def __init__(self, report: ProgressCallback, records: Sequence[Record]) -> None:
        self.report = report
        self.total = len(records)
        self.total_bytes = sum(r.size for r in records)
        self.done = self.bytes_done = 0

    def step(self, record: Record, where: str) -> None:
        self.done += 1
        self.bytes_done += record.size
        self.report(Progress(self.done, self.total, where, self.bytes_done, self.total_bytes))


def run_restore(
    records: Sequence[Record],
    archive_root: Path,
    logins: Mapping[str, Login],
    options: RestoreOptions,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
    timeout: float = DEFAULT_TIMEOUT,
) -> RestoreResult:
    """Restore *records* (catalog rows of *archive_root*) to their servers.

    Each message goes to its own account unless ``options.to_account``; *logins* holds, by
    account name, every target account. Accounts are worked through one after the other,
    and within an account folder by folder. Takes the archive lock (ArchiveLocked when
    another job holds it); raises ArchiverError when a target account has no login. A
    problem that stops an account (over quota, lost connection, failed login) is recorded
    in the result and the next account goes on; cancellation stops between two messages.
    """
    unique = list({record.id: record for record in records}.values())
    by_account: dict[str, list[Record]] = {}
    for record in unique:
        by_account.setdefault(options.target(record)[0], []).append(record)
    missing = sorted(set(by_account) - set(logins))
    if missing:
        raise ArchiverError(f"No login given for account {', '.join(missing)}.")
    result = RestoreResult(options.dry_run)
    outcomes: dict[int, RestoreItem] = {}
    tally = _Tally(report, unique)
    spool = archive_root / SPOOL_NAME
    with archive_lock(archive_root), Catalog.open(archive_root) as catalog:
        try:
            for name, batch in by_account.items():
                cancel.raise_if_cancelled()
                login = logins[name]
                try:
                    with open_session(login.account, login.password, timeout) as session:
                        restore = _Restorer(session, catalog, archive_root, options, spool)
                        restore.restore_account(batch, outcomes, tally, cancel)
                except ImapError as exc:
                    log.error("Account %s: restore stopped: %s", name, exc)
                    result.errors.append(str(exc))
        except Cancelled:
            log.info("Restore cancelled")
            result.cancelled = True
        finally:
            shutil.rmtree(spool, ignore_errors=True)
    for record in unique:
        account, folder = options.target(record)
        result.items.append(
            outcomes.get(record.id)
            or RestoreItem(record.id, account, folder, record.size, Outcome.NOT_REACHED)
        )
    return result


def _folder_key(name: str) -> str:
    return "INBOX" if name.upper() == "INBOX" else name


class _Restorer:
    """Restores messages into one account, over one session."""

    def __init__(
        self,
        session: ImapSession,
        catalog: Catalog,
        archive_root: Path,
        options: RestoreOptions,
        spool: Path,
    ) -> None:
        self.session = session
        self.catalog = catalog
        self.archive_root = archive_root
        self.options = options
        self.spool = spool
        self.name = session.account.name

    def restore_account(
        self,
        records: list[Record],
        outcomes: dict[int, RestoreItem],
        tally: _Tally,
        cancel: CancelToken,
    ) -> None:
        """Restore *records* folder by folder; a refused folder fails only its own messages.

        Errors that concern the whole account (QuotaExceeded, a lost connection) propagate,
        after the message in flight was recorded as failed.
        """
        listed = self.session.list_folders()
        known = {_folder_key(f.name) for f in listed}
        personal = next(
            (n for n in self.session.namespaces() if n.kind is NamespaceKind.PERSONAL), None
        )
        inbox = next((f for f in listed if f.name.upper() == "INBOX"), None)
        delimiter = inbox.delimiter if inbox is not None else None
        if personal is not None:
            delimiter = personal.delimiter or delimiter
        prefix = personal.prefix if personal is not None else ""
        by_folder: dict[str, list[Record]] = {}
        for record in records:
            folder = self.options.target(record)[1]
            if record.uidvalidity == 0 and not self.options.to_folder:
                folder = server_folder(folder, delimiter, prefix)
            by_folder.setdefault(folder, []).append(record)
        for folder, batch in by_folder.items():
            cancel.raise_if_cancelled()
            try:
                self._folder(folder, batch, known, outcomes, tally, cancel)
            except FolderError as exc:  # CREATE or SELECT refused, or the folder vanished
                log.warning("%s", exc)
                for record in batch:
                    if record.id not in outcomes:
                        outcomes[record.id] = self._item(
                            record, folder, Outcome.FAILED, None, str(exc)
                        )
                        tally.step(record, folder)

    def _folder(
        self,
        folder: str,
        records: list[Record],
        known: set[str],
        outcomes: dict[int, RestoreItem],
        tally: _Tally,
        cancel: CancelToken,
    ) -> None:
        exists = _folder_key(folder) in known
        if not exists and not self.options.dry_run:
            self.session.create_folder(folder)
            known.add(_folder_key(folder))
            exists = True
            log.info("Account %s: created folder %s", self.name, folder)
            try:
                self.session.subscribe(folder)
            except FolderError as exc:  # the folder is there; clients may just not list it
                log.warning("%s (the folder was created; the restore goes on)", exc)
        copies = _FolderCopies()
        if exists:
            state = self.session.select(folder, readonly=True)
            copies = self._copies(folder, state.uidvalidity, records)
        for record in records:
            cancel.raise_if_cancelled()  # a safe point: between two messages
            try:
                outcomes[record.id] = self._message(folder, record, exists, copies)
            except ImapError as exc:
                outcomes[record.id] = self._item(record, folder, Outcome.FAILED, None, str(exc))
                raise
            finally:
                tally.step(record, folder)

    def _copies(self, folder: str, uidvalidity: int, records: list[Record]) -> _FolderCopies:
        """Return what the restores table says about *folder* as it is now (its UIDVALIDITY)."""
        copies = _FolderCopies(taken=self.catalog.restored_uids(self.name, folder, uidvalidity))
        for message, restores in self.catalog.restores([r.id for r in records]).items():
            for restore in restores:
                if (restore.account, restore.folder, restore.uidvalidity) == (
                    self.name,
                    folder,
                    uidvalidity,
                ):
                    copies.mine.setdefault(message, []).append(restore.uid)
        return copies

    def _item(
        self, record: Record, folder: str, outcome: Outcome, uid: int | None, note: str | None
    ) -> RestoreItem:
        return RestoreItem(record.id, self.name, folder, record.size, outcome, uid, note)

    def _message(
        self, folder: str, record: Record, folder_exists: bool, copies: _FolderCopies
    ) -> RestoreItem:
        """Restore one message into the selected *folder* (in a dry run: say what would be)."""

        def item(outcome: Outcome, uid: int | None = None, note: str | None = None) -> RestoreItem:
            return self._item(record, folder, outcome, uid, note)

        if record.state is not State.VERIFIED:
            return item(Outcome.FAILED, note="not verified in the archive yet; run archive again")
        try:
            data = read_message(self.archive_root, record)  # never restore unverified bytes
        except StoreError as exc:
            log.error("%s", exc)
            return item(Outcome.FAILED, note=str(exc))
        wire = imap_form(data)
        if wire is not data:
            # Imported with bare LF line ends: the server holds, and gives back, the CRLF
            # form; the copy found or fetched back is compared with that.
            data = wire
            record = dataclasses.replace(
                record, sha256=hashlib.sha256(wire).hexdigest(), size=len(wire)
            )
        before = self.session.search_size(record.size) if folder_exists else []
        if not self.options.force:
            uid = self._copy_of(record, before, copies)
            if uid is not None:
                return item(Outcome.ALREADY, uid)
        if self.options.dry_run:
            return item(
                Outcome.WOULD_RESTORE,
                note=None if folder_exists else "the folder would be created",
            )
        flags = [f for f in record.flags if f.lower() != "\\recent"]
        try:
            appended = self.session.append(folder, data, flags, record.internaldate)
        except AppendRefused as exc:
            log.warning("%s", exc)
            return item(Outcome.FAILED, note=str(exc))
        return self._verify(folder, record, appended, before, copies)

    def _copy_of(self, record: Record, before: list[int], copies: _FolderCopies) -> int | None:
        """Return the UID of *record*'s copy among *before* (the folder's messages of its size).

        Its own restore's copy, where one is still there; else a message no restore put
        there and no other row claimed, with the same bytes, which then stands for this row.
        """
        present = set(before)
        own = [uid for uid in copies.mine.get(record.id, ()) if uid in present]
        if own:
            return own[0]  # UIDs are never reused within a UIDVALIDITY: still the same bytes
        twin = self._find_copy(record, [uid for uid in before if uid not in copies.taken])
        if twin is None:
            return None
        copies.taken.add(twin.uid)
        return twin.uid

    def _verify(
        self,
        folder: str,
        record: Record,
        appended: AppendUid | None,
        before: list[int],
        copies: _FolderCopies,
    ) -> RestoreItem:
        """Find the appended copy, compare its SHA-256, record the restore."""
        state = self.session.select(folder, readonly=True)  # a fresh view holds the new message
        if appended is not None and appended.uidvalidity == state.uidvalidity:
            copy = self._identical(record, [appended.uid])
        else:
            # No UIDPLUS: the new message is among those of its size that were not there before.
            fresh = sorted(set(self.session.search_size(record.size)) - set(before))
            copy = self._find_copy(record, fresh)
        if copy is None:
            note = (
                "appended, but no identical copy could be fetched back (the server changed "
                "it, or it vanished); check the folder. The archive keeps its copy."
            )
            log.error("Account %s, folder %s, message %d: %s", self.name, folder, record.id, note)
            return self._item(record, folder, Outcome.FAILED, None, note)
        self.catalog.add_restore(record.id, self.name, folder, state.uidvalidity, copy.uid)
        copies.add(record, copy.uid)
        differences = _differences(record, copy)
        if differences is not None:
            log.warning(
                "Account %s, folder %s, UID %d: %s", self.name, folder, copy.uid, differences
            )
        return self._item(record, folder, Outcome.RESTORED, copy.uid, differences)

    def _find_copy(self, record: Record, candidates: list[int]) -> MessageMeta | None:
        """Return the first of *candidates* (messages of the record's size) whose bytes equal
        the record's. Where the message has a Message-ID, only those with the same one are
        fetched to compare: two different messages can share Message-ID and size."""
        if candidates and record.message_id is not None:
            ids = self.session.fetch_message_ids(candidates)
            candidates = [uid for uid in candidates if ids.get(uid) == record.message_id]
        return self._identical(record, candidates)

    def _identical(self, record: Record, uids: list[int]) -> MessageMeta | None:
        """Fetch *uids* of the selected folder; return the first whose bytes equal *record*'s."""
        wanted = [WantedMessage(uid, record.size) for uid in uids]
        for batch in self.session.fetch_bodies(wanted, self.spool):
            match = None
            for fetched in batch:
                if not isinstance(fetched, FetchedMessage):
                    continue  # vanished or refused: not a copy we can vouch for
                if fetched.spool is not None:
                    fetched.spool.unlink(missing_ok=True)
                if match is None and (fetched.sha256, fetched.length) == (
                    record.sha256,
                    record.size,
                ):
                    match = fetched.meta
            if match is not None:
                return match
        return None


def server_folder(folder: str, delimiter: str | None, prefix: str) -> str:
    """Return the server's name for a folder the archive named itself: imported mail's
    (``Imported/Local Folders/Inbox``) and rows verify rebuilt from files, whose UIDVALIDITY
    is 0. Their parts are joined with ``/``; on the server they are joined with its
    delimiter (a delimiter inside a part becomes ``_``) below its personal namespace's
    prefix (``INBOX.`` on some servers)."""
    if folder.upper() == "INBOX":
        return folder
    if delimiter is not None and delimiter != "/":
        folder = delimiter.join(part.replace(delimiter, "_") for part in folder.split("/"))
    if prefix and not folder.startswith(prefix):
        folder = prefix + folder
    return folder


def _differences(record: Record, copy: MessageMeta) -> str | None:
    """Say where the server's copy differs from the archive in flags or INTERNALDATE."""
    notes = []
    wanted = {f.casefold() for f in record.flags if f.lower() != "\\recent"}
    if {f.casefold() for f in copy.flags} != wanted:
        notes.append(
            f"the server kept flags ({' '.join(copy.flags)}) instead of ({' '.join(record.flags)})"
        )
    if copy.internaldate != record.internaldate:
        notes.append(
            f"the server kept INTERNALDATE {copy.internaldate.isoformat()} instead of "
            f"{record.internaldate.isoformat()}"
        )
    return "; ".join(notes) or None
