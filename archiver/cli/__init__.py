"""The command line, ``imap-archiver``: a thin argparse front end over the core. Qt-free.

Each command lives in a module of this package with a ``register`` function.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import multiprocessing
import os
import signal
import stat
import sys
from collections.abc import Sequence
from dataclasses import replace

from archiver import __version__
from archiver.cli import (
    accounts,
    archive,
    backup,
    importing,
    report,
    restore,
    schedule,
    search,
    verify,
)
from archiver.cli.common import (
    EXIT_CANCELLED,
    EXIT_CODES_HELP,
    EXIT_FAILED,
    EXIT_OK,
    give_missing_streams,
    tolerate_unencodable_output,
)
from archiver.cli.messages import error_message
from archiver.core.catalog import Catalog
from archiver.core.config import Config, load_config
from archiver.core.errors import ArchiverError
from archiver.core.logsetup import setup_logging
from archiver.core.paths import AppDirs, resolve_dirs
from archiver.core.sizes import human_bytes
from archiver.demo import DemoSession, keep_off_the_keyring

log = logging.getLogger(__name__)


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
            line += f", {count} messages ({human_bytes(size)}) archived"
        print(line)
    print("\nSee 'imap-archiver --help' for all commands.")
    return EXIT_OK


def cmd_gui(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Open the desktop app (the same as ``imap-archiver-gui``)."""
    # Imported here, by name: the command line stays Qt-free unless the app is asked for.
    app = importlib.import_module("archiver.gui.app")
    return int(app.main([]))


def cmd_demo(args: argparse.Namespace, demo: DemoSession) -> int:
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
    # SIGTERM (a closed session, kill) as Ctrl-C: unwinding is what stops the server.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        code = demo.wait()
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f"imap-archiver: error: the demo server stopped (exit code {code}).", file=sys.stderr)
    return EXIT_FAILED


# --- plumbing -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every command."""
    parser = argparse.ArgumentParser(
        prog="imap-archiver",
        description="Move old mail from a small IMAP mailbox into a verified local archive.",
        epilog="Everything lives below IMAP_ARCHIVER_HOME when that variable is set. "
        + EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more to stderr")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for the server (default 60)"
    )
    parser.set_defaults(func=cmd_status)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    accounts.register(commands)
    archive.register(commands)
    search.register(commands)
    restore.register(commands)
    verify.register(commands)
    backup.register(commands)
    report.register(commands)
    schedule.register(commands)
    importing.register(commands)
    gui = commands.add_parser("gui", help="open the desktop app (also: imap-archiver-gui)")
    gui.set_defaults(func=cmd_gui)
    demo = commands.add_parser(
        "demo",
        help="try the app on a throw-away local mail server with generated mail (needs Dovecot)",
        description="Start a private Dovecot on 127.0.0.1 filled with a few hundred generated "
        "messages, and open the app on it. Your own settings, archive and keyring are not "
        "touched; everything of the demo is removed when the app closes.",
    )
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    # First of all: the packaged app starts multiprocessing's helpers (the search indexer of
    # an archive run, its resource tracker) by running this executable again with their
    # own arguments. freeze_support() runs such a helper and exits; argparse would refuse.
    multiprocessing.freeze_support()
    give_missing_streams()
    tolerate_unencodable_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.func is cmd_demo:
        # The demo's own home (logs included), removed at the end: the user's stays as is.
        with DemoSession() as demo:
            return _run(args, demo.dirs, demo)
    return _run(args, resolve_dirs(schedule.environment(args)), None)


def _run(args: argparse.Namespace, dirs: AppDirs, demo: DemoSession | None) -> int:
    """Run the chosen command, turning every failure into a clear line and an exit code."""
    setup_logging(dirs, args.verbose)
    try:
        if demo is not None:
            return cmd_demo(args, demo)
        config = load_config(dirs.config_file)
        dirs = replace(dirs, archive=config.archive_root(dirs))
        code = int(args.func(args, dirs, config))
        sys.stdout.flush()  # a reader gone (search … | head) shows here, not at exit
        return code
    except OSError as exc:
        if not _reader_went_away(exc):
            return _internal_error(dirs)
        # The reader of our output went away (search … | head); the core translates the
        # broken connections it meets, so this is standard output. As Python's
        # documentation advises: no more writes to the closed pipe, also not the
        # interpreter's flush at exit, which would print a traceback.
        log.debug("Standard output was closed", exc_info=True)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except ArchiverError as exc:
        log.debug("Command failed", exc_info=True)
        print(f"imap-archiver: error: {error_message(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("imap-archiver: interrupted", file=sys.stderr)
        return EXIT_CANCELLED
    except Exception:  # the UI boundary: a bug must still end in a clear line and a log entry
        return _internal_error(dirs)


def _reader_went_away(exc: OSError) -> bool:
    """True if *exc* says that the reader of standard output closed its end of the pipe.

    POSIX raises BrokenPipeError (EPIPE). Windows has no EPIPE for it: writing to a pipe
    whose reader is gone fails with ERROR_NO_DATA, which the C runtime reports as EINVAL.
    """
    if isinstance(exc, BrokenPipeError):
        return True
    if sys.platform != "win32" or exc.errno != errno.EINVAL:
        return False
    try:
        return stat.S_ISFIFO(os.fstat(sys.stdout.fileno()).st_mode)
    except (OSError, ValueError):  # no standard output at all (a windowed process)
        return False


def _internal_error(dirs: AppDirs) -> int:
    """Log the exception being handled (a bug) and say where its details are."""
    log.exception("Unexpected error")
    print(f"imap-archiver: internal error; details are in the log in {dirs.logs}", file=sys.stderr)
    return EXIT_FAILED
