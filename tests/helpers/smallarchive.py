"""A small archive written without a mail server, as a finished archive run leaves it."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from archiver.core.catalog import Catalog, NewRecord
from archiver.core.imap import FetchedMessage, MessageMeta
from archiver.core.store import open_store, resolve_format

WHEN = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)


def archive_maildir(
    root: Path,
    uids: range,
    *,
    when: dt.datetime = WHEN,
    deleted: bool = False,
    subject: str = "message {uid}",
    account: str = "office",
) -> None:
    """Store, catalogue and verify messages of *account* as a finished run does; with
    *deleted*, record them as deleted from the server too. *subject* is formatted with the
    UID (its raw text goes into the header as it is)."""
    store = open_store(resolve_format(root, account, "maildir", "maildir"), root, account)
    messages = []
    for uid in uids:
        data = (
            f"From: Anna Muster <anna{uid}@example.org>\r\nSubject: {subject.format(uid=uid)}\r\n"
            f"Message-ID: <m{uid}@test>\r\n\r\ntext {uid}\r\n"
        )
        raw = data.encode("utf-8", "surrogateescape")
        meta = MessageMeta(uid, len(raw), ("\\Seen",), when)
        messages.append(FetchedMessage(meta, hashlib.sha256(raw).hexdigest(), len(raw), data=raw))
    staged = [store.stage("INBOX", "/", 7, m) for m in messages]
    with Catalog.open(root) as catalog:
        catalog.add_pending(
            NewRecord(account, "INBOX", 7, m.meta.uid, None, m.sha256, m.length, when,
                      m.meta.flags, s.location)
            for s, m in zip(staged, messages, strict=True)
        )  # fmt: skip
        store.commit(staged)
        catalog.mark_verified(r.id for r in catalog.pending(account))
        if deleted:
            catalog.mark_deleted(catalog.verified_for(account, "INBOX", 7, list(uids)))
