"""The record ("Protokoll") of what was archived: per message when it was archived and deleted
from the server, with date, sender, subject, size and SHA-256, as CSV or a readable HTML page.

German offices keep business letters for 6 or 10 years (GoBD); the record shows what left the
server and when, and its SHA-256 values let ``verify`` show that the archived bytes were not
altered since. The catalog holds everything but sender and subject, which are read from the
archived message's header here: the archived bytes are the truth, and every row (adopted by
a repair, or written by an older version) gets them without a change to the catalog.

CSV: UTF-8 with a byte order mark, ``;`` between fields, CRLF line ends. That is what Excel
on a German Windows opens correctly by double-click (``,`` is the decimal separator there, so
Excel expects ``;``, and without the BOM it reads the file as ANSI and garbles umlauts);
LibreOffice and Python's csv module read it as well. Cells from mail (sender, subject,
folder) that begin like a formula (``= + - @``) get a leading ``'``, so that a crafted
subject never runs as a formula in a spreadsheet.

HTML: one self-contained file, no script and no remote content (a Content-Security-Policy
says so to the browser), every value escaped.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.parser
import email.policy
import html
import io
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from archiver import __version__
from archiver.core.catalog import CATALOG_NAME, Archived, Catalog
from archiver.core.errors import ArchiverError, ReportWriteFailed, StoreError
from archiver.core.index.extract import decode_header
from archiver.core.message import HEAD_LIMIT, header_block
from archiver.core.paths import replace_file
from archiver.core.progress import CancelToken, Progress, ProgressCallback
from archiver.core.runlog import RunRecord, read_runs
from archiver.core.store.reading import iter_message

FORMATS = ("csv", "html")
LANGUAGES = ("en", "de")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The message table's columns: numbers right-aligned, the SHA-256 in a narrow font.
CELL_CLASSES = ("", "", ' class="n"', "", "", "", ' class="n"', ' class="h"', "", "")
HEAD_FIRST = 16 * 1024  # bytes read first for a message's header (see read_heading)
REPORT_STEP = 100  # messages read between two progress reports


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One archived message as the record lists it; ``sender`` and ``subject`` are None when
    its archived copy cannot be read (``verify`` tells why), ``deleted_at`` None when it was
    kept on the server."""

    account: str
    folder: str
    uid: int
    date: dt.datetime
    sender: str | None
    subject: str | None
    size: int
    sha256: str
    archived_at: dt.datetime
    deleted_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """Which messages the record lists: one account or all, archived from *since* until
    before *until*, and dated before *dated_before* (the retention list)."""

    account: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    dated_before: dt.datetime | None = None


@dataclass
class Report:
    """The record: its messages and the archive runs of the period, and what it covers."""

    archive: Path
    made: dt.datetime
    chosen: ReportFilter
    rows: list[ReportRow] = field(default_factory=list)
    runs: list[RunRecord] = field(default_factory=list)
    cancelled: bool = False

    @property
    def deleted(self) -> int:
        """How many of the messages were deleted from the server."""
        return sum(1 for row in self.rows if row.deleted_at is not None)

    def to_dict(self) -> dict[str, object]:
        """Return a summary as JSON values (the command line's --json)."""
        return {"messages": len(self.rows), "deleted": self.deleted, "runs": len(self.runs),
                "cancelled": self.cancelled}  # fmt: skip


def build_report(
    archive_root: Path, chosen: ReportFilter, *, report: ProgressCallback, cancel: CancelToken
) -> Report:
    """Collect the record of the archive at *archive_root* for *chosen*.

    Reads each listed message's header from the archive; a cancel stops between messages,
    and the result says it was cancelled. An archive without a catalog has an empty record
    (nothing is created).
    """
    result = Report(archive_root, dt.datetime.now(dt.UTC), chosen)
    if chosen.dated_before is None:  # the retention list is about messages, not runs
        result.runs = [run for run in read_runs(archive_root) if run_chosen(run, chosen)]
    result.runs.reverse()  # oldest first, as the messages
    if not (archive_root / CATALOG_NAME).exists():
        return result
    with Catalog.open(archive_root) as catalog:
        entries = [
            entry
            for entry in catalog.archived(chosen.account, chosen.since, chosen.until)
            if chosen.dated_before is None or entry.record.internaldate < chosen.dated_before
        ]
    total = len(entries)
    report(Progress(0, total, "Reading the archived messages"))
    for done, entry in enumerate(entries, 1):
        if cancel.is_cancelled:
            result.cancelled = True  # a record cut short is not to be saved
            break
        result.rows.append(_row(archive_root, entry))
        if done % REPORT_STEP == 0 or done == total:
            report(Progress(done, total, "Reading the archived messages"))
    return result


def run_chosen(run: RunRecord, chosen: ReportFilter) -> bool:
    """Whether the record lists *run*: of the account chosen, started in the period."""
    return (
        (chosen.account is None or run.account == chosen.account)
        and (chosen.since is None or run.started >= chosen.since)
        and (chosen.until is None or run.started < chosen.until)
    )


def _row(archive_root: Path, entry: Archived) -> ReportRow:
    record = entry.record
    sender, subject = read_heading(archive_root, entry)
    return ReportRow(record.account, record.folder, record.uid, record.internaldate, sender,
                     subject, record.size, record.sha256, entry.archived_at,
                     entry.deleted_at)  # fmt: skip


def read_heading(archive_root: Path, entry: Archived) -> tuple[str | None, str | None]:
    """Return (sender, subject) from the archived copy's header; (None, None) when the copy
    cannot be read."""
    record = entry.record
    head = b""
    # Most header blocks end within the first few KB: read that much first, and up to
    # HEAD_LIMIT only for a longer one (a large message is not read for its header).
    for limit in (HEAD_FIRST, HEAD_LIMIT):
        try:
            head = b"".join(iter_message(archive_root, record.location, min(record.size, limit)))
        except StoreError:
            return None, None
        if len(head) >= record.size or b"\n\n" in head or b"\n\r\n" in head:
            break
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(
        header_block(head)
    )
    return decode_header(parsed.get("From")), decode_header(parsed.get("Subject"))


# --- words ------------------------------------------------------------------------------

TEXTS = {
    "en": {
        "title": "Record of archived mail",
        "made": "Made on {made} by IMAP Archiver {version} from the archive {archive}. "
        "Times are local time (UTC{offset}).",
        "period": "Archived from {since} until {until}.",
        "older": "Messages dated before {day}. Nothing is deleted from the archive by this list.",
        "start": "the beginning",
        "now": "now",
        "account": "Account: {account}.",
        "all": "All accounts.",
        "summary": "{count} messages, {deleted} of them deleted from the server.",
        "verify": "The SHA-256 of each message is the checksum of its bytes as they were "
        "archived. To check that the archive still holds exactly these bytes, run "
        "“imap-archiver verify”, or in the app choose Settings → Check and repair the archive.",
        "runs": "Archive runs",
        "messages": "Messages",
        "started": "Started",
        "finished": "Finished",
        "archived": "Archived",
        "deleted": "Deleted from server",
        "outcome": "Outcome",
        "ok": "OK",
        "problems": "{count} problems",
        "cancelled": "Cancelled",
        "stopped": "Stopped: {error}",
        "folder": "Folder",
        "uid": "UID",
        "date": "Date",
        "sender": "Sender",
        "subject": "Subject",
        "size": "Size (bytes)",
        "sha256": "SHA-256",
        "archived_at": "Archived at",
        "deleted_at": "Deleted from server at",
        "kept": "kept on the server",
        "unreadable": "(cannot be read from the archive; run verify)",
        "none": "No messages.",
    },
    "de": {
        "title": "Protokoll der archivierten E-Mails",
        "made": "Erstellt am {made} von IMAP Archiver {version} aus dem Archiv {archive}. "
        "Zeiten in Ortszeit (UTC{offset}).",
        "period": "Archiviert von {since} bis {until}.",
        "older": "Nachrichten mit Datum vor dem {day}. Diese Liste löscht nichts aus dem Archiv.",
        "start": "Beginn",
        "now": "heute",
        "account": "Konto: {account}.",
        "all": "Alle Konten.",
        "summary": "{count} Nachrichten, davon {deleted} vom Server gelöscht.",
        "verify": "Die SHA-256-Prüfsumme jeder Nachricht ist die ihrer Bytes bei der "
        "Archivierung. Ob das Archiv noch genau diese Bytes enthält, prüft "
        "„imap-archiver verify“ oder im Programm Einstellungen → Archiv prüfen und reparieren.",
        "runs": "Archivierungen",
        "messages": "Nachrichten",
        "started": "Begonnen",
        "finished": "Beendet",
        "archived": "Archiviert",
        "deleted": "Vom Server gelöscht",
        "outcome": "Ergebnis",
        "ok": "OK",
        "problems": "{count} Probleme",
        "cancelled": "Abgebrochen",
        "stopped": "Abgebrochen durch Fehler: {error}",
        "folder": "Ordner",
        "uid": "UID",
        "date": "Datum",
        "sender": "Absender",
        "subject": "Betreff",
        "size": "Größe (Bytes)",
        "sha256": "SHA-256",
        "archived_at": "Archiviert am",
        "deleted_at": "Vom Server gelöscht am",
        "kept": "auf dem Server behalten",
        "unreadable": "(im Archiv nicht lesbar; verify prüfen)",
        "none": "Keine Nachrichten.",
    },
}


def _local(when: dt.datetime) -> str:
    """Local time as Excel and people read it: 2026-12-06 10:30:00."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _cells(row: ReportRow, words: dict[str, str]) -> list[str]:
    unreadable = words["unreadable"] if row.sender is None else None
    return [
        row.account,
        row.folder,
        str(row.uid),
        _local(row.date),
        row.sender if row.sender is not None else "",
        row.subject if row.subject is not None else (unreadable or ""),
        str(row.size),
        row.sha256,
        _local(row.archived_at),
        _local(row.deleted_at) if row.deleted_at is not None else words["kept"],
    ]


def _headers(words: dict[str, str]) -> list[str]:
    keys = ["account", "folder", "uid", "date", "sender", "subject", "size", "sha256",
            "archived_at", "deleted_at"]  # fmt: skip
    return [words["account"].split(":")[0] if key == "account" else words[key] for key in keys]


def _spreadsheet_safe(text: str) -> str:
    """Keep a spreadsheet from reading a cell as a formula (see the module)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def write_csv(result: Report, out: BinaryIO, language: str = "en") -> None:
    """Write the record's messages as CSV for Excel (see the module), one row per message."""
    words = TEXTS[language]
    text = io.StringIO(newline="")
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(_headers(words))
    for row in result.rows:
        writer.writerow(_spreadsheet_safe(cell) for cell in _cells(row, words))
    out.write(text.getvalue().encode("utf-8-sig"))


STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 90%; }
th, td { border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; }
td.h { font-family: monospace; font-size: 85%; word-break: break-all; }
p.note { background: #f4f8fb; border: 1px solid #c9dbe8; padding: 8px; }
"""


def _esc(text: str) -> str:
    """Escape for HTML; control characters (never meaningful in a header) become U+FFFD."""
    return html.escape(CONTROL.sub("\ufffd", text), quote=True)


def _outcome(run: RunRecord, words: dict[str, str]) -> str:
    if run.error:
        return words["stopped"].format(error=run.error)
    if run.cancelled:
        return words["cancelled"]
    return words["problems"].format(count=run.errors) if run.errors else words["ok"]


def _lines(result: Report, language: str) -> Iterator[str]:
    words = TEXTS[language]
    chosen = result.chosen
    yield (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f"<title>{_esc(words['title'])}</title>\n<style>{STYLE}</style>\n</head>\n<body>"
    )
    yield f"<h1>{_esc(words['title'])}</h1>"
    offset = result.made.astimezone().strftime("%z")
    made = words["made"].format(made=_local(result.made), version=__version__,
                                archive=result.archive, offset=offset)  # fmt: skip
    yield f"<p>{_esc(made)}</p>"
    if chosen.dated_before is not None:
        scope = words["older"].format(day=chosen.dated_before.astimezone().date().isoformat())
    else:
        scope = words["period"].format(
            since=_local(chosen.since) if chosen.since else words["start"],
            until=_local(chosen.until) if chosen.until else words["now"],
        )
    who = words["account"].format(account=chosen.account) if chosen.account else words["all"]
    yield f"<p>{_esc(scope)} {_esc(who)}</p>"
    summary = words["summary"].format(count=len(result.rows), deleted=result.deleted)
    yield f"<p><strong>{_esc(summary)}</strong></p>"
    yield f'<p class="note">{_esc(words["verify"])}</p>'
    if result.runs:
        yield f"<h2>{_esc(words['runs'])}</h2>\n<table>\n<tr>"
        for key in ("started", "finished", "account", "archived", "deleted", "outcome"):
            yield f"<th>{_esc(words[key].split(':')[0])}</th>"
        yield "</tr>"
        for run in result.runs:
            yield (
                f"<tr><td>{_esc(_local(run.started))}</td><td>{_esc(_local(run.finished))}</td>"
                f'<td>{_esc(run.account)}</td><td class="n">{run.archived}</td>'
                f'<td class="n">{run.deleted}</td><td>{_esc(_outcome(run, words))}</td></tr>'
            )
        yield "</table>"
    yield f"<h2>{_esc(words['messages'])}</h2>"
    if not result.rows:
        yield f"<p>{_esc(words['none'])}</p>"
    else:
        yield "<table>\n<tr>" + "".join(f"<th>{_esc(h)}</th>" for h in _headers(words)) + "</tr>"
        for row in result.rows:
            cells = _cells(row, words)
            yield (
                "<tr>"
                + "".join(
                    f'<td{CELL_CLASSES[i]} dir="auto">{_esc(v)}</td>' for i, v in enumerate(cells)
                )
                + "</tr>"
            )
        yield "</table>"
    yield "</body>\n</html>\n"


def write_html(result: Report, out: BinaryIO, language: str = "en") -> None:
    """Write the record as one readable, self-contained HTML page (see the module)."""
    for line in _lines(result, language):
        out.write(line.encode("utf-8") + b"\n")


def save_report(result: Report, path: Path, fmt: str, language: str = "en") -> None:
    """Write the record to *path* as *fmt* ("csv" or "html"): a temporary file beside it,
    then renamed, so an interrupted save never leaves half a record under the name.

    Raises ReportWriteFailed (disk full, no permission) when it cannot be written.
    """
    if fmt not in FORMATS or language not in TEXTS:
        raise ArchiverError(f"Unknown report format {fmt!r} or language {language!r}.")
    write = write_csv if fmt == "csv" else write_html
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".report-", suffix=".tmp")
    except OSError as exc:
        raise ReportWriteFailed(path, exc.strerror or str(exc)) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            write(result, out, language)
        replace_file(Path(temp), path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise ReportWriteFailed(path, exc.strerror or str(exc)) from exc
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
