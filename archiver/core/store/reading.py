"""Reading a catalogued message's exact bytes back out of the archive, in either format.

The catalog's :class:`~archiver.core.catalog.Location` says which format holds it: a region
(offset and length) is an mboxrd region, whose From_ line and quoting are undone here;
otherwise the path is a Maildir file, found by its unique name if another mail program
renamed it (see :func:`~archiver.core.store.maildir.find_message_file`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from archiver.core.catalog import Location, Record
from archiver.core.errors import StoreError
from archiver.core.paths import long_path
from archiver.core.store.base import READ_CHUNK
from archiver.core.store.maildir import find_message_file
from archiver.core.store.mbox import LINE_LIMIT, unquoted


def locate(archive_root: Path, location: Location) -> Path:
    """Return the file that holds a catalogued message now.

    An mbox file is where the catalog says; a Maildir file may have been renamed by another
    mail program and is then found by its unique name.

    Raises:
        StoreError: the Maildir file is gone.
    """
    path = long_path(archive_root) / location.path
    if location.offset is not None:
        return path
    found = find_message_file(path)
    if found is None:
        raise StoreError(f"Cannot read {location.path}: the file is gone")
    return found


def iter_message(archive_root: Path, location: Location, size: int) -> Iterator[bytes]:
    """Yield the stored message's bytes in pieces (at most *size* bytes in all)."""
    path = locate(archive_root, location)
    try:
        with path.open("rb") as file:
            if location.offset is None or location.length is None:
                remaining = size
                while remaining > 0 and (chunk := file.read(min(READ_CHUNK, remaining))):
                    remaining -= len(chunk)
                    yield chunk
                return
            file.seek(location.offset)
            head = file.readline(LINE_LIMIT)
            if not head.startswith(b"From "):
                raise StoreError(f"{location.path}: no message at offset {location.offset}.")
            remaining = size
            for whole in unquoted(file, location.length - len(head)):
                piece = whole[:remaining]
                remaining -= len(piece)
                if piece:
                    yield piece
                if remaining == 0:
                    return
    except OSError as exc:
        raise StoreError(f"Cannot read {location.path}: {exc.strerror or exc}") from exc


def read_message(archive_root: Path, record: Record, *, verify: bool = True) -> bytes:
    """Return a catalogued message's exact bytes; with *verify*, check them against the catalog.

    Raises :class:`StoreError` when the file is missing, short or altered.
    """
    data = b"".join(iter_message(archive_root, record.location, record.size))
    if verify and (len(data) != record.size or hashlib.sha256(data).hexdigest() != record.sha256):
        raise StoreError(
            f"Message {record.id} in {record.location.path} differs from what was archived "
            "(size or SHA-256): the archive file was changed or damaged."
        )
    return data
