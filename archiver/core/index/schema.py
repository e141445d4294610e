"""The Whoosh schema of the archive index, and field types that parse our query syntax.

Field types are pickled into the index by Whoosh, so they live here under stable names; an
index whose schema no longer loads is simply rebuilt (see :mod:`archiver.core.index.store`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from whoosh import query
from whoosh.analysis import IDAnalyzer
from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.qparser.common import QueryParserError
from whoosh.system import pack_uint
from whoosh.util.times import datetime_to_long

from archiver.core.index.analysis import (
    MAX_WORD,
    PART_MIN,
    WORD,
    AddressAnalyzer,
    NameAnalyzer,
    WordAnalyzer,
    common_grams,
    fold,
    part_form,
    positions,
    reversed_parts,
    term,
)
from archiver.core.index.codec import ArrayPositions

# Bumped when the fields, the analysis or the text extraction change: an index of another
# version is rebuilt. 5: HTML bodies read as HTML5 (text after a missing </head> was lost).
# 6: the text inside attachments (PDF, Office, ...) in ``text`` and ``inside``, has:unreadable,
# has:partial, has:scan, and the stored ``unreadable`` notes. 7: ``text_grams`` (common grams
# for phrases with the most frequent words; an index without it still answers them, slower).
SCHEMA_VERSION = 7


class CompoundText(TEXT):
    """Stemmed words with positions (phrases work); one query word also finds compounds.

    A query word becomes: its stem, or any stem starting with its part form (Pfändung →
    Pfändungsbeschluss), or any long word ending with it (Rechnung → Schlussrechnung), the
    last through the reversed forms in *reversed_field*.
    """

    def __init__(self, reversed_field: str, stored: bool = False) -> None:
        super().__init__(analyzer=WordAnalyzer(), phrase=True, stored=stored)
        self.format = ArrayPositions()
        self.reversed_field = reversed_field

    def index(self, value: str, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        """Return the postings of *value* as WordAnalyzer would, without Token objects.

        Most of the cost of indexing a message; Whoosh's generic path through the analyzer
        and the format is three times slower.
        """
        return self.format.postings(positions(value))

    def self_parsing(self) -> bool:
        return True

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        if qstring == "*":
            return query.Every(fieldname, boost=boost)
        if "*" in qstring or "?" in qstring:
            pattern = "".join(fold(c) if c.isalnum() else c for c in qstring)
            if pattern.endswith("*") and pattern.count("*") == 1 and "?" not in pattern:
                return query.Prefix(fieldname, pattern[:-1], boost=boost)
            return query.Wildcard(fieldname, pattern, boost=boost)
        words = [w for w in WORD.findall(qstring) if len(w) <= MAX_WORD]
        if not words:
            return query.NullQuery
        if len(words) > 1:  # "e-mail", "hans.meier": the parts in a row
            return query.Phrase(fieldname, [term(w) for w in words], boost=boost)
        word = words[0]
        stem = term(word)
        part = part_form(word)
        if len(part) < PART_MIN or word.isdigit():
            return query.Term(fieldname, stem, boost=boost)
        return query.Or(
            [
                query.Term(fieldname, stem, boost=2.0),  # the word itself ranks first
                query.Prefix(fieldname, part),
                query.Prefix(self.reversed_field, part[::-1]),
            ],
            boost=boost,
        )

    def parse_range(
        self,
        fieldname: str,
        start: str | None,
        end: str | None,
        startexcl: bool,
        endexcl: bool,
        boost: float = 1.0,
    ) -> query.Query:
        return query.TermRange(
            fieldname,
            term(start) if start else None,
            term(end) if end else None,
            startexcl,
            endexcl,
            boost=boost,
        )


class ReversedParts(KEYWORD):
    """The reversed part forms of a text's long nouns (see reversed_parts), for compounds.

    Its value is the text itself, the same the CompoundText field beside it gets: the parts
    are found where the index is written (the multi-process writer's workers), from the
    words that field has just split.
    """

    def __init__(self) -> None:
        super().__init__(scorable=False)

    def index(self, value: str, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        once = pack_uint(1)  # the Frequency format's value: occurs once
        boost = self.format.field_boost
        for part in reversed_parts(value).split():
            yield part.encode("utf-8"), 1, boost, once


class CommonGrams(TEXT):
    """The common grams of a text (see analysis.common_grams), with positions, unscored.

    Its value is the text itself, the same the CompoundText field beside it gets, whose
    terms the grams are made of (analysis.positions and stems keep them). Only phrase
    searches read it (search._phrase_terms); it has no field length, so it leaves relevance
    alone.
    """

    def __init__(self) -> None:
        super().__init__(analyzer=WordAnalyzer(), phrase=True)
        self.format = ArrayPositions()
        self.scorable = False

    def index(self, value: str, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        return self.format.postings(common_grams(value))


class MailDate(DATETIME):
    """A date that also reads German notation: ``date:1.3.2022``, ``date:03.2022``."""

    GERMAN = re.compile(r"^(?:(\d{1,2})\.)?(\d{1,2})\.(\d{4})$")

    def _parse_datestring(self, qstring: str) -> Any:
        text = qstring.strip()
        match = self.GERMAN.match(text)
        if match:
            day, month, year = match.groups()
            text = f"{year}{int(month):02d}" + (f"{int(day):02d}" if day else "")
        if not re.fullmatch(r"\d{4}(?:[-/]?\d{2}){0,5}", text):
            raise QueryParserError(f"{qstring!r} is not a date (use 2022, 2022-03 or 2022-03-01)")
        return super()._parse_datestring(text.replace("/", ""))

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        try:
            self._parse_datestring(qstring)
        except (QueryParserError, ValueError) as exc:
            raise QueryParserError(str(exc)) from exc
        return super().parse_query(fieldname, qstring, boost)

    def parse_range(
        self,
        fieldname: str,
        start: str | None,
        end: str | None,
        startexcl: bool,
        endexcl: bool,
        boost: float = 1.0,
    ) -> query.Query:
        """A range of dates; ``date:<2022`` is before 2022 began, ``date:>2022`` after it ended.

        (Whoosh's own DATETIME ignores the exclusive ends: its ``<2022`` includes 2022.)
        """
        if start is None and end is None:
            return query.Every(fieldname, boost=boost)
        try:
            low = None if start is None else self._bound(start, after=startexcl)
            high = None if end is None else self._bound(end, after=not endexcl)
        except (QueryParserError, ValueError) as exc:
            raise QueryParserError(str(exc)) from exc
        return query.NumericRange(fieldname, low, high, startexcl, endexcl, boost=boost)

    def _bound(self, text: str, *, after: bool) -> int:
        """Return the first (or, *after*, the last) microsecond of a possibly partial date."""
        at = self._parse_datestring(text)
        if hasattr(at, "floor"):  # a partial date: a whole year, month or day
            at = at.ceil() if after else at.floor()
        return int(datetime_to_long(at))


class ByteSize(NUMERIC):
    """A size in bytes that reads units: ``size:>5MB``, ``size:<200k`` (powers of 1024)."""

    UNITS: ClassVar[dict[str, int]] = {"": 1, "b": 1, "k": 1024, "kb": 1024}
    UNITS |= {"m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}

    def __init__(self) -> None:
        # Signed: Whoosh's range queries on unsigned fields match everything when open below.
        super().__init__(int, 64, stored=True, sortable=True, shift_step=16)

    def bytes_of(self, text: str) -> int:
        """Return the number of bytes *text* stands for, or raise QueryParserError."""
        match = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*([a-zA-Z]*)\s*", text)
        unit = match.group(2).lower() if match else ""
        if not match or unit not in self.UNITS:
            raise QueryParserError(f"{text!r} is not a size (use 500KB, 5MB or 1GB)")
        return int(float(match.group(1).replace(",", ".")) * self.UNITS[unit])

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        return super().parse_query(fieldname, str(self.bytes_of(qstring)), boost)

    def parse_range(
        self,
        fieldname: str,
        start: str | None,
        end: str | None,
        startexcl: bool,
        endexcl: bool,
        boost: float = 1.0,
    ) -> query.Query:
        low = None if start is None else str(self.bytes_of(start))
        high = None if end is None else str(self.bytes_of(end))
        return super().parse_range(fieldname, low, high, startexcl, endexcl, boost)


def build_schema() -> Schema:
    """Return the index schema; see docs/SEARCH.md for what each field holds."""
    return Schema(
        id=ID(stored=True, unique=True),  # the catalog row id
        account=ID(stored=True, analyzer=IDAnalyzer(lowercase=True)),
        folder=TEXT(analyzer=NameAnalyzer(), phrase=False, stored=True),
        subject=CompoundText("subject_parts", stored=True),
        subject_parts=ReversedParts(),
        # subject, names, body, attachment names and the text inside attachments
        text=CompoundText("text_parts"),
        text_parts=ReversedParts(),
        text_grams=CommonGrams(),  # the text's common grams, for phrases (not user-visible)
        inside=CompoundText("inside_parts"),  # the text inside attachments alone
        inside_parts=ReversedParts(),
        unreadable=STORED,  # "name: why" per attachment not read (in full), one per line
        to=TEXT(analyzer=AddressAnalyzer(), phrase=False, stored=True),
        cc=TEXT(analyzer=AddressAnalyzer(), phrase=False),
        attachment=TEXT(analyzer=NameAnalyzer(), phrase=False, stored=True),
        has=KEYWORD(lowercase=True),
        date=MailDate(stored=True, sortable=True),
        size=ByteSize(),
        msgid=ID(stored=True),
        preview=STORED,
        # Field names that are Python keywords: from:meier, is:flagged.
        **{
            "from": TEXT(analyzer=AddressAnalyzer(), phrase=False, stored=True),
            "is": KEYWORD(lowercase=True, stored=True),
        },
    )
