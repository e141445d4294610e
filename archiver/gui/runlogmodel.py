"""The table of past archive runs shown on the settings page."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from archiver.core.runlog import RunRecord
from archiver.gui.formatting import moment_text, number_text, size_text

Index = QModelIndex | QPersistentModelIndex
NUMERIC = frozenset({"archived", "deleted", "size", "quota"})  # right-aligned columns


class RunLogModel(QAbstractTableModel):
    """Past runs, newest first: when, account, archived, deleted, size, quota, outcome."""

    COLUMNS = ("started", "account", "archived", "deleted", "size", "quota", "outcome")

    def __init__(self) -> None:
        super().__init__()
        self._runs: list[RunRecord] = []

    def set_runs(self, runs: list[RunRecord]) -> None:
        """Show *runs* (newest first)."""
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return [
            self.tr("Started"),
            self.tr("Account"),
            self.tr("Archived"),
            self.tr("Deleted from server"),
            self.tr("Size"),
            self.tr("Quota used after"),
            self.tr("Outcome"),
        ][section]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._runs):
            return None
        run = self._runs[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(run, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in {
            "archived",
            "deleted",
            "size",
            "quota",
        }:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == "outcome" and run.error:
            return run.error
        return None

    def _display(self, run: RunRecord, column: str) -> str:
        locale = QLocale()
        if column == "started":
            return moment_text(run.started)
        if column == "account":
            return run.account
        if column == "archived":
            return number_text(run.archived)
        if column == "deleted":
            return number_text(run.deleted)
        if column == "size":
            return size_text(run.bytes)
        if column == "quota":
            return size_text(run.quota_after) if run.quota_after is not None else "\N{EN DASH}"
        if run.error:
            return self.tr("Stopped by an error")
        if run.cancelled:
            return self.tr("Cancelled")
        if run.errors == 1:
            return self.tr("{count} problem").format(count=locale.toString(run.errors))
        if run.errors:
            return self.tr("{count} problems").format(count=locale.toString(run.errors))
        return self.tr("OK")
