"""What a folder is for: the inbox, sent mail, drafts, trash, junk, the archive.

Servers name these folders in the language their admin or the first mail program chose
("Sent", "Gesendete Objekte", "INBOX.Sent"); RFC 6154 special-use flags say what they are
for, whatever their names. Front ends show the role in the user's language; the archive and
the catalog keep the server's names.
"""

from __future__ import annotations

import enum


class FolderRole(enum.Enum):
    """A folder's well-known purpose."""

    INBOX = "inbox"
    SENT = "sent"
    DRAFTS = "drafts"
    TRASH = "trash"
    JUNK = "junk"
    ARCHIVE = "archive"


ROLE_BY_FLAG = {
    "\\sent": FolderRole.SENT,
    "\\drafts": FolderRole.DRAFTS,
    "\\trash": FolderRole.TRASH,
    "\\junk": FolderRole.JUNK,
    "\\archive": FolderRole.ARCHIVE,
}

# Last name parts (lower case) that mail programs and providers give these folders, for
# servers without special-use flags and for places that know only a folder's name.
WELL_KNOWN_NAMES = {
    FolderRole.SENT: frozenset(
        {
            "sent",
            "sent items",
            "sent messages",
            "sent mail",
            "gesendet",
            "gesendete elemente",
            "gesendete objekte",
            "gesendete nachrichten",
        }
    ),
    FolderRole.DRAFTS: frozenset({"drafts", "draft", "entwürfe", "entwurf"}),
    FolderRole.TRASH: frozenset(
        {
            "trash",
            "deleted items",
            "deleted messages",
            "papierkorb",
            "gelöschte elemente",
            "gelöschte objekte",
        }
    ),
    FolderRole.JUNK: frozenset({"junk", "junk e-mail", "junk-e-mail", "spam"}),
    FolderRole.ARCHIVE: frozenset({"archive", "archives", "archiv"}),
}

# Separators a folder's name may use under INBOX, for places that do not know the server's
# delimiter ("INBOX.Sent" on Courier-style servers, "INBOX/Sent" elsewhere).
GUESSED_DELIMITERS = "/."


def folder_role(
    name: str,
    special_use: str | None = None,
    delimiter: str | None = None,
    *,
    by_name: bool = True,
) -> FolderRole | None:
    """Return what the folder *name* is for, or None for the user's own folders.

    INBOX is the inbox by its name (RFC 3501); a special-use flag decides next. With
    *by_name*, a folder at the top or right under INBOX whose last name part is well known
    counts too: pass False where the server flags its special folders, so that a folder the
    user called "Archiv" stays the user's own.

    Args:
        name: the folder's full name on the server.
        special_use: its RFC 6154 flag (FolderInfo.special_use), if known.
        delimiter: the server's hierarchy delimiter, if known; else "/" and "." are guessed.
    """
    if name.upper() == "INBOX":
        return FolderRole.INBOX
    if special_use is not None and special_use.lower() in ROLE_BY_FLAG:
        return ROLE_BY_FLAG[special_use.lower()]
    if not by_name:
        return None
    parts = _split(name, delimiter)
    if len(parts) > 2 or (len(parts) == 2 and parts[0].upper() != "INBOX"):
        return None  # deeper down: a folder of the user's own, such as Kunden/Archiv
    leaf = parts[-1].strip().lower()
    return next((role for role, names in WELL_KNOWN_NAMES.items() if leaf in names), None)


def _split(name: str, delimiter: str | None) -> list[str]:
    if delimiter:
        return name.split(delimiter)
    for guess in GUESSED_DELIMITERS:
        head, found, rest = name.partition(guess)
        if found and head.upper() == "INBOX":
            return [head, rest]
    return [name]
