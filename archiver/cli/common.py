"""What the commands share: exit codes, sizes for people, the progress bar, Ctrl-C, passwords."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import datetime as dt
import io
import json
import signal
import sys
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, Protocol, TextIO, TypeVar

# The commands import the exit codes from here, with the rest they share.
from archiver.cli.exits import (
    EXIT_CANCELLED,
    EXIT_CODES_HELP,  # noqa: F401  # for the commands
    EXIT_FAILED,
    EXIT_OK,
    EXIT_PARTLY,
)
from archiver.core.accounts import Account, PasswordSource
from archiver.core.progress import (
    CancelToken,
    Progress,
    ProgressCallback,
    ignore_progress,
    throttled,
)
from archiver.core.secrets import Secret, get_password


class TerminalProgress:
    """A one-line progress bar on a terminal: messages, MB, rate and ETA."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, progress: Progress) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = progress.done / elapsed
        mb_rate = progress.bytes_done / elapsed / 1024 / 1024
        left = progress.total - progress.done
        eta = f"{int(left / rate // 60)}:{int(left / rate % 60):02d}" if rate > 0 else "--:--"
        width = 24
        filled = int(width * progress.done / progress.total) if progress.total else width
        bar = "#" * filled + "." * (width - filled)
        line = (
            f"\r[{bar}] {progress.done}/{progress.total} msgs  "
            f"{progress.bytes_done / 1048576:.1f}/{progress.bytes_total / 1048576:.1f} MB  "
            f"{rate:.0f} msg/s {mb_rate:.1f} MB/s  ETA {eta}  {progress.message[:30]}"
        )
        self.stream.write(line.ljust(110))
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        """End the progress line."""
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()

    def restart(self) -> None:
        """End the progress line and measure rates anew: the next phase gets a line of its own."""
        self.finish()
        self.shown = False
        self.started = time.monotonic()


def counted(count: int, noun: str, plural: str = "") -> str:
    """Return *count* with *noun* in the number it needs: "1 message", "2 messages"."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def are(count: int) -> str:
    """Return the verb for *count* things: "is" for one, "are" for more (or none)."""
    return "is" if count == 1 else "are"


def local_time(utc: dt.datetime) -> dt.datetime:
    """Return a naive UTC time (as the catalog and the index keep them) in local time.

    People read their own clock; only --json keeps UTC (ISO 8601, with its offset). Times at
    the ends of the calendar, which local time cannot hold, stay in UTC.
    """
    aware = utc.replace(tzinfo=dt.UTC)
    try:
        return aware.astimezone()
    except (OverflowError, ValueError):
        return aware


def read_stdin_password() -> str:
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _ask(args: argparse.Namespace, account: Account) -> Callable[[], str] | None:
    """How to get the password this run: stdin, a prompt, or the configured source."""
    if getattr(args, "password_stdin", False):
        return read_stdin_password
    if account.password_source is PasswordSource.PROMPT and sys.stdin.isatty():
        import getpass  # noqa: PLC0415  # a prompt is rare; every command imports this module

        return lambda: getpass.getpass(f"Password for {account.user}@{account.host}: ")
    return None


def password_for(args: argparse.Namespace, account: Account) -> Secret:
    return get_password(account, _ask(args, account))


def interrupt_signals() -> list[signal.Signals]:
    """The signals of a user who wants the job to stop: Ctrl-C, and Ctrl-Break on Windows.

    Windows' console ends a process on Ctrl-Break (SIGBREAK) without running any Python code
    unless a handler is set; here it stops at a safe point like Ctrl-C.
    """
    wanted = [signal.SIGINT]
    if sys.platform == "win32":
        wanted.append(signal.SIGBREAK)
    return wanted


class Interrupts:
    """First Ctrl-C (or Ctrl-Break) cancels at a safe point; a second one exits at once."""

    def __init__(self, token: CancelToken) -> None:
        self.token = token
        self.previous: dict[signal.Signals, Callable[[int, FrameType | None], object] | int] = {}

    def __enter__(self) -> Interrupts:
        for signum in interrupt_signals():
            self.previous[signum] = signal.signal(signum, self._handle) or signal.SIG_DFL
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.token.cancel()
        print(
            "\nStopping at a safe point... (Ctrl-C again to quit at once; nothing is lost)",
            file=sys.stderr,
        )
        for wanted in interrupt_signals():
            signal.signal(wanted, signal.default_int_handler)

    def __exit__(self, *exc_info: object) -> None:
        for signum, previous in self.previous.items():
            signal.signal(signum, previous)


def progress_bar(json_output: bool = False) -> tuple[ProgressCallback, TerminalProgress | None]:
    """Return a progress callback: a bar on a terminal (not with --json), else nothing.

    Call ``finish()`` on the returned bar, if any, when the job is done.
    """
    if sys.stderr.isatty() and not json_output:
        bar = TerminalProgress(sys.stderr)
        return throttled(bar, 0.1), bar
    return ignore_progress, None


class JobResult(Protocol):
    """What every job's result offers the command line."""

    cancelled: bool

    def to_dict(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=JobResult)


@contextlib.contextmanager
def terminal_job(
    json_output: bool,
) -> Iterator[tuple[ProgressCallback, CancelToken, TerminalProgress | None]]:
    """Give a job a progress bar on a terminal (and the bar itself, for a job with phases
    that print between them) and a cancel token that Ctrl-C sets."""
    token = CancelToken()
    report, bar = progress_bar(json_output)
    with Interrupts(token):
        try:
            yield report, token, bar
        finally:
            if bar is not None:
                bar.finish()


def run_in_terminal(job: Callable[[ProgressCallback, CancelToken], R], json_output: bool) -> R:
    """Run a job with a progress bar on a terminal, Ctrl-C cancelling it at a safe point."""
    with terminal_job(json_output) as (report, token, _):
        return job(report, token)


def tolerate_unencodable_output() -> None:
    """Print what standard output's encoding cannot hold as ``?`` instead of failing.

    On Windows, output into a file or a pipe is in the ANSI code page (1252 in Germany),
    which holds neither emoji nor most scripts; subjects and names of senders hold them all.
    JSON output stays exact (see :func:`json_text`).
    """
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="replace")


def json_text(data: object, indent: int | None = None) -> str:
    """Return *data* as JSON for standard output: exact in any output encoding.

    Non-ASCII stays readable where the output is UTF-8 and is escaped (``\\u00fc``) elsewhere.
    """
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    utf8 = codecs.lookup(encoding).name == "utf-8"
    return json.dumps(data, indent=indent, ensure_ascii=not utf8)


def finish(
    result: JobResult,
    json_output: bool,
    summary: Callable[[TextIO], None],
    ok: bool,
    partly: bool = False,
) -> int:
    """Print the result (JSON, or the summary for people) and return the exit code.

    *ok* false means the job failed; *partly* that it went through but left work undone.
    """
    if json_output:
        print(json_text(result.to_dict(), indent=2))
    else:
        summary(sys.stdout)
    if result.cancelled:
        return EXIT_CANCELLED
    if not ok:
        return EXIT_FAILED
    return EXIT_PARTLY if partly else EXIT_OK
