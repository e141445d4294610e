"""Reading Outlook .msg files (one message each), with olefile, the optional ``outlook`` extra.

A .msg file is an OLE compound file ([MS-OXMSG]): the message's fixed-size properties sit in
the ``__properties_version1.0`` stream, each variable-size one in a stream
``__substg1.0_IIIITTTT`` (property id and type in hexadecimal), recipients and attachments in
the storages ``__recip_version1.0_#N`` and ``__attach_version1.0_#N``, and an embedded
message in its attachment's storage ``__substg1.0_3701000D``. The message is rebuilt from
these (see :mod:`.mapi`): a .msg file holds no original bytes. Its date is the delivery time,
else the submit time (the file's own date is when it was saved).
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from archiver.core.importers.mapi import (
    PT_BINARY,
    PT_OBJECT,
    PT_STRING8,
    PT_UNICODE,
    MapiAttachment,
    MapiMessage,
    flags,
    internaldate,
    rebuild,
)
from archiver.core.importers.sources import SourceEntry, SourceMessage, UnreadableMessage

log = logging.getLogger(__name__)

ORIGIN = "Outlook .msg"
MSG_NEEDS_READER_REASON = (
    "reading Outlook .msg files needs the Python package olefile "
    "(pip install 'imap-archiver[outlook]')"
)
NOT_MSG_REASON = "not an Outlook message file"
PROPERTIES = "__properties_version1.0"
SUBSTG = "__substg1.0_"
RECIPIENT = "__recip_version1.0_#"
ATTACHMENT = "__attach_version1.0_#"
EMBEDDED = "__substg1.0_3701000D"
TOP_HEADER, EMBEDDED_HEADER, ROW_HEADER = 32, 24, 8  # bytes before the property entries
VARIABLE_TYPES = (PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT)
MULTI_VALUED = 0x1000

Path_ = tuple[str, ...]  # a storage's path inside the compound file


def olefile_module() -> ModuleType | None:
    """Return olefile when it is installed, else None (the extra is optional).

    A plain import statement, not importlib: PyInstaller's analysis finds it and bundles it.
    """
    try:
        import olefile  # noqa: PLC0415 (optional)
    except ImportError:
        return None
    module: ModuleType = olefile  # untyped: ignore_missing_imports gives Any
    return module


def read_msg_files(files: tuple[Path, ...]) -> Iterator[SourceEntry]:
    """Yield the messages of .msg files; a file that cannot be read is one unreadable entry."""
    olefile = olefile_module()
    for path in files:
        if olefile is None:
            yield UnreadableMessage(str(path), 0, MSG_NEEDS_READER_REASON)
            continue
        try:
            message = read_msg(olefile, path)
        except OSError as exc:
            yield UnreadableMessage(str(path), 0, exc.strerror or str(exc))
            continue
        except (ValueError, IndexError, KeyError, struct.error) as exc:  # a damaged file
            log.debug("%s: not readable as .msg", path, exc_info=True)
            yield UnreadableMessage(str(path), 0, f"{NOT_MSG_REASON} ({exc})")
            continue
        yield SourceMessage(str(path), 0, rebuild(message, ORIGIN), flags(message),
                            internaldate(message))  # fmt: skip


def read_msg(olefile: ModuleType, path: Path) -> MapiMessage:
    """Return the item a .msg file holds.

    Raises:
        OSError: the file cannot be read.
        ValueError: it is not an Outlook message (not a compound file, or no properties).
    """
    if not olefile.isOleFile(str(path)):
        raise ValueError("not an OLE compound file")
    with olefile.OleFileIO(str(path)) as ole:
        paths = {tuple(entry) for entry in ole.listdir(streams=True, storages=True)}
        if (PROPERTIES,) not in paths:
            raise ValueError("no property stream")
        return _message(ole, paths, (), TOP_HEADER)


def _message(ole: Any, paths: set[Path_], where: Path_, header: int) -> MapiMessage:
    children = sorted(p[-1] for p in paths if len(p) == len(where) + 1 and p[:-1] == where)
    recipients = tuple(
        _properties(ole, paths, (*where, name), ROW_HEADER)
        for name in children
        if name.startswith(RECIPIENT)
    )
    attachments = []
    for name in children:
        if name.startswith(ATTACHMENT):
            storage = (*where, name)
            embedded = None
            if (*storage, EMBEDDED, PROPERTIES) in paths:
                embedded = _message(ole, paths, (*storage, EMBEDDED), EMBEDDED_HEADER)
            properties = _properties(ole, paths, storage, ROW_HEADER)
            attachments.append(MapiAttachment(properties, embedded))
    return MapiMessage(_properties(ole, paths, where, header), recipients, tuple(attachments))


def _properties(
    ole: Any, paths: set[Path_], where: Path_, header: int
) -> dict[int, tuple[int, bytes]]:
    """Return the properties of one storage: fixed ones from its property stream,
    variable-size ones from their own streams."""
    found: dict[int, tuple[int, bytes]] = {}
    stream = _read(ole, (*where, PROPERTIES)) if (*where, PROPERTIES) in paths else b""
    for offset in range(header, len(stream) - 15, 16):
        tag, _, value = struct.unpack_from("<II8s", stream, offset)
        kind, key = tag & 0xFFFF, tag >> 16
        if kind not in VARIABLE_TYPES and not kind & MULTI_VALUED:
            found[key] = (kind, value)
    for path in paths:
        name = path[-1]
        if len(path) == len(where) + 1 and path[:-1] == where and name.startswith(SUBSTG):
            try:
                tag = int(name[len(SUBSTG) :], 16)
            except ValueError:
                continue
            kind, key = tag & 0xFFFF, tag >> 16
            if kind in (PT_STRING8, PT_UNICODE, PT_BINARY):
                found[key] = (kind, _read(ole, path))
    return found


def _read(ole: Any, path: Path_) -> bytes:
    return bytes(ole.openstream(list(path)).read())
