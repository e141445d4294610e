"""The command line, ``imap-archiver``: a thin argparse front end over the core. Qt-free."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import logging
import logging.handlers
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from archiver import __version__
from archiver.core.accounts import Account, PasswordSource, Security
from archiver.core.catalog import Catalog
from archiver.core.config import FORMATS, Config, load_config, save_config
from archiver.core.cutoff import day_for_age, parse_day, start_of_day
from archiver.core.errors import ArchiverError
from archiver.core.imap import open_session
from archiver.core.jobs.archive import ArchiveOptions, ArchiveResult, run_archive
from archiver.core.jobs.inspect import inspect_account
from archiver.core.paths import AppDirs, make_private_dir, resolve_dirs
from archiver.core.progress import CancelToken, Progress, ProgressCallback, throttled
from archiver.core.secrets import (
    Secret,
    delete_from_keyring,
    get_password,
    store_in_keyring,
)

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


def human_bytes(count: float) -> str:
    """Format a byte count for people: 1.5 MB, 820 KB (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(count) < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


class TerminalProgress:
    """A one-line progress bar on a terminal: messages, MB, rate and ETA."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, progress: Progress) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = progress.done / elapsed
        mb_rate = progress.bytes_done / elapsed / 1024 / 1024
        left = progress.total - progress.done
        eta = f"{int(left / rate // 60)}:{int(left / rate % 60):02d}" if rate > 0 else "--:--"
        width = 24
        filled = int(width * progress.done / progress.total) if progress.total else width
        bar = "#" * filled + "." * (width - filled)
        line = (
            f"\r[{bar}] {progress.done}/{progress.total} msgs  "
            f"{progress.bytes_done / 1048576:.1f}/{progress.bytes_total / 1048576:.1f} MB  "
            f"{rate:.0f} msg/s {mb_rate:.1f} MB/s  ETA {eta}  {progress.message[:30]}"
        )
        self.stream.write(line.ljust(110))
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        """End the progress line."""
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _read_stdin_password() -> str:
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _ask(args: argparse.Namespace, account: Account) -> Callable[[], str] | None:
    """How to get the password this run: stdin, a prompt, or the configured source."""
    if getattr(args, "password_stdin", False):
        return _read_stdin_password
    if account.password_source is PasswordSource.PROMPT and sys.stdin.isatty():
        return lambda: getpass.getpass(f"Password for {account.user}@{account.host}: ")
    return None


def _password(args: argparse.Namespace, account: Account) -> Secret:
    return get_password(account, _ask(args, account))


# --- account commands -----------------------------------------------------------------


def cmd_account_add(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Add (or replace) an account; store its password in the keyring if one is given."""
    security = Security(args.security)
    source = PasswordSource.PROMPT
    if args.password_command:
        source = PasswordSource.COMMAND
    elif args.password_stdin:
        source = PasswordSource.KEYRING
    account = Account(
        name=args.name,
        host=args.host,
        user=args.user,
        security=security,
        port=args.port,
        cafile=Path(args.cafile).absolute() if args.cafile else None,
        password_source=source,
        password_command=args.password_command,
    )
    if account.cafile is not None and not account.cafile.is_file():
        raise ArchiverError(f"CA file {account.cafile} does not exist.")
    if source is PasswordSource.KEYRING:
        store_in_keyring(account, Secret(_read_stdin_password()))
    save_config(config.with_account(account), dirs.config_file)
    where = {
        PasswordSource.KEYRING: "password stored in the system keyring",
        PasswordSource.COMMAND: "password from the password command",
        PasswordSource.PROMPT: "password asked on each run (or --password-stdin)",
    }[source]
    print(
        f"Account {account.name} saved: {account.user}@{account.host}:"
        f"{account.effective_port} ({security.value}), {where}."
    )
    return EXIT_OK


def cmd_account_list(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """List configured accounts."""
    if not config.accounts:
        print("No accounts yet. Add one with: imap-archiver account add NAME --host H --user U")
        return EXIT_OK
    for account in config.accounts.values():
        cafile = f", CA file {account.cafile}" if account.cafile else ""
        print(
            f"{account.name}: {account.user}@{account.host}:{account.effective_port} "
            f"({account.security.value}{cafile}), password: {account.password_source.value}"
        )
    return EXIT_OK


def cmd_account_remove(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Remove an account from the settings (its archive stays on disk)."""
    account = config.account(args.name)
    save_config(config.without_account(args.name), dirs.config_file)
    if account.password_source is PasswordSource.KEYRING:
        delete_from_keyring(account)
    print(f"Account {args.name} removed. Its archive in {dirs.archive / args.name} is kept.")
    return EXIT_OK


def cmd_account_test(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Connect, log in, list folders with counts and sizes, show the quota."""
    account = config.account(args.name)
    password = _password(args, account)
    with open_session(account, password, timeout=args.timeout) as session:
        overview = inspect_account(session, report=lambda _: None, cancel=CancelToken())
    print(
        f"Connected to {account.host}:{account.effective_port} ({account.security.value}) "
        f"as {account.user}."
    )
    width = max([len(f.name) for f in overview.folders] + [6])
    print(f"{'Folder':<{width}}  {'Messages':>8}  {'Size':>10}")
    for folder in overview.folders:
        if folder.error:
            print(f"{folder.name:<{width}}  {'?':>8}  {'?':>10}  {folder.error}")
            continue
        mark = f"  {folder.special_use}" if folder.special_use else ""
        print(
            f"{folder.name:<{width}}  {folder.messages:>8}  "
            f"{human_bytes(folder.size or 0):>10}{mark}"
        )
    if overview.quota:
        quota = overview.quota
        share = f" ({quota.used * 100 / quota.limit:.0f}%)" if quota.limit else ""
        print(f"Quota: {human_bytes(quota.used)} used of {human_bytes(quota.limit)}{share}")
    else:
        print("Quota: the server does not report one (no QUOTA support).")
    if not overview.has_uidplus:
        print("Note: the server lacks UIDPLUS; archived messages will stay on the server.")
    return EXIT_OK


# --- archive ----------------------------------------------------------------------------


def _cutoff(args: argparse.Namespace) -> dt.datetime:
    if args.older_than and args.before:
        raise ArchiverError("Give either --older-than or --before, not both.")
    if args.before:
        return start_of_day(parse_day(args.before))
    if args.older_than:
        return start_of_day(day_for_age(args.older_than, dt.date.today()))
    raise ArchiverError(
        "Say what to archive: --older-than 365d (or 52w, 12m, 1y) or --before YYYY-MM-DD."
    )


class _Interrupts:
    """First Ctrl-C cancels at a safe point; a second one exits at once."""

    def __init__(self, token: CancelToken) -> None:
        self.token = token
        self.previous: Callable[[int, FrameType | None], object] | int | None = None

    def __enter__(self) -> _Interrupts:
        self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.token.cancel()
        print(
            "\nStopping at a safe point... (Ctrl-C again to quit at once; nothing is lost)",
            file=sys.stderr,
        )
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def __exit__(self, *exc_info: object) -> None:
        signal.signal(signal.SIGINT, self.previous or signal.default_int_handler)


def cmd_archive(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Archive an account's old mail; see ``imap-archiver archive --help``."""
    account = config.account(args.name)
    options = ArchiveOptions(
        cutoff=_cutoff(args),
        folders=tuple(args.folder or ()),
        exclude_folders=tuple(args.exclude_folder or ()),
        dry_run=args.dry_run,
        keep_on_server=args.keep_on_server,
        keep_flagged=args.keep_flagged,
        keep_unread=args.keep_unread,
    )
    password = _password(args, account)
    token = CancelToken()
    bar: TerminalProgress | None = None
    report: ProgressCallback = lambda _: None  # noqa: E731 - a no-op default
    if sys.stderr.isatty() and not args.json:
        bar = TerminalProgress(sys.stderr)
        report = throttled(bar, 0.1)
    with _Interrupts(token):
        try:
            result = run_archive(
                account,
                password,
                dirs.archive,
                options,
                args.format,
                config.archive_format,
                report=report,
                cancel=token,
                timeout=args.timeout,
            )
        finally:
            if bar is not None:
                bar.finish()
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_summary(result, options, sys.stdout)
    if result.cancelled:
        return EXIT_CANCELLED
    return EXIT_OK if result.ok and result.closes else EXIT_FAILED


def print_summary(result: ArchiveResult, options: ArchiveOptions, out: TextIO) -> None:
    """Print the per-folder accounting and the quota, for people."""
    title = "Plan (dry run: nothing was changed)" if result.dry_run else "Archive summary"
    print(
        f"{title} for account {result.account}, messages before "
        f"{options.cutoff:%Y-%m-%d %H:%M %Z}:",
        file=out,
    )
    width = max([len(f.folder) for f in result.folders] + [6])
    if result.dry_run:
        print(
            f"  {'Folder':<{width}}  {'on server':>9}  {'to move':>7}  {'size':>10}  "
            f"{'archived already':>16}",
            file=out,
        )
        for f in result.folders:
            moving = f.kept.get("dry run", 0)
            print(
                f"  {f.folder:<{width}}  {f.on_server_before:>9}  {moving:>7}  "
                f"{human_bytes(f.bytes_selected):>10}  {f.already:>16}",
                file=out,
            )
    else:
        head = ("before", "newer", "archived", "already", "kept", "failed", "deleted", "after")
        print(f"  {'Folder':<{width}}  " + "  ".join(f"{h:>8}" for h in head), file=out)
        for f in result.folders:
            after = "?" if f.on_server_after is None else str(f.on_server_after)
            values = (
                f.on_server_before,
                f.newer,
                f.archived,
                f.already,
                sum(f.kept.values()),
                f.failed,
                f.deleted,
                after,
            )
            print(f"  {f.folder:<{width}}  " + "  ".join(f"{v:>8}" for v in values), file=out)
    for f in result.folders:
        for reason, count in sorted(f.kept.items()):
            if count and reason != "dry run":
                print(f"  {f.folder}: {count} kept on the server: {reason}", file=out)
        if f.not_reached:
            print(f"  {f.folder}: {f.not_reached} not reached (run again to finish)", file=out)
        if f.vanished:
            print(f"  {f.folder}: {f.vanished} vanished from the server during the run", file=out)
        if f.error:
            print(f"  {f.folder}: ERROR {f.error}", file=out)
        for failure in f.failures:
            print(f"  {f.folder}: FAILED {failure} (kept on the server)", file=out)
    _print_quota(result, out)
    if result.dry_run:
        verb = "would move"
        print(
            f"{sum(f.kept.get('dry run', 0) for f in result.folders)} messages "
            f"({human_bytes(result.bytes)}) {verb}.",
            file=out,
        )
    else:
        print(
            f"Archived {result.archived} messages ({human_bytes(result.bytes)}), deleted "
            f"{result.deleted} from the server.",
            file=out,
        )
    if result.closes:
        print(
            "Every message is accounted for: before = newer + kept + failed + not reached "
            "+ vanished + deleted, and after = before - deleted - vanished.",
            file=out,
        )
    else:
        print(
            "WARNING: the counts do not add up for "
            + ", ".join(f.folder for f in result.folders if not f.closes)
            + " (mail arrived or was removed by another client during the run?).",
            file=out,
        )
    if result.cancelled:
        print(
            "Cancelled at a safe point; nothing unverified was deleted. Run again to finish.",
            file=out,
        )
    if result.error:
        print(f"Stopped: {result.error}", file=out)


def _print_quota(result: ArchiveResult, out: TextIO) -> None:
    before, after = result.quota_before, result.quota_after
    if before is None:
        print("Quota: not reported by the server.", file=out)
        return
    line = f"Quota: {human_bytes(before.used)} used of {human_bytes(before.limit)}"
    if after is not None:
        word = "would be" if result.dry_run else "now"
        line += (
            f"; {word} {human_bytes(after.used)} ({human_bytes(before.used - after.used)} freed)"
        )
    print(line, file=out)


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

    account = commands.add_parser("account", help="add, list, remove or test accounts")
    account_commands = account.add_subparsers(
        title="account commands", metavar="ACTION", required=True
    )
    add = account_commands.add_parser("add", help="add or replace an account")
    add.add_argument("name", help="a short name for the account, e.g. office")
    add.add_argument("--host", required=True, help="IMAP server host name")
    add.add_argument("--port", type=int, help="port (default: 993 for ssl, 143 otherwise)")
    add.add_argument("--user", required=True, help="login name")
    add.add_argument(
        "--security",
        choices=[s.value for s in Security],
        default="ssl",
        help="ssl (default), starttls (never falls back) or plain",
    )
    add.add_argument("--cafile", help="trust this CA or self-signed certificate (PEM)")
    secret = add.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input into the system keyring",
    )
    secret.add_argument(
        "--password-command",
        metavar="CMD",
        help="a command printing the password, run on each connection",
    )
    add.set_defaults(func=cmd_account_add)
    listing = account_commands.add_parser("list", help="list accounts")
    listing.set_defaults(func=cmd_account_list)
    remove = account_commands.add_parser("remove", help="remove an account (keeps its archive)")
    remove.add_argument("name")
    remove.set_defaults(func=cmd_account_remove)
    test = account_commands.add_parser("test", help="connect and show folders and quota")
    test.add_argument("name")
    test.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input for this run",
    )
    test.set_defaults(func=cmd_account_test)

    archive = commands.add_parser(
        "archive",
        help="move old mail into the local archive",
        description="Copy messages older than the cut-off into the local archive, verify "
        "every byte, then delete them from the server (unless --keep-on-server).",
    )
    archive.add_argument("name", help="account name")
    archive.add_argument(
        "--older-than", metavar="AGE", help="cut-off age: a number and d, w, m or y (365d, 1y)"
    )
    archive.add_argument("--before", metavar="YYYY-MM-DD", help="cut-off date")
    archive.add_argument(
        "--folder",
        action="append",
        metavar="F",
        help="only this folder (repeatable; Trash/Junk only when named)",
    )
    archive.add_argument(
        "--exclude-folder", action="append", metavar="F", help="skip this folder (repeatable)"
    )
    archive.add_argument(
        "--dry-run",
        action="store_true",
        help="change nothing; print the plan and the quota it would free",
    )
    archive.add_argument(
        "--keep-on-server", action="store_true", help="archive but delete nothing from the server"
    )
    archive.add_argument(
        "--keep-flagged", action="store_true", help="leave flagged messages on the server"
    )
    archive.add_argument(
        "--keep-unread", action="store_true", help="leave unread messages on the server"
    )
    archive.add_argument(
        "--format", choices=FORMATS, help="archive format of a new account tree (default: maildir)"
    )
    archive.add_argument("--json", action="store_true", help="print the summary as JSON")
    archive.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input for this run",
    )
    archive.set_defaults(func=cmd_archive)
    return parser


_handlers: list[logging.Handler] = []


class _BriefFormatter(logging.Formatter):
    """One line per record on the terminal; tracebacks go to the log file only."""

    def format(self, record: logging.LogRecord) -> str:
        brief = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(brief)


def setup_logging(dirs: AppDirs, verbose: bool) -> None:
    """Log to one rotating file in the log folder, and warnings (or more) to stderr."""
    root = logging.getLogger()
    for old in _handlers:  # main() may run more than once in a process (tests)
        root.removeHandler(old)
        old.close()
    _handlers.clear()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.setFormatter(_BriefFormatter("imap-archiver: %(levelname)s: %(message)s"))
    root.addHandler(console)
    _handlers.append(console)
    try:
        make_private_dir(dirs.logs)
        handler = logging.handlers.RotatingFileHandler(
            dirs.logs / "imap-archiver.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
    except OSError as exc:
        log.warning("Cannot write the log file in %s: %s", dirs.logs, exc)
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    _handlers.append(handler)
    # imapclient logs every command at DEBUG; keep the wire out of our log unless verbose.
    logging.getLogger("imapclient").setLevel(logging.DEBUG if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    dirs = resolve_dirs()
    setup_logging(dirs, args.verbose)
    try:
        config = load_config(dirs.config_file)
        return int(args.func(args, dirs, config))
    except ArchiverError as exc:
        log.debug("Command failed", exc_info=True)
        print(f"imap-archiver: error: {exc}", file=sys.stderr)
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
