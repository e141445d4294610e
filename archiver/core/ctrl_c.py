"""Helper processes that ignore Ctrl-C from their very start.

Ctrl-C reaches every process of the terminal (POSIX: its foreground process group;
Windows: every process of the console). Our helper processes (the archive job's indexer,
the PDF reader, the index writer's spawned workers) ignore it: the command that started
them handles it and stops them. But a spawned Python needs a tenth of a second or more
(seconds on a slow Windows machine) before it runs the line that ignores Ctrl-C. A Ctrl-C
in that time ended the helper with a KeyboardInterrupt traceback on the user's terminal:
nothing was lost (the messages stayed unindexed for the next run), but it looked like a
crash. So helpers are started inside :func:`children_start_ignoring_ctrl_c` and call
:func:`ignore_ctrl_c` first thing.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def children_start_ignoring_ctrl_c() -> Iterator[None]:
    """Start child processes inside this: Ctrl-C cannot reach them before they ignore it.

    POSIX: SIGINT is blocked in this thread meanwhile. A child inherits the blocked mask
    through fork and exec, so a Ctrl-C stays pending in it until :func:`ignore_ctrl_c`
    discards it. This process itself still gets Ctrl-C at once, on another thread, or here
    as soon as the mask is restored: none is lost.

    Windows: this process ignores Ctrl-C meanwhile (SetConsoleCtrlHandler(NULL, TRUE)), a
    flag that a child inherits when it is created. Creating a process takes milliseconds;
    a Ctrl-C in those is lost (pressed again, it stops the command). Afterwards this process
    handles Ctrl-C again, also had it been started ignoring it (CREATE_NEW_PROCESS_GROUP,
    which nothing of ours uses).
    """
    if sys.platform == "win32":
        with _console_ignores_ctrl_c():
            yield
        return
    # multiprocessing starts its resource tracker along with the first process it spawns,
    # and unblocks SIGINT in the starting thread afterwards (resource_tracker.
    # ensure_running): so it is started first. tests/unit/test_ctrl_c.py fails if that moves.
    # Imported here: `search` imports this module and starts no process in most runs.
    from multiprocessing import resource_tracker  # noqa: PLC0415

    resource_tracker.ensure_running()
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


if sys.platform == "win32":
    import ctypes

    class _ConsoleFlag:
        """The process-wide "ignore Ctrl-C" flag, set while any thread starts a child."""

        def __init__(self) -> None:
            self._lock = threading.Lock()
            self._starting = 0

        @contextlib.contextmanager
        def __call__(self) -> Iterator[None]:
            set_ignored = ctypes.WinDLL("kernel32").SetConsoleCtrlHandler
            with self._lock:
                if self._starting == 0:
                    set_ignored(None, True)
                self._starting += 1
            try:
                yield
            finally:
                with self._lock:
                    self._starting -= 1
                    if self._starting == 0:
                        set_ignored(None, False)

    _console_ignores_ctrl_c = _ConsoleFlag()


def ignore_ctrl_c() -> None:
    """In a helper process, first thing: ignore Ctrl-C (and Windows' Ctrl-Break) for good.

    A Ctrl-C held back while the process started (children_start_ignoring_ctrl_c) is
    discarded here, before SIGINT is unblocked again.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "win32":
        signal.signal(signal.SIGBREAK, signal.SIG_IGN)
    else:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
