"""Recovery after a crash never removes a file another catalog row keeps its copy in."""

from __future__ import annotations

import datetime as dt
import hashlib

from archiver.core.catalog import Catalog, Location, NewRecord
from archiver.core.store.maildir import MaildirStore


def test_pending_twin_of_a_damaged_copy_leaves_that_copy_alone(tmp_path):
    data = b"Subject: twin\r\n\r\nbody\r\n"
    path = "acct/cur/1.eml:2,S"
    (tmp_path / "acct" / "cur").mkdir(parents=True)
    (tmp_path / path).write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    when = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

    def row(uid: int) -> NewRecord:
        return NewRecord("acct", "INBOX", 1, uid, None, digest, len(data), when, (), Location(path))

    with Catalog.open(tmp_path) as catalog:
        catalog.add_pending([row(1)])
        catalog.mark_verified(r.id for r in catalog.records())
        catalog.add_pending([row(2)])  # the same bytes under a new UID, then a crash
        (tmp_path / path).write_bytes(data.replace(b"body", b"BODY"))  # and damage

        assert MaildirStore(tmp_path, "acct").recover(catalog, "acct") == (0, 1)

        assert (tmp_path / path).exists()  # the verified row's (damaged) copy stays
        assert [r.uid for r in catalog.records()] == [1]
