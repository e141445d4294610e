"""The archive job's search indexer is a process of its own: its death must not stop the job."""

from __future__ import annotations

import time

import pytest

from archiver.core.catalog import Catalog
from archiver.core.imap import BATCH_MESSAGES
from archiver.core.index.background import BackgroundIndexer
from archiver.core.index.indexer import VERSION_FILE, index_dir
from tests.helpers.dovecot import append_messages
from tests.helpers.kill import KILLED, kill_hard
from tests.helpers.mailgen import generate_message
from tests.imap.test_archive import OLD, run

pytestmark = pytest.mark.imap

MESSAGES = 2 * BATCH_MESSAGES + 50  # three batches: the indexer is poked after each


@pytest.mark.timeout(90)
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.index.background",
    rf"^Account test: the indexer ended unexpectedly \(exit code {KILLED}\); it catches up",
)
def test_the_job_finishes_when_the_indexer_process_is_killed(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(MESSAGES)], when=OLD)
    real_start = BackgroundIndexer.start
    exit_codes: list[int | None] = []

    def start_then_kill(self: BackgroundIndexer) -> None:
        real_start(self)
        # Once the indexer made its index it finds nothing to index yet and waits to be woken
        # (in 0.2 s turns); it dies there, as by the OOM killer or a user's kill.
        made = index_dir(self.archive_root) / VERSION_FILE
        deadline = time.monotonic() + 30
        while not made.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        kill_hard(self._process.pid)  # type: ignore[arg-type]
        self._process.join(10)
        exit_codes.append(self._process.exitcode)

    monkeypatch.setattr(BackgroundIndexer, "start", start_then_kill)

    result = run(account, password, tmp_path)

    assert exit_codes == [KILLED]
    assert result.ok and result.archived == MESSAGES and result.deleted == MESSAGES
    assert result.index_error == f"the indexer ended unexpectedly (exit code {KILLED})"
    with Catalog.open(tmp_path) as catalog:  # left for the next run, search or reindex
        assert len(catalog.unindexed("test")) == MESSAGES
