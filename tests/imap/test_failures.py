"""Bad input and faults get a clear error naming account and folder, and lose nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import hashlib
import os
import ssl
from pathlib import Path

import pytest

from archiver.core.accounts import Security, parse_fingerprint
from archiver.core.catalog import Catalog
from archiver.core.errors import (
    ArchiveLocked,
    AuthenticationError,
    ConfigError,
    ConnectError,
    TlsError,
    UntrustedCertificate,
)
from archiver.core.imap import CHUNK_BYTES, ImapSession, format_fingerprint, open_session
from archiver.core.jobs.archive import ArchiveOptions, Kept, run_archive
from archiver.core.lock import archive_lock
from archiver.core.progress import CancelToken, Progress
from archiver.core.secrets import Secret
from archiver.core.spool_writer import SpoolWriter
from archiver.core.store import maildir
from tests.helpers.dovecot import append_messages, free_port
from tests.helpers.mailgen import big_message, generate_message
from tests.helpers.tcpproxy import FaultProxy

pytestmark = pytest.mark.imap

OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
CUTOFF = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)


def archive(account, password, root, report=lambda _: None, cancel=None, **options):
    return run_archive(
        account,
        password,
        root,
        ArchiveOptions(cutoff=CUTOFF, **options),
        None,
        "maildir",
        report=report,
        cancel=cancel or CancelToken(),
    )


def count_on_server(dovecot, user, folder="INBOX") -> int:
    with dovecot.client(user) as client:
        return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])


def fill(dovecot, user, count=5, folder="INBOX", seed=0):
    with dovecot.client(user) as client:
        append_messages(
            client, folder, [generate_message(seed + i) for i in range(count)], when=OLD
        )


def test_wrong_password_is_a_clear_error_without_the_password(account):
    with pytest.raises(AuthenticationError) as caught:
        ImapSession.connect(account, Secret("not-the-password"))
    text = str(caught.value)
    assert "Account test" in text and "login failed" in text
    assert "not-the-password" not in text and "not-the-password" not in repr(caught.value)


def test_unreachable_host(account, password):
    closed = dataclasses.replace(account, port=free_port())
    with pytest.raises(ConnectError, match=r"Account test .*connection refused"):
        ImapSession.connect(closed, password, timeout=5)


def test_untrusted_certificate_is_refused(account, password):
    untrusting = dataclasses.replace(account, cafile=None)
    with pytest.raises(TlsError, match=r"certificate is not trusted"):
        ImapSession.connect(untrusting, password)


def _certificate_fingerprint(dovecot) -> str:
    pem = dovecot.cafile.read_text()
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()


@pytest.mark.parametrize("security", [Security.SSL, Security.STARTTLS])
def test_untrusted_certificate_names_its_fingerprint_and_can_be_pinned(
    dovecot, account, password, security
):
    port = dovecot.ssl_port if security is Security.SSL else dovecot.port
    untrusting = dataclasses.replace(account, cafile=None, security=security, port=port)
    with pytest.raises(UntrustedCertificate) as caught:
        ImapSession.connect(untrusting, password)
    expected = _certificate_fingerprint(dovecot)
    assert caught.value.fingerprint == expected
    assert format_fingerprint(expected) in str(caught.value)
    assert f"user=<{account.user}>" not in dovecot.log_tail(200)  # no password was sent

    pinned = dataclasses.replace(untrusting, tls_fingerprint=expected)
    with open_session(pinned, password) as session:
        assert session.list_folders()[0].name == "INBOX"


def test_a_pinned_certificate_that_changed_is_refused_before_login(dovecot, account, password):
    other = "0" * 64
    pinned = dataclasses.replace(account, cafile=None, tls_fingerprint=other)
    with pytest.raises(UntrustedCertificate, match="not the one you chose to trust") as caught:
        ImapSession.connect(pinned, password)
    assert caught.value.fingerprint == _certificate_fingerprint(dovecot)
    assert f"user=<{account.user}>" not in dovecot.log_tail(200)


def test_fingerprints_are_read_as_shown():
    shown = format_fingerprint("ab" * 32)
    assert parse_fingerprint(shown) == "ab" * 32
    assert parse_fingerprint("SHA256:" + "AB" * 32) == "ab" * 32
    with pytest.raises(ConfigError, match="not a SHA-256 fingerprint"):
        parse_fingerprint("12:34")


def test_starttls_works_and_verifies(dovecot, account, password):
    starttls = dataclasses.replace(account, security=Security.STARTTLS, port=dovecot.port)
    with open_session(starttls, password) as session:
        assert session.list_folders()[0].name == "INBOX"
    with pytest.raises(TlsError, match="not trusted"):
        ImapSession.connect(dataclasses.replace(starttls, cafile=None), password)


def test_starttls_never_falls_back_to_plain_text(dovecot, account, password):
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        proxy.rewrite_server(b" STARTTLS", b"", count=10)  # a server (or attacker) hiding it
        hidden = dataclasses.replace(
            account, security=Security.STARTTLS, host=proxy.host, port=proxy.port
        )
        with pytest.raises(TlsError, match="does not offer STARTTLS; refusing"):
            ImapSession.connect(hidden, password)
    assert f"user=<{account.user}>" not in dovecot.log_tail(200)  # no login was tried


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.archive",
    r"^Account test, folder Work: the server refused EXAMINE Work",
)
def test_folder_gone_mid_run_skips_it_and_keeps_the_rest(
    dovecot, imap_user, account, password, tmp_path
):
    fill(dovecot, imap_user, 3)
    fill(dovecot, imap_user, 3, folder="Work", seed=10)

    def delete_work_once(progress: Progress) -> None:
        if progress.message == "INBOX" and count_on_server(dovecot, imap_user, "INBOX"):
            with dovecot.client(imap_user) as client:
                if client.folder_exists("Work"):
                    client.delete_folder("Work")

    result = archive(account, password, tmp_path, report=delete_work_once)

    by_name = {f.folder: f for f in result.folders}
    assert by_name["INBOX"].deleted == 3 and by_name["INBOX"].closes
    work = by_name["Work"]
    assert work.error and "Account test, folder Work" in work.error
    assert work.not_reached == 3 and work.closes
    assert not result.ok


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.imap",
    r"^Folder INBOX: FETCH of 4 messages refused; retrying one by one$",
)
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.archive",
    r"^Account test, folder INBOX, UID 1: .*the server refused FETCH",
)
def test_fetch_answered_with_no_keeps_that_message(dovecot, imap_user, account, password, tmp_path):
    fill(dovecot, imap_user, 4)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:

        def refuse_fetches(progress: Progress) -> None:
            if progress.message == "Archiving":  # the batch FETCH, then the first retry alone
                proxy.rewrite_server(b"OK Fetch completed", b"NO Fetch refused!", count=2)

        refusing = dataclasses.replace(
            account, security=Security.PLAIN, host=proxy.host, port=proxy.port
        )
        result = archive(refusing, password, tmp_path, report=refuse_fetches)

    inbox = result.folders[0]
    assert (inbox.archived, inbox.failed, inbox.deleted) == (3, 1, 3)
    assert "Fetch refused" in inbox.failures[0]
    assert inbox.closes and not result.ok
    assert count_on_server(dovecot, imap_user) == 1


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
def test_server_lying_in_search_deletes_nothing_new(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    searched: list[list[int]] = []
    real_search = ImapSession.search_before
    monkeypatch.setattr(
        ImapSession,
        "search_before",
        lambda self, day: searched.append(real_search(self, day)) or searched[-1],
    )
    fill(dovecot, imap_user, 2)
    with dovecot.client(imap_user) as client:
        append_messages(
            client,
            "INBOX",
            [generate_message(7), generate_message(8)],
            when=dt.datetime.now(dt.UTC),
        )
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        # As a server with a broken date search would: every message matches "BEFORE".
        proxy.rewrite_server(b"* SEARCH 1 2\r\n", b"* SEARCH 1 2 3 4\r\n")
        lying = dataclasses.replace(
            account, security=Security.PLAIN, host=proxy.host, port=proxy.port
        )
        result = archive(lying, password, tmp_path)

    assert searched == [[1, 2, 3, 4]]  # the lie arrived
    inbox = result.folders[0]
    assert (inbox.newer, inbox.archived, inbox.deleted) == (2, 2, 2) and inbox.closes
    assert count_on_server(dovecot, imap_user) == 2  # today's mail stays


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.archive",
    r"^Account test, folder INBOX, UID 3: received \d+ bytes, but RFC822.SIZE is \d+$",
)
def test_fewer_bytes_than_rfc822_size_keeps_the_message(
    dovecot, imap_user, account, password, tmp_path
):
    raw = generate_message(5)
    fill(dovecot, imap_user, 2)
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [raw], when=OLD)
        client.select_folder("INBOX", readonly=True)
        size = client.fetch([3], ["RFC822.SIZE"])[3][b"RFC822.SIZE"]
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        # A server that announces more bytes than it sends.
        proxy.rewrite_server(
            f"RFC822.SIZE {size}".encode(), f"RFC822.SIZE {size + 7}".encode(), count=100
        )
        lying = dataclasses.replace(
            account, security=Security.PLAIN, host=proxy.host, port=proxy.port
        )
        result = archive(lying, password, tmp_path)

    inbox = result.folders[0]
    assert (inbox.archived, inbox.failed, inbox.deleted) == (2, 1, 2) and inbox.closes
    assert f"RFC822.SIZE is {size + 7}" in inbox.failures[0]
    assert count_on_server(dovecot, imap_user) == 1


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.archive",
    r"^Account test: archive stopped: .*connection lost while FETCH",
)
def test_connection_lost_mid_fetch_then_rerun_finishes(
    dovecot, imap_user, account, password, tmp_path
):
    fill(dovecot, imap_user, 6)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        proxy.cut_after_client_sends(b"BODY.PEEK[]", delay_bytes_from_server=3000)
        flaky = dataclasses.replace(
            account, security=Security.PLAIN, host=proxy.host, port=proxy.port
        )
        first = archive(flaky, password, tmp_path)
        assert first.error and "connection lost" in first.error
        assert first.deleted == 0 and count_on_server(dovecot, imap_user) == 6
        assert first.closes

        second = archive(flaky, password, tmp_path)

    assert second.ok and second.deleted == 6 and second.closes
    assert count_on_server(dovecot, imap_user) == 0


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.archive",
    r"^Account test: archive stopped: .*connection lost while (STORE|UID EXPUNGE)",
)
@pytest.mark.parametrize(("cut_after", "flagged_left"), [(b"+FLAGS.SILENT", 4), (b"EXPUNGE", 0)])
def test_connection_lost_while_deleting_then_rerun(
    dovecot, imap_user, account, password, tmp_path, cut_after, flagged_left
):
    fill(dovecot, imap_user, 4)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        # The server gets the command, the client never hears back: after STORE the messages
        # carry \Deleted but stay; after UID EXPUNGE they are gone.
        proxy.cut_after_client_sends(cut_after)
        flaky = dataclasses.replace(
            account, security=Security.PLAIN, host=proxy.host, port=proxy.port
        )
        first = archive(flaky, password, tmp_path)
        assert first.error and "connection lost" in first.error
        assert first.deleted == 0 and first.closes
        assert count_on_server(dovecot, imap_user) == flagged_left

        second = archive(flaky, password, tmp_path)

    inbox = second.folders[0]
    assert (inbox.archived, inbox.already, inbox.deleted) == (0, flagged_left, flagged_left)
    assert second.ok and second.closes
    assert count_on_server(dovecot, imap_user) == 0
    assert len(list((tmp_path / "test" / "cur").iterdir())) == 4


@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.archive",
    r"^Account test: archive stopped: The archive disk is full .*; nothing was deleted",
)
def test_disk_full_stops_and_deletes_nothing(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    fill(dovecot, imap_user, 5)
    written = []

    def full_disk(out, message):  # the third file hits a full disk
        if len(written) >= 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(message)
        real_copy(out, message)

    real_copy = maildir.copy_into
    monkeypatch.setattr(maildir, "copy_into", full_disk)
    first = archive(account, password, tmp_path)

    assert first.error and "disk is full" in first.error and "nothing was deleted" in first.error
    assert first.deleted == 0 and first.closes
    assert count_on_server(dovecot, imap_user) == 5
    assert not list((tmp_path / "test" / "tmp").iterdir())  # no half-written leftovers

    monkeypatch.setattr(maildir, "copy_into", real_copy)
    second = archive(account, password, tmp_path)
    assert second.ok and second.deleted == 5
    assert len(list((tmp_path / "test" / "cur").iterdir())) == 5


@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.archive",
    r"^Account test: archive stopped: The archive disk is full .*; nothing was deleted",
)
def test_disk_full_while_spooling_a_large_message_stops_and_deletes_nothing(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    fill(dovecot, imap_user, 2)
    with dovecot.client(imap_user) as client:  # fetched in three pieces, written on a thread
        append_messages(client, "INBOX", [big_message(2 * CHUNK_BYTES + 100, seed=4)], when=OLD)
    pieces = []

    def full_disk(writer, piece):  # the second piece hits a full disk
        if pieces:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        pieces.append(len(piece))
        real_write(writer, piece)

    real_write = SpoolWriter._write
    monkeypatch.setattr(SpoolWriter, "_write", full_disk)
    first = archive(account, password, tmp_path)

    assert first.error and "disk is full" in first.error and "nothing was deleted" in first.error
    assert pieces == [CHUNK_BYTES]
    assert first.deleted == 0 and first.closes
    assert count_on_server(dovecot, imap_user) == 3
    assert not list((tmp_path / "test" / "tmp").iterdir())
    assert not [p for p in tmp_path.rglob("*.spool")]  # the half-written spool file is gone

    monkeypatch.setattr(SpoolWriter, "_write", real_write)
    second = archive(account, password, tmp_path)
    assert second.ok and second.deleted == 3
    assert sorted(p.stat().st_size for p in (tmp_path / "test" / "cur").iterdir())[-1] > (
        2 * CHUNK_BYTES
    )


def test_second_job_on_the_same_archive_is_refused(account, password, tmp_path: Path):
    with archive_lock(tmp_path), pytest.raises(ArchiveLocked, match="Another imap-archiver job"):
        archive(account, password, tmp_path)


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.archive",
    r"^Folder INBOX: the server lacks UIDPLUS; 3 archived messages stay on it$",
)
def test_server_without_uidplus_keeps_the_messages(dovecot, imap_user, account, password, tmp_path):
    fill(dovecot, imap_user, 3)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        proxy.rewrite_server(b" UIDPLUS", b"", count=10)
        old_server = dataclasses.replace(
            account, security=Security.PLAIN, host=proxy.host, port=proxy.port
        )
        result = archive(old_server, password, tmp_path)

    inbox = result.folders[0]
    assert (inbox.archived, inbox.deleted) == (3, 0) and inbox.closes
    assert inbox.kept == {Kept.NO_UIDPLUS: 3}
    assert count_on_server(dovecot, imap_user) == 3


def test_cancel_stops_at_a_safe_point_and_deletes_nothing(
    dovecot, imap_user, account, password, tmp_path
):
    fill(dovecot, imap_user, 3)
    token = CancelToken()

    def cancel_after_first_batch(progress: Progress) -> None:
        if progress.done:
            token.cancel()

    result = archive(account, password, tmp_path, report=cancel_after_first_batch, cancel=token)

    assert result.cancelled and result.deleted == 0 and result.closes
    assert count_on_server(dovecot, imap_user) == 3
    with Catalog.open(tmp_path) as catalog:
        assert all(r.state.value == "verified" for r in catalog.records())
