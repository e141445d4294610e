"""The command line, ``imap-archiver``: a thin argparse front end over the core. Qt-free.

Each command lives in a module of this package with a ``register`` function.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace

from archiver import __version__
from archiver.cli import accounts, archive, restore, search, verify
from archiver.cli.common import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK
from archiver.core.catalog import Catalog
from archiver.core.config import Config, load_config
from archiver.core.errors import ArchiverError
from archiver.core.logsetup import setup_logging
from archiver.core.paths import AppDirs, resolve_dirs
from archiver.core.secrets import redact
from archiver.core.sizes import human_bytes

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


# --- plumbing -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every command."""
    parser = argparse.ArgumentParser(
        prog="imap-archiver",
        description="Move old mail from a small IMAP mailbox into a verified local archive.",
        epilog="Everything lives below IMAP_ARCHIVER_HOME when that variable is set.",
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
    gui = commands.add_parser("gui", help="open the desktop app (also: imap-archiver-gui)")
    gui.set_defaults(func=cmd_gui)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    dirs = resolve_dirs()
    setup_logging(dirs, args.verbose)
    try:
        config = load_config(dirs.config_file)
        dirs = replace(dirs, archive=config.archive_root(dirs))
        return int(args.func(args, dirs, config))
    except ArchiverError as exc:
        log.debug("Command failed", exc_info=True)
        print(f"imap-archiver: error: {redact(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("imap-archiver: interrupted", file=sys.stderr)
        return EXIT_CANCELLED
    except Exception:  # the UI boundary: a bug must still end in a clear line and a log entry
        log.exception("Unexpected error")
        print(
            f"imap-archiver: internal error; details are in the log in {dirs.logs}", file=sys.stderr
        )
        return EXIT_FAILED
