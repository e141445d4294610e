"""The scheduled run's handling of each account's problem, and its record (the real run
against Dovecot is in tests/imap/test_scheduled.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from archiver.core.accounts import Account, PasswordSource
from archiver.core.config import Config
from archiver.core.errors import (
    ArchiveLocked,
    AuthenticationError,
    ConnectError,
    SecretError,
    StoreError,
    TlsError,
)
from archiver.core.jobs.archive import ArchiveResult, FolderReport
from archiver.core.jobs.scheduled import (
    RESULT_NAME,
    Problem,
    read_scheduled_run,
    run_scheduled,
)
from archiver.core.schedule import Schedule
from archiver.core.secrets import Secret

OFFICE = Account("office", "127.0.0.1", "u", password_source=PasswordSource.KEYRING)
ALL = Schedule("all")
CONFIG = Config(accounts={"office": OFFICE}, schedules={"all": ALL})


def archived(**values: object) -> ArchiveResult:
    folder = FolderReport("INBOX", archived=5, deleted=5, bytes_deleted=5000)
    return replace(ArchiveResult("office", dry_run=False, folders=[folder]), **values)  # type: ignore[arg-type]


def run(tmp_path: Path, *, config: Config = CONFIG, failure: BaseException | None = None,
        result: ArchiveResult | None = None, schedule: Schedule = ALL):  # fmt: skip
    calls: list[dict[str, object]] = []

    def fake_archive(*args: object, **kwargs: object) -> ArchiveResult:
        calls.append({"args": args, **kwargs})
        if failure is not None:
            raise failure
        return result or archived()

    outcome = run_scheduled(
        schedule,
        config,
        tmp_path / "archive",
        tmp_path / "config",
        timeout=5,
        today=dt.date(2026, 3, 12),
        password=lambda account: Secret("x"),
        archive=fake_archive,
    )
    return outcome, calls


def test_archives_with_the_schedules_options_and_records(tmp_path):
    schedule = Schedule("all", keep_unread=True, older_than="6m")
    done, calls = run(tmp_path, schedule=schedule)
    assert done is not None and done.ok
    options = calls[0]["args"][3]
    assert options.cutoff.date() == dt.date(2025, 9, 12) and options.keep_unread  # type: ignore[attr-defined]
    assert calls[0]["cancel"] is not None and calls[0]["timeout"] == 5
    again = read_scheduled_run(tmp_path / "config")
    assert again == done
    assert (again.archived, again.bytes_freed) == (5, 5000)


@pytest.mark.parametrize(
    ("failure", "problem"),
    [
        (SecretError("no keyring"), Problem.NO_PASSWORD),
        (ArchiveLocked("busy"), Problem.ARCHIVE_BUSY),
        (AuthenticationError("rejected"), Problem.LOGIN_FAILED),
        (ConnectError("refused"), Problem.UNREACHABLE),
        (TlsError("untrusted"), Problem.UNREACHABLE),
        (StoreError("disk full"), Problem.STOPPED),
    ],
)
def test_each_accounts_problem_is_recorded(tmp_path, failure, problem):
    done, _ = run(tmp_path, failure=failure)
    assert done is not None and not done.ok
    assert done.accounts[0].problem is problem
    assert done.accounts[0].message == str(failure)


@pytest.mark.expect_log("ERROR", "archiver.core.jobs.scheduled", r"account office failed$")
def test_a_bug_is_logged_and_recorded_as_internal(tmp_path):
    done, _ = run(tmp_path, failure=KeyError("bug"))
    assert done is not None and done.accounts[0].problem is Problem.INTERNAL


def test_a_run_that_stopped_or_had_failures(tmp_path):
    done, _ = run(tmp_path, result=archived(error="connection lost"))
    assert done is not None
    assert (done.accounts[0].problem, done.accounts[0].message) == (
        Problem.STOPPED,
        "connection lost",
    )
    assert done.accounts[0].errors == 0
    failing = archived(folders=[FolderReport("INBOX", archived=3, failed=2)])
    done, _ = run(tmp_path, result=failing)
    assert done is not None and done.accounts[0].errors == 2 and done.accounts[0].problem is None
    assert not done.ok


def test_unknown_account_and_missing_archive_folder_are_not_run(tmp_path):
    config = replace(CONFIG, archive_dir=tmp_path / "USB-Stick")  # not plugged in
    done, calls = run(tmp_path, config=config, schedule=Schedule("x", ("office", "gone")))
    assert done is not None and calls == []
    assert [(o.account, o.problem) for o in done.accounts] == [
        ("office", Problem.ARCHIVE_MISSING),
        ("gone", Problem.UNKNOWN_ACCOUNT),
    ]
    assert not (tmp_path / "USB-Stick").exists()  # never created on another disk


@pytest.mark.expect_log("WARNING", "archiver.core.jobs.scheduled", r"^Cannot record")
def test_a_record_that_cannot_be_written_is_logged(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / (RESULT_NAME + ".tmp")).mkdir()  # in the way of the temp file
    done, _ = run(tmp_path)
    assert done is not None and read_scheduled_run(tmp_path / "config") is None


def test_an_unreadable_record_reads_as_none(tmp_path):
    (tmp_path / RESULT_NAME).write_text("{not json", encoding="utf-8")
    assert read_scheduled_run(tmp_path) is None
