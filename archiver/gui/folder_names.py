"""Folder names as the GUI shows them: special folders in the user's language.

"INBOX", "Sent" or "Gesendete Objekte" are shown as "Posteingang" and "Gesendet" in a German
GUI, from the folder's role (archiver.core.folder_roles); the archive, the catalog, queries
and tooltips keep the server's names.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from archiver.core.folder_roles import (
    GUESSED_DELIMITERS,
    WELL_KNOWN_NAMES,
    FolderRole,
    folder_role,
)
from archiver.core.imap import FolderInfo


def role_text(role: FolderRole) -> str:
    """Name a folder role in the user's language."""
    # One translate() call per name, not a table of all six: search results sort by this.
    match role:
        case FolderRole.INBOX:
            return QCoreApplication.translate("folders", "Inbox")
        case FolderRole.SENT:
            return QCoreApplication.translate("folders", "Sent")
        case FolderRole.DRAFTS:
            return QCoreApplication.translate("folders", "Drafts")
        case FolderRole.TRASH:
            return QCoreApplication.translate("folders", "Trash")
        case FolderRole.JUNK:
            return QCoreApplication.translate("folders", "Spam")
        case FolderRole.ARCHIVE:
            return QCoreApplication.translate("folders", "Archive")


def folder_text(
    name: str,
    special_use: str | None = None,
    delimiter: str | None = None,
    *,
    by_name: bool = True,
) -> str:
    """Return how the GUI names the folder *name* (its full name on the server).

    A special folder gets its role's name; a folder below INBOX keeps its path with INBOX
    named ("Posteingang/Projekte"); any other keeps the server's name. Arguments as for
    archiver.core.folder_roles.folder_role.
    """
    role = folder_role(name, special_use, delimiter, by_name=by_name)
    if role is not None:
        return role_text(role)
    separators = delimiter or GUESSED_DELIMITERS
    if len(name) > len("INBOX") and name[:5].upper() == "INBOX" and name[5] in separators:
        return role_text(FolderRole.INBOX) + name[5:]
    return name


def leaf_text(info: FolderInfo, leaf: str, *, by_name: bool) -> str:
    """Return the name of *info* as a tree shows it under its parent: *leaf*, the last part
    of its name, unless the folder is a special one."""
    role = folder_role(info.name, info.special_use, info.delimiter, by_name=by_name)
    return role_text(role) if role is not None else leaf


def server_names(typed: str) -> tuple[str, ...]:
    """Return the names on servers a folder typed as the GUI shows it stands for.

    "Posteingang" stands for INBOX, "Gesendet" (or "Sent") for the names servers give sent
    mail ("Sent", "Gesendete Objekte", ...), the typed text included; () for any other text,
    which is looked for as typed. Folders a server flags under other names are not known
    here: the index holds names only.
    """
    wanted = " ".join(typed.split()).casefold()
    role = next((r for r in FolderRole if wanted and role_text(r).casefold() == wanted), None)
    if role is None:
        return ()
    names = ("INBOX",) if role is FolderRole.INBOX else tuple(sorted(WELL_KNOWN_NAMES[role]))
    return tuple(dict.fromkeys((" ".join(typed.split()), *names)))
