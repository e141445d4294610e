"""Search: query and filters, results table, preview, restore / export / open."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from archiver.gui.context import AppContext
from archiver.gui.pages.base import JobPage


class SearchPage(JobPage):
    """Placeholder until the page is built."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("SearchPage"))
        layout.addWidget(self.error_label)

    def focus_query(self) -> None:
        """Put the cursor into the query field (Ctrl+F)."""
