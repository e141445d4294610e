"""Command-line output into a file or a pipe whose encoding cannot hold every character.

On Windows, redirected output is in the ANSI code page (cp1252 in Germany): a subject with an
emoji or Polish letters must not end the command with an error, and JSON must stay exact.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest

from archiver.cli import main
from tests.helpers.dovecot import append_messages
from tests.imap.test_archive import OLD

pytestmark = pytest.mark.imap

SUBJECT = "Rechnung für Łódź 😀"
MESSAGE = (
    b"From: =?utf-8?q?J=C3=B3zef_Wi=C5=9Bniewski?= <jozef@example.org>\r\n"
    b"To: office@example.org\r\n"
    b"Subject: =?utf-8?b?" + base64.b64encode(SUBJECT.encode()) + b"?=\r\n"
    b"Message-ID: <lodz@example.org>\r\n"
    b"Date: Tue, 02 Jan 2020 12:00:00 +0000\r\n"
    b"\r\n"
    b"Rechnung anbei.\r\n"
)


def test_search_output_in_the_windows_ansi_code_page(dovecot, imap_user, home, capsys):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [MESSAGE], when=OLD)
    args = dovecot.account_args(imap_user)
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}  # as Windows redirects output

    def run(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "archiver", *argv],
            input=None if stdin is None else stdin.encode(),
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )

    assert main(["account", "add", "office", *args]) == 0  # password: asked on each run
    archived = run(
        "archive", "office", "--older-than", "1y", "--keep-on-server", "--password-stdin",
        stdin=imap_user.password + "\n",
    )  # fmt: skip
    assert archived.returncode == 0, archived.stderr

    found = run("search", "rechnung")
    assert found.returncode == 0, found.stderr
    assert "Rechnung für ?ód? ?".encode("cp1252") in found.stdout  # replaced, not a crash

    as_json = run("search", "rechnung", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout.decode("ascii"))["subject"] == SUBJECT
    capsys.readouterr()
