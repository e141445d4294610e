"""What every window and page of the app shares: folders, settings, the pool, passwords."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QWidget

from archiver.core.accounts import Account, PasswordSource
from archiver.core.config import Config, save_config
from archiver.core.paths import AppDirs
from archiver.core.secrets import Secret, get_password

log = logging.getLogger(__name__)

PasswordGetter = Callable[[], Secret]


class AppContext(QObject):
    """The app's folders, its settings and the thread pool its jobs run on.

    Pages get it passed in (never a global). Saving settings goes through save_config(),
    which tells every page.

    Signals:
        config_changed(): the settings were saved (accounts, archive folder, language...).
    """

    config_changed = Signal()

    def __init__(self, dirs: AppDirs, config: Config, pool: QThreadPool | None = None) -> None:
        super().__init__()
        self.dirs = dirs
        self._config = config
        self.pool = pool if pool is not None else QThreadPool.globalInstance()
        self._asked: dict[str, Secret] = {}  # prompted passwords, for this session only

    @property
    def config(self) -> Config:
        """The current settings."""
        return self._config

    @property
    def archive_root(self) -> Path:
        """The archive folder in use."""
        return self._config.archive_root(self.dirs)

    def save_config(self, config: Config) -> None:
        """Write the settings file and tell the pages; raises ConfigError/OSError on failure."""
        save_config(config, self.dirs.config_file)
        self._config = config
        self.config_changed.emit()

    def remember_password(self, account: Account, password: Secret) -> None:
        """Keep a password typed in for a PROMPT account until the app closes."""
        self._asked[account.name] = password

    def forget_password(self, account_name: str) -> None:
        """Drop a remembered password (it was wrong, or the account changed)."""
        self._asked.pop(account_name, None)

    def password_getter(self, account: Account, parent: QWidget) -> PasswordGetter | None:
        """Return how a job gets the account's password, or None if the user declined.

        Keyring and command passwords are read inside the job, on its pool thread (a
        keyring or a password command may take a while); a PROMPT account is asked for
        here, on the GUI thread, once per session.
        """
        if account.password_source is not PasswordSource.PROMPT:
            return lambda: get_password(account)
        if account.name not in self._asked:
            text, ok = QInputDialog.getText(
                parent,
                self.tr("Password"),
                self.tr("Password for {user} on {host}:").format(
                    user=account.user, host=account.host
                ),
                QLineEdit.EchoMode.Password,
            )
            if not ok or not text:
                return None
            self._asked[account.name] = Secret(text)
        secret = self._asked[account.name]
        return lambda: secret
