"""Schedules: the description in the settings file, the three systems' definitions generated
from it and validated where a validator exists, and installing through the tool seam."""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import os
import plistlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pytest

from archiver.core.config import Config, load_config, save_config
from archiver.core.errors import ConfigError
from archiver.core.schedule import Interval, Schedule, default_name
from archiver.core.scheduler import (
    CONSOLE_EXE,
    ENV_PROGRAM,
    TASK_NAMESPACE,
    WINDOWED_EXE,
    Command,
    Host,
    SchedulerError,
    System,
    install,
    is_installed,
    launchd_label,
    launchd_plist,
    on_calendar,
    scheduled_command,
    systemd_units,
    task_xml,
    uninstall,
    unit_name,
    windows_arguments,
)

JUERGEN = Path("C:/Users/Jürgen Müller/AppData/Local/Programs/IMAP Archiver")
HOME = r"C:\Users\Jürgen Müller\Büro \"Archiv\" 100% $HOME\\"
EVERY = [Interval.DAILY, Interval.WEEKLY, Interval.MONTHLY]


def schedule(
    every: Interval = Interval.MONTHLY,
    *,
    keep_flagged: bool = False,
    keep_unread: bool = False,
    exclude_folders: tuple[str, ...] = (),
) -> Schedule:
    return Schedule(
        "office", ("office", "info@büro"), every, "1y", dt.time(9, 30), keep_flagged,
        keep_unread, exclude_folders,
    )  # fmt: skip


# --- the description ------------------------------------------------------------------------


def test_schedule_round_trips_through_the_settings_file(tmp_path):
    mine = schedule(Interval.WEEKLY, keep_flagged=True, exclude_folders=("Entwürfe",))
    path = tmp_path / "config.json"
    save_config(Config().with_schedule(mine).with_schedule(Schedule("all")), path)
    loaded = load_config(path)
    assert loaded.schedules == {"office": mine, "all": Schedule("all")}
    assert loaded.schedule("all").all_accounts
    stored = json.loads(path.read_text(encoding="utf-8"))["schedules"]["office"]
    assert stored["every"] == "week" and stored["at"] == "09:30"
    assert "password" not in path.read_text(encoding="utf-8")
    assert load_config(path).without_schedule("office").schedules.keys() == {"all"}


@pytest.mark.parametrize(
    ("values", "word"),
    [
        ({"every": "hour"}, "invalid settings"),
        ({"at": "25:00"}, "invalid settings"),
        ({"accounts": "office"}, "invalid settings"),
        ({"older_than": "1 Jahr"}, "Invalid age"),
    ],
)
def test_invalid_schedules_in_the_settings_file_are_refused(tmp_path, values, word):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"schedules": {"s": values}}), encoding="utf-8")
    with pytest.raises(ConfigError, match=word):
        load_config(path)


def test_schedule_names_and_errors():
    with pytest.raises(ConfigError, match="Invalid schedule name"):
        Schedule("mein Plan")
    with pytest.raises(ConfigError, match="local HH:MM"):
        Schedule("x", at=dt.time(9, 30, 15))
    with pytest.raises(ConfigError, match="No schedule named 'x'"):
        Config().schedule("x")
    assert default_name(()) == "all"
    assert default_name(("info@büro.de",)) == "info-b-ro-de"


def test_options_count_the_cut_off_from_the_day_of_the_run():
    options = schedule(keep_unread=True).options(dt.date(2026, 3, 12))
    assert options.cutoff.date() == dt.date(2025, 3, 12)
    assert options.keep_unread and not options.keep_flagged and not options.dry_run


# --- the command a task runs ------------------------------------------------------------------


def test_packaged_app_on_windows_runs_the_console_less_executable(tmp_path):
    for name in (WINDOWED_EXE, CONSOLE_EXE):
        (tmp_path / name).write_bytes(b"MZ")
    command = scheduled_command(
        "office", None, executable=str(tmp_path / CONSOLE_EXE), frozen=True, platform="win32"
    )
    assert command.program == tmp_path / WINDOWED_EXE
    assert command.arguments == ("run-scheduled", "office")
    (tmp_path / WINDOWED_EXE).unlink()
    command = scheduled_command(
        "office", None, executable=str(tmp_path / CONSOLE_EXE), frozen=True, platform="win32"
    )
    assert command.program == tmp_path / CONSOLE_EXE


def test_python_install_runs_the_module_without_a_console_on_windows(tmp_path):
    (tmp_path / "python.exe").write_bytes(b"MZ")
    (tmp_path / "pythonw.exe").write_bytes(b"MZ")
    command = scheduled_command(
        "all", Path("D:/Büro"), executable=str(tmp_path / "python.exe"), frozen=False,
        platform="win32",
    )  # fmt: skip
    assert command.program == tmp_path / "pythonw.exe"
    home = str(Path("D:/Büro"))
    assert command.arguments == ("-m", "archiver", "run-scheduled", "all", "--home", home)
    posix = scheduled_command("all", None, executable="/usr/bin/python3", platform="linux")
    python = str(Path("/usr/bin/python3"))
    assert posix.argv == [python, "-m", "archiver", "run-scheduled", "all"]


def split_windows_command_line(line: str) -> list[str]:
    """Split arguments as the Microsoft C runtime does (what Python on Windows reads)."""
    args: list[str] = []
    current: list[str] = []
    quoted = in_arg = False
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\":
            run = len(line) - i - len(line[i:].lstrip("\\"))
            if i + run < len(line) and line[i + run] == '"':
                current.append("\\" * (run // 2))
                i += run
                if run % 2:
                    current.append('"')
                    i += 1
                in_arg = True
                continue
            current.append("\\" * run)
            i += run
            in_arg = True
            continue
        if char == '"':
            quoted = not quoted
            in_arg = True
        elif char in " \t" and not quoted:
            if in_arg:
                args.append("".join(current))
                current, in_arg = [], False
        else:
            current.append(char)
            in_arg = True
        i += 1
    if in_arg:
        args.append("".join(current))
    return args


def command_line_to_argv(line: str) -> list[str]:
    """Windows' own CommandLineToArgvW (with a program name in front, as a task has)."""
    argc = ctypes.c_int()
    shell32 = ctypes.WinDLL("shell32")  # type: ignore[attr-defined,unused-ignore]
    shell32.CommandLineToArgvW.restype = ctypes.POINTER(ctypes.c_wchar_p)
    shell32.CommandLineToArgvW.argtypes = [ctypes.c_wchar_p, ctypes.POINTER(ctypes.c_int)]
    argv = shell32.CommandLineToArgvW("prog " + line, ctypes.byref(argc))
    try:
        return [argv[i] for i in range(1, argc.value)]
    finally:
        ctypes.WinDLL("kernel32").LocalFree(argv)  # type: ignore[attr-defined,unused-ignore]


@pytest.mark.parametrize(
    "arguments",
    [
        ("run-scheduled", "office", "--home", HOME),
        ("-m", "archiver", "run-scheduled", "all", "--home", r"\\server\Freigabe\Jürgen Müller"),
        ("run-scheduled", "a", "--home", "C:\\ends in a backslash\\"),
    ],
)
def test_windows_arguments_read_back_as_they_were(arguments):
    line = windows_arguments(arguments)
    assert split_windows_command_line(line) == list(arguments)
    if sys.platform == "win32":
        assert command_line_to_argv(line) == list(arguments)


# --- Windows Task Scheduler -------------------------------------------------------------------

T = f"{{{TASK_NAMESPACE}}}"
# The parts of the Task Scheduler schema (version 1.2) the task uses: each element's allowed
# children, which are required, and whether their order is fixed (xs:sequence) or free
# (xs:all). From Microsoft's schema reference (learn.microsoft.com, "Task Scheduler Schema").
SCHEMA: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "Task": ("all", ("RegistrationInfo", "Triggers", "Settings", "Data", "Principals",
                     "Actions"), ("Actions",)),
    "RegistrationInfo": ("all", ("URI", "SecurityDescriptor", "Source", "Date", "Author",
                                 "Version", "Description", "Documentation"), ()),
    "Triggers": ("choice", ("BootTrigger", "RegistrationTrigger", "IdleTrigger", "TimeTrigger",
                            "EventTrigger", "LogonTrigger", "SessionStateChangeTrigger",
                            "CalendarTrigger"), ()),
    "CalendarTrigger": ("sequence", ("Enabled", "StartBoundary", "EndBoundary", "Repetition",
                                     "ExecutionTimeLimit", "RandomDelay", "ScheduleByDay",
                                     "ScheduleByWeek", "ScheduleByMonth",
                                     "ScheduleByMonthDayOfWeek"), ()),
    "ScheduleByDay": ("all", ("DaysInterval",), ()),
    "ScheduleByWeek": ("all", ("WeeksInterval", "DaysOfWeek"), ()),
    "ScheduleByMonth": ("all", ("DaysOfMonth", "Months"), ()),
    "Principals": ("sequence", ("Principal",), ("Principal",)),
    "Principal": ("all", ("UserId", "LogonType", "GroupId", "DisplayName", "RunLevel",
                          "ProcessTokenSidType", "RequiredPrivileges"), ()),
    "Settings": ("all", ("AllowStartOnDemand", "RestartOnFailure", "MultipleInstancesPolicy",
                         "DisallowStartIfOnBatteries", "StopIfGoingOnBatteries",
                         "AllowHardTerminate", "StartWhenAvailable", "NetworkProfileName",
                         "RunOnlyIfNetworkAvailable", "WakeToRun", "Enabled", "Hidden",
                         "DeleteExpiredTaskAfter", "IdleSettings", "NetworkSettings",
                         "ExecutionTimeLimit", "Priority", "RunOnlyIfIdle"), ()),
    "Actions": ("choice", ("Exec", "ComHandler", "SendEmail", "ShowMessage"), ()),
    "Exec": ("sequence", ("Command", "Arguments", "WorkingDirectory"), ("Command",)),
}  # fmt: skip


def check_against_schema(element: ET.Element) -> None:
    """Check *element* and its descendants against SCHEMA: namespace, allowed and required
    children, no repeats in xs:all, and the order of an xs:sequence."""
    assert element.tag.startswith(T), element.tag
    name = element.tag.removeprefix(T)
    if name not in SCHEMA:
        return
    kind, allowed, required = SCHEMA[name]
    children = [child.tag.removeprefix(T) for child in element]
    assert set(children) <= set(allowed), (name, children)
    assert set(required) <= set(children), (name, children)
    if kind == "all":
        assert len(children) == len(set(children)), (name, children)
    if kind == "sequence":
        assert children == sorted(children, key=allowed.index), (name, children)
    for child in element:
        check_against_schema(child)


@pytest.mark.parametrize("every", EVERY)
def test_task_xml_follows_the_task_scheduler_schema(every):
    command = Command(JUERGEN / WINDOWED_EXE, ("run-scheduled", "office", "--home", HOME))
    data = task_xml(schedule(every), command, dt.date(2026, 3, 1))
    assert data.startswith(b"\xff\xfe")  # UTF-16 LE with BOM: what schtasks /XML reads
    assert data.decode("utf-16").startswith('<?xml version="1.0" encoding="UTF-16"?>')
    task = ET.fromstring(data.decode("utf-16"))
    assert task.tag == T + "Task" and task.get("version") == "1.2"
    check_against_schema(task)

    def text(path: str) -> str | None:
        return task.findtext("/".join(T + part for part in path.split("/")))

    assert text("Settings/StartWhenAvailable") == "true"  # a missed run at the next start
    assert text("Settings/MultipleInstancesPolicy") == "IgnoreNew"
    assert text("Principals/Principal/LogonType") == "InteractiveToken"
    assert text("Principals/Principal/RunLevel") == "LeastPrivilege"
    assert task.find(f"{T}Principals/{T}Principal/{T}UserId") is None  # the registering user
    assert text("Actions/Exec/Command") == str(JUERGEN / WINDOWED_EXE)
    arguments = text("Actions/Exec/Arguments")
    assert arguments is not None
    assert split_windows_command_line(arguments) == list(command.arguments)
    trigger = task.find(f"{T}Triggers/{T}CalendarTrigger")
    assert trigger is not None
    assert trigger.findtext(T + "StartBoundary") == "2026-03-01T09:30:00"
    by = {Interval.DAILY: "ScheduleByDay", Interval.WEEKLY: "ScheduleByWeek",
          Interval.MONTHLY: "ScheduleByMonth"}[every]  # fmt: skip
    assert trigger.find(T + by) is not None
    if every is Interval.MONTHLY:
        assert trigger.findtext(f"{T}ScheduleByMonth/{T}DaysOfMonth/{T}Day") == "1"
        months = trigger.find(f"{T}ScheduleByMonth/{T}Months")
        assert months is not None and len(months) == 12
    description = text("RegistrationInfo/Description") or ""
    assert "office, info@büro" in description


# --- systemd ----------------------------------------------------------------------------------


@pytest.fixture(params=["Büro 100% $HOME", 'Büro "x" \\ it\'s'])
def awkward_python(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """This Python, reached through a folder name with spaces, umlauts, % and $, or with
    quotes and a backslash (which systemd refuses in a program's name)."""
    if sys.platform == "win32":
        pytest.skip("systemd units are for Linux")
    folder = tmp_path / "Jürgen Müller" / request.param
    folder.mkdir(parents=True)
    link = folder / "python3"
    try:
        link.symlink_to(sys.executable)
    except OSError:
        pytest.skip("symbolic links are not available here")
    return link


def systemd_analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None or sys.platform != "linux":
        pytest.skip("systemd-analyze is not installed (Debian: apt install systemd)")
    return tool


def verify_units(folder: Path, units: dict[str, str]) -> list[str]:
    """Write *units* into *folder*, run ``systemd-analyze verify`` on them, and return its
    complaints that name them (it also complains about the machine: no user manager)."""
    tool = systemd_analyze()
    folder.mkdir()
    for name, text in units.items():
        (folder / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [tool, "verify", *(str(folder / name) for name in units)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"},
    )
    return [line for line in done.stderr.splitlines() if any(n in line for n in units)]


@pytest.mark.parametrize("every", EVERY)
def test_systemd_units_pass_systemd_analyze_verify(tmp_path, awkward_python, every):
    command = Command(awkward_python, ("-m", "archiver", "run-scheduled", "office"))
    units = systemd_units(schedule(every), command)
    base = unit_name("office")
    assert set(units) == {f"{base}.service", f"{base}.timer"}
    assert "Persistent=true" in units[f"{base}.timer"]
    assert verify_units(tmp_path / "units", units) == []
    calendar = subprocess.run(
        [systemd_analyze(), "calendar", on_calendar(schedule(every))], capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    assert calendar.returncode == 0, calendar.stderr


def test_systemd_analyze_verify_finds_what_systemd_would_refuse(tmp_path):
    """The check above is not empty: a bad calendar and an unquoted path fail it."""
    units = systemd_units(schedule(), Command(Path(sys.executable), ("-c", "pass")))
    broken = {
        name: text.replace("*-*-01", "every full moon").replace('ExecStart="', "ExecStart=")
        for name, text in units.items()
    }
    complaints = "\n".join(verify_units(tmp_path / "units", broken))
    assert "Failed to parse calendar specification" in complaints
    assert "Unbalanced quoting" in complaints


def test_systemd_exec_start_reads_back_the_awkward_path(tmp_path, awkward_python):
    """The quoted ExecStart= runs the program with exactly these arguments."""
    probe = tmp_path / "argv.json"
    script = f"import json, sys; open({str(probe)!r}, 'w').write(json.dumps(sys.argv[1:]))"
    arguments = ("-c", script, "run-scheduled", "a", "--home", HOME)
    units = systemd_units(schedule(), Command(awkward_python, arguments))
    exec_start = next(
        line.removeprefix("ExecStart=")
        for line in units[unit_name("office") + ".service"].splitlines()
        if line.startswith("ExecStart=")
    )
    # systemd-analyze has no command-line parser of its own to ask; a transient unit would
    # need a manager. So: undo exactly what systemd does with the quoting (C escapes inside
    # double quotes, %% and $$), then run it.
    program, *rest = _systemd_words(exec_start)
    parsed = [program.replace("%%", "%")]
    parsed += [word.replace("%%", "%").replace("$$", "$") for word in rest]
    if parsed[0] == ENV_PROGRAM:  # a name systemd refuses is run through env
        assert any(c in str(awkward_python) for c in "\"'\\")
        parsed = parsed[1:]
    assert parsed == [str(awkward_python), *arguments]
    subprocess.run(parsed, check=True, stdin=subprocess.DEVNULL)
    assert json.loads(probe.read_text()) == list(arguments[2:])


def _systemd_words(line: str) -> list[str]:
    words, i = [], 0
    while i < len(line):
        assert line[i] == '"', line[i:]
        i += 1
        word = []
        while line[i] != '"':
            if line[i] == "\\":
                i += 1
            word.append(line[i])
            i += 1
        words.append("".join(word))
        i += 2  # the closing quote and the space
    return words


# --- launchd ----------------------------------------------------------------------------------


@pytest.mark.parametrize("every", EVERY)
def test_launchd_plist_has_what_launchd_needs(tmp_path, every):
    program = Path("/Applications/IMAP Archiver.app/Contents/MacOS/imap-archiver")
    command = Command(program, ("run-scheduled", "office", "--home", "/Users/jürgen/Büro Archiv"))
    data = launchd_plist(schedule(every), command)
    plist = plistlib.loads(data)
    assert plist["Label"] == launchd_label("office") == "org.imaparchiver.schedule.office"
    assert plist["ProgramArguments"] == command.argv
    when = plist["StartCalendarInterval"]
    assert (when["Hour"], when["Minute"]) == (9, 30)
    assert when.get("Weekday") == (1 if every is Interval.WEEKLY else None)
    assert when.get("Day") == (1 if every is Interval.MONTHLY else None)
    assert plistlib.dumps(plist) == data
    plutil = shutil.which("plutil")
    if plutil is not None:
        path = tmp_path / "agent.plist"
        path.write_bytes(data)
        subprocess.run([plutil, "-lint", str(path)], check=True, capture_output=True)


# --- installing through the seam --------------------------------------------------------------


class Recorder:
    """Stands for the system's tool: records each call and answers with *returncode*."""

    def __init__(self, returncode: int = 0, missing: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.returncode, self.missing = returncode, missing
        self.task_files: list[bytes] = []

    def __call__(self, arguments: Sequence[str]) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(arguments))
        if self.missing:
            raise FileNotFoundError(2, "No such file", arguments[0])
        if "/XML" in arguments:  # the file exists while schtasks reads it
            self.task_files.append(Path(arguments[arguments.index("/XML") + 1]).read_bytes())
        return subprocess.CompletedProcess(list(arguments), self.returncode, "", "refused")


COMMAND = Command(Path("/opt/imap-archiver/imap-archiver"), ("run-scheduled", "office"))


def test_installing_on_windows_registers_the_xml_with_schtasks(tmp_path):
    tool = Recorder()
    host = Host(System.WINDOWS, tmp_path, tool)
    install(schedule(), COMMAND, host, dt.date(2026, 1, 1))
    create = tool.calls[0]
    assert create[:3] == ["schtasks", "/Create", "/XML"]
    assert create[4:] == ["/TN", "IMAP Archiver - office", "/F"]
    assert not Path(create[3]).exists()  # the temporary file is gone afterwards
    assert tool.task_files == [task_xml(schedule(), COMMAND, dt.date(2026, 1, 1))]
    assert is_installed("office", host)
    uninstall("office", host)
    assert tool.calls[-1] == ["schtasks", "/Delete", "/TN", "IMAP Archiver - office", "/F"]


def test_installing_with_systemd_writes_units_and_enables_the_timer(tmp_path):
    tool = Recorder()
    host = Host(System.SYSTEMD, tmp_path, tool)
    install(schedule(), COMMAND, host, dt.date(2026, 1, 1))
    folder = tmp_path / ".config" / "systemd" / "user"
    assert sorted(p.name for p in folder.iterdir()) == [
        "imap-archiver-office.service",
        "imap-archiver-office.timer",
    ]
    assert tool.calls == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", "imap-archiver-office.timer"],
    ]
    uninstall("office", host)
    assert list(folder.iterdir()) == []
    assert ["systemctl", "--user", "disable", "--now", "imap-archiver-office.timer"] in tool.calls
    xdg = Host(System.SYSTEMD, tmp_path, tool, config_home=tmp_path / "xdg")
    assert xdg.systemd_dir == tmp_path / "xdg" / "systemd" / "user"


def test_installing_with_launchd_bootstraps_the_agent(tmp_path):
    tool = Recorder()
    host = Host(System.LAUNCHD, tmp_path, tool, uid=501)
    install(schedule(), COMMAND, host, dt.date(2026, 1, 1))
    path = tmp_path / "Library" / "LaunchAgents" / "org.imaparchiver.schedule.office.plist"
    assert plistlib.loads(path.read_bytes())["ProgramArguments"] == COMMAND.argv
    assert tool.calls[-1] == ["launchctl", "bootstrap", "gui/501", str(path)]
    uninstall("office", host)
    assert not path.exists()


def test_a_refusing_or_missing_tool_is_a_scheduler_error(tmp_path):
    with pytest.raises(SchedulerError, match="exit status 1: refused"):
        install(schedule(), COMMAND, Host(System.WINDOWS, tmp_path, Recorder(1)), dt.date.today())
    missing = Host(System.SYSTEMD, tmp_path, Recorder(missing=True))
    with pytest.raises(SchedulerError, match="systemctl"):
        install(schedule(), COMMAND, missing, dt.date.today())
    assert not is_installed("office", missing)
    assert not is_installed("office", Host(System.LAUNCHD, tmp_path, Recorder(113)))


def test_system_for_each_platform():
    assert System.current("win32") is System.WINDOWS
    assert System.current("darwin") is System.LAUNCHD
    assert System.current("linux") is System.SYSTEMD


def user_manager_runs() -> bool:
    if sys.platform != "linux" or shutil.which("systemctl") is None:
        return False
    done = subprocess.run(
        ["systemctl", "--user", "show-environment"], capture_output=True, check=False
    )
    return done.returncode == 0


@pytest.mark.skipif(
    not user_manager_runs(),
    reason="no systemd user manager here (CI runs as root without a login session)",
)
def test_registering_a_real_systemd_user_timer(tmp_path):
    host = Host.current()
    name = f"test-{os.getpid()}"
    mine = Schedule(name, every=Interval.DAILY)
    try:
        install(mine, Command(Path(sys.executable), ("-c", "pass")), host, dt.date.today())
        assert is_installed(name, host)
    finally:
        uninstall(name, host)
    assert not is_installed(name, host)
