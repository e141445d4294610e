"""A look at an account: its folders with message counts and sizes, and its quota."""

from __future__ import annotations

from dataclasses import dataclass

from archiver.core.errors import FolderError
from archiver.core.imap import ImapSession, NamespaceKind, Quota
from archiver.core.progress import CancelToken, Progress, ProgressCallback


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
