"""The suite's log check fails on an unexpected record and on a missing expected one."""

from __future__ import annotations

import logging

from tests.helpers.logfail import ExpectedLog, log_problems

PLAIN = ExpectedLog("WARNING", "archiver.core.imap", r"connecting without encryption")


def record(level: int, name: str, message: str) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_expected_records_pass_and_info_is_ignored():
    records = [
        record(logging.WARNING, "archiver.core.imap", "Account a: connecting without encryption"),
        record(logging.WARNING, "archiver.core.imap", "Account b: connecting without encryption"),
        record(logging.INFO, "archiver.core.jobs.archive", "anything"),
    ]
    assert log_problems(records, [PLAIN]) == []
    as_number = ExpectedLog(logging.WARNING, PLAIN.logger, PLAIN.pattern)
    assert log_problems(records, [as_number]) == []


def test_an_unexpected_record_fails():
    records = [
        record(logging.WARNING, "archiver.core.imap", "Account a: connecting without encryption"),
        record(logging.ERROR, "archiver.core.jobs.archive", "Account a: archive stopped"),
    ]
    assert log_problems(records, [PLAIN]) == [
        "Unexpected log record: ERROR archiver.core.jobs.archive: Account a: archive stopped"
    ]


def test_a_missing_record_fails_as_does_another_level_or_logger():
    assert log_problems([], [PLAIN]) == [
        "Expected log record missing: WARNING archiver.core.imap: /connecting without encryption/"
    ]
    for other in (
        record(logging.ERROR, "archiver.core.imap", "connecting without encryption"),
        record(logging.WARNING, "archiver.core", "connecting without encryption"),
        record(logging.WARNING, "archiver.core.imap", "connecting with encryption"),
    ):
        assert len(log_problems([other], [PLAIN])) == 2  # unexpected, and the expected missing
