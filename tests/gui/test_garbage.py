"""Cyclic garbage holding Qt objects is freed on the GUI thread, never on a pool thread
amid a job (archiver/gui/garbage.py; tests/gui runs with the app's collector, conftest)."""

from __future__ import annotations

import gc
import os
import threading
import warnings
import weakref

import pytest
from PySide6.QtCore import QObject, QThreadPool

from archiver.core.progress import CancelToken, ProgressCallback
from archiver.gui.garbage import GuiThreadCollector
from archiver.gui.workers import JobSlot

pytestmark = pytest.mark.gui


def allocating(report: ProgressCallback, cancel: CancelToken) -> int:
    """A job whose allocations pass the collector's thresholds many times over."""
    return len([[i] for i in range(200_000)])


def test_a_qt_object_in_cyclic_garbage_is_freed_on_the_gui_thread(qtbot, pool: QThreadPool):
    """The scheduler's install job (ElementTree) was "Garbage-collecting" when Windows
    ended tests/gui with an access violation: Python collects on whichever thread
    allocates, and a Python-owned QObject in a cycle was deleted there."""
    freed_on: list[int] = []
    cycle: dict[str, object] = {"object": QObject()}
    cycle["cycle"] = cycle
    weakref.finalize(cycle["object"], lambda: freed_on.append(threading.get_ident()))
    del cycle
    slot, done = JobSlot(pool), []
    slot.start(allocating, lambda signals: signals.succeeded.connect(done.append))
    qtbot.waitUntil(lambda: bool(done) and not slot.busy, timeout=20_000)
    # The job's allocations were freed again: make a collection due, as the app's next
    # allocations would. Well past the threshold: the count falls with every container
    # freed (the job's runnable and signals, say), and one just past it fell back below it
    # before the timer looked (CI, twice, under load), so nothing was ever collected.
    kept = [[] for _ in range(10 * gc.get_threshold()[0])]
    qtbot.waitUntil(lambda: bool(freed_on), timeout=10_000)  # the collector's timer
    assert freed_on == [threading.get_ident()] and kept


def test_stop_collects_and_gives_automatic_collection_back(qapp):
    assert not gc.isenabled()  # tests/gui runs with the app's collector
    collector = GuiThreadCollector()
    collector.start()
    collector.stop()
    assert not gc.isenabled()  # the package's collector still runs
    gc.enable()
    try:
        collector.start()
        assert not gc.isenabled()
        collector.stop()
        assert gc.isenabled()
    finally:
        gc.disable()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX's")
def test_a_forked_process_collects_automatically_again():
    """The indexer's workers may be forked from the app: there is no GUI thread in them."""
    assert not gc.isenabled()
    with warnings.catch_warnings():  # Python 3.12 warns of forking beside threads: the
        warnings.simplefilter("ignore", DeprecationWarning)  # child takes no lock
        pid = os.fork()
    if pid == 0:  # the child: no pytest, no Qt, just the answer
        os._exit(0 if gc.isenabled() else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
