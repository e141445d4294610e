"""The command line, ``imap-archiver``: a thin argparse front end over the core. Qt-free.

Each command lives in a module of this package with a ``register`` function that adds its
parser. :data:`COMMANDS` lists them with the line ``--help`` shows; a command's module is
imported only when that command runs (or shows its own ``--help``), so that starting one
command does not pay for every other's imports (IMAP, keyring, Whoosh: docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import TYPE_CHECKING

from archiver import __version__
from archiver.cli.exits import EXIT_CODES_HELP

if TYPE_CHECKING:
    from collections.abc import Sequence


# Each command: its name, the module whose ``register`` adds its parser (a module may hold
# several commands), and its line in --help; in the order --help lists them.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("account", "archiver.cli.accounts", "add, list, remove or test accounts"),
    ("archive", "archiver.cli.archive", "move old mail into the local archive"),
    ("search", "archiver.cli.search", "search the local archive"),
    ("show", "archiver.cli.search", "print one archived message"),
    ("reindex", "archiver.cli.search", "rebuild the search index from the archive and the catalog"),
    ("restore", "archiver.cli.restore", "put archived messages back on the server"),
    ("export", "archiver.cli.restore", "write archived messages to an mbox file or .eml files"),
    (
        "verify",
        "archiver.cli.verify",
        "re-read every archived message and check it against the catalog",
    ),
    (
        "backup",
        "archiver.cli.backup",
        "copy the archive to another folder (an external disk, a network share)",
    ),
    (
        "import",
        "archiver.cli.importing",
        "bring old mail from files into the archive (mbox, Thunderbird, Maildir, .eml)",
    ),
    (
        "report",
        "archiver.cli.report",
        "the record of archived mail: when each message was archived and deleted from the "
        "server (CSV or HTML)",
    ),
    (
        "schedule",
        "archiver.cli.schedule",
        "archive automatically: every day, week or month, by the system's scheduler",
    ),
    (
        "run-scheduled",
        "archiver.cli.schedule",
        "run a schedule now, unattended (what the system's scheduler starts)",
    ),
    ("gui", "archiver.cli.app", "open the desktop app (also: imap-archiver-gui)"),
    (
        "demo",
        "archiver.cli.app",
        "try the app on a throw-away local mail server with generated mail (needs Dovecot)",
    ),
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Return the argument parser: every command listed, *command*'s own parser complete.

    The other commands get a stub that knows their name and help line only, and none of
    their options: ``parse_known_args()`` on the parser of stubs tells which command was
    chosen without importing any command's module, and prints the list of commands for
    ``--help`` (the modules' parsers have no help line of their own: the list is here).
    """
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
    parser.set_defaults(func=None)  # no command: say where things are (app.cmd_status)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command")
    chosen = {module for name, module, _ in COMMANDS if name == command}
    for name, module, line in COMMANDS:
        if module in chosen:
            importlib.import_module(module).register(commands)
            chosen.discard(module)
        if name not in commands.choices:
            commands.add_parser(name, help=line, add_help=False)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line, importing the module of the chosen command only."""
    known, _ = build_parser().parse_known_args(argv)
    if known.command == "search":  # before Whoosh is imported, with one thread: see standins
        from archiver.core.index import standins  # noqa: PLC0415

        standins.install()
    return build_parser(known.command).parse_args(argv)


def give_missing_streams() -> None:
    """Give a process started without a console standard streams that discard what is
    written to them.

    pythonw.exe and the packaged app's windowed executable, which a scheduled task starts on
    Windows, have None for sys.stdout and sys.stderr: the first write or flush would fail.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 (for the process's lifetime)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    give_missing_streams()  # before anything is written, a usage error included
    if getattr(sys, "frozen", False):
        # First of all: the packaged app starts multiprocessing's helpers (the search
        # indexer of an archive run, its resource tracker) by running this executable again
        # with their own arguments. freeze_support() runs such a helper and exits; argparse
        # would refuse. (Not imported otherwise: it costs a tenth of the start-up.)
        import multiprocessing  # noqa: PLC0415

        multiprocessing.freeze_support()
    args = parse_args(argv)
    from archiver.cli.run import run  # noqa: PLC0415  # see the module docstring

    return run(args)
