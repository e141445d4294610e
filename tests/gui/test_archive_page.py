"""The archive page against the Dovecot fixture: folders, preview, archive, No, cancel, labels."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QEvent, Qt
from PySide6.QtWidgets import QMessageBox

from archiver.core.accounts import Security
from archiver.core.catalog import Catalog, State
from archiver.core.jobs.archive import ArchiveResult, FolderReport, Kept
from archiver.core.jobs.inspect import load_folders
from archiver.core.lock import archive_lock
from archiver.core.secrets import Secret, store_in_keyring
from archiver.gui.pages import archive as archive_module
from archiver.gui.pages.archive import ArchivePage
from archiver.gui.pages.archive_folders import FolderTree
from archiver.gui.pages.archive_summary import run_summary
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import generate_message
from tests.helpers.tcpproxy import FaultProxy

pytestmark = [pytest.mark.gui, pytest.mark.imap]

OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
NEW = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
JOB_TIMEOUT = 60_000


@pytest.fixture
def mailbox(dovecot, imap_user):
    """30 old and 5 new messages in INBOX, 3 old in Sent, 2 old in Work/Projects, 4 in Trash."""
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(30)], when=OLD)
        append_messages(client, "INBOX", [generate_message(100 + i) for i in range(5)], when=NEW)
        append_messages(client, "Sent", [generate_message(200 + i) for i in range(3)], when=OLD)
        append_messages(
            client, "Work/Projects", [generate_message(300 + i) for i in range(2)], when=OLD
        )
        append_messages(client, "Trash", [generate_message(400 + i) for i in range(4)], when=OLD)


def server_digests(dovecot, user) -> dict[str, set[str]]:
    """Return folder -> SHA-256 of every message in it."""
    found: dict[str, set[str]] = {}
    with dovecot.client(user) as client:
        for flags, _, name in client.list_folders():
            if {b"\\Noselect", b"\\NonExistent"} & set(flags):
                continue  # a parent only ("Work" of "Work/Projects")
            client.select_folder(name, readonly=True)
            uids = client.search("ALL")
            data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            found[name] = {hashlib.sha256(d[b"BODY[]"]).hexdigest() for d in data.values()}
    return found


def verified_in_catalog(context) -> list:
    """Return the catalog's verified records of account "office" (none without a catalog)."""
    if not (context.archive_root / "catalog.sqlite3").exists():
        return []
    with Catalog.open(context.archive_root) as catalog:
        return [r for r in catalog.records("office") if r.state is State.VERIFIED]


def make_page(qtbot, context) -> ArchivePage:
    page = ArchivePage(context)
    qtbot.addWidget(page)
    page.resize(930, 720)
    with qtbot.waitSignal(page.folders_loaded, timeout=JOB_TIMEOUT):
        page.show()
    return page


def fill_inbox(dovecot, user, count: int) -> dict[str, set[str]]:
    """Put *count* old messages into INBOX; return the server's digests then."""
    with dovecot.client(user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(count)], when=OLD)
    return server_digests(dovecot, user)


@contextmanager
def page_through_proxy(
    qtbot, context, account, dovecot
) -> Iterator[tuple[ArchivePage, FaultProxy]]:
    """The page on *account* reaching Dovecot through a fault proxy (plain IMAP, so that
    the proxy can read the commands)."""
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        through_proxy = dataclasses.replace(
            account, host=proxy.host, port=proxy.port, security=Security.PLAIN, cafile=None
        )
        context.save_config(context.config.with_account(through_proxy))
        yield make_page(qtbot, context), proxy


def item(page: ArchivePage, folder: str):
    found = page.folder_tree.item_for(folder)
    assert found is not None, folder
    return found


def is_checked(page: ArchivePage, folder: str) -> bool:
    return item(page, folder).checkState(FolderTree.NAME) == Qt.CheckState.Checked


def click(qtbot, button) -> None:
    assert button.isEnabled() and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def shoot(page: ArchivePage, path: Path) -> None:
    """Save what the page looks like, laid out as the user sees it (the layouts' updates for
    a panel just hidden or a label just filled are still queued when a test's wait ends)."""
    for _ in range(3):  # a layout request travels up one level at a time
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    page.grab().save(str(path))


def answer(monkeypatch, reply) -> list[str]:
    """Make QMessageBox.question answer *reply*; return the texts it was asked."""
    asked: list[str] = []

    def question(parent, title, text, *rest):
        asked.append(text)
        return reply

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_folder_tree_loads_with_trash_and_junk_unchecked(
    qtbot, account_context, mailbox, screenshots
):
    page = make_page(qtbot, account_context)

    assert is_checked(page, "INBOX") and is_checked(page, "Sent")
    assert is_checked(page, "Work/Projects")
    assert not is_checked(page, "Trash") and not is_checked(page, "Junk")
    inbox = item(page, "INBOX")
    assert inbox.text(FolderTree.MESSAGES) == "35"
    assert inbox.text(FolderTree.SIZE).endswith("kB")
    projects = item(page, "Work/Projects")
    assert projects.text(FolderTree.NAME) == "Projects"
    assert projects.parent() is not None and projects.parent().text(FolderTree.NAME) == "Work"
    assert page.quota_label.text().startswith("Server storage:")
    assert page.archive_button.text() == "Archive older than 1 year"
    assert not page.account_combo.isVisible()  # one account: no chooser
    assert not page.progress_bar.isVisible()
    shoot(page, screenshots / "archive-en.png")


def test_preview_shows_per_folder_counts_and_changes_nothing(
    qtbot, account_context, mailbox, dovecot, imap_user, screenshots
):
    page = make_page(qtbot, account_context)
    before = server_digests(dovecot, imap_user)

    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT):
        click(qtbot, page.preview_button)

    assert item(page, "INBOX").text(FolderTree.TO_MOVE) == "30"
    assert item(page, "INBOX").text(FolderTree.MOVE_SIZE).endswith("kB")
    assert item(page, "Sent").text(FolderTree.TO_MOVE) == "3"
    assert item(page, "Work/Projects").text(FolderTree.TO_MOVE) == "2"
    assert item(page, "Trash").text(FolderTree.TO_MOVE) == ""  # not chosen
    text = page.preview_label.text()
    assert "35 messages" in text and "in 3 folders would be archived" in text
    assert "Server storage now:" in text and "After archiving: about" in text
    assert server_digests(dovecot, imap_user) == before
    assert verified_in_catalog(account_context) == []
    shoot(page, screenshots / "archive-preview-en.png")

    # Changing a choice makes the numbers stale: they go.
    page.keep_flagged_box.click()
    assert item(page, "INBOX").text(FolderTree.TO_MOVE) == ""
    assert "35 messages" not in page.preview_label.text()


def test_archive_confirmed_moves_exactly_the_old_mail_of_the_ticked_folders(
    qtbot, account_context, mailbox, dovecot, imap_user, monkeypatch, screenshots
):
    page = make_page(qtbot, account_context)
    before = server_digests(dovecot, imap_user)
    # The user clears Sent's box (with the keyboard) and previews.
    page.folder_tree.setFocus()
    page.folder_tree.setCurrentItem(item(page, "Sent"))
    qtbot.keyClick(page.folder_tree, Qt.Key.Key_Space)
    assert not is_checked(page, "Sent")
    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT):
        click(qtbot, page.preview_button)
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)

    with (
        qtbot.waitSignal(page.folders_loaded, timeout=JOB_TIMEOUT),
        qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT),
    ):
        click(qtbot, page.archive_button)

    assert len(asked) == 1
    assert asked[0].startswith("32 messages (")
    assert "older than" in asked[0] and "in 2 folders will be copied to the archive" in asked[0]
    assert asked[0].endswith("checked, and then deleted from the server of office.")
    after = server_digests(dovecot, imap_user)
    old_inbox = before["INBOX"] - after["INBOX"]
    assert len(after["INBOX"]) == 5 and len(old_inbox) == 30
    assert after["Work/Projects"] == set() and after["Sent"] == before["Sent"]
    assert after["Trash"] == before["Trash"]
    verified = verified_in_catalog(account_context)
    assert {r.sha256 for r in verified} == old_inbox | before["Work/Projects"]
    assert all(not r.on_server for r in verified)
    summary = page.summary.text()
    assert summary.startswith("Archived 32 messages (") and "of office and freed" in summary
    assert "(32 messages deleted)" in summary
    assert "Server storage:" in summary and "used before," in summary
    storage = summary.split("Server storage: ", 1)[1]
    used_before, used_now = storage.split(" used before, ")[0], storage.split(", ")[1]
    assert used_before != used_now.removesuffix(" now")
    assert item(page, "INBOX").text(FolderTree.MESSAGES) == "5"  # reloaded after the run
    assert not is_checked(page, "Sent")  # the user's choice survives the reload
    shoot(page, screenshots / "archive-done-en.png")


def test_answering_no_changes_nothing(
    qtbot, account_context, mailbox, dovecot, imap_user, monkeypatch
):
    page = make_page(qtbot, account_context)
    before = server_digests(dovecot, imap_user)
    asked = answer(monkeypatch, QMessageBox.StandardButton.No)

    with qtbot.assertNotEmitted(page.job_started):
        click(qtbot, page.archive_button)
        qtbot.keyClick(page, Qt.Key.Key_Return)  # Enter is the main action too: asks again

    assert len(asked) == 2
    assert asked[0].startswith("All messages older than ")
    assert (
        "in the 3 chosen folders will be copied to the archive on this computer, checked, "
        in asked[0]
    )
    assert asked[0].endswith("deleted from the server of office.")
    assert not page.summary.isVisible()
    assert server_digests(dovecot, imap_user) == before
    assert verified_in_catalog(account_context) == []

    # Copy only: the question says that nothing is deleted.
    page.keep_on_server_box.click()
    assert not page.keep_flagged_box.isEnabled()
    click(qtbot, page.archive_button)
    assert "Nothing is deleted from the server of office." in asked[-1]


@pytest.mark.slow
@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
def test_cancel_stops_at_a_safe_point_and_loses_nothing(
    qtbot, account_context, keyring_account, dovecot, imap_user, monkeypatch, screenshots
):
    before = fill_inbox(dovecot, imap_user, 450)
    with page_through_proxy(qtbot, account_context, keyring_account, dovecot) as (page, proxy):
        answer(monkeypatch, QMessageBox.StandardButton.Yes)
        # The server goes quiet when the second batch of 200 bodies is asked for.
        proxy.stall_after_client_sends(b",400 (BODY.PEEK[]")

        with qtbot.waitSignal(page.job_started):
            click(qtbot, page.archive_button)
        # Speed and time left are shown, and recomputed while the server is quiet.
        qtbot.waitUntil(
            lambda: (
                "200 of 450 messages" in page.progress.details.text()
                and "messages/s" in page.progress.details.text()
            ),
            timeout=JOB_TIMEOUT,
        )
        assert "left" in page.progress.details.text()
        assert page.progress_bar.isVisible() and 0 < page.progress_bar.value() < 1000
        assert "Inbox" in page.progress.status.text()
        assert not page.preview_button.isEnabled() and not page.archive_button.isEnabled()
        assert not page.cutoff_combo.isEnabled() and not page.keep_on_server_box.isEnabled()
        shoot(page, screenshots / "archive-running-en.png")

        click(qtbot, page.cancel_button)
        assert page.progress.status.text() == "Stopping at a safe point…"
        with (
            qtbot.waitSignal(page.folders_loaded, timeout=JOB_TIMEOUT),
            qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT),
        ):
            proxy.release()

    assert page.summary.text().startswith("Cancelled: ")
    assert "Nothing was deleted from the server" in page.summary.text()
    shoot(page, screenshots / "archive-cancelled-en.png")
    after = server_digests(dovecot, imap_user)
    verified = {r.sha256 for r in verified_in_catalog(account_context)}
    assert 200 <= len(verified) < 450
    assert verified <= before["INBOX"]
    # Nothing lost: every message is on the server or verified in the archive (here: both).
    assert before["INBOX"] <= after["INBOX"] | verified
    assert after == before


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log("ERROR", "archiver.core.jobs.archive", r"archive stopped")
def test_a_run_stopped_by_the_server_offers_try_again_and_finishes(
    qtbot, account_context, keyring_account, dovecot, imap_user, monkeypatch, screenshots
):
    before = fill_inbox(dovecot, imap_user, 450)
    with page_through_proxy(qtbot, account_context, keyring_account, dovecot) as (page, proxy):
        asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)
        # The connection is lost during the second batch of bodies, and the server cannot
        # be reached again.
        proxy.stall_after_client_sends(b",400 (BODY.PEEK[]")
        with qtbot.waitSignal(page.job_started):
            click(qtbot, page.archive_button)
        qtbot.waitUntil(
            lambda: "200 of 450 messages" in page.progress.details.text(), timeout=JOB_TIMEOUT
        )
        proxy.refuse_connections(True)
        proxy.cut_after_server_bytes(0)
        with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT):
            proxy.release()

        assert page.summary.text().startswith("The run stopped before its end.\n")
        assert "Messages not archived are still on the server." in page.summary.text()
        assert page.error_label.isVisible() and page.error_button.isVisible()
        assert page.error_button.text() == "Try again"
        lost = "The connection to the server 127.0.0.1 was lost."
        assert page.error_label.text().startswith(lost)  # said once, above the summary
        assert "127.0.0.1" not in page.summary.text()
        qtbot.waitUntil(lambda: not page.is_busy(), timeout=JOB_TIMEOUT)  # the reload
        shoot(page, screenshots / "archive-stopped-en.png")
        verified = {r.sha256 for r in verified_in_catalog(account_context)}
        assert verified <= before["INBOX"] and len(verified) < 450

        proxy.refuse_connections(False)
        with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT):
            click(qtbot, page.error_button)  # asks again before it deletes anything
        assert len(asked) == 2
        qtbot.waitUntil(lambda: not page.is_busy(), timeout=JOB_TIMEOUT)

    assert not page.error_label.isVisible()
    assert page.summary.text().startswith("Archived "), page.summary.text()
    assert {r.sha256 for r in verified_in_catalog(account_context)} == before["INBOX"]
    assert server_digests(dovecot, imap_user)["INBOX"] == set()


def test_button_label_follows_the_cut_off(qtbot, account_context, mailbox):
    page = make_page(qtbot, account_context)
    combo = page.cutoff_combo
    labels = {}
    for index in range(combo.count()):
        combo.setCurrentIndex(index)
        labels[combo.currentData()] = page.archive_button.text()
    assert labels["3m"] == "Archive older than 3 months"
    assert labels["6m"] == "Archive older than 6 months"
    assert labels["1y"] == "Archive older than 1 year"
    assert labels["2y"] == "Archive older than 2 years"
    assert page.date_edit.isVisible()  # "before a date" is the last entry
    page.date_edit.setDate(QDate(2023, 5, 1))
    assert page.archive_button.text() == "Archive mail before May 1, 2023"
    combo.setCurrentIndex(combo.findData("1y"))
    assert not page.date_edit.isVisible()


def test_default_cut_off_comes_from_the_settings(qtbot, account_context, mailbox):
    account_context.save_config(dataclasses.replace(account_context.config, default_cutoff="6m"))
    page = make_page(qtbot, account_context)
    assert page.archive_button.text() == "Archive older than 6 months"


def test_keep_flagged_leaves_flagged_mail_and_the_summary_says_why(
    qtbot, account_context, dovecot, imap_user, monkeypatch
):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(4)], when=OLD)
        append_messages(
            client, "INBOX", [generate_message(10), generate_message(11)], when=OLD,
            flags=(b"\\Flagged",),
        )  # fmt: skip
    page = make_page(qtbot, account_context)
    click(qtbot, page.keep_flagged_box)
    asked = answer(monkeypatch, QMessageBox.StandardButton.Yes)

    with (
        qtbot.waitSignal(page.folders_loaded, timeout=JOB_TIMEOUT),
        qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT),
    ):
        click(qtbot, page.archive_button)

    assert "Flagged messages stay on the server." in asked[0]
    assert item(page, "INBOX").text(FolderTree.MESSAGES) == "2"
    summary = page.summary.text()
    assert summary.startswith("Archived 4 messages (")
    assert (
        "Kept on the server:\n• Folder Inbox: 2 messages stay on the server: they are " in summary
    )
    assert "Needs your attention" not in summary


def test_copy_only_deletes_nothing(
    qtbot, account_context, mailbox, dovecot, imap_user, monkeypatch
):
    page = make_page(qtbot, account_context)
    before = server_digests(dovecot, imap_user)
    click(qtbot, page.keep_on_server_box)
    answer(monkeypatch, QMessageBox.StandardButton.Yes)

    with (
        qtbot.waitSignal(page.folders_loaded, timeout=JOB_TIMEOUT),
        qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT),
    ):
        click(qtbot, page.archive_button)

    assert server_digests(dovecot, imap_user) == before
    assert len(verified_in_catalog(account_context)) == 35
    summary = page.summary.text()
    assert summary.startswith("Archived 35 messages (") and "Nothing was deleted" in summary
    assert "you chose to keep everything on the server" in summary


def test_a_locked_archive_is_reported_and_nothing_changes(
    qtbot, account_context, mailbox, dovecot, imap_user, monkeypatch
):
    page = make_page(qtbot, account_context)
    before = server_digests(dovecot, imap_user)
    answer(monkeypatch, QMessageBox.StandardButton.Yes)

    with (
        archive_lock(account_context.archive_root),
        qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT),
    ):
        click(qtbot, page.archive_button)

    assert page.error_label.text() == (
        "The archive did not run: Another job is using the archive; try again when it has finished."
    )
    assert page.error_label.isVisible() and not page.error_button.isVisible()
    assert page.archive_button.isEnabled() and not page.progress_bar.isVisible()
    assert server_digests(dovecot, imap_user) == before


def test_a_wrong_password_is_shown_on_the_page(qtbot, account_context, keyring_account, mailbox):
    store_in_keyring(keyring_account, Secret("not-the-password"))
    page = ArchivePage(account_context)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT):
        page.show()
    assert page.error_label.isVisible()
    assert "rejected the user name or the password" in page.error_label.text()
    assert page.folder_tree.topLevelItemCount() == 0
    assert not page.archive_button.isEnabled() and page.reload_button.isEnabled()


def test_the_summary_names_every_problem():
    inbox = FolderReport("INBOX", on_server_before=11, newer=2, archived=5, deleted=5)
    inbox.fail(7, "the server sent no body (expunged?)")
    inbox.kept[Kept.NO_UIDPLUS] = 2
    work = FolderReport("Work", on_server_before=3, not_reached=3, error="Folder Work is gone")
    result = ArchiveResult("office", False, [inbox, work], index_error="disk full")

    text, attention = run_summary(result)

    assert attention
    assert "• Folder Inbox: 1 message could not be archived; it stays on the server." in text
    assert "UID 7: the server sent no body (expunged?)" in text
    assert "2 messages stay on the server: the server cannot delete single messages" in text
    assert "• Folder Work: Folder Work is gone" in text
    assert "• Folder Work: 3 messages were not reached" in text
    assert "The search index was not updated (disk full)" in text
    assert "The counts do not add up for Inbox" in text


def test_mail_arriving_during_the_run_is_reported_not_a_problem():
    inbox = FolderReport(
        "INBOX", on_server_before=9, newer=2, archived=7, deleted=7, arrived=3, on_server_after=5
    )
    work = FolderReport("Work", on_server_before=1, newer=1, arrived=1, on_server_after=2)
    result = ArchiveResult("office", False, [inbox, work])
    assert result.closes and result.ok

    text, attention = run_summary(result)

    assert not attention and "Needs your attention" not in text
    assert "• Folder Inbox: 3 messages arrived during the run; they stay on the server." in text
    assert "• Folder Work: 1 message arrived during the run; it stays on the server." in text


def test_the_reload_after_a_run_keeps_the_tree_and_looks_like_no_second_job(
    qtbot, account_context, mailbox, monkeypatch, screenshots
):
    page = make_page(qtbot, account_context)
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    go_on = threading.Event()  # holds the reload until the page was looked at

    def held_load_folders(*args, **kwargs):
        assert go_on.wait(JOB_TIMEOUT / 1000)
        return load_folders(*args, **kwargs)

    monkeypatch.setattr(archive_module, "load_folders", held_load_folders)
    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT):
        click(qtbot, page.archive_button)
    qtbot.waitUntil(page.is_busy, timeout=JOB_TIMEOUT)  # the reload runs

    shoot(page, screenshots / "archive-updating-en.png")
    assert not page.progress.isVisible() and not page.cancel_button.isVisible()
    assert page.updating_label.isVisible()
    assert page.updating_label.text() == "Updating the folders' counts…"
    assert page.folder_tree.topLevelItemCount() == 5  # INBOX, Junk, Sent, Trash, Work
    assert item(page, "INBOX").text(FolderTree.MESSAGES) == "35"  # the counts before the run
    assert page.folder_tree.isEnabled() and page.cutoff_combo.isEnabled()
    assert page.summary.isVisible()
    assert not page.archive_button.isEnabled() and not page.reload_button.isEnabled()
    page.folder_tree.setFocus()  # the user clears Sent's box meanwhile
    page.folder_tree.setCurrentItem(item(page, "Sent"))
    qtbot.keyClick(page.folder_tree, Qt.Key.Key_Space)

    with qtbot.waitSignal(page.folders_loaded, timeout=JOB_TIMEOUT):
        go_on.set()

    assert not page.updating_label.isVisible()
    shoot(page, screenshots / "archive-updated-en.png")
    assert page.reload_button.width() == page.reload_button.sizeHint().width()  # not stretched
    assert item(page, "INBOX").text(FolderTree.MESSAGES) == "5"
    assert not is_checked(page, "Sent")  # the box cleared during the reload stays clear
    assert page.archive_button.isEnabled() and page.reload_button.isEnabled()


def test_reload_folders_by_hand_shows_its_progress_and_cancel(qtbot, account_context, mailbox):
    page = make_page(qtbot, account_context)
    seen: list[bool] = []
    page.job_started.connect(lambda: seen.append(page.progress.isVisible()))

    with qtbot.waitSignal(page.folders_loaded, timeout=JOB_TIMEOUT):
        click(qtbot, page.reload_button)

    assert seen == [True] and not page.updating_label.isVisible()
