"""Reading archived messages back: exact bytes from Maildir files and mboxrd regions."""

from __future__ import annotations

import pytest

from archiver.core.catalog import Catalog
from archiver.core.errors import StoreError
from archiver.core.store.reading import read_message
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import HARD_SHAPES, generate_message
from tests.imap.test_archive import OLD, run, server_state

pytestmark = pytest.mark.imap


@pytest.mark.parametrize("fmt", ["maildir", "mbox"])
def test_reads_back_every_hard_shape_exactly(dovecot, imap_user, account, password, tmp_path, fmt):
    messages = [generate_message(i) for i in range(len(HARD_SHAPES))]
    messages.append(b"From the start of a line\r\n>From quoted\r\n\r\nFrom body\r\n>>From x")
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", messages, OLD)
    served = {data for data, _flags, _when in server_state(dovecot, imap_user).values()}
    result = run(account, password, tmp_path, fmt=fmt, keep_on_server=True)
    assert result.archived == len(messages)
    with Catalog.open(tmp_path) as catalog:
        read = {read_message(tmp_path, record) for record in catalog.records()}
    assert read == served


def test_altered_file_is_refused(dovecot, imap_user, account, password, tmp_path):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(1)], OLD)
    run(account, password, tmp_path, keep_on_server=True)
    with Catalog.open(tmp_path) as catalog:
        (record,) = catalog.records()
    path = tmp_path / record.location.path
    data = bytearray(path.read_bytes())
    data[-3] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="differs"):
        read_message(tmp_path, record)
    assert read_message(tmp_path, record, verify=False) == bytes(data)
