"""The record of archived mail: what it lists, CSV for German Excel, a safe HTML page, the
filters, and ``imap-archiver report``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest

from archiver.cli import main
from archiver.core.errors import ReportWriteFailed
from archiver.core.progress import CancelToken, Progress
from archiver.core.report import (
    Report,
    ReportFilter,
    build_report,
    save_report,
    write_csv,
    write_html,
)
from archiver.core.runlog import record_run
from archiver.core.store.maildir import find_message_file
from tests.helpers.smallarchive import archive_maildir

OLD = dt.datetime(2012, 3, 4, 10, 0, tzinfo=dt.UTC)


def collect(root: Path, chosen: ReportFilter | None = None) -> Report:
    seen: list[Progress] = []
    result = build_report(root, chosen or ReportFilter(), report=seen.append, cancel=CancelToken())
    assert not seen or seen[-1].done == seen[-1].total
    return result


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    root = tmp_path / "archive"
    archive_maildir(root, range(1, 4), deleted=True, subject="=?utf-8?q?Rechnung_M=C3=A4rz?= {uid}")
    archive_maildir(root, range(4, 6), when=OLD)  # kept on the server
    return root


def test_each_message_is_listed_with_sender_subject_and_when_it_left_the_server(archive):
    result = collect(archive)

    assert [row.uid for row in result.rows] == [1, 2, 3, 4, 5]
    first = result.rows[0]
    assert first.sender == "Anna Muster <anna1@example.org>"
    assert first.subject == "Rechnung März 1"
    assert first.account == "office" and first.folder == "INBOX" and len(first.sha256) == 64
    assert all(row.deleted_at is not None for row in result.rows[:3])
    assert all(row.deleted_at is None for row in result.rows[3:])
    assert result.deleted == 3


def test_filters_by_account_period_and_age(archive, tmp_path):
    archive_maildir(archive, range(1, 2), account="kanzlei")
    assert [r.account for r in collect(archive, ReportFilter(account="kanzlei")).rows] == [
        "kanzlei"
    ]
    tomorrow = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    yesterday = tomorrow - dt.timedelta(days=2)
    assert collect(archive, ReportFilter(since=tomorrow)).rows == []
    assert collect(archive, ReportFilter(until=yesterday)).rows == []
    assert len(collect(archive, ReportFilter(since=yesterday, until=tomorrow)).rows) == 6
    ten_years = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    assert [r.uid for r in collect(archive, ReportFilter(dated_before=ten_years)).rows] == [4, 5]


def test_runs_of_the_period_are_listed_oldest_first(archive):
    for hour in (9, 11):
        started = dt.datetime.now(dt.UTC).replace(hour=hour)
        record_run(archive, started, {"account": "office", "archived": 3, "deleted": 3,
                                      "bytes": 300, "errors": 0, "cancelled": False})  # fmt: skip
    runs = collect(archive).runs
    assert [run.started.hour for run in runs] == [9, 11]
    assert collect(archive, ReportFilter(account="other")).runs == []


def test_a_message_whose_file_is_gone_is_listed_as_unreadable(archive):
    path = find_message_file(next((archive / "office").rglob("cur/*")))
    assert path is not None
    path.unlink()
    rows = collect(archive).rows
    assert sum(row.sender is None and row.subject is None for row in rows) == 1
    html = _html(collect(archive))
    assert "cannot be read from the archive; run verify" in html


def test_cancel_gives_an_incomplete_record(archive):
    token = CancelToken()
    token.cancel()
    result = build_report(archive, ReportFilter(), report=lambda _: None, cancel=token)
    assert result.cancelled and result.rows == []


def test_an_archive_without_catalog_has_an_empty_record_and_nothing_is_created(tmp_path):
    result = collect(tmp_path / "none")
    assert result.rows == [] and not (tmp_path / "none").exists()


def test_csv_opens_in_german_excel_and_keeps_formulas_out(tmp_path):
    root = tmp_path / "archive"
    archive_maildir(root, range(1, 3), subject='=HYPERLINK("http://x";"klick") {uid}')
    out = io.BytesIO()
    write_csv(collect(root), out, "de")
    data = out.getvalue()

    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads umlauts right
    assert b"\r\n" in data and data.count(b"\r\n") == 3
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:6] == ["Konto", "Ordner", "UID", "Datum", "Absender", "Betreff"]
    assert rows[0][-1] == "Vom Server gelöscht am" and rows[1][-1] == "auf dem Server behalten"
    assert rows[1][5] == '\'=HYPERLINK("http://x";"klick") 1'  # text, never a formula
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[1][8])


def _html(result: Report, language: str = "en") -> str:
    out = io.BytesIO()
    write_html(result, out, language)
    return out.getvalue().decode("utf-8")


def test_html_is_self_contained_and_escapes_what_mail_says(tmp_path):
    root = tmp_path / "archive"
    hostile = '<script>alert(1)</script><img src="http://tracker/x"> \x07 {uid}'
    archive_maildir(root, range(1, 2), subject=hostile, deleted=True)
    page = _html(collect(root))

    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\x07" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"<[^>]*\b(src|href)\s*=", page)  # no tag loads anything
    assert "imap-archiver verify" in page and "1 messages, 1 of them deleted" in page
    german = _html(collect(root), "de")
    assert '<html lang="de">' in german and "Einstellungen → Archiv prüfen und reparieren" in german


def test_save_replaces_whole_and_says_why_it_cannot_write(archive, tmp_path):
    target = tmp_path / "protokoll.html"
    target.write_text("old", encoding="utf-8")
    save_report(collect(archive), target, "html")
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report-")] == []
    with pytest.raises(ReportWriteFailed, match="Cannot write the record to"):
        save_report(collect(archive), tmp_path / "gone" / "x.csv", "csv")


def test_report_command_writes_csv_and_html(home, tmp_path, capsys):
    archive_maildir(home.archive, range(1, 3), deleted=True)
    target = tmp_path / "record.html"
    assert main(["report", "office", "--output", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "Record: 2 messages (2 deleted from the server)" in capsys.readouterr().err

    today = dt.date.today().isoformat()
    assert main(["report", "--since", today, "--until", today, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.count("office;INBOX;") == 2
    assert main(["report", "--older-than", "10y", "--format", "csv"]) == 0
    assert "office;INBOX" not in capsys.readouterr().out  # mail of 2020 is not 10 years old
    assert main(["report", "--since", "31.12.2024"]) == 1
    assert "use YYYY-MM-DD" in capsys.readouterr().err


def test_a_header_longer_than_the_first_read_is_read_whole(tmp_path):
    root = tmp_path / "archive"
    long_subject = "Akte " + "x" * 40_000 + " {uid}"
    archive_maildir(root, range(1, 2), subject=long_subject)
    assert collect(root).rows[0].subject == long_subject.format(uid=1)
