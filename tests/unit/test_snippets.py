"""Snippets made the cheap way are the snippets made the full way.

The command line makes each hit's snippet from the stored preview where that shows the same
(core/index/snippets.py), from as much of the body as the snippet needs, reads the body of a
message of one part without email's line-by-line parser (extract.body_text), and does not
read again the attachments the index found unreadable for good: each is compared here with
the full way, make_snippet over ``extract(...).body``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from archiver.core.index import reader_process
from archiver.core.index.attachments_text import Limits, read_attachment
from archiver.core.index.extract import body_text, extract
from archiver.core.index.indexer import PREVIEW_CHARS
from archiver.core.index.search import make_snippet, parse_query
from archiver.core.index.snippets import HitSnippets, refused_attachments
from tests.helpers import docgen
from tests.helpers.corpus import SKIP_REASON, as_served, corpus_files
from tests.helpers.mailgen import HARD_SHAPES, ODD_SHAPES, generate_message

BESCHLUSS = docgen.pdf(["Pfändungsbeschluss des Amtsgerichts"])
TINY = Limits(max_bytes=100)


def messages() -> list[tuple[str, bytes]]:
    shapes = [(f"shape {name}", make(3)) for name, make in HARD_SHAPES.items()]
    generated = [(f"mailgen {seed}", generate_message(seed)) for seed in range(20)]
    attached = [("mailgen with PDF", generate_message(7, attachment_size=5000))]
    return [*ODD_SHAPES.items(), *shapes, *generated, *attached]


@pytest.mark.parametrize(("name", "data"), messages(), ids=[n for n, _ in messages()])
def test_body_text_is_extracts_body(name, data):
    assert body_text(data) == extract(data, attachments=False).body


@pytest.mark.skipif(not corpus_files(), reason=SKIP_REASON)
def test_body_text_is_extracts_body_on_the_corpus():
    differ = [
        path.name
        for path in corpus_files()
        for data in (path.read_bytes(), as_served(path.read_bytes()))
        if body_text(data) != extract(data, attachments=False).body
    ]
    assert differ == []


def preview_of(body: str) -> str:
    """The preview the indexer stores (indexer.document)."""
    return " ".join(body[: PREVIEW_CHARS * 2].split())[:PREVIEW_CHARS]


WORDS = [
    "Rechnung",
    "Mahnung",
    "Schlussrechnung",
    "Termin",
    "Gebühr",
    "invoice",
    "meeting",
    "und",
    "die",
    "der",
]


def bodies() -> list[str]:
    rng = random.Random(5)
    found = ["", "Rechnung", "  \n\t ", " " * 700 + "Rechnung am Ende"]
    for _ in range(150):
        count = rng.choice([5, 40, 60, 200, 3000])
        spaces = [" ", " ", "\n", "  ", "\r\n\t", " " * rng.choice([1, 50])]
        found.append("".join(rng.choice(WORDS) + rng.choice(spaces) for _ in range(count)))
    return found


@pytest.mark.parametrize("query", ["rechnung", "invoice", '"und die"', "from:meier", "gebühr*"])
def test_snippets_from_the_start_or_the_preview_are_make_snippets(query):
    snippets = HitSnippets(Path("unused"), parse_query(query))
    matches = snippets._matches
    shown = 0
    for body in bodies():
        full = make_snippet(body, matches)
        assert snippets.body_snippet(body) == full
        from_preview = snippets.from_preview(preview_of(body))
        if from_preview is not None:
            assert from_preview == full
            shown += 1
    assert shown  # the preview does serve some (all, for a query without words)


def test_attachments_refused_at_indexing_are_not_read_again():
    """Reading them again would end the same way: skipping them changes nothing but time."""
    broken = b"%PDF-1.4 not really a PDF"
    (refused,) = read_attachment("kaputt.pdf", "application/pdf", broken)
    (too_big,) = read_attachment("gross.pdf", "application/pdf", BESCHLUSS, limits=TINY)
    notes = (
        f"kaputt.pdf: {refused.unreadable}",
        f"gross.pdf: {too_big.unreadable}",
        "teil.pdf: time limit: not read within 15 s",  # costly_attachments' (not refused)
        "akte.zip: an encrypted or unsupported zip file (x)",  # its members may have text
    )
    assert refused_attachments(notes) == {"kaputt.pdf", "gross.pdf"}
    data = docgen.mail_with(
        [("kaputt.pdf", "application/pdf", broken), ("beschluss.pdf", "application/pdf", BESCHLUSS)]
    )
    full = extract(data)
    with pytest.MonkeyPatch.context() as patch:
        real_read = reader_process.PDF_READER.read

        def read(name: str, *args: object) -> object:
            assert name != "kaputt.pdf", "a refused attachment was read again"
            return real_read(name, *args)

        patch.setattr(reader_process.PDF_READER, "read", read)
        skipped = extract(data, skip=refused_attachments(notes))
    assert skipped.body == full.body
    assert [i.text for i in skipped.inside] == [i.text for i in full.inside if i.text]
