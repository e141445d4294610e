"""The archive cut-off: "older than 1 year" or "before 2024-01-01" as an exact instant."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from archiver.core.errors import ArchiverError

AGE = re.compile(r"^\s*(\d{1,5})\s*([dwmy])\s*$", re.IGNORECASE)


def _months_back(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    if year < 1:
        raise ArchiverError("The age reaches back before year 1.")
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def day_for_age(text: str, today: dt.date) -> dt.date:
    """Return the day that is *text* (``365d``, ``52w``, ``6m``, ``1y``) before *today*.

    Months and years are calendar months and years (6m before 31 August is 28/29 February).
    """
    match = AGE.match(text)
    if not match:
        raise ArchiverError(
            f"Invalid age {text!r}: use a number and d, w, m or y "
            "(days, weeks, months, years), for example 365d or 1y."
        )
    count, unit = int(match.group(1)), match.group(2).lower()
    try:
        if unit == "d":
            return today - dt.timedelta(days=count)
        if unit == "w":
            return today - dt.timedelta(weeks=count)
        return _months_back(today, count * (12 if unit == "y" else 1))
    except OverflowError:
        raise ArchiverError(f"The age {text!r} reaches back too far.") from None


def parse_day(text: str) -> dt.date:
    """Parse a ``YYYY-MM-DD`` date with a clear error."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ArchiverError(f"Invalid date {text!r}: use YYYY-MM-DD, e.g. 2024-01-31.") from None


def start_of_day(day: dt.date) -> dt.datetime:
    """Return local midnight at the start of *day*, timezone-aware: the cut-off instant.

    At the ends of the calendar (``0001-01-01``, ``9999-12-31``) local time may not exist or
    not convert to UTC: midnight UTC then, a day that no mail is from anyway.
    """
    midnight = dt.datetime.combine(day, dt.time())
    try:
        local = midnight.astimezone()
        local.astimezone(dt.UTC)
    except (OverflowError, ValueError, OSError):
        return midnight.replace(tzinfo=dt.UTC)
    return local


# Servers read dates as Unix time: Dovecot refuses a search for mail before year 1.
EARLIEST_SEARCH_DAY = dt.date(1970, 1, 2)


def search_day(cutoff: dt.datetime) -> dt.date:
    """Return the day for the server's SEARCH BEFORE: a pre-filter wider than the cut-off
    (servers disagree on time zones), whose answer the INTERNALDATEs then narrow.

    The day after the cut-off's; the last day there is for a cut-off on it; never before
    EARLIEST_SEARCH_DAY, which servers can read (and the INTERNALDATEs still decide).
    """
    day = cutoff.date()
    return max(day if day == dt.date.max else day + dt.timedelta(days=1), EARLIEST_SEARCH_DAY)
