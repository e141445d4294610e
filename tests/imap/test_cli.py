"""The command line, as a user runs it: accounts, archive, JSON, errors and exit codes."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import socket
import subprocess
import sys
import sysconfig
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from archiver.cli import main
from archiver.core.jobs import archive as archive_module
from tests.helpers.dovecot import append_messages
from tests.helpers.filekeyring import FileKeyring
from tests.helpers.mailgen import generate_message
from tests.helpers.privacy import assert_private
from tests.helpers.shell import print_file

pytestmark = pytest.mark.imap

EXE = ".exe" if sys.platform == "win32" else ""

OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def file_keyring(tmp_path):
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring(tmp_path / "keyring.json"))
    yield tmp_path / "keyring.json"
    keyring.set_keyring(previous)


@pytest.fixture
def added(dovecot, imap_user, home, tmp_path, capsys):
    """An account 'office' whose password comes from a password command."""
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    code = main(
        [
            "account",
            "add",
            "office",
            *dovecot.account_args(imap_user),
            "--password-command",
            print_file(secret),
        ]
    )
    assert code == 0
    capsys.readouterr()
    return "office"


def test_cli_is_qt_free():
    code = (
        "import sys, archiver.cli, archiver.core.jobs.archive; "
        "sys.exit(any(m.split('.')[0] == 'PySide6' for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_version_and_bare_command(home, capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("imap-archiver 0.")
    assert main([]) == 0
    out = capsys.readouterr().out
    assert str(home.archive) in out and "No accounts yet" in out


def test_account_add_list_remove_keeps_no_password(added, home, imap_user, capsys):
    config_text = home.config_file.read_text()
    assert imap_user.password not in config_text
    assert_private(home.config_file)
    assert main(["account", "list"]) == 0
    assert f"office: {imap_user.name}@127.0.0.1" in capsys.readouterr().out
    assert main(["account", "remove", "office"]) == 0
    assert main(["account", "list"]) == 0
    assert "No accounts yet" in capsys.readouterr().out


def test_account_test_shows_folders_and_quota(added, dovecot, imap_user, capsys):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(3)], when=OLD)
    assert main(["account", "test", "office"]) == 0
    out = capsys.readouterr().out
    assert "Connected to 127.0.0.1" in out
    inbox = next(line for line in out.splitlines() if line.startswith("INBOX"))
    assert inbox.split()[1] == "3" and "KB" in inbox
    assert "Trash" in out and "\\Trash" in out
    assert "Quota:" in out and "of 100.0 MB" in out


def test_password_stdin_goes_into_the_keyring(
    dovecot, imap_user, home, file_keyring, monkeypatch, capsys
):
    monkeypatch.setattr(sys, "stdin", io.StringIO(imap_user.password + "\n"))
    assert (
        main(
            [
                "account",
                "add",
                "kr",
                *dovecot.account_args(imap_user),
                "--password-stdin",
            ]
        )
        == 0
    )
    assert "keyring" in capsys.readouterr().out
    assert imap_user.password in file_keyring.read_text()
    assert imap_user.password not in home.config_file.read_text()
    assert main(["account", "test", "kr"]) == 0
    assert main(["account", "remove", "kr"]) == 0
    assert imap_user.password not in file_keyring.read_text()


def test_no_keyring_is_a_clear_error(dovecot, imap_user, home, monkeypatch, capsys):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        monkeypatch.setattr(sys, "stdin", io.StringIO("pw\n"))
        args = ["--host", "h.example", "--user", "u", "--password-stdin", "--no-test"]
        code = main(["account", "add", "nokr", *args])
    finally:
        keyring.set_keyring(previous)
    assert code == 1
    err = capsys.readouterr().err
    assert "no usable system keyring" in err and "--password-command" in err
    assert not home.config_file.exists()


def _refused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound once, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("fault", ["wrong password", "closed port"])
@pytest.mark.parametrize("source", ["command", "keyring"])
def test_account_add_saves_nothing_when_the_connection_test_fails(
    dovecot, imap_user, home, tmp_path, file_keyring, monkeypatch, capsys, fault, source
):
    args = dovecot.account_args(imap_user)
    password = imap_user.password
    if fault == "wrong password":
        password = "Wr0ng-Secret-Value"
    else:
        args[args.index("--port") + 1] = str(_refused_port())
    if source == "command":
        secret = tmp_path / "pw"
        secret.write_text(password + "\n")
        args += ["--password-command", print_file(secret)]
    else:
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
        args += ["--password-stdin"]
    assert main(["account", "add", "office", *args]) == 1
    err = capsys.readouterr().err
    reason = "login failed" if fault == "wrong password" else "refused"
    assert reason in err.lower(), err
    assert "Account office was not saved" in err and "--no-test" in err
    assert "Wr0ng-Secret-Value" not in err
    assert not home.config_file.exists()
    assert not file_keyring.exists() or password not in file_keyring.read_text()

    if source == "keyring":  # --no-test saves it as given (the password read again)
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    assert main(["account", "add", "office", *args, "--no-test"]) == 0
    assert "office" in home.config_file.read_text()


def test_account_add_tests_the_connection_first(dovecot, imap_user, home, tmp_path, capsys):
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    args = [*dovecot.account_args(imap_user), "--password-command", print_file(secret)]
    assert main(["account", "add", "office", *args]) == 0
    captured = capsys.readouterr()
    assert f"Testing the connection to {dovecot.host}:{dovecot.ssl_port}" in captured.err
    assert "Account office saved" in captured.out


def test_archive_json_summary(added, dovecot, imap_user, home, capsys):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(4)], when=OLD)
        append_messages(client, "INBOX", [generate_message(9)], when=dt.datetime.now(dt.UTC))
    assert main(["archive", "office", "--older-than", "365d", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("archived", "deleted", "bytes", "skipped", "errors", "quota_before", "quota_after"):
        assert key in summary
    assert (summary["archived"], summary["deleted"], summary["errors"]) == (4, 4, 0)
    assert summary["quota_after"]["used"] < summary["quota_before"]["used"]
    assert summary["closes"] is True
    assert len(list((home.archive / "office" / "cur").iterdir())) == 4
    assert_private(home.archive / "office")
    for path in (home.archive / "office" / "cur").iterdir():
        assert_private(path)


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_mail_arriving_during_the_run_exits_0(
    added, dovecot, imap_user, capsys, monkeypatch, as_json
):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(3)], when=OLD)
    real_archive_all = archive_module._archive_all

    def archive_then_deliver(*args, **kwargs):
        real_archive_all(*args, **kwargs)
        with dovecot.client(imap_user) as client:  # a busy INBOX: mail keeps coming
            append_messages(client, "INBOX", [generate_message(10 + i) for i in range(2)])

    monkeypatch.setattr(archive_module, "_archive_all", archive_then_deliver)
    args = ["archive", "office", "--older-than", "365d"]
    assert main([*args, "--json"] if as_json else args) == 0
    out = capsys.readouterr().out
    if as_json:
        summary = json.loads(out)
        assert (summary["deleted"], summary["arrived"], summary["closes"]) == (3, 2, True)
        assert summary["folders"][0]["arrived"] == 2
        assert summary["folders"][0]["on_server_after"] == 2
    else:
        assert "INBOX: 2 arrived during the run (left on the server)" in out
        assert "Every message is accounted for" in out and "WARNING" not in out


def test_archive_dry_run_prints_the_plan(added, dovecot, imap_user, capsys):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(2)], when=OLD)
    assert main(["archive", "office", "--before", "2021-01-01", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Plan (dry run: nothing was changed)" in out
    assert "2 messages" in out and "would move" in out and "would be" in out
    assert "Every message on the server is counted" in out
    assert " = " not in out  # the facts in words, not the job's bookkeeping formula
    with dovecot.client(imap_user) as client:
        assert client.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--older-than", "5x"], "Invalid age '5x'"),
        (["--before", "2021-13-01"], "Invalid date '2021-13-01'"),
        ([], "Say what to archive"),
        (["--older-than", "1y", "--before", "2021-01-01"], "either --older-than or --before"),
        (["--older-than", "1y", "--folder", "Nope"], "no selectable folder named 'Nope'"),
    ],
)
def test_bad_input_is_one_clear_line(added, capsys, args, message):
    assert main(["archive", "office", *args]) == 1
    err = capsys.readouterr().err
    assert message in err and err.startswith("imap-archiver: error:")
    assert "Traceback" not in err


def test_unknown_account(home, capsys):
    assert main(["archive", "nobody", "--older-than", "1y"]) == 1
    assert "No account named 'nobody'" in capsys.readouterr().err


def test_wrong_password_never_reaches_output_or_log(dovecot, imap_user, home, monkeypatch, capsys):
    wrong = "Wr0ng-Secret-Value"
    assert (
        main(
            [
                "account",
                "add",
                "bad",
                *dovecot.account_args(imap_user),
            ]
        )
        == 0
    )
    monkeypatch.setattr(sys, "stdin", io.StringIO(wrong + "\n"))
    assert main(["-v", "archive", "bad", "--older-than", "1y", "--password-stdin"]) == 1
    captured = capsys.readouterr()
    assert "Account bad" in captured.err and "login failed" in captured.err
    logs = "".join(p.read_text() for p in home.logs.iterdir())
    for text in (captured.out, captured.err, logs, home.config_file.read_text()):
        assert wrong not in text


def test_cli_subprocess_exit_code_and_progress(added, dovecot, imap_user, home):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(3)], when=OLD)
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(home.config.parent)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "archiver",
            "archive",
            "office",
            "--older-than",
            "1y",
            "--keep-on-server",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Archived 3 messages" in done.stdout
    assert "3 kept on the server: --keep-on-server" in done.stdout


def test_installed_command_archives_and_indexes(added, dovecot, imap_user, home):
    """The ``imap-archiver`` script pip installs: the job's indexer process starts from it."""
    # Where pip put it: beside python on POSIX, in Scripts\ on Windows (an .exe launcher).
    script = Path(sysconfig.get_path("scripts")) / f"imap-archiver{EXE}"
    if not script.exists():
        pytest.skip(f"the package is not installed beside {sys.executable}")
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(3)], when=OLD)
    # UTF-8 output, as this process reads it (a Windows pipe would get the ANSI code page).
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(home.config.parent), "PYTHONIOENCODING": "utf-8"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    archived = run("archive", "office", "--older-than", "1y", "--keep-on-server")
    assert archived.returncode == 0, archived.stderr
    assert "3 messages indexed for search" in archived.stdout
    found = run("search", "date:[1970 to 2100]")
    assert found.returncode == 0 and "3 messages found." in found.stdout


@pytest.mark.expect_log("ERROR", "archiver.cli.run", r"^Unexpected error$")
def test_unexpected_error_is_one_line_and_logged(added, home, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr("archiver.cli.archive.run_archive", broken)
    assert main(["archive", "office", "--older-than", "1y"]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err
    assert "KeyError: 'a bug'" in (home.logs / "imap-archiver.log").read_text()
