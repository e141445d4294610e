"""When the app reminds the user to back up the archive, and of messages past the retention
age, decided without any UI.

After an archive run deletes mail from the server, the archive holds the only copy of it.
The app then reminds (a notice, never a modal question) until a backup was made, when the
last backup did not finish, and when it is older than the chosen interval. Messages still on
the server need no backup yet: nothing is reminded about for them.

Retention: with a retention age set (say 10 years, as GoBD asks of business letters), the
messages dated before it are counted and listed for the user to decide about. Nothing is ever
deleted from the archive by it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from pathlib import Path

from archiver.core.catalog import CATALOG_NAME, Catalog
from archiver.core.cutoff import day_for_age, start_of_day
from archiver.core.runlog import BackupRecord, read_last_backup


class BackupDue(enum.Enum):
    """Why a backup is due."""

    NEVER = "never"  # messages are only here, and there was no backup yet
    INCOMPLETE = "incomplete"  # the last backup was cancelled or failed
    OVERDUE = "overdue"  # the last backup is older than the interval


@dataclass(frozen=True, slots=True)
class BackupStatus:
    """What the reminder is decided from: the last backup's record (None: never), and how
    many archived messages were deleted from the server, so that the archive holds their only
    copy (``only_here``)."""

    last: BackupRecord | None
    only_here: int


@dataclass(frozen=True, slots=True)
class BackupReminder:
    """A reminder to show: why, how many messages are only in the archive, the last backup
    (None: never) and how many whole days ago it finished."""

    due: BackupDue
    only_here: int
    last: BackupRecord | None
    days: int


def backup_reminder(
    now: dt.datetime, status: BackupStatus, interval_days: int
) -> BackupReminder | None:
    """Return the reminder due at *now*, or None.

    *interval_days* 0 switches reminders off. Nothing is due while no message is only in the
    archive. A backup that did not finish is due at once; a finished one after the interval.
    """
    if interval_days <= 0 or status.only_here == 0:
        return None
    last = status.last
    if last is None:
        return BackupReminder(BackupDue.NEVER, status.only_here, None, 0)
    days = max((now - last.finished).days, 0)
    if not last.complete:
        return BackupReminder(BackupDue.INCOMPLETE, status.only_here, last, days)
    if now - last.finished > dt.timedelta(days=interval_days):
        return BackupReminder(BackupDue.OVERDUE, status.only_here, last, days)
    return None


def read_backup_status(archive_root: Path) -> BackupStatus:
    """Read the last backup's record and count the messages only the archive holds.

    An archive without a catalog holds nothing yet (no catalog is created here).
    """
    last = read_last_backup(archive_root)
    if not (archive_root / CATALOG_NAME).exists():
        return BackupStatus(last, 0)
    with Catalog.open(archive_root) as catalog:
        return BackupStatus(last, catalog.deleted_count())


def retention_cutoff(today: dt.date, years: int) -> dt.datetime | None:
    """Return the instant before which messages are past a retention of *years* (local
    midnight, *years* calendar years before *today*); None when retention is off (0)."""
    if years <= 0:
        return None
    return start_of_day(day_for_age(f"{years}y", today))


def count_past_retention(archive_root: Path, cutoff: dt.datetime) -> int:
    """Return how many archived messages are dated before *cutoff* (no catalog: none)."""
    if not (archive_root / CATALOG_NAME).exists():
        return 0
    with Catalog.open(archive_root) as catalog:
        return catalog.count_dated_before(cutoff)
