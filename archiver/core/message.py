"""Small, tolerant readers of raw message bytes (the archive never alters them)."""

from __future__ import annotations

import datetime as dt
import email.utils
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


DATE = re.compile(rb"^date[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def date_header(raw: bytes) -> dt.datetime | None:
    """Return the Date header's time (timezone-aware; UTC where it names no zone), or None
    where there is none or it cannot be read."""
    match = DATE.search(header_block(raw))
    if match is None:
        return None
    text = " ".join(match.group(1).decode("ascii", "replace").split())
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def is_plausible_date(when: dt.datetime) -> bool:
    """Whether *when* can be a message's date: after 1970 (file times on every system),
    and not more than a year ahead."""
    latest = dt.datetime.now(dt.UTC) + dt.timedelta(days=366)
    return dt.datetime(1970, 1, 2, tzinfo=dt.UTC) <= when <= latest


BARE_LF = re.compile(rb"(?<!\r)\n")


def imap_form(raw: bytes) -> bytes:
    """Return *raw* with CRLF line ends, as IMAP carries messages (RFC 3501, 5322); *raw*
    itself where every line break already is CRLF.

    Mail imported from Unix mbox files and Maildirs has bare LF line ends; servers store
    such an APPEND as CRLF (Dovecot does), so the copy they give back differs from the
    archive's bytes by exactly this.
    """
    return BARE_LF.sub(b"\r\n", raw) if BARE_LF.search(raw) else raw
