"""ImapSession: one logged-in IMAP connection, with the few commands the archiver needs.

Every imapclient, ssl and socket error is translated here into the archiver's own errors.
One session belongs to one thread: imapclient is not thread safe.
"""

from __future__ import annotations

import _socket
import datetime as dt
import hashlib
import imaplib
import logging
import re
import socket
import ssl
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, TypedDict, TypeVar

from imapclient import IMAPClient, imap4, tls
from imapclient import exceptions as imap_exc
from imapclient.datetime_util import datetime_to_INTERNALDATE
from imapclient.imapclient import join_message_ids, seq_to_parenstr, seq_to_parenstr_upper
from imapclient.response_parser import parse_fetch_response

from archiver.core.accounts import Account, Security
from archiver.core.errors import (
    AppendRefused,
    AuthenticationError,
    ConnectError,
    ErrorKind,
    FolderError,
    ImapError,
    QuotaExceeded,
    ResponseTooLarge,
    TlsError,
    UidValidityChanged,
    UntrustedCertificate,
    disk_error,
)
from archiver.core.fetch_response import parse_fetch
from archiver.core.message import message_id, read_head
from archiver.core.progress import CancelToken
from archiver.core.secrets import Secret, redact
from archiver.core.spool_writer import SpoolWriter

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0
# How long a plain-text or STARTTLS connection waits for the server's greeting before it asks
# whether the port expects TLS at once (a server there says nothing until the client begins
# TLS); a silent server that is no TLS port is then waited for up to the full timeout.
GREETING_WAIT = 3.0
# OpenSSL's verify codes (X509_V_ERR_*) that say why a certificate failed
_CERT_EXPIRED_CODES = frozenset({9, 10})  # not yet valid, has expired
_CERT_NAME_CODES = frozenset({62, 64})  # host name, IP address mismatch
META_CHUNK = 1000  # UIDs per metadata FETCH / STORE command, to keep command lines short
BATCH_MESSAGES = 200  # messages per body FETCH
BATCH_BYTES = 8 * 1024 * 1024  # bytes per body FETCH: bounds memory whatever the mailbox size
LARGE_MESSAGE = 4 * 1024 * 1024  # larger messages are fetched in pieces into a spool file
CHUNK_BYTES = 4 * 1024 * 1024  # piece size for large messages
# What one response may make us read (see _ReadGuard): literals of metadata commands (a folder
# name, a header field) and everything a response to a command brings besides message bodies.
SMALL_LITERAL = 1024 * 1024
RESPONSE_BUDGET = 16 * 1024 * 1024
SIZE_MARGIN = 64 * 1024  # a body may exceed its RFC822.SIZE by this much and then fails alone
LINE_COST = 64  # bytes counted per line besides its length: what Python needs to keep it
APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


class NamespaceKind(StrEnum):
    """Whose folders a namespace holds (RFC 2342): the user's own, other users' or public."""

    PERSONAL = "personal"
    OTHER_USERS = "other users"
    PUBLIC = "public"  # RFC 2342's "shared namespace": folders of no single user


@dataclass(frozen=True, slots=True)
class Namespace:
    """One namespace the server announced: the folders whose names start with ``prefix``."""

    kind: NamespaceKind
    prefix: str
    delimiter: str | None


@dataclass(frozen=True, slots=True)
class FolderInfo:
    """A folder as LISTed by the server, with the namespace it belongs to."""

    name: str
    delimiter: str | None
    flags: tuple[str, ...]
    namespace: NamespaceKind = NamespaceKind.PERSONAL

    @property
    def is_personal(self) -> bool:
        """Whether the folder is the user's own: only those are archived unless named."""
        return self.namespace is NamespaceKind.PERSONAL

    @property
    def is_selectable(self) -> bool:
        """Whether the folder can hold messages (not \\Noselect or \\NonExistent)."""
        lowered = {flag.lower() for flag in self.flags}
        return not lowered & {"\\noselect", "\\nonexistent"}

    @property
    def special_use(self) -> str | None:
        """The RFC 6154 special-use flag (\\Trash, \\Junk, \\Sent, ...), if any."""
        for flag in self.flags:
            if flag.lower() in SPECIAL_USE:
                return SPECIAL_USE[flag.lower()]
        return None


SPECIAL_USE = {
    f.lower(): f
    for f in ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")
}


def namespace_of(name: str, namespaces: Sequence[Namespace]) -> NamespaceKind:
    """Return the kind of the namespace *name* lies in: the one with the longest prefix.

    INBOX is always personal. A name outside every announced namespace, and every name on a
    server without NAMESPACE, counts as personal, as the user sees it in their own list.
    """
    if name.upper() == "INBOX":
        return NamespaceKind.PERSONAL
    best: Namespace | None = None
    for space in namespaces:
        prefix, delimiter = space.prefix, space.delimiter
        # The namespace's own node ("shared" for "shared/") belongs to it too.
        bare = prefix[: -len(delimiter)] if delimiter and prefix.endswith(delimiter) else prefix
        inside = name.startswith(prefix) or (bare != prefix and name == bare)
        if inside and (best is None or len(prefix) > len(best.prefix)):
            best = space
    return best.kind if best is not None else NamespaceKind.PERSONAL


@dataclass(frozen=True, slots=True)
class SelectedFolder:
    """What SELECT/EXAMINE said about a folder."""

    name: str
    uidvalidity: int
    exists: int
    uidnext: int | None = None  # the UID the next new message gets; None if not sent


@dataclass(frozen=True, slots=True)
class MessageMeta:
    """A message's metadata from FETCH (no body)."""

    uid: int
    size: int  # RFC822.SIZE
    flags: tuple[str, ...]
    internaldate: dt.datetime  # timezone-aware

    @property
    def is_deleted(self) -> bool:
        """Whether the message carries \\Deleted."""
        return "\\deleted" in {flag.lower() for flag in self.flags}


class AppendUid(NamedTuple):
    """Where the server stored an appended message, as its APPENDUID response code says."""

    uidvalidity: int
    uid: int


class WantedMessage(NamedTuple):
    """A message to download: its UID and RFC822.SIZE (which decides how it is fetched)."""

    uid: int
    size: int


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """A message's exact bytes as the server sent them, with what it said about them.

    Small messages are held in ``data``; large ones were streamed into ``spool`` (a file the
    caller owns). ``sha256`` and ``length`` were computed from the received bytes.
    """

    meta: MessageMeta
    sha256: str
    length: int
    data: bytes | None = None
    spool: Path | None = None

    def head(self) -> bytes:
        """Return bytes that hold the header block: all of a small message, a large one's start."""
        if self.data is not None:
            return self.data
        assert self.spool is not None
        return read_head(self.spool)


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """A message that could not be fetched completely; it stays on the server.

    ``vanished``: the server sent nothing at all for the UID, which a UID FETCH does for a
    message that no longer exists (another client expunged it after we planned the run).
    """

    uid: int
    reason: str
    vanished: bool = False


@dataclass(frozen=True, slots=True)
class Quota:
    """Storage quota in bytes (RFC 2087 counts KiB)."""

    used: int
    limit: int

    def to_dict(self) -> dict[str, int]:
        """Return the quota as JSON values."""
        return {"used": self.used, "limit": self.limit}


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _ssl_context(account: Account) -> ssl.SSLContext:
    """Return a verifying TLS context, trusting *account.cafile* in addition where given.

    For an account with a pinned certificate, the context checks nothing itself: the
    certificate is compared with the pin right after the handshake (_check_pin), before a
    password is sent.
    """
    if account.tls_fingerprint is not None:
        return _unverified_context()
    try:
        context = ssl.create_default_context()
        if account.cafile is not None:
            context.load_verify_locations(cafile=str(account.cafile))
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(
            f"Account {account.name}: cannot load CA file {account.cafile}: {exc}",
            kind=ErrorKind.CAFILE_UNREADABLE,
            reason=str(exc),
            **_params(account),
        ) from exc
    return context


def _unverified_context() -> ssl.SSLContext:
    """A TLS context that accepts any certificate, for pinned ones and to read a fingerprint."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def format_fingerprint(fingerprint: str) -> str:
    """Show a SHA-256 fingerprint as people compare them: AB:CD:... ."""
    return ":".join(fingerprint[i : i + 2] for i in range(0, len(fingerprint), 2)).upper()


def _peer_fingerprint(client: IMAPClient) -> str | None:
    """Return the SHA-256 (hex) of the certificate on the client's TLS connection."""
    sock = getattr(client._imap, "sock", None)
    der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
    return hashlib.sha256(der).hexdigest() if der else None


def _check_pin(account: Account, client: IMAPClient) -> None:
    """Raise UntrustedCertificate unless the server showed the pinned certificate."""
    if account.tls_fingerprint is None or account.security is Security.PLAIN:
        return
    shown = _peer_fingerprint(client)
    if shown != account.tls_fingerprint:
        raise UntrustedCertificate(
            f"{_where(account)}: the server's "
            "certificate is not the one you chose to trust; it may have been renewed, or "
            "someone may be in between. Check its fingerprint "
            f"{format_fingerprint(shown) if shown else '(unreadable)'} with your provider.",
            shown,
            kind=ErrorKind.TLS_CHANGED,
            **_params(account),
        )


def read_fingerprint(account: Account, timeout: float = DEFAULT_TIMEOUT) -> str | None:
    """Connect without checking the certificate and return its SHA-256, or None on failure.

    Used only to show the user the fingerprint of a certificate that failed verification;
    nothing is sent but what TLS (and STARTTLS) needs, and never a password.
    """
    client: IMAPClient | None = None
    try:
        secure = account.security is Security.SSL
        client = IMAPClient(
            account.host,
            account.effective_port,
            ssl=secure,
            ssl_context=_unverified_context() if secure else None,
            timeout=timeout,
        )
        if account.security is Security.STARTTLS:
            client.starttls(_unverified_context())
        return _peer_fingerprint(client)
    except (OSError, imap_exc.IMAPClientError) as exc:
        log.debug("Cannot read the certificate of %s: %s", account.host, exc)
        return None
    finally:
        _close_quietly(client)


def _where(account: Account) -> str:
    return f"Account {account.name} ({account.host}:{account.effective_port})"


class _Params(TypedDict):
    account: str
    host: str
    port: int


def _params(account: Account) -> _Params:
    """The parameters every connection error of *account* carries."""
    return {"account": account.name, "host": account.host, "port": account.effective_port}


def certificate_kind(exc: ssl.SSLCertVerificationError) -> ErrorKind:
    """Say why a certificate failed: expired, made out for another name, or not vouched for."""
    if exc.verify_code in _CERT_EXPIRED_CODES:
        return ErrorKind.TLS_EXPIRED
    if exc.verify_code in _CERT_NAME_CODES:
        return ErrorKind.TLS_WRONG_HOST
    return ErrorKind.TLS_UNTRUSTED


def _translate(account: Account, exc: BaseException, doing: str) -> ImapError:
    """Map a library error to one of ours, with its kind and a one-line message."""
    where, params = _where(account), _params(account)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return TlsError(
            f"{where}: the server's certificate is not trusted ({exc.verify_message}).",
            kind=certificate_kind(exc),
            reason=exc.verify_message,
            **params,
        )
    if isinstance(exc, ssl.SSLError):
        reason = str(exc.reason or exc)
        return TlsError(
            f"{where}: TLS failed while {doing}: {reason}",
            kind=ErrorKind.TLS_FAILED,
            reason=reason,
            **params,
        )
    if isinstance(exc, socket.gaierror):
        return ConnectError(
            f"{where}: cannot resolve host name ({exc.strerror}).",
            kind=ErrorKind.DNS_FAILURE,
            reason=exc.strerror,
            **params,
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return ConnectError(
            f"{where}: the server did not answer in time while {doing}.",
            kind=ErrorKind.TIMEOUT,
            **params,
        )
    if isinstance(exc, ConnectionRefusedError):
        return ConnectError(
            f"{where}: connection refused.", kind=ErrorKind.CONNECTION_REFUSED, **params
        )
    if isinstance(exc, ConnectionError):  # reset, aborted, broken pipe: it was up before
        reason = str(exc.strerror or exc)
        return ImapError(
            f"{where}: connection lost while {doing} ({reason}).",
            kind=ErrorKind.CONNECTION_LOST,
            reason=reason,
            **params,
        )
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return ConnectError(
            f"{where}: connection failed while {doing}: {reason}.",
            kind=ErrorKind.CONNECTION_FAILED,
            reason=reason,
            **params,
        )
    text = _server_text(exc)
    if isinstance(exc, imap_exc.LoginError):
        return AuthenticationError(
            f"{where}: login failed for user {account.user} (wrong user name or password?): {text}",
            reason=text,
            **params,
        )
    if isinstance(exc, imap_exc.IMAPClientAbortError):
        if "unexpected" in text:  # imaplib's word for a line that is no IMAP response
            return ImapError(
                f"{where}: the server sent a malformed response while {doing} ({text}); "
                "the connection cannot go on.",
                kind=ErrorKind.MALFORMED_RESPONSE,
                reason=text,
                **params,
            )
        return ImapError(
            f"{where}: connection lost while {doing}: {text}",
            kind=ErrorKind.CONNECTION_LOST,
            reason=text,
            **params,
        )
    return ImapError(
        f"{where}: the server refused {doing}: {text}",
        kind=ErrorKind.SERVER_REFUSED,
        reason=text,
        **params,
    )


def _server_text(exc: BaseException) -> str:
    """What the server (or imaplib) said, passwords taken out: it goes into our errors."""
    text = str(exc)
    if text.startswith(("b'", 'b"')):
        text = text[2:-1]
    return redact(text) or type(exc).__name__


class _ReadGuard:
    """Bound what the response to one command may make us read; raise ResponseTooLarge beyond.

    imaplib reads a literal of whatever size the server announces in one piece (``{5000000000}``
    allocates gigabytes before the first byte arrives) and keeps every untagged line until the
    command completes, so a broken or hostile server streaming data would exhaust memory.
    The guard replaces the ``read`` and ``readline`` of imapclient's imaplib connection: before
    each command the session says how large a literal and how much in all the answer may
    bring (a body FETCH: the RFC822.SIZE asked for; a partial FETCH: the piece; anything
    else: a little), and a response beyond that is refused before it is read into memory.
    """

    def __init__(self, imap: Any, where: str) -> None:
        self._imap = imap
        self._where = where
        self.expect("connecting")
        imap.read = self.read
        imap.readline = self.readline

    def expect(
        self, doing: str, literal: int = SMALL_LITERAL, total: int = RESPONSE_BUDGET
    ) -> None:
        """Allow the next response literals of at most *literal* bytes, *total* bytes in all."""
        self._doing, self._literal, self._left = doing, literal, total

    def read(self, size: int) -> bytes:
        """Read a literal of *size* bytes, unless that is more than this response may bring."""
        allowed = min(self._literal, self._left)
        if size > allowed:
            raise ResponseTooLarge(
                f"{self._where}: the server announced {size} bytes where at most {allowed} "
                f"were expected while {self._doing} (a broken or hostile server); the "
                "connection was closed and nothing more is deleted."
            )
        data: bytes = self._imap.file.read(size)
        self._left -= len(data)
        return data

    def readline(self) -> bytes:
        """Read one line, but no more than what is left of this response's allowance."""
        line: bytes = self._imap.file.readline(max(self._left, 0) + 1)
        self._left -= len(line) + LINE_COST
        if self._left < 0:
            raise ResponseTooLarge(
                f"{self._where}: the server sent more than expected while {self._doing} "
                "(a line without end or endless responses: a broken or hostile server); the "
                "connection was closed and nothing more is deleted."
            )
        return line


class ImapSession:
    """A logged-in connection to one account's server."""

    def __init__(self, account: Account, client: IMAPClient) -> None:
        self.account = account
        self._client = client
        self._client.normalise_times = False  # keep INTERNALDATE's timezone
        if not logging.getLogger("imapclient").isEnabledFor(logging.DEBUG):
            # imapclient sets imaplib's debug level to 5, and imaplib then formats the repr()
            # of every response, message bodies included, before the logger drops it: a
            # tenth of an archive run's time. Only the wire log needs it.
            client._imap.debug = 0
        self._guard = _guard(account, client)
        self._broken: ResponseTooLarge | None = None  # set once the server sent too much
        self._namespaces: tuple[Namespace, ...] | None = None  # asked once, on first use
        self.selected: SelectedFolder | None = None
        self._hooks: list[Callable[[], None]] = []  # removes connect()'s cancel callback

    @classmethod
    def connect(
        cls,
        account: Account,
        password: Secret,
        timeout: float = DEFAULT_TIMEOUT,
        cancel: CancelToken | None = None,
    ) -> ImapSession:
        """Connect, secure the connection as the account demands, and log in.

        STARTTLS never falls back to plain text: a server that does not offer it is an error.
        With *cancel*, cancelling closes the connection at once, from whichever thread, so a
        wait for a silent server ends then rather than after *timeout*; the session's
        commands then fail with ImapError, and the caller asks the token why.
        """
        client: IMAPClient | None = None
        hooks: list[Callable[[], None]] = []

        def opened(sock: socket.socket) -> None:
            if cancel is not None:
                hooks.append(cancel.on_cancel(partial(_shut, sock)))
            if account.security is not Security.SSL:
                _await_greeting(account, sock, timeout, cancel)

        try:
            secure = account.security is Security.SSL
            client = _Client(
                account,
                ssl_context=_ssl_context(account) if secure else None,
                timeout=timeout,
                opened=opened,
            )
            if secure:
                _check_pin(account, client)
            _guard(account, client)  # before anything but the greeting is read
            if account.security is Security.STARTTLS:
                if not client.has_capability("STARTTLS"):
                    raise TlsError(
                        f"{_where(account)}: the server does not offer STARTTLS; refusing to "
                        "send the password in plain text.",
                        kind=ErrorKind.STARTTLS_UNSUPPORTED,
                        **_params(account),
                    )
                client.starttls(_ssl_context(account))
                _check_pin(account, client)
            elif account.security is Security.PLAIN:
                log.warning("Account %s: connecting without encryption", account.name)
            _login(client, account.user, password.reveal())
        except (TlsError, ResponseTooLarge):
            _close_quietly(client)
            _unhook(hooks)
            raise
        except ssl.SSLCertVerificationError as exc:
            _close_quietly(client)
            _unhook(hooks)
            fingerprint = read_fingerprint(account, timeout)
            shown = (
                f" Its SHA-256 fingerprint is {format_fingerprint(fingerprint)}."
                if fingerprint
                else ""
            )
            raise UntrustedCertificate(
                f"{_translate(account, exc, 'connecting')}{shown}",
                fingerprint,
                kind=certificate_kind(exc),
                reason=exc.verify_message,
                **_params(account),
            ) from None
        except ssl.SSLError as exc:
            _close_quietly(client)
            _unhook(hooks)
            if client is None and secure and _greets_in_clear(account, timeout, cancel):
                raise TlsError(
                    f"{_where(account)}: the server greets in plain text on this port, so it "
                    "expects STARTTLS or no encryption, not SSL/TLS.",
                    kind=ErrorKind.SSL_ON_PLAIN_PORT,
                    reason=str(exc.reason or exc),
                    **_params(account),
                ) from None
            raise _translate(account, exc, "connecting") from None
        except (OSError, imap_exc.IMAPClientError) as exc:
            _close_quietly(client)
            _unhook(hooks)
            raise _translate(account, exc, "connecting") from None
        log.info("Account %s: logged in to %s", account.name, account.host)
        session = cls(account, client)
        session._hooks = hooks
        return session

    def close(self) -> None:
        """Log out; errors on the way out are only logged."""
        _unhook(self._hooks)
        if self._broken is not None:
            return  # the connection was closed when the server sent too much
        self._guard.expect("logging out")
        try:
            self._client.logout()
        except (OSError, imap_exc.IMAPClientError, ResponseTooLarge) as exc:
            log.debug("Logout failed: %s", exc)
            _close_quietly(self._client)

    def __enter__(self) -> ImapSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(
        self,
        doing: str,
        func: Callable[[], T],
        folder: str | None = None,
        *,
        literal: int = SMALL_LITERAL,
        total: int = RESPONSE_BUDGET,
    ) -> T:
        """Run one imapclient call, translating its errors (FolderError for folder commands).

        Its response may bring literals of at most *literal* bytes, *total* bytes in all
        (see _ReadGuard); beyond that the connection is closed and stays unusable.
        """
        if self._broken is not None:
            raise ResponseTooLarge(str(self._broken))
        self._guard.expect(doing, literal, total)
        try:
            return func()
        except ResponseTooLarge as exc:
            self._broken = exc
            _close_quietly(self._client)  # stop a server that is still sending
            raise
        except imap_exc.IMAPClientAbortError as exc:
            raise _translate(self.account, exc, doing) from None
        except imap_exc.IMAPClientError as exc:
            if folder is not None:
                raise FolderError(
                    f"Account {self.account.name}, folder {folder}: the server "
                    f"refused {doing}: {_server_text(exc)}"
                ) from None
            raise _translate(self.account, exc, doing) from None
        except OSError as exc:
            raise _translate(self.account, exc, doing) from None

    def capability(self, name: str) -> bool:
        """Whether the server announced capability *name*."""
        return bool(self._call("CAPABILITY", lambda: self._client.has_capability(name)))

    @property
    def has_uidplus(self) -> bool:
        """Whether UID EXPUNGE of exactly chosen messages is possible (RFC 4315)."""
        return self.capability("UIDPLUS")

    def namespaces(self) -> tuple[Namespace, ...]:
        """Return the namespaces the server announces (RFC 2342); none without NAMESPACE."""
        if self._namespaces is None:
            spaces: list[Namespace] = []
            if self.capability("NAMESPACE"):
                answer = self._call("NAMESPACE", self._client.namespace)
                kinds = (NamespaceKind.PERSONAL, NamespaceKind.OTHER_USERS, NamespaceKind.PUBLIC)
                for kind, entries in zip(kinds, answer, strict=True):
                    for prefix, delimiter in entries or ():
                        spaces.append(
                            Namespace(kind, _text(prefix), _text(delimiter) if delimiter else None)
                        )
            self._namespaces = tuple(spaces)
            log.debug("Account %s: namespaces %s", self.account.name, self._namespaces)
        return self._namespaces

    def list_folders(self) -> list[FolderInfo]:
        """Return every folder the account sees, INBOX first, each with its namespace."""
        raw = self._call("LIST", self._client.list_folders)
        namespaces = self.namespaces()
        folders = [
            FolderInfo(
                _text(name),
                _text(delim) if delim else None,
                tuple(_text(f) for f in flags),
                namespace_of(_text(name), namespaces),
            )
            for flags, delim, name in raw
        ]
        folders.sort(key=lambda f: (f.name.upper() != "INBOX", f.name))
        return folders

    def select(self, folder: str, *, readonly: bool) -> SelectedFolder:
        """SELECT (or EXAMINE when *readonly*) *folder*."""
        response: dict[bytes, Any] = self._call(
            f"{'EXAMINE' if readonly else 'SELECT'} {folder}",
            lambda: self._client.select_folder(folder, readonly=readonly),
            folder,
        )
        if b"UIDVALIDITY" not in response:
            raise FolderError(
                f"Account {self.account.name}, folder {folder}: the server sent "
                "no UIDVALIDITY; its UIDs cannot be trusted."
            )
        uidnext = response.get(b"UIDNEXT")
        self.selected = SelectedFolder(
            folder,
            int(response[b"UIDVALIDITY"]),
            int(response.get(b"EXISTS", 0)),
            None if uidnext is None else int(uidnext),
        )
        return self.selected

    def require_uidvalidity(self, folder: str, uidvalidity: int) -> SelectedFolder:
        """SELECT *folder* read-write and check it still has *uidvalidity*."""
        state = self.select(folder, readonly=False)
        if state.uidvalidity != uidvalidity:
            raise UidValidityChanged(
                f"Account {self.account.name}, folder {folder}: UIDVALIDITY changed from "
                f"{uidvalidity} to {state.uidvalidity} (the folder was recreated); "
                "nothing is deleted from it."
            )
        return state

    def search_before(self, day: dt.date) -> list[int]:
        """Return UIDs the server says are before *day* (a pre-filter only).

        Messages flagged \\Deleted are included: one that an interrupted run of ours flagged
        must still be found to finish its deletion; the caller decides about the others.
        """
        folder = self.selected.name if self.selected else "?"
        result = self._call("SEARCH", lambda: self._client.search(["BEFORE", day]), folder)
        return sorted(int(uid) for uid in result)

    def fetch_meta(self, uids: Sequence[int]) -> dict[int, MessageMeta]:
        """FETCH size, flags and INTERNALDATE of *uids*; vanished UIDs are absent."""
        return {meta.uid: meta for meta in self.iter_meta(uids)}

    def iter_meta(self, uids: Sequence[int]) -> Iterator[MessageMeta]:
        """Yield size, flags and INTERNALDATE of *uids*, fetched in chunks (memory stays flat)."""
        folder = self.selected.name if self.selected else "?"
        for start in range(0, len(uids), META_CHUNK):
            chunk = uids[start : start + META_CHUNK]
            data = self._call(
                "FETCH",
                partial(self._client.fetch, chunk, ["RFC822.SIZE", "FLAGS", "INTERNALDATE"]),
                folder,
            )
            for uid in sorted(data):
                meta = _meta(int(uid), data[uid])
                if meta is not None:
                    yield meta

    def fetch_bodies(
        self, wanted: Iterable[WantedMessage], spool_dir: Path
    ) -> Iterator[list[FetchedMessage | FetchFailure]]:
        """Yield batches of fetched messages with BODY.PEEK[] (which never sets \\Seen).

        Small messages come in batches bounded in count and bytes; large ones one at a time,
        in pieces written to a spool file, so memory stays bounded whatever the sizes. A
        message that comes back shorter than its RFC822.SIZE, or that the server refuses,
        becomes a FetchFailure (it stays on the server); the others of its batch go on.
        """
        batch: list[WantedMessage] = []
        batch_bytes = 0
        for meta in wanted:
            if meta.size > LARGE_MESSAGE:
                if batch:
                    yield self._fetch_batch(batch)
                    batch, batch_bytes = [], 0
                yield [self._fetch_large(meta, spool_dir)]
                continue
            if batch and (len(batch) >= BATCH_MESSAGES or batch_bytes + meta.size > BATCH_BYTES):
                yield self._fetch_batch(batch)
                batch, batch_bytes = [], 0
            batch.append(meta)
            batch_bytes += meta.size
        if batch:
            yield self._fetch_batch(batch)

    def _fetch_batch(self, metas: list[WantedMessage]) -> list[FetchedMessage | FetchFailure]:
        folder = self.selected.name if self.selected else "?"
        try:
            data = self._call(
                "FETCH",
                lambda: self._client.fetch(
                    [m.uid for m in metas], ["BODY.PEEK[]", "RFC822.SIZE", "FLAGS", "INTERNALDATE"]
                ),
                folder,
                literal=max(m.size for m in metas) + SIZE_MARGIN,
                total=sum(m.size + SIZE_MARGIN for m in metas) + RESPONSE_BUDGET,
            )
        except FolderError:
            if len(metas) == 1:
                raise
            # The server refused the batch (FETCH ... NO): find the culprits one by one.
            log.warning(
                "Folder %s: FETCH of %d messages refused; retrying one by one", folder, len(metas)
            )
            results: list[FetchedMessage | FetchFailure] = []
            for meta in metas:
                try:
                    results.extend(self._fetch_batch([meta]))
                except FolderError as exc:
                    results.append(FetchFailure(meta.uid, str(exc)))
            return results
        results = []
        for meta in metas:
            item = data.get(meta.uid)
            body = item.get(b"BODY[]") if item else None
            fresh = _meta(meta.uid, item) if item else None
            if body is None or fresh is None:
                results.append(FetchFailure(meta.uid, "the server sent no body (expunged?)"))
                continue
            if len(body) != fresh.size:
                results.append(
                    FetchFailure(
                        meta.uid, f"received {len(body)} bytes, but RFC822.SIZE is {fresh.size}"
                    )
                )
                continue
            results.append(
                FetchedMessage(fresh, hashlib.sha256(body).hexdigest(), len(body), data=body)
            )
        if any(isinstance(r, FetchFailure) for r in results):
            return self._mark_vanished(results)
        return results

    def _mark_vanished(
        self, results: list[FetchedMessage | FetchFailure]
    ) -> list[FetchedMessage | FetchFailure]:
        """Tell failures whose message another client expunged (vanished) from real ones.

        A server answers a UID FETCH of a message expunged by another session with nothing,
        or (RFC 2180, as Dovecot does until it has told us) with NIL data; after a NOOP has
        delivered the pending EXPUNGEs, a UID that FETCH no longer returns is gone.
        """
        folder = self.selected.name if self.selected else "?"
        failed = [r.uid for r in results if isinstance(r, FetchFailure) and not r.vanished]
        self._call("NOOP", self._client.noop, folder)
        present = self.fetch_meta(failed)
        return [
            FetchFailure(r.uid, "expunged by another client meanwhile", vanished=True)
            if isinstance(r, FetchFailure) and r.uid not in present
            else r
            for r in results
        ]

    def _fetch_large(self, meta: WantedMessage, spool_dir: Path) -> FetchedMessage | FetchFailure:
        """Fetch one large message in pieces into a spool file, hashing as it goes."""
        folder = self.selected.name if self.selected else "?"
        spool_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = spool_dir / f"uid-{meta.uid}.spool"
        received = 0
        fresh: MessageMeta | None = None
        try:
            with path.open("wb") as out, SpoolWriter(out) as writer:
                while received < meta.size:
                    piece, item = self._fetch_piece(meta.uid, received, folder)
                    if fresh is None and item is not None:
                        fresh = _meta(meta.uid, item)
                    if not piece:
                        break
                    writer.write(piece)  # written while the next piece comes
                    received += len(piece)
                sha256 = writer.finish()
        except FolderError as exc:
            path.unlink(missing_ok=True)
            return FetchFailure(meta.uid, str(exc))
        except OSError as exc:  # the spool file: the archive's disk
            path.unlink(missing_ok=True)
            raise disk_error(exc, f"spooling {folder} UID {meta.uid}") from exc
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        if fresh is None or received != fresh.size or received == 0:
            path.unlink(missing_ok=True)
            size = fresh.size if fresh else meta.size
            failure = FetchFailure(
                meta.uid, f"received {received} bytes, but RFC822.SIZE is {size}"
            )
            # Nothing at all (no data, or NIL with size 0): expunged by another client?
            return self._mark_vanished([failure])[0] if received == 0 else failure
        return FetchedMessage(fresh, sha256, received, spool=path)

    def _fetch_piece(
        self, uid: int, offset: int, folder: str
    ) -> tuple[bytes | None, dict[bytes, Any] | None]:
        request = f"BODY.PEEK[]<{offset}.{CHUNK_BYTES}>"
        data = self._call(
            "FETCH",
            lambda: self._client.fetch([uid], [request, "RFC822.SIZE", "FLAGS", "INTERNALDATE"]),
            folder,
            literal=CHUNK_BYTES,  # a partial FETCH never brings more than the piece asked for
            total=CHUNK_BYTES + RESPONSE_BUDGET,
        )
        item = data.get(uid)
        if item is None:
            return None, None
        piece = item.get(f"BODY[]<{offset}>".encode())
        return piece, item

    def add_deleted_flag(self, uids: Sequence[int]) -> None:
        """UID STORE +FLAGS.SILENT (\\Deleted) on exactly *uids*."""
        folder = self.selected.name if self.selected else "?"
        for start in range(0, len(uids), META_CHUNK):
            chunk = list(uids[start : start + META_CHUNK])
            self._call(
                "STORE", partial(self._client.add_flags, chunk, [b"\\Deleted"], silent=True), folder
            )

    def uid_expunge(self, uids: Sequence[int]) -> None:
        """UID EXPUNGE exactly *uids* (needs UIDPLUS; never a plain EXPUNGE)."""
        folder = self.selected.name if self.selected else "?"
        for start in range(0, len(uids), META_CHUNK):
            chunk = list(uids[start : start + META_CHUNK])
            self._call("UID EXPUNGE", partial(self._client.uid_expunge, chunk), folder)

    def my_rights(self, folder: str) -> str | None:
        """Return the user's rights on *folder* (RFC 4314 MYRIGHTS), or None without ACL."""
        if not self.capability("ACL"):
            return None
        data = self._call(
            f"MYRIGHTS {folder}",
            lambda: self._client._command_and_check(
                "myrights", self._client._normalise_folder(folder)
            ),
            folder,
        )
        # "* MYRIGHTS <folder> <rights>": the rights are the last word (a quoted or literal
        # folder name comes before them).
        last = data[-1] if data else b""
        if isinstance(last, tuple):
            last = last[-1]
        words = _text(last).split()
        return words[-1] if words else ""

    def count_messages(self, folder: str) -> int:
        """Return how many messages *folder* holds now (STATUS MESSAGES)."""
        status = self._call(
            f"STATUS {folder}", lambda: self._client.folder_status(folder, [b"MESSAGES"]), folder
        )
        return int(status[b"MESSAGES"])

    def count_arrivals(self, folder: str, first_uid: int) -> tuple[int, int]:
        """Return how many messages *folder* holds now, and how many of them arrived since.

        Arrivals are the messages whose UID is *first_uid* or higher (UIDs only ever grow).
        Both numbers describe one moment, that of an EXAMINE: its EXISTS, and the UIDs below
        its UIDNEXT; a message delivered after it counts in neither.
        """
        state = self.select(folder, readonly=True)
        last = "*" if state.uidnext is None else str(state.uidnext - 1)
        if not state.exists or (state.uidnext is not None and state.uidnext <= first_uid):
            return state.exists, 0
        found = self._call(
            "SEARCH", lambda: self._client.search(["UID", f"{first_uid}:{last}"]), folder
        )
        # "n:*" also names the highest UID when that is below n (RFC 3501, 9. sequence-set).
        return state.exists, sum(1 for uid in found if int(uid) >= first_uid)

    def folder_size(self, folder: str) -> tuple[int, int]:
        """Return (messages, bytes) of *folder*, via STATUS SIZE where the server has it."""
        if self.capability("STATUS=SIZE"):
            status = self._call(
                f"STATUS {folder}",
                lambda: self._client.folder_status(folder, [b"MESSAGES", b"SIZE"]),
                folder,
            )
            return int(status[b"MESSAGES"]), int(status[b"SIZE"])
        state = self.select(folder, readonly=True)
        if state.exists == 0:
            return 0, 0
        uids = self._call("SEARCH", lambda: self._client.search("ALL"), folder)
        metas = self.fetch_meta(sorted(uids))
        return len(metas), sum(m.size for m in metas.values())

    def quota(self) -> Quota | None:
        """Return the STORAGE quota of INBOX's quota root, or None without QUOTA support."""
        if not self.capability("QUOTA"):
            return None
        try:
            _, quotas = self._call("GETQUOTAROOT", lambda: self._client.get_quota_root("INBOX"))
        except ImapError as exc:
            log.warning("Account %s: quota unavailable: %s", self.account.name, exc)
            return None
        for quota in quotas:
            if str(quota.resource).upper() == "STORAGE":
                return Quota(int(quota.usage) * 1024, int(quota.limit) * 1024)
        return None

    def append(
        self, folder: str, message: bytes, flags: Sequence[str], internaldate: dt.datetime
    ) -> AppendUid | None:
        """APPEND *message* to *folder* with *flags* and *internaldate*.

        Returns where the server put it when it says so (APPENDUID, RFC 4315), else None.
        Raises QuotaExceeded on ``[OVERQUOTA]``, when no more messages fit, and AppendRefused
        when the server refuses this one message (too large for its APPENDLIMIT, or any
        other NO); a lost connection raises ImapError, and the message may then be stored.
        """
        limit = self.append_limit
        if limit is not None and len(message) > limit:
            raise AppendRefused(
                f"Account {self.account.name}, folder {folder}: the message of "
                f"{len(message)} bytes is larger than the server accepts (APPENDLIMIT={limit})."
            )
        try:
            response = self._call(
                f"APPEND to {folder}",
                partial(self._append_exact, folder, message, flags, internaldate),
                folder,
            )
        except FolderError as exc:
            if "[OVERQUOTA]" in str(exc).upper():
                raise QuotaExceeded(
                    f"{exc} (the account is over its storage quota; free some space on the "
                    "server and run again)"
                ) from None
            raise AppendRefused(str(exc)) from None
        match = APPENDUID.search(response if isinstance(response, bytes) else b"")
        return AppendUid(int(match[1]), int(match[2])) if match else None

    def _append_exact(
        self, folder: str, message: bytes, flags: Sequence[str], internaldate: dt.datetime
    ) -> bytes:
        """APPEND through imaplib's command machinery, with the literal exactly as given.

        imaplib's own append() (which IMAPClient.append calls) runs the message through a
        regular expression that turns every bare CR or LF into CRLF: a message is then not
        restored byte for byte, and a 50 MB message costs two more copies in memory.
        """
        imap = self._client._imap
        literal = b"UTF8 (" + message + b")" if imap.utf8_enabled else message
        imap.literal = literal
        typ, data = imap._simple_command(
            "APPEND",
            self._client._normalise_folder(folder),
            seq_to_parenstr([f.encode() for f in flags]),
            f'"{datetime_to_INTERNALDATE(internaldate)}"',
        )
        self._client._checkok("append", typ, data)
        return bytes(data[0]) if data and isinstance(data[0], bytes) else b""

    @property
    def append_limit(self) -> int | None:
        """The largest message the server accepts, where it announces one (RFC 7889)."""
        capabilities = self._call("CAPABILITY", self._client.capabilities)
        for capability in capabilities:
            name, _, value = _text(capability).partition("=")
            if name.upper() == "APPENDLIMIT" and value.isdigit():
                return int(value)
        return None

    def create_folder(self, folder: str) -> None:
        """CREATE *folder* (and any missing parents, as servers do by RFC 3501)."""
        self._call(f"CREATE {folder}", lambda: self._client.create_folder(folder), folder)

    def subscribe(self, folder: str) -> None:
        """SUBSCRIBE to *folder*, so that mail clients that show subscribed folders list it."""
        self._call(f"SUBSCRIBE {folder}", lambda: self._client.subscribe_folder(folder), folder)

    def search_size(self, size: int) -> list[int]:
        """Return UIDs of the selected folder's messages whose RFC822.SIZE is exactly *size*."""
        folder = self.selected.name if self.selected else "?"
        criteria: list[object] = ["SMALLER", size + 1]
        if size > 0:
            criteria = ["LARGER", size - 1, *criteria]
        result = self._call("SEARCH", lambda: self._client.search(criteria), folder)
        return sorted(int(uid) for uid in result)

    def fetch_message_ids(self, uids: Sequence[int]) -> dict[int, str | None]:
        """Return the Message-ID of each of *uids* (None where it has none); vanished are absent.

        Parsed from the header field as the archive parses it, so that equal bytes give
        equal answers whatever the server's own SEARCH HEADER matching does.
        """
        folder = self.selected.name if self.selected else "?"
        found: dict[int, str | None] = {}
        for start in range(0, len(uids), META_CHUNK):
            chunk = list(uids[start : start + META_CHUNK])
            data = self._call(
                "FETCH",
                partial(self._client.fetch, chunk, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]),
                folder,
            )
            for uid, item in data.items():
                field = next((v for k, v in item.items() if k.startswith(b"BODY[HEADER")), None)
                if isinstance(field, bytes):
                    found[int(uid)] = message_id(field)
        return found


def _meta(uid: int, item: dict[bytes, Any]) -> MessageMeta | None:
    try:
        internaldate = item[b"INTERNALDATE"]
        if internaldate.tzinfo is None:  # imapclient gives aware datetimes when not normalised
            internaldate = internaldate.replace(tzinfo=dt.UTC)
        # \Recent belongs to the session, not to the message: never archive or restore it.
        flags = tuple(_text(f) for f in item[b"FLAGS"] if _text(f).lower() != "\\recent")
        return MessageMeta(uid, int(item[b"RFC822.SIZE"]), flags, internaldate)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _guard(account: Account, client: IMAPClient) -> _ReadGuard:
    """Return the read guard of *client*'s connection, installing it on first use."""
    imap = client._imap
    guard = getattr(imap, "_archiver_guard", None)
    if guard is None:
        guard = _ReadGuard(
            imap, f"Account {account.name} ({account.host}:{account.effective_port})"
        )
        imap._archiver_guard = guard
    return guard


def _login(client: IMAPClient, user: str, password: str) -> None:
    """Log in, sending a user name or password beyond ASCII (``pässwörd``) as UTF-8.

    imaplib encodes LOGIN's arguments as ASCII, so such a password would fail in our code
    before reaching the server. AUTHENTICATE PLAIN carries UTF-8 by definition (RFC 4616)
    and is used where the server offers it; else LOGIN with the password as a literal of its
    UTF-8 bytes, which servers compare as they stored them. Neither reaches the wire log:
    imapclient redacts LOGIN and AUTHENTICATE lines, and imaplib logs only a literal's size.
    """
    if user.isascii() and password.isascii():
        client.login(user, password)
        return
    if client.has_capability("AUTH=PLAIN"):
        client.plain_login(user, password)
        return
    imap = client._imap
    quoted = b'"' + user.encode().replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    imap.literal = password.encode()  # imaplib sends it after the command's last argument
    typ, data = imap._simple_command("LOGIN", quoted)
    if typ != "OK":
        raise imap_exc.LoginError(data[-1].decode(errors="replace") if data else typ)
    imap.state = "AUTH"  # as imaplib's login() does: commands of the logged-in state may follow


class _Client(IMAPClient):
    """An IMAPClient that hands its socket to *opened* before anything is read from it.

    imaplib reads the server's greeting as soon as it has connected, inside IMAPClient's
    constructor; *opened* may wait for it a short while itself (see _await_greeting) and
    keep the socket to close it on cancel.
    """

    def __init__(
        self,
        account: Account,
        *,
        ssl_context: ssl.SSLContext | None,
        timeout: float,
        opened: Callable[[socket.socket], None],
    ) -> None:
        self._opened = opened  # before the base class connects
        super().__init__(
            account.host,
            account.effective_port,
            ssl=account.security is Security.SSL,
            ssl_context=ssl_context,
            timeout=timeout,
        )

    def fetch(
        self, messages: Sequence[int], data: Sequence[str], modifiers: None = None
    ) -> dict[int, dict[bytes, Any]]:
        """As ``IMAPClient.fetch`` (imapclient 4.1), with the answer read by parse_fetch.

        parse_fetch reads the plain shape of a FETCH answer five to seven times faster than
        imapclient and leaves any other to imapclient's parser. The lines below copy
        imapclient's (tests/unit/test_library_internals.py checks that those have not
        changed), without the modifiers we never send and with our UIDs, ints already.
        """
        if not messages:
            return {}
        args = ["FETCH", join_message_ids(messages), seq_to_parenstr_upper(data)]
        if self.use_uid:
            args.insert(0, "UID")
        tag = self._imap._command(*args)
        typ, lines = self._imap._command_complete("FETCH", tag)
        self._checkok("fetch", typ, lines)
        typ, lines = self._imap._untagged_response(typ, lines, "FETCH")
        response = None if self.normalise_times else parse_fetch(lines, self.use_uid)
        if response is None:
            response = parse_fetch_response(lines, self.normalise_times, self.use_uid)
        return {uid: response[uid] for uid in messages if uid in response}

    def _create_IMAP4(self) -> imaplib.IMAP4:
        connect = self._timeout.connect
        if self.ssl:
            return _TlsImap4(self.host, self.port, self.ssl_context, connect, self._opened)
        return _PlainImap4(self.host, self.port, connect, self._opened)


class _PlainImap4(imap4.IMAP4WithTimeout):
    def __init__(
        self, host: str, port: int, timeout: float, opened: Callable[[socket.socket], None]
    ) -> None:
        self._opened = opened
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        sock: socket.socket = super()._create_socket(timeout)
        _hand_over(sock, self._opened)
        return sock


class _TlsImap4(tls.IMAP4_TLS):
    def __init__(
        self,
        host: str,
        port: int,
        ssl_context: ssl.SSLContext | None,
        timeout: float,
        opened: Callable[[socket.socket], None],
    ) -> None:
        self._opened = opened
        super().__init__(host, port, ssl_context, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        # As IMAP4_TLS does, with the socket handed over before the TLS handshake.
        sock = socket.create_connection(
            (self.host, self.port), timeout if timeout is not None else self._timeout
        )
        context: ssl.SSLContext = self.ssl_context or tls.create_default_context()
        try:
            wrapped = context.wrap_socket(
                sock, server_hostname=self.host, do_handshake_on_connect=False
            )
        except BaseException:
            sock.close()
            raise
        _hand_over(wrapped, self._opened)
        try:
            wrapped.do_handshake()
        except BaseException:
            wrapped.close()
            raise
        return wrapped


def _hand_over(sock: socket.socket, opened: Callable[[socket.socket], None]) -> None:
    """Pass a new socket to *opened*; close it if that raises (imaplib would not)."""
    try:
        opened(sock)
    except BaseException:
        sock.close()
        raise


def _shut(sock: socket.socket) -> None:
    """End a connection from another thread: its blocked read returns at once."""
    try:
        # The base class's shutdown: a TLS socket's own drops its TLS state, and the other
        # thread's next call on it (a handshake about to start) would fail with an
        # AttributeError instead of an OSError.
        _socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError as exc:  # closed already
        log.debug("Shutting down the connection: %s", exc)
    if sys.platform == "win32":
        # Windows wakes a thread waiting on the socket only when it is closed (closesocket
        # cancels every pending call on it); shutdown alone leaves the wait to its timeout.
        # The base class's close: socket.close() waits for imaplib's file on it to close.
        _socket.socket.close(sock)


def _unhook(hooks: list[Callable[[], None]]) -> None:
    while hooks:
        hooks.pop()()


def _await_greeting(
    account: Account, sock: socket.socket, timeout: float, cancel: CancelToken | None
) -> None:
    """Wait a moment for the plain-text greeting; if none comes, find out whether the port
    expects TLS at once (the user chose STARTTLS or none for an SSL/TLS port).

    A TLS server says nothing until the client's handshake begins, so the greeting would be
    waited for in vain until *timeout*. Raises TlsError (STARTTLS_ON_SSL_PORT) then; for a
    server that is merely slow, returns and the greeting is waited for as usual.
    """
    wait = min(GREETING_WAIT, timeout)
    sock.settimeout(wait)
    try:
        sock.recv(1, socket.MSG_PEEK)  # leaves the greeting for imaplib to read
        return
    except TimeoutError:
        pass
    finally:
        sock.settimeout(timeout)
    if _answers_in_tls(account, wait, cancel):
        raise TlsError(
            f"{_where(account)}: the server does not greet in plain text but expects SSL/TLS "
            "on this port.",
            kind=ErrorKind.STARTTLS_ON_SSL_PORT,
            **_params(account),
        )


@contextmanager
def _probe(
    account: Account, timeout: float, cancel: CancelToken | None, *, tls: bool = False
) -> Iterator[socket.socket]:
    """Open a short second connection to the account's port, to find out what it speaks;
    with *tls*, a TLS socket whose handshake the caller starts (``do_handshake()``),
    accepting any certificate: nothing is sent over it.

    *cancel* closes it at once, as it does the session's own connection: a silent server
    would otherwise hold a cancelled job (a connection test the user stopped, an app that
    quits) for the probe's whole wait. Once cancelled, no probe is opened (OSError).
    """
    if cancel is not None and cancel.is_cancelled:
        raise ConnectionAbortedError("cancelled before probing the port")
    with socket.create_connection((account.host, account.effective_port), timeout=timeout) as raw:
        # Wrapping moves the connection into a new socket object: that one is closed on cancel.
        sock = (
            _unverified_context().wrap_socket(
                raw, server_hostname=account.host, do_handshake_on_connect=False
            )
            if tls
            else raw
        )
        with sock:
            unhook = cancel.on_cancel(partial(_shut, sock)) if cancel is not None else None
            try:
                yield sock
            finally:
                if unhook is not None:
                    unhook()


def _answers_in_tls(account: Account, timeout: float, cancel: CancelToken | None) -> bool:
    """Whether the server completes a TLS handshake on a new connection to the port.

    Only the handshake happens (accepting any certificate: nothing is sent over it), never a
    command or a password.
    """
    try:
        with _probe(account, timeout, cancel, tls=True) as probe:
            assert isinstance(probe, ssl.SSLSocket)
            probe.do_handshake()
            return True
    except OSError as exc:  # ssl.SSLError included: no TLS spoken there
        log.debug("Probing %s for TLS: %s", account.host, exc)
        return False


def _greets_in_clear(account: Account, timeout: float, cancel: CancelToken | None) -> bool:
    """Whether the server greets in plain text (``* OK``) on the account's port: a TLS
    handshake that failed there met a port for STARTTLS or no encryption."""
    try:
        with _probe(account, min(GREETING_WAIT, timeout), cancel) as probe:
            return probe.recv(2) == b"* "
    except OSError as exc:
        log.debug("Probing %s for a plain greeting: %s", account.host, exc)
        return False


def _close_quietly(client: IMAPClient | None) -> None:
    if client is None:
        return
    try:
        client.shutdown()
    except (OSError, imap_exc.IMAPClientError) as exc:
        log.debug("Closing the connection failed: %s", exc)


@contextmanager
def open_session(
    account: Account,
    password: Secret,
    timeout: float = DEFAULT_TIMEOUT,
    cancel: CancelToken | None = None,
) -> Iterator[ImapSession]:
    """Connect and log in; log out at the end. *cancel* closes the connection (see connect)."""
    session = ImapSession.connect(account, password, timeout, cancel)
    try:
        yield session
    finally:
        session.close()
