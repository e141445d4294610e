"""Generated German and English business mail for the demo mailbox, stdlib only.

A few hundred messages from 2019 until today, spread over INBOX, Sent, Akten/2021,
Akten/2022 and Trash: invoices (a few with a small PDF), offers, appointments, deliveries,
project updates, one HTML newsletter and one court order whose PDF alone says
"Pfändungsbeschluss" (search finds it inside the attachment). Among them, the files of a
bailiff's office (:func:`_office_mail`): a Pfändungs- und Überweisungsbeschluss, a
Vollstreckungsauftrag and a Ratenzahlungsvereinbarung in case DR II 1234/24, Mahnungen, a
scan, a damaged PDF, a long export and a draft, so that every search example of the README
and the user guides finds something (tests/imap/test_demo.py runs them all). Each message's
Date header and its INTERNALDATE are the same instant, on a weekday during office hours,
German local time.

The same seed and the same *now* give the same bytes (within one Python version).
Every address uses a reserved domain (RFC 2606), so nothing here can reach a real person.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

SEEN, FLAGGED, ANSWERED = b"\\Seen", b"\\Flagged", b"\\Answered"

# folder -> (messages, first day, last day or None for today). Akten/<year> hold that year.
FOLDERS: dict[str, tuple[int, dt.date, dt.date | None]] = {
    "INBOX": (160, dt.date(2019, 1, 2), None),
    "Sent": (80, dt.date(2019, 1, 2), None),
    "Akten/2021": (40, dt.date(2021, 1, 4), dt.date(2021, 12, 30)),
    "Akten/2022": (40, dt.date(2022, 1, 3), dt.date(2022, 12, 30)),
    "Trash": (20, dt.date(2023, 1, 2), None),
}
ME = ("Alex", "Weber", "Gerichtsvollzieher beim Amtsgericht Köln", "firma.example", "de")

_PEOPLE = (
    ("Anna", "Müller", "Müller & Söhne GmbH", "mueller-soehne.example", "de"),
    ("Jürgen", "Schäfer", "Nordlicht Logistik AG", "nordlicht.example", "de"),
    ("Özlem", "Şahin", "Stadtwerke Süd", "stadtwerke-sued.example", "de"),
    ("Sören", "Köhler", "Kanzlei Weiß & Partner", "kanzlei.example", "de"),
    ("Sabine", "Groß", "Bäckerei Kühn KG", "baeckerei-kuehn.example", "de"),
    ("Claire", "Dubois", "Globex Ltd.", "globex.example", "en"),
    ("James", "O'Brien", "Acme Corp.", "acme.example", "en"),
    ("Priya", "Nair", "Initech Ltd.", "initech.example", "en"),
)
_ITEMS = ("Büromöbel", "Laptops", "Wartungsvertrag", "Druckerpapier", "Server-Hosting", "Schulung")
_ITEMS_EN = ("office chairs", "laptops", "a support contract", "cloud hosting", "a training day")
_PROJECTS = ("Umzug Lager Nord", "Website-Relaunch", "ERP-Einführung", "Jahresabschluss")
_MAILERS = ("Microsoft Outlook 16.0", "Mozilla Thunderbird 115.4.1", "Apple Mail (2.3731)")
# Own names, not strftime's %A/%B: those follow the process's locale, which Qt sets.
_WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoMessage:
    """One message to APPEND: its folder, bytes, INTERNALDATE (= its Date header), flags."""

    folder: str
    raw: bytes
    internaldate: dt.datetime
    flags: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class _Person:
    first: str
    last: str
    company: str
    domain: str
    lang: str

    @property
    def address(self) -> str:
        local = f"{self.first}.{self.last}".lower().replace("ß", "ss").replace("'", "")
        for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
            local = local.replace(umlaut, plain)
        ascii_local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
        return f"{ascii_local}@{self.domain}"

    @property
    def mailbox(self) -> str:
        return formataddr((f"{self.first} {self.last}", self.address))


@dataclass(frozen=True, slots=True)
class _Draft:
    """What a template produces: subject, body text and an optional PDF (name, lines).

    The office's mail (:func:`_office_mail`) also brings other files (name, MIME type,
    bytes) and a Message-ID of its own.
    """

    subject: str
    body: str
    pdf: tuple[str, list[str]] | None = None
    files: tuple[tuple[str, str, bytes], ...] = ()
    message_id: str | None = None


# --- the local clock ------------------------------------------------------------------------


def local_time(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """Return German local time (CET, or CEST from April to October) as an aware datetime."""
    offset = dt.timedelta(hours=2 if 4 <= day.month <= 10 else 1)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.timezone(offset))


def _weekdays(rng: random.Random, first: dt.date, last: dt.date, count: int) -> list[dt.date]:
    """Return *count* weekdays from *first* to *last*, evenly spread with jitter, sorted."""
    span = (last - first).days + 1
    days = []
    for i in range(count):
        day = first + dt.timedelta(days=int(span * (i + rng.random()) / count))
        while day.weekday() >= 5:  # the weekend's mail is written on Friday
            day -= dt.timedelta(days=1)
        days.append(max(day, first))  # FOLDERS' first days are weekdays
    return days


# --- money, dates and PDFs ------------------------------------------------------------------


def _money(amount: float, lang: str) -> str:
    text = f"{amount:,.2f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".") if lang == "de" else text


def _pdf(lines: list[str], logo: int, scan: random.Random | None = None) -> bytes:
    """Return a small valid one-page PDF: a *logo* pixels wide gradient square (an
    uncompressed image, so PDFs take some room in the mailbox, as real ones do) above
    *lines* (Helvetica, WinAnsi encoding).

    With *scan*: a scanned page instead, an image of the page and no text at all (its
    pixels noise from *scan*, as big as a photographed page that compresses badly).
    """

    def literal(line: str) -> str:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped})"

    shown = " ".join(f"{literal(line)} '" for line in lines)  # ' shows it on the next line
    text = "" if scan else f" BT /F1 11 Tf 60 680 Td 15 TL {shown} ET"
    size = 500 if scan else 80
    stream = f"q {size} 0 0 {size} 60 {780 - size} cm /Logo Do Q{text}"
    content = stream.encode("cp1252", "replace")
    pixels = (
        scan.randbytes(logo * logo * 3)
        if scan
        else bytes(
            value
            for y in range(logo)
            for x in range(logo)
            for value in (x * 255 // logo, y * 255 // logo, 150)
        )
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> /XObject << /Logo 6 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream"
        % (logo, logo, len(pixels), pixels),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- templates: (rng, sender, recipient, date) -> _Draft ------------------------------------


def _invoice(rng: random.Random, sender: _Person, to: _Person, when: dt.datetime) -> _Draft:
    number = f"{when.year}-{rng.randrange(1, 999):04d}"
    amount = rng.uniform(80, 9000)
    due = (when + dt.timedelta(days=14)).strftime("%d.%m.%Y")
    pdf = None
    if rng.random() < 0.3:  # a few invoices come as PDF
        name = f"Rechnung_{number}.pdf" if sender.lang == "de" else f"Invoice_{number}.pdf"
        pdf = (name, [sender.company, "", f"Invoice / Rechnung {number}",
                      f"{when:%d.%m.%Y}", f"Total: {_money(amount, sender.lang)} EUR"])  # fmt: skip
    if sender.lang == "de":
        attached = "anbei erhalten Sie" if pdf else "hiermit stellen wir Ihnen"
        return _Draft(
            f"Rechnung Nr. {number}",
            f"Sehr geehrte Damen und Herren,\n\n{attached} unsere Rechnung Nr. {number} vom "
            f"{when:%d.%m.%Y} über {_money(amount, 'de')} EUR in Rechnung.\n"
            f"Bitte überweisen Sie den Betrag bis zum {due}.\n\n"
            f"Mit freundlichen Grüßen\n{sender.first} {sender.last}\n{sender.company}",
            pdf,
        )
    return _Draft(
        f"Invoice {number}",
        f"Dear {to.first},\n\nplease find {'attached' if pdf else 'below'} our invoice {number} "
        f"of {_MONTHS_EN[when.month - 1]} {when.day}, {when.year} for "
        f"EUR {_money(amount, 'en')}, due within 14 days.\n\n"
        f"Kind regards,\n{sender.first} {sender.last}\n{sender.company}",
        pdf,
    )


def _offer(rng: random.Random, sender: _Person, to: _Person, when: dt.datetime) -> _Draft:
    amount = rng.uniform(500, 25000)
    if sender.lang == "de":
        item = rng.choice(_ITEMS)
        valid = (when + dt.timedelta(days=30)).strftime("%d.%m.%Y")
        return _Draft(
            f"Angebot {rng.randrange(100, 999)}: {item}",
            f"Guten Tag {to.first} {to.last},\n\nvielen Dank für Ihre Anfrage. Gern bieten wir "
            f"Ihnen {item} zum Preis von {_money(amount, 'de')} EUR netto an.\n"
            f"Das Angebot ist gültig bis {valid}.\n\nMit freundlichen Grüßen\n"
            f"{sender.first} {sender.last}\n{sender.company}",
        )
    item = rng.choice(_ITEMS_EN)
    return _Draft(
        f"Quote for {item}",
        f"Hi {to.first},\n\nthanks for your enquiry. We can offer {item} for "
        f"EUR {_money(amount, 'en')} (excl. VAT); the quote is valid for 30 days.\n\n"
        f"Best,\n{sender.first}",
    )


def _meeting(rng: random.Random, sender: _Person, to: _Person, when: dt.datetime) -> _Draft:
    day = when + dt.timedelta(days=rng.randrange(2, 12))
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    hour = rng.randrange(9, 17)
    project = rng.choice(_PROJECTS)
    if sender.lang == "de":
        return _Draft(
            f"AW: Termin am {day:%d.%m.}",
            f"Hallo {to.first},\n\n{_WEEKDAYS_DE[day.weekday()]}, der {day:%d.%m.}, um {hour} Uhr "
            f"passt mir gut. Ich bringe die Unterlagen zum Projekt „{project}“ mit.\n\n"
            f"Viele Grüße\n{sender.first}",
        )
    return _Draft(
        f"Re: Meeting on {_WEEKDAYS_EN[day.weekday()]}",
        f"Hi {to.first},\n\n{_WEEKDAYS_EN[day.weekday()]}, {_MONTHS_EN[day.month - 1]} "
        f"{day.day} at {hour}:00 works for me. I'll bring the "
        f"figures for our call.\n\nCheers,\n{sender.first}",
    )


def _delivery(rng: random.Random, sender: _Person, to: _Person, when: dt.datetime) -> _Draft:
    week = (when + dt.timedelta(weeks=rng.randrange(1, 4))).isocalendar().week
    count = rng.randrange(2, 60)
    if sender.lang == "de":
        return _Draft(
            f"Lieferung KW {week}",
            f"Hallo {to.first},\n\ndie Lieferung von {count} Stück {rng.choice(_ITEMS)} "
            f"verschiebt sich leider auf KW {week}. Wir bitten um Entschuldigung.\n\n"
            f"Viele Grüße\n{sender.first} {sender.last}\n{sender.company}",
        )
    order = rng.randrange(10000, 99999)
    return _Draft(
        f"Your order {order} has shipped",
        f"Hello {to.first},\n\nyour order {order} ({count} items) left our warehouse today "
        f"and should arrive in week {week}.\n\n{sender.company}",
    )


def _project(rng: random.Random, sender: _Person, to: _Person, when: dt.datetime) -> _Draft:
    project = rng.choice(_PROJECTS)
    done = rng.randrange(10, 95)
    milestone = _MONTHS_EN[(when + dt.timedelta(days=21)).month - 1]
    if sender.lang == "de":
        return _Draft(
            f"Protokoll: {project}",
            f"Hallo zusammen,\n\nanbei das Protokoll unserer Besprechung vom {when:%d.%m.%Y}.\n"
            f"- Stand: {done} % erledigt\n- Nächster Termin: in zwei Wochen\n"
            f"- Offene Punkte bitte bis Freitag an mich.\n\nDanke und Gruß\n{sender.first}",
        )
    return _Draft(
        f"Status update: {project}",
        f"Hi {to.first},\n\nshort update: we are about {done}% done. The next milestone "
        f"is due in {milestone}.\nLet me know if anything is blocking you.\n\n"
        f"Thanks,\n{sender.first}",
    )


_TEMPLATES: tuple[Callable[[random.Random, _Person, _Person, dt.datetime], _Draft], ...] = (
    _invoice,
    _invoice,
    _offer,
    _meeting,
    _delivery,
    _project,
)


# --- assembling messages --------------------------------------------------------------------


def _message_id(rng: random.Random, when: dt.datetime, domain: str) -> str:
    return f"<{when:%Y%m%d%H%M%S}.{rng.getrandbits(48):012x}@{domain}>"


def _build(
    rng: random.Random, draft: _Draft, sender: _Person, to: _Person, when: dt.datetime
) -> bytes:
    """Return the message as CRLF bytes, 7-bit clean (quoted-printable, base64)."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = sender.mailbox
    msg["To"] = to.mailbox
    msg["Subject"] = draft.subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = draft.message_id or _message_id(rng, when, sender.domain)
    if draft.subject.startswith(("AW:", "Re:")):
        msg["In-Reply-To"] = _message_id(rng, when - dt.timedelta(hours=3), to.domain)
    msg["X-Mailer"] = rng.choice(_MAILERS)
    msg.set_content(draft.body, cte="quoted-printable")
    files = list(draft.files)
    if draft.pdf is not None:
        name, lines = draft.pdf
        files.insert(0, (name, "application/pdf", _pdf(lines, logo=rng.randrange(60, 140))))
    for name, mime, data in files:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if files:
        msg.set_boundary(f"=_part_{rng.getrandbits(64):016x}")  # random's, not email's
    return msg.as_bytes()


def _newsletter(when: dt.datetime) -> bytes:
    """Return the one HTML newsletter (multipart/alternative, text and HTML)."""
    sender = _Person("Newsletter", "Nordlicht", "Nordlicht Logistik AG", "nordlicht.example", "de")
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = formataddr(("Nordlicht Logistik", "newsletter@nordlicht.example"))
    msg["To"] = _Person(*ME).mailbox
    msg["Subject"] = f"Nordlicht News {when:%m/%Y}: Neue Lagerstandorte"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<news-{when:%Y%m}@{sender.domain}>"
    msg["List-Unsubscribe"] = "<https://nordlicht.example/abmelden>"
    text = (
        "Nordlicht News\n\nNeue Lagerstandorte in Hamburg und Nürnberg: kürzere Wege, "
        "schnellere Lieferungen.\n\nAbmelden: https://nordlicht.example/abmelden"
    )
    html = (
        '<!DOCTYPE html><html><body style="font-family:sans-serif">'
        '<h1 style="color:#0b5394">Nordlicht News</h1>'
        "<p>Neue Lagerstandorte in <b>Hamburg</b> und <b>Nürnberg</b>: kürzere Wege, "
        'schnellere Lieferungen.</p><table border="1" cellpadding="4">'
        "<tr><th>Standort</th><th>Eröffnung</th></tr>"
        "<tr><td>Hamburg</td><td>März</td></tr><tr><td>Nürnberg</td><td>Juni</td></tr></table>"
        '<p><a href="https://nordlicht.example/abmelden">Abmelden</a></p></body></html>'
    )
    msg.set_content(text, cte="quoted-printable")
    msg.add_alternative(html, subtype="html", cte="quoted-printable")
    msg.set_boundary(f"=_alt_{when:%Y%m%d}")
    return msg.as_bytes()


def _court_order(when: dt.datetime, seed: int) -> bytes:
    """Return the court's letter: the word Pfändungsbeschluss is in its PDF alone."""
    court = _Person("Petra", "Schulz", "Amtsgericht Köln", "ag-koeln.example", "de")
    draft = _Draft(
        "Zwangsvollstreckungssache 12 M 345/22",
        "Sehr geehrte Damen und Herren,\n\nin der Zwangsvollstreckungssache 12 M 345/22 "
        f"erhalten Sie anbei den Beschluss vom {when:%d.%m.%Y} zur Kenntnisnahme.\n\n"
        "Mit freundlichen Grüßen\nSchulz, Justizbeschäftigte\nAmtsgericht Köln",
        (
            "Beschluss_12_M_345-22.pdf",
            ["Amtsgericht Köln", "", "Az. 12 M 345/22", "", "Pfändungsbeschluss",
             "In der Zwangsvollstreckungssache wird die Forderung des Schuldners",
             "gegen die Drittschuldnerin gepfändet.", f"Köln, {when:%d.%m.%Y}"],
        ),
    )  # fmt: skip
    # A generator of its own: the other messages stay as they were.
    return _build(random.Random(seed), draft, court, _Person(*ME), when)


# --- the bailiff's office -------------------------------------------------------------------

DRAFT, FORWARDED = b"\\Draft", b"$Forwarded"
CASE = "DR II 1234/24"  # the case the office's mail is about (Dienstregister, 2024)
_COURT = (
    "Hans",
    "Meier",
    "Amtsgericht Berlin-Mitte, Vollstreckungsgericht",
    "ag-berlin.example",
    "de",
)
_LAWYER = ("Sören", "Köhler", "Kanzlei Weiß & Partner", "kanzlei.example", "de")
_CREDITOR = ("Anna", "Müller", "Müller & Söhne GmbH", "mueller-soehne.example", "de")
_DEBTOR = ("Thomas", "Schmidt", "", "post.example", "de")
SCAN_SIDE = 1400  # pixels: the scan's image is SCAN_SIDE * SCAN_SIDE * 3 bytes (5.6 MiB, over 5 MB)
EXPORT_LINES = 4500  # lines of the bank export: more text than an attachment's index limit


def _office(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return local_time(day, hour, minute)


def _signed(text: str, sender: _Person) -> str:
    return f"{text}\n\nMit freundlichen Grüßen\n{sender.first} {sender.last}\n{sender.company}"


def _export(rng: random.Random) -> bytes:
    """Return a bank account export as text: longer than search reads of one attachment."""
    lines = ["Buchungstag;Verwendungszweck;Betrag EUR"]
    for i in range(EXPORT_LINES):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=i % 300)
        amount = _money(rng.uniform(5, 900), "de")
        lines.append(f"{day:%d.%m.%Y};Lastschrift Referenz {rng.randrange(10**9):09d};-{amount}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _office_mail(seed: int) -> list[DemoMessage]:
    """Return the office's own files: the mail every documented search example finds.

    Fixed dates (generate_mail() leaves out those after its *now*) and a generator of its
    own, so that the other messages stay as they were.
    """
    rng = random.Random(seed + 1)
    me, court, lawyer = _Person(*ME), _Person(*_COURT), _Person(*_LAWYER)
    creditor, debtor = _Person(*_CREDITOR), _Person(*_DEBTOR)
    pfueb = [
        "Amtsgericht Berlin-Mitte", "Vollstreckungsgericht", "", "Az. 31 M 877/22",
        "", "Pfändungs- und Überweisungsbeschluss", "",
        "In der Zwangsvollstreckungssache Müller & Söhne GmbH gegen Thomas Schmidt wird",
        "die angebliche Forderung des Schuldners gegen die Drittschuldnerin gepfändet",
        "und der Gläubigerin zur Einziehung überwiesen.", "", "Berlin, 01.03.2022",
    ]  # fmt: skip
    order = [
        "Kanzlei Weiß & Partner", "", f"Vollstreckungsauftrag, Ihr Az. {CASE}",
        "Gläubigerin: Müller & Söhne GmbH", "Schuldner: Thomas Schmidt",
        "Forderung: 4.812,37 EUR nebst Zinsen und Kosten",
        "Wir beauftragen die gütliche Erledigung, die Abnahme der Vermögensauskunft",
        "und die Pfändung beweglicher Sachen.",
    ]  # fmt: skip
    agreement = [
        "Gerichtsvollzieher Alex Weber", "", f"Ratenzahlungsvereinbarung {CASE}", "",
        "Der Schuldner zahlt die Forderung in monatlichen Raten von 250,00 EUR,",
        "fällig jeweils zum 15. eines Monats, erstmals am 15.06.2024.",
        "Gerät er mit einer Rate in Verzug, wird die Vollstreckung fortgesetzt.",
    ]  # fmt: skip
    letters: list[tuple[str, dt.datetime, tuple[bytes, ...], _Person, _Person, _Draft]] = [
        (
            "Akten/2022", _office(dt.date(2022, 3, 1), 10, 12), (SEEN,), court, me,
            _Draft(
                "Pfändungs- und Überweisungsbeschluss, Az. 31 M 877/22",
                _signed(
                    "Sehr geehrter Herr Weber,\n\nanbei der Pfändungs- und "
                    "Überweisungsbeschluss zur Zustellung an die Drittschuldnerin. Die "
                    "Pfändung betrifft das Arbeitseinkommen des Schuldners.", court
                ),
                ("Beschluss 2022.pdf", pfueb),
            ),
        ),
        (
            "INBOX", _office(dt.date(2023, 2, 7), 8, 51), (SEEN, ANSWERED), creditor, me,
            _Draft(
                "Mahnung: Rechnung 2022-0815 weiterhin offen",
                _signed(
                    "Sehr geehrter Herr Weber,\n\nauf unsere Rechnung 2022-0815 und zwei "
                    "Mahnungen hat der Schuldner nicht reagiert. Wir bitten Sie, die "
                    "Zwangsvollstreckung einzuleiten; der Titel folgt per Post.", creditor
                ),
            ),
        ),
        (
            "Sent", _office(dt.date(2023, 9, 12), 14, 3), (SEEN,), me, debtor,
            _Draft(
                "Zahlungserinnerung: Rate August, DR II 455/23",
                _signed(
                    "Sehr geehrter Herr Schmidt,\n\ndie am 15.08.2023 fällige Rate ist "
                    "noch nicht eingegangen. Bitte überweisen Sie den Betrag innerhalb von "
                    "einer Woche.", me
                ),
            ),
        ),
        (
            "INBOX", _office(dt.date(2024, 5, 14), 9, 40), (SEEN, FLAGGED, FORWARDED),
            lawyer, me,
            _Draft(
                f"Vollstreckungsauftrag {CASE}: Müller & Söhne GmbH ./. Schmidt",
                _signed(
                    f"Sehr geehrter Herr Weber,\n\nin Ihrer Sache {CASE} übersenden wir den "
                    "Vollstreckungsauftrag mit der Forderungsaufstellung. Wir bitten um "
                    "Sachstandsmitteilung.", lawyer
                ),
                ("Vollstreckungsauftrag DR II 1234-24.pdf", order),
            ),
        ),
        (
            "Sent", _office(dt.date(2024, 6, 3), 11, 5), (SEEN,), me, debtor,
            _Draft(
                f"Ratenzahlungsvereinbarung {CASE}",
                _signed(
                    "Sehr geehrter Herr Schmidt,\n\nwie besprochen erhalten Sie die "
                    "Ratenzahlungsvereinbarung. Die erste Rate ist am 15.06.2024 fällig.", me
                ),
                ("Ratenzahlungsvereinbarung.pdf", agreement),
                message_id="<abc@example.org>",  # docs/SEARCH.md's msgid: example
            ),
        ),
        (
            "INBOX", _office(dt.date(2024, 9, 10), 16, 22), (SEEN,), me, me,
            _Draft(
                f"Scan: Vermögensauskunft {CASE}",
                "Gescannt am Bürokopierer.",
                files=(
                    ("Scan_Vermoegensauskunft.pdf", "application/pdf",
                     _pdf([], SCAN_SIDE, scan=rng)),
                ),
            ),
        ),
        (
            "INBOX", _office(dt.date(2024, 10, 8), 7, 58), (SEEN,), debtor, me,
            _Draft(
                f"AW: Ratenzahlungsvereinbarung {CASE}",
                "Guten Tag,\n\nanbei meine Aufstellung. Die Oktoberrate zahle ich später.\n\n"
                "Thomas Schmidt",
                # Cut off in the upload: the start of a PDF, then nothing that belongs to one.
                files=(("Forderungsaufstellung.pdf", "application/pdf",
                        b"%PDF-1.4\n" + rng.randbytes(3000)),),
            ),
        ),
        (
            "INBOX", _office(dt.date(2024, 11, 5), 13, 30), (SEEN,), creditor, me,
            _Draft(
                f"Kontoumsätze zur Forderung {CASE}",
                _signed("Sehr geehrter Herr Weber,\n\nanbei die Umsätze des Jahres.", creditor),
                files=(("Kontoumsaetze_2024.txt", "text/plain", _export(rng)),),
            ),
        ),
        (
            "Drafts", _office(dt.date(2025, 1, 14), 17, 45), (SEEN, DRAFT), me, lawyer,
            _Draft(
                f"Sachstand {CASE}",
                "Sehr geehrter Herr Köhler,\n\nder Schuldner zahlt seit Oktober keine Raten "
                "mehr; ich setze die Vollstreckung fort.",
            ),
        ),
    ]  # fmt: skip
    return [
        DemoMessage(folder, _build(rng, draft, sender, to, when), when, flags)
        for folder, when, flags, sender, to, draft in letters
    ]


def _folder_messages(
    rng: random.Random, folder: str, first: dt.date, last: dt.date, count: int, now: dt.datetime
) -> Iterator[DemoMessage]:
    me = _Person(*ME)
    for day in _weekdays(rng, first, last, count):
        when = local_time(day, rng.randrange(7, 18), rng.randrange(60))
        latest = now - dt.timedelta(minutes=rng.randrange(5, 120))
        if when > latest:  # today's mail, later than now
            when = latest.astimezone(when.tzinfo)
        other = rng.choice(_PEOPLE)
        person = _Person(*other)
        sender, to = (me, person) if folder == "Sent" else (person, me)
        if folder == "Sent":  # we write in the language of whom we write to
            sender = _Person(*ME[:4], person.lang)
        draft = rng.choice(_TEMPLATES)(rng, sender, to, when)
        age = now - when
        flags = [SEEN] if folder == "Sent" or age.days > 14 or rng.random() < 0.5 else []
        if folder == "INBOX" and rng.random() < 0.06:
            flags.append(FLAGGED)
        if folder == "INBOX" and flags and rng.random() < 0.2:
            flags.append(ANSWERED)
        yield DemoMessage(folder, _build(rng, draft, sender, to, when), when, tuple(flags))


def generate_mail(now: dt.datetime | None = None, seed: int = 2019) -> list[DemoMessage]:
    """Return the demo mailbox: every folder's messages, oldest first within a folder.

    Args:
        now: the present (timezone-aware); no message is dated later. Default: now.
        seed: the same seed and *now* give the same messages.
    """
    now = now or dt.datetime.now(dt.UTC)
    rng = random.Random(seed)
    messages: list[DemoMessage] = []
    for folder, (count, first, last) in FOLDERS.items():
        end = last or now.date()
        messages += _folder_messages(rng, folder, first, end, count, now)
    # One newsletter, on the first Tuesday of last October, read and left in the INBOX.
    first = dt.date(now.year - 1, 10, 1)
    when = local_time(first + dt.timedelta(days=(1 - first.weekday()) % 7), 6, 30)
    messages.append(DemoMessage("INBOX", _newsletter(when), when, (SEEN,)))
    # The court order, on the first weekday from 8 March of last year, flagged.
    day = dt.date(now.year - 1, 3, 8)
    while day.weekday() > 4:  # Saturday or Sunday
        day += dt.timedelta(days=1)
    when = local_time(day, 10, 15)
    messages.append(DemoMessage("INBOX", _court_order(when, seed), when, (SEEN, FLAGGED)))
    return messages + [m for m in _office_mail(seed) if m.internaldate < now]
