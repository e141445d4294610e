"""Password commands by the rules of the system they run on (cmd.exe on Windows)."""

from __future__ import annotations

import sys

import keyring
import keyring.backend
import pytest
from keyring.backends.Windows import WinVaultKeyring

from archiver.core.accounts import Account, PasswordSource
from archiver.core.secrets import (
    KEYRING_SERVICE,
    Secret,
    command_output,
    delete_from_keyring,
    get_password,
    store_in_keyring,
)


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


@pytest.mark.skipif(sys.platform != "win32", reason="the Credential Manager is Windows'")
def test_passwords_go_to_the_windows_credential_manager():

    # What keyring picks by itself on Windows: the one with the highest priority.
    assert isinstance(
        max(keyring.backend.get_all_keyring(), key=lambda k: k.priority), WinVaultKeyring
    )
    previous = keyring.get_keyring()
    keyring.set_keyring(WinVaultKeyring())
    account = Account("test", "h", "anna@example.org", password_source=PasswordSource.KEYRING)
    try:
        store_in_keyring(account, Secret("Grüße-€ 🔑"))
        assert get_password(account).reveal() == "Grüße-€ 🔑"
    finally:
        delete_from_keyring(account)
        keyring.set_keyring(previous)
    assert keyring.get_keyring().get_password(KEYRING_SERVICE, "anna@example.org@h") is None
