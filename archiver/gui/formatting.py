"""Numbers, sizes and dates as the user's locale writes them (1.5 MB / 1,5 MB, 1. Mai 2023).

The CLI writes sizes with archiver.core.sizes; the app follows the locale chosen for it
(use_locale(), at start-up).
"""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, QDateTime, QLocale

# The locales of the UI languages, for systems whose own locale is C or POSIX.
LANGUAGE_LOCALES = {
    "de": (QLocale.Language.German, QLocale.Country.Germany),
    "en": (QLocale.Language.English, QLocale.Country.UnitedStates),
}


def use_locale(language: str, system: QLocale | None = None) -> QLocale:
    """Make the system's locale the app's, unless it is C (or POSIX); return the one chosen.

    The C locale (LANG=C.UTF-8 in containers, on minimal systems and in some remote
    sessions) writes dates as "2 01 2024" and counts without digit grouping: then the UI
    *language*'s locale is used instead (de_DE for German, en_US otherwise).
    """
    system = system if system is not None else QLocale.system()
    if system.language() in (QLocale.Language.C, QLocale.Language.AnyLanguage):
        chosen = QLocale(*LANGUAGE_LOCALES.get(language, LANGUAGE_LOCALES["en"]))
    else:
        chosen = system
    QLocale.setDefault(chosen)
    return chosen


def size_text(count: int) -> str:
    """Format a byte count for people in the user's locale: 1.5 MB, 1,5 MB."""
    return QLocale().formattedDataSize(count, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


def number_text(count: int) -> str:
    """Format a count with the locale's digit grouping: 12,345 or 12.345."""
    return QLocale().toString(count)


def qdate(day: dt.date) -> QDate:
    """Return *day* as a QDate."""
    return QDate(day.year, day.month, day.day)


def day_text(day: QDate) -> str:
    """Format *day* as the locale's long date without the weekday: May 1, 2023; 1. Mai 2023."""
    locale = QLocale()
    pattern = locale.dateFormat(QLocale.FormatType.LongFormat)
    without_weekday = re.sub(r"^dddd\W*|\W*dddd", "", pattern, count=1).strip()
    return locale.toString(day, without_weekday or QLocale.FormatType.LongFormat)


def moment_text(when: dt.datetime) -> str:
    """Format an instant in local time as the locale's short date and time: 12/6/26 9:30 AM."""
    moment = QDateTime.fromSecsSinceEpoch(int(when.timestamp()))
    return QLocale().toString(moment, QLocale.FormatType.ShortFormat)


def pydate(day: QDate) -> dt.date:
    """Return a QDate as a date."""
    return dt.date(day.year(), day.month(), day.day())
