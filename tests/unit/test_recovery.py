"""Recovery after an interrupted run cuts only what is provably its own unfinished append.

Mail programs open the archive (Thunderbird and mutt read the mbox files, mutt and notmuch
rename Maildir files): whatever they did to a file, recovery must not destroy it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mailbox
from pathlib import Path

import pytest

from archiver.core.catalog import Catalog, Location, NewRecord, Record
from archiver.core.imap import FetchedMessage, MessageMeta
from archiver.core.jobs.archive import settle_interrupted_run
from archiver.core.store.base import ChangedOutside, FindingKind, Staged
from archiver.core.store.maildir import (
    INFO_SEPARATOR,
    MaildirStore,
    find_message_file,
    flags_of,
    unique_name,
)
from archiver.core.store.mbox import AppendJournal, MboxStore
from archiver.core.store.reading import read_message

WHEN = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
# Another mail program's message, as Thunderbird appends it when mail is moved into a folder.
FOREIGN = (
    b"From - Thu Jan  2 12:00:00 2020\r\nX-Mozilla-Status: 0001\r\nSubject: moved here\r\n\r\n"
    + b"typed into Thunderbird\r\n" * 40
    + b"\r\n"
)


def fetched(uid: int, body: bytes = b"") -> FetchedMessage:
    data = f"Subject: message {uid}\r\nMessage-ID: <m{uid}@test>\r\n\r\n".encode()
    data += body or f"text of message {uid}\r\nFrom the office\r\n".encode()
    meta = MessageMeta(uid, len(data), ("\\Seen",), WHEN)
    return FetchedMessage(meta, hashlib.sha256(data).hexdigest(), len(data), data=data)


def pending_rows(catalog: Catalog, staged: list[Staged], messages: list[FetchedMessage]) -> None:
    catalog.add_pending(
        NewRecord(
            "acct", "INBOX", 7, m.meta.uid, None, m.sha256, m.length, WHEN, m.meta.flags, s.location
        )
        for s, m in zip(staged, messages, strict=True)
    )


def archive_mbox(root: Path, catalog: Catalog, uids: range) -> MboxStore:
    """Store, catalogue and verify messages as a finished run does."""
    store = MboxStore(root, "acct")
    messages = [fetched(uid) for uid in uids]
    staged = [store.stage("INBOX", "/", 7, m) for m in messages]
    pending_rows(catalog, staged, messages)
    store.commit(staged)
    catalog.mark_verified(r.id for r in catalog.pending("acct"))
    return store


def interrupted_append(root: Path, catalog: Catalog, uids: range, keep: float) -> Path:
    """Leave what a run killed mid-append leaves: its intent, pending rows, a partial tail."""
    store = MboxStore(root, "acct")
    messages = [fetched(uid, b"long line of the body\r\n" * 200) for uid in uids]
    staged = [store.stage("INBOX", "/", 7, m) for m in messages]
    pending_rows(catalog, staged, messages)
    path = staged[0].final
    before = path.stat().st_size if path.exists() else 0
    journal_end = AppendJournal.end
    AppendJournal.end = lambda self: None  # type: ignore[method-assign]  # killed before it
    try:
        store.commit(staged)
    finally:
        AppendJournal.end = journal_end  # type: ignore[method-assign]
    appended = path.stat().st_size - before
    with path.open("rb+") as file:
        file.truncate(before + int(appended * keep))
    return path


def verified(catalog: Catalog) -> list[Record]:
    return [r for r in catalog.records() if r.state.value == "verified"]


def reads_back(root: Path, records: list[Record]) -> bool:
    return all(read_message(root, r) for r in records)


def test_our_own_unfinished_append_is_cut_back_to_where_it_began(tmp_path):
    with Catalog.open(tmp_path) as catalog:
        archive_mbox(tmp_path, catalog, range(1, 4))
        path = tmp_path / "acct" / "INBOX"
        good = path.read_bytes()
        interrupted_append(tmp_path, catalog, range(4, 8), keep=0.6)

        settle_interrupted_run(MboxStore(tmp_path, "acct"), catalog, "acct")

        assert path.read_bytes() == good
        assert [r.uid for r in verified(catalog)] == [1, 2, 3]
        assert not catalog.pending("acct")  # the cut messages stay on the server
        assert reads_back(tmp_path, verified(catalog))
        assert not any((tmp_path / ".appending" / "acct").iterdir())


def test_a_finished_append_whose_record_was_not_cleared_is_kept_whole(tmp_path):
    with Catalog.open(tmp_path) as catalog:
        archive_mbox(tmp_path, catalog, range(1, 3))
        path = interrupted_append(tmp_path, catalog, range(3, 6), keep=1.0)
        size = path.stat().st_size

        settle_interrupted_run(MboxStore(tmp_path, "acct"), catalog, "acct")

        assert path.stat().st_size == size
        assert [r.uid for r in verified(catalog)] == [1, 2, 3, 4, 5]
        assert reads_back(tmp_path, verified(catalog))


def test_mail_another_program_appended_after_an_interrupted_run_is_never_cut(tmp_path):
    """Rows written pending, the run killed before appending, then Thunderbird adds mail."""
    with Catalog.open(tmp_path) as catalog:
        store = archive_mbox(tmp_path, catalog, range(1, 3))
        messages = [fetched(3)]
        staged = [store.stage("INBOX", "/", 7, m) for m in messages]
        pending_rows(catalog, staged, messages)  # killed here: nothing appended, no intent
        path = tmp_path / "acct" / "INBOX"
        with path.open("ab") as file:
            file.write(FOREIGN)
        whole = path.read_bytes()

        settle_interrupted_run(MboxStore(tmp_path, "acct"), catalog, "acct")

        assert path.read_bytes() == whole
        assert [r.uid for r in verified(catalog)] == [1, 2]


def test_bytes_that_are_not_ours_where_our_append_was_stop_the_run_untouched(tmp_path):
    with Catalog.open(tmp_path) as catalog:
        archive_mbox(tmp_path, catalog, range(1, 3))
        path = interrupted_append(tmp_path, catalog, range(3, 6), keep=0.0)
        start = path.stat().st_size
        with path.open("ab") as file:  # another program wrote where our append would go
            file.write(FOREIGN[:-100])  # and stopped mid-line
        whole = path.read_bytes()

        with pytest.raises(ChangedOutside) as caught:
            settle_interrupted_run(MboxStore(tmp_path, "acct"), catalog, "acct")

        assert path.read_bytes() == whole
        (finding,) = caught.value.findings
        assert (finding.kind, finding.offset, finding.length) == (
            FindingKind.UNPROVEN_TAIL,
            start,
            len(FOREIGN) - 100,
        )
        assert "left as they are" in str(caught.value)
        assert [r.uid for r in verified(catalog)] == [1, 2]
        assert not catalog.pending("acct")
        # Said once: the next run goes on, and appends after those bytes on a line of its own.
        settle_interrupted_run(MboxStore(tmp_path, "acct"), catalog, "acct")
        archive_mbox(tmp_path, catalog, range(6, 8))
        assert path.read_bytes().startswith(whole)
        assert reads_back(tmp_path, verified(catalog))
        subjects = [m["Subject"] for m in mailbox.mbox(path)]
        assert subjects == [
            "message 1",
            "message 2",
            "moved here",
            "message 6",
            "message 7",
        ]


def test_a_file_rewritten_shorter_since_the_append_began_is_not_touched(tmp_path):
    with Catalog.open(tmp_path) as catalog:
        archive_mbox(tmp_path, catalog, range(1, 4))
        path = interrupted_append(tmp_path, catalog, range(4, 6), keep=0.5)
        compacted = path.read_bytes()[:100]  # "compacted" by a mail program
        path.write_bytes(compacted)

        with pytest.raises(ChangedOutside) as caught:
            settle_interrupted_run(MboxStore(tmp_path, "acct"), catalog, "acct")

        assert path.read_bytes() == compacted
        assert caught.value.findings[0].kind is FindingKind.SHRUNK


@pytest.mark.expect_log(
    "WARNING", "archiver.core.store.mbox", "interrupted append .* is unreadable"
)
def test_an_unreadable_intent_record_cuts_nothing(tmp_path, caplog):
    with Catalog.open(tmp_path) as catalog:
        archive_mbox(tmp_path, catalog, range(1, 3))
        path = interrupted_append(tmp_path, catalog, range(3, 5), keep=0.5)
        partial = path.read_bytes()
        (tmp_path / ".appending" / "acct" / "intent.json").write_bytes(b"{garbage")

        with caplog.at_level("WARNING"):
            settle_interrupted_run(MboxStore(tmp_path, "acct"), catalog, "acct")

        assert path.read_bytes() == partial
        assert [r.levelname for r in caplog.records] == ["WARNING"]
        assert "unreadable" in caplog.records[0].getMessage()
        assert {r.uid for r in verified(catalog)} >= {1, 2}


def test_lost_prepared_regions_leave_a_tail_that_pending_rows_do_not_cover(tmp_path):
    with Catalog.open(tmp_path) as catalog:
        archive_mbox(tmp_path, catalog, range(1, 3))
        path = interrupted_append(tmp_path, catalog, range(3, 6), keep=0.5)
        partial = path.read_bytes()
        for region in (tmp_path / ".appending" / "acct").glob("mbox-*"):
            region.unlink()  # lost in a power cut: they are not synced

        with pytest.raises(ChangedOutside):
            settle_interrupted_run(MboxStore(tmp_path, "acct"), catalog, "acct")

        assert path.read_bytes() == partial
        assert {r.uid for r in verified(catalog)} >= {1, 2}


def test_maildir_recovery_leaves_a_file_it_cannot_match(tmp_path):
    data = b"Subject: twin\r\n\r\nbody\r\n"
    path = "acct/cur/1.eml:2,S"
    (tmp_path / "acct" / "cur").mkdir(parents=True)
    (tmp_path / path).write_bytes(data.replace(b"body", b"BODY"))  # edited by someone

    with Catalog.open(tmp_path) as catalog:
        catalog.add_pending(
            [
                NewRecord(
                    "acct",
                    "INBOX",
                    1,
                    1,
                    None,
                    hashlib.sha256(data).hexdigest(),
                    len(data),
                    WHEN,
                    (),
                    Location(path),
                )
            ]
        )
        settle_interrupted_run(MaildirStore(tmp_path, "acct"), catalog, "acct")

        assert (tmp_path / path).exists()  # not ours to delete: only its row goes
        assert catalog.records() == []


def test_maildir_names_are_read_with_either_info_separator():
    assert unique_name("1577966400.U7_3.0123456789abcdef.imap-archiver,S=52:2,RS") == (
        "1577966400.U7_3.0123456789abcdef.imap-archiver,S=52"
    )
    assert unique_name("abc;2,S") == "abc"
    assert unique_name("abc") == "abc"
    assert flags_of("abc:2,FRS") == ("\\Answered", "\\Flagged", "\\Seen")
    assert flags_of("abc;2,DPT") == ("$Forwarded", "\\Deleted", "\\Draft")
    assert flags_of("abc") == ()


def test_a_maildir_file_renamed_or_moved_by_another_program_is_found(tmp_path):
    store = MaildirStore(tmp_path, "acct")
    message = fetched(1)
    staged = store.stage("Akten", "/", 7, message)
    store.commit([staged])
    path = tmp_path / staged.location.path
    info = f"{INFO_SEPARATOR}2,S"  # ";2,S" on Windows, ":2,S" elsewhere
    assert path.name.endswith(info)

    renamed = path.with_name(path.name.replace(info, f"{INFO_SEPARATOR}2,RS"))  # mutt: replied
    path.rename(renamed)
    assert find_message_file(path) == renamed
    assert store.read_digest(staged.location, message.length) == (message.sha256, message.length)

    moved = path.parent.parent / "new" / unique_name(path.name)  # back to new/, no info
    renamed.rename(moved)
    assert find_message_file(path) == moved
    record = Record(1, "acct", "Akten", 7, 1, None, message.sha256, message.length, WHEN,
                    (), staged.location, None, True)  # type: ignore[arg-type]  # fmt: skip
    assert read_message(tmp_path, record) == message.data

    moved.unlink()
    assert find_message_file(path) is None


def test_on_windows_the_info_follows_a_semicolon_and_both_kinds_read(tmp_path, monkeypatch):
    monkeypatch.setattr("archiver.core.store.maildir.INFO_SEPARATOR", ";")
    store = MaildirStore(tmp_path, "acct")
    message = fetched(1)
    staged = store.stage("INBOX", "/", 7, message)
    store.commit([staged])
    path = tmp_path / staged.location.path
    assert ":" not in path.name and path.name.endswith(";2,S")
    assert flags_of(path.name) == ("\\Seen",)
    # Copied to Linux and renamed there by mutt with the usual separator: still found.
    renamed = path.with_name(unique_name(path.name) + ":2,RS")
    path.rename(renamed)
    assert store.read_digest(staged.location, message.length) == (message.sha256, message.length)
