"""IMAP folder names as file names: safe on NTFS, FAT, APFS and ext4, reversible, one per folder.

An IMAP folder name may hold any character, and two folders may differ only in case
(``Akten`` and ``akten``) or in Unicode normalisation. Windows refuses ``< > : " | ? * \\``,
control characters, device names (``CON``, ``NUL``, ``COM1`` …) and trailing dots and
spaces; Windows and macOS fold case, and macOS folds normalisation, so two such folders
would share one directory and their messages would mix.

Each name segment therefore has two spellings, both percent-encoded UTF-8 and decoded by
:func:`unescape_segment`:

- the *plain* one (:func:`escape_segment`) keeps letters, so ``Gesendet`` stays
  ``Gesendet``, and escapes what some file system refuses or uses as a separator;
- the *case-proof* one (:func:`case_proof_segment`) escapes every character, so it holds
  nothing but ``%`` and upper-case hex digits: no case or normalisation folding can make it
  equal to another name's spelling of either kind.

:func:`choose_name` takes the plain spelling unless a directory entry that belongs to
another folder already folds to it (``Akten`` is there and ``akten`` arrives): then the
case-proof one. An entry that already decodes to the folder is used as it is, which also
keeps the folders of archives written before these rules (``Was?`` on Linux) where they are.
"""

from __future__ import annotations

import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable

# "%" is the escape; "/" and "\\" separate path components; "." separates Maildir++
# segments and ends mbox parents (".sbd"); ":" "<" ">" '"' "|" "?" "*" are refused by Windows.
ALWAYS_ESCAPED = frozenset('%/\\.:<>"|?*')
# Device names Windows reserves in any directory, with any extension and in any case.
RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]]
)
EMPTY = "%00"  # an empty segment ("a//b"); IMAP names cannot hold NUL, so this is unambiguous


def split_folder(folder: str, delimiter: str | None) -> tuple[str, ...]:
    """Split an IMAP folder name at its hierarchy delimiter."""
    return tuple(folder.split(delimiter)) if delimiter else (folder,)


def _encode(char: str) -> str:
    # surrogatepass: a lone surrogate (possible in a badly encoded folder name) round-trips.
    return "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))


def escape_segment(segment: str) -> str:
    """Return the plain spelling of one folder-name segment (letters kept)."""
    if not segment:
        return EMPTY
    out = [_encode(char) if _refused(char) else char for char in segment]
    # Windows drops trailing spaces (trailing dots are escaped anyway).
    index = len(out) - 1
    while index >= 0 and out[index] == " ":
        out[index] = "%20"
        index -= 1
    spelled = "".join(out)
    if spelled.upper() in RESERVED_NAMES:
        spelled = _encode(spelled[0]) + spelled[1:]
    return spelled


def _refused(char: str) -> bool:
    code = ord(char)
    return char in ALWAYS_ESCAPED or code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF


def case_proof_segment(segment: str) -> str:
    """Return the spelling of *segment* that no case or normalisation folding can merge."""
    return "".join(_encode(char) for char in segment) or EMPTY


def unescape_segment(name: str) -> str:
    """Return the folder-name segment a file name spells (either spelling, or an older one)."""
    if name == EMPTY:
        return ""
    return urllib.parse.unquote(name, errors="surrogatepass")


def fold(name: str) -> str:
    """Return what *name* is equal to under the case and Unicode folding of file systems.

    NTFS compares upper-cased names (dotless and dotted i are both ``I``), APFS and ext4's
    case-folding directories compare case folds of the decomposed (NFD) form; upper-casing,
    then case-folding the decomposed name merges at least what each of them merges.
    """
    decomposed = unicodedata.normalize("NFD", name)
    return unicodedata.normalize("NFD", decomposed.upper().casefold())


def choose_name(
    plain: str,
    case_proof: str,
    siblings: Iterable[str],
    decode: Callable[[str], object],
    wanted: object,
) -> str:
    """Return the entry name for a folder in a directory whose entries are *siblings*.

    *decode* turns an entry name into what it stands for (``None`` for entries that are not
    folders); *wanted* is what the folder's entry stands for. An entry that stands for it
    already is kept; otherwise the plain spelling, unless an entry folds to it.
    """
    taken = False
    for name in sorted(siblings):
        if decode(name) == wanted:
            return name
        taken = taken or fold(name) == fold(plain)
    return case_proof if taken else plain
