"""Under the C locale (LANG=C.UTF-8) numbers and dates follow the UI language's locale, not
C's "2 01 2024" and "8725"; a real system locale is kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QDate, QDateTime, QLocale, QTime

from archiver.gui.formatting import day_text, number_text, size_text, use_locale

pytestmark = pytest.mark.gui

C = QLocale(QLocale.Language.C)


@pytest.fixture(autouse=True)
def _restore_default_locale() -> Iterator[None]:
    yield
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def test_c_locale_formats_as_c_does():
    """Why the fallback exists: C writes no digit groups and a date of bare numbers."""
    assert C.toString(8725) == "8725"
    assert C.toString(QDate(2024, 1, 2), QLocale.FormatType.ShortFormat) == "2 01 2024"


def test_under_c_a_german_ui_writes_german_numbers_and_dates():
    assert use_locale("de", C).name() == "de_DE"
    assert number_text(8725) == "8.725"
    assert size_text(1536) == "1,5 kB"
    assert day_text(QDate(2024, 1, 2)) == "2. Januar 2024"
    when = QDateTime(QDate(2024, 1, 2), QTime(9, 5))
    assert QLocale().toString(when, QLocale.FormatType.ShortFormat) == "02.01.24 09:05"


def test_under_c_an_english_ui_writes_us_english():
    assert use_locale("en", C).name() == "en_US"
    assert number_text(8725) == "8,725"
    assert day_text(QDate(2024, 1, 2)) == "January 2, 2024"


def test_a_real_system_locale_is_kept_whatever_the_ui_language():
    austrian = QLocale(QLocale.Language.German, QLocale.Country.Austria)
    assert use_locale("en", austrian).name() == "de_AT"
    assert day_text(QDate(2024, 1, 2)) == "2. Jänner 2024"
