"""Progress reports and cancellation for long jobs, free of any UI toolkit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial


class Cancelled(Exception):
    """Raised inside a job, at a safe point, after cancel() was called."""


class CancelToken:
    """Thread-safe flag; the job polls it between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def cancel(self) -> None:
        """Ask the job to stop at its next safe point; callable from any thread."""
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Have cancel() call *callback* (on the cancelling thread; at once if it was called).

        For waits that polling cannot interrupt, such as a read from a silent server: the
        callback closes the socket, and the job stops as soon as its read fails. Returns a
        function that removes the callback again.
        """
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return partial(self._remove, callback)
        callback()
        return lambda: None

    def _remove(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    @property
    def is_cancelled(self) -> bool:
        """Whether cancel() was called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise Cancelled if cancel() was called."""
        if self.is_cancelled:
            raise Cancelled


class Phase(StrEnum):
    """Which step of an archive run a progress report belongs to, for the faces to tell
    apart without reading the report's English ``message``."""

    SCANNING = "scanning"  # looking at each folder: what to archive
    COPYING = "copying"  # fetching, storing and verifying messages
    INDEXING = "indexing"  # adding the archived messages to the search index


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot of a job's progress.

    ``done``/``total`` count messages, ``bytes_done``/``bytes_total`` their sizes; ``message``
    says what the job is doing now in English (for logs and the command line), ``phase``
    which step of the job that is (None for jobs without steps) and ``folder`` the folder it
    works on ("" for none): from these two the app words the report in the user's language.
    """

    done: int
    total: int
    message: str = ""
    bytes_done: int = 0
    bytes_total: int = 0
    phase: Phase | None = None
    folder: str = ""


ProgressCallback = Callable[[Progress], None]


def ignore_progress(_: Progress) -> None:
    """Accept and drop a progress report (for callers that show none)."""


def throttled(report: ProgressCallback, interval: float = 0.1) -> ProgressCallback:
    """Wrap *report* so it passes on at most one report per *interval* seconds.

    A report whose ``done`` equals ``total`` always passes, so the last state is never lost.
    """
    last = float("-inf")  # the first report always passes

    def wrapper(progress: Progress) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= interval or progress.done >= progress.total:
            last = now
            report(progress)

    return wrapper
