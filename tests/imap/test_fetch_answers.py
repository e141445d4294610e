"""Our client reads Dovecot's FETCH answers as imapclient does, on the quick path where it can.

core/fetch_response.py reads the plain shape of an answer itself and leaves any other to
imapclient; here both read the same answers of a real server, for every FETCH the archive
job sends, on flags and dates of every kind, messy mail and a message fetched in pieces.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from imapclient import IMAPClient

from archiver.core import imap as imap_module
from archiver.core.imap import open_session
from tests.helpers.dovecot import append_messages
from tests.helpers.mailgen import HARD_SHAPES, big_message

pytestmark = pytest.mark.imap

ZONES = [
    dt.UTC,
    dt.timezone(dt.timedelta(hours=5, minutes=30)),
    dt.timezone(-dt.timedelta(hours=8, minutes=30)),
]
# Keywords the quick path reads, and some it leaves to imapclient ("," and ";" are atom
# characters too).
FLAG_SETS = [
    (),
    (b"\\Seen",),
    (b"\\Answered", b"\\Flagged", b"\\Draft", b"$Forwarded", b"NonJunk", b"$label1"),
    (b"\\Seen", b"a,b", b"x;y"),
]
BIG, ALL = 6_000_000, 50_000_000  # what one answer may bring (the session's read guard)
# The FETCH items the archive job sends (core/imap.py).
REQUESTS = [
    ["RFC822.SIZE", "FLAGS", "INTERNALDATE"],
    ["BODY.PEEK[]", "RFC822.SIZE", "FLAGS", "INTERNALDATE"],
    ["BODY.PEEK[]<0.4096>", "RFC822.SIZE", "FLAGS", "INTERNALDATE"],
    ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"],
]


def answer(session, fetch, uids, request):
    """FETCH through the session's read guard, as the session's own commands do."""
    return session._call("FETCH", partial(fetch, uids, request), literal=BIG, total=ALL)


def test_our_fetch_answers_as_imapclient_does(dovecot, imap_user, account, password, monkeypatch):
    with dovecot.client(imap_user) as client:
        for index, shape in enumerate(HARD_SHAPES.values()):
            zone = ZONES[index % len(ZONES)]
            when = dt.datetime(2019, 1 + index % 12, 1 + index % 28, 7, 8, 9, tzinfo=zone)
            append_messages(client, "INBOX", [shape(index)], when, FLAG_SETS[index % 4])
        append_messages(client, "INBOX", [big_message(5_000_000, 1)], flags=(b"\\Seen",))
    quick = []
    real_parse = imap_module.parse_fetch

    def counted(data, uid_is_key):
        answer = real_parse(data, uid_is_key)
        quick.append(answer is not None)
        return answer

    monkeypatch.setattr(imap_module, "parse_fetch", counted)
    with open_session(account, password) as session:
        session.select("INBOX", readonly=True)
        client = session._client
        uids = client.search("ALL")
        assert len(uids) == len(HARD_SHAPES) + 1
        for request in REQUESTS:
            # All; one; the many ordinary keywords of FLAG_SETS[2]; the odd ones of [3].
            for chunk in (uids, uids[:1], uids[2::4], uids[3::4]):
                ours = answer(session, client.fetch, chunk, request)
                theirs = answer(session, partial(IMAPClient.fetch, client), chunk, request)
                assert ours == theirs
                assert list(ours) == list(theirs)
                for uid, fields in theirs.items():
                    assert list(ours[uid]) == list(fields)
                    if b"INTERNALDATE" in fields:
                        zone = fields[b"INTERNALDATE"].utcoffset()
                        assert ours[uid][b"INTERNALDATE"].utcoffset() == zone
    # Plain answers took the quick path; the odd keywords and header fields did not.
    assert True in quick
    assert False in quick
