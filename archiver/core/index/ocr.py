"""Text of scanned PDFs and images by OCR, through the tesseract program where installed.

Optional and off by default (setting ``ocr``, ``imap-archiver reindex --ocr``): OCR takes
about a second per page, and needs Tesseract with its German language data, which we do
not ship (Windows: the UB Mannheim installer; Debian/Ubuntu: ``tesseract-ocr-deu``). The
program is called directly (no Python binding to install): an image goes in on stdin, the
text comes out on stdout, and the call is killed when the attachment's time is up, so OCR
never holds indexing longer than the attachment's limit.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

LANGUAGES = ("deu", "eng")  # German first: our users' mail; English for the rest
DPI = 300  # what Tesseract reads best; a letter page is 2550 x 3300 pixels
MAX_PIXELS = 40_000_000  # of one rendered page (a poster is rendered at a lower resolution)
MIN_IMAGE_BYTES = 16 * 1024  # smaller images are logos and signatures, not documents


class OcrFailed(Exception):
    """Raised when tesseract is missing, fails on an image, or runs out of time."""


def find_tesseract() -> Path | None:
    """Return the tesseract program: on the PATH, else where its Windows installer puts it."""
    found = shutil.which("tesseract")
    if found:
        return Path(found)
    for variable in ("ProgramFiles", "ProgramFiles(x86)", "LOCALAPPDATA"):
        base = os.environ.get(variable)
        if base:
            candidate = Path(base) / "Tesseract-OCR" / "tesseract.exe"
            if candidate.is_file():
                return candidate
    return None


@functools.cache
def _languages(program: Path) -> str:
    """Return the ``-l`` argument: those of LANGUAGES installed, or "" if none is."""
    try:
        listed = subprocess.run(
            [str(program), "--list-langs"], capture_output=True, timeout=30, check=True
        ).stdout.decode(errors="replace")
    except (OSError, subprocess.SubprocessError):
        return ""
    installed = set(listed.split())
    return "+".join(lang for lang in LANGUAGES if lang in installed)


def unavailable() -> str | None:
    """Return why OCR cannot run here (English, for the user), or None when it can."""
    program = find_tesseract()
    if program is None:
        return "Tesseract OCR is not installed"
    if not _languages(program):
        return "Tesseract OCR has no German or English language data"
    return None


def recognize(image: bytes, seconds: float, *, dpi: int | None = None) -> str:
    """Return the text of *image* (PNG, JPEG, TIFF, BMP, PNM) within *seconds*.

    *dpi*: the image's resolution when its file does not say (a page we rendered).
    Raises OcrFailed.
    """
    program = find_tesseract()
    if program is None or not (languages := _languages(program)):
        raise OcrFailed(unavailable() or "OCR is not available")
    if seconds <= 0:
        raise OcrFailed("no time left for OCR")
    try:
        done = subprocess.run(
            [str(program), "stdin", "stdout", "-l", languages]
            + (["--dpi", str(dpi)] if dpi else []),
            input=image,
            capture_output=True,
            timeout=seconds,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrFailed(f"OCR stopped after {seconds:.3g} s") from exc
    except OSError as exc:
        raise OcrFailed(f"tesseract could not run ({exc})") from exc
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise OcrFailed(f"tesseract failed ({reason[-1] if reason else done.returncode})")
    return done.stdout.decode("utf-8", errors="replace")


def pgm(width: int, height: int, stride: int, pixels: bytes) -> bytes:
    """Return a grey image (one byte per pixel, rows *stride* apart) as a PGM file."""
    rows = (
        pixels
        if stride == width
        else b"".join(pixels[y * stride : y * stride + width] for y in range(height))
    )
    return b"P5\n%d %d\n255\n" % (width, height) + rows
