"""Outlook's files, written by the tests' own writers (no library writes them) and read with
the real readers: .msg files with olefile, .pst files with libpff-python; the message
rebuilt from the properties, deterministic, and the reasons given when a reader is missing."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from archiver.core.catalog import Catalog
from archiver.core.importers import (
    SourceKind,
    SourceMessage,
    UnreadableMessage,
    discover,
    discovery,
)
from archiver.core.importers.discovery import read_folder
from archiver.core.importers.mapi import (
    OMITTED_HEADER,
    PR_BODY,
    PT_UNICODE,
    REBUILT_HEADER,
    decompress_rtf,
)
from archiver.core.importers.outlook_msg import (
    MSG_NEEDS_READER_REASON,
    NOT_MSG_REASON,
    read_msg_files,
)
from archiver.core.importers.outlook_pst import (
    ITEM_UNREADABLE_REASON,
    PST_NEEDS_READER_REASON,
    PST_UNREADABLE_REASON,
    read_pst_folder,
)
from archiver.core.jobs.importing import ImportOptions, import_into
from archiver.core.progress import CancelToken, ignore_progress
from archiver.core.store import open_store
from archiver.core.store.reading import read_message
from tests.helpers.outlook import (
    ARRIVED,
    PDF,
    RTF_SAMPLE,
    SENT,
    Item,
    items,
    write_msg,
    write_test_pst,
)


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(part: EmailMessage) -> str:
    """Return a text part's content with LF line ends (it travels with CRLF)."""
    content = part.get_content()
    assert isinstance(content, str)
    return content.replace("\r\n", "\n")


def read_msg(tmp_path: Path, item: Item) -> SourceMessage:
    path = tmp_path / "item.msg"
    write_msg(path, item)
    [entry] = read_msg_files((path,))
    assert isinstance(entry, SourceMessage), entry
    return entry


def check_shape(name: str, message: EmailMessage, *, embedded: bool = True) -> None:
    """Assert what each shape of :func:`items` must give, whatever read it (*embedded*:
    whether the reader can extract an attached Outlook message; pypff cannot)."""
    assert message.defects == []
    if name == "ansi":
        assert message["Subject"] == "Übergabe der Akten"
        assert message["From"] == "Günther Weiß <gw@example.de>"
        assert text_of(message) == "Größe: 5 m²\n"
        return
    if name == "attached":  # the transport headers, without their old structure
        assert message["Received"].startswith("from mx.example")
        assert message["Subject"] == "Grüße" and message.get_content_type() == "multipart/mixed"
        assert 'boundary="old"' not in message.as_string()
        parts = list(message.iter_attachments())
        assert parts[0].get_filename() == "Übersicht März.pdf"
        assert parts[0].get_content_type() == "application/pdf"
        assert parts[0].get_content() == PDF
        if not embedded:
            assert message[OMITTED_HEADER] == (
                'attached Outlook message "Ursprüngliche Nachricht": its reader cannot extract it'
            )
            assert len(parts) == 1
            return
        assert message[OMITTED_HEADER] is None
        assert parts[1].get_content_type() == "message/rfc822"
        inner = parts[1].get_content()
        assert inner["Subject"] == "Ursprüngliche Nachricht"
        assert text_of(inner) == "Innen\n"
        return
    assert message["Subject"] == "Grüße aus Köln: Zustellung"
    assert message["From"] == "Jürgen Müller <jm@gv-koeln.example>"
    assert message["Message-ID"] == "<1@gv-koeln.example>"
    assert message["Date"].datetime == SENT
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    if name == "plain":
        assert message["To"] == "Änne Schäfer <as@kanzlei.example>"
        assert message["Cc"] == "Büro"  # an Exchange address is no mail address: the name
        assert text is not None and text_of(text) == "Sehr geehrte Frau Schäfer,\nanbei.\n"
        assert html is None
    elif name == "html":
        assert text is None and html is not None
        assert html.get_content() == "<p>Zustellung für Ärzte</p>"
    elif name == "both":
        assert message.get_content_type() == "multipart/alternative"
        assert text is not None and html is not None and html.get_content() == "<b>Text</b>"
    elif name == "rtf":
        rtf = message.get_body(("related", "html", "plain"))
        assert rtf is None and message.get_content_type() == "text/rtf"
        assert (
            message.get_payload(decode=True) == b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"
        )


@pytest.mark.parametrize("name", list(items()))
def test_msg_file_is_rebuilt_from_its_properties(tmp_path: Path, name: str) -> None:
    entry = read_msg(tmp_path, items()[name])
    message = parse(entry.data)
    assert message[REBUILT_HEADER] == "Outlook .msg"
    assert b"\r\n" in entry.data and b"\n" not in entry.data.replace(b"\r\n", b"")
    check_shape(name, message)
    if name == "both":  # flagged for follow-up, replied to, read
        assert entry.flags == ("\\Answered", "\\Flagged", "\\Seen")
    if name != "ansi":
        assert entry.internaldate == ARRIVED  # delivered, not sent, not the file's date
    else:
        assert entry.flags == () and entry.internaldate == SENT


def test_rebuild_is_deterministic(tmp_path: Path) -> None:
    """The same item gives the same bytes (boundaries from its content): a second import
    finds it; another item gets other boundaries."""
    item = items()["attached"]
    first, second = read_msg(tmp_path, item).data, read_msg(tmp_path, item).data
    assert first == second
    item.properties[PR_BODY] = (PT_UNICODE, "Siehe Anhänge")
    assert read_msg(tmp_path, item).data.split(b"\r\n\r\n")[0] != first.split(b"\r\n\r\n")[0]


def test_rtf_decompression_follows_the_specification() -> None:
    assert decompress_rtf(RTF_SAMPLE) == b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"
    assert decompress_rtf(b"not compressed") == b"not compressed"


def test_damaged_msg_is_unreadable_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "text.msg").write_bytes(b"Tk message catalogue, not Outlook")
    [entry] = read_msg_files((tmp_path / "text.msg",))
    assert isinstance(entry, UnreadableMessage)
    assert entry.reason.startswith(NOT_MSG_REASON)


def test_msg_files_are_found_in_folders_and_alone(tmp_path: Path) -> None:
    (tmp_path / "Akten" / "2019").mkdir(parents=True)
    for index, item in enumerate(items().values()):
        write_msg(tmp_path / "Akten" / "2019" / f"{index}.MSG", item)
    write_msg(tmp_path / "single.msg", items()["plain"])
    found = discover([tmp_path / "Akten", tmp_path / "single.msg"])
    assert [(f.name, f.kind, len(f.files), f.count) for f in found.folders] == [
        ("Akten/2019", SourceKind.MSG, 6, 6), (tmp_path.name, SourceKind.MSG, 1, 1),
    ]  # fmt: skip
    assert not found.not_imported


def test_missing_readers_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discovery, "olefile_module", lambda: None)
    monkeypatch.setattr(discovery, "pypff_module", lambda: None)
    (tmp_path / "Outlook").mkdir()
    for name in ("a.msg", "b.msg"):
        write_msg(tmp_path / "Outlook" / name, items()["plain"])
    (tmp_path / "Outlook" / "archiv.pst").write_bytes(b"!BDN")
    found = discover([tmp_path / "Outlook"])
    assert found.folders == []
    assert [(n.path, n.reason) for n in found.not_imported] == [
        (str(tmp_path / "Outlook" / "archiv.pst"), PST_NEEDS_READER_REASON),
        (str(tmp_path / "Outlook"), MSG_NEEDS_READER_REASON),  # once, not once a file
    ]
    assert "libpff-python" in PST_NEEDS_READER_REASON and "olefile" in MSG_NEEDS_READER_REASON


@pytest.fixture
def pypff() -> object:
    """The real PST reader; the PST tests need it (CI installs the outlook extra)."""
    return pytest.importorskip("pypff", reason="libpff-python (the outlook extra) is absent")


def test_pst_folders_and_items(tmp_path: Path, pypff: object) -> None:
    write_test_pst(tmp_path / "Archiv 2019.pst")
    (tmp_path / "kaputt.ost").write_bytes(b"!BDN" + bytes(600))
    found = discover([tmp_path])
    assert [(f.name, f.kind, f.place, f.count) for f in found.folders] == [
        (f"{tmp_path.name}/Archiv 2019/Posteingang", SourceKind.PST, (0, 0), 5),
        (f"{tmp_path.name}/Archiv 2019/Akten_2019", SourceKind.PST, (0, 1), 2),
    ]
    [broken] = found.not_imported
    assert broken.path == str(tmp_path / "kaputt.ost")
    assert broken.reason.startswith(PST_UNREADABLE_REASON)

    entries = list(read_folder(found.folders[0])) + list(read_folder(found.folders[1]))
    assert len(entries) == 7 and len({e.position for e in entries}) == 7
    [bad] = [e for e in entries if isinstance(e, UnreadableMessage)]
    assert bad.reason.startswith(ITEM_UNREADABLE_REASON)  # and the rest was read
    by_position = {e.position: e for e in entries if isinstance(e, SourceMessage)}
    for index, name in enumerate(items()):  # libpff gives a folder's items in its own order
        entry = by_position[0x200024 + 32 * index]
        assert entry.source == str(tmp_path / "Archiv 2019.pst")
        message = parse(entry.data)
        assert message[REBUILT_HEADER] == "Outlook PST"
        check_shape(name, message, embedded=False)
        if name == "both":
            assert entry.flags == ("\\Answered", "\\Flagged", "\\Seen")
        assert entry.internaldate == (SENT if name == "ansi" else ARRIVED)


def test_pst_that_cannot_be_opened_is_one_unreadable_entry(tmp_path: Path, pypff: object) -> None:
    (tmp_path / "x.pst").write_bytes(b"!BDN encrypted beyond libpff" + bytes(600))
    [entry] = read_pst_folder(pypff, tmp_path / "x.pst", (0,))  # type: ignore[arg-type]
    assert isinstance(entry, UnreadableMessage)
    assert entry.reason == PST_UNREADABLE_REASON  # libpff's words go to the log
    # The system's words, where the system refused: a folder is no file.
    [entry] = read_pst_folder(pypff, tmp_path, (0,))  # type: ignore[arg-type]
    assert isinstance(entry, UnreadableMessage)
    assert entry.reason.startswith(f"{PST_UNREADABLE_REASON} (")


@pytest.mark.expect_log("WARNING", "archiver.core.jobs.importing", "item 3: the Outlook item")
def test_import_twice_adds_nothing(tmp_path: Path, pypff: object) -> None:
    (tmp_path / "src" / "Gespeichert").mkdir(parents=True)
    write_test_pst(tmp_path / "src" / "archiv.pst")
    for index, item in enumerate(items().values()):
        write_msg(tmp_path / "src" / "Gespeichert" / f"{index}.msg", item)
    archive = tmp_path / "archive"
    archive.mkdir()

    def run() -> object:
        with Catalog.open(archive) as catalog:
            return import_into(
                open_store("maildir", archive, "acc"), catalog, "acc", [tmp_path / "src"],
                ImportOptions(), report=ignore_progress, cancel=CancelToken(),
            )  # fmt: skip

    first = run()
    assert (first.found, first.imported, first.unreadable) == (13, 12, 1)  # type: ignore[attr-defined]
    with Catalog.open(archive) as catalog:
        records = catalog.records("acc")
    assert {r.folder for r in records} == {
        "Imported/src/Gespeichert", "Imported/src/archiv/Posteingang",
        "Imported/src/archiv/Akten_2019",
    }  # fmt: skip
    both = [r for r in records if parse(read_message(archive, r))["Cc"] and r.flags]
    assert {r.flags for r in both} >= {("\\Answered", "\\Flagged", "\\Seen")}
    assert {r.internaldate for r in records} == {ARRIVED, SENT}
    again = run()
    assert (again.imported, again.already, again.unreadable) == (0, 12, 1)  # type: ignore[attr-defined]
