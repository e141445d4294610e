"""What the preview of an archived message shows, read and parsed off the GUI thread.

Qt-free, so that the MIME work happens in the core: the app's message view only lays out
a MessageContent, and any other face could show the same.
"""

from __future__ import annotations

import datetime as dt
import email
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from archiver.core.attachments import Attachment, list_attachments
from archiver.core.catalog import CATALOG_NAME, Catalog, Record
from archiver.core.errors import ArchiverError, QueryError
from archiver.core.index.extract import decode_bytes, extract
from archiver.core.index.search import (
    matched_attachments,
    names_words,
    parse_query,
    word_matcher,
)
from archiver.core.preview import safe_html
from archiver.core.progress import CancelToken, ProgressCallback
from archiver.core.store.reading import read_message

# HTML beyond this many characters is cut before sanitising: Qt lays rich text out on the
# GUI thread, and megabytes of markup would freeze it for seconds.
MAX_HTML = 1_000_000
# Inline images (cid:) kept for the preview: each at most, and all of a message together.
MAX_IMAGE = 5 * 1024 * 1024
MAX_IMAGES = 20 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/png", "image/gif", "image/jpeg", "image/webp"})
# HTML that asks for something from elsewhere: an image, style sheet, frame or background
# by URL (links to click are not counted). Only for telling the user; safe_html removes it.
REMOTE_CONTENT = re.compile(
    r"""(?:\b(?:src|background|srcset)\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//)""",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class MessageContent:
    """What the preview shows of one message, read and parsed off the GUI thread.

    ``html`` is the sanitised HTML part, when the message has one; ``text`` the plain text
    (or the HTML's text). ``images`` holds the message's inline images by Content-ID.
    """

    id: int
    account: str
    folder: str
    subject: str
    sender: str
    to: str
    cc: str
    date: dt.datetime  # naive UTC: the Date header, else INTERNALDATE
    size: int
    text: str
    html: str | None = None
    images: Mapping[str, bytes] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()
    blocked_remote: bool = False  # the HTML asked for content from elsewhere (not loaded)
    # Names of the attachments whose text holds the searched words (zip members as
    # "akte.zip/brief.pdf").
    matched_in: tuple[str, ...] = ()


def load_message(
    archive_root: Path,
    message_id: int,
    query: str = "",
    *,
    skip: frozenset[str] = frozenset(),
    report: ProgressCallback,
    cancel: CancelToken,
) -> MessageContent:
    """Read message *message_id* from the archive and return what the preview shows (a job).

    With the *query* that found it, the attachments whose text matched are named (those in
    *skip*, which cost their whole time limit when indexed, are not read again).
    Raises ArchiverError when the catalog no longer has it, StoreError when its file is
    missing or altered.
    """
    record = catalog_record(archive_root, message_id)
    cancel.raise_if_cancelled()
    return message_content(record, read_message(archive_root, record), query, skip)


def catalog_record(archive_root: Path, message_id: int) -> Record:
    """Return the catalog row of *message_id*; raise ArchiverError when there is none."""
    if not (archive_root / CATALOG_NAME).exists():
        raise ArchiverError(f"There is no archive in {archive_root}.")
    with Catalog.open(archive_root) as catalog:
        record = catalog.get([message_id]).get(message_id)
    if record is None:
        raise ArchiverError(f"No archived message has the id {message_id}.")
    return record


def _matched_in(data: bytes, query: str, skip: frozenset[str]) -> tuple[str, ...]:
    """Return the attachments whose text holds words of *query* (read as the indexer does)."""
    try:
        matches = word_matcher(parse_query(query))
    except QueryError:
        return ()
    if not names_words(matches):
        return ()
    return tuple(m.name for m in matched_attachments(extract(data, skip=skip).inside, matches))


def message_content(
    record: Record, data: bytes, query: str = "", skip: frozenset[str] = frozenset()
) -> MessageContent:
    """Return the preview of a message's bytes; never raises for bad mail.

    With the *query* that found it, ``matched_in`` names the attachments whose text matched.
    """
    content = extract(data, attachments=False)
    attachments = tuple(list_attachments(data))
    message = email.message_from_bytes(data)
    markup = _html_part(message)
    internaldate = record.internaldate
    if internaldate.tzinfo is not None:
        internaldate = internaldate.astimezone(dt.UTC).replace(tzinfo=None)
    return MessageContent(
        id=record.id,
        account=record.account,
        folder=record.folder,
        subject=content.subject,
        sender=content.from_,
        to=content.to,
        cc=content.cc,
        date=content.date or internaldate,
        size=record.size,
        text=content.body,
        html=None if markup is None else safe_html(markup[:MAX_HTML]),
        images=_inline_images(message),
        attachments=attachments,
        blocked_remote=markup is not None and REMOTE_CONTENT.search(markup) is not None,
        matched_in=_matched_in(data, query, skip) if attachments and query.strip() else (),
    )


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    return disposition == "attachment"


def _html_part(message: Message) -> str | None:
    """Return the first HTML part that is the message's text (not an attached file)."""
    for part in message.walk():
        if part.get_content_type() != "text/html" or _is_attachment(part):
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return decode_bytes(payload, part.get_content_charset())
    return None


def _inline_images(message: Message) -> dict[str, bytes]:
    """Return the message's images by Content-ID (without <>), within the size limits."""
    images: dict[str, bytes] = {}
    total = 0
    for part in message.walk():
        content_id = str(part.get("Content-ID", "")).strip().strip("<>")
        if not content_id or part.get_content_type() not in IMAGE_TYPES:
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and len(payload) <= MAX_IMAGE:
            total += len(payload)
            if total > MAX_IMAGES:
                break
            images[content_id] = payload
    return images
