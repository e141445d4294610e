"""Tests for the message generator the rest of the suite relies on when the corpus is absent."""

from __future__ import annotations

import email
import email.policy
import html
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parsedate_to_datetime, parsedate_tz

import pytest

from tests.helpers.mailgen import HARD_SHAPES, big_message, generate_mailbox, generate_message

REQUIRED_SHAPES = {
    "plain_ascii",
    "latin1_8bit_headers",
    "utf8_8bit_headers",
    "rfc2047_headers",
    "unknown_charset",
    "broken_boundary",
    "deep_nesting",
    "long_lines",
    "html_only",
    "attachment_pdf",
    "no_headers_body_only_content_type",
    "missing_message_id",
    "duplicate_headers",
    "empty_body",
    "mbox_from_line_in_body",
    "trailing_no_newline",
    "binary_8bit_body",
    "nul_byte",
    "very_long_header",
    "cyrillic_koi8r_body",
}
MAX_LINE = 998  # RFC 5322 section 2.1.1


def shape(name: str, seed: int = 0) -> bytes:
    return HARD_SHAPES[name](seed)


def parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw)


def split(raw: bytes) -> tuple[bytes, bytes]:
    """Return the header block and the body of a raw message."""
    head, _, body = raw.partition(b"\r\n\r\n")
    return head, body


def decoded(value: str) -> str:
    return str(make_header(decode_header(value)))


def has_bare_cr_or_lf(raw: bytes) -> bool:
    rest = raw.replace(b"\r\n", b"")
    return b"\r" in rest or b"\n" in rest


def test_all_required_shapes_exist() -> None:
    assert HARD_SHAPES.keys() >= REQUIRED_SHAPES


@pytest.mark.parametrize("name", sorted(HARD_SHAPES))
def test_shape_is_deterministic_bytes(name: str) -> None:
    first = shape(name, 7)
    assert isinstance(first, bytes)
    assert first
    assert shape(name, 7) == first
    assert shape(name, 8) != first


@pytest.mark.parametrize("name", sorted(HARD_SHAPES))
def test_shape_has_crlf_only_and_a_header_body_separator(name: str) -> None:
    raw = shape(name)
    assert not has_bare_cr_or_lf(raw)
    assert b"\r\n\r\n" in raw


# The shapes whose MIME structure is meant to be broken; the stdlib notes it as defects.
BROKEN_MIME = {"broken_boundary", "boundary_never_appears"}


@pytest.mark.parametrize("name", sorted(HARD_SHAPES))
def test_shape_parses_with_the_stdlib(name: str) -> None:
    raw = shape(name)
    head, _ = split(raw)
    fields = [line for line in head.split(b"\r\n") if line[:1] not in (b" ", b"\t")]
    message = parse(raw)
    # Every header line is a header to the parser: none fell into the body, none was lost.
    assert len(message.items()) == len(fields)
    defects = [d for part in message.walk() for d in part.defects]
    assert bool(defects) is (name in BROKEN_MIME), defects
    leaves = [part for part in message.walk() if not part.is_multipart()]
    payloads = [part.get_payload(decode=True) for part in leaves]
    assert all(isinstance(payload, bytes) for payload in payloads)
    assert all(payloads) is (name != "empty_body")
    modern = email.message_from_bytes(raw, policy=email.policy.default)
    assert len([str(value) for _, value in modern.items()]) == len(fields)


@pytest.mark.parametrize("name", sorted(set(HARD_SHAPES) - {"long_lines"}))
def test_only_long_lines_breaks_the_line_limit(name: str) -> None:
    assert max(map(len, shape(name).split(b"\r\n"))) <= MAX_LINE


@pytest.mark.parametrize("name", sorted(set(HARD_SHAPES) - {"nul_byte"}))
def test_only_nul_byte_has_a_nul(name: str) -> None:
    assert b"\x00" not in shape(name)


def test_latin1_headers_are_raw_and_undeclared() -> None:
    head, _ = split(shape("latin1_8bit_headers"))
    assert "Jürgen Größmann".encode("latin-1") in head
    assert b"=?" not in head
    with pytest.raises(UnicodeDecodeError):
        head.decode("utf-8")


def test_utf8_headers_are_raw() -> None:
    head, _ = split(shape("utf8_8bit_headers"))
    assert "Pfändungsbeschluss".encode() in head
    assert "Straße".encode() in head
    assert b"=?" not in head
    head.decode("utf-8")


def test_rfc2047_headers_mix_encodings_and_charsets() -> None:
    raw = shape("rfc2047_headers")
    head, _ = split(raw)
    for marker in (b"?Q?", b"?B?", b"?q?", b"=?windows-1252?", b"=?koi8-r?", b"=?utf-8?"):
        assert marker in head
    message = parse(raw)
    subject = decoded(message["Subject"])
    assert "März" in subject
    assert "€" in subject
    assert "Счёт" in subject
    assert "Jürgen Weiß" in decoded(message["From"])
    assert "Sören Köhler" in decoded(message["To"])


def test_unknown_charset_is_declared() -> None:
    message = parse(shape("unknown_charset"))
    assert message.get_content_charset() == "x-unknown-fake"
    assert b"=?x-unknown-fake?" in split(shape("unknown_charset"))[0]


def test_broken_boundary_never_closes() -> None:
    raw = shape("broken_boundary")
    message = parse(raw)
    boundary = message.get_boundary()
    assert boundary is not None
    assert f"--{boundary}\r\n".encode() in raw
    assert f"--{boundary}--".encode() not in raw
    inner = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
    inner_boundary = inner.get_boundary()
    assert inner_boundary is not None
    assert raw.count(inner_boundary.encode()) == 1  # only in its own Content-Type
    defects = {type(d).__name__ for part in message.walk() for d in part.defects}
    assert "CloseBoundaryNotFoundDefect" in defects


def test_boundary_never_appears() -> None:
    raw = shape("boundary_never_appears")
    message = parse(raw)
    boundary = message.get_boundary()
    assert boundary is not None
    assert raw.count(boundary.encode()) == 1
    assert "StartBoundaryNotFoundDefect" in {type(d).__name__ for d in message.defects}


def test_deep_nesting_is_at_least_40_levels() -> None:
    part = parse(shape("deep_nesting"))
    depth = 0
    while part.is_multipart():
        part = part.get_payload(0)
        depth += 1
    assert depth >= 40
    assert part.get_content_type() == "text/plain"


def test_long_lines_exceed_the_limit() -> None:
    lines = shape("long_lines").split(b"\r\n")
    assert max(map(len, lines)) >= 5_000
    assert sum(len(line) > MAX_LINE for line in lines) >= 2


def test_html_only_is_one_html_part_with_entities() -> None:
    message = parse(shape("html_only"))
    assert not message.is_multipart()
    assert message.get_content_type() == "text/html"
    body = message.get_payload(decode=True)
    assert b"&uuml;" in body
    assert "Müller" in html.unescape(body.decode("ascii"))


def test_attachment_pdf_has_rfc2231_umlaut_filename() -> None:
    raw = shape("attachment_pdf")
    assert b"filename*=utf-8''" in raw
    message = parse(raw)
    attachment = next(p for p in message.walk() if p.get_content_type() == "application/pdf")
    filename = attachment.get_filename()
    assert filename is not None
    assert filename.startswith("Pfändungsbeschluss Müller ")
    assert filename.endswith(".pdf")
    assert attachment.get_payload(decode=True).startswith(b"%PDF-")


def test_body_only_content_type_has_nothing_else() -> None:
    message = parse(shape("no_headers_body_only_content_type"))
    assert message.keys() == ["Content-Type"]
    assert message.get_payload()


@pytest.mark.parametrize(
    ("name", "header"), [("missing_message_id", "Message-ID"), ("missing_date", "Date")]
)
def test_missing_header(name: str, header: str) -> None:
    message = parse(shape(name))
    assert header not in message
    assert "From" in message


def test_unparsable_date() -> None:
    message = parse(shape("unparsable_date"))
    assert parsedate_tz(message["Date"]) is None


def test_duplicate_headers() -> None:
    message = parse(shape("duplicate_headers"))
    for header in ("Subject", "To", "Message-ID"):
        values = message.get_all(header)
        assert values is not None
        assert len(values) == 2
        assert values[0] != values[1]


def test_empty_body_ends_after_the_separator() -> None:
    raw = shape("empty_body")
    assert raw.endswith(b"\r\n\r\n")
    assert raw.count(b"\r\n\r\n") == 1
    assert parse(raw).get_payload() == ""


def test_mbox_from_lines_in_body() -> None:
    _, body = split(shape("mbox_from_line_in_body"))
    body = b"\r\n" + body
    for prefix in (b"\r\nFrom ", b"\r\n>From ", b"\r\n>>From "):
        assert prefix in body


def test_trailing_no_newline() -> None:
    raw = shape("trailing_no_newline")
    assert not raw.endswith((b"\n", b"\r"))


def test_binary_8bit_body_has_every_high_byte() -> None:
    raw = shape("binary_8bit_body")
    _, body = split(raw)
    assert set(range(0x80, 0x100)) <= set(body)
    assert 0 not in body
    assert parse(raw)["Content-Transfer-Encoding"] == "8bit"


def test_nul_byte_in_body() -> None:
    _, body = split(shape("nul_byte"))
    assert b"\x00" in body


def test_very_long_header_is_folded_over_20kb() -> None:
    raw = shape("very_long_header")
    references = parse(raw)["References"]
    assert len(references) >= 20_000
    assert raw.count(b"\r\n <") > 100  # folded, not one huge line


def test_cyrillic_koi8r_body() -> None:
    message = parse(shape("cyrillic_koi8r_body"))
    assert message.get_content_charset() == "koi8-r"
    text = message.get_payload(decode=True).decode("koi8-r")
    assert "Здравствуйте" in text
    assert decoded(message["Subject"]).startswith("Счёт-фактура")


def test_alternative_text_html() -> None:
    message = parse(shape("alternative_text_html"))
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.get_payload()]
    assert kinds == ["text/plain", "text/html"]
    assert "Grüße" in message.get_payload(0).get_payload(decode=True).decode("utf-8")


def test_forwarded_rfc822() -> None:
    message = parse(shape("forwarded_rfc822"))
    forwarded = message.get_payload(1)
    assert forwarded.get_content_type() == "message/rfc822"
    assert forwarded.get_payload(0)["Subject"].startswith("Status report")


def test_generate_message_is_deterministic_and_unique() -> None:
    messages = [generate_message(seed) for seed in range(200)]
    assert messages == [generate_message(seed) for seed in range(200)]
    assert len(set(messages)) == 200
    ids = {parse(raw)["Message-ID"] for raw in messages}
    assert len(ids) == 200


def test_generate_message_headers() -> None:
    messages = [parse(generate_message(seed, sender_domain="firma.example")) for seed in range(50)]
    dates = [parsedate_to_datetime(message["Date"]) for message in messages]
    assert dates == sorted(dates)
    assert len(set(dates)) == 50
    for message in messages:
        assert message["From"].endswith("@firma.example>")
        assert message["Message-ID"].endswith("@firma.example>")
        assert decoded(message["Subject"])
        assert message.get_content_type() == "text/plain"


def test_generate_message_body_decodes() -> None:
    encodings = set()
    for seed in range(20):
        raw = generate_message(seed, size=5_000)
        assert not has_bare_cr_or_lf(raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        encodings.add(message["Content-Transfer-Encoding"])
        body = message.get_body(("plain",))
        assert body is not None
        assert "Tel. +49" in body.get_content()
    assert encodings == {"8bit", "quoted-printable"}


@pytest.mark.parametrize("size", [5_000, 30_000, 250_000])
def test_generate_message_size(size: int) -> None:
    for seed in range(10):
        assert abs(len(generate_message(seed, size=size)) - size) <= size * 0.05


def test_generate_message_attachment() -> None:
    raw = generate_message(3, size=40_000, attachment_size=12_345)
    assert abs(len(raw) - 40_000) <= 2_000
    assert not has_bare_cr_or_lf(raw)
    message = parse(raw)
    assert message.get_content_type() == "multipart/mixed"
    attachment = message.get_payload(1)
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename()
    data = attachment.get_payload(decode=True)
    assert len(data) == 12_345
    assert data.startswith(b"%PDF-")


def test_generate_mailbox_yields_count_unique_messages() -> None:
    messages = list(generate_mailbox(300, seed=1))
    assert len(messages) == 300
    assert len(set(messages)) == 300
    assert messages == list(generate_mailbox(300, seed=1))
    assert not set(messages) & set(generate_mailbox(300, seed=2))
    mean = sum(map(len, messages)) / len(messages)
    assert 25_000 < mean < 35_000


def test_generate_mailbox_big_every() -> None:
    plain = list(generate_mailbox(10, seed=4))
    mixed = list(generate_mailbox(10, seed=4, big_every=5, big_size=(20_000, 30_000)))
    for index, raw in enumerate(mixed):
        message = parse(raw)
        if index in (4, 9):
            data = message.get_payload(1).get_payload(decode=True)
            assert 20_000 <= len(data) <= 30_000
        else:
            assert not message.is_multipart()
            assert raw == plain[index]  # big messages leave the others alone


@pytest.mark.parametrize("size", [10_000, 1_000_000, 8_000_000])
def test_big_message_size(size: int) -> None:
    raw = big_message(size, seed=size)
    assert abs(len(raw) - size) <= size * 0.05
    assert raw == big_message(size, seed=size)
    assert not has_bare_cr_or_lf(raw)
    assert parse(raw).get_payload(1).get_payload(decode=True).startswith(b"%PDF-")


def test_big_message_below_its_text_still_has_an_attachment() -> None:
    assert len(parse(big_message(100)).get_payload(1).get_payload(decode=True)) == 1


def test_many_messages_generate_quickly() -> None:
    total = sum(len(generate_message(seed, size=30_000)) for seed in range(2_000))
    assert abs(total / 2_000 - 30_000) < 1_500
