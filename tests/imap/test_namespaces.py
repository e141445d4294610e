"""Other users' and public folders (RFC 2342 namespaces) and folders the server will not
delete in (RFC 4314 ACLs), against a Dovecot that shares folders under ACLs.

Offices share mailboxes: a default run must never archive, delete or count as freed quota
another user's folder or a public one, and a folder whose deletion the server refuses keeps
its messages while the run goes on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.cli.common import EXIT_OK, EXIT_PARTLY
from archiver.core.accounts import Security
from archiver.core.imap import Namespace, NamespaceKind, namespace_of
from archiver.core.jobs.archive import ArchiveOptions, ArchiveResult, Kept, may_delete, run_archive
from archiver.core.progress import CancelToken
from archiver.core.secrets import Secret
from tests.helpers.dovecot import DovecotServer, ImapUser, append_messages
from tests.helpers.mailgen import generate_message
from tests.helpers.shell import print_file
from tests.helpers.tcpproxy import FaultProxy

pytestmark = pytest.mark.imap

OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
CUTOFF = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
FULL = "lrswipkxtecda"  # every right: only the namespace keeps a default run out
READ_ONLY = "lrs"  # read and mark seen, but no \Deleted ("t") and no EXPUNGE ("e")


@dataclasses.dataclass
class Office:
    """A user whose colleague shares a folder, and who may use a public folder."""

    server: DovecotServer
    user: ImapUser
    colleague: ImapUser
    team: str  # the colleague's folder, as the user sees it
    public: str  # the public folder


def make_office(server: DovecotServer, team_rights: str = FULL) -> Office:
    user, colleague = server.add_user(), server.add_user()
    with server.client(user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(2)], when=OLD)
    with server.client(colleague) as client:
        append_messages(client, "Team", [generate_message(10 + i) for i in range(3)], when=OLD)
    team = server.share(colleague, "Team", user, team_rights)
    public = server.public_folder(
        f"Office-{user.name}", user, FULL, [generate_message(20 + i) for i in range(4)]
    )
    return Office(server, user, colleague, team, public)


@pytest.fixture
def office(dovecot_shared: DovecotServer) -> Office:
    return make_office(dovecot_shared)


def count(server: DovecotServer, user: ImapUser, folder: str) -> int:
    with server.client(user) as client:
        return int(client.folder_status(folder, [b"MESSAGES"])[b"MESSAGES"])


def archive(office: Office, root: Path, account=None, **options):
    return run_archive(
        account or office.server.account(office.user),
        Secret(office.user.password),
        root,
        ArchiveOptions(cutoff=CUTOFF, **options),
        None,
        "maildir",
        report=lambda _: None,
        cancel=CancelToken(),
    )


def test_namespace_of_follows_the_longest_prefix():
    cyrus = (
        Namespace(NamespaceKind.PERSONAL, "INBOX.", "."),
        Namespace(NamespaceKind.OTHER_USERS, "user.", "."),
        Namespace(NamespaceKind.PUBLIC, "", "."),
    )
    assert namespace_of("INBOX", cyrus) is NamespaceKind.PERSONAL
    assert namespace_of("INBOX.Sent", cyrus) is NamespaceKind.PERSONAL
    assert namespace_of("user.other.Team", cyrus) is NamespaceKind.OTHER_USERS
    assert namespace_of("user", cyrus) is NamespaceKind.OTHER_USERS
    assert namespace_of("Shared1", cyrus) is NamespaceKind.PUBLIC
    assert namespace_of("Anything", ()) is NamespaceKind.PERSONAL  # no NAMESPACE: all ours


def test_rights_that_allow_deletion():
    assert may_delete("lrswipkxtecda") and may_delete("lrsd")  # RFC 2086's "d": both
    assert not may_delete("lrs") and not may_delete("lrsa") and not may_delete("lrst")


def test_default_run_leaves_shared_and_public_folders_alone(office, tmp_path):
    result = archive(office, tmp_path)

    assert [f.folder for f in result.folders] == ["INBOX", "Sent"]  # Trash, Junk: not named
    assert result.folders[0].deleted == 2 and result.closes and result.ok
    assert {(f.name, f.namespace) for f in result.shared_left} == {
        (office.team, NamespaceKind.OTHER_USERS),
        (office.public, NamespaceKind.PUBLIC),
    }
    assert count(office.server, office.colleague, "Team") == 3
    assert count(office.server, office.user, office.public) == 4
    archived = [p.name for p in tmp_path.rglob("*")]
    assert not [name for name in archived if "Team" in name or "Office" in name]


def test_dry_run_quota_never_counts_shared_bytes(office, tmp_path):
    plan = archive(office, tmp_path, dry_run=True)
    assert [f.folder for f in plan.folders] == ["INBOX", "Sent"]
    inbox_bytes = plan.folders[0].bytes_selected

    named = archive(office, tmp_path, dry_run=True, folders=("INBOX", office.team, office.public))

    assert [f.kept[Kept.DRY_RUN] for f in named.folders] == [2, 3, 4]
    assert named.bytes > inbox_bytes  # the shared folders would move ...
    before, after = named.quota_before, named.quota_after
    assert before is not None and after is not None
    assert before.used - after.used == inbox_bytes  # ... but free none of our quota


def test_a_named_shared_folder_is_archived(office, tmp_path):
    result = archive(office, tmp_path, folders=(office.team,))

    team = result.folders[0]
    assert (team.folder, team.namespace) == (office.team, NamespaceKind.OTHER_USERS)
    assert (team.archived, team.deleted) == (3, 3) and result.closes and result.ok
    assert result.bytes_freed == 0  # the colleague's quota, not ours
    assert count(office.server, office.colleague, "Team") == 0
    assert count(office.server, office.user, "INBOX") == 2  # not named: untouched


@pytest.fixture
def cli_office(office, home, tmp_path, capsys):
    secret = tmp_path / "pw"
    secret.write_text(office.user.password + "\n")
    args = office.server.account_args(office.user)
    assert main(["account", "add", "office", *args, "--password-command", print_file(secret)]) == 0
    capsys.readouterr()
    return office


def test_account_test_and_the_plan_list_shared_folders_marked(cli_office, capsys):
    assert main(["account", "test", "office"]) == EXIT_OK
    listing = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "shared (another user's; archived only with --folder)" in listing[cli_office.team]
    assert "shared (public; archived only with --folder)" in listing[cli_office.public]
    assert "shared" not in listing["INBOX"]

    assert main(["archive", "office", "--before", "2021-01-01", "--dry-run"]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"{cli_office.team} (shared, another user's): left alone" in out
    assert f"{cli_office.public} (shared, public): left alone" in out
    assert "2 messages" in out and "would move" in out


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.archive",
    r"the server refuses deletion here \(your rights: lrs\)",
)
def test_read_only_folder_keeps_its_messages_and_the_run_goes_on(
    dovecot_shared, home, tmp_path, capsys, caplog
):
    office = make_office(dovecot_shared, team_rights=READ_ONLY)
    secret = tmp_path / "pw"
    secret.write_text(office.user.password + "\n")
    args = office.server.account_args(office.user)
    assert main(["account", "add", "office", *args, "--password-command", print_file(secret)]) == 0
    capsys.readouterr()

    code = main(
        [
            "archive",
            "office",
            "--before",
            "2021-01-01",
            "--folder",
            office.team,
            "--folder",
            "INBOX",
            "--json",
        ]
    )

    assert code == EXIT_PARTLY
    out = json.loads(capsys.readouterr().out)
    team, inbox = out["folders"]
    assert (team["archived"], team["deleted"]) == (3, 0)
    assert team["kept"] == {Kept.READ_ONLY: 3} and team["closes"]
    assert (inbox["archived"], inbox["deleted"]) == (2, 2) and inbox["closes"]
    assert out["partly"] and not out["error"]
    assert count(office.server, office.colleague, "Team") == 3
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        f"Folder {office.team}: the server refuses deletion here (your rights: lrs); "
        "3 archived messages stay on it"
    ]


def archive_two_folders_through(
    dovecot, imap_user, account, password, root: Path, answer: bytes, instead: bytes
) -> ArchiveResult:
    """Archive 2 messages of INBOX and 3 of Work through a proxy that turns the server's
    first *answer* into *instead*."""
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(2)], when=OLD)
        append_messages(client, "Work", [generate_message(10 + i) for i in range(3)], when=OLD)
    with FaultProxy(dovecot.host, dovecot.port) as proxy:
        proxy.rewrite_server(answer, instead)
        plain = dataclasses.replace(
            account, security=Security.PLAIN, host=proxy.host, port=proxy.port
        )
        return run_archive(
            plain,
            password,
            root,
            ArchiveOptions(cutoff=CUTOFF),
            None,
            "maildir",
            report=lambda _: None,
            cancel=CancelToken(),
        )


@pytest.mark.expect_log("WARNING", "archiver.core.imap", "connecting without encryption")
@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.jobs.archive",
    "Folder INBOX: the server refuses deletion; 2 archived messages stay",
)
def test_refused_store_keeps_that_folder_and_the_run_goes_on(
    dovecot, imap_user, account, password, tmp_path, caplog
):
    """A server that answers NO to STORE (Cyrus without the "t" right) and has no ACL
    extension to ask first: that folder keeps its messages, the next folder is emptied."""
    result = archive_two_folders_through(
        dovecot, imap_user, account, password, tmp_path,
        b"OK Store completed", b"NO [NOPERM] Permission denied",
    )  # fmt: skip

    by_name = {f.folder: f for f in result.folders}
    inbox, work = by_name["INBOX"], by_name["Work"]
    assert (inbox.archived, inbox.deleted, dict(inbox.kept)) == (2, 0, {Kept.READ_ONLY: 2})
    assert (work.archived, work.deleted) == (3, 3)
    assert result.closes and result.partly and not result.error
    plain, refused = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert plain == "Account test: connecting without encryption"
    assert refused.startswith(
        "Folder INBOX: the server refuses deletion; 2 archived messages stay on it (Account "
        "test, folder INBOX: the server refused STORE: store failed: [NOPERM] Permission denied"
    )


@pytest.mark.expect_log("WARNING", "archiver.core.imap", "connecting without encryption")
@pytest.mark.expect_log("WARNING", "archiver.core.jobs.archive", "the server refused SELECT INBOX")
def test_folder_failing_before_deletion_is_skipped_and_the_run_goes_on(
    dovecot, imap_user, account, password, tmp_path, caplog
):
    # The first read-write SELECT is the one before deleting from INBOX.
    result = archive_two_folders_through(
        dovecot, imap_user, account, password, tmp_path,
        b"OK [READ-WRITE] Select completed", b"NO Temporary failure",
    )  # fmt: skip

    by_name = {f.folder: f for f in result.folders}
    inbox, work = by_name["INBOX"], by_name["Work"]
    assert inbox.error and "folder INBOX" in inbox.error and inbox.deleted == 0
    assert inbox.closes and sum(inbox.kept.values()) == 2
    assert (work.archived, work.deleted) == (3, 3) and not result.error
    assert result.partly
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == ["Account test: connecting without encryption", inbox.error]


def test_partly_is_documented_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["archive", "--help"])
    assert "3 partly done" in capsys.readouterr().out and EXIT_PARTLY == 3
