"""Keeping the Whoosh index in step with the catalog: open (or rebuild), add, reindex.

The index is derived data. The catalog's ``indexed`` column says which verified rows the
index holds; a row is marked only after the Whoosh commit that added it, so a crash leaves
rows to be indexed again (``update_document`` on the row id keeps that free of duplicates)
and never a row marked but missing. An index that is missing, of another schema version or
unreadable is recreated empty, its rows marked unindexed, and filled again: never fatal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage, ReadOnlyError
from whoosh.filedb.structfile import StructFile
from whoosh.index import FileIndex
from whoosh.util import random_name

from archiver.core.catalog import CATALOG_NAME, Catalog, Record
from archiver.core.errors import ArchiveLocked, ArchiveReadOnly, StoreError
from archiver.core.index import pool
from archiver.core.index.attachments_text import LIMITS, Limits, limits_for
from archiver.core.index.codec import MailCodec
from archiver.core.index.extract import MAX_INSIDE, Extracted, extract
from archiver.core.index.location import VERSION_FILE, index_dir, index_usable, version_ok
from archiver.core.index.schema import SCHEMA_VERSION, build_schema
from archiver.core.index.writer_processes import (
    MailMpWriter,
    can_start_workers,
    drop_writer,
    finish_workers,
)
from archiver.core.lock import archive_lock
from archiver.core.paths import make_private_dir, write_private_file
from archiver.core.progress import CancelToken, Progress, ProgressCallback
from archiver.core.store.reading import iter_message, read_message

log = logging.getLogger(__name__)

# Messages per commit when catching up into an index that holds some: bounds the work a
# cancel or a crash loses (a minute or two), with few enough commits and segments that the
# multi-process writer keeps its speed (at 2,000 a catch-up of 20,000 took 26 % longer).
COMMIT_EVERY = 10_000
PREVIEW_CHARS = 300
# Larger messages are thinned out before parsing (see indexable_bytes): Python's email parser
# holds about eight times a message's size, 400 MB for a 50 MB attachment.
THIN_ABOVE = 8 * 1024 * 1024
STRETCH_BYTES = 256 * 1024  # kept after each MIME boundary line: part headers, text start
# Memory a writer (and each of its worker processes) may use before spilling to disk.
WRITER_MB = 64
# Batches at least this big are worth the worker processes' start-up.
PARALLEL_MIN = 1000
# Catalog rows read at a time while filling an index.
CHUNK_READ = 500

FLAG_WORDS = {
    "\\seen": "seen",
    "\\flagged": "flagged",
    "\\answered": "answered",
    "\\draft": "draft",
    "\\deleted": "deleted",
    "$forwarded": "forwarded",
}


class WrittenFile(StructFile):
    """A file of the index that is only written, counting its position instead of asking.

    Whoosh asks a segment file for its position several times per term it writes, and
    Python's buffered file asks the system each time (an lseek): about 3 % of a writer
    process's CPU (docs/PERFORMANCE.md). Whoosh writes through write() and, straight to the
    wrapped file, write_pickle() and write_array(); those go through write() here
    (``is_real`` off is Whoosh's own path for that). close() compares the count with the
    file: a write that went around it fails the commit instead of leaving wrong offsets.
    """

    def __init__(self, fileobj: Any, name: str | None = None, onclose: Any = None) -> None:
        super().__init__(fileobj, name=name, onclose=onclose)
        self.is_real = False  # write_array writes through write()
        self._position: int = fileobj.tell()

    def write(self, data: Any) -> int:
        written: int = self.file.write(data)
        self._position += written
        return written

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        position: int = self.file.seek(offset, whence)
        self._position = position
        return position

    def write_pickle(self, obj: Any, protocol: int = -1) -> None:
        self.write(pickle.dumps(obj, protocol))

    def close(self) -> None:
        counted_wrong = not self.is_closed and self.file.tell() != self._position
        super().close()
        if counted_wrong:
            raise RuntimeError(f"Index file {self._name} was written past its position count")


class PrivateStorage(FileStorage):
    """Whoosh's file storage, creating every file readable by the user alone (0600).

    Whoosh opens files with the process umask; the index holds the archive's text, so it
    gets the archive's privacy. Files opened only for writing are WrittenFiles.
    """

    def create_file(self, name: str, excl: bool = False, mode: str = "wb", **kwargs: Any) -> Any:
        if self.readonly:
            raise ReadOnlyError
        flags = os.O_CREAT | os.O_RDWR | (os.O_EXCL if excl else os.O_TRUNC)
        fd = os.open(self._fpath(name), flags | getattr(os, "O_BINARY", 0), 0o600)
        kind = WrittenFile if mode == "wb" else StructFile
        return kind(os.fdopen(fd, mode), name=name, **kwargs)

    def lock(self, name: str) -> Any:
        os.close(os.open(self._fpath(name), os.O_CREAT | os.O_WRONLY, 0o600))
        return super().lock(name)

    def temp_storage(self, name: str | None = None) -> Any:
        path = os.path.join(self.folder, name or f"{random_name()}.tmp")
        return PrivateStorage(path).create()


def open_index(archive_root: Path, catalog: Catalog) -> FileIndex:
    """Open the index, recreating it empty (and the catalog's marks cleared) when unusable.

    Recreating writes, so callers hold the archive lock.
    """
    path = index_dir(archive_root)
    if path.exists() and version_ok(path):
        try:
            ix = PrivateStorage(str(path)).open_index()
            ix.doc_count()  # reads the table of contents and a segment list
            return ix
        except Exception as exc:  # any damage means: rebuild
            # Its text only: the exception's traceback holds the index's files open (whoosh
            # opens without closing on errors), and a log record that keeps the exception
            # (pytest's, the GUI's log view) would keep them open, which Windows cannot
            # delete (WinError 32).
            log.warning("The search index is unreadable (%s); rebuilding it.", str(exc))
    elif path.exists():
        log.info("The search index is of another version; rebuilding it.")
    return create_index(archive_root, catalog)


def create_index(archive_root: Path, catalog: Catalog) -> FileIndex:
    """Create an empty index (replacing any) and mark every catalog row unindexed."""
    path = index_dir(archive_root)
    if path.exists():
        shutil.rmtree(path)
    make_private_dir(path)
    catalog.forget_index()
    ix = PrivateStorage(str(path)).create_index(build_schema())
    write_private_file(path / VERSION_FILE, f"{SCHEMA_VERSION}\n".encode())
    return ix


def flag_words(flags: Sequence[str]) -> list[str]:
    """Return the ``is:`` words of IMAP flags: seen or unread, flagged, answered, ..."""
    lowered = [f.lower() for f in flags]
    words = [FLAG_WORDS.get(f, f.lstrip("\\$")) for f in lowered]
    return [*words, "unread"] if "\\seen" not in lowered else words


def _naive_utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when


def catalog_fields(record: Record) -> dict[str, Any]:
    """Return the fields the catalog alone provides (all a message gets if it cannot be read)."""
    fields: dict[str, Any] = {
        "id": str(record.id),
        "account": record.account,
        "folder": record.folder,
        "date": _naive_utc(record.internaldate),
        "size": record.size,
        "is": " ".join(flag_words(record.flags)),
    }
    if record.message_id:
        fields["msgid"] = record.message_id.strip("<>")
    return fields


def _inside_fields(content: Extracted) -> dict[str, Any]:
    """Return the fields of what the attachments say: their text, has: words, notes.

    The text goes both into ``inside`` (for ``inside:``) and, by the caller, into ``text``
    (ordinary searches): twice the postings for attachment text, but every ordinary query
    stays one field, as fast as before.
    """
    texts: list[str] = []
    room = MAX_INSIDE
    has: list[str] = []
    notes: list[str] = []
    for item in content.inside:
        if item.text and room > 0:
            texts.append(item.text[:room])
            room -= len(texts[-1])
        if item.unreadable:
            notes.append(f"{item.name}: {item.unreadable}")
            has.append("unreadable")
        elif item.partial:
            notes.append(f"{item.name}: {item.partial}")
            has.append("partial")
        if item.is_scan:
            has.append("scan")
    fields: dict[str, Any] = {}
    if texts:
        fields["inside"] = fields["inside_parts"] = "\n".join(texts)
    if notes:
        fields["unreadable"] = "\n".join(notes)
    if has:
        fields["has"] = " ".join(dict.fromkeys(has))
    return fields


def thinning_cut(record: Record) -> int | None:
    """Return where indexable_bytes cut the parts of *record*'s message (None: not thinned).

    Each part keeps STRETCH_BYTES after its boundary, its headers included; a part whose
    encoded content is this long may have been cut, so extract() reports it unread.
    """
    return STRETCH_BYTES - 4096 if record.size > THIN_ABOVE else None


def document(record: Record, data: bytes, limits: Limits = LIMITS) -> dict[str, Any]:
    """Return the index document of a message: catalog fields and what its content says.

    *data* is what indexable_bytes returned: a message over THIN_ABOVE was thinned, and the
    attachments the thinning cut are recorded as unreadable. Each attachment is read within
    *limits* (with OCR if they say so).
    """
    fields = catalog_fields(record)
    content = extract(data, cut_at=thinning_cut(record), limits=limits)
    if content.date is not None:
        fields["date"] = content.date
    inside = _inside_fields(content)
    text = "\n".join(
        [
            content.subject,
            content.from_,
            content.to,
            content.cc,
            content.body,
            *content.attachments,
            inside.get("inside", ""),
        ]
    )
    fields |= {
        "subject": content.subject,
        "subject_parts": content.subject,
        "text": text,
        "text_parts": text,
        "text_grams": text,
        "from": content.from_,
        "to": content.to,
        "cc": content.cc,
        "preview": " ".join(content.body[: PREVIEW_CHARS * 2].split())[:PREVIEW_CHARS],
    }
    if content.attachments:
        fields["attachment"] = "\n".join(content.attachments)
        inside["has"] = " ".join(["attachment", inside.get("has", "")]).strip()
    fields |= inside
    if content.message_id:
        fields["msgid"] = content.message_id
    return {k: v for k, v in fields.items() if v != ""}


def indexable_bytes(archive_root: Path, record: Record, thin_above: int = THIN_ABOVE) -> bytes:
    """Return the message's bytes to index, checked against the catalog like read_message.

    A message over *thin_above* bytes is thinned out as it is read, so that parsing it takes
    bounded memory: every line starting with ``--`` (MIME boundaries) is kept, and of the
    lines between two of them the first STRETCH_BYTES; that holds every part's headers (so
    attachment names) and the start of every text, while the bulk of a big attachment's
    base64 is left out. Raises StoreError when the stored message is missing or altered.
    """
    if record.size <= thin_above:
        return read_message(archive_root, record)
    digest, length = hashlib.sha256(), 0
    kept: list[bytes] = []
    stretch = 0
    unended = b""  # the start of a line whose end has not been read yet
    for piece in iter_message(archive_root, record.location, record.size):
        digest.update(piece)
        length += len(piece)
        *complete, rest = (unended + piece).split(b"\n")
        for line in complete:
            if line.startswith(b"--"):
                stretch = 0
            if stretch < STRETCH_BYTES:
                kept.append(line + b"\n")
            stretch += len(line) + 1
        # A line without end is cut, not held whole.
        unended = rest[: STRETCH_BYTES + 2]
    kept.append(unended)
    if length != record.size or digest.hexdigest() != record.sha256:
        raise StoreError(
            f"Message {record.id} in {record.location.path} differs from what was archived "
            "(size or SHA-256): the archive file was changed or damaged."
        )
    return b"".join(kept)


def open_writer(ix: FileIndex, **options: Any) -> Any:
    """Return a writer of separate segment files, memory bounded by WRITER_MB (per process).

    Not Whoosh's default compound segment file: a reader opens each part of one of those by
    copying it from the memory map into a BytesIO, which at 100,000 messages cost every
    search process hundreds of megabytes and most of a second. Postings are sorted in
    ChunkedPostingPool and written by MailCodec, whose document numbers a search reads
    without their positions. With *procs* (see _parallel) the multi-process writer.
    """
    pool.install()
    settings = {"limitmb": WRITER_MB, "compound": False, "codec": MailCodec(), **options}
    if options.get("procs", 1) > 1:
        return MailMpWriter(ix, **settings)
    return ix.writer(**settings)


def _parallel(count: int, *, fork_safe: bool = False, minimum: int | None = None) -> dict[str, Any]:
    """Writer options: the multi-process writer for big batches where it may start workers
    (see writer_processes.can_start_workers; *fork_safe* as there)."""
    cores = os.cpu_count() or 1
    if count < (PARALLEL_MIN if minimum is None else minimum) or cores < 2:
        return {}
    if not can_start_workers(fork_safe=fork_safe):
        return {}
    return {"procs": min(cores, 4), "multisegment": True}


@dataclass(slots=True)
class IndexReport:
    """What an indexing pass did: messages indexed, indexed only partly, or not at all."""

    indexed: int = 0
    partial: int = 0  # content unreadable as mail: indexed from the catalog alone
    unreadable: list[int] = field(default_factory=list)  # file missing or altered: row ids

    def add(self, other: IndexReport) -> None:
        """Add another pass's counts to this one."""
        self.indexed += other.indexed
        self.partial += other.partial
        self.unreadable += other.unreadable


def _index_one(
    writer: Any,
    archive_root: Path,
    record: Record,
    result: IndexReport,
    *,
    replace: bool = True,
    limits: Limits = LIMITS,
) -> bool:
    """Give the writer one message's document; return False if its file is unreadable.

    With *replace*, a document of the same id (left by a crash before marking) is replaced.
    """
    try:
        data = indexable_bytes(archive_root, record)
    except StoreError as exc:
        log.warning("Not indexed: %s", exc)
        result.unreadable.append(record.id)
        return False
    try:
        doc = document(record, data, limits)
    except Exception:  # a message our parser cannot take must not stop the rest
        log.warning(
            "Message %d (%s in %s) could not be read as mail; indexed without its content.",
            record.id,
            record.account,
            record.folder,
            exc_info=True,
        )
        doc = catalog_fields(record)
        result.partial += 1
    if replace:
        writer.update_document(**doc)
    else:
        writer.add_document(**doc)
    return True


def index_records(
    ix: FileIndex,
    archive_root: Path,
    catalog: Catalog,
    records: Sequence[Record],
    *,
    replace: bool = True,
    limits: Limits = LIMITS,
    until: Callable[[], bool] | None = None,
) -> IndexReport:
    """Add *records* to the index in one commit, then mark them indexed in the catalog.

    *replace* False is for callers that know the index holds none of them: adding is then
    cheaper than replacing, which looks each id up in every segment. Once *until* returns
    True the rest of *records* is left out (unindexed) and what was added is committed.
    """
    result = IndexReport()
    done: list[int] = []
    writer = open_writer(ix)
    try:
        for record in records:
            if until is not None and until():
                break
            if _index_one(writer, archive_root, record, result, replace=replace, limits=limits):
                done.append(record.id)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    catalog.mark_indexed(done)
    result.indexed = len(done)
    return result


def index_all(
    ix: FileIndex,
    archive_root: Path,
    catalog: Catalog,
    ids: Sequence[int],
    *,
    replace: bool,
    report: ProgressCallback,
    cancel: CancelToken,
    limits: Limits = LIMITS,
    fork_safe: bool = False,
    parallel_min: int | None = None,
) -> IndexReport:
    """Index *ids* with one writer and one commit, on every core where that is safe.

    The fast path of a rebuild, and of the archive job's indexer once the server is freed:
    the multi-process writer's workers start once (see _parallel; *fork_safe* and
    *parallel_min* as there), and the commit merges earlier segments at most once, where
    commits in batches merged them again at each commit (twice as slow at 20,000 messages).
    *replace* False adds without looking for older copies, for an index known to hold none.
    Memory stays bounded: each writer spills to disk beyond WRITER_MB.

    A cancel drops the writer at once (drop_writer) rather than waiting for a commit: the
    catalog's marks stay untouched, so the next run indexes these messages again.
    """
    cancel.raise_if_cancelled()
    result = IndexReport()
    done: list[int] = []
    report(Progress(0, len(ids), "Indexing"))
    options = _parallel(len(ids), fork_safe=fork_safe, minimum=parallel_min)
    if options:
        log.info("Indexing %d messages with %d worker processes.", len(ids), options["procs"])
    writer = open_writer(ix, **options)
    try:
        for start in range(0, len(ids), CHUNK_READ):
            chunk = ids[start : start + CHUNK_READ]
            records = catalog.get(chunk)
            for row_id in chunk:
                cancel.raise_if_cancelled()
                if _index_one(
                    writer, archive_root, records[row_id], result, replace=replace, limits=limits
                ):
                    done.append(row_id)
            report(Progress(start + len(chunk), len(ids), "Indexing"))
        report(Progress(len(ids), len(ids), "Indexing: writing the index"))
        writer.commit()
    except BaseException:
        drop_writer(writer)
        raise
    finish_workers(writer)
    catalog.mark_indexed(done)
    result.indexed = len(done)
    return result


def update_index(
    archive_root: Path,
    catalog: Catalog,
    *,
    account: str | None = None,
    report: ProgressCallback,
    cancel: CancelToken,
    limits: Limits = LIMITS,
) -> IndexReport:
    """Index every verified message the index lacks (all of them after a rebuild).

    Call with the archive lock held. Into an empty index everything goes in one commit;
    into one that holds some, in commits of COMMIT_EVERY, replacing any document a crash
    left behind, so a cancel or a crash loses at most one commit's work. Each commit is
    index_all's: on every core where that is safe (the command line), and a cancel stops at
    once.
    """
    ix = open_index(archive_root, catalog)
    try:
        ids = catalog.unindexed(account)
        empty = ix.doc_count_all() == 0
        step = max(len(ids), 1) if empty else COMMIT_EVERY
        total = IndexReport()
        report(Progress(0, len(ids), "Indexing"))
        for start in range(0, len(ids), step):
            total.add(
                index_all(
                    ix,
                    archive_root,
                    catalog,
                    ids[start : start + step],
                    replace=not empty,
                    report=partial(_progress_of_all, report, start, len(ids)),
                    cancel=cancel,
                    limits=limits,
                )
            )
        return total
    finally:
        ix.close()


def _progress_of_all(report: ProgressCallback, before: int, total: int, progress: Progress) -> None:
    """Report one commit's progress (index_all's) as part of the whole catch-up."""
    report(Progress(before + progress.done, total, progress.message))


def catch_up_index(
    archive_root: Path,
    catalog: Catalog,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
    yielding: bool = False,
    limits: Limits = LIMITS,
) -> bool:
    """Index what the index lacks (after a crash, a deleted or damaged index) before a search.

    Does nothing when the index holds every verified message. Returns False when an archive
    job holds the archive (it indexes as it goes) or the archive is read-only: the search
    then sees what is indexed so far, and the caller may try again later. Cancellation stops
    at a safe point (see update_index). In the app it holds the archive *yielding*: a job the
    user starts meanwhile waits for it rather than failing (see lock.YIELDING).
    """
    if not catalog.unindexed() and index_usable(archive_root):
        return True
    try:
        with archive_lock(archive_root, yielding=yielding, wait=False):
            update_index(archive_root, catalog, report=report, cancel=cancel, limits=limits)
    except ArchiveLocked:
        log.info("An archive job is running; searching what is indexed so far.")
        return False
    except ArchiveReadOnly:
        log.info("The archive is read-only; searching what is indexed.")
        return False
    return True


def catch_up_archive(
    archive_root: Path,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
    ocr: bool = False,
) -> bool:
    """Index what the archive's index lacks, as a job of its own: at the app's start, after a
    run whose indexing was stopped or left for later.

    Returns False when it could not (see catch_up_index); an archive without a catalog has
    nothing to index. It holds the archive as a yielding holder: its caller (the app) stops
    it when the user starts a job, which waits for it meanwhile. *ocr* is the user's setting
    (scans are read by OCR where Tesseract can run).
    """
    if not (archive_root / CATALOG_NAME).exists():
        return True
    with Catalog.open(archive_root) as catalog:
        return catch_up_index(
            archive_root,
            catalog,
            report=report,
            cancel=cancel,
            yielding=True,
            limits=limits_for(ocr),
        )


def reindex(
    archive_root: Path,
    catalog: Catalog,
    *,
    account: str | None = None,
    report: ProgressCallback,
    cancel: CancelToken,
    limits: Limits = LIMITS,
) -> IndexReport:
    """Rebuild the index from the archive files and the catalog (one account's part, or all).

    *limits* bound reading each attachment; ``Limits(ocr=True)`` reads scans by OCR.
    """
    if account is None:
        create_index(archive_root, catalog).close()
    else:
        ix = open_index(archive_root, catalog)
        try:
            with open_writer(ix) as writer:
                writer.delete_by_term("account", account.lower())
        finally:
            ix.close()
        catalog.forget_index(account)
    return update_index(
        archive_root, catalog, account=account, report=report, cancel=cancel, limits=limits
    )
