"""The text inside attachments, for the index: PDF, Office and OpenDocument files, RTF, more.

Our users' important mail is a PDF (a court order, an invoice); search finds the words in it
like the words of the body. What is read:

- **PDF** through pypdfium2 (Google's PDFium, the engine of Chrome's viewer). Chosen over
  pdfminer.six and pypdf, both pure Python: on the benchmark's text PDFs PDFium read a page
  2.4 times as fast as pypdf and 35 times as fast as pdfminer.six (docs/SEARCH.md, "Why
  pypdfium2"), it is hardened against hostile files by Chrome's fuzzing, repairs damaged
  cross-reference tables as viewers do, and ships self-contained wheels for Windows, macOS
  and Linux (no system library). Its cost: one native library of a few MB, and a call into
  it cannot be interrupted (see below).
- **DOCX, XLSX, PPTX, ODT, ODS, ODP**: zip files of XML, parsed with defusedxml (entity
  declarations refused, so an XML "billion laughs" fails at once instead of expanding).
- **RTF** by a small reader of our own (no maintained library fits: striprtf is one person's
  regular expressions): text, ``\\'hh`` and ``\\uN`` escapes in the document's code page,
  with font tables, pictures and other destinations skipped.
- Plain text, CSV and HTML attachments; ``.eml`` files (as mail, recursively, to a depth of
  MAX_DEPTH); zip archives one level deep (a zip inside a zip is not opened).

Every attachment is read within :class:`Limits`, so a hostile or huge file costs at most
its limit and never stops indexing: input bytes, characters of text, PDF pages, unpacked
bytes of a zip (a zip bomb declares or unpacks more and is refused), zip members, and time.
The time limit is checked between pages, zip members and every few thousand XML elements
and RTF tokens. A single PDFium call (one page) cannot be interrupted, so PDFs are read in a
helper process (:mod:`archiver.core.index.reader_process`) that is killed when one takes
longer than its limit, and whose memory is limited where the system allows. What could not be
read, or was read only in part, says why (:attr:`AttachmentText.unreadable`,
:attr:`AttachmentText.partial`); a PDF with pages but no text at all is a scan.
Nothing here raises for bad input.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where a zip is read: a search's snippets read none
    import zipfile

log = logging.getLogger(__name__)

MAX_DEPTH = 3  # .eml inside .eml inside ...; zip archives only at the top


@dataclass(frozen=True, slots=True)
class Limits:
    """What reading one attachment may cost at most, and whether OCR may be part of it."""

    max_bytes: int = 64 * 1024 * 1024  # the attachment itself
    max_chars: int = 200_000  # text kept per attachment (about 60 pages of dense text)
    max_pages: int = 200  # PDF pages read
    max_unpacked: int = 64 * 1024 * 1024  # bytes unpacked from a zip (Office files are zips)
    max_members: int = 200  # zip members read
    seconds: float = 10.0  # wall time, checked between pages, members and XML elements
    ocr: bool = False  # scanned PDFs and images read by OCR (module ocr), within the same time


LIMITS = Limits()


def limits_for(ocr_setting: bool) -> Limits:
    """Return the limits under the user's OCR setting: OCR only where Tesseract can run, or
    every scan would be recorded unreadable for want of a program, not for a fault of its own.
    """
    from archiver.core.index import ocr  # noqa: PLC0415 (runs a program: only when asked)

    return Limits(ocr=ocr_setting and ocr.unavailable() is None)


@dataclass(frozen=True, slots=True)
class AttachmentText:
    """What one attachment says, or why it could not be read.

    *name* is the attachment's file name (``archiv.zip/brief.docx`` for a zip member).
    *unreadable* is empty when it was read; otherwise the reason. *partial* names the limit
    that cut it (the text read so far is kept). *is_scan*: a PDF of pages without text.
    """

    name: str
    text: str = ""
    unreadable: str = ""
    partial: str = ""
    is_scan: bool = False


class _Unreadable(Exception):
    """Raised inside a reader when the attachment cannot be read; its message says why."""


class _Cut(Exception):
    """Raised inside a reader when a limit is reached; the text read so far is kept."""


class _ScanCut(_Cut):
    """Raised when OCR of a scanned PDF stops early: the file is a scan all the same."""


@dataclass(slots=True)
class _Work:
    """The budget of one top-level attachment, shared by what is nested in it."""

    limits: Limits
    deadline: float
    unpacked: int  # bytes a zip may still unpack
    texts: list[str] = field(default_factory=list)
    chars: int = 0

    def add(self, text: str) -> None:
        """Keep *text*; raise _Cut once max_chars are kept."""
        room = self.limits.max_chars - self.chars
        self.texts.append(text[:room])
        self.chars += min(len(text), room)
        if self.chars >= self.limits.max_chars:
            raise _Cut(f"only the first {self.limits.max_chars:,} characters were read")

    def check_time(self) -> None:
        """Raise _Cut when the time is up."""
        if time.monotonic() >= self.deadline:  # ">=": Windows' clock ticks in 15.6 ms steps
            raise _Cut(f"reading stopped after {self.limits.seconds:.3g} s")

    def take(self) -> str:
        """Return the text kept so far and start a new one."""
        text = "".join(self.texts).strip()
        self.texts, self.chars = [], 0
        return text


# --- which kind of file ----------------------------------------------------------------------

_BY_EXTENSION = {
    "pdf": "pdf",
    "rtf": "rtf",
    "txt": "text",
    "text": "text",
    "csv": "text",
    "tsv": "text",
    "log": "text",
    "md": "text",
    "htm": "html",
    "html": "html",
    "eml": "eml",
    "zip": "zip",
} | dict.fromkeys(
    ("docx", "docm", "dotx", "xlsx", "xlsm", "pptx", "pptm", "odt", "ott", "ods", "odp"), "package"
)
_BY_TYPE = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "text/plain": "text",
    "text/csv": "text",
    "text/html": "html",
    "message/rfc822": "eml",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
}


def kind_of(name: str, content_type: str, data: bytes) -> str | None:
    """Return how to read an attachment (pdf, package, rtf, text, html, eml, zip) or None.

    Decided by the file's first bytes where they are unambiguous (a PDF named .doc is a
    PDF), else by the name's extension, else by the content type. Images, audio and anything
    else unknown is None: not read, and not unreadable either.
    """
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    found = _BY_EXTENSION.get(extension)
    if found is None:
        content_type = content_type.lower()
        if content_type.startswith(
            (
                "application/vnd.openxmlformats-officedocument.",
                "application/vnd.oasis.opendocument.",
            )
        ):
            found = "package"
        else:
            found = _BY_TYPE.get(content_type)
    if found is None and data.startswith(b"PK\x03\x04"):
        found = "zip"  # a zip of unknown name: an Office file or an archive, see _read_zip
    return found


_IMAGE_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM")


def _is_document_image(content_type: str, data: bytes) -> bool:
    """Whether an attachment is an image big enough to be a scanned page (PNG, JPEG, TIFF)."""
    from archiver.core.index.ocr import MIN_IMAGE_BYTES  # noqa: PLC0415

    return (
        content_type.lower().startswith(("image/", "application/octet-stream"))
        and data.startswith(_IMAGE_SIGNATURES)
        and len(data) >= MIN_IMAGE_BYTES
    )


# --- the entry point ----------------------------------------------------------------------------


def read_attachment(
    name: str,
    content_type: str,
    data: bytes,
    *,
    charset: str | None = None,
    limits: Limits = LIMITS,
    depth: int = 0,
) -> list[AttachmentText]:
    """Return the text of one attachment, and of what is inside it (zip members, mail).

    An empty list for kinds that hold no text we read (images). Never raises for bad input:
    what cannot be read comes back with its reason.
    """
    kind = kind_of(name, content_type, data)
    if kind is None and limits.ocr and _is_document_image(content_type, data):
        kind = "image"
    if kind is None:
        return []
    if len(data) > limits.max_bytes:
        return [AttachmentText(name, unreadable=f"larger than {limits.max_bytes // 2**20} MB")]
    work = _Work(limits, time.monotonic() + limits.seconds, limits.max_unpacked)
    return _read(kind, name, data, charset, work, depth)


def _read(
    kind: str, name: str, data: bytes, charset: str | None, work: _Work, depth: int
) -> list[AttachmentText]:
    """Read one file of a known *kind* within *work*'s budget (a PDF in the helper process)."""
    if kind == "pdf":
        if _PDF_OBJECT not in data:
            return [AttachmentText(name, unreadable=NO_PDF_OBJECTS)]
        from archiver.core.index import reader_process  # noqa: PLC0415  # it imports us

        left = dataclasses.replace(work.limits, seconds=max(0.0, work.deadline - time.monotonic()))
        return reader_process.PDF_READER.read(name, data, left)
    return _read_here(kind, name, data, charset, work, depth)


def read_pdf_here(name: str, data: bytes, limits: Limits) -> list[AttachmentText]:
    """Read a PDF in this process: what the helper process does (reader_process)."""
    work = _Work(limits, time.monotonic() + limits.seconds, limits.max_unpacked)
    return _read_here("pdf", name, data, None, work, 0)


def _read_here(
    kind: str, name: str, data: bytes, charset: str | None, work: _Work, depth: int
) -> list[AttachmentText]:
    """Read one file of a known *kind* in this process within *work*'s budget."""
    nested: list[AttachmentText] = []
    partial = ""
    is_scan = False
    try:
        if kind == "pdf":
            is_scan = _read_pdf(data, work)
        elif kind == "rtf":
            _read_rtf(data, work)
        elif kind == "text":
            _read_plain(data, charset, work)
        elif kind == "html":
            _read_html(data, charset, work)
        elif kind == "eml":
            _read_eml(name, data, work, depth, nested)
        elif kind == "image":
            _read_image(data, work)
        else:
            _read_zip(name, data, work, depth, nested, as_archive=kind == "zip")
    except _Cut as cut:
        partial = str(cut)
        is_scan = isinstance(cut, _ScanCut)
    except _Unreadable as exc:
        log.debug("Attachment %r not read: %s", name, exc)
        work.take()
        return [AttachmentText(name, unreadable=str(exc)), *nested]
    except (RecursionError, MemoryError) as exc:
        # Beyond what our limits foresee; the message is still indexed without this text.
        log.debug("Attachment %r not read: %r", name, exc)
        work.take()
        return [AttachmentText(name, unreadable="too complex to read")]
    text = work.take()
    if not text and not is_scan and kind == "zip" and nested:
        if partial:  # an archive cut short: its members speak for it, and the cut for it
            return [*nested, AttachmentText(name, partial=partial)]
        return nested
    return [AttachmentText(name, text, partial=partial, is_scan=is_scan), *nested]


# --- PDF -----------------------------------------------------------------------------------------

# A PDF is made of numbered objects ("1 0 obj ... endobj"), its catalogue among them, so a
# file that never says "obj" is none, whatever its name or first line: a damaged download,
# or other data sent as application/pdf. PDFium refuses it too, but only after scanning all
# of it for objects (about 25 ms a MB, docs/PERFORMANCE.md), in the helper process, which
# is started and sent the file for it. Such a file is refused here without either.
_PDF_OBJECT = b"obj"
# Begins like PDFium's refusal, so that a search's snippets do not read it again either
# (snippets.REFUSED).
NO_PDF_OBJECTS = "not a readable PDF (no PDF objects in it)"

# PDFium is not thread-safe; read_pdf_here may be called by threads of one process.
_PDFIUM = threading.Lock()


def _read_pdf(data: bytes, work: _Work) -> bool:
    """Read a PDF's text page by page; return True for a scan (pages, but no text at all)."""
    import pypdfium2  # noqa: PLC0415  # a native library: loaded only when a PDF comes

    with _PDFIUM:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as exc:
            # Damaged beyond repair, not a PDF, or encrypted with a password.
            raise _Unreadable(f"not a readable PDF ({exc})") from exc
        try:
            pages = len(document)
            any_text = False
            broken = 0
            for number in range(min(pages, work.limits.max_pages)):
                work.check_time()
                try:
                    page = document[number]
                except pypdfium2.PdfiumError:
                    broken += 1  # a broken page (a loop in the page tree): others may read
                    continue
                try:
                    textpage = page.get_textpage()
                    try:
                        text = textpage.get_text_range()
                    finally:
                        textpage.close()
                finally:
                    page.close()
                if text.strip():
                    any_text = True
                    work.add(text + "\n")
            if broken and broken == min(pages, work.limits.max_pages):
                raise _Unreadable(f"no page of the PDF could be read (of {pages})")
            if pages > 0 and not any_text and work.limits.ocr:
                try:
                    _ocr_pages(document, min(pages, work.limits.max_pages), work)
                except _Cut as cut:
                    raise _ScanCut(str(cut)) from cut
            if pages > work.limits.max_pages:
                raise _Cut(f"only the first {work.limits.max_pages} of {pages} pages were read")
            return pages > 0 and not any_text
        finally:
            document.close()


def _ocr_pages(document: Any, count: int, work: _Work) -> None:
    """Add the text OCR finds on the first *count* pages of a scanned PDF to *work*."""
    import pypdfium2  # noqa: PLC0415

    from archiver.core.index import ocr  # noqa: PLC0415

    for number in range(count):
        work.check_time()
        try:
            page = document[number]
        except pypdfium2.PdfiumError:
            continue
        try:
            width, height = page.get_size()  # in points, 72 to the inch
            scale = min(ocr.DPI / 72, (ocr.MAX_PIXELS / max(1.0, width * height)) ** 0.5)
            bitmap = page.render(scale=scale, grayscale=True)
            image = ocr.pgm(bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer))
        finally:
            page.close()
        try:
            text = ocr.recognize(image, work.deadline - time.monotonic(), dpi=round(72 * scale))
        except ocr.OcrFailed as exc:
            raise _Cut(f"OCR: {exc}") from exc
        work.add(text + "\n")


def _read_image(data: bytes, work: _Work) -> None:
    """Add the text OCR finds in an image (a scanned page sent as a picture) to *work*."""
    from archiver.core.index import ocr  # noqa: PLC0415

    try:
        work.add(ocr.recognize(data, work.deadline - time.monotonic()))
    except ocr.OcrFailed as exc:
        raise _Unreadable(f"OCR: {exc}") from exc


# --- Office Open XML, OpenDocument, zip ------------------------------------------------------

# Members holding a package's text, in reading order (numbers sorted as numbers).
_PACKAGE_MEMBERS = re.compile(
    r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml"
    r"|xl/sharedStrings\.xml|xl/worksheets/sheet\d+\.xml"
    r"|ppt/slides/slide\d+\.xml|ppt/notesSlides/notesSlide\d+\.xml"
    r"|content\.xml"
)
_NUMBER = re.compile(r"(\d+)")


def _member_order(name: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in _NUMBER.split(name)]


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, work: _Work) -> bytes:
    """Return a member's bytes, within what the budget lets unpack (the declared size may lie)."""
    import zipfile  # noqa: PLC0415  # see the imports

    if info.file_size > work.unpacked:
        raise _Unreadable(f"unpacks to more than {work.limits.max_unpacked // 2**20} MB")
    try:
        with archive.open(info) as member:
            data = member.read(work.unpacked + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        # NotImplementedError (an unknown compression, encryption) is a RuntimeError.
        raise _Unreadable(f"a damaged zip file ({exc})") from exc
    except (RuntimeError, NotImplementedError) as exc:
        raise _Unreadable(f"an encrypted or unsupported zip file ({exc})") from exc
    if len(data) > work.unpacked:
        raise _Unreadable(f"unpacks to more than {work.limits.max_unpacked // 2**20} MB")
    work.unpacked -= len(data)
    return data


def _read_zip(
    name: str,
    data: bytes,
    work: _Work,
    depth: int,
    found: list[AttachmentText],
    *,
    as_archive: bool,
) -> None:
    """Read an Office or OpenDocument file, or (*as_archive*, at the top) a zip's members.

    The members' texts go to *found*, as they are read (a limit may stop the rest).
    """
    import zipfile  # noqa: PLC0415  # see the imports

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _Unreadable(f"not a readable zip file ({exc})") from exc
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        members = sorted(
            (i for i in infos if _PACKAGE_MEMBERS.fullmatch(i.filename)),
            key=lambda i: _member_order(i.filename),
        )
        if members and (not as_archive or "[Content_Types].xml" in names or "mimetype" in names):
            for info in members:
                work.check_time()
                _xml_text(_unpack(archive, info, work), work)
            return
        if not as_archive:
            raise _Unreadable("not an Office or OpenDocument file")
        if depth > 0:
            return  # one level deep: a zip inside a zip (or a mail) is not opened
        files = [i for i in infos if not i.is_dir()]
        for info in files[: work.limits.max_members]:
            work.check_time()
            inner = f"{name}/{info.filename}"
            content = _unpack(archive, info, work)
            kind = kind_of(info.filename, "", content)
            if kind is None or kind == "zip":
                continue
            member_work = _Work(work.limits, work.deadline, work.unpacked)
            found += _read(kind, inner, content, None, member_work, depth + 1)
            work.unpacked = member_work.unpacked
        if len(files) > work.limits.max_members:
            raise _Cut(f"only the first {work.limits.max_members} files were read")


# Elements after which words are separated: paragraphs, cells, rows, tabs, breaks (the local
# names of WordprocessingML, SpreadsheetML, DrawingML and OpenDocument).
_SEPARATED = frozenset(
    {"p", "h", "br", "tab", "cr", "tc", "tr", "row", "c", "si", "s", "line-break", "table-cell"}
)


def _xml_text(data: bytes, work: _Work) -> None:
    """Add the text of an XML member (a document's body, a sheet) to *work*.

    Text nodes are joined as they come (Word splits one word over several runs), with a
    line break after paragraph-like elements. Walked without recursion: nesting depth costs
    no stack.
    """
    import defusedxml.ElementTree  # noqa: PLC0415

    try:
        root = defusedxml.ElementTree.fromstring(data)
    except defusedxml.DefusedXmlException as exc:
        raise _Unreadable(f"XML with entity declarations, refused ({type(exc).__name__})") from exc
    except (SyntaxError, ValueError) as exc:  # ParseError is a SyntaxError
        raise _Unreadable(f"damaged XML ({exc})") from exc
    stack: list[tuple[Any, bool]] = [(root, False)]
    steps = 0
    while stack:
        element, closing = stack.pop()
        steps += 1
        if steps % 4096 == 0:
            work.check_time()
        tag = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if closing:
            if tag in _SEPARATED:
                work.add("\n")
            if element.tail:
                work.add(element.tail)
            continue
        stack.append((element, True))
        if tag == "c" and element.get("t") == "s":
            continue  # a cell's shared-string number, not its text (that is in si)
        if element.text:
            work.add(element.text)
        stack.extend((child, False) for child in reversed(element))


# --- RTF ---------------------------------------------------------------------------------------

_RTF_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word with its parameter
    rb"|\\'([0-9a-fA-F]{2})"  # a byte in the code page
    rb"|\\([^a-zA-Z'])"  # control symbol
    rb"|([{}])"
    rb"|([^\\{}\r\n]+)"  # text
    rb"|[\r\n]+"
    rb"|\\",
)
# Destinations that hold no text of the document (tables, pictures, metadata).
_RTF_SKIPPED = frozenset(
    b"fonttbl colortbl stylesheet info pict object themedata datastore xmlnstbl listtable "
    b"listoverridetable rsidtbl generator latentstyles filetbl revtbl mmathPr colorschememapping "
    b"fldinst bkmkstart bkmkend private".split()
)
_RTF_BREAKS = frozenset(b"par line sect page row cell tab".split())


def _read_rtf(data: bytes, work: _Work) -> None:
    """Add an RTF document's text to *work* (the code page from \\ansicpg, else Windows-1252)."""
    codec = "cp1252"
    skip_depth: int | None = None  # the group depth at which a skipped destination began
    depth = 0
    uc = 1  # characters after \uN that stand in for readers without Unicode
    pending_skip = 0
    raw = bytearray()  # \'hh bytes waiting to be decoded together (multi-byte code pages)

    def flush() -> None:
        if raw:
            work.add(raw.decode(codec, errors="replace"))
            raw.clear()

    position = 0
    steps = 0
    while position < len(data):
        match = _RTF_TOKEN.match(data, position)
        if match is None:  # cannot happen (the last alternative takes any byte), but be safe
            position += 1
            continue
        position = match.end()
        steps += 1
        if steps % 4096 == 0:
            work.check_time()
        word, parameter, hexbyte, symbol, brace, text = match.groups()
        if brace == b"{":
            depth += 1
            continue
        if brace == b"}":
            flush()
            if skip_depth is not None and depth <= skip_depth:
                skip_depth = None
            depth -= 1
            continue
        skipping = skip_depth is not None
        if word is not None:
            if word == b"bin" and parameter:  # raw binary data follows
                position += max(0, int(parameter))
                continue
            if skipping:
                continue
            if word in _RTF_SKIPPED:
                skip_depth = depth
            elif word == b"ansicpg" and parameter:
                flush()
                codec = _rtf_codec(int(parameter), codec)
            elif word == b"uc" and parameter:
                uc = max(0, int(parameter))
            elif word == b"u" and parameter:
                flush()
                work.add(chr(int(parameter) % 65536))
                pending_skip = uc
            elif word in _RTF_BREAKS:
                flush()
                work.add("\n" if word != b"tab" else " ")
            continue
        if skipping:
            continue
        if symbol is not None:
            if symbol == b"*":
                skip_depth = depth  # an ignorable destination
            elif symbol in b"\\{}":
                flush()
                work.add(symbol.decode())
            elif symbol == b"~":
                flush()
                work.add(" ")
            elif symbol == b"_":
                flush()
                work.add("-")
            continue
        if pending_skip:  # the stand-in for the \uN just read
            pending_skip -= 1
            if hexbyte is not None:
                continue
            if text is not None:
                text = text[1:]
        if hexbyte is not None:
            raw.append(int(hexbyte, 16))
        elif text:
            flush()
            work.add(text.decode(codec, errors="replace"))
    flush()


def _rtf_codec(codepage: int, current: str) -> str:
    import codecs  # noqa: PLC0415

    try:
        return codecs.lookup(f"cp{codepage}").name
    except LookupError:
        return current


# --- text, HTML, mail ------------------------------------------------------------------------


def _read_plain(data: bytes, charset: str | None, work: _Work) -> None:
    from archiver.core.index.extract import decode_bytes  # noqa: PLC0415  # extract imports us

    # Four bytes per character at most: no need to decode more than can be kept.
    work.add(decode_bytes(data[: work.limits.max_chars * 4], charset))


def _read_html(data: bytes, charset: str | None, work: _Work) -> None:
    from archiver.core.index.extract import decode_bytes  # noqa: PLC0415
    from archiver.core.index.htmltext import html_to_text  # noqa: PLC0415

    work.add(html_to_text(decode_bytes(data, charset)))


def _read_eml(name: str, data: bytes, work: _Work, depth: int, found: list[AttachmentText]) -> None:
    """Add a mail file's headers and text to *work*, its own attachments' texts to *found*."""
    from archiver.core.index.extract import extract  # noqa: PLC0415

    if depth + 1 >= MAX_DEPTH:
        raise _Unreadable(f"mail nested more than {MAX_DEPTH} deep")
    # Its attachments share what is left of this one's time.
    left = dataclasses.replace(work.limits, seconds=max(0.0, work.deadline - time.monotonic()))
    content = extract(data, depth=depth + 1, limits=left)
    found.extend(
        AttachmentText(
            f"{name}/{inner.name}", inner.text, inner.unreadable, inner.partial, inner.is_scan
        )
        for inner in content.inside
    )
    work.add("\n".join([content.subject, content.from_, content.to, content.body]))
