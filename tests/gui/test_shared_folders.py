"""The archive page with other users' and public folders: shown, unchecked, marked as shared;
and the summary of a run that could not delete everything says it was partly done."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from PySide6.QtCore import Qt

from archiver.core.accounts import PasswordSource
from archiver.core.jobs.archive import ArchiveResult, FolderReport, Kept
from archiver.core.secrets import Secret, store_in_keyring
from archiver.gui.pages.archive_folders import FolderTree
from archiver.gui.pages.archive_summary import run_summary
from tests.gui.test_archive_page import make_page, shoot
from tests.imap.test_namespaces import make_office

pytestmark = [pytest.mark.gui, pytest.mark.imap]


def test_shared_folders_are_listed_unchecked_and_marked(
    qtbot, context, dovecot_shared, file_keyring, screenshots
):
    office = make_office(dovecot_shared)
    account = dataclasses.replace(
        dovecot_shared.account(office.user), name="office", password_source=PasswordSource.KEYRING
    )
    store_in_keyring(account, Secret(office.user.password))
    context.save_config(context.config.with_account(account))

    page = make_page(qtbot, context)

    tree = page.folder_tree
    for folder, whose in (
        (office.team, "Another user's folder"),
        (office.public, "A public folder"),
    ):
        item = tree.item_for(folder)
        assert item is not None, folder
        assert item.checkState(FolderTree.NAME) == Qt.CheckState.Unchecked
        assert item.text(FolderTree.NAME).endswith(" (shared)")
        tip = item.toolTip(FolderTree.NAME)
        assert whose in tip and "does not count against your storage quota" in tip
        assert item.font(FolderTree.NAME).italic()
    inbox = tree.item_for("INBOX")
    assert inbox is not None and inbox.checkState(FolderTree.NAME) == Qt.CheckState.Checked
    assert inbox.text(FolderTree.NAME) == "Inbox"  # in the user's words
    assert office.team not in tree.checked_folders()
    top = [tree.topLevelItem(i).text(FolderTree.NAME) for i in range(tree.topLevelItemCount())]
    assert top == ["Inbox", "Sent", "Spam", "Trash", "shared", "Shared1"]  # ours first
    shoot(page, screenshots / "archive-shared-en.png")


def test_the_summary_says_partly_done_and_why():
    team = FolderReport(
        "shared/colleague/Team", on_server_before=3, archived=3, kept=Counter({Kept.READ_ONLY: 3})
    )
    inbox = FolderReport("INBOX", on_server_before=2, archived=2, deleted=2)
    text, attention = run_summary(ArchiveResult("office", False, [team, inbox]))

    assert attention
    assert "Partly done: some of the chosen mail stays on the server" in text
    assert (
        "Folder shared/colleague/Team: 3 messages stay on the server: the server does not "
        "allow deleting in this folder (read-only)." in text
    )
    whole, _ = run_summary(ArchiveResult("office", False, [inbox]))
    assert "Partly done" not in whole
