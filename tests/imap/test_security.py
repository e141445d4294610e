"""Security against the real server: certificates, and passwords in nothing we write."""

from __future__ import annotations

import dataclasses

import pytest

from archiver.cli import main
from archiver.core.errors import TlsError
from archiver.core.imap import ImapSession
from archiver.core.paths import AppDirs
from tests.helpers.dovecot import DovecotServer, append_messages
from tests.helpers.mailgen import generate_message
from tests.helpers.shell import print_file
from tests.helpers.wine import IMAPLIB_LOGS
from tests.imap.test_archive import OLD

pytestmark = pytest.mark.imap


def test_a_changed_certificate_is_refused(dovecot, account, password):
    """The same host and port answering with another certificate (a new server, or someone
    in between) is refused, before the password is sent."""
    other = DovecotServer(dovecot.binary)
    other.start()
    try:
        impostor = dataclasses.replace(account, port=other.ssl_port)
        with pytest.raises(TlsError, match="not trusted"):
            ImapSession.connect(impostor, password, timeout=10)
        assert "no auth attempts" in other.log_tail(200)  # the password was never sent
    finally:
        other.stop()


def everything_written(home: AppDirs, *extra: str) -> list[tuple[str, bytes]]:
    """Return every file below the app home (settings, logs, archive, catalog, index)."""
    root = home.config_file.parent.parent
    files = [(str(p), p.read_bytes()) for p in root.rglob("*") if p.is_file()]
    assert len(files) > 10  # the archive, the catalog and the index are there
    return files + [(f"output {i}", text.encode()) for i, text in enumerate(extra)]


def test_password_is_in_no_file_log_or_output_of_a_full_run(
    dovecot, imap_user, home, tmp_path, capsys
):
    """Every command, verbose (IMAP traffic logged), then grep everything for the password."""
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(4)], OLD)
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    args = ["account", "add", "office", *dovecot.account_args(imap_user)]
    outputs = []
    commands = [
        [*args, "--password-command", print_file(secret)],
        ["-v", "account", "test", "office"],
        ["-v", "archive", "office", "--before", "2030-01-01"],
        ["-v", "search", "--json", "date:2020"],
        ["-v", "show", "1"],
        ["-v", "export", "1", "--eml-dir", str(tmp_path / "eml")],
        ["-v", "restore", "--query", "folder:inbox"],
        ["-v", "reindex"],
        ["-v", "archive", "office", "--before", "2030-01-01"],
    ]
    for command in commands:
        assert main(command) == 0, command
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
    logs = "".join(p.read_text() for p in home.logs.iterdir())
    if IMAPLIB_LOGS:  # the wire was logged, verbosely
        assert "LOGIN" in logs or "login" in logs.lower()
    for name, content in everything_written(home, *outputs):
        assert imap_user.password.encode() not in content, name
