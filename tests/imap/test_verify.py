"""``verify``: archived files re-read and compared with the catalog, the index checked, repaired."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from whoosh import index

from archiver.cli import common, main
from archiver.cli import verify as verify_cli
from archiver.core.accounts import Account
from archiver.core.catalog import Catalog, Location, NewRecord, Record
from archiver.core.errors import ArchiverError
from archiver.core.index.indexer import VERSION_FILE, index_dir
from archiver.core.jobs.verify import IndexState, Problem, VerifyResult, run_verify
from archiver.core.progress import CancelToken, Progress
from archiver.core.secrets import Secret
from tests.helpers.dovecot import DovecotServer, ImapUser, append_messages
from tests.helpers.mailgen import generate_message
from tests.helpers.shell import print_file
from tests.imap.test_archive import OLD, run

pytestmark = pytest.mark.imap

# mboxrd quoting must be undone when reading back: From_ lines inside a message.
QUOTED = b"From: a@example.org\r\nSubject: quoting\r\n\r\nFrom the start\r\n>From quoted\r\n"


def archive(
    dovecot: DovecotServer,
    user: ImapUser,
    account: Account,
    password: Secret,
    root: Path,
    *,
    fmt: str = "maildir",
    keep_on_server: bool = True,
    count: int = 3,
) -> list[Record]:
    """Archive *count* messages of INBOX (the last one with From_ lines); return the rows."""
    messages = [generate_message(i) for i in range(count - 1)] + [QUOTED]
    with dovecot.client(user) as client:
        append_messages(client, "INBOX", messages, OLD)
    result = run(account, password, root, fmt=fmt, keep_on_server=keep_on_server)
    assert result.archived == count
    with Catalog.open(root) as catalog:
        return catalog.records()


def verify(root: Path, **options: object) -> VerifyResult:
    return run_verify(root, report=lambda _: None, cancel=CancelToken(), **options)  # type: ignore[arg-type]


def flip_byte(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x20
    path.write_bytes(bytes(data))


def documents(root: Path) -> set[str]:
    ix = index.open_dir(str(index_dir(root)))
    with ix.searcher() as searcher:
        ids = {str(d["id"]) for d in searcher.all_stored_fields()}
    ix.close()
    return ids


def snapshot(root: Path) -> tuple[dict[str, tuple[int, int, str]], list[tuple[object, ...]]]:
    """Return every file's mtime, size and digest (the lock file aside) and the catalog rows."""
    files = {
        str(p.relative_to(root)): (
            p.stat().st_mtime_ns,
            p.stat().st_size,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".lock" and not p.name.endswith(("-wal", "-shm"))
    }
    with sqlite3.connect(root / "catalog.sqlite3") as db:
        rows = db.execute("SELECT * FROM messages ORDER BY id").fetchall()
    db.close()
    return files, rows


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_clean_archive_verifies_reading_shared_copies_once(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    archive(dovecot, imap_user, account, password, tmp_path, fmt=fmt)
    # The same bytes again under a new UID are recorded against the stored copy.
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(0)], OLD)
    assert run(account, password, tmp_path, fmt=fmt, keep_on_server=True).ok
    with Catalog.open(tmp_path) as catalog:
        records = catalog.records()
    assert len(records) == 4 and len({r.location for r in records}) == 3
    distinct = sum({r.location: r.size for r in records}.values())
    seen: list[Progress] = []

    result = run_verify(tmp_path, report=seen.append, cancel=CancelToken())

    assert result.ok and not result.cancelled
    assert (result.total, result.checked, result.intact, result.copies) == (4, 4, 4, 3)
    assert result.bytes_checked == distinct
    assert not result.missing and not result.altered and not result.pending
    assert result.index.state is IndexState.OK and result.index.agrees
    assert result.index.unindexed == 0 and not result.index.repaired
    assert seen[0] == Progress(0, 4, "Verifying", 0, distinct)
    assert (seen[-1].done, seen[-1].total, seen[-1].bytes_done) == (4, 4, distinct)
    assert verify(tmp_path, account="test").ok
    with pytest.raises(ArchiverError, match="no messages of an account 'nosuch'"):
        verify(tmp_path, account="nosuch")


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 2 \(account test, .*UID 2\) is altered in the archive: its SHA-256 differs",
)
@pytest.mark.parametrize(("fmt", "keep_on_server"), [("maildir", True), ("mbox", False)])
def test_flipped_byte_is_reported_altered_and_kept(
    dovecot, imap_user, account, password, tmp_path, fmt, keep_on_server
):
    records = archive(
        dovecot, imap_user, account, password, tmp_path, fmt=fmt, keep_on_server=keep_on_server
    )
    damaged = records[1]  # in an mbox: a region between two others
    offset = damaged.location.offset or 0
    flip_byte(tmp_path / damaged.location.path, offset + (damaged.location.length or 0) // 2)

    result = verify(tmp_path)

    assert not result.ok and not result.missing
    assert result.intact == 2
    (altered,) = result.altered
    assert (altered.id, altered.account, altered.folder, altered.uid) == (
        damaged.id,
        "test",
        "INBOX",
        damaged.uid,
    )
    assert altered.problem is Problem.ALTERED and "SHA-256 differs" in altered.reason
    assert altered.path == str(tmp_path / damaged.location.path)
    assert altered.offset == damaged.location.offset
    assert altered.on_server is keep_on_server
    if keep_on_server:
        assert "server still has it" in altered.advice
    else:
        assert "restore the file from your backup" in altered.advice
    with Catalog.open(tmp_path) as catalog:  # reported, never forgotten
        assert catalog.records() == records


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 1 \(.*UID 1\) is altered in the archive: test/INBOX: no message at offset",
)
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 2 \(.*UID 2\) is altered in the archive: test/INBOX: no message at offset",
)
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 3 \(.*UID 3\) is altered in the archive: test/INBOX: no message at offset",
)
@pytest.mark.expect_log(
    "WARNING", "archiver.core.jobs.verify", "2 messages in the archive files are known to no"
)
def test_shifted_mbox_regions_are_altered(dovecot, imap_user, account, password, tmp_path):
    records = archive(dovecot, imap_user, account, password, tmp_path, fmt="mbox")
    path = tmp_path / records[0].location.path
    path.write_bytes(b"X" + path.read_bytes())  # every region now starts one byte late

    result = verify(tmp_path)

    assert {d.id for d in result.altered} == {r.id for r in records}
    assert "no message at offset 0" in result.damaged[0].reason
    assert len(result.unknown) == 2  # regions 2 and 3, one byte later

    repaired = verify(tmp_path, repair=True)  # their rows are pointed at them again

    assert repaired.relocated == 2 and repaired.adopted == 0
    assert [d.id for d in repaired.altered] == [records[0].id]  # behind "XFrom ": kept, reported
    after = verify(tmp_path)
    assert after.intact == 2 and [d.id for d in after.altered] == [records[0].id]


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 1 \(.*UID 1\) is altered in the archive: the file has 988 bytes, the catalog 986",
)
def test_appended_bytes_in_a_maildir_file_are_altered(
    dovecot, imap_user, account, password, tmp_path
):
    records = archive(dovecot, imap_user, account, password, tmp_path)
    path = tmp_path / records[0].location.path
    path.write_bytes(path.read_bytes() + b"\r\n")

    (altered,) = verify(tmp_path).altered

    assert altered.id == records[0].id
    assert f"the file has {records[0].size + 2} bytes" in altered.reason


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 3 \(account test, folder INBOX, UID 3\) is missing in the archive: ",
)
@pytest.mark.parametrize(("fmt", "keep_on_server"), [("maildir", False), ("mbox", True)])
def test_deleted_file_or_cut_region_is_reported_missing(
    dovecot, imap_user, account, password, tmp_path, fmt, keep_on_server
):
    records = archive(
        dovecot, imap_user, account, password, tmp_path, fmt=fmt, keep_on_server=keep_on_server
    )
    gone = records[-1]
    path = tmp_path / gone.location.path
    if fmt == "maildir":
        path.unlink()
        reason = "the file is gone"
    else:
        with path.open("rb+") as file:  # the last region loses its end
            file.truncate((gone.location.offset or 0) + 10)
        reason = "the mbox file ends at byte"

    result = verify(tmp_path)

    assert not result.ok and not result.altered and result.intact == 2
    (missing,) = result.missing
    assert missing.id == gone.id and missing.problem is Problem.MISSING
    assert reason in missing.reason
    assert missing.on_server is keep_on_server
    with Catalog.open(tmp_path) as catalog:
        assert catalog.records() == records


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 1 \(.*UID 1\) is missing in the archive: the file cannot be reached",
)
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 2 \(.*UID 2\) is missing in the archive: the file cannot be reached",
)
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 3 \(.*UID 3\) is missing in the archive: the file cannot be reached",
)
def test_unreachable_file_is_missing(dovecot, imap_user, account, password, tmp_path):
    records = archive(dovecot, imap_user, account, password, tmp_path)
    cur = tmp_path / "test" / "cur"
    cur.rename(tmp_path / "moved")
    cur.write_bytes(b"")  # a file where the folder was: stat() fails with ENOTDIR

    result = verify(tmp_path)

    assert [d.id for d in result.missing] == [r.id for r in records]
    assert "cannot be reached" in result.missing[0].reason


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^The search index holds 1 documents that are no verified message$",
)
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^1 messages marked indexed are missing from the search index$",
)
def test_stray_and_missing_index_documents_are_repaired(
    dovecot, imap_user, account, password, tmp_path
):
    records = archive(dovecot, imap_user, account, password, tmp_path)
    dropped = records[1]
    ix = index.open_dir(str(index_dir(tmp_path)))
    with ix.writer() as writer:
        writer.add_document(id="999999", account="test", folder="INBOX")
        writer.delete_by_term("id", str(dropped.id))
    ix.close()

    found = verify(tmp_path)

    assert not found.ok and not found.damaged  # the files are fine
    assert found.index.state is IndexState.OK and not found.index.agrees
    assert found.index.missing == [dropped.id] and found.index.stray == ["999999"]

    repaired = verify(tmp_path, repair=True)

    assert repaired.ok and repaired.index.repaired and repaired.index.indexed == 1
    assert documents(tmp_path) == {str(r.id) for r in records}
    again = verify(tmp_path)
    assert again.ok and again.index.agrees and not again.index.repaired


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^3 messages marked indexed are missing from the search index$",
)
@pytest.mark.parametrize(
    "damage",
    [
        "missing",
        "other version",
        pytest.param(
            "unreadable",
            marks=[
                pytest.mark.expect_log(
                    "WARNING", "archiver.core.jobs.verify", r"^The search index is unreadable: "
                ),
                pytest.mark.expect_log(
                    "WARNING", "archiver.core.index.indexer", r"unreadable .*; rebuilding it\.$"
                ),
            ],
        ),
    ],
)
def test_unusable_index_is_reported_and_rebuilt_by_repair(
    dovecot, imap_user, account, password, tmp_path, damage
):
    records = archive(dovecot, imap_user, account, password, tmp_path)
    path = index_dir(tmp_path)
    if damage == "missing":
        shutil.rmtree(path)
    elif damage == "other version":
        (path / VERSION_FILE).unlink()
    else:
        for toc in path.glob("*.toc"):
            toc.write_bytes(b"garbage")
    before = snapshot(tmp_path)

    found = verify(tmp_path)

    assert found.index.state.value == damage and not found.ok
    assert found.index.missing == [r.id for r in records]  # marked indexed, not readable there
    assert snapshot(tmp_path) == before  # not even a missing index is created
    assert path.exists() is (damage != "missing")

    repaired = verify(tmp_path, repair=True)

    assert repaired.ok and repaired.index.indexed == len(records)
    assert documents(tmp_path) == {str(r.id) for r in records}
    assert verify(tmp_path).index.agrees


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 1 \(account test, .*UID 1\) is altered in the archive: its SHA-256 differs",
)
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^The search index holds 1 documents that are no verified message$",
)
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^1 messages marked indexed are missing from the search index$",
)
def test_verify_without_repair_changes_nothing(dovecot, imap_user, account, password, tmp_path):
    records = archive(dovecot, imap_user, account, password, tmp_path, fmt="mbox")
    flip_byte(tmp_path / records[0].location.path, (records[0].location.length or 0) // 2)
    ix = index.open_dir(str(index_dir(tmp_path)))
    with ix.writer() as writer:
        writer.add_document(id="424242", account="test")
        writer.delete_by_term("id", str(records[2].id))
    ix.close()
    with Catalog.open(tmp_path) as catalog:
        catalog.mark_indexed([records[1].id], False)
    before = snapshot(tmp_path)

    result = verify(tmp_path)

    assert [d.id for d in result.altered] == [records[0].id]
    assert result.index.stray == ["424242"] and result.index.missing == [records[2].id]
    assert result.index.unindexed == 1
    assert snapshot(tmp_path) == before


def test_pending_rows_are_reported_not_damage(
    dovecot, imap_user, account, password, tmp_path, capsys
):
    records = archive(dovecot, imap_user, account, password, tmp_path)
    left = records[0]
    with Catalog.open(tmp_path) as catalog:  # as a crash between catalogue and rename leaves it
        catalog.add_pending(
            [
                NewRecord(
                    "test",
                    "INBOX",
                    left.uidvalidity,
                    9999,
                    None,
                    "0" * 64,
                    10,
                    left.internaldate,
                    (),
                    Location("test/tmp/never-renamed"),
                )
            ]
        )

    result = verify(tmp_path)

    assert result.ok and result.checked == len(records)
    (pending,) = result.pending
    assert (pending.account, pending.folder, pending.uid) == ("test", "INBOX", 9999)
    verify_cli.print_verify_summary(result, sys.stdout)
    assert "PENDING 1 message of test" in capsys.readouterr().out


def test_cancel_stops_between_messages(dovecot, imap_user, account, password, tmp_path):
    archive(dovecot, imap_user, account, password, tmp_path)
    token = CancelToken()

    def report(progress: Progress) -> None:
        if progress.done >= 1:
            token.cancel()

    result = run_verify(tmp_path, repair=True, report=report, cancel=token)

    assert result.cancelled and not result.ok
    assert result.checked == 1 and result.total == 3
    assert not result.index.repaired


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^Message 1 \(account work, .*UID 1\) is altered in the archive: its SHA-256 differs",
)
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.verify",
    r"^1 messages marked indexed are missing from the search index$",
)
def test_cli_exit_codes_text_and_json(dovecot, imap_user, home, tmp_path, capsys, monkeypatch):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(3)], OLD)
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    args = dovecot.account_args(imap_user)
    assert main(["account", "add", "work", *args, "--password-command", print_file(secret)]) == 0
    assert main(["archive", "work", "--before", "2030-01-01"]) == 0
    capsys.readouterr()

    assert main(["verify"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("Verified 3 messages (") and " in 3 stored copies): all intact; " in line
    assert line.endswith("the search index agrees with the catalog.")
    assert main(["verify", "work", "--json"]) == 0
    item = json.loads(capsys.readouterr().out)
    assert item["ok"] is True and item["intact"] == 3 and item["account"] == "work"

    with Catalog.open(home.archive) as catalog:
        records = catalog.records()
    path = home.archive / records[0].location.path
    original = path.read_bytes()
    flip_byte(path, 5)
    assert main(["verify"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"  ALTERED message {records[0].id} (work: INBOX, UID ")
    assert "restore the file from your backup" in lines[0]
    assert "1 altered" in lines[-1]
    assert main(["verify", "--json"]) == 1
    item = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in item["altered"]] == [records[0].id] and item["ok"] is False
    assert item["altered"][0]["on_server"] is False
    path.write_bytes(original)

    ix = index.open_dir(str(index_dir(home.archive)))
    with ix.writer() as writer:
        writer.delete_by_term("id", str(records[1].id))
    ix.close()
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "absent from the search index" in out and "verify --repair" in out
    assert main(["verify", "--repair"]) == 0
    assert "INDEX 1 message indexed." in capsys.readouterr().out
    assert main(["verify"]) == 0
    capsys.readouterr()

    assert main(["verify", "nosuch"]) == 1
    assert "no messages of an account 'nosuch'" in capsys.readouterr().err

    cancelled = CancelToken()
    cancelled.cancel()
    monkeypatch.setattr(common, "CancelToken", lambda: cancelled)
    assert main(["verify"]) == 130
    assert "Cancelled after 0 of 3 messages" in capsys.readouterr().out


def test_cli_without_archive(home, capsys):
    assert main(["verify"]) == 1
    assert "There is no archive" in capsys.readouterr().err
    assert not home.archive.exists()
