"""Shared fixtures: the private Dovecot server, fresh users, and an isolated app home."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.core.accounts import Account
from archiver.core.paths import AppDirs
from archiver.core.secrets import Secret
from tests.helpers.dovecot import DovecotServer, ImapUser, find_dovecot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """A Dovecot server on 127.0.0.1 for the whole test session (skipped where missing)."""
    binary = find_dovecot()
    if binary is None:
        pytest.skip("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    server = DovecotServer(binary)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot_shared() -> Iterator[DovecotServer]:
    """A second Dovecot that also offers other users' folders and public ones, under ACLs
    (see DovecotServer.share and public_folder)."""
    binary = find_dovecot()
    if binary is None:
        pytest.skip("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    server = DovecotServer(binary, shared_folders=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def imap_user(dovecot: DovecotServer) -> ImapUser:
    """A fresh user with an empty mailbox."""
    return dovecot.add_user()


@pytest.fixture
def account(dovecot: DovecotServer, imap_user: ImapUser) -> Account:
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


@pytest.fixture(autouse=True)
def fail_on_unexpected_warnings(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Fail a test on any log record of WARNING or more, unless it is marked allow_warnings.

    As qutebrowser's logfail: a warning nobody expected is a bug or a missing assertion.
    """
    yield
    if request.node.get_closest_marker("allow_warnings"):
        return
    unexpected = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    if unexpected:
        pytest.fail(
            "Unexpected log records: "
            + "; ".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in unexpected),
            pytrace=False,
        )
