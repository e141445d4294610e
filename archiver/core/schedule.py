"""A schedule for archiving: which accounts, how often, which mail, with which options.

One description, kept in the settings file, from which the operating system's task is
generated (archiver.core.scheduler) and which the scheduled run reads (``run-scheduled``).
It holds no password: a scheduled run needs an account whose password is stored.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archiver.core.cutoff import day_for_age, start_of_day
from archiver.core.errors import ArchiverError, ConfigError

if TYPE_CHECKING:  # the archive job (and its IMAP client) only when a schedule runs
    from archiver.core.jobs.archive import ArchiveOptions

# Also part of file and task names (systemd units, launchd labels, the Windows task), so
# only characters every one of them takes as they are.
SCHEDULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
DEFAULT_TIME = dt.time(10, 0)  # an office computer is on then; a missed run catches up anyway
ALL_ACCOUNTS = "all"


class Interval(enum.Enum):
    """How often a schedule runs: every day, every Monday, or on the 1st of every month."""

    DAILY = "day"
    WEEKLY = "week"
    MONTHLY = "month"


@dataclass(frozen=True, slots=True)
class Schedule:
    """Archive *accounts* (empty: every account configured when it runs) every *every* at
    *at* (local time), moving mail older than *older_than* (``1y``, ``6m``, ``365d``)."""

    name: str
    accounts: tuple[str, ...] = ()
    every: Interval = Interval.MONTHLY
    older_than: str = "1y"
    at: dt.time = DEFAULT_TIME
    keep_flagged: bool = False
    keep_unread: bool = False
    exclude_folders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not SCHEDULE_NAME.match(self.name):
            raise ConfigError(
                f"Invalid schedule name {self.name!r}: use letters, digits, _ and - "
                "(at most 64 characters, starting with a letter or digit)."
            )
        try:
            day_for_age(self.older_than, dt.date.today())
        except ArchiverError as exc:
            raise ConfigError(f"Schedule {self.name}: {exc}") from None
        if self.at.tzinfo is not None or self.at.second or self.at.microsecond:
            raise ConfigError(f"Schedule {self.name}: the time must be a local HH:MM.")

    @property
    def all_accounts(self) -> bool:
        """Whether the schedule archives every account (also those added later)."""
        return not self.accounts

    def options(self, today: dt.date) -> ArchiveOptions:
        """Return the archive options of a run on *today*: the cut-off counts from then."""
        from archiver.core.jobs.archive import ArchiveOptions  # noqa: PLC0415  # see above

        return ArchiveOptions(
            cutoff=start_of_day(day_for_age(self.older_than, today)),
            exclude_folders=self.exclude_folders,
            keep_flagged=self.keep_flagged,
            keep_unread=self.keep_unread,
        )

    def to_dict(self) -> dict[str, object]:
        """Return the schedule as plain JSON values (the name is the settings file's key)."""
        return {
            "accounts": list(self.accounts),
            "every": self.every.value,
            "older_than": self.older_than,
            "at": self.at.strftime("%H:%M"),
            "keep_flagged": self.keep_flagged,
            "keep_unread": self.keep_unread,
            "exclude_folders": list(self.exclude_folders),
        }

    @classmethod
    def from_dict(cls, name: str, data: dict[str, object]) -> Schedule:
        """Build a schedule from the JSON values written by to_dict()."""
        try:
            accounts = data.get("accounts", [])
            excluded = data.get("exclude_folders", [])
            if not isinstance(accounts, list) or not isinstance(excluded, list):
                raise TypeError("accounts and exclude_folders must be lists")
            return cls(
                name=name,
                accounts=tuple(str(a) for a in accounts),
                every=Interval(data.get("every", "month")),
                older_than=str(data.get("older_than", "1y")),
                at=dt.time.fromisoformat(str(data.get("at", "10:00"))),
                keep_flagged=bool(data.get("keep_flagged", False)),
                keep_unread=bool(data.get("keep_unread", False)),
                exclude_folders=tuple(str(f) for f in excluded),
            )
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"Schedule {name}: invalid settings ({exc}).") from exc


def default_name(accounts: tuple[str, ...]) -> str:
    """Return a schedule's name for *accounts*: ``all``, or the first account's name made
    safe for task and file names."""
    if not accounts:
        return ALL_ACCOUNTS
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", accounts[0])[:64]
    return safe if SCHEDULE_NAME.match(safe) else "account"
