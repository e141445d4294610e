"""A private Dovecot IMAP server on 127.0.0.1, with its own config in a temp dir.

Shared by the demo and the test suite (``tests/helpers/dovecot.py`` builds on it). Shaped
like qutebrowser's end2end webserver fixture: find the binary, write a config, users file and
self-signed certificate, start the process without a shell, wait for the greeting, stop it by
PID.

Rootless on a developer's machine (every Dovecot process runs as the current user). As root
(CI, containers) Dovecot refuses to run mail processes as root, so mail belongs to ``nobody``
and the login processes run as Debian's ``dovenull``/``dovecot`` users; the temp dir is then
readable by everyone (0755) so that those users can reach it, and must not sit inside a
private (0700) folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

from archiver.core.errors import ArchiverError

if sys.platform != "win32":  # Dovecot is POSIX-only, but the front ends import this anywhere
    import grp
    import pwd

log = logging.getLogger(__name__)

SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin", "/opt/homebrew/sbin")
GREETING_TIMEOUT = 15.0
PUBLIC_PREFIX = "Shared1"  # the public namespace, named as some office servers name it
PUBLIC_ADMIN = "public-admin"  # the user who may create public folders and share them


class ServerError(ArchiverError):
    """Raised when the private Dovecot cannot be set up or does not start (bad config,
    missing users, no openssl for its certificate)."""


def find_dovecot() -> str | None:
    """Return the path of the dovecot binary, looking in sbin directories too.

    None on Windows, where Dovecot does not run (under Wine, ``/usr/sbin/dovecot`` would
    name the Linux side's binary, which a Windows process cannot start).
    """
    if sys.platform == "win32":
        return None
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


def wait_for_greeting(port: int, timeout: float = GREETING_TIMEOUT) -> None:
    """Poll until the plain IMAP port on 127.0.0.1 greets with ``* OK``.

    Raises:
        ServerError: nothing greeted within *timeout* seconds.
    """
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
    raise ServerError(f"Dovecot did not greet on port {port}: {last}")


@dataclass(frozen=True, slots=True)
class ImapUser:
    """A mailbox on the server."""

    name: str
    password: str = field(repr=False)
    maildir: Path | None  # None: the server runs elsewhere (see tests/helpers/dovecot.py)


@dataclass(frozen=True, slots=True)
class UserEntry:
    """A line of the users file: name, password and an optional own quota."""

    name: str
    password: str = field(repr=False)
    quota_mb: int | None = None  # None: the server-wide quota


def _identities(is_root: bool) -> tuple[int, int, str, str, int]:
    """Return the mail uid and gid, the internal and login users, and the internal gid.

    As root the mail processes run as nobody and the login processes as Debian's dovenull
    and dovecot; otherwise everything runs as the current user. Raises KeyError for a
    missing user now, not as a failing login later.
    """
    if sys.platform == "win32":
        raise ServerError("Dovecot runs on Linux and macOS only.")
    else:  # a block of its own: type checks for Windows skip it
        if is_root:
            nobody = pwd.getpwnam("nobody")
            mail_uid, mail_gid = nobody.pw_uid, nobody.pw_gid
            internal_user, login_user = "dovecot", "dovenull"
        else:
            mail_uid, mail_gid = os.getuid(), os.getgid()
            internal_user = login_user = pwd.getpwuid(os.getuid()).pw_name
        # The auth process reads the users file as the internal user (root's case).
        internal_gid = pwd.getpwnam(internal_user).pw_gid
        pwd.getpwnam(login_user)
        return mail_uid, mail_gid, internal_user, login_user, internal_gid


def _chown(path: Path, uid: int, gid: int) -> None:
    """Give *path* to the mail or internal user (root's case; POSIX only)."""
    if sys.platform != "win32":
        os.chown(path, uid, gid)


def _group_name(gid: int) -> str:
    """Return the name of group *gid* (POSIX only)."""
    if sys.platform == "win32":
        raise ServerError("Dovecot runs on Linux and macOS only.")
    else:  # a block of its own: type checks for Windows skip it
        return grp.getgrgid(gid).gr_name


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """Write a self-signed certificate for IP 127.0.0.1 (also the CA file) and its key.

    Raises:
        ServerError: openssl is missing or failed.
    """
    cert, key = directory / "cert.pem", directory / "key.pem"
    try:
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
    except FileNotFoundError:
        raise ServerError("openssl is needed to make the server's certificate.") from None
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise ServerError(f"openssl could not make a certificate: {' '.join(detail)}") from None
    return cert, key


class DovecotServer:
    """One Dovecot instance with IMAP (STARTTLS) and IMAPS listeners on 127.0.0.1.

    The constructor writes everything into a fresh temp dir (``dir``) and picks free ports;
    ``write_users()`` sets who may log in (Dovecot re-reads the file when it changes);
    ``start()`` runs the server as a child process and ``stop()`` ends it and, by default,
    removes the temp dir with all mail.
    """

    def __init__(
        self,
        binary: str,
        quota_mb: int = 100,
        layout: str | None = None,
        separator: str = "/",
        *,
        instance: str = "imap-archiver",
        shared_folders: bool = False,
    ) -> None:
        """Write the config.

        Args:
            binary: the dovecot executable.
            quota_mb: every user's storage quota unless their users-file entry has its own.
            layout: ``"fs"`` stores folders as nested directories, which allows "." inside
                names (Maildir++, the default, uses "." as its own separator).
            separator: the hierarchy delimiter clients see.
            instance: the start of Dovecot's instance name (shown by ``doveadm instance``).
            shared_folders: also offer other users' folders (``shared/USER/...``, RFC 2342's
                "other users" namespace) and public folders (``Shared1/...``), both under
                access control lists (RFC 4314): a user sees only what was shared with them.

        Raises:
            ServerError: the certificate could not be made.
        """
        self.binary = binary
        self.quota_mb = quota_mb
        self.layout = layout
        self.separator = separator
        self.is_root = sys.platform != "win32" and os.geteuid() == 0
        # As root the mail processes run as nobody, who must be able to reach this folder.
        self.dir = Path(tempfile.mkdtemp(prefix=f"{instance}-dovecot-"))
        self.dir.chmod(0o755 if self.is_root else 0o700)
        self.host = "127.0.0.1"
        self.port = free_port()
        self.ssl_port = free_port()
        self.users_file = self.dir / "users"
        self.mail_root = self.dir / "mail"
        self.shared_folders = shared_folders
        # The shared-mailbox dictionary and the public folders, written by the mail processes.
        self.shared_root = self.dir / "shared"
        self.process: subprocess.Popen[bytes] | None = None
        try:
            self.mail_uid, self.mail_gid, internal_user, login_user, self._internal_gid = (
                _identities(self.is_root)
            )
            self.cafile, self.keyfile = make_certificate(self.dir)
            self.mail_root.mkdir()
            if self.is_root:
                _chown(self.mail_root, self.mail_uid, self.mail_gid)
            if shared_folders:
                self._make_public_root()
            self.write_users(())
            self.config = self.dir / "dovecot.conf"
            self.config.write_text(self._config_text(instance, internal_user, login_user))
        except KeyError as exc:  # pwd/grp: a user Dovecot runs as does not exist
            shutil.rmtree(self.dir, ignore_errors=True)
            raise ServerError(f"Dovecot's system users are missing ({exc}).") from None
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def _make_public_root(self) -> None:
        """Make the folder of public folders, where only PUBLIC_ADMIN may create folders.

        A public folder has no owner, so without an ACL nobody may use it; the root's
        dovecot-acl is what folders created in it start from.
        """
        public = self.shared_root / "public"
        public.mkdir(parents=True)
        (public / "dovecot-acl").write_text(f"user={PUBLIC_ADMIN} lrwstipekxa\n")
        if self.is_root:
            for path in (self.shared_root, public, public / "dovecot-acl"):
                _chown(path, self.mail_uid, self.mail_gid)

    def _shared_text(self) -> str:
        """The settings of the acl plugin and the shared and public namespaces."""
        sep, layout = self.separator, f":LAYOUT={self.layout}" if self.layout else ""
        return f"""
plugin {{
  acl = vfile
  acl_shared_dict = file:{self.shared_root}/shared-mailboxes.db
}}
namespace shared {{
  type = shared
  separator = {sep}
  prefix = shared{sep}%%u{sep}
  location = maildir:%%h/Maildir{layout}:INDEXPVT=~/Maildir/shared/%%u
  subscriptions = no
  list = children
}}
namespace public {{
  type = public
  separator = {sep}
  prefix = {PUBLIC_PREFIX}{sep}
  location = maildir:{self.shared_root}/public{layout}
  subscriptions = no
  list = children
}}
"""

    def _config_text(self, instance: str, internal_user: str, login_user: str) -> str:
        d = self.dir
        group = _group_name(self._internal_gid)
        shared = self._shared_text() if self.shared_folders else ""
        acl = " acl" if self.shared_folders else ""
        return f"""
base_dir = {d}/run
state_dir = {d}/state
instance_name = {instance}-{self.port}
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
mail_plugins = $mail_plugins quota{acl}
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
# Login and mail processes are kept and used again (service_count = 0: Dovecot's
# high-performance mode): every user here is the same system user, and a login then costs
# the server 4 ms of CPU instead of 18 (the tests log in thousands of times).
service imap-login {{
  chroot =
  service_count = 0
  process_min_avail = 1
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
service imap {{
  service_count = 0
}}
service anvil {{
  chroot =
}}
protocol imap {{
  mail_plugins = $mail_plugins imap_quota{acl and " imap_acl"}
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
{shared}"""

    def write_users(self, users: Iterable[UserEntry]) -> None:
        """Replace the users file (passwords in plain text, readable by Dovecot's auth only).

        Dovecot notices changes to the file only once a second, so a user who must log in
        at once belongs in the file before start().
        """
        lines = []
        for user in users:
            extra = (
                f"userdb_quota_rule=*:storage={user.quota_mb}M" if user.quota_mb is not None else ""
            )
            lines.append(f"{user.name}:{user.password}::::::{extra}\n")
        fd = os.open(self.users_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            if self.is_root:  # auth runs as the internal user: let its group read
                _chown(Path(self.users_file), 0, self._internal_gid)
                self.users_file.chmod(0o640)
            file.writelines(lines)

    def user(self, name: str, password: str) -> ImapUser:
        """Return the ImapUser for an entry of the users file."""
        return ImapUser(name, password, self.mail_root / name / "Maildir")

    def start(self, timeout: float = GREETING_TIMEOUT) -> None:
        """Start Dovecot in the foreground (as a child) and wait until it greets.

        Raises:
            ServerError: it exited or did not greet in time (the message holds its log).
        """
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        log.debug("Dovecot started (PID %s) on ports %s and %s", self.process.pid, self.port,
                  self.ssl_port)  # fmt: skip
        try:
            wait_for_greeting(self.port, timeout)
        except ServerError:
            tail = self.log_tail()
            self.stop(remove=False)
            raise ServerError(f"Dovecot failed to start: {tail}") from None

    def restart(self) -> None:
        """Stop and start the server on the same ports, keeping all mail."""
        self.stop(remove=False)
        self.start()

    def stop(self, remove: bool = True) -> None:
        """Stop the server by PID: terminate, wait, kill as a last resort. Idempotent."""
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
        """Return the end of Dovecot's log (and its stderr once it exited), for messages."""
        log_file = self.dir / "dovecot.log"
        text = log_file.read_text(errors="replace") if log_file.exists() else ""
        stderr = b""
        if self.process is not None and self.process.poll() is not None and self.process.stderr:
            stderr = self.process.stderr.read()
        return "\n".join(text.splitlines()[-lines:]) + stderr.decode(errors="replace")

    def ssl_context(self) -> ssl.SSLContext:
        """Return a client context that trusts this server's certificate."""
        return ssl.create_default_context(cafile=str(self.cafile))

    def client(self, user: ImapUser) -> AbstractContextManager[IMAPClient]:
        """Log in as *user* over IMAPS and yield a raw IMAPClient, for set-up and checks."""
        return login(self.host, self.ssl_port, self.cafile, user)


@contextmanager
def login(host: str, ssl_port: int, cafile: Path, user: ImapUser) -> Iterator[IMAPClient]:
    """Log in as *user* over IMAPS, trusting *cafile*, and yield a raw IMAPClient."""
    context = ssl.create_default_context(cafile=str(cafile))
    with IMAPClient(host, ssl_port, ssl_context=context, timeout=30) as client:
        if user.password.isascii():
            client.login(user.name, user.password)
        else:  # imaplib's LOGIN takes ASCII only
            client.plain_login(user.name, user.password)
        yield client
