"""Password commands by the rules of the system they run on (cmd.exe on Windows)."""

from __future__ import annotations

import sys

import pytest

from archiver.core.accounts import Account, PasswordSource
from archiver.core.secrets import command_output, get_password


def test_output_in_a_windows_console_code_page_is_not_taken_for_utf8():
    assert command_output("pässwort\r\n".encode()) == "pässwort\r\n"
    assert command_output("pässwort\r\n".encode("cp850"), "cp850") == "pässwort\r\n"
    assert command_output("pässwort".encode("cp1252"), None) == "p\ufffdsswort"  # not Windows


@pytest.mark.skipif(sys.platform != "win32", reason="cmd.exe is Windows' shell")
def test_a_password_command_runs_under_cmd_exe_with_its_quoting():
    # ASCII only: Windows' cmd.exe writes non-ASCII to a pipe in the OEM code page, Wine's
    # in the ANSI one; the decoding is tested above.
    command = "echo Gruss ^& mehr& echo second line"  # "^" escapes, "&" separates commands
    account = Account(
        "a", "h", "u", password_source=PasswordSource.COMMAND, password_command=command
    )
    assert get_password(account).reveal() == "Gruss & mehr"
