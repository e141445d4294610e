"""``imap-archiver account add|list|remove|test``."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from archiver.cli.common import EXIT_OK, password_for, read_stdin_password
from archiver.core.accounts import Account, PasswordSource, Security, parse_fingerprint
from archiver.core.config import Config, save_config
from archiver.core.errors import ArchiverError
from archiver.core.imap import NamespaceKind
from archiver.core.jobs.inspect import check_connection
from archiver.core.paths import AppDirs
from archiver.core.progress import CancelToken, ignore_progress
from archiver.core.secrets import Secret, delete_from_keyring, get_password, store_in_keyring
from archiver.core.sizes import human_bytes


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``account`` command and its actions."""
    account = commands.add_parser("account")
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
    add.add_argument(
        "--trust-fingerprint",
        metavar="SHA256",
        help="trust exactly the server certificate with this SHA-256 fingerprint "
        "(as 'account test' shows it for an untrusted certificate)",
    )
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
    add.add_argument(
        "--no-test",
        action="store_true",
        help="save without connecting first (by default the account is saved only after it "
        "logs in)",
    )
    add.set_defaults(func=cmd_account_add)
    listing = account_commands.add_parser("list", help="list accounts")
    listing.set_defaults(func=cmd_account_list)
    remove = account_commands.add_parser("remove", help="remove an account (keeps its archive)")
    remove.add_argument("name", help="the account to remove")
    remove.set_defaults(func=cmd_account_remove)
    test = account_commands.add_parser("test", help="connect and show folders and quota")
    test.add_argument("name", help="the account to connect to")
    test.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input for this run",
    )
    test.set_defaults(func=cmd_account_test)


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
        tls_fingerprint=parse_fingerprint(args.trust_fingerprint)
        if args.trust_fingerprint
        else None,
    )
    if account.cafile is not None and not account.cafile.is_file():
        raise ArchiverError(f"CA file {account.cafile} does not exist.")
    updated = config.with_account(account)  # a name clash stops here, before the keyring
    password = Secret(read_stdin_password()) if source is PasswordSource.KEYRING else None
    if not args.no_test:
        _test_before_saving(account, password, args.timeout)
    if password is not None:
        store_in_keyring(account, password)
    save_config(updated, dirs.config_file)
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


def _test_before_saving(account: Account, password: Secret | None, timeout: float) -> None:
    """Log in once with the new account's settings; on failure, nothing is to be saved.

    The password is the one given, else the password command's, else asked on a terminal;
    where none can be had (no terminal), the test is left to ``account test``.
    """
    if password is None and account.password_source is PasswordSource.PROMPT:
        if not sys.stdin.isatty():
            print(
                f"Not tested: the password is asked on each run. Test the account with: "
                f"imap-archiver account test {account.name} --password-stdin",
                file=sys.stderr,
            )
            return
        password = Secret(getpass.getpass(f"Password for {account.user}@{account.host}: "))
    if password is None:
        password = get_password(account)
    print(
        f"Testing the connection to {account.host}:{account.effective_port} as {account.user}...",
        file=sys.stderr,
    )
    try:
        known = password
        check_connection(
            account, lambda: known, timeout=timeout, report=ignore_progress, cancel=CancelToken()
        )
    except ArchiverError as exc:
        exc.add_note(
            f"Account {account.name} was not saved. Correct the settings and add it again, or "
            "save it untested with --no-test."
        )
        raise


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
    password = password_for(args, account)
    overview = check_connection(
        account,
        lambda: password,
        timeout=args.timeout,
        report=ignore_progress,
        cancel=CancelToken(),
    )
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
        if folder.namespace is NamespaceKind.OTHER_USERS:
            mark += "  shared (another user's; archived only with --folder)"
        elif folder.namespace is NamespaceKind.PUBLIC:
            mark += "  shared (public; archived only with --folder)"
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
