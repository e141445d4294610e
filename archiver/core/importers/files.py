"""Reading one-file-a-message sources: Maildir (and Maildir++) folders, and .eml files.

A Maildir message's flags are the letters of its file name's info part (``:2,FS``, or
``;2,FS`` as mbsync writes it on Windows); its date is the file's modification time, which
Maildir writers set to the message's arrival. Its place is recorded by the Maildir and the
unique part of the name, so that a mail program renaming the file for other flags does not
make it a new message. An .eml file has no flags; its date is the file's.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from archiver.core.importers.sources import SourceEntry, SourceMessage, UnreadableMessage
from archiver.core.store.maildir import MESSAGE_DIRS, flags_of, unique_name

EMPTY_FILE_REASON = "empty file"


def is_maildir(path: Path) -> bool:
    """Whether *path* is a Maildir: a directory with ``cur`` and ``new`` in it."""
    return (path / "cur").is_dir() and (path / "new").is_dir()


def maildir_files(maildir: Path) -> list[Path]:
    """Return the message files of a Maildir, ``cur`` before ``new``, sorted by name."""
    found = []
    for sub in MESSAGE_DIRS:
        directory = maildir / sub
        if directory.is_dir():
            found += sorted(
                Path(e.path) for e in os.scandir(directory) if e.is_file() and e.name[0] != "."
            )
    return found


def read_maildir(maildir: Path) -> Iterator[SourceEntry]:
    """Yield the messages of one Maildir."""
    for path in maildir_files(maildir):
        source = str(path.parent.parent / unique_name(path.name))
        flags = flags_of(path.name) if path.parent.name == "cur" else ()
        yield _read_file(path, source, flags)


def read_eml_files(files: tuple[Path, ...]) -> Iterator[SourceEntry]:
    """Yield the messages of .eml files."""
    for path in files:
        yield _read_file(path, str(path), ())


def _read_file(path: Path, source: str, flags: tuple[str, ...]) -> SourceEntry:
    try:
        with path.open("rb") as file:
            data = file.read()
            stamp = os.fstat(file.fileno()).st_mtime
    except OSError as exc:
        return UnreadableMessage(source, 0, exc.strerror or str(exc))
    if not data.strip():
        return UnreadableMessage(source, 0, EMPTY_FILE_REASON)
    when = dt.datetime.fromtimestamp(int(stamp), dt.UTC) if stamp > 0 else None
    return SourceMessage(source, 0, data, flags, when)
