"""A look at an account: its folders with message counts and sizes, and its quota."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from archiver.core.accounts import Account
from archiver.core.errors import ArchiverError, FolderError
from archiver.core.imap import ImapSession, NamespaceKind, Quota, open_session
from archiver.core.progress import CancelToken, Progress, ProgressCallback
from archiver.core.secrets import Secret

# A connection test waits less than a job: the user watches it, and a server that needs
# longer to answer a LIST would not do for archiving either.
TEST_TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class FolderOverview:
    """One folder's size on the server (messages and bytes are None where unreadable), and
    whose it is: the account's own, another user's or a public one."""

    name: str
    special_use: str | None
    messages: int | None
    size: int | None
    error: str | None = None
    namespace: NamespaceKind = NamespaceKind.PERSONAL


@dataclass(frozen=True, slots=True)
class AccountOverview:
    """What ``account test`` shows."""

    folders: tuple[FolderOverview, ...]
    quota: Quota | None
    has_uidplus: bool
    has_quota: bool


def inspect_account(
    session: ImapSession, *, report: ProgressCallback, cancel: CancelToken
) -> AccountOverview:
    """List the account's selectable folders with their counts and sizes, and the quota."""
    folders = [f for f in session.list_folders() if f.is_selectable]
    overviews = []
    for index, folder in enumerate(folders):
        cancel.raise_if_cancelled()
        report(Progress(index, len(folders), folder.name))
        try:
            messages, size = session.folder_size(folder.name)
            overviews.append(
                FolderOverview(
                    folder.name, folder.special_use, messages, size, namespace=folder.namespace
                )
            )
        except FolderError as exc:
            overviews.append(
                FolderOverview(
                    folder.name, folder.special_use, None, None, str(exc), folder.namespace
                )
            )
    report(Progress(len(folders), len(folders), "done"))
    return AccountOverview(
        tuple(overviews), session.quota(), session.has_uidplus, session.capability("QUOTA")
    )


def check_connection(
    account: Account,
    password: Callable[[], Secret],
    *,
    timeout: float = TEST_TIMEOUT,
    report: ProgressCallback,
    cancel: CancelToken,
) -> AccountOverview:
    """Log in as *account* says and look at its folders and quota (the connection test).

    *password* is called on the job's thread (a keyring or a password command may take a
    while). Cancelling closes the connection at once, so the test ends with Cancelled even
    while the server is silent, not only between folders.
    """
    secret = password()
    cancel.raise_if_cancelled()
    try:
        with open_session(account, secret, timeout, cancel) as session:
            return inspect_account(session, report=report, cancel=cancel)
    except ArchiverError:
        cancel.raise_if_cancelled()  # the failure was the connection closed by cancel()
        raise
