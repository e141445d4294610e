"""Export archived messages: into one mboxrd file, or as one ``.eml`` file per message.

Both carry each message's exact stored bytes (CRLF line ends kept), read back and checked
against the catalog (size and SHA-256) before anything is written; a message whose archive
copy is damaged is reported and left out. Exports only read the archive, so they take no
archive lock; every file they create is readable by the user only (0600).

mbox: mboxrd as the archive writes it (``From MAILER-DAEMON <date>`` lines, a line matching
``>*From `` gets one more ``>``), which mutt, Thunderbird and Python's ``mailbox`` open. It is
written to a temporary file beside the target and renamed into place once complete, so a
stopped export leaves no partial mbox behind.

.eml: ``<INTERNALDATE>_<catalog id>_<subject>.eml``, safe on Windows as on Unix; the catalog
id makes names unique. A file of that name with the same bytes counts as exported already,
so a stopped export continues where it stopped.
"""

from __future__ import annotations

import email.errors
import email.header
import errno
import hashlib
import io
import itertools
import logging
import os
import re
import stat
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from archiver.core.catalog import Record, State
from archiver.core.errors import ExportError, StoreError
from archiver.core.message import header_block
from archiver.core.paths import make_private_dir, replace_file
from archiver.core.progress import Cancelled, CancelToken, Progress, ProgressCallback
from archiver.core.store.base import READ_CHUNK, fsync_dir
from archiver.core.store.mbox import quote, separator
from archiver.core.store.reading import read_message

log = logging.getLogger(__name__)

SUBJECT_CHARS = 60  # of the subject in an .eml file name
SUBJECT_BYTES = 150  # UTF-8 bytes, so the whole name stays well below 255 bytes
UNSAFE_IN_NAMES = frozenset('<>:"/\\|?*')  # not allowed in Windows file names
O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
# A Subject field and its continuation lines; the field name is case-insensitive.
SUBJECT = re.compile(rb"^subject[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True, slots=True)
class ExportFailure:
    """A message left out of the export, and why."""

    id: int
    reason: str


@dataclass
class ExportResult:
    """The outcome of one export.

    ``already``: .eml files an earlier export wrote with the same bytes. A cancelled mbox
    export writes nothing, so it reports nothing exported.
    """

    target: str
    format: str  # "mbox" or "eml"
    exported: int = 0
    already: int = 0
    bytes: int = 0
    failures: list[ExportFailure] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        """Whether every message was exported and the run was not cancelled."""
        return not self.failures and not self.cancelled

    def to_dict(self) -> dict[str, object]:
        """Return the summary as JSON values."""
        return {
            "target": self.target,
            "format": self.format,
            "exported": self.exported,
            "already": self.already,
            "bytes": self.bytes,
            "failed": len(self.failures),
            "failures": [{"id": f.id, "reason": f.reason} for f in self.failures],
            "cancelled": self.cancelled,
            "ok": self.ok,
        }


def export_mbox(
    records: Sequence[Record],
    archive_root: Path,
    path: Path,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> ExportResult:
    """Write *records* into the new mboxrd file *path*, in the order given.

    Raises ExportError when *path* exists and is not empty, or cannot be written (the
    partial file is then removed). Cancellation removes the partial file too.
    """
    _check_mbox_target(path)
    result = ExportResult(str(path), "mbox")
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise _export_error(exc, path) from exc
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            for done, record in enumerate(records, 1):
                cancel.raise_if_cancelled()
                data = _read(archive_root, record, result)
                if data is not None:
                    out.write(_from_line(record))
                    quote(io.BytesIO(data), out)
                    out.write(separator(data[-2:]))
                    result.exported += 1
                    result.bytes += len(data)
                report(Progress(done, len(records), path.name, result.bytes, _total(records)))
            out.flush()
            os.fsync(out.fileno())
        _check_mbox_target(path)  # nobody wrote it meanwhile: never replace another's mbox
        replace_file(temp, path)
        fsync_dir(path.parent)
    except Cancelled:
        temp.unlink(missing_ok=True)
        log.info("Export to %s cancelled; nothing was written", path)
        result.cancelled = True
        result.exported = result.bytes = 0
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise _export_error(exc, path) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return result


def export_eml(
    records: Sequence[Record],
    archive_root: Path,
    directory: Path,
    *,
    report: ProgressCallback,
    cancel: CancelToken,
) -> ExportResult:
    """Write each of *records* as an .eml file into *directory* (created when missing).

    Raises ExportError when *directory* is not a writable folder or a file cannot be
    written. Cancellation stops between two files; the files written are complete.
    """
    _prepare_directory(directory)
    result = ExportResult(str(directory), "eml")
    try:
        for done, record in enumerate(records, 1):
            cancel.raise_if_cancelled()
            data = _read(archive_root, record, result)
            if data is not None:
                if _write_eml(directory, record, data):
                    result.exported += 1
                    result.bytes += len(data)
                else:
                    result.already += 1
            report(Progress(done, len(records), directory.name, result.bytes, _total(records)))
        fsync_dir(directory)
    except Cancelled:
        log.info("Export to %s cancelled", directory)
        result.cancelled = True
    except OSError as exc:
        raise _export_error(exc, directory) from exc
    return result


def _total(records: Sequence[Record]) -> int:
    return sum(r.size for r in records)


def _read(archive_root: Path, record: Record, result: ExportResult) -> bytes | None:
    """Return the message's verified bytes, or record why it is left out."""
    if record.state is not State.VERIFIED:
        reason = "not verified in the archive yet; run archive again"
    else:
        try:
            return read_message(archive_root, record)
        except StoreError as exc:
            reason = str(exc)
    log.error("Message %d is left out of the export: %s", record.id, reason)
    result.failures.append(ExportFailure(record.id, reason))
    return None


def _from_line(record: Record) -> bytes:
    """Return the separator line the archive's mbox files use: the INTERNALDATE in asctime."""
    when = time.asctime(time.gmtime(record.internaldate.timestamp()))
    return f"From MAILER-DAEMON {when}\n".encode()


def _check_mbox_target(path: Path) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _export_error(exc, path) from exc
    if stat.S_ISDIR(info.st_mode):
        raise ExportError(f"{path} is a folder; --mbox takes the name of a new file.")
    if info.st_size:
        raise ExportError(
            f"{path} exists and is not empty; nothing was written. Choose a new file name."
        )


def _prepare_directory(directory: Path) -> None:
    if not directory.exists():
        try:
            make_private_dir(directory)
        except OSError as exc:
            raise _export_error(exc, directory) from exc
    elif not directory.is_dir():
        raise ExportError(f"{directory} is not a folder; --eml-dir takes a folder.")
    elif not os.access(directory, os.W_OK | os.X_OK):
        raise ExportError(f"Cannot write into {directory}: permission denied.")


def _export_error(exc: OSError, target: Path) -> ExportError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return ExportError(f"The disk is full while exporting to {target}.")
    return ExportError(f"Cannot write {target}: {exc.strerror or exc}.")


def _write_eml(directory: Path, record: Record, data: bytes) -> bool:
    """Write one .eml file (temporary name, fsync, rename); False if it is there already."""
    stem = eml_stem(record, data)
    for number in itertools.count(1):
        name = f"{stem}.eml" if number == 1 else f"{stem}-{number}.eml"
        final = directory / name
        if not final.exists():
            break
        if _has_bytes(final, record):
            return False
    temp = directory / f".{name}.part"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | O_BINARY, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        when = record.internaldate.timestamp()
        os.utime(temp, (when, when))  # file managers sort by date as mail clients do
        os.rename(temp, final)  # checked to be free just above; the id makes it ours
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return True


def _has_bytes(path: Path, record: Record) -> bool:
    """Whether *path* holds exactly the message's bytes (an earlier export of it)."""
    if path.stat().st_size != record.size:
        return False
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == record.sha256


def eml_stem(record: Record, data: bytes) -> str:
    """Return the file name (without ``.eml``) for a message: date, catalog id, subject.

    Safe on Windows as on Unix: no reserved characters, no control or bidi-format
    characters, no trailing dot or space, bounded length. Unique by the catalog id.
    """
    when = record.internaldate.strftime("%Y-%m-%d_%H%M%S")
    subject = safe_name_part(_subject(data))
    return f"{when}_{record.id}_{subject}" if subject else f"{when}_{record.id}"


def safe_name_part(text: str) -> str:
    """Return *text* made safe for a file name on any common system (may be empty)."""
    chars = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if category[0] in "CZ":  # controls, format (bidi overrides), surrogates, separators
            chars.append(" ")
        elif char in UNSAFE_IN_NAMES:
            chars.append("_")
        else:
            chars.append(char)
    part = " ".join("".join(chars).split())[:SUBJECT_CHARS]
    while len(part.encode()) > SUBJECT_BYTES:
        part = part[:-1]
    return part.rstrip(" .")


def _subject(data: bytes) -> str:
    """Return the Subject with encoded words decoded; raw 8-bit text is read as UTF-8, else
    Latin-1, and a broken encoding leaves the text as it stands."""
    match = SUBJECT.search(header_block(data))
    if match is None:
        return ""
    raw = match.group(1)
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = " ".join(text.split())
    try:
        return str(email.header.make_header(email.header.decode_header(text)))
    except (email.errors.HeaderParseError, LookupError, UnicodeError, ValueError):
        return text
