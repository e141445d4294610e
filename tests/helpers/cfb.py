"""A minimal writer of OLE compound files ([MS-CFB] version 3), for test .msg files.

No Python library writes compound files, and the .msg reader must be tested on real ones.
This writes what a reader needs and no more: the header with its DIFAT (up to 109 FAT
sectors, plenty for a test), the FAT, the directory, the mini FAT and mini stream for
streams under 4096 bytes, and regular sector chains for larger ones. The directory's
red-black tree is all black: each storage's children hang off its ``child`` entry as a chain
of right siblings, sorted as the format compares names (length first, then upper case), which
is a valid (if unbalanced) search tree.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from pathlib import Path

Tree = dict[str, "bytes | Tree"]  # a storage: name → stream bytes, or a storage

SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
BLACK = 1
SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    child: int = NOSTREAM
    right: int = NOSTREAM
    start: int = ENDOFCHAIN
    children: list[int] = field(default_factory=list)


def write_cfb(path: Path, tree: Tree) -> None:
    """Write *tree* (the root storage's contents) as a compound file at *path*."""
    path.write_bytes(cfb_bytes(tree))


def cfb_bytes(tree: Tree) -> bytes:
    """Return *tree* as compound file bytes."""
    entries = [_Entry("Root Entry", ROOT)]
    _add_children(entries, 0, tree)

    mini = bytearray()
    mini_fat: list[int] = []
    large: list[_Entry] = []
    for entry in entries:
        if entry.kind != STREAM or not entry.data:
            continue
        if len(entry.data) >= MINI_CUTOFF:
            large.append(entry)
            continue
        first = len(mini) // MINI_SECTOR
        count = -(-len(entry.data) // MINI_SECTOR)
        mini_fat += [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        mini += entry.data.ljust(count * MINI_SECTOR, b"\0")
        entry.start = first

    # The regular sector chains, in file order after the FAT: directory, mini FAT, mini
    # stream, large streams. Their starts are known once the FAT's own size is.
    directory_size = -(-len(entries) // 4) * 4 * 128
    chains: list[int] = [
        -(-directory_size // SECTOR),
        -(-len(mini_fat) * 4 // SECTOR),
        -(-len(mini) // SECTOR),
        *(-(-len(e.data) // SECTOR) for e in large),
    ]
    other = sum(chains)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < other + fat_sectors:
        fat_sectors += 1
    fat = [FATSECT] * fat_sectors
    starts = []
    for length in chains:
        starts.append(len(fat) if length else ENDOFCHAIN)
        fat += [len(fat) + i + 1 for i in range(length - 1)] + ([ENDOFCHAIN] if length else [])
    fat += [FREESECT] * (fat_sectors * (SECTOR // 4) - len(fat))
    directory_start, mini_fat_start, mini_start, *large_starts = starts
    for entry, start in zip(large, large_starts, strict=True):
        entry.start = start
    entries[0].start = mini_start if mini else ENDOFCHAIN
    entries[0].data = bytes(len(mini))  # only its size is written for the root

    directory = b"".join(_directory_entry(e) for e in entries)
    directory += _free_entry() * (directory_size // 128 - len(entries))
    body = b"".join(struct.pack("<I", n) for n in fat)
    for data in (directory, b"".join(struct.pack("<I", n) for n in mini_fat), bytes(mini),
                 *(e.data for e in large)):  # fmt: skip
        if data:
            body += data.ljust(-(-len(data) // SECTOR) * SECTOR, b"\0")

    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    header = SIGNATURE + bytes(16) + struct.pack(
        "<HHHHH6sIIIIIIIII",
        0x003E, 3, 0xFFFE, 9, 6, bytes(6),
        0, fat_sectors, directory_start, 0, MINI_CUTOFF,
        mini_fat_start, chains[1], ENDOFCHAIN, 0,
    )  # fmt: skip
    header += b"".join(struct.pack("<I", n) for n in difat)
    assert len(header) == SECTOR
    return header + body


def _add_children(entries: list[_Entry], parent: int, tree: Tree) -> None:
    ids = []
    for name in sorted(tree, key=lambda n: (len(n), n.upper())):
        value = tree[name]
        ids.append(len(entries))
        if isinstance(value, bytes):
            entries.append(_Entry(name, STREAM, value))
        else:
            entries.append(_Entry(name, STORAGE))
            _add_children(entries, ids[-1], value)
    for here, after in itertools.pairwise(ids):
        entries[here].right = after
    if ids:
        entries[parent].child = ids[0]


def _directory_entry(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\0\0"
    size = len(entry.data) if entry.kind != STORAGE else 0
    start = entry.start if entry.kind != STORAGE else 0
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name, len(name), entry.kind, BLACK, NOSTREAM, entry.right, entry.child,
        bytes(16), 0, 0, 0, start, size,
    )  # fmt: skip


def _free_entry() -> bytes:
    return struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM,
                       bytes(16), 0, 0, 0, 0, 0)  # fmt: skip
