"""The test suite's Dovecot: archiver.demo.server's private server plus pools of fresh users.

Every test user exists from the start (see ``_pool_users``); ``add_user()`` hands each out
once, so a test starts with an empty mailbox.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable

from imapclient import IMAPClient

from archiver.core.accounts import Account, PasswordSource, Security
from archiver.demo.server import (
    PUBLIC_ADMIN,
    PUBLIC_PREFIX,
    ImapUser,
    UserEntry,
    find_dovecot,
    free_port,
)
from archiver.demo.server import DovecotServer as _Server

__all__ = [
    "PASSWORD",
    "USER_POOLS",
    "UTF8_PASSWORD",
    "DovecotServer",
    "ImapUser",
    "append_messages",
    "find_dovecot",
    "free_port",
]

PASSWORD = "secret-Passw0rd"  # every test user's password; never a real one
UTF8_PASSWORD = "pässwörd-Grüße-€-😀"  # the password of the "utf8" pool's users
USER_POOLS: dict[int | None, int] = {None: 500, 1: 30, 5: 30, 10: 4}  # quota in MB -> users
UTF8_USERS = 10


class DovecotServer(_Server):
    """The private Dovecot with pools of test users, some with small quotas."""

    def __init__(
        self,
        binary: str,
        quota_mb: int = 100,
        layout: str | None = None,
        separator: str = "/",
        *,
        shared_folders: bool = False,
    ) -> None:
        super().__init__(
            binary,
            quota_mb,
            layout,
            separator,
            instance="imap-archiver-test",
            shared_folders=shared_folders,
        )
        self._lock = threading.Lock()
        self._pools: dict[int | None, list[str]] = {
            quota: [f"q{quota or 'd'}-user{i}" for i in range(count)]
            for quota, count in USER_POOLS.items()
        }
        # Every user up front: Dovecot notices changes to the file only once a second, so
        # users added on demand would fail to log in now and then.
        self._utf8_pool = [f"utf8-user{i}" for i in range(UTF8_USERS)]
        self.write_users(
            [
                *(
                    UserEntry(name, PASSWORD, quota)
                    for quota, names in self._pools.items()
                    for name in names
                ),
                *(UserEntry(name, UTF8_PASSWORD, None) for name in self._utf8_pool),
                *([UserEntry(PUBLIC_ADMIN, PASSWORD)] if shared_folders else []),
            ]
        )

    def add_user(self, quota_mb: int | None = None, *, utf8_password: bool = False) -> ImapUser:
        """Return a user not handed out before, so with an empty mailbox.

        Args:
            quota_mb: a small storage quota for this user (one of USER_POOLS), else the
                server-wide one.
            utf8_password: a user whose password is UTF8_PASSWORD (umlauts, an emoji).
        """
        with self._lock:
            try:
                if utf8_password:
                    return self.user(self._utf8_pool.pop(0), UTF8_PASSWORD)
                name = self._pools[quota_mb].pop(0)
            except (KeyError, IndexError):
                raise RuntimeError(f"no unused test user with quota {quota_mb} MB") from None
        return self.user(name, PASSWORD)

    def account(
        self,
        user: ImapUser,
        name: str = "test",
        source: PasswordSource = PasswordSource.PROMPT,
    ) -> Account:
        """Return an Account that reaches *user* over IMAPS, trusting the test certificate."""
        return Account(
            name=name,
            host=self.host,
            port=self.ssl_port,
            user=user.name,
            security=Security.SSL,
            cafile=self.cafile,
            password_source=source,
        )

    def share(self, owner: ImapUser, folder: str, grantee: ImapUser, rights: str) -> str:
        """Let *grantee* use *owner*'s *folder* with RFC 4314 *rights* (SETACL as the owner).

        Returns the name the grantee sees it by, in the other users' namespace.
        """
        with self.client(owner) as client:
            client.setacl(folder, grantee.name, rights)
        return self.separator.join(("shared", owner.name, folder))

    def public_folder(
        self, name: str, grantee: ImapUser, rights: str, messages: Iterable[bytes] = ()
    ) -> str:
        """Create the public folder *name* holding *messages* (old ones, see
        append_messages), which only *grantee* may use, with *rights*. Returns its full
        name, in the public namespace."""
        full = f"{PUBLIC_PREFIX}{self.separator}{name}"
        with self.client(self.user(PUBLIC_ADMIN, PASSWORD)) as client:
            append_messages(client, full, messages)
            client.setacl(full, grantee.name, rights)
        return full

    def account_args(self, user: ImapUser) -> list[str]:
        """Return ``imap-archiver account add`` options that reach *user* over IMAPS."""
        return ["--host", self.host, "--port", str(self.ssl_port), "--user", user.name,
                "--cafile", str(self.cafile)]  # fmt: skip


def append_messages(
    client: IMAPClient,
    folder: str,
    messages: Iterable[bytes],
    when: dt.datetime = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC),
    flags: tuple[bytes, ...] = (),
) -> None:
    """APPEND each message to *folder* (created when missing) with one INTERNALDATE and flags."""
    if not client.folder_exists(folder):
        client.create_folder(folder)
    for raw in messages:
        client.append(folder, raw, flags=flags, msg_time=when)
