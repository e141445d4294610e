"""An error shown on a page with the button that helps beside it (Edit account, Try again…).

The words and the button come from archiver.gui.errors; the notice only shows them and says
when the button is clicked. What the button does is the page's and the main window's
business: a page retries its own job, the window opens the account dialog or the settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from archiver.core.errors import ErrorKind
from archiver.gui.errors import ErrorAction, action_label
from archiver.gui.notices import Tone, notice_label


@dataclass(frozen=True, slots=True)
class HelpRequest:
    """The user clicked an error's button: *action* for *account* (None: the error names
    none), after an error of *kind* (None: not one of ours), which tells the account dialog
    which field to look at and on which port to switch the security."""

    action: ErrorAction
    account: str | None
    kind: ErrorKind | None


class ErrorNotice(QWidget):
    """A hidden error notice: the text, and the button of its action when it has one.

    Signals:
        action_clicked(ErrorAction): the button beside the error was clicked.
    """

    action_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = notice_label(Tone.ERROR)
        self.button = QPushButton()
        self.button.hide()
        self.button.clicked.connect(self._on_clicked)
        self._action: ErrorAction | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    @property
    def action(self) -> ErrorAction | None:
        """The action the button offers now (None while it is hidden)."""
        return self._action

    def show_error(self, text: str, action: ErrorAction | None = None) -> None:
        """Show *text*, with *action*'s button beside it (none for None)."""
        self._action = action
        self.label.setText(text)
        self.label.show()
        if action is None:
            self.button.hide()
        else:
            self.button.setText(action_label(action))
            self.button.setAccessibleName(action_label(action))
            self.button.show()
        self.show()

    def clear(self) -> None:
        """Hide the notice and its button."""
        self._action = None
        self.label.clear()
        self.label.hide()
        self.button.hide()
        self.hide()

    @Slot()
    def _on_clicked(self) -> None:
        if self._action is not None:
            self.action_clicked.emit(self._action)
