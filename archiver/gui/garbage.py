"""Python's cyclic garbage collected on the GUI thread only.

CPython runs its cyclic collector on whichever thread happens to allocate when a
generation's threshold is passed: in this app, as often as not a pool thread in the middle
of a job. The cyclic garbage it frees may hold Qt objects owned by Python (an app context,
a table model, a thread pool: tests/gui showed all three), and freeing their wrappers
deletes the C++ objects right there, on a thread that is not theirs, while the GUI thread
uses Qt. On Windows that ended tests/gui in an access violation (CI, 2026-12-06: the pool
thread running the scheduler's install job was "Garbage-collecting"). So automatic
collection is switched off while the app runs, and the GUI thread collects on a timer by
the same thresholds (as calibre's and Camelot's GarbageCollector do).
"""

from __future__ import annotations

import gc
import os

from PySide6.QtCore import QObject, QTimer, Slot

# How often the GUI thread looks at the collector's counts: often enough that a burst of
# allocations is collected about as soon as it would have been, rarely enough to cost nothing.
INTERVAL_MS = 500

_running: set[GuiThreadCollector] = set()  # started and not stopped, in this process


def _enable_in_forked_child() -> None:
    """A process forked from the app (the indexer's workers) has no GUI thread to collect."""
    if _running:
        gc.enable()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_enable_in_forked_child)


class GuiThreadCollector(QObject):
    """Switch automatic collection off and collect on the thread this object lives on.

    Create it on the GUI thread and start() it once the event loop is about to run; stop()
    gives automatic collection back (tests do, the app need not).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        """From now on only this thread collects."""
        self._was_enabled = gc.isenabled()
        gc.disable()
        _running.add(self)
        self._timer.start()

    def stop(self) -> None:
        """Collect what is due here, then let Python collect on any thread again."""
        self._timer.stop()
        gc.collect()
        _running.discard(self)
        if self._was_enabled:
            gc.enable()

    @Slot()
    def collect_due(self) -> None:
        """Collect the oldest generation whose count passed its threshold, as Python would."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return
