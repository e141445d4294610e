"""Bad input: huge and awkward messages, awkward folder names and many folders, under both
of Dovecot's layouts. Everything is archived, found, exported and restored byte for byte;
nothing is lost.
"""

from __future__ import annotations

import base64
import ctypes
import datetime as dt
import hashlib
import json
import logging
import mailbox
import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from archiver.cli import main
from archiver.core.accounts import Account, PasswordSource, Security
from archiver.core.catalog import Catalog, Record, State
from archiver.core.errors import AuthenticationError
from archiver.core.imap import open_session
from archiver.core.index.search import ArchiveSearcher
from archiver.core.jobs.export import export_eml, export_mbox
from archiver.core.jobs.restore import Login, RestoreOptions, run_restore
from archiver.core.paths import AppDirs
from archiver.core.progress import CancelToken
from archiver.core.secrets import Secret
from archiver.core.store.names import escape_segment, fold, split_folder
from archiver.core.store.reading import read_message
from tests.helpers.dovecot import DovecotServer, ImapUser, RemoteDovecot, session_server
from tests.helpers.fakeimap import FakeImapServer
from tests.helpers.mailgen import HARD_SHAPES, big_message, generate_message
from tests.helpers.shell import print_file
from tests.helpers.wine import IMAPLIB_LOGS, wine_gap
from tests.imap.test_archive import INFO, run, server_state
from tests.imap.test_export import mbox_messages

pytestmark = pytest.mark.imap

OLD = dt.datetime(2019, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
BIG = 50 * 1024 * 1024
MAX_RSS_MB = 250


def add_account(dovecot: DovecotServer, user: ImapUser, name: str, tmp_path: Path) -> None:
    """``account add NAME`` for *user*, its password read by a password command from a file."""
    secret = tmp_path / "pw"
    secret.write_text(user.password + "\n")
    assert main(["account", "add", name, *dovecot.account_args(user),
                 "--password-command", print_file(secret)]) == 0  # fmt: skip


def records(root: Path) -> list[Record]:
    with Catalog.open(root) as catalog:
        return catalog.records()


def restore_all(root: Path, account: Account, password: Secret):
    return run_restore(
        records(root),
        root,
        {account.name: Login(account, password)},
        RestoreOptions(),
        report=lambda _: None,
        cancel=CancelToken(),
    )


def served_multiset(dovecot: DovecotServer, user: ImapUser, folder: str = "INBOX") -> Counter:
    return Counter(data for data, _flags, _date in server_state(dovecot, user, folder).values())


# --- messages -------------------------------------------------------------------------------

CHILD = """
import ctypes, json, sys, datetime as dt
from pathlib import Path
from archiver.core.accounts import Account, Security
from archiver.core.catalog import Catalog
from archiver.core.jobs.archive import ArchiveOptions, run_archive
from archiver.core.jobs.export import export_eml, export_mbox
from archiver.core.jobs.restore import Login, RestoreOptions, run_restore
from archiver.core.progress import CancelToken
from archiver.core.secrets import Secret

a = json.loads(sys.argv[1])
root, out = Path(a["root"]), Path(a["out"])
account = Account(name="test", host=a["host"], port=a["port"], user=a["user"],
                  security=Security.SSL, cafile=Path(a["cafile"]))
password, quiet, cancel = Secret(a["password"]), (lambda _: None), CancelToken()
def rss():
    if sys.platform == "win32":  # the peak working set, from psapi
        class Counters(ctypes.Structure):
            _fields_ = [("cb", ctypes.c_uint32), ("faults", ctypes.c_uint32),
                        ("peak", ctypes.c_size_t), ("more", ctypes.c_size_t * 7)]
        counters = Counters(cb=ctypes.sizeof(Counters))
        ctypes.WinDLL("psapi").GetProcessMemoryInfo(ctypes.c_void_p(-1),
                                                    ctypes.byref(counters), counters.cb)
        return counters.peak / 2**20
    # VmHWM: this process image's peak RSS. ru_maxrss would carry the parent's peak over
    # fork and exec, hiding what the child itself needed.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
archived = run_archive(account, password, root, ArchiveOptions(cutoff=dt.datetime(2023, 1, 1,
    tzinfo=dt.UTC)), None, "maildir", report=quiet, cancel=cancel)
after_archive = rss()
with Catalog.open(root) as catalog:
    rows = catalog.records()
mbox = export_mbox(rows, root, out / "big.mbox", report=quiet, cancel=cancel)
eml = export_eml(rows, root, out / "eml", report=quiet, cancel=cancel)
after_export = rss()
restored = run_restore(rows, root, {"test": Login(account, password)}, RestoreOptions(),
                       report=quiet, cancel=cancel)
print(json.dumps({"archived": archived.to_dict(), "restored": restored.ok, "mbox": mbox.ok,
                  "eml": eml.ok, "rss_archive": after_archive, "rss_export": after_export,
                  "rss_restore": rss()}))
"""


@pytest.mark.slow
def test_50mb_message_round_trip_in_bounded_memory(dovecot, imap_user, tmp_path):
    raw = big_message(BIG, seed=7)
    assert len(raw) >= BIG
    with dovecot.client(imap_user) as client:
        client.append("INBOX", raw, msg_time=OLD)
    original = served_multiset(dovecot, imap_user)
    (served,) = original
    root, out = tmp_path / "archive", tmp_path / "out"
    out.mkdir()
    args = {"root": str(root), "out": str(out), "host": dovecot.host, "port": dovecot.ssl_port,
            "user": imap_user.name, "password": imap_user.password,
            "cafile": str(dovecot.cafile)}  # fmt: skip
    del raw  # the parent's copies are not the child's memory, but keep this process small

    child = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert child.returncode == 0, child.stderr
    summary = json.loads(child.stdout.splitlines()[-1])
    print(
        f"50 MB message: peak RSS {summary['rss_archive']:.0f} MB after archive, "
        f"{summary['rss_export']:.0f} MB after export, "
        f"{summary['rss_restore']:.0f} MB after restore"
    )
    assert summary["archived"]["archived"] == summary["archived"]["deleted"] == 1
    assert summary["restored"] and summary["mbox"] and summary["eml"]
    # Archive spools and indexes a thinned copy; export and restore hold a few copies.
    assert summary["rss_export"] < MAX_RSS_MB
    assert summary["rss_restore"] < MAX_RSS_MB
    assert served_multiset(dovecot, imap_user) == original  # restored byte for byte
    (row,) = records(root)
    assert row.size == len(served) and row.sha256 == hashlib.sha256(served).hexdigest()
    assert mbox_messages(out / "big.mbox", [row.size]) == [served]
    (eml,) = (out / "eml").iterdir()
    assert eml.read_bytes() == served


MINIMAL = b"Subject: minimal\r\n\r\n"  # Dovecot refuses a zero-byte message; this is the least
LONG_LINE = b"Subject: one long line\r\n\r\n" + b"Lang " * 400_000  # 2 MB, no line end at all
SHAPES = {
    **{name: shape(11) for name, shape in HARD_SHAPES.items()},
    "minimal": MINIMAL,
    "2 MB in one line": LONG_LINE,
}


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_awkward_messages_archived_found_exported_restored(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    names = list(SHAPES)
    with dovecot.client(imap_user) as client:
        for day, name in enumerate(names):  # one INTERNALDATE a day: the order is known
            client.append("INBOX", SHAPES[name], msg_time=OLD + dt.timedelta(days=day))
    original = server_state(dovecot, imap_user)
    served = [original[uid][0] for uid in sorted(original)]
    assert served[names.index("nul_byte")].count(b"\x80") == 1  # Dovecot's NUL, as it serves it
    root = tmp_path / "archive"

    archived = run(account, password, root, fmt=fmt)

    assert archived.ok and archived.archived == archived.deleted == len(names)
    if fmt == "maildir":  # the names on disk: "...;2,S" on Windows, "...:2,S" elsewhere
        on_disk = [p.name for p in (root / "test" / "cur").iterdir()]
        assert len(on_disk) == len(names) and all(INFO in name for name in on_disk), on_disk
    rows = sorted(records(root), key=lambda r: r.uid)
    assert [read_message(root, r) for r in rows] == served
    # Found: each by the date it is indexed under, and by a word of its subject.
    with ArchiveSearcher(root) as searcher:
        hits = {h.id: h for h in searcher.search("folder:INBOX", limit=None).hits}
        assert sorted(hits) == sorted(r.id for r in rows)
        for row in rows:
            hit = hits[row.id]
            by_date = searcher.search(f"date:{hit.date:%Y-%m-%d}", limit=None).hits
            assert row.id in {h.id for h in by_date}, (names[row.uid - 1], hit.date)
            words = re.findall(r"[^\W\d_]{4,}", hit.subject)
            if words:
                found = searcher.search(words[-1], limit=None).hits
                assert row.id in {h.id for h in found}, (names[row.uid - 1], words[-1])
    # Exported byte for byte.
    out = tmp_path / "out"
    out.mkdir()
    assert export_mbox(rows, root, out / "all.mbox", report=lambda _: None, cancel=CancelToken()).ok
    assert mbox_messages(out / "all.mbox", [r.size for r in rows]) == served
    assert export_eml(rows, root, out / "eml", report=lambda _: None, cancel=CancelToken()).ok
    assert Counter(p.read_bytes() for p in (out / "eml").iterdir()) == Counter(served)
    # Restored byte for byte, with flags and dates.
    assert not server_state(dovecot, imap_user)

    restored = restore_all(root, account, password)

    assert restored.ok, restored.to_dict()
    again = server_state(dovecot, imap_user)
    assert sorted((d, w.timestamp()) for d, _f, w in again.values()) == sorted(
        (d, w.timestamp()) for d, _f, w in original.values()
    )


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_zero_byte_message_is_archived_and_exported(tmp_path, fmt):
    # Only a server other than Dovecot (which refuses them) can hold a zero-byte message.
    with FakeImapServer({"INBOX": [b"", MINIMAL]}) as server:
        fake = Account(
            name="fake",
            host=server.host,
            port=server.port,
            user="u",
            security=Security.PLAIN,
            password_source=PasswordSource.PROMPT,
        )
        result = run(fake, Secret("p"), tmp_path / "archive", fmt=fmt)
        assert result.ok and result.deleted == 2, result.to_dict()
    root = tmp_path / "archive"
    rows = records(root)
    assert [r.size for r in rows] == [0, len(MINIMAL)]
    assert all(r.state is State.VERIFIED for r in rows)
    assert [read_message(root, r) for r in rows] == [b"", MINIMAL]
    out = tmp_path / "out"
    out.mkdir()
    assert export_eml(rows, root, out / "eml", report=lambda _: None, cancel=CancelToken()).ok
    assert sorted(p.read_bytes() for p in (out / "eml").iterdir()) == [b"", MINIMAL]


# --- folder names ---------------------------------------------------------------------------

AWKWARD_NAMES = [
    "Gelöschte Elemente",
    "Büro & Co",
    "&",
    "&-",
    "&Jg-",  # looks like modified UTF-7 itself
    "Tom&Jerry",
    "  two leading spaces",
    "trailing space ",
    "日本語/한국어/עברית",
    "a:b\\c",
    "100% sicher",
    "/".join(f"Ebene {level:02d}" for level in range(20)),  # 20 levels deep
]


def folder_records(root: Path) -> dict[str, Record]:
    return {r.folder: r for r in records(root)}


def archive_and_restore_folders(
    server: DovecotServer, user: ImapUser, account: Account, password: Secret, root: Path,
    names: list[str], fmt: str = "maildir",
) -> None:  # fmt: skip
    """Archive one message from each of *names*, remove the folders, restore them all."""
    raws = {name: generate_message(i) for i, name in enumerate(names)}
    with server.client(user) as client:
        for name in names:
            client.create_folder(name)
            client.append(name, raws[name], msg_time=OLD)
    served = {name: served_multiset(server, user, name) for name in names}

    archived = run(account, password, root, fmt=fmt, folders=tuple(names))

    assert archived.ok and archived.archived == archived.deleted == len(names), archived.to_dict()
    by_folder = folder_records(root)
    assert sorted(by_folder) == sorted(names)
    for name in names:
        assert Counter([read_message(root, by_folder[name])]) == served[name]
    # Each name has a folder (or mbox file) of its own in the archive, below the account's tree.
    places = {by_folder[name].location.path.rsplit("/cur/", 1)[0] for name in names}
    assert len(places) == len(names)
    assert len({fold(place) for place in places}) == len(names)  # also where case folds
    # normpath, not resolve(): Wine cannot resolve paths past 260 characters (WinError 234).
    tree = Path(os.path.normpath(root / "test"))
    for place in places:
        assert Path(os.path.normpath(root / place)).is_relative_to(tree)
    if fmt == "maildir":
        box = mailbox.Maildir(root / "test", create=False)
        assert sum(len(box.get_folder(f)) for f in box.list_folders()) == len(names)
    with server.client(user) as client:
        for name in sorted(names, key=len, reverse=True):  # children before parents
            if client.folder_exists(name):
                client.delete_folder(name)

    restored = restore_all(root, account, password)

    assert restored.ok, restored.to_dict()
    for name in names:
        assert served_multiset(server, user, name) == served[name], name


def test_awkward_folder_names_maildirplusplus(dovecot, imap_user, account, password, tmp_path):
    archive_and_restore_folders(
        dovecot, imap_user, account, password, tmp_path / "archive", AWKWARD_NAMES
    )
    mapped = {"/".join(map(escape_segment, split_folder(n, "/"))) for n in AWKWARD_NAMES}
    assert "a%3Ab%5Cc" in mapped and "100%25 sicher" in mapped


FS_NAMES = {
    "/": [
        "v1.2 Release",
        "a.b/c.d",
        ".hidden",
        "trailing.",
        "a%2Eb",  # must not meet "a.b" in the archive
        "Büro & Co./Ärger.2019",
        "&Jg-.&",
        "/".join(f"Tiefe.{level}" for level in range(20)),
        # Windows refuses or folds these: each must still get a folder of its own.
        "Akten",
        "akten",
        "AKTEN/CON",
        "nul.txt",
        "Frage?",
        'Zitat "x" <y>|z',
        "Ende. ",
    ],
    ".": [
        "v1.2 Release",
        "Büro & Co.Ärger 2019",
        "&Jg-",
        "a%2Eb",  # ("a/b" Dovecot refuses here: "/" is its storage separator)
        ".".join(f"Tiefe {level}" for level in range(20)),
    ],
}


@pytest.fixture(scope="module", params=["fs-slash", "fs-dot"])
def fs_dovecot(request) -> Iterator[DovecotServer | RemoteDovecot]:
    """A second Dovecot whose folders are nested directories (dots allowed in names)."""
    with session_server(request.param) as server:  # its separator: "/" or "."
        yield server


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_awkward_folder_names_fs_layout(fs_dovecot, tmp_path, fmt):
    user = fs_dovecot.add_user()
    account = Account(
        name="test",
        host=fs_dovecot.host,
        port=fs_dovecot.ssl_port,
        user=user.name,
        cafile=fs_dovecot.cafile,
    )
    names = FS_NAMES[fs_dovecot.separator]
    archive_and_restore_folders(
        fs_dovecot, user, account, Secret(user.password), tmp_path / "archive", names, fmt
    )


@pytest.mark.slow
def test_a_thousand_folders(dovecot, imap_user, account, password, tmp_path):
    names = [f"Projekte/P{i:04d}" for i in range(1000)]
    with dovecot.client(imap_user) as client:
        for i, name in enumerate(names):
            client.create_folder(name)
            client.append(name, generate_message(i), msg_time=OLD)

    result = run(account, password, tmp_path)

    assert result.ok and result.closes
    assert result.archived == result.deleted == 1000
    rows = records(tmp_path)
    assert sorted(r.folder for r in rows) == names
    assert all(r.state is State.VERIFIED for r in rows)
    box = mailbox.Maildir(tmp_path / "test", create=False)
    assert len(box.list_folders()) == 1000


@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.archive",
    r"^Account test: archive stopped: Cannot write the archive while writing Übergeordnete",
)
@wine_gap("a name longer than 255 characters fails as 'file not found', not as too long (206)")
def test_folder_name_too_long_for_the_archive_is_a_clear_error(fs_dovecot, tmp_path):
    # Valid on the server (a directory per level), but one Maildir++ directory here: longer
    # than a file name may be (255 bytes).
    user = fs_dovecot.add_user()
    deep = fs_dovecot.separator.join(f"Übergeordnete Ebene {level:02d}" for level in range(20))
    with fs_dovecot.client(user) as client:
        for name in ("INBOX", deep):
            if name != "INBOX":
                client.create_folder(name)
            client.append(name, generate_message(len(name)), msg_time=OLD)
    account = Account(
        name="test",
        host=fs_dovecot.host,
        port=fs_dovecot.ssl_port,
        user=user.name,
        cafile=fs_dovecot.cafile,
    )

    result = run(account, Secret(user.password), tmp_path)

    assert result.error and "Cannot write the archive while writing" in result.error
    assert "longer than the archive's file system allows" in result.error
    assert result.deleted == 0 and result.closes
    assert all(r.state is State.VERIFIED for r in records(tmp_path))
    with fs_dovecot.client(user) as client:
        for name in ("INBOX", deep):
            assert client.folder_status(name, [b"MESSAGES"])[b"MESSAGES"] == 1


# --- passwords beyond ASCII -----------------------------------------------------------------


@pytest.fixture
def utf8_user(dovecot: DovecotServer) -> ImapUser:
    """A fresh user whose password has umlauts and an emoji."""
    user = dovecot.add_user(utf8_password=True)
    assert not user.password.isascii()
    return user


def test_a_utf8_password_logs_in_and_stays_out_of_every_log(
    dovecot, utf8_user, home, tmp_path, capsys
):
    """AUTHENTICATE PLAIN (Dovecot offers it) carries the password as UTF-8; the verbose
    wire log holds neither the password nor its base64 form."""
    with dovecot.client(utf8_user) as client:
        client.append("INBOX", generate_message(1), msg_time=OLD)
    secret = tmp_path / "pw"
    secret.write_text(utf8_user.password + "\n", encoding="utf-8")
    add = ["account", "add", "office", *dovecot.account_args(utf8_user)]
    outputs = []
    for command in (
        [*add, "--password-command", print_file(secret)],
        ["-v", "account", "test", "office"],
        ["-v", "archive", "office", "--before", "2030-01-01"],
    ):
        assert main(command) == 0, (command, capsys.readouterr())
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
    assert served_multiset(dovecot, utf8_user) == Counter()  # archived, so it logged in
    if IMAPLIB_LOGS:  # the wire log is there to search
        assert "AUTHENTICATE" in "".join(p.read_text() for p in home.logs.iterdir())
    plain = f"\0{utf8_user.name}\0{utf8_user.password}".encode()
    hidden = [utf8_user.password.encode(), base64.b64encode(plain)]
    written = [p for p in home.config_file.parent.parent.rglob("*") if p.is_file()]
    for content in [p.read_bytes() for p in written] + [o.encode() for o in outputs]:
        assert not any(h in content for h in hidden)


def test_a_utf8_password_logs_in_with_login_where_plain_is_not_offered(
    dovecot, utf8_user, monkeypatch
):
    """A server without AUTH=PLAIN gets LOGIN with the password as a UTF-8 literal."""
    # Our Dovecot offers AUTH=PLAIN to every user: hide it, as a server without it would.
    offered = IMAPClient.has_capability
    monkeypatch.setattr(
        IMAPClient, "has_capability", lambda c, name: name != "AUTH=PLAIN" and offered(c, name)
    )
    account = dovecot.account(utf8_user)
    sent: list[str] = []
    login = IMAPClient.login
    monkeypatch.setattr(IMAPClient, "login", lambda c, *a: sent.append("login") or login(c, *a))

    with open_session(account, Secret(utf8_user.password)) as session:
        assert session.count_messages("INBOX") == 0

    assert sent == []  # imaplib's LOGIN (ASCII only) was not used
    with pytest.raises(AuthenticationError, match="login failed"):
        open_session(account, Secret(utf8_user.password + "x")).__enter__()


def test_a_wrong_utf8_password_is_refused_clearly(dovecot, imap_user, capsys, home, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("fälsch-😀\n", encoding="utf-8")
    add = ["account", "add", "office", *dovecot.account_args(imap_user),
           "--password-command", print_file(secret)]  # fmt: skip
    assert main(add) == 1  # its connection test fails the same way: nothing is saved
    err = capsys.readouterr().err
    assert "login failed for user" in err and "internal error" not in err
    assert main([*add, "--no-test"]) == 0
    capsys.readouterr()

    assert main(["account", "test", "office"]) == 1

    err = capsys.readouterr().err
    assert "login failed for user" in err and "internal error" not in err


# --- dates at the ends of the calendar -------------------------------------------------------


def test_cut_off_days_at_the_ends_of_the_calendar(dovecot, imap_user, home, tmp_path, capsys):
    with dovecot.client(imap_user) as client:
        client.append("INBOX", generate_message(1), msg_time=OLD)
    add_account(dovecot, imap_user, "office", tmp_path)

    for before, archived in [("0001-01-01", 0), ("9999-12-31", 1)]:
        capsys.readouterr()
        assert main(["archive", "office", "--before", before, "--json"]) == 0, before
        result = json.loads(capsys.readouterr().out)
        assert (result["archived"], result["deleted"]) == (archived, archived), before
    assert main(["search", "--json", "date:[0001-01-01 to 9999-12-31]"]) == 0


# --- the archive: closed pipes, read-only media, full disks ---------------------------------


@pytest.fixture
def archived_home(dovecot, imap_user, account, password, home) -> AppDirs:
    """An app home whose archive holds five messages (archived, indexed, verified)."""
    with dovecot.client(imap_user) as client:
        for i in range(5):
            client.append("INBOX", generate_message(i), msg_time=OLD)
    result = run(account, password, home.archive)
    assert result.ok and result.archived == 5
    return home


@pytest.mark.parametrize(
    "command",
    [["search", "--json", "folder:inbox"], ["search", "folder:inbox"], ["show", "--raw", "1"]],
    ids=["search-json", "search", "show"],
)
def test_a_reader_that_goes_away_ends_the_output_quietly(archived_home, command):
    """``imap-archiver search … | head``: the pipe closes before the results are written."""
    child = subprocess.Popen(
        [sys.executable, "-m", "archiver", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "IMAP_ARCHIVER_HOME": str(archived_home.config.parent)},
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # as head does once it has its lines: every write now fails
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 1
    assert err == ""  # no traceback, no "internal error", no "Exception ignored"


PR_CAPBSET_DROP = 24
# CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER: root's powers over files
# it does not own, whatever their modes say.
FILE_POWERS = (0, 1, 2, 3)


def _without_root_file_powers() -> None:
    """In the child before exec: drop root's powers over others' files for good.

    Dropped from the bounding set, they are not regained by exec; the child stays root for
    its own files (its home, the log), but meets the archive as read-only media.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    for power in FILE_POWERS:
        if libc.prctl(PR_CAPBSET_DROP, power, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def make_read_only(root: Path, owner: int) -> None:
    """Give every file and folder below *root* to *owner*, without write permission."""
    for path in [root, *root.rglob("*")]:
        os.chown(path, owner, owner, follow_symlinks=False)
        if not path.is_symlink():
            path.chmod(0o555 if path.is_dir() else 0o444)


def tree(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else None
            for p in root.rglob("*")}  # fmt: skip


APP_SEARCH = """
import sys
from pathlib import Path
from archiver.core.progress import CancelToken
from archiver.core.message_view import load_message
from archiver.gui.pages.search_jobs import SearchRequest, search_archive
root = Path(sys.argv[1])
found = search_archive(
    root, SearchRequest("folder:inbox"), True, report=print, cancel=CancelToken()
)
shown = load_message(root, found.hits[0].id, report=print, cancel=CancelToken())
print(len(found.hits), bool(shown.subject))
"""


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="makes the archive read-only media by handing it to another user, which needs root "
    "(CI runs as root); as its owner, a user could make it writable again",
)
def test_a_read_only_archive_is_searched_shown_and_exported_but_not_changed(
    dovecot, imap_user, archived_home, tmp_path
):
    """A backup on read-only media: a folder the command may read but neither write nor
    chmod. Root ignores permissions, so the commands run as root without its powers over
    files it does not own; the archive belongs to nobody (uid 65534)."""
    add_account(dovecot, imap_user, "test", tmp_path)
    archive = archived_home.archive
    (archive / "catalog.sqlite3-wal").unlink(missing_ok=True)  # as a closed catalog leaves it
    (archive / "catalog.sqlite3-shm").unlink(missing_ok=True)
    make_read_only(archive, 65534)
    before = tree(archive)
    out = tmp_path / "out"
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(archived_home.config.parent)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return cli_python("-m", "archiver", *args)

    def cli_python(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            env=env,
            preexec_fn=_without_root_file_powers,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    try:
        found = cli("search", "--json", "folder:inbox")
        assert found.returncode == 0, found.stderr
        assert len(found.stdout.splitlines()) == 5 and found.stderr == ""
        shown = cli("show", "1")
        assert shown.returncode == 0 and "Subject:" in shown.stdout, shown.stderr
        exported = cli("export", "--query", "folder:inbox", "--eml-dir", str(out))
        assert exported.returncode == 0, exported.stderr
        assert len(list(out.iterdir())) == 5
        status = cli()
        assert status.returncode == 0 and "5 messages" in status.stdout, status.stderr
        checked = cli("verify")  # a backup is checked where it lies
        assert checked.returncode == 0 and "all intact" in checked.stdout, checked.stderr
        app = cli_python("-c", APP_SEARCH, str(archive))  # the app's search job and message view
        assert app.returncode == 0 and app.stdout.split() == ["5", "True"], app.stderr
        for command in (
            ["archive", "test", "--before", "2030-01-01"],
            ["restore", "--query", "folder:inbox"],
            ["reindex"],
            ["verify", "--repair"],
        ):
            refused = cli(*command)
            assert refused.returncode == 1, command
            assert refused.stderr == (
                f"imap-archiver: error: The archive at {archive} is read-only (read-only media, "
                "or no permission to write there); it can be searched, shown and exported, but "
                "not changed.\n"
            ), command
        assert tree(archive) == before
    finally:
        make_read_only(archive, 0)
        for path in [archive, *archive.rglob("*")]:
            path.chmod(0o700 if path.is_dir() else 0o600)


@pytest.mark.expect_log(
    "ERROR", "archiver.core.jobs.archive", "archive stopped: The archive disk is full"
)
def test_a_full_disk_while_writing_the_catalog_stops_the_run_and_deletes_nothing(
    dovecot, imap_user, account, password, tmp_path, monkeypatch, caplog
):
    with dovecot.client(imap_user) as client:
        for i in range(40):
            client.append("INBOX", generate_message(i), msg_time=OLD)
    original = served_multiset(dovecot, imap_user)
    root = tmp_path / "archive"
    root.mkdir()
    Catalog.open(root).close()  # the empty catalog
    # The disk fills up: SQLite may not grow the file by one page more (its own "database
    # or disk is full", as when the file system refuses).
    connect = sqlite3.connect

    def full_disk(*args, **kwargs):
        db = connect(*args, **kwargs)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages}")
        return db

    monkeypatch.setattr(sqlite3, "connect", full_disk)

    result = run(account, password, root)

    assert result.error is not None and result.error.startswith(
        f"The archive disk is full: the catalog {root / 'catalog.sqlite3'} cannot be written."
    ), result.error
    assert result.deleted == 0 and result.archived == 0
    assert served_multiset(dovecot, imap_user) == original
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warned == [f"Account test: archive stopped: {result.error}"]
    monkeypatch.undo()
    assert records(root) == []


@pytest.mark.skipif(
    sys.platform == "win32",
    reason="the 512-byte path limit is SQLite's POSIX file layer's; on Windows it opens this path",
)
def test_an_archive_path_too_long_for_sqlite_is_a_clear_error(
    dovecot, imap_user, home, tmp_path, capsys
):
    with dovecot.client(imap_user) as client:
        client.append("INBOX", generate_message(1), msg_time=OLD)
    add_account(dovecot, imap_user, "office", tmp_path)
    deep = tmp_path.joinpath(*[f"Ablage {level:02d} " + "x" * 40 for level in range(12)])
    config = json.loads(home.config_file.read_text())
    home.config_file.write_text(json.dumps({**config, "archive_dir": str(deep)}))
    capsys.readouterr()

    assert main(["archive", "office", "--before", "2030-01-01"]) == 1

    err = capsys.readouterr().err
    assert err.startswith(f"imap-archiver: error: Cannot open the catalog {deep}/catalog.sqlite3: ")
    assert "more than SQLite can open. Choose an archive folder with a shorter path.\n" in err
    assert served_multiset(dovecot, imap_user) != Counter()  # nothing left the server
