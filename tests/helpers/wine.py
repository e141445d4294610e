"""Where Wine, which runs the Windows tests in CI, differs from Windows (docs/WINDOWS.md)."""

from __future__ import annotations

import ctypes
import dis
import imaplib
import sys

import pytest


def _under_wine() -> bool:
    if sys.platform != "win32":
        return False
    return hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")  # exported by Wine's only


UNDER_WINE = _under_wine()
# imaplib logs the IMAP conversation only inside "if __debug__:" blocks, which python.org's
# embeddable Windows build (the CI's, under Wine) compiled away: its stdlib is built with -OO.
IMAPLIB_LOGS = any(i.argval == "_mesg" for i in dis.get_instructions(imaplib.IMAP4._command))


def wine_gap(reason: str) -> pytest.MarkDecorator:
    """Mark a test that fails under Wine because Wine does not behave as Windows does.

    Strict: the test must fail under Wine (so the mark goes once Wine closes the gap) and
    pass everywhere else, on Windows too.
    """
    return pytest.mark.xfail(UNDER_WINE, reason=f"Wine: {reason}", strict=True)
