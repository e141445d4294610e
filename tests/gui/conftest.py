"""Fixtures for GUI tests: an app context in a private home, accounts on the Dovecot fixture,
a file keyring instead of the system's, and a folder for screenshots."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QLocale, QThreadPool
from PySide6.QtWidgets import QApplication

from archiver.core.accounts import Account, PasswordSource
from archiver.core.config import Config
from archiver.core.paths import AppDirs
from archiver.core.secrets import Secret, store_in_keyring
from archiver.gui.app import install_translators
from archiver.gui.context import AppContext
from archiver.gui.garbage import GuiThreadCollector
from tests.helpers.filekeyring import FileKeyring

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True, scope="package")
def _garbage_collected_on_the_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As in the app: Python's cyclic collector frees Qt objects on the GUI thread only,
    never on a pool thread amid a job (archiver/gui/garbage.py); given back after tests/gui."""
    collector = GuiThreadCollector()
    collector.start()
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def _english_and_offscreen(qapp: QApplication) -> None:
    """Tests read English texts whatever the machine's locale."""
    assert os.environ.get("QT_QPA_PLATFORM") == "offscreen"
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


@pytest.fixture
def german(qapp: QApplication) -> Iterator[None]:
    """The app in German (its translation installed), as most of our users run it."""
    translators = install_translators(qapp, "de")
    assert translators, "the German translation did not load"
    yield
    for translator in translators:
        qapp.removeTranslator(translator)


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[FileKeyring]:
    """A keyring in a file, in place of the system keyring, for this test."""
    previous = keyring.get_keyring()
    backend = FileKeyring(tmp_path / "keyring.json")
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    """A thread pool of the test's own, drained at the end so no job outlives its test."""
    pool = QThreadPool()
    yield pool
    pool.waitForDone(60_000)


@pytest.fixture
def context(home: AppDirs, pool: QThreadPool) -> AppContext:
    """An app context with no account yet."""
    return AppContext(home, Config(), pool)


@pytest.fixture
def keyring_account(account: Account, password: Secret, file_keyring: FileKeyring) -> Account:
    """The fresh Dovecot user as a configured account with its password in the keyring."""
    configured = dataclasses.replace(account, name="office", password_source=PasswordSource.KEYRING)
    store_in_keyring(configured, password)
    return configured


@pytest.fixture
def account_context(context: AppContext, keyring_account: Account) -> AppContext:
    """An app context with the Dovecot user configured as account "office"."""
    context.save_config(context.config.with_account(keyring_account))
    return context


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where tests save what the windows look like, to look at after a run.

    A temporary folder, or IMAP_ARCHIVER_SCREENSHOTS when set. The screenshots in
    docs/screenshots come from docs/make_screenshots.py, never from a test run.
    """
    chosen = os.environ.get("IMAP_ARCHIVER_SCREENSHOTS")
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        return Path(chosen)
    return tmp_path_factory.mktemp("screenshots")
