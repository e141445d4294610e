"""``imap-archiver schedule add|list|remove`` and ``run-scheduled``: archiving on a schedule,
run by the operating system's scheduler."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

from archiver.cli.common import EXIT_FAILED, EXIT_OK
from archiver.core.accounts import PasswordSource
from archiver.core.config import Config, save_config
from archiver.core.errors import ArchiverError, ConfigError
from archiver.core.jobs.scheduled import Problem, ScheduledRun, read_scheduled_run, run_scheduled
from archiver.core.paths import HOME_VARIABLE, AppDirs
from archiver.core.schedule import Interval, Schedule, default_name
from archiver.core.scheduler import (
    RUN_SCHEDULED,
    Host,
    home_in_use,
    install,
    is_installed,
    scheduled_command,
    uninstall,
)
from archiver.core.sizes import human_bytes

UNATTENDED_ADVICE = (
    "A scheduled run cannot ask for a password. Store it in the system keyring "
    "(imap-archiver account add {name} ... --password-stdin) or give a password command "
    "(--password-command), then schedule it again."
)


def scheduler_host() -> Host:
    """Return this computer's scheduler (a seam: tests put a recording one here)."""
    return Host.current()


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``schedule`` and ``run-scheduled`` commands."""
    schedule = commands.add_parser(
        "schedule",
        help="archive automatically: every day, week or month, by the system's scheduler",
        description="Let the operating system's scheduler (Windows Task Scheduler, systemd "
        "user timers, launchd) archive old mail even when the app is closed. A run missed "
        "while the computer was off is made up at its next start. Accounts need a stored "
        "password (keyring or password command): a scheduled run asks nothing.",
    )
    actions = schedule.add_subparsers(title="actions", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add or replace a schedule and install its task")
    add.add_argument("accounts", nargs="*", metavar="ACCOUNT", help="the accounts to archive")
    add.add_argument("--all", action="store_true", help="all accounts (also those added later)")
    add.add_argument(
        "--every",
        choices=[i.value for i in Interval],
        default=Interval.MONTHLY.value,
        help="day, week (Mondays) or month (the 1st); default month",
    )
    add.add_argument(
        "--older-than",
        metavar="AGE",
        default="1y",
        help="archive mail older than this: a number and d, w, m or y (default 1y)",
    )
    add.add_argument("--at", metavar="HH:MM", default="10:00", help="time of day (default 10:00)")
    add.add_argument("--keep-flagged", action="store_true", help="leave flagged mail on the server")
    add.add_argument("--keep-unread", action="store_true", help="leave unread mail on the server")
    add.add_argument(
        "--exclude-folder", action="append", metavar="F", help="skip this folder (repeatable)"
    )
    add.add_argument("--name", help="the schedule's name (default: 'all' or the account's)")
    add.set_defaults(func=cmd_schedule_add)
    listing = actions.add_parser("list", help="show the schedules and the last automatic run")
    listing.set_defaults(func=cmd_schedule_list)
    remove = actions.add_parser("remove", help="remove a schedule and its task")
    remove.add_argument("name", help="the schedule's name (see schedule list)")
    remove.set_defaults(func=cmd_schedule_remove)

    run = commands.add_parser(
        RUN_SCHEDULED,
        help="run a schedule now, unattended (what the system's scheduler starts)",
        description="Archive the schedule's accounts without asking anything; the result "
        "goes to the log and to the app, which shows it on its next start.",
    )
    run.add_argument("name", help="the schedule's name")
    run.add_argument(
        "--home", type=Path, help=f"the folder {HOME_VARIABLE} names, for the scheduled task"
    )
    run.set_defaults(func=cmd_run_scheduled)


def environment(args: argparse.Namespace, env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Return the environment the folders are resolved from: ``--home`` of run-scheduled
    stands for IMAP_ARCHIVER_HOME (a scheduled task does not have the user's variables)."""
    home = getattr(args, "home", None)
    return {**env, HOME_VARIABLE: str(home)} if home is not None else dict(env)


def parse_time(text: str) -> dt.time:
    """Parse ``HH:MM`` with a clear error."""
    try:
        return dt.datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise ArchiverError(f"Invalid time {text!r}: use HH:MM, e.g. 10:00.") from None


def schedule_from_args(args: argparse.Namespace, config: Config) -> Schedule:
    """Build the schedule that ``schedule add`` describes, checking its accounts."""
    if args.all == bool(args.accounts):
        raise ArchiverError("Name the accounts to archive, or give --all.")
    accounts = tuple(args.accounts)
    for name in accounts:
        if config.account(name).password_source is PasswordSource.PROMPT:
            raise ConfigError(
                f"Account {name} asks for its password each time, so it cannot be archived "
                "unattended. " + UNATTENDED_ADVICE.format(name=name)
            )
    return Schedule(
        name=args.name or default_name(accounts),
        accounts=accounts,
        every=Interval(args.every),
        older_than=args.older_than,
        at=parse_time(args.at),
        keep_flagged=args.keep_flagged,
        keep_unread=args.keep_unread,
        exclude_folders=tuple(args.exclude_folder or ()),
    )


def prompting_accounts(config: Config, schedule: Schedule) -> list[str]:
    """The schedule's accounts whose password is asked each time: a run skips them."""
    names = schedule.accounts or tuple(sorted(config.accounts))
    return [
        n
        for n in names
        if n in config.accounts and config.accounts[n].password_source is PasswordSource.PROMPT
    ]


def cmd_schedule_add(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Save the schedule and install its task; see ``imap-archiver schedule add --help``."""
    schedule = schedule_from_args(args, config)
    command = scheduled_command(schedule.name, home_in_use())
    install(schedule, command, scheduler_host(), dt.date.today())
    save_config(config.with_schedule(schedule), dirs.config_file)
    print(f"Schedule {schedule.name}: {describe(schedule)}. The system's scheduler runs:")
    print(f"  {' '.join(command.argv)}")
    for name in prompting_accounts(config, schedule):
        print(
            f"Note: account {name} asks for its password each time and is skipped. "
            + UNATTENDED_ADVICE.format(name=name)
        )
    return EXIT_OK


def describe(schedule: Schedule) -> str:
    """Say in one line what the schedule does."""
    who = "all accounts" if schedule.all_accounts else ", ".join(schedule.accounts)
    when = {
        Interval.DAILY: "every day",
        Interval.WEEKLY: "every Monday",
        Interval.MONTHLY: "on the 1st of every month",
    }[schedule.every]
    extras = [
        text
        for flag, text in [
            (schedule.keep_flagged, "keeping flagged mail"),
            (schedule.keep_unread, "keeping unread mail"),
            (bool(schedule.exclude_folders), "skipping " + ", ".join(schedule.exclude_folders)),
        ]
        if flag
    ]
    line = f"{who}, mail older than {schedule.older_than}, {when} at {schedule.at:%H:%M}"
    return ", ".join([line, *extras])


def cmd_schedule_list(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """List the schedules, whether their tasks are installed, and the last automatic run."""
    if not config.schedules:
        print("No schedules. Add one with: imap-archiver schedule add --all --every month")
    host = scheduler_host()
    for name, schedule in sorted(config.schedules.items()):
        state = "installed" if is_installed(name, host) else "NOT installed (run schedule add)"
        print(f"{name}: {describe(schedule)}; task {state}")
    last = read_scheduled_run(dirs.config)
    if last is not None:
        print_last_run(last)
    return EXIT_OK


def print_last_run(run: ScheduledRun) -> None:
    """Print the last automatic run: per account what it did, or its problem."""
    print(f"Last automatic run ({run.schedule}): {run.finished.astimezone():%Y-%m-%d %H:%M}")
    for outcome in run.accounts:
        line = (
            f"  {outcome.account}: {outcome.archived} messages archived, "
            f"{human_bytes(outcome.bytes_freed)} freed"
        )
        if outcome.errors:
            line += f", {outcome.errors} failed (kept on the server)"
        if outcome.problem is Problem.PASSWORD_ASKED:
            line = f"  {outcome.account}: skipped: " + UNATTENDED_ADVICE.format(
                name=outcome.account
            )
        elif outcome.problem is not None:
            line += f"; problem: {outcome.problem.value}"
            if outcome.message:
                line += f" ({outcome.message})"
        print(line)


def cmd_schedule_remove(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Remove the schedule's task and the schedule."""
    new = config.without_schedule(args.name)
    uninstall(args.name, scheduler_host())
    save_config(new, dirs.config_file)
    print(f"Schedule {args.name} removed.")
    return EXIT_OK


def cmd_run_scheduled(args: argparse.Namespace, dirs: AppDirs, config: Config) -> int:
    """Run a schedule unattended. Output goes to the log; a run that finds another one
    still going ends quietly (exit status 0)."""
    run = run_scheduled(
        config.schedule(args.name), config, dirs.archive, dirs.config, timeout=args.timeout
    )
    return EXIT_OK if run is None or run.ok else EXIT_FAILED
