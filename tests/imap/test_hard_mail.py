"""Messy mail survives byte-exactly: the shared real-world corpus and our generated shapes."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from archiver.core.catalog import Catalog
from archiver.core.jobs.archive import ArchiveOptions, run_archive
from archiver.core.progress import CancelToken
from archiver.core.store import open_store
from archiver.core.store.mbox import QUOTED_FROM
from tests.helpers.corpus import SKIP_REASON, as_served, corpus_files
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import HARD_SHAPES, big_message

pytestmark = pytest.mark.imap

OLD = dt.datetime(2019, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))
CUTOFF = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)


def fetch_all(dovecot, user, folder="INBOX") -> list[bytes]:
    with dovecot.client(user) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
    return [data[uid][b"BODY[]"] for uid in sorted(data)]


def archive_and_read_back(dovecot, user, account, password, root: Path, fmt: str) -> list[bytes]:
    """Archive everything old, check the server is empty, return the stored bytes in UID order."""
    result = run_archive(
        account,
        password,
        root,
        ArchiveOptions(cutoff=CUTOFF),
        fmt,
        fmt,
        report=lambda _: None,
        cancel=CancelToken(),
    )
    assert result.ok and result.closes, result.to_dict()
    assert fetch_all(dovecot, user) == []
    store = open_store(fmt, root, "test")
    stored = []
    with Catalog.open(root) as catalog:
        records = sorted(
            (r for r in catalog.records("test") if r.folder == "INBOX"), key=lambda r: r.uid
        )
    for record in records:
        if fmt == "maildir":
            data = (root / record.location.path).read_bytes()
        else:
            data = read_mbox_region(root, record)
        assert hashlib.sha256(data).hexdigest() == record.sha256
        assert store.read_digest(record.location, record.size) == (record.sha256, record.size)
        stored.append(data)
    return stored


def read_mbox_region(root: Path, record) -> bytes:
    with (root / record.location.path).open("rb") as file:
        file.seek(record.location.offset)
        region = file.read(record.location.length)
    lines = region.split(b"\n")[1:]
    out = b"\n".join(
        line[1:] if QUOTED_FROM.match(line) and line.startswith(b">") else line for line in lines
    )
    return out[: record.size]


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_real_world_corpus_archived_byte_exact(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    files = corpus_files()
    if not files:
        pytest.skip(SKIP_REASON)
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", (f.read_bytes() for f in files), when=OLD)
    served = fetch_all(dovecot, imap_user)
    assert served == [as_served(f.read_bytes()) for f in files]

    stored = archive_and_read_back(dovecot, imap_user, account, password, tmp_path, fmt)

    assert len(stored) == len(files)
    for file, original, data in zip(files, served, stored, strict=True):
        assert data == original, f"{file.name} differs after archiving"


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_generated_hard_shapes_archived_byte_exact(
    dovecot, imap_user, account, password, tmp_path, fmt
):
    raws = [shape(3) for shape in HARD_SHAPES.values()]
    raws.append(big_message(9 * 1024 * 1024, seed=3))  # fetched in pieces into a spool file
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", raws, when=OLD)
    served = fetch_all(dovecot, imap_user)
    assert served == [as_served(raw) for raw in raws]

    stored = archive_and_read_back(dovecot, imap_user, account, password, tmp_path, fmt)

    assert stored == served
