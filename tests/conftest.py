"""Shared fixtures: the private Dovecot server, fresh users, and an isolated app home."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.core.accounts import Account
from archiver.core.paths import AppDirs
from archiver.core.secrets import Secret
from tests.helpers.dovecot import DovecotServer, ImapUser, RemoteDovecot, session_server
from tests.helpers.logfail import ExpectedLog, log_problems

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer | RemoteDovecot]:
    """A Dovecot server on 127.0.0.1 for the whole test session: a private one, or the one
    IMAP_ARCHIVER_TEST_DOVECOT describes (see tests/helpers/dovecot.py); skipped where
    neither is possible."""
    with session_server("default") as server:
        yield server


@pytest.fixture(scope="session")
def dovecot_shared() -> Iterator[DovecotServer | RemoteDovecot]:
    """A second Dovecot that also offers other users' folders and public ones, under ACLs
    (see DovecotServer.share and public_folder)."""
    with session_server("shared") as server:
        yield server


@pytest.fixture
def imap_user(dovecot: DovecotServer | RemoteDovecot) -> ImapUser:
    """A fresh user with an empty mailbox."""
    return dovecot.add_user()


@pytest.fixture
def account(dovecot: DovecotServer | RemoteDovecot, imap_user: ImapUser) -> Account:
    """An Account for the fresh user over IMAPS, trusting the test certificate."""
    return dovecot.account(imap_user)


@pytest.fixture
def password(imap_user: ImapUser) -> Secret:
    """The fresh user's password."""
    return Secret(imap_user.password)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppDirs:
    """An isolated IMAP_ARCHIVER_HOME for the test."""
    monkeypatch.setenv("IMAP_ARCHIVER_HOME", str(tmp_path / "home"))
    return AppDirs.under(tmp_path / "home")


REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the test, for fail_on_unexpected_warnings."""
    report: pytest.TestReport = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


@pytest.fixture(autouse=True)
def fail_on_unexpected_warnings(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Fail a test on any log record of WARNING or more that it does not expect, and on any
    record it expects that did not come (see tests/helpers/logfail.py).

    As qutebrowser's logfail: a warning nobody expected is a bug or a missing assertion. A
    test names each record it expects by level, logger and a regular expression searched in
    the message, one marker per record:
    ``@pytest.mark.expect_log("WARNING", "archiver.core.imap", "without encryption")``.
    """
    yield
    if any(report.skipped for report in request.node.stash.get(REPORTS, {}).values()):
        return  # a skipped test logs what it got to, not what it expects
    expected = [ExpectedLog(*marker.args) for marker in request.node.iter_markers("expect_log")]
    problems = log_problems(caplog.get_records("call"), expected)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
