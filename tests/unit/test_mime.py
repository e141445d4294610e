"""mime.parse_message gives the objects email's parser gives, for every shape of mail.

The indexer parses each message with parse_message, which hands email's parser the header
lines alone (a message of one part) or a text whose long runs of base64 lines are one
placeholder line each. Whatever the index holds comes from these objects, so they are
compared here, headers, payloads, preambles and epilogues, with the parser's own.
"""

from __future__ import annotations

import base64
import email
import email.feedparser
import random
from email.message import Message
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.core.index import mime
from tests.helpers.corpus import SKIP_REASON, as_served, corpus_files
from tests.helpers.mailgen import HARD_SHAPES, ODD_SHAPES, generate_message


def shape(message: Message) -> tuple[Any, ...]:
    """Return all a parsed message holds, its parts' included, as comparable values."""
    payload = message._payload  # type: ignore[attr-defined]
    return (
        message.get_unixfrom(),
        message.items(),
        message.get_default_type(),
        message.preamble,
        message.epilogue,
        [shape(part) for part in payload] if isinstance(payload, list) else payload,
    )


def same_as_emails(data: bytes) -> bool:
    return shape(mime.parse_message(data)) == shape(email.message_from_bytes(data))


def b64_lines(size: int, seed: int = 0, width: int = 76, newline: str = "\r\n") -> str:
    """Return *size* random bytes as base64 lines of *width* characters."""
    encoded = base64.b64encode(random.Random(seed).randbytes(size)).decode()
    return newline.join(encoded[i : i + width] for i in range(0, len(encoded), width)) + newline


BIG = b64_lines(20_000)
ATTACHMENT = (
    "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
)
MIXED = 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
TEXT_PART = "--b\r\nContent-Type: text/plain\r\n\r\nHallo\r\n"

BASE64_SHAPES = {
    "attachment": MIXED + TEXT_PART + ATTACHMENT + BIG + "--b--\r\n",
    "attachment, LF": (MIXED + TEXT_PART + ATTACHMENT + BIG + "--b--\r\n").replace("\r\n", "\n"),
    "attachment, then an epilogue": MIXED + TEXT_PART + ATTACHMENT + BIG + "--b--\r\nbye\r\n",
    "attachment without end boundary": MIXED + TEXT_PART + ATTACHMENT + BIG,
    "last line without line end": MIXED + ATTACHMENT + BIG.rstrip("\r\n"),
    "base64 in the preamble": MIXED + BIG + TEXT_PART + "--b--\r\n",
    "base64 in the epilogue": MIXED + TEXT_PART + "--b--\r\n" + BIG,
    "boundary never found": MIXED + BIG + "--c\r\nX: y\r\n\r\n" + BIG,
    "no blank line after the part headers": MIXED + ATTACHMENT.rstrip("\r\n") + "\r\n" + BIG,
    "two attachments": MIXED + ATTACHMENT + BIG + ATTACHMENT + b64_lines(9000, 1) + "--b--\r\n",
    "padding inside": MIXED + ATTACHMENT + BIG + "QQ==\r\n" + BIG + "--b--\r\n",
    "uneven lines": MIXED + ATTACHMENT + b64_lines(20_000, width=57) + "--b--\r\n",
    "mixed line ends": MIXED + ATTACHMENT + BIG + b64_lines(9000, newline="\n") + "--b--\r\n",
    "a lone CR": MIXED + ATTACHMENT + BIG + "QUJD\rREVG\r\n" + BIG + "--b--\r\n",
    "an empty line inside": MIXED + ATTACHMENT + BIG + "\r\n" + BIG + "--b--\r\n",
    "a NUL byte": MIXED + TEXT_PART + "\0\r\n" + ATTACHMENT + BIG + "--b--\r\n",
    "a mail inside": MIXED
    + "--b\r\nContent-Type: message/rfc822\r\n\r\n"
    + MIXED.replace('"b"', '"c"')
    + ATTACHMENT.replace("--b", "--c")
    + BIG
    + "--c--\r\n--b--\r\n",
    "nested multipart": MIXED
    + '--b\r\nContent-Type: multipart/alternative; boundary="c"\r\n\r\n'
    + ATTACHMENT.replace("--b", "--c")
    + BIG
    + "--c--\r\n"
    + ATTACHMENT
    + BIG
    + "--b--\r\n",
    "digest": MIXED.replace("mixed", "digest") + "--b\r\n\r\n" + BIG + "--b--\r\n",
    "delivery status": "Content-Type: message/delivery-status\r\n\r\nX: y\r\n\r\n" + BIG,
    "one part in base64": "Content-Transfer-Encoding: base64\r\n\r\n" + BIG,
}


def messages() -> list[tuple[str, bytes]]:
    shapes = [(f"shape {name}", make(3)) for name, make in HARD_SHAPES.items()]
    generated = [(f"mailgen {seed}", generate_message(seed)) for seed in range(10)]
    attached = [
        (f"mailgen with PDF {size}", generate_message(7, attachment_size=size))
        for size in (5000, 60_000)
    ]
    base64_shapes = [(f"base64 {name}", text.encode()) for name, text in BASE64_SHAPES.items()]
    return [*ODD_SHAPES.items(), *shapes, *generated, *attached, *base64_shapes]


@pytest.mark.parametrize(("name", "data"), messages(), ids=[n for n, _ in messages()])
def test_parse_message_is_emails_parser(name, data):
    assert same_as_emails(data)


@pytest.mark.skipif(not corpus_files(), reason=SKIP_REASON)
def test_parse_message_is_emails_parser_on_the_corpus():
    differ = [
        path.name
        for path in corpus_files()
        for data in (path.read_bytes(), as_served(path.read_bytes()))
        if not same_as_emails(data)
    ]
    assert differ == []


def test_an_attachment_is_not_read_line_by_line():
    """The shortcut is taken where it pays: the attachment's lines but the last are a run."""
    data = BASE64_SHAPES["attachment"].encode()
    [(start, end)] = mime._base64_runs(data)
    assert data[start:end] + BIG.splitlines(keepends=True)[-1].encode() == BIG.encode()


@pytest.mark.parametrize("name", ["a lone CR", "an empty line inside", "boundary never found"])
def test_runs_hold_base64_lines_only(name):
    data = BASE64_SHAPES[name].encode()
    for start, end in mime._base64_runs(data):
        assert mime._is_base64_lines(data[start:end])
        assert data[start - 1 : start] == b"\n"


def test_the_header_patterns_are_emails_own():
    # mime.one_part splits headers from the body as email.feedparser does; if the parser's
    # rule changes, its copies must change with it.
    assert mime.HEADER_LINE.pattern == email.feedparser.headerRE.pattern
    assert mime.NEWLINE.pattern == email.feedparser.NLCRE.pattern


LINES = st.sampled_from(
    [
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
        "YWJjZGVm",
        "--b",
        "--b--",
        "--c",
        "",
        " folded",
        "X: y",
        "From x",
        "Content-Type: multipart/mixed; boundary=c",
        "Content-Type: message/rfc822",
        "Content-Transfer-Encoding: base64",
        "plain text",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(LINES, st.sampled_from(["\r\n", "\n", "\r"])), max_size=40),
    st.booleans(),
)
def test_any_arrangement_of_lines_parses_alike(lines, multipart):
    """With every run taken however short, odd arrangements still parse as email's parser
    parses them (the run length is a matter of cost, not of correctness)."""
    head = MIXED if multipart else "X: y\r\n\r\n"
    data = (head + "".join(line + end for line, end in lines)).encode()
    saved = mime.RUN_MIN
    mime.RUN_MIN = 1
    try:
        assert same_as_emails(data)
    finally:
        mime.RUN_MIN = saved


@given(st.lists(st.sampled_from([b"QUJD", b"QQ==", b"\r\n", b"\n", b"\r"]), max_size=30))
def test_lines_of_one_width_are_told_as_pair_by_pair(pieces):
    """The quick test of base64 lines (every line as wide as the first) is the plain one."""
    chunk = b"".join(pieces)
    plain = chunk[:1] != b"" and mime._is_base64_lines_slowly(chunk)
    assert mime._is_base64_lines(chunk) == plain
