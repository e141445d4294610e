"""PDFs are read in a helper process that is killed when one takes too long or dies.

A hostile PDF costs at most its time limit: it is recorded as unreadable ("time limit") and
the next attachments and messages are read. The misbehaving reader is a test seam
(tests/helpers/stuck_reader.py); the hard limit is two seconds, not the real fifteen.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import index

from archiver.core.index import reader_process
from archiver.core.index.attachments_text import Limits, read_attachment
from archiver.core.index.extract import extract
from archiver.core.index.indexer import document
from archiver.core.index.reader_process import ReaderProcess, costly_attachments
from archiver.core.index.schema import build_schema
from archiver.core.index.search import ArchiveSearcher
from tests.helpers import docgen, stuck_reader
from tests.helpers.wine import wine_gap
from tests.unit.test_attachments_text import _record

BESCHLUSS = docgen.pdf(["Pfändungsbeschluss des Amtsgerichts"])


@pytest.fixture
def stuck() -> Iterator[ReaderProcess]:
    """The process-wide PDF reader replaced by one that hangs or crashes on some names."""
    reader = ReaderProcess(stuck_reader.hang_or_read, hard_limit=2.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader_process, "PDF_READER", reader)
        yield reader
    reader.close()


def test_a_pdf_that_hangs_is_unreadable_and_the_next_one_is_read(stuck):
    (hung,) = read_attachment("haengt.pdf", "application/pdf", BESCHLUSS)
    assert hung.unreadable == "time limit: not read within 2 s" and not hung.text
    (read,) = read_attachment("beschluss.pdf", "application/pdf", BESCHLUSS)
    assert "Pfändungsbeschluss" in read.text and not read.unreadable


def test_a_pdf_that_crashes_its_reader_is_unreadable_and_the_next_one_is_read(stuck):
    (crashed,) = read_attachment("absturz.pdf", "application/pdf", BESCHLUSS)
    assert crashed.unreadable == "the PDF reader failed on this file"
    (read,) = read_attachment("beschluss.pdf", "application/pdf", BESCHLUSS)
    assert "Pfändungsbeschluss" in read.text


def test_a_pdf_in_a_zip_that_hangs_costs_that_member_only(stuck):
    archive = docgen._zip({"haengt.pdf": BESCHLUSS, "brief.rtf": docgen.rtf(["Mahnung"])})
    items = {i.name: i for i in read_attachment("akte.zip", "application/zip", archive)}
    assert items["akte.zip/haengt.pdf"].unreadable.startswith("time limit")
    assert "Mahnung" in items["akte.zip/brief.rtf"].text


def test_indexing_goes_on_after_a_pdf_that_hangs(stuck, tmp_path: Path):
    messages = [
        docgen.mail_with([("haengt.pdf", "application/pdf", BESCHLUSS)], subject="Erste"),
        docgen.mail_with([], subject="Zweite", body="Mit freundlichen Grüßen"),
        docgen.mail_with([("beschluss.pdf", "application/pdf", BESCHLUSS)], subject="Dritte"),
    ]
    (tmp_path / ".index").mkdir()
    ix = index.create_in(str(tmp_path / ".index"), build_schema())
    with ix.writer() as writer:
        for number, data in enumerate(messages, 1):
            writer.add_document(**document(_record(number, data), data))
    with ArchiveSearcher(tmp_path) as searcher:
        (unreadable,) = searcher.search("has:unreadable").hits
        assert unreadable.id == 1
        assert unreadable.unreadable == ("haengt.pdf: time limit: not read within 2 s",)
        assert [h.id for h in searcher.search("freundlichen").hits] == [2]
        assert [h.id for h in searcher.search("inside:Pfändungsbeschluss").hits] == [3]


def test_an_attachment_that_cost_its_limit_is_not_read_again_for_snippets(stuck):
    notes = ("haengt.pdf: time limit: not read within 2 s", "kaputt.pdf: not a readable PDF")
    assert costly_attachments(notes) == {"haengt.pdf"}
    assert costly_attachments(("absturz.pdf: the PDF reader failed on this file",)) == {
        "absturz.pdf"
    }
    data = docgen.mail_with(
        [
            ("haengt.pdf", "application/pdf", BESCHLUSS),
            ("beschluss.pdf", "application/pdf", BESCHLUSS),
        ]
    )
    content = extract(data, skip=costly_attachments(notes))  # the stuck reader is not called
    assert [item.name for item in content.inside] == ["beschluss.pdf"]


@pytest.mark.skipif(
    sys.platform not in ("linux", "win32"), reason="macOS does not enforce a memory limit"
)
@wine_gap("a Job Object's memory limit is accepted and not enforced")
def test_the_helper_memory_is_limited():
    reader = ReaderProcess(stuck_reader.allocate, memory_limit=512 * 2**20)
    try:
        (item,) = reader.read("gross.pdf", b"", Limits())
    finally:
        reader.close()
    assert item.unreadable == "memory refused"


def test_the_real_reader_reads_in_its_helper_process():
    reader = ReaderProcess()
    try:
        (item,) = reader.read("beschluss.pdf", BESCHLUSS, Limits())
    finally:
        reader.close()
    assert "Amtsgerichts" in item.text


@pytest.mark.skipif(sys.platform != "win32", reason="Job Objects are Windows'")
def test_the_helper_runs_in_a_job_of_its_own_on_windows():
    """Where Wine cannot show the limit working, it shows the helper joined its job."""
    reader = ReaderProcess(stuck_reader.in_job)
    try:
        (item,) = reader.read("gross.pdf", b"", Limits())
    finally:
        reader.close()
    assert item.text == "in a job"
