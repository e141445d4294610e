"""Importing old mail from files, as a user runs it: every kind of source, exact, searchable,
restorable to the server, never twice, sources untouched, and a killed import resumed."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.core.catalog import Catalog
from archiver.core.message import imap_form
from archiver.core.store.reading import read_message
from tests.helpers.corpus import corpus_files
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import HARD_SHAPES, generate_mailbox, generate_message
from tests.helpers.mailsources import (
    Expected,
    eml_folder,
    maildir,
    mboxcl2,
    mboxrd,
    snapshot,
    thunderbird_profile,
    to_lf,
)
from tests.helpers.outlook import ARRIVED, SENT, items, write_msg, write_test_pst
from tests.helpers.shell import print_file
from tests.imap.test_archive import server_state

pytestmark = pytest.mark.imap

ROOT = Path(__file__).resolve().parents[2]
OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
# The command line in a child process; PYTHONPATH alone does not reach an embedded Windows
# Python (its ._pth file), so the checkout goes on the path here.
RUN_CLI = (
    f"import sys; sys.path.insert(0, {str(ROOT)!r}); from archiver.cli import main; "
    "sys.exit(main(sys.argv[1:]))"
)
STATUS = re.compile(rb"^(x-)?(mozilla-)?status:", re.I | re.M)


@pytest.fixture
def office(dovecot, imap_user, home, tmp_path, capsys) -> str:
    """An account 'office' whose password comes from a password command."""
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    code = main(["account", "add", "office", *dovecot.account_args(imap_user),
                 "--password-command", print_file(secret)])  # fmt: skip
    assert code == 0
    capsys.readouterr()
    return "office"


def build_sources(root: Path) -> tuple[list[Path], list[Expected]]:
    """One source of each kind, the hard shapes (and the corpus, where present) in mbox
    files of each dialect."""
    profile, expected = thunderbird_profile(root / "Thunderbird")
    expected += maildir(root / "Maildir", [generate_message(100 + i) for i in range(4)])
    expected += eml_folder(root / "Export", [generate_message(200 + i) for i in range(6)])
    # NUL bytes: IMAP cannot carry them, Dovecot turns them into 0x80 (the unit tests read
    # them); no final line break: see tests/unit/test_import_readers.py.
    left_out = ("trailing_no_newline", "nul_byte")
    shapes = [make(5) for name, make in HARD_SHAPES.items() if name not in left_out]
    shapes += [p.read_bytes() for p in corpus_files()[:40]]
    # Status headers would give flags (tested in tests/unit/test_import_readers.py).
    shapes = [
        raw for raw in shapes if raw.endswith(b"\n") and not STATUS.search(raw) and b"\0" not in raw
    ]
    (root / "rd.mbox").write_bytes(mboxrd([to_lf(raw) for raw in shapes]))
    expected += [Expected(to_lf(raw), "rd") for raw in shapes]
    crlf = [generate_message(300 + i) for i in range(3)]
    (root / "crlf.mbox").write_bytes(mboxrd(crlf, b"\r\n"))
    expected += [Expected(raw, "crlf") for raw in crlf]
    content, stored = mboxcl2([generate_message(400 + i) for i in range(3)], b"\r\n")
    (root / "cl2").write_bytes(content)
    expected += [Expected(raw, "cl2") for raw in stored]
    return [profile, root / "Maildir", root / "Export", *sorted(root.glob("*.mbox")),
            root / "cl2"], expected  # fmt: skip


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def imported(home_archive: Path) -> list[tuple[bytes, str, tuple[str, ...]]]:
    with Catalog.open(home_archive) as catalog:
        return sorted(
            (read_message(home_archive, r), r.folder, r.flags)
            for r in catalog.records("office")
            if r.uidvalidity == 0
        )


def test_import_is_exact_searchable_restorable_and_idempotent(
    office, dovecot, imap_user, home, tmp_path, capsys
):
    paths, expected = build_sources(tmp_path / "src")
    before = snapshot(tmp_path / "src")
    args = ["import", office, *map(str, paths)]

    code, plan = run_json(capsys, *args, "--dry-run")
    assert code == 0 and plan["imported"] == len(expected) and plan["skipped"] == 1
    assert {f["folder"] for f in plan["folders"]} >= {
        "Imported/Local Folders/Inbox",
        "Imported/Maildir",
        "Imported/rd",
    }
    assert [n["path"] for n in plan["not_imported"]] == [
        str(paths[0] / "ImapMail" / "imap.example.org")
    ]
    assert not (home.archive / "office").exists()

    code, done = run_json(capsys, *args)
    assert code == 0, done
    assert (done["imported"], done["indexed"], done["unreadable"]) == (len(expected),) * 2 + (0,)
    want = sorted((e.data, f"Imported/{e.folder}", e.flags) for e in expected)
    assert imported(home.archive) == want

    code, again = run_json(capsys, *args)
    assert (code, again["imported"], again["already"]) == (0, 0, len(expected))
    assert imported(home.archive) == want
    assert snapshot(tmp_path / "src") == before

    # Searchable like archived mail.
    assert main(["search", "markiert", "--json"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [h["folder"] for h in hits] == ["Imported/Local Folders/Archives/2019"]

    # Restorable into a folder of its own name, with the server's delimiter.
    assert main(["restore", "--query", "folder:2019", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["restored"] == 3  # and Q1, Sent/2019
    sep = dovecot.separator
    flagged = server_state(dovecot, imap_user, f"Imported{sep}Local Folders{sep}Archives{sep}2019")
    assert [data for data, _, _ in flagged.values()] == [
        imap_form(e.data) for e in expected if e.folder == "Local Folders/Archives/2019"
    ]

    # Restorable: "upload my old folders" is import, then restore with --to-folder.
    assert main(["restore", "--query", "folder:imported", "--to-folder", "Alt", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["restored"] == len(expected), result
    on_server = sorted(
        (data, frozenset(f.lower() for f in flags if f != b"\\Recent"))
        for data, flags, _ in server_state(dovecot, imap_user, "Alt").values()
    )
    # Byte for byte; messages with LF line ends travel (and are stored) in CRLF form.
    assert on_server == sorted(
        (imap_form(data), frozenset(f.lower().encode() for f in flags)) for data, _, flags in want
    )
    assert sum(1 for data, _, _ in want if imap_form(data) == data) > 10  # CRLF ones as they are


def test_message_archived_from_the_server_is_a_duplicate(
    office, dovecot, imap_user, home, tmp_path, capsys
):
    raws = [generate_message(i) for i in range(3)]
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", raws, OLD)
    code, archived = run_json(capsys, "archive", office, "--older-than", "1y")
    assert code == 0 and archived["archived"] == 3
    (tmp_path / "old").mkdir()
    for i, raw in enumerate([*raws[:2], generate_message(9)]):
        (tmp_path / "old" / f"Mail {i}.eml").write_bytes(raw)
    code, result = run_json(capsys, "import", office, str(tmp_path / "old"))
    assert (code, result["imported"], result["duplicates"]) == (0, 1, 2)
    with Catalog.open(home.archive) as catalog:
        records = catalog.records("office")
        places = catalog.import_sources("office")
    assert len(records) == 4  # three from the server, one imported
    server_ids = {r.id for r in records if r.folder == "INBOX"}
    assert sum(1 for row_id, _, _ in places if row_id in server_ids) == 2


def test_killed_import_resumes_without_loss_or_duplicates(office, home, tmp_path, capsys):
    raws = list(generate_mailbox(1500, seed=3, mean_size=4000))
    source = tmp_path / "big.mbox"
    source.write_bytes(mboxrd([to_lf(raw) for raw in raws]))
    before = snapshot(source)
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(home.config.parent)}
    child = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "import", office, str(source), "--json"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    cur = home.archive / "office" / ".Imported.big" / "cur"
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        if cur.is_dir() and len(os.listdir(cur)) >= 400:
            child.kill()
            break
        time.sleep(0.01)
    _, err = child.communicate(timeout=60)
    assert child.returncode != 0, "the import ended before it could be killed"
    assert cur.is_dir(), err.decode(errors="replace")[-3000:]
    with Catalog.open(home.archive) as catalog:
        first = len(catalog.records("office"))
    assert 0 < first < len(raws)

    code, result = run_json(capsys, "import", office, str(source))
    assert code == 0, result
    assert result["already"] + result["imported"] == len(raws)
    assert imported(home.archive) == sorted(
        (to_lf(raw), "Imported/big", ()) for raw in raws
    )  # every message once: none lost, none twice
    assert snapshot(source) == before


def test_outlook_files_are_searchable_and_restorable(
    office, dovecot, imap_user, home, tmp_path, capsys
):
    """Outlook messages (.msg files and a PST), rebuilt from their properties, are archive
    records like any other: imported once, searched by a German word of their body, restored
    with their flags and delivery time."""
    pytest.importorskip("pypff", reason="libpff-python (the outlook extra) is absent")
    shapes = items()
    (tmp_path / "Outlook").mkdir()
    for name, item in shapes.items():
        write_msg(tmp_path / "Outlook" / f"{name}.msg", item)
    write_test_pst(tmp_path / "Outlook" / "Archiv.pst", broken=False)
    args = ["import", office, str(tmp_path / "Outlook")]
    code, done = run_json(capsys, *args)
    assert (code, done["imported"], done["unreadable"]) == (0, 2 * len(shapes), 0), done
    assert {f["folder"] for f in done["folders"]} == {
        "Imported/Outlook", "Imported/Outlook/Archiv/Posteingang",
        "Imported/Outlook/Archiv/Akten_2019",
    }  # fmt: skip
    code, again = run_json(capsys, *args)
    assert (code, again["imported"], again["already"]) == (0, 0, 2 * len(shapes))
    want = imported(home.archive)

    assert main(["search", "Größe", "--json"]) == 0  # the ANSI item's Windows-1252 body
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [h["subject"] for h in hits] == ["Übergabe der Akten"] * 2

    assert main(["restore", "--query", "folder:imported", "--to-folder", "Alt", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["restored"] == 2 * len(shapes)
    on_server = server_state(dovecot, imap_user, "Alt").values()
    assert sorted(data for data, _, _ in on_server) == sorted(data for data, _, _ in want)
    flags = {frozenset(f.decode().lower() for f in fl) for _, fl, _ in on_server}
    assert frozenset({"\\seen", "\\flagged", "\\answered"}) in flags
    assert {when.astimezone(dt.UTC) for _, _, when in on_server} == {ARRIVED, SENT}
