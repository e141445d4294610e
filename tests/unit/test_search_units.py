"""Search building blocks without a server: folding, stems, postings, extraction, snippets."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import index

from archiver.core.index.analysis import (
    WordAnalyzer,
    address_terms,
    fold,
    light_stem,
    reversed_parts,
    term,
)
from archiver.core.index.codec import column_values
from archiver.core.index.extract import decode_header, extract
from archiver.core.index.htmltext import html_to_text
from archiver.core.index.indexer import flag_words
from archiver.core.index.schema import ByteSize, CompoundText, build_schema
from archiver.core.index.search import (
    ArchiveSearcher,
    Snippet,
    make_snippet,
    parse_query,
    word_matcher,
)


@pytest.mark.parametrize("word", ["Pfändung", "pfandung", "pfaendung", "PFÄNDUNG", "Pfaendung"])
def test_german_spellings_fold_to_one_term(word):
    assert term(word) == term("Pfändung")


def test_sharp_s_accents_and_ligatures():
    assert fold("Straße") == fold("STRASSE") == "strasse"
    assert fold("Café") == "cafe" and fold("naïve") == "naive" and fold("Øre") == "ore"
    assert fold("Quelle") == "quelle"  # ue after q is no umlaut


def test_stems_for_both_languages():
    assert term("Rechnungen") == term("Rechnung")
    assert term("meetings") == term("meeting")
    assert term("invoices") == term("invoice")
    assert term("2022") == "2022"


def test_light_stem_cuts_endings_whatever_the_length():
    assert light_stem("schlussrechnungen") == "schlussrechnung"
    assert light_stem("rechnungen") == "rechnung"
    assert light_stem("beschlusse") == "beschluss"


def test_reversed_parts_hold_long_capitalised_words_only():
    text = "Der Pfändungsbeschluss und die Schlussrechnungen, schnell ABCDEFGH"
    parts = set(reversed_parts(text).split())
    assert parts == {"ssulhcsebsgnudnafp", "gnunhcerssulhcs"}


def test_parts_field_indexes_the_reversed_parts_of_its_text():
    """text_parts gets the message text and finds the parts itself (in the writer)."""
    text = "Der Pfändungsbeschluss und die Schlussrechnungen, Pfändungsbeschluss"
    terms = [t for t, *_ in build_schema()["text_parts"].index(text)]
    assert sorted(terms) == sorted(p.encode() for p in reversed_parts(text).split())


def test_addresses_whole_and_in_parts():
    terms = address_terms("Hans Meier <hans.meier@mail.ag-berlin.de>")
    for expected in ("hans.meier@mail.ag-berlin.de", "hans.meier", "ag-berlin.de", "meier"):
        assert expected in terms
    assert address_terms("ag-berlin.de", query=True) == ["ag-berlin.de"]
    assert address_terms("Müller", query=True) == ["muller"]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_fast_postings_equal_the_analyzers(text):
    """CompoundText.index skips Whoosh's token objects; it must index what phrases expect."""
    field = CompoundText("text_parts")
    fast = {t: field.format.decode_positions(v) for t, _, _, v in field.index(text)}
    slow: dict[bytes, list[int]] = {}
    for token in WordAnalyzer()(text, positions=True):
        slow.setdefault(token.text.encode(), []).append(token.pos)
    assert fast == slow


def test_byte_sizes():
    size = ByteSize()
    assert size.bytes_of("5MB") == 5 * 1024**2
    assert size.bytes_of("1,5 k") == 1536
    assert size.bytes_of("200") == 200


def test_schema_has_the_documented_fields():
    names = set(build_schema().names())
    assert {"from", "to", "cc", "subject", "text", "attachment", "date", "size", "is"} <= names


def test_flag_words():
    assert flag_words(["\\Seen", "\\Flagged"]) == ["seen", "flagged"]
    assert flag_words(["$Forwarded", "Work"]) == ["forwarded", "work", "unread"]


def test_headers_decode_rfc2047_and_raw_bytes():
    assert decode_header("=?utf-8?q?Gr=C3=BC=C3=9Fe?= aus =?iso-8859-1?q?K=F6ln?=") == (
        "Grüße aus Köln"
    )
    assert decode_header("=?x-unknown?q?abc?=") == "abc"
    message = extract(b"Subject: Gr\xfc\xdfe\r\nFrom: J\xc3\xbcrgen <j@x.example>\r\n\r\nx")
    assert message.subject == "Grüße" and message.from_.startswith("Jürgen")


def test_html_to_text_drops_scripts_and_decodes_entities():
    text = html_to_text("<style>x{}</style><p>K&uuml;ndigung&nbsp;&amp; Co<script>y()</script>")
    assert "Kündigung" in text and "& Co" in text and "y()" not in text and "x{}" not in text


def test_extract_survives_garbage():
    assert extract(b"").body == ""
    assert extract(b"\x00\xff\xfe" * 100).subject == ""
    broken = b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nno end"
    assert extract(broken).attachments == []


def test_snippet_marks_matches_and_compound_parts():
    query = parse_query("rechnung beschluss")
    snippet = make_snippet(
        "Sehr geehrte Damen und Herren,\n\nanbei der Beschluss und die Schlussrechnung.",
        word_matcher(query),
    )
    assert snippet.marked("[", "]").endswith("anbei der [Beschluss] und die [Schlussrechnung].")
    assert Snippet("ab", ((0, 1),)).marked("<", ">") == "<a>b"


def test_negated_words_are_not_highlighted():
    matches = word_matcher(parse_query("anbei NOT beschluss"))
    assert matches("anbei") and not matches("Beschluss")


def test_columns_read_in_one_piece_agree_with_whoosh(tmp_path):
    """column_values() reads what Whoosh reads, over segments, defaults at the end included."""
    (tmp_path / ".index").mkdir()
    ix = index.create_in(str(tmp_path / ".index"), build_schema())
    for segment in range(3):  # three commits: three segments
        with ix.writer(merge=False) as writer:
            for number in range(5):
                fields = {"id": f"{segment}-{number}", "text": "x", "size": 10**number}
                if number < 4:  # the last document of each segment: no date (the default)
                    fields["date"] = dt.datetime(2020 + segment, 1 + number, 1)
                writer.add_document(**fields)
    with ArchiveSearcher(tmp_path) as searcher:
        reader = searcher._searcher.reader()
        for field in ("date", "size"):
            column = reader.column_reader(field, translate=False)
            assert column_values(column) == list(column), field
        assert len(reader.leaf_readers()) == 3


def test_size_and_date_ranges_open_at_either_end(tmp_path):
    """Ranges are read off the columns; Whoosh's own evaluation must agree with them."""
    (tmp_path / ".index").mkdir()
    ix = index.create_in(str(tmp_path / ".index"), build_schema())
    sizes = [100, 900, 5000, 2_000_000]
    with ix.writer() as writer:
        for number, size in enumerate(sizes):
            when = dt.datetime(2020 + number, 6, 1)
            writer.add_document(id=str(number), size=size, date=when, text="x")
    with ArchiveSearcher(tmp_path) as searcher:
        for query, expected in [
            ("size:<1KB", {0, 1}),
            ("size:>1KB", {2, 3}),
            ("size:[1KB to 5MB]", {2, 3}),
            ("date:<2022", {0, 1}),
            ("date:>=2022", {2, 3}),
            ("date:2021", {1}),
            ("date:>2021", {2, 3}),
            ("date:[2021 to 2022]", {1, 2}),
        ]:
            result = searcher.search(query, limit=None)
            assert {h.id for h in result.hits} == expected, query
            reference = searcher._searcher.search(result.query, limit=None)  # Whoosh's own
            assert {int(r["id"]) for r in reference} == expected, query
