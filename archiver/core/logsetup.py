"""Logging for both front ends: one rotating file in the log folder, brief lines on stderr,
secrets redacted on every handler."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from pathlib import Path

from archiver.core.paths import AppDirs, make_private_dir
from archiver.core.secrets import RedactingFilter

log = logging.getLogger(__name__)

_handlers: list[logging.Handler] = []


class _BriefFormatter(logging.Formatter):
    """One line per record on the terminal; tracebacks go to the log file only."""

    def format(self, record: logging.LogRecord) -> str:
        brief = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(brief)


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that more than one process may write (the app, a command line run).

    Windows refuses to rename a file another process has open (a sharing violation), so a
    rotation can fail there. Then this process goes on writing to the current file and tries
    again a minute later, instead of printing a logging error for every later record.
    """

    RETRY_AFTER = 60.0  # seconds
    _next_try = 0.0  # time.monotonic() before which no rotation is tried

    def shouldRollover(self, record: logging.LogRecord) -> int:
        if time.monotonic() < self._next_try:
            return False
        return super().shouldRollover(record)

    def doRollover(self) -> None:
        try:
            super().doRollover()
        except OSError:  # not logged: this runs inside the logging of a record
            self._next_try = time.monotonic() + self.RETRY_AFTER
            if self.stream is None:  # the record goes on into the current file
                self.stream = self._open()


def setup_logging(dirs: AppDirs, verbose: bool, prefix: str = "imap-archiver") -> None:
    """Log to one rotating file in the log folder, and warnings (or more) to stderr.

    Called by each front end's ``main()``, never at import time.
    """
    root = logging.getLogger()
    for old in _handlers:  # main() may run more than once in a process (tests)
        root.removeHandler(old)
        old.close()
    _handlers.clear()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(_BriefFormatter(f"{prefix}: %(levelname)s: %(message)s"))
    console.addFilter(RedactingFilter())
    root.addHandler(console)
    _handlers.append(console)
    try:
        make_private_dir(dirs.logs)
        handler = SharedRotatingFileHandler(
            dirs.logs / "imap-archiver.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError as exc:
        log.warning("Cannot write the log file in %s: %s", dirs.logs, exc)
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    _handlers.append(handler)
    # imapclient logs every command at DEBUG; keep the wire out of our log unless verbose.
    logging.getLogger("imapclient").setLevel(logging.DEBUG if verbose else logging.WARNING)


def close_logs_below(folder: Path) -> None:
    """Stop logging to files below *folder* and close them (before it is removed: Windows
    cannot remove an open file, so the demo's folder would stay behind)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename).is_relative_to(
            folder
        ):
            root.removeHandler(handler)
            handler.close()
            if handler in _handlers:
                _handlers.remove(handler)
