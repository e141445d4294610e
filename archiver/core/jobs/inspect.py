"""A look at an account: its folders with message counts and sizes, and its quota.

The jobs here are what both faces run to look at a server (the connection test, the folder
list, the quota), so neither opens an IMAP session itself. Their sessions close at once when
the job is cancelled (see ImapSession.connect), so a silent server never holds up a Cancel
or the closing of the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from archiver.core.accounts import Account
from archiver.core.errors import ArchiverError, FolderError
from archiver.core.imap import (
    DEFAULT_TIMEOUT,
    FolderInfo,
    ImapSession,
    NamespaceKind,
    Quota,
    open_session,
)
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
        report(Progress(index, len(folders), folder.name, folder=folder.name))
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


@dataclass(frozen=True, slots=True)
class FolderListing:
    """One look at an account: its folders as LISTed (hierarchy, special use) and their
    counts, sizes and the quota."""

    account: Account
    folders: tuple[FolderInfo, ...]
    overview: AccountOverview


Password = Callable[[], Secret]


@contextmanager
def _session(
    account: Account, password: Password, timeout: float, cancel: CancelToken
) -> Iterator[ImapSession]:
    """Log in for a job that *cancel* may stop at any moment, closing the connection.

    The password is asked for here, on the job's thread (a keyring or a password command may
    take a while). A failure caused by the cancel is reported as Cancelled.
    """
    secret = password()
    cancel.raise_if_cancelled()
    try:
        with open_session(account, secret, timeout, cancel) as session:
            yield session
    except ArchiverError:
        cancel.raise_if_cancelled()  # the failure was the connection closed by cancel()
        raise


def check_connection(
    account: Account,
    password: Password,
    *,
    timeout: float = TEST_TIMEOUT,
    report: ProgressCallback,
    cancel: CancelToken,
) -> AccountOverview:
    """Log in as *account* says and look at its folders and quota (the connection test)."""
    with _session(account, password, timeout, cancel) as session:
        return inspect_account(session, report=report, cancel=cancel)


def load_folders(
    account: Account, password: Password, *, report: ProgressCallback, cancel: CancelToken
) -> FolderListing:
    """Read the account's folders, their sizes and the quota (a job).

    LIST is asked twice (here and in inspect_account): the overview has no delimiters, and
    the tree needs them for the hierarchy.
    """
    with _session(account, password, DEFAULT_TIMEOUT, cancel) as session:
        folders = tuple(session.list_folders())
        overview = inspect_account(session, report=report, cancel=cancel)
    return FolderListing(account, folders, overview)


def read_quota(
    account: Account, password: Password, *, report: ProgressCallback, cancel: CancelToken
) -> Quota | None:
    """Log in and read the account's storage quota; None if the server has none (a job)."""
    with _session(account, password, DEFAULT_TIMEOUT, cancel) as session:
        return session.quota()
