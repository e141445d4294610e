"""The import page, as a user works it: pick sources, look at them, import, cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from archiver.core.accounts import Account
from archiver.core.catalog import Catalog
from archiver.core.importers import discovery
from archiver.gui.context import AppContext
from archiver.gui.pages.importing import ImportPage
from tests.helpers.mailgen import generate_message
from tests.helpers.mailsources import mboxrd, snapshot, thunderbird_profile
from tests.helpers.outlook import items, write_msg, write_test_pst

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qtbot, context: AppContext) -> ImportPage:
    context.save_config(context.config.with_account(Account(name="office", host="h", user="u")))
    page = ImportPage(context)
    qtbot.addWidget(page)
    page.resize(900, 640)
    return page


def test_look_first_then_import(qtbot, page: ImportPage, context, tmp_path, screenshots):
    profile, expected = thunderbird_profile(tmp_path / "tb")
    (tmp_path / "Outlook.pst").write_bytes(b"!BDN")
    before = snapshot(tmp_path / "tb")
    assert not page.look_button.isEnabled() and not page.import_button.isEnabled()
    page.add_sources([profile, tmp_path / "Outlook.pst"])
    assert page.look_button.isEnabled() and not page.import_button.isEnabled()

    with qtbot.waitSignal(page.looked, timeout=30_000):
        qtbot.mouseClick(page.look_button, Qt.MouseButton.LeftButton)
    rows = [page.found.topLevelItem(i).text(0) for i in range(page.found.topLevelItemCount())]
    assert "Imported/Local Folders/Inbox" in rows and len(rows) == 4
    assert f"{len(expected)} messages" not in page.summary.text()
    assert page.summary.text().startswith(f"{len(expected) + 1} messages found; {len(expected)}")
    assert "Not imported" in page.summary.text() and "Outlook" in page.summary.text()
    assert page.import_button.isEnabled()
    assert not (context.archive_root / "office").exists()
    page.grab().save(str(screenshots / "import-looked.png"))

    with qtbot.waitSignal(page.imported, timeout=60_000):
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    assert page.summary.text().startswith(f"Imported {len(expected)} messages")
    assert not page.import_button.isEnabled()  # look again before importing more
    with Catalog.open(context.archive_root) as catalog:
        assert len(catalog.records("office")) == len(expected)
    assert snapshot(tmp_path / "tb") == before
    page.grab().save(str(screenshots / "import-done.png"))


def test_cancel_stops_at_a_safe_point(qtbot, page: ImportPage, context, tmp_path):
    (tmp_path / "big.mbox").write_bytes(mboxrd([generate_message(i) for i in range(300)]))
    page.add_sources([tmp_path / "big.mbox"])
    with qtbot.waitSignal(page.looked, timeout=30_000):
        page.look()
    with qtbot.waitSignal(page.imported, timeout=60_000):
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
        assert page.cancel_button.isEnabled() and not page.look_button.isEnabled()
        qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    assert "Cancelled at a safe point" in page.summary.text()
    with Catalog.open(context.archive_root) as catalog:
        assert catalog.records("office") == []
    assert Path(page.sources.item(0).text()) == tmp_path / "big.mbox"


def test_outlook_files_and_a_missing_reader_in_german(
    qtbot, german, context, tmp_path, monkeypatch, screenshots
):
    """.msg files are found and imported; a PST without its reader is named with what the
    app lacks, in German and without command-line advice."""
    monkeypatch.setattr(discovery, "pypff_module", lambda: None)
    (tmp_path / "Outlook" / "Gespeichert").mkdir(parents=True)
    for index, item in enumerate(items().values()):
        write_msg(tmp_path / "Outlook" / "Gespeichert" / f"Nachricht {index}.msg", item)
    (tmp_path / "Outlook" / "Archiv 2019.pst").write_bytes(b"!BDN")
    context.save_config(context.config.with_account(Account(name="office", host="h", user="u")))
    page = ImportPage(context)
    qtbot.addWidget(page)
    page.resize(900, 640)
    page.add_sources([tmp_path / "Outlook"])
    with qtbot.waitSignal(page.looked, timeout=30_000):
        qtbot.mouseClick(page.look_button, Qt.MouseButton.LeftButton)
    assert page.found.topLevelItem(0).text(0) == "Imported/Outlook/Gespeichert"
    assert page.found.topLevelItem(0).text(1) == "6"
    summary = page.summary.text()
    assert "6 Nachrichten gefunden" in summary, summary
    assert "Archiv 2019.pst" in summary and "Zusatzpaket libpff-python" in summary
    assert "pip" not in summary and "--" not in summary
    page.grab().save(str(screenshots / "import-outlook.png"))
    with qtbot.waitSignal(page.imported, timeout=60_000):
        qtbot.mouseClick(page.import_button, Qt.MouseButton.LeftButton)
    with Catalog.open(context.archive_root) as catalog:
        assert len(catalog.records("office")) == 6


@pytest.mark.expect_log("WARNING", "archiver.core.jobs.importing", "item 3: the Outlook item")
def test_outlook_data_file_folders_are_listed(qtbot, page: ImportPage, tmp_path, screenshots):
    pytest.importorskip("pypff", reason="libpff-python (the outlook extra) is absent")
    write_test_pst(tmp_path / "Archiv 2019.pst")
    page.add_sources([tmp_path / "Archiv 2019.pst"])
    with qtbot.waitSignal(page.looked, timeout=30_000):
        qtbot.mouseClick(page.look_button, Qt.MouseButton.LeftButton)
    rows = [
        (page.found.topLevelItem(i).text(0), page.found.topLevelItem(i).text(1))
        for i in range(page.found.topLevelItemCount())
    ]
    assert rows == [
        ("Imported/Archiv 2019/Posteingang", "5"),
        ("Imported/Archiv 2019/Akten_2019", "2"),
    ]
    assert "Unreadable:" in page.summary.text() and "the Outlook item cannot be read" in (
        page.summary.text()
    )
    page.grab().save(str(screenshots / "import-pst.png"))
