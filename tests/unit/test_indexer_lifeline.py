"""The archive job's indexer process ends when the job's process dies, on every system.

Killed, not asked: a crashed or killed job must not leave an indexer behind that writes to
the index after the archive lock is gone.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.kill import KILLED, kill_hard

# The job: start the indexer on an empty archive, say its PID, then wait to be killed.
JOB = """
import sys, time
from pathlib import Path
from archiver.core.index.background import BackgroundIndexer
indexer = BackgroundIndexer(Path(sys.argv[1]), "test")
indexer.start()
print(indexer._process.pid, flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    """Whether process *pid* still runs (not ended, nor a zombie nobody reaped)."""
    if sys.platform == "win32":
        synchronize, wait_object_0 = 0x00100000, 0
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(synchronize, False, pid)
        if not handle:
            return False
        try:
            return bool(kernel32.WaitForSingleObject(handle, 0) != wait_object_0)
        finally:
            kernel32.CloseHandle(handle)
    if sys.platform.startswith("linux"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return False
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_indexer_ends_when_its_job_is_killed(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    job = subprocess.Popen(
        [sys.executable, "-c", JOB, str(tmp_path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        env=env,
    )
    try:
        assert job.stdout is not None
        indexer = int(job.stdout.readline())
        assert alive(indexer)
    finally:
        job.kill()  # SIGKILL; TerminateProcess on Windows: no handler of the job runs
        job.wait(30)
    deadline = time.monotonic() + 30
    while alive(indexer) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(indexer)


# The indexer with a forked worker of the index writer: the job's end of the lifeline closes.
WITH_WORKER = """
import multiprocessing, threading, time
from archiver.core.index.background import _watch_lifeline
from archiver.core.index.writer_processes import fork_index_workers
fork_index_workers()  # as the writer does: fork, whatever Python's default
worker = multiprocessing.Process(target=time.sleep, args=(600,))
worker.start()
print(worker.pid, flush=True)
lifeline, jobs_end = multiprocessing.Pipe(duplex=False)  # made after the fork, as in the job
threading.Timer(0.2, jobs_end.close).start()
_watch_lifeline(lifeline)
"""


def _run_with_a_worker(script: str) -> tuple[int, bool]:
    """Run *script*, which prints the pid of a worker it forked; return its exit status and
    whether the worker was still alive 30 s after it ended (then killed here)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    worker = int(done.stdout.splitlines()[0])
    return done.returncode, wait_until_ended(worker)


def wait_until_ended(pid: int, timeout: float = 30) -> bool:
    """Wait up to *timeout* seconds for process *pid* to end; return whether it was still
    alive then (and then kill it, so that a failing test leaves nothing behind)."""
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = alive(pid)
    if left:
        kill_hard(pid)
    return left


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="forked index workers only on Linux"
)
def test_the_index_writers_workers_end_with_the_indexer(tmp_path):
    returncode, left = _run_with_a_worker(WITH_WORKER)
    assert returncode == 0 and not left


# The indexer itself killed (out of memory, a user's kill) with a forked worker of the writer.
KILLED_WITH_WORKER = """
import multiprocessing, os, signal, time
from archiver.core.index.writer_processes import fork_index_workers
fork_index_workers()
worker = multiprocessing.Process(target=time.sleep, args=(600,))
worker.start()
print(worker.pid, flush=True)
time.sleep(0.2)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_index_writers_workers_end_when_the_indexer_is_killed():
    returncode, left = _run_with_a_worker(KILLED_WITH_WORKER)
    assert returncode == KILLED and not left
