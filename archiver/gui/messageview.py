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
import functools
import logging
import urllib.parse
from collections.abc import Mapping

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

from archiver.core.attachments import Attachment
from archiver.core.message_view import IMAGE_TYPES, MessageContent
from archiver.gui.folder_names import folder_text
from archiver.gui.formatting import size_text

log = logging.getLogger(__name__)

# Links a click may hand to the desktop (a browser, a mail program); never file: or others.
OPENABLE_LINKS = frozenset({"http", "https", "mailto"})


# The item data of an attachment whose text the search matched (shown in bold).
MATCHED_ROLE = Qt.ItemDataRole.UserRole + 1


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
                folder=folder_text(content.folder), account=content.account
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
