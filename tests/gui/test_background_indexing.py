"""Indexing is the app's background activity: the archive's summary comes when the server is
freed, closing the window then stops only the indexing (without asking), and the next start
indexes the rest while the status bar says so."""

from __future__ import annotations

import time

import pytest
from PySide6.QtWidgets import QMessageBox

from archiver.core.catalog import Catalog
from archiver.core.index.background import BackgroundIndexer
from archiver.core.jobs.archive import ArchiveOptions, run_archive
from archiver.core.progress import CancelToken, Phase, Progress
from archiver.gui.mainwindow import MainWindow
from archiver.gui.pages.archive_progress import Kind, ProgressPanel
from tests.gui.test_archive_page import JOB_TIMEOUT, OLD, answer, click, make_page, shoot
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import generate_message
from tests.imap.test_archive import CUTOFF

pytestmark = [pytest.mark.gui, pytest.mark.imap]

MESSAGES = 30


@pytest.fixture
def old_mail(dovecot, imap_user):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(MESSAGES)], OLD)


@pytest.fixture
def endless_indexing(monkeypatch):
    """Indexing after the server is freed lasts until it is stopped, as with a big archive."""
    real_finish = BackgroundIndexer.finish

    def finish_when_stopped(self, *, report, cancel):
        while not cancel.is_cancelled:
            time.sleep(0.01)
        return real_finish(self, report=report, cancel=cancel)

    monkeypatch.setattr(BackgroundIndexer, "finish", finish_when_stopped)


def unindexed(context) -> int:
    with Catalog.open(context.archive_root) as catalog:
        return len(catalog.unindexed())


def test_the_summary_comes_when_the_server_is_freed_and_indexing_shows_as_its_own_activity(
    qtbot, account_context, old_mail, endless_indexing, monkeypatch, screenshots
):
    page = make_page(qtbot, account_context)
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(page.server_freed, timeout=JOB_TIMEOUT):
        click(qtbot, page.archive_button)
    qtbot.waitUntil(lambda: page.progress.in_background)

    assert page.is_busy() and page.is_indexing_only()
    assert page.summary.isVisible()
    assert page.summary.text().startswith(f"Archived {MESSAGES} messages (")
    assert page.progress.status.text().startswith("The server is freed. Indexing")
    assert page.progress.cancel_button.text() == "&Stop indexing"
    shoot(page, screenshots / "archive-indexing-en.png")

    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT):
        click(qtbot, page.progress.cancel_button)
    assert page.summary.isVisible() and page.summary.text().startswith(f"Archived {MESSAGES}")
    assert not page.is_indexing_only()
    qtbot.waitUntil(lambda: not page.is_busy(), timeout=JOB_TIMEOUT)  # the quiet reload too


def test_closing_while_only_indexing_asks_nothing_and_the_next_start_indexes_the_rest(
    qtbot, account_context, old_mail, endless_indexing, monkeypatch
):
    window = MainWindow(account_context)
    qtbot.addWidget(window)
    page = window.archive_page
    with qtbot.waitSignal(page.folders_loaded, timeout=JOB_TIMEOUT):
        window.show()
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(page.server_freed, timeout=JOB_TIMEOUT):
        click(qtbot, page.archive_button)
    qtbot.waitUntil(page.is_indexing_only)
    asked.clear()  # the archive's own confirmation

    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=JOB_TIMEOUT)
    assert asked == []

    statuses: list[str] = []
    again = MainWindow(account_context)
    qtbot.addWidget(again)
    again.index_catch_up.status_changed.connect(statuses.append)
    with qtbot.waitSignal(again.index_catch_up.finished, timeout=JOB_TIMEOUT):
        again.show()
    assert unindexed(account_context) == 0
    assert statuses[-1] == "" and again.index_status.text() == ""


def test_the_next_start_indexes_what_a_run_left_and_says_so_in_the_status_bar(
    qtbot, account_context, keyring_account, password, old_mail
):
    run_archive(
        keyring_account,
        password,
        account_context.archive_root,
        ArchiveOptions(cutoff=CUTOFF),
        None,
        "maildir",
        report=lambda _: None,
        cancel=CancelToken(),
        index=False,
    )
    assert unindexed(account_context) == MESSAGES
    statuses: list[str] = []
    window = MainWindow(account_context)
    qtbot.addWidget(window)
    window.index_catch_up.status_changed.connect(statuses.append)
    with qtbot.waitSignal(window.index_catch_up.finished, timeout=JOB_TIMEOUT):
        window.show()
    assert unindexed(account_context) == 0
    assert any(s.startswith("Indexing archived messages for search:") for s in statuses), statuses
    assert "Writing the search index…" in statuses  # one commit into the empty index
    assert statuses[-1] == ""


def test_once_every_message_is_given_to_the_writer_the_panel_says_the_index_is_written(qtbot):
    """After the server is freed the indexer commits once, at the end: a full bar then means
    the commit runs, and the panel says so rather than showing 100 % with nothing said."""
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    status_bar: list[str] = []
    panel.background_status.connect(status_bar.append)
    panel.start(Kind.ARCHIVE, "Archiving…")
    panel.server_freed()
    panel.update_progress(Progress(400, 1000, "Indexing for search", phase=Phase.INDEXING))
    assert panel.status.text() == (
        "The server is freed. Indexing the archived messages for search (400 of 1,000); "
        "search finds them when that is done."
    )
    assert status_bar[-1] == "Indexing archived messages for search: 400 of 1,000"
    panel.update_progress(Progress(1000, 1000, "Indexing for search", phase=Phase.INDEXING))
    assert panel.status.text() == (
        "The server is freed. Writing the search index; search finds the messages when that "
        "is done."
    )
    assert panel.bar.value() == panel.bar.maximum()
    assert status_bar[-1] == "Writing the search index…"  # not "1,000 of 1,000", looking stuck
