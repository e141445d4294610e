"""Sizes for people, the same in the CLI and the GUI."""

from __future__ import annotations


def human_bytes(count: float) -> str:
    """Format a byte count for people: 1.5 MB, 820 KB (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(count) < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")
