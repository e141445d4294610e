"""What a message says, for the index: decoded headers, body text, attachment names, date.

Real mail is messy: 8-bit bytes in headers, unknown or wrong charsets, broken MIME, HTML
only. Every step here degrades instead of failing: an undecodable header is read as UTF-8
or else Windows-1252, an unknown charset falls back the same way, a part that cannot be
decoded is skipped, and a message that does not parse at all still yields its headers or
nothing. The caller indexes whatever comes back.
"""

from __future__ import annotations

import binascii
import codecs
import datetime as dt
import email
import email.header
import email.utils
import logging
import re
from dataclasses import dataclass, field
from email.message import Message

from archiver.core.index.attachments_text import (
    LIMITS,
    AttachmentText,
    Limits,
    kind_of,
    read_attachment,
)
from archiver.core.index.mime import parse_message

log = logging.getLogger(__name__)

# Text beyond this many characters per message is not indexed (logs, huge listings).
MAX_TEXT = 200_000
# Of the attachments' text, this many characters per message (each attachment has its own
# limit too: attachments_text.Limits).
MAX_INSIDE = 1_000_000
# Dates outside this range are typos or forgeries; INTERNALDATE is used instead.
EARLIEST = dt.datetime(1980, 1, 1)


@dataclass(slots=True)
class Extracted:
    """The searchable content of one message; empty strings where nothing could be read."""

    subject: str = ""
    from_: str = ""
    to: str = ""
    cc: str = ""
    message_id: str = ""
    date: dt.datetime | None = None  # naive UTC, from the Date header when sensible
    body: str = ""
    attachments: list[str] = field(default_factory=list)
    # What the attachments say (or why they could not be read), in the message's order.
    inside: list[AttachmentText] = field(default_factory=list)


def _charset(name: str | None) -> str | None:
    """Return a codec Python knows for a MIME charset name, or None."""
    if not name:
        return None
    name = name.strip().strip('"').lower()
    aliases = {"x-unknown": None, "unknown-8bit": None, "us-ascii": "cp1252"}
    if name in aliases:
        return aliases[name]
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode text in its declared charset, else UTF-8, else Windows-1252 (never fails)."""
    codec = _charset(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def decode_header(value: object) -> str:
    """Decode a header value: RFC 2047 words, and raw 8-bit bytes (as UTF-8 or cp1252)."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):  # raw 8-bit bytes in the header
        return _unfold(
            "".join(
                decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
                for chunk, charset in email.header.decode_header(value)
            )
        )
    raw = str(value)
    if any("\udc80" <= c <= "\udcff" for c in raw):  # raw 8-bit bytes, surrogate-escaped
        raw = decode_bytes(raw.encode("ascii", "surrogateescape"))
    if "=?" not in raw:
        return _unfold(raw)
    try:
        parts = email.header.decode_header(raw)
    except (ValueError, email.errors.HeaderParseError):
        return _unfold(raw)
    out = []
    for chunk, charset in parts:
        out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    # decode_header drops the space between an encoded word and plain text; Header would
    # restore it but raises on bad charsets. Joining with "" keeps adjacent encoded words
    # together as RFC 2047 says.
    return _unfold("".join(_spaced(parts, out)))


def _spaced(parts: list[tuple[bytes | str, str | None]], texts: list[str]) -> list[str]:
    """Put back the spaces decode_header removed between encoded and unencoded chunks."""
    result = []
    for index, text in enumerate(texts):
        if index and (parts[index][1] is None) != (parts[index - 1][1] is None):
            result.append(" ")
        result.append(text)
    return result


def _unfold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


def part_filename(part: Message) -> str | None:
    """Return a part's file name (RFC 2231 or 2047, or a bare name= parameter), decoded."""
    try:
        name = part.get_filename()
    except (ValueError, LookupError, TypeError):
        return None
    if not name:
        content_type = part.get("Content-Type", "")
        match = re.search(r'name\s*=\s*"?([^";]+)', str(content_type))
        name = match.group(1) if match else None
    return decode_header(name) if name else None


@dataclass(frozen=True, slots=True)
class _Reading:
    """How attachments are read: not at all, or within *limits*, *depth* mails deep.

    *cut_at*: the message was thinned (indexer.indexable_bytes) and a part whose encoded
    content is this long or longer was cut there, so it is not read but reported.
    """

    attachments: bool
    limits: Limits
    depth: int
    cut_at: int | None
    skip: frozenset[str] = frozenset()  # attachments not to read (reader_process.costly_...)


def _read_attached(part: Message, name: str | None, reading: _Reading, out: Extracted) -> None:
    """Add what an attachment says to out.inside (nothing for images and the like)."""
    label = name or part.get_content_type()
    if label in reading.skip:
        return
    if reading.cut_at is not None:
        encoded = part.get_payload()
        if isinstance(encoded, str) and len(encoded) >= reading.cut_at:
            out.inside.append(
                AttachmentText(label, unreadable="in a message over 8 MB: read in part only")
            )
            return
    if not _may_hold_text(part, label, reading.limits):
        return
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return
    out.inside += read_attachment(
        label,
        part.get_content_type(),
        payload,
        charset=part.get_content_charset(),
        limits=reading.limits,
        depth=reading.depth,
    )


# The start of a base64 payload whose first bytes can be decoded on their own.
_BASE64_START = re.compile(r"[A-Za-z0-9+/]{8,64}")


def _may_hold_text(part: Message, label: str, limits: Limits) -> bool:
    """Whether read_attachment may find text in *part*; False only where it surely finds none.

    A picture or any other file we do not read is several times the size of the text of a
    message, sent as base64: told from its name, type and first bytes, decoding it all is
    saved. False only when the payload is base64 (as email decodes it) and starts with
    valid base64 characters, so that its first bytes decode alone to what the whole
    decodes to (email decodes the rest apart from them, or, if it cannot, returns the base64
    itself, whose characters start no kind of file we read). With OCR, pictures are read.
    """
    if str(part.get("content-transfer-encoding", "")).lower() != "base64":
        return True  # exactly email's test in get_payload
    content_type = part.get_content_type()
    if limits.ocr and content_type.startswith(("image/", "application/octet-stream")):
        return True
    encoded = part.get_payload()
    if not isinstance(encoded, str):
        return True
    start = _BASE64_START.match(encoded[:160].replace("\r", "").replace("\n", ""))
    if start is None:
        return True
    head = binascii.a2b_base64(start.group()[: len(start.group()) // 4 * 4])
    return kind_of(label, content_type, head) is not None


def _walk(message: Message, out: Extracted, reading: _Reading) -> None:
    plain: list[str] = []
    markup: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part_filename(part)
        disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
        if name:
            out.attachments.append(name)
        content_type = part.get_content_type()
        if disposition == "attachment" or (name and not content_type.startswith("text/")):
            if reading.attachments:
                try:
                    _read_attached(part, name, reading, out)
                except (LookupError, ValueError, AssertionError) as exc:
                    log.debug("Skipping an undecodable attachment: %s", exc)
            continue
        try:
            if content_type == "text/plain":
                plain.append(_part_text(part))
            elif content_type == "text/html":
                markup.append(_part_text(part))
        except (LookupError, ValueError, AssertionError) as exc:
            log.debug("Skipping an undecodable part: %s", exc)
    if plain:
        out.body = "\n".join(plain)
    elif markup:
        # Here, not at the top: most mail has a plain text part, and a search's snippets
        # import this module (start-up: docs/PERFORMANCE.md).
        from archiver.core.index.htmltext import html_to_text  # noqa: PLC0415

        out.body = "\n".join(html_to_text(m) for m in markup)


def _date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    latest = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=366)
    return when if EARLIEST <= when <= latest else None


def extract(
    data: bytes,
    *,
    attachments: bool = True,
    limits: Limits = LIMITS,
    depth: int = 0,
    cut_at: int | None = None,
    skip: frozenset[str] = frozenset(),
) -> Extracted:
    """Return the searchable content of a raw message; never raises for bad mail.

    With *attachments*, what they say is read too (out.inside), within *limits* each;
    *depth* counts the mails this one is attached to; *cut_at* see _Reading; attachments
    named in *skip* are not read.
    """
    out = Extracted()
    message = parse_message(data)
    out.subject = decode_header(message.get("Subject"))
    out.from_ = decode_header(message.get("From"))
    out.to = ", ".join(decode_header(v) for v in message.get_all("To", []))
    out.cc = ", ".join(decode_header(v) for v in message.get_all("Cc", []))
    out.message_id = decode_header(message.get("Message-ID")).strip().strip("<>")
    out.date = _date(decode_header(message.get("Date")))
    _walk(message, out, _Reading(attachments, limits, depth, cut_at, skip))
    out.body = out.body[:MAX_TEXT]
    return out


def body_text(data: bytes) -> str:
    """Return what ``extract(data, attachments=False).body`` returns, for less work.

    For a snippet (search), where the body is all that is wanted: no header is decoded.
    """
    message = parse_message(data)
    out = Extracted()
    _walk(message, out, _Reading(attachments=False, limits=LIMITS, depth=0, cut_at=None))
    return out.body[:MAX_TEXT]
