"""The app's words for the core's errors: one sentence in the user's language, and the
button that helps.

The core's errors carry a kind and parameters (archiver.core.errors); the command line words
them with its options (archiver/cli/messages.py), the app here with its own buttons, never
naming a command-line option. A kind without words of its own here shows the core's English
text, which names the account and the server's own answer.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale

from archiver.core.errors import ArchiverError, ErrorKind, QueryTooLarge

log = logging.getLogger(__name__)


class ErrorAction(enum.Enum):
    """What the user can do next, offered as a button beside the error."""

    EDIT_ACCOUNT = "edit_account"  # correct the server, port, user name or password
    TRUST_CERTIFICATE = "trust_certificate"  # compare and trust the server's certificate
    USE_SSL = "use_ssl"  # switch to SSL/TLS (on this port if it expects it, else on 993)
    USE_STARTTLS = "use_starttls"  # switch to STARTTLS (on this port, which expects it)
    OPEN_SETTINGS = "open_settings"  # check and repair the archive there
    RETRY = "retry"  # nothing to change: try again


@dataclass(frozen=True, slots=True)
class ErrorHelp:
    """What the user is told about an error, and the button that helps (None: no button)."""

    text: str
    action: ErrorAction | None = None


# The words for each kind; {host}, {port}, {account} and {reason} are the error's parameters.
# Marked here for lupdate, translated when shown (the language may change while running);
# QT_TRANSLATE_NOOP is typed as returning object, hence str() where they are used.
_TEXTS: dict[ErrorKind, tuple[object, ErrorAction | None]] = {
    ErrorKind.CONNECTION_REFUSED: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The server {host} does not accept connections on port {port}. Check the server "
            "name and the port.",
        ),
        ErrorAction.EDIT_ACCOUNT,
    ),
    ErrorKind.DNS_FAILURE: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The server name {host} cannot be found. Check its spelling and the internet "
            "connection.",
        ),
        ErrorAction.EDIT_ACCOUNT,
    ),
    ErrorKind.TIMEOUT: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The server {host} did not answer in time. Check the internet connection and try "
            "again.",
        ),
        ErrorAction.RETRY,
    ),
    ErrorKind.CONNECTION_FAILED: (
        QT_TRANSLATE_NOOP(
            "errors",
            "No connection to the server {host} on port {port} could be made. Check the "
            "server name, the port and the internet connection.",
        ),
        ErrorAction.EDIT_ACCOUNT,
    ),
    ErrorKind.CONNECTION_LOST: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The connection to the server {host} was lost. Nothing was lost; try again.",
        ),
        ErrorAction.RETRY,
    ),
    ErrorKind.AUTH_FAILED: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The server {host} rejected the user name or the password. Check both; many "
            "providers want the full e-mail address as the user name.",
        ),
        ErrorAction.EDIT_ACCOUNT,
    ),
    ErrorKind.TLS_UNTRUSTED: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The certificate of the server {host} is not trusted: no certificate authority "
            "known to this computer vouches for it. No password was sent.",
        ),
        ErrorAction.TRUST_CERTIFICATE,
    ),
    ErrorKind.TLS_WRONG_HOST: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The certificate of the server {host} was made out for another server name. Use "
            "the server name your provider gives. No password was sent.",
        ),
        ErrorAction.EDIT_ACCOUNT,
    ),
    ErrorKind.TLS_EXPIRED: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The certificate of the server {host} has expired. Tell your provider; trust it "
            "only if they confirm it. No password was sent.",
        ),
        ErrorAction.TRUST_CERTIFICATE,
    ),
    ErrorKind.TLS_CHANGED: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The server {host} showed a different certificate from the one you trust. It may "
            "have been renewed, or someone may be intercepting the connection. No password "
            "was sent.",
        ),
        ErrorAction.TRUST_CERTIFICATE,
    ),
    ErrorKind.TLS_FAILED: (
        QT_TRANSLATE_NOOP(
            "errors",
            "No secure connection to the server {host} could be established ({reason}).",
        ),
        ErrorAction.EDIT_ACCOUNT,
    ),
    ErrorKind.CAFILE_UNREADABLE: (
        QT_TRANSLATE_NOOP(
            "errors", "The CA file of account {account} cannot be read. Choose another one."
        ),
        ErrorAction.EDIT_ACCOUNT,
    ),
    ErrorKind.STARTTLS_UNSUPPORTED: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The server {host} does not offer STARTTLS on port {port}, so the password would "
            "travel unencrypted; it was not sent. Choose SSL/TLS (port 993).",
        ),
        ErrorAction.USE_SSL,
    ),
    ErrorKind.STARTTLS_ON_SSL_PORT: (
        QT_TRANSLATE_NOOP(
            "errors",
            "Port {port} of the server {host} expects SSL/TLS from the start, not STARTTLS. "
            "Choose SSL/TLS as the security.",
        ),
        ErrorAction.USE_SSL,
    ),
    ErrorKind.SSL_ON_PLAIN_PORT: (
        QT_TRANSLATE_NOOP(
            "errors",
            "Port {port} of the server {host} expects STARTTLS, not SSL/TLS. Choose STARTTLS "
            "(port 143), or SSL/TLS with port 993.",
        ),
        ErrorAction.USE_STARTTLS,
    ),
    ErrorKind.QUOTA: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The mailbox on the server {host} is full. Free some space there (empty the "
            "trash, for example) and try again.",
        ),
        None,
    ),
    ErrorKind.KEYRING_UNAVAILABLE: (
        QT_TRANSLATE_NOOP(
            "errors",
            "This computer has no usable password store (system keyring). In the account's "
            "settings, choose “Ask each time” or a password command.",
        ),
        ErrorAction.EDIT_ACCOUNT,
    ),
    ErrorKind.KEYRING_EMPTY: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The password of account {account} is not in the system keyring. Type it again "
            "in the account's settings.",
        ),
        ErrorAction.EDIT_ACCOUNT,
    ),
    ErrorKind.PASSWORD_COMMAND_FAILED: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The password command of account {account} gave no password. Check the command "
            "in the account's settings.",
        ),
        ErrorAction.EDIT_ACCOUNT,
    ),
    ErrorKind.PASSWORD_NEEDED: (
        QT_TRANSLATE_NOOP("errors", "No password was given for account {account}."),
        ErrorAction.RETRY,
    ),
    ErrorKind.ARCHIVE_LOCKED: (
        QT_TRANSLATE_NOOP(
            "errors", "Another job is using the archive; try again when it has finished."
        ),
        None,
    ),
    ErrorKind.ARCHIVE_READ_ONLY: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The archive at {path} is read-only (read-only media, or no permission to write "
            "there); it can be searched, shown and exported, but not changed.",
        ),
        None,
    ),
    ErrorKind.CATALOG_DAMAGED: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The archive's catalog {path} is damaged ({detail}).",
        ),
        ErrorAction.OPEN_SETTINGS,
    ),
    ErrorKind.CATALOG_MISSING: (
        QT_TRANSLATE_NOOP(
            "errors",
            "The archive's catalog {path} is missing, but the archive holds messages.",
        ),
        ErrorAction.OPEN_SETTINGS,
    ),
}

# Said after the catalog's errors: how to repair it.
_REPAIR = QT_TRANSLATE_NOOP(
    "errors",
    "Nothing was changed. To rebuild the catalog from the archive files, choose "
    "Settings → Check and repair the archive.",
)

_ACTION_LABELS: dict[ErrorAction, object] = {
    ErrorAction.EDIT_ACCOUNT: QT_TRANSLATE_NOOP("errors", "Edit account"),
    ErrorAction.TRUST_CERTIFICATE: QT_TRANSLATE_NOOP("errors", "Check certificate"),
    ErrorAction.USE_SSL: QT_TRANSLATE_NOOP("errors", "Use SSL/TLS"),
    ErrorAction.USE_STARTTLS: QT_TRANSLATE_NOOP("errors", "Use STARTTLS"),
    ErrorAction.OPEN_SETTINGS: QT_TRANSLATE_NOOP("errors", "Open settings"),
    ErrorAction.RETRY: QT_TRANSLATE_NOOP("errors", "Try again"),
}


def action_label(action: ErrorAction) -> str:
    """Return the caption of *action*'s button, in the user's language."""
    return QCoreApplication.translate("errors", str(_ACTION_LABELS[action]))


def error_help(exc: BaseException) -> ErrorHelp:
    """Return what the user is told about *exc* and the button that helps.

    Our errors of a known kind get the app's own sentence; other ones of ours their English
    text (it names account and folder and quotes the server); an OSError its system text;
    anything else is a bug, logged with its traceback, and the user is pointed to the log.
    """
    if isinstance(exc, QueryTooLarge):
        return ErrorHelp(query_limit_text(exc))
    if isinstance(exc, ArchiverError):
        known = _TEXTS.get(exc.kind)
        if known is None:
            return ErrorHelp(str(exc))
        text, action = known
        values = {
            "host": exc.host or "",
            "port": exc.port or "",
            "account": exc.account or "",
            "reason": exc.reason or "",
            "path": getattr(exc, "path", ""),
            "detail": getattr(exc, "detail", ""),
        }
        said = QCoreApplication.translate("errors", str(text)).format(**values)
        if exc.kind is ErrorKind.AUTH_FAILED and exc.reason:  # a provider may say why
            said += "\n" + QCoreApplication.translate("errors", "The server said: {reason}").format(
                reason=exc.reason
            )
        if action is ErrorAction.OPEN_SETTINGS:
            said += " " + QCoreApplication.translate("errors", str(_REPAIR))
        return ErrorHelp(said, action)
    if isinstance(exc, OSError):
        return ErrorHelp(f"{exc.strerror or exc} ({exc.filename or ''})".replace(" ()", ""))
    log.error("Unexpected error in a job", exc_info=exc)
    return ErrorHelp(
        QCoreApplication.translate(
            "errors", "An unexpected error occurred; the details are in the log file."
        )
    )


def error_text(exc: BaseException) -> str:
    """Return what the user is told about *exc* (see error_help), without the button."""
    return error_help(exc).text


def query_limit_text(exc: QueryTooLarge) -> str:
    """Return which limit of a search query was exceeded, in the user's language."""
    texts = {
        "characters": QCoreApplication.translate(
            "errors", "The query has {found} characters; at most {maximum} are allowed."
        ),
        "words": QCoreApplication.translate(
            "errors", "The query has {found} words; at most {maximum} are allowed."
        ),
        "word": QCoreApplication.translate(
            "errors", "A word of the query has {found} characters; at most {maximum} are allowed."
        ),
        "nesting": QCoreApplication.translate(
            "errors", "The query nests parentheses {found} deep; at most {maximum} are allowed."
        ),
    }
    locale = QLocale()
    return texts[exc.limit].format(
        found=locale.toString(exc.found), maximum=locale.toString(exc.maximum)
    )
