"""Faults between the archiver and a real Dovecot lose no message, and a re-run finishes the job.

Each test injects one fault (through the loopback FaultProxy, a second IMAP client, a Dovecot
restart, or SIGKILL of the command line at a point chosen by hypothesis) and then checks the
one rule: every message is on the server or verified in the archive, or both; never neither.
A re-run then finishes: the server is free of the old mail, the archive holds every message
exactly once, each catalog row's file verifies, and the search index matches the catalog.

The numbers (faults injected, kill points tried, messages checked, messages lost) are written
to ``faults-summary.txt`` in pytest's base temp dir and printed at the end of the module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import mailbox
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from archiver.cli import main
from archiver.core import imap as imap_module
from archiver.core.accounts import Account, Security
from archiver.core.catalog import Catalog, State
from archiver.core.errors import ImapError
from archiver.core.index.indexer import index_dir
from archiver.core.jobs import archive as archive_module
from archiver.core.jobs.archive import ArchiveOptions, ArchiveResult, run_archive
from archiver.core.jobs.restore import Login, Outcome, RestoreOptions, run_restore
from archiver.core.progress import CancelToken, Progress
from archiver.core.secrets import Secret
from archiver.core.store.reading import read_message
from tests.helpers.dovecot import (
    DovecotServer,
    ImapUser,
    RemoteDovecot,
    append_messages,
    skip_server_side,
)
from tests.helpers.mailgen import big_message, generate_message
from tests.helpers.shell import print_file
from tests.helpers.tcpproxy import FaultProxy

pytestmark = pytest.mark.imap

OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
CUTOFF = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]

# What this module did, for the summary line (see the module docstring).
STATS: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def fault_summary(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Write and print what the module's tests injected and checked."""
    yield
    line = (
        f"faults injected: {STATS['faults']}, kill points tried: {STATS['kill_points']} "
        f"(killed: {STATS['killed']}, by phase: "
        f"{', '.join(f'{k}={v}' for k, v in sorted(STATS.items()) if k.startswith('phase:'))}), "
        f"messages put at risk: {STATS['messages']}, message checks (a message each time "
        f"a check looked at it): {STATS['checked']}, messages lost: {STATS['lost']}"
    )
    (tmp_path_factory.getbasetemp() / "faults-summary.txt").write_text(line + "\n")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # shown even when the tests pass
            reporter.write_line(f"\ntest_faults summary: {line}")


# ----------------------------------------------------------------------------- helpers


def archive(
    account: Account,
    password: Secret,
    root: Path,
    report=lambda _: None,
    timeout: float = 30.0,
    fmt: str | None = None,
    **options: object,
) -> ArchiveResult:
    return run_archive(
        account,
        password,
        root,
        ArchiveOptions(cutoff=CUTOFF, **options),  # type: ignore[arg-type]
        fmt,
        "maildir",
        report=report,
        cancel=CancelToken(),
        timeout=timeout,
    )


def via(proxy: FaultProxy, account: Account) -> Account:
    """The account reached in plain text through *proxy* (the proxy matches plain bytes)."""
    return dataclasses.replace(account, security=Security.PLAIN, host=proxy.host, port=proxy.port)


def fill(
    dovecot: DovecotServer, user: ImapUser, count: int, folder: str = "INBOX", seed: int = 0
) -> dict[str, str]:
    """APPEND *count* old messages to *folder*; return SHA-256 -> folder of each."""
    raws = [generate_message(seed + i) for i in range(count)]
    STATS["messages"] += count
    with dovecot.client(user) as client:
        append_messages(client, folder, raws, when=OLD)
    return {hashlib.sha256(raw).hexdigest(): folder for raw in raws}


def on_server(dovecot: DovecotServer, user: ImapUser) -> Counter[tuple[str, str]]:
    """Return (folder, SHA-256) of every message in every selectable folder, with counts."""
    found: Counter[tuple[str, str]] = Counter()
    with dovecot.client(user) as client:
        for flags, _, name in client.list_folders():
            if b"\\Noselect" in flags:
                continue
            client.select_folder(name, readonly=True)
            uids = client.search("ALL")
            for item in client.fetch(uids, ["BODY.PEEK[]"]).values() if uids else ():
                found[name, hashlib.sha256(item[b"BODY[]"]).hexdigest()] += 1
    return found


def verified_in_archive(root: Path) -> set[str]:
    """Return the SHA-256 of every verified catalog row whose file reads back intact."""
    if not (root / "catalog.sqlite3").exists():
        return set()
    with Catalog.open(root) as catalog:
        rows = [r for r in catalog.records() if r.state is State.VERIFIED]
    good = set()
    for row in rows:
        if hashlib.sha256(read_message(root, row, verify=False)).hexdigest() == row.sha256:
            good.add(row.sha256)
    return good


def assert_nothing_lost(
    dovecot: DovecotServer, user: ImapUser, root: Path, originals: dict[str, str]
) -> None:
    """The rule: every message is on the server or verified in the archive (or both)."""
    server = {digest for _, digest in on_server(dovecot, user)}
    kept = server | verified_in_archive(root)
    lost = sorted(set(originals) - kept)
    STATS["checked"] += len(originals)
    STATS["lost"] += len(lost)
    assert not lost, f"{len(lost)} messages neither on the server nor verified in the archive"


def assert_complete(
    dovecot: DovecotServer,
    user: ImapUser,
    root: Path,
    originals: dict[str, str],
    account: str = "test",
) -> None:
    """After the final run: server free of old mail, each message archived once, intact."""
    assert not on_server(dovecot, user), "old mail left on the server"
    with Catalog.open(root) as catalog:
        rows = catalog.records(account)
    assert {r.state for r in rows} == {State.VERIFIED}
    assert Counter((r.folder, r.sha256) for r in rows) == Counter(
        (folder, digest) for digest, folder in originals.items()
    ), "catalog rows differ from the messages (missing or duplicated)"
    assert len({(r.folder, r.uidvalidity, r.uid) for r in rows}) == len(rows)
    for row in rows:
        read_message(root, row)  # raises StoreError unless size and SHA-256 match
    tree = root / account
    if (tree / ".format").read_text().strip() == "maildir":
        files = [p for p in tree.rglob("*") if p.is_file() and p.parent.name == "cur"]
        assert len(files) == len(rows), "duplicate or missing message files"
        assert not [p for p in tree.rglob("*") if p.is_file() and p.parent.name == "tmp"]
    else:
        boxes = {r.location.path for r in rows}
        stored = sum(len(mailbox.mbox(root / path, create=False)) for path in boxes)
        assert stored == len(rows), "duplicate or junk regions in the mbox files"
    STATS["checked"] += len(originals)


def indexed_ids(root: Path) -> list[int]:
    """Return the catalog ids the Whoosh index holds (duplicates kept), sorted."""
    ix = whoosh_index.open_dir(str(index_dir(root)))
    with ix.searcher() as searcher:
        ids = sorted(int(str(doc["id"])) for doc in searcher.all_stored_fields())
    ix.close()
    return ids


def assert_index_consistent(root: Path) -> None:
    """Every verified row is indexed exactly once, and the index holds nothing else."""
    with Catalog.open(root) as catalog:
        assert catalog.unindexed() == []
        verified = sorted(r.id for r in catalog.records() if r.state is State.VERIFIED)
    assert indexed_ids(root) == verified


# ----------------------------------------------------------------------------- 1. cuts


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.archive",
    r"^Account test: archive stopped: .*connection lost while (STORE|UID EXPUNGE)",
)
@pytest.mark.parametrize(
    ("command", "answered"),
    [
        (b"+FLAGS.SILENT", 0),  # the second round's STORE reached the server, no answer
        (b"+FLAGS.SILENT", 6),  # ... and part of the server's "OK Store completed"
        (b"UID EXPUNGE", 0),  # the second round's UID EXPUNGE reached the server, no answer
        (b"UID EXPUNGE", 14),  # ... and the first "* n EXPUNGE" line of its answer
    ],
    ids=["store-sent", "store-part-answered", "expunge-sent", "expunge-part-answered"],
)
def test_cut_in_the_second_deletion_round_then_rerun(
    dovecot, imap_user, account, password, tmp_path, monkeypatch, command, answered
):
    monkeypatch.setattr(archive_module, "DELETE_CHUNK", 3)  # rounds of 3: STORE, EXPUNGE each
    originals = fill(dovecot, imap_user, 8)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        rounds = 0

        def arm_in_second_round(real):
            def hooked(self, uids):
                nonlocal rounds
                rounds += 1
                if rounds == 2:  # cut this round's command, not the first one's
                    proxy.cut_after_client_sends(command, delay_bytes_from_server=answered)
                    STATS["faults"] += 1
                return real(self, uids)

            return hooked

        hooked_name = "add_deleted_flag" if b"FLAGS" in command else "uid_expunge"
        monkeypatch.setattr(
            imap_module.ImapSession,
            hooked_name,
            arm_in_second_round(getattr(imap_module.ImapSession, hooked_name)),
        )
        first = archive(via(proxy, account), password, tmp_path)

        assert first.error and "connection lost" in first.error
        inbox = first.folders[0]
        assert inbox.archived == 8 and inbox.deleted == 3 and inbox.closes
        assert_nothing_lost(dovecot, imap_user, tmp_path, originals)
        left = sum(on_server(dovecot, imap_user).values())
        # After a cut STORE the round's messages stay (flagged); after UID EXPUNGE they are gone.
        assert left == (5 if b"FLAGS" in command else 2)

        monkeypatch.undo()
        second = archive(via(proxy, account), password, tmp_path)

    assert second.ok and second.closes, second.to_dict()
    assert second.archived == 0 and second.deleted == left
    assert_complete(dovecot, imap_user, tmp_path, originals)
    assert_index_consistent(tmp_path)


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.restore",
    r"^Account test: restore stopped: .*connection lost while APPEND to INBOX",
)
def test_cut_while_the_append_literal_is_sent_then_rerun_restores_once(
    dovecot, imap_user, account, password, tmp_path
):
    raws = [generate_message(0), big_message(300 * 1024, seed=1), generate_message(2)]
    STATS["messages"] += len(raws)
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", raws, when=OLD)
    assert archive(account, password, tmp_path).deleted == 3
    with Catalog.open(tmp_path) as catalog:
        rows = catalog.records()
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        logins = {"test": Login(via(proxy, account), password)}
        # Bytes from the middle of the big message: the server gets part of the literal only.
        proxy.cut_after_client_sends(raws[1][150_000:150_040])
        STATS["faults"] += 1

        first = run_restore(rows, tmp_path, logins, RestoreOptions(), report=lambda _: None,
                            cancel=CancelToken())  # fmt: skip

        assert [i.outcome for i in first.items] == [
            Outcome.RESTORED,
            Outcome.FAILED,
            Outcome.NOT_REACHED,
        ]
        assert "connection lost" in first.errors[0]
        assert Counter(d for _, d in on_server(dovecot, imap_user)) == Counter(
            [hashlib.sha256(raws[0]).hexdigest()]
        )

        second = run_restore(rows, tmp_path, logins, RestoreOptions(), report=lambda _: None,
                             cancel=CancelToken())  # fmt: skip

    assert [i.outcome for i in second.items] == [Outcome.ALREADY] + [Outcome.RESTORED] * 2
    assert Counter(d for _, d in on_server(dovecot, imap_user)) == Counter(
        hashlib.sha256(raw).hexdigest() for raw in raws
    )  # exactly one copy of each
    for row in rows:
        read_message(tmp_path, row)  # the archive keeps every message, intact
    STATS["checked"] += len(raws)


# ----------------------------------------------------------------------------- 2. stall


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.archive",
    r"^Account test: archive stopped: .* did not answer in time while (FETCH|STORE|UID EXPUNGE)",
)
@pytest.mark.parametrize("stall_at", [b"BODY.PEEK[]", b"+FLAGS.SILENT", b"UID EXPUNGE"])
def test_stalled_server_times_out_clearly_then_rerun_finishes(
    dovecot, imap_user, account, password, tmp_path, stall_at
):
    originals = fill(dovecot, imap_user, 6)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        proxy.stall_after_client_sends(stall_at)
        STATS["faults"] += 1
        started = time.monotonic()
        first = archive(via(proxy, account), password, tmp_path, timeout=2)
        elapsed = time.monotonic() - started

        # The ImapError family's timeout text: "the server did not answer in time while ...".
        assert first.error and "did not answer in time while" in first.error, first.error
        assert f"{account.host}:{proxy.port}" in first.error
        assert elapsed < 20, f"the stalled run took {elapsed:.1f} s"
        assert first.deleted == 0 and first.closes
        assert_nothing_lost(dovecot, imap_user, tmp_path, originals)

        proxy.release()
        second = archive(via(proxy, account), password, tmp_path)

    assert second.ok and second.closes, second.to_dict()
    assert_complete(dovecot, imap_user, tmp_path, originals)
    assert_index_consistent(tmp_path)


@pytest.mark.expect_log("WARNING", "archiver.core.imap", r"connecting without encryption")
def test_stalled_command_raises_an_imap_error_in_bounded_time(
    dovecot, imap_user, account, password
):
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        session = imap_module.ImapSession.connect(via(proxy, account), password, timeout=1)
        proxy.stall_after_client_sends(b"EXAMINE")
        STATS["faults"] += 1
        started = time.monotonic()
        with pytest.raises(ImapError, match=r"Account test .*did not answer in time while EXAMINE"):
            session.select("INBOX", readonly=True)
        assert time.monotonic() - started < 10
        proxy.release()
        session.close()


# ----------------------------------------------------------------------------- 3. restart


@pytest.fixture
def restartable(dovecot: DovecotServer) -> Iterator[DovecotServer]:
    """The shared Dovecot, checked (and started again if need be) after a test restarts it."""
    if isinstance(dovecot, RemoteDovecot):
        skip_server_side("restarting Dovecot")
    yield dovecot
    probe = dovecot.add_user()
    try:
        with dovecot.client(probe) as client:
            client.list_folders()
    except Exception:
        dovecot.restart()  # leave a working server to the tests after this one
        with dovecot.client(probe) as client:
            client.list_folders()


def instance_processes(dovecot: DovecotServer) -> list[int]:
    """Return the PIDs of the running Dovecot master's child processes (this instance's)."""
    assert dovecot.process is not None
    master = str(dovecot.process.pid)
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if fields[1] == master:
            found.append(int(stat.parent.name))
    return found


def restart_dropping_clients(dovecot: DovecotServer) -> None:
    """Restart Dovecot as a service manager does: its old processes and connections end too.

    DovecotServer.restart() terminates the master only; the old instance's imap and
    imap-login processes live on (orphaned) and keep serving open connections. A real
    restart (shutdown_clients = yes) ends them, so do that here, by PID.
    """
    old = instance_processes(dovecot)
    dovecot.restart()
    instance = f"imap-archiver-test-{dovecot.port}"
    for pid in old:
        try:
            if instance in Path(f"/proc/{pid}/cmdline").read_text():
                os.kill(pid, signal.SIGTERM)
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended with its master
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in old) and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.mark.expect_log(
    "ERROR",
    "archiver.core.jobs.archive",
    r"^Account test: archive stopped: .*connection lost while FETCH",
)
def test_dovecot_restarted_mid_run_then_rerun_finishes(
    restartable, imap_user, account, password, tmp_path, monkeypatch
):
    dovecot = restartable
    monkeypatch.setattr(imap_module, "BATCH_MESSAGES", 4)
    originals = fill(dovecot, imap_user, 14)
    restarted = []

    def restart_after_first_batch(progress: Progress) -> None:
        if progress.message == "INBOX" and progress.done and not restarted:
            restarted.append(progress.done)
            restart_dropping_clients(dovecot)
            STATS["faults"] += 1

    first = archive(account, password, tmp_path, report=restart_after_first_batch)

    assert restarted == [4]
    assert first.error and "connection lost" in first.error, first.error
    inbox = first.folders[0]
    assert inbox.deleted == 0 and inbox.not_reached and inbox.closes
    assert_nothing_lost(dovecot, imap_user, tmp_path, originals)

    second = archive(account, password, tmp_path)

    assert second.ok and second.closes, second.to_dict()
    assert second.archived == 14 - first.archived
    assert_complete(dovecot, imap_user, tmp_path, originals)
    assert_index_consistent(tmp_path)


# ----------------------------------------------------------------------------- 4. vanished, arrived


def expunge_elsewhere(dovecot: DovecotServer, user: ImapUser, uids: list[int]) -> None:
    """Another client deletes *uids* of INBOX (flag and UID EXPUNGE)."""
    with dovecot.client(user) as client:
        client.select_folder("INBOX")
        client.add_flags(uids, [b"\\Deleted"])
        client.uid_expunge(uids)


@pytest.mark.parametrize("when", ["before-fetch", "between-batches", "before-deleting"])
def test_messages_expunged_by_another_client_mid_run_count_as_vanished(
    dovecot, imap_user, account, password, tmp_path, monkeypatch, when
):
    monkeypatch.setattr(imap_module, "BATCH_MESSAGES", 4)
    originals = fill(dovecot, imap_user, 16)
    # Planned, then gone: before the first FETCH; in a batch not fetched yet (the prefetch
    # thread is at most one batch ahead); or archived already, before our UID STORE.
    gone, trigger = {
        "before-fetch": ([2, 7], lambda p: p.message == "Archiving"),
        "between-batches": ([14, 15], lambda p: p.message == "INBOX" and p.done == 4),
        "before-deleting": ([3, 9], lambda p: p.message == "INBOX" and p.done == 16),
    }[when]

    done: list[int] = []

    def expunge(progress: Progress) -> None:
        if trigger(progress) and not done:
            done.append(progress.done)
            expunge_elsewhere(dovecot, imap_user, gone)
            STATS["faults"] += 1

    result = archive(account, password, tmp_path, report=expunge)

    inbox = result.folders[0]
    assert inbox.vanished == 2, inbox.to_dict()
    assert inbox.failed == 0 and inbox.on_server_after == 0
    assert inbox.closes and result.ok, inbox.to_dict()
    archived_before = 16 if when == "before-deleting" else 14
    assert inbox.archived == archived_before and inbox.deleted == 14
    verified = verified_in_archive(tmp_path)
    assert len(verified) == archived_before  # the others vanished before we fetched them
    STATS["checked"] += len(originals)


def append_elsewhere(dovecot: DovecotServer, user: ImapUser, raws: list[bytes]) -> None:
    """Another client delivers *raws* to INBOX: two dated like old mail, the rest today."""
    with dovecot.client(user) as client:
        append_messages(client, "INBOX", raws[:2], when=OLD)
        append_messages(client, "INBOX", raws[2:], when=dt.datetime.now(dt.UTC))


@pytest.mark.parametrize("when", ["before-fetch", "between-batches", "before-deleting"])
def test_mail_arriving_mid_run_counts_as_arrived(
    dovecot, imap_user, account, password, tmp_path, monkeypatch, when
):
    monkeypatch.setattr(imap_module, "BATCH_MESSAGES", 4)
    originals = fill(dovecot, imap_user, 16)
    arrivals = [generate_message(100 + i) for i in range(3)]
    trigger = {
        "before-fetch": lambda p: p.message == "Archiving",
        "between-batches": lambda p: p.message == "INBOX" and p.done == 8,
        "before-deleting": lambda p: p.message == "INBOX" and p.done == 16,
    }[when]
    done: list[int] = []

    def deliver(progress: Progress) -> None:
        if trigger(progress) and not done:
            done.append(progress.done)
            append_elsewhere(dovecot, imap_user, arrivals)
            STATS["faults"] += 1

    result = archive(account, password, tmp_path, report=deliver)

    inbox = result.folders[0]
    assert done and inbox.arrived == 3, inbox.to_dict()
    assert (inbox.archived, inbox.deleted, inbox.on_server_after) == (16, 16, 3)
    assert inbox.closes and result.ok and result.to_dict()["arrived"] == 3, inbox.to_dict()
    # The arrivals stay, even those dated before the cut-off: they were not in the plan.
    digests = {hashlib.sha256(raw).hexdigest() for raw in arrivals}
    assert Counter(d for _, d in on_server(dovecot, imap_user)) == Counter(digests)
    assert verified_in_archive(tmp_path) == set(originals)
    STATS["messages"] += len(arrivals)
    STATS["checked"] += len(originals)


def test_without_uidnext_arrivals_make_the_accounting_fail(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    # Dovecot always sends UIDNEXT; a server that does not is simulated by dropping it.
    real_select = imap_module.ImapSession.select

    def select_without_uidnext(self, folder, *, readonly):
        return dataclasses.replace(real_select(self, folder, readonly=readonly), uidnext=None)

    monkeypatch.setattr(imap_module.ImapSession, "select", select_without_uidnext)
    fill(dovecot, imap_user, 4)
    done: list[int] = []

    def deliver(progress: Progress) -> None:
        if progress.message == "Archiving" and not done:
            done.append(progress.done)
            append_elsewhere(dovecot, imap_user, [generate_message(100)])
            STATS["faults"] += 1

    result = archive(account, password, tmp_path, report=deliver)

    inbox = result.folders[0]
    assert (inbox.deleted, inbox.arrived, inbox.on_server_after) == (4, 0, 1), inbox.to_dict()
    assert result.ok and not inbox.closes  # the arrival cannot be told from a lost count
    STATS["messages"] += 1


def test_mail_arriving_between_the_plans_select_and_search_is_left_alone(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    originals = fill(dovecot, imap_user, 4)
    late = generate_message(100)  # dated like old mail: SEARCH BEFORE finds it
    real_search = imap_module.ImapSession.search_before

    def search_after_delivery(self, day):
        append_elsewhere(dovecot, imap_user, [late])
        STATS["faults"] += 1
        return real_search(self, day)

    monkeypatch.setattr(imap_module.ImapSession, "search_before", search_after_delivery)
    result = archive(account, password, tmp_path)

    inbox = result.folders[0]
    assert (inbox.on_server_before, inbox.archived, inbox.arrived) == (4, 4, 1), inbox.to_dict()
    assert inbox.closes and result.ok, inbox.to_dict()
    assert list(on_server(dovecot, imap_user)) == [("INBOX", hashlib.sha256(late).hexdigest())]
    assert verified_in_archive(tmp_path) == set(originals)
    STATS["messages"] += 1


def test_mail_arriving_while_another_client_expunges_planned_mail(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    monkeypatch.setattr(imap_module, "BATCH_MESSAGES", 4)
    fill(dovecot, imap_user, 16)
    done: list[int] = []

    def busy(progress: Progress) -> None:
        if progress.message == "INBOX" and progress.done == 4 and not done:
            done.append(progress.done)
            expunge_elsewhere(dovecot, imap_user, [14, 15])
            append_elsewhere(dovecot, imap_user, [generate_message(100 + i) for i in range(2)])
            STATS["faults"] += 2

    result = archive(account, password, tmp_path, report=busy)

    inbox = result.folders[0]
    assert (inbox.vanished, inbox.arrived, inbox.deleted) == (2, 2, 14), inbox.to_dict()
    assert inbox.on_server_after == 2 and inbox.closes and result.ok, inbox.to_dict()
    STATS["messages"] += 2


def test_unaccounted_disappearance_does_not_close_even_when_mail_arrives(
    dovecot, imap_user, account, password, tmp_path, monkeypatch
):
    monkeypatch.setattr(imap_module, "BATCH_MESSAGES", 4)
    fill(dovecot, imap_user, 8)
    with dovecot.client(imap_user) as client:  # UID 9: newer than the cut-off, never touched
        append_messages(client, "INBOX", [generate_message(50)], when=dt.datetime.now(dt.UTC))
    done: list[int] = []

    def swap(progress: Progress) -> None:
        # One message the plan counted as newer disappears, one arrives: the number of
        # messages after the run is the same, but one of those before is not accounted for.
        if progress.message == "INBOX" and progress.done == 4 and not done:
            done.append(progress.done)
            expunge_elsewhere(dovecot, imap_user, [9])
            append_elsewhere(dovecot, imap_user, [generate_message(100)])
            STATS["faults"] += 2

    result = archive(account, password, tmp_path, report=swap)

    inbox = result.folders[0]
    assert (inbox.newer, inbox.deleted, inbox.vanished, inbox.arrived) == (1, 8, 0, 1)
    assert inbox.on_server_after == 1 == inbox.on_server_before - inbox.deleted - inbox.vanished
    assert not inbox.closes and not result.closes, inbox.to_dict()
    STATS["messages"] += 2


# ----------------------------------------------------------------------------- 5. folders


def test_folders_renamed_swapped_and_deleted_between_runs(
    dovecot, imap_user, account, password, tmp_path
):
    a = fill(dovecot, imap_user, 3, "A", seed=0)
    b = fill(dovecot, imap_user, 3, "B", seed=10)
    gone = fill(dovecot, imap_user, 2, "Old", seed=20)
    first = archive(account, password, tmp_path, keep_on_server=True)  # catalog knows A, B
    assert first.ok and first.archived == 8
    with dovecot.client(imap_user) as client:
        validity = {f: client.select_folder(f)[b"UIDVALIDITY"] for f in ("A", "B")}
        client.close_folder()
        # A's messages move to C, B's take A's name (same UIDs 1-3!), Old is deleted.
        client.rename_folder("A", "C")
        client.rename_folder("B", "A")
        client.delete_folder("Old")
        assert client.select_folder("A")[b"UIDVALIDITY"] == validity["B"]
    STATS["faults"] += 1
    assert_nothing_lost(dovecot, imap_user, tmp_path, {**a, **b, **gone})

    second = archive(account, password, tmp_path)

    assert second.ok and second.closes, second.to_dict()
    by_name = {f.folder: f for f in second.folders}
    # Stale rows (A's UIDs 1-3 at A's old UIDVALIDITY) name nothing now: all 6 are fetched
    # again under their new folder names, and only then deleted.
    assert (by_name["A"].archived, by_name["A"].deleted) == (3, 3)
    assert (by_name["C"].archived, by_name["C"].deleted) == (3, 3)
    assert "Old" not in by_name and "B" not in by_name
    expected = Counter({**{("A", d): 1 for d in a}, **{("B", d): 1 for d in b}})
    expected.update({("C", d): 1 for d in a} | {("A", d): 1 for d in b})
    expected.update({("Old", d): 1 for d in gone})
    assert not on_server(dovecot, imap_user)
    with Catalog.open(tmp_path) as catalog:
        rows = catalog.records()
    assert Counter((r.folder, r.sha256) for r in rows) == expected
    for row in rows:
        read_message(tmp_path, row)
    assert_index_consistent(tmp_path)
    STATS["checked"] += len(expected)


def test_same_message_in_two_folders_across_runs(dovecot, imap_user, account, password, tmp_path):
    raws = [generate_message(i) for i in range(4)]
    STATS["messages"] += 6
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", raws, when=OLD)
        append_messages(client, "Work", raws[:2], when=OLD)  # the same bytes, kept in both
    first = archive(account, password, tmp_path, folders=("INBOX",))
    assert first.ok and first.deleted == 4
    with dovecot.client(imap_user) as client:
        # The user puts two archived messages back (by hand, not by restore) into INBOX.
        append_messages(client, "INBOX", raws[2:], when=OLD)
    STATS["faults"] += 1

    second = archive(account, password, tmp_path)

    assert second.ok and second.closes, second.to_dict()
    by_name = {f.folder: f for f in second.folders}
    # INBOX: same bytes as archived copies, recorded against them (no new file); Work: new.
    assert (by_name["INBOX"].archived, by_name["INBOX"].already) == (0, 2)
    assert (by_name["Work"].archived, by_name["Work"].deleted) == (2, 2)
    assert by_name["INBOX"].deleted == 2
    assert not on_server(dovecot, imap_user)
    with Catalog.open(tmp_path) as catalog:
        rows = catalog.records()
    digests = [hashlib.sha256(raw).hexdigest() for raw in raws]
    assert Counter((r.folder, r.sha256) for r in rows) == Counter(
        [("INBOX", d) for d in digests + digests[2:]] + [("Work", d) for d in digests[:2]]
    )
    assert len({r.location.path for r in rows}) == 6  # INBOX's second rows share the files
    for row in rows:
        read_message(tmp_path, row)
    assert_index_consistent(tmp_path)
    STATS["checked"] += len(rows)


# ----------------------------------------------------------------------------- 6. SIGKILL

# Runs the command line with small batches (so that a small mailbox has every phase many
# times over) and, when told "TARGET:N:WHEN", SIGKILLs itself right before or after the Nth
# call of TARGET: an exact point in a phase, beyond what a timer can hit reliably.
RUNNER = """
import os, signal, sys, threading
from archiver.core import catalog, imap
from archiver.core.index import background
from archiver.core.jobs import archive
from archiver.core.store import maildir, mbox

# The search indexer is a spawned process that imports this file as __mp_main__: it gets
# the same hooks, and a hit there kills the whole job (and so, by the kernel, itself).
IN_INDEXER = __name__ == "__mp_main__"
imap.BATCH_MESSAGES = 5
archive.DELETE_CHUNK = 7
background.CHUNK = 6
TARGETS = {
    "fetch": (imap.ImapSession, "_fetch_batch"),
    "stage": ((maildir.MaildirStore, mbox.MboxStore), "stage"),
    "add_pending": (catalog.Catalog, "add_pending"),
    "commit": ((maildir.MaildirStore, mbox.MboxStore), "commit"),
    "mark_verified": (catalog.Catalog, "mark_verified"),
    "store_deleted": (imap.ImapSession, "add_deleted_flag"),
    "uid_expunge": (imap.ImapSession, "uid_expunge"),
    "mark_deleted": (catalog.Catalog, "mark_deleted"),
    # While copying, the indexer commits small batches; once the server is freed, the rest
    # in one (index_all): one counter for both, as either may take every message.
    "index": (background, ("index_records", "index_all")),
    "mark_indexed": (catalog.Catalog, "mark_indexed"),
}
if not IN_INDEXER:
    os.environ["KILL_SPEC"] = sys.argv[1]
spec = os.environ["KILL_SPEC"]


def kill():
    if IN_INDEXER:
        os.kill(os.getppid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


if spec != "-":
    target, nth, when = spec.split(":")
    owners, names = TARGETS[target]
    lock, calls = threading.Lock(), [0]

    def hook(real):
        def hooked(*args, **kwargs):
            with lock:
                calls[0] += 1
                hit = calls[0] == int(nth)
            if hit and when == "before":
                kill()
            result = real(*args, **kwargs)
            if hit:
                kill()
            return result
        return hooked

    for owner in owners if isinstance(owners, tuple) else (owners,):
        for name in names if isinstance(names, tuple) else (names,):
            setattr(owner, name, hook(getattr(owner, name)))
if __name__ == "__main__":
    from archiver.cli import main
    sys.exit(main(sys.argv[2:]))
"""

# Per phase: how many calls a run of the mailbox below makes at least (30 + 12 messages,
# batches of 5, deletion rounds of 7), so that the Nth exists. Indexing may take one call:
# the indexer process may start after the copying, and then indexes everything at once.
PHASE_CALLS = {
    "fetch": 9,
    "stage": 42,
    "add_pending": 9,
    "commit": 9,
    "mark_verified": 9,  # one more: recovery's at the start
    "store_deleted": 7,
    "uid_expunge": 7,
    "mark_deleted": 7,
    "index": 1,
    "mark_indexed": 1,
}
FOLDERS = {"INBOX": 30, "Work": 12}


@st.composite
def kill_points(draw: st.DrawFn) -> tuple[str, str]:
    """A kill point: an exact call in one phase, or a delay after the start (any phase)."""
    if draw(st.integers(0, 2)):
        phase = draw(st.sampled_from(sorted(PHASE_CALLS)))
        nth = draw(st.integers(1, PHASE_CALLS[phase]))
        return phase, f"{phase}:{nth}:{draw(st.sampled_from(['before', 'after']))}"
    # A whole run takes about 0.7 s here, 0.25 s of it starting Python: kill in between.
    return "delay", f"{draw(st.floats(0.25, 0.8)):.2f}"


@pytest.mark.slow
@pytest.mark.skipif(
    sys.platform == "win32",
    reason="kills with SIGKILL, which Windows lacks (TerminateProcess is not wired in yet)",
)
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example costs a mailbox
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(point=kill_points(), fmt=st.sampled_from(["maildir", "mbox"]))
# Always tried, whatever the draws: the server acted, the catalog does not know yet.
@example(point=("store_deleted", "store_deleted:2:after"), fmt="maildir")
@example(point=("uid_expunge", "uid_expunge:3:after"), fmt="mbox")
@example(point=("mark_indexed", "mark_indexed:1:before"), fmt="maildir")
def test_sigkill_at_any_point_loses_nothing_and_rerun_completes(
    dovecot, tmp_path_factory, point, fmt
):
    phase, spec = point
    user = dovecot.add_user()
    base = tmp_path_factory.mktemp("kill")
    originals: dict[str, str] = {}
    for seed, (folder, count) in enumerate(FOLDERS.items()):
        originals |= fill(dovecot, user, count, folder, seed=100 * seed)
    secret = base / "pw"
    secret.write_text(user.password)
    env = {**os.environ, "IMAP_ARCHIVER_HOME": str(base / "home"), "PYTHONPATH": str(ROOT)}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IMAP_ARCHIVER_HOME", str(base / "home"))
        assert main(["account", "add", "test", *dovecot.account_args(user),
                     "--password-command", print_file(secret)]) == 0  # fmt: skip
    runner = base / "runner.py"
    runner.write_text(RUNNER)
    command = [sys.executable, str(runner), "-" if phase == "delay" else spec,
               "archive", "test", "--older-than", "1y", "--json", "--format", fmt]  # fmt: skip

    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if phase == "delay":
        try:
            child.wait(float(spec))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
    _, err = child.communicate(timeout=120)
    killed = child.returncode == -signal.SIGKILL
    STATS["kill_points"] += 1
    STATS["killed"] += killed
    STATS[f"phase:{phase}"] += killed
    if phase != "delay":  # an exact point always exists in a run of this mailbox
        assert killed, f"{spec}: the run ended ({child.returncode}) first: {err.decode()[-2000:]}"
    root = base / "home" / "archive"

    # Between the runs: every message is on the server, or verified in the archive, or both.
    assert_nothing_lost(dovecot, user, root, originals)

    rerun = subprocess.run(
        [sys.executable, str(runner), "-", *command[3:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:] + rerun.stdout[-3000:]
    summary = json.loads(rerun.stdout)
    assert summary["closes"] and summary["errors"] == 0
    assert_complete(dovecot, user, root, originals)
    assert_index_consistent(root)
