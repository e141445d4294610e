"""A demo session: a throw-away Dovecot full of generated mail, and an app home set up for it.

Everything lives below one private temp dir (and the server's own temp dir), removed by
``stop()``: the settings file with the one ``demo`` account, the archive, the logs and the
password. The user's real settings, archive and keyring are never read or written: the front
ends build their folders from ``DemoSession.dirs`` instead of ``resolve_dirs()``, and call
``keep_off_the_keyring()``.

A session holds a lock file in its folder for as long as it lives (the operating system
releases it when the process ends, however it ends), and notes there where its server's
folder is. A demo killed before it could clean up (SIGKILL, a power cut) thus leaves a
folder nobody holds: the next demo, and the app at its start, stop its Dovecot and remove
both folders (:func:`remove_stale_demos`).

The password is random for each session. It is in the server's users file and in a private
file the account's password command reads (``cat FILE``), never in the settings file; a
password command works for every front end alike (the app, and the command line in another
terminal with ``IMAP_ARCHIVER_HOME`` set to the demo's home).
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType

import keyring
import keyring.backends.fail
from imapclient import IMAPClient

from archiver.core.accounts import Account, PasswordSource, Security
from archiver.core.config import Config, save_config
from archiver.core.errors import ArchiveLocked
from archiver.core.lock import LOCK_NAME, archive_lock
from archiver.core.logsetup import close_logs_below
from archiver.core.paths import AppDirs, write_private_file
from archiver.core.secrets import Secret
from archiver.demo.mail import DemoMessage, generate_mail
from archiver.demo.server import DovecotServer, ServerError, UserEntry, find_dovecot

log = logging.getLogger(__name__)

PREFIX = "imap-archiver-demo-"  # the session's folder, and its server's (…-demo-dovecot-)
SERVER_NOTE = "server"  # in the session's folder: the path of its server's folder
STOP_TIMEOUT = 10.0  # seconds a stale Dovecot gets to end on SIGTERM before SIGKILL
ACCOUNT_NAME = "demo"
USER_NAME = "demo"
APPEND_CHUNK = 50  # messages per MULTIAPPEND command
QUOTA_FILL = 0.65  # the quota is chosen so that the generated mail fills this much of it
INSTALL_HINT = (
    "The demo needs Dovecot: sudo apt-get install dovecot-imapd (Debian/Ubuntu), "
    "sudo dnf install dovecot (Fedora), brew install dovecot (macOS Homebrew)."
)


class DovecotMissing(ServerError):
    """Raised by DemoSession.start() where no dovecot binary is found (the message says how
    to install it)."""


def keep_off_the_keyring() -> None:
    """Make every keyring call of this process fail, so the demo never touches the user's keyring.

    The demo account needs none; an account the user adds or switches to the keyring
    during the demo gets the usual "no usable system keyring" error. Process-wide: for the
    front ends, which run the demo and nothing else.
    """
    keyring.set_keyring(keyring.backends.fail.Keyring())


def quota_for(messages: Sequence[DemoMessage]) -> int:
    """Return a quota in MiB that the messages fill to about QUOTA_FILL (at least 1)."""
    size = sum(len(message.raw) for message in messages)
    return max(1, math.ceil(size / QUOTA_FILL / 2**20))


def fill_mailbox(client: IMAPClient, messages: Sequence[DemoMessage]) -> None:
    """APPEND *messages* with their flags and INTERNALDATE, creating and subscribing folders.

    Uses MULTIAPPEND (RFC 3502, which Dovecot has): one command per chunk instead of one
    round trip per message.
    """
    by_folder: dict[str, list[DemoMessage]] = {}
    for message in messages:
        by_folder.setdefault(message.folder, []).append(message)
    for folder, group in by_folder.items():
        if not client.folder_exists(folder):
            client.create_folder(folder)
            client.subscribe_folder(folder)
        for start in range(0, len(group), APPEND_CHUNK):
            chunk = group[start : start + APPEND_CHUNK]
            client.multiappend(
                folder,
                [{"msg": m.raw, "flags": m.flags, "date": m.internaldate} for m in chunk],
            )


def remove_stale_demos(temp_root: Path | None = None) -> list[Path]:
    """Stop the Dovecot of every demo folder whose session is gone, remove the folders.

    A folder is stale when nobody holds its lock file: the session that made it ended
    without cleaning up. Folders without a lock file (being created this instant, or left
    by an older version) are not judged. Returns the folders removed.
    """
    removed = []
    for folder in sorted(Path(temp_root or tempfile.gettempdir()).glob(f"{PREFIX}*")):
        if not (folder / LOCK_NAME).is_file():  # a server's folder, or not judged
            continue
        try:
            with archive_lock(folder):  # the same lock a session holds (see DemoSession)
                server_dir = _server_dir(folder)
                if server_dir is not None:
                    _stop_stale_dovecot(server_dir)
        except ArchiveLocked:
            continue  # its session is alive
        except OSError as exc:
            log.warning("Could not clean up the old demo folder %s: %s", folder, exc)
            continue
        # After the lock is released: Windows cannot remove a file that is open.
        for stale in (server_dir, folder):
            if stale is not None:
                shutil.rmtree(stale, ignore_errors=True)
                removed.append(stale)
        log.info("Removed the folders of a demo that ended without cleaning up: %s", folder)
    return removed


def _server_dir(folder: Path) -> Path | None:
    """Return the server folder a session's *folder* names, if it is a demo server's."""
    note = folder / SERVER_NOTE
    if not note.is_file():
        return None
    path = Path(note.read_text(encoding="utf-8").strip())
    # Only a sibling named as the demo names it: the note must not send rmtree elsewhere.
    if path.parent != folder.parent or not path.name.startswith(PREFIX) or not path.is_dir():
        return None
    return path


def _stop_stale_dovecot(folder: Path) -> None:
    """End the Dovecot that serves from *folder*, if one still runs (SIGTERM, then SIGKILL).

    Dovecot's master writes its PID into ``run/master.pid``; the process is ended only if
    its command line names *folder*'s config, so a reused PID is never hit.
    """
    pid_file = folder / "run" / "master.pid"
    if sys.platform == "win32" or not pid_file.is_file():  # Dovecot runs on POSIX only
        return
    try:
        pid = int(pid_file.read_text().split()[0])
    except (ValueError, IndexError):
        return
    config = str(folder / "dovecot.conf")
    if not _runs_with(pid, config):
        return
    log.info("Stopping the Dovecot (PID %d) of a demo that ended without cleaning up", pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _runs_with(pid, config):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)


def _runs_with(pid: int, argument: str) -> bool:
    """Whether process *pid* runs (a zombie does not) with *argument* on its command line."""
    proc = Path(f"/proc/{pid}")
    try:
        if proc.is_dir():  # Linux
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            command = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
            return state != "Z" and argument in command
    except (OSError, IndexError):
        return False  # it ended while we looked
    try:  # macOS and other POSIX systems: ps
        shown = subprocess.run(
            ["ps", "-o", "stat=,command=", "-p", str(pid)],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return False
    return bool(shown) and not shown.startswith("Z") and argument in shown.split()


class DemoSession:
    """The demo's home, and once started its server and account; a context manager.

    ``dirs`` is known from construction on (so that logging can go there before the server
    starts); ``start()`` brings up the server and writes the settings; ``stop()`` ends the
    server and removes everything. Use ``with DemoSession() as demo: demo.start() ...``.
    """

    def __init__(self) -> None:
        remove_stale_demos()
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))  # mode 0700
        # Held until stop(): while it is, remove_stale_demos() leaves the folders alone.
        self._held = ExitStack()
        self._held.enter_context(archive_lock(self.root))
        self.dirs = AppDirs.under(self.root / "home")
        self.server: DovecotServer | None = None
        self.account: Account | None = None

    @property
    def is_running(self) -> bool:
        """Whether the server runs: start() got that far, and stop() was not called since."""
        return self.server is not None and self.server.process is not None

    def start(self, messages: Sequence[DemoMessage] | None = None) -> Config:
        """Start the server, fill the demo mailbox, write the settings; return them.

        Args:
            messages: the mail to put on the server; default: generate_mail().

        Raises:
            DovecotMissing: no dovecot binary was found.
            ServerError: the server could not be set up, did not start or refused the mail.
            OSError: the settings could not be written.
        """
        binary = find_dovecot()
        if binary is None:
            raise DovecotMissing(INSTALL_HINT)
        messages = generate_mail() if messages is None else messages
        password = Secret(secrets.token_urlsafe(18))  # also registers it for redaction
        self.server = DovecotServer(binary, quota_for(messages), instance=PREFIX.rstrip("-"))
        write_private_file(self.root / SERVER_NOTE, str(self.server.dir).encode())
        self.server.write_users([UserEntry(USER_NAME, password.reveal())])
        self.server.start()
        try:
            with self.server.client(self.server.user(USER_NAME, password.reveal())) as client:
                fill_mailbox(client, messages)
        except (IMAPClient.Error, OSError) as exc:
            raise ServerError(f"Could not fill the demo mailbox: {exc}") from exc
        log.info(
            "Demo server on 127.0.0.1:%s with %d messages; demo home %s",
            self.server.ssl_port,
            len(messages),
            self.root,
        )
        password_file = self.root / "password"
        write_private_file(password_file, password.reveal().encode() + b"\n")
        self.account = Account(
            name=ACCOUNT_NAME,
            host=self.server.host,
            port=self.server.ssl_port,
            user=USER_NAME,
            security=Security.SSL,
            cafile=self.server.cafile,
            password_source=PasswordSource.COMMAND,
            password_command=f"cat {shlex.quote(str(password_file))}",
        )
        config = Config(accounts={ACCOUNT_NAME: self.account})
        save_config(config, self.dirs.config_file)
        return config

    def wait(self) -> int:
        """Block until the server exits (Ctrl-C raises KeyboardInterrupt); return its code."""
        assert self.server is not None and self.server.process is not None
        return self.server.process.wait()

    def stop(self) -> None:
        """Stop the server and remove the demo's mail, settings, archive and logs. Idempotent.

        A Ctrl-C or SIGTERM while this runs (a second one, or the first arriving as a failed
        start is cleaned up) waits until it is done: interrupted, it would leave the server
        running and the demo's files behind.
        """
        with _signals_held():
            if self.server is not None:
                self.server.stop()
                self.server = None
            self._held.close()  # before removing: Windows cannot remove an open file
            close_logs_below(self.root)  # the front end logged into the demo's home
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DemoSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM (where this thread may set handlers) until the block ends,
    then act on them as before: the block is not interrupted, the signal is not lost."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread gets Python's signal handlers
        return
    held: list[int] = []
    names = ("SIGINT", "SIGTERM", "SIGBREAK")
    kinds = [getattr(signal, name) for name in names if hasattr(signal, name)]
    previous = {
        kind: signal.signal(kind, lambda signum, _frame: held.append(signum)) for kind in kinds
    }
    try:
        yield
    finally:
        for kind, handler in previous.items():
            if handler is not None:  # None: not set from Python, nothing to give back
                signal.signal(kind, handler)
        if held:
            signal.raise_signal(held[0])
