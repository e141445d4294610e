"""Ending a process the hard way, as the OOM killer, a crash or a power cut would: no handler,
``finally`` or ``atexit`` of it runs.

SIGKILL on POSIX. Windows has no SIGKILL: there ``os.kill`` calls TerminateProcess for every
signal but the console's Ctrl events, and the process ends with that number as its exit code.
"""

from __future__ import annotations

import os
import signal
import sys

HARD_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)
# The exit status a hard-killed child reports: subprocess and multiprocessing say -9 for
# SIGKILL on POSIX; Windows gives TerminateProcess's code as it is.
KILLED = int(HARD_KILL) if sys.platform == "win32" else -int(HARD_KILL)


def kill_hard(pid: int) -> None:
    """End process *pid* at once, with no handler of it running."""
    os.kill(pid, HARD_KILL)
