"""How text becomes index terms: folding, German and English stems, compounds, addresses.

Our users search German and English mail, typed any which way: "Pfändung", "pfandung",
"pfaendung" and "PFÄNDUNG" must be one term, as must "straße" and "strasse". Every word is
therefore lower-cased, stripped of accents (ä → a, ß → ss), German ae/oe/ue spellings are
folded the same way (as Lucene's GermanNormalizationFilter does), and the result is stemmed
by the English and then the German Snowball stemmer. Both stemmers run on every word
because neither the message nor the query says which language it is in; at worst a word is
stemmed a little too far, the same way in documents and in queries.

German compounds ("Pfändungsbeschluss", "Schlussrechnung") are found by their parts through
two cheap lookups rather than a dictionary: a query word matches terms that *start* with it
(a prefix query on the stems) and terms that *end* with it (a prefix query on reversed word
forms kept in a side field). The side field holds the long words only, "lightly" stemmed
(plural and case endings removed), because Snowball cuts long words differently from short
ones ("schlussrechnung" → "schlussrechn", "rechnung" → "rechnung").

The analyzers are one generator each rather than chains of Whoosh filters: indexing speed
is what users wait for, and a word's term is cached once computed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from itertools import chain, count
from typing import Any

from whoosh.analysis import Analyzer, Token
from whoosh.lang import stemmer_for_language

# A word: letters and digits; "_" splits words as punctuation does.
WORD = re.compile(r"[^\W_]+")
# A word starting with one of these is not capitalised (not a German noun).
_LOWER_ASCII = frozenset("abcdefghijklmnopqrstuvwxyzß")
# Longer "words" are base64, hashes or URLs run together: not worth an index term.
MAX_WORD = 40
# Words at least this long (folded) get a reversed entry, so that their ends can be found.
COMPOUND_MIN = 7
# Query words shorter than this match only themselves (no compound or prefix expansion).
PART_MIN = 4

# Words whose fold, term and part form are remembered; about 25 MB for the three caches.
CACHE_SIZE = 50_000

_stem_en = stemmer_for_language("en")
_stem_de = stemmer_for_language("de")

# ß and ligatures that NFKD leaves alone; everything else with a diacritic decomposes.
_SPECIAL = str.maketrans({"ß": "ss", "ẞ": "ss", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ł": "l"})
_GERMAN_DIGRAPH = re.compile(r"(?<!q)ue|ae|oe")
_VALID_S_ENDING = frozenset("bdfghklmnrt")


@functools.lru_cache(maxsize=CACHE_SIZE)
def fold(word: str) -> str:
    """Lower-case *word*, strip accents and fold German spellings: Pfaendung → pfandung."""
    folded = word.lower()
    if not folded.isascii():
        folded = folded.translate(_SPECIAL)
        folded = "".join(
            c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
        )
    if "e" in folded:
        folded = _GERMAN_DIGRAPH.sub(lambda m: m.group()[0], folded)
    return folded


@functools.lru_cache(maxsize=CACHE_SIZE)
def term(word: str) -> str:
    """Return the index term of a word: folded, then stemmed for English and for German."""
    folded = fold(word)
    if folded.isdigit():
        return folded
    return str(_stem_de(_stem_en(folded)))


def light_stem(folded: str) -> str:
    """Remove German plural and case endings only (after Savoy's light stemmer).

    Unlike Snowball this cuts the same ending whatever the word's length, so the tail of a
    compound ("…rechnungen") and the word alone ("Rechnungen") agree.
    """
    word = folded
    if len(word) > 5 and word.endswith("ern"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith(("em", "en", "er", "es")):
        word = word[:-2]
    elif len(word) > 3 and (
        word.endswith("e") or (word.endswith("s") and word[-2] in _VALID_S_ENDING)
    ):
        word = word[:-1]
    if len(word) > 5 and word.endswith("est"):
        word = word[:-3]
    elif len(word) > 4 and word.endswith(("er", "en", "st")):
        word = word[:-2]
    return word


@functools.lru_cache(maxsize=CACHE_SIZE)
def part_form(word: str) -> str:
    """Return the form a word is matched in as part of a compound: folded, lightly stemmed."""
    return light_stem(fold(word))


class _Memo(dict[str, tuple[str, ...]]):
    """A dict that computes a missing value itself, and empties itself beyond *size* entries.

    A lookup that hits costs one dict access in C, so whole texts are mapped with ``map``.
    Emptying it now and then (rather than an LRU's bookkeeping on every hit) bounds memory
    at the price of recomputing what is still in use.
    """

    def __init__(self, compute: Callable[[str], tuple[str, ...]], size: int) -> None:
        super().__init__()
        self._compute = compute
        self._size = size

    def __missing__(self, key: str) -> tuple[str, ...]:
        if len(self) >= self._size:
            self.clear()
        value = self[key] = self._compute(key)
        return value


def _token_words(token: str) -> tuple[str, ...]:
    return tuple(w for w in WORD.findall(token) if len(w) <= MAX_WORD)


# A text's words are found per whitespace-separated token, each distinct token once: no
# whitespace character is a word character (a test checks every code point), so no word
# spans two tokens and the words of the tokens, in order, are the words of the text.
_TOKEN_WORDS = _Memo(_token_words, CACHE_SIZE)
_TOKEN_TERMS = _Memo(lambda token: tuple(map(term, _TOKEN_WORDS[token])), CACHE_SIZE)


@functools.lru_cache(maxsize=1)
def _tokens(text: str) -> list[str]:
    """Return the whitespace-separated tokens of *text*.

    The last text's tokens are kept: a message's positions and its reversed parts are
    indexed one right after the other, from the same text. Do not change the list.
    """
    return text.split()


def reversed_parts(text: str) -> str:
    """Return the reversed part forms of the long nouns in *text*, space separated.

    German compounds are nouns, and German nouns are capitalised: taking capitalised words
    only halves the cost of this field and loses next to nothing.
    """
    distinct = set(chain.from_iterable(map(_TOKEN_WORDS.__getitem__, set(_tokens(text)))))
    nouns = {
        w
        for w in distinct
        if len(w) >= COMPOUND_MIN
        and w[0] not in _LOWER_ASCII
        and not w[0].isdecimal()
        and not w.isupper()
    }
    return " ".join({part_form(w)[::-1] for w in nouns})


@functools.lru_cache(maxsize=1)
def stems(text: str) -> list[str]:
    """Return the terms of *text*'s words in order (kept for the last text, as _tokens is).

    The text field's positions and its common grams are indexed one right after the other,
    from the same text. Do not change the list.
    """
    return list(chain.from_iterable(map(_TOKEN_TERMS.__getitem__, _tokens(text))))


@functools.lru_cache(maxsize=1)
def positions(text: str) -> dict[str, list[int]]:
    """Return each term of *text* with the positions it occurs at (as WordAnalyzer counts).

    Terms come in the order of their first occurrence. The work per word is done in C
    (a dict lookup per token, one per word for its list, an append); Python code runs once
    per distinct token only, and not at all for tokens seen in earlier texts. Kept for the
    last text, for its common grams (see common_grams). Do not change it.
    """
    found: defaultdict[str, list[int]] = defaultdict(list)
    deque(map(list.append, map(found.__getitem__, stems(text)), count()), maxlen=0)
    return found


# Words with millions of occurrences in a large archive: a phrase holding one decodes all
# its positions in every candidate message ("mit freundlichen Grüßen" took 190 ms at 100,000
# messages, against 45 ms without "mit"). Each occurrence of one, but a text's last word,
# adds a common gram: the word joined with the word after it (Lucene's CommonGramsFilter, one
# direction only), so that a phrase reads the gram's short list instead. "mit" opens the
# closing of nearly every German business letter. Every word on the list adds a posting for
# each of its distinct followers in every message: about 15 % more postings per word in
# generated mail, and a second word ("und") took the writer from about +5 % to +20-35 % CPU
# (docs/PERFORMANCE.md), so the list holds one. Changing it changes the index: bump
# SCHEMA_VERSION.
COMMON_WORDS = frozenset([term("mit")])


def gram(first: str, second: str) -> str:
    """Return the common gram of two adjacent terms (a space never occurs in a term)."""
    return f"{first} {second}"


def common_grams(text: str) -> dict[str, list[int]]:
    """Return the common grams of *text*, each with the positions of its first word.

    Read from positions() and stems() of the same text, which the text field has just
    computed: only the common words' own positions are visited.
    """
    found = positions(text)
    terms = stems(text)
    last = len(terms) - 1
    grams: dict[str, list[int]] = {}
    for word in COMMON_WORDS:
        where = found.get(word)
        if where is None:
            continue
        if where[-1] == last:  # the text's last word: nothing follows it
            where = where[:-1]
        prefix = word + " "
        followers = map(terms.__getitem__, map((1).__add__, where))
        for pos, follower in zip(where, followers, strict=True):
            key = prefix + follower
            at = grams.get(key)
            if at is None:
                grams[key] = [pos]
            else:
                at.append(pos)
    return grams


def phrase_cover(terms: list[str]) -> list[tuple[int, bool]] | None:
    """Return how to look up a phrase of *terms* with common grams, or None (none helps).

    Each item is the index of a term, and whether the gram starting there stands for it and
    the next term (a common word followed by another word), or the term alone. Left to
    right, a common word takes the word after it into its gram; a common word at the end
    with no gram before it stays a word (its positions are decoded, as without grams).
    """
    cover: list[tuple[int, bool]] = []
    last = len(terms) - 1
    k = 0
    while k <= last:
        paired = k < last and terms[k] in COMMON_WORDS
        cover.append((k, paired))
        k += 2 if paired else 1
    return cover if any(paired for _, paired in cover) else None


class WordAnalyzer(Analyzer):
    """Words → folded, stemmed terms, with positions and character offsets for phrases."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in WORD.finditer(value):
            word = match.group()
            if len(word) > MAX_WORD:
                continue
            token.text = term(word)
            if keeporiginal:
                token.original = word
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


ADDRESS = re.compile(r"[\w.+%'-]+@[\w-]+(?:\.[\w-]+)+")


def address_terms(value: str, *, query: bool = False) -> list[str]:
    """Return the terms of a From/To/Cc value: names and addresses, whole and in parts.

    "Hans Meier <hans.meier@mail.ag-berlin.de>" gives the address, hans.meier, the domain
    and its parent domains (ag-berlin.de), and the folded words hans, meier, mail, ag,
    berlin, de; so each is findable. A query word with "@" or "." is looked up whole.
    """
    if query:
        word = value.strip("<>").lower()
        if "@" in word or "." in word:
            return [word]
        return [fold(w) for w in WORD.findall(word) if len(w) <= MAX_WORD]
    terms: list[str] = []
    for match in ADDRESS.finditer(value):
        address = match.group().lower()
        local, domain = address.rsplit("@", 1)
        labels = domain.split(".")
        terms += [address, local] + [".".join(labels[i:]) for i in range(len(labels) - 1)]
    return terms + [fold(w) for w in WORD.findall(value) if len(w) <= MAX_WORD]


class _TermListAnalyzer(Analyzer):
    """An analyzer for short values whose terms come from :meth:`terms`, not from positions.

    Every term spans the whole value, so highlighting marks the value as a whole.
    """

    def terms(self, value: str, query: bool) -> list[str]:
        """Return the terms of *value*; *query* says the value is a word of a query."""
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, text in enumerate(self.terms(value, mode == "query"), start_pos):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token


class AddressAnalyzer(_TermListAnalyzer):
    """Names and addresses of From/To/Cc: folded, not stemmed, addresses also whole."""

    def terms(self, value: str, query: bool) -> list[str]:
        return address_terms(value, query=query)


class NameAnalyzer(_TermListAnalyzer):
    """Folder and attachment names: the whole name folded, and each word of it.

    ``folder:INBOX`` finds INBOX and its subfolders (``INBOX/Akten``); ``attachment:pdf``
    and ``attachment:"Beschluss 2022.pdf"`` both work. Indexed values hold one name a line.
    """

    def terms(self, value: str, query: bool) -> list[str]:
        names = [value] if query else [n for n in value.split("\n") if n]
        texts: list[str] = []
        for name in names:
            words = [fold(w) for w in WORD.findall(name)]
            texts.append(" ".join(words))
            if not query:
                texts += words
        return list(dict.fromkeys(t for t in texts if t))
