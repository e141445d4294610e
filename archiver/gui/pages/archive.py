"""Archive: cut-off, folders, preview, the one-click archive run with progress and cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from archiver.gui.context import AppContext
from archiver.gui.pages.base import JobPage


class ArchivePage(JobPage):
    """Placeholder until the page is built."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("ArchivePage"))
        layout.addWidget(self.error_label)
