"""Small, tolerant readers of raw message bytes (the archive never alters them)."""

from __future__ import annotations

import re
from pathlib import Path

HEAD_LIMIT = 256 * 1024  # header blocks larger than this are cut for parsing only

# A Message-ID field and its continuation lines; the field name is case-insensitive.
MESSAGE_ID = re.compile(rb"^message-id[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def header_block(raw: bytes) -> bytes:
    """Return the header part of a raw message (up to the first empty line)."""
    end = raw.find(b"\n\r\n", 0, HEAD_LIMIT)  # searched in place: no copy of a big body
    bare = raw.find(b"\n\n", 0, end if end >= 0 else HEAD_LIMIT)
    ends = [i for i in (end, bare) if i >= 0]
    return raw[: min(ends) + 1] if ends else raw[:HEAD_LIMIT]


def message_id(raw: bytes) -> str | None:
    """Return the first Message-ID header, unfolded and stripped, or None where there is none.

    A regular expression rather than the email package: this runs for every archived message,
    and only this one field is wanted. Undecodable bytes are replaced, never fatal.
    """
    match = MESSAGE_ID.search(header_block(raw))
    if match is None:
        return None
    text = " ".join(match.group(1).decode("utf-8", "replace").split())
    return text or None


def read_head(path: Path) -> bytes:
    """Read the first bytes of a spooled message, enough for its header block."""
    with path.open("rb") as file:
        return file.read(HEAD_LIMIT)
