"""The installed ``imap-archiver-gui`` script starts, shows its window and exits cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox

from archiver import __version__
from archiver.gui import app as app_module

pytestmark = pytest.mark.gui

# Where pip put the console scripts: beside python on POSIX, in Scripts\ on Windows.
SCRIPT = (
    Path(sysconfig.get_path("scripts"))
    / f"imap-archiver-gui{'.exe' if sys.platform == 'win32' else ''}"
)


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not SCRIPT.exists():
        pytest.skip(f"the package is not installed beside {sys.executable}")
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_version(tmp_path):
    done = _run(tmp_path, "--version")
    assert done.returncode == 0 and done.stdout.strip() == f"imap-archiver-gui {__version__}"


def test_self_check_opens_and_closes_the_window(tmp_path):
    done = _run(tmp_path, "--self-check")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no warnings, Qt's included
    assert (tmp_path / "logs" / "imap-archiver.log").exists()


def test_the_command_lines_way_in_leaves_as_cleanly(tmp_path):
    """``imap-archiver gui`` ends the process as the app's own executable does (app.leave)."""
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "archiver", "gui", "--self-check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_broken_settings_file_is_a_clear_error(tmp_path):
    (tmp_path / "config").mkdir(mode=0o700)
    (tmp_path / "config" / "config.json").write_text("{broken")
    done = _run(tmp_path, "--self-check")
    assert done.returncode == 1
    assert "Cannot read the settings file" in done.stderr


@pytest.fixture
def signal_handlers() -> Iterator[None]:
    """The process's signal handlers, given back after the test."""
    names = ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")
    kinds = [getattr(signal, name) for name in names if hasattr(signal, name)]
    before = {kind: signal.getsignal(kind) for kind in kinds}
    yield
    for kind, handler in before.items():
        if handler is not None:
            signal.signal(kind, handler)


def test_a_signal_before_the_event_loop_runs_still_quits(qtbot, qapp, signal_handlers):
    """The demo's Ctrl-C while the window is made: quit() before exec() is lost in Qt 6, and
    the demo stayed open (CI, 2026-12-06). The quit is posted to the loop instead, to run
    once it runs. (A test must not run the application's own loop: its end closes Qt down.)"""
    quits: list[str] = []
    timer = app_module._quit_on_signals(qapp, lambda: [])
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(qapp, "quit", lambda: quits.append("quit"))
            signal.raise_signal(signal.SIGINT)  # its handler runs here, outside any loop
            assert not quits  # not called at once: it would be lost before exec()
            qtbot.waitUntil(lambda: quits == ["quit"], timeout=5_000)  # once a loop runs
    finally:
        timer.stop()


def test_ctrl_c_in_a_slot_quits_without_an_error_box(qtbot, monkeypatch):
    boxes: list[object] = []
    quits: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: boxes.append(args))
    monkeypatch.setattr(QCoreApplication, "quit", lambda: quits.append("quit"))
    app_module._excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    qtbot.waitUntil(lambda: quits == ["quit"], timeout=5_000)
    assert not boxes
