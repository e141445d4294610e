"""Reading mbox files written by other programs: mboxo, mboxrd, mboxcl2, CRLF, Thunderbird.

A message starts at a ``From `` line at the start of the file or after an empty line. When
the file's first line is a well-formed From_ line (``From sender Wed Jan  2 10:00:00 2019``,
as Thunderbird, mutt, Python's ``mailbox`` and we write them), later ones must be too: old
Thunderbird versions quote nothing, and a body line "From the desk of ..." after an empty
line must not split a message. A message whose header has a Content-Length that ends exactly
before the next From_ line (or the end of the file) is taken verbatim by that length
(mboxcl2, which quotes nothing); otherwise lines are unquoted as mboxrd does (``>From `` →
``From ``, ``>>From `` → ``>From ``), which is also what mboxo's single quoting needs.

The empty line before the next From_ line belongs to the file, not the message (``\\n``, or
``\\r\\n`` in files with CRLF line ends). A file that ends inside a message (no final line
break) yields that message as far as it goes, marked truncated, so that it is reported and
never silently lost.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from archiver.core.importers.sources import (
    SkippedMessage,
    SourceEntry,
    SourceMessage,
    UnreadableMessage,
)
from archiver.core.message import header_block
from archiver.core.store.mbox import LINE_LIMIT, QUOTED_FROM

# "From sender Wed Jan  2 10:00:00 2019", with an optional zone before or after the year.
FROM_LINE = re.compile(
    rb"From \S* +(?P<date>[A-Za-z]{3},? +[A-Za-z]{3} +\d{1,2} +\d{1,2}:\d\d(?::\d\d)?"
    rb"(?: +(?:[A-Za-z]{2,5}|[+-]\d{4}))? +\d{4}(?: +[+-]\d{4})?)\s*$"
)
CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?$", re.I | re.M)
MOZILLA_STATUS = re.compile(rb"^x-mozilla-status[ \t]*:[ \t]*([0-9a-fA-F]{1,8})", re.I | re.M)
STATUS = re.compile(rb"^status[ \t]*:[ \t]*([A-Za-z]*)", re.I | re.M)
X_STATUS = re.compile(rb"^x-status[ \t]*:[ \t]*([A-Za-z]*)", re.I | re.M)
EMPTY_LINES = (b"\n", b"\r\n")

# Thunderbird's nsMsgMessageFlags in X-Mozilla-Status (hexadecimal).
MOZ_READ, MOZ_REPLIED, MOZ_MARKED, MOZ_EXPUNGED = 0x0001, 0x0002, 0x0004, 0x0008
MOZ_FORWARDED = 0x1000
EXPUNGED_REASON = "deleted in Thunderbird (its folder was never compacted)"
EMPTY_REASON = "empty message"


class NotAnMbox(ValueError):
    """Raised when a file does not start with a From_ line."""


def is_mbox(path: Path) -> bool:
    """Whether *path* starts like an mbox file (an empty file counts: an empty folder)."""
    with path.open("rb") as file:
        start = file.read(5)
    return start in (b"", b"From ")


def read_mbox(path: Path) -> Iterator[SourceEntry]:
    """Yield the messages of the mbox file *path* in file order (see the module docstring).

    Raises:
        NotAnMbox: the file holds something else.
        OSError: the file cannot be read (the caller reports it).
    """
    with path.open("rb") as file:
        yield from _Reader(file, str(path)).messages()


class _Reader:
    """One pass over one mbox file, line by line (long lines in pieces)."""

    def __init__(self, file: BinaryIO, source: str) -> None:
        self.file = file
        self.source = source
        self.strict = False

    def messages(self) -> Iterator[SourceEntry]:
        head = self.file.readline(LINE_LIMIT)
        if not head:
            return
        if not head.startswith(b"From "):
            raise NotAnMbox(self.source)
        self.strict = FROM_LINE.match(head) is not None
        offset = 0
        while head:
            entry, head, next_offset = self._message(offset, head)
            yield entry
            offset = next_offset

    def _is_separator(self, line: bytes) -> bool:
        if not line.startswith(b"From "):
            return False
        return not self.strict or FROM_LINE.match(line) is not None

    def _message(self, offset: int, head: bytes) -> tuple[SourceEntry, bytes, int]:
        """Read the message after From_ line *head* (at *offset*); return it, the next
        From_ line (empty at the end) and that line's offset."""
        start = self.file.tell()
        by_length = self._by_content_length(start)
        if by_length is not None:
            data, next_head, next_offset = by_length
            return self._entry(offset, head, data, truncated=False), next_head, next_offset
        self.file.seek(start)
        body = bytearray()
        at_start, previous_empty = True, False
        while True:
            position = self.file.tell()
            line = self.file.readline(LINE_LIMIT)
            if not line:
                next_head, next_offset = b"", position
                break
            if at_start and previous_empty and self._is_separator(line):
                next_head, next_offset = line, position
                break
            if at_start and line.startswith(b">") and QUOTED_FROM.match(line):
                body += line[1:]
            else:
                body += line
            previous_empty = at_start and line in EMPTY_LINES
            at_start = line.endswith(b"\n")
        truncated = not body.endswith(b"\n")
        if body.endswith(b"\n\r\n"):  # the empty line that separates messages is the file's
            del body[-2:]
        elif body.endswith(b"\n\n"):
            del body[-1:]
        return self._entry(offset, head, bytes(body), truncated), next_head, next_offset

    def _by_content_length(self, start: int) -> tuple[bytes, bytes, int] | None:
        """Return the message, next From_ line and its offset when a Content-Length header
        ends the message exactly before a From_ line or the file's end; else None."""
        head = self.file.read(256 * 1024)
        block = header_block(head)
        match = CONTENT_LENGTH.search(block)
        if match is None or len(block) == len(head):
            return None
        body_start = start + len(block) + (2 if head[len(block) : len(block) + 2] == b"\r\n" else 1)
        end = body_start + int(match.group(1))
        self.file.seek(end)
        after = self.file.readline(LINE_LIMIT)
        if self.file.tell() - len(after) != end:
            return None  # the length reaches past the file's end
        next_offset = end
        if after in EMPTY_LINES:
            next_offset = self.file.tell()
            after = self.file.readline(LINE_LIMIT)
        if after and not self._is_separator(after):
            return None
        self.file.seek(start)
        data = self.file.read(end - start)
        self.file.seek(next_offset + len(after))
        return data, after, next_offset

    def _entry(self, offset: int, head: bytes, data: bytes, truncated: bool) -> SourceEntry:
        block = header_block(data)
        status = MOZILLA_STATUS.search(block)
        if status is not None and int(status.group(1), 16) & MOZ_EXPUNGED:
            return SkippedMessage(self.source, offset, EXPUNGED_REASON)
        if not data.strip():
            return UnreadableMessage(self.source, offset, EMPTY_REASON)
        return SourceMessage(
            self.source, offset, data, source_flags(block), from_line_date(head), truncated
        )


def source_flags(block: bytes) -> tuple[str, ...]:
    """Return the IMAP flags an mbox message's header states: Thunderbird's X-Mozilla-Status,
    else the Status and X-Status headers mutt and pine write."""
    flags: set[str] = set()
    status = MOZILLA_STATUS.search(block)
    if status is not None:
        bits = int(status.group(1), 16)
        for bit, flag in ((MOZ_READ, "\\Seen"), (MOZ_REPLIED, "\\Answered"),
                          (MOZ_MARKED, "\\Flagged"), (MOZ_FORWARDED, "$Forwarded")):  # fmt: skip
            if bits & bit:
                flags.add(flag)
        return tuple(sorted(flags))
    letters = b""
    for pattern in (STATUS, X_STATUS):
        found = pattern.search(block)
        if found is not None:
            letters += found.group(1).upper()
    for letter, flag in ((b"R", "\\Seen"), (b"A", "\\Answered"), (b"F", "\\Flagged")):
        if letter in letters:
            flags.add(flag)
    return tuple(sorted(flags))


def from_line_date(head: bytes) -> dt.datetime | None:
    """Return the date of a From_ line (UTC unless it names an offset), or None."""
    match = FROM_LINE.match(head)
    if match is None:
        return None
    words = match.group("date").decode("ascii").replace(",", "").split()
    offset = next((w for w in words if w[0] in "+-"), None)
    words = [w for w in words if w[0] not in "+-" and not (w.isalpha() and w.isupper())]
    try:
        _, month, day, clock, year = words
        pattern = "%b %d %H:%M:%S %Y" if clock.count(":") == 2 else "%b %d %H:%M %Y"
        when = dt.datetime.strptime(f"{month} {day} {clock} {year}", pattern)
        zone = dt.datetime.strptime(offset, "%z").tzinfo if offset else dt.UTC
    except ValueError:
        return None
    return when.replace(tzinfo=zone)
