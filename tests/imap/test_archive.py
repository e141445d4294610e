"""The archive job against the real Dovecot fixture: selection, storage, deletion, accounting."""

from __future__ import annotations

import datetime as dt
import hashlib
import mailbox
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.core.accounts import Account
from archiver.core.catalog import Catalog, State
from archiver.core.imap import open_session
from archiver.core.index.background import INDEXING
from archiver.core.jobs.archive import (
    ArchiveOptions,
    ArchiveResult,
    Kept,
    expunge_archived,
    run_archive,
)
from archiver.core.progress import CancelToken, Phase, Progress
from archiver.core.runlog import read_runs
from archiver.core.secrets import Secret
from archiver.core.store.mbox import MboxStore
from tests.helpers.dovecot import DovecotServer, ImapUser, append_messages
from tests.helpers.mailgen import HARD_SHAPES, generate_message
from tests.helpers.privacy import assert_private

pytestmark = pytest.mark.imap

# The start of a Maildir file name's info part: ";" on Windows, where NTFS takes ":" for an
# alternate data stream (mbsync's InfoDelimiter), ":" elsewhere.
INFO = ";2," if sys.platform == "win32" else ":2,"

OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
NEW = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
CUTOFF = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)


def run(
    account: Account,
    password: Secret,
    root: Path,
    *,
    fmt: str | None = None,
    seen: list[Progress] | None = None,
    cancel: CancelToken | None = None,
    **options: object,
) -> ArchiveResult:
    """Run the archive job with CUTOFF unless told otherwise."""
    opts = ArchiveOptions(cutoff=options.pop("cutoff", CUTOFF), **options)  # type: ignore[arg-type]
    return run_archive(
        account,
        password,
        root,
        opts,
        fmt,
        "maildir",
        report=(seen.append if seen is not None else lambda _: None),
        cancel=cancel or CancelToken(),
    )


def server_state(
    dovecot: DovecotServer, user: ImapUser, folder: str = "INBOX"
) -> dict[int, tuple[bytes, tuple[bytes, ...], dt.datetime]]:
    """Return UID -> (bytes, flags, INTERNALDATE) of every message in *folder*."""
    with dovecot.client(user) as client:
        client.normalise_times = False
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        data = client.fetch(uids, ["BODY.PEEK[]", "FLAGS", "INTERNALDATE"]) if uids else {}
    return {
        uid: (d[b"BODY[]"], tuple(f for f in d[b"FLAGS"] if f != b"\\Recent"), d[b"INTERNALDATE"])
        for uid, d in data.items()
    }


def test_archives_old_mail_verifies_and_frees_the_server(
    dovecot, imap_user, account, password, tmp_path
):
    old = [generate_message(i) for i in range(30)]
    new = [generate_message(100 + i) for i in range(5)]
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", old, when=OLD)
        append_messages(client, "INBOX", new, when=NEW)
        append_messages(client, "Sent", old[:3], when=OLD, flags=(b"\\Seen",))
    before = server_state(dovecot, imap_user)
    seen: list[Progress] = []

    result = run(account, password, tmp_path, seen=seen)

    assert result.ok and result.closes
    assert result.archived == 33 and result.deleted == 33
    inbox = next(f for f in result.folders if f.folder == "INBOX")
    assert (
        inbox.on_server_before,
        inbox.newer,
        inbox.archived,
        inbox.deleted,
        inbox.on_server_after,
    ) == (35, 5, 30, 30, 5)
    archiving = [p for p in seen if p.phase is not Phase.INDEXING]
    assert archiving and archiving[-1].done == archiving[-1].total == 33
    assert {p.phase for p in archiving} == {Phase.SCANNING, Phase.COPYING}
    assert seen[-1] == Progress(33, 33, INDEXING, phase=Phase.INDEXING) and result.indexed == 33
    assert result.quota_before and result.quota_after
    assert result.quota_after.used < result.quota_before.used
    # The server keeps exactly the new messages.
    after = server_state(dovecot, imap_user)
    assert sorted(v[0] for v in after.values()) == sorted(
        v[0] for v in before.values() if v[2] >= CUTOFF
    )
    # Every old message is in the Maildir, byte for byte, flags and mtime as on the server.
    box = mailbox.Maildir(tmp_path / "test", create=False)
    assert len(box) == 30
    files = sorted((tmp_path / "test" / "cur").iterdir())
    originals = {v[0]: v for v in before.values() if v[2] < CUTOFF}
    for file in files:
        raw = file.read_bytes()
        assert raw in originals
        assert int(file.stat().st_mtime) == int(originals[raw][2].timestamp())
    assert box.list_folders() == ["Sent"]
    sent_files = list((tmp_path / "test" / ".Sent" / "cur").iterdir())
    assert len(sent_files) == 3 and all(f.name.endswith(f"{INFO}S") for f in sent_files)
    # The catalog knows each one as verified and gone from the server.
    with Catalog.open(tmp_path) as catalog:
        records = catalog.records("test")
    assert len(records) == 33
    assert all(r.state is State.VERIFIED and not r.on_server for r in records)
    for record in records:
        data = (tmp_path / record.location.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record.sha256 and len(data) == record.size


def test_seen_flag_untouched_and_flags_kept(dovecot, imap_user, account, password, tmp_path):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(1)], when=OLD)
        append_messages(
            client,
            "INBOX",
            [generate_message(2)],
            when=OLD,
            flags=(b"\\Flagged", b"\\Answered", b"$Label1"),
        )

    result = run(account, password, tmp_path, keep_on_server=True)

    assert result.ok and result.archived == 2 and result.deleted == 0
    state = server_state(dovecot, imap_user)
    flags = sorted(tuple(sorted(v[1])) for v in state.values())
    assert flags == [(), (b"$Label1", b"\\Answered", b"\\Flagged")]  # no \Seen appeared
    names = sorted(p.name.split(INFO)[1] for p in (tmp_path / "test" / "cur").iterdir())
    assert names == ["", "FR"]
    with Catalog.open(tmp_path) as catalog:
        all_flags = sorted(tuple(sorted(r.flags)) for r in catalog.records("test"))
    assert all_flags == [(), ("$Label1", "\\Answered", "\\Flagged")]
    inbox = result.folders[0]
    assert inbox.kept == {Kept.KEEP_ON_SERVER: 2} and inbox.closes


def test_dry_run_changes_nothing(dovecot, imap_user, account, password, tmp_path):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(4)], when=OLD)
        append_messages(client, "INBOX", [generate_message(9)], when=NEW)
    before = server_state(dovecot, imap_user)

    result = run(account, password, tmp_path, dry_run=True)

    assert server_state(dovecot, imap_user) == before
    assert result.ok and result.closes and result.archived == 0 and result.deleted == 0
    inbox = result.folders[0]
    assert inbox.kept == {Kept.DRY_RUN: 4} and inbox.newer == 1
    assert inbox.bytes_selected == sum(len(v[0]) for v in before.values() if v[2] < CUTOFF)
    assert result.quota_after.used < result.quota_before.used  # the projection
    assert not (tmp_path / "test").exists()
    with Catalog.open(tmp_path) as catalog:
        assert catalog.records() == []
    assert read_runs(tmp_path) == []  # a preview is no run


def test_keep_flagged_and_unread(dovecot, imap_user, account, password, tmp_path):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(1)], when=OLD, flags=(b"\\Seen",))
        append_messages(
            client, "INBOX", [generate_message(2)], when=OLD, flags=(b"\\Seen", b"\\Flagged")
        )
        append_messages(client, "INBOX", [generate_message(3)], when=OLD)  # unread

    result = run(account, password, tmp_path, keep_flagged=True, keep_unread=True)

    inbox = result.folders[0]
    assert result.ok and inbox.closes
    assert (inbox.archived, inbox.deleted, inbox.on_server_after) == (1, 1, 2)
    assert inbox.kept == {Kept.FLAGGED: 1, Kept.UNREAD: 1}


def test_trash_and_junk_skipped_unless_named(dovecot, imap_user, account, password, tmp_path):
    with dovecot.client(imap_user) as client:
        for folder in ("Trash", "Junk", "Work/Projects"):
            append_messages(client, folder, [generate_message(len(folder))], when=OLD)

    result = run(account, password, tmp_path)
    assert {f.folder for f in result.folders} == {"INBOX", "Sent", "Work/Projects"}
    assert result.archived == 1
    assert (tmp_path / "test" / ".Work.Projects" / "cur").is_dir()

    named = run(account, password, tmp_path, folders=("Trash",))
    assert [f.folder for f in named.folders] == ["Trash"] and named.archived == 1

    excluded = run(account, password, tmp_path, exclude_folders=("Sent", "Work/Projects"))
    assert [f.folder for f in excluded.folders] == ["INBOX"]


def test_rerun_downloads_nothing_twice(dovecot, imap_user, account, password, tmp_path):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(6)], when=OLD)
    first = run(account, password, tmp_path, keep_on_server=True)
    assert first.archived == 6

    second = run(account, password, tmp_path)

    inbox = second.folders[0]
    assert (inbox.archived, inbox.already, inbox.deleted) == (0, 6, 6) and inbox.closes
    assert len(list((tmp_path / "test" / "cur").iterdir())) == 6


def test_same_message_in_two_folders_is_kept_in_both(
    dovecot, imap_user, account, password, tmp_path
):
    raw = generate_message(7)
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [raw], when=OLD)
        append_messages(client, "Sent", [raw], when=OLD)

    result = run(account, password, tmp_path)

    assert result.archived == 2 and result.deleted == 2
    with Catalog.open(tmp_path) as catalog:
        assert sorted(r.folder for r in catalog.records("test")) == ["INBOX", "Sent"]


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.archive",
    r"^Account test, folder Work: UIDVALIDITY changed from \d+ to \d+ .*; nothing is deleted",
)
def test_uidvalidity_change_deletes_nothing_by_old_uids(
    dovecot, imap_user, account, password, tmp_path
):
    with dovecot.client(imap_user) as client:
        append_messages(client, "Work", [generate_message(i) for i in range(3)], when=OLD)
    first = run(account, password, tmp_path, keep_on_server=True, folders=("Work",))
    assert first.archived == 3
    with Catalog.open(tmp_path) as catalog:
        old_validity = catalog.records("test")[0].uidvalidity
    # The folder is recreated: same UIDs 1-3, other messages, new UIDVALIDITY.
    others = [generate_message(50 + i) for i in range(3)]
    with dovecot.client(imap_user) as client:
        client.delete_folder("Work")
        append_messages(client, "Work", others, when=OLD)
        assert client.select_folder("Work")[b"UIDVALIDITY"] != old_validity

    # Deleting by the old records must not touch the new messages.
    with Catalog.open(tmp_path) as catalog:
        stale = catalog.verified_for("test", "Work", old_validity, [1, 2, 3])
    assert len(stale) == 3
    with open_session(account, password) as session:
        deleted, kept = expunge_archived(session, "Work", stale, CUTOFF)
    assert deleted == [] and kept == {Kept.UIDVALIDITY: 3}
    assert len(server_state(dovecot, imap_user, "Work")) == 3

    # A full run archives the new messages as new content, then frees the server.
    second = run(account, password, tmp_path, folders=("Work",))
    work = second.folders[0]
    assert (work.archived, work.already, work.deleted) == (3, 0, 3) and work.closes
    assert len(list((tmp_path / "test" / ".Work" / "cur").iterdir())) == 6


def test_folder_recreated_with_same_messages_is_not_duplicated(
    dovecot, imap_user, account, password, tmp_path
):
    raws = [generate_message(i) for i in range(3)]
    with dovecot.client(imap_user) as client:
        append_messages(client, "Work", raws, when=OLD)
    run(account, password, tmp_path, keep_on_server=True, folders=("Work",))
    with dovecot.client(imap_user) as client:
        client.delete_folder("Work")
        append_messages(client, "Work", raws, when=OLD)

    result = run(account, password, tmp_path, folders=("Work",))

    work = result.folders[0]
    assert (work.archived, work.already, work.deleted) == (0, 3, 3) and work.closes
    assert len(list((tmp_path / "test" / ".Work" / "cur").iterdir())) == 3


def test_mbox_format_round_trips(dovecot, imap_user, account, password, tmp_path):
    raws = [shape(1) for shape in HARD_SHAPES.values()]
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", raws, when=OLD)
        append_messages(client, "A/B", raws[:2], when=OLD)
    before = server_state(dovecot, imap_user)

    result = run(account, password, tmp_path, fmt="mbox")

    assert result.ok and result.archived == len(raws) + 2
    assert (tmp_path / "test" / "INBOX").is_file()
    assert (tmp_path / "test" / "A.sbd" / "B").is_file()
    box = mailbox.mbox(tmp_path / "test" / "INBOX", create=False)
    assert len(box) == len(raws)
    store = MboxStore(tmp_path, "test")
    with Catalog.open(tmp_path) as catalog:
        records = [r for r in catalog.records("test") if r.folder == "INBOX"]
    expected = {hashlib.sha256(v[0]).hexdigest() for v in before.values()}
    for record in records:
        digest, length = store.read_digest(record.location, record.size)
        assert digest == record.sha256 and length == record.size
        assert digest in expected
    # The account keeps its format: asking for Maildir now is a clear error.
    with pytest.raises(Exception, match="mbox format"):
        run(account, password, tmp_path, fmt="maildir")


def test_other_clients_deleted_messages_are_left_alone(
    dovecot, imap_user, account, password, tmp_path
):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(1)], when=OLD)
        append_messages(client, "INBOX", [generate_message(2)], when=OLD, flags=(b"\\Deleted",))

    result = run(account, password, tmp_path)

    inbox = result.folders[0]
    assert (inbox.archived, inbox.deleted, inbox.on_server_after) == (1, 1, 1)
    assert inbox.kept == {Kept.DELETED_ELSEWHERE: 1} and inbox.closes
    remaining = server_state(dovecot, imap_user)
    assert [v[1] for v in remaining.values()] == [(b"\\Deleted",)]  # not expunged by us


def test_awkward_folder_names(dovecot, imap_user, account, password, tmp_path):
    # Dovecot's Maildir++ storage refuses "." in names; escape_segment() is unit-tested for it.
    names = ["Gelöschte Elemente/Büro & Co", "a:b", "100% sicher", "Ärger/2019 Q1", "日本語"]
    with dovecot.client(imap_user) as client:
        for index, name in enumerate(names):
            append_messages(client, name, [generate_message(index)], when=OLD)

    result = run(account, password, tmp_path, folders=tuple(names))

    assert result.ok and result.archived == len(names)
    box = mailbox.Maildir(tmp_path / "test", create=False)
    folders = set(box.list_folders())
    assert folders == {
        "Gelöschte Elemente.Büro & Co",
        "a%3Ab",
        "100%25 sicher",
        "Ärger.2019 Q1",
        "日本語",
    }
    for name in folders:
        assert len(box.get_folder(name)) == 1
    with Catalog.open(tmp_path) as catalog:
        assert sorted(r.folder for r in catalog.records("test")) == sorted(names)


def test_notmuch_reads_the_maildir(dovecot, imap_user, account, password, tmp_path):
    notmuch = shutil.which("notmuch")
    if notmuch is None:
        pytest.skip("notmuch is not installed (Debian: apt-get install notmuch)")
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(3)], when=OLD)
        append_messages(client, "Sent", [generate_message(7)], when=OLD, flags=(b"\\Seen",))
    run(account, password, tmp_path)
    config = tmp_path / "notmuch-config"
    config.write_text(
        f"[database]\npath={tmp_path / 'test'}\n[new]\ntags=archived\n"
        "[maildir]\nsynchronize_flags=true\n"
    )
    env = {**os.environ, "NOTMUCH_CONFIG": str(config), "HOME": str(tmp_path)}
    subprocess.run([notmuch, "new", "--quiet"], env=env, check=True, capture_output=True)
    count = subprocess.run(
        [notmuch, "count", "*"], env=env, check=True, capture_output=True, text=True
    )
    assert count.stdout.strip() == "4"
    unread = subprocess.run(
        [notmuch, "count", "tag:unread"], env=env, check=True, capture_output=True, text=True
    )
    assert unread.stdout.strip() == "3"  # \Seen became the S flag, which notmuch reads


def test_archive_is_private_to_the_user(dovecot, imap_user, account, password, tmp_path):
    with dovecot.client(imap_user) as client:
        append_messages(client, "Work/Deep/Deeper", [generate_message(1)], when=OLD)
        append_messages(client, "INBOX", [generate_message(2)], when=OLD)
    root = tmp_path / "new" / "archive"

    run(account, password, root)

    for path in [root, *root.rglob("*")]:
        assert_private(path)


def test_deletes_in_chunks(dovecot, imap_user, account, password, tmp_path, monkeypatch):
    monkeypatch.setattr("archiver.core.jobs.archive.DELETE_CHUNK", 2)
    monkeypatch.setattr("archiver.core.imap.META_CHUNK", 3)
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(7)], when=OLD)
        append_messages(client, "INBOX", [generate_message(9)], when=NEW)

    result = run(account, password, tmp_path)

    inbox = result.folders[0]
    assert (inbox.archived, inbox.deleted, inbox.newer, inbox.on_server_after) == (7, 7, 1, 1)
    assert inbox.closes


@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.archive",
    r"^Account test, folder INBOX, UID \d+: the archived copy .* is missing or damaged; the mes",
)
@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_damaged_copy_from_an_earlier_run_keeps_the_server_copy(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(4)], OLD)
    run(account, password, tmp_path, fmt=fmt, keep_on_server=True)
    with Catalog.open(tmp_path) as catalog:
        first, second, *_ = catalog.records()
    path = tmp_path / first.location.path
    data = bytearray(path.read_bytes())
    data[(first.location.offset or 0) + 200] ^= 0x20  # one flipped bit inside the message
    path.write_bytes(bytes(data))
    if fmt == "maildir":
        (tmp_path / second.location.path).unlink()

    result = run(account, password, tmp_path)

    damaged = 1 if fmt == "mbox" else 2
    inbox = next(f for f in result.folders if f.folder == "INBOX")
    assert inbox.kept == {Kept.DAMAGED: damaged} and result.deleted == 4 - damaged
    assert result.closes
    left = {raw for raw, _flags, _when in server_state(dovecot, imap_user).values()}
    assert len(left) == damaged  # the server keeps the only good copies
