"""What an account's archive files hold, read from the files alone, without the catalog.

``verify`` compares this with the catalog in the other direction (files no row knows), and
``verify --repair`` rebuilds lost rows from it. Nothing here writes.

Maildir: every file in ``cur/`` and ``new/`` of the account's Maildirs; our own file names
carry UIDVALIDITY, UID, INTERNALDATE and the start of the SHA-256, and a name is trusted only
where that SHA-256 prefix matches the file. mbox: every region from one ``From `` line to
the next that ends in the blank line our regions end in (see ``store.mbox.separator``). A
region written for a message that lacked a final line break reads back with one: the format
cannot tell the two apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from archiver.core.catalog import Location
from archiver.core.message import HEAD_LIMIT, message_id
from archiver.core.paths import long_path
from archiver.core.store.base import READ_CHUNK, location_path
from archiver.core.store.maildir import MESSAGE_DIRS, OUR_UNIQUE, flags_of, unique_name
from archiver.core.store.mbox import LINE_LIMIT, unquoted
from archiver.core.store.names import unescape_segment

log = logging.getLogger(__name__)

ASCTIME = re.compile(rb"(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})\s*$")
NOT_MBOX_SUFFIXES = (".msf", ".dat", ".json", ".lock")


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message found in an archive file.

    ``segments``: the folder's escaped name parts, as the layout spells them. ``uid`` and
    ``uidvalidity`` are known only for our own Maildir names.
    """

    segments: tuple[str, ...]
    location: Location
    sha256: str
    size: int
    flags: tuple[str, ...]
    message_id: str | None
    internaldate: dt.datetime
    uidvalidity: int | None = None
    uid: int | None = None


def folder_name(segments: tuple[str, ...], delimiter: str) -> str:
    """Return the IMAP folder name of escaped layout segments (see store.names)."""
    if segments in ((), ("INBOX",)):
        return "INBOX"
    return delimiter.join(unescape_segment(segment) for segment in segments)


def scan_maildir(archive_root: Path, account: str) -> Iterator[StoredMessage]:
    """Yield every message file of one account's Maildir++ tree."""
    archive_root = long_path(archive_root)
    account_dir = archive_root / account
    if not account_dir.is_dir():
        return
    maildirs: list[tuple[Path, tuple[str, ...]]] = [(account_dir, ())]
    maildirs += [
        (entry, tuple(entry.name[1:].split(".")))
        for entry in sorted(account_dir.iterdir())
        if entry.name.startswith(".") and (entry / "cur").is_dir()
    ]
    for directory, segments in maildirs:
        for sub in MESSAGE_DIRS:
            folder = directory / sub
            if not folder.is_dir():
                continue
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.is_file() and not entry.name.startswith("."):
                    yield _maildir_message(archive_root, Path(entry.path), segments)


def _maildir_message(archive_root: Path, path: Path, segments: tuple[str, ...]) -> StoredMessage:
    digest = hashlib.sha256()
    size = 0
    head = b""
    with path.open("rb") as file:
        while chunk := file.read(READ_CHUNK):
            if len(head) < HEAD_LIMIT:
                head += chunk[: HEAD_LIMIT - len(head)]
            digest.update(chunk)
            size += len(chunk)
    sha = digest.hexdigest()
    ours = OUR_UNIQUE.fullmatch(unique_name(path.name))
    uidvalidity: int | None
    uid: int | None
    if ours is not None and sha.startswith(ours.group("sha")):
        when = dt.datetime.fromtimestamp(int(ours.group("stamp")), dt.UTC)
        uidvalidity, uid = int(ours.group("uidvalidity")), int(ours.group("uid"))
    else:
        when = dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.UTC)
        uidvalidity = uid = None
    return StoredMessage(
        segments,
        Location(location_path(path, archive_root)),
        sha,
        size,
        flags_of(path.name),
        message_id(head),
        when,
        uidvalidity,
        uid,
    )


def scan_mbox(archive_root: Path, account: str) -> Iterator[StoredMessage | Location]:
    """Yield every message region of one account's mbox files.

    A region that does not end as ours do (a blank line before the next ``From `` line, or
    the file's end) is yielded as its bare Location: it is there, but cannot be adopted.
    """
    archive_root = long_path(archive_root)
    account_dir = archive_root / account
    if not account_dir.is_dir():
        return
    for path in sorted(account_dir.rglob("*")):
        if not path.is_file() or path.name.startswith(".") or path.suffix in NOT_MBOX_SUFFIXES:
            continue
        relative = path.relative_to(account_dir)
        segments = tuple(p.removesuffix(".sbd") for p in relative.parts)
        yield from _mbox_regions(archive_root, path, segments)


def _mbox_regions(
    archive_root: Path, path: Path, segments: tuple[str, ...]
) -> Iterator[StoredMessage | Location]:
    rel = location_path(path, archive_root)
    starts = []
    with path.open("rb") as file:
        offset = 0
        at_start = True
        while piece := file.readline(LINE_LIMIT):
            if at_start and piece.startswith(b"From "):
                starts.append(offset)
            at_start = piece.endswith(b"\n")
            offset += len(piece)
        end = offset
        if not starts:
            return
        for start, stop in zip(starts, [*starts[1:], end], strict=True):
            file.seek(start)
            head = file.readline(LINE_LIMIT)
            body = b"".join(unquoted(file, stop - start - len(head)))
            if not body.endswith(b"\n\n"):
                yield Location(rel, start, stop - start)
                continue
            data = body[:-1]  # our separator: one "\n" after a message ending in one
            match = ASCTIME.search(head)
            when = (
                dt.datetime.strptime(match.group(1).decode(), "%a %b %d %H:%M:%S %Y").replace(
                    tzinfo=dt.UTC
                )
                if match
                else dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.UTC)
            )
            yield StoredMessage(
                segments,
                Location(rel, start, stop - start),
                hashlib.sha256(data).hexdigest(),
                len(data),
                (),
                message_id(data),
                when,
            )
