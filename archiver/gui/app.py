"""The desktop app's entry point: ``imap-archiver-gui`` (and ``imap-archiver gui``)."""

from __future__ import annotations

import argparse
import importlib
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import NoReturn

from PySide6.QtCore import (
    QCoreApplication,
    QLibraryInfo,
    QLocale,
    QMessageLogContext,
    QThreadPool,
    QTimer,
    QtMsgType,
    QTranslator,
    qInstallMessageHandler,
)
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from archiver import __version__
from archiver.core.config import load_config
from archiver.core.errors import ArchiverError, ConfigError
from archiver.core.logsetup import setup_logging
from archiver.core.paths import resolve_dirs
from archiver.core.scheduler import RUN_SCHEDULED
from archiver.demo import DemoSession, keep_off_the_keyring, remove_stale_demos
from archiver.gui.context import AppContext
from archiver.gui.formatting import use_locale
from archiver.gui.garbage import GuiThreadCollector
from archiver.gui.mainwindow import MainWindow
from archiver.gui.pages.base import JobPage
from archiver.gui.preflight import missing_xcb_packages
from archiver.gui.resources import resource_path

log = logging.getLogger(__name__)

APP_ID = "org.imaparchiver.ImapArchiver"  # .desktop file, AppStream metainfo and icon name
LANGUAGES = ("en", "de")


def ui_language(setting: str, locale: QLocale | None = None) -> str:
    """Return the language to show: the setting, else the system's if we have it, else English."""
    if setting:
        return setting
    system = (locale or QLocale.system()).name().split("_")[0]
    return system if system in LANGUAGES else "en"


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Load our translation and Qt's own (standard buttons) for *language*.

    English needs none: the source strings are English. The translators are returned so
    that the caller keeps them alive.
    """
    if language == "en":
        return []
    installed = []
    ours = QTranslator(app)
    if ours.load(str(resource_path(f"translations/archiver_{language}.qm"))):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning("No translation for language %s; showing English", language)
    qt = QTranslator(app)
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    return installed


_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


# Notices of platforms without a window system (offscreen): nothing is wrong.
_PLATFORM_NOTICE = "This plugin does not support"


def _qt_message(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
    """Send Qt's own warnings into our log (qutebrowser's qtlog)."""
    level = _QT_LEVELS.get(kind, logging.WARNING)
    if text.startswith(_PLATFORM_NOTICE):
        level = logging.DEBUG
    logging.getLogger("qt").log(level, "%s", text)


def _ignore_qt_message(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
    """Drop a message of Qt's (once the app's work has ended: see entry())."""


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Log an uncaught exception in a slot and tell the user, instead of dying silently.

    Ctrl-C raises KeyboardInterrupt in whatever Python code runs, often a slot: that is the
    user's wish to quit, not an error to show (a modal box would keep the app open).
    """
    if issubclass(kind, KeyboardInterrupt):
        log.info("Quitting on Ctrl-C")
        QTimer.singleShot(0, QCoreApplication.quit)
        return
    log.critical("Uncaught exception", exc_info=(kind, exc, tb))
    QMessageBox.critical(
        None,
        "IMAP Archiver",
        QApplication.translate(
            "app", "An unexpected error occurred; the details are in the log file."
        ),
    )


def _close_when_idle(window: MainWindow) -> None:
    """Close *window* as soon as no job runs (--self-check).

    Closing during a job would ask the user first, and an account whose folders are read
    on start (the demo's) has a job running at once.
    """

    def close_if_idle() -> None:
        if not window.busy_pages():
            window.close()

    for page in window.job_pages:
        page.job_finished.connect(close_if_idle)
    QTimer.singleShot(0, close_if_idle)


def _quit_on_signals(app: QApplication, busy_pages: Callable[[], Sequence[JobPage]]) -> QTimer:
    """Quit on SIGINT, SIGTERM and SIGHUP (Ctrl-Break's SIGBREAK on Windows, which has no
    SIGHUP), cancelling the jobs of *busy_pages*, so that the demo is cleaned up.

    Installed before the window is made: a signal while it is made and shown, or before the
    event loop runs, quits as soon as the loop runs (quit() alone would be lost then).
    Returns the timer that lets Python run its signal handlers at all: it gets no control
    while Qt's event loop waits. Keep it until the loop ends.
    """

    def quit_now(signum: int, _frame: object) -> None:
        log.info("Quitting on signal %d", signum)
        for page in busy_pages():
            page.cancel_job()
        QTimer.singleShot(0, app.quit)

    names = ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")
    for signum in (getattr(signal, name) for name in names if hasattr(signal, name)):
        signal.signal(signum, quit_now)
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(200)
    return timer


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the app's few options."""
    parser = argparse.ArgumentParser(prog="imap-archiver-gui", description="IMAP Archiver")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="open the main window, close it once no job runs, and exit 0 (for packaging tests)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="try the app on a throw-away local mail server with generated mail (needs "
        "Dovecot); your own settings and archive are not touched",
    )
    return parser


def entry() -> NoReturn:
    """The app's executable (``imap-archiver-gui``): main(), then leave without Python's own
    finalization (see leave())."""
    leave(main())


def leave(code: int) -> NoReturn:
    """End the process with *code* once the app has quit, without Python's finalization.

    At the interpreter's exit PySide6 tears down the Qt objects Python still holds, after
    the QApplication; on Windows that now and then ended a clean run in an access violation
    (about one start in five under Wine once the window held the reminder and record pages).
    By then every job has ended (main waits for the pool) and the settings and the catalog
    are closed; the log and the standard streams are flushed here.
    """
    # Windows runs Qt's own teardown as the process ends (DLL detach), which warns about the
    # pool threads' storage: nothing of the app's work is left by then to tell about.
    qInstallMessageHandler(_ignore_qt_message)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None, demo: DemoSession | None = None) -> int:
    """Open the main window; return the exit code.

    Args:
        argv: the options (default: the process's).
        demo: a demo session to open the app on (``imap-archiver demo`` starts one and
            removes it afterwards). With ``--demo`` and none given, the app starts its own
            and removes it when it quits.
    """
    # First of all, as in the command line's main(): in the packaged app an archive run's
    # search indexer and its resource tracker are this executable started again.
    multiprocessing.freeze_support()
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments[:1] == [RUN_SCHEDULED]:
        # A scheduled task on Windows starts this console-less executable, so that no
        # console window opens; the command line runs it.
        return int(importlib.import_module("archiver.cli").main(arguments))
    args = build_parser().parse_args(arguments)
    if missing := missing_xcb_packages():
        return _say_packages_are_missing(missing)
    if args.demo and demo is None:
        with DemoSession() as own:
            return _run(args, own)
    return _run(args, demo)


def _say_packages_are_missing(packages: list[str]) -> int:
    """Say which packages Qt's screen plugin lacks, in the user's language; return 1.

    Qt would abort the process with a misleading message. Without a screen there is no
    window to show it in: it goes to the terminal (and the log).
    """
    dirs = resolve_dirs()
    setup_logging(dirs, verbose=False, prefix="imap-archiver-gui")
    try:
        setting = load_config(dirs.config_file).language
    except ConfigError:
        setting = ""
    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    translators = install_translators(app, ui_language(setting))
    text = QCoreApplication.translate(
        "preflight",
        "IMAP Archiver cannot open its window: this system lacks libraries that Qt needs to "
        "draw on the screen. Install them, then start IMAP Archiver again:",
    )
    log.info("Qt's xcb platform plugin lacks: %s", " ".join(packages))
    print(f"{text}\n\n  sudo apt-get install {' '.join(packages)}\n", file=sys.stderr)
    del translators
    return 1


def _run(args: argparse.Namespace, demo: DemoSession | None) -> int:
    """Set up logging and Qt, (start the demo,) and run the main window until it closes."""
    # A demo keeps everything, logs included, in its own throw-away home.
    dirs = demo.dirs if demo is not None else resolve_dirs()
    setup_logging(dirs, verbose=False, prefix="imap-archiver-gui")
    if demo is None:  # a demo cleans up after killed demos itself, when it starts
        remove_stale_demos()
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName("IMAP Archiver")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(resource_path("icons/imap-archiver.svg"))))
    GuiThreadCollector(app).start()  # never on a pool thread, amid a job (garbage.py)
    if demo is not None and not demo.is_running:
        keep_off_the_keyring()
        try:
            demo.start()
        except ArchiverError as exc:  # no Dovecot (the message says how to install it)
            log.error("%s", exc)
            if not args.self_check:
                QMessageBox.critical(None, "IMAP Archiver", str(exc))
            return 1
    try:
        config = load_config(dirs.config_file)
    except ConfigError as exc:
        log.error("%s", exc)
        if not args.self_check:  # a check runs unattended: the log line (on stderr) says it
            QMessageBox.critical(None, "IMAP Archiver", str(exc))
        return 1
    language = ui_language(config.language)
    translators = install_translators(app, language)
    use_locale(language)
    sys.excepthook = _excepthook
    window: MainWindow | None = None
    signal_timer = (
        _quit_on_signals(app, lambda: window.busy_pages() if window is not None else [])
        if demo is not None
        else None
    )
    window = MainWindow(AppContext(dirs, config))
    if demo is not None:
        # "Demo" reads the same in every language we have, so it needs no translation.
        window.setWindowTitle(f"{window.windowTitle()} — Demo")
    window.show()
    if args.self_check:
        _close_when_idle(window)
    code = app.exec()
    if signal_timer is not None:
        signal_timer.stop()
    # The window closes only once its jobs stopped, but a job's last steps may still run on
    # the pool, and small reads nobody waits for (the backup reminder's, the record's) may
    # too: Python must not take Qt's objects down under them (an access violation on
    # Windows), and the demo's home is removed next.
    QThreadPool.globalInstance().waitForDone(10_000)
    del translators
    return code
