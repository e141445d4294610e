"""The archive page's folder tree: the account's folders with counts, sizes and check boxes.

The boxes start checked exactly as the archive job would choose folders on its own (the
account's own folders but Trash and Junk, by archiver.core.jobs.archive.is_archived_by_default);
the page then names the checked folders to the job, so what the user sees ticked is what gets
archived. Other users' and public folders are shown unchecked and marked as shared.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from archiver.core.folder_roles import FolderRole, folder_role
from archiver.core.imap import FolderInfo, NamespaceKind
from archiver.core.jobs.archive import ArchiveResult, Kept, is_archived_by_default
from archiver.core.jobs.inspect import (
    FolderListing,
    FolderOverview,
)
from archiver.gui.folder_names import leaf_text
from archiver.gui.formatting import number_text, size_text

FOLDER_ROLE = Qt.ItemDataRole.UserRole  # the folder's full name on the server
# The special folders' order at the top of the tree, as mail programs list them.
TREE_ROLES = (
    FolderRole.INBOX,
    FolderRole.DRAFTS,
    FolderRole.SENT,
    FolderRole.ARCHIVE,
    FolderRole.JUNK,
    FolderRole.TRASH,
)


class FolderTree(QTreeWidget):
    """The folders of one account, as the server nests them, with a check box each.

    Signals:
        checks_changed(): the user ticked or cleared a folder's box.
    """

    checks_changed = Signal()

    NAME, MESSAGES, SIZE, TO_MOVE, MOVE_SIZE = range(5)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(
            [
                self.tr("Folder"),
                self.tr("Messages"),
                self.tr("Size"),
                self.tr("To archive"),
                self.tr("Size to archive"),
            ]
        )
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(self.NAME, QHeaderView.ResizeMode.Stretch)
        for column in (self.MESSAGES, self.SIZE, self.TO_MOVE, self.MOVE_SIZE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
            self.headerItem().setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self._items: dict[str, QTreeWidgetItem] = {}
        self.itemChanged.connect(self._on_item_changed)

    def show_listing(self, listing: FolderListing, checks: Mapping[str, bool]) -> None:
        """Show *listing*; folders in *checks* keep that state, new ones get the job's default.

        Folders the server lists as not selectable (only parents) get no box: they hold no
        mail of their own.
        """
        self.blockSignals(True)
        try:
            self.clear()
            has_special_use = any(f.special_use for f in listing.folders)
            sizes = {f.name: f for f in listing.overview.folders}
            nodes: dict[tuple[str, ...], QTreeWidgetItem] = {}
            order = partial(_tree_order, by_name=not has_special_use)
            for info in sorted(listing.folders, key=order):
                path = _path(info)
                item = self._node(nodes, path)
                if not info.is_selectable:
                    continue
                default = is_archived_by_default(info, has_special_use)
                item.setText(self.NAME, leaf_text(info, path[-1], by_name=not has_special_use))
                self._make_folder_item(
                    item, info, sizes.get(info.name), checks.get(info.name, default)
                )
            self.expandAll()
        finally:
            self.blockSignals(False)

    def _node(
        self, nodes: dict[tuple[str, ...], QTreeWidgetItem], path: tuple[str, ...]
    ) -> QTreeWidgetItem:
        """Return the item for *path*, making it and any missing parents."""
        if path in nodes:
            return nodes[path]
        if len(path) == 1:
            item = QTreeWidgetItem(self, [path[0]])
        else:
            item = QTreeWidgetItem(self._node(nodes, path[:-1]), [path[-1]])
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        nodes[path] = item
        return item

    def _make_folder_item(
        self, item: QTreeWidgetItem, info: FolderInfo, size: FolderOverview | None, checked: bool
    ) -> None:
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        item.setData(self.NAME, FOLDER_ROLE, info.name)
        item.setCheckState(self.NAME, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        item.setToolTip(self.NAME, info.name)
        if not info.is_personal:
            self._mark_shared(item, info)
        if size is None or size.messages is None or size.size is None:
            item.setText(self.MESSAGES, "?")
            if size is not None and size.error:
                item.setToolTip(self.MESSAGES, size.error)
        else:
            item.setText(self.MESSAGES, number_text(size.messages))
            item.setText(self.SIZE, size_text(size.size))
        for column in (self.MESSAGES, self.SIZE, self.TO_MOVE, self.MOVE_SIZE):
            item.setTextAlignment(
                column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
        self._items[info.name] = item

    def _mark_shared(self, item: QTreeWidgetItem, info: FolderInfo) -> None:
        """Say that another user's or a public folder is shared, and what archiving it means."""
        item.setText(self.NAME, self.tr("{name} (shared)").format(name=item.text(self.NAME)))
        whose = (
            self.tr("Another user's folder, shared with you.")
            if info.namespace is NamespaceKind.OTHER_USERS
            else self.tr("A public folder, shared with others.")
        )
        item.setToolTip(
            self.NAME,
            self.tr(
                "{folder}\n{whose} It is archived only when you tick it, and then deleted for "
                "everyone who shares it. It does not count against your storage quota."
            ).format(folder=info.name, whose=whose),
        )
        font = item.font(self.NAME)
        font.setItalic(True)
        item.setFont(self.NAME, font)

    def clear(self) -> None:
        """Remove every folder (the tree shows no account's folders)."""
        self._items.clear()
        super().clear()

    def checks(self) -> dict[str, bool]:
        """Return each folder's box state, by folder name."""
        return {
            name: item.checkState(self.NAME) == Qt.CheckState.Checked
            for name, item in self._items.items()
        }

    def checked_folders(self) -> tuple[str, ...]:
        """Return the names of the ticked folders, in the tree's order."""
        return tuple(name for name, checked in self.checks().items() if checked)

    def item_for(self, folder: str) -> QTreeWidgetItem | None:
        """Return the tree item of *folder*, if it is shown."""
        return self._items.get(folder)

    def show_preview(self, result: ArchiveResult) -> None:
        """Fill the "To archive" columns from a dry run's per-folder report."""
        self.blockSignals(True)
        try:
            self._clear_preview()
            for report in result.folders:
                item = self._items.get(report.folder)
                if item is None:
                    continue
                item.setText(self.TO_MOVE, number_text(report.kept[Kept.DRY_RUN]))
                item.setText(self.MOVE_SIZE, size_text(report.bytes_selected))
                if report.error:
                    item.setText(self.TO_MOVE, "?")
                    item.setToolTip(self.TO_MOVE, report.error)
        finally:
            self.blockSignals(False)

    def clear_preview(self) -> None:
        """Empty the "To archive" columns (the preview no longer matches the choices)."""
        self.blockSignals(True)
        try:
            self._clear_preview()
        finally:
            self.blockSignals(False)

    def _clear_preview(self) -> None:
        for item in self._items.values():
            item.setText(self.TO_MOVE, "")
            item.setText(self.MOVE_SIZE, "")
            item.setToolTip(self.TO_MOVE, "")

    @Slot(QTreeWidgetItem, int)
    def _on_item_changed(self, _item: QTreeWidgetItem, column: int) -> None:
        if column == self.NAME:
            self.checks_changed.emit()


def _path(info: FolderInfo) -> tuple[str, ...]:
    """Split a folder name into its hierarchy by the server's delimiter (flat without one)."""
    if not info.delimiter:
        return (info.name,)
    return tuple(part for part in info.name.split(info.delimiter) if part) or (info.name,)


def _tree_order(info: FolderInfo, *, by_name: bool) -> tuple[bool, int, tuple[str, ...]]:
    """The account's own folders first: INBOX, the special folders as mail programs list
    them, then the rest by name, level by level; shared folders after them."""
    role = folder_role(info.name, info.special_use, info.delimiter, by_name=by_name)
    rank = TREE_ROLES.index(role) if role is not None else len(TREE_ROLES)
    return not info.is_personal, rank, tuple(p.casefold() for p in _path(info))
