"""The demo: a throw-away local Dovecot full of generated mail, to try the app without an account.

``imap-archiver demo`` and ``imap-archiver-gui --demo`` start a DemoSession and open the app
on its home. Qt-free; nothing here reads or writes the user's own settings or archive.
"""

from archiver.demo.server import ServerError
from archiver.demo.session import (
    INSTALL_HINT,
    DemoSession,
    DovecotMissing,
    keep_off_the_keyring,
    remove_stale_demos,
)

__all__ = [
    "INSTALL_HINT",
    "DemoSession",
    "DovecotMissing",
    "ServerError",
    "keep_off_the_keyring",
    "remove_stale_demos",
]
