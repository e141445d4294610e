"""OCR of scanned PDFs and images: optional, off by default, within the attachment's limits.

With Tesseract installed (and its German data) the real program reads our own scans; the
plumbing is also tested with a stub, so that it runs where Tesseract is absent (Windows CI).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.core.catalog import Catalog
from archiver.core.config import Config, load_config, save_config
from archiver.core.index import ocr
from archiver.core.index.attachments_text import (
    Limits,
    limits_for,
    read_attachment,
    read_pdf_here,
)
from archiver.core.index.indexer import catch_up_archive, index_dir
from archiver.core.index.search import ArchiveSearcher
from archiver.core.jobs.importing import ImportOptions, import_into, run_import
from archiver.core.jobs.verify import run_verify
from archiver.core.progress import CancelToken, ignore_progress
from archiver.core.store import open_store
from tests.helpers import docgen
from tests.helpers.mailsources import eml_folder

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


def test_ocr_is_asked_for_only_where_it_can_run(monkeypatch: pytest.MonkeyPatch):
    """A scan indexed without Tesseract would be recorded unreadable for want of a program."""
    assert limits_for(False) == Limits(ocr=False)
    monkeypatch.setattr(ocr, "find_tesseract", lambda: None)
    assert limits_for(True) == Limits(ocr=False)


def _hits(archive: Path, word: str) -> int:
    with ArchiveSearcher(archive) as searcher:
        return searcher.search(word).total


@needs_tesseract
@pytest.mark.expect_log("WARNING", "archiver.core.jobs.verify", "missing from the search index")
def test_the_setting_reaches_the_apps_catch_up_and_the_checks_repair(tmp_path: Path):
    """What is indexed after the run (the app's catch-up, "Check archive"'s repair of the
    index) reads scans by OCR as the setting says, as the archive run does."""
    eml_folder(tmp_path / "src", [docgen.mail_with([("scan.pdf", "application/pdf", SCAN)])])
    archive = tmp_path / "archive"
    archive.mkdir()
    with Catalog.open(archive) as catalog:  # imported, not yet indexed
        import_into(
            open_store("maildir", archive, "acc"), catalog, "acc", [tmp_path / "src"],
            ImportOptions(), report=ignore_progress, cancel=CancelToken(),
        )  # fmt: skip
    assert catch_up_archive(archive, report=ignore_progress, cancel=CancelToken(), ocr=False)
    assert _hits(archive, "pfändungsbeschluss") == 0
    shutil.rmtree(index_dir(archive))
    result = run_verify(
        archive, repair=True, report=ignore_progress, cancel=CancelToken(), ocr=True
    )
    assert result.index.repaired and _hits(archive, "pfändungsbeschluss") == 1
    shutil.rmtree(index_dir(archive))
    assert catch_up_archive(archive, report=ignore_progress, cancel=CancelToken(), ocr=True)
    assert _hits(archive, "pfändungsbeschluss") == 1


@needs_tesseract
def test_an_import_reads_scans_as_the_setting_says(tmp_path: Path):
    eml_folder(tmp_path / "src", [docgen.mail_with([("scan.pdf", "application/pdf", SCAN)])])
    archive = tmp_path / "archive"
    archive.mkdir()
    result = run_import(
        archive, "acc", [tmp_path / "src"], ImportOptions(ocr=True), "maildir",
        report=ignore_progress, cancel=CancelToken(),
    )  # fmt: skip
    assert result.imported == 1 and _hits(archive, "pfändungsbeschluss") == 1
