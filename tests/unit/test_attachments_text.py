"""The text inside attachments: each kind read, hostile files within their limits, search."""

from __future__ import annotations

import base64
import datetime as dt
import time
import zipfile
from email.message import Message
from pathlib import Path

import pytest
from whoosh import index

from archiver.core.catalog import Location, Record, State
from archiver.core.index import extract as extract_module
from archiver.core.index import reader_process, snippets
from archiver.core.index.attachments_text import (
    NO_PDF_OBJECTS,
    Limits,
    kind_of,
    read_attachment,
)
from archiver.core.index.extract import extract
from archiver.core.index.indexer import document
from archiver.core.index.schema import build_schema
from archiver.core.index.search import (
    ArchiveSearcher,
    matched_attachments,
    parse_query,
    word_matcher,
)
from tests.helpers import docgen

PFAENDUNG = "Pfändungsbeschluss des Amtsgerichts Köln"
AUFTRAG = "Vollstreckungsauftrag für die Schuldnerin"

# name, content type, bytes: each holds one of the two words.
DOCUMENTS = {
    "beschluss.pdf": ("application/pdf", docgen.pdf(["Deckblatt", PFAENDUNG])),
    "auftrag.docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        docgen.docx([AUFTRAG, "Mit freundlichen Grüßen"]),
    ),
    "tabelle.xlsx": ("application/octet-stream", docgen.xlsx(["Posten", PFAENDUNG])),
    "folien.pptx": ("application/octet-stream", docgen.pptx([AUFTRAG])),
    "brief.odt": ("application/vnd.oasis.opendocument.text", docgen.odt([PFAENDUNG])),
    "liste.ods": ("application/octet-stream", docgen.ods([AUFTRAG])),
    "alt.rtf": ("application/rtf", docgen.rtf([PFAENDUNG])),
    "notiz.txt": ("text/plain", AUFTRAG.encode("utf-8")),
    "daten.csv": ("text/csv", f"Nr;Text\r\n1;{PFAENDUNG}\r\n".encode()),
    "seite.html": ("text/html", f"<p>{AUFTRAG}<script>versteckt()</script>".encode()),
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_each_kind_is_read(name):
    content_type, data = DOCUMENTS[name]
    (item,) = read_attachment(name, content_type, data)
    assert item.name == name and not item.unreadable and not item.partial
    expected = PFAENDUNG if "Pfändungsbeschluss" in item.text else AUFTRAG
    assert expected in " ".join(item.text.split()), item.text
    assert "versteckt" not in item.text


def test_a_word_split_over_runs_is_one_word():
    (item,) = read_attachment("a.docx", "", docgen.docx(["Pfändungsbeschluss"]))
    assert item.text == "Pfändungsbeschluss"


def test_rtf_code_pages_unicode_and_skipped_groups():
    (item,) = read_attachment("a.rtf", "", docgen.rtf(["Straße 5 €", "Ωmega"]))
    assert item.text.split("\n") == ["Straße 5 €", "Ωmega"]
    assert "Helvetica" not in item.text and "Geheim" not in item.text and "Hand" not in item.text


def test_kind_by_bytes_name_then_type():
    assert kind_of("scan.doc", "application/msword", b"%PDF-1.7") == "pdf"
    assert kind_of("x.DOCX", "application/octet-stream", b"PK\x03\x04") == "package"
    assert kind_of("noname", "text/csv", b"a;b") == "text"
    assert kind_of("foto.jpg", "image/jpeg", b"\xff\xd8") is None
    assert kind_of("data", "application/octet-stream", b"PK\x03\x04") == "zip"


def test_zip_archives_one_level_deep():
    inner_zip = docgen._zip({"tief.txt": "Pfändungsbeschluss"})
    archive = docgen._zip(
        {
            "akte/beschluss.pdf": docgen.pdf([PFAENDUNG]),
            "akte/auftrag.docx": docgen.docx([AUFTRAG]),
            "bild.png": b"\x89PNG\r\n",
            "innen.zip": inner_zip,
        }
    )
    items = read_attachment("akte.zip", "application/zip", archive)
    assert [i.name for i in items] == ["akte.zip/akte/beschluss.pdf", "akte.zip/akte/auftrag.docx"]
    assert PFAENDUNG in items[0].text and AUFTRAG in items[1].text


def test_eml_attachments_are_read_recursively():
    inner = docgen.mail_with(
        [("b.pdf", "application/pdf", docgen.pdf([PFAENDUNG]))], subject="Innen"
    )
    items = read_attachment("weitergeleitet.eml", "application/octet-stream", inner)
    by_name = {i.name: i for i in items}
    assert "Innen" in by_name["weitergeleitet.eml"].text
    assert PFAENDUNG in by_name["weitergeleitet.eml/b.pdf"].text


def test_scanned_pdf_is_a_scan():
    (item,) = read_attachment("scan.pdf", "application/pdf", docgen.pdf(["", ""]))
    assert item.is_scan and not item.text and not item.unreadable


# --- hostile and huge files ------------------------------------------------------------------


def test_pdf_with_a_reference_loop_and_a_million_pages_is_refused_quickly():
    started = time.monotonic()
    (item,) = read_attachment("loop.pdf", "application/pdf", docgen.looping_pdf())
    assert item.unreadable.startswith("no page of the PDF could be read")
    assert time.monotonic() - started < Limits().seconds


def test_pdf_beyond_the_page_limit_is_read_in_part():
    pages = [f"Seite {n} Vollstreckungsauftrag" for n in range(1, 201)]
    (item,) = read_attachment("lang.pdf", "", docgen.pdf(pages), limits=Limits(max_pages=150))
    assert item.partial == "only the first 150 of 200 pages were read"
    assert "Seite 150 " in item.text and "Seite 151 " not in item.text
    (whole,) = read_attachment("lang.pdf", "", docgen.pdf(pages))  # 200: within the default
    assert not whole.partial and "Seite 200 " in whole.text


def test_text_beyond_the_character_limit_is_cut():
    (item,) = read_attachment(
        "a.txt", "text/plain", b"wort " * 10_000, limits=Limits(max_chars=100)
    )
    assert len(item.text) <= 100 and item.partial.startswith("only the first 100 characters")


def test_zip_bomb_is_refused_by_its_declared_size():
    bomb = docgen.zip_bomb(200 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    (item,) = read_attachment("bomb.docx", "", bomb)
    assert item.unreadable == "unpacks to more than 64 MB"


def test_zip_member_that_lies_about_its_size_is_cut_at_the_limit():
    """The declared size says little; what is unpacked is counted as it comes."""
    bomb = bytearray(docgen.zip_bomb(8 * 1024 * 1024))
    with zipfile.ZipFile(__import__("io").BytesIO(bytes(bomb))) as archive:
        info = archive.infolist()[0]
    # Patch the declared sizes (central directory and local header) down to 10 bytes.
    for field in (info.file_size.to_bytes(8, "little"), info.file_size.to_bytes(4, "little")):
        bomb = bytearray(bytes(bomb).replace(field, (10).to_bytes(len(field), "little")))
    (item,) = read_attachment("bomb.docx", "", bytes(bomb), limits=Limits(max_unpacked=2**20))
    assert item.unreadable


def test_billion_laughs_is_refused():
    (item,) = read_attachment("lol.docx", "", docgen.docx([], body_xml=docgen.billion_laughs()))
    assert item.unreadable.startswith("XML with entity declarations, refused")


def test_damaged_files_are_unreadable_not_errors():
    for name, data in [
        ("kaputt.pdf", b"%PDF-1.4\nnothing else"),
        ("kaputt.docx", b"PK\x03\x04 not really"),
        ("kaputt.odt", docgen._zip({"mimetype": "x", "content.xml": "<a><b></a>"})),
    ]:
        (item,) = read_attachment(name, "", data)
        assert item.unreadable and not item.text, name


def test_a_file_without_pdf_objects_is_refused_without_the_pdf_reader(monkeypatch):
    def not_asked(*args: object) -> None:
        raise AssertionError("the PDF reader was asked")

    monkeypatch.setattr(reader_process.PDF_READER, "read", not_asked)
    for data in [b"%PDF-1.4\nnothing else", b"%PDF-1.4\n" + bytes(range(256)) * 4096]:
        (item,) = read_attachment("kaputt.pdf", "application/pdf", data)
        assert item.unreadable == NO_PDF_OBJECTS and not item.text
    # Inside a zip too; and a search's snippets take it as refused, not to be read again.
    zipped = docgen._zip({"kaputt.pdf": "%PDF-1.4 garbage"})
    (item,) = read_attachment("akte.zip", "application/zip", zipped)
    assert item.name == "akte.zip/kaputt.pdf" and item.unreadable == NO_PDF_OBJECTS
    assert NO_PDF_OBJECTS.startswith(snippets.REFUSED)


def test_a_damaged_pdf_with_objects_is_left_to_pdfium():
    damaged = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nnothing else"
    (item,) = read_attachment("kaputt.pdf", "application/pdf", damaged)
    assert item.unreadable == (
        "not a readable PDF (Failed to load document (PDFium: Data format error).)"
    )


def test_attachment_over_the_byte_limit_is_not_opened():
    (item,) = read_attachment("big.pdf", "", docgen.pdf(["x"]), limits=Limits(max_bytes=100))
    assert item.unreadable == "larger than 0 MB"


def test_time_limit_stops_between_pages():
    pages = [f"Seite {n}" for n in range(50)]
    (item,) = read_attachment("a.pdf", "", docgen.pdf(pages), limits=Limits(seconds=-1))
    assert item.partial.startswith("reading stopped after")


# --- indexed and searched ----------------------------------------------------------------------

MESSAGES = {
    "plain": docgen.mail_with([], subject="Ohne Anhang", body="Nur Text hier."),
    "pdf": docgen.mail_with(
        [("beschluss.pdf", "application/pdf", DOCUMENTS["beschluss.pdf"][1])], subject="Post"
    ),
    "docx": docgen.mail_with(
        [("auftrag.docx", DOCUMENTS["auftrag.docx"][0], DOCUMENTS["auftrag.docx"][1])],
        subject="Auftrag",
    ),
    "odt": docgen.mail_with(
        [("brief.odt", "application/octet-stream", DOCUMENTS["brief.odt"][1])], subject="Brief"
    ),
    "rtf": docgen.mail_with(
        [("alt.rtf", "application/rtf", DOCUMENTS["alt.rtf"][1])], subject="Alt"
    ),
    "xlsx": docgen.mail_with(
        [("tabelle.xlsx", "application/octet-stream", DOCUMENTS["tabelle.xlsx"][1])],
        subject="Tabelle",
    ),
    "broken": docgen.mail_with(
        [("kaputt.pdf", "application/pdf", b"%PDF-1.4 garbage")],
        subject="Kaputt",
        body="Der Text im Körper bleibt findbar: Zahlungserinnerung.",
    ),
    "scan": docgen.mail_with([("scan.pdf", "application/pdf", docgen.pdf([""]))], subject="Scan"),
    "named": docgen.mail_with(
        [("Pfändungsbeschluss.png", "image/png", b"\x89PNG\r\n")], subject="Nur der Name"
    ),
}


def _record(number: int, data: bytes) -> Record:
    return Record(
        number, "office", "INBOX", 1, number, None, "", len(data),
        dt.datetime(2022, 1, 2, tzinfo=dt.UTC), (), Location("x"), State.VERIFIED, False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inside")
    (root / ".index").mkdir()
    ix = index.create_in(str(root / ".index"), build_schema())
    with ix.writer() as writer:
        for number, data in enumerate(MESSAGES.values(), 1):
            writer.add_document(**document(_record(number, data), data))
    return root


def found(root: Path, query: str) -> set[str]:
    keys = list(MESSAGES)
    with ArchiveSearcher(root) as searcher:
        return {keys[h.id - 1] for h in searcher.search(query, limit=None).hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Pfändungsbeschluss", {"pdf", "odt", "rtf", "xlsx", "named"}),
        ("pfaendungsbeschluss", {"pdf", "odt", "rtf", "xlsx", "named"}),
        ("beschluss", {"pdf", "odt", "rtf", "xlsx", "named"}),  # the compound's tail
        ("Vollstreckungsauftrag", {"docx"}),
        ("vollstreckung", {"docx"}),  # its head
        ('"Amtsgerichts Köln"', {"pdf", "odt", "rtf", "xlsx"}),
        ("inside:Pfändungsbeschluss", {"pdf", "odt", "rtf", "xlsx"}),
        ("anhangtext:auftrag", {"docx"}),
        ("attachment:Pfändungsbeschluss", {"named"}),  # names, not content
        ("attachment:auftrag", {"docx"}),
        ("has:unreadable", {"broken"}),
        ("has:scan", {"scan"}),
        ("Zahlungserinnerung", {"broken"}),  # its body, though its attachment failed
        ("has:attachment AND NOT inside:*", {"broken", "scan", "named"}),
    ],
)
def test_words_inside_attachments_are_found(searched, query, expected):
    assert found(searched, query) == expected


def test_unreadable_attachments_are_recorded_with_their_reason(searched):
    with ArchiveSearcher(searched) as searcher:
        (hit,) = searcher.search("has:unreadable").hits
    assert hit.unreadable == (f"kaputt.pdf: {NO_PDF_OBJECTS}",)
    assert hit.to_dict()["unreadable"] == list(hit.unreadable)


def test_hits_say_whether_words_were_found_inside_attachments(searched: Path):
    keys = list(MESSAGES)
    with ArchiveSearcher(searched) as searcher:
        inside = {
            keys[h.id - 1]: h.matched_inside for h in searcher.search("Pfändungsbeschluss").hits
        }
        by_body = searcher.search("Unterlagen").hits  # the body of every message
        by_relevance = searcher.search("Pfändungsbeschluss", sort="relevance").hits
    assert inside["pdf"] and inside["odt"] and not inside["named"]  # "named": only its name
    assert not any(h.matched_inside for h in by_body)
    assert {keys[h.id - 1] for h in by_relevance if h.matched_inside} == {
        k for k, v in inside.items() if v
    }


def test_the_matching_attachment_is_named_with_a_snippet():
    content = extract(MESSAGES["pdf"])
    matches = word_matcher(parse_query("beschluss"))
    (match,) = matched_attachments(content.inside, matches)
    assert match.name == "beschluss.pdf"
    assert match.snippet.marked("[", "]").startswith("Deckblatt [Pfändungsbeschluss]")


def test_messages_without_attachments_read_nothing_more(monkeypatch):
    """The cost of a plain message is unchanged: no attachment reader is called."""

    def fail(*args: object, **kwargs: object) -> list[object]:
        raise AssertionError("read_attachment called")

    monkeypatch.setattr(extract_module, "read_attachment", fail)
    assert extract(MESSAGES["plain"]).body.strip() == "Nur Text hier."
    assert extract(MESSAGES["pdf"], attachments=False).inside == []


def test_encrypted_zip_member_is_unreadable():
    data = bytearray(docgen.docx(["geheim"]))
    # Set the "encrypted" flag in every local and central header: zipfile then asks for a
    # password.
    for signature, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start >= 0:
            data[start + at] |= 0x1
            start = data.find(signature, start + 4)
    (item,) = read_attachment("geheim.docx", "", bytes(data))
    assert item.unreadable.startswith("an encrypted or unsupported zip file")


def test_a_reader_beyond_our_limits_costs_the_attachment_only(monkeypatch):
    """A RecursionError (say, mail nested deeper than the parser's stack) loses one file."""
    import archiver.core.index.attachments_text as module  # noqa: PLC0415

    def deep(*args: object) -> None:
        raise RecursionError

    monkeypatch.setattr(module, "_read_rtf", deep)
    (item,) = read_attachment("tief.rtf", "", docgen.rtf(["x"]))
    assert item.unreadable == "too complex to read"


def test_an_attachment_that_breaks_decoding_leaves_the_message_indexed(monkeypatch):

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise LookupError("unknown encoding")

    monkeypatch.setattr(extract_module, "read_attachment", broken)
    content = extract(MESSAGES["pdf"])
    assert content.inside == [] and content.attachments == ["beschluss.pdf"]
    assert content.body.strip() == "Anbei die Unterlagen."


def test_attachments_cut_by_thinning_are_reported_not_misread():
    """A message over 8 MB is thinned before parsing: its long parts are cut, so not read."""
    content = extract(MESSAGES["pdf"], cut_at=100)
    (item,) = content.inside
    assert item.name == "beschluss.pdf" and item.unreadable.startswith("in a message over 8 MB")


def test_attachments_of_an_attached_mail_share_its_time():
    pdf = docgen.pdf([f"Seite {n}" for n in range(20)])
    inner = docgen.mail_with([(f"{n}.pdf", "application/pdf", pdf) for n in range(3)])
    items = read_attachment("weiter.eml", "", inner, limits=Limits(seconds=-1))
    assert [i.partial.startswith("reading stopped after") for i in items[1:]] == [True] * 3


def test_a_thinned_message_records_its_cut_attachments_as_unreadable():
    """Over THIN_ABOVE the indexer reads a thinned copy: a long part there is cut short."""
    from archiver.core.index.indexer import THIN_ABOVE  # noqa: PLC0415

    data = docgen.mail_with(
        [
            ("lang.txt", "text/plain", b"Vollstreckungsauftrag " * 20_000),
            ("kurz.txt", "text/plain", b"Pfaendungsbeschluss"),
        ]
    )
    big = Record(
        1, "office", "INBOX", 1, 1, None, "", THIN_ABOVE + 1,
        dt.datetime(2022, 1, 2, tzinfo=dt.UTC), (), Location("x"), State.VERIFIED, False,
    )  # fmt: skip
    fields = document(big, data)
    assert fields["unreadable"] == "lang.txt: in a message over 8 MB: read in part only"
    assert fields["has"] == "attachment unreadable" and fields["inside"] == "Pfaendungsbeschluss"
    assert "Vollstreckungsauftrag" in document(_record(1, data), data)["inside"]


def _base64_part(content_type: str, encoded: str) -> Message:
    part = Message()
    part["Content-Type"] = content_type
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(encoded)
    return part


def _lines(data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return "".join(encoded[i : i + 76] + "\r\n" for i in range(0, len(encoded), 76))


PICTURE = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
UNDECODED = {  # label, content type, encoded payload: not read, by name, type and bytes
    "foto.jpg": ("image/jpeg", _lines(PICTURE)),
    "image/png": ("image/png", _lines(b"\x89PNG\r\n\x1a\n" + PICTURE)),
    "daten.bin": ("application/octet-stream", _lines(PICTURE)),
    "BM.bin": ("application/octet-stream", "BMxx" * 3),  # decodes to nothing readable
}
DECODED = {  # read, or not surely unread: these are decoded as before
    "scan.jpg": ("image/jpeg", _lines(DOCUMENTS["beschluss.pdf"][1])),  # a PDF by its bytes
    "daten.dat": ("application/octet-stream", _lines(DOCUMENTS["auftrag.docx"][1])),  # zip
    "brief.pdf": ("image/jpeg", _lines(PICTURE)),  # a PDF by its name
    "noname": ("application/rtf", _lines(PICTURE)),  # RTF by its type
    "short.bin": ("application/octet-stream", "/9j/"),  # too short to tell
    "space.bin": ("application/octet-stream", " " + _lines(PICTURE)),
    "padded.bin": ("application/octet-stream", "QQ==" + _lines(PICTURE)),
}


@pytest.mark.parametrize("label", [*UNDECODED, *DECODED])
def test_attachments_are_left_undecoded_only_where_nothing_would_be_read(label):
    content_type, encoded = UNDECODED.get(label) or DECODED[label]
    part = _base64_part(content_type, encoded)
    undecoded = not extract_module._may_hold_text(part, label, Limits())
    assert undecoded == (label in UNDECODED)
    if undecoded:
        assert read_attachment(label, content_type, part.get_payload(decode=True)) == []


def test_pictures_are_decoded_for_ocr():
    part = _base64_part("image/jpeg", UNDECODED["foto.jpg"][1])
    assert extract_module._may_hold_text(part, "foto.jpg", Limits(ocr=True))


def test_a_pdf_sent_as_a_picture_is_read():
    boundary = "b"
    data = (
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n--{boundary}\r\n'
        'Content-Type: image/jpeg; name="scan.jpg"\r\nContent-Transfer-Encoding: base64\r\n'
        f"\r\n{DECODED['scan.jpg'][1]}--{boundary}\r\n"
        'Content-Type: image/jpeg; name="foto.jpg"\r\nContent-Transfer-Encoding: base64\r\n'
        f"\r\n{UNDECODED['foto.jpg'][1]}--{boundary}--\r\n"
    ).encode()
    (item,) = extract(data).inside
    assert item.name == "scan.jpg" and "Pfändungsbeschluss" in item.text
