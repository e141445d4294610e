"""Run a parsed command line: its home, logging, settings, and one exit code for every outcome.

Apart from ``archiver/cli/__init__.py`` so that ``--help`` and a mistyped option are
answered before any of this (and the core it imports) is loaded.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import stat
import sys
from collections.abc import Callable
from dataclasses import replace

from archiver.cli.common import tolerate_unencodable_output
from archiver.cli.exits import EXIT_CANCELLED, EXIT_FAILED
from archiver.cli.messages import error_message
from archiver.core.config import load_config
from archiver.core.errors import ArchiverError
from archiver.core.logsetup import setup_logging
from archiver.core.paths import AppDirs, resolve_dirs

log = logging.getLogger(__name__)


def run(args: argparse.Namespace) -> int:
    """Run the command *args* names (each command's module is imported by then)."""
    tolerate_unencodable_output()
    if args.command == "demo":
        from archiver.cli import app  # noqa: PLC0415  # the parser imported it already
        from archiver.demo import DemoSession  # noqa: PLC0415  # the demo command only

        # SIGTERM (a closed terminal, kill) as Ctrl-C from the start, while the server
        # starts too: unwinding stops it and removes the demo's files. (The app, once
        # open, quits on both by itself.)
        previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            # The demo's own home (logs included), removed at the end: the user's stays.
            with DemoSession() as demo:
                return _run(args, demo.dirs, lambda: app.run_demo(demo))
        finally:
            signal.signal(signal.SIGTERM, previous)
    if args.command == "run-scheduled":
        from archiver.cli.schedule import environment  # noqa: PLC0415  # imported by now

        # --home stands for IMAP_ARCHIVER_HOME: a scheduled task lacks the user's variables.
        return _run(args, resolve_dirs(environment(args)))
    return _run(args, resolve_dirs())


def _run(args: argparse.Namespace, dirs: AppDirs, demo: Callable[[], int] | None = None) -> int:
    """Run the chosen command (or *demo*), turning every failure into a line and an exit code."""
    setup_logging(dirs, args.verbose)
    try:
        if demo is not None:
            return demo()
        config = load_config(dirs.config_file)
        dirs = replace(dirs, archive=config.archive_root(dirs))
        func = args.func
        if func is None:
            from archiver.cli.app import cmd_status  # noqa: PLC0415  # no command given

            func = cmd_status
        code = int(func(args, dirs, config))
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
        for note in getattr(exc, "__notes__", ()):  # what it means here (exc.add_note)
            print(f"imap-archiver: {note}", file=sys.stderr)  # our words: not redacted
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
