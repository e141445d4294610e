"""Searching the archive: our query language on Whoosh, results newest first, snippets.

The query language is Whoosh's, with our fields (see docs/SEARCH.md): ``from:meier
subject:mahnung "exact phrase" has:attachment is:flagged date:2022 size:>5MB``, AND, OR,
NOT and parentheses. Words without a field search subject, names, addresses, body text and
attachment names at once. A query the parser cannot make sense of raises
:class:`QueryError` naming the problem, never a traceback.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import heapq
import math
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate, chain, compress, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.fields import DATETIME
from whoosh.index import FileIndex
from whoosh.matching.wrappers import FilterMatcher
from whoosh.qparser import FieldAliasPlugin, GtLtPlugin, Plugin, QueryParser, syntax
from whoosh.scoring import BM25FScorer, WeightScorer
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from archiver.core.catalog import Catalog, State
from archiver.core.errors import ArchiverError, QueryError, QueryTooLarge
from archiver.core.index.analysis import WORD, fold, gram, part_form, phrase_cover, term
from archiver.core.index.codec import ArrayPositions, MailLeafMatcher, column_values
from archiver.core.index.location import index_dir
from archiver.core.index.schema import build_schema

if TYPE_CHECKING:  # not imported for searching (start-up: docs/PERFORMANCE.md)
    from archiver.core.index.attachments_text import AttachmentText

# Fields a user may name in a query (the others are internal), and other names for them.
USER_FIELDS = (
    "account",
    "folder",
    "from",
    "to",
    "cc",
    "subject",
    "attachment",
    "inside",
    "has",
    "is",
    "date",
    "size",
    "msgid",
)
ALIASES = {
    "text": ["body", "text"],
    "from": ["von"],
    "to": ["an"],
    "subject": ["betreff"],
    "folder": ["ordner"],
    "attachment": ["filename", "anhang"],
    "inside": ["anhangtext"],
    "msgid": ["message-id", "messageid"],
}
SORTS = ("date", "relevance")
# Limits that keep reading a query to a fraction of a second: Whoosh's tagger takes time
# quadratic in a word's length (a 100,000-character word: a minute), its parser recurses once
# per parenthesis (2,000 of them: RecursionError), and each word is a posting list to read.
MAX_QUERY_CHARS = 10_000
MAX_QUERY_WORDS = 1_000
MAX_WORD_CHARS = 1_000  # message-ids and addresses are the longest words worth searching
MAX_NESTING = 50
_QUERY_WORDS = re.compile(r"[^\s()]+")


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: what the result list shows, and the catalog id to open it by."""

    id: int
    account: str
    folder: str
    date: dt.datetime  # naive UTC
    sender: str
    to: str
    subject: str
    size: int
    flags: tuple[str, ...]
    attachments: tuple[str, ...]
    preview: str
    score: float
    unreadable: tuple[str, ...] = ()  # "name: why" for attachments not read (in full)
    # A word of the query is in the text of its attachments (which one: matched_attachments).
    matched_inside: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the hit as JSON-ready values (the date in ISO 8601, UTC)."""
        return {
            "id": self.id,
            "account": self.account,
            "folder": self.folder,
            "date": self.date.replace(tzinfo=dt.UTC).isoformat(),
            "from": self.sender,
            "to": self.to,
            "subject": self.subject,
            "size": self.size,
            "flags": list(self.flags),
            "attachments": list(self.attachments),
            "unreadable": list(self.unreadable),
        }


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The hits of one page, how many messages matched in all, and the parsed query."""

    hits: list[Hit]
    total: int
    query: wq.Query


@dataclass(frozen=True, slots=True)
class IndexCoverage:
    """How much of the archive a search sees: *indexed* of the *archived* messages."""

    indexed: int
    archived: int

    @property
    def complete(self) -> bool:
        """Whether the index holds every archived message."""
        return self.indexed >= self.archived


def index_coverage(searcher: ArchiveSearcher, catalog: Catalog) -> IndexCoverage:
    """Compare the messages the catalog holds as archived with the documents of the index.

    Fewer documents: an archive run is still indexing what it stored (or a crash, a deleted
    index, left some out), so a search finds only part of the archive. Messages the catalog
    marks as not indexed count as missing too: a run marks them once its commit is done.
    """
    archived, _ = catalog.location_totals(State.VERIFIED)
    marked = archived - len(catalog.unindexed())
    return IndexCoverage(min(searcher.document_count(), marked), archived)


class _RepeatedNotPlugin(Plugin):
    """Read ``NOT NOT a`` as NOT (NOT a).

    Whoosh applies prefix operators left to right, so the first NOT takes the second one,
    still an operator, and leaves an empty group that fails when the query is built. Applying
    NOT right to left, before Whoosh's operators filter (priority 600), nests them instead.
    """

    def filters(self, parser: QueryParser) -> list[tuple[Callable[..., Any], int]]:
        return [(self._apply_not, 590)]

    def _apply_not(self, parser: QueryParser, group: Any) -> Any:
        for i in range(len(group) - 1, -1, -1):
            node = group[i]
            if isinstance(node, syntax.GroupNode):
                group[i] = self._apply_not(parser, node)
            elif (
                isinstance(node, syntax.PrefixOperator)
                and node.grouptype is syntax.NotGroup
                and i < len(group) - 1
            ):
                node.replace_self(parser, group, i)
        return group


def build_parser() -> QueryParser:
    """Return the query parser for our schema (fields, aliases, ``size:>5MB``)."""
    schema = build_schema()
    parser = QueryParser("text", schema)
    parser.add_plugin(GtLtPlugin())
    parser.add_plugin(FieldAliasPlugin(ALIASES))
    parser.add_plugin(_RepeatedNotPlugin())
    return parser


def check_limits(text: str) -> None:
    """Raise QueryTooLarge when *text* exceeds a limit that keeps reading it quick."""
    words = _QUERY_WORDS.findall(text)
    longest = max(map(len, words), default=0)
    if longest > MAX_WORD_CHARS:
        raise QueryTooLarge("word", MAX_WORD_CHARS, longest)
    if len(words) > MAX_QUERY_WORDS:
        raise QueryTooLarge("words", MAX_QUERY_WORDS, len(words))
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLarge("characters", MAX_QUERY_CHARS, len(text))
    depth = deepest = 0
    quoted = False
    for char in text:  # parentheses inside a quoted phrase are its text
        if char == '"':
            quoted = not quoted
        elif char == "(" and not quoted:
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")" and not quoted:
            depth = max(depth - 1, 0)
    if deepest > MAX_NESTING:
        raise QueryTooLarge("nesting", MAX_NESTING, deepest)


_FIELD_PREFIX = re.compile(r"(?<![\w\"])([A-Za-z][\w-]*):(?=\S)")


def parse_query(text: str, parser: QueryParser | None = None) -> wq.Query:
    """Parse *text* in our query language; raise QueryError on what it cannot take."""
    if not text.strip():
        raise QueryError("The search query is empty.")
    check_limits(text)
    known = set(USER_FIELDS) | {a for names in ALIASES.values() for a in names}
    for match in _FIELD_PREFIX.finditer(text):
        name = match.group(1).lower()
        if name not in known:
            raise QueryError(
                f"Unknown field {match.group(1)!r} at position {match.start() + 1} of the "
                f"query; fields are: {', '.join(USER_FIELDS)} (or quote the text)."
            )
    parser = parser or build_parser()
    parsed = parser.parse(_lower_field_names(text))
    for leaf in _leaves(parsed):
        error = getattr(leaf, "error", None)
        if error is not None:
            raise QueryError(f"Cannot read the query: {error}")
    if parsed is wq.NullQuery:
        shown = text if len(text) <= 60 else f"{text[:57]}..."
        raise QueryError(f"The query {shown!r} has nothing to search for.")
    return parsed


def _lower_field_names(text: str) -> str:
    return _FIELD_PREFIX.sub(lambda m: m.group(1).lower() + ":", text)


def _leaves(q: wq.Query) -> Iterator[wq.Query]:
    if q.is_leaf():
        yield q
        return
    for child in q.children():
        yield from _leaves(child)


class ArchiveSearcher:
    """An open index for several searches (the GUI, benchmarks); close it when done.

    Newest-first searches do not go through Whoosh's scoring and sorting collector, which
    visits every match in Python several times: the query is evaluated as sets of document
    numbers (see _Evaluator), and the newest matches are picked from the date column.
    """

    def __init__(self, archive_root: Path) -> None:
        path = index_dir(archive_root)
        if not path.exists():
            raise ArchiverError(
                f"There is no search index in {archive_root} yet; archive some mail first "
                "or run 'imap-archiver reindex'."
            )
        self._ix: FileIndex = whoosh_index.open_dir(str(path))
        self._searcher: Searcher = self._ix.searcher()
        self._parser = build_parser()
        self._evaluator = _Evaluator(self._searcher)

    def close(self) -> None:
        """Close the searcher and the index."""
        self._searcher.close()
        self._ix.close()

    def __enter__(self) -> ArchiveSearcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _see_commits(self) -> None:
        """Look at the index as it is now, with what was committed since it was opened."""
        if not self._searcher.up_to_date():
            # A new searcher, not Searcher.refresh(): refreshing one opened on an empty index
            # fails inside Whoosh (its empty reader lists no segments to reuse).
            self._searcher.close()
            self._searcher = self._ix.searcher()
            self._evaluator = _Evaluator(self._searcher)

    def document_count(self) -> int:
        """Return how many messages the index holds now: all that a search can find."""
        self._see_commits()
        return int(self._searcher.doc_count())

    def newest(self, *, account: str | None = None, limit: int = 50) -> SearchResult:
        """Return the newest *limit* messages (of one account, or all): a search for
        everything, which the query language cannot say (an empty query is an error)."""
        self._see_commits()
        docs = self._evaluator.all_docs()
        if account is not None:
            docs &= self._evaluator.matches(wq.Term("account", account.lower()))
        top = self._evaluator.newest(docs, limit)
        hits = [_hit(self._searcher.stored_fields(d), 0.0) for d in top]
        return SearchResult(hits, len(docs), wq.Every())

    def search(
        self,
        text: str,
        *,
        account: str | None = None,
        limit: int | None = 50,
        sort: str = "date",
    ) -> SearchResult:
        """Run a query; newest first by default, or by relevance; *limit* None for all."""
        if sort not in SORTS:
            raise QueryError(f"Unknown sort order {sort!r} (date or relevance).")
        self._see_commits()
        parsed = parse_query(text, self._parser)
        account_filter = None if account is None else wq.Term("account", account.lower())
        if sort == "relevance":
            ranked = self._evaluator.ranked(parsed, limit, account_filter)
            if ranked is not None:
                total, best = ranked
                stored = [(d, self._searcher.stored_fields(d), score) for d, score in best]
                return SearchResult(self._hits(parsed, stored), total, parsed)
            results = self._searcher.search(parsed, limit=limit, filter=account_filter)
            scored = [(r.docnum, r.fields(), r.score or 0.0) for r in results]
            return SearchResult(self._hits(parsed, scored), len(results), parsed)
        docs = self._evaluator.matches(parsed)
        if account_filter is not None:
            docs &= self._evaluator.matches(account_filter)
        top = self._evaluator.newest(docs, limit)
        stored = [(d, self._searcher.stored_fields(d), 0.0) for d in top]
        return SearchResult(self._hits(parsed, stored), len(docs), parsed)

    def _hits(self, parsed: wq.Query, found: list[tuple[int, dict[str, Any], float]]) -> list[Hit]:
        """Return the hits of (document, stored fields, score), marking those whose query
        words are inside their attachments (one more set evaluation, only when any of them
        has attachments)."""
        hits = [_hit(fields, score) for _, fields, score in found]
        words = _inside_words(parsed)
        if words is None or not any(hit.attachments for hit in hits):
            return hits
        inside = self._evaluator.matches(words)
        return [
            dataclasses.replace(hit, matched_inside=True) if docnum in inside else hit
            for hit, (docnum, _, _) in zip(hits, found, strict=True)
        ]


# Below this many matches, dates are read per match instead of for the whole index (which is
# then kept for the searcher's later searches).
DIRECT_DATES = 1000
# Range queries on these fields are answered from their columns, not from their many terms.
COLUMN_RANGES = frozenset({"date", "size"})
# A phrase whose rarest word occurs more often than this is checked by Whoosh's matchers:
# the fast check holds that word's positions in a set (about 60 bytes each).
PHRASE_POSITIONS_MAX = 2_000_000
# Queries that name terms, whose documents are read straight off their posting lists.
TERM_LEAVES = (wq.Term, wq.Prefix, wq.Wildcard, wq.TermRange)


class _Evaluator:
    """A query evaluated as a set of document numbers, for one searcher (one index state).

    Each leaf's posting list is read once, a block at a time, and leaves are combined by set
    operations, which run in C; date and size ranges are read off the columns. Column values
    are cached, so a long-lived searcher (the GUI) pays for them once.
    """

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._columns: dict[str, list[int]] = {}
        self._field_lengths: dict[tuple[int, str], list[int]] = {}  # by segment and field
        self._newest_first: list[int] | None = None  # document numbers, newest first

    def column(self, field: str) -> list[int]:
        """Return the raw values of a sortable field, by document number (cached)."""
        if field not in self._columns:
            if self.searcher.doc_count_all() == 0:
                return []  # Whoosh's empty reader has no columns at all
            reader = self.searcher.reader().column_reader(field, translate=False)
            self._columns[field] = column_values(reader)
        return self._columns[field]

    def newest(self, docs: set[int], limit: int | None) -> list[int]:
        """Return the newest *limit* of *docs* (all of them for None), newest first."""
        if not docs:
            return []  # also: an empty index has no columns to read
        if "date" not in self._columns and len(docs) <= DIRECT_DATES:
            column = self.searcher.reader().column_reader("date", translate=False)
            dated = {d: column[d] for d in docs}
            return sorted(docs, key=lambda d: (dated[d], -d), reverse=True)[:limit]
        dates = self.column("date")
        if limit is not None and len(docs) * 8 > len(dates):  # most documents match
            if self._newest_first is None:
                self._newest_first = sorted(range(len(dates)), key=dates.__getitem__)[::-1]
            top: list[int] = []
            for doc in self._newest_first:
                if doc in docs:
                    top.append(doc)
                    if len(top) == limit:
                        break
            return top
        if limit is None:
            return sorted(docs, key=dates.__getitem__, reverse=True)
        return heapq.nlargest(limit, docs, key=dates.__getitem__)

    def ranked(
        self, q: wq.Query, limit: int | None, only: wq.Query | None = None
    ) -> tuple[int, list[tuple[int, float]]] | None:
        """Return how many documents *q* matches (of those *only* matches) and the best
        *limit* of them with their scores, best first; None where *q* has parts whose
        scores Whoosh's collector alone knows (phrases, NOT, ...).

        The scores are Whoosh's BM25F, as its collector gives them, summed over the same
        terms (see _scored_leaves; in another order, so a last digit may differ), and ties
        go to the lower document number as there; but each
        posting list is read once, a block at a time, and its postings scored in a list
        comprehension rather than through several Python calls each.
        """
        leaves = _scored_leaves(q, ())
        if leaves is None:
            return None
        docs = self.matches(q)
        if only is not None:
            docs &= self.matches(only)
        if not docs:
            return 0, []
        scores: list[float] = []
        for number, (sub, _) in enumerate(self.searcher.subsearchers or [(self.searcher, 0)]):
            segment = [0.0] * sub.doc_count_all()
            for (fieldname, text), boost_sets in _segment_terms(sub, leaves).items():
                if not self._score_term(number, sub, fieldname, text, boost_sets, segment):
                    return None
            scores += segment
        key = scores.__getitem__
        chosen = docs
        if limit is not None and limit < len(docs):
            cut = heapq.nlargest(limit, map(key, docs))[-1]
            chosen = {d for d in docs if scores[d] >= cut}
        ordered = sorted(chosen)  # then by score, stably: ties in document order
        ordered.sort(key=key, reverse=True)
        return len(docs), [(d, scores[d]) for d in ordered[:limit]]

    def _score_term(
        self,
        number: int,
        sub: Searcher,
        fieldname: str,
        text: bytes,
        boost_sets: list[tuple[float, ...]],
        out: list[float],
    ) -> bool:
        """Add a term's scores in segment *number* to *out*, once per set of boosts (a word
        and its prefix both name it); False where its scorer is not one this reproduces.

        Its posting list is read once: block by block, each posting's score computed as
        bm25() does (the same operations, so the same floats), then each boost applied.
        """
        reader = sub.reader()
        scorer = self.searcher.weighting.scorer(sub, fieldname, text)
        bm25 = type(scorer) is BM25FScorer
        found = self._lengths(number, reader, fieldname) if bm25 else []
        if not (bm25 or type(scorer) is WeightScorer) or found is None:
            return False
        lengths: list[int] = found
        if bm25:
            idf, k1, b, avgfl = scorer.idf, scorer.K1, scorer.B, scorer.avgfl
            k1p = k1 + 1
            norms = [k1 * ((1 - b) + b * byte_to_length(lb) / avgfl) for lb in range(256)]
        matcher = _leaf_matcher(reader, fieldname, text)[0]
        blocks: Iterable[tuple[list[int], Any]]
        if type(matcher) is MailLeafMatcher:
            blocks = matcher.remaining_weights()
        else:  # a single posting kept in its term's entry, or another codec
            pairs = []
            while matcher.is_active():
                pairs.append((matcher.id(), matcher.weight()))
                matcher.next()
            blocks = [([d for d, _ in pairs], tuple(w for _, w in pairs))]
        rows: dict[float, list[float]] = {}
        for ids, weights in blocks:
            if not bm25:  # a field without lengths: the weight is the score
                base = list(weights) if isinstance(weights, tuple) else [weights or 1.0] * len(ids)
            elif isinstance(weights, tuple):
                base = [
                    idf * ((w * k1p) / (w + norms[lengths[d]]))
                    for d, w in zip(ids, weights, strict=True)
                ]
            else:  # one weight for the block: a row of scores by length byte
                w = weights or 1.0
                row = rows.get(w)
                if row is None:
                    row = rows[w] = [idf * ((w * k1p) / (w + norm)) for norm in norms]
                base = [row[lengths[d]] for d in ids]
            add: list[float] = []
            for boosts in boost_sets:  # the sets' sums first: one pass over out
                boosted = base
                for boost in boosts:
                    boosted = [score * boost for score in boosted]
                add = [a + c for a, c in zip(add, boosted, strict=True)] if add else boosted
            for d, score in zip(ids, add, strict=True):
                out[d] += score
        return True

    def _lengths(self, number: int, reader: Any, fieldname: str) -> list[int] | None:
        """Return the field's length bytes of segment *number*'s documents (cached), or None."""
        key = (number, fieldname)
        if key not in self._field_lengths:
            column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            if column is None:
                return None
            self._field_lengths[key] = column_values(column)
        return self._field_lengths[key]

    def matches(self, q: wq.Query) -> set[int]:
        """Return the numbers of the documents *q* matches."""
        if q is wq.NullQuery:
            return set()
        if isinstance(q, wq.And):
            wanted = [c for c in q.subqueries if not isinstance(c, wq.Not)]
            unwanted = [c.query for c in q.subqueries if isinstance(c, wq.Not)]
            sets = sorted((self.matches(c) for c in wanted), key=len)
            found = sets[0] if sets else self.all_docs()  # every set here is a new one
            for other in sets[1:]:
                found &= other
            for child in unwanted:
                self._remove(found, child)
            return found
        if isinstance(q, wq.Or):
            found = set()
            for child in _without_covered_terms(q.subqueries):
                if isinstance(child, TERM_LEAVES):  # straight into one set: no union after
                    _term_docs(self.searcher, child, found)
                else:
                    found |= self.matches(child)
            return found
        if isinstance(q, wq.Not):
            return self.all_docs() - self.matches(q.query)
        if isinstance(q, wq.AndNot):
            return self.matches(q.a) - self.matches(q.b)
        if isinstance(q, wq.AndMaybe):
            return self.matches(q.a)
        if isinstance(q, wq.Require):
            return self.matches(q.a) & self.matches(q.b)
        if isinstance(q, TERM_LEAVES):
            return _term_docs(self.searcher, q, set())
        if isinstance(q, wq.NumericRange) and q.fieldname in COLUMN_RANGES:
            return self._range(q)
        if isinstance(q, wq.Phrase) and q.fieldname in self.searcher.schema:
            phrase = _phrase_docs(self.searcher, q)
            if phrase is not None:
                return phrase
        return set(self.searcher.docs_for_query(q))

    def _remove(self, found: set[int], q: wq.Query) -> None:
        """Remove from *found* what *q* matches; terms straight off their posting lists."""
        if not found:
            return
        if isinstance(q, wq.Or):
            for child in _without_covered_terms(q.subqueries):
                self._remove(found, child)
        elif isinstance(q, TERM_LEAVES):
            _term_docs(self.searcher, q, found, remove=True)
        else:
            found -= self.matches(q)

    def all_docs(self) -> set[int]:
        """Return every document that is not deleted."""
        return set(self.searcher.docs_for_query(wq.Every()))

    def _range(self, q: wq.NumericRange) -> set[int]:
        field = self.searcher.schema[q.fieldname]
        # Bounds into column space: dates are stored as they are, signed numbers shifted.
        raw = (lambda v: v) if isinstance(field, DATETIME) else field.to_column_value
        low = -math.inf if q.start is None else raw(q.start)
        high = math.inf if q.end is None else raw(q.end)
        values = self.column(q.fieldname)
        found = {
            d
            for d, v in enumerate(values)
            if (low < v if q.startexcl else low <= v) and (v < high if q.endexcl else v <= high)
        }
        if self.searcher.reader().has_deletions():
            found &= self.all_docs()
        return found


def _scored_leaves(
    q: wq.Query, boosts: tuple[float, ...], *, in_or: bool = False
) -> list[tuple[wq.Query, tuple[float, ...]]] | None:
    """Return the term queries of *q* with the boosts Whoosh multiplies their scores by,
    innermost first; None where *q* is not made of these alone.

    Whoosh scores a union as the sum of its matching parts and an intersection as the sum
    of all, so a document's score is the sum over the terms it holds, provided no And is
    inside an Or (which would count a part of the And that failed). A compound query of
    one part is that part, boost and all (CompoundQuery.matcher).
    """
    if type(q) in (wq.Term, wq.Prefix, wq.Wildcard):
        return [(q, boosts)]
    if type(q) not in (wq.And, wq.Or) or (type(q) is wq.And and in_or):
        return None
    if len(q.subqueries) == 1:
        return _scored_leaves(q.subqueries[0], boosts, in_or=in_or)
    inner = ((q.boost,) if q.boost != 1.0 else ()) + boosts
    found: list[tuple[wq.Query, tuple[float, ...]]] = []
    for child in q.subqueries:
        leaves = _scored_leaves(child, inner, in_or=in_or or isinstance(q, wq.Or))
        if leaves is None:
            return None
        found += leaves
    return found


def _segment_terms(
    sub: Searcher, leaves: list[tuple[wq.Query, tuple[float, ...]]]
) -> dict[tuple[str, bytes], list[tuple[float, ...]]]:
    """Return the terms the leaves name in one segment, each with the boosts of every leaf
    naming it; a prefix or wildcard of more than one term is an Or with its boost, one of a
    single term that term alone (MultiTerm.matcher)."""
    reader = sub.reader()
    terms: dict[tuple[str, bytes], list[tuple[float, ...]]] = {}
    for leaf, outer in leaves:
        fieldname = leaf.fieldname
        if fieldname not in sub.schema:
            continue
        if isinstance(leaf, wq.Term):
            try:
                texts = [sub.schema[fieldname].to_bytes(leaf.text)]
            except ValueError:
                continue
        else:
            texts = [t for t in leaf._btexts(reader) if t]
        own = leaf.boost != 1.0 and (isinstance(leaf, wq.Term) or len(texts) > 1)
        boosts = (leaf.boost, *outer) if own else outer
        for text in texts:
            if (fieldname, text) in reader:
                terms.setdefault((fieldname, text), []).append(boosts)
    return terms


def _term_docs(
    searcher: Searcher, q: wq.Query, found: set[int], *, remove: bool = False
) -> set[int]:
    """Add to *found* the documents with a term *q* names (or expands to); return it.

    With *remove*, take them out of *found* instead.
    """
    if q.fieldname not in searcher.schema:
        return found
    for reader, offset in _segments(searcher):
        if isinstance(q, wq.Term):
            try:
                texts = [searcher.schema[q.fieldname].to_bytes(q.text)]
            except ValueError:
                return found
        else:
            texts = list(q._btexts(reader))
        for text in texts:
            if (q.fieldname, text) in reader:
                ids = _shifted(_posting_ids(reader, q.fieldname, text), offset)
                if remove:
                    found.difference_update(ids)
                else:
                    found.update(ids)
    return found


# Fields whose common grams (analysis.common_grams) another field holds, for phrases.
GRAM_FIELDS = {"text": "text_grams"}


def _phrase_terms(searcher: Searcher, q: wq.Phrase) -> list[tuple[str, bytes, int]]:
    """Return the terms to look up for the phrase *q*: (field, term, index of its first word).

    A common word followed by another word is looked up through their common gram where the
    index has them (an index made before schema version 7 has not, and gets the words alone
    until rebuilt); every other word as itself.
    """
    field = searcher.schema[q.fieldname]
    words = [str(w) for w in q.words]
    grams = GRAM_FIELDS.get(q.fieldname)
    cover = phrase_cover(words) if grams in searcher.schema else None
    if grams is None or cover is None:
        return [(q.fieldname, field.to_bytes(w), k) for k, w in enumerate(words)]
    return [
        (grams, gram(words[k], words[k + 1]).encode("utf-8"), k)
        if paired
        else (q.fieldname, field.to_bytes(words[k]), k)
        for k, paired in cover
    ]


def _phrase_docs(searcher: Searcher, q: wq.Phrase) -> set[int] | None:
    """Return the documents holding the words of *q* next to each other, in order.

    The documents holding every term come from the document numbers alone. For those, each
    position p of a term standing for the phrase's words from the k-th (of n) on becomes
    the key ``document << 32 | p - k + n``; a document has the phrase where all its terms
    share a key. Keys are made rarest term first, and each next term's only for the
    documents still in. The terms are the words, or common grams for common words (see
    _phrase_terms). None where the index cannot be read that way (another format, a looser
    phrase, a term too frequent to hold its positions in memory): Whoosh's span matchers
    answer instead.
    """
    field = searcher.schema[q.fieldname]
    if not isinstance(field.format, ArrayPositions) or q.slop != 1 or len(q.words) < 2:
        return None
    terms = _phrase_terms(searcher, q)
    count = len(q.words)
    found: set[int] = set()
    for reader, offset in _segments(searcher):
        if any((name, text) not in reader for name, text, _ in terms):
            continue
        if len(terms) == 1:  # a gram standing for the whole phrase: its documents
            name, text, _ = terms[0]
            found.update(_shifted(_posting_ids(reader, name, text), offset))
            continue
        matchers = [_leaf_matcher(reader, name, text)[0] for name, text, _ in terms]
        occurrences = [reader.frequency(name, text) for name, text, _ in terms]
        if min(occurrences) > PHRASE_POSITIONS_MAX or not all(
            type(m) is MailLeafMatcher for m in matchers
        ):
            return None
        by_size = sorted(terms, key=lambda t: reader.doc_frequency(t[0], t[1]))
        candidates = set(_posting_ids(reader, by_size[0][0], by_size[0][1]))
        for name, text, _ in by_size[1:]:
            if candidates:
                candidates.intersection_update(_posting_ids(reader, name, text))
        if not candidates:
            continue
        # Rarest term first; each next term is decoded only for the documents still in.
        order = sorted(range(len(terms)), key=occurrences.__getitem__)
        first = order[0]
        keys = set(_position_keys(matchers[first], candidates, count - terms[first][2]))
        for i in order[1:]:
            candidates = {key >> 32 for key in keys}
            if not candidates:
                break
            keys.intersection_update(_position_keys(matchers[i], candidates, count - terms[i][2]))
        found.update(_shifted({key >> 32 for key in keys}, offset))
    return found


def _position_keys(matcher: MailLeafMatcher, wanted: set[int], shift: int) -> Iterator[int]:
    """Yield ``document << 32 | position + shift`` for the term's positions in *wanted*."""
    return chain.from_iterable(
        _block_keys(ids, counts, deltas, wanted, shift)
        for ids, counts, deltas in matcher.remaining_positions(wanted)
    )


def _block_keys(
    ids: list[int], counts: array[int], deltas: array[int], wanted: set[int], shift: int
) -> list[int]:
    """Return one block's position keys for the documents in *wanted*.

    A posting's deltas start from 0; most postings of a word hold a single position, and
    where all of a block's do (a rare word, a common gram), one comprehension makes the keys
    at about half the cost of the loop.
    """
    if len(deltas) == len(ids):  # every posting holds one position (none holds none)
        return [(i << 32) + d + shift for i, d in zip(ids, deltas, strict=True) if i in wanted]
    starts = list(accumulate(counts, initial=0))
    keys: list[int] = []
    for i in compress(range(len(ids)), map(wanted.__contains__, ids)):
        base, at, end = (ids[i] << 32) + shift, starts[i], starts[i + 1]
        if end - at == 1:
            keys.append(base + deltas[at])
        else:  # accumulate() yields its initial value first: that one is not a position
            keys.extend(islice(accumulate(deltas[at:end], initial=base), 1, None))
    return keys


def _segments(searcher: Searcher) -> list[tuple[Any, int]]:
    """Return each segment's reader with the offset of its document numbers."""
    return [(sub.reader(), offset) for sub, offset in searcher.subsearchers or [(searcher, 0)]]


def _shifted(ids: Iterable[int], offset: int) -> Iterable[int]:
    """Return a segment's document numbers as the searcher's (the offset added, in C)."""
    return map(offset.__add__, ids) if offset else ids


def _leaf_matcher(reader: Any, fieldname: str, text: bytes) -> tuple[Any, frozenset[int]]:
    """Return a term's matcher without Whoosh's filter for deleted documents, and those."""
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):  # the segment has deleted documents
        return matcher.child, reader.deleted_docs_set
    return matcher, frozenset()


def _posting_ids(reader: Any, fieldname: str, text: bytes) -> Iterable[int]:
    """Return the numbers of a segment's live documents holding a term (read block by block
    from MailCodec's postings)."""
    matcher, deleted = _leaf_matcher(reader, fieldname, text)
    # Whoosh's all_ids() for an inlined posting list (a single posting) or another codec
    fast = type(matcher) is MailLeafMatcher
    ids = matcher.remaining_ids() if fast else matcher.all_ids()
    return [i for i in ids if i not in deleted] if deleted else ids


def _without_covered_terms(children: list[wq.Query]) -> list[wq.Query]:
    """Drop terms that a prefix beside them matches anyway (a word and its compounds)."""
    prefixes = [(c.fieldname, c.text) for c in children if isinstance(c, wq.Prefix)]
    return [
        c
        for c in children
        if not (
            isinstance(c, wq.Term)
            and any(c.fieldname == f and str(c.text).startswith(p) for f, p in prefixes)
        )
    ]


# The fields of ordinary searches, and their counterparts holding attachments' text alone.
_INSIDE_FIELDS = {"text": "inside", "text_parts": "inside_parts"}
_WORD_LEAVES = (wq.Term, wq.Prefix, wq.Wildcard, wq.Phrase)


def _inside_words(q: wq.Query) -> wq.Query | None:
    """Return a query for any of *q*'s words (not under NOT) in attachments' text, or None."""
    leaves: list[wq.Query] = []

    def visit(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            visit(node.a)
        elif isinstance(node, _WORD_LEAVES):
            if node.fieldname in _INSIDE_FIELDS.values():
                leaves.append(node)
            elif node.fieldname in _INSIDE_FIELDS:
                inside = node.copy()
                inside.fieldname = _INSIDE_FIELDS[node.fieldname]
                leaves.append(inside)
        else:
            for child in node.children():
                visit(child)

    visit(q)
    return wq.Or(leaves) if leaves else None


def _hit(stored: dict[str, Any], score: float) -> Hit:
    attachments = stored.get("attachment", "")
    return Hit(
        id=int(stored["id"]),
        account=stored.get("account", ""),
        folder=stored.get("folder", ""),
        date=stored.get("date") or dt.datetime(1970, 1, 1),
        sender=stored.get("from", ""),
        to=stored.get("to", ""),
        subject=stored.get("subject", ""),
        size=int(stored.get("size", 0)),
        flags=tuple(stored.get("is", "").split()),
        attachments=tuple(a for a in attachments.split("\n") if a),
        preview=stored.get("preview", ""),
        score=score,
        unreadable=tuple(n for n in stored.get("unreadable", "").split("\n") if n),
    )


# --- snippets ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snippet:
    """A piece of a message's text around what matched, and the matched words' spans."""

    text: str
    spans: tuple[tuple[int, int], ...]

    def marked(self, before: str, after: str) -> str:
        """Return the text with each match wrapped, e.g. in ANSI bold or « »."""
        out, last = [], 0
        for start, end in self.spans:
            out += [self.text[last:start], before, self.text[start:end], after]
            last = end
        out.append(self.text[last:])
        return "".join(out)


# Fields whose words a snippet shows.
TEXT_FIELDS = ("text", "subject", "inside")


def word_matcher(q: wq.Query) -> Callable[[str], bool]:
    """Return a test: does a word of message text match one of the query's text terms?

    It mirrors how the query matched (stems, compound heads and tails, wildcards) and
    ignores negated parts.
    """
    stems: set[str] = set()
    heads: set[str] = set()
    tails: set[str] = set()
    patterns: list[re.Pattern[str]] = []

    def visit(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.Term) and node.fieldname in TEXT_FIELDS:
            stems.add(node.text)
        elif isinstance(node, wq.Prefix) and node.fieldname in TEXT_FIELDS:
            heads.add(node.text)
        elif isinstance(node, wq.Prefix) and node.fieldname.endswith("_parts"):
            tails.add(node.text[::-1])
        elif isinstance(node, wq.Phrase) and node.fieldname in TEXT_FIELDS:
            stems.update(node.words)
        elif isinstance(node, wq.Wildcard) and node.fieldname in TEXT_FIELDS:
            patterns.append(re.compile(fnmatch.translate(node.text)))
        if not node.is_leaf():
            for child in node.children():
                visit(child)

    visit(q)
    if not (stems or heads or tails or patterns):
        return _no_word

    def matches(word: str) -> bool:
        stem = term(word)
        if stem in stems or any(stem.startswith(h) for h in heads):
            return True
        if tails and any(part_form(word).endswith(t) for t in tails):
            return True
        folded = fold(word)
        return any(p.match(folded) or p.match(stem) for p in patterns)

    return matches


def _no_word(word: str) -> bool:
    """Match no word (a query without text terms: ``has:attachment date:2022``)."""
    return False


def names_words(matches: Callable[[str], bool]) -> bool:
    """Whether a word_matcher can match any word at all (the query has text terms)."""
    return matches is not _no_word


@dataclass(frozen=True, slots=True)
class AttachmentMatch:
    """An attachment whose text matched, and a snippet from it."""

    name: str
    snippet: Snippet


def matched_attachments(
    inside: Iterable[AttachmentText], matches: Callable[[str], bool]
) -> list[AttachmentMatch]:
    """Return the attachments whose text holds a word *matches* accepts, with snippets."""
    found = []
    for item in inside:
        if item.text:
            snippet = make_snippet(item.text, matches)
            if snippet.spans:
                found.append(AttachmentMatch(item.name, snippet))
    return found


def make_snippet(text: str, matches: Callable[[str], bool], width: int = 200) -> Snippet:
    """Return about *width* characters of *text* around its first match (else its start).

    Only words up to the first match and those inside the window are tested, each distinct
    word once: a long message costs little more than a short one.
    """
    flat = " ".join(text.split())
    known: dict[str, bool] = {}

    def hit(word: str) -> bool:
        found = known.get(word)
        if found is None:
            found = known[word] = matches(word)
        return found

    first = next((m.start() for m in WORD.finditer(flat) if hit(m.group())), None)
    return snippet_at(flat, first, hit, width)


def snippet_at(
    flat: str, first: int | None, matches: Callable[[str], bool], width: int = 200
) -> Snippet:
    """Return make_snippet's snippet of the flat text *flat* (white space made single
    spaces) whose first matching word starts at *first* (None: none matches)."""
    start = 0
    if first is not None:
        start = max(0, first - width // 4)
        if start:
            space = flat.find(" ", start)
            start = space + 1 if 0 <= space < first else start
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", start, end)
        end = space if space > start else end
    prefix = "…" if start else ""
    suffix = "…" if end < len(flat) else ""
    shift = len(prefix) - start
    spans = tuple(
        (m.start() + shift, m.end() + shift)
        for m in WORD.finditer(flat, start, end)
        if first is not None and matches(m.group())
    )
    return Snippet(prefix + flat[start:end] + suffix, spans)
