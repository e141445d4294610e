"""Restoring archived mail to the server: exact bytes, flags and dates; never twice; safe stops."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.core.accounts import Account, Security
from archiver.core.catalog import Catalog, Record
from archiver.core.errors import AppendRefused, ArchiveLocked, ArchiverError
from archiver.core.imap import open_session
from archiver.core.jobs.archive import Kept
from archiver.core.jobs.restore import (
    Login,
    Outcome,
    RestoreOptions,
    RestoreResult,
    run_restore,
)
from archiver.core.lock import archive_lock
from archiver.core.progress import CancelToken, Progress
from archiver.core.store.reading import read_message
from tests.helpers.corpus import SKIP_REASON, corpus_files
from tests.helpers.dovecot import DovecotServer, ImapUser, append_messages
from tests.helpers.mailgen import HARD_SHAPES, big_message, generate_message
from tests.helpers.shell import print_file
from tests.helpers.tcpproxy import FaultProxy
from tests.imap.test_archive import OLD, run, server_state

pytestmark = pytest.mark.imap

FLAG_SETS: list[tuple[bytes, ...]] = [
    (),
    (b"\\Seen",),
    (b"\\Seen", b"\\Flagged"),
    (b"\\Answered", b"$Forwarded"),
    (b"\\Draft", b"$Label1", b"Custom_Keyword"),
]
CEST = dt.timezone(dt.timedelta(hours=2))


def fill_varied(dovecot: DovecotServer, user: ImapUser, raws: list[bytes], folder="INBOX"):
    """APPEND *raws* with varied flags and INTERNALDATEs (some in a +02:00 zone)."""
    with dovecot.client(user) as client:
        if not client.folder_exists(folder):
            client.create_folder(folder)
        for i, raw in enumerate(raws):
            when = (OLD + dt.timedelta(days=i, minutes=7 * i)).astimezone(CEST if i % 2 else dt.UTC)
            client.append(folder, raw, flags=FLAG_SETS[i % len(FLAG_SETS)], msg_time=when)


def snapshot(dovecot, user, folder="INBOX") -> Counter:
    """The folder as a multiset of (bytes, flags, INTERNALDATE as an instant)."""
    return Counter(
        (data, frozenset(f.lower() for f in flags), when.timestamp())
        for data, flags, when in server_state(dovecot, user, folder).values()
    )


def records(root: Path) -> list[Record]:
    with Catalog.open(root) as catalog:
        return catalog.records()


def server_raw(root: Path, index: int) -> bytes:
    """The bytes of the archive's *index*-th message (as the server once sent them)."""
    return read_message(root, records(root)[index])


def restore(
    records_: list[Record],
    root: Path,
    logins: dict[str, Login],
    seen: list[Progress] | None = None,
    cancel: CancelToken | None = None,
    **options: object,
) -> RestoreResult:
    return run_restore(
        records_,
        root,
        logins,
        RestoreOptions(**options),  # type: ignore[arg-type]
        report=seen.append if seen is not None else lambda _: None,
        cancel=cancel or CancelToken(),
    )


def plain_via(proxy: FaultProxy, account: Account) -> Account:
    return dataclasses.replace(account, security=Security.PLAIN, host=proxy.host, port=proxy.port)


@pytest.fixture
def login(account, password) -> dict[str, Login]:
    return {"test": Login(account, password)}


@pytest.mark.parametrize(
    ("source", "fmt"), [("corpus", "maildir"), ("hard shapes", "mbox")], ids=["corpus", "shapes"]
)
def test_round_trip_is_exact_and_a_second_restore_adds_nothing(
    dovecot, imap_user, account, password, login, tmp_path, source, fmt
):
    if source == "corpus":
        raws = [f.read_bytes() for f in corpus_files()]
        if not raws:
            pytest.skip(SKIP_REASON)
    else:
        raws = [shape(5) for shape in HARD_SHAPES.values()]
        raws.append(big_message(5 * 1024 * 1024, seed=5))  # fetched back through the spool
    fill_varied(dovecot, imap_user, raws)
    original = snapshot(dovecot, imap_user)
    archived = run(account, password, tmp_path, fmt=fmt)
    assert archived.ok and archived.deleted == len(raws)
    assert not server_state(dovecot, imap_user)
    seen: list[Progress] = []

    first = restore(records(tmp_path), tmp_path, login, seen)

    assert first.ok and first.count(Outcome.RESTORED) == len(raws), first.to_dict()
    assert all(item.note is None for item in first.items)  # flags and dates as archived
    assert snapshot(dovecot, imap_user) == original
    assert seen[-1].done == seen[-1].total == len(raws)
    assert seen[-1].bytes_done == seen[-1].bytes_total == sum(r.size for r in records(tmp_path))

    second = restore(records(tmp_path), tmp_path, login)

    assert second.ok and second.count(Outcome.ALREADY) == len(raws)
    assert snapshot(dovecot, imap_user) == original
    with Catalog.open(tmp_path) as catalog:
        restores = catalog.restores([r.id for r in catalog.records()])
    assert sorted(len(v) for v in restores.values()) == [1] * len(raws)
    by_uid = {item.uid for item in first.items}
    assert {r[0].uid for r in restores.values()} == by_uid


def test_same_message_id_and_size_but_other_bytes_is_not_a_copy(
    dovecot, imap_user, login, account, password, tmp_path
):
    raw = generate_message(1)
    other = raw.replace(b"Subject: ", b"Subject:X", 1)  # same size and Message-ID
    assert len(other) == len(raw)
    fill_varied(dovecot, imap_user, [raw])
    run(account, password, tmp_path)
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [other], OLD)

    result = restore(records(tmp_path), tmp_path, login)

    assert result.count(Outcome.RESTORED) == 1
    assert sorted(v[0] for v in server_state(dovecot, imap_user).values()) == sorted([raw, other])


def test_message_without_message_id_is_matched_by_sha256(
    dovecot, imap_user, account, password, login, tmp_path
):
    raw = HARD_SHAPES["missing_message_id"](2)
    fill_varied(dovecot, imap_user, [raw, generate_message(3)])
    run(account, password, tmp_path)
    with dovecot.client(imap_user) as client:  # same size, other bytes: not a copy
        append_messages(client, "INBOX", [raw.replace(b"a", b"b", 1)], OLD)
    assert restore(records(tmp_path), tmp_path, login).count(Outcome.RESTORED) == 2
    again = restore(records(tmp_path), tmp_path, login)
    assert again.count(Outcome.ALREADY) == 2 and len(server_state(dovecot, imap_user)) == 3


def test_byte_identical_records_are_each_restored_once_with_their_own_flags_and_date(
    dovecot, imap_user, account, password, login, tmp_path
):
    raw = generate_message(1)
    with dovecot.client(imap_user) as client:  # three records of the same bytes
        append_messages(client, "INBOX", [raw], OLD, flags=(b"\\Seen",))
        append_messages(client, "INBOX", [raw], OLD + dt.timedelta(days=3), (b"\\Flagged",))
        append_messages(client, "Work", [raw], OLD + dt.timedelta(days=9), (b"$Label1",))
    original = {folder: snapshot(dovecot, imap_user, folder) for folder in ("INBOX", "Work")}
    assert run(account, password, tmp_path).deleted == 3
    assert not server_state(dovecot, imap_user)

    home = restore(records(tmp_path), tmp_path, login)
    together = restore(records(tmp_path), tmp_path, login, to_folder="Back")

    assert home.ok and home.count(Outcome.RESTORED) == 3, home.to_dict()
    assert all(item.note is None for item in home.items + together.items)
    assert {f: snapshot(dovecot, imap_user, f) for f in ("INBOX", "Work")} == original
    assert together.ok and together.count(Outcome.RESTORED) == 3, together.to_dict()
    assert snapshot(dovecot, imap_user, "Back") == original["INBOX"] + original["Work"]

    again = restore(records(tmp_path), tmp_path, login, to_folder="Back")

    assert again.ok and again.count(Outcome.ALREADY) == 3, again.to_dict()
    assert snapshot(dovecot, imap_user, "Back") == original["INBOX"] + original["Work"]
    with Catalog.open(tmp_path) as catalog:
        restores = catalog.restores([r.id for r in catalog.records()])
    assert sorted(len(v) for v in restores.values()) == [2, 2, 2]  # INBOX or Work, and Back
    # A restored copy the user deleted again is restored again, and only that one.
    with dovecot.client(imap_user) as client:
        client.select_folder("Back")
        client.delete_messages([min(server_state(dovecot, imap_user, "Back"))])
        client.expunge()
    once_more = restore(records(tmp_path), tmp_path, login, to_folder="Back")
    assert [once_more.count(o) for o in (Outcome.RESTORED, Outcome.ALREADY)] == [1, 2]
    assert snapshot(dovecot, imap_user, "Back") == original["INBOX"] + original["Work"]


def test_a_copy_the_server_had_already_is_not_duplicated_but_claimed_once(
    dovecot, imap_user, account, password, login, tmp_path
):
    raw = generate_message(1)
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [raw], OLD, flags=(b"\\Seen",))
        append_messages(client, "Work", [raw], OLD + dt.timedelta(days=9), (b"\\Flagged",))
    run(account, password, tmp_path)
    with dovecot.client(imap_user) as client:  # put back by hand, not by restore
        append_messages(client, "INBOX", [raw], OLD)

    first = restore(records(tmp_path)[:1], tmp_path, login)
    assert first.ok and first.count(Outcome.ALREADY) == 1
    assert len(server_state(dovecot, imap_user)) == 1
    # Two records of the same bytes, one copy that is not ours: it stands for one of them.
    both = restore(records(tmp_path), tmp_path, login, to_folder="INBOX")
    again = restore(records(tmp_path), tmp_path, login, to_folder="INBOX")

    assert [both.count(o) for o in (Outcome.RESTORED, Outcome.ALREADY)] == [1, 1]
    assert again.ok and again.count(Outcome.ALREADY) == 2
    assert [data for data, _flags, _when in server_state(dovecot, imap_user).values()] == [raw] * 2


def test_force_restores_a_second_copy(dovecot, imap_user, account, password, login, tmp_path):
    fill_varied(dovecot, imap_user, [generate_message(1)])
    run(account, password, tmp_path, keep_on_server=True)

    result = restore(records(tmp_path), tmp_path, login, force=True)

    assert result.count(Outcome.RESTORED) == 1
    assert len(server_state(dovecot, imap_user)) == 2


def test_archiving_again_leaves_restored_messages_on_the_server(
    dovecot, imap_user, account, password, login, tmp_path
):
    fill_varied(dovecot, imap_user, [generate_message(i) for i in range(3)])
    run(account, password, tmp_path)
    restore(records(tmp_path)[:2], tmp_path, login)
    again = run(account, password, tmp_path)
    inbox = next(f for f in again.folders if f.folder == "INBOX")
    assert inbox.kept == {Kept.RESTORED: 2} and again.deleted == 0 and again.closes
    assert len(server_state(dovecot, imap_user)) == 2


def test_non_ascii_folders_are_created_and_restored_into(
    dovecot, imap_user, account, password, login, tmp_path
):
    folder = "Bücher/Rechnungen €"
    fill_varied(dovecot, imap_user, [generate_message(1), generate_message(2)], folder)
    original = snapshot(dovecot, imap_user, folder)
    run(account, password, tmp_path)
    with dovecot.client(imap_user) as client:
        client.delete_folder(folder)

    back = restore(records(tmp_path), tmp_path, login)
    elsewhere = restore(records(tmp_path), tmp_path, login, to_folder="Zurückgeholt ✓ 日本")

    assert back.ok and back.count(Outcome.RESTORED) == 2
    assert snapshot(dovecot, imap_user, folder) == original
    assert elsewhere.ok and {i.folder for i in elsewhere.items} == {"Zurückgeholt ✓ 日本"}
    assert snapshot(dovecot, imap_user, "Zurückgeholt ✓ 日本") == original
    with dovecot.client(imap_user) as client:
        subscribed = {name for _flags, _delim, name in client.list_sub_folders()}
    assert {folder, "Zurückgeholt ✓ 日本"} <= subscribed


def test_dry_run_changes_nothing(dovecot, imap_user, account, password, login, tmp_path):
    fill_varied(dovecot, imap_user, [generate_message(1), generate_message(2)])
    run(account, password, tmp_path)
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [server_raw(tmp_path, 0)], OLD)

    plan = restore(records(tmp_path), tmp_path, login, dry_run=True)
    other = restore(records(tmp_path), tmp_path, login, dry_run=True, to_folder="New")

    assert [i.outcome for i in plan.items] == [Outcome.ALREADY, Outcome.WOULD_RESTORE]
    assert plan.ok and plan.to_dict()["would_restore"] == 1
    assert {i.note for i in other.items} == {"the folder would be created"}
    assert len(server_state(dovecot, imap_user)) == 1
    with dovecot.client(imap_user) as client:
        assert not client.folder_exists("New")


def test_messages_go_to_their_own_accounts_unless_told(dovecot, account, password, tmp_path):
    users = [dovecot.add_user(), dovecot.add_user()]
    accounts = [
        dataclasses.replace(account, name=f"acc{i}", user=u.name) for i, u in enumerate(users)
    ]
    for i, user in enumerate(users):
        fill_varied(dovecot, user, [generate_message(10 * i + 1), generate_message(10 * i + 2)])
    originals = [snapshot(dovecot, u) for u in users]
    for acc in accounts:
        run(acc, password, tmp_path)
    logins = {a.name: Login(a, password) for a in accounts}

    result = restore(records(tmp_path), tmp_path, logins)

    assert result.ok and [snapshot(dovecot, u) for u in users] == originals
    into_one = restore(records(tmp_path), tmp_path, logins, to_account="acc0", to_folder="All")
    assert into_one.ok and into_one.count(Outcome.RESTORED) == 4
    assert snapshot(dovecot, users[0], "All") == originals[0] + originals[1]
    with pytest.raises(ArchiverError, match="No login given for account acc1"):
        restore(records(tmp_path), tmp_path, {"acc0": logins["acc0"]})


@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.restore",
    r"^Account small: restore stopped: .*\[OVERQUOTA\].*the account is over its storage quota",
)
def test_over_quota_stops_cleanly_and_a_rerun_adds_nothing_twice(
    dovecot, account, password, tmp_path
):
    source = dovecot.add_user()
    small = dovecot.add_user(quota_mb=1)
    raws = [big_message(180 * 1024, seed=i) for i in range(8)]  # ~1.4 MB: does not fit
    with dovecot.client(source) as client:
        append_messages(client, "INBOX", raws, OLD)
    served = [data for data, _flags, _when in server_state(dovecot, source).values()]
    source_account = dataclasses.replace(account, user=source.name)
    small_account = dataclasses.replace(account, name="small", user=small.name)
    run(source_account, password, tmp_path)
    logins = {"small": Login(small_account, password)}

    first = restore(records(tmp_path), tmp_path, logins, to_account="small")

    restored = first.count(Outcome.RESTORED)
    assert 0 < restored < 7 and first.count(Outcome.FAILED) == 1 and not first.ok
    assert first.count(Outcome.NOT_REACHED) == 8 - restored - 1
    assert len(first.errors) == 1 and "over its storage quota" in first.errors[0]
    failed = next(i for i in first.items if i.outcome is Outcome.FAILED)
    assert "[OVERQUOTA]" in (failed.note or "")
    assert len(server_state(dovecot, small)) == restored
    with Catalog.open(tmp_path) as catalog:
        assert len(catalog.restores([r.id for r in catalog.records()])) == restored
    # Nothing is lost: the archive still holds every message, intact.
    assert [read_message(tmp_path, r) for r in records(tmp_path)] == served

    second = restore(records(tmp_path), tmp_path, logins, to_account="small")

    assert second.count(Outcome.ALREADY) == restored and second.count(Outcome.FAILED) == 1
    assert len(server_state(dovecot, small)) == restored


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.restore",
    r"^Account test: restore stopped: .*connection lost while APPEND to INBOX",
)
def test_connection_lost_after_append_then_rerun_adds_no_duplicate(
    dovecot, imap_user, account, password, tmp_path
):
    raws = [generate_message(i) for i in range(4)]
    fill_varied(dovecot, imap_user, raws)
    original = snapshot(dovecot, imap_user)
    run(account, password, tmp_path)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        logins = {"test": Login(plain_via(proxy, account), password)}
        # The server stores the third message; the client never hears its answer.
        proxy.cut_after_client_sends(server_raw(tmp_path, 2)[-40:], delay_bytes_from_server=4)

        first = restore(records(tmp_path), tmp_path, logins)

        assert [i.outcome for i in first.items] == [
            Outcome.RESTORED,
            Outcome.RESTORED,
            Outcome.FAILED,
            Outcome.NOT_REACHED,
        ]
        assert "connection lost" in first.errors[0]
        assert len(server_state(dovecot, imap_user)) == 3

        second = restore(records(tmp_path), tmp_path, logins)

    assert [i.outcome for i in second.items] == [Outcome.ALREADY] * 3 + [Outcome.RESTORED]
    assert snapshot(dovecot, imap_user) == original


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
def test_without_uidplus_the_copy_is_found_by_searching(
    dovecot, imap_user, account, password, tmp_path
):
    raws = [generate_message(1), HARD_SHAPES["missing_message_id"](1)]
    fill_varied(dovecot, imap_user, raws)
    original = snapshot(dovecot, imap_user)
    run(account, password, tmp_path)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        proxy.rewrite_server(b" UIDPLUS", b"", count=10)
        proxy.rewrite_server(b"[APPENDUID ", b"[X-NO-UID ", count=10)
        result = restore(
            records(tmp_path), tmp_path, {"test": Login(plain_via(proxy, account), password)}
        )

    assert result.ok and result.count(Outcome.RESTORED) == 2
    assert snapshot(dovecot, imap_user) == original
    with Catalog.open(tmp_path) as catalog:
        restores = catalog.restores([r.id for r in catalog.records()])
    assert {r[0].uid for r in restores.values()} == set(server_state(dovecot, imap_user))


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.restore",
    r"^Account test, folder INBOX: the message of \d+ bytes is larger than the server accepts",
)
def test_message_too_large_for_the_server_fails_alone(
    dovecot, imap_user, account, password, tmp_path
):
    raws = [generate_message(1), big_message(300 * 1024, seed=2), generate_message(3)]
    fill_varied(dovecot, imap_user, raws)
    run(account, password, tmp_path)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        proxy.rewrite_server(b" UIDPLUS", b" UIDPLUS APPENDLIMIT=100000", count=10)
        result = restore(
            records(tmp_path), tmp_path, {"test": Login(plain_via(proxy, account), password)}
        )

    assert [i.outcome for i in result.items] == [
        Outcome.RESTORED,
        Outcome.FAILED,
        Outcome.RESTORED,
    ]
    assert "larger than the server accepts (APPENDLIMIT=100000)" in (result.items[1].note or "")
    assert not result.errors and not result.ok
    assert len(server_state(dovecot, imap_user)) == 2


def test_append_refused_by_the_server_is_append_refused(imap_user, account, password):
    with open_session(account, password) as session:
        with pytest.raises(AppendRefused, match="folder Nowhere: the server refused APPEND"):
            session.append("Nowhere", generate_message(1), [], OLD)
        assert session.append("INBOX", generate_message(1), [], OLD) is not None


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.restore",
    r"^Account test, folder a\.b: the server refused CREATE a\.b",
)
def test_folder_creation_denied_fails_that_folder_only(
    dovecot, imap_user, account, password, login, tmp_path
):
    fill_varied(dovecot, imap_user, [generate_message(1)])
    fill_varied(dovecot, imap_user, [generate_message(2)], "Work")
    run(account, password, tmp_path)
    rows = records(tmp_path)
    # Maildir++ does not allow "." in names: Dovecot refuses to create it.
    bad = restore(rows[:1], tmp_path, login, to_folder="a.b")
    good = restore(rows[1:], tmp_path, login)

    assert bad.items[0].outcome is Outcome.FAILED and not bad.errors
    assert "folder a.b: the server refused CREATE a.b" in (bad.items[0].note or "")
    assert good.ok and good.items[0].folder == "Work"


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.restore",
    r"^Account test, folder Fresh: the server refused SUBSCRIBE Fresh: .*the restore goes on\)$",
)
def test_refused_subscription_is_only_a_warning(
    dovecot, imap_user, account, password, tmp_path, caplog
):
    fill_varied(dovecot, imap_user, [generate_message(1)])
    run(account, password, tmp_path)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        proxy.rewrite_server(b"OK Subscribe completed", b"NO Subscribe refused!!")
        result = restore(
            records(tmp_path),
            tmp_path,
            {"test": Login(plain_via(proxy, account), password)},
            to_folder="Fresh",
        )
    assert result.ok and result.count(Outcome.RESTORED) == 1
    assert "the folder was created; the restore goes on" in caplog.text


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.restore",
    r"^Account test, folder INBOX, UID 2: the server kept flags \(\$Changed\) instead of \(",
)
def test_server_keeping_other_flags_is_noted(dovecot, imap_user, account, password, tmp_path):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(1)], OLD, flags=(b"$Special",))
    run(account, password, tmp_path)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        # A server that stores another keyword than it was given: the FETCH back shows it.
        proxy.rewrite_server(b"$Special", b"$Changed", count=20)
        result = restore(
            records(tmp_path), tmp_path, {"test": Login(plain_via(proxy, account), password)}
        )

    (item,) = result.items
    assert item.outcome is Outcome.RESTORED and result.ok
    assert item.note == "the server kept flags ($Changed) instead of ($Special)"


@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.restore",
    r"^Message 1 in test/.* differs from what was archived \(size or SHA-256\)",
)
def test_damaged_or_unverified_archive_copy_is_never_restored(
    dovecot, imap_user, account, password, login, tmp_path
):
    fill_varied(dovecot, imap_user, [generate_message(i) for i in range(3)])
    run(account, password, tmp_path)
    rows = records(tmp_path)
    path = tmp_path / rows[0].location.path
    data = bytearray(path.read_bytes())
    data[-3] ^= 1
    path.write_bytes(bytes(data))
    pending = dataclasses.replace(rows[2], state=type(rows[2].state)("pending"))

    result = restore([rows[0], rows[1], pending], tmp_path, login)

    assert [i.outcome for i in result.items] == [Outcome.FAILED, Outcome.RESTORED, Outcome.FAILED]
    assert "differs from what was archived" in (result.items[0].note or "")
    assert "not verified" in (result.items[2].note or "")
    assert len(server_state(dovecot, imap_user)) == 1


def test_cancel_stops_between_messages(dovecot, imap_user, account, password, login, tmp_path):
    fill_varied(dovecot, imap_user, [generate_message(i) for i in range(4)])
    run(account, password, tmp_path)
    token = CancelToken()

    def cancel_after_two(progress: Progress) -> None:
        if progress.done == 2:
            token.cancel()

    stopped = run_restore(
        records(tmp_path), tmp_path, login, RestoreOptions(), report=cancel_after_two, cancel=token
    )

    assert stopped.cancelled and not stopped.ok
    assert [i.outcome for i in stopped.items] == [Outcome.RESTORED] * 2 + [Outcome.NOT_REACHED] * 2
    assert len(server_state(dovecot, imap_user)) == 2


def test_restore_refuses_a_locked_archive(account, password, login, tmp_path):
    with archive_lock(tmp_path), pytest.raises(ArchiveLocked):
        restore([], tmp_path, login)


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli_archive(dovecot, imap_user, home, tmp_path, capsys):
    """An account 'office' with two archived messages (deleted from the server)."""
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    args = ["account", "add", "office", *dovecot.account_args(imap_user)]
    assert main([*args, "--password-command", print_file(secret)]) == 0
    fill_varied(dovecot, imap_user, [generate_message(1), generate_message(2)])
    assert main(["archive", "office", "--before", "2023-01-01"]) == 0
    capsys.readouterr()
    return [r.id for r in records(home.archive)]


def test_cli_restore_json_and_text(cli_archive, dovecot, imap_user, capsys):
    ids = [str(i) for i in cli_archive]
    assert main(["restore", *ids, "--dry-run", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["would_restore"] == 2 and plan["dry_run"] is True

    assert main(["restore", *ids, "--account", "office"]) == 0
    out = capsys.readouterr().out
    assert "office: INBOX: 2 restored" in out and "Restored 2 messages" in out
    assert len(server_state(dovecot, imap_user)) == 2

    assert main(["restore", *ids, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["already"] == 2 and again["restored"] == 0 and again["ok"] is True
    assert [m["outcome"] for m in again["messages"]] == ["already there"] * 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["restore", "999"], "No archived message with id 999"),
        (["restore", "1", "--account", "nobody"], "No account named 'nobody'"),
        (["restore", "1", "--to-account", "nobody"], "No account named 'nobody'"),
        (["restore", "1", "--to-folder", " "], "--to-folder needs a folder name"),
    ],
)
def test_cli_restore_bad_input(cli_archive, capsys, args, message):
    assert main(args) == 1
    assert message in capsys.readouterr().err


def test_cli_restore_by_query(cli_archive, dovecot, imap_user, capsys):
    assert main(["restore", "--query", "account:office folder:INBOX", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["restored"] == 2
    assert len(server_state(dovecot, imap_user)) == 2
    assert main(["restore", "--query", "from:nobody-at-all"]) == 1
    assert "No archived message matches the query" in capsys.readouterr().err
    assert main(["restore", "1", "--query", "x"]) == 1
    assert "not both" in capsys.readouterr().err
    assert main(["restore"]) == 1
    assert "Say which messages" in capsys.readouterr().err
    assert main(["restore", "--query", "colour:red"]) == 1
    assert "Unknown field 'colour'" in capsys.readouterr().err


def test_cli_restore_of_another_accounts_message(cli_archive, dovecot, home, capsys):
    other = dovecot.add_user()
    args = ["account", "add", "other", *dovecot.account_args(other), "--password-command", "true",
            "--no-test"]  # fmt: skip
    assert main(args) == 0
    assert main(["restore", str(cli_archive[0]), "--account", "other"]) == 1
    assert "belongs to account office, not other" in capsys.readouterr().err


def test_cli_without_an_archive(home, capsys):
    assert main(["restore", "1"]) == 1
    assert "There is no archive" in capsys.readouterr().err
    assert not home.archive.exists()
