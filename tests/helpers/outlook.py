"""Outlook items for the import tests, written as real files: .msg and .pst.

An :class:`Item` is described once by its MAPI properties; :func:`write_msg` writes it as a
.msg file ([MS-OXMSG] on the compound file writer of tests/helpers/cfb.py), which the real
reader reads with olefile; :func:`pst_message` turns it into a message for the PST writer of
tests/helpers/pst.py, whose files the real reader reads with libpff-python.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field
from pathlib import Path

from archiver.core.importers.mapi import (
    PR_ATTACH_DATA,
    PR_ATTACH_LONG_FILENAME,
    PR_ATTACH_METHOD,
    PR_BODY,
    PR_CLIENT_SUBMIT_TIME,
    PR_DISPLAY_NAME,
    PR_EMAIL_ADDRESS,
    PR_FLAG_STATUS,
    PR_HTML,
    PR_INTERNET_CPID,
    PR_INTERNET_MESSAGE_ID,
    PR_LAST_VERB_EXECUTED,
    PR_MESSAGE_CODEPAGE,
    PR_MESSAGE_DELIVERY_TIME,
    PR_MESSAGE_FLAGS,
    PR_RECIPIENT_TYPE,
    PR_RTF_COMPRESSED,
    PR_SENDER_NAME,
    PR_SENDER_SMTP_ADDRESS,
    PR_SMTP_ADDRESS,
    PR_SUBJECT,
    PR_TRANSPORT_MESSAGE_HEADERS,
    PT_BINARY,
    PT_BOOLEAN,
    PT_LONG,
    PT_OBJECT,
    PT_STRING8,
    PT_SYSTIME,
    PT_UNICODE,
)
from tests.helpers.cfb import Tree, write_cfb
from tests.helpers.pst import PstAttachment, PstFolder, PstMessage, write_pst

Value = str | bytes | int | bool | dt.datetime


@dataclass
class Attachment:
    """An attachment: its properties, or an embedded item."""

    properties: dict[int, tuple[int, Value]]
    embedded: Item | None = None


@dataclass
class Item:
    """An Outlook message: properties (id → (type, value)), recipient rows, attachments."""

    properties: dict[int, tuple[int, Value]]
    recipients: list[dict[int, tuple[int, Value]]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    identifier: int = 0x200024


def raw(kind: int, value: Value) -> bytes:
    """Return a property value as Outlook stores it (8-bit strings in Windows-1252)."""
    if kind == PT_UNICODE:
        assert isinstance(value, str)
        return value.encode("utf-16-le")
    if kind == PT_STRING8:
        return value.encode("cp1252") if isinstance(value, str) else bytes(value)  # type: ignore[arg-type]
    if kind == PT_BINARY:
        assert isinstance(value, bytes)
        return value
    if kind == PT_SYSTIME:
        assert isinstance(value, dt.datetime)
        delta = value - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
        return struct.pack("<Q", (delta // dt.timedelta(microseconds=1)) * 10)
    if kind == PT_BOOLEAN:
        return bytes([bool(value)])
    assert kind == PT_LONG and isinstance(value, int)
    return struct.pack("<i", value)


# --- the shapes every reader must rebuild -------------------------------------------------

SENT = dt.datetime(2019, 3, 4, 9, 30, tzinfo=dt.UTC)
ARRIVED = dt.datetime(2019, 3, 4, 9, 31, 5, tzinfo=dt.UTC)
# [MS-OXRTFCP] section 3.1.1: "{\rtf1\ansi\ansicpg1252\pard hello world}" compressed.
RTF_SAMPLE = bytes.fromhex(
    "2d0000002b0000004c5a4675f1c5c7a703000a0072637067313235423"
    "20af32068656c090020627705b06c647d0a800fa0"
)
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 20  # over 4096 bytes: a regular stream, not mini


def base() -> dict[int, tuple[int, Value]]:
    """Properties every test item has: a German sender and subject, times, a message id."""
    return {
        PR_SUBJECT: (PT_UNICODE, "Grüße aus Köln: Zustellung"),
        PR_SENDER_NAME: (PT_UNICODE, "Jürgen Müller"),
        PR_SENDER_SMTP_ADDRESS: (PT_UNICODE, "jm@gv-koeln.example"),
        PR_CLIENT_SUBMIT_TIME: (PT_SYSTIME, SENT),
        PR_MESSAGE_DELIVERY_TIME: (PT_SYSTIME, ARRIVED),
        PR_INTERNET_MESSAGE_ID: (PT_UNICODE, "<1@gv-koeln.example>"),
        PR_MESSAGE_FLAGS: (PT_LONG, 1),
    }


def recipients() -> list[dict[int, tuple[int, Value]]]:
    return [
        {PR_DISPLAY_NAME: (PT_UNICODE, "Änne Schäfer"), PR_SMTP_ADDRESS: (PT_UNICODE,
         "as@kanzlei.example"), PR_RECIPIENT_TYPE: (PT_LONG, 1)},
        {PR_DISPLAY_NAME: (PT_UNICODE, "Büro"), PR_EMAIL_ADDRESS: (PT_UNICODE,
         "/O=EXCHANGE/OU=FIRST/CN=RECIPIENTS/CN=BUERO"), PR_RECIPIENT_TYPE: (PT_LONG, 2)},
    ]  # fmt: skip


def items() -> dict[str, Item]:
    """The shapes every reader must rebuild."""
    plain = Item(base() | {PR_BODY: (PT_UNICODE, "Sehr geehrte Frau Schäfer,\r\nanbei.")},
                 recipients())  # fmt: skip
    html = Item(base() | {PR_HTML: (PT_BINARY, "<p>Zustellung für Ärzte</p>".encode("cp1252")),
                          PR_INTERNET_CPID: (PT_LONG, 1252)})  # fmt: skip
    both = Item(
        base() | {PR_BODY: (PT_UNICODE, "Text"), PR_HTML: (PT_BINARY, b"<b>Text</b>"),
                  PR_INTERNET_CPID: (PT_LONG, 65001), PR_FLAG_STATUS: (PT_LONG, 2),
                  PR_LAST_VERB_EXECUTED: (PT_LONG, 102)},
        recipients(),
    )  # fmt: skip
    # An old ANSI item: 8-bit strings in the German Windows code page.
    ansi = Item(
        {PR_SUBJECT: (PT_STRING8, "Übergabe der Akten"), PR_SENDER_NAME: (PT_STRING8,
         "Günther Weiß"), PR_SENDER_SMTP_ADDRESS: (PT_STRING8, "gw@example.de"),
         PR_BODY: (PT_STRING8, "Größe: 5 m²"), PR_MESSAGE_CODEPAGE: (PT_LONG, 1252),
         PR_CLIENT_SUBMIT_TIME: (PT_SYSTIME, SENT)},
    )  # fmt: skip
    inner = Item(base() | {PR_SUBJECT: (PT_UNICODE, "Ursprüngliche Nachricht"),
                           PR_BODY: (PT_UNICODE, "Innen")})  # fmt: skip
    attached = Item(
        base() | {PR_BODY: (PT_UNICODE, "Siehe Anhang"), PR_TRANSPORT_MESSAGE_HEADERS: (
            PT_UNICODE, "Received: from mx.example (mx.example [192.0.2.1])\r\n\tby mail; "
            "Mon, 4 Mar 2019 10:31:05 +0100\r\nFrom: Jürgen <jm@gv-koeln.example>\r\n"
            "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed;\r\n boundary=\"old\"\r\n\r\n")},
        attachments=[
            Attachment({PR_ATTACH_METHOD: (PT_LONG, 1),
                        PR_ATTACH_LONG_FILENAME: (PT_UNICODE, "Übersicht März.pdf"),
                        PR_ATTACH_DATA: (PT_BINARY, PDF)}),
            Attachment({PR_ATTACH_METHOD: (PT_LONG, 5),
                        PR_DISPLAY_NAME: (PT_UNICODE, "Ursprüngliche Nachricht")}, inner),
        ],
    )  # fmt: skip
    rtf = Item(base() | {PR_RTF_COMPRESSED: (PT_BINARY, RTF_SAMPLE)})
    return {"plain": plain, "html": html, "both": both, "ansi": ansi, "attached": attached,
            "rtf": rtf}  # fmt: skip


# --- .msg --------------------------------------------------------------------------------


def write_msg(path: Path, item: Item) -> None:
    """Write *item* as an Outlook .msg file."""
    tree = _storage(item, 32)
    tree["__nameid_version1.0"] = {}
    write_cfb(path, tree)


def _storage(item: Item, header_size: int) -> Tree:
    header = bytes(8) + struct.pack(
        "<IIII", len(item.recipients), len(item.attachments), len(item.recipients),
        len(item.attachments),
    )  # fmt: skip
    tree = _properties(item.properties, header[:header_size].ljust(header_size, b"\0"))
    for index, row in enumerate(item.recipients):
        tree[f"__recip_version1.0_#{index:08X}"] = _properties(row, bytes(8))
    for index, attachment in enumerate(item.attachments):
        storage = _properties(attachment.properties, bytes(8))
        if attachment.embedded is not None:
            inner = _storage(attachment.embedded, 24)
            storage["__substg1.0_3701000D"] = inner
            storage["__properties_version1.0"] += struct.pack("<II8s", 0x3701000D, 6, bytes(8))
        tree[f"__attach_version1.0_#{index:08X}"] = storage
    return tree


def _properties(properties: dict[int, tuple[int, Value]], header: bytes) -> Tree:
    stream = bytearray(header)
    tree: Tree = {}
    for key, (kind, value) in sorted(properties.items()):
        data = raw(kind, value)
        tag = key << 16 | kind
        if kind in (PT_UNICODE, PT_STRING8, PT_BINARY, PT_OBJECT):
            tree[f"__substg1.0_{tag:08X}"] = data
            size = len(data) + (2 if kind == PT_UNICODE else 1 if kind == PT_STRING8 else 0)
            stream += struct.pack("<IIII", tag, 6, size, 0)
        else:
            stream += struct.pack("<II8s", tag, 6, data.ljust(8, b"\0"))
    tree["__properties_version1.0"] = bytes(stream)
    return tree


# --- .pst -----------------------------------------------------------------------------------


def pst_message(item: Item | None, nid: int = 0) -> PstMessage:
    """Return *item* for tests/helpers/pst.py; None is a message whose data is missing."""
    if item is None:
        return PstMessage(nid, {}, broken=True)

    def encoded(properties: dict[int, tuple[int, Value]]) -> dict[int, tuple[int, bytes]]:
        return {key: (kind, raw(kind, value)) for key, (kind, value) in properties.items()}

    attachments = [
        PstAttachment(encoded(a.properties), pst_message(a.embedded) if a.embedded else None)
        for a in item.attachments
    ]
    return PstMessage(nid or item.identifier, encoded(item.properties),
                      [encoded(row) for row in item.recipients], attachments)  # fmt: skip


BROKEN = 0x200024 + 32 * 9  # the node identifier of a message whose data is missing


def write_test_pst(path: Path, *, broken: bool = True) -> None:
    """Write every shape of :func:`items` into a PST laid out as Outlook does: the IPM
    subtree below the root folder, an inbox (with a message whose data is missing unless
    *broken* is false), a folder whose name has a slash."""
    messages = [pst_message(item, 0x200024 + 32 * i) for i, item in enumerate(items().values())]
    inbox = PstFolder(0x8042, "Posteingang", messages[:4] + [pst_message(None, BROKEN)] * broken)
    files = PstFolder(0x8062, "Akten/2019", messages[4:])
    write_pst(
        path, PstFolder(0x8022, "Oberste Ebene der Outlook-Datendatei", folders=[inbox, files])
    )
