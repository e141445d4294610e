"""The quick FETCH reader gives imapclient's answer exactly, or leaves the response to it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imapclient.datetime_util import parse_to_datetime
from imapclient.response_parser import parse_fetch_response

from archiver.core.fetch_response import internaldate, parse_fetch

DATE = b'"07-Dec-2024 10:00:00 +0100"'
BODY = b"From: a@example.org\r\nSubject: x\r\n\r\nheya\r\n"  # 41 bytes


def imapclient_answer(data, uid_is_key=True):
    return parse_fetch_response(data, False, uid_is_key)


def same_answer(data, uid_is_key=True):
    """Assert that the quick reader read *data* and agrees with imapclient, zones included."""
    ours = parse_fetch(data, uid_is_key)
    theirs = imapclient_answer(data, uid_is_key)
    assert ours is not None, data
    assert ours == theirs
    for key, fields in theirs.items():
        assert list(ours[key]) == list(fields)  # the same keys, in the same order
        if b"INTERNALDATE" in fields:
            assert ours[key][b"INTERNALDATE"].utcoffset() == fields[b"INTERNALDATE"].utcoffset()
    return ours


@pytest.mark.parametrize(
    "data",
    [
        # The metadata of a plan: one line per message.
        [b"1 (UID 7 RFC822.SIZE 123 FLAGS (\\Seen $Forwarded) INTERNALDATE " + DATE + b")"],
        [b"1 (UID 7 FLAGS () RFC822.SIZE 0 INTERNALDATE " + DATE + b")"],
        [
            b"3 (UID 10 RFC822.SIZE 5 FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Recent "
            b'NonJunk $label1 Junk $MDNSent a.b-c_d+e&f!g#h~i:j/k=l@m) INTERNALDATE " 2-Jan-1999 '
            b'23:59:59 -0830")',
            b'4 (UID 11 RFC822.SIZE 6 FLAGS (\\Seen) INTERNALDATE "31-Dec-2030 00:00:00 +0000")',
        ],
        # A body: the text up to the literal with the literal, then the rest of the line.
        [(b"1 (UID 7 RFC822.SIZE 41 FLAGS () INTERNALDATE " + DATE + b" BODY[] {41}", BODY), b")"],
        # The body first, the other attributes after it.
        [(b"2 (UID 8 BODY[] {41}", BODY), b" RFC822.SIZE 41 INTERNALDATE " + DATE + b")"],
        # A piece of a large message, and an empty literal.
        [(b"5 (UID 9 RFC822.SIZE 41 BODY[]<4096> {41}", BODY), b")"],
        [(b"5 (UID 9 BODY[] {0}", b""), b")"],
        # Two literals in one response.
        [(b"6 (UID 9 BODY[] {41}", BODY), (b" BODY[]<0> {5}", b"hello"), b")"],
        # An unsolicited FETCH without UID (keyed by its number), and one merged into another.
        [b"9 (FLAGS (\\Seen))"],
        [b"1 (UID 7 RFC822.SIZE 3)", b"1 (UID 7 FLAGS (\\Seen))"],
        # Nothing came.
        [],
    ],
)
def test_the_plain_shapes_are_read_as_imapclient_reads_them(data):
    same_answer(data)
    same_answer(data, uid_is_key=False)


@pytest.mark.parametrize(
    "data",
    [
        [None],  # imaplib's "no FETCH response"
        [b"1 (UID 7 BODY[] NIL)"],  # expunged meanwhile
        [b"1 (UID 7 FLAGS (\\Seen NIL))"],  # imapclient: None
        [b"1 (UID 7 FLAGS (\\Seen 42))"],  # imapclient: an int
        [b"1 (UID 7 FLAGS (\\Seen 042))"],
        [b"1 (UID 7 FLAGS (\\Seen a*b))"],
        [b"1 (UID 7 FLAGS (\\Seen a,b))"],
        [b"1 (UID 7 FLAGS (\\Seen  $x))"],
        [b"1 (UID 7 FLAGS (\\Seen (nested)))"],
        [b"1 (UID 7 FLAGS (caf\xc3\xa9))"],
        [b'1 (UID 7 INTERNALDATE "07-Dec-2024 10:00:00 \\"+0100")'],
        [b"1 (UID 7 RFC822.SIZE 0123)"],  # imapclient: b"0123"
        [b"01 (UID 7 RFC822.SIZE 3)"],
        [b"1 (uid 7 RFC822.SIZE 3)"],
        [b"1 (UID 7 ENVELOPE NIL)"],
        [b"1 (UID 7 MODSEQ (12))"],
        [(b"1 (UID 7 BODY[HEADER.FIELDS (MESSAGE-ID)] {5}", b"hello"), b")"],
        [b"1 (UID 7  RFC822.SIZE 3)"],
        [b"1 (UID 7 RFC822.SIZE 3) "],
        [b"1 (UID 7 RFC822.SIZE 3"],
        [b"1 (UID 7RFC822.SIZE 3)"],
        [b"1 (UID 7 RFC822.SIZE 3)", b")"],
        [(b"1 (UID 7 BODY[] {42}", BODY), b")"],  # the literal is not the size announced
        [(b"1 (UID 7 BODY[] {41}", BODY)],  # the rest of the line is missing
        [(b"1 (UID 7 BODY[] {41}", BODY), b"2 (UID 8 RFC822.SIZE 3)"],
        [(b"1 (UID 7 RFC822.SIZE 3 {41}", BODY), b")"],
        [(b"1 (UID 7 RFC822.SIZE 3)", BODY)],
        [(b"1 (UID 7 BODY[] {41}", BODY, b"x")],
    ],
)
def test_anything_else_is_left_to_imapclient(data):
    assert parse_fetch(data, True) is None


@pytest.mark.parametrize(
    "value",
    [
        b"07-Dec-2024 10:00:00 +0100",
        b" 7-Dec-2024 10:00:00 +0100",
        b"7-Dec-2024 10:00:00 +0100",
        b"29-Feb-2024 23:59:59 -1200",
        b"01-Jan-1970 00:00:00 +0000",
        b"01-Jan-1970 00:00:00 -0000",
        b"15-Jun-2021 12:30:00 +0530",
        b"15-Jun-2021 12:30:00 +0199",
        b"15-Jun-2021 12:30:00 +2500",
        b"29-Feb-2023 10:00:00 +0100",  # no such day: None
        b"32-Jan-2024 10:00:00 +0100",
        b"00-Jan-2024 10:00:00 +0100",
        b"07-Dec-2024 24:00:00 +0100",
        b"07-Dec-2024 10:60:00 +0100",
        b"07-Dec-2024 10:00:60 +0100",
        b"07-DEC-2024 10:00:00 +0100",
        b"07-Foo-2024 10:00:00 +0100",
        b"07-Dec-0099 10:00:00 +0100",
        b"07-Dec-99 10:00:00 +0100",
        b"Sat, 07 Dec 2024 10:00:00 +0100",
        b"07-Dec-2024 10:00:00",
        b"07-Dec-2024 10.00.00 +0100",
        b"",
        b"nonsense",
    ],
)
def test_dates_are_read_as_imapclient_reads_them(value):
    assert_same_date(value)


def assert_same_date(value: bytes) -> None:
    try:
        expected = parse_to_datetime(value, normalise=False)
    except ValueError:
        expected = None
    got = internaldate(value)
    if expected is None:
        assert got is None
        return
    assert got is not None
    # Field by field: comparing a time whose zone is 24 hours or more raises, whoever made it.
    assert got.replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert (got.tzinfo is None) == (expected.tzinfo is None)
    if expected.tzinfo is not None:
        assert got.tzname() == expected.tzname()
        assert got.tzinfo.utcoffset(None) == expected.tzinfo.utcoffset(None)


@settings(max_examples=300, deadline=None)
@given(
    day=st.integers(0, 32),
    month=st.sampled_from(["Jan", "Feb", "Jun", "Sep", "Dec", "Xyz", "dec"]),
    year=st.integers(1, 9999),
    hour=st.integers(0, 25),
    minute=st.integers(0, 61),
    second=st.integers(0, 61),
    sign=st.sampled_from("+-"),
    zone=st.integers(0, 9999),
    pad=st.sampled_from(["%02d", "%2d", "%d"]),
)
def test_any_date_is_read_as_imapclient_reads_it(
    day, month, year, hour, minute, second, sign, zone, pad
):
    text = f"{pad % day}-{month}-{year:04d} {hour:02d}:{minute:02d}:{second:02d} {sign}{zone:04d}"
    assert_same_date(text.encode())


# Characters a server might put in a flag; most are outside what the quick reader takes.
FLAG_CHARS = "aZ09$\\_.-+&!#~:/=@*%,;<>?[]^`|'{}\"() \xe9N"


@st.composite
def responses(draw):
    """Build imaplib-shaped FETCH responses, plain and odd, with literals now and then."""
    data = []
    for number in range(1, draw(st.integers(1, 4)) + 1):
        parts = []
        if draw(st.booleans()):
            parts.append(b"UID %d" % draw(st.integers(0, 2**32)))
        if draw(st.booleans()):
            parts.append(b"RFC822.SIZE " + draw(st.sampled_from([b"0", b"17", b"0123", b"NIL"])))
        if draw(st.booleans()):
            flags = draw(st.lists(st.text(FLAG_CHARS, min_size=1, max_size=6), max_size=4))
            parts.append(b"FLAGS (" + " ".join(flags).encode("utf-8") + b")")
        if draw(st.booleans()):
            parts.append(
                b'INTERNALDATE "'
                + draw(st.sampled_from([DATE[1:-1], b"bad", b"1-Jan-2000 00:00:00 -0000"]))
                + b'"'
            )
        for _ in range(draw(st.integers(0, 2))):
            body = draw(st.binary(max_size=20))
            size = len(body) + draw(st.sampled_from([0, 0, 0, 1]))
            key = draw(st.sampled_from([b"BODY[]", b"BODY[]<0>", b"BODY[TEXT]"]))
            parts.insert(draw(st.integers(0, len(parts))), (key, size, body))
        # As imaplib stores it: the text up to each literal with the literal, then the rest.
        text = b"%d (" % number
        for index, part in enumerate(parts):
            text += b" " if index else b""
            if isinstance(part, tuple):
                key, size, body = part
                data.append((text + b"%s {%d}" % (key, size), body))
                text = b""
            else:
                text += part
        data.append(text + b")")
    return data


@settings(max_examples=500, deadline=None)
@given(data=responses(), uid_is_key=st.booleans())
def test_any_response_is_read_as_imapclient_reads_it_or_left_to_it(data, uid_is_key):
    ours = parse_fetch(data, uid_is_key)
    if ours is None:
        return
    try:
        theirs = imapclient_answer(data, uid_is_key)
    except Exception as exc:  # imapclient refuses it: the quick reader must not accept it
        pytest.fail(f"read what imapclient refuses ({exc!r}): {data!r}")
    assert ours == theirs
    for key, fields in theirs.items():
        assert list(ours[key]) == list(fields)


def test_the_usual_shape_is_read_quickly():
    """Not a timing: the common answers of an archive run take the quick path."""
    head = b"%d (UID %d RFC822.SIZE 41 FLAGS (\\Seen) INTERNALDATE %s BODY[] {41}"
    data = [(head % (n, n, DATE), BODY) for n in range(1, 201)]
    lines = [item for pair in data for item in (pair, b")")]
    ours = same_answer(lines)
    assert len(ours) == 200
    assert ours[5][b"INTERNALDATE"] == dt.datetime(2024, 12, 7, 9, 0, tzinfo=dt.UTC)
