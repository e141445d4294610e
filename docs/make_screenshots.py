"""Regenerate the screenshots in docs/screenshots/, in English and in German.

    python docs/make_screenshots.py            # both languages
    python docs/make_screenshots.py --lang de  # one

It needs Dovecot (as the tests do) and no screen: Qt draws offscreen. A private Dovecot gets a
user with a 10 MB quota and a few hundred generated German and English business messages
from 2019 to now; then the real main window (1100x720) is driven as a user would: the
welcome page, the account dialog after "Test connection" (first with STARTTLS on the SSL/TLS
port, then switched by its button), the accounts page, the archive
page before and after "Preview", during "Archive older than 1 year" and its indexing once
the server is freed, as the folders' counts
are updated after it and when that is done, the search page as it opens (the newest mail)
and a search with a message open, the import page after looking at a Thunderbird profile,
the settings with the run just made, automatic archiving
turned on (with a pretended system scheduler) after a recorded automatic run, the Backup
section after a backup, and the Record page (with a retention of 5 years). Passwords go to a
keyring in a file in the temporary folder, never to the system keyring.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keyring
from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QLocale,
    QMessageLogContext,
    QThreadPool,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from archiver.core.accounts import Security
from archiver.core.config import Config
from archiver.core.index.background import INDEXING, BackgroundIndexer
from archiver.core.index.indexer import IndexReport
from archiver.core.jobs.scheduled import AccountOutcome, ScheduledRun, record_scheduled_run
from archiver.core.paths import AppDirs
from archiver.core.progress import CancelToken, Phase, Progress, ProgressCallback
from archiver.core.runlog import read_runs
from archiver.core.scheduler import Host, System
from archiver.gui.app import install_translators
from archiver.gui.context import AppContext
from archiver.gui.mainwindow import MainWindow
from tests.helpers.dovecot import DovecotServer, ImapUser, append_messages, find_dovecot
from tests.helpers.filekeyring import FileKeyring
from tests.helpers.mailgen import generate_mailbox
from tests.helpers.mailsources import mboxrd, to_lf

OUT = Path(__file__).resolve().parent / "screenshots"
SIZE = (1100, 720)
FOLDERS = {"INBOX": 0.55, "Sent": 0.25, "Akten/2021": 0.1, "Trash": 0.1}
LOCALES = {
    "en": QLocale(QLocale.Language.English, QLocale.Country.UnitedStates),
    "de": QLocale(QLocale.Language.German, QLocale.Country.Germany),
}
_DATE = re.compile(rb"^Date: .*$", re.MULTILINE)


def quiet_platform(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
    """Print Qt's messages, but the offscreen platform's notices."""
    if not text.startswith("This plugin does not support"):
        print(f"Qt: {text}", file=sys.stderr)


def wait(app: QApplication, done: Callable[[], bool], timeout: float = 120) -> None:
    """Run the event loop until *done()*."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.005)


def settle(app: QApplication) -> None:
    """Let pending layouts and paints happen."""
    for _ in range(5):
        app.processEvents()
        time.sleep(0.01)


def save(app: QApplication, widget: QWidget, name: str, lang: str) -> None:
    """Grab *widget* into docs/screenshots/<name>-<lang>.png."""
    settle(app)
    path = OUT / f"{name}-{lang}.png"
    widget.grab().save(str(path))
    print(f"  {path.relative_to(OUT.parent.parent)}")


def save_now(widget: QWidget, name: str, lang: str) -> None:
    """Grab *widget* as it is at this moment, without running the event loop (a job could
    end meanwhile): only the layouts' pending updates are done first."""
    for _ in range(3):  # a layout request travels up one level at a time
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
    path = OUT / f"{name}-{lang}.png"
    widget.grab().save(str(path))
    print(f"  {path.relative_to(OUT.parent.parent)}")


def fill_mailbox(server: DovecotServer, user: ImapUser, count: int = 240) -> None:
    """Put *count* generated messages on the server, dated from 2019 to last week."""
    newest = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    span = newest - dt.datetime(2019, 1, 7, tzinfo=dt.UTC)
    messages = list(generate_mailbox(count, seed=11, mean_size=24_000))
    with server.client(user) as client:
        start = 0
        for folder, share in FOLDERS.items():
            size = round(count * share)
            for offset, raw in enumerate(messages[start : start + size]):
                when = newest - span * ((start + offset) * 7919 % count) / count
                dated = _DATE.sub(
                    b"Date: " + email.utils.format_datetime(when).encode(), raw, count=1
                )
                append_messages(client, folder, [dated], when=when, flags=(b"\\Seen",))
            start += size


def old_mail(work: Path) -> Path:
    """Write a Thunderbird profile with years of POP3 mail in its Local Folders; return it."""
    profile = work / "Thunderbird" / "Profiles" / "k3x9a1.default-release"
    local = profile / "Mail" / "Local Folders"
    (local / "Archiv.sbd").mkdir(parents=True)
    (profile / "prefs.js").write_text('user_pref("mail.server.server1.type", "none");\n')
    mail = [to_lf(raw) for raw in generate_mailbox(160, seed=77, mean_size=12_000)]
    folders = {"Inbox": mail[:40], "Sent": mail[40:70], "Archiv.sbd/2016": mail[70:110],
               "Archiv.sbd/2017": mail[110:]}  # fmt: skip
    for name, part in folders.items():
        (local / name).write_bytes(mboxrd(part))
        (local / f"{name}.msf").write_bytes(b"")
    (local / "Archiv").write_bytes(b"")
    return profile


# Indexing after the server is freed waits for its screenshot (a few hundred messages are
# indexed too fast to catch), showing how far the indexer got meanwhile.
INDEXING_SHOT = threading.Event()
_finish_indexing = BackgroundIndexer.finish


def finish_after_the_shot(
    indexer: BackgroundIndexer, *, report: ProgressCallback, cancel: CancelToken
) -> IndexReport:
    """BackgroundIndexer.finish, once the archive page during indexing is shot."""
    deadline = time.monotonic() + 10
    while indexer._indexed.value == 0 and time.monotonic() < deadline:  # under way first
        time.sleep(0.02)
    done = indexer._indexed.value
    report(Progress(done, done + indexer._remaining.value, INDEXING, phase=Phase.INDEXING))
    INDEXING_SHOT.wait(60)
    return _finish_indexing(indexer, report=report, cancel=cancel)


def answer_yes(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
    """Stand in for the confirmation box: the user clicks Yes."""
    return QMessageBox.StandardButton.Yes


def shoot(app: QApplication, server: DovecotServer, lang: str, work: Path) -> None:
    """Take every screenshot in *lang*."""
    print(f"{lang}:")
    QLocale.setDefault(LOCALES[lang])
    translators = install_translators(app, lang)
    user = server.add_user(quota_mb=10)
    fill_mailbox(server, user)
    keyring.set_keyring(FileKeyring(work / f"keyring-{lang}.json"))
    context = AppContext(AppDirs.under(work / lang), Config(), QThreadPool())
    window = MainWindow(context)
    window.resize(*SIZE)
    window.show()
    save(app, window, "welcome", lang)

    window.welcome_page.add_button.click()
    dialog = window.accounts_page.dialog
    assert dialog is not None
    dialog.name_edit.setText("kanzlei")
    dialog.host_edit.setText(server.host)
    dialog.port_edit.setText(str(server.ssl_port))
    dialog.user_edit.setText(user.name)
    dialog.cafile_edit.setText(str(server.cafile))
    dialog.keyring_radio.setChecked(True)
    dialog.password_edit.setText(user.password)
    # A common slip first: STARTTLS chosen for the SSL/TLS port; the dialog says so and
    # offers the switch, which then tests again.
    dialog.security_combo.setCurrentIndex(dialog.security_combo.findData(Security.STARTTLS))
    dialog.port_edit.setText(str(server.ssl_port))
    finished: list[bool] = []
    dialog.test_finished.connect(lambda: finished.append(True))
    dialog.test_button.click()
    wait(app, lambda: bool(finished))
    save(app, dialog, "account-error", lang)
    dialog.error_action_button.click()
    wait(app, lambda: len(finished) == 2)
    save(app, dialog, "account-dialog", lang)
    dialog.save_button.click()
    wait(app, lambda: bool(context.config.accounts) and window.accounts_page.dialog is None)

    window.show_page(window.accounts_page)
    wait(app, lambda: not window.accounts_page.is_busy())
    save(app, window, "accounts", lang)

    page = window.archive_page
    window.show_page(page)
    wait(app, lambda: page.folder_tree.topLevelItemCount() > 0 and not page.is_busy())
    save(app, window, "archive", lang)
    page.preview_button.click()
    wait(app, lambda: not page.is_busy())
    save(app, window, "archive-preview", lang)
    QMessageBox.question = answer_yes  # type: ignore[method-assign]
    INDEXING_SHOT.clear()
    BackgroundIndexer.finish = finish_after_the_shot  # type: ignore[method-assign,assignment]
    shots: list[bool] = []

    def during(_: object) -> None:
        if not shots and page.progress_bar.value() > page.progress_bar.maximum() // 3:
            shots.append(True)
            save(app, window, "archive-running", lang)
        if page.progress.in_background and not INDEXING_SHOT.is_set():
            save(app, window, "archive-indexing", lang)
            INDEXING_SHOT.set()

    def updating() -> None:  # the quiet reload of the counts after the run has started
        if page.updating_label.isVisibleTo(page):
            save_now(window, "archive-updating", lang)

    def started() -> None:
        runnable = page.jobs.runnable
        if page.progress.isVisibleTo(page) and runnable is not None:
            runnable.signals.progressed.connect(during)
        QTimer.singleShot(0, updating)  # once the page has set its controls for the job

    page.job_started.connect(started)
    reloaded: list[bool] = []
    page.folders_loaded.connect(lambda: reloaded.append(True))  # after the run, new counts
    page.archive_button.click()
    wait(app, lambda: bool(reloaded) and not page.is_busy(), timeout=600)
    save(app, window, "archive-done", lang)

    search = window.search_page
    opened: list[bool] = []
    search.search_finished.connect(lambda: opened.append(True))
    window.show_page(search)  # it lists the newest archived mail
    wait(app, lambda: bool(opened) and not search.is_busy())
    save(app, window, "search-open", lang)
    search.focus_query()
    search.query_edit.setText("betreff:rechnung" if lang == "de" else "subject:rechnung")
    searched: list[bool] = []
    search.search_finished.connect(lambda: searched.append(True))
    search.query_edit.returnPressed.emit()
    wait(app, lambda: bool(searched))
    previewed: list[bool] = []
    search.preview_finished.connect(lambda: previewed.append(True))
    search.results_view.selectRow(0)
    wait(app, lambda: bool(previewed))
    save(app, window, "search", lang)

    importing = window.import_page
    window.show_page(importing)
    importing.add_sources([old_mail(work / lang)])
    looked: list[bool] = []
    importing.looked.connect(lambda: looked.append(True))
    importing.look_button.click()
    wait(app, lambda: bool(looked))
    save(app, window, "import", lang)

    window.show_page(window.settings_page)
    wait(app, lambda: not window.settings_page.is_busy())
    save(app, window, "settings", lang)

    section = window.settings_page.backup_section
    section.folder_edit.setText(str(work / lang / ("Sicherung" if lang == "de" else "Backup")))
    backed_up: list[bool] = []
    section.job_finished.connect(lambda: backed_up.append(True))
    section.backup_button.click()
    wait(app, lambda: bool(backed_up) and not section.reading.busy)
    wait(app, lambda: not window.reminder.reading.busy)
    save(app, section, "backup", lang)

    record = window.record_page
    record.retention_spin.setValue(5)
    record.retention_spin.editingFinished.emit()
    window.show_page(record)
    wait(app, lambda: not record.reading.busy and not record.counting.busy)
    save(app, window, "record", lang)
    shoot_schedule(app, window, lang)
    window.close()
    for translator in translators:
        app.removeTranslator(translator)


def pretend_scheduler(arguments: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Stand in for schtasks/systemctl/launchctl: the real scheduler is never touched."""
    return subprocess.CompletedProcess(list(arguments), 0, "", "")


def shoot_schedule(app: QApplication, window: MainWindow, lang: str) -> None:
    """Turn automatic archiving on (with a pretended scheduler), record an automatic run
    like the archive run just made, and take the section."""
    section = window.settings_page.schedule_section
    section.host = Host(System.current(), Path(tempfile.gettempdir()), pretend_scheduler)
    section.save_button.click()
    wait(app, lambda: not section.is_busy() and bool(window.context.config.schedules))
    wait(app, lambda: not section.is_busy())
    last = read_runs(window.context.archive_root)[0]
    freed = (last.quota_before or 0) - (last.quota_after or 0)
    outcome = AccountOutcome(last.account, last.archived, last.deleted, max(freed, last.bytes))
    record_scheduled_run(
        window.context.dirs.config, ScheduledRun("all", last.started, last.finished, (outcome,))
    )
    section.show_last_run()
    save(app, section, "settings-schedule", lang)


def main() -> int:
    """Start Dovecot and take the screenshots of each language asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=sorted(LOCALES), action="append")
    args = parser.parse_args()
    binary = find_dovecot()
    if binary is None:
        raise SystemExit("dovecot is not installed (apt-get install dovecot-imapd)")
    qInstallMessageHandler(quiet_platform)
    app = QApplication(sys.argv[:1])
    OUT.mkdir(exist_ok=True)
    server = DovecotServer(binary)
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
            for lang in args.lang or sorted(LOCALES):
                shoot(app, server, lang, Path(tmp))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
