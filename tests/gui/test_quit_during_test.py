"""Closing the app while the account dialog tests a silent server quits at once and cleanly.

The real app runs in a process of its own (its entry point, offscreen), driven by a small
script: it opens the account dialog, starts the connection test against a loopback port
that accepts and never answers, and closes the app once the test is connected. The waits
that a cancel must cut (the test's timeout, the port probes after a failed handshake) are
made endless there, so a quit that waited for them would never see the test end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

DRIVER = """
import socket, sys, threading
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from archiver.core import imap
from archiver.core.accounts import Security
from archiver.gui import app
from archiver.gui.mainwindow import MainWindow

how = sys.argv.pop(1)
imap.GREETING_WAIT = 600.0  # the probes after a failed handshake would wait for ever
accepted = []
listener = socket.create_server(("127.0.0.1", 0))
threading.Thread(
    target=lambda: [accepted.append(listener.accept()) for _ in range(10)], daemon=True
).start()
shown = MainWindow.show

def show(window):
    shown(window)
    QTimer.singleShot(0, lambda: drive(window))

def drive(window):
    window.accounts_page.add_account()
    dialog = window.accounts_page.dialog
    dialog.test_timeout = 600.0
    dialog.name_edit.setText("office")
    dialog.host_edit.setText("127.0.0.1")
    dialog.security_combo.setCurrentIndex(dialog.security_combo.findData(Security.SSL))
    dialog.port_edit.setText(str(listener.getsockname()[1]))
    dialog.user_edit.setText("anna")
    dialog.password_edit.setText("secret")
    dialog.start_test()
    dialog.jobs.runnable.signals.finished.connect(
        lambda: print(f"test ended; connections: {len(accepted)}", flush=True),
        Qt.ConnectionType.DirectConnection,  # the event loop is over by then
    )
    poll = QTimer(window)
    poll.timeout.connect(lambda: close(window, poll))
    poll.start(20)

def close(window, poll):
    if accepted:  # the test waits for the server's answer now
        poll.stop()
        print("closing", flush=True)
        window.close() if how == "close" else QApplication.quit()

MainWindow.show = show
app.entry()
"""


@pytest.mark.parametrize("how", ["close", "quit"])
def test_closing_during_a_connection_test_quits_at_once_and_cleanly(tmp_path: Path, how: str):
    """Closing the window (or the session quitting the app) cancels the test: it ends
    without opening another connection, the process exits 0, and nothing is said on stderr
    (no uncaught exception, no Qt warning about objects or thread storage)."""
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(tmp_path / "home")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run(
        [sys.executable, str(driver), how],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # only against a hang: the test's own waits are endless
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["closing", "test ended; connections: 1"]
    for bad in ("Uncaught exception", "Traceback", "QThreadStorage", "QObject::", "QApplication"):
        assert bad not in done.stderr
    assert done.stderr == ""
    log = (tmp_path / "home" / "logs" / "imap-archiver.log").read_text(encoding="utf-8")
    assert "Uncaught exception" not in log and "ERROR" not in log and "CRITICAL" not in log
