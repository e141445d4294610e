"""OCR of scanned PDFs and images: optional, off by default, within the attachment's limits.

With Tesseract installed (and its German data) the real program reads our own scans; the
plumbing is also tested with a stub, so that it runs where Tesseract is absent (Windows CI).
"""

from __future__ import annotations

import pytest

from archiver.cli import main
from archiver.core.config import Config, load_config, save_config
from archiver.core.index import ocr
from archiver.core.index.attachments_text import Limits, read_attachment, read_pdf_here
from tests.helpers import docgen

SCAN = docgen.scanned_pdf(["Pfändungsbeschluss des Amtsgerichts Köln"])
PICTURE = docgen.png("Vollstreckungsauftrag gegen Meier")

needs_tesseract = pytest.mark.skipif(
    ocr.unavailable() is not None, reason=f"{ocr.unavailable()} (apt-get install tesseract-ocr-deu)"
)


def test_without_ocr_a_scan_is_marked_and_a_picture_is_not_read():
    (scan,) = read_attachment("scan.pdf", "application/pdf", SCAN)
    assert scan.is_scan and not scan.text
    assert read_attachment("seite.png", "image/png", PICTURE) == []


@needs_tesseract
def test_ocr_reads_a_scanned_pdf():
    (scan,) = read_attachment("scan.pdf", "application/pdf", SCAN, limits=Limits(ocr=True))
    assert "Pfändungsbeschluss" in scan.text and scan.is_scan and not scan.partial


@needs_tesseract
def test_ocr_reads_a_picture_of_a_page():
    (picture,) = read_attachment("seite.png", "image/png", PICTURE, limits=Limits(ocr=True))
    assert "Vollstreckungsauftrag" in picture.text and not picture.unreadable


@pytest.fixture
def stub_ocr(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, float, int | None]]:
    """Tesseract replaced by a stub that records its calls (in this process only)."""
    calls: list[tuple[bytes, float, int | None]] = []

    def recognize(image: bytes, seconds: float, *, dpi: int | None = None) -> str:
        calls.append((image, seconds, dpi))
        return "Erkannter Text"

    monkeypatch.setattr(ocr, "recognize", recognize)
    return calls


def test_a_scan_is_rendered_page_by_page_for_ocr(stub_ocr):
    """The helper process's reader, called here so that the stub applies."""
    scan = docgen.scanned_pdf(["Seite eins", "Seite zwei"])
    (item,) = read_pdf_here("scan.pdf", scan, Limits(ocr=True))
    assert item.text == "Erkannter Text\nErkannter Text" and item.is_scan
    assert [image[:2] for image, _, _ in stub_ocr] == [b"P5", b"P5"]  # grey PGM pages
    assert all(0 < seconds <= 10 and dpi == ocr.DPI for _, seconds, dpi in stub_ocr)


def test_small_images_are_not_read_by_ocr(stub_ocr):
    logo = PICTURE[: ocr.MIN_IMAGE_BYTES - 1]
    assert read_attachment("logo.png", "image/png", logo, limits=Limits(ocr=True)) == []
    assert read_attachment("seite.png", "image/png", PICTURE, limits=Limits(ocr=True))
    assert len(stub_ocr) == 1


def test_without_tesseract_ocr_says_so(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(ocr, "find_tesseract", lambda: None)
    assert ocr.unavailable() == "Tesseract OCR is not installed"
    (picture,) = read_attachment("seite.png", "image/png", PICTURE, limits=Limits(ocr=True))
    assert picture.unreadable == "OCR: Tesseract OCR is not installed"
    (scan,) = read_pdf_here("scan.pdf", SCAN, Limits(ocr=True))
    assert scan.is_scan and scan.partial == "OCR: Tesseract OCR is not installed"


def test_reindex_with_ocr_refuses_without_tesseract(home, monkeypatch, capsys):
    monkeypatch.setattr(ocr, "find_tesseract", lambda: None)
    assert main(["reindex", "--ocr"]) != 0
    assert "Tesseract OCR is not installed: install Tesseract" in capsys.readouterr().err


def test_the_ocr_setting_is_saved_and_off_by_default(tmp_path):
    path = tmp_path / "config.json"
    assert load_config(path).ocr is False
    save_config(Config(ocr=True), path)
    assert load_config(path).ocr is True
