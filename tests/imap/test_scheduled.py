"""Scheduled archiving as the system's scheduler runs it: the command from the generated
task, with no terminal and no keyring, against the test Dovecot; and ``schedule`` on the
command line."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.cli import schedule as schedule_cli
from archiver.core.accounts import PasswordSource
from archiver.core.config import Config, load_config, save_config
from archiver.core.jobs.scheduled import (
    RESULT_NAME,
    SCHEDULED_LOCK_NAME,
    Problem,
    read_scheduled_run,
)
from archiver.core.lock import archive_lock
from archiver.core.runlog import read_runs
from archiver.core.schedule import Schedule
from archiver.core.scheduler import Host, System, scheduled_command
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import generate_message
from tests.helpers.shell import print_file

pytestmark = pytest.mark.imap

OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def configured(dovecot, imap_user, home, tmp_path) -> Config:
    """Three accounts on one mailbox: 'office' with a password command, 'asking' that asks
    each time, 'keyed' with its password in the keyring; a schedule 'all'. Three old
    messages and a new one in the INBOX."""
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    office = replace(
        dovecot.account(imap_user, "office"),
        password_source=PasswordSource.COMMAND,
        password_command=print_file(secret),
    )
    config = Config(
        accounts={
            "office": office,
            "asking": dovecot.account(imap_user, "asking", PasswordSource.PROMPT),
            "keyed": dovecot.account(imap_user, "keyed", PasswordSource.KEYRING),
        },
        schedules={"all": Schedule("all")},
    )
    save_config(config, home.config_file)
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(3)], when=OLD)
        append_messages(client, "INBOX", [generate_message(9)], when=dt.datetime.now(dt.UTC))
    return config


def run_unattended(home_root: Path) -> subprocess.CompletedProcess[str]:
    """Run the command the generated task runs, as the scheduler does: no terminal (stdin
    closed, a new session without a controlling terminal), no IMAP_ARCHIVER_HOME in the
    environment (the task passes --home), and no usable keyring."""
    command = scheduled_command("all", home_root, executable=sys.executable, frozen=False)
    env = {k: v for k, v in os.environ.items() if k != "IMAP_ARCHIVER_HOME"}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return subprocess.run(
        command.argv,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        start_new_session=sys.platform != "win32",
    )


def test_scheduled_run_archives_and_records_without_asking(configured, dovecot, imap_user, home):
    done = run_unattended(home.config.parent)
    # Quiet: nothing on the terminal it does not have; the outcome is in the record.
    assert (done.stdout, done.stderr) == ("", "")
    assert done.returncode == 1  # two accounts could not run: the task shows a problem
    run = read_scheduled_run(home.config)
    assert run is not None and run.schedule == "all"
    outcomes = {o.account: o for o in run.accounts}
    assert list(outcomes) == ["asking", "keyed", "office"]
    office = outcomes["office"]
    assert (office.archived, office.deleted, office.problem) == (3, 3, None)
    assert office.bytes_freed > 0 and run.bytes_freed == office.bytes_freed
    assert outcomes["asking"].problem is Problem.PASSWORD_ASKED
    assert outcomes["asking"].archived == 0
    assert outcomes["keyed"].problem is Problem.NO_PASSWORD
    assert "keyring" in outcomes["keyed"].message
    with dovecot.client(imap_user) as client:
        client.select_folder("INBOX")
        assert len(client.search("ALL")) == 1  # the new message stays
    assert [r.account for r in read_runs(home.archive)] == ["office"]  # the run log has it
    logs = "".join(p.read_text(encoding="utf-8") for p in home.logs.iterdir())
    assert "Scheduled run all, account asking" in logs


def test_second_scheduled_run_is_refused_quietly(configured, home):
    with archive_lock(home.config, SCHEDULED_LOCK_NAME):  # a run still going on
        done = run_unattended(home.config.parent)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert not (home.config / RESULT_NAME).exists()
    logs = "".join(p.read_text(encoding="utf-8") for p in home.logs.iterdir())
    assert "Another scheduled run is still going on" in logs


class RecordingTool:
    """The system's scheduler tool, recorded instead of run."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, arguments: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(arguments))
        return subprocess.CompletedProcess(list(arguments), 0, "", "")


@pytest.fixture
def tool(monkeypatch, tmp_path) -> RecordingTool:
    recorder = RecordingTool()
    host = Host(System.current(), tmp_path / "user", recorder)
    monkeypatch.setattr(schedule_cli, "scheduler_host", lambda: host)
    return recorder


def test_cli_schedule_add_list_remove(configured, home, tool, capsys):
    assert main(["schedule", "add", "office", "--every", "week", "--older-than", "2y"]) == 0
    out = capsys.readouterr().out
    assert "Schedule office: office, mail older than 2y, every Monday at 10:00" in out
    assert "run-scheduled office --home" in out
    assert tool.calls  # the task was installed
    saved = load_config(home.config_file).schedule("office")
    assert (saved.accounts, saved.older_than, saved.every.value) == (("office",), "2y", "week")

    assert main(["schedule", "add", "--all", "--keep-flagged", "--at", "7:05"]) == 0
    out = capsys.readouterr().out
    assert "Note: account asking asks for its password each time and is skipped" in out
    assert "keeping flagged mail" in out and "at 07:05" in out

    assert main(["schedule", "list"]) == 0
    out = capsys.readouterr().out
    assert out.count("task installed") == 2

    assert main(["schedule", "remove", "office"]) == 0
    assert load_config(home.config_file).schedules.keys() == {"all"}
    capsys.readouterr()


def test_cli_refuses_to_schedule_an_account_that_asks(configured, home, tool, capsys):
    assert main(["schedule", "add", "asking"]) == 1
    err = capsys.readouterr().err
    assert "asks for its password each time, so it cannot be archived unattended" in err
    assert "keyring" in err and "--password-command" in err
    assert tool.calls == []
    assert main(["schedule", "add"]) == 1
    assert "Name the accounts to archive, or give --all" in capsys.readouterr().err


def test_cli_list_shows_the_last_automatic_run(configured, home, tool, capsys):
    assert main(["run-scheduled", "all"]) == 1
    assert main(["schedule", "list"]) == 0
    out = capsys.readouterr().out
    assert "Last automatic run (all)" in out
    assert "office: 3 messages archived" in out
    assert "asking: skipped: A scheduled run cannot ask for a password" in out
    assert "keyed: 0 messages archived, 0 B freed; problem: no_password" in out
    assert json.loads((home.config / RESULT_NAME).read_text(encoding="utf-8"))["accounts"]
