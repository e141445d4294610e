"""The shared real-world corpus (../shared/corpus), read at test time and never copied here.

On a user's fresh clone it is absent: the tests that use it skip with a clear reason, and
tests/helpers/mailgen.py covers the same hard shapes.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("IMAP_ARCHIVER_CORPUS", ROOT.parent / "shared" / "corpus"))
SKIP_REASON = (
    f"the shared mail corpus is not at {CORPUS} (it sits beside the project in our "
    "workspace; set IMAP_ARCHIVER_CORPUS to use another copy)"
)


def corpus_files() -> list[Path]:
    """Return every corpus message file, sorted; empty where the corpus is absent."""
    if not CORPUS.is_dir():
        return []
    return sorted(CORPUS.glob("*/*.eml"))


def as_served(raw: bytes) -> bytes:
    """Return *raw* as an IMAP server delivers it: CRLF line ends (RFC 3501 literals), and NUL
    bytes replaced by 0x80, as Dovecot stores them (NUL is not allowed in IMAP text)."""
    return re.sub(rb"\r?\n", b"\r\n", raw).replace(b"\0", b"\x80")
