"""A scheduled run: archive a schedule's accounts unattended, and write down how it went.

Started by the operating system's scheduler with no terminal and nobody to ask: an account
whose password is asked each time is skipped, with that reason; every other problem of an
account is recorded and the next account goes on. The outcome goes to
``last-scheduled-run.json`` in the settings folder, which the app shows on its next start.
Two scheduled runs never overlap: the second finds the scheduled runs' lock taken and
ends quietly. Each account's run takes the archive lock as any archive run does.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from archiver.core.accounts import Account, PasswordSource
from archiver.core.config import Config
from archiver.core.errors import (
    ArchiveLocked,
    ArchiverError,
    AuthenticationError,
    ConnectError,
    SecretError,
    TlsError,
)
from archiver.core.jobs.archive import ArchiveResult, run_archive
from archiver.core.lock import archive_lock
from archiver.core.paths import make_private_dir, replace_file
from archiver.core.progress import CancelToken, ignore_progress
from archiver.core.schedule import Schedule
from archiver.core.secrets import Secret, get_password

log = logging.getLogger(__name__)

RESULT_NAME = "last-scheduled-run.json"
SCHEDULED_LOCK_NAME = "scheduled.lock"


class Problem(enum.Enum):
    """Why an account of a scheduled run was not (fully) archived; each face words it.

    The parameters beside it: ``message`` (the core's English words) where there is one.
    """

    PASSWORD_ASKED = "password_asked"  # "ask each time": nobody is there to ask
    NO_PASSWORD = "no_password"  # keyring empty or unusable, password command failed
    UNKNOWN_ACCOUNT = "unknown_account"  # named by the schedule, removed since
    ARCHIVE_MISSING = "archive_missing"  # the chosen archive folder is not there (a drive)
    ARCHIVE_BUSY = "archive_busy"  # another job held the archive
    LOGIN_FAILED = "login_failed"
    UNREACHABLE = "unreachable"  # no connection, or TLS could not be established
    STOPPED = "stopped"  # the run stopped on an error of its own
    INTERNAL = "internal"  # a bug; details in the log


@dataclass(frozen=True, slots=True)
class AccountOutcome:
    """What a scheduled run did for one account: what it archived and freed, the messages
    or folders that failed, or the problem that kept it from running (or stopped it)."""

    account: str
    archived: int = 0
    deleted: int = 0
    bytes_freed: int = 0
    errors: int = 0
    problem: Problem | None = None
    message: str = ""

    def to_dict(self) -> dict[str, object]:
        """Return the outcome as JSON values."""
        return {
            "account": self.account,
            "archived": self.archived,
            "deleted": self.deleted,
            "bytes_freed": self.bytes_freed,
            "errors": self.errors,
            "problem": self.problem.value if self.problem else None,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> AccountOutcome:
        """Read an outcome written by to_dict()."""
        problem = data.get("problem")
        return cls(
            account=str(data["account"]),
            archived=_count(data, "archived"),
            deleted=_count(data, "deleted"),
            bytes_freed=_count(data, "bytes_freed"),
            errors=_count(data, "errors"),
            problem=Problem(problem) if problem else None,
            message=str(data.get("message") or ""),
        )


def _count(data: dict[str, object], key: str) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int):
        raise TypeError(f"{key} is not a number")
    return value


@dataclass(frozen=True, slots=True)
class ScheduledRun:
    """One scheduled run: when, which schedule, and each account's outcome."""

    schedule: str
    started: dt.datetime
    finished: dt.datetime
    accounts: tuple[AccountOutcome, ...] = field(default_factory=tuple)

    @property
    def archived(self) -> int:
        """Messages archived over all accounts."""
        return sum(a.archived for a in self.accounts)

    @property
    def bytes_freed(self) -> int:
        """Bytes freed on the servers over all accounts."""
        return sum(a.bytes_freed for a in self.accounts)

    @property
    def problems(self) -> tuple[AccountOutcome, ...]:
        """The accounts that were skipped, stopped or had failures."""
        return tuple(a for a in self.accounts if a.problem is not None or a.errors)

    @property
    def ok(self) -> bool:
        """Whether every account was archived without a problem."""
        return not self.problems

    def to_dict(self) -> dict[str, object]:
        """Return the run as JSON values."""
        return {
            "schedule": self.schedule,
            "started": self.started.isoformat(timespec="seconds"),
            "finished": self.finished.isoformat(timespec="seconds"),
            "accounts": [a.to_dict() for a in self.accounts],
        }


PasswordGetter = Callable[[Account], Secret]
Archiver = Callable[..., ArchiveResult]


def run_scheduled(
    schedule: Schedule,
    config: Config,
    archive_root: Path,
    result_dir: Path,
    *,
    timeout: float,
    today: dt.date | None = None,
    password: PasswordGetter = get_password,
    archive: Archiver = run_archive,
) -> ScheduledRun | None:
    """Archive the schedule's accounts one after the other and record the outcome in
    *result_dir*; return it, or None when another scheduled run is still going on.

    Never asks for anything and raises nothing an account can cause: each account's
    problem is recorded in its outcome.
    """
    try:
        with archive_lock(result_dir, SCHEDULED_LOCK_NAME):
            run = _run_accounts(
                schedule, config, archive_root, timeout, today or dt.date.today(), password, archive
            )
            record_scheduled_run(result_dir, run)
            return run
    except ArchiveLocked:
        log.info("Another scheduled run is still going on; this one (%s) ends", schedule.name)
        return None


def _run_accounts(
    schedule: Schedule,
    config: Config,
    archive_root: Path,
    timeout: float,
    today: dt.date,
    password: PasswordGetter,
    archive: Archiver,
) -> ScheduledRun:
    started = _now()
    names = schedule.accounts or tuple(sorted(config.accounts))
    log.info("Scheduled run %s: accounts %s", schedule.name, ", ".join(names) or "none")
    outcomes = []
    for name in names:
        outcome = _run_account(
            name, schedule, config, archive_root, timeout, today, password, archive
        )
        log.info(
            "Scheduled run %s, account %s: %d archived, %d bytes freed, problem %s",
            schedule.name,
            name,
            outcome.archived,
            outcome.bytes_freed,
            outcome.problem.value if outcome.problem else "none",
        )
        outcomes.append(outcome)
    return ScheduledRun(schedule.name, started, _now(), tuple(outcomes))


def _now() -> dt.datetime:
    """Now, in whole seconds: as the record keeps it."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _run_account(
    name: str,
    schedule: Schedule,
    config: Config,
    archive_root: Path,
    timeout: float,
    today: dt.date,
    password: PasswordGetter,
    archive: Archiver,
) -> AccountOutcome:
    """Archive one account; turn whatever keeps it from running into its outcome."""
    account = config.accounts.get(name)
    if account is None:
        return AccountOutcome(name, problem=Problem.UNKNOWN_ACCOUNT)
    if account.password_source is PasswordSource.PROMPT:
        return AccountOutcome(name, problem=Problem.PASSWORD_ASKED)
    if config.archive_dir is not None and not archive_root.is_dir():
        # Never create it: the drive it is on may be unplugged, and the archive would go
        # to another disk.
        return AccountOutcome(name, problem=Problem.ARCHIVE_MISSING, message=str(archive_root))
    try:
        secret = password(account)
        result = archive(
            account,
            secret,
            archive_root,
            schedule.options(today),
            None,
            config.archive_format,
            report=ignore_progress,
            cancel=CancelToken(),
            timeout=timeout,
        )
    except SecretError as exc:
        return AccountOutcome(name, problem=Problem.NO_PASSWORD, message=str(exc))
    except ArchiveLocked as exc:
        return AccountOutcome(name, problem=Problem.ARCHIVE_BUSY, message=str(exc))
    except AuthenticationError as exc:
        return AccountOutcome(name, problem=Problem.LOGIN_FAILED, message=str(exc))
    except (ConnectError, TlsError) as exc:
        return AccountOutcome(name, problem=Problem.UNREACHABLE, message=str(exc))
    except ArchiverError as exc:
        return AccountOutcome(name, problem=Problem.STOPPED, message=str(exc))
    except Exception:  # the job boundary: one account's bug must not stop the others
        log.exception("Scheduled run %s, account %s failed", schedule.name, name)
        return AccountOutcome(name, problem=Problem.INTERNAL)
    return AccountOutcome(
        name,
        archived=result.archived,
        deleted=result.deleted,
        bytes_freed=result.bytes_freed,
        errors=result.errors - (1 if result.error else 0),
        problem=Problem.STOPPED if result.error else None,
        message=result.error or "",
    )


def record_scheduled_run(result_dir: Path, run: ScheduledRun) -> None:
    """Write the run's outcome to the settings folder, replacing the last one (atomically:
    the app may read it meanwhile). A failure to write is logged and otherwise ignored."""
    path = result_dir / RESULT_NAME
    temp = path.with_name(path.name + ".tmp")
    try:
        make_private_dir(result_dir)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(json.dumps(run.to_dict(), ensure_ascii=False, indent=2).encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        replace_file(temp, path)
    except OSError as exc:
        log.warning("Cannot record the scheduled run in %s: %s", result_dir, exc)


def read_scheduled_run(result_dir: Path) -> ScheduledRun | None:
    """Return the last scheduled run, or None when there was none (or it is unreadable)."""
    try:
        data = json.loads((result_dir / RESULT_NAME).read_bytes())
        return ScheduledRun(
            schedule=str(data["schedule"]),
            started=dt.datetime.fromisoformat(data["started"]),
            finished=dt.datetime.fromisoformat(data["finished"]),
            accounts=tuple(AccountOutcome.from_dict(a) for a in data["accounts"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.info("Cannot read the last scheduled run in %s: %s", result_dir, exc)
        return None
