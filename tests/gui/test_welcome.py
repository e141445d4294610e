"""The welcome page: what the app will do, and where the archive goes (changeable)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from archiver.core.config import load_config
from archiver.gui.context import AppContext
from archiver.gui.pages.welcome import WelcomePage

pytestmark = pytest.mark.gui

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def welcome(qtbot, context: AppContext) -> WelcomePage:
    """The welcome page as the main window shows it with no account."""
    page = WelcomePage(context)
    qtbot.addWidget(page)
    page.resize(930, 680)
    page.show()
    return page


def shown_folder(page: WelcomePage) -> str:
    """The archive folder the page shows (whole in the tooltip; shortened if long)."""
    text, whole = page.folder_label.text(), page.folder_label.toolTip()
    assert text == whole or ("…" in text and len(text) < len(whole))
    return whole


def answer_folder_dialog(monkeypatch, chosen: str) -> list[str]:
    """Make the folder dialog answer *chosen*; return the folders it was opened at."""
    opened_at: list[str] = []

    def ask(parent, caption, start, *args):
        opened_at.append(start)
        return chosen

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", ask)
    return opened_at


def test_says_what_will_happen_and_where_the_archive_goes(welcome, context, screenshots):
    text = welcome.text.text()
    assert "Mail older than a cut-off you choose moves from the server into an archive" in text
    assert (
        "Nothing is deleted from the server before it is safely stored here and checked "
        "byte for byte."
    ) in text
    assert welcome.folder_row.isVisible() and not welcome.folder_error.isVisible()
    assert shown_folder(welcome) == str(context.archive_root)
    assert welcome.change_folder_button.text() == "&Change…"
    welcome.grab().save(str(screenshots / "welcome-en.png"))


def test_change_saves_the_chosen_folder(qtbot, welcome, context, tmp_path, monkeypatch):
    chosen = tmp_path / "Archiv"
    chosen.mkdir()
    opened_at = answer_folder_dialog(monkeypatch, str(chosen))

    with qtbot.waitSignal(context.config_changed):
        qtbot.mouseClick(welcome.change_folder_button, LEFT)

    assert opened_at == [str(tmp_path)]  # the default folder does not exist yet
    assert load_config(context.dirs.config_file).archive_dir == chosen
    assert context.archive_root == chosen
    assert shown_folder(welcome) == str(chosen)
    assert not welcome.folder_error.isVisible()


def test_the_page_follows_a_folder_saved_elsewhere(welcome, context, tmp_path):
    context.save_config(replace(context.config, archive_dir=tmp_path / "elsewhere"))
    assert shown_folder(welcome) == str(tmp_path / "elsewhere")


def test_a_long_folder_is_shortened_in_the_middle(welcome, context, tmp_path):
    deep = tmp_path.joinpath(*[f"folder-{i}" for i in range(40)], "Archiv")
    context.save_config(replace(context.config, archive_dir=deep))
    text = welcome.folder_label.text()
    assert shown_folder(welcome) == str(deep)
    assert "…" in text and text.endswith("Archiv")
    assert welcome.minimumSizeHint().width() <= 930


def test_a_relative_folder_is_refused(qtbot, welcome, context, monkeypatch):
    answer_folder_dialog(monkeypatch, "relative/archive")

    qtbot.mouseClick(welcome.change_folder_button, LEFT)

    assert welcome.folder_error.isVisible()
    assert welcome.folder_error.text() == "The archive folder must be a full path."
    assert context.config.archive_dir is None
    assert not context.dirs.config_file.exists()


def test_cancelling_the_folder_dialog_changes_nothing(qtbot, welcome, context, monkeypatch):
    answer_folder_dialog(monkeypatch, "")

    qtbot.mouseClick(welcome.change_folder_button, LEFT)

    assert not welcome.folder_error.isVisible()
    assert context.config.archive_dir is None
    assert shown_folder(welcome) == str(context.archive_root)


def test_a_failed_save_is_shown(qtbot, welcome, context, tmp_path, monkeypatch):
    answer_folder_dialog(monkeypatch, str(tmp_path))

    def refuse(config):
        raise PermissionError(13, "Permission denied", str(context.dirs.config_file))

    monkeypatch.setattr(context, "save_config", refuse)

    qtbot.mouseClick(welcome.change_folder_button, LEFT)

    assert welcome.folder_error.isVisible()
    assert welcome.folder_error.text() == f"Permission denied ({context.dirs.config_file})"
    assert context.config.archive_dir is None


def test_without_a_context_the_page_only_explains(qtbot):
    page = WelcomePage()
    qtbot.addWidget(page)
    page.show()
    assert page.text.isVisible() and page.add_button.isVisible()
    assert not page.folder_row.isVisible()


def test_the_page_speaks_german(qtbot, context, german, screenshots):
    page = WelcomePage(context)
    qtbot.addWidget(page)
    page.resize(930, 680)
    page.show()
    assert page.text.text().startswith("E-Mails mit Datum vor einem von Ihnen gewählten Stichtag")
    assert "Vom Server wird nichts gelöscht, bevor" in page.text.text()
    assert page.folder_caption.text() == "Das Archiv wird hier gespeichert:"
    assert page.change_folder_button.text() == "&Ändern…"
    page.grab().save(str(screenshots / "welcome-de.png"))


def test_the_folder_dialog_opens_at_the_archive_folder_once_it_exists(
    qtbot, welcome, context, monkeypatch
):
    context.dirs.archive.mkdir(parents=True)
    opened_at = answer_folder_dialog(monkeypatch, "")
    qtbot.mouseClick(welcome.change_folder_button, LEFT)
    assert opened_at == [str(context.dirs.archive)]
