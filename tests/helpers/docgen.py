"""Documents with known text, made in the test suite: PDF, DOCX, XLSX, PPTX, ODT, ODS, RTF.

Each is the least a reader accepts: a PDF of a few objects with a Helvetica text line per
page (WinAnsi encoding, so German umlauts work), Office Open XML and OpenDocument packages
as zip files of XML strings, RTF written by hand. Also hostile ones: a PDF whose page tree
points at itself, a zip bomb, an XML "billion laughs".
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from xml.sax.saxutils import escape


def _pdf_string(text: str) -> bytes:
    """Return *text* as a PDF literal string in WinAnsi (cp1252), escaped."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf(objects: Sequence[bytes]) -> bytes:
    """Return a PDF file of *objects* (object 1 the catalog) with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf(pages: Sequence[str]) -> bytes:
    """Return a PDF with the text *pages[i]* on page i, a line per line (empty: no text)."""
    count = len(pages)
    # 1 catalog, 2 page tree, 3 font, then a page and its content stream for each page.
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for i, text in enumerate(pages):
        # One text line per line of *text*, 14 points apart (T* moves down by TL).
        lines = b" Tj T* ".join(_pdf_string(line) for line in text.split("\n"))
        stream = b"BT /F1 12 Tf 14 TL 72 760 Td " + lines + b" Tj ET" if text else b""
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return _pdf(objects)


def looping_pdf() -> bytes:
    """Return a PDF whose page tree lists itself as its own kid (a reference loop)."""
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1000000 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1000000 >>",
        ]
    )


def _zip(members: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx(paragraphs: Sequence[str], *, body_xml: str | None = None) -> bytes:
    """Return a DOCX whose paragraphs are *paragraphs*, each word split over two runs.

    *body_xml* replaces word/document.xml (for hostile XML).
    """

    def paragraph(text: str) -> str:
        half = len(text) // 2  # a word split over runs must still read as one word
        runs = (escape(text[:half]), escape(text[half:]))
        return "<w:p>" + "".join(f"<w:r><w:t>{run}</w:t></w:r>" for run in runs) + "</w:p>"

    document = body_xml or (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body>'
        + "".join(paragraph(p) for p in paragraphs)
        + "</w:body></w:document>"
    )
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
            "word/document.xml": document,
        }
    )


def xlsx(cells: Sequence[str]) -> bytes:
    """Return an XLSX whose shared strings are *cells*, one per row of sheet 1, and a number."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    strings = "".join(f"<si><t>{escape(c)}</t></si>" for c in cells)
    rows = "".join(
        f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(len(cells))
    )
    return _zip(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types/>',
            "xl/sharedStrings.xml": f"<sst {ns}>{strings}</sst>",
            "xl/worksheets/sheet1.xml": f"<worksheet {ns}><sheetData>{rows}"
            '<row><c r="B1"><v>4711.5</v></c></row></sheetData></worksheet>',
        }
    )


def pptx(slides: Sequence[str]) -> bytes:
    """Return a PPTX with one text paragraph per slide."""
    ns = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    members: dict[str, str | bytes] = {"[Content_Types].xml": '<?xml version="1.0"?><Types/>'}
    for i, text in enumerate(slides, start=1):
        members[f"ppt/slides/slide{i}.xml"] = (
            f"<sld {ns}><a:p><a:r><a:t>{escape(text)}</a:t></a:r></a:p></sld>"
        )
    return _zip(members)


def _odf(mimetype: str, body: str) -> bytes:
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
        f"<office:body>{body}</office:body></office:document-content>"
    )
    return _zip({"mimetype": mimetype, "content.xml": content})


def odt(paragraphs: Sequence[str]) -> bytes:
    """Return an ODT text document of *paragraphs*."""
    body = "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs)
    return _odf("application/vnd.oasis.opendocument.text", f"<office:text>{body}</office:text>")


def ods(cells: Sequence[str]) -> bytes:
    """Return an ODS spreadsheet with *cells* in one column."""
    rows = "".join(
        f"<table:table-row><table:table-cell><text:p>{escape(c)}</text:p></table:table-cell>"
        "</table:table-row>"
        for c in cells
    )
    table = f'<table:table table:name="T">{rows}</table:table>'
    return _odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        f"<office:spreadsheet>{table}</office:spreadsheet>",
    )


def rtf(paragraphs: Sequence[str]) -> bytes:
    r"""Return an RTF document; non-ASCII as \'hh (cp1252) or \uN escapes, with a font table."""

    def escaped(text: str) -> str:
        out = []
        for char in text:
            if char in "\\{}":
                out.append("\\" + char)
            elif ord(char) < 128:
                out.append(char)
            elif ord(char) < 256:
                out.append(f"\\'{ord(char):02x}")
            else:
                out.append(f"\\u{ord(char)}?")
        return "".join(out)

    body = "\\par\n".join(escaped(p) for p in paragraphs)
    return (
        "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Helvetica;}}"
        "{\\*\\generator Hand;}{\\info{\\title Geheim}}\n\\f0\\fs24 " + body + "\\par\n}"
    ).encode("ascii")


def zip_bomb(unpacked: int = 200 * 1024 * 1024) -> bytes:
    """Return a zip holding one member that unpacks to *unpacked* zero bytes (a few hundred KB)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (1024 * 1024)
        for _ in range(unpacked // len(chunk)):
            member.write(chunk)
    return buffer.getvalue()


def billion_laughs() -> str:
    """Return XML whose entities expand to about 3 GB (if a parser let them)."""
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?><!DOCTYPE lolz [' + "".join(entities) + "]>"
        f"<w:document {_W}><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )


def mail_with(
    attachments: Sequence[tuple[str, str, bytes]],
    *,
    subject: str = "Unterlagen",
    body: str = "Anbei die Unterlagen.",
    date: str = "Tue, 01 Mar 2022 10:00:00 +0100",
) -> bytes:
    """Return a multipart/mixed message with a text body and (name, content type, bytes)."""
    import base64  # noqa: PLC0415
    from urllib.parse import quote  # noqa: PLC0415

    boundary = "=_docgen_boundary"
    parts = [
        f"From: Gerichtsvollzieher <gv@ag-berlin.example>\r\nTo: post@kanzlei.example\r\n"
        f"Subject: {subject}\r\nDate: {date}\r\nMessage-ID: <{abs(hash(subject))}@docgen>\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    ]
    for name, content_type, data in attachments:
        encoded = base64.encodebytes(data).decode().replace("\n", "\r\n")
        param = f'filename="{name}"' if name.isascii() else f"filename*=utf-8''{quote(name)}"
        parts.append(
            f"--{boundary}\r\nContent-Type: {content_type}\r\n"
            f"Content-Disposition: attachment; {param}\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}"
        )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode()


def scanned_pdf(pages: Sequence[str], dpi: int = 200) -> bytes:
    """Return a PDF of grey images of *pages* (rendered from pdf(pages)), without text: a scan."""
    import zlib  # noqa: PLC0415

    import pypdfium2  # noqa: PLC0415

    source = pypdfium2.PdfDocument(pdf(pages))
    count = len(pages)
    # 1 catalog, 2 page tree, then a page, its content stream and its image for each page.
    kids = b" ".join(b"%d 0 R" % (3 + 3 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
    ]
    for i in range(count):
        bitmap = source[i].render(scale=dpi / 72, grayscale=True)
        width, height, stride = bitmap.width, bitmap.height, bitmap.stride
        raw = bytes(bitmap.buffer)
        rows = b"".join(raw[y * stride : y * stride + width] for y in range(height))
        pixels = zlib.compress(rows)
        stream = b"q 612 0 0 792 0 0 cm /Im1 Do Q"
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /XObject << /Im1 %d 0 R >> >> "
            b"/Contents %d 0 R >>" % (5 + 3 * i, 4 + 3 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
            % (width, height, len(pixels))
            + pixels
            + b"\nendstream"
        )
    source.close()
    return _pdf(objects)


def png(pages_text: str, dpi: int = 200) -> bytes:
    """Return a grey PNG of a page showing *pages_text* (a scanned page sent as a picture)."""
    import struct  # noqa: PLC0415
    import zlib  # noqa: PLC0415

    import pypdfium2  # noqa: PLC0415

    source = pypdfium2.PdfDocument(pdf([pages_text]))
    bitmap = source[0].render(scale=dpi / 72, grayscale=True)
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    raw = bytes(bitmap.buffer)
    source.close()
    rows = b"".join(b"\x00" + raw[y * stride : y * stride + width] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )
