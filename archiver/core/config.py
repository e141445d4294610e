"""The settings file: accounts and options as JSON. It never holds a password."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from archiver.core.accounts import Account
from archiver.core.errors import AccountNameTaken, ConfigError
from archiver.core.paths import AppDirs, make_private_dir, replace_file

if TYPE_CHECKING:  # imported by load_config where the settings hold schedules
    from archiver.core.schedule import Schedule

FORMATS = ("maildir", "mbox")
CUTOFF_PRESETS = ("3m", "6m", "1y", "2y")  # what the GUI offers; the CLI takes any age
LANGUAGES = ("", "en", "de")  # "" follows the system's locale
BACKUP_REMINDER_DAYS = 30  # remind of a backup older than this; 0: never
MAX_REMINDER_DAYS = 3650
MAX_RETENTION_YEARS = 100


@dataclass(frozen=True, slots=True)
class Config:
    """All settings: the accounts by name, the archive format for new archives, where the
    archive lives (None: the platform's data folder), the cut-off the GUI proposes, the GUI's
    language, the backup folder last chosen in the app, after how many days without a backup
    the app reminds (0: never), and after how many years archived messages are listed for
    the user to decide about (0: off; nothing is ever deleted from the archive by it), and
    whether indexing reads scans by OCR (index/ocr.py; off by default: it needs Tesseract and
    takes about a second per page)."""

    accounts: dict[str, Account] = field(default_factory=dict)
    archive_format: str = "maildir"
    archive_dir: Path | None = None
    default_cutoff: str = "1y"
    language: str = ""
    backup_dir: Path | None = None
    backup_reminder_days: int = BACKUP_REMINDER_DAYS
    retention_years: int = 0
    schedules: dict[str, Schedule] = field(default_factory=dict)
    ocr: bool = False

    def archive_root(self, dirs: AppDirs) -> Path:
        """Return the archive folder: the configured one, else the platform's default."""
        return self.archive_dir if self.archive_dir is not None else dirs.archive

    def account(self, name: str) -> Account:
        """Return the account called *name*, or raise ConfigError listing the known ones."""
        try:
            return self.accounts[name]
        except KeyError:
            known = ", ".join(sorted(self.accounts)) or "none"
            raise ConfigError(f"No account named {name!r} (configured: {known}).") from None

    def name_clash(self, name: str) -> str | None:
        """Return the configured account name that differs from *name* only in case, if any."""
        folded = name.casefold()
        return next((n for n in self.accounts if n != name and n.casefold() == folded), None)

    def with_account(self, account: Account) -> Config:
        """Return a copy with *account* added or replaced.

        Raises AccountNameTaken for a name that differs from another's only in case.
        """
        existing = self.name_clash(account.name)
        if existing is not None:
            raise AccountNameTaken(account.name, existing)
        return replace(self, accounts={**self.accounts, account.name: account})

    def without_account(self, name: str) -> Config:
        """Return a copy without the account *name* (which must exist)."""
        self.account(name)
        return replace(self, accounts={k: v for k, v in self.accounts.items() if k != name})

    def schedule(self, name: str) -> Schedule:
        """Return the schedule called *name*, or raise ConfigError listing the known ones."""
        try:
            return self.schedules[name]
        except KeyError:
            known = ", ".join(sorted(self.schedules)) or "none"
            raise ConfigError(f"No schedule named {name!r} (configured: {known}).") from None

    def with_schedule(self, schedule: Schedule) -> Config:
        """Return a copy with *schedule* added or replaced."""
        return replace(self, schedules={**self.schedules, schedule.name: schedule})

    def without_schedule(self, name: str) -> Config:
        """Return a copy without the schedule *name* (which must exist)."""
        self.schedule(name)
        return replace(self, schedules={k: v for k, v in self.schedules.items() if k != name})


def load_config(path: Path) -> Config:
    """Read the settings file; a missing file means no settings yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the settings file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"The settings file {path} does not hold a JSON object.")
    accounts = data.get("accounts", {})
    archive_format = data.get("archive_format", "maildir")
    archive_dir = data.get("archive_dir")
    cutoff = data.get("default_cutoff", "1y")
    language = data.get("language", "")
    backup_dir = data.get("backup_dir")
    reminder = data.get("backup_reminder_days", BACKUP_REMINDER_DAYS)
    retention = data.get("retention_years", 0)
    schedules = data.get("schedules", {})
    ocr = data.get("ocr", False)
    if (
        not isinstance(accounts, dict)
        or archive_format not in FORMATS
        or not isinstance(archive_dir, str | None)
        or cutoff not in CUTOFF_PRESETS
        or language not in LANGUAGES
        or not isinstance(backup_dir, str | None)
        or not _is_count(reminder, MAX_REMINDER_DAYS)
        or not _is_count(retention, MAX_RETENTION_YEARS)
        or not isinstance(schedules, dict)
        or not isinstance(ocr, bool)
    ):
        raise ConfigError(f"The settings file {path} has invalid values.")
    parsed: dict[str, Schedule] = {}
    if schedules:  # most settings have none, and every command loads them (start-up)
        from archiver.core.schedule import Schedule  # noqa: PLC0415

        parsed = {name: Schedule.from_dict(name, values) for name, values in schedules.items()}
    return Config(
        accounts={name: Account.from_dict(name, values) for name, values in accounts.items()},
        archive_format=archive_format,
        archive_dir=Path(archive_dir) if archive_dir else None,
        default_cutoff=cutoff,
        language=language,
        backup_dir=Path(backup_dir) if backup_dir else None,
        backup_reminder_days=reminder,
        retention_years=retention,
        schedules=parsed,
        ocr=ocr,
    )


def _is_count(value: object, maximum: int) -> bool:
    """Whether *value* is a whole number from 0 to *maximum* (JSON's true is not one)."""
    return type(value) is int and 0 <= value <= maximum


def save_config(config: Config, path: Path) -> None:
    """Write the settings atomically (temp file, fsync, rename), readable by the user only."""
    make_private_dir(path.parent)
    data = {
        "archive_format": config.archive_format,
        "archive_dir": str(config.archive_dir) if config.archive_dir else None,
        "default_cutoff": config.default_cutoff,
        "language": config.language,
        "backup_dir": str(config.backup_dir) if config.backup_dir else None,
        "backup_reminder_days": config.backup_reminder_days,
        "retention_years": config.retention_years,
        "ocr": config.ocr,
        "accounts": {name: acc.to_dict() for name, acc in sorted(config.accounts.items())},
        "schedules": {name: s.to_dict() for name, s in sorted(config.schedules.items())},
    }
    import tempfile  # noqa: PLC0415  # saving only; every command loads the settings

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        replace_file(Path(tmp), path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
