"""Accounts: the list, add / edit / remove, quota and archive size per account."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from archiver.gui.context import AppContext
from archiver.gui.pages.base import JobPage


class AccountsPage(JobPage):
    """Placeholder until the page is built."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("AccountsPage"))
        layout.addWidget(self.error_label)

    def add_account(self) -> None:
        """Open the account dialog for a new account."""
