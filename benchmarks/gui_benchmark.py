"""Benchmark the desktop app's responsiveness: event-loop stalls while archiving, and the
results table with 100,000 hits.

Run from the repository root (Dovecot installed; no screen needed)::

    QT_QPA_PLATFORM=offscreen python -m benchmarks.gui_benchmark [--messages 10000] \
        [--hits 100000] [--out benchmarks/out]

``docs/PERFORMANCE.md`` (section "Desktop app") has the results. This is a measurement run
by hand, not a test: nothing here asserts a timing.

``archive``
    ``--messages`` generated messages (``tests/helpers/mailgen.py``, 30 KB mean, no big
    attachments) with 2020 INTERNALDATEs on a fresh user of a private Dovecot
    (``tests/helpers/dovecot.py``), spread over INBOX, Sent, Projects and Projects/Alpha.
    The real ArchivePage in a MainWindow (1100x720, offscreen) loads the folders, then
    "Archive older than 1 year" is clicked (the confirmation answered Yes) and the run goes
    to the end: archive, verify, delete, index. A QTimer fires every 5 ms on the GUI
    thread meanwhile; a stall is the time between two beats minus 5 ms. Reported: the
    longest stall, the 99th percentile, and how many exceeded 16 ms (a frame) and 50 ms.
``table``
    ``--hits`` synthetic hits in the search page's HitTableModel under a QTableView of the
    same window size: the time to hand the model its hits, to paint, to scroll through page
    by page (each step painted; slowest and p95 step), and to sort by each column (with the
    orders the search job makes on its thread, timed apart: models.sort_orders).

Results go to a table on stdout and to ``gui_benchmark.json`` in ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView

from archiver.core.config import Config
from archiver.core.index.search import Hit
from archiver.core.paths import AppDirs
from archiver.core.secrets import Secret
from archiver.gui.context import AppContext
from archiver.gui.mainwindow import MainWindow
from archiver.gui.models import HitTableModel, Orders, sort_orders
from benchmarks.archive_benchmark import cpu_model, prepare_user
from tests.helpers.dovecot import DovecotServer, find_dovecot

BEAT_MS = 5


class Heartbeat:
    """Record the gaps between the beats of a fast QTimer on the GUI thread."""

    def __init__(self) -> None:
        self.gaps: list[float] = []  # milliseconds beyond the beat interval
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(BEAT_MS)
        self._timer.timeout.connect(self._beat)

    def start(self) -> None:
        self._clock.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _beat(self) -> None:
        elapsed = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        self.gaps.append(max(elapsed - BEAT_MS, 0.0))

    def summary(self) -> dict[str, Any]:
        gaps = sorted(self.gaps)
        return {
            "beats": len(gaps),
            "longest_stall_ms": round(gaps[-1], 1) if gaps else None,
            "p99_stall_ms": round(percentile(gaps, 99), 1) if gaps else None,
            "stalls_over_16ms": sum(g > 16 for g in gaps),
            "stalls_over_50ms": sum(g > 50 for g in gaps),
        }


def percentile(ordered: list[float], pct: float) -> float:
    """The *pct* percentile of an ascending list (nearest rank)."""
    rank = max(math.ceil(pct / 100 * len(ordered)) - 1, 0)
    return ordered[rank]


def wait_for(app: QApplication, done: Callable[[], bool], timeout: float) -> None:
    """Run the event loop until *done()* (or fail after *timeout* seconds)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the GUI did not get there in time")
        app.processEvents()
        time.sleep(0.001)


def bench_archive(app: QApplication, messages: int, work: Path) -> dict[str, Any]:
    """Archive *messages* through the ArchivePage while a heartbeat measures stalls."""
    binary = find_dovecot()
    if binary is None:
        raise SystemExit("dovecot is not installed (apt-get install dovecot-imapd)")
    server = DovecotServer(binary, quota_mb=4 * messages * 30_000 // 1_000_000 + 100)
    server.start()
    try:
        user, fill, _ = prepare_user(server, messages, big_every=0, seed=7)
        print(f"filled {fill.messages} messages ({fill.bytes / 1e6:.0f} MB)", flush=True)
        account = server.account(user, "bench")
        dirs = AppDirs.under(work / "home")
        context = AppContext(dirs, Config(accounts={"bench": account}), QThreadPool())
        context.remember_password(account, Secret(user.password))
        window = MainWindow(context)
        window.resize(1100, 720)
        window.show()
        page = window.archive_page
        window.show_page(page)
        page.reload_button.click()  # a PROMPT account's folders load on request (remembered)
        wait_for(app, lambda: page.folder_tree.topLevelItemCount() > 0 and not page.is_busy(), 120)
        QMessageBox.question = lambda *args, **kwargs: QMessageBox.StandardButton.Yes  # type: ignore[method-assign]
        finished: list[bool] = []
        page.job_finished.connect(lambda: finished.append(True))
        beat = Heartbeat()
        beat.start()
        started = time.perf_counter()
        page.archive_button.click()
        wait_for(app, lambda: bool(finished), 3600)
        elapsed = time.perf_counter() - started
        beat.stop()
        summary = page.summary.text()
        window.close()
        return {
            "messages": messages,
            "bytes": fill.bytes,
            "seconds": round(elapsed, 1),
            "messages_per_s": round(messages / elapsed),
            "summary": summary,
            **beat.summary(),
        }
    finally:
        server.stop()


def synthetic_hits(count: int) -> list[Hit]:
    """*count* hits with varied senders, subjects, folders and dates (newest first)."""
    newest = dt.datetime(2026, 1, 1)
    names = ["Meier", "Schulze", "Müller", "Öztürk", "Smith", "Łukasz", "Brandt", "Zhang"]
    folders = ["INBOX", "Sent", "Projects", "Projects/Alpha", "Akten/2021"]
    return [
        Hit(
            id=i + 1,
            account="office" if i % 3 else "kanzlei",
            folder=folders[i % len(folders)],
            date=newest - dt.timedelta(minutes=7 * i),
            sender=f"{names[i % len(names)]} <{names[i % len(names)].lower()}@example.org>",
            to="office@example.org",
            subject=f"Pfändungsbeschluss Az. {i % 997}/{2000 + i % 26} \N{EN DASH} Rückfrage {i}",
            size=1_000 + (i * 7919) % 5_000_000,
            flags=("\\Seen",) if i % 4 else (),
            attachments=("beschluss.pdf",) if i % 5 == 0 else (),
            preview="",
            score=0.0,
        )
        for i in range(count)
    ]


def timed(action: Callable[[], object]) -> float:
    """Milliseconds *action* takes."""
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def bench_table(app: QApplication, count: int) -> dict[str, Any]:
    """Fill, paint, scroll and sort the results table with *count* hits."""
    hits = synthetic_hits(count)
    model = HitTableModel()
    view = QTableView()
    view.resize(1100, 720)
    view.setModel(model)
    view.setSortingEnabled(True)
    view.show()
    app.processEvents()
    result: dict[str, Any] = {"hits": count}
    # The search job sorts the hits on its pool thread (not the GUI's) from ORDERS_FROM hits on.
    orders: list[Orders] = []
    result["orders_in_job_ms"] = round(timed(lambda: orders.append(sort_orders(hits))), 1)
    result["set_hits_ms"] = round(timed(lambda: model.set_hits(hits, orders[0])), 1)
    result["first_paint_ms"] = round(timed(view.repaint), 1)
    bar = view.verticalScrollBar()
    steps = []
    for value in range(0, bar.maximum() + 1, max(bar.pageStep(), 1)):
        steps.append(timed(lambda v=value: (bar.setValue(v), view.viewport().repaint())))
    ordered = sorted(steps)
    result["scroll_steps"] = len(steps)
    result["scroll_step_p95_ms"] = round(percentile(ordered, 95), 2)
    result["scroll_step_max_ms"] = round(ordered[-1], 2)
    result["scroll_all_s"] = round(sum(steps) / 1000, 2)
    sorts = {}
    for column in range(model.columnCount()):
        name = str(model.headerData(column, Qt.Orientation.Horizontal))
        sorts[name] = round(
            timed(
                lambda c=column: (view.sortByColumn(c, Qt.SortOrder.AscendingOrder), view.repaint())
            ),
            1,
        )
    result["sort_ms"] = sorts
    view.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--hits", type=int, default=100_000)
    parser.add_argument("--skip-archive", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"))
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    results: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
        },
    }
    results["table"] = bench_table(app, args.hits)
    print(json.dumps(results["table"], indent=2, ensure_ascii=False), flush=True)
    if not args.skip_archive:
        with tempfile.TemporaryDirectory(prefix="gui-bench-") as tmp:
            results["archive"] = bench_archive(app, args.messages, Path(tmp))
        print(json.dumps(results["archive"], indent=2, ensure_ascii=False), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gui_benchmark.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
