"""Build the one-folder app with PyInstaller, then smoke-test what was built.

    pip install -e '.[package]'             # PyInstaller
    python packaging/build.py               # build into dist/imap-archiver/, then test it
    python packaging/build.py --smoke-only  # test an existing build
    python packaging/build.py --build-only  # build, and leave the test to its installer's

The work files go to build/pyinstaller/, the app to dist/imap-archiver/ (both ignored by git).
The smoke test runs the built executables, never the checkout's code: the app's --version,
its --self-check (the main window opens and closes) in English and German on Qt's offscreen
platform, the command line's --version, a reindex and verify of an empty archive (SQLite and
the Whoosh index), on Linux a password command that must not inherit the bundle's library
path, a spawned child process in both executables, and a real archive run (with its indexer
process) and a search against a private Dovecot (which must be installed; under Wine the
Linux side's, described by IMAP_ARCHIVER_TEST_DOVECOT: .ci/windows/wine-tests.sh). Each run
gets a fresh IMAP_ARCHIVER_HOME. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import multiprocessing
import multiprocessing.context
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "imap-archiver.spec"
WORK = ROOT / "build" / "pyinstaller"
DIST = ROOT / "dist"
APP = DIST / "imap-archiver"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""
GUI = APP / f"imap-archiver-gui{EXE_SUFFIX}"
CLI = APP / f"imap-archiver{EXE_SUFFIX}"
TIMEOUT = 180.0  # seconds per run; the first start of a cold bundle is slow
LIBRARY_PATH = "LD_LIBRARY_PATH"
# The log lines on stderr of the app and the command line (WARNING and up; the offscreen
# platform's notices are DEBUG).
TROUBLE = tuple(
    f"{program}: {level}"
    for program in ("imap-archiver-gui", "imap-archiver")
    for level in ("WARNING", "ERROR", "CRITICAL")
)


def version() -> str:
    """The version the build must report: archiver.__version__, read without importing."""
    for line in (ROOT / "archiver" / "__init__.py").read_text(encoding="utf-8").splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise SystemExit("no __version__ in archiver/__init__.py")


def build(clean: bool) -> float:
    """Run PyInstaller on the spec; return the seconds it took."""
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    command += ["--workpath", str(WORK), "--distpath", str(DIST)]
    if clean:
        command.append("--clean")
    started = time.monotonic()
    result = subprocess.run([*command, str(SPEC)], cwd=ROOT, check=False)
    if result.returncode != 0:
        raise SystemExit(f"PyInstaller failed with exit status {result.returncode}")
    return time.monotonic() - started


def folder_size(folder: Path) -> tuple[int, int]:
    """Return the total bytes and the number of files below *folder* (links not followed)."""
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def largest(folder: Path, count: int) -> list[tuple[int, Path]]:
    """The *count* largest files below *folder*, largest first."""
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sorted(((p.stat().st_size, p) for p in files), reverse=True)[:count]


# --- the smoke test ---------------------------------------------------------------------------


def run(
    args: Sequence[str | Path], home: Path, pass_fds: Sequence[int] = ()
) -> subprocess.CompletedProcess[str]:
    """Run a built executable with its own IMAP_ARCHIVER_HOME and no screen.

    Its output goes to files, not pipes: after a timeout's kill, subprocess.run on Windows
    reads a pipe to its end, which never comes while a process that outlives the killed one
    holds it (under Wine, a service the program started). A run that does not end within
    TIMEOUT raises subprocess.TimeoutExpired with what it printed until then.
    """
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)  # the bundle must not lean on the checkout
    command = [str(a) for a in args]
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        try:
            code = subprocess.run(
                command,
                env=env,
                cwd=home,  # not the checkout: nothing may be found there by accident
                stdout=stdout,
                stderr=stderr,
                timeout=TIMEOUT,
                stdin=subprocess.DEVNULL,
                pass_fds=pass_fds,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            code = None
        printed = []
        for stream in (stdout, stderr):
            stream.seek(0)
            printed.append(stream.read().decode("utf-8", "replace"))
    if code is None:
        raise subprocess.TimeoutExpired(command, TIMEOUT, printed[0], printed[1])
    return subprocess.CompletedProcess(command, code, printed[0], printed[1])


def write_config(home: Path, config: dict[str, object]) -> None:
    """Write a settings file into *home* (the app's format: see archiver/core/config.py)."""
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.json").write_text(json.dumps(config), encoding="utf-8")


def expect(result: subprocess.CompletedProcess[str], code: int = 0, stdout: str = "") -> str:
    """Return "" if *result* exited with *code* and printed *stdout* (a prefix), else why not."""
    problems = []
    if result.returncode != code:
        problems.append(f"exit status {result.returncode}, expected {code}")
    if stdout and not result.stdout.startswith(stdout):
        problems.append(f"printed {result.stdout.strip()!r}, expected {stdout!r}")
    trouble = [line for line in result.stderr.splitlines() if line.startswith(TROUBLE)]
    if trouble:
        problems.append("logged:\n      " + "\n      ".join(dict.fromkeys(trouble)))
    elif problems and result.stderr.strip():
        problems.append(f"stderr:\n      {result.stderr.strip()[-2000:]}")
    return "; ".join(problems)


def check_gui_version(home: Path) -> str:
    result = run([GUI, "--version"], home)
    # A windowed Windows executable has no stdout: there only the exit status counts.
    printed = "" if sys.platform == "win32" else f"imap-archiver-gui {version()}"
    return expect(result, stdout=printed)


def check_self_check(home: Path) -> str:
    return expect(run([GUI, "--self-check"], home))


def check_self_check_german(home: Path) -> str:
    # A translation that is not found is logged as a WARNING: resources must resolve.
    write_config(home, {"language": "de"})
    return expect(run([GUI, "--self-check"], home))


def check_cli_version(home: Path) -> str:
    return expect(run([CLI, "--version"], home), stdout=f"imap-archiver {version()}")


def check_empty_archive(home: Path) -> str:
    # An empty catalog written here, then the bundle builds and checks the search index on it.
    (home / "archive").mkdir()
    sys.path.insert(0, str(ROOT))
    from archiver.core.catalog import Catalog  # noqa: PLC0415 (the checkout's, for the data)

    Catalog(home / "archive" / "catalog.sqlite3").close()
    return expect(run([CLI, "reindex"], home), stdout="Indexed 0 messages") or expect(
        run([CLI, "verify"], home), stdout="Verified 0 messages"
    )


def check_child_environment(home: Path) -> str:
    # "account test" runs the password command before it connects (to port 9: refused at once).
    seen = home / "child-library-path"
    command = f'printf %s "${{{LIBRARY_PATH}-unset}}" > "{seen}"; echo password'
    account = {"host": "127.0.0.1", "port": 9, "user": "u", "security": "ssl"}
    account |= {"password_source": "command", "password_command": command}
    write_config(home, {"accounts": {"probe": account}})
    result = run([CLI, "--timeout", "10", "account", "test", "probe"], home)
    if not seen.exists():
        return f"the password command did not run\n    stderr: {result.stderr.strip()}"
    expected = os.environ.get(LIBRARY_PATH, "unset")
    got = seen.read_text(encoding="utf-8")
    if got != expected:
        return f"a child process got {LIBRARY_PATH}={got!r}, expected {expected!r}"
    return ""


def check_outlook_readers(home: Path) -> str:
    # The Outlook readers are optional imports (the outlook extra): the bundle must have them.
    # A .msg file (written by the tests' compound file writer) must be found, and a file
    # named .pst that is none must fail in libpff, not for want of it.
    sys.path.insert(0, str(ROOT))
    from archiver.core.catalog import Catalog  # noqa: PLC0415 (the checkout's, for the data)
    from tests.helpers.outlook import items, write_msg  # noqa: PLC0415

    (home / "archive").mkdir()
    Catalog(home / "archive" / "catalog.sqlite3").close()
    write_config(home, {"accounts": {"probe": {"host": "127.0.0.1", "user": "u"}}})
    (home / "Outlook").mkdir()
    write_msg(home / "Outlook" / "saved.msg", items()["attached"])
    (home / "Outlook" / "not-a.pst").write_bytes(b"!BDN")
    result = run([CLI, "import", "probe", home / "Outlook", "--dry-run", "--json"], home)
    problem = expect(result)
    if problem:
        return problem
    summary = json.loads(result.stdout)
    problems = []
    if summary.get("imported") != 1:
        problems.append(f"the .msg file was not read: {summary!r}")
    reasons = [item["reason"] for item in summary.get("not_imported", [])]
    if reasons != ["the Outlook data file cannot be read"]:  # not "... needs libpff-python"
        problems.append(f"the .pst file was not tried with libpff: {reasons!r}")
    return "; ".join(problems)


# Enough messages for the index writer's worker processes (indexer.PARALLEL_MIN): a bundle
# starts them as it starts the archive run's indexer, itself again (spawned on Windows).
MANY = 1000


def check_reindex_on_every_core(home: Path) -> str:
    # An mbox of MANY small messages imported into a fresh archive, then a rebuild of the
    # index (the writer's workers), and a search that must find every message.
    sys.path.insert(0, str(ROOT))
    from archiver.core.catalog import Catalog  # noqa: PLC0415 (the checkout's, for the data)

    (home / "archive").mkdir()
    Catalog(home / "archive" / "catalog.sqlite3").close()
    write_config(home, {"accounts": {"probe": {"host": "127.0.0.1", "user": "u"}}})
    with (home / "old.mbox").open("wb") as mbox:
        for number in range(MANY):
            mbox.write(
                b"From smoke@example.org Thu Jan  2 12:00:00 2020\n"
                b"From: Smoke Test <smoke@example.org>\n"
                b"Subject: Old message %d\n"
                b"Date: Thu, 2 Jan 2020 12:00:00 +0100\n"
                b"Message-ID: <old-%d@example.org>\n\n"
                b"Message %d: the %s in front of the office.\n\n"
                % (number, number, number, SEARCH_WORD.encode())
            )
    problem = expect(run([CLI, "import", "probe", home / "old.mbox"], home))
    if problem:
        return f"import: {problem}"
    log = home / "logs" / "imap-archiver.log"
    imported = log.stat().st_size
    problem = expect(run([CLI, "reindex"], home), stdout=f"Indexed {MANY} messages")
    if problem:
        return f"reindex: {problem}"
    with log.open(encoding="utf-8", errors="replace") as lines:
        lines.seek(imported)
        reindexed = lines.read()
    if not re.search(rf"Indexing {MANY} messages with [2-9] worker processes", reindexed):
        return f"reindex started no worker processes; its log:\n{reindexed[-2000:]}"
    found = run([CLI, "search", SEARCH_WORD, "--limit", str(2 * MANY), "--json"], home)
    hits = [line for line in found.stdout.splitlines() if line.strip()]
    problem = expect(found)
    if not problem and len(hits) != MANY:
        problem = f"found {len(hits)} messages with {SEARCH_WORD!r}, expected {MANY}"
    return f"search: {problem}" if problem else ""


CHILD_EXIT = 7  # what the process object sent by check_spawned_child exits with


def spawn_request() -> bytes:
    """What multiprocessing's spawn start method writes to a new child: the preparation data
    (none here: the checkout's paths must not reach the bundle) and the pickled process,
    one that exits with CHILD_EXIT."""
    process = multiprocessing.get_context("spawn").Process(target=sys.exit, args=(CHILD_EXIT,))
    buffer = io.BytesIO()
    # The process's authentication key pickles only while a child is being spawned.
    # (Any marker will do: the child is not really spawned from here.)
    multiprocessing.context.set_spawning_popen(process)  # type: ignore[arg-type]
    try:
        pickle.dump({}, buffer)
        pickle.dump(process, buffer)
    finally:
        multiprocessing.context.set_spawning_popen(None)
    return buffer.getvalue()


def check_spawned_child(home: Path) -> str:
    # The archive run's indexer is the executable started again, as multiprocessing's spawn
    # does it when frozen: "<executable> --multiprocessing-fork pipe_handle=N". Each
    # executable must run the process object it reads from the pipe (the archive run below
    # shows it for the command line only: the app has no unattended archive run).
    problems = []
    for exe in (CLI, GUI):
        read, write = os.pipe()
        os.write(write, spawn_request())
        os.close(write)
        try:
            result = run([exe, "--multiprocessing-fork", f"pipe_handle={read}"], home, (read,))
        finally:
            os.close(read)
        if result.returncode != CHILD_EXIT:
            problems.append(
                f"{exe.name}: exit status {result.returncode}, expected {CHILD_EXIT}; "
                f"output: {(result.stdout + result.stderr).strip()[-2000:]!r}"
            )
    return "; ".join(problems)


# A word of the archived messages' bodies, found by the bundle's search only if it was indexed;
# and one in the PDF attached to the first, found only if the bundle's PDF reader (pypdfium2's
# native library) came along.
SEARCH_WORD = "Zebrastreifen"
PDF_WORD = "Pfändungsbeschluss"
MESSAGES = 3


def old_message(number: int) -> bytes:
    """A small message from 2020, well older than a year (the first with a PDF)."""
    message = EmailMessage()
    message["From"] = "Smoke Test <smoke@example.org>"
    message["To"] = "archive@example.org"
    message["Subject"] = f"Smoke test message {number}"
    message["Date"] = f"Thu, {number + 1} Jan 2020 12:00:00 +0100"
    message["Message-ID"] = f"<smoke-{number}@example.org>"
    message.set_content(f"Message {number}: the {SEARCH_WORD} in front of the office.\n")
    if number == 0:
        from tests.helpers.docgen import pdf  # noqa: PLC0415 (the checkout's, as the server)

        attachment = pdf([f"Beschluss: {PDF_WORD}"])
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="b.pdf")
    return message.as_bytes()


# Under Wine (.ci/windows/wine-tests.sh) Dovecot runs on the Linux side, described by this
# variable as for the tests (tests/helpers/dovecot.py); elsewhere the smoke test starts one.
TEST_DOVECOT = "IMAP_ARCHIVER_TEST_DOVECOT"


@contextmanager
def mail_server() -> Iterator[tuple[Any, Any] | None]:
    """Yield a Dovecot server and a user with an empty mailbox: the running one TEST_DOVECOT
    describes, else a private one; None where there is neither."""
    sys.path.insert(0, str(ROOT))
    if state := os.environ.get(TEST_DOVECOT):
        from tests.helpers.dovecot import RemoteDovecot  # noqa: PLC0415 (the checkout's)

        remote = RemoteDovecot(Path(state), "default")
        yield remote, remote.add_user()
        return
    from archiver.demo.server import (  # noqa: PLC0415 (the checkout's, to serve the mail)
        DovecotServer,
        UserEntry,
        find_dovecot,
    )

    binary = find_dovecot()
    if binary is None:
        yield None
        return
    server = DovecotServer(binary, instance="imap-archiver-smoke")
    try:
        server.write_users([UserEntry("smoke", "smoke-Passw0rd")])
        server.start()
        yield server, server.user("smoke", "smoke-Passw0rd")
    finally:
        server.stop()


def check_archive_and_search(home: Path) -> str:
    # The checkout's code runs the Dovecot and fills the mailbox; the archive run, with its
    # indexer process (multiprocessing's spawn: the bundle starts itself again), and the
    # search are the bundle's.
    with mail_server() as served:
        if served is None:
            return "dovecot is not installed (Debian: apt-get install dovecot-imapd)"
        server, user = served
        with server.client(user) as client:
            when = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
            for number in range(MESSAGES):
                client.append("INBOX", old_message(number), msg_time=when)
        secret = home / "password"
        secret.write_text(user.password, encoding="utf-8")
        account: list[str | Path] = [CLI, "account", "add", "smoke", "--host", server.host]
        account += ["--port", str(server.ssl_port), "--user", user.name]
        show = "type" if sys.platform == "win32" else "cat"  # cmd.exe's cat is type
        account += ["--cafile", str(server.cafile), "--password-command", f'{show} "{secret}"']
        problem = expect(run(account, home))
        if problem:
            return f"account add: {problem}"
        archive = run([CLI, "archive", "smoke", "--older-than", "1y", "--json"], home)
        problem = "; ".join(filter(None, [expect(archive), _archive_problem(archive)]))
        if problem:
            return f"archive: {problem}"
        found = run([CLI, "search", SEARCH_WORD, "--json"], home)
        problem = expect(found)
        hits = [json.loads(line) for line in found.stdout.splitlines() if line.strip()]
        if not problem and len(hits) != MESSAGES:
            problem = f"found {len(hits)} messages with {SEARCH_WORD!r}, expected {MESSAGES}"
        if not problem:
            inside = run([CLI, "search", f"inside:{PDF_WORD}", "--json"], home)
            problem = expect(inside)
            hits = [json.loads(line) for line in inside.stdout.splitlines() if line.strip()]
            if not problem and len(hits) != 1:
                problem = f"found {len(hits)} messages with {PDF_WORD!r} in a PDF, expected 1"
        return f"search: {problem}" if problem else ""


def _archive_problem(result: subprocess.CompletedProcess[str]) -> str:
    """Why an archive run's JSON summary shows the run incomplete or the index not updated."""
    output = result.stdout + result.stderr
    if "invalid choice" in output or "unrecognized arguments" in output:
        # A child process of the bundle was taken for a command line (no freeze_support).
        return f"a child process failed to start:\n      {result.stderr.strip()[-2000:]}"
    try:
        summary = json.loads(result.stdout)
    except ValueError:
        return f"no JSON summary: {result.stdout.strip()[-500:]!r}"
    problems = []
    if summary.get("index_error") is not None:
        problems.append(f"index_error {summary['index_error']!r}")
    if summary.get("indexed") != MESSAGES:
        problems.append(f"indexed {summary.get('indexed')!r}, expected {MESSAGES}")
    for key in ("archived", "deleted"):
        if summary.get(key) != MESSAGES:
            problems.append(f"{key} {summary.get(key)!r}, expected {MESSAGES}")
    if problems and result.stderr.strip():
        problems.append(f"stderr:\n      {result.stderr.strip()[-2000:]}")
    return "; ".join(problems)


CHECKS: list[tuple[str, Callable[[Path], str]]] = [
    ("imap-archiver-gui --version", check_gui_version),
    ("imap-archiver-gui --self-check", check_self_check),
    ("imap-archiver-gui --self-check, in German", check_self_check_german),
    ("imap-archiver --version", check_cli_version),
    ("imap-archiver reindex and verify, empty archive", check_empty_archive),
    ("imap-archiver import reads Outlook files (olefile, pypff)", check_outlook_readers),
]
if sys.platform != "darwin":  # macOS indexes in one process (writer_processes.py)
    CHECKS.append(("imap-archiver import, and reindex on every core", check_reindex_on_every_core))
if sys.platform not in ("win32", "darwin"):
    CHECKS.append((f"a password command gets the user's {LIBRARY_PATH}", check_child_environment))
    # A pipe's descriptor as the child gets it on POSIX (Windows passes a handle).
    CHECKS.append(("both executables run a spawned child process", check_spawned_child))
    # Dovecot is POSIX-only; the macOS build is checked by hand (README).
    CHECKS.append(("imap-archiver archive and search, against Dovecot", check_archive_and_search))
elif sys.platform == "win32" and os.environ.get(TEST_DOVECOT):
    # Under Wine: against the Linux side's Dovecot (a real Windows has none to start).
    CHECKS.append(("imap-archiver archive and search, against Dovecot", check_archive_and_search))


def smoke_test() -> bool:
    """Run every check against the built app; print each result; return True if all pass."""
    missing = [exe for exe in (GUI, CLI) if not exe.is_file()]
    if missing:
        print(f"FAIL: not built: {', '.join(map(str, missing))}")
        return False
    failures = 0
    for name, check in CHECKS:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="imap-archiver-smoke-") as tmp:
            try:
                problem = check(Path(tmp))
            except subprocess.TimeoutExpired as hang:
                problem = f"no exit within {TIMEOUT:.0f} s ({hang.cmd})"
                if isinstance(hang.stderr, str) and hang.stderr.strip():
                    problem += f"\n    stderr: {hang.stderr.strip()[-2000:]}"
        seconds = time.monotonic() - started
        print(f"{'FAIL' if problem else 'ok'}: {name} ({seconds:.1f} s)")
        if problem:
            print(f"    {problem}")
            failures += 1
    return failures == 0


def main() -> int:
    """Build (unless --smoke-only), report the size, and smoke-test (unless --build-only)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--smoke-only", action="store_true", help="test the existing build")
    only.add_argument(
        "--build-only",
        action="store_true",
        help="no smoke test (msi.py test runs it on the installed copy of this build)",
    )
    parser.add_argument("--clean", action="store_true", help="empty PyInstaller's cache first")
    args = parser.parse_args()
    if not args.smoke_only:
        seconds = build(args.clean)
        print(f"Built {APP.relative_to(ROOT)} in {seconds:.0f} s")
    size, count = folder_size(APP)
    print(f"Bundle: {APP.relative_to(ROOT)}, {size / 1e6:.1f} MB in {count} files; largest:")
    for file_size, path in largest(APP, 5):
        print(f"  {file_size / 1e6:6.1f} MB  {path.relative_to(APP)}")
    if args.build_only:
        return 0
    passed = smoke_test()
    print("Smoke test passed." if passed else "Smoke test FAILED.")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
