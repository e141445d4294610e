"""Special folders are shown in the user's language (Posteingang, Gesendet, Papierkorb, ...)
wherever the GUI names folders, while queries, the archive and the catalog keep the server's
names."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication

from archiver.core.accounts import Account
from archiver.core.imap import FolderInfo
from archiver.core.jobs.archive import ArchiveResult, FolderReport
from archiver.core.jobs.inspect import AccountOverview, FolderOverview
from archiver.gui.app import install_translators
from archiver.gui.dialogs.account import FolderTableModel
from archiver.gui.folder_names import folder_text, server_names
from archiver.gui.models import Column, HitTableModel
from archiver.gui.pages.archive_folders import FolderListing, FolderTree
from archiver.gui.pages.archive_summary import run_summary
from archiver.gui.pages.search_jobs import SearchRequest
from tests.gui.test_models import make_hits

pytestmark = pytest.mark.gui


@pytest.fixture
def german(qapp: QApplication) -> Iterator[None]:
    """The German translation and locale, as a German user runs the app."""
    translators = install_translators(qapp, "de")
    assert translators, "the German translation did not load"
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    yield
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    for translator in translators:
        qapp.removeTranslator(translator)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("INBOX", "Posteingang"),
        ("Sent", "Gesendet"),
        ("Gesendete Objekte", "Gesendet"),
        ("INBOX.Sent", "Gesendet"),
        ("Drafts", "Entwürfe"),
        ("Deleted Items", "Papierkorb"),
        ("Junk", "Spam"),
        ("Archive", "Archiv"),
        ("INBOX/Projekte", "Posteingang/Projekte"),
        ("Akten/2022", "Akten/2022"),
        ("Kunden/Sent", "Kunden/Sent"),  # a folder of the user's own, deeper down
    ],
)
def test_special_folder_names_in_german(german, name, shown):
    assert folder_text(name) == shown


def test_in_english_the_inbox_is_the_inbox():
    assert folder_text("INBOX") == "Inbox"
    assert folder_text("Gesendete Objekte") == "Sent"


def _listing(folders: list[FolderInfo]) -> FolderListing:
    account = Account(name="office", host="127.0.0.1", user="anna")
    sizes = tuple(FolderOverview(f.name, f.special_use, 1, 100) for f in folders)
    return FolderListing(account, tuple(folders), AccountOverview(sizes, None, True, False))


def test_the_archive_tree_names_special_folders_by_their_flags(qtbot, german):
    tree = FolderTree()
    qtbot.addWidget(tree)
    listing = _listing(
        [
            FolderInfo("INBOX", "/", ()),
            FolderInfo("INBOX/Projekte", "/", ()),
            FolderInfo("Gesendete Objekte", "/", ("\\Sent",)),
            FolderInfo("Deleted Messages", "/", ("\\Trash",)),
            FolderInfo("Sent", "/", ()),  # the server flags its folders: a folder of the user's
        ]
    )

    tree.show_listing(listing, {})

    shown = {name: tree.item_for(name).text(FolderTree.NAME) for name in tree.checks()}
    assert shown == {
        "INBOX": "Posteingang",
        "INBOX/Projekte": "Projekte",
        "Gesendete Objekte": "Gesendet",
        "Deleted Messages": "Papierkorb",
        "Sent": "Sent",
    }
    assert tree.item_for("Deleted Messages").toolTip(FolderTree.NAME) == "Deleted Messages"
    top = [tree.topLevelItem(i).text(FolderTree.NAME) for i in range(tree.topLevelItemCount())]
    assert top == ["Posteingang", "Gesendet", "Papierkorb", "Sent"]  # special ones first
    # What is ticked is named to the job by the server's names.
    assert set(tree.checked_folders()) == {"INBOX", "INBOX/Projekte", "Gesendete Objekte", "Sent"}


def test_a_server_without_flags_has_its_special_folders_known_by_name(qtbot, german):
    tree = FolderTree()
    qtbot.addWidget(tree)
    listing = _listing(
        [
            FolderInfo(name, ".", ())
            for name in ("INBOX", "INBOX.Sent", "INBOX.Trash", "INBOX.Kunden")
        ]
    )

    tree.show_listing(listing, {})

    assert tree.item_for("INBOX.Sent").text(FolderTree.NAME) == "Gesendet"
    assert tree.item_for("INBOX.Trash").text(FolderTree.NAME) == "Papierkorb"
    assert tree.item_for("INBOX.Kunden").text(FolderTree.NAME) == "Kunden"


def test_the_account_dialogs_folder_table_names_them_too(qtmodeltester, german):
    model = FolderTableModel()
    model.set_folders(
        [
            FolderOverview("INBOX", None, 3, 300),
            FolderOverview("Sent Messages", "\\Sent", 1, 100),
            FolderOverview("Spam", None, 0, 0),  # flags in use: a folder of the user's own
        ]
    )
    qtmodeltester.check(model)
    names = [model.index(row, 0).data() for row in range(model.rowCount())]
    assert names == ["Posteingang", "Gesendet", "Spam"]
    tooltip = model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == "Sent Messages"


def test_search_results_show_the_folder_in_german_and_sort_by_what_is_shown(german):
    hits = [
        dataclasses.replace(hit, folder=folder)
        for hit, folder in zip(make_hits(3), ["INBOX", "Sent", "INBOX/Akten"], strict=True)
    ]
    model = HitTableModel()
    model.set_hits(hits)
    column = Column.FOLDER

    model.sort(column, Qt.SortOrder.AscendingOrder)

    shown = [model.index(row, column).data() for row in range(3)]
    assert shown == ["Gesendet", "Posteingang", "Posteingang/Akten"]
    tooltips = [model.index(row, column).data(Qt.ItemDataRole.ToolTipRole) for row in range(3)]
    assert tooltips == ["Sent", "INBOX", "INBOX/Akten"]  # what a folder: query takes


def test_the_run_summary_names_folders_in_german(german):
    inbox = FolderReport("INBOX", on_server_before=3, error="gone")
    text, _ = run_summary(ArchiveResult("office", False, [inbox]))
    assert "• Ordner Posteingang: gone" in text


def test_a_special_folder_typed_in_german_stands_for_its_server_names(german):
    assert server_names("posteingang") == ("posteingang", "INBOX")
    sent = server_names("Gesendet")
    assert {"Gesendet", "sent", "gesendete objekte", "sent items"} <= set(sent)
    assert server_names("Kunden") == () and server_names("") == ()
    request = SearchRequest(folder="Papierkorb", folder_names=server_names("Papierkorb"))
    assert request.query().startswith('(folder:"Papierkorb" OR folder:"deleted items" OR ')
