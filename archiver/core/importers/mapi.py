"""Outlook's items as MAPI properties, and the RFC 5322 message rebuilt from them.

Outlook keeps no original bytes of a message: a .msg file and a PST hold its MAPI properties
(sender, recipients, subject, times, bodies, attachments, and for received mail the transport
headers, PR_TRANSPORT_MESSAGE_HEADERS). Both readers hand the raw properties to
:func:`rebuild`, which writes a MIME message from them:

- the header: the transport headers where present (less their ``Content-*`` and
  ``MIME-Version`` fields, which described the original structure), otherwise From, To, Cc,
  Bcc, Subject, Date, Message-ID, In-Reply-To and References from the properties;
  ``X-Imap-Archiver-Rebuilt-From`` says the message is a rebuild, and from what;
- the text: text/plain and text/html where present (multipart/alternative when both); the
  compressed RTF body only when there is neither, decompressed, as text/rtf;
- attachments stored by value, and embedded Outlook messages as message/rfc822, rebuilt the
  same way, where the reader gives them (pypff does not: libpff's ``attachment_get_item``
  has no binding); an attachment the file or the reader does not give (one by reference,
  a path or a link; such an embedded message) is named in an ``X-Imap-Archiver-Omitted``
  header, so that nothing goes missing unsaid.

The rebuild is deterministic: the same properties give the same bytes (the MIME boundaries
come from a hash of the properties, nothing from a clock or a random source), so importing a
file twice finds every message the second time by its SHA-256.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.policy
import hashlib
import mimetypes
import re
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage, MIMEPart
from email.parser import BytesHeaderParser
from email.utils import format_datetime, formataddr

# Property types ([MS-OXCDATA] 2.11.1): the ones the rebuild reads.
PT_LONG, PT_BOOLEAN, PT_SYSTIME, PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT = (
    0x0003, 0x000B, 0x0040, 0x001E, 0x001F, 0x0102, 0x000D,
)  # fmt: skip

# Property identifiers ([MS-OXPROPS]).
PR_SUBJECT = 0x0037
PR_CLIENT_SUBMIT_TIME = 0x0039
PR_SENT_REPRESENTING_NAME = 0x0042
PR_SENT_REPRESENTING_EMAIL_ADDRESS = 0x0065
PR_TRANSPORT_MESSAGE_HEADERS = 0x007D
PR_SENDER_NAME = 0x0C1A
PR_SENDER_EMAIL_ADDRESS = 0x0C1F
PR_RECIPIENT_TYPE = 0x0C15
PR_MESSAGE_DELIVERY_TIME = 0x0E06
PR_MESSAGE_FLAGS = 0x0E07
PR_BODY = 0x1000
PR_RTF_COMPRESSED = 0x1009
PR_HTML = 0x1013
PR_INTERNET_MESSAGE_ID = 0x1035
PR_INTERNET_REFERENCES = 0x1039
PR_IN_REPLY_TO_ID = 0x1042
PR_LAST_VERB_EXECUTED = 0x1081
PR_FLAG_STATUS = 0x1090
PR_DISPLAY_NAME = 0x3001
PR_ADDRTYPE = 0x3002
PR_EMAIL_ADDRESS = 0x3003
PR_SMTP_ADDRESS = 0x39FE
PR_ATTACH_DATA = 0x3701  # PR_ATTACH_DATA_BIN, or PR_ATTACH_DATA_OBJ for an embedded message
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_MIME_TAG = 0x370E
PR_ATTACH_CONTENT_ID = 0x3712
PR_INTERNET_CPID = 0x3FDE
PR_MESSAGE_CODEPAGE = 0x3FFD
PR_SENDER_SMTP_ADDRESS = 0x5D01
PR_SENT_REPRESENTING_SMTP_ADDRESS = 0x5D02

MSGFLAG_READ, MSGFLAG_UNSENT = 0x0001, 0x0008
FLAG_STATUS_FLAGGED = 2  # followupFlagged; 1 is followupComplete
VERB_REPLIED = (102, 103)  # reply to sender, reply to all
VERB_FORWARDED = 104
ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG, ATTACH_OLE = 1, 5, 6
RECIPIENT_HEADERS = {1: "To", 2: "Cc", 3: "Bcc"}
DEFAULT_CODEPAGE = 1252  # Outlook's 8-bit strings on a German (Western European) Windows
REBUILT_HEADER = "X-Imap-Archiver-Rebuilt-From"
OMITTED_HEADER = "X-Imap-Archiver-Omitted"
POLICY = email.policy.SMTP  # CRLF line ends, lines folded at 78
DROPPED_FIELD = re.compile(r"(?i)^(content-[^:]*|mime-version)[ \t]*:")
FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
MIME_CHARSETS = {65001: "utf-8", 20127: "us-ascii", 28591: "iso-8859-1", 28605: "iso-8859-15"}

Properties = Mapping[int, tuple[int, bytes]]  # property id → (property type, raw value)


@dataclass(frozen=True, slots=True)
class MapiAttachment:
    """One attachment's properties, and the embedded message when it is one."""

    properties: Properties
    embedded: MapiMessage | None = None


@dataclass(frozen=True, slots=True)
class MapiMessage:
    """One Outlook item as its readers find it: properties, recipient rows, attachments."""

    properties: Properties
    recipients: tuple[Properties, ...] = ()
    attachments: tuple[MapiAttachment, ...] = ()


@dataclass(frozen=True, slots=True)
class PropertyValues:
    """Typed access to raw properties; 8-bit strings are decoded with the item's code page.

    Raw values are as both readers find them: little-endian numbers, FILETIMEs, UTF-16LE
    for Unicode strings, the code page's bytes for 8-bit strings.
    """

    raw: Properties
    codepage: str = field(default="cp1252")

    @classmethod
    def of(cls, raw: Properties, parent: PropertyValues | None = None) -> PropertyValues:
        """Return the values of *raw*; the code page is its own, else *parent*'s."""
        values = cls(raw)
        number = values.integer(PR_MESSAGE_CODEPAGE) or values.integer(PR_INTERNET_CPID)
        if number is not None:
            return cls(raw, python_codec(number))
        return cls(raw, parent.codepage if parent else python_codec(DEFAULT_CODEPAGE))

    def text(self, key: int) -> str:
        """Return a string property ('' when absent); binary values are read as text too."""
        kind, data = self.raw.get(key, (0, b""))
        if kind == PT_UNICODE:
            return data.decode("utf-16-le", "replace").rstrip("\0")
        if kind in (PT_STRING8, PT_BINARY):
            return data.decode(self.codepage, "replace").rstrip("\0")
        return ""

    def binary(self, key: int) -> bytes | None:
        """Return a binary (or string) property's bytes, or None."""
        entry = self.raw.get(key)
        return entry[1] if entry is not None else None

    def integer(self, key: int) -> int | None:
        """Return a 32-bit integer or boolean property, or None."""
        kind, data = self.raw.get(key, (0, b""))
        if kind not in (PT_LONG, PT_BOOLEAN) or not data:
            return None  # a boolean is 1 byte in a PST, 8 (padded) in a .msg property stream
        return int.from_bytes(data[: min(len(data), 4)], "little", signed=kind == PT_LONG)

    def time(self, key: int) -> dt.datetime | None:
        """Return a time property (a FILETIME: 100 ns since 1601, UTC), or None."""
        kind, data = self.raw.get(key, (0, b""))
        if kind != PT_SYSTIME or len(data) < 8:
            return None
        ticks = struct.unpack_from("<Q", data)[0]
        if not ticks:
            return None
        try:
            return FILETIME_EPOCH + dt.timedelta(microseconds=ticks // 10)
        except OverflowError:
            return None


def python_codec(codepage: int) -> str:
    """Return the Python codec of a Windows code page number (cp1252 when unknown)."""
    name = MIME_CHARSETS.get(codepage, f"cp{codepage}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"


def mime_charset(codepage: int | None) -> str:
    """Return the MIME charset name of a Windows code page number."""
    if codepage is None:
        return "windows-1252"
    if codepage in MIME_CHARSETS:
        return MIME_CHARSETS[codepage]
    return f"windows-{codepage}" if 1250 <= codepage <= 1258 else python_codec(codepage)


def flags(message: MapiMessage) -> tuple[str, ...]:
    """Return the IMAP flags of an item: read, draft, flagged, answered, forwarded."""
    values = PropertyValues(message.properties)
    found = set()
    bits = values.integer(PR_MESSAGE_FLAGS) or 0
    if bits & MSGFLAG_READ:
        found.add("\\Seen")
    if bits & MSGFLAG_UNSENT:
        found.add("\\Draft")
    if values.integer(PR_FLAG_STATUS) == FLAG_STATUS_FLAGGED:
        found.add("\\Flagged")
    verb = values.integer(PR_LAST_VERB_EXECUTED)
    if verb in VERB_REPLIED:
        found.add("\\Answered")
    elif verb == VERB_FORWARDED:
        found.add("$Forwarded")
    return tuple(sorted(found))


def internaldate(message: MapiMessage) -> dt.datetime | None:
    """Return when the item arrived (delivery time), else when it was sent, or None."""
    values = PropertyValues(message.properties)
    return values.time(PR_MESSAGE_DELIVERY_TIME) or values.time(PR_CLIENT_SUBMIT_TIME)


def rebuild(message: MapiMessage, origin: str) -> bytes:
    """Return the RFC 5322 bytes of an Outlook item (see the module docstring).

    *origin* names what it was rebuilt from (``Outlook .msg``, ``Outlook PST``); it goes
    into the ``X-Imap-Archiver-Rebuilt-From`` header.
    """
    top = _message(message, origin, None)
    seed = _digest(message).hexdigest()
    for number, part in enumerate(_multiparts(top)):
        part.set_boundary(
            "=_rebuilt_" + hashlib.sha256(f"{seed}:{number}".encode()).hexdigest()[:32]
        )
    return top.as_bytes(policy=POLICY)


def _message(message: MapiMessage, origin: str, parent: PropertyValues | None) -> EmailMessage:
    values = PropertyValues.of(message.properties, parent)
    body = _body(values)
    parts: list[MIMEPart] = []
    omitted: list[str] = []
    for attachment in message.attachments:
        part = _attachment(attachment, origin, values)
        if isinstance(part, str):
            omitted.append(part)
        else:
            parts.append(part)
    if parts:
        mixed = _multipart("mixed", [body, *parts] if body is not None else parts)
        body = mixed
    if body is None:
        body = MIMEPart(policy=POLICY)
        body.set_content("", charset="utf-8")
    headers = values.text(PR_TRANSPORT_MESSAGE_HEADERS).strip()
    top = _transport_header(headers) if headers else None
    if top is None:
        top = EmailMessage(policy=POLICY)
        _compose_header(top, values, message.recipients)
    top[REBUILT_HEADER] = origin
    for text in omitted:
        top[OMITTED_HEADER] = text
    top["MIME-Version"] = "1.0"
    for name, value in body.items():
        top[name] = value
    top.set_payload(body.get_payload())
    return top


def _transport_header(headers: str) -> EmailMessage | None:
    """Return a message holding the transport header's fields as they were received, less
    those describing the old content; None when there are none."""
    block = headers.replace("\r\n", "\n").replace("\r", "\n").strip("\n").replace("\n", "\r\n")
    top = BytesHeaderParser(EmailMessage, policy=POLICY).parsebytes(
        block.encode("utf-8", "surrogateescape") + b"\r\n\r\n"
    )
    assert isinstance(top, EmailMessage)
    for name in {name.lower() for name in top}:
        if DROPPED_FIELD.match(name + ":"):
            del top[name]
    return top if top.keys() else None


def _compose_header(
    top: EmailMessage, values: PropertyValues, recipients: tuple[Properties, ...]
) -> None:
    """Write the header Outlook did not keep, from the item's properties."""
    sender = _address(
        values.text(PR_SENT_REPRESENTING_NAME) or values.text(PR_SENDER_NAME),
        values.text(PR_SENT_REPRESENTING_SMTP_ADDRESS)
        or values.text(PR_SENDER_SMTP_ADDRESS)
        or values.text(PR_SENT_REPRESENTING_EMAIL_ADDRESS)
        or values.text(PR_SENDER_EMAIL_ADDRESS),
    )
    if sender:
        top["From"] = sender
    rows: dict[str, list[str]] = {}
    for row in recipients:
        one = PropertyValues.of(row, values)
        kind = RECIPIENT_HEADERS.get(one.integer(PR_RECIPIENT_TYPE) or 1, "To")
        address = _address(
            one.text(PR_DISPLAY_NAME), one.text(PR_SMTP_ADDRESS) or one.text(PR_EMAIL_ADDRESS)
        )
        if address:
            rows.setdefault(kind, []).append(address)
    for kind in RECIPIENT_HEADERS.values():
        if kind in rows:
            top[kind] = ", ".join(rows[kind])
    if subject := values.text(PR_SUBJECT):
        top["Subject"] = subject
    if sent := values.time(PR_CLIENT_SUBMIT_TIME) or values.time(PR_MESSAGE_DELIVERY_TIME):
        top["Date"] = format_datetime(sent)
    for key, name in ((PR_INTERNET_MESSAGE_ID, "Message-ID"), (PR_IN_REPLY_TO_ID, "In-Reply-To"),
                      (PR_INTERNET_REFERENCES, "References")):  # fmt: skip
        if text := values.text(key).strip():
            top[name] = text


def _address(name: str, address: str) -> str:
    """Return a mailbox for a header; an Exchange address (no @) leaves only the name."""
    name, address = name.strip(), address.strip()
    if "@" not in address:
        return formataddr((name, "")).removesuffix(" <>") if name else ""
    return formataddr((name if name != address else "", address))


def _body(values: PropertyValues) -> MIMEPart | None:
    """Return the text of an item: plain and HTML, or the RTF when there is neither."""
    parts = []
    plain = values.text(PR_BODY)
    if plain:
        part = MIMEPart(policy=POLICY)
        part.set_content(_lines(plain), charset="utf-8", cte="quoted-printable")
        parts.append(part)
    html = values.binary(PR_HTML)
    if html:
        part = MIMEPart(policy=POLICY)
        kind = values.raw[PR_HTML][0]
        if kind == PT_UNICODE:
            part.set_content(_lines(values.text(PR_HTML)), "html", charset="utf-8",
                             cte="quoted-printable")  # fmt: skip
        else:
            part.set_content(html, "text", "html", cte="base64")
            part.set_param("charset", mime_charset(values.integer(PR_INTERNET_CPID)))
        parts.append(part)
    if len(parts) > 1:
        return _multipart("alternative", parts)
    if parts:
        return parts[0]
    rtf = values.binary(PR_RTF_COMPRESSED)
    if rtf:
        part = MIMEPart(policy=POLICY)
        part.set_content(decompress_rtf(rtf), "text", "rtf", cte="base64")
        return part
    return None


def _lines(text: str) -> str:
    """Return *text* with LF line ends (the generator writes CRLF)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\0")


def _attachment(attachment: MapiAttachment, origin: str, parent: PropertyValues) -> MIMEPart | str:
    """Return one attachment as a MIME part, or what to say of one the file does not give
    (the message names it in an ``X-Imap-Archiver-Omitted`` header: never silently lost)."""
    values = PropertyValues.of(attachment.properties, parent)
    name = (
        values.text(PR_ATTACH_LONG_FILENAME)
        or values.text(PR_ATTACH_FILENAME)
        or values.text(PR_DISPLAY_NAME)
    )
    part = MIMEPart(policy=POLICY)
    if attachment.embedded is not None:
        inner = _message(attachment.embedded, origin, parent)
        part.set_content(inner, disposition="attachment")
        return part
    method = values.integer(PR_ATTACH_METHOD) or ATTACH_BY_VALUE
    data = values.binary(PR_ATTACH_DATA)
    if method == ATTACH_EMBEDDED_MSG:
        return f'attached Outlook message "{name}": its reader cannot extract it'
    if method not in (ATTACH_BY_VALUE, ATTACH_OLE):
        return f'attachment "{name}": only a link in Outlook, not in the file'
    if data is None:
        return f'attachment "{name}": no data in the file'
    assert isinstance(data, bytes)
    kind = values.text(PR_ATTACH_MIME_TAG).strip().lower()
    if "/" not in kind:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    maintype, _, subtype = kind.partition("/")
    part.set_content(data, maintype, subtype, disposition="attachment",
                     filename=name or None, cid=_content_id(values))  # fmt: skip
    return part


def _content_id(values: PropertyValues) -> str | None:
    cid = values.text(PR_ATTACH_CONTENT_ID).strip().strip("<>")
    return f"<{cid}>" if cid else None


def _multipart(subtype: str, parts: list[MIMEPart]) -> MIMEPart:
    container = MIMEPart(policy=POLICY)
    container["Content-Type"] = f"multipart/{subtype}"
    for part in parts:
        container.attach(part)
    return container


def _multiparts(part: MIMEPart) -> Iterator[MIMEPart]:
    """Yield the multipart parts of a tree, in document order (embedded messages too)."""
    if part.is_multipart():
        if part.get_content_maintype() == "multipart":
            yield part
        payload = part.get_payload()
        assert isinstance(payload, list)
        for child in payload:
            if isinstance(child, MIMEPart):
                yield from _multiparts(child)


def _digest(message: MapiMessage) -> hashlib._Hash:
    """Return a hash over everything the rebuild reads, for the MIME boundaries."""
    digest = hashlib.sha256()

    def add(properties: Properties) -> None:
        for key in sorted(properties):
            kind, data = properties[key]
            digest.update(struct.pack("<HHQ", key, kind, len(data)))
            digest.update(data)

    def walk(item: MapiMessage) -> None:
        add(item.properties)
        for row in item.recipients:
            digest.update(b"recipient")
            add(row)
        for attachment in item.attachments:
            digest.update(b"attachment")
            add(attachment.properties)
            if attachment.embedded is not None:
                walk(attachment.embedded)

    walk(message)
    return digest


# [MS-OXRTFCP]: the dictionary a compressed RTF stream starts with.
RTF_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
    b"\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
    b"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
RTF_COMPRESSED, RTF_UNCOMPRESSED = 0x75465A4C, 0x414C454D  # "LZFu", "MELA"


def decompress_rtf(data: bytes) -> bytes:
    """Return the RTF of a PR_RTF_COMPRESSED value ([MS-OXRTFCP]); what cannot be
    decompressed is returned as it is (a damaged value still holds readable text)."""
    if len(data) < 16:
        return data
    _, raw_size, kind, _ = struct.unpack_from("<IIII", data)
    if kind == RTF_UNCOMPRESSED:
        return data[16 : 16 + raw_size]
    if kind != RTF_COMPRESSED:
        return data
    window = bytearray(RTF_PREBUF.ljust(4096, b"\0"))
    write = len(RTF_PREBUF)
    out = bytearray()
    pos = 16
    while pos < len(data):
        control = data[pos]
        pos += 1
        for bit in range(8):
            if pos >= len(data):
                break
            if control & (1 << bit):
                if pos + 1 >= len(data):
                    return bytes(out)
                word = (data[pos] << 8) | data[pos + 1]
                pos += 2
                offset, length = word >> 4, (word & 0xF) + 2
                if offset == write:
                    return bytes(out)
                for step in range(length):
                    byte = window[(offset + step) % 4096]
                    out.append(byte)
                    window[write] = byte
                    write = (write + 1) % 4096
            else:
                byte = data[pos]
                pos += 1
                out.append(byte)
                window[write] = byte
                write = (write + 1) % 4096
    return bytes(out)
