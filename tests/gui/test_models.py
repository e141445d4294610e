"""The results table model: Qt's model tester, what the cells show, sorting 100,000 results."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import replace

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QIcon
from PySide6.QtTest import QAbstractItemModelTester

from archiver.core.index.search import Hit
from archiver.gui.models import Column, HitTableModel, display_name, sort_orders

pytestmark = pytest.mark.gui

MANY = 100_000


def make_hits(count: int, seed: int = 1) -> list[Hit]:
    """Return *count* synthetic results, newest first as a search gives them."""
    rng = random.Random(seed)
    start = dt.datetime(2015, 1, 1, 8, 0)
    hits = [
        Hit(
            id=i + 1,
            account=rng.choice(["office", "Privat"]),
            folder=rng.choice(["INBOX", "Sent", "Akten/2022", "archiv"]),
            date=start + dt.timedelta(minutes=37 * i),
            sender=f"Person {i % 700} <person{i % 700}@example.org>",
            to="post@kanzlei.example",
            subject=rng.choice(["Rechnung", "angebot", "Über", "meeting", ""]) + f" {i}",
            size=rng.randint(500, 5_000_000),
            flags=("seen",) if i % 5 else ("unread",),
            attachments=("Beleg.pdf",) if i % 10 == 0 else (),
            preview="",
            score=0.0,
        )
        for i in range(count)
    ]
    return hits[::-1]


def model_tester(model: HitTableModel) -> QAbstractItemModelTester:
    """Return Qt's model tester, reporting through Qt warnings (which fail the test)."""
    return QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Warning)


def test_passes_the_model_tester_with_100000_hits(qtbot):
    model = HitTableModel()
    model.set_hits(make_hits(MANY))
    check = model_tester(model)  # walks every cell of every row once
    assert model.rowCount() == MANY and model.columnCount() == len(Column)
    assert model.rowCount(model.index(0, 0)) == 0  # a flat table
    del check


def test_passes_the_model_tester_through_resets_and_sorts(qtbot):
    model = HitTableModel()
    check = model_tester(model)
    model.set_hits(make_hits(300))
    for column in Column:
        model.sort(column, Qt.SortOrder.AscendingOrder)
        model.sort(column, Qt.SortOrder.DescendingOrder)
    model.set_hits(make_hits(50, seed=2))
    model.clear()
    assert model.rowCount() == 0
    del check


def test_sorting_by_orders_gives_the_order_sorting_by_keys_gives(qtbot):
    """Orders made off the GUI thread sort as the keys do, ties and repeated sorts included."""
    hits = make_hits(2000)
    by_keys, by_orders = HitTableModel(), HitTableModel()
    check = model_tester(by_orders)
    by_keys.set_hits(hits)
    by_orders.set_hits(hits, sort_orders(hits))
    for column in [Column.FOLDER, Column.SUBJECT, *Column]:  # folder first: many ties
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            by_keys.sort(column, order)
            by_orders.sort(column, order)
            assert [h.id for h in by_orders.hits] == [h.id for h in by_keys.hits]
    newer = make_hits(1500, seed=3)  # new results keep the sort order
    by_keys.set_hits(newer)
    by_orders.set_hits(newer, sort_orders(newer))
    assert [h.id for h in by_orders.hits] == [h.id for h in by_keys.hits]
    del check


def test_cells_show_what_a_mail_client_shows(qtbot):
    hit = Hit(
        id=7,
        account="office",
        folder="Akten/2022",
        date=dt.datetime(2022, 3, 1, 9, 30),
        sender="Hans Müller <hans.mueller@ag-berlin.example>",
        to="post@kanzlei.example",
        subject="Pfändungsbeschluss",
        size=1536,
        flags=("unread",),
        attachments=("Beschluss.pdf", "Anlage.pdf"),
        preview="",
        score=0.0,
    )
    bare = Hit(
        8, "office", "INBOX", dt.datetime(2022, 3, 2), "x@example.org", "", "", 10, ("seen",),
        (), "", 0.0,
    )  # fmt: skip
    model = HitTableModel()
    model.set_hits([hit, bare])

    def cell(row: int, column: Column, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return model.data(model.index(row, column), role)

    local = hit.date.replace(tzinfo=dt.UTC).astimezone()  # the computer's time zone
    shown = str(cell(0, Column.DATE))
    assert shown.startswith(f"{local.month}/{local.day}/{local:%y} ")
    assert f"{local.hour % 12 or 12}:{local:%M}" in shown
    assert cell(0, Column.SENDER) == "Hans Müller"
    assert cell(0, Column.SENDER, Qt.ItemDataRole.ToolTipRole) == hit.sender
    assert cell(0, Column.SUBJECT) == "Pfändungsbeschluss"
    assert cell(0, Column.FOLDER) == "Akten/2022" and cell(0, Column.ACCOUNT) == "office"
    assert cell(0, Column.SIZE) == "1.5 kB"  # Qt's traditional units: powers of 1024
    assert isinstance(cell(0, Column.ATTACHMENT, Qt.ItemDataRole.DecorationRole), QIcon)
    assert "Beschluss.pdf, Anlage.pdf" in str(
        cell(0, Column.ATTACHMENT, Qt.ItemDataRole.ToolTipRole)
    )
    font = cell(0, Column.SUBJECT, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()  # unread
    assert cell(0, Column.SUBJECT, HitTableModel.HIT_ROLE) is hit

    assert cell(1, Column.SENDER) == "x@example.org"
    assert cell(1, Column.SUBJECT) == "(no subject)"
    assert cell(1, Column.ATTACHMENT, Qt.ItemDataRole.DecorationRole) is None
    assert cell(1, Column.SUBJECT, Qt.ItemDataRole.FontRole) is None
    assert model.data(QModelIndex()) is None

    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert titles == ["Date", "From", "Subject", "Folder", "Account", "Size", ""]
    assert (
        model.headerData(Column.ATTACHMENT, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        == "Attachments"
    )


def test_a_hit_found_inside_an_attachment_says_where(qtbot):
    base = Hit(
        9, "office", "INBOX", dt.datetime(2022, 3, 2), "x@example.org", "", "Post", 10,
        ("seen",), ("Beschluss.pdf",), "", 0.0, matched_inside=True,
    )  # fmt: skip
    two = replace(base, id=10, attachments=("Beschluss.pdf", "Anlage.docx"))
    plain = replace(base, id=11, matched_inside=False)
    model = HitTableModel()
    model.set_hits([base, two, plain])

    def tip(row: int) -> object:
        return model.data(model.index(row, Column.ATTACHMENT), Qt.ItemDataRole.ToolTipRole)

    assert tip(0) == "Found in: Beschluss.pdf"
    assert tip(1) == "Found in an attachment (in bold in the preview): Beschluss.pdf, Anlage.docx"
    assert tip(2) == "Attachments: Beschluss.pdf"
    icons = [model.data(model.index(r, Column.ATTACHMENT), Qt.ItemDataRole.DecorationRole)
             for r in range(3)]  # fmt: skip
    assert icons[0].cacheKey() == icons[1].cacheKey() != icons[2].cacheKey()  # highlighted


def test_display_name_falls_back_to_the_address_then_the_text():
    assert display_name('"Meier, Hans" <h@example.org>') == "Meier, Hans"
    assert display_name("<h@example.org>") == "h@example.org"
    assert display_name("") == ""


def test_sorting_100000_hits_is_quick_and_keeps_the_selection(qtbot):
    model = HitTableModel()
    hits = make_hits(MANY)
    model.set_hits(hits)
    chosen = QPersistentModelIndex(model.index(12_345, Column.SUBJECT))
    chosen_hit = model.hit(12_345)

    started = time.perf_counter()
    model.sort(Column.SUBJECT, Qt.SortOrder.AscendingOrder)
    took = time.perf_counter() - started

    subjects = [model.hit(row).subject.casefold() for row in range(MANY)]
    assert subjects == sorted(subjects)
    assert model.hit(chosen.row()) is chosen_hit  # the selection moved with its row
    assert took < 2.0, f"sorting took {took:.2f} s"

    model.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    sizes = [model.hit(row).size for row in range(MANY)]
    assert sizes == sorted(sizes, reverse=True)
    model.sort(Column.DATE, Qt.SortOrder.DescendingOrder)
    assert list(model.hits) == hits  # back to the search's own order, newest first


def test_new_results_keep_the_chosen_sort_order(qtbot):
    model = HitTableModel()
    model.sort(Column.SENDER, Qt.SortOrder.AscendingOrder)
    model.set_hits(make_hits(500))
    senders = [display_name(model.hit(row).sender).casefold() for row in range(500)]
    assert senders == sorted(senders)
