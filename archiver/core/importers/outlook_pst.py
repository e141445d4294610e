"""Reading Outlook data files (.pst, .ost) with libpff-python (``pypff``), the optional
``outlook`` extra.

libpff is the libyal project's reader of the Personal Folder File format; it reads ANSI and
Unicode files and their "compressible" and "high" encodings. (A PST password is only a
checksum Outlook asks for; the data is not encrypted with it, so libpff reads such files.)
Each folder holding messages becomes one source folder named by its path below the file's
IPM subtree ("Top of Outlook data file", whatever its language); every message is rebuilt
from its properties (see :mod:`.mapi`) and recorded at its node identifier, which stays the
same in the file. Items are read one at a time: a multi-GB file is never loaded whole.

pypff has no binding for libpff's ``attachment_get_item``: an attached Outlook message
cannot be extracted and is named in the rebuilt message's ``X-Imap-Archiver-Omitted``
header (see :mod:`.mapi`).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from archiver.core.importers.mapi import (
    MapiAttachment,
    MapiMessage,
    Properties,
    flags,
    internaldate,
    rebuild,
)
from archiver.core.importers.sources import SourceEntry, SourceMessage, UnreadableMessage

log = logging.getLogger(__name__)

ORIGIN = "Outlook PST"
PST_NEEDS_READER_REASON = (
    "reading Outlook .pst and .ost files needs the Python package libpff-python "
    "(pip install 'imap-archiver[outlook]')"
)
PST_UNREADABLE_REASON = "the Outlook data file cannot be read"
ITEM_UNREADABLE_REASON = "the Outlook item cannot be read"
PR_IPM_SUBTREE_ENTRYID = 0x35E0


@dataclass(frozen=True, slots=True)
class PstFolder:
    """A folder of a PST holding messages: its name parts, where it is, how many."""

    parts: tuple[str, ...]
    place: tuple[int, ...]  # sub-folder indexes from the root folder
    count: int


def pypff_module() -> ModuleType | None:
    """Return pypff when it is installed, else None (the extra is optional).

    A plain import statement, not importlib: PyInstaller's analysis finds it and bundles it.
    """
    try:
        import pypff  # noqa: PLC0415 (optional)
    except ImportError:
        return None
    module: ModuleType = pypff  # untyped: ignore_missing_imports gives Any
    return module


@contextmanager
def open_pst(pypff: ModuleType, path: Path) -> Iterator[Any]:
    """Open a PST read-only through a Python file (any path, on every system).

    Raises:
        OSError: the file cannot be opened or is not a PST libpff can read.
    """
    with path.open("rb") as stream:
        pst = pypff.file()
        pst.open_file_object(stream)
        try:
            yield pst
        finally:
            pst.close()


def pst_folders(pypff: ModuleType, path: Path) -> list[PstFolder]:
    """Return the folders of a PST that hold messages, in tree order.

    Raises:
        OSError: the file cannot be read.
    """
    with open_pst(pypff, path) as pst:
        subtree = _ipm_subtree(pst)
        found: list[PstFolder] = []

        def walk(folder: Any, parts: tuple[str, ...], place: tuple[int, ...]) -> None:
            for index in range(folder.number_of_sub_folders):
                sub = folder.get_sub_folder(index)
                name = (sub.name or "").replace("/", "_").strip() or f"Folder {index + 1}"
                inner = parts if sub.identifier == subtree else (*parts, name)
                if sub.number_of_sub_messages:
                    found.append(PstFolder(inner, (*place, index), sub.number_of_sub_messages))
                walk(sub, inner, (*place, index))

        walk(pst.get_root_folder(), (), ())
        return found


def _ipm_subtree(pst: Any) -> int | None:
    """Return the node identifier of the folder Outlook shows as the file's top, or None."""
    try:
        store = pst.get_message_store()
    except OSError:
        return None
    if store is None:
        return None
    entry = _properties(store).get(PR_IPM_SUBTREE_ENTRYID)
    if entry is None or len(entry[1]) < 24:
        return None
    return int(struct.unpack_from("<I", entry[1], 20)[0])  # flags, provider UID, then the NID


def read_pst_folder(pypff: ModuleType, path: Path, place: tuple[int, ...]) -> Iterator[SourceEntry]:
    """Yield the messages of one PST folder, one at a time; an item that cannot be read is
    one unreadable entry, a file that cannot be opened one for the whole folder."""
    source = str(path)
    try:
        with open_pst(pypff, path) as pst:
            folder = pst.get_root_folder()
            for index in place:
                folder = folder.get_sub_folder(index)
            for index in range(folder.number_of_sub_messages):
                yield _entry(folder, index, source)
    except OSError as exc:
        yield UnreadableMessage(source, 0, failure(PST_UNREADABLE_REASON, source, exc))


def failure(reason: str, where: str, exc: OSError) -> str:
    """Return *reason*, with the system's words when the system refused (a file that cannot
    be opened); libpff's own chain of function names goes to the log, not to the user."""
    if exc.strerror:
        return f"{reason} ({exc.strerror})"
    log.info("%s: %s: %s", where, reason, exc)
    return reason


def _entry(folder: Any, index: int, source: str) -> SourceEntry:
    position = index + 1  # its place in the folder, until its identifier is known
    try:
        item = folder.get_sub_message(index)
        position = item.identifier
        message = _message(item)
    except OSError as exc:
        where = f"{source}, item {position}"
        return UnreadableMessage(source, position, failure(ITEM_UNREADABLE_REASON, where, exc))
    return SourceMessage(source, position, rebuild(message, ORIGIN), flags(message),
                         internaldate(message))  # fmt: skip


def _message(item: Any) -> MapiMessage:
    recipients: tuple[Properties, ...] = ()
    rows = item.recipients
    if rows is not None:
        recipients = tuple(_properties(rows, i) for i in range(rows.number_of_record_sets))
    attachments = tuple(
        MapiAttachment(_properties(item.get_attachment(index)))
        for index in range(item.number_of_attachments)
    )
    return MapiMessage(_properties(item), recipients, attachments)


def _properties(item: Any, index: int = 0) -> dict[int, tuple[int, bytes]]:
    """Return the properties of one record set of an item (a message's, a recipient row)."""
    if item.number_of_record_sets <= index:
        return {}
    found = {}
    for entry in item.get_record_set(index).entries:
        data = entry.data
        if data is not None:
            found[entry.entry_type] = (entry.value_type, bytes(data))
    return found
