"""Readers of mail kept elsewhere on disk, for the import job (archiver.core.jobs.importing).

Every reader only reads: files are opened read-only and never written, renamed or touched.
:func:`discover` tells what a path the user named holds (see :mod:`.discovery`); each
:class:`~.sources.SourceFolder` it finds yields its messages byte for byte.
"""

from archiver.core.importers.discovery import discover
from archiver.core.importers.sources import (
    Discovery,
    NotImported,
    SkippedMessage,
    SourceFolder,
    SourceKind,
    SourceMessage,
    UnreadableMessage,
)

__all__ = [
    "Discovery",
    "NotImported",
    "SkippedMessage",
    "SourceFolder",
    "SourceKind",
    "SourceMessage",
    "UnreadableMessage",
    "discover",
]
