"""The import's source readers: each mbox dialect, Thunderbird, Maildir, .eml; byte for byte."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path

import pytest

from archiver.core.importers import (
    SkippedMessage,
    SourceFolder,
    SourceKind,
    SourceMessage,
    UnreadableMessage,
    discover,
)
from archiver.core.importers.discovery import (
    IMAP_CACHE_REASON,
    NOT_MBOX_REASON,
    read_folder,
)
from archiver.core.importers.mbox import from_line_date, read_mbox, source_flags
from archiver.core.importers.outlook_pst import PST_NEEDS_READER_REASON, PST_UNREADABLE_REASON
from tests.helpers.corpus import SKIP_REASON, corpus_files
from tests.helpers.mailgen import HARD_SHAPES, generate_message
from tests.helpers.mailsources import (
    eml_folder,
    maildir,
    mboxcl2,
    mboxo,
    mboxrd,
    thunderbird_profile,
    to_lf,
)

QUOTED = re.compile(rb"^>+From ", re.M)


def shapes() -> list[bytes]:
    """Every hard shape but the one without a final line break (see test_no_final_newline)."""
    return [make(7) for name, make in HARD_SHAPES.items() if name != "trailing_no_newline"]


def messages_of(path: Path) -> list[SourceMessage]:
    found = list(read_mbox(path))
    assert all(isinstance(m, SourceMessage) for m in found)
    return [m for m in found if isinstance(m, SourceMessage)]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_mboxrd_unquotes_exactly(tmp_path: Path, newline: bytes) -> None:
    raws = [raw if newline == b"\r\n" else to_lf(raw) for raw in shapes()]
    path = tmp_path / "box"
    path.write_bytes(mboxrd(raws, newline))
    found = messages_of(path)
    assert [m.data for m in found] == raws
    # The "From " lines inside a body are quoted in the file and come back unquoted.
    quoted = HARD_SHAPES["mbox_from_line_in_body"](7)
    assert b"\n>>>From here on twice." in path.read_bytes().replace(b"\r\n", b"\n")
    assert quoted.replace(b"\r\n", newline) in [m.data.replace(b"\r\n", newline) for m in found]
    assert all(not m.truncated for m in found)


def test_mboxo_and_unquoted_from_lines(tmp_path: Path) -> None:
    # mboxo cannot keep a body's ">From " apart from a quoted "From ": messages without
    # such lines read back exactly; unquoted "From " lines (old Thunderbird) split nothing.
    raws = [to_lf(raw) for raw in shapes() if not QUOTED.search(raw)]
    path = tmp_path / "box.mbox"
    path.write_bytes(mboxo(raws))
    assert [m.data for m in messages_of(path)] == raws


def test_mboxcl2_takes_content_length_verbatim(tmp_path: Path) -> None:
    raws = [raw for raw in shapes() if b"\r\n\r\n" in raw]
    content, stored = mboxcl2(raws, b"\r\n")
    path = tmp_path / "box"
    path.write_bytes(content)
    found = messages_of(path)
    assert [m.data for m in found] == stored
    # Unquoted "From " lines that look like separators did not split the message.
    assert any(b"\r\nFrom someone@example.com Mon Jan  1" in m.data for m in found)


def test_truncated_last_message_is_kept_and_marked(tmp_path: Path) -> None:
    first, second = to_lf(generate_message(1)), to_lf(generate_message(2))
    path = tmp_path / "box"
    path.write_bytes(mboxrd([first]) + mboxrd([second])[:-500])
    found = messages_of(path)
    assert [m.truncated for m in found] == [False, True]
    assert found[0].data == first
    assert found[1].data == second[: len(second) - 499]


def test_no_final_newline_gains_one(tmp_path: Path) -> None:
    # An mbox writer puts a line break after such a message; the format cannot tell it from
    # the message's own, so the message comes back with one (as our own archive's scan does).
    raw = to_lf(HARD_SHAPES["trailing_no_newline"](3))
    path = tmp_path / "box"
    path.write_bytes(mboxrd([raw + b"\n", to_lf(generate_message(4))]))  # as Python writes it
    assert messages_of(path)[0].data == raw + b"\n"


def test_positions_dates_and_flags(tmp_path: Path) -> None:
    one = b"Subject: a\nStatus: RO\nX-Status: AF\n\nx\n"
    two = b"Subject: b\n\ny\n"
    path = tmp_path / "box"
    path.write_bytes(
        b"From a@b Sat Mar  2 10:11:12 2019\n" + one + b"\n"
        b"From a@b Sat Mar  2 10:11 +0100 2019\n" + two + b"\n"
    )
    found = messages_of(path)
    assert [m.position for m in found] == [0, len(b"From a@b Sat Mar  2 10:11:12 2019\n") + 39]
    assert found[0].flags == ("\\Answered", "\\Flagged", "\\Seen")
    assert found[0].internaldate == dt.datetime(2019, 3, 2, 10, 11, 12, tzinfo=dt.UTC)
    assert found[1].internaldate == dt.datetime(2019, 3, 2, 9, 11, tzinfo=dt.UTC)
    assert from_line_date(b"From - Mon Feb 30 10:00:00 2019\n") is None
    assert source_flags(b"X-Mozilla-Status: 1003\n") == ("$Forwarded", "\\Answered", "\\Seen")


def test_lax_mbox_splits_on_every_from_after_an_empty_line(tmp_path: Path) -> None:
    path = tmp_path / "box"
    path.write_bytes(b"From someone\nSubject: a\n\nx\n\nFrom other\nSubject: b\n\ny\n")
    assert [m.data for m in messages_of(path)] == [b"Subject: a\n\nx\n", b"Subject: b\n\ny\n"]


def test_empty_message_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "box"
    path.write_bytes(b"From a@b Sat Mar  2 10:11:12 2019\n\nFrom a@b Sat Mar  2 10:11:12 2019\n")
    found = list(read_mbox(path))
    assert [type(m) for m in found] == [UnreadableMessage, UnreadableMessage]


def test_corpus_in_every_dialect(tmp_path: Path) -> None:
    files = corpus_files()
    if not files:
        pytest.skip(SKIP_REASON)
    raws = [p.read_bytes() for p in files]
    raws = [r for r in raws if r.endswith(b"\n") and r.strip()]
    for name, content, expected in [
        ("rd", mboxrd(raws), raws),
        ("o", mboxo([r for r in raws if not QUOTED.search(r)]),
         [r for r in raws if not QUOTED.search(r)]),
        ("rd-crlf", mboxrd([r.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") for r in raws],
                           b"\r\n"),
         [r.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") for r in raws]),
    ]:  # fmt: skip
        path = tmp_path / name
        path.write_bytes(content)
        assert [m.data for m in messages_of(path)] == expected, name


def test_thunderbird_profile(tmp_path: Path) -> None:
    profile, expected = thunderbird_profile(tmp_path)
    for root in (tmp_path, profile):  # the Thunderbird folder, or one profile in it
        found = discover([root])
        names = sorted(f.name for f in found.folders)
        assert names == [
            "Local Folders/Archives/2019",
            "Local Folders/Archives/2019/Q1",
            "Local Folders/Inbox",
            "pop.example.org/Inbox",
        ]
        assert [(n.path, n.reason) for n in found.not_imported] == [
            (str(profile / "ImapMail" / "imap.example.org"), IMAP_CACHE_REASON)
        ]
        entries = {f.name: list(read_folder(f)) for f in found.folders}
        inbox = entries["Local Folders/Inbox"]
        assert isinstance(inbox[1], SkippedMessage)
        got = [
            (m.data, name, m.flags)
            for name, items in entries.items()
            for m in items
            if isinstance(m, SourceMessage)
        ]
        assert sorted(got) == sorted((e.data, e.folder, e.flags) for e in expected)


def test_maildir_tree(tmp_path: Path) -> None:
    raws = [generate_message(i) for i in range(7)]
    expected = maildir(tmp_path / "Maildir", raws)
    found = discover([tmp_path / "Maildir"])
    assert [(f.name, f.kind) for f in found.folders] == [
        ("Maildir", SourceKind.MAILDIR), ("Sent/2019", SourceKind.MAILDIR)
    ]  # fmt: skip
    got = [
        (m.data, f.name, m.flags)
        for f in found.folders
        for m in read_folder(f)
        if isinstance(m, SourceMessage)
    ]
    assert sorted(got) == sorted((e.data, e.folder, e.flags) for e in expected)
    first = next(m for m in read_folder(found.folders[0]) if isinstance(m, SourceMessage))
    assert first.internaldate == dt.datetime.fromtimestamp(1500000000, dt.UTC)


def test_eml_folder_with_odd_names(tmp_path: Path) -> None:
    raws = [generate_message(i) for i in range(9)]
    expected = eml_folder(tmp_path / "Export", raws)
    (tmp_path / "Export" / "Posteingang" / "index.txt").write_text("not mail")
    (tmp_path / "Export" / "archive.pst").write_bytes(b"!BDN")
    (tmp_path / "Export" / "notes").write_bytes(b"just some text\n")
    found = discover([tmp_path / "Export"])
    got = [
        (m.data, f.name)
        for f in found.folders
        for m in read_folder(f)
        if isinstance(m, SourceMessage)
    ]
    assert sorted(got) == sorted((e.data, e.folder) for e in expected)
    pst, notes = sorted(found.not_imported, key=lambda n: n.path)
    assert Path(pst.path).name == "archive.pst"  # 4 bytes: no PST, or no reader installed
    assert pst.reason.startswith((PST_UNREADABLE_REASON, PST_NEEDS_READER_REASON))
    assert (Path(notes.path).name, notes.reason) == ("notes", "not a mail file")


def test_single_files_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "one.eml").write_bytes(generate_message(1))
    (tmp_path / "old.mbox").write_bytes(mboxrd([generate_message(2)]))
    (tmp_path / "empty.eml").write_bytes(b"")
    found = discover([tmp_path / "one.eml", tmp_path / "old.mbox", tmp_path / "nothing",
                      tmp_path / "empty.eml"])  # fmt: skip
    assert [(f.name, f.kind) for f in found.folders] == [
        (tmp_path.name, SourceKind.EML), ("old", SourceKind.MBOX), (tmp_path.name, SourceKind.EML)
    ]  # fmt: skip
    assert [n.reason for n in found.not_imported] == ["not found"]
    assert isinstance(next(read_folder(found.folders[2])), UnreadableMessage)


def test_folders_that_cannot_be_listed_are_named(tmp_path: Path, monkeypatch) -> None:
    # A folder without read permission (root reads everything, so the refusal is simulated).
    (tmp_path / "Export" / "locked").mkdir(parents=True)
    (tmp_path / "Export" / "a.eml").write_bytes(generate_message(1))
    maildir(tmp_path / "Maildir", [generate_message(2)])
    scandir = os.scandir

    def refuse(path: object = ".") -> object:
        if Path(str(path)).name in ("locked", "Maildir"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", refuse)
    found = discover([tmp_path / "Export", tmp_path / "Maildir"])
    assert [f.name for f in found.folders] == ["Export", "Maildir"]
    assert [(Path(n.path).name, n.reason) for n in found.not_imported] == [
        ("locked", "Permission denied"), ("Maildir", "Permission denied")
    ]  # fmt: skip


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need privileges there")
def test_files_that_vanish_or_change_are_reported(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "gone").symlink_to(tmp_path / "nowhere")
    maildir(tmp_path / "src" / "md", [generate_message(1), generate_message(2)])
    found = discover([tmp_path / "src"])
    assert [(Path(n.path).name, n.reason) for n in found.not_imported] == [
        ("gone", "No such file or directory")
    ]
    entries = read_folder(found.folders[0])
    assert isinstance(next(entries), SourceMessage)
    for path in (tmp_path / "src" / "md" / "new").iterdir():
        path.unlink()  # another program took it after the folder was listed
    assert next(entries) == UnreadableMessage(
        str(tmp_path / "src" / "md" / "1500000001.M1.host"), 0, "No such file or directory"
    )
    mbox = SourceFolder("x", SourceKind.MBOX, tmp_path / "src" / "md" / "cur")
    assert isinstance(next(read_folder(mbox)), UnreadableMessage)  # not a file (any more)
    (tmp_path / "plain").write_bytes(b"Hello\n")
    changed = SourceFolder("x", SourceKind.MBOX, tmp_path / "plain")
    assert [e.reason for e in read_folder(changed)] == [NOT_MBOX_REASON]  # type: ignore[union-attr]


def test_profile_without_prefs_and_with_account_folders_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "Profiles" / "a").mkdir(parents=True)
    (tmp_path / "Profiles" / "b" / "Mail" / "Local Folders").mkdir(parents=True)
    (tmp_path / "elsewhere" / "pop").mkdir(parents=True)
    (tmp_path / "elsewhere" / "imap").mkdir(parents=True)
    (tmp_path / "elsewhere" / "pop" / "Inbox").write_bytes(mboxrd([generate_message(1)]))
    (tmp_path / "Profiles" / "b" / "prefs.js").write_text(
        f'user_pref("mail.server.server3.directory", "{tmp_path / "elsewhere" / "pop"}");\n'
        f'user_pref("mail.server.server4.directory", "{tmp_path / "elsewhere" / "imap"}");\n'
        'user_pref("mail.server.server4.type", "imap");\n'.replace("\\", "\\\\"),
        encoding="utf-8",
    )
    (tmp_path / "profiles.ini").write_text(
        "[General]\nStartWithLastProfile=1\n\n[Profile1]\nName=alt\nIsRelative=1\n"
        "Path=Profiles/a\n\n[Profile0]\nName=neu\nIsRelative=0\n"
        f"Path={tmp_path / 'Profiles' / 'b'}\n",
        encoding="utf-8",
    )
    found = discover([tmp_path])
    assert [f.name for f in found.folders] == ["neu/pop/Inbox"]
    assert [Path(n.path).name for n in found.not_imported] == ["imap"]
