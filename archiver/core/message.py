"""Small, tolerant readers of raw message bytes (the archive never alters them)."""

from __future__ import annotations

import email.parser
import email.policy
from pathlib import Path

HEAD_LIMIT = 256 * 1024  # header blocks larger than this are cut for parsing only


def header_block(raw: bytes) -> bytes:
    """Return the header part of a raw message (up to the first empty line)."""
    head = raw[:HEAD_LIMIT]
    ends = [i for i in (head.find(b"\r\n\r\n"), head.find(b"\n\n")) if i >= 0]
    return head[: min(ends)] if ends else head


def message_id(raw: bytes) -> str | None:
    """Return the Message-ID header, unfolded and stripped, or None where there is none."""
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    value = parser.parsebytes(header_block(raw)).get("Message-ID")
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def read_head(path: Path) -> bytes:
    """Read the first bytes of a spooled message, enough for its header block."""
    with path.open("rb") as file:
        return file.read(HEAD_LIMIT)
