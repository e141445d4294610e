"""Deterministic raw RFC 5322 messages for tests and benchmarks, stdlib only.

The real-world corpus (``../shared/corpus``) is absent on a fresh clone, so the test suite
must stand alone: this module produces the awkward shapes real mail has (undeclared 8-bit
headers, broken MIME, NUL bytes, 40-level nesting, ...) plus realistic German/English
business mail in any quantity and size.

Everything is emitted with CRLF line endings, because that is what an IMAP server delivers:
Dovecot turns bare LF into CRLF (and NUL into 0x80) on APPEND, and tests compare what they
fetch with what they generated. No message mixes in bare CR or LF.

The same seed gives the same bytes within one Python version. ``random`` only promises
``random()`` itself across versions, so compare generated messages with each other, never
with hashes committed to the repository.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as dt
import functools
import math
import random
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import format_datetime

# --- vocabulary -------------------------------------------------------------------------------

_FIRST_NAMES = (
    "Anna", "Jürgen", "Sören", "Maria", "Thomas", "Özlem", "Claire", "James", "Priya",
    "Lukas", "Björn", "Sophie", "Hannah", "Oliver", "Michael", "Sabine", "Käthe", "Ralf",
)  # fmt: skip
_LAST_NAMES = (
    "Müller", "Schmidt", "Weiß", "Groß", "Schäfer", "Becker", "Hoffmann", "Köhler", "Smith",
    "O'Brien", "Nguyen", "Fischer", "Wagner", "Krüger", "Zimmermann", "Brown", "Jäger",
)  # fmt: skip
_COMPANIES = (
    "Müller & Söhne GmbH", "Nordlicht Logistik AG", "Acme Corp.", "Bäckerei Kühn KG",
    "Stadtwerke Süd", "Globex Ltd.", "Kanzlei Weiß & Partner", "Initech GmbH",
)  # fmt: skip
_STREETS = (
    "Hauptstraße", "Bahnhofstraße", "Schloßallee", "Königsweg", "Gartenstraße", "Mühlenweg",
)  # fmt: skip
_CITIES = ("München", "Köln", "Düsseldorf", "Nürnberg", "Berlin", "Hamburg", "Lübeck", "Würzburg")
# Reserved names only (RFC 2606), so no test ever mails a real domain.
_DOMAINS = ("example.com", "example.net", "example.org", "firma.example", "kanzlei.example")
_MAILERS = (
    "Microsoft Outlook 16.0", "Mozilla Thunderbird 115.4.1", "Apple Mail (2.3731)",
    "Roundcube Webmail/1.6.5",
)  # fmt: skip

_SUBJECTS = (
    "Rechnung Nr. {n}",
    "Angebot {n} für {company}",
    "Re: Lieferung KW {week}",
    "AW: Termin am {day}.{month}.",
    "Quarterly report Q{quarter} {year}",
    "Invoice {n} - payment reminder",
    "Fwd: Vertragsverlängerung {year}",
    "Meeting notes: budget review {day}/{month}",
    "Kündigung zum {day}.{month}.{year}",
    "Überweisung {amount} EUR",
    "WG: Pfändungsbeschluss Az. {n}",
    "Re: Re: shipping to {street} {house}",
)
_GREETINGS = (
    "Sehr geehrte Damen und Herren,",
    "Hallo {first},",
    "Dear {first},",
    "Guten Tag Frau {last},",
    "Hi {first},",
    "Liebe Kolleginnen und Kollegen,",
)
_SENTENCES = (
    "Anbei erhalten Sie die Rechnung Nr. {n} über {amount} EUR.",
    "Bitte überweisen Sie den Betrag bis zum {day}.{month}.{year}.",
    "Please find attached the documents for order {n}.",
    "Können wir den Termin auf nächste Woche verschieben?",
    "The delivery to {street} {house} is scheduled for week {week}.",
    "Für Rückfragen stehe ich Ihnen gerne zur Verfügung.",
    "Let me know whether the figures for Q{quarter} look right to you.",
    "Die Unterlagen zur Prüfung liegen im Anhang.",
    "Wir bestätigen den Eingang Ihrer Bestellung vom {day}.{month}.{year}.",
    "Our auditors asked for the signed contract before the end of the month.",
)
_CLOSINGS = (
    "Mit freundlichen Grüßen",
    "Viele Grüße",
    "Best regards",
    "Beste Grüße",
    "Kind regards",
)
_ATTACHMENT_NAMES = (
    "Rechnung_{n}.pdf",
    "Angebot {company}.pdf",
    "Übersicht_Q{quarter}_{year}.pdf",
    "scan_{n}.pdf",
    "Lieferschein {n}.pdf",
)
# Words for padding bodies to a requested size; umlauts included so that quoted-printable
# bodies really carry escapes and a search index has to decode them.
_WORDS = (
    "Angebot", "Rechnung", "Lieferung", "Bestellung", "Überweisung", "Kündigung", "Vertrag",
    "Zahlungsfrist", "Mahnung", "Gebühren", "Prüfung", "Rückfrage", "Unterlagen", "Termin",
    "Abstimmung", "Gesellschafter", "Jahresabschluss", "Übergabe", "Änderung", "Straße",
    "und", "der", "die", "das", "für", "mit", "über", "nach", "wegen", "bitte", "gemäß",
    "schnell", "möglich", "künftig", "zuständig", "vollständig", "geprüft", "erhöht",
    "invoice", "delivery", "meeting", "quarterly", "report", "budget", "schedule", "deadline",
    "contract", "approval", "the", "and", "for", "with", "please", "review", "shipment",
    "customer", "supplier", "update", "forecast", "revenue", "agenda", "minutes", "draft",
)  # fmt: skip

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe",
                                  "Ü": "Ue", "ß": "ss", "'": ""})  # fmt: skip

# --- dates, addresses, headers ----------------------------------------------------------------

_EPOCH = dt.datetime(2010, 1, 4, 8, 0, tzinfo=dt.UTC)
_DATE_SPAN_SECONDS = 15 * 365 * 86_400
_SEED_SPACING_SECONDS = 3_607  # a little over an hour: consecutive seeds never share a date
_TIMEZONES = (
    dt.timezone(dt.timedelta(hours=1)),
    dt.timezone(dt.timedelta(hours=2)),
    dt.UTC,
    dt.timezone(dt.timedelta(hours=-5)),
)


def _date(seed: int, rng: random.Random) -> str:
    """Return an RFC 5322 date that grows with the seed, so consecutive seeds read in order.

    Dates are about an hour apart and wrap around after 15 years, which keeps every seed
    (negative and huge ones too) within 2010-2024.
    """
    jitter = rng.randrange(3_600)  # less than the spacing, so dates strictly increase
    seconds = (seed * _SEED_SPACING_SECONDS + jitter) % _DATE_SPAN_SECONDS
    when = _EPOCH + dt.timedelta(seconds=seconds)
    return format_datetime(when.astimezone(rng.choice(_TIMEZONES)))


def _message_id(seed: int, rng: random.Random, domain: str) -> str:
    """Return a Message-ID that contains the seed, so distinct seeds never collide."""
    return f"<{seed}.{rng.getrandbits(40):010x}@{domain}>"


@dataclass(frozen=True, slots=True)
class _Person:
    """A correspondent; ``name`` may contain umlauts, ``address`` never does."""

    first: str
    last: str
    address: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def _person(rng: random.Random, domain: str | None = None) -> _Person:
    """Draw a correspondent, at ``domain`` or at a random reserved domain."""
    first = rng.choice(_FIRST_NAMES)
    last = rng.choice(_LAST_NAMES)
    local = f"{first}.{last}".translate(_TRANSLITERATION).lower()
    return _Person(first, last, f"{local}@{domain or rng.choice(_DOMAINS)}")


_Q_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")
_ENCODED_WORD_MAX = 75  # RFC 2047 section 2


def _encoded_words(text: str, charset: str = "utf-8", encoding: str = "Q") -> str:
    """Encode ``text`` as RFC 2047 encoded-words, folded onto continuation lines.

    Each word stays within the 75-character limit and never splits a multibyte character, so
    a strict decoder sees valid input in every word; ``encoding`` keeps the caller's case
    because real mailers write ``?q?`` as well as ``?Q?``.
    """
    prefix = f"=?{charset}?{encoding}?"
    room = _ENCODED_WORD_MAX - len(prefix) - len("?=")
    chunks: list[str] = []
    if encoding.upper() == "B":
        limit = room // 4 * 3
        raw = b""
        for char in text:
            encoded = char.encode(charset)
            if raw and len(raw) + len(encoded) > limit:
                chunks.append(base64.b64encode(raw).decode("ascii"))
                raw = b""
            raw += encoded
        chunks.append(base64.b64encode(raw).decode("ascii"))
    else:
        current = ""
        for char in text:
            token = "".join(
                "_" if byte == 0x20 else chr(byte) if byte in _Q_SAFE else f"={byte:02X}"
                for byte in char.encode(charset)
            )
            if current and len(current) + len(token) > room:
                chunks.append(current)
                current = ""
            current += token
        chunks.append(current)
    return "\r\n ".join(f"{prefix}{chunk}?=" for chunk in chunks)


def _header_text(text: str, encoding: str) -> str:
    """Return ``text`` as a header value: unchanged if ASCII, else UTF-8 encoded-words."""
    return text if text.isascii() else _encoded_words(text, "utf-8", encoding)


def _mailbox(person: _Person, encoding: str) -> str:
    """Return ``Name <address>`` with the display name encoded as a mailer would."""
    return f"{_header_text(person.name, encoding)} <{person.address}>"


def _envelope(
    seed: int,
    rng: random.Random,
    subject: bytes,
    *,
    sender: bytes | None = None,
    recipient: bytes | None = None,
    has_date: bool = True,
    has_message_id: bool = True,
) -> list[bytes]:
    """Return the usual top header lines; shapes pass raw bytes to break them on purpose."""
    if sender is None:
        sender = _mailbox(_person(rng, "example.org"), "Q").encode("ascii")
    if recipient is None:
        recipient = _mailbox(_person(rng), "Q").encode("ascii")
    lines = [b"From: " + sender, b"To: " + recipient, b"Subject: " + subject]
    if has_date:
        lines.append(b"Date: " + _date(seed, rng).encode("ascii"))
    if has_message_id:
        lines.append(b"Message-ID: " + _message_id(seed, rng, "example.org").encode("ascii"))
    lines.append(b"MIME-Version: 1.0")
    return lines


def _join(headers: list[bytes], body: bytes) -> bytes:
    """Join header lines and body with the CRLF CRLF separator."""
    return b"\r\n".join(headers) + b"\r\n\r\n" + body


def _crlf(text: str, charset: str = "utf-8") -> bytes:
    """Encode text written with ``\\n`` line ends as CRLF bytes in ``charset``."""
    return text.replace("\n", "\r\n").encode(charset)


def _qp(data: bytes) -> bytes:
    """Quoted-printable encode CRLF text; soft breaks come out as CRLF too.

    binascii picks the soft-break style from the first line ending it sees, so the input must
    contain at least one CRLF.
    """
    return binascii.b2a_qp(data)


# --- padding and attachments ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pool:
    """Pre-encoded padding text, stored twice so that any slice may wrap around the end.

    Attributes:
        blob: The encoded lines, CRLF-terminated, repeated twice.
        starts: Offsets in ``blob`` where a line starts, ending with ``len(blob)``.
        size: Length of one copy of the text.
    """

    blob: bytes
    starts: list[int]
    size: int


_POOL_LINES = 4_000
_POOL_SEED = 0x5EED


@functools.cache
def _pool(quoted_printable: bool) -> _Pool:
    """Build the padding text once; per-message word drawing would be far too slow.

    Slicing a shared pool at a seeded offset generates 10,000 messages of 30 KB in about half
    a second; drawing every word with ``random`` would take many seconds.
    """
    rng = random.Random(_POOL_SEED)
    lines: list[bytes] = []
    for index in range(_POOL_LINES):
        if index % 7 == 6:
            lines.append(b"")  # paragraph break
            continue
        sentence = " ".join(rng.choices(_WORDS, k=rng.randint(7, 10)))
        encoded = (sentence[0].upper() + sentence[1:] + ".").encode("utf-8")
        if quoted_printable:
            # A lone line has no line ending for binascii to copy, so soft breaks come out
            # as bare LF and must be fixed up to keep the message CRLF-only.
            encoded = binascii.b2a_qp(encoded).replace(b"=\n", b"=\r\n")
        lines.append(encoded)
    text = b"".join(line + b"\r\n" for line in lines)
    blob = text + text
    starts = [0]
    for line in lines + lines:
        starts.append(starts[-1] + len(line) + len(b"\r\n"))
    return _Pool(blob, starts, len(text))


def _padding(rng: random.Random, nbytes: int, quoted_printable: bool) -> bytes:
    """Return about ``nbytes`` of whole padding lines from a seeded place in the pool."""
    if nbytes <= 0:
        return b""
    pool = _pool(quoted_printable)
    start = pool.starts[rng.randrange(len(pool.starts) // 2)]
    copies, rest = divmod(nbytes, pool.size)
    end = pool.starts[bisect.bisect_left(pool.starts, start + rest)]
    return pool.blob[start : start + pool.size] * copies + pool.blob[start:end]


_B64_LINE = 76  # RFC 2045 line length for base64
_B64_RAW_PER_LINE = _B64_LINE // 4 * 3
_B64_CHUNK_LINES = 16_384  # about 0.9 MB of raw data per step: bounded temporary memory
_PDF_MAGIC = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


def _base64_size(nbytes: int) -> int:
    """Return the length of ``nbytes`` as base64 in 76-column CRLF-terminated lines."""
    full, rest = divmod(nbytes, _B64_RAW_PER_LINE)
    return full * (_B64_LINE + 2) + (math.ceil(rest / 3) * 4 + 2 if rest else 0)


def _raw_size_for(encoded: int) -> int:
    """Return the largest raw size whose base64 (as :func:`_base64_size`) fits ``encoded``."""
    full, rest = divmod(max(encoded, 0), _B64_LINE + 2)
    return full * _B64_RAW_PER_LINE + max(rest - 2, 0) // 4 * 3


def _base64_chunks(rng: random.Random, nbytes: int) -> Iterator[bytes]:
    """Yield base64 of ``nbytes`` seeded random bytes that start like a PDF file.

    Works in chunks of whole lines, so a 50 MB attachment never exists as one raw buffer,
    one encoded buffer and one line-broken buffer at the same time.
    """
    step = _B64_RAW_PER_LINE * _B64_CHUNK_LINES
    done = 0
    while done < nbytes:
        size = min(step, nbytes - done)
        head = _PDF_MAGIC[:size] if done == 0 else b""
        encoded = base64.b64encode(head + rng.randbytes(size - len(head)))
        yield b"\r\n".join([encoded[i : i + _B64_LINE] for i in range(0, len(encoded), _B64_LINE)])
        yield b"\r\n"
        done += size


def _filename_params(name: str) -> str:
    """Return Content-Disposition filename parameters, RFC 2231 style when needed."""
    if name.isascii() and " " not in name:
        return f'filename="{name}"'
    return f"filename*=utf-8''{urllib.parse.quote(name, safe='')}"


# --- realistic mail ---------------------------------------------------------------------------


def _facts(rng: random.Random) -> dict[str, object]:
    """Draw the numbers and names that subject, body and attachment name agree on."""
    return {
        "n": rng.randrange(10_000, 99_999),
        "amount": f"{rng.randrange(100, 99_999)},{rng.randrange(100):02d}",
        "company": rng.choice(_COMPANIES),
        "week": rng.randint(1, 52),
        "day": rng.randint(1, 28),
        "month": rng.randint(1, 12),
        "year": rng.randint(2010, 2025),
        "quarter": rng.randint(1, 4),
        "street": rng.choice(_STREETS),
        "house": rng.randint(1, 120),
        "city": rng.choice(_CITIES),
    }


def generate_message(
    seed: int,
    *,
    size: int | None = None,
    attachment_size: int = 0,
    sender_domain: str = "example.org",
) -> bytes:
    """Generate a realistic German/English business mail, different for every seed.

    The text body is UTF-8, sent as either 8bit or quoted-printable, with RFC 2047 encoded
    names and subjects, the way common mailers send it. Message-ID and Date derive from the
    seed, and dates grow with the seed (about an hour apart), so a run of consecutive seeds
    is a chronological mailbox.

    Args:
        seed: Selects everything about the message; equal seeds give equal bytes.
        size: Approximate total size in bytes, attachment included. The text body is padded
            with generated words up to it; a message is never cut, so a size below the
            unpadded message changes nothing.
        attachment_size: If positive, the message becomes multipart/mixed with a base64 PDF
            attachment of exactly this many decoded bytes (random after a PDF header, so it
            does not compress).
        sender_domain: Domain of the From address and of the Message-ID.

    Returns:
        The message, CRLF line endings throughout.
    """
    rng = random.Random(seed)
    facts = _facts(rng)
    sender = _person(rng, sender_domain)
    recipient = _person(rng)
    ccs = [_person(rng) for _ in range(rng.choice((0, 0, 1, 2)))]
    word_encoding = rng.choice("QB")
    quoted_printable = rng.random() < 0.5
    subject = rng.choice(_SUBJECTS).format_map(facts)
    date = _date(seed, rng)

    headers = [
        f"Received: from mail.{sender_domain} (mail.{sender_domain} "
        f"[192.0.2.{rng.randint(1, 254)}])\r\n\tby mx.example.net with ESMTPS id "
        f"{rng.getrandbits(48):012X}\r\n\tfor <{recipient.address}>; {date}",
        f"From: {_mailbox(sender, word_encoding)}",
        f"To: {_mailbox(recipient, word_encoding)}",
    ]
    if ccs:
        headers.append("Cc: " + ",\r\n ".join(_mailbox(cc, word_encoding) for cc in ccs))
    headers += [
        f"Subject: {_header_text(subject, word_encoding)}",
        f"Date: {date}",
        f"Message-ID: {_message_id(seed, rng, sender_domain)}",
        f"X-Mailer: {rng.choice(_MAILERS)}",
        "MIME-Version: 1.0",
    ]

    names = {"first": recipient.first, "last": recipient.last}
    opening = "\r\n".join(
        [
            rng.choice(_GREETINGS).format_map(names),
            "",
            *(s.format_map(facts) for s in rng.sample(_SENTENCES, rng.randint(2, 4))),
            "",
        ]
    )
    signature = (
        f"\r\n{rng.choice(_CLOSINGS)}\r\n{sender.name}\r\n\r\n-- \r\n{sender.name}\r\n"
        f"{facts['company']}\r\n{facts['street']} {facts['house']}, "
        f"{rng.randrange(10_000, 99_999)} {facts['city']}\r\n"
        f"Tel. +49 {rng.randrange(30, 999)} {rng.randrange(100_000, 9_999_999)}\r\n"
    )
    text_parts = [opening.encode("utf-8"), signature.encode("utf-8")]
    if quoted_printable:
        text_parts = [_qp(part) for part in text_parts]
    text_headers = (
        'Content-Type: text/plain; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {'quoted-printable' if quoted_printable else '8bit'}"
    )

    if attachment_size > 0:
        boundary = f"----=_Part_{seed}_{rng.getrandbits(48):012x}"
        filename = rng.choice(_ATTACHMENT_NAMES).format_map(facts)
        headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
        head = (
            "\r\n".join(headers)
            + "\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n"
            + f"--{boundary}\r\n{text_headers}\r\n\r\n"
        )
        middle = (
            f"--{boundary}\r\nContent-Type: application/pdf\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            f"Content-Disposition: attachment; {_filename_params(filename)}\r\n\r\n"
        )
        tail = f"--{boundary}--\r\n".encode("ascii")
        fixed = (
            len(head)
            + sum(map(len, text_parts))
            + len(middle)
            + _base64_size(attachment_size)
            + len(tail)
        )
    else:
        headers.append(text_headers)
        head = "\r\n".join(headers) + "\r\n\r\n"
        fixed = len(head) + sum(map(len, text_parts))

    padding = _padding(rng, size - fixed, quoted_printable) if size is not None else b""
    parts = [head.encode("ascii"), text_parts[0], padding, text_parts[1]]
    if attachment_size > 0:
        parts.append(middle.encode("ascii"))
        # The attachment is drawn last, so its size never changes anything before it.
        parts.extend(_base64_chunks(rng, attachment_size))
        parts.append(tail)
    return b"".join(parts)


def generate_mailbox(
    count: int,
    *,
    seed: int = 0,
    mean_size: int = 30_000,
    big_every: int = 0,
    big_size: tuple[int, int] = (5_000_000, 20_000_000),
) -> Iterator[bytes]:
    """Yield ``count`` distinct messages whose sizes scatter around ``mean_size``.

    Sizes follow a log-normal distribution (many small mails, a long tail of big ones) with
    the requested mean; messages smaller than the unpadded text (about 1.5 KB) come out at
    that size. Message seeds are ``(seed << 32) + index``, so two mailboxes with different
    seeds share no message.

    Args:
        count: Number of messages to yield.
        seed: Selects the mailbox; equal arguments yield equal messages.
        mean_size: Mean message size in bytes.
        big_every: If positive, every ``big_every``-th message (the last of each group)
            carries a PDF attachment.
        big_size: Inclusive range of the big attachments' decoded size in bytes; the
            message itself is about a third larger because of base64.

    Yields:
        The messages in order; dates grow with the index.
    """
    sigma = 0.8
    mu = math.log(mean_size) - sigma * sigma / 2  # mean of a log-normal is exp(mu + sigma²/2)
    sizes = random.Random(seed)
    # A separate generator for big attachments: turning big_every on or off must not change
    # the size of any other message.
    bigs = random.Random(~seed)
    for index in range(count):
        size = round(sizes.lognormvariate(mu, sigma))
        domain = sizes.choice(_DOMAINS)
        is_big = big_every > 0 and (index + 1) % big_every == 0
        attachment = bigs.randint(*big_size) if is_big else 0
        yield generate_message(
            (seed << 32) + index, size=size, attachment_size=attachment, sender_domain=domain
        )


def big_message(size: int, seed: int = 0) -> bytes:
    """Generate one message of about ``size`` bytes, nearly all of it a base64 attachment.

    The attachment is encoded chunk by chunk, so peak memory stays near two copies of the
    result (the chunks and their join) even for 50 MB and more. A ``size`` below the text
    part alone still yields a message with a one-byte attachment.
    """
    # Headers and text do not depend on the attachment size, so a one-line probe measures
    # everything around the base64 exactly.
    overhead = len(generate_message(seed, attachment_size=1)) - _base64_size(1)
    return generate_message(seed, attachment_size=max(_raw_size_for(size - overhead), 1))


# --- hard shapes ------------------------------------------------------------------------------


def _plain_ascii(seed: int) -> bytes:
    """Return the simplest valid message: US-ASCII, 7bit, single text part."""
    rng = random.Random(seed)
    headers = _envelope(seed, rng, f"Status report {rng.randrange(1000)}".encode("ascii"))
    headers += [b'Content-Type: text/plain; charset="us-ascii"', b"Content-Transfer-Encoding: 7bit"]
    body = f"Hello,\n\nthe build {rng.getrandbits(32):08x} passed.\n\nRegards,\nCI\n"
    return _join(headers, _crlf(body, "ascii"))


def _latin1_8bit_headers(seed: int) -> bytes:
    """Return raw ISO-8859-1 bytes in From, To and Subject with no charset declared anywhere.

    Old mailers did this; such headers are not valid UTF-8, so a decoder must guess.
    """
    rng = random.Random(seed)
    subject = f"Mahnung für Jürgen Größmann - Überweisung {rng.randrange(1000)} fällig"
    headers = _envelope(
        seed,
        rng,
        subject.encode("latin-1"),
        sender="Jürgen Größmann <j.groessmann@example.org>".encode("latin-1"),
        recipient="Sören Köhler <soeren.koehler@example.com>".encode("latin-1"),
    )
    headers += [b"Content-Type: text/plain", b"Content-Transfer-Encoding: 8bit"]
    body = "Sehr geehrter Herr Größmann,\n\nbitte begleichen Sie die Gebühr.\n\nGrüße\n"
    return _join(headers, _crlf(body, "latin-1"))


def _utf8_8bit_headers(seed: int) -> bytes:
    """Return raw UTF-8 in From, To and Subject, as RFC 6532 mailers and broken ones send."""
    rng = random.Random(seed)
    headers = _envelope(
        seed,
        rng,
        f"Pfändungsbeschluss Az. {rng.randrange(1, 99)} M {rng.randrange(1000)}/19".encode(),
        sender="Amtsgericht Köln <poststelle@example.org>".encode(),
        recipient='"Frau Weiß, Straße des 17. Juni 1" <weiss@example.com>'.encode(),
    )
    headers += [b'Content-Type: text/plain; charset="utf-8"', b"Content-Transfer-Encoding: 8bit"]
    body = (
        "Sehr geehrte Frau Weiß,\n\nder Pfändungsbeschluss betrifft Ihre Wohnung,\n"
        "Straße des 17. Juni 1.\n"
    )
    return _join(headers, _crlf(body))


def _rfc2047_headers(seed: int) -> bytes:
    """Return encoded-words in Q and B form, mixed charsets in one header, mixed case."""
    rng = random.Random(seed)
    n = rng.randrange(1000)
    subject = (
        "Re: "
        # The en dash and euro sign exist in windows-1252 but not in ISO-8859-1.
        + _encoded_words(f"Rechnung für März – {n} € ", "windows-1252", "Q")  # noqa: RUF001
        + "\r\n "
        + _encoded_words(f"Счёт {n}", "koi8-r", "B")
        + " (Kopie)"
    )
    headers = _envelope(
        seed,
        rng,
        subject.encode("ascii"),
        sender=f"{_encoded_words('Jürgen Weiß', 'utf-8', 'B')} <j.weiss@example.org>".encode(),
        recipient=f"{_encoded_words('Sören Köhler', 'iso-8859-1', 'q')} <sk@example.com>".encode(),
    )
    headers += [b'Content-Type: text/plain; charset="utf-8"', b"Content-Transfer-Encoding: 7bit"]
    return _join(headers, b"See subject.\r\n")


def _unknown_charset(seed: int) -> bytes:
    """Return a body and an encoded-word in a charset no codec knows."""
    rng = random.Random(seed)
    subject = f"=?x-unknown-fake?Q?Gr=FC=DFe_{rng.randrange(1000)}?="
    headers = _envelope(seed, rng, subject.encode("ascii"))
    headers += [
        b'Content-Type: text/plain; charset="x-unknown-fake"',
        b"Content-Transfer-Encoding: 8bit",
    ]
    body = b"Gr\xfc\xdfe aus \xf3\xde\xa3\xd4 und \x8e\x9f\xff.\r\n"
    return _join(headers, body)


def _broken_boundary(seed: int) -> bytes:
    """Return a multipart cut off mid-attachment: no closing boundary, and a nested
    multipart/alternative whose boundary never appears at all."""
    rng = random.Random(seed)
    tag = f"{rng.getrandbits(32):08x}"
    headers = _envelope(seed, rng, f"Unterlagen {tag}".encode("ascii"))
    headers.append(f'Content-Type: multipart/mixed; boundary="=_outer_{tag}"'.encode("ascii"))
    body = (
        "This is a multi-part message in MIME format.\n\n"
        f"--=_outer_{tag}\n"
        'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n'
        "Die Unterlagen im Anhang.\n"
        f"--=_outer_{tag}\n"
        f'Content-Type: multipart/alternative; boundary="=_inner_{tag}"\n\n'
        "Content-Type: text/html\n\n<p>Nirgends eine Grenze</p>\n"
        f"--=_outer_{tag}\n"
        'Content-Type: application/pdf; name="teil.pdf"\nContent-Transfer-Encoding: base64\n\n'
        "JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PC9UeXBlL0NhdGFsb2cvUGFnZXMgMiAwIFI+Pgpl\n"
        "bmRvYmoKMiAwIG9iago8PC9UeXBlL1BhZ2VzL0tpZHNbMyAwIFJdL0NvdW50IDE+PgplbmRv\n"
    )
    return _join(headers, _crlf(body))


def _boundary_never_appears(seed: int) -> bytes:
    """Return a multipart/mixed whose body holds no delimiter line at all."""
    rng = random.Random(seed)
    tag = f"{rng.getrandbits(32):08x}"
    headers = _envelope(seed, rng, f"Multipart ohne Teile {tag}".encode("ascii"))
    headers.append(f'Content-Type: multipart/mixed; boundary="never-{tag}"'.encode("ascii"))
    return _join(headers, b"Only text here, no MIME parts.\r\n")


_NESTING_LEVELS = 40


def _deep_nesting(seed: int) -> bytes:
    """Return 40 nested multipart/mixed levels around one text part.

    Parsers that recurse per level, or cap the depth, show it here.
    """
    rng = random.Random(seed)
    tag = f"{rng.getrandbits(32):08x}"
    inner = f"Content-Type: text/plain; charset=us-ascii\r\n\r\nInnermost part {tag}.\r\n".encode()
    for level in reversed(range(1, _NESTING_LEVELS)):
        boundary = f"nest-{level}-{tag}"
        inner = (
            f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n--{boundary}\r\n'.encode()
            + inner
            + f"--{boundary}--\r\n".encode()
        )
    headers = _envelope(seed, rng, f"Tief verschachtelt {tag}".encode("ascii"))
    headers.append(f'Content-Type: multipart/mixed; boundary="nest-0-{tag}"'.encode("ascii"))
    return _join(headers, f"--nest-0-{tag}\r\n".encode() + inner + f"--nest-0-{tag}--\r\n".encode())


_LONG_LINE = 5_000
_LONG_TOKEN = 3_000


def _long_lines(seed: int) -> bytes:
    """Return a body with a 5000-byte line of words and a 3000-byte unbroken token.

    RFC 5322 caps lines at 998 bytes, but HTML generators and pasted URLs ignore that.
    """
    rng = random.Random(seed)
    words = " ".join(rng.choices([w for w in _WORDS if w.isascii()], k=_LONG_LINE // 3))
    token = "https://example.com/track?id=" + "".join(
        rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=_LONG_TOKEN)
    )
    headers = _envelope(seed, rng, b"Newsletter")
    headers += [b'Content-Type: text/plain; charset="us-ascii"', b"Content-Transfer-Encoding: 7bit"]
    body = f"Intro.\n{words[:_LONG_LINE]}\n{token[:_LONG_TOKEN]}\nEnd.\n"
    return _join(headers, _crlf(body, "ascii"))


def _html_only(seed: int) -> bytes:
    """Return a single text/html part, quoted-printable, umlauts only as entities."""
    rng = random.Random(seed)
    n = rng.randrange(1000)
    html = (
        "<!DOCTYPE html>\n"
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=us-ascii">\n'
        "<style>p { font-family: Arial, sans-serif; margin: 0 0 1em 0; }</style></head>\n"
        "<body><p>Sehr geehrte Frau M&uuml;ller,</p>\n"
        f"<p>anbei die &Uuml;bersicht f&uuml;r Gr&ouml;&szlig;e {n} &ndash; Preis "
        "1.234,56&nbsp;&euro;, geliefert an die Stra&szlig;e am Bahnhof, Caf&eacute; &amp; Co. "
        "&lt;info@example.com&gt; &#8222;Zitat&#8220; &#x2013; Ende der langen Zeile.</p>\n"
        "<p>Mit freundlichen Gr&uuml;&szlig;en<br>Anna Schmidt</p></body></html>\n"
    )
    headers = _envelope(seed, rng, f"HTML-Newsletter {n}".encode("ascii"))
    headers += [
        b'Content-Type: text/html; charset="us-ascii"',
        b"Content-Transfer-Encoding: quoted-printable",
    ]
    return _join(headers, _qp(_crlf(html, "ascii")))


_PDF_FILENAME = "Pfändungsbeschluss Müller {n}.pdf"


def _attachment_pdf(seed: int) -> bytes:
    """Return text plus a base64 PDF whose umlaut filename is RFC 2231 (and RFC 2047) encoded.

    Content-Type carries the name as an encoded-word inside quotes, as Outlook and
    Thunderbird do; Content-Disposition carries the standard ``filename*=``.
    """
    rng = random.Random(seed)
    n = rng.randrange(1000)
    filename = _PDF_FILENAME.format(n=n)
    boundary = f"=_pdf_{rng.getrandbits(32):08x}"
    headers = _envelope(seed, rng, f"Beschluss {n}".encode("ascii"))
    headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"'.encode("ascii"))
    body = (
        f"--{boundary}\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        "Anbei der Beschluss.\r\n"
        f"--{boundary}\r\n"
        f'Content-Type: application/pdf; name="{_encoded_words(filename)}"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment;\r\n {_filename_params(filename)}\r\n\r\n"
    ).encode()
    pdf = b"".join(_base64_chunks(rng, 2_000 + rng.randrange(1_000)))
    return _join(headers, body + pdf + f"--{boundary}--\r\n".encode("ascii"))


def _no_headers_body_only_content_type(seed: int) -> bytes:
    """Return a message whose only header is Content-Type: no From, Date or Message-ID."""
    rng = random.Random(seed)
    body = f"Kein Absender, kein Datum. Notiz {rng.getrandbits(32):08x}.\r\n"
    return _join([b'Content-Type: text/plain; charset="utf-8"'], body.encode())


def _missing_message_id(seed: int) -> bytes:
    """Return an otherwise normal message without Message-ID; dedup must not rely on it."""
    rng = random.Random(seed)
    headers = _envelope(
        seed, rng, f"Ohne Message-ID {rng.randrange(1000)}".encode("ascii"), has_message_id=False
    )
    headers.append(b'Content-Type: text/plain; charset="us-ascii"')
    return _join(headers, b"No Message-ID header here.\r\n")


def _missing_date(seed: int) -> bytes:
    """Return a message without Date; only the server's INTERNALDATE tells its age."""
    rng = random.Random(seed)
    headers = _envelope(
        seed, rng, f"Ohne Datum {rng.randrange(1000)}".encode("ascii"), has_date=False
    )
    headers.append(b'Content-Type: text/plain; charset="us-ascii"')
    return _join(headers, b"No Date header here.\r\n")


def _unparsable_date(seed: int) -> bytes:
    """Return a Date header in German prose that no RFC 5322 date parser accepts."""
    rng = random.Random(seed)
    headers = _envelope(seed, rng, b"Kaputtes Datum", has_date=False)
    year = 2010 + rng.randrange(15)
    headers += [
        f"Date: Montag, 31. Februar {year}, 25:61 Uhr".encode("ascii"),
        b'Content-Type: text/plain; charset="us-ascii"',
    ]
    return _join(headers, b"The Date header is nonsense.\r\n")


def _duplicate_headers(seed: int) -> bytes:
    """Return two conflicting Subject, To and Message-ID headers, plus normal Received lines."""
    rng = random.Random(seed)
    date = _date(seed, rng)
    headers = [
        f"Received: from relay{i}.example.net by mx.example.org; {date}".encode("ascii")
        for i in range(3)
    ]
    headers += _envelope(seed, rng, b"Erster Betreff")
    headers += [
        b"Subject: Zweiter Betreff",
        b"To: second@example.com",
        f"Message-ID: {_message_id(seed, rng, 'duplicate.example')}".encode("ascii"),
        b'Content-Type: text/plain; charset="us-ascii"',
    ]
    return _join(headers, b"Which subject wins?\r\n")


def _empty_body(seed: int) -> bytes:
    """Return headers and the blank separator line, with nothing after it."""
    rng = random.Random(seed)
    headers = _envelope(seed, rng, f"Leer {rng.randrange(1000)}".encode("ascii"))
    headers.append(b'Content-Type: text/plain; charset="us-ascii"')
    return _join(headers, b"")


def _mbox_from_line_in_body(seed: int) -> bytes:
    """Return body lines starting with ``From ``, ``>From `` and ``>>From ``.

    An mboxrd writer must quote all of them and a reader unquote exactly one level, or a
    round trip splits or alters the message.
    """
    rng = random.Random(seed)
    headers = _envelope(seed, rng, f"Zitat {rng.randrange(1000)}".encode("ascii"))
    headers.append(b'Content-Type: text/plain; charset="us-ascii"')
    body = (
        "From the desk of the director:\n"
        "please read the thread below.\n"
        "\n"
        "From someone@example.com Mon Jan  1 00:00:00 2024\n"
        ">From here on it was quoted once.\n"
        ">>From here on twice.\n"
        "Last line.\n"
    )
    return _join(headers, _crlf(body, "ascii"))


def _trailing_no_newline(seed: int) -> bytes:
    """Return a message whose last line has no CRLF; a byte-exact store must keep it so."""
    rng = random.Random(seed)
    headers = _envelope(seed, rng, f"Kein Zeilenende {rng.randrange(1000)}".encode("ascii"))
    headers.append(b'Content-Type: text/plain; charset="us-ascii"')
    return _join(headers, b"First line.\r\nLast line without line ending")


_BINARY_LINE = 32


def _binary_8bit_body(seed: int) -> bytes:
    """Return an 8bit body holding every byte value except NUL, CR and LF outside CRLF."""
    rng = random.Random(seed)
    values = [b for b in range(1, 256) if b not in (0x0A, 0x0D)]
    rng.shuffle(values)
    data = bytes(values)
    lines = [data[i : i + _BINARY_LINE] for i in range(0, len(data), _BINARY_LINE)]
    headers = _envelope(seed, rng, b"Alle Bytes")
    headers += [
        b'Content-Type: text/plain; charset="iso-8859-1"',
        b"Content-Transfer-Encoding: 8bit",
    ]
    return _join(headers, b"Gr\xfc\xdfe:\r\n" + b"\r\n".join(lines) + b"\r\n")


def _nul_byte(seed: int) -> bytes:
    """Return a body with a NUL byte; Dovecot stores it as 0x80, so tests must decide."""
    rng = random.Random(seed)
    headers = _envelope(seed, rng, f"NUL {rng.randrange(1000)}".encode("ascii"))
    headers += [b'Content-Type: text/plain; charset="us-ascii"', b"Content-Transfer-Encoding: 8bit"]
    return _join(headers, b"Before the NUL.\r\nab\x00cd\r\nAfter the NUL.\r\n")


_LONG_HEADER = 20_480


def _very_long_header(seed: int) -> bytes:
    """Return a References header folded over 20 KB, as in a very long thread."""
    rng = random.Random(seed)
    ids: list[str] = []
    length = len("References: ")
    while length < _LONG_HEADER:
        ids.append(f"<{rng.getrandbits(64):016x}.{len(ids)}@mail.example.net>")
        length += len(ids[-1]) + 3
    headers = _envelope(seed, rng, b"Re: Endloser Thread")
    headers += [
        b"References: " + "\r\n ".join(ids).encode("ascii"),
        b'Content-Type: text/plain; charset="us-ascii"',
    ]
    return _join(headers, b"Short reply.\r\n")


def _cyrillic_koi8r_body(seed: int) -> bytes:
    """Return a KOI8-R body and a KOI8-R encoded-word subject."""
    rng = random.Random(seed)
    n = rng.randrange(1000)
    subject = _encoded_words(f"Счёт-фактура {n}", "koi8-r", "B")
    headers = _envelope(seed, rng, subject.encode("ascii"))
    headers += [b'Content-Type: text/plain; charset="koi8-r"', b"Content-Transfer-Encoding: 8bit"]
    # Cyrillic letters that look Latin are the point here.
    body = f"Здравствуйте, Иван Петрович!\n\nНаправляем Вам счёт-фактуру {n}.\nС уважением\n"  # noqa: RUF001
    return _join(headers, _crlf(body, "koi8-r"))


def _alternative_text_html(seed: int) -> bytes:
    """Return the most common real shape: multipart/alternative, text and HTML, both QP."""
    rng = random.Random(seed)
    boundary = f"=_alt_{rng.getrandbits(32):08x}"
    headers = _envelope(seed, rng, _encoded_words("Grüße aus Köln", "utf-8", "B").encode("ascii"))
    headers.append(f'Content-Type: multipart/alternative; boundary="{boundary}"'.encode("ascii"))
    text = _qp(_crlf("Viele Grüße aus Köln!\n"))
    html = _qp(_crlf("<p>Viele <b>Grüße</b> aus Köln!</p>\n"))
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Type: text/plain; charset="utf-8"\r\n'
        + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + text
        + f"--{boundary}\r\n".encode()
        + b'Content-Type: text/html; charset="utf-8"\r\n'
        + b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        + html
        + f"--{boundary}--\r\n".encode()
    )
    return _join(headers, body)


def _forwarded_rfc822(seed: int) -> bytes:
    """Return a forward with the original attached as message/rfc822."""
    rng = random.Random(seed)
    boundary = f"=_fwd_{rng.getrandbits(32):08x}"
    original = _plain_ascii(seed + 1)
    headers = _envelope(seed, rng, b"Fwd: Status report")
    headers.append(f'Content-Type: multipart/mixed; boundary="{boundary}"'.encode("ascii"))
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Type: text/plain; charset="us-ascii"\r\n\r\nSee the attached mail.\r\n'
        + f"--{boundary}\r\n".encode()
        + b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
        + original
        + f"--{boundary}--\r\n".encode()
    )
    return _join(headers, body)


HARD_SHAPES: dict[str, Callable[[int], bytes]] = {
    "plain_ascii": _plain_ascii,
    "latin1_8bit_headers": _latin1_8bit_headers,
    "utf8_8bit_headers": _utf8_8bit_headers,
    "rfc2047_headers": _rfc2047_headers,
    "unknown_charset": _unknown_charset,
    "broken_boundary": _broken_boundary,
    "boundary_never_appears": _boundary_never_appears,
    "deep_nesting": _deep_nesting,
    "long_lines": _long_lines,
    "html_only": _html_only,
    "alternative_text_html": _alternative_text_html,
    "attachment_pdf": _attachment_pdf,
    "forwarded_rfc822": _forwarded_rfc822,
    "no_headers_body_only_content_type": _no_headers_body_only_content_type,
    "missing_message_id": _missing_message_id,
    "missing_date": _missing_date,
    "unparsable_date": _unparsable_date,
    "duplicate_headers": _duplicate_headers,
    "empty_body": _empty_body,
    "mbox_from_line_in_body": _mbox_from_line_in_body,
    "trailing_no_newline": _trailing_no_newline,
    "binary_8bit_body": _binary_8bit_body,
    "nul_byte": _nul_byte,
    "very_long_header": _very_long_header,
    "cyrillic_koi8r_body": _cyrillic_koi8r_body,
}
"""Each awkward shape real mail takes, by name: ``HARD_SHAPES[name](seed) -> bytes``.

Every message has CRLF line endings and a CRLF CRLF header/body separator; the shapes break
only what their name says. Different seeds change Message-ID, Date, subject or body.
"""

ODD_SHAPES: dict[str, bytes] = {
    "no body": b"Subject: x\r\nFrom: a@b\r\n",
    "no line end at all": b"Subject: x",
    "empty": b"",
    "no blank line before the body": b"Subject: x\nthis line is not a header\nmore\n",
    "lone CRs": b"Subject: x\rFrom: y\r\rbody\rtext\r",
    "a separator with text on it": b"Subject: x\n\r text after CR\nbody\n",
    "continuation lines": b"Subject: a\n long\n\tlonger\nFrom: b\n\nbody\n",
    "unix From_ line": b"From someone Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n",
    "a From_ line last among the headers": b"Subject: x\nFrom someone\n\nbody\n",
    "base64 body": b"Content-Type: text/plain; charset=utf-8\n"
    b"Content-Transfer-Encoding: base64\n\nR3LDvMOfZSwgV2VsdA==\n",
    "html only": b"Content-Type: text/html\n\n<p>Hallo <b>Welt</b></p>\n",
    "latin-1 8bit": b"Content-Type: text/plain; charset=iso-8859-1\n\nGr\xfc\xdfe\n",
    "a mail inside": b"Content-Type: message/rfc822\n\nSubject: inner\n\ninner body\n",
    "delivery status": b"Content-Type: message/delivery-status\n\nReporting-MTA: x\n\n"
    b"Action: failed\n",
    "multipart": b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
    b"Content-Type: text/plain\n\none\n--b\nContent-Type: text/plain\n\ntwo\n--b--\n",
    "multipart without its parts": b"Content-Type: multipart/mixed\n\nno boundary\n",
}
"""Small messages of odd shape, by name, each a corner of email's parser (LF line ends)."""
