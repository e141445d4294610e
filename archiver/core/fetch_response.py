"""Read the FETCH responses of an archive run quickly, or leave them to imapclient.

imapclient parses a response one character at a time in Python: for the metadata and the
bodies of 5,000 messages that is about 0.6 s of an archive run of 5-7 s, in a process bound
by its own CPU (docs/PERFORMANCE.md). Servers answer our FETCH commands in one plain shape:
the message number, then UID, RFC822.SIZE, FLAGS and INTERNALDATE with simple values and
the body as a literal. :func:`parse_fetch` reads exactly that shape with regular
expressions and returns what imapclient's ``parse_fetch_response`` returns, value for
value. Anything else in a response (NIL, a quoted string with an escape, a nested list, an
attribute we did not ask for, a flag with unusual characters, an odd date) makes it return
None for the whole response, and the caller lets imapclient parse it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from imapclient.datetime_util import parse_to_datetime
from imapclient.fixed_offset import FixedOffset

# A number as imapclient turns it into an int (it leaves "0123" as text).
_NUMBER = rb"(0|[1-9][0-9]*)"
# The start of one message's response: its number and the opening parenthesis.
_START = re.compile(_NUMBER + rb" \(")
# A flag: an atom of the characters servers use ("\" only in front), not all digits and
# not NIL (imapclient makes those an int and None).
_FLAG = rb"(?!NIL[ )])(?![0-9]+[ )])\\?[A-Za-z0-9$_.+&!#~:/=@-]+"
# One attribute with its value; a literal must end the text.
_ATTRIBUTE = re.compile(
    b"|".join(
        [
            rb"(UID|RFC822\.SIZE) " + _NUMBER,
            rb'INTERNALDATE "([^"\\\r\n]*)"',
            rb"FLAGS \(((?:" + _FLAG + rb"(?: (?=[^)])|(?=\))))*)\)",
            rb"(BODY\[\](?:<[0-9]+>)?) \{([0-9]+)\}\Z",
        ]
    )
)
# An INTERNALDATE in RFC 3501's form, with a four-digit year and a named month.
_DATE = re.compile(
    rb" ?(\d{1,2})-([A-Z][a-z]{2})-([1-9]\d{3}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\Z"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        (b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct",
         b"Nov", b"Dec"),
        start=1,
    )
}  # fmt: skip
_ZONES: dict[int, FixedOffset] = {}


def parse_fetch(
    data: Sequence[object], uid_is_key: bool
) -> defaultdict[int, dict[bytes, Any]] | None:
    """Return what ``parse_fetch_response(data, False, uid_is_key)`` returns, or None.

    None means that the response holds something this parser does not read; nothing is
    guessed. Times stay in their own zone (imapclient's ``normalise_times`` off).
    """
    parsed: defaultdict[int, dict[bytes, Any]] = defaultdict(dict)
    items = iter(data)
    for item in items:
        fields = _message(item, items, uid_is_key)
        if fields is None:
            return None
        key, values = fields
        parsed[key].update(values)
    return parsed


def _message(
    item: object,
    rest: Iterator[object],
    uid_is_key: bool,
) -> tuple[int, dict[bytes, Any]] | None:
    """Read one message's response, starting at *item*; its literals' trailers from *rest*."""
    split = _split(item)
    if split is None:
        return None
    text, literal = split
    start = _START.match(text)
    if start is None:
        return None
    seq = int(start.group(1))
    key = seq
    fields: dict[bytes, Any] = {b"SEQ": seq}
    position, first = start.end(), True
    while True:
        if text.startswith(b")", position):
            if position + 1 != len(text) or literal is not None:
                return None
            return key, fields
        if not first:
            if not text.startswith(b" ", position):
                return None
            position += 1
        first = False
        found = _ATTRIBUTE.match(text, position)
        if found is None:
            return None
        position = found.end()
        name, number, date, flags, body, size = found.groups()
        if name == b"UID":
            if uid_is_key:
                key = int(number)
            else:
                fields[name] = int(number)
        elif name is not None:
            fields[name] = int(number)
        elif date is not None:
            fields[b"INTERNALDATE"] = internaldate(date)
        elif flags is not None:
            fields[b"FLAGS"] = tuple(flags.split())
        else:
            if literal is None or int(size) != len(literal):
                return None
            fields[body] = literal
            split = _split(next(rest, None))
            if split is None:
                return None
            (text, literal), position = split, 0


def _split(item: object) -> tuple[bytes, bytes | None] | None:
    """Return a response item's text and the literal after it (None: a plain line).

    None for anything else, such as the ``[None]`` imaplib gives when nothing came.
    """
    if isinstance(item, bytes):
        return item, None
    if isinstance(item, tuple) and len(item) == 2:
        text, literal = item
        if isinstance(text, bytes) and isinstance(literal, bytes):
            return text, literal
    return None


def internaldate(value: bytes) -> dt.datetime | None:
    """Return INTERNALDATE in its own zone, as imapclient does (None if it cannot be read).

    The usual form is read here; every other goes through imapclient's own function.
    """
    found = _DATE.match(value)
    if found is not None:
        day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = found.groups()
        number = _MONTHS.get(month)
        if number is not None:
            seconds = int(zone_hours) * 3600 + int(zone_minutes) * 60
            if sign == b"-":
                seconds = -seconds
            zone = _ZONES.get(seconds)
            if zone is None:
                zone = _ZONES.setdefault(seconds, FixedOffset(seconds / 60))
            try:
                return dt.datetime(
                    int(year), number, int(day), int(hour), int(minute), int(second), 0, zone
                )
            except ValueError:
                pass
    try:
        parsed: dt.datetime = parse_to_datetime(value, normalise=False)
    except ValueError:
        return None
    return parsed
