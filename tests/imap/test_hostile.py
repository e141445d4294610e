"""Hostile servers: huge or endless literals, garbage, endless lines. A clear error, bounded
memory and time, and nothing deleted.

Each run archives from the scripted server of tests/helpers/fakeimap.py in a child process,
which reports its peak RSS, so that "memory stays bounded" is measured, not assumed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.core.catalog import Catalog, State
from archiver.core.imap import CHUNK_BYTES, SMALL_LITERAL
from tests.helpers.fakeimap import (
    Action,
    FakeImapServer,
    endless_line,
    endless_lines,
    endless_literal,
    raw_answer,
    sized_literal,
)
from tests.helpers.mailgen import big_message, generate_message

MAX_RSS_MB = 200
MAX_SECONDS = 30
DATE = b'INTERNALDATE "02-Jan-2020 12:00:00 +0000"'

CHILD = """
import ctypes, datetime as dt, json, sys
from pathlib import Path
from archiver.core.accounts import Account, Security
from archiver.core.errors import ArchiverError
from archiver.core.jobs.archive import ArchiveOptions, run_archive
from archiver.core.progress import CancelToken
from archiver.core.secrets import Secret

def peak_mb():
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

port, root = int(sys.argv[1]), Path(sys.argv[2])
account = Account(name="hostile", host="127.0.0.1", port=port, user="u", security=Security.PLAIN)
out = {}
try:
    result = run_archive(
        account, Secret("p"), root, ArchiveOptions(cutoff=dt.datetime(2023, 1, 1, tzinfo=dt.UTC)),
        None, "maildir", report=lambda _: None, cancel=CancelToken(), timeout=10,
    )
    out = {"error": result.error, "deleted": result.deleted, "ok": result.ok,
           "closes": result.closes, "folders": [f.to_dict() for f in result.folders]}
except ArchiverError as exc:
    out = {"raised": f"{type(exc).__name__}: {exc}"}
out["maxrss_mb"] = peak_mb()
print(json.dumps(out))
"""


def archive_in_child(server: FakeImapServer, root: Path) -> dict:
    """Archive from *server* in a child process; return its summary and peak RSS."""
    started = time.monotonic()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(server.port), str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, child.stderr  # no traceback: errors of ours only
    out: dict = json.loads(child.stdout.splitlines()[-1])
    out["seconds"] = time.monotonic() - started
    return out


def problems(out: dict) -> str:
    """Everything the run said went wrong, as one text."""
    texts = [out.get("raised"), out.get("error")]
    for folder in out.get("folders", []):
        texts += [folder["error"], *folder["failures"]]
    return "\n".join(t for t in texts if t)


def assert_nothing_lost(server: FakeImapServer, root: Path, out: dict, count: int) -> None:
    assert not server.deletions, server.deletions  # no STORE, no EXPUNGE reached the server
    assert len(list(server.messages())) == count
    assert out.get("deleted", 0) == 0
    if (root / "catalog.sqlite3").exists():
        with Catalog.open(root) as catalog:
            assert all(r.state is State.VERIFIED for r in catalog.records())
    assert out["maxrss_mb"] < MAX_RSS_MB, out
    assert out["seconds"] < MAX_SECONDS, out


def fetch_answer(*items: bytes) -> bytes:
    return b"* 1 FETCH (" + b" ".join(items) + b")\r\n"


META = b"(RFC822.SIZE FLAGS INTERNALDATE)"
HOSTILE: dict[str, tuple[str, Action, int | None, str]] = {
    # (the command to spoil, its answer, how often (None: always), what the error says)
    "5GB literal on BODY[]": (
        "BODY.PEEK[]",
        endless_literal(5_000_000_000),
        1,
        r"announced 5000000000 bytes where at most \d+ were expected while FETCH",
    ),
    "literal 20 MB where RFC822.SIZE says 3 KB": (
        "BODY.PEEK[]",
        sized_literal(20_000_000),
        1,
        r"announced 20000000 bytes where at most \d+ were expected",
    ),
    "5GB literal on a partial FETCH": (
        "BODY.PEEK[]<",
        endless_literal(5_000_000_000, prefix=b"UID 1 BODY[]<0>"),
        1,
        f"announced 5000000000 bytes where at most {CHUNK_BYTES} were expected",
    ),
    "partial FETCH one byte longer than the piece": (
        "BODY.PEEK[]<",
        sized_literal(CHUNK_BYTES + 1, prefix=b"UID 1 BODY[]<0>"),
        1,
        f"announced {CHUNK_BYTES + 1} bytes where at most {CHUNK_BYTES} were expected",
    ),
    "5GB literal in a metadata FETCH": (
        "RFC822.SIZE FLAGS INTERNALDATE)",
        endless_literal(5_000_000_000, prefix=b"UID 1 FLAGS"),
        1,
        f"announced 5000000000 bytes where at most {SMALL_LITERAL} were expected",
    ),
    "endless untagged responses to EXAMINE": (
        "EXAMINE",
        endless_lines(),
        1,
        r"sent more than expected while EXAMINE INBOX \(a line without end or endless",
    ),
    "endless FETCH responses to a body FETCH": (
        "BODY.PEEK[]",
        endless_lines(b"* 1 FETCH (FLAGS (\\Seen))\r\n"),
        1,
        "sent more than expected while FETCH",
    ),
    "a line without end": (
        "SEARCH",
        endless_line(),
        1,
        "sent more than expected while SEARCH",
    ),
    "garbage line": (
        "BODY.PEEK[]",
        raw_answer(b"\x00\xffgarbage that is no IMAP\r\n"),
        None,
        r"malformed response while FETCH \(.*garbage that is no IMAP",
    ),
    "literal count not a number": (
        "BODY.PEEK[]",
        raw_answer(fetch_answer(b"UID 1 BODY[] {12x}\r\nhello world!")),
        None,
        "malformed response while FETCH",
    ),
    "literal count too small": (
        "BODY.PEEK[]",
        raw_answer(fetch_answer(b"UID 1 RFC822.SIZE 12", DATE, b"BODY[] {5}\r\nhello world!")),
        None,
        r"UID \d: .*",
    ),
    "unbalanced parentheses": (
        "BODY.PEEK[]",
        raw_answer(b"* 1 FETCH (UID 1 RFC822.SIZE 10 FLAGS (\\Seen " + DATE + b"\r\n"),
        None,
        r"UID 1: .*folder INBOX: the server refused FETCH: Tuple incomplete",
    ),
    "non-numeric UID in a metadata FETCH": (
        "RFC822.SIZE FLAGS INTERNALDATE)",
        raw_answer(fetch_answer(b"UID abc RFC822.SIZE 10 FLAGS (\\Seen)", DATE)),
        None,
        "folder INBOX: the server refused FETCH: invalid UID",
    ),
    "non-numeric UID in a body FETCH": (
        "BODY.PEEK[]",
        raw_answer(fetch_answer(b"UID x1 RFC822.SIZE 10", DATE, b"BODY[] {10}\r\n0123456789")),
        None,
        "invalid UID",
    ),
    "the body of a UID not asked for": (
        "BODY.PEEK[]",
        raw_answer(fetch_answer(b"UID 99 RFC822.SIZE 10", DATE, b"BODY[] {10}\r\n0123456789")),
        None,
        r"UID 1: the server sent no body",
    ),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_answer_is_a_clear_error_and_deletes_nothing(case, tmp_path):
    pattern, action, times, expected = HOSTILE[case]
    raws = [generate_message(i) for i in range(3)]
    if "partial" in case:
        raws.append(big_message(CHUNK_BYTES + 1024 * 1024, seed=1))  # fetched in pieces
    with FakeImapServer({"INBOX": raws}) as server:
        server.on(pattern, action, times)

        out = archive_in_child(server, tmp_path)

        print(f"{case}: peak RSS {out['maxrss_mb']:.0f} MB, {out['seconds']:.1f} s")
        assert not out.get("ok")
        assert re.search(expected, problems(out)), problems(out)
        # An error names the account; a message's failure sits in its folder's report.
        assert "Account hostile" in problems(out) or out["folders"][0]["failures"]
        assert_nothing_lost(server, tmp_path, out, len(raws))


def test_non_numeric_uid_in_search_keeps_that_message(tmp_path):
    raws = [generate_message(i) for i in range(3)]
    with FakeImapServer({"INBOX": raws}) as server:
        server.on("SEARCH", raw_answer(b"* SEARCH 1 two 3\r\n"), None)

        out = archive_in_child(server, tmp_path)

        # imapclient drops the word; the message it hid is not archived and stays.
        assert [m.uid for m in server.messages()] == [2]
        assert out["deleted"] == 2 and out["closes"]
        assert server.deletions == [b"UID STORE 1,3 +FLAGS.SILENT (\\Deleted)", b"UID EXPUNGE 1,3"]


def test_well_behaved_fake_server_is_archived_completely(tmp_path):
    raws = [generate_message(i) for i in range(3)] + [big_message(CHUNK_BYTES + 100, seed=2)]
    with FakeImapServer({"INBOX": raws}) as server:
        out = archive_in_child(server, tmp_path)

        assert out["ok"] and out["deleted"] == 4, out
        assert not list(server.messages())
    with Catalog.open(tmp_path) as catalog:
        records = catalog.records()
    assert sorted(r.size for r in records) == sorted(len(r) for r in raws)
    assert all(r.state is State.VERIFIED for r in records)
