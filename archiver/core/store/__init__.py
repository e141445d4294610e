"""Local archive formats behind one protocol: Maildir (default) and mbox (mboxrd)."""

from __future__ import annotations

from pathlib import Path

from archiver.core.catalog import CATALOG_NAME
from archiver.core.errors import ArchiverError, CatalogMissing
from archiver.core.paths import make_private_dir, write_private_file
from archiver.core.store.base import FORMAT_MARKER, ArchiveStore, Staged
from archiver.core.store.maildir import MaildirStore
from archiver.core.store.mbox import MboxStore

__all__ = [
    "FORMATS",
    "ArchiveStore",
    "MaildirStore",
    "MboxStore",
    "Staged",
    "account_trees",
    "open_store",
    "require_catalog",
    "resolve_format",
]

FORMATS: dict[str, type[MaildirStore] | type[MboxStore]] = {
    "maildir": MaildirStore,
    "mbox": MboxStore,
}


def resolve_format(
    archive_root: Path, account: str, requested: str | None, default: str, *, remember: bool = True
) -> str:
    """Return the format of *account*'s tree: the one it has, else *requested* or *default*.

    An account's tree keeps one format for good; asking for the other is an error rather
    than a silently mixed archive. With *remember*, a new tree's choice is written down.
    """
    marker = archive_root / account / FORMAT_MARKER
    existing = marker.read_text().strip() if marker.exists() else None
    if existing is not None:
        if existing not in FORMATS:
            raise ArchiverError(f"{marker} names an unknown archive format {existing!r}.")
        if requested is not None and requested != existing:
            raise ArchiverError(
                f"Account {account}: the archive is in {existing} format; it "
                f"cannot be continued as {requested}."
            )
        return existing
    chosen = requested or default
    if chosen not in FORMATS:
        raise ArchiverError(f"Unknown archive format {chosen!r} (maildir or mbox).")
    if remember:
        make_private_dir(marker.parent)
        write_private_file(marker, chosen.encode() + b"\n")
    return chosen


def open_store(archive_format: str, archive_root: Path, account: str) -> ArchiveStore:
    """Return the store for one account's tree below *archive_root*."""
    return FORMATS[archive_format](archive_root, account)


def account_trees(archive_root: Path) -> dict[str, str]:
    """Return the archive's account trees by name, with their format (from the marker)."""
    trees = {}
    if archive_root.is_dir():
        for marker in sorted(archive_root.glob(f"*/{FORMAT_MARKER}")):
            trees[marker.parent.name] = marker.read_text().strip()
    return trees


def require_catalog(archive_root: Path) -> None:
    """Raise CatalogMissing when the archive holds message files but no catalog.

    Writing jobs call this first: a new, empty catalog beside the old files would hide them.
    """
    if not (archive_root / CATALOG_NAME).exists() and account_trees(archive_root):
        raise CatalogMissing(str(archive_root / CATALOG_NAME))
