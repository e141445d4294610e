"""The page a new user sees: what the app does, where the archive goes, and "Add account"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from archiver.core.errors import ConfigError
from archiver.gui.context import AppContext
from archiver.gui.errors import error_text
from archiver.gui.notices import Tone, notice_label
from archiver.gui.resources import resource_path

FOLDER_TEXT_WIDTH = 560  # pixels, as wide as the text above


def _existing_ancestor(path: Path) -> Path:
    """Return *path* or its nearest existing parent: where a folder dialog can start."""
    return next((level for level in (path, *path.parents) if level.is_dir()), path)


class WelcomePage(QWidget):
    """Shown while no account is configured.

    With a *context* it also shows the archive folder and lets the user choose another one
    before anything is archived; without one (as MainWindow built it before) it only
    explains the app.

    Signals:
        add_account_requested(): the user clicked "Add account".
    """

    add_account_requested = Signal()

    def __init__(self, context: AppContext | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        icon = QLabel()
        icon.setPixmap(QIcon(str(resource_path("icons/imap-archiver.svg"))).pixmap(96, 96))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(self.tr("Welcome to IMAP Archiver"))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        self.text = QLabel(
            self.tr(
                "Mail older than a cut-off you choose moves from the server into an archive "
                "on this computer, where it stays searchable and can be put back on the "
                "server at any time. Nothing is deleted from the server before it is safely "
                "stored here and checked byte for byte.\n\n"
                "Start by adding your mail account."
            )
        )
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setMaximumWidth(FOLDER_TEXT_WIDTH)

        self.folder_caption = QLabel(self.tr("The archive is kept in:"))
        self.folder_label = QLabel()
        self.folder_label.setTextFormat(Qt.TextFormat.PlainText)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setAccessibleName(self.tr("Archive folder"))
        self.change_folder_button = QPushButton(self.tr("&Change…"))
        self.change_folder_button.setAccessibleName(self.tr("Choose another archive folder"))
        self.change_folder_button.clicked.connect(self._on_change_folder)
        self.folder_error = notice_label(Tone.ERROR)
        self.folder_error.setAccessibleName(self.tr("Problem with the archive folder"))
        self.folder_row = QWidget()
        folder_layout = QHBoxLayout(self.folder_row)
        folder_layout.setContentsMargins(0, 0, 0, 0)
        folder_layout.addStretch(1)
        folder_layout.addWidget(self.folder_caption)
        folder_layout.addWidget(self.folder_label)
        folder_layout.addWidget(self.change_folder_button)
        folder_layout.addStretch(1)

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
        for widget in (self.text, self.folder_error):
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(widget, 4)
            row.addStretch(1)
            layout.addLayout(row)
        layout.addSpacing(12)
        layout.addWidget(self.folder_row)
        layout.addSpacing(18)
        layout.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

        if context is None:
            self.folder_row.hide()
        else:
            self._show_folder()
            context.config_changed.connect(self._show_folder)

    @Slot()
    def _show_folder(self) -> None:
        """Show the archive folder; a long path is shortened in the middle, shown whole in
        the tooltip, so that it cannot widen the window."""
        assert self.context is not None
        path = str(self.context.archive_root)
        metrics = self.folder_label.fontMetrics()
        self.folder_label.setText(
            metrics.elidedText(path, Qt.TextElideMode.ElideMiddle, FOLDER_TEXT_WIDTH)
        )
        self.folder_label.setToolTip(path)
        self.folder_label.setAccessibleDescription(path)

    @Slot()
    def _on_change_folder(self) -> None:
        """Ask for a folder and save it as the archive folder; a relative one is refused."""
        assert self.context is not None
        self.folder_error.hide()
        chosen = QFileDialog.getExistingDirectory(
            self,
            self.tr("Choose the archive folder"),
            str(_existing_ancestor(self.context.archive_root)),
        )
        if not chosen:
            return  # cancelled
        folder = Path(chosen)
        if not folder.is_absolute():
            self._show_error(self.tr("The archive folder must be a full path."))
            return
        try:
            self.context.save_config(replace(self.context.config, archive_dir=folder))
        except (ConfigError, OSError) as exc:
            self._show_error(error_text(exc))

    def _show_error(self, text: str) -> None:
        self.folder_error.setText(text)
        self.folder_error.show()
