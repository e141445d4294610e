"""The log of past archive runs: one JSON line per run, kept beside the catalog.

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
