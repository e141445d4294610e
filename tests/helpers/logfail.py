"""Which log records a test expects, and what differs from them (used by tests/conftest.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ExpectedLog:
    """A log record a test expects: the arguments of its ``expect_log`` marker."""

    level: int | str  # logging.WARNING or "WARNING"
    logger: str  # the logger's exact name
    pattern: str  # a regular expression searched in the message

    @property
    def levelno(self) -> int:
        """The level as a number."""
        if isinstance(self.level, int):
            return self.level
        return logging.getLevelNamesMapping()[self.level]

    def matches(self, record: logging.LogRecord) -> bool:
        """True if *record* has this level and logger, and its message holds the pattern."""
        return (
            record.levelno == self.levelno
            and record.name == self.logger
            and re.search(self.pattern, record.getMessage()) is not None
        )

    def __str__(self) -> str:
        return f"{logging.getLevelName(self.levelno)} {self.logger}: /{self.pattern}/"


def log_problems(
    records: Iterable[logging.LogRecord], expected: Sequence[ExpectedLog]
) -> list[str]:
    """Name each record of WARNING or more that no expectation matches, and each
    expectation that no such record matches."""
    serious = [r for r in records if r.levelno >= logging.WARNING]
    problems = [
        f"Unexpected log record: {r.levelname} {r.name}: {r.getMessage()}"
        for r in serious
        if not any(e.matches(r) for e in expected)
    ]
    problems += [
        f"Expected log record missing: {e}"
        for e in expected
        if not any(e.matches(r) for r in serious)
    ]
    return problems
