"""Table models over the core's values: search results.

A view asks data() only for the rows it shows, so even 100,000 results cost little to
display; values are formatted when asked for, never ahead. Sorting reorders the list in
Python (about a tenth of a second for 100,000 results) and keeps the selection.
"""

from __future__ import annotations

import email.utils
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

from archiver.core.index.search import Hit
from archiver.gui.folder_names import folder_text
from archiver.gui.formatting import size_text
from archiver.gui.messageview import local_datetime

AnyIndex = QModelIndex | QPersistentModelIndex


class Column(enum.IntEnum):
    """The columns of the results table, in order."""

    DATE = 0
    SENDER = 1
    SUBJECT = 2
    FOLDER = 3
    ACCOUNT = 4
    SIZE = 5
    ATTACHMENT = 6


def _title(column: Column) -> str:
    titles = {
        Column.DATE: QCoreApplication.translate("HitTableModel", "Date"),
        Column.SENDER: QCoreApplication.translate("HitTableModel", "From"),
        Column.SUBJECT: QCoreApplication.translate("HitTableModel", "Subject"),
        Column.FOLDER: QCoreApplication.translate("HitTableModel", "Folder"),
        Column.ACCOUNT: QCoreApplication.translate("HitTableModel", "Account"),
        Column.SIZE: QCoreApplication.translate("HitTableModel", "Size"),
        Column.ATTACHMENT: QCoreApplication.translate("HitTableModel", "Attachments"),
    }
    return titles[column]


COLUMNS = len(Column)  # columnCount() runs millions of times under a model tester


@lru_cache(maxsize=65536)
def display_name(sender: str) -> str:
    """Return the name of a From value ("Hans Müller <h@x.de>" → "Hans Müller"), else the
    address, else the value itself. Cached: the same senders recur across results."""
    name, address = email.utils.parseaddr(sender)
    return name or address or sender


def _folded(text: str) -> str:
    return text.casefold()


# What each column sorts by; ties keep the order they had (the search's newest first).
SORT_KEYS: dict[Column, Callable[[Hit], Any]] = {
    Column.DATE: lambda hit: hit.date,
    Column.SENDER: lambda hit: _folded(display_name(hit.sender)),
    Column.SUBJECT: lambda hit: _folded(hit.subject),
    Column.FOLDER: lambda hit: _folded(folder_text(hit.folder)),
    Column.ACCOUNT: lambda hit: _folded(hit.account),
    Column.SIZE: lambda hit: hit.size,
    Column.ATTACHMENT: lambda hit: (bool(hit.attachments), hit.matched_inside),
}


# From this many hits on, the search job sorts them by every column in advance (sort_orders),
# so that a click on a header only picks an order on the GUI thread; below, sorting there
# takes under 10 ms.
ORDERS_FROM = 5000


@dataclass(frozen=True, slots=True)
class Order:
    """Hits in one sort order: *rows* lists their positions as handed over, in that order;
    *row_of* is the reverse (where each one is shown)."""

    rows: list[int]
    row_of: list[int]


# Each column's order, ascending (False) and descending (True).
Orders = dict[tuple[Column, bool], Order]


def _order(keys: Sequence[Any], descending: bool) -> Order:
    """Return the order of *keys* (stable: ties stay as handed over, newest first)."""
    rows = sorted(range(len(keys)), key=keys.__getitem__, reverse=descending)
    row_of = [0] * len(rows)
    for shown, row in enumerate(rows):
        row_of[row] = shown
    return Order(rows, row_of)


def sort_orders(hits: Sequence[Hit]) -> Orders:
    """Return every column's orders of *hits*; for the search job, off the GUI thread."""
    orders: Orders = {}
    for column, key in SORT_KEYS.items():
        keys = [key(hit) for hit in hits]
        for descending in (False, True):
            orders[column, descending] = _order(keys, descending)
    return orders


@lru_cache(maxsize=4)
def attachment_icon(color_name: str) -> QIcon:
    """Return a paper clip icon drawn in *color_name* (no image file needed)."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    path = QPainterPath(QPointF(21, 11))
    path.lineTo(21, 23)
    path.arcTo(QRectF(12, 18.5, 9, 9), 0, -180)  # the outer loop's bottom
    path.lineTo(12, 7)
    path.arcTo(QRectF(12, 3.5, 7, 7), 180, -180)  # the top
    path.lineTo(19, 22)
    path.arcTo(QRectF(15.5, 20, 3.5, 3.5), 0, -180)  # the inner loop's bottom
    path.lineTo(15.5, 11)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(color_name), 2.2)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.drawPath(path)
    painter.end()
    return QIcon(pixmap)


class HitTableModel(QAbstractTableModel):
    """Search results as a table: one row per Hit, the columns of :class:`Column`.

    ``HIT_ROLE`` gives a row's Hit from any of its cells. Sorting (a click on a header)
    reorders the rows in place; set_hits() keeps the current sort order for new results.
    Ties keep the order the hits were handed over in (the search's newest first). Given the
    orders made in advance (sort_orders, by the search job), a sort only picks one instead
    of computing and comparing keys on the GUI thread: at 100,000 hits that took up to a
    fifth of a second (docs/PERFORMANCE.md). The model only emits QAbstractItemModel's own
    signals.
    """

    HIT_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._given: list[Hit] = []  # as handed over
        self._hits: list[Hit] = []  # as shown
        self._orders: Orders = {}
        self._shown: Order | None = None  # None: as handed over
        self._sort: tuple[Column, Qt.SortOrder] | None = None  # None: as the search gave
        self._unread_font = QFont()
        self._unread_font.setBold(True)

    def set_hits(self, hits: Iterable[Hit], orders: Orders | None = None) -> None:
        """Show *hits* (in the current sort order, else as given); *orders*: sort_orders(hits)."""
        self.beginResetModel()
        self._given = list(hits)
        self._orders = orders or {}
        if self._sort is None:
            self._hits, self._shown = list(self._given), None
        else:
            self._show(self._sorted(*self._sort))
        self.endResetModel()

    def _sorted(self, column: Column, order: Qt.SortOrder) -> Order:
        """Return the hits' order by *column*: made in advance, else now."""
        descending = order == Qt.SortOrder.DescendingOrder
        made = self._orders.get((column, descending))
        if made is not None:
            return made
        key = SORT_KEYS[column]
        return _order([key(hit) for hit in self._given], descending)

    def _show(self, order: Order) -> None:
        self._hits = list(map(self._given.__getitem__, order.rows))
        self._shown = order

    def clear(self) -> None:
        """Show no results."""
        self.set_hits([])

    def hit(self, row: int) -> Hit:
        """Return the Hit shown in *row*."""
        return self._hits[row]

    def hits_at(self, rows: Iterable[int]) -> list[Hit]:
        """Return the Hits of *rows*, in the order given."""
        return [self._hits[row] for row in rows]

    @property
    def hits(self) -> Sequence[Hit]:
        """All results in the order shown."""
        return self._hits

    # --- QAbstractTableModel --------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's default)
        """Return the number of results (none below a result: it is a flat table)."""
        return 0 if parent.isValid() else len(self._hits)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Return the number of columns."""
        return 0 if parent.isValid() else COLUMNS

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Return a cell's value for *role*; cheap, as views call it for every visible cell."""
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(hit, column)
        if role == self.HIT_ROLE:
            return hit
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(hit, column)
        if role == Qt.ItemDataRole.AccessibleTextRole and column is Column.ATTACHMENT:
            return self._tooltip(hit, column) or ""
        if role == Qt.ItemDataRole.DecorationRole and column is Column.ATTACHMENT:
            return self._icon(hit.matched_inside) if hit.attachments else None
        if role == Qt.ItemDataRole.FontRole and "unread" in hit.flags:
            return self._unread_font
        if role == Qt.ItemDataRole.TextAlignmentRole and column is Column.SIZE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, hit: Hit, column: Column) -> str:
        if column is Column.DATE:
            return QLocale().toString(local_datetime(hit.date), QLocale.FormatType.ShortFormat)
        if column is Column.SENDER:
            return display_name(hit.sender)
        if column is Column.SUBJECT:
            return hit.subject or QCoreApplication.translate("HitTableModel", "(no subject)")
        if column is Column.FOLDER:
            return folder_text(hit.folder)
        if column is Column.ACCOUNT:
            return hit.account
        if column is Column.SIZE:
            return size_text(hit.size)
        return ""

    def _tooltip(self, hit: Hit, column: Column) -> str | None:
        if column is Column.SENDER:
            return hit.sender
        if column is Column.SUBJECT:
            return hit.subject or None
        if column is Column.DATE:
            return QLocale().toString(local_datetime(hit.date), QLocale.FormatType.LongFormat)
        if column is Column.FOLDER:
            return hit.folder  # the server's name, which folder: queries take
        if column is Column.ATTACHMENT and hit.matched_inside and len(hit.attachments) == 1:
            return QCoreApplication.translate("HitTableModel", "Found in: {name}").format(
                name=hit.attachments[0]
            )
        if column is Column.ATTACHMENT and hit.matched_inside:
            return QCoreApplication.translate(
                "HitTableModel", "Found in an attachment (in bold in the preview): {names}"
            ).format(names=", ".join(hit.attachments))
        if column is Column.ATTACHMENT and hit.attachments:
            return QCoreApplication.translate("HitTableModel", "Attachments: {names}").format(
                names=", ".join(hit.attachments)
            )
        return None

    @staticmethod
    def _icon(matched: bool = False) -> QIcon:
        """The paper clip: in the text colour, or the highlight colour where words were
        found inside an attachment."""
        palette = QApplication.palette()
        role = QPalette.ColorRole.Highlight if matched else QPalette.ColorRole.Text
        return attachment_icon(palette.color(role).name())

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Return the column titles (the attachment column shows an icon instead)."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        column = Column(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if column is Column.ATTACHMENT else _title(column)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return _title(column)
        if role == Qt.ItemDataRole.DecorationRole and column is Column.ATTACHMENT:
            return self._icon()
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by *column*; selected rows stay selected (persistent indexes move)."""
        if not 0 <= column < len(Column):
            return
        self._sort = (Column(column), order)
        self.layoutAboutToBeChanged.emit()
        was = self._shown
        shown = self._sorted(Column(column), order)
        self._show(shown)
        before = self.persistentIndexList()
        # Row r showed the given hit was.rows[r] (or r itself), which is now at row_of of it.
        given = was.rows if was is not None else range(len(self._given))
        after = [self.index(shown.row_of[given[i.row()]], i.column()) for i in before]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()
