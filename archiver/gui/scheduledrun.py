"""The last automatic (scheduled) run in the user's words: "Last automatic run: 12 March,
1,204 messages, 380 MB freed", or what kept an account from being archived."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from archiver.core.jobs.scheduled import AccountOutcome, Problem, ScheduledRun
from archiver.gui.formatting import day_text, number_text, qdate, size_text
from archiver.gui.notices import Tone


def problem_text(outcome: AccountOutcome) -> str:
    """Say what kept one account of the run from being (fully) archived, and what helps."""
    texts = {
        Problem.PASSWORD_ASKED: QCoreApplication.translate(
            "scheduledrun",
            "{account}: skipped, because its password is asked each time. To archive it "
            "automatically, store its password in the system keyring (Accounts → Edit).",
        ),
        Problem.NO_PASSWORD: QCoreApplication.translate(
            "scheduledrun",
            "{account}: its password could not be read from the keyring or the password command.",
        ),
        Problem.UNKNOWN_ACCOUNT: QCoreApplication.translate(
            "scheduledrun", "{account}: the account no longer exists."
        ),
        Problem.ARCHIVE_MISSING: QCoreApplication.translate(
            "scheduledrun",
            "{account}: the archive folder {detail} was not there. Is its drive connected?",
        ),
        Problem.ARCHIVE_BUSY: QCoreApplication.translate(
            "scheduledrun", "{account}: another job was using the archive."
        ),
        Problem.LOGIN_FAILED: QCoreApplication.translate(
            "scheduledrun", "{account}: the server rejected the user name or password."
        ),
        Problem.UNREACHABLE: QCoreApplication.translate(
            "scheduledrun", "{account}: the server could not be reached."
        ),
        Problem.STOPPED: QCoreApplication.translate("scheduledrun", "{account}: stopped: {detail}"),
        Problem.INTERNAL: QCoreApplication.translate(
            "scheduledrun", "{account}: an unexpected error; the details are in the log file."
        ),
    }
    if outcome.problem is None:
        return QCoreApplication.translate(
            "scheduledrun",
            "{account}: {count} messages could not be archived and stay on the server.",
        ).format(account=outcome.account, count=number_text(outcome.errors))
    # Our own words, whole: the server's parts were redacted when the error was made.
    return texts[outcome.problem].format(account=outcome.account, detail=outcome.message)


def last_run_text(run: ScheduledRun) -> tuple[str, Tone]:
    """Return the sentence about the last automatic run, and its tone."""
    day = day_text(qdate(run.finished.astimezone().date()))
    summary = QCoreApplication.translate(
        "scheduledrun", "Last automatic run: {day}, {count} messages, {size} freed."
    ).format(day=day, count=number_text(run.archived), size=size_text(run.bytes_freed))
    if run.ok:
        return summary, Tone.SUCCESS
    return " ".join([summary, *(problem_text(o) for o in run.problems)]), Tone.WARNING
