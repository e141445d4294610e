"""Bad input: huge and awkward messages, awkward folder names and many folders, under both
of Dovecot's layouts. Everything is archived, found, exported and restored byte for byte;
nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mailbox
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from archiver.core.accounts import Account, PasswordSource, Security
from archiver.core.catalog import Catalog, Record, State
from archiver.core.index.search import ArchiveSearcher
from archiver.core.jobs.export import export_eml, export_mbox
from archiver.core.jobs.restore import Login, RestoreOptions, run_restore
from archiver.core.progress import CancelToken
from archiver.core.secrets import Secret
from archiver.core.store.base import folder_segments
from archiver.core.store.reading import read_message
from tests.helpers.dovecot import DovecotServer, ImapUser, find_dovecot
from tests.helpers.fakeimap import FakeImapServer
from tests.helpers.mailgen import HARD_SHAPES, big_message, generate_message
from tests.imap.test_archive import run, server_state
from tests.imap.test_export import mbox_messages

pytestmark = pytest.mark.imap

OLD = dt.datetime(2019, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
BIG = 50 * 1024 * 1024
MAX_RSS_MB = 250


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
import json, resource, sys, datetime as dt
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
    # VmHWM: this process image's peak RSS. ru_maxrss would carry the parent's peak over
    # fork and exec, hiding what the child itself needed.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
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
    names: list[str],
) -> None:  # fmt: skip
    """Archive one message from each of *names*, remove the folders, restore them all."""
    raws = {name: generate_message(i) for i, name in enumerate(names)}
    with server.client(user) as client:
        for name in names:
            client.create_folder(name)
            client.append(name, raws[name], msg_time=OLD)
    served = {name: served_multiset(server, user, name) for name in names}

    archived = run(account, password, root, folders=tuple(names))

    assert archived.ok and archived.archived == archived.deleted == len(names), archived.to_dict()
    by_folder = folder_records(root)
    assert sorted(by_folder) == sorted(names)
    for name in names:
        assert Counter([read_message(root, by_folder[name])]) == served[name]
    # Each name has a folder of its own in the archive, below the account's tree.
    places = {by_folder[name].location.path.rsplit("/cur/", 1)[0] for name in names}
    assert len(places) == len(names)
    tree = (root / "test").resolve()
    for place in places:
        assert (root / place).resolve().is_relative_to(tree)
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
    mapped = {"/".join(folder_segments(n, "/")) for n in AWKWARD_NAMES}
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
    ],
    ".": [
        "v1.2 Release",
        "Büro & Co.Ärger 2019",
        "&Jg-",
        "a%2Eb",  # ("a/b" Dovecot refuses here: "/" is its storage separator)
        ".".join(f"Tiefe {level}" for level in range(20)),
    ],
}


@pytest.fixture(scope="module", params=["/", "."], ids=["fs-slash", "fs-dot"])
def fs_dovecot(request) -> Iterator[DovecotServer]:
    """A second Dovecot whose folders are nested directories (dots allowed in names)."""
    binary = find_dovecot()
    if binary is None:
        pytest.skip("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    server = DovecotServer(binary, layout="fs", separator=request.param)
    server.start()
    yield server
    server.stop()


def test_awkward_folder_names_fs_layout(fs_dovecot, tmp_path):
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
        fs_dovecot, user, account, Secret(user.password), tmp_path / "archive", names
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
    assert "File name too long" in result.error
    assert result.deleted == 0 and result.closes
    assert all(r.state is State.VERIFIED for r in records(tmp_path))
    with fs_dovecot.client(user) as client:
        for name in ("INBOX", deep):
            assert client.folder_status(name, [b"MESSAGES"])[b"MESSAGES"] == 1
