"""The archive job is done for the user once the server is freed; indexing follows on its own.

The summary comes when the server is freed, a cancel from then on stops only the indexing
(the run is not cancelled; the rest is indexed by the next search), and ``--no-index`` leaves
all of it for later.
"""

from __future__ import annotations

import json
import signal

import pytest

from archiver.cli import archive as archive_cli
from archiver.cli import main
from archiver.core.catalog import Catalog
from archiver.core.index.indexer import catch_up_index
from archiver.core.index.search import ArchiveSearcher
from archiver.core.jobs.archive import ArchiveOptions, ArchiveResult, run_archive
from archiver.core.progress import CancelToken
from archiver.core.runlog import read_runs
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import generate_message
from tests.helpers.shell import print_file
from tests.imap.test_archive import CUTOFF, OLD

pytestmark = pytest.mark.imap

MESSAGES = 40
EVERYTHING = "date:[1970 to 2100]"


@pytest.fixture
def old_mail(dovecot, imap_user):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(MESSAGES)], OLD)


def on_server(dovecot, imap_user) -> int:
    with dovecot.client(imap_user) as client:
        return int(client.select_folder("INBOX", readonly=True)[b"EXISTS"])


def searchable(root) -> int:
    with ArchiveSearcher(root) as searcher:
        return searcher.search(EVERYTHING, limit=None).total


def test_summary_comes_once_the_server_is_freed_and_a_cancel_then_stops_only_indexing(
    old_mail, dovecot, imap_user, account, password, tmp_path
):
    cancel = CancelToken()
    seen: list[tuple[int, int]] = []

    def server_done(result: ArchiveResult) -> None:
        # The server is already freed and the run already logged when the summary comes.
        seen.append((result.deleted, on_server(dovecot, imap_user)))
        assert [run.archived for run in read_runs(tmp_path)] == [MESSAGES]
        cancel.cancel()  # the user stops the indexing that follows

    result = run_archive(
        account,
        password,
        tmp_path,
        ArchiveOptions(cutoff=CUTOFF),
        None,
        "maildir",
        report=lambda _: None,
        cancel=cancel,
        on_server_done=server_done,
    )

    assert seen == [(MESSAGES, 0)]
    assert result.ok and not result.cancelled and result.archived == MESSAGES
    assert result.indexed + result.index_left == MESSAGES
    with Catalog.open(tmp_path) as catalog:
        assert len(catalog.unindexed("test")) == result.index_left
        assert catch_up_index(tmp_path, catalog, report=lambda _: None, cancel=CancelToken())
    assert searchable(tmp_path) == MESSAGES


@pytest.fixture
def office(dovecot, imap_user, home, tmp_path, capsys):
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    add = ["account", "add", "office", *dovecot.account_args(imap_user)]
    assert main([*add, "--password-command", print_file(secret)]) == 0
    capsys.readouterr()
    return "office"


def test_no_index_frees_the_server_and_leaves_indexing_to_the_next_search(
    old_mail, office, dovecot, imap_user, capsys
):
    assert main(["archive", office, "--older-than", "1y", "--no-index", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["archived"], summary["deleted"]) == (MESSAGES, MESSAGES)
    assert (summary["indexed"], summary["index_left"]) == (0, MESSAGES)
    assert on_server(dovecot, imap_user) == 0

    assert main(["search", EVERYTHING]) == 0
    assert f"{MESSAGES} messages found." in capsys.readouterr().out


def test_ctrl_c_while_indexing_leaves_the_rest_for_later_and_exits_0(
    old_mail, office, dovecot, imap_user, home, capsys, monkeypatch
):
    shown = archive_cli.print_summary

    def summary_then_ctrl_c(*args: object, **kwargs: object) -> None:
        shown(*args, **kwargs)  # type: ignore[arg-type]
        signal.raise_signal(signal.SIGINT)  # as the user's Ctrl-C, while indexing

    monkeypatch.setattr(archive_cli, "print_summary", summary_then_ctrl_c)

    assert main(["archive", office, "--older-than", "1y"]) == 0

    out = capsys.readouterr().out
    assert out.index("Archive summary") < out.index(f"deleted {MESSAGES} from the server")
    assert on_server(dovecot, imap_user) == 0
    with Catalog.open(home.archive) as catalog:
        left = len(catalog.unindexed("office"))
    if left:  # indexing stopped before its end
        assert f"{left} archived message" in out and "not indexed yet" in out
    assert main(["search", EVERYTHING]) == 0
    assert f"{MESSAGES} messages found." in capsys.readouterr().out
