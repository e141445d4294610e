"""One home for the archiver's folders (configuration, archive and logs), and the rules of
each system's file system for the files in them.

Resolved once in ``main()`` and passed down; nothing else in the code asks platformdirs.
"""

from __future__ import annotations

import logging
import ntpath
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "imap-archiver"
HOME_VARIABLE = "IMAP_ARCHIVER_HOME"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AppDirs:
    """Where the configuration, the archive and the logs live."""

    config: Path
    archive: Path
    logs: Path

    @classmethod
    def under(cls, home: Path) -> AppDirs:
        """Put everything below one folder (portable installs and tests)."""
        return cls(home / "config", home / "archive", home / "logs")

    @property
    def config_file(self) -> Path:
        """The settings file (accounts and options; never a password)."""
        return self.config / "config.json"


def resolve_dirs(env: Mapping[str, str] = os.environ) -> AppDirs:
    """Return the folders from ``IMAP_ARCHIVER_HOME`` if set, else the platform's defaults."""
    if home := env.get(HOME_VARIABLE):
        return AppDirs.under(Path(home).expanduser().absolute())
    from platformdirs import PlatformDirs  # noqa: PLC0415  # not needed with a home folder

    dirs = PlatformDirs(APP_NAME, appauthor=False)
    return AppDirs(dirs.user_config_path, dirs.user_data_path / "archive", dirs.user_log_path)


def long_path(path: Path) -> Path:
    r"""Return *path* in a form that may be longer than 260 characters on Windows.

    Windows refuses paths beyond MAX_PATH (260) unless long paths are enabled system-wide;
    the extended-length form (``\\?\C:\...``) is exempt everywhere. Deep folder
    hierarchies reach that length in an archive. Elsewhere *path* is returned as it is.
    """
    if sys.platform != "win32":
        return path
    return Path(extended_length(str(path)))


def extended_length(path: str) -> str:
    r"""Return a Windows path in extended-length form: absolute, backslashes, ``\\?\``."""
    if path.startswith("\\\\?\\"):
        return path
    full = ntpath.abspath(path)
    if full.startswith("\\\\"):  # a network share: \\server\share becomes \\?\UNC\server\share
        return "\\\\?\\UNC\\" + full[2:]
    return "\\\\?\\" + full


def make_private_dir(path: Path) -> Path:
    """Create *path*, and any missing parents, readable only by the user (mode 0700).

    ``Path.mkdir(parents=True)`` would give the parents the default mode, so each missing
    level is created here; existing folders are left as they are, except *path* itself.
    """
    for folder in create_missing_levels(path):
        if os.name == "posix":
            folder.chmod(0o700)  # mkdir's mode is reduced by the umask
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def create_missing_levels(path: Path) -> list[Path]:
    """Create *path* and its missing parents (mode 0700, less the umask); return the folders
    created, outermost first, for the caller to make private by its own rules."""
    missing = []
    level = path
    while not level.exists():
        missing.append(level)
        level = level.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    return list(reversed(missing))


def write_private_file(path: Path, data: bytes) -> None:
    """Write a small file readable only by the user (mode 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


# Windows: another program (antivirus, the search indexer, OneDrive) that has a file open
# without FILE_SHARE_DELETE makes a rename fail with a sharing violation (32) or access
# denied (5) for a moment. Retried with backoff, for about six seconds in all.
SHARING_ERRORS = (5, 32)
REPLACE_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.0)


def replace_file(
    source: Path, target: Path, *, sleep: Callable[[float], None] = time.sleep
) -> None:
    """os.replace(), retried while another program briefly holds either file (Windows).

    A rename either happens whole or not at all, so retrying can neither lose nor duplicate
    the file; after the last try the error is raised as it is.
    """
    for delay in (*REPLACE_DELAYS, None):
        try:
            os.replace(source, target)
            return
        except OSError as exc:
            if delay is None or getattr(exc, "winerror", None) not in SHARING_ERRORS:
                raise
            log.info("%s is in use by another program; trying again in %.2f s", target, delay)
            sleep(delay)
