"""Render the app icon's PNG sizes, the Windows .ico and the macOS .icns from the SVG source.

    python packaging/render_icons.py

Writes resources/icons/imap-archiver-<N>.png for every size in SIZES (drawn by Qt's
QSvgRenderer on the offscreen platform, no screen needed), resources/icons/imap-archiver.ico
holding the sizes up to 256 as PNG images (the ICO format allows PNG payloads since Windows
Vista) and resources/icons/imap-archiver.icns holding the same PNGs under the types macOS
reads (PNG payloads since OS X 10.7). Writing both containers here keeps Pillow and Apple's
iconutil out of the build. Commit the results; run again after changing the SVG.
"""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
SVG = ICONS / "imap-archiver.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = tuple(size for size in SIZES if size <= 256)  # an ICO entry holds at most 256
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The .icns entry types holding PNG data, with the pixel size each must have: @1x types for
# 16, 32, 128, 256, 512 and Retina (@2x) types for 16 to 256. ic10 (512@2x, 1024 pixels) is
# left out: SIZES stops at 512, and macOS scales the 512 image up where it needs more.
ICNS_TYPES = {
    b"icp4": 16,
    b"icp5": 32,
    b"ic11": 32,
    b"ic12": 64,
    b"ic07": 128,
    b"ic13": 256,
    b"ic08": 256,
    b"ic14": 512,
    b"ic09": 512,
}


def png_path(size: int) -> Path:
    """Where the PNG of *size* pixels lives."""
    return ICONS / f"imap-archiver-{size}.png"


def png_size(data: bytes) -> tuple[int, int]:
    """Return (width, height) from a PNG's header (its IHDR chunk comes first)."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def ico_bytes(pngs: Mapping[int, bytes]) -> bytes:
    """Return an .ico file holding the square PNG images *pngs* (by size), smallest first.

    Layout: ICONDIR (reserved 0, type 1 = icon, count), one 16-byte ICONDIRENTRY per image
    (width and height as one byte each, 0 meaning 256; colours 0; reserved 0; planes 1;
    32 bits per pixel; byte length; offset), then the images one after another.
    """
    if not pngs:
        raise ValueError("an .ico needs at least one image")
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = [], []
    for size in sorted(pngs):
        data = pngs[size]
        if not 1 <= size <= 256 or png_size(data) != (size, size):
            raise ValueError(f"not a square PNG of {size} pixels (at most 256)")
        side = size % 256  # 256 is written as 0
        entries.append(struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset))
        images.append(data)
        offset += len(data)
    return header + b"".join(entries) + b"".join(images)


def ico_sizes(data: bytes) -> list[int]:
    """Return the sizes of the images an .ico file holds (for the tests)."""
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    if reserved != 0 or kind != 1:
        raise ValueError("not an .ico file")
    sizes = []
    for index in range(count):
        width, height, _, _, _, _, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * index
        )
        image = data[offset : offset + length]
        if len(image) != length:
            raise ValueError("truncated .ico file")
        if image.startswith(PNG_SIGNATURE) and png_size(image) != (width or 256, height or 256):
            raise ValueError("an .ico entry's size differs from its image")
        sizes.append(width or 256)
    return sizes


def icns_bytes(pngs: Mapping[int, bytes]) -> bytes:
    """Return an .icns file with an entry for every ICNS_TYPES type, from *pngs* (by size).

    Layout (all big-endian): the magic b"icns" and the file's total length (4 bytes), then
    entries of a 4-byte type, a 4-byte length counting these 8 header bytes, and the PNG.
    """
    entries = []
    for kind, size in ICNS_TYPES.items():
        data = pngs.get(size)
        if data is None or png_size(data) != (size, size):
            raise ValueError(f"{kind.decode()} needs a square PNG of {size} pixels")
        entries.append(kind + struct.pack(">I", 8 + len(data)) + data)
    body = b"".join(entries)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def icns_entries(data: bytes) -> dict[bytes, bytes]:
    """Return the entries of an .icns file by type (for the tests)."""
    magic, total = struct.unpack_from(">4sI", data, 0)
    if magic != b"icns" or total != len(data):
        raise ValueError("not an .icns file, or a truncated one")
    entries, offset = {}, 8
    while offset < total:
        kind, length = struct.unpack_from(">4sI", data, offset)
        if length < 8 or offset + length > total:
            raise ValueError(f"the {kind!r} entry's length {length} does not fit the file")
        entries[kind] = data[offset + 8 : offset + length]
        offset += length
    return entries


def render_png(svg: Path, size: int) -> bytes:
    """Draw *svg* into a transparent square of *size* pixels; return the PNG bytes."""
    # Imported here: the ICO functions above are used by Qt-free tests.
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF  # noqa: PLC0415, TID251
    from PySide6.QtGui import QImage, QPainter  # noqa: PLC0415, TID251
    from PySide6.QtSvg import QSvgRenderer  # noqa: PLC0415, TID251

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # a str: PySide6 refuses the bytes its stubs ask for
        raise SystemExit(f"cannot encode the {size} px PNG")
    return bytes(data.data())


def main() -> int:
    """Render every PNG size, the .ico and the .icns next to the SVG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication  # noqa: PLC0415, TID251

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    pngs = {size: render_png(SVG, size) for size in SIZES}
    for size, data in pngs.items():
        png_path(size).write_bytes(data)
        print(f"{png_path(size).relative_to(ROOT)}: {len(data)} bytes")
    ico = ICONS / "imap-archiver.ico"
    ico.write_bytes(ico_bytes({size: pngs[size] for size in ICO_SIZES}))
    print(f"{ico.relative_to(ROOT)}: {ico.stat().st_size} bytes")
    icns = ICONS / "imap-archiver.icns"
    icns.write_bytes(icns_bytes(pngs))
    print(f"{icns.relative_to(ROOT)}: {icns.stat().st_size} bytes")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
