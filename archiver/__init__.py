"""IMAP Archiver: move old mail from a small IMAP mailbox into a verified local archive."""

__version__ = "0.1.0"
