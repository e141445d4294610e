"""A private Dovecot IMAP server for tests, on 127.0.0.1, with its own config in a temp dir.

Shaped like qutebrowser's end2end webserver fixture: find the binary or skip, write a config,
start the process without a shell, wait for the greeting, stop it by PID.

Rootless on a developer's machine (every Dovecot process runs as the current user). As root
(CI) Dovecot refuses to run mail processes as root, so mail belongs to ``nobody`` and the
login processes run as Debian's ``dovenull``/``dovecot`` users; the temp dir then lives
outside pytest's private (0700) tree so that those users can reach it.
"""

from __future__ import annotations

import datetime as dt
import grp
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")
PASSWORD = "secret-Passw0rd"  # every test user's password; never a real one
USER_POOLS: dict[int | None, int] = {None: 500, 1: 30, 5: 30, 10: 4}  # quota in MB -> users


def find_dovecot() -> str | None:
    """Return the path of the dovecot binary, looking in sbin directories too."""
    found = shutil.which("dovecot")
    if found:
        return found
    for directory in SBIN_DIRS:
        candidate = Path(directory, "dovecot")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_greeting(port: int, timeout: float = 15.0) -> None:
    """Poll until the plain IMAP port greets with ``* OK``."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
                if sock.recv(200).startswith(b"* OK"):
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"Dovecot did not greet on port {port}: {last}")


@dataclass(frozen=True, slots=True)
class ImapUser:
    """A mailbox on the test server."""

    name: str
    password: str
    maildir: Path


def _make_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for IP 127.0.0.1 (also the CA file) and its key."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class DovecotServer:
    """One Dovecot instance with IMAP (STARTTLS) and IMAPS listeners on 127.0.0.1."""

    def __init__(
        self, binary: str, quota_mb: int = 100, layout: str | None = None, separator: str = "/"
    ) -> None:
        """Write the config; *layout* ``"fs"`` stores folders as nested directories, which
        allows "." inside names (Maildir++, the default, uses "." as its own separator);
        *separator* is the hierarchy delimiter clients see."""
        self.binary = binary
        self.quota_mb = quota_mb
        self.layout = layout
        self.separator = separator
        self.is_root = os.geteuid() == 0
        # As root the mail processes run as nobody, who must be able to reach this folder.
        self.dir = Path(tempfile.mkdtemp(prefix="imap-archiver-dovecot-"))
        self.dir.chmod(0o755)
        self.host = "127.0.0.1"
        self.port = free_port()
        self.ssl_port = free_port()
        self.cafile, self.keyfile = _make_certificate(self.dir)
        self.users_file = self.dir / "users"
        self.mail_root = self.dir / "mail"
        self.mail_root.mkdir()
        self._pools: dict[int | None, list[str]] = {}
        self._write_users()
        self._lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        if self.is_root:
            nobody = pwd.getpwnam("nobody")
            self.mail_uid, self.mail_gid = nobody.pw_uid, nobody.pw_gid
            os.chown(self.mail_root, self.mail_uid, self.mail_gid)
            internal_user, login_user = "dovecot", "dovenull"
        else:
            self.mail_uid, self.mail_gid = os.getuid(), os.getgid()
            internal_user = login_user = pwd.getpwuid(os.getuid()).pw_name
        self.config = self.dir / "dovecot.conf"
        self.config.write_text(self._config_text(internal_user, login_user))

    def _config_text(self, internal_user: str, login_user: str) -> str:
        d = self.dir
        group = grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name
        return f"""
base_dir = {d}/run
state_dir = {d}/state
instance_name = imap-archiver-test-{self.port}
listen = 127.0.0.1
protocols = imap
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{self.cafile}
ssl_key = <{self.keyfile}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {group}
default_login_user = {login_user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir{f":LAYOUT={self.layout}" if self.layout else ""}
mail_plugins = $mail_plugins quota
imap_capability = +
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.users_file}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.users_file}
  default_fields = uid={self.mail_uid} gid={self.mail_gid} home={self.mail_root}/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
protocol imap {{
  mail_plugins = $mail_plugins imap_quota
}}
plugin {{
  quota = maildir:User quota
  quota_rule = *:storage={self.quota_mb}M
}}
namespace inbox {{
  inbox = yes
  separator = {self.separator}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
}}
"""

    def start(self) -> None:
        """Start Dovecot in the foreground (as a child) and wait until it greets."""
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_greeting(self.port)
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"Dovecot failed to start: {self.log_tail()}") from None

    def restart(self) -> None:
        """Stop and start the server on the same ports, keeping all mail."""
        self.stop(remove=False)
        self.start()

    def stop(self, remove: bool = True) -> None:
        """Stop the server by PID: terminate, wait, kill as a last resort."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            if self.process.stderr is not None:
                self.process.stderr.close()
            self.process = None
        if remove:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines: int = 30) -> str:
        """Return the end of Dovecot's log, for failure messages."""
        log = self.dir / "dovecot.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        stderr = b""
        if self.process is not None and self.process.poll() is not None and self.process.stderr:
            stderr = self.process.stderr.read()
        return "\n".join(text.splitlines()[-lines:]) + stderr.decode(errors="replace")

    def _write_users(self) -> None:
        """Write every test user up front: Dovecot notices changes to the file only once a
        second, so users added on demand would fail to log in now and then."""
        lines = []
        for quota_mb, count in USER_POOLS.items():
            extra = f"userdb_quota_rule=*:storage={quota_mb}M" if quota_mb is not None else ""
            names = [f"q{quota_mb or 'd'}-user{i}" for i in range(count)]
            self._pools[quota_mb] = names
            lines += [f"{name}:{PASSWORD}::::::{extra}" for name in names]
        self.users_file.write_text("\n".join(lines) + "\n")

    def add_user(self, quota_mb: int | None = None) -> ImapUser:
        """Return a user not handed out before, so with an empty mailbox.

        Args:
            quota_mb: a small storage quota for this user (one of USER_POOLS), else the
                server-wide one.
        """
        with self._lock:
            try:
                name = self._pools[quota_mb].pop(0)
            except (KeyError, IndexError):
                raise RuntimeError(f"no unused test user with quota {quota_mb} MB") from None
        return ImapUser(name, PASSWORD, self.mail_root / name / "Maildir")

    def account_args(self, user: ImapUser) -> list[str]:
        """Return ``imap-archiver account add`` options that reach *user* over IMAPS."""
        return ["--host", self.host, "--port", str(self.ssl_port), "--user", user.name,
                "--cafile", str(self.cafile)]  # fmt: skip

    def ssl_context(self) -> ssl.SSLContext:
        """Return a client context that trusts this server's certificate."""
        return ssl.create_default_context(cafile=str(self.cafile))

    @contextmanager
    def client(self, user: ImapUser) -> Iterator[IMAPClient]:
        """Log in as *user* over IMAPS and yield a raw IMAPClient, for test set-up and checks."""
        with IMAPClient(
            self.host, self.ssl_port, ssl_context=self.ssl_context(), timeout=30
        ) as client:
            client.login(user.name, user.password)
            yield client


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
