"""The demo's generated mailbox: folders, date spread, realistic and well-formed messages."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections import Counter
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime

import pytest

from archiver.demo.mail import FOLDERS, DemoMessage, _office_mail, generate_mail, local_time
from archiver.demo.session import QUOTA_FILL, quota_for

NOW = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def mail() -> list[DemoMessage]:
    return generate_mail(NOW)


def parse(message: DemoMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message.raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_the_same_seed_and_present_give_the_same_bytes(mail):
    assert generate_mail(NOW) == mail
    assert generate_mail(NOW, seed=7) != mail


def test_each_folder_holds_its_share(mail):
    counts = Counter(m.folder for m in mail)
    expected = {folder: count for folder, (count, _, _) in FOLDERS.items()}
    expected["INBOX"] += 2  # the newsletter and the court order
    for message in _office_mail(2019):  # the bailiff's files, some in a folder of their own
        expected[message.folder] = expected.get(message.folder, 0) + 1
    assert counts == expected
    assert counts["Drafts"] == 1
    assert 300 <= len(mail) <= 500


def test_dates_spread_from_2019_to_now(mail):
    years = {folder: Counter(m.internaldate.year for m in mail if m.folder == folder)
             for folder in FOLDERS}  # fmt: skip
    for folder in ("INBOX", "Sent"):
        assert set(years[folder]) == set(range(2019, NOW.year + 1)), folder
    assert set(years["Akten/2021"]) == {2021}
    assert set(years["Akten/2022"]) == {2022}
    assert min(m.internaldate for m in mail).year == 2019
    assert max(m.internaldate for m in mail) < NOW
    assert max(m.internaldate for m in mail) > NOW - dt.timedelta(days=14)  # mail of today too
    assert all(m.internaldate.weekday() < 5 for m in mail)


def test_date_header_is_the_internaldate(mail):
    for message in mail:
        assert parsedate_to_datetime(parse(message)["Date"]) == message.internaldate
        assert message.internaldate.utcoffset() in {dt.timedelta(hours=1), dt.timedelta(hours=2)}


def test_local_time_follows_summer_time_roughly():
    assert local_time(dt.date(2022, 1, 10), 9, 0).isoformat() == "2022-01-10T09:00:00+01:00"
    assert local_time(dt.date(2022, 7, 11), 9, 0).isoformat() == "2022-07-11T09:00:00+02:00"


def test_messages_are_wire_clean_and_parse(mail):
    """CRLF only, 7-bit (as a server stores them, so archive and restore compare bytes)."""
    for message in mail:
        assert message.raw.isascii()
        assert re.search(rb"(?<!\r)\n|\r(?!\n)", message.raw) is None
        parsed = parse(message)
        assert not parsed.defects
        assert parsed["Subject"] and parsed["Message-ID"] and parsed["From"] and parsed["To"]
    assert len({parse(m)["Message-ID"] for m in mail}) == len(mail)


def test_mail_is_german_and_english_business_mail_to_reserved_domains(mail):
    subjects = [str(parse(m)["Subject"]) for m in mail]
    assert sum("Rechnung" in s for s in subjects) >= 10
    assert sum(s.startswith("Invoice") for s in subjects) >= 5
    assert any("Angebot" in s for s in subjects) and any("Meeting" in s for s in subjects)
    bodies = [parse(m).get_body(("plain",)).get_content() for m in mail]
    assert sum("Mit freundlichen Grüßen" in b for b in bodies) >= 10
    assert sum("Kind regards" in b for b in bodies) >= 5
    for message in mail:
        for field in ("From", "To"):
            _, address = parseaddr(str(parse(message)[field]))
            assert address.isascii() and address.endswith(".example"), address
    sent_from = {parseaddr(str(parse(m)["From"]))[1] for m in mail if m.folder == "Sent"}
    assert sent_from == {"alex.weber@firma.example"}


def test_a_few_messages_carry_a_small_valid_pdf(mail):
    pdfs = [
        (m, part)
        for m in mail
        for part in parse(m).iter_attachments()
        if part.get_content_type() == "application/pdf"
    ]
    assert 5 <= len(pdfs) <= 60
    damaged = [(m, p) for m, p in pdfs if p.get_filename() == "Forderungsaufstellung.pdf"]
    assert len(damaged) == 1  # has:unreadable finds it
    for message, part in pdfs:
        if (message, part) in damaged:
            continue
        data = part.get_content()
        if part.get_filename() == "Scan_Vermoegensauskunft.pdf":  # size:>5MB finds it
            assert len(data) > 5 * 2**20 and b"BT " not in data  # an image, and no text
        else:
            assert 1_000 < len(data) < 100_000
        assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
        # Every object sits where the cross-reference table says.
        offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n ", data)]
        for number, offset in enumerate(offsets, 1):
            assert data[offset:].startswith(b"%d 0 obj" % number)
        start = int(re.search(rb"startxref\n(\d+)", data).group(1))
        assert data[start:].startswith(b"xref")
        assert part.get_filename().endswith(".pdf")
        assert message.folder in FOLDERS or message.folder == "Drafts"


def test_exactly_one_html_newsletter(mail):
    html = [m for m in mail if any(p.get_content_type() == "text/html" for p in parse(m).walk())]
    assert len(html) == 1
    newsletter = parse(html[0])
    assert newsletter.get_content_type() == "multipart/alternative"
    assert "Nordlicht News" in newsletter.get_body(("html",)).get_content()
    assert html[0].folder == "INBOX"


def test_flags_look_lived_in(mail):
    old = [m for m in mail if NOW - m.internaldate > dt.timedelta(days=30)]
    assert all(b"\\Seen" in m.flags for m in old)
    assert any(b"\\Flagged" in m.flags for m in mail)
    assert any(b"\\Answered" in m.flags for m in mail)
    assert all(b"\\Seen" in m.flags for m in mail if m.folder == "Sent")


def test_the_quota_leaves_room_but_shows_use(mail):
    quota = quota_for(mail)
    used = sum(len(m.raw) for m in mail) / (quota * 2**20)
    assert QUOTA_FILL - 0.35 < used <= QUOTA_FILL
    assert quota_for([]) == 1


def test_the_court_order_says_pfaendungsbeschluss_in_its_pdf_alone(mail):
    """Searching the demo for Pfändungsbeschluss finds it inside the attachment."""
    from archiver.core.index.extract import extract  # noqa: PLC0415

    (order,) = [
        m for m in mail if any("Pfändungsbeschluss" in i.text for i in extract(m.raw).inside)
    ]
    content = extract(order.raw)
    assert "Pfändungsbeschluss" not in content.body + content.subject
    assert [i.name for i in content.inside] == ["Beschluss_12_M_345-22.pdf"]
    assert order.folder == "INBOX" and order.internaldate.weekday() < 5
