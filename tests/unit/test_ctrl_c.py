"""Helper processes ignore Ctrl-C from their start, and the command that started them still
gets it (archiver/core/ctrl_c.py).

A POSIX signal stands in for the console's Ctrl-C: Wine does not deliver console events to
a process as Windows does, so the Windows path is checked only for starting its children.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.core.ctrl_c import children_start_ignoring_ctrl_c, ignore_ctrl_c

SLOW_START = 1.0  # seconds: a helper still importing what it needs (more under load)


def _helper(errors: str) -> None:
    """A helper that takes a while before it ignores Ctrl-C, as a spawned one does."""
    sys.stderr = Path(errors).open("w")  # noqa: SIM115  # what a traceback would print
    time.sleep(SLOW_START)
    ignore_ctrl_c()
    time.sleep(0.2)  # a Ctrl-C held back would arrive now, if it were not discarded


# In a fresh process: multiprocessing's resource tracker starts with the first spawned child
# and unblocks SIGINT in the starting thread (children_start_ignoring_ctrl_c starts it first).
STARTING = """
import multiprocessing, os, signal, sys
from archiver.core.ctrl_c import children_start_ignoring_ctrl_c
from tests.unit.test_ctrl_c import _helper
helper = multiprocessing.get_context("spawn").Process(target=_helper, args=(sys.argv[1],))
if sys.argv[2] == "held back":
    with children_start_ignoring_ctrl_c():
        helper.start()
else:
    helper.start()
os.kill(helper.pid, signal.SIGINT)  # Ctrl-C while it starts
helper.join(60)
print(helper.exitcode)
"""


def _start_and_interrupt(tmp_path: Path, how: str) -> tuple[int, str]:
    """Start the helper from a fresh process as *how* says, Ctrl-C it at once; return its
    exit code and what it printed to stderr."""
    errors = tmp_path / "stderr"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-c", STARTING, str(errors), how]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout), errors.read_text() if errors.exists() else ""


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal stands in for the console's")
def test_a_helper_started_so_ignores_a_ctrl_c_that_comes_while_it_starts(tmp_path):
    assert _start_and_interrupt(tmp_path, "held back") == (0, "")


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal stands in for the console's")
def test_without_it_a_ctrl_c_while_starting_ends_the_helper(tmp_path):
    """What it is for: the same helper, started plainly, dies of the Ctrl-C (killed before
    Python has its handler, or later with a KeyboardInterrupt traceback)."""
    code, errors = _start_and_interrupt(tmp_path, "plainly")
    assert code == -signal.SIGINT or (code == 1 and "KeyboardInterrupt" in errors)


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX signal stands in for the console's")
def test_the_command_still_gets_a_ctrl_c_that_comes_while_it_starts_a_helper():
    with pytest.raises(KeyboardInterrupt):
        with children_start_ignoring_ctrl_c():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # delivered here on another thread, or held until the end
        time.sleep(1)


def test_starting_children_leaves_the_command_as_it_was():
    """On Windows the console's flag goes back; here the signal mask (and any thread that
    starts helpers can do so beside another)."""
    before = signal.getsignal(signal.SIGINT)
    if sys.platform != "win32":
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    with children_start_ignoring_ctrl_c(), children_start_ignoring_ctrl_c():
        pass
    assert signal.getsignal(signal.SIGINT) is before
    if sys.platform != "win32":
        assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == mask
