"""Bad input without a server: queries that are too large, awkward dates, attachment names."""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from whoosh import index

from archiver.cli import main
from archiver.cli.run import _reader_went_away
from archiver.core.attachments import save_attachments
from archiver.core.config import load_config
from archiver.core.errors import QueryTooLarge
from archiver.core.index.schema import build_schema
from archiver.core.index.search import ArchiveSearcher

# --- search queries -------------------------------------------------------------------------


@pytest.fixture
def small_index(tmp_path: Path) -> Path:
    """An archive root with an index of three messages (no catalog: search needs none)."""
    (tmp_path / ".index").mkdir()
    ix = index.create_in(str(tmp_path / ".index"), build_schema())
    with ix.writer() as writer:
        for number, text in enumerate(["rechnung april", "rechnung mai", "angebot"]):
            writer.add_document(id=str(number), date=dt.datetime(2020, 1, 1 + number), text=text)
    return tmp_path


@pytest.mark.timeout(60)  # a guard against a minute of CPU, not a timing assert
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("NOT NOT rechnung", {0, 1}),
        ("NOT NOT NOT rechnung", {2}),
        ("angebot OR NOT NOT april", {0, 2}),
        ("(" * 50 + "rechnung" + ")" * 50, {0, 1}),  # as deep as allowed
        (" OR ".join(["mai", *(f"w{i}" for i in range(499))]), {1}),  # as many words as allowed
        ("(" * 2000 + "rechnung" + ")" * 2000, ("nesting", 50, 2000)),
        ("x" * 100_000, ("word", 1000, 100_000)),
        (" OR ".join(f"w{i}" for i in range(10_000)), ("words", 1000, 19_999)),
        (" ".join(["a" * 600] * 20), ("characters", 10_000, 12_019)),
    ],
    ids=lambda value: None if isinstance(value, str) else str(value)[:20],
)
def test_awkward_queries_answer_or_name_the_limit(small_index, query, expected):
    with ArchiveSearcher(small_index) as searcher:
        if isinstance(expected, set):
            assert {h.id for h in searcher.search(query, limit=None).hits} == expected
            return
        with pytest.raises(QueryTooLarge) as raised:
            searcher.search(query)
    limit, maximum, found = expected
    assert (raised.value.limit, raised.value.maximum, raised.value.found) == expected
    assert f"at most {maximum:,} are allowed" in str(raised.value)
    assert len(str(raised.value)) < 100  # one line, not the query echoed
    assert found > maximum and limit


# --- account names --------------------------------------------------------------------------


def test_account_names_differing_only_in_case_are_refused(home, tmp_path, capsys):
    add = ["account", "add", "--host", "imap.example.org", "--user", "u",
           "--password-command", "echo pw", "--no-test"]  # fmt: skip
    assert main([*add[:2], "Office", *add[2:]]) == 0
    capsys.readouterr()

    assert main([*add[:2], "office", *add[2:]]) == 1

    err = capsys.readouterr().err.strip()
    assert err == (
        "imap-archiver: error: An account named 'Office' exists already; 'office' differs "
        "from it only in upper and lower case, and both would share one archive folder. "
        "Choose another name."
    )
    assert list(load_config(home.config_file).accounts) == ["Office"]
    assert main([*add[:2], "Office", *add[2:]]) == 0  # replacing the account itself is fine
    assert main([*add[:2], "STRASSE", *add[2:]]) == 0
    assert main([*add[:2], "straße", *add[2:]]) == 1  # casefold(), not lower()


# --- attachment names -----------------------------------------------------------------------


def rfc2231_message(names: list[str]) -> bytes:
    """A message with one attachment per name, each name in RFC 2231's UTF-8 form."""
    parts = [
        "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
        f"filename*=utf-8''{quote(name)}\r\n\r\npayload {index}\r\n"
        for index, name in enumerate(names)
    ]
    return (
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + "".join(parts) + "--b--\r\n"
    ).encode()


def test_long_names_are_cut_to_the_file_systems_limit_and_all_are_saved(tmp_path):
    names = [
        "Schlussrechnung Größenänderung " * 8 + ".pdf",  # 248 characters, 272 bytes
        "😀" * 100 + ".docx",  # 105 characters, 405 bytes
        "ü" * 149 + "€.xlsx",  # a cut through the euro sign's three bytes
        "kurz.txt",
    ]
    data = rfc2231_message(names)

    written = save_attachments(data, tmp_path)

    assert [p.read_bytes() for p in written] == [f"payload {i}".encode() for i in range(4)]
    assert [p.suffix for p in written] == [".pdf", ".docx", ".xlsx", ".txt"]
    for path, name in zip(written, names, strict=True):
        assert len(path.name.encode()) <= 255
        assert name.startswith(path.stem)  # cut, never mangled: whole characters only
    assert written[0].stem.startswith("Schlussrechnung Größenänderung")
    assert written[1].stem == "😀" * len(written[1].stem)
    again = save_attachments(data, tmp_path)  # the numbered names fit as well
    assert [p.name for p in again][3] == "kurz (2).txt"
    assert all(len(p.name.encode()) <= 255 and p.is_file() for p in again)


@pytest.mark.parametrize(
    ("name", "saved"),
    [
        ("rechnung\u202efdp.exe", "rechnungfdp.exe"),  # shown as "rechnungexe.pdf"
        ("\u2066Angebot\u2069.pdf", "Angebot.pdf"),
        ("Zero\u200bWidth\u200c\u200d\u200e\u200f.txt", "ZeroWidth.txt"),
        ("\ufeffBOM.txt", "BOM.txt"),
        ("soft\u00adhyphen\u2060joiner\U000e0041tag.txt", "softhyphenjoinertag.txt"),
    ],
)
def test_invisible_format_characters_are_removed_from_saved_names(tmp_path, name, saved):
    (written,) = save_attachments(rfc2231_message([name]), tmp_path)
    assert written.name == saved


def test_a_reader_gone_is_told_apart_from_other_errors(tmp_path, monkeypatch):
    """``search … | head``: POSIX says EPIPE; Windows says EINVAL (ERROR_NO_DATA), which
    counts only while standard output is a pipe."""
    assert _reader_went_away(BrokenPipeError(errno.EPIPE, "Broken pipe"))
    einval = OSError(errno.EINVAL, "Invalid argument")
    read, write = os.pipe()
    with os.fdopen(read, "rb"), os.fdopen(write, "w") as pipe:
        monkeypatch.setattr(sys, "stdout", pipe)
        monkeypatch.setattr(sys, "platform", "win32")
        assert _reader_went_away(einval)
        assert not _reader_went_away(OSError(errno.EACCES, "Permission denied"))
        with (tmp_path / "out").open("w") as file:
            monkeypatch.setattr(sys, "stdout", file)
            assert not _reader_went_away(einval)  # a file, not a pipe: some other fault
        monkeypatch.setattr(sys, "stdout", pipe)
        monkeypatch.setattr(sys, "platform", "linux")
        assert not _reader_went_away(einval)
