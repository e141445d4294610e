"""Exporting archived mail: mboxrd and .eml files with the exact bytes, safe names, 0600."""

from __future__ import annotations

import datetime as dt
import json
import mailbox
import os
import re
import sys
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.core.catalog import Catalog, Location, Record, State
from archiver.core.errors import ExportError
from archiver.core.jobs.export import (
    ExportResult,
    eml_stem,
    export_eml,
    export_mbox,
    safe_name_part,
)
from archiver.core.progress import CancelToken, Progress
from archiver.core.store.reading import iter_message
from tests.helpers.corpus import corpus_files
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import HARD_SHAPES, generate_message
from tests.helpers.privacy import assert_private
from tests.helpers.shell import print_file
from tests.imap.test_archive import OLD, run, server_state

pytestmark = pytest.mark.imap

WINDOWS_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]|[ .]$')
MBOX_SAMPLE = [
    b"From the start of a line\r\n>From quoted\r\n\r\nFrom body\r\n>>From x\r\n",
    b"Subject: no newline at the end\r\n\r\nbody",
]


@pytest.fixture
def archive(dovecot, imap_user, account, password, tmp_path) -> tuple[Path, list[bytes]]:
    """An archive root holding the corpus (or, without it, the generated hard shapes)."""
    raws = [f.read_bytes() for f in corpus_files()] or [s(4) for s in HARD_SHAPES.values()]
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [*raws, *MBOX_SAMPLE], OLD)
    served = [data for _uid, (data, _f, _d) in sorted(server_state(dovecot, imap_user).items())]
    root = tmp_path / "archive"
    assert run(account, password, root).ok
    return root, served


def records(root: Path) -> list[Record]:
    with Catalog.open(root) as catalog:
        return catalog.records()


def mbox_messages(path: Path, sizes: list[int]) -> list[bytes]:
    """Split an mboxrd file at its From_ lines and read each message back exactly."""
    data = path.read_bytes()
    starts = [0] + [m.start() + 1 for m in re.finditer(rb"\nFrom ", data)]
    assert len(starts) == len(sizes)
    ends = [*starts[1:], len(data)]
    return [
        b"".join(iter_message(path.parent, Location(path.name, start, end - start), size))
        for start, end, size in zip(starts, ends, sizes, strict=True)
    ]


def test_mbox_holds_the_exact_bytes_and_opens_as_mbox(archive, tmp_path):
    root, served = archive
    target = tmp_path / "out" / "export.mbox"
    target.parent.mkdir()
    rows = records(root)
    seen: list[Progress] = []

    result = export_mbox(rows, root, target, report=seen.append, cancel=CancelToken())

    assert result.ok and result.exported == len(served) == len(rows)
    assert mbox_messages(target, [r.size for r in rows]) == served
    assert_private(target)
    assert os.listdir(target.parent) == ["export.mbox"]  # no temporary file left
    box = mailbox.mbox(target, create=False)
    assert len(box) == len(served)
    assert all(m.get_from().startswith("MAILER-DAEMON ") for m in box)
    assert seen[-1].done == seen[-1].total == len(rows)
    assert seen[-1].bytes_done == seen[-1].bytes_total == result.bytes
    sample = target.read_bytes()
    assert b"\n>From the start of a line\r\n>>From quoted\r\n\r\n>From body\r\n>>>From x\r\n\n" in (
        sample
    )
    assert b"\r\n\r\nbody\n\nFrom MAILER-DAEMON" in sample or sample.endswith(b"\r\n\r\nbody\n\n")


def test_mbox_refuses_a_non_empty_file_and_takes_an_empty_one(archive, tmp_path):
    root, _ = archive
    rows = records(root)[:2]
    taken = tmp_path / "taken.mbox"
    taken.write_bytes(b"From someone\n")
    with pytest.raises(ExportError, match="exists and is not empty; nothing was written"):
        export_mbox(rows, root, taken, report=lambda _: None, cancel=CancelToken())
    assert taken.read_bytes() == b"From someone\n"
    with pytest.raises(ExportError, match="is a folder"):
        export_mbox(rows, root, tmp_path, report=lambda _: None, cancel=CancelToken())
    with pytest.raises(ExportError, match="No such file or directory"):
        export_mbox(
            rows, root, tmp_path / "missing" / "x", report=lambda _: None, cancel=CancelToken()
        )
    empty = tmp_path / "empty.mbox"
    empty.touch()
    assert export_mbox(rows, root, empty, report=lambda _: None, cancel=CancelToken()).ok
    assert empty.stat().st_size > 0


def test_mbox_cancelled_or_failing_leaves_no_file(archive, tmp_path, monkeypatch):
    root, _ = archive
    rows = records(root)
    token = CancelToken()

    def cancel_after_one(progress: Progress) -> None:
        token.cancel()

    target = tmp_path / "stopped.mbox"
    result = export_mbox(rows, root, target, report=cancel_after_one, cancel=token)
    assert result.cancelled and result.exported == 0 and not target.exists()
    assert os.listdir(tmp_path) == ["archive"]

    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("archiver.core.jobs.export.quote", full_disk)
    with pytest.raises(ExportError, match="disk is full"):
        export_mbox(rows, root, target, report=lambda _: None, cancel=CancelToken())
    assert os.listdir(tmp_path) == ["archive"]


@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.export",
    r"^Message 2 is left out of the export: .*differs from what was archived",
)
@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.export",
    r"^Message 3 is left out of the export: not verified in the archive yet",
)
def test_damaged_or_unverified_messages_are_left_out(archive, tmp_path):
    root, served = archive
    rows = records(root)[:3]
    path = root / rows[1].location.path
    data = bytearray(path.read_bytes())
    data[-3] ^= 1
    path.write_bytes(bytes(data))
    pending = Record(
        **{**{f: getattr(rows[2], f) for f in Record.__slots__}, "state": State.PENDING}
    )

    mbox = export_mbox(
        [*rows[:2], pending], root, tmp_path / "x.mbox", report=lambda _: None, cancel=CancelToken()
    )
    eml = export_eml(rows[:2], root, tmp_path / "eml", report=lambda _: None, cancel=CancelToken())

    for result in (mbox, eml):
        assert result.exported == 1 and not result.ok
        assert "differs from what was archived" in result.failures[0].reason
    assert "not verified" in mbox.failures[1].reason
    assert mbox_messages(tmp_path / "x.mbox", [rows[0].size]) == served[:1]


def test_eml_files_are_exact_safely_named_private_and_not_written_twice(archive, tmp_path):
    root, served = archive
    rows = records(root)
    target = tmp_path / "new" / "eml"

    result = export_eml(rows, root, target, report=lambda _: None, cancel=CancelToken())

    assert result.ok and result.exported == len(rows)
    files = sorted(target.iterdir())
    assert len(files) == len(rows) and not [f for f in files if not f.name.endswith(".eml")]
    by_id = {int(f.name.split("_")[2].removesuffix(".eml")): f for f in files}
    for row, data in zip(rows, served, strict=True):
        file = by_id[row.id]
        assert file.read_bytes() == data
        assert int(file.stat().st_mtime) == int(row.internaldate.timestamp())
        assert_private(file)
        assert not WINDOWS_UNSAFE.search(file.name.removesuffix(".eml"))
        assert len(file.name.encode()) < 200
    assert_private(target)

    again = export_eml(rows, root, target, report=lambda _: None, cancel=CancelToken())
    assert again.ok and again.already == len(rows) and again.exported == 0
    assert len(list(target.iterdir())) == len(rows)
    # A foreign file with the name gets company, not overwritten.
    first = by_id[rows[0].id]
    first.write_bytes(b"mine")
    export_eml(rows[:1], root, target, report=lambda _: None, cancel=CancelToken())
    assert first.read_bytes() == b"mine"
    assert first.with_name(first.stem + "-2.eml").read_bytes() == served[0]


def test_eml_cancel_keeps_complete_files_and_a_rerun_finishes(archive, tmp_path):
    root, _ = archive
    rows = records(root)[:4]
    token = CancelToken()

    def cancel_after_two(progress: Progress) -> None:
        if progress.done == 2:
            token.cancel()

    stopped = export_eml(rows, root, tmp_path / "eml", report=cancel_after_two, cancel=token)
    assert stopped.cancelled and stopped.exported == 2
    assert len(list((tmp_path / "eml").iterdir())) == 2
    rest = export_eml(rows, root, tmp_path / "eml", report=lambda _: None, cancel=CancelToken())
    assert (rest.already, rest.exported) == (2, 2)


def test_eml_target_must_be_a_writable_folder(archive, tmp_path):
    root, _ = archive
    rows = records(root)[:1]
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(ExportError, match="is not a folder"):
        export_eml(rows, root, afile, report=lambda _: None, cancel=CancelToken())
    with pytest.raises(ExportError, match="Cannot write"):
        export_eml(rows, root, afile / "below", report=lambda _: None, cancel=CancelToken())
    # Windows has no read-only folders by mode; root may write anywhere.
    if sys.platform != "win32" and os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ExportError, match="permission denied"):
            export_eml(rows, root, locked, report=lambda _: None, cancel=CancelToken())


def test_eml_write_error_is_an_export_error(archive, tmp_path, monkeypatch):
    root, _ = archive

    def full_disk(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("archiver.core.jobs.export.os.fsync", full_disk)
    with pytest.raises(ExportError, match="disk is full"):
        export_eml(
            records(root)[:1], root, tmp_path / "eml", report=lambda _: None, cancel=CancelToken()
        )
    assert os.listdir(tmp_path / "eml") == []  # no partial file


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        (b'Re: a/b\\c:d*e?f"g<h>i|j', "Re_ a_b_c_d_e_f_g_h_i_j"),
        (b"=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=", "Grüße aus Köln"),
        (b"=?x-unknown?q?Hallo?=", "=_x-unknown_q_Hallo_="),
        (b"evil \xe2\x80\xaegpj.exe", "evil gpj.exe"),
        (b"tabs\tand\x01controls \xff raw...", "tabs and controls ÿ raw"),
        (b"  ", ""),
    ],
)
def test_eml_names(subject, expected):
    data = b"Subject: " + subject + b"\r\nMessage-ID: <x@y>\r\n\r\nbody\r\n"
    record = Record(
        7,
        "a",
        "INBOX",
        1,
        1,
        None,
        "",
        len(data),
        dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        (),
        Location("x"),
        State.VERIFIED,
        False,
    )
    stem = eml_stem(record, data)
    assert stem == f"2020-01-02_030405_7_{expected}".rstrip("_")
    assert safe_name_part("x" * 300) == "x" * 60
    assert len(safe_name_part("日本" * 100).encode()) <= 150


# --- the command line ---------------------------------------------------------------------


def test_cli_export(dovecot, imap_user, home, tmp_path, capsys):
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    args = ["account", "add", "office", *dovecot.account_args(imap_user)]
    assert main([*args, "--password-command", print_file(secret)]) == 0
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(1), generate_message(2)], OLD)
    assert main(["archive", "office", "--before", "2023-01-01"]) == 0
    capsys.readouterr()

    assert main(["export", "1", "2", "--mbox", str(tmp_path / "a.mbox"), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["exported"] == 2 and summary["format"] == "mbox" and summary["ok"]
    assert main(["export", "1", "2", "--eml-dir", str(tmp_path / "eml")]) == 0
    assert "Exported 2 messages" in capsys.readouterr().out
    assert main(["export", "1", "--mbox", str(tmp_path / "a.mbox")]) == 1
    assert "exists and is not empty" in capsys.readouterr().err
    assert main(["export", "--query", "folder:inbox", "--eml-dir", str(tmp_path / "q")]) == 0
    assert len(list((tmp_path / "q").iterdir())) == 2
    assert main(["export", "3", "--mbox", str(tmp_path / "b.mbox")]) == 1
    assert "No archived message with id 3" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "1"])  # one of --mbox and --eml-dir is required
    assert isinstance(ExportResult("x", "eml").to_dict()["failures"], list)
