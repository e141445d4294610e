"""How the index stores posting lists: document numbers readable without their positions.

Whoosh's own codec (W3) packs each block of up to 128 postings into one zlib-compressed
pickle of document numbers, weights and positions together, so merely listing the messages
that hold a word decodes every position of it. For a word in 95,000 of 100,000 messages that
was most of a 100 ms search. :class:`MailCodec` writes the same blocks in two parts: first
the document numbers, as a compressed array of deltas, then the weights and values. Listing
documents (a newest-first search) reads the first part only; relevance scoring and phrases
read both, through the same Matcher interface as before.

:class:`ArrayPositions` stores a word's positions as an array of deltas instead of a
pickle, and a block keeps all of them in one array: a phrase search over thousands of
candidate messages decodes one array per block, then the candidates' positions only, and
compares them with set operations in C.

Segments pickle their codec and fields their format, by class name: an index written with
these needs this module to be read, and SCHEMA_VERSION says when that changes.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate, chain, groupby
from operator import itemgetter, sub
from pickle import dumps, loads
from typing import Any

from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.columns import MultiColumnReader, NumericColumn
from whoosh.formats import Positions
from whoosh.system import _INT_SIZE, pack_int, pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

# Arrays are written little-endian, whatever the machine, so an archive can move.
_SWAP = sys.byteorder == "big"
_ONE_POSITION = struct.Struct("<I").pack  # one position as a little-endian 32-bit array
# A block's weights and values shorter than this are stored as they are: most terms occur
# in a message or two, and zlib saves next to nothing on their few dozen bytes (it even
# adds six) while costing a call per block.
COMPRESS_FROM = 128


def _array_bytes(values: Iterable[int], typecode: str = "I") -> bytes:
    numbers = array(typecode, values)
    if _SWAP:
        numbers.byteswap()
    return numbers.tobytes()


def _bytes_array(data: bytes, typecode: str = "I") -> array[int]:
    numbers = array(typecode, data)
    if _SWAP:
        numbers.byteswap()
    return numbers


def _deltas(numbers: Sequence[int]) -> list[int]:
    """Return ascending *numbers* as the first and the gaps after it (accumulate() undoes it)."""
    return [numbers[0], *map(sub, numbers[1:], numbers)] if numbers else []


class ArrayPositions(Positions):
    """Whoosh's Positions format as an array of deltas instead of a pickle.

    A posting's value is its first position and the gaps after it, 32 bits each: cheap to
    write, and what MailPostingsWriter joins into one array per block.
    """

    def encode(self, poslist: Sequence[int]) -> bytes:
        # What _array_bytes(_deltas(poslist)) gives, in one expression: called per term of
        # every message, and most terms occur once in a message.
        if len(poslist) == 1:
            return _ONE_POSITION(poslist[0])
        if _SWAP:
            return _array_bytes(_deltas(poslist))
        return array("I", map(sub, poslist, [0, *poslist])).tobytes()

    def postings(self, found: dict[str, list[int]]) -> Iterator[tuple[bytes, int, float, bytes]]:
        """Return a field's postings (term, frequency, weight, value) from its terms' positions.

        What a loop over *found* yielding one tuple per term gives, made in C but for the
        values: a message's text has a few hundred terms, most of them at one position,
        whose value is packed without a call of encode.
        """
        counts = list(map(len, found.values()))
        weights = map(float(self.field_boost).__mul__, counts)
        terms = map(str.encode, found)
        encode = self.encode
        values = [
            _ONE_POSITION(where[0]) if len(where) == 1 else encode(where)
            for where in found.values()
        ]
        return zip(terms, counts, weights, values, strict=True)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return list(accumulate(_bytes_array(valuestring)))

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) >> 2

    def decode_weight(self, valuestring: bytes) -> float:
        return self.decode_frequency(valuestring) * self.field_boost  # type: ignore[no-any-return]


class MailCodec(W3Codec):
    """Whoosh's W3 codec with posting blocks whose document numbers come first, apart.

    Blocks hold up to 1,024 postings, not 128: reading a block costs several Python calls
    (seek, read, unpickle its statistics), so a long posting list reads faster in fewer.
    """

    def __init__(self, blocklimit: int = 1024, compression: int = 3, inlinelimit: int = 1):
        super().__init__(blocklimit, compression, inlinelimit)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:  # term vectors, which we do not use: Whoosh's own blocks
            return super().postings_writer(dbfile, byteids=True)
        return MailPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return MailFieldWriter(self, storage, segment)

    def postings_reader(
        self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None
    ) -> Any:
        if terminfo.is_inlined():  # a single posting, kept in the term's entry
            return super().postings_reader(dbfile, terminfo, format_, term, scorer)
        offset, length = terminfo.extent()
        return MailLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class MailFieldWriter(W3FieldWriter):
    """W3's term writer, given each term's postings at once instead of one at a time.

    Whoosh's FieldWriter.add_postings makes about a dozen Python calls per posting (checks,
    the posting's field length through several calls, add, add_posting's asserts and
    statistics): a fifth of the CPU of indexing a message. Here the sorted postings are
    grouped by field and term in C (groupby), and each term's go into their blocks as lists
    (MailPostingsWriter.add_term): the same blocks, byte for byte
    (tests/unit/test_codec.py compares the segment files both ways).
    """

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._tindex.buckets = [HashBucket() for _ in self._tindex.buckets]

    def add_postings(self, schema: Any, lengths: Any, items: Any) -> None:
        field_lengths = _Lengths(lengths) if lengths else None
        last_field = None
        for fieldname, postings in groupby(items, itemgetter(0)):
            if last_field is not None and fieldname <= last_field:
                raise OutOfOrderError(f"Field {last_field!r} .. {fieldname!r}")
            last_field = fieldname
            self.start_field(fieldname, schema[fieldname])
            lengths_of = field_lengths.of(fieldname) if field_lengths else None
            last_text = None
            for btext, term_postings in groupby(postings, itemgetter(1)):
                if last_text is not None and btext < last_text:
                    raise OutOfOrderError(f"Term {fieldname}:{last_text!r} .. {btext!r}")
                last_text = btext
                rows = list(term_postings)
                if rows[0][2] == -1:  # Whoosh's spelling words, not postings: skipped as it does
                    rows = [row for row in rows if row[2] != -1]
                    if not rows:
                        continue
                self.start_term(btext)
                self._postwriter.add_term(
                    list(map(itemgetter(2), rows)),
                    list(map(itemgetter(3), rows)),
                    list(map(itemgetter(4), rows)),
                    lengths_of,
                )
                self.finish_term()
            self.finish_field()


class HashBucket:
    """One of the 256 buckets of the term table's hash, in two arrays instead of a list.

    Whoosh's HashWriter keeps each term's hash and file position in a tuple until the
    segment is closed: about 124 bytes per term. A segment of 50,000 messages has half a
    million terms, so the writer grew by some 60 MB as it wrote them (docs/PERFORMANCE.md);
    here a term costs 12 bytes. HashWriter only appends pairs, counts them and iterates
    over them in order, so the table comes out byte for byte the same
    (tests/unit/test_library_internals.py checks that).
    """

    __slots__ = ("_hashes", "_positions")

    def __init__(self) -> None:
        self._hashes = array("I")  # 32-bit hashes (Whoosh's md5_hash masks them so)
        self._positions = array("q")

    def append(self, pair: tuple[int, int]) -> None:
        self._hashes.append(pair[0])
        self._positions.append(pair[1])

    def __len__(self) -> int:
        return len(self._hashes)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self._hashes, self._positions, strict=True)


class _Lengths:
    """A per-document reader's field lengths, each field's read into a list on first use."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._fields: dict[str, list[int] | None] = {}

    def of(self, fieldname: str) -> list[int] | None:
        """Return the lengths of *fieldname* in every document, by document number.

        None for a field whose lengths the segment does not keep (every length 0). A
        segment's column is read in one piece (column_values): asking Whoosh document by
        document cost several calls each, and for a field without lengths a check of the
        disk each, about 3 % of a writer process's CPU.
        """
        if fieldname not in self._fields:
            self._fields[fieldname] = self._read(fieldname)
        return self._fields[fieldname]

    def _read(self, fieldname: str) -> list[int] | None:
        reader = self._reader
        if not isinstance(reader, W3PerDocReader):  # Whoosh's merged readers: its own way
            length = reader.doc_field_length
            return [length(d, fieldname) or 0 for d in range(reader.doc_count_all())]
        column = reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return None
        return list(map(byte_to_length, column_values(column)))


def column_values(reader: Any) -> list[int]:
    """Return every value of a numeric column, by document number: a segment in one read.

    Whoosh reads a column a document at a time (a call, a slice and an unpack each): 100,000
    dates took a fifth of a second, which a fresh process, as every command-line search is,
    pays each time. A numeric column is fixed-width big-endian values, followed by nothing
    for the last documents that have the default; other readers go Whoosh's own way.
    (tests/unit/test_library_internals.py checks the attributes read here.)
    """
    parts = reader._readers if isinstance(reader, MultiColumnReader) else [reader]
    if any(type(part) is not NumericColumn.Reader for part in parts):
        return list(reader)
    values: list[int] = []
    for part in parts:
        stored = array(
            part._typecode, part._dbfile.get(part._basepos, part._count * part._fixedlen)
        )
        if sys.byteorder == "little":
            stored.byteswap()
        values += stored
        values += [part._default] * (part._doccount - part._count)
    return values


class MailPostingsWriter(W3PostingsWriter):
    """Writes a block as: length, info, ids part length, ids part, weights and values.

    The info tuple is W3's, so skipping by block statistics works unchanged.
    """

    def add_term(
        self,
        ids: list[int],
        weights: list[float],
        values: list[bytes | None],
        lengths: list[int] | None,
    ) -> None:
        """Add a term's postings, in document order: what add_posting does for each.

        Every block but the last is written; the last stays for finish_postings, as W3's
        add_posting leaves it. The block's statistics are W3's: the largest weight if above
        0 (else the integer 0), the shortest and longest non-zero field length.
        """
        limit = self._blocklimit
        for start in range(0, len(ids), limit):
            if start:
                self._write_block()
            block_ids = ids[start : start + limit]
            block_weights = weights[start : start + limit]
            self._ids = array("I", block_ids)
            self._weights = array("f", block_weights)
            self._values = list(filter(None, values[start : start + limit]))
            top = max(block_weights)
            self._maxweight = top if top > 0 else 0
            if lengths is not None:
                nonzero = list(filter(None, map(lengths.__getitem__, block_ids)))
                if nonzero:
                    self._minlength = min(nonzero)
                    self._maxlength = max(nonzero)

    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        comp = self._compression
        idbytes = zlib.compress(_array_bytes(_deltas(ids)), comp)
        rest = dumps((self._mini_weights(), self._block_values()), 2)
        if len(rest) < COMPRESS_FROM:  # the block says so: readers decompress by its flag
            comp = 0
        if comp:
            rest = zlib.compress(rest, comp)
        info = (
            len(ids),
            ids[-1],
            self._maxweight,
            comp,
            length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
        )
        infobytes = dumps(info, 2)
        length = len(infobytes) + _INT_SIZE + len(idbytes) + len(rest)
        head = pack_int(-length if last else length)  # what write_int and write_uint write
        self._postfile.write(b"".join((head, infobytes, pack_uint(len(idbytes)), idbytes, rest)))
        self._blockcount += 1
        self._new_block()

    def _block_values(self) -> Any:
        """Return the block's values: W3's form, or for positions, arrays.

        Positions become the number per posting, and every posting's deltas joined into
        one array of the narrowest type that holds them (B, H or I): a phrase search
        decodes a block in one call and then only the postings it needs.
        """
        if not isinstance(self._format, ArrayPositions):
            return self._mini_values()
        values = self._values
        deltas = _bytes_array(b"".join(values))
        widest = max(deltas, default=0)
        code = "B" if widest < 1 << 8 else "H" if widest < 1 << 16 else "I"
        return _array_bytes([len(v) >> 2 for v in values]), code, _array_bytes(deltas, code)


class MailLeafMatcher(W3LeafMatcher):
    """Reads MailPostingsWriter's blocks: ids without decoding weights and positions."""

    def _ids_length(self) -> int:
        return self._postfile.get_uint(self._dataoffset)  # type: ignore[no-any-return]

    def _block_ids(self) -> Iterator[int]:
        start = self._dataoffset + _INT_SIZE
        data = zlib.decompress(self._postfile.get(start, self._ids_length()))
        return accumulate(_bytes_array(data))

    def _read_ids(self) -> None:
        self._ids = list(self._block_ids())

    def _read_data(self) -> None:
        start = self._dataoffset + _INT_SIZE + self._ids_length()
        data = self._postfile.get(start, self._nextoffset - start)
        if self._compression:
            data = zlib.decompress(data)
        weights, values = loads(data)
        self._data = (None, weights, values)

    def remaining_ids(self) -> Iterator[int]:
        """Return the document numbers from here to the end; reading them consumes the matcher.

        A block at a time in C, where Whoosh's ``all_ids()`` makes several Python calls
        per posting.
        """
        return chain.from_iterable(self._remaining_blocks())

    def _remaining_blocks(self) -> Iterator[Iterable[int]]:
        while self.is_active():
            if self._i or self._ids is not None:  # a block partly read, or its ids decoded
                if self._ids is None:
                    self._read_ids()
                yield self._ids[self._i :]
            else:
                yield self._block_ids()
            self._next_block()

    def _read_values(self) -> None:
        if not isinstance(self.format, ArrayPositions):
            super()._read_values()
            return
        counts, deltas = self._block_positions()
        starts = list(accumulate(counts, initial=0))
        self._values = [_array_bytes(deltas[starts[i] : starts[i + 1]]) for i in range(len(counts))]

    def _block_positions(self) -> tuple[array[int], array[int]]:
        """Return the block's number of positions per posting, and their deltas joined."""
        if self._data is None:
            self._read_data()
        counts, code, deltas = self._data[2]
        return _bytes_array(counts), _bytes_array(deltas, code)

    def remaining_positions(
        self, wanted: set[int]
    ) -> Iterator[tuple[list[int], array[int], array[int]]]:
        """Yield (ids, counts, deltas) per block holding any of *wanted*; from a fresh matcher.

        Blocks with none of them are skipped without decoding their positions.
        """
        while self.is_active():
            if self._ids is None:
                self._read_ids()
            if not wanted.isdisjoint(self._ids):
                yield (self._ids, *self._block_positions())
            self._next_block()

    def remaining_weights(self) -> Iterator[tuple[list[int], Any]]:
        """Yield (ids, weights) per block, from a fresh matcher; weights in W3's forms:
        None (all 1.0), one float for every posting, or one per posting."""
        while self.is_active():
            if self._ids is None:
                self._read_ids()
            if self._data is None:
                self._read_data()
            yield self._ids, self._data[1]
            self._next_block()
