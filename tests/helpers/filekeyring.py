"""A keyring backend in a JSON file, standing in for the system keyring in tests.

Select it in a subprocess with ``PYTHON_KEYRING_BACKEND=tests.helpers.filekeyring.FileKeyring``
and ``TEST_KEYRING_FILE=path``, or in-process with ``keyring.set_keyring(FileKeyring(path))``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    """Passwords in a JSON file (test use only: not encrypted)."""

    # Below the fail backend (0): never picked on its own, only when asked for by name.
    priority = -1  # type: ignore[assignment]

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self._path = path

    @property
    def path(self) -> Path:
        """The JSON file, given or from TEST_KEYRING_FILE."""
        return self._path or Path(os.environ["TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self.path.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError(username)
        self.path.write_text(json.dumps(data))
