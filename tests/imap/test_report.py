"""The record after real archive runs against Dovecot: a message is recorded as deleted from
the server only when it really left it; kept ones say kept."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from archiver.core.progress import CancelToken
from archiver.core.report import ReportFilter, build_report, write_csv
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import generate_message
from tests.imap.test_archive import OLD, run, server_state

pytestmark = pytest.mark.imap


def test_record_says_deleted_only_for_what_left_the_server(
    dovecot, imap_user, account, password, tmp_path
):
    root = tmp_path / "archive"
    with dovecot.client(imap_user) as client:
        client.create_folder("Sent")
        append_messages(client, "INBOX", [generate_message(s) for s in range(3)], OLD)
        append_messages(client, "Sent", [generate_message(s) for s in range(10, 12)], OLD)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    assert run(account, password, root, folders=("Sent",), keep_on_server=True).ok
    assert run(account, password, root, folders=("INBOX",)).ok
    after = dt.datetime.now(dt.UTC)

    result = build_report(root, ReportFilter(), report=lambda _: None, cancel=CancelToken())

    by_folder = {row.folder: [] for row in result.rows}
    for row in result.rows:
        by_folder[row.folder].append(row)
    assert sorted(by_folder) == ["INBOX", "Sent"]
    assert server_state(dovecot, imap_user, "INBOX") == {}
    assert len(server_state(dovecot, imap_user, "Sent")) == 2
    assert all(before <= r.deleted_at <= after for r in by_folder["INBOX"] if r.deleted_at)
    assert [r.deleted_at is not None for r in by_folder["INBOX"]] == [True] * 3
    assert [r.deleted_at for r in by_folder["Sent"]] == [None, None]
    assert all(r.sender and r.subject and r.date == OLD for r in result.rows)
    assert [run.archived for run in result.runs] == [2, 3]
    assert [run.deleted for run in result.runs] == [0, 3]

    out = io.BytesIO()
    write_csv(result, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig")), delimiter=";"))
    kept = [r["Deleted from server at"] for r in rows if r["Folder"] == "Sent"]
    assert kept == ["kept on the server"] * 2
