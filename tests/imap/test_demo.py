"""The demo against a real Dovecot: server, mailbox, settings, archive run, front ends, clean-up."""

from __future__ import annotations

import datetime as dt
import email
import importlib
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import SimpleNamespace

import keyring
import pytest

from archiver.cli import main
from archiver.core.catalog import Catalog
from archiver.core.config import load_config
from archiver.core.imap import open_session
from archiver.core.index.search import ArchiveSearcher
from archiver.core.jobs.archive import ArchiveOptions, run_archive
from archiver.core.progress import CancelToken, Progress
from archiver.core.secrets import get_password
from archiver.demo import INSTALL_HINT, DemoSession, ServerError
from archiver.demo import server as server_module
from archiver.demo import session as demo_session
from archiver.demo.mail import DemoMessage, generate_mail
from archiver.demo.server import DovecotServer, find_dovecot

pytestmark = pytest.mark.imap

NOW = dt.datetime.now(dt.UTC)
# Where pip put the console scripts: beside python on POSIX, in Scripts\ on Windows.
SCRIPT = (
    Path(sysconfig.get_path("scripts"))
    / f"imap-archiver-gui{'.exe' if sys.platform == 'win32' else ''}"
)


def needs_dovecot() -> None:
    if sys.platform == "win32":
        pytest.skip("the demo starts Dovecot, which runs on Linux and macOS only")
    if find_dovecot() is None:
        pytest.skip("dovecot is not installed (Debian: apt-get install dovecot-imapd)")


@pytest.fixture(scope="module")
def mail() -> list[DemoMessage]:
    return generate_mail(NOW)


@pytest.fixture
def demo(mail: list[DemoMessage]) -> Iterator[DemoSession]:
    """A started demo with the module's generated mail, stopped and removed afterwards."""
    needs_dovecot()
    with DemoSession() as session:
        session.start(mail)
        yield session


@pytest.fixture
def keep_keyring() -> Iterator[None]:
    """The demo front ends switch the process to keyring's fail backend; switch back."""
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's own IMAP_ARCHIVER_HOME, which the demo must leave alone."""
    home = tmp_path / "user-home"
    monkeypatch.setenv("IMAP_ARCHIVER_HOME", str(home))
    return home


def test_demo_server_holds_the_generated_mail_with_its_dates(demo, mail):
    assert demo.account is not None
    with open_session(demo.account, get_password(demo.account), timeout=30) as session:
        names = {f.name for f in session.list_folders() if f.is_selectable}
    assert {"INBOX", "Sent", "Akten/2021", "Akten/2022", "Trash"} <= names
    user = demo.server.user("demo", get_password(demo.account).reveal())
    with demo.server.client(user) as client:
        client.normalise_times = False  # aware datetimes, as the server keeps them
        for folder in ("INBOX", "Sent", "Akten/2021", "Akten/2022", "Trash"):
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            data = client.fetch(uids, ["INTERNALDATE", "BODY.PEEK[HEADER.FIELDS (DATE)]"])
            generated = sorted(m.internaldate for m in mail if m.folder == folder)
            assert sorted(d[b"INTERNALDATE"] for d in data.values()) == generated, folder
            for item in data.values():
                header = email.message_from_bytes(item[b"BODY[HEADER.FIELDS (DATE)]"])
                assert parsedate_to_datetime(header["Date"]) == item[b"INTERNALDATE"]
    inbox_years = {m.internaldate.year for m in mail if m.folder == "INBOX"}
    assert inbox_years == set(range(2019, NOW.year + 1))


def test_demo_config_logs_in_and_archives(demo, mail):
    """The settings the demo writes hold a working account; its password is not in them."""
    config = load_config(demo.dirs.config_file)
    account = config.account("demo")
    password = get_password(account)
    assert password.reveal() not in demo.dirs.config_file.read_text()
    cutoff = NOW - dt.timedelta(days=365)
    seen: list[Progress] = []
    result = run_archive(
        account,
        password,
        config.archive_root(demo.dirs),
        ArchiveOptions(cutoff=cutoff),
        None,
        config.archive_format,
        report=seen.append,
        cancel=CancelToken(),
    )
    older = [m for m in mail if m.folder not in {"Trash", "Junk"} and m.internaldate < cutoff]
    assert result.archived == len(older) > 250
    assert seen
    with Catalog.open(config.archive_root(demo.dirs)) as catalog:
        assert catalog.stats("demo")[0] == len(older)
    assert str(demo.root) in str(config.archive_root(demo.dirs))
    with ArchiveSearcher(config.archive_root(demo.dirs)) as searcher:  # the word is in a PDF
        (hit,) = searcher.search("Pfändungsbeschluss").hits
    assert hit.subject == "Zwangsvollstreckungssache 12 M 345/22"
    assert hit.attachments == ("Beschluss_12_M_345-22.pdf",)


# Every search example of the documentation, each of which must find something in the demo.
DOCUMENTED_SEARCHES = {
    "README.md": [
        "from:meier pfändung date:2022 has:attachment",
        "subject:mahnung date:2023",  # restore --query
        "Pfändung", "pfaendung", "beschluss", "Pfändungsbeschluss",
    ],
    "docs/SEARCH.md": [
        "from:meier pfändung date:2022 has:attachment",
        "subject:mahnung OR subject:zahlungserinnerung",
        "beschluss",  # with --account office: the demo's account is "demo", see below
        # the table of the query language
        "pfändung", "rechnung", '"freundlichen Grüßen"', "pfänd*", "from:meier",
        "from:hans.meier@ag-berlin.example", "from:ag-berlin.example", "subject:mahnung",
        "attachment:pdf", 'attachment:"Beschluss 2022.pdf"', "inside:beschluss",
        'inside:"Amtsgericht Köln"', "has:attachment", "has:scan", "has:unreadable",
        "has:partial", "is:flagged", "is:unread", "is:seen", "is:answered", "is:draft",
        "is:forwarded", "folder:INBOX", 'folder:"Akten/2022"', "account:demo", "date:2022",
        "date:2022-03", "date:1.3.2022", "date:[2022-01-01 to 2022-06-30]", "date:<2022",
        "date:>=2023-07", "size:>5MB", "size:<200KB", "msgid:abc@example.org",
        # Not run: "a OR b" and the like (placeholders), "date:soon" and "size:>5XB" (shown
        # as refused), "account:office" (the demo's account is "demo").
    ],
    "docs/USER_GUIDE.md": [
        "Pfändung", "pfaendung", "beschluss", "from:meier", "subject:rechnung", "date:2022",
        "date:[1.3.2022 to 31.3.2022]", "size:>5MB", "has:attachment", "inside:beschluss",
        "has:scan", "has:unreadable",
    ],
    "docs/BENUTZERHANDBUCH.md": [
        "Pfändung", "pfaendung", "beschluss", "von:meier", "betreff:rechnung", "date:2022",
        "date:[1.3.2022 to 31.3.2022]", "size:>5MB", "has:attachment", "anhangtext:beschluss",
        "inside:beschluss", "has:scan", "has:unreadable",
    ],
    "archiver/cli/app.py (the demo's own hints)": ["rechnung", "folder:inbox"],
}  # fmt: skip


def test_every_documented_search_finds_something_in_the_demo(demo, mail):
    config = load_config(demo.dirs.config_file)
    account = config.account("demo")
    root = config.archive_root(demo.dirs)
    result = run_archive(
        account,
        get_password(account),
        root,
        ArchiveOptions(cutoff=NOW + dt.timedelta(days=1)),  # everything
        None,
        config.archive_format,
        report=lambda _: None,
        cancel=CancelToken(),
    )
    assert result.ok and not result.index_error
    empty = []
    with ArchiveSearcher(root) as searcher:
        for doc, queries in DOCUMENTED_SEARCHES.items():
            empty += [f"{doc}: {q}" for q in queries if not searcher.search(q).hits]
    assert empty == []


def test_stop_ends_the_server_and_removes_everything(mail):
    needs_dovecot()
    demo = DemoSession()
    demo.start(mail)
    assert demo.server is not None and demo.is_running
    process, server_dir = demo.server.process, demo.server.dir
    assert process is not None
    demo.stop()
    assert process.poll() is not None
    assert not demo.root.exists() and not server_dir.exists()
    assert not demo.is_running
    demo.stop()  # idempotent


def test_ctrl_c_during_the_stop_still_ends_the_server_and_removes_everything(mail, monkeypatch):
    """A second Ctrl-C (or the first, while a failed start is cleaned up) waits for the
    clean-up, then interrupts."""
    needs_dovecot()
    demo = DemoSession()
    demo.start(mail[:20])
    assert demo.server is not None
    process, server_dir = demo.server.process, demo.server.dir
    assert process is not None
    stop = DovecotServer.stop

    def interrupted_stop(server: DovecotServer, remove: bool = True) -> None:
        signal.raise_signal(signal.SIGINT)  # as the user presses Ctrl-C again
        stop(server, remove)

    monkeypatch.setattr(DovecotServer, "stop", interrupted_stop)
    # As in a terminal: a test runner started as a background job has Ctrl-C ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            demo.stop()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert process.poll() is not None
    assert not demo.root.exists() and not server_dir.exists()


# A demo session in a process of its own, which the tests then end in various ways.
DEMO_CHILD = """
import time
from archiver.demo import DemoSession
from archiver.demo.mail import generate_mail
demo = DemoSession()
demo.start(generate_mail()[:40])
print(demo.root, demo.server.dir, flush=True)
time.sleep(600)
"""


def _dovecot_pid(server_dir: Path) -> int:
    return int((server_dir / "run" / "master.pid").read_text().split()[0])


def _runs(pid: int) -> bool:
    """Whether *pid* runs (a zombie, whose parent was killed and not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_killed_demo_is_cleaned_up_at_the_next_start(private_tmpdir, monkeypatch):
    """SIGKILL runs no clean-up: the next demo stops the old Dovecot and removes its folders."""
    needs_dovecot()
    env = {**os.environ, "TMPDIR": str(private_tmpdir)}
    child = subprocess.Popen(
        [sys.executable, "-c", DEMO_CHILD], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        root, server_dir = map(Path, child.stdout.readline().split())
    finally:
        child.kill()  # SIGKILL
        child.wait(30)
    dovecot = _dovecot_pid(server_dir)
    assert root.exists() and server_dir.exists() and _runs(dovecot)

    monkeypatch.setattr(tempfile, "tempdir", str(private_tmpdir))
    with DemoSession() as demo:  # the next start
        assert not root.exists() and not server_dir.exists()
        assert not _runs(dovecot)
        assert list(private_tmpdir.iterdir()) == [demo.root]  # its own, held: left alone
        assert demo_session.remove_stale_demos() == []
    assert list(private_tmpdir.iterdir()) == []


# ``python -m archiver`` with Ctrl-C raising KeyboardInterrupt, as in a terminal: a test runner
# started as a background job has it ignored, and its children inherit that (Python leaves an
# ignored SIGINT ignored), so the demo would never hear the test's Ctrl-C.
CTRL_C_AS_IN_A_TERMINAL = """
import runpy, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.argv[0] = "imap-archiver"
runpy.run_module("archiver", run_name="__main__", alter_sys=True)
"""


@pytest.mark.gui
@pytest.mark.parametrize("signum", ["SIGTERM", "SIGINT"])
def test_a_demo_ended_by_a_signal_cleans_up(tmp_path, private_tmpdir, signum):
    """``imap-archiver demo`` ended by SIGTERM or Ctrl-C, while starting or once open."""
    needs_dovecot()
    pytest.importorskip("PySide6")
    env = {
        **os.environ,
        "IMAP_ARCHIVER_HOME": str(tmp_path / "user-home"),
        "QT_QPA_PLATFORM": "offscreen",
        "TMPDIR": str(private_tmpdir),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_AS_IN_A_TERMINAL, "demo"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    pids: list[Path] = []
    deadline = time.monotonic() + 60
    while not pids and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)  # polling another process's files: there is no event to wait for
        pids = list(private_tmpdir.glob("*-dovecot-*/run/master.pid"))
    assert pids, "the demo server did not start"
    dovecot = _dovecot_pid(pids[0].parent.parent)
    child.send_signal(getattr(signal, signum))
    try:
        _, err = child.communicate(timeout=60)
    finally:  # a failing test leaves neither the demo nor its server running
        if child.poll() is None:
            child.kill()
            child.wait()
        if _runs(dovecot):
            os.kill(dovecot, signal.SIGKILL)
    assert "Traceback" not in err
    assert list(private_tmpdir.iterdir()) == []
    assert not _runs(dovecot)


def test_mail_the_server_refuses_is_a_clear_error():
    needs_dovecot()
    bad = DemoMessage("Akten.2021", b"Subject: x\r\n\r\nx\r\n", NOW, ())  # "." is Maildir++'s
    with DemoSession() as demo, pytest.raises(ServerError, match="Could not fill the demo"):
        demo.start([bad])


def test_cli_demo_opens_the_app_on_the_demo_home(
    mail, user_home, keep_keyring, monkeypatch, capsys
):
    """``imap-archiver demo``: the app gets a started demo whose account archives; the
    user's own home is never created, and everything of the demo is gone afterwards."""
    needs_dovecot()
    seen: dict[str, object] = {}

    def fake_app_main(argv: list[str], demo: DemoSession) -> int:
        seen["root"] = demo.root
        config = load_config(demo.dirs.config_file)
        account = config.account("demo")
        result = run_archive(
            account,
            get_password(account),
            config.archive_root(demo.dirs),
            ArchiveOptions(cutoff=NOW - dt.timedelta(days=365)),
            None,
            "maildir",
            report=lambda _: None,
            cancel=CancelToken(),
        )
        seen["archived"] = result.archived
        seen["keyring"] = type(keyring.get_keyring()).__module__
        return 0

    real_import = importlib.import_module
    monkeypatch.setattr(
        importlib,
        "import_module",
        lambda name: (
            SimpleNamespace(main=fake_app_main) if name == "archiver.gui.app" else real_import(name)
        ),
    )
    monkeypatch.setattr(demo_session, "generate_mail", lambda: mail)
    assert main(["demo"]) == 0
    assert seen["archived"] > 250
    assert seen["keyring"] == "keyring.backends.fail"
    assert not Path(str(seen["root"])).exists()
    assert not user_home.exists()


def test_cli_demo_without_qt_serves_the_command_line(
    mail, user_home, keep_keyring, monkeypatch, capsys
):
    """Without Qt the demo says so and keeps serving; the printed commands work."""
    needs_dovecot()
    real_import = importlib.import_module

    def no_qt(name: str) -> object:
        if name == "archiver.gui.app":
            raise ModuleNotFoundError("No module named 'PySide6'", name="PySide6")
        return real_import(name)

    codes: list[int] = []

    def use_it_then_ctrl_c(demo: DemoSession) -> int:
        printed = capsys.readouterr()
        codes.append(0 if "the desktop app needs Qt (PySide6)" in printed.err else 1)
        home = printed.out.split("export IMAP_ARCHIVER_HOME=")[1].split()[0]
        assert Path(home) == demo.dirs.config.parent
        monkeypatch.setenv("IMAP_ARCHIVER_HOME", home)
        codes.append(main(["archive", "demo", "--older-than", "1y"]))
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib, "import_module", no_qt)
    monkeypatch.setattr(DemoSession, "wait", use_it_then_ctrl_c)
    monkeypatch.setattr(demo_session, "generate_mail", lambda: mail)
    assert main(["demo"]) == 0
    assert codes == [0, 0]  # said so, and the archive command worked
    assert "Traceback" not in capsys.readouterr().err
    assert not user_home.exists()


def test_cli_demo_without_qt_reports_a_dying_server(mail, keep_keyring, monkeypatch, capsys):
    needs_dovecot()
    real_import = importlib.import_module

    def no_qt(name: str) -> object:
        if name == "archiver.gui.app":
            raise ImportError("libEGL.so.1: cannot open shared object file")
        return real_import(name)

    monkeypatch.setattr(importlib, "import_module", no_qt)
    monkeypatch.setattr(DemoSession, "wait", lambda self: 89)
    monkeypatch.setattr(demo_session, "generate_mail", lambda: mail)
    assert main(["demo"]) == 1
    assert "the demo server stopped (exit code 89)" in capsys.readouterr().err


def test_cli_demo_without_dovecot_says_how_to_install_it(
    tmp_path, user_home, keep_keyring, monkeypatch, capsys
):
    monkeypatch.setattr(demo_session, "find_dovecot", lambda: None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    assert main(["demo"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"imap-archiver: error: {INSTALL_HINT}"
    assert "sudo apt-get install dovecot-imapd (Debian/Ubuntu)" in err
    assert "dnf install dovecot" in err and "brew install dovecot" in err
    assert "Traceback" not in err
    assert list((tmp_path / "tmp").iterdir()) == []  # the demo's home is gone again
    assert not user_home.exists()


# --- the server's failures ------------------------------------------------------------------


@pytest.fixture
def own_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temp dirs of the code under test go here, so that leftovers can be seen."""
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


@pytest.mark.skipif(
    sys.platform == "win32", reason="the private Dovecot is set up on Linux and macOS only"
)
def test_missing_openssl_is_a_clear_error(own_tempdir, monkeypatch):
    monkeypatch.setenv("PATH", str(own_tempdir))  # no openssl there
    with pytest.raises(ServerError, match="openssl is needed"):
        DovecotServer("/usr/sbin/dovecot")
    assert list(own_tempdir.iterdir()) == []


@pytest.mark.skipif(
    sys.platform == "win32", reason="the private Dovecot is set up on Linux and macOS only"
)
def test_failing_openssl_is_a_clear_error(own_tempdir, monkeypatch):
    def failing_openssl(cmd: list[str], **_: object) -> None:
        raise subprocess.CalledProcessError(1, cmd, stderr=b"req: noise\nunknown option\n")

    monkeypatch.setattr(server_module.subprocess, "run", failing_openssl)
    with pytest.raises(ServerError, match="openssl could not make a certificate: unknown opt"):
        DovecotServer("/usr/sbin/dovecot")
    assert list(own_tempdir.iterdir()) == []


@pytest.mark.skipif(
    sys.platform == "win32", reason="the private Dovecot is set up on Linux and macOS only"
)
def test_missing_system_users_are_a_clear_error(own_tempdir, monkeypatch):
    def no_such_user(name: str) -> object:
        raise KeyError(f"getpwnam(): name not found: {name!r}")

    monkeypatch.setattr(server_module.pwd, "getpwnam", no_such_user)
    with pytest.raises(ServerError, match="system users are missing"):
        DovecotServer("/usr/sbin/dovecot")
    assert list(own_tempdir.iterdir()) == []


def test_a_server_that_does_not_start_says_why():
    needs_dovecot()
    binary = find_dovecot()
    assert binary is not None
    server = DovecotServer(binary)
    server.config.write_text("no_such_setting = 1\n")
    try:
        with pytest.raises(ServerError, match=r"Dovecot failed to start:.*no_such_setting"):
            server.start(timeout=5)
        assert server.process is None
    finally:
        server.stop()
    assert not server.dir.exists()


# --- the app, as installed ------------------------------------------------------------------


@pytest.fixture
def private_tmpdir() -> Iterator[Path]:
    """A TMPDIR for a subprocess, outside pytest's private tree (Dovecot as root needs that)."""
    path = Path(tempfile.mkdtemp(prefix="imap-archiver-test-tmp-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _run_gui(args: list[str], home: Path, tmpdir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "IMAP_ARCHIVER_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "TMPDIR": str(tmpdir),
    }
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.gui
@pytest.mark.slow
def test_gui_demo_self_check_runs_headless_and_cleans_up(tmp_path, private_tmpdir):
    needs_dovecot()
    if not SCRIPT.exists():
        pytest.skip(f"the package is not installed beside {sys.executable}")
    home = tmp_path / "user-home"
    done = _run_gui([str(SCRIPT), "--demo", "--self-check"], home, private_tmpdir)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert not home.exists()  # the user's settings, archive and logs: untouched
    assert list(private_tmpdir.iterdir()) == []  # the demo's server and home: gone


@pytest.mark.gui
def test_gui_demo_without_dovecot_says_how_to_install_it(tmp_path, private_tmpdir):
    pytest.importorskip("PySide6")
    code = (
        "import sys, archiver.demo.session as s\n"
        "s.find_dovecot = lambda: None\n"
        "from archiver.gui.app import main\n"
        "sys.exit(main(['--demo', '--self-check']))\n"
    )
    home = tmp_path / "user-home"
    done = _run_gui([sys.executable, "-c", code], home, private_tmpdir)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"imap-archiver-gui: ERROR: {INSTALL_HINT}"]
    assert not home.exists()
    assert list(private_tmpdir.iterdir()) == []
