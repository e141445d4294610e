"""What "private to the user" means for a file or folder the app writes, per platform."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def assert_private(path: Path) -> None:
    """Assert that *path* is private to its owner: mode 0700 for a folder, 0600 for a file.

    On Windows only its existence is checked. There the app's files live in the user's
    profile (platformdirs: ``%APPDATA%``, ``%LOCALAPPDATA%``), protected by the ACLs they
    inherit from it; POSIX modes do not apply (``os.chmod`` sets or clears only the
    read-only attribute, and ``st_mode`` is made up from it), so 0600 can be neither set
    nor observed.
    """
    if sys.platform == "win32":
        assert path.exists(), f"{path} does not exist"
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    expected = PRIVATE_DIR if path.is_dir() else PRIVATE_FILE
    assert mode == expected, f"{path}: mode {oct(mode)}, expected {oct(expected)}"
