"""The family of errors the archiver can explain to its user.

Each docstring says when the error is raised. Library errors (imapclient, ssl, socket, OS) are
translated into these at the boundary, so that front ends catch one family.

An error is data: its ``kind`` (a stable slug) and its parameters (account, host, port,
folder, reason). ``str(error)`` is a precise English sentence for logs and the command line;
each face writes its own words from the kind (``archiver/cli/messages.py`` adds the options
that help, ``archiver/gui/errors.py`` says it in the user's language with the button that
helps), so the core never gives advice in one face's terms.
"""

from __future__ import annotations

import errno
from enum import StrEnum
from pathlib import Path
from typing import ClassVar


class ErrorKind(StrEnum):
    """What went wrong, as a slug that stays the same across versions and languages."""

    OTHER = "other"
    # Reaching the server
    CONNECTION_REFUSED = "connection_refused"
    DNS_FAILURE = "dns_failure"
    TIMEOUT = "timeout"
    CONNECTION_FAILED = "connection_failed"
    CONNECTION_LOST = "connection_lost"
    # Securing the connection
    TLS_UNTRUSTED = "tls_untrusted"
    TLS_WRONG_HOST = "tls_wrong_host"
    TLS_EXPIRED = "tls_expired"
    TLS_CHANGED = "tls_changed"
    TLS_FAILED = "tls_failed"
    CAFILE_UNREADABLE = "cafile_unreadable"
    STARTTLS_UNSUPPORTED = "starttls_unsupported"
    STARTTLS_ON_SSL_PORT = "starttls_on_ssl_port"
    SSL_ON_PLAIN_PORT = "ssl_on_plain_port"
    # Logging in and working
    AUTH_FAILED = "auth_failed"
    SERVER_REFUSED = "server_refused"
    MALFORMED_RESPONSE = "malformed_response"
    QUOTA = "quota"
    # The password
    KEYRING_UNAVAILABLE = "keyring_unavailable"
    KEYRING_EMPTY = "keyring_empty"
    PASSWORD_COMMAND_FAILED = "password_command_failed"
    PASSWORD_NEEDED = "password_needed"
    # The archive
    CATALOG_DAMAGED = "catalog_damaged"
    CATALOG_MISSING = "catalog_missing"
    ARCHIVE_LOCKED = "archive_locked"
    ARCHIVE_READ_ONLY = "archive_read_only"


class ArchiverError(Exception):
    """An expected failure we can explain to the user.

    ``kind`` says what it is (a class may set its own default); ``account``, ``host``,
    ``port``, ``folder`` and ``reason`` (the library's or server's own words, untranslated)
    are the parameters a face needs to word it; each is None where it does not apply.
    """

    kind: ErrorKind = ErrorKind.OTHER

    def __init__(
        self,
        message: str = "",
        *,
        kind: ErrorKind | None = None,
        account: str | None = None,
        host: str | None = None,
        port: int | None = None,
        folder: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        if kind is not None:
            self.kind = kind
        self.account, self.host, self.port = account, host, port
        self.folder, self.reason = folder, reason


class ConfigError(ArchiverError):
    """The configuration file or a setting in it is unusable, or an account is unknown."""


class AccountNameTaken(ConfigError):
    """Raised when a new account's name differs from an existing one's only in upper and
    lower case (Office, office): on disks that ignore case they would share one folder of
    the archive, and they would share the index's and search's account scope everywhere.
    ``name`` is the new name, ``existing`` the configured one."""

    def __init__(self, name: str, existing: str) -> None:
        super().__init__(
            f"An account named {existing!r} exists already; {name!r} differs from it only in "
            "upper and lower case, and both would share one archive folder. Choose another name."
        )
        self.name, self.existing = name, existing


class SecretError(ArchiverError):
    """No password could be obtained: no keyring, a failing password command, no input."""


class ImapError(ArchiverError):
    """The IMAP server refused a command or the connection failed; the account cannot go on."""


class ConnectError(ImapError):
    """The server could not be reached (DNS, refused, timeout) before the IMAP greeting."""


class TlsError(ImapError):
    """TLS could not be established or the certificate is not trusted."""


class UntrustedCertificate(TlsError):
    """The server's certificate is not trusted: no CA vouches for it, or it is not the one
    whose fingerprint the user chose to trust. ``fingerprint`` is the SHA-256 (hex) of the
    certificate the server showed, or None if it could not be read; no password was sent.
    Its kind says why: no CA vouches for it, it names another host, it expired, or it
    differs from the pinned one."""

    kind = ErrorKind.TLS_UNTRUSTED

    def __init__(
        self,
        message: str,
        fingerprint: str | None,
        *,
        kind: ErrorKind | None = None,
        account: str | None = None,
        host: str | None = None,
        port: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message, kind=kind, account=account, host=host, port=port, reason=reason)
        self.fingerprint = fingerprint


class AuthenticationError(ImapError):
    """The server rejected the user name or password."""

    kind = ErrorKind.AUTH_FAILED


class ResponseTooLarge(ImapError):
    """The server sent more than the command could bring: a literal larger than the message
    or piece asked for, a line without end, or endless responses (a broken or hostile server).

    Raised while reading, before the data is held in memory; the connection is closed, so
    the run stops there and nothing more is deleted.
    """


class FolderError(ImapError):
    """A folder could not be selected or read (it may have been deleted or renamed mid-run).

    The job skips that folder and goes on with the others.
    """


class AppendRefused(FolderError):
    """The server refused to store one message (too large for it, or for a reason it gave).

    Raised by APPEND; the message stays in the archive and the job goes on with the others.
    """


class QuotaExceeded(ImapError):
    """The server refused to store a message because the account is over its quota.

    Raised by APPEND on ``[OVERQUOTA]`` (RFC 5530): nothing more fits, so the job stops.
    """

    kind = ErrorKind.QUOTA


class ExportError(ArchiverError):
    """An export target cannot be written: it exists and is not empty, is not a writable
    folder, or the disk filled up while writing."""


class ReportWriteFailed(ArchiverError):
    """Raised when the record (CSV or HTML) cannot be written to ``path``: no permission, a
    full disk, a folder that is gone; ``detail`` is the system's reason."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"Cannot write the record to {path}: {detail}.")
        self.path, self.detail = path, detail


class MessageFetchError(ArchiverError):
    """One message could not be fetched completely; it stays on the server."""


class UidValidityChanged(ArchiverError):
    """The folder was recreated on the server; archived UIDs no longer name its messages."""


class StoreError(ArchiverError):
    """The local archive could not be written or read back (disk full, permissions)."""


class ArchiveReadOnly(StoreError):
    """Raised when a command that writes the archive (archive, restore, reindex, verify
    --repair) meets an archive that cannot be written: a backup on read-only media, or a
    folder without write permission. Reading it (search, show, export) still works.
    ``path`` is the archive's root folder."""

    kind = ErrorKind.ARCHIVE_READ_ONLY

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The archive at {path} is read-only (read-only media, or no permission to write "
            "there); it can be searched, shown and exported, but not changed."
        )
        self.path = path


class CatalogError(StoreError):
    """The catalog database cannot be opened or written: the disk is full, its path is
    longer than SQLite can open, or the file is damaged. ``path`` is the catalog file;
    ``disk_full`` says whether the disk is full."""

    def __init__(self, message: str, path: Path, *, disk_full: bool = False) -> None:
        super().__init__(message)
        self.path, self.disk_full = path, disk_full


class VerificationError(StoreError):
    """A stored message read back differs from what the server sent."""


class CatalogDamaged(ArchiverError):
    """The catalog database cannot be read (not a database, damaged pages, a lost write-ahead
    log): ``path`` names it. ``imap-archiver verify --repair`` rebuilds it from the archive."""

    kind = ErrorKind.CATALOG_DAMAGED

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(
            f"The archive's catalog {path} is damaged ({detail}). Nothing was changed. Run "
            "'imap-archiver verify --repair' to rebuild it from the archive files."
        )


class CatalogMissing(ArchiverError):
    """The archive holds message files but its catalog is gone: ``path`` is where it was."""

    kind = ErrorKind.CATALOG_MISSING

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(
            f"The archive's catalog {path} is missing, but the archive holds messages. Nothing "
            "was changed. Run 'imap-archiver verify --repair' to rebuild it from the archive "
            "files."
        )


class QueryError(ArchiverError):
    """Raised when a search query cannot be understood; the message says which part."""


class QueryTooLarge(QueryError):
    """Raised before a query is parsed when it exceeds a limit that keeps searches quick.

    ``limit`` names which: ``"characters"`` (the whole query), ``"words"``, ``"word"`` (the
    characters of its longest word) or ``"nesting"`` (parentheses inside each other);
    ``maximum`` is the limit and ``found`` what the query has.
    """

    MESSAGES: ClassVar[dict[str, str]] = {
        "characters": "The query has {found:,} characters; at most {maximum:,} are allowed.",
        "words": "The query has {found:,} words; at most {maximum:,} are allowed.",
        "word": "A word of the query has {found:,} characters; at most {maximum:,} are allowed.",
        "nesting": "The query nests parentheses {found:,} deep; at most {maximum:,} are allowed.",
    }

    def __init__(self, limit: str, maximum: int, found: int) -> None:
        super().__init__(self.MESSAGES[limit].format(found=found, maximum=maximum))
        self.limit, self.maximum, self.found = limit, maximum, found


class ArchiveLocked(ArchiverError):
    """Another job holds the archive's lock file."""

    kind = ErrorKind.ARCHIVE_LOCKED


class BackupError(ArchiverError):
    """A backup cannot go on; ``destination`` is the backup folder. Nothing in the archive
    was changed, and a backup that was stopped says it is incomplete until a run finishes."""

    def __init__(self, message: str, destination: Path) -> None:
        super().__init__(message)
        self.destination = destination


class BackupDestinationMissing(BackupError):
    """Raised when the backup folder cannot be reached: before the run (its disk is not
    connected, the share not mounted) or during it (``during_run``: the disk was unplugged,
    the network share went away)."""

    def __init__(self, destination: Path, *, during_run: bool) -> None:
        if during_run:
            text = (
                f"The backup folder {destination} went away during the backup (disk "
                "unplugged or network share lost). The archive is untouched; the backup is "
                "marked incomplete. Connect it again and run the backup again to finish it."
            )
        else:
            text = (
                f"The backup folder {destination} cannot be reached: its parent folder does not "
                "exist. Is the disk connected, the network share mounted?"
            )
        super().__init__(text, destination)
        self.during_run = during_run


class BackupDestinationForeign(BackupError):
    """Raised before anything is written when the backup folder holds files but is no
    backup of ours (no backup record in it): a folder chosen by mistake is never filled,
    let alone changed. ``entries`` names a few of what is in it."""

    def __init__(self, destination: Path, entries: list[str]) -> None:
        shown = ", ".join(entries[:5]) + (" ..." if len(entries) > 5 else "")
        super().__init__(
            f"The folder {destination} is not empty and is no backup made by imap-archiver "
            f"(it holds {shown}). Choose an empty folder, or the folder of an earlier backup; "
            "nothing was written.",
            destination,
        )
        self.entries = entries


class BackupOfAnotherArchive(BackupError):
    """Raised before anything is written when the backup folder holds a backup of another
    archive (another computer's, another user's): none of the messages its catalog lists is
    in this archive. ``source`` is the archive that backup was made from, as its record says."""

    def __init__(self, destination: Path, source: str) -> None:
        super().__init__(
            f"The folder {destination} holds a backup of another archive ({source}): none of "
            "its messages is in this archive. Choose another folder; nothing was written.",
            destination,
        )
        self.source = source


class BackupDestinationInvalid(BackupError):
    """Raised before anything is written when the backup folder is the archive itself, lies
    inside it, or holds it."""


class BackupDestinationFull(BackupError):
    """Raised when the backup disk has no room: before the run when the space it needs
    (``needed`` bytes, ``free`` available) is not there, or when a write fails for lack of
    space (``needed`` and ``free`` then None)."""

    def __init__(
        self, destination: Path, *, needed: int | None = None, free: int | None = None
    ) -> None:
        if needed is not None and free is not None:
            text = (
                f"The backup disk of {destination} is too small: the backup needs about "
                f"{needed:,} more bytes, {free:,} are free. Nothing more was copied."
            )
        else:
            text = (
                f"The backup disk of {destination} is full. The archive is untouched; the "
                "backup is marked incomplete. Free some space and run the backup again."
            )
        super().__init__(text, destination)
        self.needed, self.free = needed, free


class BackupDestinationReadOnly(BackupError):
    """Raised when the backup folder may not be written (read-only media, no permission)."""

    def __init__(self, destination: Path) -> None:
        super().__init__(
            f"The backup folder {destination} cannot be written (read-only media, or no "
            "permission to write there).",
            destination,
        )


class BackupFileTooLarge(BackupError):
    """Raised before a file is copied when it is larger than the backup disk's file system
    takes in one file (FAT32: 4 GiB - 1 byte), as a long mbox file may be. ``files`` are
    (path in the archive, size) of each such file, ``limit`` the largest size the file
    system takes and ``filesystem`` its name."""

    def __init__(
        self,
        destination: Path,
        files: list[tuple[str, int]],
        limit: int | None,
        filesystem: str | None,
    ) -> None:
        shown = "; ".join(f"{path} ({size:,} bytes)" for path, size in files[:3])
        more = f" and {len(files) - 3} more" if len(files) > 3 else ""
        formatted = f"is formatted {filesystem}, which" if filesystem else "has a file system that"
        most = f"of at most {limit:,} bytes" if limit is not None else "that large"
        super().__init__(
            f"The backup disk of {destination} {formatted} takes files {most}; the archive "
            f"holds larger ones: {shown}{more}. Nothing was copied for them. Use a disk "
            "formatted exFAT, NTFS, APFS or ext4.",
            destination,
        )
        self.files, self.limit, self.filesystem = files, limit, filesystem


class BackupCopyFailed(BackupError):
    """Raised when a file written to the backup folder reads back different from what was
    written (a failing disk or connection), or writing there fails for another reason;
    ``path`` is the file in the archive."""

    def __init__(self, destination: Path, path: str, detail: str) -> None:
        super().__init__(
            f"Cannot copy {path} to the backup folder {destination}: {detail}. The archive is "
            "untouched; the backup is marked incomplete.",
            destination,
        )
        self.path, self.detail = path, detail


# Windows: ERROR_FILENAME_EXCED_RANGE (Python's errno for it is ENOENT).
NAME_TOO_LONG_WINERROR = 206

# errno values that mean "this file system, or this folder, may not be written"
READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def disk_error(exc: OSError, what: str) -> StoreError:
    """Translate an OS error while writing the archive into a clear StoreError."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(
            f"The archive disk is full while {what}; nothing was deleted "
            "from the server. Free some space and run again."
        )
    if exc.errno == errno.ENAMETOOLONG or getattr(exc, "winerror", None) == NAME_TOO_LONG_WINERROR:
        return StoreError(
            f"Cannot write the archive while {what}: the folder's name is longer than the "
            "archive's file system allows for a file or folder name; nothing was deleted from "
            "the server. A shorter folder name on the server avoids it."
        )
    return StoreError(f"Cannot write the archive while {what}: {exc.strerror or exc}")
