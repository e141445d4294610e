"""A run killed with SIGKILL at any point, then run again, loses and duplicates nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mailbox
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.core.catalog import Location
from archiver.core.imap import BATCH_MESSAGES
from archiver.core.store.mbox import MboxStore
from tests.helpers.dovecot import append_messages
from tests.helpers.kill import KILLED, kill_hard
from tests.helpers.mailgen import generate_message
from tests.helpers.shell import print_file

pytestmark = [pytest.mark.imap, pytest.mark.slow]

OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
MESSAGES = 600
ROOT = Path(__file__).resolve().parents[2]


def catalog_counts(archive: Path) -> tuple[int, int]:
    """Return (rows, rows no longer on the server), read while the archiver writes."""
    path = archive / "catalog.sqlite3"
    if not path.exists():
        return 0, 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            rows, gone = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(on_server = 0), 0) FROM messages"
            ).fetchone()
        return int(rows), int(gone)
    except sqlite3.Error:
        return 0, 0


def server_messages(dovecot, user) -> dict[str, bytes]:
    """Return SHA-256 -> bytes of every message in INBOX."""
    with dovecot.client(user) as client:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
    return {hashlib.sha256(d[b"BODY[]"]).hexdigest(): d[b"BODY[]"] for d in data.values()}


def fill_and_add_account(dovecot, user, tmp_path: Path) -> None:
    """Put MESSAGES old messages in INBOX and configure them as account 'acc'."""
    raws = [generate_message(i, size=12_000) for i in range(MESSAGES)]
    with dovecot.client(user) as client:
        append_messages(client, "INBOX", raws, when=OLD)
    secret = tmp_path / "pw"
    secret.write_text(user.password)
    code = main(["account", "add", "acc", *dovecot.account_args(user),
                 "--password-command", print_file(secret)])  # fmt: skip
    assert code == 0


# Runs the command line, killing itself hard (SIGKILL; TerminateProcess on Windows) at a point
# inside a batch (the body FETCH batches are imap.BATCH_MESSAGES = 200 messages, each stored
# and committed as one):
# "stage:N" right after the Nth message is written to the store's temporary place, before its
# batch is catalogued; "commit:N" inside a batch's commit, as the Nth message is about to move
# into place (Maildir: its rename into cur/, the files synced but not the directory; mbox: the
# append of its region, those before it appended but not synced). "-": no kill. The hooks are
# set in the main process only: the spawned search indexer imports this file too.
RUNNER = """
import os, pathlib, signal, sys
sys.path.insert(0, os.environ["PYTHONPATH"])  # also where it is ignored (embedded Python)

if __name__ == "__main__":
    from archiver.cli import main
    from archiver.core.store import maildir, mbox

    what, _, nth = sys.argv[1].partition(":")
    calls = [0]

    def count():
        calls[0] += 1
        if calls[0] == int(nth):
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))  # TerminateProcess

    def counted_stage(real):
        def stage(*args, **kwargs):
            staged = real(*args, **kwargs)
            count()
            return staged
        return stage

    if what == "stage":
        for store in (maildir.MaildirStore, mbox.MboxStore):
            store.stage = counted_stage(store.stage)
    elif what == "commit":
        real_replace, real_open = os.replace, pathlib.Path.open

        def replace(src, dst, *args, **kwargs):
            if pathlib.Path(dst).parent.name == "cur":
                count()
            return real_replace(src, dst, *args, **kwargs)

        def open_region(self, *args, **kwargs):
            if self.name.startswith("mbox-"):
                count()
            return real_open(self, *args, **kwargs)

        os.replace, pathlib.Path.open = replace, open_region
    sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize(
    ("fmt", "kill_at"),
    [
        ("maildir", "stage:1"),
        ("maildir", "stage:137"),
        ("maildir", "stage:333"),
        ("maildir", "commit:250"),
        ("maildir", "deleting"),
        ("mbox", "stage:333"),
        ("mbox", "commit:250"),
    ],
)
def test_killed_mid_archive_then_rerun(dovecot, imap_user, home, tmp_path, fmt, kill_at):
    fill_and_add_account(dovecot, imap_user, tmp_path)
    originals = server_messages(dovecot, imap_user)
    assert len(originals) == MESSAGES
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(home.config.parent), "PYTHONPATH": str(ROOT)}
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    arguments = ["archive", "acc", "--older-than", "1y", "--json", "--format", fmt]
    command = [sys.executable, str(runner), "-" if kill_at == "deleting" else kill_at, *arguments]

    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while kill_at == "deleting" and child.poll() is None and time.monotonic() < deadline:
        if catalog_counts(home.archive)[1]:
            kill_hard(child.pid)
            break
        time.sleep(0.002)
    child.wait(120)
    child.stdout.close()  # type: ignore[union-attr]
    assert child.returncode == KILLED, "the run ended before the kill point"

    # Between the runs: every message is on the server, or verified in the archive, or both.
    on_server = server_messages(dovecot, imap_user)
    with sqlite3.connect(home.archive / "catalog.sqlite3") as db:
        verified = {
            row[0] for row in db.execute("SELECT sha256 FROM messages WHERE state = 'verified'")
        }
    assert set(originals) <= set(on_server) | verified
    if kill_at != "deleting":  # the kill landed inside a batch: it was staged, not verified
        what, _, nth = kill_at.partition(":")
        done = (int(nth) - 1) // BATCH_MESSAGES  # batches verified before it
        assert len(verified) == done * BATCH_MESSAGES
        # Its rows are catalogued (pending) once its commit began, not while it is staged.
        rows = catalog_counts(home.archive)[0]
        assert rows == (done + (what == "commit")) * BATCH_MESSAGES

    rerun = subprocess.run(
        [sys.executable, str(runner), "-", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["closes"] and summary["errors"] == 0
    # Nothing verified before the kill was downloaded again.
    assert summary["archived"] <= MESSAGES - len(verified)
    assert server_messages(dovecot, imap_user) == {}

    with sqlite3.connect(home.archive / "catalog.sqlite3") as db:
        rows = db.execute(
            "SELECT uid, sha256, size, path, offset, length, state FROM messages"
        ).fetchall()
    assert len(rows) == MESSAGES and {r[6] for r in rows} == {"verified"}
    assert {r[1] for r in rows} == set(originals)
    if fmt == "maildir":
        assert len(list((home.archive / "acc" / "cur").iterdir())) == MESSAGES  # no duplicates
        assert not list((home.archive / "acc" / "tmp").iterdir())
        for uid, digest, _, path, *_ in rows:
            assert (home.archive / path).read_bytes() == originals[digest], f"UID {uid}"
    else:
        inbox = home.archive / "acc" / "INBOX"
        assert len(mailbox.mbox(inbox, create=False)) == MESSAGES  # no duplicates, no junk
        assert inbox.stat().st_size == max(r[4] + r[5] for r in rows)
        store = MboxStore(home.archive, "acc")
        for uid, digest, size, path, offset, length, _ in rows:
            found = store.read_digest(Location(path, offset, length), size)
            assert found == (digest, size), f"UID {uid}"


@pytest.mark.skipif(
    sys.platform == "win32",
    reason="Ctrl-C reaches a Windows process through its console; this child has none",
)
def test_ctrl_c_stops_at_a_safe_point(dovecot, imap_user, home, tmp_path):
    fill_and_add_account(dovecot, imap_user, tmp_path)
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(home.config.parent)}
    child = subprocess.Popen(
        [sys.executable, "-m", "archiver", "archive", "acc", "--older-than", "1y"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while catalog_counts(home.archive)[0] < 50 and time.monotonic() < deadline:
        time.sleep(0.002)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)

    assert child.returncode == 130, err
    assert "Stopping at a safe point" in err
    assert "Cancelled at a safe point" in out and "not reached" in out
    assert "Every message is accounted for" in out
    with dovecot.client(imap_user) as client:
        assert client.folder_status("INBOX", [b"MESSAGES"])[b"MESSAGES"] == MESSAGES
