"""Settings: archive folder and format, default cut-off, language; the log of past runs."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from archiver.gui.context import AppContext
from archiver.gui.pages.base import JobPage


class SettingsPage(JobPage):
    """Placeholder until the page is built."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("SettingsPage"))
        layout.addWidget(self.error_label)
