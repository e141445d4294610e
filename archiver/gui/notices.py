"""Coloured notices on pages and dialogs: errors, warnings and good news look alike
everywhere."""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel


class Tone(enum.Enum):
    """What a notice tells: something failed, needs attention, or went well."""

    ERROR = "color: #8a1c1c; background: #fdecea; border: 1px solid #f5c2c0;"
    WARNING = "background: #fff8e1; border: 1px solid #ffd54f;"
    SUCCESS = "background: #e8f5e9; border: 1px solid #a5d6a7;"


def stylesheet(tone: Tone, selector: str = "QLabel") -> str:
    """Return the style sheet giving *selector* the look of a *tone* notice."""
    return f"{selector} {{ {tone.value} border-radius: 4px; padding: 6px; }}"


def notice_label(tone: Tone) -> QLabel:
    """Return a hidden, word-wrapped, selectable plain-text label styled as *tone*."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet(stylesheet(tone))
    label.hide()
    return label
