"""Special folders are known by their special-use flags, else by the names servers give them."""

from __future__ import annotations

import pytest

from archiver.core.folder_roles import FolderRole, folder_role


@pytest.mark.parametrize(
    ("name", "special_use", "delimiter", "role"),
    [
        ("INBOX", None, "/", FolderRole.INBOX),
        ("Inbox", None, None, FolderRole.INBOX),  # INBOX is case-insensitive (RFC 3501)
        ("Gesendete Objekte", None, "/", FolderRole.SENT),
        ("Sent Items", None, None, FolderRole.SENT),
        ("INBOX.Sent", None, ".", FolderRole.SENT),
        ("INBOX.Sent", None, None, FolderRole.SENT),  # delimiter guessed
        ("INBOX/Entwürfe", None, None, FolderRole.DRAFTS),
        ("Deleted Messages", None, "/", FolderRole.TRASH),
        ("Junk-E-Mail", None, "/", FolderRole.JUNK),
        ("Archiv", None, "/", FolderRole.ARCHIVE),
        ("Postausgang 2", "\\Sent", "/", FolderRole.SENT),  # the flag beats the name
        ("Trash", "\\Archive", "/", FolderRole.ARCHIVE),
        ("Kunden/Archiv", None, "/", None),  # deeper down: the user's own folder
        ("Kunden/Archiv", None, None, None),
        ("Rechnungen", None, "/", None),
        ("INBOX/Projekte", None, "/", None),
        ("Sent", "\\Flagged", "/", FolderRole.SENT),  # a flag of no role: the name decides
    ],
)
def test_folder_role(name, special_use, delimiter, role):
    assert folder_role(name, special_use, delimiter) is role


def test_a_server_with_flags_is_believed_by_its_flags_only():
    assert folder_role("Archiv", None, "/", by_name=False) is None
    assert folder_role("Sent", None, "/", by_name=False) is None
    assert folder_role("INBOX", None, "/", by_name=False) is FolderRole.INBOX
    assert folder_role("Gesendet", "\\Sent", "/", by_name=False) is FolderRole.SENT
