"""The search page against a real archive: mail put on Dovecot and archived by the core
(which indexes it), then searched, read, restored, exported and opened as a user would."""

from __future__ import annotations

import datetime as dt
import logging
import mailbox
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QPoint, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDesktopServices,
    QImage,
    QPixmap,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from archiver.core.catalog import Catalog, Location, Record, State
from archiver.core.errors import ArchiveReadOnly, QueryTooLarge
from archiver.core.index.indexer import index_dir
from archiver.core.index.search import ArchiveSearcher
from archiver.core.jobs.archive import ArchiveOptions, run_archive
from archiver.core.jobs.export import eml_stem
from archiver.core.lock import archive_lock
from archiver.core.message_view import message_content
from archiver.core.progress import CancelToken
from archiver.core.secrets import Secret
from archiver.gui.app import install_translators
from archiver.gui.context import AppContext
from archiver.gui.errors import error_text
from archiver.gui.messageview import (
    MATCHED_ROLE,
    MessageView,
    SafeTextBrowser,
    blocked_image,
)
from archiver.gui.models import Column
from archiver.gui.pages import search_jobs
from archiver.gui.pages.search import SearchPage
from archiver.gui.pages.search_jobs import SearchRequest, write_private_eml
from tests.helpers import docgen
from tests.helpers.corpus import corpus_files
from tests.helpers.dovecot import DovecotServer, ImapUser, append_messages
from tests.helpers.mailgen import HARD_SHAPES, generate_message
from tests.helpers.privacy import assert_private

pytestmark = [pytest.mark.gui, pytest.mark.imap]

OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
WAIT = 30_000  # ms; jobs on a busy machine
# A 1x1 PNG, the inline logo of the HTML mail.
PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJ"
    "RU5ErkJggg=="
)

GERMAN = (
    "From: =?utf-8?q?Hans_M=C3=BCller?= <hans.mueller@ag-berlin.example>\r\n"
    "To: Kanzlei Wagner <post@kanzlei.example>\r\n"
    "Cc: Jürgen Groß <juergen.gross@ag-berlin.example>\r\n"
    "Subject: =?utf-8?q?Pf=C3=A4ndungsbeschluss_Az=2E_12_M_345/22?=\r\n"
    "Date: Tue, 01 Mar 2022 10:00:00 +0100\r\n"
    "Message-ID: <pfaendung-345@ag-berlin.example>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: text/plain; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "Sehr geehrte Frau Wagner,\r\n\r\n"
    "anbei der Pfändungs- und Überweisungsbeschluss für die Schuldnerin in der\r\n"
    "Hauptstraße 5. Bitte prüfen Sie die Frist bis zum 15. März.\r\n\r\n"
    "Mit freundlichen Grüßen\r\nHans Müller\r\nAmtsgericht Berlin\r\n"
).encode()

HTML = (
    "From: Shop <news@shop.example>\r\n"
    "To: post@kanzlei.example\r\n"
    "Subject: Ihre Rechnung vom April\r\n"
    "Date: Tue, 05 Apr 2022 08:30:00 +0000\r\n"
    "Message-ID: <html-1@shop.example>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/related; boundary="rel"\r\n\r\n'
    "--rel\r\n"
    'Content-Type: text/html; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/style.css">'
    "<style>p { background: url(http://127.0.0.1:9/bg.png) }</style></head><body>"
    '<p><img src="cid:logo@shop.example" alt="Logo"></p>'
    "<h2>Ihre Rechnung f&uuml;r April ist da</h2>"
    '<p>Betrag: 42,00 EUR. <a href="https://shop.example/rechnung">Zur Rechnung</a></p>'
    '<img src="http://127.0.0.1:9/track.png?id=42" alt="Zählpixel" width="1" height="1">'
    "<script>document.write('SCRIPT-RAN')</script>"
    "</body></html>\r\n"
    "--rel\r\n"
    "Content-Type: image/png\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-ID: <logo@shop.example>\r\n\r\n"
    f"{PIXEL}\r\n"
    "--rel--\r\n"
).encode()

AKTEN = (
    "From: Anna Wagner <anna.wagner@firma.example>\r\n"
    "To: post@kanzlei.example\r\n"
    "Subject: Schlussrechnung Dachausbau\r\n"
    "Date: Fri, 10 Jun 2022 08:00:00 +0200\r\n"
    "Message-ID: <akten-1@firma.example>\r\n"
    "MIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "Anbei die Schlussrechnung für den Dachausbau.\r\n"
    "--b1\r\n"
    "Content-Type: application/pdf\r\n"
    'Content-Disposition: attachment; filename="Schlussrechnung 2022.pdf"\r\n'
    "Content-Transfer-Encoding: base64\r\n\r\n"
    "JVBERi0xLjQKJcTl8uXrp/Og0MTGCg==\r\n"
    "--b1--\r\n"
).encode()

MEETING = (
    b"From: James Smith <james@example.com>\r\n"
    b"To: anna.wagner@firma.example\r\n"
    b"Subject: Meeting minutes\r\n"
    b"Date: Fri, 05 Nov 2021 16:00:00 +0000\r\n"
    b"Message-ID: <meeting-1@example.com>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    b"The meetings were moved. Please review the invoices before Friday.\r\n"
)

GERMAN_SUBJECT = "Pfändungsbeschluss Az. 12 M 345/22"
HTML_SUBJECT = "Ihre Rechnung vom April"
AKTEN_SUBJECT = "Schlussrechnung Dachausbau"
OURS = [GERMAN_SUBJECT, HTML_SUBJECT, AKTEN_SUBJECT]  # all to post@kanzlei.example
GENERATED = 6


@pytest.fixture(scope="module")
def archive_template(dovecot: DovecotServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of account "office" built by the core: our messages and a few generated."""
    user: ImapUser = dovecot.add_user()
    with dovecot.client(user) as client:
        inbox = [GERMAN, HTML, MEETING, *(generate_message(s) for s in range(GENERATED))]
        append_messages(client, "INBOX", inbox, OLD, (b"\\Seen",))
        append_messages(client, "Akten/2022", [AKTEN], OLD, (b"\\Seen",))
    account = dovecot.account(user, "office")
    root = tmp_path_factory.mktemp("search-page") / "archive"
    result = run_archive(
        account,
        Secret(user.password),
        root,
        ArchiveOptions(cutoff=dt.datetime(2023, 1, 1, tzinfo=dt.UTC)),
        None,
        "maildir",
        report=lambda _: None,
        cancel=CancelToken(),
    )
    total = len(inbox) + 1
    assert result.archived == total and result.indexed == total
    return root


@pytest.fixture
def archived_context(account_context: AppContext, archive_template: Path) -> AppContext:
    """The app context of account "office" (a fresh, empty mailbox) with the archive."""
    shutil.copytree(archive_template, account_context.archive_root, dirs_exist_ok=True)
    return account_context


@pytest.fixture
def page(qtbot, archived_context: AppContext) -> Iterator[SearchPage]:
    """The search page, shown at the main window's size.

    Not given to qtbot.addWidget(), which deletes widgets before fixtures end: the page's
    jobs must first deliver their last signals to it.
    """
    page = SearchPage(archived_context)
    page.resize(1100, 720)
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):  # it opens with the newest
        page.show()
    qtbot.waitExposed(page)
    yield page
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=WAIT)
    page.close()


def search(qtbot, page: SearchPage, text: str) -> None:
    """Type *text* into the empty query field and wait for its results."""
    page.query_edit.clear()
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        qtbot.keyClicks(page.query_edit, text)


def subjects(page: SearchPage) -> list[str]:
    """Return the subjects in the table, top to bottom, as shown."""
    model = page.model
    return [model.data(model.index(row, Column.SUBJECT)) for row in range(model.rowCount())]


def click_row(qtbot, page: SearchPage, subject: str, modifier=Qt.KeyboardModifier.NoModifier):
    """Click the row showing *subject*; with no modifier, wait for its preview."""
    row = subjects(page).index(subject)
    view = page.results_view
    position = view.visualRect(page.model.index(row, Column.SUBJECT)).center()
    if modifier != Qt.KeyboardModifier.NoModifier:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, position)
        return
    with qtbot.waitSignal(page.preview_finished, timeout=WAIT):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, position)


def test_typing_shows_the_matching_rows_after_a_pause(qtbot, page):
    started: list[None] = []
    page.job_started.connect(lambda: started.append(None))
    opening = subjects(page)  # the newest archived mail
    qtbot.keyClicks(page.query_edit, "pfaendung")  # QTest types ASCII only
    assert subjects(page) == opening and not started  # nothing yet: typing goes on
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        pass
    assert len(started) == 1  # one search for the whole word, not one per key
    assert GERMAN_SUBJECT in subjects(page)
    assert page.status_label.text() == f"{page.model.rowCount()} messages" or (
        page.status_label.text() == "1 message"
    )
    assert not page.error_label.isVisible()

    search(qtbot, page, "to:post@kanzlei.example")
    assert sorted(subjects(page)) == sorted(OURS)
    assert page.status_label.text() == "3 messages"
    search(qtbot, page, "nichtvorhandenerbegriff")
    assert subjects(page) == [] and page.status_label.text() == "No messages found."


def test_enter_searches_at_once_and_only_the_newest_result_is_shown(qtbot, page):
    finished: list[None] = []
    page.search_finished.connect(lambda: finished.append(None))
    page.query_edit.setText("pfändung")
    qtbot.keyClick(page.query_edit, Qt.Key.Key_Return)
    page.query_edit.setText("dachausbau")
    qtbot.keyClick(page.query_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(finished) and not page.is_busy(), timeout=WAIT)
    assert len(finished) == 1  # the first search's result was dropped
    assert subjects(page) == [AKTEN_SUBJECT]


def test_a_bad_query_shows_its_error_on_the_page(qtbot, page):
    search(qtbot, page, "meeting")
    assert subjects(page) == ["Meeting minutes"]
    page.query_edit.clear()
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        qtbot.keyClicks(page.query_edit, "foo:bar")
        qtbot.keyClick(page.query_edit, Qt.Key.Key_Return)
    assert page.error_label.isVisible()
    assert page.error_label.text().startswith("Unknown field 'foo' at position 1 of the query")
    assert "Traceback" not in page.error_label.text()
    search(qtbot, page, "size:>5XB")
    assert "'5XB' is not a size" in page.error_label.text()
    search(qtbot, page, "meeting")
    assert not page.error_label.isVisible() and subjects(page) == ["Meeting minutes"]


def test_awkward_queries_answer_or_show_the_limit_on_the_page(qtbot, page):
    for text, shown in [
        ("NOT NOT meeting", None),
        ("(" * 2000 + "meeting" + ")" * 2000, "The query nests parentheses 2,000 deep"),
        ("x" * 5_000, "A word of the query has 5,000 characters; at most 1,000 are"),
        (" OR ".join(f"w{i}" for i in range(2_000)), "The query has 3,999 words; at most"),
    ]:
        page.query_edit.setText(text)
        with qtbot.waitSignal(page.search_finished, timeout=WAIT):
            qtbot.keyClick(page.query_edit, Qt.Key.Key_Return)
        if shown is None:
            assert not page.error_label.isVisible() and subjects(page) == ["Meeting minutes"]
        else:
            assert page.error_label.isVisible()
            assert page.error_label.text().startswith(shown), page.error_label.text()


def test_bad_input_errors_are_told_in_german(qapp):
    translators = install_translators(qapp, "de")
    try:
        assert translators, "the German translation did not load"
        QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
        assert error_text(QueryTooLarge("words", 1000, 19_999)) == (
            "Die Suchanfrage hat 19.999 Wörter; erlaubt sind höchstens 1.000."
        )
        backup = Path("/media/sicherung")  # shown as \media\sicherung on Windows
        assert error_text(ArchiveReadOnly(backup)).startswith(
            f"Das Archiv in {backup} ist schreibgeschützt"
        )
    finally:
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        for translator in translators:
            qapp.removeTranslator(translator)


def test_filters_narrow_the_results(qtbot, page):
    search(qtbot, page, "to:post@kanzlei.example")
    assert sorted(subjects(page)) == sorted(OURS)

    page.folder_edit.clear()
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        qtbot.keyClicks(page.folder_edit, "Akten")
    assert subjects(page) == [AKTEN_SUBJECT]
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        page.folder_edit.clear()
        qtbot.keyClick(page.folder_edit, Qt.Key.Key_Return)
    assert len(subjects(page)) == 3

    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        page.attachment_check.click()
    assert subjects(page) == [AKTEN_SUBJECT]
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        page.attachment_check.click()

    page.from_date.setDate(dt.date(2022, 3, 15))
    page.to_date.setDate(dt.date(2022, 4, 30))
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        page.from_check.click()
    assert sorted(subjects(page)) == sorted([HTML_SUBJECT, AKTEN_SUBJECT])  # from 15 March
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        page.to_check.click()
    assert subjects(page) == [HTML_SUBJECT]  # up to 30 April too
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        page.from_check.click()
    assert sorted(subjects(page)) == sorted([GERMAN_SUBJECT, HTML_SUBJECT])  # up to 30 April

    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        page.account_combo.setCurrentIndex(page.account_combo.findText("office"))
    assert sorted(subjects(page)) == sorted([GERMAN_SUBJECT, HTML_SUBJECT])


def test_filters_alone_search_and_values_are_quoted():
    request = SearchRequest(folder='Akten "2022"', has_attachment=True)
    assert request.query() == 'folder:"Akten 2022" has:attachment'
    request = SearchRequest(text="a OR b", date_to=dt.date(2022, 6, 30))
    assert request.query() == "(a OR b) date:<=2022-06-30"
    assert SearchRequest(text="  ").query() == ""


def test_selecting_a_german_message_shows_headers_and_text(qtbot, page, screenshots):
    search(qtbot, page, "to:post@kanzlei.example OR from:example.org")
    click_row(qtbot, page, GERMAN_SUBJECT)
    preview = page.preview
    assert preview.subject_label.text() == GERMAN_SUBJECT
    assert preview.from_label.text() == "Hans Müller <hans.mueller@ag-berlin.example>"
    assert preview.to_label.text() == "Kanzlei Wagner <post@kanzlei.example>"
    assert preview.cc_label.text() == "Jürgen Groß <juergen.gross@ag-berlin.example>"
    assert preview.where_label.text() == "Inbox (account office)"
    assert "2022" in preview.date_label.text()
    text = preview.browser.toPlainText()
    assert "Pfändungs- und Überweisungsbeschluss" in text and "Hauptstraße 5" in text
    assert not preview.attachments.isVisible() and not preview.remote_notice.isVisible()
    assert page.restore_button.isEnabled() and page.open_button.isEnabled()
    page.grab().save(str(screenshots / "search-en.png"))


def test_html_mail_shows_its_text_but_no_script_and_loads_nothing_remote(qtbot, page, screenshots):
    search(qtbot, page, "rechnung")
    click_row(qtbot, page, HTML_SUBJECT)
    browser = page.preview.browser
    text = browser.toPlainText()
    assert "Ihre Rechnung für April ist da" in text and "Betrag: 42,00 EUR." in text
    assert "SCRIPT-RAN" not in text and "document.write" not in browser.toHtml()
    assert "127.0.0.1:9" not in browser.toHtml()  # no remote image, style sheet, background
    assert "[Zählpixel]" in text  # the remote image, named instead of loaded
    assert page.preview.remote_notice.isVisible()
    logo = browser.document().resource(
        QTextDocument.ResourceType.ImageResource.value, QUrl("cid:logo@shop.example")
    )
    assert isinstance(logo, QImage) and not logo.isNull()  # the message's own image
    image = QTextDocument.ResourceType.ImageResource.value
    tracker = QUrl("http://127.0.0.1:9/track.png?id=42")
    assert browser.loadResource(image, tracker) is blocked_image()  # a blank pixel instead
    assert browser.loadResource(image, QUrl("https://shop.example/logo.png")) is blocked_image()
    assert tracker in browser.refused
    sheet = QTextDocument.ResourceType.StyleSheetResource.value
    assert browser.loadResource(sheet, QUrl("http://127.0.0.1:9/style.css")) is None
    page.grab().save(str(screenshots / "search-html-en.png"))


def test_the_mail_view_refuses_local_files_even_where_qt_would_load_them(qtbot, tmp_path):
    """QTextDocument reads file: URLs itself when the view's loadResource() declines, and
    Qt's image handler opens an image's src as a path when the document has none: the
    view's document answers both with a blank image."""
    picture = tmp_path / "secret.png"
    red = QImage(8, 8, QImage.Format.Format_RGB32)
    red.fill(QColor("red"))
    red.save(str(picture))
    browser = SafeTextBrowser()
    qtbot.addWidget(browser)
    browser.show_message("", f'<img src="{picture.as_uri()}"><img src="{picture}">', {})
    browser.grab()  # lays the images out
    image = QTextDocument.ResourceType.ImageResource.value
    for source in (QUrl(picture.as_uri()), QUrl(str(picture))):
        shown = browser.document().resource(image, source)
        assert isinstance(shown, QImage | QPixmap) and shown.width() == 1  # not the 8x8 file
    data = browser.allowed_resource(image, QUrl(f"data:image/png;base64,{PIXEL}"))
    assert isinstance(data, QImage) and not data.isNull()
    assert browser.allowed_resource(image, QUrl("data:text/html;base64,PGI+")) is blocked_image()
    assert browser.allowed_resource(image, QUrl("cid:not-in-this-message")) is blocked_image()
    assert browser.allowed_resource(image, QUrl("data:image/png;base64,abc")) is blocked_image()


def test_restore_puts_the_message_back_byte_identical(qtbot, page, dovecot, imap_user, monkeypatch):
    asked: list[str] = []

    def confirm(parent, title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", confirm)
    search(qtbot, page, "pfaendungsbeschluss from:hans.mueller@ag-berlin.example")
    click_row(qtbot, page, GERMAN_SUBJECT)
    with qtbot.waitSignal(page.action_finished, timeout=WAIT):
        qtbot.mouseClick(page.restore_button, Qt.MouseButton.LeftButton)
    assert "Put this message back into its folder on the server?" in asked[0]
    assert page.outcome_label.text().startswith(
        "Restore finished: 1 restored, 0 already there, 0 failed, 0 not reached."
    )
    assert not page.error_label.isVisible()
    qtbot.waitUntil(page.restore_button.isEnabled, timeout=WAIT)  # once the page is idle again
    with dovecot.client(imap_user) as client:
        client.select_folder("INBOX", readonly=True)
        fetched = client.fetch(client.search("ALL"), ["BODY.PEEK[]", "FLAGS"])
    assert [d[b"BODY[]"] for d in fetched.values()] == [GERMAN]
    assert [b"\\Seen" in d[b"FLAGS"] for d in fetched.values()] == [True]


@pytest.mark.qt_log_ignore("This plugin does not support grabbing")  # the menu, offscreen
def test_export_to_mbox_writes_the_selected_messages(qtbot, page, tmp_path, monkeypatch):
    target = tmp_path / "auswahl.mbox"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "mbox files (*.mbox)")
    )
    search(qtbot, page, "to:post@kanzlei.example")
    click_row(qtbot, page, GERMAN_SUBJECT)
    click_row(qtbot, page, AKTEN_SUBJECT, Qt.KeyboardModifier.ControlModifier)
    assert len(page.selected_hits()) == 2
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    menu = page.export_menu
    qtbot.waitUntil(menu.isVisible)
    item = menu.actionGeometry(page.export_mbox_action).center()
    with qtbot.waitSignal(page.action_finished, timeout=WAIT):
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=item)
    assert page.outcome_label.text().startswith("Export finished: 2 written")
    assert str(target) in page.outcome_label.text()
    box = mailbox.mbox(str(target))
    stored = sorted(box.get_bytes(key) for key in box.iterkeys())
    box.close()
    assert [m.rstrip(b"\r\n").replace(b"\n", b"\r\n").replace(b"\r\r", b"\r") for m in stored] == [
        m.rstrip(b"\r\n") for m in sorted([GERMAN, AKTEN])
    ]


@pytest.mark.qt_log_ignore("This plugin does not support grabbing")  # the menu, offscreen
def test_export_as_eml_files_from_the_context_menu(qtbot, page, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    search(qtbot, page, "meeting")
    click_row(qtbot, page, "Meeting minutes")
    view = page.results_view
    where = view.visualRect(page.model.index(0, Column.SUBJECT)).center()
    # What a right click sends (QTest's clicks make no context menu events).
    right_click = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse,
        where,
        view.viewport().mapToGlobal(where),
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view.viewport(), right_click)
    menu = page.context_menu
    qtbot.waitUntil(menu.isVisible)
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "&Restore to server",
        "&Open in mail program",
        "As .&eml files into a folder…",
        "As one &mbox file…",
    ]
    with qtbot.waitSignal(page.action_finished, timeout=WAIT):
        item = menu.actionGeometry(page.export_eml_action).center()
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=item)
    assert page.outcome_label.text().startswith("Export finished: 1 written")
    [written] = tmp_path.glob("*.eml")
    assert written.read_bytes() == MEETING and "Meeting minutes" in written.name


def test_open_in_mail_program_writes_the_exact_bytes_privately(qtbot, page, monkeypatch):
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    search(qtbot, page, "meeting")
    click_row(qtbot, page, "Meeting minutes")
    with qtbot.waitSignal(page.action_finished, timeout=WAIT):
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    path = Path(opened[0].toLocalFile())
    try:
        assert path.suffix == ".eml" and path.read_bytes() == MEETING
        assert_private(path)
        assert_private(path.parent)
        assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left
    finally:
        page.remove_opened_copies()
    assert not path.exists()


def test_saving_attachments_writes_them_into_the_chosen_folder(qtbot, page, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    search(qtbot, page, "dachausbau")
    click_row(qtbot, page, AKTEN_SUBJECT)
    preview = page.preview
    assert preview.attachments.isVisible()
    assert preview.attachments_list.item(0).text() == "Schlussrechnung 2022.pdf (22 bytes)"
    with qtbot.waitSignal(page.action_finished, timeout=WAIT):
        qtbot.mouseClick(preview.save_button, Qt.MouseButton.LeftButton)
    assert page.outcome_label.text() == f"Saved the attachment into {tmp_path}."
    assert (tmp_path / "Schlussrechnung 2022.pdf").read_bytes().startswith(b"%PDF-1.4")


def test_a_message_whose_file_is_gone_says_why_in_the_preview(qtbot, page, archived_context):
    search(qtbot, page, "meeting")
    hit = page.model.hit(0)
    with Catalog.open(archived_context.archive_root) as catalog:
        record = catalog.get([hit.id])[hit.id]
    (archived_context.archive_root / record.location.path).unlink()
    click_row(qtbot, page, "Meeting minutes")
    assert page.preview.placeholder.isVisible()
    assert page.preview.placeholder.text().startswith("This message cannot be shown: Cannot read")


def test_a_failed_copy_for_the_mail_program_leaves_no_partial_file(archived_context, tmp_path):
    root = archived_context.archive_root
    with Catalog.open(root) as catalog:
        [record] = [r for r in catalog.get(list(range(1, 20))).values() if r.size == len(MEETING)]
    folder = tmp_path / "open"
    folder.mkdir()
    (folder / f"{eml_stem(record, MEETING)}.eml").mkdir()  # the name is taken by a folder
    with pytest.raises(OSError):
        write_private_eml(root, record.id, folder, report=lambda _: None, cancel=CancelToken())
    assert [p.name for p in folder.iterdir()] == [f"{eml_stem(record, MEETING)}.eml"]


def test_clicking_a_header_sorts_by_it(qtbot, page):
    search(qtbot, page, "to:post@kanzlei.example OR from:james@example.com")
    assert subjects(page) == [AKTEN_SUBJECT, HTML_SUBJECT, GERMAN_SUBJECT, "Meeting minutes"]
    header = page.results_view.horizontalHeader()
    middle = QPoint(header.sectionViewportPosition(Column.SUBJECT) + 20, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    shown = subjects(page)
    assert shown == sorted(shown, key=str.casefold)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    assert subjects(page) == sorted(shown, key=str.casefold, reverse=True)


def test_the_first_search_catches_up_a_lost_index(qtbot, page, archived_context):
    shutil.rmtree(index_dir(archived_context.archive_root))
    search(qtbot, page, "dachausbau")
    assert subjects(page) == [AKTEN_SUBJECT]
    assert index_dir(archived_context.archive_root).exists()


def test_while_an_archive_job_holds_the_archive_the_search_uses_what_is_indexed(
    qtbot, page, archived_context, caplog
):
    root = archived_context.archive_root
    with Catalog.open(root) as catalog:
        catalog.forget_index()  # as if the running job had indexed only two messages so far
        catalog.mark_indexed(catalog.unindexed()[:2])
        archived = len(catalog.records())
    with caplog.at_level(logging.INFO, logger="archiver.core.index.indexer"), archive_lock(root):
        search(qtbot, page, "dachausbau")
    assert subjects(page) == [AKTEN_SUBJECT]  # found in the index as it is
    assert "An archive job is running" in caplog.text
    assert page.status_label.text() == "1 message"
    assert page.index_note.isVisible() and page.index_note.text() == (
        f"The search index is still catching up: 2 of {archived} messages indexed, so some "
        "may be missing from the results. Search again later."
    )
    with Catalog.open(root) as catalog:
        assert catalog.unindexed()  # nothing was indexed under the other job's lock
    search(qtbot, page, "meeting")  # the lock is free now: this search catches up
    with Catalog.open(root) as catalog:
        assert not catalog.unindexed()
    assert subjects(page) == ["Meeting minutes"]
    assert not page.index_note.isVisible()


def test_without_an_archive_the_page_says_so(qtbot, context):
    page = SearchPage(context)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        qtbot.keyClicks(page.query_edit, "rechnung")
    assert page.status_label.text().startswith("Nothing is archived yet.")
    assert not page.error_label.isVisible() and page.model.rowCount() == 0
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=WAIT)


def test_the_preview_reads_every_hard_shape_and_corpus_message():
    """Real mail is messy; the preview must show something for each, never fail."""
    messages = [shape(1) for shape in HARD_SHAPES.values()]
    messages += [path.read_bytes() for path in corpus_files()]
    for number, data in enumerate(messages, 1):
        record = Record(
            number, "office", "INBOX", 1, number, None, "", len(data),
            dt.datetime(2020, 1, 2, tzinfo=dt.UTC), (), Location("x"), State.VERIFIED, False,
        )  # fmt: skip
        content = message_content(record, data)
        assert content.id == number and content.date.tzinfo is None
        assert content.html is None or "<script" not in content.html.lower()


def test_ctrl_f_puts_the_cursor_into_the_query_field(qtbot, context):
    page = SearchPage(context)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    page.query_edit.setText("from:meier")
    page.results_view.setFocus()
    page.focus_query()
    qtbot.waitUntil(page.query_edit.hasFocus)
    assert page.query_edit.selectedText() == "from:meier"  # typing replaces the last query


def test_the_preview_marks_the_attachments_the_search_found_words_in(qtbot):
    data = docgen.mail_with(
        [
            ("beschluss.pdf", "application/pdf", docgen.pdf(["Der Pfändungsbeschluss"])),
            ("anlage.pdf", "application/pdf", docgen.pdf(["Kostenrechnung"])),
        ]
    )
    record = Record(
        1, "office", "INBOX", 1, 1, None, "", len(data),
        dt.datetime(2020, 1, 2, tzinfo=dt.UTC), (), Location("x"), State.VERIFIED, False,
    )  # fmt: skip
    assert message_content(record, data).matched_in == ()  # no query: nothing read
    assert message_content(record, data, "has:attachment").matched_in == ()
    content = message_content(record, data, "beschluss")
    assert content.matched_in == ("beschluss.pdf",)
    view = MessageView()
    qtbot.addWidget(view)
    view.show_content(content)
    items = [view.attachments_list.item(row) for row in range(view.attachments_list.count())]
    assert [item.data(MATCHED_ROLE) is True for item in items] == [True, False]
    assert items[0].font().bold() and not items[1].font().bold()


def test_the_page_opens_with_the_newest_archived_mail(qtbot, page, archived_context, screenshots):
    with Catalog.open(archived_context.archive_root) as catalog:
        records = catalog.records()
    assert page.query_edit.text() == "" and page.model.rowCount() == len(records)
    dates = [page.model.hit(row).date for row in range(page.model.rowCount())]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert page.status_label.text() == f"{len(records)} messages"
    assert not page.index_note.isVisible() and not page.error_label.isVisible()
    page.grab().save(str(screenshots / "search-open-en.png"))

    search(qtbot, page, "dachausbau")
    assert subjects(page) == [AKTEN_SUBJECT]
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):  # emptied: the newest again
        qtbot.keyClick(page.query_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(page.query_edit, Qt.Key.Key_Delete)
    assert page.model.rowCount() == len(records)


def test_the_opening_list_is_limited_to_the_newest(qtbot, archived_context, monkeypatch):
    monkeypatch.setattr(search_jobs, "NEWEST_LIMIT", 3)
    page = SearchPage(archived_context)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        page.show()
    with ArchiveSearcher(archived_context.archive_root) as searcher:
        everything = searcher.newest(limit=1000)
    assert page.model.rowCount() == 3
    assert [page.model.hit(row).id for row in range(3)] == [h.id for h in everything.hits[:3]]
    assert [h.date for h in everything.hits] == sorted(
        (h.date for h in everything.hits), reverse=True
    )
    assert page.status_label.text().startswith("Showing the newest 3 of ")
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=WAIT)


def test_the_index_note_is_told_in_german(qtbot, qapp, archived_context):
    root = archived_context.archive_root
    with Catalog.open(root) as catalog:
        catalog.forget_index()
        archived = len(catalog.records())
    translators = install_translators(qapp, "de")
    try:
        assert translators, "the German translation did not load"
        QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
        page = SearchPage(archived_context)
        qtbot.addWidget(page)
        with archive_lock(root), qtbot.waitSignal(page.search_finished, timeout=WAIT):
            page.show()
        assert page.index_note.text() == (
            f"Der Suchindex wird noch ergänzt: 0 von {archived} Nachrichten sind im Index, "
            "einige fehlen deshalb womöglich in den Ergebnissen. Suchen Sie später erneut."
        )
        qtbot.waitUntil(lambda: not page.is_busy(), timeout=WAIT)
    finally:
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        for translator in translators:
            qapp.removeTranslator(translator)


def test_the_folder_filter_takes_a_special_folder_as_the_page_shows_it(qtbot, page):
    assert "Inbox" in {page.model.index(r, Column.FOLDER).data() for r in range(3)}
    with qtbot.waitSignal(page.search_finished, timeout=WAIT):
        qtbot.keyClicks(page.folder_edit, "inbox")  # as shown, not as the server names it

    folders = {page.model.hit(row).folder for row in range(page.model.rowCount())}
    assert folders == {"INBOX"} and page.model.rowCount() > 1


def test_open_in_mail_program_failures_show_beside_the_button_until_the_next_message(
    qtbot, page, monkeypatch, tmp_path, screenshots
):
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # no mail program
    search(qtbot, page, "to:post@kanzlei.example OR from:james@example.com")
    click_row(qtbot, page, "Meeting minutes")
    page.results_view.setFocus()
    try:
        with qtbot.waitSignal(page.action_finished, timeout=WAIT):
            qtbot.keyClick(page.results_view, Qt.Key.Key_Return)  # Enter opens it
        assert page.open_error.isVisible() and not page.error_label.isVisible()
        assert page.open_error.text().startswith("No program is set up to open .eml files.")
        for _ in range(3):  # a layout request travels up one level at a time
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        button, error = page.open_button.geometry(), page.open_error.geometry()
        assert button.right() < error.left() < button.right() + 20  # right beside it
        assert error.top() <= button.center().y() <= error.bottom()
        page.grab().save(str(screenshots / "search-open-failed-en.png"))

        with qtbot.waitSignal(page.preview_finished, timeout=WAIT):
            qtbot.keyClick(page.results_view, Qt.Key.Key_Up)  # the next message
        assert not page.open_error.isVisible()
    finally:
        page.remove_opened_copies()


def test_a_message_that_cannot_be_copied_for_the_mail_program_says_so_beside_the_button(
    qtbot, page, archived_context
):
    search(qtbot, page, "meeting")
    hit = page.model.hit(0)
    with Catalog.open(archived_context.archive_root) as catalog:
        record = catalog.get([hit.id])[hit.id]
    (archived_context.archive_root / record.location.path).unlink()
    click_row(qtbot, page, "Meeting minutes")

    with qtbot.waitSignal(page.action_finished, timeout=WAIT):
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)

    assert page.open_error.text().startswith("The message could not be opened: Cannot read")
    assert page.open_error.isVisible() and not page.error_label.isVisible()
    search(qtbot, page, "dachausbau")  # other results: the error went with its message
    assert not page.open_error.isVisible()


def test_the_open_failure_is_told_in_german(qapp):
    translators = install_translators(qapp, "de")
    try:
        assert translators, "the German translation did not load"
        text = QCoreApplication.translate("SearchPage", "The message could not be opened: {reason}")
        assert text == "Die Nachricht konnte nicht geöffnet werden: {reason}"
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
