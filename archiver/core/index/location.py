"""Where the search index lives, and whether it opens: the checks every search makes.

Apart from the indexer, so that a search of an index that lacks nothing (nearly every
search) does not import the indexing machinery (MIME parsing, the writer, multiprocessing):
a fresh command-line process pays for every import (docs/PERFORMANCE.md).
"""

from __future__ import annotations

from pathlib import Path

from whoosh.filedb.filestore import FileStorage

from archiver.core.index.schema import SCHEMA_VERSION

INDEX_DIR = ".index"
VERSION_FILE = "SCHEMA_VERSION"


def index_dir(archive_root: Path) -> Path:
    """Return where the search index of *archive_root* lives."""
    return archive_root / INDEX_DIR


def version_ok(path: Path) -> bool:
    """Whether the index in *path* is of our schema version."""
    try:
        return (path / VERSION_FILE).read_text().strip() == str(SCHEMA_VERSION)
    except OSError:
        return False


def index_usable(archive_root: Path) -> bool:
    """Whether the index exists, is of our schema version and opens (read-only check)."""
    path = index_dir(archive_root)
    if not version_ok(path):
        return False
    try:
        ix = FileStorage(str(path), readonly=True).open_index()
        ix.doc_count()
        ix.close()
    except Exception:  # any damage: not usable
        return False
    return True
