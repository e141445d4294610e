"""The test suite's Dovecot: archiver.demo.server's private server plus pools of fresh users.

Every test user exists from the start (see ``USER_POOLS``); ``add_user()`` hands each out
once, so a test starts with an empty mailbox.

Where Dovecot cannot run (Windows, also under Wine), the tests use servers already running
elsewhere on the same machine: ``python -m tests.helpers.dovecot serve STATEFILE`` starts
every server of ``SERVERS`` on the Linux side and describes them in STATEFILE (JSON), and
``IMAP_ARCHIVER_TEST_DOVECOT=STATEFILE`` makes the fixtures use them (``RemoteDovecot``).
Several processes can share them: each user is claimed by creating a file next to
STATEFILE, which succeeds for one process only. What needs the server's side (its
binary, process, log or files) skips there, saying why.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest
from imapclient import IMAPClient

from archiver.core.accounts import Account, PasswordSource, Security
from archiver.demo.server import (
    PUBLIC_ADMIN,
    PUBLIC_PREFIX,
    ImapUser,
    UserEntry,
    find_dovecot,
    free_port,
    login,
)
from archiver.demo.server import DovecotServer as _Server

__all__ = [
    "PASSWORD",
    "SERVERS",
    "STATE_ENV",
    "USER_POOLS",
    "UTF8_PASSWORD",
    "DovecotServer",
    "ImapUser",
    "RemoteDovecot",
    "append_messages",
    "find_dovecot",
    "free_port",
    "session_server",
    "skip_server_side",
]

PASSWORD = "secret-Passw0rd"  # every test user's password; never a real one
UTF8_PASSWORD = "pässwörd-Grüße-€-😀"  # the password of the "utf8" pool's users
USER_POOLS: dict[int | None, int] = {None: 500, 1: 30, 5: 30, 10: 4}  # quota in MB -> users
UTF8_USERS = 10
# The servers the fixtures use, by name: DovecotServer's options. "default" is the dovecot
# fixture's, "shared" dovecot_shared's, the fs-* ones test_bad_input's fs_dovecot's.
SERVERS: dict[str, dict[str, Any]] = {
    "default": {},
    "shared": {"shared_folders": True},
    "fs-slash": {"layout": "fs", "separator": "/"},
    "fs-dot": {"layout": "fs", "separator": "."},
}
STATE_ENV = "IMAP_ARCHIVER_TEST_DOVECOT"  # the path of a STATEFILE written by `serve`
INSTALL_HINT = "dovecot is not installed (Debian: apt-get install dovecot-imapd)"


def _pool_names() -> dict[int | None, list[str]]:
    return {
        quota: [f"q{quota or 'd'}-user{i}" for i in range(count)]
        for quota, count in USER_POOLS.items()
    }


def _utf8_names() -> list[str]:
    return [f"utf8-user{i}" for i in range(UTF8_USERS)]


class _UserPools:
    """Hands out each test user once: within this process, and with *claims* (a folder)
    also across the processes that share a server."""

    def __init__(self, claims: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._pools = _pool_names()
        self._utf8 = _utf8_names()
        self._claims = claims

    def take(self, quota_mb: int | None, utf8_password: bool) -> tuple[str, str]:
        """Return the name and password of a user not handed out before.

        Raises:
            RuntimeError: the pool is used up (or there is none with that quota).
        """
        with self._lock:
            names = self._utf8 if utf8_password else self._pools.get(quota_mb, [])
            while names:
                name = names.pop(0)
                if self._claim(name):
                    return name, UTF8_PASSWORD if utf8_password else PASSWORD
        raise RuntimeError(f"no unused test user with quota {quota_mb} MB")

    def _claim(self, name: str) -> bool:
        if self._claims is None:
            return True
        try:  # O_EXCL: of all processes creating this file, exactly one succeeds
            os.close(os.open(self._claims / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return False
        return True


class _TestUsers:
    """What the tests do with a server through IMAP alone: hand out users, make accounts,
    share folders. Its subclasses give ``host``, ``ssl_port``, ``cafile``, ``separator``,
    ``_pools``, ``user(name, password)`` and ``client(user)``."""

    host: str
    ssl_port: int
    cafile: Path
    separator: str
    _pools: _UserPools
    user: Callable[[str, str], ImapUser]
    client: Callable[[ImapUser], AbstractContextManager[IMAPClient]]

    def add_user(self, quota_mb: int | None = None, *, utf8_password: bool = False) -> ImapUser:
        """Return a user not handed out before, so with an empty mailbox.

        Args:
            quota_mb: a small storage quota for this user (one of USER_POOLS), else the
                server-wide one.
            utf8_password: a user whose password is UTF8_PASSWORD (umlauts, an emoji).
        """
        return self.user(*self._pools.take(quota_mb, utf8_password))

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


class DovecotServer(_Server, _TestUsers):
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
        self._pools = _UserPools()
        # Every user up front: Dovecot notices changes to the file only once a second, so
        # users added on demand would fail to log in now and then.
        self.write_users(
            [
                *(
                    UserEntry(name, PASSWORD, quota)
                    for quota, names in _pool_names().items()
                    for name in names
                ),
                *(UserEntry(name, UTF8_PASSWORD, None) for name in _utf8_names()),
                *([UserEntry(PUBLIC_ADMIN, PASSWORD)] if shared_folders else []),
            ]
        )


def skip_server_side(what: str) -> NoReturn:
    """Skip the test: *what* needs the server's side, which a RemoteDovecot does not reach."""
    pytest.skip(f"{what} is on the server's side, and Dovecot runs elsewhere here ({STATE_ENV})")


class RemoteDovecot(_TestUsers):
    """A server of SERVERS started by ``serve`` in another process (for Windows: on the
    Linux side), described by its STATEFILE; reached over IMAP only."""

    def __init__(self, state_file: Path, name: str) -> None:
        """Read server *name* from *state_file*.

        Raises:
            KeyError: the file does not describe that server.
        """
        state = json.loads(state_file.read_text(encoding="utf-8"))["servers"][name]
        self.host: str = state["host"]
        self.port: int = state["port"]
        self.ssl_port: int = state["ssl_port"]
        self.cafile = state_file.parent / state["cafile"]  # beside the state file
        self.separator: str = state["separator"]
        self.quota_mb: int = state["quota_mb"]
        self._pools = _UserPools(state_file.parent / state["claims"])

    def user(self, name: str, password: str) -> ImapUser:
        return ImapUser(name, password, None)

    def client(self, user: ImapUser) -> AbstractContextManager[IMAPClient]:
        return login(self.host, self.ssl_port, self.cafile, user)

    # What the tests reach on a local server's side: the test skips here.
    binary = property(lambda self: skip_server_side("the dovecot binary"))
    process = property(lambda self: skip_server_side("Dovecot's process"))
    dir = property(lambda self: skip_server_side("Dovecot's folder"))

    def log_tail(self, lines: int = 30) -> str:
        skip_server_side("Dovecot's log")

    def restart(self) -> None:
        skip_server_side("restarting Dovecot")


@contextmanager
def session_server(name: str) -> Iterator[DovecotServer | RemoteDovecot]:
    """Yield server *name* of SERVERS: the one in the STATEFILE that IMAP_ARCHIVER_TEST_DOVECOT
    names, if set, else a private Dovecot started here and stopped afterwards (skipped where
    Dovecot is missing)."""
    state = os.environ.get(STATE_ENV)
    if state:
        yield RemoteDovecot(Path(state), name)
        return
    binary = find_dovecot()
    if binary is None:
        if sys.platform == "win32":
            pytest.skip(
                f"Dovecot runs on Linux and macOS only; set {STATE_ENV} to use one running "
                "there (python -m tests.helpers.dovecot serve STATEFILE)"
            )
        pytest.skip(INSTALL_HINT)
    server = DovecotServer(binary, **SERVERS[name])
    server.start()
    try:
        yield server
    finally:
        server.stop()


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


# --- serve: the servers for another process (Windows under Wine) --------------------------------


def serve(state_file: Path) -> None:
    """Start every server of SERVERS, describe them in *state_file*, wait for SIGTERM or
    SIGINT, then stop them and remove the file.

    The file appears, complete, once every server greets; beside it each server's CA file
    and a folder for claims. Paths in it are relative to its folder, so that a process with
    another view of the file system (Wine's ``Z:\\``) finds them.
    """
    binary = find_dovecot()
    if binary is None:
        raise SystemExit(INSTALL_HINT)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    folder = state_file.resolve().parent
    servers: dict[str, DovecotServer] = {}
    try:
        description = {}
        for name, options in SERVERS.items():
            server = servers[name] = DovecotServer(binary, **options)
            server.start()
            shutil.copyfile(server.cafile, folder / f"{name}-ca.pem")
            (folder / f"{name}-claims").mkdir(exist_ok=True)
            description[name] = {
                "host": server.host,
                "port": server.port,
                "ssl_port": server.ssl_port,
                "cafile": f"{name}-ca.pem",
                "claims": f"{name}-claims",
                "separator": server.separator,
                "quota_mb": server.quota_mb,
            }
        partial = state_file.with_name(state_file.name + ".partial")
        partial.write_text(json.dumps({"servers": description}, indent=2), encoding="utf-8")
        partial.replace(state_file)  # readers never see half a file
        print(f"Serving {', '.join(servers)}; described in {state_file}", flush=True)
        while not stop.wait(1):
            for name, server in servers.items():
                if server.process is None or server.process.poll() is not None:
                    raise SystemExit(f"Dovecot {name!r} ended: {server.log_tail()}")
    finally:
        state_file.unlink(missing_ok=True)
        for server in servers.values():
            server.stop()


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.helpers.dovecot serve STATEFILE``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serving = commands.add_parser("serve", help="run the test servers for another process")
    serving.add_argument("state_file", type=Path, help="where to describe them (JSON)")
    args = parser.parse_args(argv)
    serve(args.state_file)


if __name__ == "__main__":
    main()
