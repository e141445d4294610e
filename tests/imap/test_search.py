"""Search against a real archive: mail put on Dovecot, archived (and so indexed), then queried."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from whoosh import index

from archiver.cli import main
from archiver.core.catalog import Catalog
from archiver.core.errors import QueryError
from archiver.core.index.indexer import (
    create_index,
    index_dir,
    index_records,
    reindex,
    update_index,
)
from archiver.core.index.search import ArchiveSearcher
from archiver.core.progress import CancelToken
from archiver.core.secrets import Secret
from tests.helpers.corpus import as_served, corpus_files
from tests.helpers.dovecot import DovecotServer, ImapUser, append_messages
from tests.helpers.mailgen import HARD_SHAPES, generate_message
from tests.helpers.shell import print_file
from tests.imap.test_archive import run

pytestmark = pytest.mark.imap

WHEN = dt.datetime(2021, 6, 1, 12, 0, tzinfo=dt.UTC)


def mail(
    subject: str,
    body: str,
    *,
    sender: str = "Anna Wagner <anna.wagner@firma.example>",
    to: str = "Kanzlei <post@kanzlei.example>",
    date: str = "Tue, 01 Mar 2022 10:00:00 +0100",
    content_type: str = 'text/plain; charset="utf-8"',
    headers: str = "",
    raw_body: bytes | None = None,
) -> bytes:
    """Return a simple message; non-ASCII header values must come RFC 2047 encoded."""
    head = (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n"
        f"Message-ID: <{abs(hash((subject, body))) % 10**9}@test.example>\r\n{headers}"
        f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n"
    )
    return head.encode() + (raw_body if raw_body is not None else body.encode())


def attachment_mail(subject: str, filename_header: str) -> bytes:
    """Return a message with a PDF attachment whose name is given as a raw header value."""
    return (
        "From: Hans Meier <hans.meier@ag-berlin.example>\r\nTo: post@kanzlei.example\r\n"
        f"Subject: {subject}\r\nDate: Wed, 16 Nov 2022 09:00:00 +0100\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nAnbei das Schreiben.\r\n--b1\r\n"
        f"Content-Type: application/pdf\r\nContent-Disposition: attachment; {filename_header}"
        "\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
    ).encode()


# Each message has a key (its subject's first word) the expectations below refer to.
MESSAGES = {
    "pfaendung": mail(
        "=?utf-8?q?Pf=C3=A4ndungsbeschluss_Az=2E_12_M_345/22?=",
        "Sehr geehrte Damen und Herren,\nanbei der Pfändungs- und Überweisungsbeschluss "
        "für die Schuldnerin in der Hauptstraße 5.\nMit freundlichen Grüßen",
        sender="=?iso-8859-1?q?Hans_M=FCller?= <hans.mueller@ag-berlin.example>",
    ),
    "schlussrechnung": mail(
        "Schlussrechnung Juni",
        "Anbei unsere Schlussrechnungen für das Projekt. Die Zahlungserinnerung folgt.",
        date="Fri, 10 Jun 2022 08:00:00 +0200",
    ),
    "html": mail(
        "Mitteilung",
        "<html><head><style>p {color: red}</style></head><body><p>Die K&uuml;ndigung "
        "zum 31.&nbsp;M&auml;rz</p><script>document.write('versteckt')</script></body></html>",
        content_type='text/html; charset="us-ascii"',
        date="Mon, 03 Jan 2022 10:00:00 +0000",
    ),
    "meeting": mail(
        "Meeting minutes",
        "The meetings were moved. Please review the invoices before Friday.",
        sender="James Smith <james@example.com>",
        to="anna.wagner@firma.example",
        headers="Cc: Priya Nguyen <priya@example.net>\r\n",
        date="Thu, 05 May 2022 16:00:00 +0000",
    ),
    "latin": mail(
        "Rueckfrage",
        "",
        content_type="text/plain; charset=iso-8859-1",
        raw_body="Die Straße und das Gebäude: Rückfrage zur Öffnungszeit.".encode("latin-1"),
        date="Sat, 01 Oct 2022 10:00:00 +0000",
    ),
    "unknowncharset": mail(
        "Unbekannt",
        "",
        content_type="text/plain; charset=x-no-such-charset",
        raw_body="Kostenvoranschlag für die Dachrinne".encode(),
        date="Sun, 02 Oct 2022 10:00:00 +0000",
    ),
    "anhang": attachment_mail("Anhang 2231", "filename*=utf-8''Pf%C3%A4ndung%202022.pdf"),
    "beleg": attachment_mail("Beleg 2047", 'filename="=?utf-8?q?Beleg_K=C3=B6ln.pdf?="'),
    "eightbit": b"From: J\xc3\xbcrgen <j@example.org>\r\n"
    b"Subject: Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\r\n"
    b"Date: Mon, 07 Nov 2022 10:00:00 +0000\r\n\r\nRohe Bytes im Kopf.\r\n",
    "nodate": b"From: x@example.org\r\nSubject: Ohne Datum\r\n\r\nKein Date-Kopf.\r\n",
}


@pytest.fixture(scope="module")
def archive(dovecot: DovecotServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of MESSAGES (INBOX; one in Akten/2022, one flagged, one unread)."""
    user: ImapUser = dovecot.add_user()
    keys = list(MESSAGES)
    with dovecot.client(user) as client:
        for key in keys:
            folder = "Akten/2022" if key == "schlussrechnung" else "INBOX"
            flags = (b"\\Flagged", b"\\Seen") if key == "meeting" else (b"\\Seen",)
            if key == "html":
                flags = ()
            append_messages(client, folder, [MESSAGES[key]], WHEN, flags)
    account = dovecot.account(user, "work")
    root = tmp_path_factory.mktemp("search") / "archive"
    result = run(account, Secret(user.password), root, keep_on_server=True)
    assert result.archived == len(MESSAGES) and result.indexed == len(MESSAGES)
    return root


def found(root: Path, query: str, **options: object) -> list[str]:
    with ArchiveSearcher(root) as searcher:
        result = searcher.search(query, **options)  # type: ignore[arg-type]
    return sorted(SUBJECTS[h.subject] for h in result.hits)


KANZLEI = ("anhang", "beleg", "html", "latin", "pfaendung", "schlussrechnung", "unknowncharset")
SUBJECTS = {
    "Pfändungsbeschluss Az. 12 M 345/22": "pfaendung",
    "Schlussrechnung Juni": "schlussrechnung",
    "Mitteilung": "html",
    "Meeting minutes": "meeting",
    "Rueckfrage": "latin",
    "Unbekannt": "unknowncharset",
    "Anhang 2231": "anhang",
    "Beleg 2047": "beleg",
    "Grüße aus Köln": "eightbit",
    "Ohne Datum": "nodate",
}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # umlaut and case folding, both spellings
        ("Pfändung", ["anhang", "pfaendung"]),
        ("pfandung", ["anhang", "pfaendung"]),
        ("pfaendung", ["anhang", "pfaendung"]),
        ("PFÄNDUNG", ["anhang", "pfaendung"]),
        ("strasse", ["latin", "pfaendung"]),
        ("straße", ["latin", "pfaendung"]),
        ("muller", ["pfaendung"]),
        # stems, German and English
        ("Schlussrechnungen", ["schlussrechnung"]),
        ("meeting", ["meeting"]),
        ("invoice", ["meeting"]),
        ("Grüßen", ["eightbit", "pfaendung"]),  # Grüße
        # compounds by their parts
        ("beschluss", ["pfaendung"]),
        ("überweisungsbeschluss", ["pfaendung"]),
        ("rechnung", ["schlussrechnung"]),
        ("erinnerung", ["schlussrechnung"]),
        ("Zahlung", ["schlussrechnung"]),
        # HTML: entities decoded, scripts and styles not indexed
        ("Kündigung", ["html"]),
        ("märz", ["html"]),
        ("versteckt", []),
        ("color", []),
        # charsets: declared latin-1, unknown charset, raw 8-bit headers
        ("Gebäude", ["latin"]),
        ("Kostenvoranschlag", ["unknowncharset"]),
        ("dachrinne", ["unknowncharset"]),
        ("subject:grüße", ["eightbit"]),
        ("from:jürgen", ["eightbit"]),
        # fields
        ("from:meier", ["anhang", "beleg"]),
        ("from:hans.mueller@ag-berlin.example", ["pfaendung"]),
        ("from:ag-berlin.example", ["anhang", "beleg", "pfaendung"]),
        ("from:müller", ["pfaendung"]),
        ("to:kanzlei", [*KANZLEI]),
        ("to:anna.wagner@firma.example", ["meeting"]),
        ("cc:priya", ["meeting"]),
        ("subject:minutes", ["meeting"]),
        ("attachment:pdf", ["anhang", "beleg"]),
        ("attachment:köln", ["beleg"]),
        ("attachment:pfändung", ["anhang"]),
        ('attachment:"Pfändung 2022.pdf"', ["anhang"]),
        ("has:attachment", ["anhang", "beleg"]),
        ("is:flagged", ["meeting"]),
        ("is:unread", ["html"]),
        ("folder:akten", ["schlussrechnung"]),
        ('folder:"Akten/2022"', ["schlussrechnung"]),
        ("account:work has:attachment", ["anhang", "beleg"]),
        ("account:other", []),
        # dates: the Date header, else INTERNALDATE (2021-06-01)
        ("date:2021", ["nodate"]),
        ("date:2022-06", ["schlussrechnung"]),
        ("date:[2022-03-01 to 2022-06-30]", ["meeting", "pfaendung", "schlussrechnung"]),
        ("date:1.3.2022", ["pfaendung"]),
        ("size:>1KB", []),
        ("size:<1KB has:attachment", ["anhang", "beleg"]),
        # phrases and operators
        ('"freundlichen Grüßen"', ["pfaendung"]),
        ('"Grüßen freundlichen"', []),
        ("beschluss OR meeting", ["meeting", "pfaendung"]),
        ("anbei AND NOT has:attachment", ["pfaendung", "schlussrechnung"]),
        ("(rechnung OR kündigung) date:2022-06", ["schlussrechnung"]),
        ("betreff:minutes von:james", ["meeting"]),
        ("pfänd*", ["anhang", "pfaendung"]),
    ],
)
def test_query(archive, query, expected):
    assert found(archive, query) == sorted(expected)


def test_newest_first_and_by_relevance(archive):
    with ArchiveSearcher(archive) as searcher:
        hits = searcher.search("anbei OR meeting").hits
        assert [h.date for h in hits] == sorted((h.date for h in hits), reverse=True)
        ranked = searcher.search("rechnung OR schlussrechnung", sort="relevance").hits
        assert SUBJECTS[ranked[0].subject] == "schlussrechnung"
        assert len(searcher.search("to:kanzlei", limit=2).hits) == 2
        assert searcher.search("to:kanzlei", limit=2).total == len(KANZLEI)
        assert searcher.search("to:kanzlei", account="nobody").hits == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("colour:red", "Unknown field 'colour'"),
        ("date:yesterday", "not a date"),
        ("date:[2022 to soon]", "not a date"),
        ("size:>five", "not a size"),
        ("size:>5XB", "not a size"),
        ("   ", "empty"),
    ],
)
def test_query_errors_say_what_is_wrong(archive, query, message):
    with ArchiveSearcher(archive) as searcher, pytest.raises(QueryError, match=message):
        searcher.search(query)


def stored_documents(root: Path) -> list[dict[str, object]]:
    """Return every document's stored fields, in id order."""
    ix = index.open_dir(str(index_dir(root)))
    with ix.searcher() as searcher:
        docs = [dict(d) for d in searcher.all_stored_fields()]
    ix.close()
    return sorted(docs, key=lambda d: int(str(d["id"])))


@pytest.mark.slow
def test_rebuilt_index_equals_incremental_one(dovecot, imap_user, account, password, tmp_path):
    shapes = [generate_message(i) for i in range(len(HARD_SHAPES))]
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", shapes[:10], WHEN)
    run(account, password, tmp_path)
    with dovecot.client(imap_user) as client:  # a second run adds to the same index
        append_messages(client, "Sent", shapes[10:], WHEN)
    run(account, password, tmp_path)
    incremental = stored_documents(tmp_path)
    assert len(incremental) == len(shapes)
    with Catalog.open(tmp_path) as catalog:
        rebuilt = reindex(tmp_path, catalog, report=lambda _: None, cancel=CancelToken())
        assert rebuilt.indexed == len(shapes) and not catalog.unindexed()
    assert stored_documents(tmp_path) == incremental
    shutil.rmtree(index_dir(tmp_path))  # deleted: the next update rebuilds it
    with Catalog.open(tmp_path) as catalog:
        assert update_index(tmp_path, catalog, report=lambda _: None, cancel=CancelToken())
        assert stored_documents(tmp_path) == incremental
        reindex(tmp_path, catalog, account="test", report=lambda _: None, cancel=CancelToken())
    assert stored_documents(tmp_path) == incremental


@pytest.mark.expect_log(
    "WARNING",
    "archiver.core.index.indexer",
    r"^The search index is unreadable .*; rebuilding it\.$",
)
def test_corrupt_index_is_rebuilt_not_fatal(dovecot, imap_user, account, password, tmp_path):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(5)], WHEN)
    run(account, password, tmp_path, keep_on_server=True)
    before = stored_documents(tmp_path)
    for path in index_dir(tmp_path).glob("*.toc"):
        path.write_bytes(b"garbage")
    with Catalog.open(tmp_path) as catalog:
        done = update_index(tmp_path, catalog, report=lambda _: None, cancel=CancelToken())
    assert done.indexed == 5
    assert stored_documents(tmp_path) == before


def test_every_hard_shape_and_corpus_message_is_indexed(
    dovecot, imap_user, account, password, tmp_path
):
    messages = [generate_message(i) for i in range(len(HARD_SHAPES))]
    messages += [as_served(path.read_bytes()) for path in corpus_files()]  # none: generated only
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", messages, WHEN)
    result = run(account, password, tmp_path, keep_on_server=True)
    assert result.archived == len(messages) == result.indexed  # no warning logged either
    with Catalog.open(tmp_path) as catalog:
        ids = {str(r.id) for r in catalog.records()}
    assert {str(d["id"]) for d in stored_documents(tmp_path)} == ids
    with ArchiveSearcher(tmp_path) as searcher:
        assert searcher.search("date:[1970 to 2100]", limit=None).total == len(messages)


def test_cli_search_show_reindex(dovecot, imap_user, home, tmp_path, capsys):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [MESSAGES["pfaendung"], MESSAGES["meeting"]], WHEN)
    secret = tmp_path / "pw"
    secret.write_text(imap_user.password + "\n")
    account_args = dovecot.account_args(imap_user)
    command = ["account", "add", "work", *account_args, "--password-command", print_file(secret)]
    assert main(command) == 0
    assert main(["archive", "work", "--before", "2030-01-01"]) == 0
    assert "2 messages indexed for search" in capsys.readouterr().out

    assert main(["search", "--json", "beschluss"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    item = json.loads(line)
    assert {"id", "account", "folder", "date", "from", "subject", "snippet", "path"} <= set(item)
    assert item["account"] == "work" and item["folder"] == "INBOX"
    assert "Überweisungsbeschluss" in item["snippet"] and item["highlights"]
    assert Path(item["path"]).read_bytes().replace(b"\r\n", b"\n") == MESSAGES["pfaendung"].replace(
        b"\r\n", b"\n"
    )

    assert main(["search", "anbei", "OR", "meeting"]) == 0
    out = capsys.readouterr().out
    assert "Meeting minutes" in out and "2 messages found." in out

    assert main(["show", str(item["id"])]) == 0
    out = capsys.readouterr().out
    assert "Subject:  Pfändungsbeschluss" in out and "Hans Müller" in out
    assert main(["show", "--raw", str(item["id"])]) == 0
    raw = capsys.readouterr().out.encode()
    assert raw == Path(item["path"]).read_bytes()  # Dovecot's bytes: CRLF throughout

    assert main(["search", "colour:red"]) == 1
    assert "Unknown field 'colour'" in capsys.readouterr().err
    assert main(["show", "999999"]) == 1
    assert "No archived message has the id 999999" in capsys.readouterr().err

    assert main(["reindex"]) == 0
    assert "Indexed 2 messages." in capsys.readouterr().out
    shutil.rmtree(index_dir(home.archive))  # lost: the next search rebuilds it first
    assert main(["search", "meeting"]) == 0
    assert "1 message found." in capsys.readouterr().out
    assert main(["reindex", "nosuch"]) == 1
    assert "no messages of an account 'nosuch'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "query",
    ["anbei", "to:kanzlei", "pfänd*", "NOT anbei", "anbei AND NOT has:attachment",
     "(rechnung OR kündigung) OR is:flagged", "date:[2022-03-01 to 2022-06-30]", '"Grüßen"',
     '"freundlichen Grüßen"', '"mit freundlichen Grüßen" OR "sehr geehrte"'],
)  # fmt: skip
def test_newest_first_matches_whooshs_own_sorting(archive, query):
    """Our set evaluation finds exactly what Whoosh's collector finds, in date order."""
    with ArchiveSearcher(archive) as searcher:
        ours = searcher.search(query, limit=None)
        reference = searcher._searcher.search(  # Whoosh's own evaluation and sorting
            ours.query, limit=None, sortedby="date", reverse=True
        )
        assert sorted(h.id for h in ours.hits) == sorted(int(r["id"]) for r in reference)
        assert [h.date for h in ours.hits] == [r["date"] for r in reference]
        assert ours.total == len(reference)
        top = searcher.search(query, limit=2).hits
        assert [h.date for h in top] == [h.date for h in ours.hits][:2]


def test_replaced_documents_are_found_once(dovecot, imap_user, account, password, tmp_path):
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(6)], WHEN)
    run(account, password, tmp_path, keep_on_server=True)
    with Catalog.open(tmp_path) as catalog:
        records = catalog.records()
        ix = index.open_dir(str(index_dir(tmp_path)))
        index_records(ix, tmp_path, catalog, records[:3])  # replaced: old copies deleted
        ix.close()
    with ArchiveSearcher(tmp_path) as searcher:
        result = searcher.search("date:[1970 to 2100]", limit=None)
        assert sorted(h.id for h in result.hits) == sorted(r.id for r in records)
        assert result.total == 6 and searcher.search("NOT date:[1970 to 2100]").total == 0


def test_a_batch_told_to_stop_commits_what_it_added_and_leaves_the_rest(
    dovecot, imap_user, account, password, tmp_path
):
    """The archive job's indexer ends its batch once the server is freed (``until``): what
    it added is committed and marked, the rest stays unindexed for the writer on all cores."""
    with dovecot.client(imap_user) as client:
        append_messages(client, "INBOX", [generate_message(i) for i in range(6)], WHEN)
    run(account, password, tmp_path, keep_on_server=True)
    asked = iter(range(100))
    with Catalog.open(tmp_path) as catalog:
        records = catalog.records()
        ix = create_index(tmp_path, catalog)
        done = index_records(
            ix, tmp_path, catalog, records, replace=False, until=lambda: next(asked) >= 2
        )
        ix.close()
        assert done.indexed == 2
        assert catalog.unindexed() == sorted(r.id for r in records[2:])
    with ArchiveSearcher(tmp_path) as searcher:
        result = searcher.search("date:[1970 to 2100]", limit=None)
        assert sorted(h.id for h in result.hits) == sorted(r.id for r in records[:2])


def test_an_empty_index_answers_every_query_and_then_grows(
    dovecot, imap_user, account, password, tmp_path
):
    """An index with no document yet (an archive whose first run archived nothing) answers
    with no hits, not an error; the same searcher finds what is archived later."""
    with Catalog.open(tmp_path) as catalog:
        reindex(tmp_path, catalog, report=lambda _: None, cancel=CancelToken())
    with ArchiveSearcher(tmp_path) as searcher:
        for query in ("foo", "date:2022", "size:>5MB", "from:x AND NOT foo", "has:attachment"):
            assert searcher.search(query).hits == []
        assert searcher.search("foo", sort="relevance").hits == []
        with dovecot.client(imap_user) as client:
            append_messages(client, "INBOX", [generate_message(i) for i in range(3)])
        assert run(account, password, tmp_path).archived == 3
        assert searcher.search("date:[1970 to 2100]").total == 3
