"""What the import readers find: folders of messages, the messages, and what they leave out."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from pathlib import Path


class SourceKind(enum.Enum):
    """How a source folder keeps its messages."""

    MBOX = "mbox"  # one file, messages behind From_ lines (Thunderbird's Local Folders too)
    MAILDIR = "maildir"  # a directory with cur/ and new/, one file a message
    EML = "eml"  # a directory of .eml files (MailStore Home's export, saved mails)
    MSG = "msg"  # a directory of Outlook .msg files (messages rebuilt from their properties)
    PST = "pst"  # one folder of an Outlook .pst or .ost file (messages rebuilt, too)


@dataclass(frozen=True, slots=True)
class SourceFolder:
    """One folder to import: *name* is its path below the source (``/``-separated).

    ``path`` is the mbox file, the Maildir, the directory of .eml or .msg files, or the
    Outlook data file; ``files`` lists the .eml or .msg files of such a folder (the
    directory may hold others); ``place`` locates a PST folder in its file (sub-folder
    indexes from the root). ``count`` is the number of messages where the source tells it
    without reading them (Outlook), else None.
    """

    name: str
    kind: SourceKind
    path: Path
    files: tuple[Path, ...] = ()
    place: tuple[int, ...] = ()
    count: int | None = None


@dataclass(frozen=True, slots=True)
class SourceMessage:
    """One message read from a source, byte for byte as the mail program meant it.

    ``source`` and ``position`` say where it was found (the file, and the byte offset of its
    From_ line in an mbox file, else 0): the import records them and never takes the same
    place twice. ``internaldate`` is None where the source has no date of its own.
    ``truncated``: the file ended inside the message (it is imported as far as it goes).
    """

    source: str
    position: int
    data: bytes
    flags: tuple[str, ...]
    internaldate: dt.datetime | None
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class SkippedMessage:
    """A message the source itself marks as gone (Thunderbird's expunged, not compacted)."""

    source: str
    position: int
    reason: str


@dataclass(frozen=True, slots=True)
class UnreadableMessage:
    """A message, or a file meant to hold one, that could not be read; *reason* says why."""

    source: str
    position: int
    reason: str


SourceEntry = SourceMessage | SkippedMessage | UnreadableMessage


@dataclass(frozen=True, slots=True)
class NotImported:
    """Something a source holds that the import leaves alone, and why (an IMAP cache, an
    Outlook file, a file that is not mail)."""

    path: str
    reason: str


@dataclass
class Discovery:
    """What the named paths hold: folders to import, and what is left out."""

    folders: list[SourceFolder] = field(default_factory=list)
    not_imported: list[NotImported] = field(default_factory=list)
