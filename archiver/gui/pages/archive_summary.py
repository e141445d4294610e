"""What the archive page says after a run: what moved, what the server freed, what went wrong.

The texts name every message that stayed on the server and why, so that a user who reads
"Archived 1,200 messages" also learns about the 3 that could not be fetched.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from archiver.core.imap import Quota
from archiver.core.jobs.archive import CHOSEN, ArchiveResult, FolderReport, Kept
from archiver.gui.folder_names import folder_text
from archiver.gui.formatting import number_text, size_text

MAX_FAILURES_SHOWN = 5  # per folder; the log and the run log have them all


def kept_reason(reason: Kept, count: int) -> str:
    """Return why *count* messages stayed on the server, in the user's words."""
    one = count == 1
    texts = {
        Kept.FLAGGED: QCoreApplication.translate("ArchiveSummary", "it is flagged, as you chose")
        if one
        else QCoreApplication.translate("ArchiveSummary", "they are flagged, as you chose"),
        Kept.UNREAD: QCoreApplication.translate("ArchiveSummary", "it is unread, as you chose")
        if one
        else QCoreApplication.translate("ArchiveSummary", "they are unread, as you chose"),
        Kept.DELETED_ELSEWHERE: QCoreApplication.translate(
            "ArchiveSummary", "another mail program marked it as deleted"
        )
        if one
        else QCoreApplication.translate(
            "ArchiveSummary", "another mail program marked them as deleted"
        ),
        Kept.KEEP_ON_SERVER: QCoreApplication.translate(
            "ArchiveSummary", "you chose to keep everything on the server"
        ),
        Kept.DRY_RUN: QCoreApplication.translate(
            "ArchiveSummary", "this was only a preview, which changes nothing"
        ),
        Kept.NO_UIDPLUS: QCoreApplication.translate(
            "ArchiveSummary", "the server cannot delete single messages safely (no UIDPLUS)"
        ),
        Kept.UIDVALIDITY: QCoreApplication.translate(
            "ArchiveSummary", "the folder was recreated on the server during the run"
        ),
        Kept.CHANGED: QCoreApplication.translate(
            "ArchiveSummary", "it changed on the server after it was archived"
        )
        if one
        else QCoreApplication.translate(
            "ArchiveSummary", "they changed on the server after they were archived"
        ),
        Kept.NOT_EXPUNGED: QCoreApplication.translate(
            "ArchiveSummary", "the server did not remove it when asked"
        )
        if one
        else QCoreApplication.translate(
            "ArchiveSummary", "the server did not remove them when asked"
        ),
        Kept.READ_ONLY: QCoreApplication.translate(
            "ArchiveSummary", "the server does not allow deleting in this folder (read-only)"
        ),
        Kept.STOPPED: QCoreApplication.translate(
            "ArchiveSummary", "the run stopped before deleting"
        ),
        Kept.RESTORED: QCoreApplication.translate(
            "ArchiveSummary", "you restored it from the archive"
        )
        if one
        else QCoreApplication.translate("ArchiveSummary", "you restored them from the archive"),
        Kept.VANISHED: QCoreApplication.translate(
            "ArchiveSummary", "another mail program removed it from the server meanwhile"
        )
        if one
        else QCoreApplication.translate(
            "ArchiveSummary", "another mail program removed them from the server meanwhile"
        ),
        Kept.DAMAGED: QCoreApplication.translate(
            "ArchiveSummary", "its archived copy is missing or damaged; check the archive"
        )
        if one
        else QCoreApplication.translate(
            "ArchiveSummary", "their archived copy is missing or damaged; check the archive"
        ),
    }
    return texts[reason]


def run_summary(result: ArchiveResult) -> tuple[str, bool]:
    """Return the summary of an archive run and whether it needs the user's attention."""
    lines = [_headline(result)]
    if result.partly:
        lines.append(
            QCoreApplication.translate(
                "ArchiveSummary",
                "Partly done: some of the chosen mail stays on the server; see below why.",
            )
        )
    quota = _quota_line(result.quota_before, result.quota_after)
    if quota:
        lines.append(quota)
    problems = _problems(result)
    if problems:
        lines += [
            "",
            QCoreApplication.translate("ArchiveSummary", "Needs your attention:"),
            *problems,
        ]
    kept = [
        _kept_line(f, reason, count)
        for f in result.folders
        for reason, count in sorted(f.kept.items())
        if count and reason in CHOSEN and reason != Kept.DRY_RUN
    ]
    kept += [_arrived_line(f) for f in result.folders if f.arrived]
    if kept:
        lines += ["", QCoreApplication.translate("ArchiveSummary", "Kept on the server:"), *kept]
    attention = bool(problems) or result.cancelled
    return "\n".join(lines), attention


def _messages(count: int) -> str:
    """Return "1 message" or "12,345 messages", for sentences with several counts."""
    if count == 1:
        return QCoreApplication.translate("ArchiveSummary", "{count} message").format(
            count=number_text(count)
        )
    return QCoreApplication.translate("ArchiveSummary", "{count} messages").format(
        count=number_text(count)
    )


def _archived_clause(count: int, size: int, *, before_the_stop: bool) -> str:
    """Return "1 message (1 kB) was archived and checked[ before the stop]" and the like."""
    values = {"count": number_text(count), "size": size_text(size)}
    if before_the_stop:
        if count == 1:
            text = QCoreApplication.translate(
                "ArchiveSummary",
                "{count} message ({size}) was archived and checked before the stop",
            )
        else:
            text = QCoreApplication.translate(
                "ArchiveSummary",
                "{count} messages ({size}) were archived and checked before the stop",
            )
    elif count == 1:
        text = QCoreApplication.translate(
            "ArchiveSummary", "{count} message ({size}) was archived and checked"
        )
    else:
        text = QCoreApplication.translate(
            "ArchiveSummary", "{count} messages ({size}) were archived and checked"
        )
    return text.format(**values)


def _deleted_clause(count: int, size: int) -> str:
    """Return "1 message (1 kB) was deleted from the server" and the like."""
    if count == 1:
        text = QCoreApplication.translate(
            "ArchiveSummary", "{count} message ({size}) was deleted from the server"
        )
    else:
        text = QCoreApplication.translate(
            "ArchiveSummary", "{count} messages ({size}) were deleted from the server"
        )
    return text.format(count=number_text(count), size=size_text(size))


def _headline(result: ArchiveResult) -> str:
    removed = sum(f.bytes_deleted for f in result.folders)
    values = {
        "archived": number_text(result.archived),
        "size": size_text(result.bytes),
        "account": result.account,
    }
    if result.cancelled:
        if result.deleted:
            return QCoreApplication.translate(
                "ArchiveSummary",
                "Cancelled: {archived}, and {deleted}. Everything else is still on the server; "
                "archive again to finish.",
            ).format(
                archived=_archived_clause(result.archived, result.bytes, before_the_stop=True),
                deleted=_deleted_clause(result.deleted, removed),
            )
        if result.archived == 1:
            text = QCoreApplication.translate(
                "ArchiveSummary",
                "Cancelled: {archived} message ({size}) was archived and checked before the "
                "stop. Nothing was deleted from the server; everything is still there. Archive "
                "again to finish.",
            )
        else:
            text = QCoreApplication.translate(
                "ArchiveSummary",
                "Cancelled: {archived} messages ({size}) were archived and checked before the "
                "stop. Nothing was deleted from the server; everything is still there. Archive "
                "again to finish.",
            )
        return text.format(**values)
    if result.error:
        if result.failure is not None:  # the page shows the error itself, with its button
            text = QCoreApplication.translate(
                "ArchiveSummary",
                "The run stopped before its end.\n{archived}; {deleted}. Messages not archived "
                "are still on the server.",
            )
        else:
            text = QCoreApplication.translate(
                "ArchiveSummary",
                "The run stopped: {error}\n{archived}; {deleted}. Messages not archived are "
                "still on the server.",
            )
        return text.format(
            error=result.error,
            archived=_archived_clause(result.archived, result.bytes, before_the_stop=False),
            deleted=_deleted_clause(result.deleted, removed),
        )
    already = sum(f.already for f in result.folders)
    if result.deleted:
        text = QCoreApplication.translate(
            "ArchiveSummary",
            "Archived {archived} ({size}) of {account} and freed {freed} on the server "
            "({deleted} deleted).",
        ).format(
            archived=_messages(result.archived),
            size=size_text(result.bytes),
            account=result.account,
            freed=size_text(result.bytes_freed),  # other users' folders: not our quota
            deleted=_messages(result.deleted),
        )
    elif result.archived == 1:
        text = QCoreApplication.translate(
            "ArchiveSummary",
            "Archived {archived} message ({size}) of {account}. Nothing was deleted from the "
            "server.",
        ).format(**values)
    else:
        text = QCoreApplication.translate(
            "ArchiveSummary",
            "Archived {archived} messages ({size}) of {account}. Nothing was deleted from the "
            "server.",
        ).format(**values)
    if already:
        already_text = (
            QCoreApplication.translate(
                "ArchiveSummary", "{already} message was in the archive already."
            )
            if already == 1
            else QCoreApplication.translate(
                "ArchiveSummary", "{already} messages were in the archive already."
            )
        )
        text += " " + already_text.format(already=number_text(already))
    return text


def _quota_line(before: Quota | None, after: Quota | None) -> str:
    if before is None:
        return ""
    if after is None:
        return QCoreApplication.translate(
            "ArchiveSummary", "Server storage: {before} used before the run."
        ).format(before=size_text(before.used))
    if after.limit:
        return QCoreApplication.translate(
            "ArchiveSummary", "Server storage: {before} used before, {after} now, of {limit}."
        ).format(
            before=size_text(before.used), after=size_text(after.used), limit=size_text(after.limit)
        )
    return QCoreApplication.translate(
        "ArchiveSummary", "Server storage: {before} used before, {after} now."
    ).format(before=size_text(before.used), after=size_text(after.used))


def _problems(result: ArchiveResult) -> list[str]:
    lines: list[str] = []
    for f in result.folders:
        if f.error:
            lines.append(
                QCoreApplication.translate("ArchiveSummary", "• Folder {folder}: {error}").format(
                    folder=folder_text(f.folder), error=f.error
                )
            )
        if f.failed:
            text = (
                QCoreApplication.translate(
                    "ArchiveSummary",
                    "• Folder {folder}: {count} message could not be archived; it stays on "
                    "the server.",
                )
                if f.failed == 1
                else QCoreApplication.translate(
                    "ArchiveSummary",
                    "• Folder {folder}: {count} messages could not be archived; they stay on "
                    "the server.",
                )
            )
            lines.append(text.format(folder=folder_text(f.folder), count=number_text(f.failed)))
            lines += [f"    {failure}" for failure in f.failures[:MAX_FAILURES_SHOWN]]
        if f.not_reached and not result.cancelled:
            text = (
                QCoreApplication.translate(
                    "ArchiveSummary",
                    "• Folder {folder}: {count} message was not reached; it stays on the "
                    "server. Archive again to finish.",
                )
                if f.not_reached == 1
                else QCoreApplication.translate(
                    "ArchiveSummary",
                    "• Folder {folder}: {count} messages were not reached; they stay on the "
                    "server. Archive again to finish.",
                )
            )
            lines.append(
                text.format(folder=folder_text(f.folder), count=number_text(f.not_reached))
            )
        if f.vanished:
            text = (
                QCoreApplication.translate(
                    "ArchiveSummary",
                    "• Folder {folder}: {count} message was removed from the server by "
                    "another mail program during the run.",
                )
                if f.vanished == 1
                else QCoreApplication.translate(
                    "ArchiveSummary",
                    "• Folder {folder}: {count} messages were removed from the server by "
                    "another mail program during the run.",
                )
            )
            lines.append(text.format(folder=folder_text(f.folder), count=number_text(f.vanished)))
        lines += [
            _kept_line(f, reason, count)
            for reason, count in sorted(f.kept.items())
            # After Cancel, the headline already says that nothing more was deleted.
            if count and reason not in CHOSEN and not (result.cancelled and reason == Kept.STOPPED)
        ]
    if result.index_error:
        lines.append(
            QCoreApplication.translate(
                "ArchiveSummary",
                "• The search index was not updated ({error}); it catches up on the next search.",
            ).format(error=result.index_error)
        )
    elif result.index_left and not result.dry_run:
        text = (
            QCoreApplication.translate(
                "ArchiveSummary",
                "• {count} archived message is not indexed for search yet; that happens at "
                "the next start or search.",
            )
            if result.index_left == 1
            else QCoreApplication.translate(
                "ArchiveSummary",
                "• {count} archived messages are not indexed for search yet; that happens at "
                "the next start or search.",
            )
        )
        lines.append(text.format(count=number_text(result.index_left)))
    if not result.closes:
        lines.append(
            QCoreApplication.translate(
                "ArchiveSummary",
                "• The counts do not add up for {folders}: messages were removed by another "
                "mail program during the run, or a message is not accounted for. See the log "
                "for details.",
            ).format(
                folders=", ".join(folder_text(f.folder) for f in result.folders if not f.closes)
            )
        )
    return lines


def _arrived_line(report: FolderReport) -> str:
    """Say that mail delivered during the run was left alone: normal mail flow, no problem."""
    text = (
        QCoreApplication.translate(
            "ArchiveSummary",
            "• Folder {folder}: {count} message arrived during the run; it stays on the server.",
        )
        if report.arrived == 1
        else QCoreApplication.translate(
            "ArchiveSummary",
            "• Folder {folder}: {count} messages arrived during the run; they stay on the server.",
        )
    )
    return text.format(folder=folder_text(report.folder), count=number_text(report.arrived))


def _kept_line(report: FolderReport, reason: Kept, count: int) -> str:
    text = (
        QCoreApplication.translate(
            "ArchiveSummary", "• Folder {folder}: {count} message stays on the server: {reason}."
        )
        if count == 1
        else QCoreApplication.translate(
            "ArchiveSummary", "• Folder {folder}: {count} messages stay on the server: {reason}."
        )
    )
    return text.format(
        folder=folder_text(report.folder),
        count=number_text(count),
        reason=kept_reason(reason, count),
    )
