"""Passwords: from the system keyring, a password command, or the user on each run.

A password never goes into the settings file or a log. ``Secret`` hides its value from
``repr()`` and ``str()`` so that it cannot leak into tracebacks or log lines by accident, and
:class:`RedactingFilter` replaces any password this process has seen by ``***`` where one
could arrive from elsewhere (the wire log, a server's error message, a traceback).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

from archiver.core.accounts import Account, PasswordSource
from archiver.core.errors import ArchiverError, ErrorKind, SecretError

# keyring is imported inside the functions that use it: loading it (and finding its backend)
# took a sixth of the command line's start-up, which most commands (search) never need.

log = logging.getLogger(__name__)

KEYRING_SERVICE = "imap-archiver"
COMMAND_TIMEOUT = 60.0


# Passwords seen by this process, for RedactingFilter; shorter ones would mangle logs.
_SEEN: set[str] = set()
_SEEN_LOCK = threading.Lock()
REDACT_MIN = 4


class Secret:
    """A password that does not show itself in reprs, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        if len(value) >= REDACT_MIN:
            with _SEEN_LOCK:
                _SEEN.add(value)

    def reveal(self) -> str:
        """Return the password, for the one place that sends it to the server."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def redact(text: str) -> str:
    """Return *text* with every password this process has seen replaced by ``***``."""
    with _SEEN_LOCK:
        values = sorted(_SEEN, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, "***")
    return text


class RedactingFilter(logging.Filter):
    """A handler filter that takes passwords out of what log records bring from elsewhere.

    Only where a password can occur: the IMAP wire log (beside imapclient's own redaction of
    LOGIN and AUTHENTICATE), the values a record inserts into its text (a server's answer, a
    library's error), and tracebacks. Our own words are left whole: a password that is also
    a word ("wrong") must not turn "wrong user name or password?" into a riddle that gives
    the password away. Our errors' texts are our own words too; the server's parts of them
    were redacted when the error was made (see archiver.core.imap).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(("imapclient", "imaplib")):
            message = record.getMessage()
            clean = redact(message)
            if clean != message:
                record.msg, record.args = clean, None
        elif isinstance(record.args, tuple) and record.args:
            record.args = tuple(_redacted_argument(arg) for arg in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _redacted_argument(value: object) -> object:
    """Redact a log record's argument unless it is one of our errors (see RedactingFilter)."""
    if isinstance(value, ArchiverError) or not isinstance(value, str | bytes | BaseException):
        return value
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    clean = redact(text)
    return value if clean == text else clean


def _keyring_key(account: Account) -> str:
    return f"{account.user}@{account.host}"


def keyring_usable() -> bool:
    """Whether a system keyring can hold passwords here.

    keyring falls back to stand-ins that refuse everything (its "fail" and "null" backends)
    where it finds none: headless machines, minimal desktops without a Secret Service.
    """
    import keyring.backends.fail  # noqa: PLC0415  # see the note at the top
    import keyring.backends.null  # noqa: PLC0415

    backend = keyring.get_keyring()
    return not isinstance(backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring))


def store_in_keyring(account: Account, password: Secret) -> None:
    """Save the password in the system keyring; raise SecretError where none works."""
    import keyring.errors  # noqa: PLC0415  # see the note at the top

    try:
        keyring.set_password(KEYRING_SERVICE, _keyring_key(account), password.reveal())
    except keyring.errors.KeyringError as exc:
        raise SecretError(
            f"Account {account.name}: no usable system keyring ({type(exc).__name__}).",
            kind=ErrorKind.KEYRING_UNAVAILABLE,
            account=account.name,
            reason=type(exc).__name__,
        ) from None


def delete_from_keyring(account: Account) -> None:
    """Remove the account's password from the keyring, if it is there."""
    import keyring.errors  # noqa: PLC0415  # see the note at the top

    try:
        keyring.delete_password(KEYRING_SERVICE, _keyring_key(account))
    except keyring.errors.KeyringError:
        log.info("No keyring entry to remove for account %s", account.name)


def same_keyring_entry(one: Account, other: Account) -> bool:
    """Whether two accounts' passwords share one keyring entry (it is keyed by user@host)."""
    return _keyring_key(one) == _keyring_key(other)


def keep_password(
    account: Account, typed: Secret | None, previous: Account | None, previous_shared: bool
) -> None:
    """Put the password where *account* keeps it, after an edit of *previous* (None: new).

    A keyring account edited without a new password keeps the stored one, also when its
    user name or server changed and the entry moves. The previous entry goes when the
    password no longer lives there, unless *previous_shared*: another account uses it.
    Raises SecretError when the keyring cannot be used; nothing was removed then.
    """
    had_keyring = previous is not None and previous.password_source is PasswordSource.KEYRING
    if account.password_source is PasswordSource.KEYRING:
        if typed is None and previous is not None and had_keyring:
            typed = get_password(previous) if not same_keyring_entry(account, previous) else None
        if typed is not None:
            store_in_keyring(account, typed)
    moved = account.password_source is not PasswordSource.KEYRING or (
        previous is not None and not same_keyring_entry(account, previous)
    )
    if previous is not None and had_keyring and moved and not previous_shared:
        delete_from_keyring(previous)


def run_password_command(account: Account) -> Secret:
    """Run the account's password command (through the shell, like mbsync's PassCmd).

    The shell is /bin/sh, and cmd.exe on Windows (its quoting: double quotes, ``%VAR%``).

    Only the first line of its output is the password. Its output is never shown, even when
    it fails, because it may hold the password.
    """
    assert account.password_command is not None
    # Here, not at the top: the log setup of every command imports this module.
    import subprocess  # noqa: PLC0415

    try:
        result = subprocess.run(  # the user's own configured command
            account.password_command,
            shell=True,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            stdin=subprocess.DEVNULL,
            check=False,
            # Windows: no console window flashing up when the app (no console) runs it.
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _command_failed(account, f"failed ({type(exc).__name__})") from None
    if result.returncode != 0:
        raise _command_failed(account, f"exited with {result.returncode}")
    lines = command_output(result.stdout).splitlines()
    if not lines or not lines[0]:
        raise _command_failed(account, "printed nothing")
    return Secret(lines[0])


def _command_failed(account: Account, reason: str) -> SecretError:
    """The error for a password command that gave no password; *reason* says how."""
    return SecretError(
        f"Account {account.name}: the password command {reason}.",
        kind=ErrorKind.PASSWORD_COMMAND_FAILED,
        account=account.name,
        reason=reason,
    )


def command_output(
    raw: bytes, fallback: str | None = "oem" if sys.platform == "win32" else None
) -> str:
    """Decode a password command's output: UTF-8, else the console's code page on Windows.

    cmd.exe's ``echo`` and Windows PowerShell 5 write to a pipe in the console's OEM code page
    (850 on a German Windows), so an umlaut in a password arrives as one byte that is not
    UTF-8. Decoded as UTF-8 it would silently become another password.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode(fallback or "utf-8", "replace")


def get_password(account: Account, ask: Callable[[], str] | None = None) -> Secret:
    """Return the account's password from where it is configured to come from.

    Args:
        account: the account.
        ask: asks the user (a terminal prompt or standard input); used for PROMPT accounts,
            and overrides the configured source when given (``--password-stdin``).
    """
    if ask is not None:
        value = ask()
        if not value:
            raise SecretError(
                f"Account {account.name}: no password was given.",
                kind=ErrorKind.PASSWORD_NEEDED,
                account=account.name,
            )
        return Secret(value)
    if account.password_source is PasswordSource.COMMAND:
        return run_password_command(account)
    if account.password_source is PasswordSource.KEYRING:
        import keyring.errors  # noqa: PLC0415  # see the note at the top

        try:
            stored: str | None = keyring.get_password(KEYRING_SERVICE, _keyring_key(account))
        except keyring.errors.KeyringError as exc:
            raise SecretError(
                f"Account {account.name}: the system keyring is not usable ({type(exc).__name__}).",
                kind=ErrorKind.KEYRING_UNAVAILABLE,
                account=account.name,
                reason=type(exc).__name__,
            ) from None
        if stored is None:
            raise SecretError(
                f"Account {account.name}: no password in the keyring.",
                kind=ErrorKind.KEYRING_EMPTY,
                account=account.name,
            )
        return Secret(stored)
    raise SecretError(
        f"Account {account.name}: the password is asked on each run.",
        kind=ErrorKind.PASSWORD_NEEDED,
        account=account.name,
    )
