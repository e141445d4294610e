"""The operating system's scheduler: a schedule's task for Windows Task Scheduler, systemd
user timers or launchd, generated from one Schedule, and installed or removed for the
current user.

The task runs ``imap-archiver run-scheduled NAME`` even when the app is closed; a run
missed while the computer was off is made up at its next start (Task Scheduler's
StartWhenAvailable, systemd's Persistent=; launchd makes up runs missed while asleep).
Every call of the system's tool goes through one :data:`Runner`, so tests run the
generated definitions without touching the real scheduler.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import plistlib
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from archiver.core.errors import ArchiverError
from archiver.core.paths import HOME_VARIABLE
from archiver.core.schedule import Interval, Schedule

log = logging.getLogger(__name__)

RUN_SCHEDULED = "run-scheduled"  # the command line's command that a task runs
TASK_NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"
LAUNCHD_PREFIX = "org.imaparchiver.schedule."
TOOL_TIMEOUT = 60.0
# Windows: the console-less executable of the packaged app runs a task without a console
# window flashing up (it hands run-scheduled to the command line); else the console one.
WINDOWED_EXE = "imap-archiver-gui.exe"
CONSOLE_EXE = "imap-archiver.exe"

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


class SchedulerError(ArchiverError):
    """Raised when the system's scheduler tool (schtasks, systemctl, launchctl) is missing
    or refuses to install or remove a task. ``tool`` is its name, ``detail`` what it said."""

    def __init__(self, tool: str, detail: str) -> None:
        super().__init__(f"The system's scheduler ({tool}) refused: {detail}")
        self.tool, self.detail = tool, detail


class System(enum.Enum):
    """Which scheduler a task is for."""

    WINDOWS = "windows"
    SYSTEMD = "systemd"
    LAUNCHD = "launchd"

    @classmethod
    def current(cls, platform: str = sys.platform) -> System:
        """Return the scheduler of *platform* (sys.platform's values)."""
        if platform == "win32":
            return cls.WINDOWS
        if platform == "darwin":
            return cls.LAUNCHD
        return cls.SYSTEMD


@dataclass(frozen=True, slots=True)
class Command:
    """The program a task starts and its arguments, as a list (no shell in between)."""

    program: Path
    arguments: tuple[str, ...]

    @property
    def argv(self) -> list[str]:
        """The command as a list for subprocess."""
        return [str(self.program), *self.arguments]


def scheduled_command(
    name: str,
    home: Path | None,
    *,
    executable: str = sys.executable,
    frozen: bool = bool(getattr(sys, "frozen", False)),
    platform: str = sys.platform,
) -> Command:
    """Return the command that runs schedule *name* unattended with this installation.

    Args:
        name: the schedule.
        home: the IMAP_ARCHIVER_HOME in use, if any, passed on as ``--home`` (a task
            does not inherit this process's environment).
        executable: sys.executable: the packaged app's executable, or Python.
        frozen: whether this is the packaged app (PyInstaller sets sys.frozen).
        platform: sys.platform.
    """
    here = Path(executable)
    tail = (RUN_SCHEDULED, name, *(("--home", str(home)) if home is not None else ()))
    windows = platform == "win32"
    if frozen:
        names = (WINDOWED_EXE, CONSOLE_EXE) if windows else ("imap-archiver",)
        found = [here.parent / n for n in names if (here.parent / n).is_file()]
        return Command(found[0] if found else here, tail)
    if windows:  # pythonw.exe beside python.exe: the same Python without a console window
        windowed = here.with_name("pythonw.exe")
        here = windowed if windowed.is_file() else here
    return Command(here, ("-m", "archiver", *tail))


def home_in_use(env: Mapping[str, str] = os.environ) -> Path | None:
    """Return IMAP_ARCHIVER_HOME as an absolute path, if it is set."""
    value = env.get(HOME_VARIABLE)
    return Path(value).expanduser().absolute() if value else None


# --- Windows Task Scheduler ---------------------------------------------------------------


def task_name(name: str) -> str:
    """Return the Windows task's name (in the root folder of the user's Task Scheduler)."""
    return f"IMAP Archiver - {name}"


def windows_arguments(arguments: Sequence[str]) -> str:
    """Join arguments into one Windows command line, quoted as programs read it back
    (the C runtime's rules: spaces, quotes and trailing backslashes)."""
    return subprocess.list2cmdline(list(arguments))


def task_xml(schedule: Schedule, command: Command, start: dt.date) -> bytes:
    """Return the Task Scheduler definition (schema 1.2) as UTF-16 with a byte order mark,
    the encoding ``schtasks /Create /XML`` reads.

    The task runs as the user who registers it, only while they are logged on (their
    keyring is open then, and no password is stored with the task), with least privilege.
    *start* is the first day it may run.
    """
    ET.register_namespace("", TASK_NAMESPACE)

    def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        element = ET.SubElement(parent, f"{{{TASK_NAMESPACE}}}{tag}")
        if text is not None:
            element.text = text
        return element

    task = ET.Element(f"{{{TASK_NAMESPACE}}}Task", {"version": "1.2"})
    info = sub(task, "RegistrationInfo")
    sub(info, "Description", _description(schedule))
    sub(info, "URI", "\\" + task_name(schedule.name))
    trigger = sub(sub(task, "Triggers"), "CalendarTrigger")
    # Enabled (default true) left out: the schema's sequence puts it before StartBoundary,
    # Windows' own exports after it.
    sub(trigger, "StartBoundary", dt.datetime.combine(start, schedule.at).isoformat())
    if schedule.every is Interval.DAILY:
        sub(sub(trigger, "ScheduleByDay"), "DaysInterval", "1")
    elif schedule.every is Interval.WEEKLY:
        by_week = sub(trigger, "ScheduleByWeek")
        sub(sub(by_week, "DaysOfWeek"), "Monday")
        sub(by_week, "WeeksInterval", "1")
    else:
        by_month = sub(trigger, "ScheduleByMonth")
        sub(sub(by_month, "DaysOfMonth"), "Day", "1")
        months = sub(by_month, "Months")
        for month in MONTHS:
            sub(months, month)
    principal = sub(sub(task, "Principals"), "Principal", None)
    principal.set("id", "Author")
    sub(principal, "LogonType", "InteractiveToken")
    sub(principal, "RunLevel", "LeastPrivilege")
    settings = sub(task, "Settings")
    for tag, value in [
        ("MultipleInstancesPolicy", "IgnoreNew"),  # the archive lock also refuses a second
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("StartWhenAvailable", "true"),  # a run missed while the PC was off: at next start
        ("RunOnlyIfNetworkAvailable", "true"),
        ("ExecutionTimeLimit", "PT12H"),
        ("Enabled", "true"),
    ]:
        sub(settings, tag, value)
    actions = sub(task, "Actions")
    actions.set("Context", "Author")
    exec_ = sub(actions, "Exec")
    sub(exec_, "Command", str(command.program))
    sub(exec_, "Arguments", windows_arguments(command.arguments))
    ET.indent(task)
    text = ET.tostring(task, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-16"?>\n' + text + "\n").encode("utf-16")


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# --- systemd user timers ------------------------------------------------------------------


UNSAFE_IN_PROGRAM = frozenset("\"'\\")
ENV_PROGRAM = "/usr/bin/env"


def unit_name(name: str) -> str:
    """Return the systemd units' name without the suffix (.service, .timer)."""
    return f"imap-archiver-{name}"


def systemd_quote(argument: str, *, program: bool = False) -> str:
    """Quote one word of a unit file's ExecStart= (C-style escapes in double quotes;
    ``%`` is a specifier to systemd, so it is doubled, and so is ``$`` in the arguments,
    where systemd expands variables: it does not in the *program*'s name)."""
    escaped = argument.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return '"' + (escaped if program else escaped.replace("$", "$$")) + '"'


def on_calendar(schedule: Schedule) -> str:
    """Return the timer's OnCalendar= value."""
    at = schedule.at.strftime("%H:%M:00")
    if schedule.every is Interval.DAILY:
        return f"*-*-* {at}"
    if schedule.every is Interval.WEEKLY:
        return f"Mon *-*-* {at}"
    return f"*-*-01 {at}"


def systemd_units(schedule: Schedule, command: Command) -> dict[str, str]:
    """Return the service and timer unit files by file name."""
    base = unit_name(schedule.name)
    argv = command.argv
    if any(c in UNSAFE_IN_PROGRAM or not c.isprintable() for c in argv[0]):
        # systemd refuses such a program name ("contains special characters"); env runs it,
        # given as an argument, where anything can be quoted.
        argv = [ENV_PROGRAM, *argv]
    exec_start = " ".join(
        [systemd_quote(argv[0], program=True)] + [systemd_quote(a) for a in argv[1:]]
    )
    service = (
        "[Unit]\n"
        f"Description={_description(schedule)}\n"
        "After=network-online.target\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"ExecStart={exec_start}\n"
        "Nice=10\n"
    )
    timer = (
        "[Unit]\n"
        f"Description={_description(schedule)}\n\n"
        "[Timer]\n"
        f"OnCalendar={on_calendar(schedule)}\n"
        "Persistent=true\n"  # a run missed while the computer was off: at its next start
        f"Unit={base}.service\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{base}.service": service, f"{base}.timer": timer}


# --- launchd ------------------------------------------------------------------------------


def launchd_label(name: str) -> str:
    """Return the LaunchAgent's label (also its file name without .plist)."""
    return LAUNCHD_PREFIX + name


def launchd_plist(schedule: Schedule, command: Command) -> bytes:
    """Return the LaunchAgent's property list (XML)."""
    when: dict[str, int] = {"Hour": schedule.at.hour, "Minute": schedule.at.minute}
    if schedule.every is Interval.WEEKLY:
        when["Weekday"] = 1  # Monday
    elif schedule.every is Interval.MONTHLY:
        when["Day"] = 1
    return plistlib.dumps(
        {
            "Label": launchd_label(schedule.name),
            "ProgramArguments": command.argv,
            "StartCalendarInterval": when,
            "ProcessType": "Background",
            "RunAtLoad": False,
        }
    )


def _description(schedule: Schedule) -> str:
    who = "all accounts" if schedule.all_accounts else ", ".join(schedule.accounts)
    return (
        f"IMAP Archiver: archive mail older than {schedule.older_than} of {who} "
        f"every {schedule.every.value}"
    )


# --- installing ---------------------------------------------------------------------------


def run_tool(arguments: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run a scheduler tool without a console window, stdin or a shell; capture its output."""
    return subprocess.run(
        list(arguments),
        capture_output=True,
        text=True,
        errors="replace",
        stdin=subprocess.DEVNULL,
        timeout=TOOL_TIMEOUT,
        check=False,
        creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
    )


@dataclass(frozen=True, slots=True)
class Host:
    """Where tasks are installed: the scheduler, the user's folders, and how its tool runs.

    ``user_home`` holds ``~/.config/systemd/user`` (below ``config_home`` if set: the
    XDG_CONFIG_HOME) and ``~/Library/LaunchAgents``; ``uid`` is launchd's ``gui/UID``.
    """

    system: System
    user_home: Path
    run: Runner = run_tool
    config_home: Path | None = None
    uid: int = 0

    @classmethod
    def current(cls, run: Runner = run_tool) -> Host:
        """Return this computer's scheduler for the current user."""
        xdg = os.environ.get("XDG_CONFIG_HOME")
        return cls(
            System.current(),
            Path.home(),
            run,
            Path(xdg) if xdg else None,
            os.getuid() if hasattr(os, "getuid") else 0,
        )

    @property
    def systemd_dir(self) -> Path:
        """Where the user's own systemd units live."""
        return (self.config_home or self.user_home / ".config") / "systemd" / "user"

    @property
    def launch_agents(self) -> Path:
        """Where the user's LaunchAgents live."""
        return self.user_home / "Library" / "LaunchAgents"

    def call(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        """Run the tool; raise SchedulerError if it is missing."""
        try:
            return self.run(arguments)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SchedulerError(arguments[0], str(exc)) from exc

    def require(self, *arguments: str) -> None:
        """Run the tool; raise SchedulerError unless it succeeds."""
        done = self.call(*arguments)
        if done.returncode != 0:
            said = (done.stderr or done.stdout or "").strip()
            raise SchedulerError(arguments[0], f"exit status {done.returncode}: {said}")


def install(schedule: Schedule, command: Command, host: Host, today: dt.date) -> None:
    """Install (or replace) the schedule's task for the current user and enable it."""
    log.info("Installing the %s task of schedule %s", host.system.value, schedule.name)
    if host.system is System.WINDOWS:
        fd, temp = tempfile.mkstemp(prefix="imap-archiver-task-", suffix=".xml")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(task_xml(schedule, command, today))
            host.require("schtasks", "/Create", "/XML", temp, "/TN", task_name(schedule.name), "/F")
        finally:
            Path(temp).unlink(missing_ok=True)
    elif host.system is System.SYSTEMD:
        host.systemd_dir.mkdir(parents=True, exist_ok=True)
        for file_name, text in systemd_units(schedule, command).items():
            (host.systemd_dir / file_name).write_text(text, encoding="utf-8")
        host.require("systemctl", "--user", "daemon-reload")
        host.require("systemctl", "--user", "enable", "--now", unit_name(schedule.name) + ".timer")
    else:
        host.launch_agents.mkdir(parents=True, exist_ok=True)
        label = launchd_label(schedule.name)
        path = host.launch_agents / f"{label}.plist"
        host.call("launchctl", "bootout", f"gui/{host.uid}/{label}")  # an older one, if any
        path.write_bytes(launchd_plist(schedule, command))
        host.require("launchctl", "bootstrap", f"gui/{host.uid}", str(path))


def uninstall(name: str, host: Host) -> None:
    """Remove the schedule's task; a task that is not there is not an error."""
    log.info("Removing the %s task of schedule %s", host.system.value, name)
    if host.system is System.WINDOWS:
        if is_installed(name, host):
            host.require("schtasks", "/Delete", "/TN", task_name(name), "/F")
    elif host.system is System.SYSTEMD:
        host.call("systemctl", "--user", "disable", "--now", unit_name(name) + ".timer")
        for suffix in (".service", ".timer"):
            (host.systemd_dir / (unit_name(name) + suffix)).unlink(missing_ok=True)
        host.call("systemctl", "--user", "daemon-reload")
    else:
        label = launchd_label(name)
        host.call("launchctl", "bootout", f"gui/{host.uid}/{label}")
        (host.launch_agents / f"{label}.plist").unlink(missing_ok=True)


def is_installed(name: str, host: Host) -> bool:
    """Whether the system's scheduler holds the schedule's task (and, for systemd, has
    its timer enabled). A scheduler that cannot be asked counts as not holding it."""
    if host.system is System.WINDOWS:
        arguments = ["schtasks", "/Query", "/TN", task_name(name)]
    elif host.system is System.SYSTEMD:
        arguments = ["systemctl", "--user", "is-enabled", unit_name(name) + ".timer"]
    else:
        arguments = ["launchctl", "print", f"gui/{host.uid}/{launchd_label(name)}"]
    try:
        return host.call(*arguments).returncode == 0
    except SchedulerError:
        log.info("The scheduler cannot be asked about schedule %s", name, exc_info=True)
        return False
