"""A small scripted IMAP server on 127.0.0.1, for answers no real server gives.

Just enough IMAP4rev1 for our client, in plain text: the greeting (with CAPABILITY, UIDPLUS
included), CAPABILITY, LOGIN (any user and password), LIST, SELECT/EXAMINE (with
UIDVALIDITY), UID SEARCH (every message matches), UID FETCH of metadata, BODY.PEEK[] and
BODY.PEEK[]<offset.length>, STATUS, NOOP and LOGOUT. STORE and EXPUNGE are carried out and
recorded in :attr:`FakeImapServer.deletions`, so a test can assert that nothing was deleted.

A test makes one answer hostile with :meth:`FakeImapServer.on`: the first command whose line
contains a pattern is answered by an *action* (see the factories below: huge or endless
literals, garbage, endless lines) instead of the normal answer::

    with FakeImapServer({"INBOX": [raw]}) as server:
        server.on("BODY.PEEK[]", endless_literal(5_000_000_000))
        ... archive from 127.0.0.1:server.port with Security.PLAIN ...
    assert not server.deletions
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

CAPABILITIES = b"IMAP4rev1 UIDPLUS"
UIDVALIDITY = 1234
OLD = dt.datetime(2020, 1, 2, 12, 0, tzinfo=dt.UTC)
STREAM_PIECE = b"x" * 65536
STREAM_LIMIT = 8 * 1024**3  # an endless answer stops here even if the client keeps reading

Action = Callable[["Connection", bytes, bytes], None]  # (connection, tag, command line)


@dataclass
class FakeMessage:
    """One message of a folder."""

    uid: int
    data: bytes
    flags: set[bytes] = field(default_factory=set)
    internaldate: dt.datetime = OLD
    size: int | None = None  # the RFC822.SIZE to announce, when it should lie

    @property
    def announced_size(self) -> int:
        """What FETCH RFC822.SIZE says."""
        return len(self.data) if self.size is None else self.size


@dataclass
class _Hook:
    pattern: bytes
    action: Action
    times: int | None  # None: every time


class Connection:
    """One client connection, served on a thread of its own."""

    def __init__(self, server: FakeImapServer, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.file = sock.makefile("rb")
        self.selected: list[FakeMessage] | None = None

    def send(self, data: bytes) -> None:
        """Send *data*; raises OSError once the client has gone."""
        self.sock.sendall(data)

    def stream(self, piece: bytes = STREAM_PIECE) -> None:
        """Send *piece* again and again until the client goes or the server stops."""
        sent = 0
        while sent < STREAM_LIMIT and not self.server.stopping.is_set():
            self.send(piece)
            sent += len(piece)

    def serve(self) -> None:
        """Answer commands until LOGOUT, the client going away, or the server stopping."""
        try:
            self.send(b"* OK [CAPABILITY " + CAPABILITIES + b"] Fake IMAP ready\r\n")
            while not self.server.stopping.is_set():
                line = self.file.readline(65536)
                if not line:
                    return
                line = line.rstrip(b"\r\n")
                tag, _, rest = line.partition(b" ")
                self.server.commands.append(rest)
                hook = self.server.take_hook(rest)
                if hook is not None:
                    hook(self, tag, rest)
                elif not self.answer(tag, rest):
                    return
        except OSError:
            return
        finally:
            self.file.close()
            self.sock.close()

    def answer(self, tag: bytes, line: bytes) -> bool:
        """Answer *line* as a well-behaved server would; False after LOGOUT."""
        words = line.split(b" ")
        command = words[0].upper()
        if command == b"UID" and len(words) > 1:
            command = b"UID " + words[1].upper()
        if command == b"LOGOUT":
            self.send(b"* BYE Logging out\r\n" + tag + b" OK Logout completed\r\n")
            return False
        handler = {
            b"CAPABILITY": self._capability,
            b"LOGIN": self._ok,
            b"NOOP": self._ok,
            b"LIST": self._list,
            b"SELECT": self._select,
            b"EXAMINE": self._select,
            b"STATUS": self._status,
            b"UID SEARCH": self._search,
            b"UID FETCH": self._fetch,
            b"UID STORE": self._store,
            b"STORE": self._store,
            b"UID EXPUNGE": self._expunge,
            b"EXPUNGE": self._expunge,
        }.get(command)
        if handler is None:
            self.send(tag + b" BAD Unknown command\r\n")
            return True
        try:
            untagged = handler(line)
        except _No as exc:
            self.send(tag + b" NO " + exc.args[0] + b"\r\n")
        else:
            self.send(untagged + tag + b" OK " + command + b" completed\r\n")
        return True

    def _ok(self, line: bytes) -> bytes:
        return b""

    def _capability(self, line: bytes) -> bytes:
        return b"* CAPABILITY " + CAPABILITIES + b"\r\n"

    def _list(self, line: bytes) -> bytes:
        return b"".join(
            b'* LIST (\\HasNoChildren) "/" "' + name.encode() + b'"\r\n'
            for name in self.server.folders
        )

    def _select(self, line: bytes) -> bytes:
        name = _folder_argument(line)
        self.selected = self.server.folders.get(name)
        if self.selected is None:
            raise _No(b"Mailbox does not exist")
        uidnext = max((m.uid for m in self.selected), default=0) + 1
        return (
            b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            b"* %d EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY %d] UIDs valid\r\n"
            b"* OK [UIDNEXT %d] Predicted next UID\r\n" % (len(self.selected), UIDVALIDITY, uidnext)
        )

    def _status(self, line: bytes) -> bytes:
        name = _folder_argument(line)
        count = len(self.server.folders.get(name, []))
        return b'* STATUS "%s" (MESSAGES %d)\r\n' % (name.encode(), count)

    def _search(self, line: bytes) -> bytes:
        uids = b" ".join(b"%d" % m.uid for m in self.selected or [])
        return b"* SEARCH " + uids + b"\r\n"

    def _fetch(self, line: bytes) -> bytes:
        words = line.split(b" ", 3)
        wanted = _uid_set(words[2])
        items = words[3].upper() if len(words) > 3 else b""
        partial = re.search(rb"BODY\.PEEK\[\]<(\d+)\.(\d+)>", items)
        out = []
        for seq, message in enumerate(self.selected or [], 1):
            if not wanted(message.uid):
                continue
            date = message.internaldate.strftime("%d-%b-%Y %H:%M:%S %z").encode()
            flags = b" ".join(sorted(message.flags))
            parts = [
                b'UID %d RFC822.SIZE %d FLAGS (%s) INTERNALDATE "%s"'
                % (message.uid, message.announced_size, flags, date)
            ]
            if partial:
                start, length = int(partial[1]), int(partial[2])
                piece = message.data[start : start + length]
                parts.append(b"BODY[]<%d> {%d}\r\n" % (start, len(piece)) + piece)
            elif b"BODY.PEEK[]" in items:
                parts.append(b"BODY[] {%d}\r\n" % len(message.data) + message.data)
            out.append(b"* %d FETCH (" % seq + b" ".join(parts) + b")\r\n")
        return b"".join(out)

    def _store(self, line: bytes) -> bytes:
        self.server.deletions.append(line)
        wanted = _uid_set(line.split(b" ")[2])
        for message in self.selected or []:
            if wanted(message.uid) and b"\\DELETED" in line.upper():
                message.flags.add(b"\\Deleted")
        return b""

    def _expunge(self, line: bytes) -> bytes:
        self.server.deletions.append(line)
        words = line.split(b" ")
        wanted = _uid_set(words[2]) if len(words) > 2 else (lambda uid: True)
        out = []
        for seq, message in reversed(list(enumerate(self.selected or [], 1))):
            if wanted(message.uid) and b"\\Deleted" in message.flags:
                assert self.selected is not None
                self.selected.remove(message)
                out.append(b"* %d EXPUNGE\r\n" % seq)
        return b"".join(out)


class _No(Exception):
    """A command the fake server refuses with NO."""


def _folder_argument(line: bytes) -> str:
    match = re.match(rb'"([^"]*)"|(\S+)', line.split(b" ", 1)[1] if b" " in line else b"")
    if match is None:
        return ""
    return (match[1] if match[1] is not None else match[2]).decode()


def _uid_set(text: bytes) -> Callable[[int], bool]:
    """Return a test for membership in an IMAP sequence set such as ``1:3,7,9:*``."""
    ranges = []
    for part in text.split(b","):
        low, _, high = part.partition(b":")
        first = 0 if low == b"*" else int(low)
        last = first if not high else (2**32 if high == b"*" else int(high))
        ranges.append((min(first, last), max(first, last)))
    return lambda uid: any(a <= uid <= b for a, b in ranges)


class FakeImapServer:
    """The scripted server: folders of messages, hooks for hostile answers, a record."""

    def __init__(self, folders: dict[str, list[bytes]] | None = None) -> None:
        self.folders: dict[str, list[FakeMessage]] = {
            name: [FakeMessage(uid, raw) for uid, raw in enumerate(raws, 1)]
            for name, raws in (folders or {"INBOX": []}).items()
        }
        self.commands: list[bytes] = []  # every command line received, without its tag
        self.deletions: list[bytes] = []  # every STORE and EXPUNGE received
        self.stopping = threading.Event()
        self._hooks: list[_Hook] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host = "127.0.0.1"
        self.port: int = self._listener.getsockname()[1]
        self._connections: list[Connection] = []
        self._thread = threading.Thread(target=self._accept, name="fakeimap", daemon=True)

    def on(self, pattern: str, action: Action, times: int | None = 1) -> None:
        """Answer the next *times* commands containing *pattern* (None: all) with *action*."""
        with self._lock:
            self._hooks.append(_Hook(pattern.upper().encode(), action, times))

    def take_hook(self, line: bytes) -> Action | None:
        """Return the action for command *line*, counting it, or None to answer normally."""
        with self._lock:
            for hook in self._hooks:
                if hook.pattern in line.upper() and hook.times != 0:
                    if hook.times is not None:
                        hook.times -= 1
                    return hook.action
        return None

    def _accept(self) -> None:
        self._listener.settimeout(0.1)  # closing the socket does not wake accept()
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            connection = Connection(self, sock)
            self._connections.append(connection)
            threading.Thread(target=connection.serve, name="fakeimap-conn", daemon=True).start()

    def __enter__(self) -> FakeImapServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self._thread.join(10)
        self._listener.close()
        for connection in self._connections:
            with contextlib.suppress(OSError):  # already closed by the client or by serve()
                connection.sock.shutdown(socket.SHUT_RDWR)

    def messages(self, folder: str = "INBOX") -> Iterator[FakeMessage]:
        """Yield the messages *folder* holds now."""
        yield from self.folders[folder]


# --- hostile actions --------------------------------------------------------------------------


def endless_literal(announce: int = 5_000_000_000, prefix: bytes = b"UID 1 BODY[]") -> Action:
    """Announce a literal of *announce* bytes inside a FETCH response, then stream forever."""

    def action(conn: Connection, tag: bytes, line: bytes) -> None:
        conn.send(b"* 1 FETCH (" + prefix + b" {%d}\r\n" % announce)
        conn.stream()

    return action


def sized_literal(size: int, prefix: bytes = b"UID 1 BODY[]") -> Action:
    """Send a complete FETCH response whose literal holds *size* bytes, then OK."""

    def action(conn: Connection, tag: bytes, line: bytes) -> None:
        conn.send(b"* 1 FETCH (" + prefix + b" {%d}\r\n" % size)
        for _ in range(size // len(STREAM_PIECE)):
            conn.send(STREAM_PIECE)
        conn.send(STREAM_PIECE[: size % len(STREAM_PIECE)] + b")\r\n" + tag + b" OK done\r\n")

    return action


def raw_answer(data: bytes, status: bytes = b"OK done") -> Action:
    """Send *data* as the untagged part of the answer, then the tagged *status*."""

    def action(conn: Connection, tag: bytes, line: bytes) -> None:
        conn.send(data + tag + b" " + status + b"\r\n")

    return action


def endless_lines(line_bytes: bytes = b"* OK still working\r\n") -> Action:
    """Send the same untagged line forever."""

    def action(conn: Connection, tag: bytes, line: bytes) -> None:
        conn.stream(line_bytes * (len(STREAM_PIECE) // len(line_bytes)))

    return action


def endless_line(start: bytes = b"* SEARCH 1 2 3 ") -> Action:
    """Start a line and never end it."""

    def action(conn: Connection, tag: bytes, line: bytes) -> None:
        conn.send(start)
        conn.stream(b"4 " * (len(STREAM_PIECE) // 2))

    return action
