"""The indexer's cached analysis gives the terms and positions of the plain word-by-word way.

analysis.positions and reversed_parts split a text at whitespace and look each distinct
token up in a cache of its words and terms; the plain way (what the query side and
WordAnalyzer do) runs the word pattern over the whole text and stems every word. Both are
compared here on generated mail, the hard shapes and the real-world corpus;
tests/unit/test_search_units.py compares the postings with WordAnalyzer's on any text.
"""

from __future__ import annotations

import sys

import pytest

from archiver.core.index import analysis
from archiver.core.index.analysis import (
    COMPOUND_MIN,
    MAX_WORD,
    WORD,
    part_form,
    positions,
    reversed_parts,
    term,
)
from archiver.core.index.extract import extract
from tests.helpers.corpus import SKIP_REASON, corpus_files
from tests.helpers.mailgen import HARD_SHAPES, ODD_SHAPES, generate_message


def plain_words(text: str) -> list[str]:
    return [w for w in WORD.findall(text) if len(w) <= MAX_WORD]


def plain_positions(text: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for pos, word in enumerate(plain_words(text)):
        found.setdefault(term(word), []).append(pos)
    return found


def plain_parts(text: str) -> set[str]:
    return {
        part_form(w)[::-1]
        for w in plain_words(text)
        if len(w) >= COMPOUND_MIN
        and w[0] not in "abcdefghijklmnopqrstuvwxyzß"
        and not w[0].isdecimal()
        and not w.isupper()
    }


def analysed_alike(text: str) -> bool:
    found = positions(text)
    return (
        list(found.items()) == list(plain_positions(text).items())  # first occurrence order
        and set(reversed_parts(text).split()) == plain_parts(text)
    )


def texts_of(data: bytes) -> list[str]:
    content = extract(data)
    inside = [item.text for item in content.inside]
    return [content.subject, content.from_, content.body, *content.attachments, *inside]


def test_no_whitespace_is_part_of_a_word():
    """Why splitting at whitespace first cannot cut a word: checked for every code point."""
    spaces = [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
    assert spaces and not [c for c in spaces if WORD.search(c)]
    assert "".join(spaces).split() == []


MAILS = [
    *ODD_SHAPES.values(),
    *(make(5) for make in HARD_SHAPES.values()),
    *(generate_message(seed, size=20_000) for seed in range(10)),
]


@pytest.mark.parametrize("data", MAILS)
def test_cached_analysis_is_the_plain_one_on_mail(data):
    assert all(analysed_alike(text) for text in texts_of(data))


@pytest.mark.skipif(not corpus_files(), reason=SKIP_REASON)
def test_cached_analysis_is_the_plain_one_on_the_corpus():
    differ = [
        path.name
        for path in corpus_files()
        if not all(analysed_alike(text) for text in texts_of(path.read_bytes()))
    ]
    assert differ == []


def test_caches_that_empty_themselves_midway_give_the_same(monkeypatch):
    words = analysis._Memo(analysis._token_words, 3)
    monkeypatch.setattr(analysis, "_TOKEN_WORDS", words)
    monkeypatch.setattr(analysis, "_TOKEN_TERMS", analysis._Memo(analysis._TOKEN_TERMS._compute, 2))
    text = extract(generate_message(1, size=5_000)).body
    assert analysed_alike(text)
    assert len(words) <= 3 and len(analysis._TOKEN_TERMS) <= 2
