"""The page a new user sees: what the app does, and "Add account"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from archiver.gui.resources import resource_path


class WelcomePage(QWidget):
    """Shown while no account is configured.

    Signals:
        add_account_requested(): the user clicked "Add account".
    """

    add_account_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = QLabel()
        icon.setPixmap(QIcon(str(resource_path("icons/imap-archiver.svg"))).pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(self.tr("Welcome to IMAP Archiver"))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(
            self.tr(
                "Your mailbox on the server is small. IMAP Archiver moves old mail into an "
                "archive on this computer, checks every message byte for byte, and only then "
                "deletes it from the server. Archived mail stays searchable here and can be "
                "put back on the server at any time.\n\n"
                "Start by adding your mail account."
            )
        )
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setMaximumWidth(560)
        self.add_button = QPushButton(self.tr("Add account…"))
        self.add_button.setDefault(True)
        self.add_button.setAccessibleName(self.tr("Add account"))
        self.add_button.clicked.connect(self.add_account_requested)

        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(icon)
        layout.addWidget(title)
        layout.addSpacing(12)
        # Centred by stretches, not by an alignment flag: a layout item with an alignment
        # ignores heightForWidth, and the wrapped text would be clipped.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(text, 4)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addSpacing(18)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
