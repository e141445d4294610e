"""A lost, damaged or older catalog, and Maildir files another mail program renamed.

The archive files are the messages; the catalog is their record. Whatever happened to the
record, ``verify`` must see the files it does not know, ``verify --repair`` must record them
again without touching a file, and no command may answer with an internal error.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from whoosh import index

from archiver.cli import main
from archiver.core.catalog import Catalog, Record
from archiver.core.errors import CatalogDamaged, CatalogMissing
from archiver.core.index.indexer import index_dir
from archiver.core.jobs.verify import CatalogState, Problem
from archiver.core.store.reading import read_message
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import generate_message
from tests.helpers.shell import print_lines
from tests.imap.test_archive import INFO, OLD, run
from tests.imap.test_verify import archive, verify

pytestmark = pytest.mark.imap


def files(root: Path) -> dict[str, str]:
    """Every archive message file's digest (catalog, index, lock and journal aside)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and not p.name.startswith(("catalog.sqlite3", ".lock"))
        and ".index" not in p.parts
    }


def essentials(records: list[Record]) -> list[tuple[object, ...]]:
    return sorted(
        (r.folder, r.sha256, r.size, r.message_id, r.internaldate, r.location) for r in records
    )


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
@pytest.mark.expect_log(
    "WARNING", "archiver.core.jobs.verify", "catalog .* is missing; the archive holds message files"
)
def test_a_deleted_catalog_is_seen_and_rebuilt_from_the_files(
    dovecot, imap_user, account, password, tmp_path, fmt, caplog
):
    before = archive(dovecot, imap_user, account, password, tmp_path, fmt=fmt, count=5)
    on_disk = files(tmp_path)
    for name in ("catalog.sqlite3", "catalog.sqlite3-wal", "catalog.sqlite3-shm"):
        (tmp_path / name).unlink(missing_ok=True)

    found = verify(tmp_path)

    assert not found.ok and found.catalog is CatalogState.MISSING
    assert len(found.unknown) == 5 and all(u.adoptable for u in found.unknown)
    assert not (tmp_path / "catalog.sqlite3").exists()  # verify alone writes nothing
    # An archive run must not start a new, empty record beside the old files.
    with pytest.raises(CatalogMissing, match="verify --repair"):
        run(account, password, tmp_path, fmt=fmt)

    repaired = verify(tmp_path, repair=True)

    assert repaired.catalog is CatalogState.REBUILT and repaired.adopted == 5
    assert repaired.index.repaired and repaired.index.indexed == 5
    assert files(tmp_path) == on_disk  # not a file touched
    with Catalog.open(tmp_path) as catalog:
        after = catalog.records()
    assert essentials(after) == essentials(before)
    for record in after:
        assert read_message(tmp_path, record)
    if fmt == "maildir":  # our file names hold the UID and the flags
        assert sorted((r.uidvalidity, r.uid, r.flags) for r in after) == sorted(
            (r.uidvalidity, r.uid, r.flags) for r in before
        )
    assert verify(tmp_path).ok
    # The rebuilt record serves an archive run: the server is freed of exactly those.
    result = run(account, password, tmp_path, fmt=fmt)
    assert result.error is None and result.closes
    if fmt == "maildir":
        assert result.deleted == 5 and result.archived == 0
    else:  # mbox regions carry no UID: downloaded again, found archived, then deleted
        assert result.deleted == 5 and result.archived == 0
        assert sum(f.already for f in result.folders) == 5


@pytest.mark.expect_log(
    "WARNING", "archiver.core.jobs.verify", r"is damaged \(.*\); moving it aside"
)
def test_a_damaged_catalog_gives_a_clear_error_and_repair_rebuilds_it(
    dovecot, imap_user, account, password, home, capsys, monkeypatch
):
    root = home.archive
    monkeypatch.setattr("builtins.input", lambda *_: "")
    main(["account", "add", "test", *dovecot.account_args(imap_user), "--password-command",
          print_lines(password.reveal())])  # fmt: skip
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(4)], OLD)
    assert main(["archive", "test", "--older-than", "1y", "--keep-on-server"]) == 0
    catalog_file = root / "catalog.sqlite3"
    data = catalog_file.read_bytes()
    catalog_file.write_bytes(data[:100] + b"\0" * (len(data) - 100))  # pages wiped
    capsys.readouterr()

    for command in (["verify"], ["search", "anything"], ["archive", "test", "--older-than", "1y"]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert "catalog" in err and "damaged" in err and "verify --repair" in err
        assert "internal error" not in err

    assert main(["verify", "--repair"]) == 0
    out = capsys.readouterr().out
    assert "CATALOG rebuilt" in out and "damaged-" in out
    assert list(root.glob("catalog.sqlite3.damaged-*"))  # kept, never deleted
    with Catalog.open(root) as catalog:
        assert len(catalog.records()) == 4
    assert main(["verify"]) == 0


def test_an_older_catalog_after_a_lost_wal_gets_its_files_back(
    dovecot, imap_user, account, password, tmp_path, capsys, monkeypatch
):
    """The catalog of run 1, while the files and the index hold runs 1 and 2."""
    monkeypatch.setenv("IMAP_ARCHIVER_HOME", str(tmp_path / "home"))
    root = tmp_path / "archive"
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(3)], OLD)
    assert run(account, password, root, keep_on_server=True).archived == 3
    with sqlite3.connect(root / "catalog.sqlite3") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    old = (root / "catalog.sqlite3").read_bytes()
    with dovecot.client(imap_user) as client:
        append_messages(client, "Akten", [generate_message(i) for i in range(3, 6)], OLD)
    assert run(account, password, root, keep_on_server=True).archived == 3
    with Catalog.open(root) as catalog:
        newer = catalog.records()
    for name in ("catalog.sqlite3-wal", "catalog.sqlite3-shm"):
        (root / name).unlink(missing_ok=True)
    (root / "catalog.sqlite3").write_bytes(old)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("logging.Logger.warning", lambda *a, **k: None)
        found = verify(root)
    assert not found.ok and len(found.unknown) == 3
    assert {Path(u.path).parent.parent.name for u in found.unknown} == {".Akten"}

    repaired = verify(root, repair=True)

    assert repaired.adopted == 3 and repaired.catalog is CatalogState.OK
    with Catalog.open(root) as catalog:
        assert essentials(catalog.records()) == essentials(newer)
        records = catalog.records()
    # The index held run 2's documents under the ids now given again: each id must now
    # find its own message, once.
    again = verify(root)
    assert again.ok and again.index.agrees and again.index.unindexed == 0
    ix = index.open_dir(str(index_dir(root)))
    with ix.searcher() as searcher:
        stored = list(searcher.all_stored_fields())
    ix.close()
    by_id = {d["id"]: d for d in stored}
    assert len(stored) == len(by_id) == len(records)
    for record in records:
        assert record.message_id
        assert record.message_id.strip("<>").lower() in by_id[str(record.id)]["msgid"].lower()


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_files_another_program_added_are_recorded_by_repair(
    dovecot, imap_user, account, password, tmp_path, fmt, caplog
):
    archive(dovecot, imap_user, account, password, tmp_path, fmt=fmt, count=2)
    foreign = b"From: colleague@example.org\r\nSubject: put here by hand\r\n\r\nhello\r\n"
    if fmt == "maildir":
        (tmp_path / "test" / "cur" / f"1600000000.M1P1.desk{INFO}S").write_bytes(foreign)
    else:
        with (tmp_path / "test" / "INBOX").open("ab") as mbox:
            mbox.write(b"From - Thu Jan  2 12:00:00 2020\n" + foreign + b"\n")

    with caplog.at_level("WARNING"):
        found = verify(tmp_path)
    assert [u.adoptable for u in found.unknown] == [True]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "1 messages in the archive files are known to no catalog row"
    ]
    caplog.clear()

    repaired = verify(tmp_path, repair=True)

    assert repaired.adopted == 1
    with Catalog.open(tmp_path) as catalog:
        (added,) = [r for r in catalog.records() if r.uidvalidity == 0]
    assert read_message(tmp_path, added) == foreign
    assert added.folder == "INBOX" and added.uid < 0 and not added.on_server
    assert verify(tmp_path).ok


@pytest.mark.parametrize("move", ["flags", "new"])
def test_maildir_files_renamed_by_mutt_are_found_everywhere(
    dovecot, imap_user, account, password, tmp_path, move
):
    records = archive(dovecot, imap_user, account, password, tmp_path, count=3)
    for record in records:
        path = tmp_path / record.location.path
        if move == "flags":  # mutt marks it replied: ":2,S" becomes ":2,RS"
            path.rename(path.with_name(path.name.replace(f"{INFO}S", f"{INFO}RS")))
        else:  # back to new/ without an info part, as a program may put it
            path.rename(path.parent.parent / "new" / path.name.split(INFO)[0])

    result = verify(tmp_path)
    assert result.ok and result.intact == 3 and not result.unknown
    for record in records:
        assert read_message(tmp_path, record)
    # The deletion checks re-read the copies: they are found, so the server is freed.
    freed = run(account, password, tmp_path)
    assert freed.error is None and freed.deleted == 3
    assert not freed.folders[0].kept


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    "Message 1 .* is missing in the archive: the file is gone",
)
def test_a_lost_copy_with_an_identical_message_on_the_server_does_not_stop_runs(
    dovecot, imap_user, account, password, tmp_path
):
    records = archive(dovecot, imap_user, account, password, tmp_path, count=2)
    (tmp_path / records[0].location.path).unlink()
    with dovecot.client(imap_user) as client:  # the same bytes again under a new UID
        append_messages(client, "INBOX", [generate_message(0)], OLD)

    result = run(account, password, tmp_path, keep_on_server=True)

    assert result.error is None
    assert result.archived == 1  # stored afresh: the old copy cannot serve as its twin
    damaged = verify(tmp_path)
    assert [d.problem for d in damaged.damaged] == [Problem.MISSING]


def test_damage_shows_anywhere_as_catalog_damaged(tmp_path):
    with Catalog.open(tmp_path):
        pass
    data = (tmp_path / "catalog.sqlite3").read_bytes()
    (tmp_path / "catalog.sqlite3").write_bytes(b"not a database at all" + data[21:])
    with pytest.raises(CatalogDamaged, match="verify --repair"):
        Catalog.open(tmp_path)


def test_a_first_run_killed_before_its_catalog_exists_leaves_no_lost_catalog(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    # The first run of an archive dies right after writing the account's format marker (as by
    # a kill at that moment): the next run must not take the tree for a lost catalog.
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(3)], when=OLD)

    class Killed(BaseException):
        pass

    def die(*_: object) -> None:
        assert (tmp_path / "test" / ".format").exists()
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr("archiver.core.jobs.archive.open_store", die)
        with pytest.raises(Killed):
            run(account, password, tmp_path)

    result = run(account, password, tmp_path)

    assert result.ok and result.archived == 3
