"""``imap-archiver`` alone (where things are), ``gui`` and ``demo``: the app around the commands."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable
from typing import NoReturn

from archiver import __version__
from archiver.cli.common import EXIT_FAILED, EXIT_OK, counted
from archiver.core.catalog import Catalog
from archiver.core.config import Config
from archiver.core.paths import AppDirs
from archiver.core.sizes import human_bytes
from archiver.demo import DemoSession, keep_off_the_keyring

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``gui`` and ``demo`` commands."""
    gui = commands.add_parser("gui")
    gui.add_argument(
        "--self-check",
        action="store_true",
        help="open the main window, close it once no job runs, and exit 0 (for packaging tests)",
    )
    gui.set_defaults(func=cmd_gui)
    commands.add_parser(
        "demo",
        description="Start a private Dovecot on 127.0.0.1 filled with a few hundred generated "
        "messages, and open the app on it. Your own settings, archive and keyring are not "
        "touched; everything of the demo is removed when the app closes.",
    )
    # No func: main() runs the demo in a home of its own (run_demo), not in the user's.


def cmd_status(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Say where things are and what is configured (what a bare ``imap-archiver`` shows)."""
    print(f"IMAP Archiver {__version__}")
    print(f"Settings: {dirs.config_file}")
    print(f"Archive:  {dirs.archive}")
    print(f"Logs:     {dirs.logs}")
    if not config.accounts:
        print(
            "\nNo accounts yet. Start with:\n  imap-archiver account add NAME --host "
            "imap.example.org --user you@example.org --password-stdin\n"
            "  imap-archiver archive NAME --older-than 1y --dry-run"
        )
        return EXIT_OK
    catalog_path = dirs.archive / "catalog.sqlite3"
    print("\nAccounts:")
    for name, account in config.accounts.items():
        line = f"  {name}: {account.user}@{account.host}"
        if catalog_path.exists():
            with Catalog(catalog_path) as catalog:
                count, size = catalog.stats(name)
            line += f", {counted(count, 'message')} ({human_bytes(size)}) archived"
        print(line)
    print("\nSee 'imap-archiver --help' for all commands.")
    return EXIT_OK


def cmd_gui(args: argparse.Namespace, dirs: AppDirs, config: Config) -> NoReturn:
    """Open the desktop app (the same as ``imap-archiver-gui``, and leaving as it does)."""
    # Imported here, by name: the command line stays Qt-free unless the app is asked for.
    app = importlib.import_module("archiver.gui.app")
    leave: Callable[[int], NoReturn] = app.leave
    leave(int(app.main(["--self-check"] if args.self_check else [])))


def run_demo(demo: DemoSession) -> int:
    """Start the demo server and open the app on it; without Qt, serve it to the command line.

    The caller stops the demo and removes its files, also after Ctrl-C or SIGTERM.
    """
    keep_off_the_keyring()
    print("Starting the demo mail server...", file=sys.stderr)
    demo.start()
    try:
        # Imported here, by name: the command line stays Qt-free unless the app is asked for.
        app = importlib.import_module("archiver.gui.app")
    except ImportError as exc:
        log.debug("The desktop app cannot start", exc_info=True)
        print(
            f"imap-archiver: the desktop app needs Qt (PySide6), which cannot be loaded ({exc}); "
            "pip install PySide6-Essentials. The demo runs for the command line instead.",
            file=sys.stderr,
        )
        return _serve_demo(demo)
    return int(app.main([], demo=demo))


def _serve_demo(demo: DemoSession) -> int:
    """Keep the demo server up for commands typed in another terminal, until Ctrl-C or SIGTERM."""
    home = demo.dirs.config.parent
    print(
        f"\nIn another terminal:\n  export IMAP_ARCHIVER_HOME={home}\n"
        "  imap-archiver archive demo --older-than 1y --dry-run\n"
        "  imap-archiver archive demo --older-than 1y\n"
        "  imap-archiver search rechnung\n"
        "  imap-archiver restore --query 'folder:inbox'\n"
        "\nPress Ctrl-C to stop the demo; its mail, settings and archive are then removed."
    )
    try:
        code = demo.wait()  # SIGTERM, too, arrives as KeyboardInterrupt (see cli/run.py)
    except KeyboardInterrupt:
        return EXIT_OK
    print(f"imap-archiver: error: the demo server stopped (exit code {code}).", file=sys.stderr)
    return EXIT_FAILED
