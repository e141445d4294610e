"""The archive page's progress panel words every report itself, in the user's language: no
English sentence of the core's (its reports' ``message``) reaches the screen."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from archiver.core.index.background import INDEXING
from archiver.core.jobs.archive import ARCHIVING, SCANNING_PREFIX
from archiver.core.progress import Progress
from tests.gui.test_archive_page import JOB_TIMEOUT, answer, click, mailbox, make_page

pytestmark = [pytest.mark.gui, pytest.mark.imap]
__all__ = ["mailbox"]  # a fixture, used by name

ENGLISH = (SCANNING_PREFIX.strip(), ARCHIVING, INDEXING, "done", "Looking at", "Indexing")


def test_no_english_core_sentence_reaches_the_panel_in_german(
    qtbot, german, account_context, mailbox, monkeypatch
):
    page = make_page(qtbot, account_context)
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    shown: list[tuple[Progress, str, str]] = []
    panel = page.progress
    real = panel.update_progress

    def update(progress: Progress) -> None:
        real(progress)
        shown.append((progress, panel.status.text(), panel.details.text()))

    monkeypatch.setattr(panel, "update_progress", update)
    with qtbot.waitSignal(page.job_finished, timeout=JOB_TIMEOUT):
        click(qtbot, page.archive_button)

    phases = {progress.phase for progress, _, _ in shown}
    assert len(phases) >= 2, phases  # scanning and copying at least
    for progress, status, details in shown:
        for english in ENGLISH:
            assert english not in status and english not in details, (progress, status)
    statuses = {status for _, status, _ in shown}
    assert any(s.startswith("Ordner") or "Archivier" in s for s in statuses), statuses
