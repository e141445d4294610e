"""The index's posting format and posting pool: what our fast readers find, Whoosh's own
matchers find too, and spilled postings come back in order."""

from __future__ import annotations

import datetime as dt
import random
import tracemalloc
from array import array
from operator import sub
from pathlib import Path
from typing import Any

import pytest
import whoosh.writing
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index
from whoosh import query as wq
from whoosh.codec.base import FieldWriter
from whoosh.filedb.filestore import FileStorage

from archiver.core.index import indexer, pool, search
from archiver.core.index.analysis import (
    COMMON_WORDS,
    MAX_WORD,
    WORD,
    common_grams,
    gram,
    phrase_cover,
    term,
)
from archiver.core.index.codec import (
    ArrayPositions,
    HashBucket,
    MailCodec,
    MailFieldWriter,
    MailLeafMatcher,
)
from archiver.core.index.extract import extract
from archiver.core.index.indexer import open_writer
from archiver.core.index.schema import build_schema
from archiver.core.index.search import ArchiveSearcher, _phrase_docs, _phrase_terms, parse_query
from tests.helpers.corpus import SKIP_REASON, corpus_files
from tests.helpers.mailgen import HARD_SHAPES, generate_message

WORDS = ["anbei", "rechnung", "mit", "freundlichen", "grussen", "frist", "zahlung"]


def build(
    root: Path,
    texts: list[str],
    *,
    segments: int = 1,
    delete: tuple[int, ...] = (),
    grams: bool = True,
) -> None:
    """Index *texts* (document i dated by i) in *segments* commits, then delete some.

    Blocks of 8 postings, not 1,024, so that small tests cross many block boundaries.
    Without *grams*, the index is as schema version 6 made it: no common grams.
    """
    (root / ".index").mkdir()
    schema = build_schema()
    if not grams:
        schema.remove("text_grams")
    ix = index.create_in(str(root / ".index"), schema)
    per_commit = -(-len(texts) // segments)
    for start in range(0, len(texts), per_commit):
        with ix.writer(codec=MailCodec(blocklimit=8), merge=False) as writer:
            for number in range(start, min(start + per_commit, len(texts))):
                when = dt.datetime(2000, 1, 1) + dt.timedelta(hours=number)
                text = {"text": texts[number]} | ({"text_grams": texts[number]} if grams else {})
                writer.add_document(id=str(number), date=when, **text)
    if delete:
        with ix.writer(codec=MailCodec(blocklimit=8), merge=False) as writer:
            for number in delete:
                writer.delete_by_term("id", str(number))
    ix.close()


def whoosh_ids(searcher: ArchiveSearcher, q: wq.Query) -> set[int]:
    """Return what Whoosh's own per-posting matchers find for *q*, as our row ids."""
    reference = searcher._searcher.search(q, limit=None)
    return {int(r["id"]) for r in reference}


def test_blocks_round_trip_ids_weights_and_positions(tmp_path):
    rng = random.Random(7)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 40))) for _ in range(300)]
    build(tmp_path, texts)
    ix = index.open_dir(str(tmp_path / ".index"))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        assert isinstance(searcher.schema["text"].format, ArrayPositions)
        assert isinstance(reader.segments()[0].codec(), MailCodec)
        for word in WORDS:
            expected = {n: t.split().count(word) for n, t in enumerate(texts) if word in t.split()}
            stem = term(word).encode()
            matcher = reader.postings("text", stem)
            assert type(matcher) is MailLeafMatcher
            found = {}
            while matcher.is_active():
                doc = int(searcher.stored_fields(matcher.id())["id"])
                positions = matcher.value_as("positions")
                assert [texts[doc].split()[p] for p in positions] == [word] * len(positions)
                found[doc] = matcher.weight()
                matcher.next()
            assert found == expected
            every = list(reader.postings("text", stem).all_ids())
            assert list(reader.postings("text", stem).remaining_ids()) == every
            partly = reader.postings("text", stem)
            for _ in range(10):  # into the second block of 8
                partly.next()
            assert list(partly.remaining_ids()) == every[10:]
    ix.close()


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(
        st.lists(st.sampled_from(WORDS[:4]), min_size=1, max_size=12).map(" ".join),
        min_size=1,
        max_size=300,
    ),
    phrase=st.lists(st.sampled_from(WORDS[:4]), min_size=2, max_size=3),
    segments=st.integers(1, 3),
    deleted=st.sets(st.integers(0, 299), max_size=5),
)
def test_phrases_and_words_agree_with_whoosh(tmp_path_factory, texts, phrase, segments, deleted):
    """Set evaluation (ids apart, positions as sets) equals Whoosh's span matchers."""
    root = tmp_path_factory.mktemp("ix")
    build(root, texts, segments=segments, delete=tuple(d for d in deleted if d < len(texts)))
    with ArchiveSearcher(root) as searcher:
        for text in [f'"{" ".join(phrase)}"', phrase[0], f"{phrase[0]} NOT {phrase[1]}"]:
            ours = searcher.search(text, limit=None)
            assert {h.id for h in ours.hits} == whoosh_ids(searcher, ours.query), text
            assert ours.total == len(ours.hits)


@pytest.mark.parametrize(
    ("text", "phrase", "found"),
    [
        ("mit freundlichen grussen", "freundlichen grussen", True),
        ("grussen freundlichen", "freundlichen grussen", False),
        ("freundlichen mit grussen", "freundlichen grussen", False),
        ("mit mit", "mit mit", True),
        ("mit", "mit mit", False),
        ("anbei rechnung anbei frist", "anbei frist", True),
    ],
)
def test_phrase_means_next_to_each_other_in_order(tmp_path, text, phrase, found):
    build(tmp_path, [text, "zahlung"])
    with ArchiveSearcher(tmp_path) as searcher:
        result = searcher.search(f'"{phrase}"')
        assert [h.id for h in result.hits] == ([0] if found else [])
        assert _phrase_docs(searcher._searcher, result.query) is not None  # not Whoosh's


@given(st.sets(st.integers(0, 2**32 - 1), max_size=50).map(sorted))
def test_positions_round_trip_at_every_width(positions):
    fmt = ArrayPositions()
    value = fmt.encode(positions)
    assert value == array("I", [*positions[:1], *map(sub, positions[1:], positions)]).tobytes()
    assert fmt.decode_positions(value) == positions
    assert fmt.decode_frequency(value) == len(positions)


@given(
    found=st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.sets(st.integers(0, 5_000), min_size=1, max_size=20).map(sorted),
        max_size=30,
    ),
    boost=st.sampled_from([1.0, 0.5, 2.0, 3]),
)
def test_a_fields_postings_are_its_terms_with_their_positions(found, boost):
    """ArrayPositions.postings gives what one tuple per term, made in Python, gives."""
    fmt = ArrayPositions(field_boost=boost)
    expected = [
        (t.encode("utf-8"), len(where), len(where) * boost, fmt.encode(where))
        for t, where in found.items()
    ]
    made = list(fmt.postings(found))
    assert made == expected
    assert all(type(weight) is float for _, _, weight, _ in made)


def test_small_blocks_stay_uncompressed_and_read_back(tmp_path):
    """A block's weights and positions under COMPRESS_FROM bytes are stored as they are,
    flagged in its header; readers honour the flag per block, long blocks are compressed."""
    texts = ["rechnung " * n + "frist" for n in range(1, 60)]
    build(tmp_path, texts)
    ix = index.open_dir(str(tmp_path / ".index"))
    flags = set()
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for word, repeat in (("frist", 1), ("rechnung", None)):
            matcher = reader.postings("text", term(word).encode())
            while matcher.is_active():
                flags.add(matcher._compression)
                n = int(searcher.stored_fields(matcher.id())["id"])
                assert matcher.value_as("positions") == ([n + 1] if repeat else list(range(n + 1)))
                matcher.next()
    assert flags == {0, 3}
    ix.close()


def test_too_frequent_phrase_words_fall_back_to_whooshs_matchers(tmp_path, monkeypatch):
    build(tmp_path, ["mit freundlichen grussen", "grussen freundlichen", "mit grussen"])
    with ArchiveSearcher(tmp_path) as searcher:
        fast = searcher.search('"freundlichen grussen"').hits
        monkeypatch.setattr(search, "PHRASE_POSITIONS_MAX", 0)
        assert _phrase_docs(searcher._searcher, parse_query('"freundlichen grussen"')) is None
        assert searcher.search('"freundlichen grussen"').hits == fast
        assert [h.id for h in fast] == [0]


@pytest.mark.parametrize(
    ("words", "documents"),
    [(WORDS, 10_000), (WORDS[:3], 4)],  # the second: nearly every posting has equals
    ids=["varied", "many equal"],
)
@pytest.mark.parametrize("maxfiles", [128, 2])
def test_postings_spilled_in_chunks_come_back_sorted(
    tmp_path, monkeypatch, words, documents, maxfiles
):
    """Beyond its memory limit the pool writes sorted runs; merged, they are all in order.
    Beyond *maxfiles* runs, Whoosh first merges some runs into one (reduce_to), through
    the pool's own run writing and merging.

    Postings come as a writer adds a document's: many through one look-up of ``add``.
    """
    monkeypatch.setattr(pool, "CHUNK", 7)
    rng = random.Random(3)
    postings = [
        ("text", rng.choice(words).encode(), rng.randrange(documents), 1.0, b"\x01\x00\x00\x00")
        for _ in range(5_000)
    ]
    spilling = pool.ChunkedPostingPool(FileStorage(str(tmp_path)), None, limitmb=0.05)
    start = 0
    while start < len(postings):
        size = rng.choice([0, 1, 5, 40, 200])
        add = spilling.add  # once per document, as SegmentWriter.add_document looks it up
        for posting in postings[start : start + size]:
            add(posting)
        start += size
    assert len(spilling.runs) > 3
    assert list(spilling.items(maxfiles=maxfiles)) == sorted(postings)
    assert not list(tmp_path.iterdir())  # the run files are gone


def test_the_pool_counts_a_documents_postings_at_the_next_look_up(tmp_path):
    """Whoosh's estimate per posting, counted after the document: a run once past the limit."""
    spilling = pool.ChunkedPostingPool(FileStorage(str(tmp_path)), None, limitmb=0.01)
    posting = ("text", b"rechnung", 0, 1.0, b"\x01\x00\x00\x00")
    each = 150 + len("text") + 2 * len(b"rechnung") + 4  # Whoosh's PostingPool.add estimate
    add = spilling.add
    for _ in range(30):
        add(posting)
    assert spilling.currentsize == 0 and not spilling.runs  # not counted until the next look-up
    spilling.add  # noqa: B018 - the next document's look-up counts the last one's
    assert spilling.currentsize == 30 * each and not spilling.runs
    add = spilling.add
    for _ in range(int(spilling.limit // each)):
        add(posting)
    spilling.add  # noqa: B018
    assert len(spilling.runs) == 1 and spilling.current == [] and spilling.currentsize == 0
    assert len(list(spilling.items())) == 30 + int(spilling.limit // each)


def test_merging_a_segment_into_a_writer_keeps_its_memory_limit(tmp_path, monkeypatch):
    """A whole segment's postings come through one look-up of ``add`` when segments merge
    (SegmentWriter.add_postings_to_pool): they are counted one by one, and spill."""
    texts = [" ".join(random.Random(n).choices(WORDS, k=30)) for n in range(200)]
    build(tmp_path, texts, segments=2)
    ix = index.open_dir(str(tmp_path / ".index"))
    monkeypatch.setattr(indexer, "WRITER_MB", 0.02)
    writer = open_writer(ix)
    monkeypatch.setattr(writer.pool, "save", spy := _Spy(writer.pool.save))
    writer.commit(optimize=True)  # both segments merged into one through the pool
    assert spy.calls > 3  # runs written while merging, not one at the end
    with ArchiveSearcher(tmp_path) as searcher:
        assert len(searcher._searcher.reader().segments()) == 1
        assert searcher.search("rechnung").total == sum("rechnung" in t for t in texts)
    ix.close()


class _Spy:
    def __init__(self, function: Any) -> None:
        self.function = function
        self.calls = 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.function(*args)


def test_index_writers_use_the_chunked_pool(tmp_path):
    (tmp_path / ".index").mkdir()
    ix = index.create_in(str(tmp_path / ".index"), build_schema())
    writer = open_writer(ix)
    assert type(writer.pool) is pool.ChunkedPostingPool
    writer.cancel()
    ix.close()


def test_the_term_table_keeps_a_term_in_twelve_bytes_until_the_segment_closes(tmp_path):
    """The writer's term table keeps every term's hash and position until its segment is
    written: in Whoosh's tuples that grew the writer by ~60 MB at 100,000 messages."""
    (tmp_path / ".index").mkdir()
    ix = index.create_in(str(tmp_path / ".index"), build_schema())
    writer = open_writer(ix)
    buckets = writer.fieldwriter._tindex.buckets
    assert len(buckets) == 256 and {type(bucket) for bucket in buckets} == {HashBucket}
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for number in range(100_000):
        buckets[number & 255].append((number * 2_654_435_761 & 0xFFFFFFFF, number * 40))
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert kept < 100_000 * 16  # arrays grow by an eighth at a time
    assert list(buckets[7])[:2] == [
        (7 * 2_654_435_761 & 0xFFFFFFFF, 280),
        (263 * 2_654_435_761 & 0xFFFFFFFF, 263 * 40),
    ]
    writer.cancel()
    ix.close()


# Phrases with words in nearly every message: at the start, in the middle, at the end, all.
FREQUENT_TEXTS = [
    "Mit freundlichen Grüßen Hans Meier",
    "Anbei die Rechnung mit der Bitte um Zahlung",
    "Die Frist ist abgelaufen, die Zahlung ist offen",
    "MIT FREUNDLICHEN GRÜSSE und bis bald",
    "freundlichen Grüßen mit Verspätung",
    "Grüßen freundlichen mit",
    "das ist die Frist und das die Rechnung",
    "rechnung mit",
    "mit",
    "und die der das",
]
FREQUENT_PHRASES = {
    '"mit freundlichen Grüßen"': {0, 3},  # "Grüße" and "GRÜSSE" fold the same
    '"freundlichen grüsse"': {0, 3, 4},
    '"Rechnung mit der Bitte"': {1},
    '"Zahlung ist offen"': {2},
    '"Rechnung mit"': {1, 7},
    '"freundlichen GRÜSSEN mit"': {4},
    '"die Frist ist"': {2},
    '"und die der das"': {9},
    '"das die"': {6},
    '"ist die"': {6},
    '"mit mit"': set(),
    '"die das"': set(),
}


@pytest.mark.parametrize("grams", [True, False], ids=["common grams", "index without them"])
def test_phrases_with_frequent_words_anywhere(tmp_path, grams):
    """Phrases with common words find the same with grams, without them (an index of schema
    version 6) and by Whoosh's span matchers over the words; grams serve where a common word
    is followed by another word of the phrase."""
    build(tmp_path, FREQUENT_TEXTS * 3, segments=2, delete=(10,), grams=grams)
    every = {copy * 10 + n for n in range(10) for copy in range(3)}
    with ArchiveSearcher(tmp_path) as searcher:
        for text, expected in FREQUENT_PHRASES.items():
            result = searcher.search(text, limit=None)
            wanted = {n + copy * 10 for n in expected for copy in range(3)} & every - {10}
            assert {h.id for h in result.hits} == wanted, text
            assert whoosh_ids(searcher, result.query) == wanted, text
            assert _phrase_docs(searcher._searcher, result.query) is not None
            fields = {name for name, _, _ in _phrase_terms(searcher._searcher, result.query)}
            followed = any(w in COMMON_WORDS for w in result.query.words[:-1])
            assert ("text_grams" in fields) == (grams and followed), text


def test_grams_join_each_common_word_with_the_word_after_it():
    assert common_grams("Anbei mit Rechnung mit") == {gram("mit", "rechnung"): [1]}
    assert common_grams("Rechnung und die Frist") == {}
    assert common_grams("mit die") == {gram("mit", "die"): [0]}
    assert common_grams("mit mit mit") == {gram("mit", "mit"): [0, 1]}
    assert common_grams("MIT Grüßen, mit grüße") == {gram("mit", term("grüßen")): [0, 2]}


@pytest.mark.parametrize(
    ("words", "cover"),
    [
        (["mit", "freundlich", "gruss"], [(0, True), (2, False)]),
        (["rechnung", "mit", "der", "bitt"], [(0, False), (1, True), (3, False)]),
        (["rechnung", "mit", "die", "frist"], [(0, False), (1, True), (3, False)]),
        (["rechnung", "mit"], None),  # a common word at the end: its positions, as before
        (["mit", "mit", "der"], [(0, True), (2, False)]),
        (["mit", "die", "mit", "der"], [(0, True), (2, True)]),
        (["und", "die", "der"], None),
        (["freundlich", "gruss"], None),
    ],
)
def test_a_phrase_reads_the_gram_of_each_common_word_followed_by_another(words, cover):
    assert phrase_cover(words) == cover


def mail_texts(messages: list[bytes]) -> list[str]:
    """Return the searchable text of each message, as the indexer joins it."""
    texts = []
    for raw in messages:
        content = extract(raw)
        texts.append(
            "\n".join([content.subject, content.from_, content.body, *content.attachments])
        )
    return texts


def phrases_around_common_words(texts: list[str], count: int) -> list[str]:
    """Return *count* phrases of 2 to 4 words cut from *texts* around common words: starting
    with one, holding one inside, ending with one, and a few of other words."""
    rng = random.Random(5)
    phrases = []
    while len(phrases) < count:
        words = [w for w in WORD.findall(rng.choice(texts)) if len(w) <= MAX_WORD]
        common = [i for i, w in enumerate(words) if term(w) in COMMON_WORDS]
        if len(words) < 4 or not common:
            continue
        at = (
            rng.choice(common) - rng.randrange(3)
            if rng.random() < 0.9
            else rng.randrange(len(words))
        )
        at = max(0, min(at, len(words) - 2))
        phrases.append(" ".join(words[at : at + rng.randint(2, 4)]))
    return phrases


def assert_grams_change_nothing(tmp_path: Path, texts: list[str]) -> None:
    """Phrases cut from *texts* find the same messages with grams, without them and by
    Whoosh's span matchers (message 1 is deleted, in an index of two segments)."""
    phrases = phrases_around_common_words(texts[:1] + texts[2:], 150)
    (tmp_path / "grams").mkdir()
    (tmp_path / "words").mkdir()
    build(tmp_path / "grams", texts, segments=2, delete=(1,))
    build(tmp_path / "words", texts, segments=2, delete=(1,), grams=False)
    with ArchiveSearcher(tmp_path / "grams") as grams, ArchiveSearcher(tmp_path / "words") as words:
        served = 0
        for phrase in phrases:
            found = grams.search(f'"{phrase}"', limit=None)
            terms = _phrase_terms(grams._searcher, found.query)
            served += any(name == "text_grams" for name, _, _ in terms)
            ids = {h.id for h in found.hits}
            assert ids == {h.id for h in words.search(f'"{phrase}"', limit=None).hits}, phrase
            assert ids == whoosh_ids(grams, found.query), phrase
            assert ids, phrase  # cut from the texts: at least one message has it
    assert served > len(phrases) // 2  # most through common grams


def test_grams_change_no_phrase_result_on_generated_mail(tmp_path):
    messages = [generate_message(seed, size=2_500) for seed in range(40)]
    messages += [make(seed) for seed in range(2) for make in HARD_SHAPES.values()]
    texts = mail_texts(messages)
    assert_grams_change_nothing(tmp_path, texts)


@pytest.mark.skipif(not corpus_files(), reason=SKIP_REASON)
def test_grams_change_no_phrase_result_on_the_corpus(tmp_path):
    texts = mail_texts([path.read_bytes() for path in corpus_files()])
    assert_grams_change_nothing(tmp_path, texts)


@pytest.mark.parametrize("segments", [1, 3])
def test_relevance_order_is_whooshs(tmp_path, segments):
    """Bulk scoring gives the scores, order and total of Whoosh scoring every match.

    Not of Whoosh's collector limited to the top N: with an AND it can miss the best
    matches (on 400 texts like these its top 3 for "frist zahlung" left out the best).
    """
    rng = random.Random(11)
    vocabulary = [*WORDS, "Schlussrechnung", "Rechnungen", "Pfändung", "Frist"]
    texts = [
        " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 40))) for _ in range(200)
    ]
    build(tmp_path, texts, segments=segments, delete=(3, 50, 199))
    queries = [
        "rechnung",
        "frist zahlung",
        "rechnung OR pfändung^3",
        "(anbei OR frist) mit",
        "rech*",
    ]
    with ArchiveSearcher(tmp_path) as searcher:
        for text in queries:
            parsed = parse_query(text)
            assert searcher._evaluator.ranked(parsed, 5) is not None, text  # not Whoosh's
            every = searcher._searcher.search(parsed, limit=None)
            for limit in (1, 25, None):
                ours = searcher.search(text, sort="relevance", limit=limit)
                theirs = list(every)[:limit]
                assert [h.id for h in ours.hits] == [int(r["id"]) for r in theirs], text
                assert [h.score for h in ours.hits] == pytest.approx([r.score for r in theirs])
                assert ours.total == len(every), text


@pytest.mark.parametrize("text", ['"mit freundlichen"', "rechnung NOT frist", "(a AND b) OR c"])
def test_relevance_of_other_queries_is_left_to_whoosh(tmp_path, text):
    build(tmp_path, ["a b mit freundlichen rechnung", "c rechnung frist"])
    with ArchiveSearcher(tmp_path) as searcher:
        assert searcher._evaluator.ranked(parse_query(text), 5) is None
        hits = searcher.search(text, sort="relevance").hits
        assert [h.id for h in hits] == [
            int(r["id"]) for r in searcher._searcher.search(parse_query(text))
        ]


class PerPostingFieldWriter(MailFieldWriter):
    """MailFieldWriter given its postings one at a time, the way Whoosh's FieldWriter does."""

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        FieldWriter.add_postings(self, schema, lengths, items)


class PerPostingCodec(MailCodec):
    def field_writer(self, storage: Any, segment: Any) -> Any:
        return PerPostingFieldWriter(self, storage, segment)


def segment_files(folder: Path) -> dict[str, bytes]:
    """Return the index's posting and term files, by extension (segment names are random)."""
    return {
        path.suffix: path.read_bytes()
        for path in folder.iterdir()
        if path.suffix in (".pst", ".trm")
    }


@pytest.mark.parametrize("blocklimit", [3, 1024])
def test_terms_written_at_once_are_the_blocks_written_posting_by_posting(tmp_path, blocklimit):
    """MailFieldWriter writes a term's postings together; the files are byte for byte those
    of Whoosh's posting-by-posting path, with several blocks per term or one."""
    documents = []
    for seed in range(20):
        content = extract(generate_message(seed, size=2000 + 300 * seed))
        documents.append(
            {
                "id": str(seed),
                "folder": "INBOX" if seed % 3 else "Sent",
                "date": dt.datetime(2020, 1, 1) + dt.timedelta(days=seed),
                "size": 1000 * seed,
                "subject": content.subject,
                "subject_parts": content.subject,
                "text": content.body,
                "text_parts": content.body,
                "from": content.from_,
                "to": content.to,
                "is": "seen" if seed % 2 else "unread flagged",
            }
        )
    files = []
    for codec in (MailCodec(blocklimit=blocklimit), PerPostingCodec(blocklimit=blocklimit)):
        folder = tmp_path / type(codec).__name__
        folder.mkdir()
        ix = index.create_in(str(folder), build_schema())
        with ix.writer(codec=codec, compound=False) as writer:
            for document in documents:
                writer.add_document(**document)
        files.append(segment_files(folder))
        ix.close()
    assert files[0] == files[1] and set(files[0]) == {".pst", ".trm"}


def test_a_written_file_counts_its_position_and_writes_what_whoosh_writes(tmp_path):
    """WrittenFile answers tell() from its own count: after every kind of write Whoosh
    makes (bytes, numbers, pickles, arrays, seeks) the count is the file's position, and
    the file holds the bytes a plain StructFile writes."""
    storage = indexer.PrivateStorage(str(tmp_path)).create()
    plain = FileStorage(str(tmp_path))
    counted, reference = storage.create_file("counted"), plain.create_file("reference")
    assert isinstance(counted, indexer.WrittenFile)
    assert type(reference) is not indexer.WrittenFile
    steps = [
        lambda f: f.write(b"W3Bl"),
        lambda f: f.write_int(-7),
        lambda f: f.write_varint(300),
        lambda f: f.write_string(b"term"),
        lambda f: f.write_pickle({"extras": [1, 2.5, "x" * 5000]}),
        lambda f: f.write_array(array("i", range(1000))),
        lambda f: f.write(memoryview(array("I", [1, 2, 3]))),
        lambda f: f.seek(2),
        lambda f: f.write(b"!!"),
        lambda f: f.seek(0, 2),
        lambda f: f.write_long(2**40),
    ]
    for step in steps:
        step(counted)
        step(reference)
        assert counted.tell() == counted.file.tell() == reference.tell()
    counted.close()
    reference.close()
    assert (tmp_path / "counted").read_bytes() == (tmp_path / "reference").read_bytes()
    read_write = storage.create_file("read back", mode="w+b")  # Whoosh reads it back
    assert type(read_write) is not indexer.WrittenFile
    read_write.close()


def test_a_write_around_the_count_fails_the_close(tmp_path):
    """Should Whoosh ever write to the wrapped file directly, closing says so instead of
    leaving a segment whose offsets are wrong (and still closes the file)."""
    written = indexer.PrivateStorage(str(tmp_path)).create().create_file("segment")
    written.write(b"counted")
    written.file.write(b"not counted")
    with pytest.raises(RuntimeError, match="written past"):
        written.close()
    assert written.is_closed and written.file.closed  # closed all the same


def test_segment_files_are_the_same_with_counted_positions(tmp_path):
    """A segment written through PrivateStorage (WrittenFile) and through Whoosh's own
    FileStorage (tell() asks the file) has the same posting, term and column files (the
    table of contents names the segment, whose name is random)."""
    documents = [
        {"id": str(n), "text": extract(generate_message(n, size=3000)).body, "size": n}
        for n in range(30)
    ]
    files = []
    for name, storage_class in (("counted", indexer.PrivateStorage), ("asked", FileStorage)):
        folder = tmp_path / name
        folder.mkdir()
        ix = storage_class(str(folder)).create_index(build_schema())
        with open_writer(ix) as writer:
            for document in documents:
                writer.add_document(**document)
        ix.close()
        segment = [p for p in folder.iterdir() if p.name.startswith("MAIN_") and "." in p.name]
        files.append({p.name.split(".", 1)[1]: p.read_bytes() for p in segment})
    assert files[0] == files[1]
    assert {"pst", "trm", "_text_len.col", "_stored.col", "size.col"} <= files[0].keys()


@pytest.mark.parametrize("limitmb", [64, 0.05])
def test_segments_are_those_whooshs_pool_writes(tmp_path, monkeypatch, limitmb):
    """Our pool (postings added by list.append, runs pickled and merged a list at a time)
    and Whoosh's (a posting at a time) give the segment writer the same postings in the
    same order: the segment files are byte for byte the same, with runs spilled or not, for
    documents added and for segments merged into one (optimize)."""
    documents = [
        {"id": str(n), "text": extract(generate_message(n, size=1500)).body, "size": n}
        for n in range(40)
    ] + [
        {"id": f"hard-{k}", "text": extract(shape(k)).body, "subject": "Frist Rechnung"}
        for k, shape in enumerate(HARD_SHAPES.values())
    ]
    files = []
    for pool_class in (pool.ChunkedPostingPool, pool.ChunkedPostingPool.__bases__[0]):
        monkeypatch.setattr(whoosh.writing, "PostingPool", pool_class)
        folder = tmp_path / pool_class.__name__
        folder.mkdir()
        ix = index.create_in(str(folder), build_schema())
        for part in (documents[::2], documents[1::2]):  # two segments
            with ix.writer(codec=MailCodec(), compound=False, limitmb=limitmb) as writer:
                assert type(writer.pool) is pool_class
                for document in part:
                    writer.add_document(**document)
        writer = ix.writer(codec=MailCodec(), compound=False, limitmb=limitmb)
        writer.commit(optimize=True)  # both merged through the pool
        segment = [p for p in folder.iterdir() if p.name.startswith("MAIN_") and "." in p.name]
        files.append({p.name.split(".", 1)[1]: p.read_bytes() for p in segment})
        ix.close()
    assert files[0] == files[1]
    assert {"pst", "trm", "_text_len.col"} <= files[0].keys()
