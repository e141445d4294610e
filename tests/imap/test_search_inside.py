"""Search inside attachments, end to end: mail on Dovecot, archived (and indexed), searched."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from archiver.cli import main
from tests.helpers import docgen
from tests.helpers.dovecot import append_messages
from tests.helpers.shell import print_file

pytestmark = pytest.mark.imap

WHEN = dt.datetime(2021, 6, 1, 12, 0, tzinfo=dt.UTC)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

BESCHLUSS = docgen.pdf(
    ["Az. 12 M 345/22", "Der Pfändungsbeschluss des Amtsgerichts Köln vom 3. März 2022"]
)
MESSAGES = [
    docgen.mail_with([("beschluss.pdf", "application/pdf", BESCHLUSS)], subject="Post vom Gericht"),
    docgen.mail_with(
        [("auftrag.docx", DOCX, docgen.docx(["Vollstreckungsauftrag gegen Meier"]))],
        subject="Neuer Auftrag",
        date="Wed, 02 Mar 2022 10:00:00 +0100",
    ),
    docgen.mail_with(
        [("kaputt.pdf", "application/pdf", b"%PDF-1.4 nothing more")],
        subject="Kaputter Anhang",
        body="Die Zahlungserinnerung steht im Text.",
        date="Thu, 03 Mar 2022 10:00:00 +0100",
    ),
]


def test_archived_attachments_are_searched_inside(dovecot, imap_user, home, tmp_path, capsys):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", MESSAGES, WHEN)
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    account_args = dovecot.account_args(imap_user)
    command = print_file(secret)
    assert main(["account", "add", "work", *account_args, "--password-command", command]) == 0
    assert main(["archive", "work", "--before", "2030-01-01"]) == 0
    assert "3 messages indexed for search" in capsys.readouterr().out

    assert main(["search", "--json", "pfaendungsbeschluss"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    item = json.loads(line)
    assert item["subject"] == "Post vom Gericht" and item["matched_in"] == ["beschluss.pdf"]
    assert "Pfändungsbeschluss des Amtsgerichts" in item["snippet"]
    start, end = item["highlights"][0]
    assert item["snippet"][start:end] == "Pfändungsbeschluss"

    assert main(["search", "inside:auftrag"]) == 0
    out = capsys.readouterr().out
    assert "Neuer Auftrag" in out and "in: auftrag.docx" in out
    assert "Vollstreckungsauftrag gegen Meier" in out and "1 message found." in out

    assert main(["search", "attachment:auftrag"]) == 0  # the name, as before
    assert "1 message found." in capsys.readouterr().out
    assert main(["search", "attachment:Pfändungsbeschluss"]) == 0  # not the content
    assert "No messages found." in capsys.readouterr().out

    assert main(["search", "--json", "has:unreadable"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    item = json.loads(line)
    assert item["subject"] == "Kaputter Anhang" and item["matched_in"] == []
    assert item["unreadable"][0].startswith("kaputt.pdf: not a readable PDF")
    assert main(["search", "zahlungserinnerung"]) == 0  # its body is indexed all the same
    assert "Kaputter Anhang" in capsys.readouterr().out
