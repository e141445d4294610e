"""A minimal writer of Unicode PST files ([MS-PST]), for the import tests: no library writes them.

It writes what libpff reads and no more. On the NDB layer: the header (with both CRCs), the
NBT and BBT (leaf pages, under one intermediate page when they need more than one), data
blocks with their trailer (CRC, signature), and subnode blocks (SLBLOCK) for a message's
recipient and attachment tables, its attachments and its large values. On the LTP layer:
heaps-on-node holding property contexts (the message store, folders, messages,
attachments) and table contexts (hierarchy, contents, recipient and attachment tables).
Each node's heap fits into one block (values over 3580 bytes go into a subnode block of
their own, up to 8176 bytes); there are no allocation maps (libpff does not need them), no
encryption, no name-to-id map.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from archiver.core.importers.mapi import PT_BINARY, PT_BOOLEAN, PT_LONG, PT_UNICODE

Props = dict[
    int, tuple[int, bytes]
]  # property id → (type, raw value), as tests/helpers/outlook.raw

PAGE, BLOCK_ALIGN, DATA_START = 512, 64, 0x4400
NID_MESSAGE_STORE, NID_ROOT_FOLDER = 0x21, 0x122
NID_ATTACHMENT_TABLE, NID_RECIPIENT_TABLE = 0x671, 0x692
HIERARCHY, CONTENTS, ASSOC_CONTENTS = 0x0D, 0x0E, 0x0F  # NID types of a folder's tables
PT_TABLE_ROW_ID, PT_TABLE_ROW_VER = 0x67F20003, 0x67F30003
PR_IPM_SUBTREE_ENTRYID = 0x35E0
PR_MESSAGE_CLASS = 0x001A
PR_DISPLAY_NAME = 0x3001
PR_ATTACH_DATA_OBJECT = 0x3701
FIXED_SIZE = {PT_LONG: 4, PT_BOOLEAN: 1, 0x0002: 2, 0x0040: 8, 0x0014: 8, 0x0005: 8}


def crc(data: bytes) -> int:
    """[MS-PST] 5.3: CRC-32 from 0, without the usual inversions."""
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def signature(ib: int, bid: int) -> int:
    """[MS-PST] 5.5: a block's or page's signature from its offset and identifier."""
    ib ^= bid
    return ((ib >> 16) ^ ib) & 0xFFFF


@dataclass
class PstMessage:
    """A message for the PST: properties, recipient rows, attachments (property sets)."""

    nid: int
    properties: Props
    recipients: list[Props] = field(default_factory=list)
    attachments: list[PstAttachment] = field(default_factory=list)
    broken: bool = False  # its node names a block the file does not have


@dataclass
class PstAttachment:
    """An attachment: its properties, or an embedded message."""

    properties: Props
    embedded: PstMessage | None = None


@dataclass
class PstFolder:
    """A folder: its name, messages and sub folders."""

    nid: int
    name: str
    messages: list[PstMessage] = field(default_factory=list)
    folders: list[PstFolder] = field(default_factory=list)


# --- LTP: heap on node, BTH, property and table contexts -----------------------------------


class _Heap:
    """A heap-on-node in one block: allocations addressed by HID."""

    def __init__(self, client_signature: int) -> None:
        self.client = client_signature
        self.items: list[bytes] = []
        self.root = 0

    def add(self, data: bytes) -> int:
        self.items.append(data)
        return len(self.items) << 5  # hidType 0, hidIndex 1-based, block 0

    def to_bytes(self) -> bytes:
        body = bytearray(b"\0" * 12)
        offsets = []
        for item in self.items:  # a size is the distance to the next start: no padding
            offsets.append(len(body))
            body += item
        offsets.append(len(body))
        page_map = len(body)
        body += struct.pack("<HH", len(self.items), 0)
        body += b"".join(struct.pack("<H", o) for o in offsets)
        struct.pack_into("<HBBII", body, 0, page_map, 0xEC, self.client, self.root, 0)
        return bytes(body)


def _bth(heap: _Heap, key_size: int, entry_size: int, records: list[bytes]) -> int:
    """Add a one-level BTH of sorted *records* to *heap*; return its header's HID."""
    root = heap.add(b"".join(sorted(records))) if records else 0
    return heap.add(struct.pack("<BBBBI", 0xB5, key_size, entry_size, 0, root))


def property_context(properties: Props, pst: _File | None = None,
                     subnodes: list[tuple[int, int, int]] | None = None) -> bytes:  # fmt: skip
    """Return a PC node's data: a BTH of (id, type) → value, HID, or (a value over 3580
    bytes, written as a block of its own) the subnode added to *subnodes*."""
    heap = _Heap(0xBC)
    records = []
    for key, (kind, data) in properties.items():
        size = FIXED_SIZE.get(kind)
        if size is not None and size <= 4:
            value = int.from_bytes(data[:size].ljust(4, b"\0"), "little")
        elif len(data) > 3580:
            assert pst is not None and subnodes is not None and len(data) <= 8176
            value = ((0x7000 + len(subnodes)) << 5) | 0x1F  # NID_TYPE_LTP
            subnodes.append((value, pst.block(data), 0))
        else:
            value = heap.add(data) if data else 0
        records.append(struct.pack("<HHI", key, kind, value))
    heap.root = _bth(heap, 2, 6, records)
    return heap.to_bytes()


def table_context(columns: list[int], rows: list[dict[int, bytes]]) -> bytes:
    """Return a TC node's data: *columns* are property tags after the row id and version;
    each row maps tags to raw values (variable-size ones go into the heap)."""
    tags = [PT_TABLE_ROW_ID, PT_TABLE_ROW_VER, *columns]
    heap = _Heap(0x7C)

    def width(tag: int) -> int:
        return FIXED_SIZE.get(tag & 0xFFFF, 4)  # variable-size values: a 4-byte HNID

    layout: dict[int, int] = {}
    offset = 0
    for size in (8, 4, 2, 1):  # [MS-PST] 2.3.4.1: columns grouped by size, largest first
        for tag in tags:
            if width(tag) == size:
                layout[tag] = offset
                offset += size
        if size == 4:
            end_4b = offset
        elif size == 2:
            end_2b = offset
    end_1b = offset
    row_size = end_1b + (len(tags) + 7) // 8
    matrix = bytearray()
    for index, row in enumerate(rows):
        cells = bytearray(row_size)
        bits = bytearray((len(tags) + 7) // 8)
        full = {PT_TABLE_ROW_VER: struct.pack("<I", index + 1), **row}
        for bit, tag in enumerate(tags):
            if tag not in full:
                continue
            data = full[tag]
            size = width(tag)
            if (tag & 0xFFFF) in FIXED_SIZE:
                cells[layout[tag] : layout[tag] + size] = data[:size].ljust(size, b"\0")
            else:
                struct.pack_into("<I", cells, layout[tag], heap.add(data) if data else 0)
            bits[bit // 8] |= 0x80 >> (bit % 8)
        cells[end_1b:] = bits
        matrix += cells
    index_records = [
        struct.pack("<II", struct.unpack_from("<I", row[PT_TABLE_ROW_ID])[0], i)
        for i, row in enumerate(rows)
    ]
    row_index = _bth(heap, 4, 4, index_records)
    rows_hid = heap.add(bytes(matrix)) if rows else 0
    info = struct.pack("<BB4HIII", 0x7C, len(tags), end_4b, end_2b, end_1b, row_size,
                       row_index, rows_hid, 0)  # fmt: skip
    for bit, tag in sorted(enumerate(tags), key=lambda pair: pair[1]):
        info += struct.pack("<IHBB", tag, layout[tag], width(tag), bit)
    heap.root = heap.add(info)
    return heap.to_bytes()


# --- NDB: blocks, pages, the header -----------------------------------------------------------


class _File:
    def __init__(self) -> None:
        self.body = bytearray(DATA_START)
        self.blocks: list[tuple[int, int, int]] = []  # bid, ib, cb
        self.nodes: list[tuple[int, int, int, int]] = []  # nid, bidData, bidSub, nidParent
        self.next_bid = 4

    def block(self, data: bytes, internal: bool = False) -> int:
        assert len(data) <= 8176
        bid = self.next_bid | (2 if internal else 0)
        self.next_bid += 4
        ib = len(self.body)
        size = -(-(len(data) + 16) // BLOCK_ALIGN) * BLOCK_ALIGN
        trailer = struct.pack("<HHIQ", len(data), signature(ib, bid), crc(data), bid)
        self.body += data.ljust(size - 16, b"\0") + trailer
        self.blocks.append((bid, ib, len(data)))
        return bid

    def subnodes(self, entries: list[tuple[int, int, int]]) -> int:
        """Write an SLBLOCK of (nid, bidData, bidSub) entries; return its bid."""
        data = struct.pack("<BBHI", 0x02, 0, len(entries), 0)
        for nid, bid_data, bid_sub in sorted(entries):
            data += struct.pack("<QQQ", nid, bid_data, bid_sub)
        return self.block(data, internal=True)

    def node(self, nid: int, data: bytes, parent: int = 0, sub: int = 0) -> None:
        self.nodes.append((nid, self.block(data), sub, parent))

    def page(self, kind: int, entries: list[bytes], entry_size: int, level: int) -> tuple[int, int]:
        """Write one B-tree page; return its BREF (bid, ib)."""
        while len(self.body) % PAGE:
            self.body += b"\0"
        ib = len(self.body)
        bid = self.next_bid
        self.next_bid += 4
        data = b"".join(entries).ljust(488, b"\0")
        data += struct.pack("<BBBBI", len(entries), 488 // entry_size, entry_size, level, 0)
        trailer = struct.pack("<BBHIQ", kind, kind, signature(ib, bid), crc(data), bid)
        self.body += data + trailer
        return bid, ib

    def tree(self, kind: int, entries: list[bytes], entry_size: int) -> tuple[int, int]:
        """Write a B-tree of sorted leaf *entries* (keys first, 8 bytes): leaf pages under
        one intermediate page when they do not fit into one; return the root's BREF."""
        per_page = 488 // entry_size
        leaves = [entries[i : i + per_page] for i in range(0, len(entries), per_page)]
        if len(leaves) == 1:
            return self.page(kind, leaves[0], entry_size, 0)
        assert len(leaves) <= 20, "two levels are enough for a test"
        refs = [(leaf[0][:8], self.page(kind, leaf, entry_size, 0)) for leaf in leaves]
        index = [key + struct.pack("<QQ", *ref) for key, ref in refs]
        return self.page(kind, index, 24, 1)

    def finish(self) -> bytes:
        nbt_entries = [
            struct.pack("<QQQII", nid, data, sub, parent, 0)
            for nid, data, sub, parent in sorted(self.nodes)
        ]
        bbt_entries = [
            struct.pack("<QQHHI", bid, ib, cb, 2, 0) for bid, ib, cb in sorted(self.blocks)
        ]
        nbt = self.tree(0x81, nbt_entries, 32)
        bbt = self.tree(0x80, bbt_entries, 24)
        eof = len(self.body)
        root = struct.pack("<IQQQQQQQQBBH", 0, eof, 0, 0, 0, *nbt, *bbt, 0, 0, 0)
        header = bytearray(b"!BDN" + bytes(4))
        header += struct.pack("<HHHBBII", 0x4D53, 23, 19, 1, 1, 0, 0)
        header += struct.pack("<QQI", 0, self.next_bid, 0x400)  # bidUnused, bidNextP
        header += bytes(128) + bytes(8) + root + bytes(4)  # rgnid, qwUnused, root, dwAlign
        header += b"\xff" * 256 + struct.pack("<BBH", 0x80, 0, 0)  # rgbFM, rgbFP, sentinel
        header += struct.pack("<Q", self.next_bid)  # bidNextB
        struct.pack_into("<I", header, 4, crc(bytes(header[8 : 8 + 471])))
        header += struct.pack("<I", crc(bytes(header[8 : 8 + 516]))) + bytes(36)
        assert len(header) == 564
        self.body[: len(header)] = header
        return bytes(self.body)


def write_pst(path: Path, top: PstFolder, store_name: str = "Outlook") -> None:
    """Write a PST whose IPM subtree (the folder Outlook shows as the file's top) is *top*."""
    pst = _File()
    entry_id = bytes(4) + bytes(16) + struct.pack("<I", top.nid)
    store = {PR_DISPLAY_NAME: (PT_UNICODE, store_name.encode("utf-16-le")),
             PR_IPM_SUBTREE_ENTRYID: (PT_BINARY, entry_id)}  # fmt: skip
    pst.node(NID_MESSAGE_STORE, property_context(store))
    root = PstFolder(NID_ROOT_FOLDER, "", folders=[top])
    _folder(pst, root, NID_ROOT_FOLDER)
    path.write_bytes(pst.finish())


def _folder(pst: _File, folder: PstFolder, parent: int) -> None:
    name = folder.name.encode("utf-16-le")
    properties = {PR_DISPLAY_NAME: (PT_UNICODE, name),
                  0x3602: (PT_LONG, struct.pack("<i", len(folder.messages))),  # content count
                  0x360A: (PT_BOOLEAN, bytes([bool(folder.folders)]))}  # fmt: skip
    pst.node(folder.nid, property_context(properties), parent)
    hierarchy = [{PT_TABLE_ROW_ID: struct.pack("<I", sub.nid),
                  0x3001001F: sub.name.encode("utf-16-le")} for sub in folder.folders]  # fmt: skip
    contents = [{PT_TABLE_ROW_ID: struct.pack("<I", m.nid)} for m in folder.messages]
    base = folder.nid & ~0x1F
    pst.node(base | HIERARCHY, table_context([0x3001001F], hierarchy))
    pst.node(base | CONTENTS, table_context([], contents))
    pst.node(base | ASSOC_CONTENTS, table_context([], []))
    for message in folder.messages:
        _message(pst, message, folder.nid)
    for sub in folder.folders:
        _folder(pst, sub, folder.nid)


def _message(pst: _File, message: PstMessage, parent: int) -> None:
    data, sub = _message_nodes(pst, message)
    pst.nodes.append((message.nid, 0x7FFFFFF0 if message.broken else data, sub, parent))


def _message_nodes(pst: _File, message: PstMessage) -> tuple[int, int]:
    """Write a message's property context and its subnodes; return their bids."""
    properties = {PR_MESSAGE_CLASS: (PT_UNICODE, "IPM.Note".encode("utf-16-le"))}
    properties.update(message.properties)
    subnodes = []
    if message.recipients:
        columns = sorted({(key << 16) | kind for row in message.recipients
                          for key, (kind, _) in row.items()})  # fmt: skip
        rows = [{PT_TABLE_ROW_ID: struct.pack("<I", index),
                 **{(key << 16) | kind: data for key, (kind, data) in row.items()}}
                for index, row in enumerate(message.recipients)]  # fmt: skip
        subnodes.append((NID_RECIPIENT_TABLE, pst.block(table_context(columns, rows)), 0))
    if message.attachments:
        rows = []
        for index, attachment in enumerate(message.attachments):
            nid = ((0x8000 + index) << 5) | 0x05
            attached = dict(attachment.properties)
            inner: list[tuple[int, int, int]] = []
            if attachment.embedded is not None:
                # [MS-PST] 2.3.3.5: an object property's heap item is (subnode NID, size).
                inner_nid = ((0x9000 + index) << 5) | 0x04
                inner_data, inner_subnodes = _message_nodes(pst, attachment.embedded)
                inner.append((inner_nid, inner_data, inner_subnodes))
                attached[PR_ATTACH_DATA_OBJECT] = (0x000D, struct.pack("<II", inner_nid, 0))
            data = property_context(attached, pst, inner)
            subnodes.append((nid, pst.block(data), pst.subnodes(inner) if inner else 0))
            rows.append({PT_TABLE_ROW_ID: struct.pack("<I", nid)})
        subnodes.append((NID_ATTACHMENT_TABLE, pst.block(table_context([], rows)), 0))
    data = property_context(properties, pst, subnodes)
    sub = pst.subnodes(subnodes) if subnodes else 0
    return pst.block(data), sub
