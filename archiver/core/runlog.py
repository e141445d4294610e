"""The log of past archive runs (one JSON line per run) and the last backup's record, kept
beside the catalog.

The CLI and the GUI both write it (through run_archive) and the GUI shows it. It is a record
for people, not a source of truth: the catalog says what is archived.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

RUNLOG_NAME = "runs.jsonl"
KEEP_READING = 1_000  # the newest runs read back; older lines stay in the file


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One finished archive run, as the run log shows it."""

    started: dt.datetime
    finished: dt.datetime
    account: str
    archived: int
    deleted: int
    bytes: int
    errors: int
    cancelled: bool
    error: str | None
    quota_before: int | None  # bytes used
    quota_after: int | None


def record_run(archive_root: Path, started: dt.datetime, summary: dict[str, Any]) -> None:
    """Append one run's summary (ArchiveResult.to_dict() without folders) to the run log.

    A failure to write is logged and otherwise ignored: the run itself is complete.
    """
    line = {
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **{k: v for k, v in summary.items() if k != "folders"},
    }
    data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        fd = os.open(archive_root / RUNLOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
    except OSError as exc:
        log.warning("Cannot add the run to the run log in %s: %s", archive_root, exc)


def read_runs(archive_root: Path) -> list[RunRecord]:
    """Return the newest runs, newest first; unreadable lines are skipped."""
    try:
        lines = (archive_root / RUNLOG_NAME).read_bytes().splitlines()[-KEEP_READING:]
    except FileNotFoundError:
        return []
    except OSError as exc:
        log.warning("Cannot read the run log in %s: %s", archive_root, exc)
        return []
    runs = []
    for line in reversed(lines):
        try:
            runs.append(_record(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            log.debug("Skipping an unreadable run log line")
    return runs


def _record(data: dict[str, Any]) -> RunRecord:
    before, after = data.get("quota_before"), data.get("quota_after")
    return RunRecord(
        started=dt.datetime.fromisoformat(data["started"]),
        finished=dt.datetime.fromisoformat(data["finished"]),
        account=str(data["account"]),
        archived=int(data["archived"]),
        deleted=int(data["deleted"]),
        bytes=int(data["bytes"]),
        errors=int(data["errors"]),
        cancelled=bool(data["cancelled"]),
        error=data.get("error"),
        quota_before=int(before["used"]) if before else None,
        quota_after=int(after["used"]) if after else None,
    )


LAST_BACKUP_NAME = "last-backup.json"


@dataclass(frozen=True, slots=True)
class BackupRecord:
    """The last backup of the archive, as the app shows it and reminds from.

    ``complete`` says whether that run finished (every file copied and checked); ``error``
    is why it stopped, if it did; ``damaged`` counts messages found damaged in the archive
    itself (copied as they are; ``verify`` says more).
    """

    finished: dt.datetime
    destination: str
    complete: bool
    cancelled: bool
    error: str | None
    files_copied: int
    bytes_copied: int
    damaged: int


def record_backup(archive_root: Path, record: BackupRecord) -> None:
    """Write down the last backup's date and result in the archive (replacing the last one).

    A failure to write (a read-only archive) is logged and otherwise ignored: the backup
    itself is what counts.
    """
    data = {
        "finished": record.finished.isoformat(timespec="seconds"),
        "destination": record.destination,
        "complete": record.complete,
        "cancelled": record.cancelled,
        "error": record.error,
        "files_copied": record.files_copied,
        "bytes_copied": record.bytes_copied,
        "damaged": record.damaged,
    }
    path = archive_root / LAST_BACKUP_NAME
    temp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except OSError as exc:
        log.info("Cannot record the backup in %s: %s", archive_root, exc)


def read_last_backup(archive_root: Path) -> BackupRecord | None:
    """Return the last backup's record, or None when there was none (or it is unreadable)."""
    try:
        data = json.loads((archive_root / LAST_BACKUP_NAME).read_bytes())
        return BackupRecord(
            finished=dt.datetime.fromisoformat(data["finished"]),
            destination=str(data["destination"]),
            complete=bool(data["complete"]),
            cancelled=bool(data["cancelled"]),
            error=data.get("error"),
            files_copied=int(data["files_copied"]),
            bytes_copied=int(data["bytes_copied"]),
            damaged=int(data.get("damaged", 0)),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.info("Cannot read the last backup's record in %s: %s", archive_root, exc)
        return None
