"""The preview of one archived message: headers, text or sanitised HTML, attachments.

A message's HTML is written by its sender. It is reduced by :func:`archiver.core.preview.
safe_html` in the loading job, and shown in :class:`SafeTextBrowser`, which loads nothing by
itself: only images inside the message (``cid:``) and ``data:`` images, never a remote or
local file, so opening a mail never tells its sender that it was read.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email
import functools
import logging
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime, QTimeZone, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QImage, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

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
from archiver.gui.formatting import size_text

log = logging.getLogger(__name__)

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
# Links a click may hand to the desktop (a browser, a mail program); never file: or others.
OPENABLE_LINKS = frozenset({"http", "https", "mailto"})


# The item data of an attachment whose text the search matched (shown in bold).
MATCHED_ROLE = Qt.ItemDataRole.UserRole + 1


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


def local_datetime(utc: dt.datetime) -> QDateTime:
    """Return a naive UTC datetime as a QDateTime in the computer's time zone."""
    return QDateTime(
        QDate(utc.year, utc.month, utc.day),
        QTime(utc.hour, utc.minute, utc.second),
        QTimeZone.utc(),
    ).toLocalTime()


@functools.cache
def blocked_image() -> QImage:
    """Return the image shown for one that was not loaded: one transparent pixel."""
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    return image


class SafeDocument(QTextDocument):
    """A text document that loads only what its policy allows.

    QTextDocument itself reads ``file:`` and relative URLs from disk when its view's
    loadResource() gives nothing back, so the view alone cannot refuse them: the document
    must. (And Qt's image handler opens an image's src as a file path when the document
    has no image for it, so a refused image is answered with a blank one, never nothing.)
    """

    def __init__(self, browser: SafeTextBrowser) -> None:
        super().__init__(browser)
        self._browser = browser

    def loadResource(self, type: int, name: QUrl | str) -> object:
        """Return the resource if the browser's policy allows it, else nothing."""
        return self._browser.allowed_resource(type, name)


class SafeTextBrowser(QTextBrowser):
    """A text browser for mail: loads ``data:`` images and the message's own ``cid:``
    images, nothing else (no http, https, file or anything).

    Links are not followed inside the view; a click on an http(s) or mailto link hands it
    to the desktop (the user's browser or mail program). Refused URLs are kept in
    ``refused`` (tests, and a reader wondering why an image is missing).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocument(SafeDocument(self))
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setSearchPaths([])
        self._images: Mapping[str, bytes] = {}
        self.refused: list[QUrl] = []
        self.anchorClicked.connect(self._on_anchor_clicked)

    def show_message(self, text: str, html: str | None, images: Mapping[str, bytes]) -> None:
        """Show sanitised *html* (with *images* by Content-ID), else the plain *text*."""
        self._images = images
        self.refused.clear()
        if html is not None:
            self.setHtml(html)
        else:
            self.setPlainText(text)

    def loadResource(self, type: int, name: QUrl | str) -> object:
        """Return the resource if allowed (see allowed_resource), else nothing."""
        return self.allowed_resource(type, name)

    def allowed_resource(self, kind: int, name: QUrl | str) -> object:
        """Return an image for a ``cid:`` part of the message or a ``data:`` image; refuse
        everything else: a blank image (BLOCKED_IMAGE) for any other image, None for any
        other resource (style sheets, pages)."""
        name = QUrl(name) if isinstance(name, str) else name
        scheme = name.scheme().lower()
        data: bytes | None = None
        if kind == QTextDocument.ResourceType.ImageResource.value:
            if scheme == "cid":
                data = self._images.get(name.path().strip("<>"))
            elif scheme == "data":
                data = _data_url_image(name)
        image = QImage.fromData(data) if data else QImage()
        if not image.isNull():
            return image
        log.debug("Refused to load %s", name.toString()[:200])
        self.refused.append(name)
        if kind == QTextDocument.ResourceType.ImageResource.value:
            return blocked_image()
        return None

    def _on_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme().lower() in OPENABLE_LINKS:
            QDesktopServices.openUrl(url)


def _data_url_image(url: QUrl) -> bytes | None:
    """Return the bytes of a base64 ``data:image/...`` URL of an allowed type, else None."""
    header, comma, payload = url.path(QUrl.ComponentFormattingOption.FullyEncoded).partition(",")
    kind, _, encoding = header.partition(";")
    if not comma or kind.lower() not in IMAGE_TYPES or encoding.lower() != "base64":
        return None
    try:
        return base64.b64decode(urllib.parse.unquote(payload), validate=False)
    except (binascii.Error, ValueError):
        return None


class MessageView(QWidget):
    """The preview pane: headers, the message's text or HTML, its attachments.

    The page loads a message in a job (load_message) and hands the result to
    show_content(); this widget never reads from disk itself.

    Signals:
        save_attachments_requested(list): the user asked to save attachments; the catalog
            id is ``message_id``, the list holds the attachment numbers (empty: all).
    """

    save_attachments_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_id: int | None = None
        self.subject_label = self._value_label()
        font = self.subject_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.subject_label.setFont(font)
        self.from_label = self._value_label()
        self.to_label = self._value_label()
        self.cc_label = self._value_label()
        self.date_label = self._value_label()
        self.where_label = self._value_label()
        self.headers = QWidget()
        form = QFormLayout(self.headers)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(2)
        form.addRow(self.subject_label)
        form.addRow(self.tr("From:"), self.from_label)
        form.addRow(self.tr("To:"), self.to_label)
        form.addRow(self.tr("Cc:"), self.cc_label)
        form.addRow(self.tr("Date:"), self.date_label)
        form.addRow(self.tr("Folder:"), self.where_label)
        self._form = form

        self.remote_notice = QLabel(
            self.tr("Images and other content from the internet were not loaded.")
        )
        self.remote_notice.setWordWrap(True)
        self.remote_notice.setObjectName("notice")
        self.remote_notice.setStyleSheet(
            "QLabel#notice { background: #fff4d6; border: 1px solid #f0d48a;"
            " border-radius: 4px; padding: 4px; }"
        )
        self.browser = SafeTextBrowser()
        self.browser.setAccessibleName(self.tr("Message text"))

        self.attachments_list = QListWidget()
        self.attachments_list.setAccessibleName(self.tr("Attachments"))
        self.attachments_list.setFlow(QListWidget.Flow.LeftToRight)
        self.attachments_list.setWrapping(True)
        self.attachments_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.attachments_list.setMaximumHeight(self.fontMetrics().height() * 3)
        self.save_button = QPushButton(self.tr("Sa&ve attachments…"))
        self.save_button.setAccessibleName(self.tr("Save attachments"))
        self.save_button.setToolTip(
            self.tr("Save the selected attachments (or all of them) into a folder.")
        )
        self.save_button.clicked.connect(self._on_save_clicked)
        self.attachments = QWidget()
        row = QHBoxLayout(self.attachments)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(self.tr("Attachments:")), 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.attachments_list, 1)
        row.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)

        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)  # drawn greyed out: a hint, not content

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.headers)
        layout.addWidget(self.remote_notice)
        layout.addWidget(self.browser, 1)
        layout.addWidget(self.attachments)
        layout.addWidget(self.placeholder, 1)
        self.clear()

    @staticmethod
    def _value_label() -> QLabel:
        # Header values come from the sender: plain text only, never interpreted as HTML.
        label = QLabel()
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def clear(self) -> None:
        """Show no message, only how to get one."""
        self.show_placeholder(self.tr("Select a message to read it here."))

    def show_placeholder(self, text: str) -> None:
        """Show *text* (nothing selected, loading, a failure) instead of a message."""
        self.message_id = None
        self.headers.hide()
        self.remote_notice.hide()
        self.browser.hide()
        self.browser.show_message("", None, {})
        self.attachments.hide()
        self.attachments_list.clear()
        self.placeholder.setText(text)
        self.placeholder.show()

    def show_content(self, content: MessageContent) -> None:
        """Show a loaded message."""
        self.message_id = content.id
        self.placeholder.hide()
        self.subject_label.setText(content.subject or self.tr("(no subject)"))
        self.from_label.setText(content.sender)
        self.to_label.setText(content.to)
        self.cc_label.setText(content.cc)
        self._form.setRowVisible(self.cc_label, bool(content.cc))
        locale = QLocale()
        when = local_datetime(content.date)
        self.date_label.setText(
            self.tr("{date}, {time}").format(
                date=locale.toString(when.date(), QLocale.FormatType.LongFormat),
                time=locale.toString(when.time(), QLocale.FormatType.ShortFormat),
            )
        )
        self.where_label.setText(
            self.tr("{folder} (account {account})").format(
                folder=content.folder, account=content.account
            )
        )
        self.browser.show_message(content.text, content.html, content.images)
        self._show_attachments(content.attachments, content.matched_in, locale)
        self.headers.show()
        self.remote_notice.setVisible(content.blocked_remote)
        self.browser.show()

    def _show_attachments(
        self, attachments: tuple[Attachment, ...], matched_in: tuple[str, ...], locale: QLocale
    ) -> None:
        """List the attachments; those whose text the search matched in bold (MATCHED_ROLE)."""
        self.attachments_list.clear()
        for attachment in attachments:
            item = QListWidgetItem(
                self.tr("{name} ({size})").format(
                    name=attachment.filename or self.tr("(no name)"),
                    size=size_text(attachment.size),
                )
            )
            item.setData(Qt.ItemDataRole.UserRole, attachment.number)
            item.setToolTip(attachment.content_type)
            name = attachment.filename
            if name and any(m == name or m.startswith(f"{name}/") for m in matched_in):
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                item.setData(MATCHED_ROLE, True)
            self.attachments_list.addItem(item)
        self.attachments.setVisible(bool(attachments))

    def selected_attachments(self) -> list[int]:
        """Return the numbers of the selected attachments (empty: none selected)."""
        return sorted(
            int(item.data(Qt.ItemDataRole.UserRole))
            for item in self.attachments_list.selectedItems()
        )

    def _on_save_clicked(self) -> None:
        self.save_attachments_requested.emit(self.selected_attachments())
