"""The command line's words for the core's errors (what happened, then which option helps).

The core says what happened (``str(error)``, also what the log holds); the advice names this
face's options, so it lives here, looked up by the error's kind. The GUI words the same
kinds in its own terms (archiver/gui/errors.py). Light to import: every command loads it.
"""

from __future__ import annotations

from archiver.core.errors import ArchiverError, ErrorKind

# What to do next, in terms of the command line; "{...}" names the error's parameters.
HINTS: dict[ErrorKind, str] = {
    ErrorKind.CONNECTION_REFUSED: "Check --host and --port (993 for ssl, 143 for starttls).",
    ErrorKind.DNS_FAILURE: "Check the server name given with --host, and the network.",
    ErrorKind.TIMEOUT: "Check the network, or allow longer with --timeout SECONDS.",
    ErrorKind.TLS_UNTRUSTED: (
        "For a private CA or a self-signed certificate, give it with --cafile FILE, or trust "
        "exactly this certificate with --trust-fingerprint once you have compared its "
        "fingerprint with your provider's."
    ),
    ErrorKind.TLS_WRONG_HOST: (
        "Give --host the name the certificate was made for (your provider documents it)."
    ),
    ErrorKind.TLS_EXPIRED: (
        "Tell your provider; if you must go on, --trust-fingerprint trusts exactly this "
        "certificate."
    ),
    ErrorKind.TLS_CHANGED: (
        "If your provider confirms the new certificate, give its fingerprint with "
        "--trust-fingerprint."
    ),
    ErrorKind.STARTTLS_ON_SSL_PORT: "Use --security ssl (port 993) for this port.",
    ErrorKind.SSL_ON_PLAIN_PORT: (
        "Use --security starttls for this port, or port 993 with --security ssl."
    ),
    ErrorKind.AUTH_FAILED: (
        "Check --user; give the password again with 'imap-archiver account add {account} "
        "... --password-stdin'."
    ),
    ErrorKind.KEYRING_UNAVAILABLE: (
        "Use --password-command, or give --password-stdin on each run."
    ),
    ErrorKind.KEYRING_EMPTY: (
        "Store it again: 'imap-archiver account add {account} ... --password-stdin'."
    ),
    ErrorKind.PASSWORD_NEEDED: "Give it with --password-stdin.",
    ErrorKind.PASSWORD_COMMAND_FAILED: "Run the account's password command yourself to see why.",
}


def error_message(exc: ArchiverError) -> str:
    """Return the line the command line prints for *exc*: what happened, and what helps.

    Not redacted: these are our own words (a password that is a word would damage them and
    show the reader the password); the server's words in them were redacted by the core.
    """
    hint = HINTS.get(exc.kind)
    return str(exc) if hint is None else f"{exc} {hint.format(account=exc.account or 'NAME')}"
